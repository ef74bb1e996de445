/*
 * Grid search: every configuration in the space's fixed order (the first
 * parameter varies slowest). A user-given seed starts the sweep at a
 * random configuration and wraps around, as the original tool did, so
 * that a partial sweep is not biased towards the first values.
 */
#include "config.h"

#include <stdlib.h>

#include "../src/idset.h"
#include "../src/rng.h"
#include "../src/xmalloc.h"
#include "strategy.h"

struct grid {
	const struct space *space;
	struct space_iter *it;
	struct idset told;
};

static void *
grid_init(const struct space *sp, const struct strategy_conf *conf,
    char **cause)
{
	struct grid *g;
	struct config *start = NULL;
	struct rng r;

	g = xcalloc(1, sizeof *g);
	g->space = sp;
	if (conf->seeded) {
		rng_seed(&r, conf->seed);
		start = space_sample(sp, &r);
	}
	g->it = space_iter_new(sp, start);
	free(start);
	return g;
}

static size_t
grid_ask(void *state, struct config **out, size_t n)
{
	struct grid *g = state;
	struct config *c;
	size_t got = 0;

	while (got < n && (c = space_iter_next(g->it)) != NULL) {
		if (idset_has(&g->told, c->id)) {
			free(c); /* measured in an earlier run */
			continue;
		}
		out[got++] = c;
	}
	return got;
}

static void
grid_tell(void *state, const struct config *cfg, const struct outcome *o)
{
	struct grid *g = state;

	idset_add(&g->told, cfg->id);
}

static void
grid_free(void *state)
{
	struct grid *g = state;

	space_iter_free(g->it);
	idset_free(&g->told);
	free(g);
}

const struct strategy_ops strategy_grid = {
	.name = "grid",
	.summary = "every configuration in order (a seed starts at a random "
		   "one)",
	.init = grid_init,
	.ask = grid_ask,
	.tell = grid_tell,
	.free = grid_free,
};
