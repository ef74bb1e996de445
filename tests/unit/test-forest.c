/*
 * Unit tests of the random forest (strategies/forest.c) and of fANOVA
 * over it (strategies/importance.c): a known function is fitted, an
 * irrelevant feature gets no importance, the trees agree more with more
 * data, a seed gives one forest, unordered features split on subsets,
 * "inactive" is a level trees can split on, and the decomposition of
 * functions whose functional ANOVA is known analytically comes out
 * exactly.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tap.h"
#include "spec-util.h"
#include "../../src/rng.h"
#include "../../src/space.h"
#include "../../strategies/forest.h"
#include "../../strategies/importance.h"

static int
near(double got, double want, double tol, const char *what)
{
	if (!ok(fabs(got - want) <= tol, "%s", what))
		diag("got %.6f, want %.6f (tolerance %g)", got, want, tol);
	return fabs(got - want) <= tol;
}

/* n samples of (x0, x1), ten ordered levels each (1..10), and
 * y = 3 * x0 + noise of standard deviation sd; x1 is irrelevant. */
static void
linear_data(size_t n, double sd, uint64_t seed, int32_t *x, double *y)
{
	struct rng r;
	size_t i;
	double u;

	rng_seed(&r, seed);
	for (i = 0; i < n; i++) {
		x[2 * i] = 1 + (int32_t)rng_below(&r, 10);
		x[2 * i + 1] = 1 + (int32_t)rng_below(&r, 10);
		/* The sum of 12 uniforms less 6 is close to a standard
		 * normal. */
		u = 0;
		for (int k = 0; k < 12; k++)
			u += rng_double(&r);
		y[i] = 3.0 * x[2 * i] + sd * (u - 6);
	}
}

static const struct forest_feature two_ordered[2] = {
	{ 0, 11, 1 },
	{ 0, 11, 1 },
};

/* The mean over the grid of the trees' disagreement. */
static double
mean_spread(const struct forest *fo)
{
	int32_t x[2];
	double v, s = 0;

	for (x[0] = 1; x[0] <= 10; x[0]++)
		for (x[1] = 1; x[1] <= 10; x[1]++) {
			forest_predict(fo, x, NULL, &v, NULL);
			s += v;
		}
	return s / 100;
}

static void
test_linear(void)
{
	static int32_t x[2 * 400];
	static double y[400];
	struct forest_opts o;
	struct forest *fo, *small;
	struct importance *im;
	int32_t q[2];
	double m, worst = 0, big_spread, small_spread;

	linear_data(400, 0.3, 1, x, y);
	forest_opts_default(&o);
	fo = forest_fit(two_ordered, 2, x, y, 400, &o, 7);
	for (q[0] = 1; q[0] <= 10; q[0]++)
		for (q[1] = 1; q[1] <= 10; q[1]++) {
			forest_predict(fo, q, &m, NULL, NULL);
			if (fabs(m - 3.0 * q[0]) > worst)
				worst = fabs(m - 3.0 * q[0]);
		}
	ok(worst < 0.6,
	    "y = 3 x0 + noise: every prediction on the grid within 0.6 "
	    "(worst %.3f; noise sd 0.3)",
	    worst);
	im = importance_compute(fo, 1);
	ok(im->share[0] > 0.95 && im->share[1] < 0.02,
	    "fANOVA puts the variance on x0 (%.3f), not on x1 (%.3f)",
	    im->share[0], im->share[1]);
	near(im->variance, 9.0 * 99 / 12, 1.5,
	    "the variance of the prediction is that of 3 x0 (74.25)");
	importance_free(im);

	big_spread = mean_spread(fo);
	small = forest_fit(two_ordered, 2, x, y, 15, &o, 7);
	small_spread = mean_spread(small);
	ok(big_spread < small_spread / 4,
	    "the trees disagree less with more data: %.3f at 400 samples, "
	    "%.3f at 15",
	    big_spread, small_spread);
	forest_free(small);
	forest_free(fo);
}

static int
same_forest(const struct forest *a, const struct forest *b)
{
	size_t t;

	if (a->ntrees != b->ntrees)
		return 0;
	for (t = 0; t < a->ntrees; t++) {
		if (a->trees[t].nnodes != b->trees[t].nnodes ||
		    memcmp(a->trees[t].nodes, b->trees[t].nodes,
			a->trees[t].nnodes * sizeof *a->trees[t].nodes) != 0)
			return 0;
	}
	return 1;
}

