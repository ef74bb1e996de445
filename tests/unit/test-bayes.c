/*
 * Unit tests of the bayes strategy (strategies/bayes.c): expected
 * improvement against values worked out by hand, and the strategy on
 * small specs: it never proposes a configuration twice and ends with
 * the space, proposes several at once without repeating pending ones,
 * stops proposing a region that fails, finds the optimum of a simple
 * function, gives one sequence per seed, keeps conditional parameters
 * canonical, and in a space of 2,500 booleans proposes new and better
 * configurations quickly.
 */
#include "config.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "spec-util.h"
#include "../../src/buf.h"
#include "../../src/idset.h"
#include "../../src/space.h"
#include "../../strategies/bayes.h"
#include "../../strategies/strategy.h"

static void
test_ei(void)
{
	/*
	 * EI(mu, sd, best) = (best - mu) Phi(z) + sd phi(z), z = (best -
	 * mu) / sd, with phi(0) = 1 / sqrt(2 pi) = 0.3989422804,
	 * phi(1) = phi(-1) = 0.2419707245, Phi(-1) = 0.1586552539,
	 * phi(0.5) = 0.3520653268 and Phi(0.5) = 0.6914624613:
	 *   EI(0, 1, 0) = 0 + phi(0) = 0.3989422804
	 *   EI(1, 1, 0): z = -1, -1 * 0.1586552539 + 0.2419707245
	 *              = 0.0833154706
	 *   EI(0, 2, 1): z = 0.5, 1 * 0.6914624613 + 2 * 0.3520653268
	 *              = 1.3955931149
	 *   EI(2, 0, 3) = max(3 - 2, 0) = 1 and EI(3, 0, 2) = 0 (no
	 *   spread: the improvement is certain, or impossible)
	 */
	ok(fabs(bayes_ei(0, 1, 0) - 0.3989422804) < 1e-9, "EI(0, 1, 0)");
	ok(fabs(bayes_ei(1, 1, 0) - 0.0833154706) < 1e-9, "EI(1, 1, 0)");
	ok(fabs(bayes_ei(0, 2, 1) - 1.3955931149) < 1e-9, "EI(0, 2, 1)");
	ok(bayes_ei(2, 0, 3) == 1 && bayes_ei(3, 0, 2) == 0,
	    "EI without spread");
	/* Far above the incumbent the two terms cancel: EI stays
	 * positive and tiny, never negative. */
	ok(bayes_ei(10, 1, 0) > 0 && bayes_ei(10, 1, 0) < 1e-23 &&
		bayes_ei(60, 1, 0) >= 0,
	    "EI far from the incumbent: tiny, not negative");
	ok(bayes_ei(0, 1, 0) < bayes_ei(0, 2, 0) &&
		bayes_ei(1, 1, 0) < bayes_ei(0.5, 1, 0),
	    "EI grows with the spread and with a lower mean");
}

/* 5 x 3 x (1 + 4) = 75 configurations; D only when C. */
static const char small_spec[] =
    "name: t\n"
    "params:\n"
    "  - {name: A, type: int, values: [1, 2, 3, 4, 5]}\n"
    "  - {name: B, type: str, values: [x, y, z]}\n"
    "  - {name: C, type: bool}\n"
    "  - {name: D, type: int, min: 0, max: 3, if: C}\n"
    "build: {run: 'true'}\n"
    "test: {run: 'true', objective: {metric: wall_ms, direction: "
    "minimize}}\n";

/* A smooth function to minimise: the optimum is A=4 B=y C=true D=2
 * (value 1). B = z fails when fail_z is set. */
static int fail_z;

static void
evaluate(const struct config *c, struct outcome *o)
{
	double a = (double)c->v[0], y;

	memset(o, 0, sizeof *o);
	if (fail_z && c->v[1] == 2) {
		o->status = OUTCOME_FAILED;
		o->reason = "fails";
		return;
	}
	y = 1 + (a - 3) * (a - 3) + (c->v[1] == 1 ? 0 : 3) +
	    (c->v[2] == 1 ? (double)(c->v[3] - 2) * (c->v[3] - 2) : 2);
	o->status = OUTCOME_DONE;
	o->value = y;
	o->n = 1;
}

static struct strategy *
start(const struct space *sp, uint64_t seed, const struct spec_option *opts,
    size_t nopts)
{
	struct strategy_conf conf;
	struct strategy *s;
	char *cause = NULL;

	memset(&conf, 0, sizeof conf);
	conf.seed = seed;
	conf.seeded = 1;
	conf.direction = DIR_MINIMIZE;
	conf.options = opts;
	conf.noptions = nopts;
	s = strategy_new("bayes", sp, &conf, &cause);
	if (s == NULL) {
		printf("Bail out! bayes: %s\n", cause);
		exit(99);
	}
	return s;
}

