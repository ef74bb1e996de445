/*
 * Replay of a strategy against a dataset: the engine's ask/tell loop with
 * a table look-up in place of builds and benchmarks, timed per ask, and
 * the figures of many seeds.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"
#include "xmalloc.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
replay_trace(const struct dataset *ds, const char *strategy,
    const struct strategy_conf *conf, size_t budget, size_t batch,
    struct replay_trace *t, char **cause)
{
	struct strategy *s;
	struct config **cfgs;
	struct outcome o;
	const char *why;
	size_t room, got, i, capasks = 0;
	double found = NAN, t0, v;
	long row;

	memset(t, 0, sizeof *t);
	if (batch == 0)
		batch = 1;
	if ((s = strategy_new(strategy, ds->space, conf, cause)) == NULL)
		return -1;
	t->budget = budget;
	t->found = xcalloc(budget > 0 ? budget : 1, sizeof *t->found);
	t->tell_ms = xcalloc(budget > 0 ? budget : 1, sizeof *t->tell_ms);
	t->absent = xcalloc(budget > 0 ? budget : 1, sizeof *t->absent);
	cfgs = xcalloc(batch, sizeof *cfgs);
	while (t->used < budget) {
		room = budget - t->used < batch ? budget - t->used : batch;
		t0 = now_ms();
		got = strategy_ask(s, cfgs, room);
		v = now_ms() - t0;
		if (t->nasks == capasks) {
			capasks = capasks == 0 ? 64 : capasks * 2;
			t->ask_ms = xreallocarray(t->ask_ms, capasks,
			    sizeof *t->ask_ms);
			t->ask_seen = xreallocarray(t->ask_seen, capasks,
			    sizeof *t->ask_seen);
		}
		t->ask_ms[t->nasks] = v;
		t->ask_seen[t->nasks] = t->used;
		t->nasks++;
		if (got == 0) {
			if ((why = strategy_error(s)) != NULL) {
				*cause = xasprintf("strategy %s failed after "
						   "%zu evaluations: %s",
				    strategy, t->used, why);
				free(cfgs);
				strategy_free(s);
				replay_trace_free(t);
				return -1;
			}
			break; /* it has nothing more to propose */
		}
		for (i = 0; i < got; i++) {
			memset(&o, 0, sizeof o);
			if ((row = dataset_lookup(ds, cfgs[i])) < 0) {
				o.status = OUTCOME_FAILED;
				o.reason = "absent from the dataset";
				t->absent[t->used] = 1;
				t->failed++;
			} else {
				o.status = OUTCOME_DONE;
				o.value = dataset_value(ds, (size_t)row);
				o.stddev = 0;
				o.n = 1;
				if (isnan(found) ||
				    dataset_better(ds, o.value, found))
					found = o.value;
			}
			t0 = now_ms();
			strategy_tell(s, cfgs[i], &o);
			t->tell_ms[t->used] = now_ms() - t0;
			t->found[t->used++] = found;
			free(cfgs[i]);
		}
	}
	for (i = t->used; i < budget; i++)
		t->found[i] = found;
	free(cfgs);
	strategy_free(s);
	return 0;
}

void
replay_trace_free(struct replay_trace *t)
{
	free(t->found);
	free(t->ask_ms);
	free(t->ask_seen);
	free(t->tell_ms);
	free(t->absent);
	memset(t, 0, sizeof *t);
}

void
replay_judge(const struct dataset *ds, double found, int *best, int *within5,
    double *regret)
{
	double gap, range = fabs(ds->best - ds->worst);

	if (isnan(found)) {
		*best = *within5 = 0;
		*regret = 1;
		return;
	}
	gap = fabs(ds->best - found);
	*best = found == ds->best;
	*within5 = gap <= 0.05 * fabs(ds->best);
	*regret = range > 0 ? gap / range : 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
replay_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return NAN;
	qsort(v, n, sizeof *v, cmp_double);
	if (q == 0.5 && n % 2 == 0)
		return (v[n / 2 - 1] + v[n / 2]) / 2;
	i = (size_t)ceil(q * (double)n);
	return v[i > 0 ? i - 1 : 0];
}

/* Per budget: sums over seeds, and the times seen so far. */
struct acc {
	double nbest, nwithin, regret, failed;
	double *asks, *tells;
	size_t nasks, ntells, capasks, captells;
};

static void
push(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		*cap = *cap == 0 ? 256 : *cap * 2;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = x;
}

int
replay_run(const struct dataset *ds, const struct replay_conf *rc,
    struct replay_score *out, char **cause)
{
	struct strategy_conf conf;
	struct replay_trace t;
	struct acc *acc;
	size_t max = 0, b, i, k, failed;
	unsigned seed;
	double found, regret;
	int best, within;
	char *why;

	for (b = 0; b < rc->nbudgets; b++)
		if (rc->budgets[b] > max)
			max = rc->budgets[b];
	acc = xcalloc(rc->nbudgets, sizeof *acc);
	memset(&conf, 0, sizeof conf);
	conf.seeded = 1;
	conf.direction = ds->direction;
	conf.options = rc->options;
	conf.noptions = rc->noptions;
	conf.dir = rc->dir;
	for (seed = 1; seed <= rc->seeds; seed++) {
		conf.seed = seed;
		if (replay_trace(ds, rc->strategy, &conf, max, rc->batch, &t,
			&why) != 0) {
			*cause = xasprintf("seed %u: %s", seed, why);
			free(why);
			for (b = 0; b < rc->nbudgets; b++) {
				free(acc[b].asks);
				free(acc[b].tells);
			}
			free(acc);
			return -1;
		}
		for (b = 0; b < rc->nbudgets; b++) {
			struct acc *a = &acc[b];
			size_t budget = rc->budgets[b];

			found = budget > 0 ? t.found[budget - 1] : NAN;
			replay_judge(ds, found, &best, &within, &regret);
			a->nbest += best;
			a->nwithin += within;
			a->regret += regret;
			/* Absent configurations among the first budget. */
			failed = 0;
			for (i = 0; i < budget && i < t.used; i++)
				failed += t.absent[i];
			a->failed += (double)failed;
			for (k = 0; k < t.nasks; k++)
				if (t.ask_seen[k] < budget)
					push(&a->asks, &a->nasks, &a->capasks,
					    t.ask_ms[k]);
			for (i = 0; i < budget && i < t.used; i++)
				push(&a->tells, &a->ntells, &a->captells,
				    t.tell_ms[i]);
		}
		replay_trace_free(&t);
	}
	for (b = 0; b < rc->nbudgets; b++) {
		struct acc *a = &acc[b];
		struct replay_score *s = &out[b];

		memset(s, 0, sizeof *s);
		s->budget = rc->budgets[b];
		s->seeds = rc->seeds;
		s->p_best = rc->seeds > 0 ? a->nbest / rc->seeds : NAN;
		s->p_within5 = rc->seeds > 0 ? a->nwithin / rc->seeds : NAN;
		s->mean_regret = rc->seeds > 0 ? a->regret / rc->seeds : NAN;
		s->mean_failed = rc->seeds > 0 ? a->failed / rc->seeds : NAN;
		s->nasks = a->nasks;
		s->ask_ms_median = replay_quantile(a->asks, a->nasks, 0.5);
		s->ask_ms_p90 = replay_quantile(a->asks, a->nasks, 0.9);
		s->tell_ms_median = replay_quantile(a->tells, a->ntells, 0.5);
		free(a->asks);
		free(a->tells);
	}
	free(acc);
	return 0;
}