static void
test_determinism(void)
{
	static int32_t x[2 * 100];
	static double y[100];
	struct forest_opts o;
	struct forest *a, *b, *c;

	linear_data(100, 1.0, 2, x, y);
	forest_opts_default(&o);
	a = forest_fit(two_ordered, 2, x, y, 100, &o, 42);
	b = forest_fit(two_ordered, 2, x, y, 100, &o, 42);
	c = forest_fit(two_ordered, 2, x, y, 100, &o, 43);
	ok(same_forest(a, b), "the same seed grows the same forest");
	ok(!same_forest(a, c), "another seed grows another forest");
	forest_free(a);
	forest_free(b);
	forest_free(c);
}

/* Levels of an ordered feature beyond every sample (here 9 and 10, and
 * 1, when the samples have 2..8): the trees disagree about them, where
 * they would all extend the nearest measured level; inside the range
 * nothing changes. */
static void
test_beyond(void)
{
	struct forest_opts o;
	struct forest *fo;
	int32_t x[2 * 300], q[2];
	double y[300], mean, mid_vt, top_vt, top_mean, low_vt;
	size_t i;

	linear_data(300, 0.5, 13, x, y);
	for (i = 0; i < 300; i++) {
		if (x[2 * i] > 8)
			x[2 * i] = 8;
		if (x[2 * i] < 2)
			x[2 * i] = 2;
		y[i] = 3.0 * x[2 * i];
	}
	forest_opts_default(&o);
	o.ntrees = 50;
	fo = forest_fit(two_ordered, 2, x, y, 300, &o, 5);
	ok(fo->seen_lo[0] == 2 && fo->seen_hi[0] == 8,
	    "the range of levels fitted on is kept (2..8)");
	q[1] = 5;
	q[0] = 5;
	forest_predict(fo, q, &mean, &mid_vt, NULL);
	q[0] = 10;
	forest_predict(fo, q, &top_mean, &top_vt, NULL);
	q[0] = 1;
	forest_predict(fo, q, &mean, &low_vt, NULL);
	ok(mid_vt < 0.01 && top_vt > 1 && low_vt > 1,
	    "trees agree inside the measured range (variance %.3g) and "
	    "disagree beyond it (%.3g above, %.3g below)",
	    mid_vt, top_vt, low_vt);
	ok(top_mean > 6 && top_mean < 24,
	    "beyond the range the mean lies between the measured levels "
	    "(%.2f)",
	    top_mean);
	forest_free(fo);
}

/* With local_beyond, the same in each region: feature 0 takes 1..10
 * over the whole data, but only 2..8 where feature 1 is at most 5; there
 * the trees disagree about 10, which they all read as 8 without it. */
static void
test_local_beyond(void)
{
	struct forest_opts o;
	struct forest *fo;
	int32_t x[2 * 200], q[2];
	double y[200], mean, vt[2][2];
	size_t n = 0;
	int32_t a, c;
	int local;

	for (c = 1; c <= 10; c++)
		for (a = 1; a <= 10; a++) {
			if (c <= 5 && (a < 2 || a > 8))
				continue;
			x[2 * n] = a;
			x[2 * n + 1] = c;
			y[n++] = c <= 5 ? 3.0 * a : 100;
		}
	for (local = 0; local < 2; local++) {
		forest_opts_default(&o);
		o.ntrees = 50;
		o.local_beyond = local;
		fo = forest_fit(two_ordered, 2, x, y, n, &o, 5);
		q[1] = 3;
		q[0] = 5;
		forest_predict(fo, q, &mean, &vt[local][0], NULL);
		q[0] = 10;
		forest_predict(fo, q, &mean, &vt[local][1], NULL);
		forest_free(fo);
	}
	ok(vt[0][1] < 0.01,
	    "without local_beyond, the trees agree about a level measured "
	    "only in another region (variance %.3g)",
	    vt[0][1]);
	ok(vt[1][1] > 1, "with it, they disagree about it (variance %.3g)",
	    vt[1][1]);
	ok(vt[0][0] < 0.01 && vt[1][0] < 0.01,
	    "inside the region's range they agree either way (%.3g, %.3g)",
	    vt[0][0], vt[1][0]);
}

