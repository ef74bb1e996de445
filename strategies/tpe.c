/*
 * Tree-structured Parzen estimator (Bergstra et al., NeurIPS 2011), the
 * model-based search of Hyperopt and Optuna, for Wayfinder's mixed
 * spaces.
 *
 * After a startup of random configurations, the trials so far are split
 * into a good group (the best gamma(n) = min(ceil(gamma n), good_max) of
 * the n trials) and a bad group (the rest; older members weigh less
 * once it is large). Each parameter gets two densities, l from the good
 * trials and g from the bad ones, built only from the trials where the
 * parameter was active (conditions). Unordered parameters (str, bool,
 * tristate, and numeric lists when ordered_lists is off) get smoothed
 * frequencies with a uniform prior; ordered ones (int and float ranges
 * and lists) a Parzen mixture of Gaussian kernels on the value's
 * position (the index of a range, which is linear in the value, or in
 * its log for power ranges; the rank of a list value): per observation
 * a point kernel on its value and a spread kernel as wide as the larger
 * gap to its neighbours, plus a broad prior kernel, all truncated to
 * the domain and discretised to its values. Candidates are drawn from l
 * (every parameter, then space_canon() unsets the inactive ones) and
 * the unseen one with the largest sum over its active parameters of
 * log l(x) / g(x) is proposed. When every candidate was seen, more are
 * drawn; then a small space is scored whole, a large one sampled.
 *
 * Failures rank below every success, so they are always in the bad
 * group. Once some trial failed, a candidate's score becomes the log of
 * TPE's expected improvement (bounded, unlike l / g) plus the log of its
 * chance not to fail, by naive Bayes on the densities of the failed and
 * the measured trials: regions that fail stop being proposed, and a
 * great l / g elsewhere does not buy a likely failure.
 *
 * Configurations proposed and not told yet (the rest of a batch of
 * ask(n), or trials still running) are bad too, a constant liar that
 * spreads a batch out. The model uses the told aggregate value as it
 * is: the split is by rank, so noise can only move a trial across the
 * boundary; stddev and n are not used. Everything is drawn from the
 * strategy's own seeded rng and ties are broken by arrival order, so a
 * seed gives the same sequence every time (on another machine too, as
 * far as its libm rounds exp, log and erfc alike).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/idset.h"
#include "../src/rng.h"
#include "../src/xmalloc.h"
#include "strategy.h"
#include "tpe.h"

#define DEF_STARTUP 10
#define DEF_CANDIDATES 24
#define DEF_GAMMA 0.1
#define DEF_GOOD_MAX 25
#define DEF_PRIOR_WEIGHT 1.0
/*
 * An ordered observation's weight is shared between a point kernel on
 * its own value (what a categorical count would say) and a spread
 * kernel (what the order says). Small numeric domains of real software
 * behave much like categories, smooth ones do not: on the replay
 * datasets and a smooth synthetic objective, 3/4 on the point beat both
 * pure forms. A point kernel of 0.2 keeps 98.8% of its mass on its
 * value.
 */
#define POINT_SHARE 0.75
#define POINT_SIGMA 0.2
/* The newest observations of a group keep full weight; older ones fade
 * linearly, so a large bad group is led by what was tried lately. */
#define RECENT 25
#define REJECT_TRIES 64
/* Rounds of candidates to draw when every candidate was seen. */
#define EXTRA_ROUNDS 8
/* A space this small is scored whole when candidates keep repeating. */
#define SCORE_LIMIT (1u << 16)
#define ENUMERATE_LIMIT (1u << 22)

#define LOG_SQRT_2PI 0.91893853320467274178
#define SQRT_HALF 0.70710678118654752440
#define TWO_PI 6.28318530717958647693

/* How the model sees one parameter's values. */
struct axis {
	int ordered;
	uint64_t card;
	uint64_t *rank;  /* ordered list: position of each index by value */
	uint64_t *index; /* ... and the index at each position */
};

struct tpe_density {
	const struct axis *ax;
	struct axis own; /* for tpe_density_new() */
	/* Categorical: per value. */
	double *logp, *cum;
	size_t ccap;
	/* Ordered: nk kernels, the last one the prior; lw is the log of a
	 * kernel's weight over its mass inside the domain. */
	size_t nk, kcap;
	double *mu, *sigma, *lw, *cw;
	double lo, hi;
};

