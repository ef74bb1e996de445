/*
 * Replay: a search strategy run against a dataset instead of real
 * benchmarks, exactly as the engine runs it (strategy_new, strategy_ask,
 * strategy_tell), each proposal scored by a look-up. Many seeds give the
 * probability that a strategy finds the best configuration, or one
 * within 5% of it, in a budget of evaluations, and its mean regret.
 */
#ifndef WAYFINDER_REPLAY_H
#define WAYFINDER_REPLAY_H

#include <stddef.h>

#include "../strategies/strategy.h"
#include "dataset.h"

/* One run of one strategy with one seed. */
struct replay_trace {
	size_t budget; /* evaluations asked for */
	size_t used;   /* made: fewer when the strategy ran out */
	size_t failed; /* of them, absent configurations */
	/* found[k]: the best primary value in evaluations 1..k+1, NAN
	 * while none succeeded; budget entries (after the strategy ran
	 * out, the last value stays). */
	double *found;
	double *ask_ms;   /* the time of each ask */
	size_t *ask_seen; /* evaluations told before each ask */
	size_t nasks;
	double *tell_ms;       /* the time of each evaluation's tell */
	unsigned char *absent; /* 1: evaluation k was absent (failed) */
};

/*
 * Runs strategy (with conf) on ds for budget evaluations, batch
 * configurations per ask (the engine asks for its free slots at once).
 * An absent configuration is told as failed and costs an evaluation.
 * Returns 0 with *t filled (replay_trace_free it), or -1 with *cause
 * set when the strategy does not start or breaks (strategy_error).
 */
int replay_trace(const struct dataset *ds, const char *strategy,
    const struct strategy_conf *conf, size_t budget, size_t batch,
    struct replay_trace *t, char **cause);
void replay_trace_free(struct replay_trace *);

/* How good a found value is: the exact best, within 5% of the best
 * (|best - found| <= 0.05 |best|), and the normalised regret
 * |best - found| / |best - worst| (0 when all rows are equal). found
 * NAN (nothing found) is neither and has regret 1. */
void replay_judge(const struct dataset *, double found, int *best, int *within5,
    double *regret);

/* The settings of a replay of one strategy over seeds 1..seeds. */
struct replay_conf {
	const char *strategy;
	const struct spec_option *options;
	size_t noptions;
	const char *dir; /* resolves relative paths in the options */
	unsigned seeds;
	const size_t *budgets;
	size_t nbudgets;
	size_t batch;
};

/* A strategy's figures at one budget, over all seeds. */
struct replay_score {
	size_t budget;
	unsigned seeds;
	double p_best;
	double p_within5;
	double mean_regret;
	double mean_failed; /* evaluations of absent configurations */
	/* Asks made with fewer than budget evaluations told. */
	size_t nasks;
	double ask_ms_median;
	double ask_ms_p90;
	double tell_ms_median;
};

/*
 * Replays conf->strategy for each seed and scores it at each budget into
 * out[0 .. nbudgets - 1]. Returns 0, or -1 with *cause set (naming the
 * seed) when the strategy does not start or breaks.
 */
int replay_run(const struct dataset *, const struct replay_conf *,
    struct replay_score *out, char **cause);

/* The median (q 0.5) or another quantile of v (n > 0; v is sorted in
 * place); NAN when n is 0. */
double replay_quantile(double *v, size_t n, double q);

#endif