/* Runs up to budget trials one at a time; ids[] gets the sequence. */
static size_t
run(const struct space *sp, uint64_t seed, size_t budget, uint64_t *ids,
    double *best, size_t *late_failures, const struct spec_option *opts,
    size_t nopts)
{
	struct strategy *s = start(sp, seed, opts, nopts);
	struct config *c, *canon;
	struct outcome o;
	size_t n = 0;
	int canonical = 1;

	*best = INFINITY;
	if (late_failures != NULL)
		*late_failures = 0;
	while (n < budget && strategy_ask(s, &c, 1) == 1) {
		canon = space_canon(sp, space_config_dup(sp, c));
		canonical = canonical && canon->id == c->id &&
		    space_config_equal(sp, canon, c);
		free(canon);
		evaluate(c, &o);
		if (o.status == OUTCOME_DONE && o.value < *best)
			*best = o.value;
		if (o.status == OUTCOME_FAILED && late_failures != NULL &&
		    n >= 15)
			(*late_failures)++;
		ids[n++] = c->id;
		strategy_tell(s, c, &o);
		free(c);
	}
	strategy_free(s);
	if (!canonical)
		n = 0; /* makes the callers' checks fail */
	return n;
}

static void
test_small(void)
{
	struct spec *sp_spec = load_text(small_spec);
	struct space *sp = space_new(sp_spec);
	struct idset seen = { NULL, 0, 0, 0 };
	uint64_t ids[100], ids2[100], ids3[100];
	size_t n, n2, n3, i, late, rnd_late;
	double best;
	int unique = 1, same = 1;
	struct spec_option no_random = { 0 };
	double b2;

	n = run(sp, 7, 100, ids, &best, NULL, NULL, 0);
	for (i = 0; i < n; i++)
		unique = unique && idset_add(&seen, ids[i]);
	ok(n == 75 && unique,
	    "proposes each of the 75 configurations once, then stops "
	    "(%zu proposed)",
	    n);
	idset_free(&seen);

	n = run(sp, 7, 30, ids, &best, NULL, NULL, 0);
	n2 = run(sp, 7, 30, ids2, &b2, NULL, NULL, 0);
	n3 = run(sp, 8, 30, ids3, &b2, NULL, NULL, 0);
	for (i = 0; i < n && i < n2; i++)
		same = same && ids[i] == ids2[i];
	ok(n == 30 && n2 == 30 && same, "the same seed, the same sequence");
	ok(n3 == 30 && memcmp(ids, ids3, sizeof ids[0] * 30) != 0,
	    "another seed, another sequence");
	ok(best == 1, "finds the optimum within 30 of 75 (best %g)", best);

	/* B = z fails: after the first 15 trials, the model keeps away
	 * from it (with no random proposals, which would not). */
	no_random.name = "random_share";
	no_random.value = "0";
	fail_z = 1;
	n = run(sp, 3, 40, ids, &best, &late, &no_random, 1);
	ok(n == 40 && late <= 3,
	    "a failing region stops being proposed: %zu of trials 16-40 "
	    "in it (random search: a third, about 8)",
	    late);
	/* The same in the local-search acquisition of large spaces. */
	{
		struct spec_option o2[2] = { { 0 }, { 0 } };

		o2[0].name = "random_share";
		o2[0].value = "0";
		o2[1].name = "exhaustive";
		o2[1].value = "0";
		n = run(sp, 3, 40, ids, &best, &rnd_late, o2, 2);
		ok(n == 40 && rnd_late <= 3,
		    "... by local search too: %zu of trials 16-40", rnd_late);
	}
	fail_z = 0;
	space_free(sp);
	spec_free(sp_spec);
}

/* One failure is one failure: when the only trial of a parameter's
 * value failed (a build that fails for that value with one other), the
 * value must still be tried with the rest, not written off. */
static const char failing_spec[] =
    "name: f\n"
    "params:\n"
    "  - {name: A, type: int, values: [1, 2, 4, 8]}\n"
    "  - {name: B, type: bool}\n"
    "  - {name: C, type: str, values: [x, y, z]}\n"
    "  - {name: D, type: int, min: 0, max: 9}\n"
    "build: {run: 'true'}\n"
    "test: {run: 'true', objective: {metric: wall_ms, direction: "
    "minimize}}\n";