enum obs_state { OBS_DONE, OBS_FAILED, OBS_PENDING };

struct obs {
	struct config *cfg;
	double loss; /* smaller is better, whatever the direction */
	enum obs_state state;
};

/* A (key, arrival) pair, sorted by key then arrival. */
struct keyed {
	double key;
	size_t i;
};

struct tpe {
	const struct space *space;
	const struct spec *spec;
	size_t np;
	enum direction direction;
	struct rng rng;
	struct idset seen; /* proposed or told */
	struct space_count size;
	/* Settings. */
	size_t startup, ncand, good_max;
	double gamma, prior_weight;
	int ordered_lists;
	struct axis *axes;
	/* Every configuration proposed or told, in arrival order. */
	struct obs *obs;
	size_t nobs, obscap;
	/* The model, rebuilt for each proposal. */
	struct tpe_density *good, *bad;
	/* The failure model, when some trials failed: densities of the
	 * failed and the measured trials. */
	struct tpe_density *failed, *measured;
	size_t nfailed;
	double fail_logodds;
	double log_gamma, log_1mgamma; /* the good group's share */
	int avoid_failures;
	unsigned char *in_good;
	uint64_t *vals;
	double *wts;
	struct keyed *keys;
	size_t scratchcap;
};

/* Standard normal: log density, log of the tail mass beyond z, and log
 * of the mass between a and b, computed so that narrow or far bins keep
 * their precision. */
static double
log_phi(double z)
{
	return -0.5 * z * z - LOG_SQRT_2PI;
}

static double
log_tail(double z)
{
	double z2;

	if (z < 30)
		return log(0.5 * erfc(z * SQRT_HALF));
	z2 = z * z;
	return log_phi(z) - log(z) + log1p(-1 / z2 + 3 / (z2 * z2));
}

static double
log_mass(double a, double b)
{
	double la, lb;

	if (b - a < 1e-3)
		return log_phi(0.5 * (a + b)) + log(b - a);
	if (a > 0) {
		la = log_tail(a);
		lb = log_tail(b);
		return la + log1p(-exp(lb - la));
	}
	if (b < 0)
		return log_mass(-b, -a);
	return log1p(-0.5 * (erfc(b * SQRT_HALF) + erfc(-a * SQRT_HALF)));
}

/* log(e^a + e^b) */
static double
log_add(double a, double b)
{
	if (a < b) {
		double x = a;

		a = b;
		b = x;
	}
	return a == -INFINITY ? a : a + log1p(exp(b - a));
}

static double
gauss(struct rng *r)
{
	double u = 1 - rng_double(r), v = rng_double(r);

	return sqrt(-2 * log(u)) * cos(TWO_PI * v);
}

/* A draw from N(mu, s) truncated to [lo, hi]; mu lies inside and s is at
 * most hi - lo, so at least a third of the mass is inside. */
static double
trunc_normal(struct rng *r, double mu, double s, double lo, double hi)
{
	double x;
	int t;

	for (t = 0; t < 64; t++) {
		x = mu + s * gauss(r);
		if (x >= lo && x <= hi)
			return x;
	}
	return mu;
}

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static void
axis_init(struct axis *ax, const struct param *p, int ordered)
{
	struct keyed *k;
	uint64_t i;

	memset(ax, 0, sizeof *ax);
	ax->card = p->card;
	ax->ordered = ordered && p->card > 1 &&
	    (p->type == PT_INT || p->type == PT_FLOAT);
	if (!ax->ordered || p->is_range)
		return;
	k = xreallocarray(NULL, p->card, sizeof *k);
	for (i = 0; i < p->card; i++) {
		k[i].key = p->nums[i];
		k[i].i = i;
	}
	qsort(k, p->card, sizeof *k, cmp_keyed);
	ax->rank = xreallocarray(NULL, p->card, sizeof *ax->rank);
	ax->index = xreallocarray(NULL, p->card, sizeof *ax->index);
	for (i = 0; i < p->card; i++) {
		ax->index[i] = k[i].i;
		ax->rank[k[i].i] = i;
	}
	free(k);
}

static void
axis_free(struct axis *ax)
{
	free(ax->rank);
	free(ax->index);
}

static double
axis_coord(const struct axis *ax, uint64_t idx)
{
	return (double)(ax->rank != NULL ? ax->rank[idx] : idx);
}

