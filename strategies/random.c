/*
 * Random search: uniform samples of the valid configurations, without
 * repeats. When rejection stops finding new configurations in a small
 * space, the rest is drawn from an enumeration of what is left, so the
 * last configurations cost no more than the first.
 */
#include "config.h"

#include <stdlib.h>

#include "../src/idset.h"
#include "../src/rng.h"
#include "../src/xmalloc.h"
#include "strategy.h"

#define REJECT_TRIES 64
#define ENUMERATE_LIMIT (1u << 22)

struct random {
	const struct space *space;
	struct rng rng;
	struct idset seen;
	struct space_count size;
};

static void *
random_init(const struct space *sp, const struct strategy_conf *conf,
    char **cause)
{
	struct random *r;

	r = xcalloc(1, sizeof *r);
	r->space = sp;
	rng_seed(&r->rng, conf->seed);
	space_size(sp, &r->size);
	return r;
}

/* A uniform pick among the configurations not seen yet, by one pass of
 * reservoir sampling over the grid; NULL when none is left. */
static struct config *
random_remaining(struct random *r)
{
	struct space_iter *it;
	struct config *c, *pick = NULL;
	uint64_t n = 0;

	it = space_iter_new(r->space, NULL);
	while ((c = space_iter_next(it)) != NULL) {
		if (idset_has(&r->seen, c->id)) {
			free(c);
			continue;
		}
		if (rng_below(&r->rng, ++n) == 0) {
			free(pick);
			pick = c;
		} else
			free(c);
	}
	space_iter_free(it);
	return pick;
}

static size_t
random_ask(void *state, struct config **out, size_t n)
{
	struct random *r = state;
	struct config *c;
	size_t got = 0;
	int tries;

	while (got < n) {
		if (r->size.exact && r->size.fits &&
		    idset_count(&r->seen) >= r->size.n)
			break;
		c = NULL;
		for (tries = 0; tries < REJECT_TRIES; tries++) {
			c = space_sample(r->space, &r->rng);
			if (!idset_has(&r->seen, c->id))
				break;
			free(c);
			c = NULL;
		}
		if (c == NULL) {
			if (!r->size.fits || r->size.n > ENUMERATE_LIMIT)
				break; /* a vast space that keeps repeating */
			if ((c = random_remaining(r)) == NULL)
				break;
		}
		idset_add(&r->seen, c->id);
		out[got++] = c;
	}
	return got;
}

static void
random_tell(void *state, const struct config *cfg, const struct outcome *o)
{
	struct random *r = state;

	idset_add(&r->seen, cfg->id);
}

static void
random_free(void *state)
{
	struct random *r = state;

	idset_free(&r->seen);
	free(r);
}

const struct strategy_ops strategy_random = {
	.name = "random",
	.summary = "uniform samples of the valid configurations, no repeats",
	.init = random_init,
	.ask = random_ask,
	.tell = random_tell,
	.free = random_free,
};