static void
test_lone_failure(void)
{
	struct spec *s = load_text(failing_spec);
	struct space *sp = space_new(s);
	struct strategy *st;
	struct config *c;
	struct outcome o;
	struct rng r;
	uint64_t seed;
	size_t i, told, eights, runs = 0;

	for (seed = 1; seed <= 20; seed++) {
		st = start(sp, seed, NULL, 0);
		rng_seed(&r, seed);
		/* 12 trials of A in 1, 2, 4 (smaller A is worse), then A=8
		 * with C=z, which fails. */
		for (told = 0; told < 13;) {
			c = space_sample(sp, &r);
			if (told < 12 && c->v[0] == 3) {
				free(c);
				continue;
			}
			memset(&o, 0, sizeof o);
			if (told == 12) {
				c->v[0] = 3;
				c->v[2] = 2;
				space_canon(sp, c);
				o.status = OUTCOME_FAILED;
			} else {
				o.status = OUTCOME_DONE;
				o.value = 1000 - 100 * (double)(1 << c->v[0]) +
				    (double)c->v[3];
				o.n = 1;
			}
			strategy_tell(st, c, &o);
			free(c);
			told++;
		}
		/* The next 20 proposals: A=8 among them? */
		eights = 0;
		for (i = 0; i < 20 && strategy_ask(st, &c, 1) == 1; i++) {
			memset(&o, 0, sizeof o);
			eights += c->v[0] == 3;
			o.status = c->v[0] == 3 && c->v[2] == 2 ?
			    OUTCOME_FAILED :
			    OUTCOME_DONE;
			o.value = 1000 - 100 * (double)(1 << c->v[0]) +
			    (double)c->v[3];
			o.n = 1;
			strategy_tell(st, c, &o);
			free(c);
		}
		runs += eights > 0;
		strategy_free(st);
	}
	ok(runs >= 18,
	    "a value whose only trial failed is tried again with other "
	    "values: in %zu of 20 seeds within 20 proposals",
	    runs);
	space_free(sp);
	spec_free(s);
}

static void
test_batch(void)
{
	struct spec *s = load_text(small_spec);
	struct space *sp = space_new(s);
	struct strategy *st = start(sp, 11, NULL, 0);
	struct idset seen = { NULL, 0, 0, 0 };
	struct config *out[8], *told[10];
	struct outcome o;
	size_t k, i, total = 0;
	int unique = 1;

	/* Told before any ask, as after a restart: never proposed. */
	for (i = 0; i < 10; i++) {
		struct rng r;

		rng_seed(&r, 100 + i);
		told[i] = space_sample(sp, &r);
		evaluate(told[i], &o);
		idset_add(&seen, told[i]->id);
		strategy_tell(st, told[i], &o);
	}
	k = strategy_ask(st, out, 4);
	for (i = 0; i < k; i++)
		unique = unique && idset_add(&seen, out[i]->id);
	ok(k == 4 && unique, "ask(4) proposes 4 new configurations");
	total += k;
	/* Two come back; the other two stay pending. */
	for (i = 0; i < 2; i++) {
		evaluate(out[i], &o);
		strategy_tell(st, out[i], &o);
	}
	for (i = 0; i < k; i++)
		free(out[i]);
	while ((k = strategy_ask(st, out, 3)) > 0) {
		for (i = 0; i < k; i++) {
			unique = unique && idset_add(&seen, out[i]->id);
			evaluate(out[i], &o);
			strategy_tell(st, out[i], &o);
			free(out[i]);
		}
		total += k;
	}
	ok(unique && total + idset_count(&seen) - total == 75 &&
		idset_count(&seen) == 75,
	    "batches never repeat a told or pending configuration, and "
	    "cover the space (%zu proposed, %zu told before)",
	    total, idset_count(&seen) - total);
	for (i = 0; i < 10; i++)
		free(told[i]);
	idset_free(&seen);
	strategy_free(st);
	space_free(sp);
	spec_free(s);
}

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static void
test_wide(void)
{
	/* 2,500 booleans (a Linux-sized space). The objective rewards 10
	 * of them and a pair; 2 others together fail. */
	struct buf b = BUF_INIT;
	struct spec *s;
	struct space *sp;
	struct strategy *st;
	struct idset seen = { NULL, 0, 0, 0 };
	struct config *c;
	struct outcome o;
	double y, first = INFINITY, best = INFINITY, t, tmax = 0, ttot = 0;
	size_t i, n = 0, fails = 0, early_fails = 0;
	int unique = 1;

	buf_adds(&b, "name: wide\nparams:\n");
	for (i = 0; i < 2500; i++)
		buf_printf(&b, "  - {name: CONFIG_%04zu, type: bool}\n", i);
	buf_adds(&b,
	    "build: {run: 'true'}\n"
	    "test: {run: 'true', objective: {metric: wall_ms, "
	    "direction: minimize}}\n");
	s = load_text(buf_str(&b));
	buf_free(&b);
	sp = space_new(s);
	st = start(sp, 5, NULL, 0);
	while (n < 120) {
		t = now_ms();
		if (strategy_ask(st, &c, 1) != 1)
			break;
		t = now_ms() - t;
		ttot += t;
		if (t > tmax)
			tmax = t;
		unique = unique && idset_add(&seen, c->id);
		memset(&o, 0, sizeof o);
		if (c->v[7] == 1 && c->v[8] == 1) {
			o.status = OUTCOME_FAILED;
			fails++;
			early_fails += n < 60;
		} else {
			y = 100;
			for (i = 0; i < 10; i++)
				y -= c->v[i * 250 + 1] == 1 ? (double)i + 1 : 0;
			if (c->v[3] == 1 && c->v[4] == 1)
				y -= 8;
			o.status = OUTCOME_DONE;
			o.value = y;
			o.n = 1;
			if (n < 10 && y < first)
				first = y;
			if (y < best)
				best = y;
		}
		strategy_tell(st, c, &o);
		free(c);
		n++;
	}
	ok(n == 120 && unique, "2,500 booleans: 120 new configurations");
	ok(best < first - 3,
	    "... that improve on the initial design (%g, then %g; best "
	    "possible 37)",
	    first, best);
	ok(fails - early_fails < early_fails,
	    "... and fail less once the model knows where (%zu in the "
	    "first 60, %zu in the next 60)",
	    early_fails, fails - early_fails);
	diag("2,500 booleans: ask %.1f ms on average, %.1f ms at most (CPU)",
	    ttot / (double)n, tmax);
	idset_free(&seen);
	strategy_free(st);
	space_free(sp);
	spec_free(s);
}