static void
density_categorical(struct tpe_density *d, const uint64_t *vals,
    const double *w, size_t n, double pw)
{
	uint64_t k, card = d->ax->card;
	double total = pw, run = 0;
	size_t i;

	if (d->ccap < card) {
		d->logp = xreallocarray(d->logp, card, sizeof *d->logp);
		d->cum = xreallocarray(d->cum, card, sizeof *d->cum);
		d->ccap = card;
	}
	for (k = 0; k < card; k++)
		d->cum[k] = pw / (double)card; /* counts, for now */
	for (i = 0; i < n; i++) {
		d->cum[vals[i]] += w != NULL ? w[i] : 1;
		total += w != NULL ? w[i] : 1;
	}
	for (k = 0; k < card; k++) {
		d->logp[k] = log(d->cum[k] / total);
		run += d->cum[k] / total;
		d->cum[k] = run;
	}
	d->cum[card - 1] = 1;
}

/*
 * The Parzen mixture over positions 0 .. card - 1, truncated to
 * [-0.5, card - 0.5] so that value k owns [k - 0.5, k + 0.5]. Each
 * observation gets a spread kernel, as wide as the larger gap to its
 * neighbours (the prior's centre among them; the outermost look inwards
 * only), clipped between range / min(100, kernels + 1) and the range,
 * and a point kernel on its own value; the prior is one kernel over the
 * whole range.
 */
static void
density_ordered(struct tpe_density *d, const uint64_t *vals, const double *w,
    size_t n, double pw, struct keyed *sorted)
{
	size_t ns = n + 1, nk = 2 * n + 1, j, i;
	double range, minsig, left, right, wi, total = pw, run = 0;

	if (d->kcap < nk) {
		d->mu = xreallocarray(d->mu, nk, sizeof *d->mu);
		d->sigma = xreallocarray(d->sigma, nk, sizeof *d->sigma);
		d->lw = xreallocarray(d->lw, nk, sizeof *d->lw);
		d->cw = xreallocarray(d->cw, nk, sizeof *d->cw);
		d->kcap = nk;
	}
	d->nk = nk;
	d->lo = -0.5;
	d->hi = (double)d->ax->card - 0.5;
	range = d->hi - d->lo;
	/* Kernels 0 .. n - 1 spread, n the prior, n + 1 .. 2n points. */
	for (i = 0; i < n; i++) {
		wi = w != NULL ? w[i] : 1;
		total += wi;
		d->mu[i] = d->mu[ns + i] = axis_coord(d->ax, vals[i]);
		d->lw[i] = (1 - POINT_SHARE) * wi;
		d->lw[ns + i] = POINT_SHARE * wi;
		d->sigma[ns + i] = POINT_SIGMA;
	}
	d->mu[n] = 0.5 * (d->lo + d->hi);
	d->lw[n] = pw;
	for (j = 0; j < ns; j++) {
		sorted[j].key = d->mu[j];
		sorted[j].i = j;
	}
	qsort(sorted, ns, sizeof *sorted, cmp_keyed);
	minsig = range / fmin(100, (double)ns + 1);
	for (j = 0; j < ns; j++) {
		left = sorted[j].key - (j > 0 ? sorted[j - 1].key : d->lo);
		right =
		    (j + 1 < ns ? sorted[j + 1].key : d->hi) - sorted[j].key;
		if (ns >= 2 && j == 0)
			left = right;
		else if (ns >= 2 && j + 1 == ns)
			right = left;
		d->sigma[sorted[j].i] =
		    fmin(fmax(fmax(left, right), minsig), range);
	}
	d->sigma[n] = range;
	for (j = 0; j < nk; j++) {
		run += d->lw[j] / total;
		d->cw[j] = run;
		d->lw[j] = log(d->lw[j] / total) -
		    log_mass((d->lo - d->mu[j]) / d->sigma[j],
			(d->hi - d->mu[j]) / d->sigma[j]);
	}
	d->cw[nk - 1] = 1;
}

/* (Re)builds d over its axis from n observed indices; sorted is scratch
 * for n + 1 entries. */
static void
density_build(struct tpe_density *d, const uint64_t *vals, const double *w,
    size_t n, double pw, struct keyed *sorted)
{
	if (d->ax->card <= 1)
		return;
	if (d->ax->ordered)
		density_ordered(d, vals, w, n, pw, sorted);
	else
		density_categorical(d, vals, w, n, pw);
}