static void
test_categorical(void)
{
	/* One unordered feature of six values (levels 1..6): y is 1 on
	 * the odd ones. No threshold separates them, one subset does. */
	static const struct forest_feature cat[1] = { { 1, 7, 1 } };
	static const struct forest_feature ord[1] = { { 0, 7, 1 } };
	int32_t x[60], q;
	double y[60], m;
	struct forest_opts o;
	struct forest *fo;
	size_t i;
	int exact = 1;

	for (i = 0; i < 60; i++) {
		x[i] = 1 + (int32_t)(i % 6);
		y[i] = x[i] % 2;
	}
	forest_opts_default(&o);
	o.max_depth = 1;
	o.bootstrap = 0;
	fo = forest_fit(cat, 1, x, y, 60, &o, 1);
	for (q = 1; q <= 6; q++) {
		forest_predict(fo, &q, &m, NULL, NULL);
		exact = exact && fabs(m - q % 2) < 1e-9;
	}
	ok(exact && fo->trees[0].nnodes == 3,
	    "one subset split separates the odd values of an unordered "
	    "feature");
	forest_free(fo);
	fo = forest_fit(ord, 1, x, y, 60, &o, 1);
	exact = 1;
	for (q = 1; q <= 6; q++) {
		forest_predict(fo, &q, &m, NULL, NULL);
		exact = exact && fabs(m - q % 2) < 0.1;
	}
	ok(!exact,
	    "one threshold cannot (the same values as an ordered feature)");
	forest_free(fo);
}

static void
test_inactive(void)
{
	/* Feature 0 is a switch (levels 1, 2); feature 1 is active only
	 * when it is on (level 0 otherwise), and matters only then. */
	static const struct forest_feature f[2] = { { 1, 3, 1 }, { 0, 5, 0 } };
	int32_t x[2 * 80], q[2];
	double y[80], m;
	struct forest_opts o;
	struct forest *fo;
	struct importance *im;
	size_t i;

	for (i = 0; i < 80; i++) {
		x[2 * i] = 1 + (int32_t)(i % 2);
		x[2 * i + 1] = x[2 * i] == 2 ? 1 + (int32_t)(i / 2 % 4) : 0;
		y[i] = x[2 * i] == 2 ? 10.0 * x[2 * i + 1] : 5;
	}
	forest_opts_default(&o);
	o.bootstrap = 0;
	o.feature_share = 1;
	fo = forest_fit(f, 2, x, y, 80, &o, 3);
	q[0] = 1;
	q[1] = 0;
	forest_predict(fo, q, &m, NULL, NULL);
	near(m, 5, 1e-9, "the inactive level is predicted apart");
	q[0] = 2;
	q[1] = 3;
	forest_predict(fo, q, &m, NULL, NULL);
	near(m, 30, 1e-9, "and so is each active value");
	im = importance_compute(fo, 1);
	ok(im->marginal[1][0] < 1e300 && !isnan(im->marginal[1][0]),
	    "a conditional parameter has a marginal for 'inactive'");
	ok(isnan(im->marginal[0][0]),
	    "an unconditional one has none (level 0 is outside its domain)");
	importance_free(im);
	forest_free(fo);
}

/* Fits every cell of a full grid exactly (no bootstrap, every feature,
 * leaves of one cell), so each tree is the function itself. */
static struct forest *
exact_fit(const struct forest_feature *f, size_t d, const int32_t *x,
    const double *y, size_t n)
{
	struct forest_opts o;

	forest_opts_default(&o);
	o.bootstrap = 0;
	o.feature_share = 1;
	o.ntrees = 4;
	return forest_fit(f, d, x, y, n, &o, 5);
}

static void
test_fanova_additive(void)
{
	/*
	 * f(x0, x1, x2) = a(x0) + b(x1) with x0 ordered over 4 values,
	 * a = 0, 1, 2, 3, x1 unordered over 2 values, b = 0, 2, and x2
	 * (3 values) unused. Var a = 1.25 (mean 1.5: (2.25 + 0.25 +
	 * 0.25 + 2.25) / 4), Var b = 1 (mean 1: (1 + 1) / 2), and an
	 * additive function has no interaction, so the shares are
	 * 1.25 / 2.25 = 0.5556 and 1 / 2.25 = 0.4444, the rest 0.
	 */
	static const struct forest_feature f[3] = { { 0, 5, 1 }, { 1, 3, 1 },
		{ 1, 4, 1 } };
	static const double a[4] = { 0, 1, 2, 3 }, bb[2] = { 0, 2 };
	int32_t x[3 * 24];
	double y[24];
	struct forest *fo;
	struct importance *im;
	size_t n = 0;
	int i, j, k;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 3; k++) {
				x[3 * n] = 1 + i;
				x[3 * n + 1] = 1 + j;
				x[3 * n + 2] = 1 + k;
				y[n++] = a[i] + bb[j];
			}
	fo = exact_fit(f, 3, x, y, n);
	im = importance_compute(fo, 1);
	near(im->share[0], 1.25 / 2.25, 1e-9, "additive: share of x0 5/9");
	near(im->share[1], 1 / 2.25, 1e-9, "additive: share of x1 4/9");
	near(im->share[2], 0, 1e-12, "additive: x2 unused, share 0");
	near(im->pairs_total, 0, 1e-9, "additive: no interaction");
	near(im->variance, 2.25, 1e-9, "additive: variance 2.25");
	/* The marginal of x0 is a(x0) plus the mean of b. */
	near(im->marginal[0][1], 0 + 1, 1e-9, "marginal of x0 at its first");
	near(im->marginal[0][4], 3 + 1, 1e-9, "marginal of x0 at its last");
	near(im->marginal[1][2], 2 + 1.5, 1e-9, "marginal of x1 at its second");
	importance_free(im);
	forest_free(fo);
}

