/*
 * The strategy registry and the no-repeat wrapper around every strategy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "../src/buf.h"
#include "../src/diag.h"
#include "../src/idset.h"
#include "../src/xmalloc.h"
#include "strategy.h"

/* Rounds of nothing but repeats before a strategy is taken as done. */
#define MAX_REPEAT_ROUNDS 100

static const struct strategy_ops *const registry[] = {
	&strategy_grid,
	&strategy_random,
	&strategy_external,
	&strategy_tpe,
	&strategy_bayes,
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
strategy_mark(struct strategy *s, const struct config *cfg)
{
	idset_add(&s->seen, cfg->id);
}

const char *
strategy_error(const struct strategy *s)
{
	return s->ops->error != NULL ? s->ops->error(s->state) : NULL;
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

static const char *const type_names[] = { "a whole number", "a number",
	"true or false", "a string", "a list" };

int
strategy_check_option(const struct strategy_ops *ops,
    const struct spec_option *o, char **why, const char **hint)
{
	const struct strategy_opt *d;
	const char *names[64];
	char *end;
	double v;
	size_t n = 0;

	*why = NULL;
	*hint = NULL;
	for (d = ops->opts; d != NULL && d->name != NULL; d++) {
		if (n < 63)
			names[n++] = d->name;
		if (strcmp(d->name, o->name) == 0)
			break;
	}
	names[n] = NULL;
	if (d == NULL || d->name == NULL) {
		struct buf b = BUF_INIT;
		size_t i;

		*hint = diag_suggest(o->name, names);
		for (i = 0; i < n; i++)
			buf_printf(&b, "%s%s", i > 0 ? ", " : "", names[i]);
		*why = n == 0 ?
		    xasprintf("strategy %s takes no options", ops->name) :
		    xasprintf("'%s' is not an option of strategy "
			      "%s (%s)",
			o->name, ops->name, buf_str(&b));
		buf_free(&b);
		return -1;
	}
	if ((d->type == SOPT_LIST) != (o->value == NULL)) {
		*why = xasprintf("option '%s' of %s must be %s", o->name,
		    ops->name, type_names[d->type]);
		return -1;
	}
	switch (d->type) {
	case SOPT_INT:
	case SOPT_FLOAT:
		v = strtod(o->value, &end);
		if (*o->value == '\0' || *end != '\0' || v != v ||
		    (d->type == SOPT_INT && v != (double)(long long)v)) {
			*why = xasprintf("option '%s' of %s must be %s, not "
					 "'%s'",
			    o->name, ops->name, type_names[d->type], o->value);
			return -1;
		}
		if (v < d->min || v > d->max) {
			*why = xasprintf("option '%s' of %s must be between %g "
					 "and %g, not %s",
			    o->name, ops->name, d->min, d->max, o->value);
			return -1;
		}
		break;
	case SOPT_BOOL:
		if (strcmp(o->value, "true") != 0 &&
		    strcmp(o->value, "false") != 0) {
			*why = xasprintf("option '%s' of %s must be true or "
					 "false, not '%s'",
			    o->name, ops->name, o->value);
			return -1;
		}
		break;
	case SOPT_LIST:
		if (o->nlist == 0) {
			*why = xasprintf("option '%s' of %s is empty", o->name,
			    ops->name);
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

const struct spec_option *
strategy_option(const struct strategy_conf *conf, const char *name)
{
	size_t i;

	/* The last one given wins: --option comes after the spec's. */
	for (i = conf->noptions; i > 0; i--)
		if (strcmp(conf->options[i - 1].name, name) == 0)
			return &conf->options[i - 1];
	return NULL;
}

double
strategy_option_num(const struct strategy_conf *conf, const char *name,
    double dflt)
{
	const struct spec_option *o = strategy_option(conf, name);

	if (o == NULL || o->value == NULL)
		return dflt;
	if (strcmp(o->value, "true") == 0)
		return 1;
	if (strcmp(o->value, "false") == 0)
		return 0;
	return strtod(o->value, NULL);
}

const char *
strategy_option_str(const struct strategy_conf *conf, const char *name,
    const char *dflt)
{
	const struct spec_option *o = strategy_option(conf, name);

	return o != NULL && o->value != NULL ? o->value : dflt;
}