static double
density_log(const struct tpe_density *d, uint64_t idx)
{
	double c, x, m = -INFINITY, sum = 0;
	size_t j;

	if (d->ax->card <= 1)
		return 0;
	if (!d->ax->ordered)
		return d->logp[idx];
	c = axis_coord(d->ax, idx);
	/* log-sum-exp over the kernels in one pass, rescaling the sum
	 * whenever a larger term comes */
	for (j = 0; j < d->nk; j++) {
		x = d->lw[j] +
		    log_mass((c - 0.5 - d->mu[j]) / d->sigma[j],
			(c + 0.5 - d->mu[j]) / d->sigma[j]);
		if (x == -INFINITY)
			continue;
		if (x <= m)
			sum += exp(x - m);
		else {
			sum = sum * exp(m - x) + 1;
			m = x;
		}
	}
	return m + log(sum);
}

/* The first position whose cumulative value exceeds u. */
static size_t
search_cum(const double *cum, size_t n, double u)
{
	size_t lo = 0, hi = n - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cum[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static uint64_t
density_sample(const struct tpe_density *d, struct rng *r)
{
	const struct axis *ax = d->ax;
	double x, c;
	size_t j;

	if (ax->card <= 1)
		return 0;
	if (!ax->ordered)
		return search_cum(d->cum, ax->card, rng_double(r));
	j = search_cum(d->cw, d->nk, rng_double(r));
	x = trunc_normal(r, d->mu[j], d->sigma[j], d->lo, d->hi);
	c = floor(x + 0.5);
	if (c < 0)
		c = 0;
	if (c > (double)(ax->card - 1))
		c = (double)(ax->card - 1);
	return ax->index != NULL ? ax->index[(uint64_t)c] : (uint64_t)c;
}

static void
density_clear(struct tpe_density *d)
{
	free(d->logp);
	free(d->cum);
	free(d->mu);
	free(d->sigma);
	free(d->lw);
	free(d->cw);
}

struct tpe_density *
tpe_density_new(const struct param *p, int ordered, const uint64_t *values,
    const double *weights, size_t n, double prior_weight)
{
	struct tpe_density *d;
	struct keyed *sorted;

	d = xcalloc(1, sizeof *d);
	axis_init(&d->own, p, ordered);
	d->ax = &d->own;
	sorted = xreallocarray(NULL, n + 1, sizeof *sorted);
	density_build(d, values, weights, n, prior_weight, sorted);
	free(sorted);
	return d;
}

int
tpe_density_ordered(const struct tpe_density *d)
{
	return d->ax->ordered;
}

double
tpe_density_log(const struct tpe_density *d, uint64_t idx)
{
	return density_log(d, idx);
}

uint64_t
tpe_density_sample(const struct tpe_density *d, struct rng *r)
{
	return density_sample(d, r);
}

void
tpe_density_free(struct tpe_density *d)
{
	if (d == NULL)
		return;
	density_clear(d);
	axis_free(&d->own);
	free(d);
}

static const struct strategy_opt tpe_opts[] = {
	{ "startup", SOPT_INT, 0, 1e9,
	    "random configurations before the model is used (10)" },
	{ "candidates", SOPT_INT, 1, 1e6,
	    "candidates drawn from the good density per proposal (24)" },
	{ "gamma", SOPT_FLOAT, 0.001, 1,
	    "fraction of the trials in the good group (0.1)" },
	{ "good_max", SOPT_INT, 1, 1e9, "most trials in the good group (25)" },
	{ "prior_weight", SOPT_FLOAT, 1e-6, 1e6,
	    "weight of the uniform prior in each density, against 1 per "
	    "trial (1.0)" },
	{ "ordered_lists", SOPT_BOOL, 0, 1,
	    "model int and float lists by the order of their values, not "
	    "as categories (true)" },
	{ "avoid_failures", SOPT_BOOL, 0, 1,
	    "weigh each candidate by its chance not to fail, from the "
	    "failed and the measured trials (true)" },
	{ NULL, 0, 0, 0, NULL },
};

static size_t
opt_count(const struct strategy_conf *conf, const char *name, double dflt,
    double min)
{
	double v = strategy_option_num(conf, name, dflt);

	if (!(v >= min))
		v = min;
	if (v > 1e9)
		v = 1e9;
	return (size_t)v;
}

static void *
tpe_init(const struct space *sp, const struct strategy_conf *conf, char **cause)
{
	struct tpe *t;
	size_t i;

	t = xcalloc(1, sizeof *t);
	t->space = sp;
	t->spec = space_spec(sp);
	t->np = space_nparams(sp);
	t->direction = conf->direction;
	rng_seed(&t->rng, conf->seed);
	space_size(sp, &t->size);
	t->startup = opt_count(conf, "startup", DEF_STARTUP, 0);
	t->ncand = opt_count(conf, "candidates", DEF_CANDIDATES, 1);
	t->good_max = opt_count(conf, "good_max", DEF_GOOD_MAX, 1);
	t->gamma = strategy_option_num(conf, "gamma", DEF_GAMMA);
	if (!(t->gamma > 0 && t->gamma <= 1))
		t->gamma = DEF_GAMMA;
	t->prior_weight =
	    strategy_option_num(conf, "prior_weight", DEF_PRIOR_WEIGHT);
	if (!(t->prior_weight > 0))
		t->prior_weight = DEF_PRIOR_WEIGHT;
	t->ordered_lists = strategy_option_num(conf, "ordered_lists", 1) != 0;
	t->axes = xcalloc(t->np, sizeof *t->axes);
	t->good = xcalloc(t->np, sizeof *t->good);
	t->bad = xcalloc(t->np, sizeof *t->bad);
	t->failed = xcalloc(t->np, sizeof *t->failed);
	t->measured = xcalloc(t->np, sizeof *t->measured);
	t->avoid_failures = strategy_option_num(conf, "avoid_failures", 1) != 0;
	for (i = 0; i < t->np; i++) {
		axis_init(&t->axes[i], &t->spec->params[i], t->ordered_lists);
		t->good[i].ax = &t->axes[i];
		t->bad[i].ax = &t->axes[i];
		t->failed[i].ax = &t->axes[i];
		t->measured[i].ax = &t->axes[i];
	}
	return t;
}

static struct obs *
obs_find(struct tpe *t, uint64_t id)
{
	size_t i;

	/* Newest first: a tell usually answers a recent ask. */
	for (i = t->nobs; i > 0; i--)
		if (t->obs[i - 1].cfg->id == id)
			return &t->obs[i - 1];
	return NULL;
}

static void
obs_add(struct tpe *t, struct config *cfg, enum obs_state state, double loss)
{
	struct obs *o;

	if (t->nobs == t->obscap) {
		t->obscap = t->obscap == 0 ? 64 : t->obscap * 2;
		t->obs = xreallocarray(t->obs, t->obscap, sizeof *t->obs);
	}
	o = &t->obs[t->nobs++];
	o->cfg = cfg;
	o->state = state;
	o->loss = loss;
	idset_add(&t->seen, cfg->id);
}

static int
exhausted(const struct tpe *t)
{
	return t->size.exact && t->size.fits &&
	    idset_count(&t->seen) >= t->size.n;
}

/* A uniform pick among the configurations not seen yet, as random
 * search makes it; NULL when none is left (or none is found in a vast
 * space). */
static struct config *
random_unseen(struct tpe *t)
{
	struct space_iter *it;
	struct config *c, *pick = NULL;
	uint64_t n = 0;
	int tries;

	for (tries = 0; tries < REJECT_TRIES; tries++) {
		c = space_sample(t->space, &t->rng);
		if (!idset_has(&t->seen, c->id))
			return c;
		free(c);
	}
	if (!t->size.fits || t->size.n > ENUMERATE_LIMIT)
		return NULL;
	it = space_iter_new(t->space, NULL);
	while ((c = space_iter_next(it)) != NULL) {
		if (!idset_has(&t->seen, c->id) &&
		    rng_below(&t->rng, ++n) == 0) {
			free(pick);
			pick = c;
		} else
			free(c);
	}
	space_iter_free(it);
	return pick;
}

static void
scratch_reserve(struct tpe *t)
{
	size_t need = t->nobs + 1;

	if (t->scratchcap >= need)
		return;
	t->scratchcap = need * 2;
	t->in_good = xreallocarray(t->in_good, t->scratchcap, 1);
	t->vals = xreallocarray(t->vals, t->scratchcap, sizeof *t->vals);
	t->wts = xreallocarray(t->wts, t->scratchcap, sizeof *t->wts);
	t->keys = xreallocarray(t->keys, t->scratchcap, sizeof *t->keys);
}

/* Weights of a group of m observations in arrival order: the newest
 * RECENT at 1, the older ones rising linearly from 1/m. */
static void
group_weights(double *w, size_t m)
{
	size_t j, old;

	for (j = 0; j < m; j++)
		w[j] = 1;
	if (m <= RECENT)
		return;
	old = m - RECENT;
	for (j = 0; j < old; j++)
		w[j] = old == 1 ? 1 :
				  1.0 / (double)m +
			(1 - 1.0 / (double)m) * (double)j / (double)(old - 1);
}

enum group { GROUP_GOOD, GROUP_BAD, GROUP_FAILED, GROUP_MEASURED };

/* Builds d from parameter p's values in the trials of a group where it
 * was active; good and bad weigh recent trials more. */
static void
group_build(struct tpe *t, size_t p, enum group grp, struct tpe_density *d)
{
	size_t i, m = 0;
	int64_t v;
	int in;

	for (i = 0; i < t->nobs; i++) {
		switch (grp) {
		case GROUP_GOOD:
			in = t->in_good[i];
			break;
		case GROUP_BAD:
			in = !t->in_good[i];
			break;
		case GROUP_FAILED:
			in = t->obs[i].state == OBS_FAILED;
			break;
		default:
			in = t->obs[i].state == OBS_DONE;
			break;
		}
		if (in && (v = t->obs[i].cfg->v[p]) >= 0)
			t->vals[m++] = (uint64_t)v;
	}
	group_weights(t->wts, m);
	density_build(d, t->vals, grp <= GROUP_BAD ? t->wts : NULL, m,
	    t->prior_weight, t->keys);
}

/* Splits the observations into good and bad and builds l and g of
 * every parameter, and the failure model when some failed. */
static void
model_build(struct tpe *t)
{
	size_t i, p, ndone = 0, ngood;

	scratch_reserve(t);
	t->nfailed = 0;
	for (i = 0; i < t->nobs; i++) {
		t->in_good[i] = 0;
		if (t->obs[i].state == OBS_DONE) {
			t->keys[ndone].key = t->obs[i].loss;
			t->keys[ndone].i = i;
			ndone++;
		} else if (t->obs[i].state == OBS_FAILED)
			t->nfailed++;
	}
	ngood = (size_t)ceil(t->gamma * (double)t->nobs);
	if (ngood > t->good_max)
		ngood = t->good_max;
	if (ngood > ndone)
		ngood = ndone;
	qsort(t->keys, ndone, sizeof *t->keys, cmp_keyed);
	for (i = 0; i < ngood; i++)
		t->in_good[t->keys[i].i] = 1;
	if (!t->avoid_failures)
		t->nfailed = 0;
	t->fail_logodds = log(((double)t->nfailed + 1) / ((double)ndone + 1));
	t->log_gamma =
	    ngood > 0 ? log((double)ngood / (double)t->nobs) : -INFINITY;
	t->log_1mgamma =
	    ngood > 0 ? log1p(-(double)ngood / (double)t->nobs) : 0;

	for (p = 0; p < t->np; p++) {
		if (t->axes[p].card <= 1)
			continue;
		group_build(t, p, GROUP_GOOD, &t->good[p]);
		group_build(t, p, GROUP_BAD, &t->bad[p]);
		if (t->nfailed > 0) {
			group_build(t, p, GROUP_FAILED, &t->failed[p]);
			group_build(t, p, GROUP_MEASURED, &t->measured[p]);
		}
	}
}

static double
model_score(const struct tpe *t, const struct config *c)
{
	double s = 0, z = t->fail_logodds;
	uint64_t v;
	size_t p;

	for (p = 0; p < t->np; p++) {
		if (c->v[p] < 0 || t->axes[p].card <= 1)
			continue;
		v = (uint64_t)c->v[p];
		s += density_log(&t->good[p], v) - density_log(&t->bad[p], v);
		if (t->nfailed > 0)
			z += density_log(&t->failed[p], v) -
			    density_log(&t->measured[p], v);
	}
	if (t->nfailed == 0)
		return s;
	/*
	 * With failures, the score is the log of the expected improvement
	 * times the chance not to fail. TPE's expected improvement is
	 * 1 / (gamma + (1 - gamma) g / l), monotone in s = log l / g but
	 * bounded, so that a likely failure is not outweighed by a great
	 * l / g; the chance not to fail is naive Bayes on the failed and
	 * the measured trials, 1 / (1 + e^z).
	 */
	return -log_add(t->log_gamma, t->log_1mgamma - s) - log_add(0, z);
}

static struct config *
model_draw(struct tpe *t)
{
	struct config *c = space_config_new(t->space);
	size_t p;

	for (p = 0; p < t->np; p++)
		c->v[p] = (int64_t)density_sample(&t->good[p], &t->rng);
	return space_canon(t->space, c);
}

/* The unseen configuration of a small space that scores best. */
static struct config *
best_remaining(struct tpe *t)
{
	struct space_iter *it;
	struct config *c, *best = NULL;
	double s, bs = -INFINITY;

	it = space_iter_new(t->space, NULL);
	while ((c = space_iter_next(it)) != NULL) {
		if (!idset_has(&t->seen, c->id) &&
		    ((s = model_score(t, c)) > bs || best == NULL)) {
			free(best);
			best = c;
			bs = s;
		} else
			free(c);
	}
	space_iter_free(it);
	return best;
}

/* The model's proposal: the best unseen of the candidates drawn from l,
 * more rounds of them when all were seen, then the best unseen of a
 * small space or a random unseen one. */
static struct config *
model_propose(struct tpe *t)
{
	struct config *c, *best = NULL;
	double s, bs = -INFINITY;
	size_t k, round;

	model_build(t);
	for (round = 0; round <= EXTRA_ROUNDS && best == NULL; round++) {
		for (k = 0; k < t->ncand; k++) {
			c = model_draw(t);
			if (idset_has(&t->seen, c->id)) {
				free(c);
				continue;
			}
			s = model_score(t, c);
			if (best == NULL || s > bs) {
				free(best);
				best = c;
				bs = s;
			} else
				free(c);
		}
	}
	if (best != NULL)
		return best;
	if (t->size.fits && t->size.n <= SCORE_LIMIT)
		return best_remaining(t);
	return random_unseen(t);
}

static size_t
tpe_ask(void *state, struct config **out, size_t n)
{
	struct tpe *t = state;
	struct config *c;
	size_t got = 0;

	while (got < n && !exhausted(t)) {
		if (t->nobs < t->startup)
			c = random_unseen(t);
		else
			c = model_propose(t);
		if (c == NULL)
			break;
		/* Pending until told: the batch's constant liar. */
		obs_add(t, space_config_dup(t->space, c), OBS_PENDING, 0);
		out[got++] = c;
	}
	return got;
}

static void
tpe_tell(void *state, const struct config *cfg, const struct outcome *o)
{
	struct tpe *t = state;
	struct obs *ob;
	enum obs_state st;
	double loss = 0;

	if (o->status == OUTCOME_DONE && isfinite(o->value)) {
		st = OBS_DONE;
		loss = t->direction == DIR_MINIMIZE ? o->value : -o->value;
	} else if (o->status == OUTCOME_PENDING)
		st = OBS_PENDING;
	else
		st = OBS_FAILED;
	if (!idset_has(&t->seen, cfg->id) ||
	    (ob = obs_find(t, cfg->id)) == NULL) {
		obs_add(t, space_config_dup(t->space, cfg), st, loss);
		return;
	}
	if (ob->state == OBS_PENDING) {
		ob->state = st;
		ob->loss = loss;
	}
}

static void
tpe_free(void *state)
{
	struct tpe *t = state;
	size_t i;

	for (i = 0; i < t->nobs; i++)
		free(t->obs[i].cfg);
	free(t->obs);
	for (i = 0; i < t->np; i++) {
		density_clear(&t->good[i]);
		density_clear(&t->bad[i]);
		density_clear(&t->failed[i]);
		density_clear(&t->measured[i]);
		axis_free(&t->axes[i]);
	}
	free(t->good);
	free(t->bad);
	free(t->failed);
	free(t->measured);
	free(t->axes);
	free(t->in_good);
	free(t->vals);
	free(t->wts);
	free(t->keys);
	idset_free(&t->seen);
	free(t);
}

const struct strategy_ops strategy_tpe = {
	.name = "tpe",
	.summary = "tree-structured Parzen estimator (Hyperopt, Optuna): "
		   "proposes where good trials are likelier than bad ones",
	.init = tpe_init,
	.ask = tpe_ask,
	.tell = tpe_tell,
	.free = tpe_free,
	.opts = tpe_opts,
};