static void
test_fanova_interaction(void)
{
	/*
	 * f(x0, x1) = 1 if x0 == x1 else 0 on two booleans: every main
	 * marginal is 1/2 whatever the value, so the main effects are 0
	 * and the whole variance (1/4) is the interaction. With a third
	 * term c(x2) = 2 x2 on x2 in {0, 1} added, Var c = 1, and the
	 * shares become 1/5 interaction, 4/5 x2.
	 */
	static const struct forest_feature f[3] = { { 1, 3, 1 }, { 1, 3, 1 },
		{ 0, 3, 1 } };
	int32_t x[3 * 8];
	double y[8];
	struct forest *fo;
	struct importance *im;
	size_t n = 0;
	int i, j, k;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			x[2 * n] = 1 + i;
			x[2 * n + 1] = 1 + j;
			y[n++] = i == j;
		}
	fo = exact_fit(f, 2, x, y, n);
	im = importance_compute(fo, 1);
	near(im->share[0] + im->share[1], 0, 1e-9,
	    "pure interaction: no main effect");
	ok(im->npairs == 1 && fabs(im->pairs[0].share - 1) < 1e-9,
	    "pure interaction: the pair has the whole variance");
	importance_free(im);
	forest_free(fo);

	n = 0;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 2; k++) {
				x[3 * n] = 1 + i;
				x[3 * n + 1] = 1 + j;
				x[3 * n + 2] = 1 + k;
				y[n++] = (i == j) + 2.0 * k;
			}
	fo = exact_fit(f, 3, x, y, n);
	im = importance_compute(fo, 1);
	near(im->share[2], 0.8, 1e-9, "interaction plus a main effect: x2 4/5");
	near(im->pairs_total, 0.2, 1e-9, "... and the pair 1/5");
	near(im->share[0] + im->share[1], 0, 1e-9, "... x0, x1 alone nothing");
	importance_free(im);
	forest_free(fo);
}

static void
test_features(void)
{
	struct spec *s =
	    load_text("name: t\n"
		      "params:\n"
		      "  - {name: N, type: int, values: [8, 2, 64, 4]}\n"
		      "  - {name: S, type: str, values: [b, a]}\n"
		      "  - {name: Q, type: bool, if: \"N > 4\"}\n"
		      "  - {name: R, type: int, min: 0, max: 100000000}\n"
		      "build: {run: 'true'}\n"
		      "test: {run: 'true', objective: {metric: wall_ms, "
		      "direction: minimize}}\n");
	struct space *sp = space_new(s);
	struct forest_features *ff = forest_features_new(sp);

	ok(!ff->f[0].categorical && ff->f[0].nlevels == 5 && ff->f[0].lo == 1,
	    "an int list is ordered, 4 values and 'inactive'");
	ok(forest_level(ff, 0, 1) == 1 && forest_level(ff, 0, 3) == 2 &&
		forest_level(ff, 0, 0) == 3 && forest_level(ff, 0, 2) == 4,
	    "its levels follow the values' order, not the list's");
	ok(forest_value(ff, 0, 4) == 2 && forest_value(ff, 0, 0) == -1,
	    "levels map back to value indices");
	ok(ff->f[1].categorical && ff->f[2].categorical,
	    "str and bool are unordered");
	ok(ff->f[2].lo == 0, "a conditional parameter can be inactive");
	ok(ff->f[3].nlevels <= 65536 &&
		forest_level(ff, 3, 100000000) == ff->f[3].nlevels - 1,
	    "a huge range is binned into at most 65535 levels");
	forest_features_free(ff);
	space_free(sp);
	spec_free(s);
}

int
main(void)
{
	test_linear();
	test_determinism();
	test_beyond();
	test_local_beyond();
	test_categorical();
	test_inactive();
	test_fanova_additive();
	test_fanova_interaction();
	test_features();
	cleanup_dir();
	return done_testing();
}
