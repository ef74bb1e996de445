/*
 * The strategy registry and the no-repeat wrapper around every strategy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../src/buf.h"
#include "../src/idset.h"
#include "../src/xmalloc.h"
#include "strategy.h"

/* Rounds of nothing but repeats before a strategy is taken as done. */
#define MAX_REPEAT_ROUNDS 100

static const struct strategy_ops *const registry[] = {
	&strategy_grid,
	&strategy_random,
};
#define NREGISTRY (sizeof registry / sizeof registry[0])

struct strategy {
	const struct strategy_ops *ops;
	void *state;
	struct idset seen;
};

const struct strategy_ops *
strategy_find(const char *name)
{
	size_t i;

	for (i = 0; i < NREGISTRY; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const char *const *
strategy_names(void)
{
	static const char *names[NREGISTRY + 1];
	size_t i;

	for (i = 0; i < NREGISTRY; i++)
		names[i] = registry[i]->name;
	names[NREGISTRY] = NULL;
	return names;
}

const char *
strategy_list(void)
{
	static char *list;
	struct buf b = BUF_INIT;
	size_t i;

	if (list == NULL) {
		for (i = 0; i < NREGISTRY; i++)
			buf_printf(&b, "%s%s", i > 0 ? ", " : "",
			    registry[i]->name);
		list = buf_steal(&b);
	}
	return list;
}

struct strategy *
strategy_new(const char *name, const struct space *sp,
    const struct strategy_conf *conf, char **cause)
{
	const struct strategy_ops *ops;
	struct strategy *s;
	void *state;

	if ((ops = strategy_find(name)) == NULL) {
		*cause = xasprintf("unknown strategy '%s' (%s)", name,
		    strategy_list());
		return NULL;
	}
	if ((state = ops->init(sp, conf, cause)) == NULL)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->ops = ops;
	s->state = state;
	return s;
}

size_t
strategy_ask(struct strategy *s, struct config **out, size_t n)
{
	struct config *c;
	size_t got = 0, kept, k, i;
	int idle = 0;

	while (got < n && idle < MAX_REPEAT_ROUNDS) {
		if ((k = s->ops->ask(s->state, out + got, n - got)) == 0)
			break;
		kept = got;
		for (i = 0; i < k; i++) {
			c = out[got + i];
			if (idset_add(&s->seen, c->id))
				out[kept++] = c;
			else
				free(c);
		}
		idle = kept > got ? 0 : idle + 1;
		got = kept;
	}
	return got;
}

void
strategy_tell(struct strategy *s, const struct config *cfg,
    const struct outcome *o)
{
	idset_add(&s->seen, cfg->id);
	s->ops->tell(s->state, cfg, o);
}

const char *
strategy_name(const struct strategy *s)
{
	return s->ops->name;
}

void
strategy_free(struct strategy *s)
{
	if (s == NULL)
		return;
	s->ops->free(s->state);
	idset_free(&s->seen);
	free(s);
}