static const char line_spec[] =
    "name: t\n"
    "params:\n"
    "  - {name: A, type: int, min: 1, max: 21}\n"
    "build: {run: 'true'}\n"
    "test: {run: 'true', objective: {metric: wall_ms, direction: "
    "minimize}}\n";

/* On a flat objective every untried configuration scores the same: with
 * spread_ties each proposal is the one farthest (in sum) from the
 * trials, so after one trial the next is the far end of the range. */
static void
test_spread_ties(void)
{
	struct spec *sp_spec = load_text(line_spec);
	struct space *sp = space_new(sp_spec);
	struct spec_option opts[3] = { { 0 } };
	struct strategy *s;
	struct config *c;
	struct outcome o;
	int64_t first, second;
	int spread, seed, far, far_all[2] = { 1, 1 };

	opts[0].name = "initial";
	opts[0].value = "1";
	opts[1].name = "random_share";
	opts[1].value = "0";
	opts[2].name = "spread_ties";
	for (spread = 0; spread < 2; spread++) {
		opts[2].value = spread ? "true" : "false";
		for (seed = 1; seed <= 10; seed++) {
			s = start(sp, (uint64_t)seed, opts, 3);
			memset(&o, 0, sizeof o);
			o.status = OUTCOME_DONE;
			o.value = 1;
			o.n = 1;
			strategy_ask(s, &c, 1);
			first = c->v[0];
			strategy_tell(s, c, &o);
			free(c);
			strategy_ask(s, &c, 1);
			second = c->v[0];
			free(c);
			strategy_free(s);
			/* Value indices 0..20: the far end from the first
			 * (either from the middle). */
			far = first == 10 ? second == 0 || second == 20 :
					    second == (first < 10 ? 20 : 0);
			far_all[spread] = far_all[spread] && far;
		}
	}
	ok(far_all[1],
	    "with spread_ties, the proposal after one trial of a flat "
	    "objective is the far end of the range (10 seeds)");
	ok(!far_all[0],
	    "without it, one of the tied configurations at random (not "
	    "always the far end in 10 seeds)");
	space_free(sp);
	spec_free(sp_spec);
}

int
main(void)
{
	test_ei();
	test_small();
	test_batch();
	test_lone_failure();
	test_wide();
	test_spread_ties();
	cleanup_dir();
	return done_testing();
}
