/*
 * Bayesian optimisation in the manner of SMAC (Hutter, Hoos and
 * Leyton-Brown, LION 2011): a random forest (forest.c) models the
 * objective, and the next configuration is the one of largest expected
 * improvement under the forest's mean and spread.
 *
 * - The model works on the log of the objective when every measured
 *   value is positive (benchmarks spread multiplicatively), and always
 *   minimises: a maximised objective is negated. Values worse than
 *   the 80th percentile of those measured (`cap`) count as that
 *   percentile: a few configurations many times worse than the rest
 *   would otherwise make the trees' spread, and so the search, about
 *   where the bad region ends rather than where the best one is.
 * - A few configurations spread over the space (a Latin hypercube over
 *   the value indices, so every value of every parameter is tried about
 *   as often) start the search; then a share of the proposals (one in
 *   twenty by default) is uniformly random, interleaved, so that a wrong
 *   model cannot trap the search.
 * - Expected improvement is measured from a bar a little worse than the
 *   incumbent (5% by default, `xi`): a configuration the model expects
 *   to be about as good as the best is worth a trial, where plain EI
 *   would favour the most uncertain regions over it as soon as the
 *   incumbent is a lucky measurement.
 * - Ties: of configurations the model scores the same (they share the
 *   trees' leaves, common in a plateau), the one farthest from the trials
 *   is proposed (`spread_ties`), which spreads the search over the
 *   region instead of leaving it to chance.
 * - Acquisition: a space of at most `exhaustive` configurations (counted
 *   exactly) is scored whole; a larger one by local search (one
 *   parameter at a time, only the parameters on the trees' paths, since
 *   no other move changes the prediction) from the best measured
 *   configurations and from the best of a set of random ones.
 * - Failures: the objective's forest sees a failure as the worst value
 *   measured (as SMAC does), and a second forest learns which
 *   configurations fail: the expected improvement is multiplied by its
 *   probability of success, so a region that fails stops being
 *   proposed. The models then never propose again a value whose one
 *   trial failed, though the failure may have been another parameter's
 *   doing; so the random share retries a value that failed once or
 *   twice and never succeeded (with the others at random).
 * - Noise: the incumbent is the best of the measured configurations
 *   after each measurement is shrunk towards the model by its standard
 *   error (stddev / sqrt(n)), so one lucky run does not set the bar.
 * - Parallel slots: configurations proposed and not told yet join the
 *   model with a constant lie (the mean of the measured values), and
 *   each proposal of one ask refits with the ones before it.
 *
 * Every random choice comes from the strategy's seeded rng, so a seed
 * gives the same sequence on every machine.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/idset.h"
#include "../src/rng.h"
#include "../src/xmalloc.h"
#include "bayes.h"
#include "forest.h"
#include "strategy.h"

#define DEF_RANDOM_SHARE 0.05
#define DEF_TREES 20
#define DEF_CAP 0.8
#define DEF_XI (-0.05)
#define DEF_EXHAUSTIVE 20000
#define MAX_INITIAL 10
/* Large spaces: the random candidates scored per proposal are about
 * CAND_WORK / parameters, within these bounds. */
#define CAND_WORK 250000
#define MIN_CANDIDATES 64
#define MAX_CANDIDATES 5000
#define LS_STARTS 10 /* measured configurations local search starts from */
#define LS_RANDOM_STARTS 5 /* ... and best random candidates */
#define LS_STEPS 20
/* Acquisition evaluations all local searches of a proposal may make. */
#define LS_EVALS 10000
#define POOL 32     /* best candidates kept for the final pick */
#define MAX_ALTS 32 /* values tried per unordered parameter */
#define VARIANT_TRIES 16
/* Failed values the random share retries (random_retry): in parameters
 * of at most this many values, those that failed at most this often. */
#define MAX_RETRY_VALUES 4096
#define RETRIES 2
#define REJECT_TRIES 64
/* Features x samples a forest fit may scan per split (forest.h). */
#define FIT_WORK 60000

struct obs {
	uint64_t id;
	struct config *c;
	double y;  /* as measured */
	double se; /* its standard error, 0 when unknown */
	int failed;
};

struct pend {
	uint64_t id;
};

/* A model fitted for one proposal. */
struct model {
	struct forest *reg; /* the objective, NULL before any success */
	struct forest *cls; /* success (1) or failure (0), NULL when none
			       failed */
	double eta;         /* the incumbent, on the model's scale */
};

struct cand {
	struct config *c;
	double acq, mu;
	uint64_t tie;
};

struct bayes {
	const struct space *space;
	const struct spec *spec;
	size_t d;
	struct forest_features *ff;
	int maximise;
	struct rng rng;
	/* Settings. */
	size_t initial;
	double random_share;
	struct forest_opts fo;
	size_t ncand;
	int use_log;
	int leaf_var; /* add the leaves' own variance to the spread */
	double cap;   /* share of the values the model sees as they are */
	double xi;    /* EI's bar, relative to the incumbent */
	int spread;   /* ties go to the farthest from the trials */
	/* What is known: told outcomes and proposals not told yet, with
	 * their levels (row i of ox, px). */
	struct obs *obs;
	int32_t *ox;
	size_t nobs, capobs;
	struct pend *pend;
	int32_t *px;
	size_t npend, cappend;
	struct idset tried; /* proposed or told */
	struct idset told;  /* told done or failed */
	size_t nbo;         /* model-phase proposals (for the interleave) */
	struct config **design;
	size_t ndesign, design_next;
	/* A small space, enumerated once. */
	int small;
	struct config **all;
	int32_t *allx;
	size_t nall;
	/* Scratch. */
	unsigned char *mark;
	int32_t *x, *x2;
	size_t *feats;
	int32_t *cuts;
	size_t ncuts, capcuts;
	struct cand pool[POOL];
	size_t npool;
	size_t evals; /* left for local search in this proposal */
};

static const struct strategy_opt bayes_opts[] = {
	{ "initial", SOPT_INT, 0, 1e6,
	    "configurations of the initial design (the number of parameters "
	    "plus one, at most 10)" },
	{ "random_share", SOPT_FLOAT, 0, 1,
	    "share of the later proposals that are uniformly random (0.05)" },
	{ "trees", SOPT_INT, 1, 1000, "trees in the forest (20)" },
	{ "min_leaf", SOPT_INT, 1, 1000,
	    "fewest samples in a leaf of a tree (1)" },
	{ "feature_share", SOPT_FLOAT, 0.01, 1,
	    "share of the parameters tried at each split (0.833)" },
	{ "candidates", SOPT_INT, 1, 1e6,
	    "random candidates scored per proposal in a space too large to "
	    "score whole (250000 / parameters, 64 to 5000)" },
	{ "exhaustive", SOPT_INT, 0, 1e7,
	    "largest space scored whole, in configurations (20000)" },
	{ "bootstrap", SOPT_BOOL, 0, 1,
	    "grow each tree on a bootstrap sample of the trials (true)" },
	{ "log", SOPT_BOOL, 0, 1,
	    "model the log of the objective when every value is positive "
	    "(true)" },
	{ "leaf_variance", SOPT_BOOL, 0, 1,
	    "count the variance inside the leaves in the spread, not only "
	    "between trees (false)" },
	{ "cap", SOPT_FLOAT, 0.01, 1,
	    "share of the trials, from the best, that the model sees as "
	    "measured; worse ones count as the worst of that share (0.8; "
	    "1: all as measured)" },
	{ "xi", SOPT_FLOAT, -1, 1,
	    "where expected improvement is measured from, relative to the "
	    "incumbent: -0.05 counts a configuration 5% worse than the "
	    "incumbent as no loss, 0 is plain EI, more explores more (-0.05)" },
	{ "local_beyond", SOPT_BOOL, 0, 1,
	    "in each tree node, values of an ordered parameter beyond those "
	    "measured in the node's region go either way at random, so the "
	    "trees disagree about them (true)" },
	{ "spread_ties", SOPT_BOOL, 0, 1,
	    "of candidates the model scores the same, propose the farthest "
	    "from the trials, not one at random (true)" },
	{ NULL, 0, 0, 0, NULL },
};

#define SQRT_HALF 0.70710678118654752440
#define INV_SQRT_2PI 0.39894228040143267794

double
bayes_ei(double mu, double sd, double best)
{
	double z, ei;

	if (!(sd > 0))
		return best > mu ? best - mu : 0;
	z = (best - mu) / sd;
	/* (best - mu) Phi(z) + sd phi(z), with Phi from erfc so that the
	 * far tail keeps its precision; far below, the two terms cancel
	 * and rounding must not make the sum negative. */
	ei = (best - mu) * 0.5 * erfc(-z * SQRT_HALF) +
	    sd * INV_SQRT_2PI * exp(-0.5 * z * z);
	return ei > 0 ? ei : 0;
}

static double
opt_num(const struct strategy_conf *conf, const char *name, double dflt)
{
	return strategy_option_num(conf, name, dflt);
}

/* Latin hypercube over value indices: for each parameter, the k
 * configurations take one value from each of k equal slices of its
 * domain, in a random order per parameter. */
static void
make_design(struct bayes *b)
{
	const struct param *p;
	struct config *c;
	size_t k = b->initial, i, j, r, t, *perm;
	double u, card;
	uint64_t v;

	perm = xcalloc(b->d * k + 1, sizeof *perm);
	for (i = 0; i < b->d; i++) {
		for (j = 0; j < k; j++)
			perm[i * k + j] = j;
		for (j = k; j > 1; j--) {
			r = (size_t)rng_below(&b->rng, j);
			t = perm[i * k + j - 1];
			perm[i * k + j - 1] = perm[i * k + r];
			perm[i * k + r] = t;
		}
	}
	b->design = xcalloc(k + 1, sizeof *b->design);
	for (j = 0; j < k; j++) {
		c = space_config_new(b->space);
		for (i = 0; i < b->d; i++) {
			p = &b->spec->params[i];
			card = (double)p->card;
			u = rng_double(&b->rng);
			v = (uint64_t)(((double)perm[i * k + j] + u) * card /
			    (double)k);
			if (v >= p->card)
				v = p->card - 1;
			c->v[i] = (int64_t)v;
		}
		b->design[b->ndesign++] = space_canon(b->space, c);
	}
	free(perm);
}

static void *
bayes_init(const struct space *sp, const struct strategy_conf *conf,
    char **cause)
{
	struct bayes *b;
	struct space_count size;
	struct space_iter *it;
	struct config *c;
	size_t i, deff = 0, limit;
	double v;

	b = xcalloc(1, sizeof *b);
	b->space = sp;
	b->spec = space_spec(sp);
	b->d = space_nparams(sp);
	b->ff = forest_features_new(sp);
	b->maximise = conf->direction == DIR_MAXIMIZE;
	rng_seed(&b->rng, conf->seed);
	for (i = 0; i < b->d; i++)
		if (b->spec->params[i].card > 1)
			deff++;

	v = opt_num(conf, "initial",
	    (double)(deff + 1 < MAX_INITIAL ? deff + 1 : MAX_INITIAL));
	b->initial = v >= 0 ? (size_t)v : 0;
	b->random_share = opt_num(conf, "random_share", DEF_RANDOM_SHARE);
	forest_opts_default(&b->fo);
	b->fo.ntrees = (int)opt_num(conf, "trees", DEF_TREES);
	b->fo.min_leaf = (int)opt_num(conf, "min_leaf", 1);
	b->fo.min_split = 2 * b->fo.min_leaf;
	b->fo.feature_share = opt_num(conf, "feature_share", 5.0 / 6.0);
	b->fo.max_work = FIT_WORK;
	b->fo.bootstrap = opt_num(conf, "bootstrap", 1) != 0;
	b->fo.local_beyond = opt_num(conf, "local_beyond", 1) != 0;
	v = (double)CAND_WORK / (double)(b->d > 0 ? b->d : 1);
	if (v < MIN_CANDIDATES)
		v = MIN_CANDIDATES;
	if (v > MAX_CANDIDATES)
		v = MAX_CANDIDATES;
	b->ncand = (size_t)opt_num(conf, "candidates", v);
	b->use_log = opt_num(conf, "log", 1) != 0;
	b->leaf_var = opt_num(conf, "leaf_variance", 0) != 0;
	b->cap = opt_num(conf, "cap", DEF_CAP);
	b->xi = opt_num(conf, "xi", DEF_XI);
	b->spread = opt_num(conf, "spread_ties", 1) != 0;
	limit = (size_t)opt_num(conf, "exhaustive", DEF_EXHAUSTIVE);

	space_size(sp, &size);
	if (size.exact && size.fits && size.n <= limit) {
		b->small = 1;
		b->all = xcalloc(size.n + 1, sizeof *b->all);
		b->allx = xcalloc((size.n + 1) * (b->d + 1), sizeof *b->allx);
		it = space_iter_new(sp, NULL);
		while ((c = space_iter_next(it)) != NULL && b->nall < size.n) {
			forest_encode(b->ff, c, b->allx + b->nall * b->d);
			b->all[b->nall++] = c;
		}
		free(c);
		space_iter_free(it);
	}
	b->mark = xcalloc(b->d + 1, 1);
	b->x = xcalloc(b->d + 1, sizeof *b->x);
	b->x2 = xcalloc(b->d + 1, sizeof *b->x2);
	b->feats = xcalloc(b->d + 1, sizeof *b->feats);
	return b;
}

static void
add_pending(struct bayes *b, const struct config *c)
{
	size_t i;

	for (i = 0; i < b->npend; i++)
		if (b->pend[i].id == c->id)
			return;
	if (b->npend == b->cappend) {
		b->cappend = b->cappend == 0 ? 16 : 2 * b->cappend;
		b->pend = xreallocarray(b->pend, b->cappend, sizeof *b->pend);
		b->px = xreallocarray(b->px, b->cappend * (b->d + 1),
		    sizeof *b->px);
	}
	b->pend[b->npend].id = c->id;
	forest_encode(b->ff, c, b->px + b->npend * b->d);
	b->npend++;
}

static void
drop_pending(struct bayes *b, uint64_t id)
{
	size_t i;

	for (i = 0; i < b->npend; i++)
		if (b->pend[i].id == id)
			break;
	if (i == b->npend)
		return;
	b->npend--;
	if (i < b->npend) {
		b->pend[i] = b->pend[b->npend];
		memcpy(b->px + i * b->d, b->px + b->npend * b->d,
		    b->d * sizeof *b->px);
	}
}

static void
bayes_tell(void *state, const struct config *cfg, const struct outcome *o)
{
	struct bayes *b = state;
	struct obs *ob;

	idset_add(&b->tried, cfg->id);
	if (o->status == OUTCOME_PENDING) {
		add_pending(b, cfg);
		return;
	}
	drop_pending(b, cfg->id);
	if (!idset_add(&b->told, cfg->id))
		return; /* told already */
	if (b->nobs == b->capobs) {
		b->capobs = b->capobs == 0 ? 64 : 2 * b->capobs;
		b->obs = xreallocarray(b->obs, b->capobs, sizeof *b->obs);
		b->ox =
		    xreallocarray(b->ox, b->capobs * (b->d + 1), sizeof *b->ox);
	}
	ob = &b->obs[b->nobs];
	memset(ob, 0, sizeof *ob);
	ob->id = cfg->id;
	ob->c = space_config_dup(b->space, cfg);
	/* A value that is not a number is no measurement: a failure. */
	ob->failed = o->status != OUTCOME_DONE || !isfinite(o->value);
	ob->y = ob->failed ? 0 : o->value;
	ob->se = !ob->failed && o->n > 1 && o->stddev > 0 ?
	    o->stddev / sqrt((double)o->n) :
	    0;
	forest_encode(b->ff, cfg, b->ox + b->nobs * b->d);
	b->nobs++;
}

/* The model's value of a measurement: log scale if asked and possible,
 * negated for a maximised objective. */
static double
transform(const struct bayes *b, int logs, double y)
{
	double t = logs ? log(y) : y;

	return b->maximise ? -t : t;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

/* The model's values of the successful trials (tv[i] for trial i): the
 * transformed measurements, those beyond the cap quantile set to it.
 * Returns the worst transformed value before the cap. */
static double
model_values(const struct bayes *b, int logs, double *tv)
{
	size_t i, n = 0;
	double *s, q, worst = -INFINITY;

	s = xcalloc(b->nobs + 1, sizeof *s);
	for (i = 0; i < b->nobs; i++)
		if (!b->obs[i].failed) {
			s[n++] = tv[i] = transform(b, logs, b->obs[i].y);
			if (tv[i] > worst)
				worst = tv[i];
		}
	if (n > 1 && b->cap < 1) {
		qsort(s, n, sizeof *s, cmp_double);
		q = s[(size_t)(b->cap * (double)(n - 1))];
		for (i = 0; i < b->nobs; i++)
			if (!b->obs[i].failed && tv[i] > q)
				tv[i] = q;
	}
	free(s);
	return worst;
}

static void
model_free(struct model *m)
{
	forest_free(m->reg);
	forest_free(m->cls);
	memset(m, 0, sizeof *m);
}

static void
build_model(struct bayes *b, struct model *m)
{
	struct forest_opts fo;
	size_t i, n = 0, nsucc = 0, nfail = 0, rows;
	int32_t *x;
	double *y, *tv, mean = 0, worst = 0, mu, vt, t, se, post;
	int logs = b->use_log;

	memset(m, 0, sizeof *m);
	for (i = 0; i < b->nobs; i++) {
		if (b->obs[i].failed)
			nfail++;
		else {
			nsucc++;
			if (!(b->obs[i].y > 0))
				logs = 0;
		}
	}
	rows = b->nobs + b->npend;
	x = xcalloc(rows * b->d + 1, sizeof *x);
	y = xcalloc(rows + 1, sizeof *y);
	tv = xcalloc(b->nobs + 1, sizeof *tv);
	if (nsucc > 0) {
		worst = model_values(b, logs, tv);
		for (i = 0; i < b->nobs; i++) {
			if (b->obs[i].failed)
				continue;
			memcpy(x + n * b->d, b->ox + i * b->d,
			    b->d * sizeof *x);
			y[n] = tv[i];
			mean += y[n];
			n++;
		}
		mean /= (double)n;
		/* Failures count as the worst value measured, before the
		 * cap: the model then sees them as worse than any success
		 * (SMAC counts them as the worst too), while the classifier
		 * below says how likely a failure is. */
		if (nfail > 0) {
			for (i = 0; i < b->nobs; i++) {
				if (!b->obs[i].failed)
					continue;
				memcpy(x + n * b->d, b->ox + i * b->d,
				    b->d * sizeof *x);
				y[n++] = worst;
			}
		}
		/* Proposals still out: a constant lie, the mean. */
		for (i = 0; i < b->npend; i++) {
			memcpy(x + n * b->d, b->px + i * b->d,
			    b->d * sizeof *x);
			y[n++] = mean;
		}
		m->reg = forest_fit(b->ff->f, b->d, x, y, n, &b->fo,
		    rng_next(&b->rng));
		m->eta = INFINITY;
		for (i = 0; i < b->nobs; i++) {
			if (b->obs[i].failed)
				continue;
			t = tv[i];
			se = logs ? b->obs[i].se / b->obs[i].y : b->obs[i].se;
			post = t;
			if (se > 0) {
				/* The measurement and the model, each
				 * weighted by its precision. */
				forest_predict(m->reg, b->ox + i * b->d, &mu,
				    &vt, NULL);
				post = (t * vt + mu * se * se) / (vt + se * se);
			}
			if (post < m->eta)
				m->eta = post;
		}
		/* The bar EI is measured from, xi relative to the
		 * incumbent (on the log scale, a difference is a ratio). */
		m->eta -= logs ? b->xi : b->xi * fabs(m->eta);
	}
	if (nfail > 0) {
		for (i = 0; i < b->nobs; i++) {
			memcpy(x + i * b->d, b->ox + i * b->d,
			    b->d * sizeof *x);
			y[i] = b->obs[i].failed ? 0 : 1;
		}
		/* Failure regions are usually simple: half the work. */
		fo = b->fo;
		fo.max_work /= 2;
		m->cls = forest_fit(b->ff->f, b->d, x, y, b->nobs, &fo,
		    rng_next(&b->rng));
	}
	free(tv);
	free(x);
	free(y);
}

/* The acquisition of a row of levels: expected improvement times the
 * probability of success; mu is the predicted mean (0 without one). */
static void
score(const struct bayes *b, const struct model *m, const int32_t *x,
    double *acq, double *mu)
{
	double mean = 0, vt = 0, vl = 0, ei = 1, p = 1;

	if (m->reg != NULL) {
		forest_predict(m->reg, x, &mean, &vt, b->leaf_var ? &vl : NULL);
		ei = bayes_ei(mean, sqrt(vt + vl), m->eta);
	}
	if (m->cls != NULL) {
		forest_predict(m->cls, x, &p, NULL, NULL);
		p = p < 0 ? 0 : p > 1 ? 1 : p;
	}
	*acq = ei * p;
	*mu = mean;
}

/* -1, 0 or 1 as (acq, mu) is worse than, as good as, or better than
 * (acq2, mu2): larger acquisition first, then smaller mean. */
static int
compare(double acq, double mu, double acq2, double mu2)
{
	double tol = 1e-12 * (fabs(acq) > fabs(acq2) ? fabs(acq) : fabs(acq2));

	if (acq > acq2 + tol)
		return 1;
	if (acq < acq2 - tol)
		return -1;
	tol = 1e-12 * (fabs(mu) > fabs(mu2) ? fabs(mu) : fabs(mu2));
	if (mu < mu2 - tol)
		return 1;
	if (mu > mu2 + tol)
		return -1;
	return 0;
}

/* A uniformly random configuration not tried yet, or NULL. */
static struct config *
random_untried(struct bayes *b)
{
	struct config *c;
	size_t i, left = 0, k;
	int tries;

	if (b->small) {
		for (i = 0; i < b->nall; i++)
			if (!idset_has(&b->tried, b->all[i]->id))
				left++;
		if (left == 0)
			return NULL;
		k = (size_t)rng_below(&b->rng, left);
		for (i = 0; i < b->nall; i++)
			if (!idset_has(&b->tried, b->all[i]->id) && k-- == 0)
				return space_config_dup(b->space, b->all[i]);
		return NULL;
	}
	for (tries = 0; tries < REJECT_TRIES; tries++) {
		c = space_sample(b->space, &b->rng);
		if (!idset_has(&b->tried, c->id))
			return c;
		free(c);
	}
	return NULL;
}

/*
 * How far a row of levels is from the trials, told and pending: the sum
 * over them of its Gower distance to each (an ordered parameter counts
 * the difference of levels over its range, any other a difference as
 * 1, and so does a parameter active in one row and not the other).
 */
static double
trial_distance(const struct bayes *b, const int32_t *x)
{
	size_t i, f, n = b->nobs + b->npend;
	const int32_t *y;
	double sum = 0, span;

	for (i = 0; i < n; i++) {
		y = i < b->nobs ? b->ox + i * b->d :
				  b->px + (i - b->nobs) * b->d;
		for (f = 0; f < b->d; f++) {
			if (x[f] == y[f])
				continue;
			/* Level 0 is "inactive". */
			span = (double)(b->ff->f[f].nlevels - 2);
			if (b->ff->f[f].categorical || x[f] == 0 || y[f] == 0 ||
			    !(span > 0))
				sum += 1;
			else
				sum += fabs((double)(x[f] - y[f])) / span;
		}
	}
	return sum;
}

/* Small space: the best untried configuration of all; of those the
 * model scores the same, the farthest from the trials (spread_ties), or
 * one at random. */
static struct config *
acquire_all(struct bayes *b, const struct model *m)
{
	size_t i, best = 0, ties = 0;
	double acq, mu, bacq = 0, bmu = 0, bdist = -1, dist;
	int cmp;

	for (i = 0; i < b->nall; i++) {
		if (idset_has(&b->tried, b->all[i]->id))
			continue;
		score(b, m, b->allx + i * b->d, &acq, &mu);
		cmp = ties == 0 ? 1 : compare(acq, mu, bacq, bmu);
		if (cmp == 0 && b->spread) {
			/* Measured only once a tie needs it. */
			dist = trial_distance(b, b->allx + i * b->d);
			if (bdist < 0)
				bdist =
				    trial_distance(b, b->allx + best * b->d);
			if (dist > bdist + 1e-12 * (1 + bdist)) {
				best = i;
				bdist = dist;
				ties = 1;
				continue;
			}
			if (dist < bdist - 1e-12 * (1 + bdist))
				continue;
		}
		if (cmp > 0) {
			best = i;
			bacq = acq;
			bmu = mu;
			ties = 1;
			bdist = -1;
		} else if (cmp == 0 && rng_below(&b->rng, ++ties) == 0)
			best = i;
	}
	if (ties == 0)
		return NULL;
	return space_config_dup(b->space, b->all[best]);
}

/* The pool: the POOL best candidates, best first. */
static int
pool_accepts(const struct bayes *b, double acq, double mu)
{
	return b->npool < POOL ||
	    compare(acq, mu, b->pool[POOL - 1].acq, b->pool[POOL - 1].mu) > 0;
}

/* Offers c (taken over) to the pool. */
static void
pool_offer(struct bayes *b, struct config *c, double acq, double mu)
{
	struct cand k;
	size_t i, j;
	int cmp;

	for (i = 0; i < b->npool; i++)
		if (compare(acq, mu, b->pool[i].acq, b->pool[i].mu) == 0 &&
		    space_config_equal(b->space, c, b->pool[i].c)) {
			free(c);
			return;
		}
	if (!pool_accepts(b, acq, mu)) {
		free(c);
		return;
	}
	k.c = c;
	k.acq = acq;
	k.mu = mu;
	k.tie = rng_next(&b->rng);
	if (b->npool == POOL)
		free(b->pool[--b->npool].c);
	for (i = 0; i < b->npool; i++) {
		cmp = compare(acq, mu, b->pool[i].acq, b->pool[i].mu);
		if (cmp > 0 || (cmp == 0 && k.tie < b->pool[i].tie))
			break;
	}
	for (j = b->npool; j > i; j--)
		b->pool[j] = b->pool[j - 1];
	b->pool[i] = k;
	b->npool++;
}

static void
pool_clear(struct bayes *b)
{
	while (b->npool > 0)
		free(b->pool[--b->npool].c);
}

/* Marks the features on the paths of x through every tree of m (in
 * b->mark, listed in b->feats) and collects the thresholds of ordered
 * ones (b->cuts, pairs of feature and threshold). Returns how many. */
static size_t
path_features(struct bayes *b, const struct model *m, const int32_t *x)
{
	const struct forest *fs[2] = { m->reg, m->cls };
	const struct forest_tree *tr;
	const struct forest_node *nd;
	size_t n = 0, k, t;

	b->ncuts = 0;
	for (k = 0; k < 2; k++) {
		if (fs[k] == NULL)
			continue;
		for (t = 0; t < fs[k]->ntrees; t++) {
			tr = &fs[k]->trees[t];
			nd = tr->nodes;
			while (nd->feature >= 0) {
				if (!b->mark[nd->feature]) {
					b->mark[nd->feature] = 1;
					b->feats[n++] = (size_t)nd->feature;
				}
				if (!fs[k]->feat[nd->feature].categorical) {
					if (b->ncuts + 2 > b->capcuts) {
						b->capcuts =
						    2 * b->capcuts + 64;
						b->cuts = xreallocarray(b->cuts,
						    b->capcuts,
						    sizeof *b->cuts);
					}
					b->cuts[b->ncuts++] = nd->feature;
					b->cuts[b->ncuts++] = nd->split;
				}
				nd = &tr->nodes[forest_goes_left(fs[k], tr, nd,
						    x[nd->feature]) ?
					nd->left :
					nd->right];
			}
		}
	}
	return n;
}

static void
unmark(struct bayes *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b->mark[b->feats[i]] = 0;
}

/* A value index standing for level l of parameter f (a random one of
 * its run when the range is binned). */
static int64_t
value_of_level(struct bayes *b, size_t f, int32_t l)
{
	int64_t v = forest_value(b->ff, f, l);
	uint64_t per = b->ff->per[f], card = b->spec->params[f].card;

	if (per > 1) {
		v += (int64_t)rng_below(&b->rng, per);
		if ((uint64_t)v >= card)
			v = (int64_t)card - 1;
	}
	return v;
}

/* Other values of parameter f to move to from value v (x its levels):
 * every other value of an unordered one (at most MAX_ALTS of them, at
 * random beyond), the neighbouring values of an ordered one, the values
 * just across each threshold on the paths, and one at random. */
static size_t
alternatives(struct bayes *b, size_t f, int64_t v, const int32_t *x,
    int64_t *alt)
{
	const struct param *p = &b->spec->params[f];
	const struct forest_feature *ft = &b->ff->f[f];
	int32_t l = x[f], want[MAX_ALTS];
	size_t n = 0, i, k, nw = 0;
	uint64_t j;

	if (ft->categorical) {
		if (p->card <= MAX_ALTS + 1) {
			for (j = 0; j < p->card; j++)
				if ((int64_t)j != v)
					alt[n++] = (int64_t)j;
			return n;
		}
		for (i = 0; i < MAX_ALTS; i++) {
			j = rng_below(&b->rng, p->card);
			if ((int64_t)j != v)
				alt[n++] = (int64_t)j;
		}
		return n;
	}
	if (l > 1)
		want[nw++] = l - 1;
	if (l + 1 < ft->nlevels)
		want[nw++] = l + 1;
	for (i = 0; i + 1 < b->ncuts && nw < MAX_ALTS - 1; i += 2)
		if ((size_t)b->cuts[i] == f)
			want[nw++] = l <= b->cuts[i + 1] ? b->cuts[i + 1] + 1 :
							   b->cuts[i + 1];
	if (ft->nlevels > 2)
		want[nw++] =
		    1 + (int32_t)rng_below(&b->rng, (uint64_t)ft->nlevels - 1);
	for (i = 0; i < nw; i++) {
		if (want[i] < 1 || want[i] >= ft->nlevels || want[i] == l)
			continue;
		for (k = 0; k < i; k++)
			if (want[k] == want[i])
				break;
		if (k < i)
			continue;
		alt[n++] = value_of_level(b, f, want[i]);
	}
	return n;
}

/* Hill climbing on the acquisition from start (not taken over): every
 * configuration met that could be among the best goes to the pool. */
static void
local_search(struct bayes *b, const struct model *m, const struct config *start)
{
	struct config *cur, *c2;
	int64_t alt[MAX_ALTS + 2], old, bestv = 0;
	size_t step, nf, i, a, nalt, f, bestf = 0;
	double acq, mu, cacq, cmu, bacq = 0, bmu = 0;
	int32_t ol;
	int found;

	cur = space_config_dup(b->space, start);
	forest_encode(b->ff, cur, b->x);
	score(b, m, b->x, &cacq, &cmu);
	if (pool_accepts(b, cacq, cmu))
		pool_offer(b, space_config_dup(b->space, cur), cacq, cmu);
	for (step = 0; step < LS_STEPS && b->evals > 0; step++) {
		nf = path_features(b, m, b->x);
		found = 0;
		for (i = 0; i < nf; i++) {
			f = b->feats[i];
			if ((old = cur->v[f]) < 0)
				continue; /* inactive: its controller moves */
			nalt = alternatives(b, f, old, b->x, alt);
			for (a = 0; a < nalt && b->evals > 0; a++) {
				b->evals--;
				if (space_controls(b->space, f)) {
					c2 = space_config_dup(b->space, cur);
					c2->v[f] = alt[a];
					space_activate(b->space, c2);
					forest_encode(b->ff, c2, b->x2);
					score(b, m, b->x2, &acq, &mu);
					free(c2);
				} else {
					ol = b->x[f];
					b->x[f] =
					    forest_level(b->ff, f, alt[a]);
					score(b, m, b->x, &acq, &mu);
					b->x[f] = ol;
				}
				if (pool_accepts(b, acq, mu)) {
					c2 = space_config_dup(b->space, cur);
					c2->v[f] = alt[a];
					space_activate(b->space, c2);
					pool_offer(b, c2, acq, mu);
				}
				if (!found || compare(acq, mu, bacq, bmu) > 0) {
					found = 1;
					bacq = acq;
					bmu = mu;
					bestf = f;
					bestv = alt[a];
				}
			}
		}
		unmark(b, nf);
		if (!found || compare(bacq, bmu, cacq, cmu) <= 0)
			break;
		cur->v[bestf] = bestv;
		space_activate(b->space, cur);
		forest_encode(b->ff, cur, b->x);
		cacq = bacq;
		cmu = bmu;
	}
	free(cur);
}

/* A uniformly random assignment, made valid; not canonical (no id). */
static struct config *
raw_sample(struct bayes *b)
{
	struct config *c = space_config_new(b->space);
	size_t i;

	for (i = 0; i < b->d; i++)
		c->v[i] = (int64_t)rng_below(&b->rng, b->spec->params[i].card);
	space_activate(b->space, c);
	return c;
}

/* An untried configuration with the acquisition of c: c itself, or c
 * with a parameter no tree looks at changed. NULL when none is found. */
static struct config *
untried_like(struct bayes *b, const struct model *m, struct config *c)
{
	struct config *v;
	size_t nf, tries, f;
	double acq, mu, cacq, cmu;

	space_canon(b->space, c);
	if (!idset_has(&b->tried, c->id))
		return space_config_dup(b->space, c);
	forest_encode(b->ff, c, b->x);
	score(b, m, b->x, &cacq, &cmu);
	nf = path_features(b, m, b->x);
	v = NULL;
	for (tries = 0; tries < VARIANT_TRIES && nf < b->d; tries++) {
		f = (size_t)rng_below(&b->rng, b->d);
		if (b->mark[f] || c->v[f] < 0 || b->spec->params[f].card < 2)
			continue;
		v = space_config_dup(b->space, c);
		do
			v->v[f] = (int64_t)rng_below(&b->rng,
			    b->spec->params[f].card);
		while (v->v[f] == c->v[f]);
		space_canon(b->space, v);
		forest_encode(b->ff, v, b->x2);
		score(b, m, b->x2, &acq, &mu);
		if (!idset_has(&b->tried, v->id) &&
		    compare(acq, mu, cacq, cmu) >= 0)
			break;
		free(v);
		v = NULL;
	}
	unmark(b, nf);
	return v;
}

struct ranked {
	double t;
	size_t i;
};

static int
cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* Large space: random candidates, then local search from the best
 * measured configurations and the best random ones. */
static struct config *
acquire_search(struct bayes *b, const struct model *m)
{
	struct config *c, *starts[LS_RANDOM_STARTS], *pick = NULL;
	struct ranked *rk;
	size_t i, n = 0, ns;
	double acq, mu;

	b->evals = LS_EVALS;
	for (i = 0; i < b->ncand; i++) {
		c = raw_sample(b);
		forest_encode(b->ff, c, b->x);
		score(b, m, b->x, &acq, &mu);
		pool_offer(b, c, acq, mu);
	}
	ns = b->npool < LS_RANDOM_STARTS ? b->npool : LS_RANDOM_STARTS;
	for (i = 0; i < ns; i++)
		starts[i] = space_config_dup(b->space, b->pool[i].c);

	/* The best measured configurations, by value. */
	rk = xcalloc(b->nobs + 1, sizeof *rk);
	for (i = 0; i < b->nobs; i++)
		if (!b->obs[i].failed) {
			rk[n].t = b->maximise ? -b->obs[i].y : b->obs[i].y;
			rk[n++].i = i;
		}
	qsort(rk, n, sizeof *rk, cmp_ranked);
	for (i = 0; i < n && i < LS_STARTS; i++)
		local_search(b, m, b->obs[rk[i].i].c);
	free(rk);
	for (i = 0; i < ns; i++) {
		local_search(b, m, starts[i]);
		free(starts[i]);
	}
	for (i = 0; i < b->npool && pick == NULL; i++)
		pick = untried_like(b, m, b->pool[i].c);
	pool_clear(b);
	return pick;
}

/* Counts, for parameter f of card values, the trials that succeeded
 * (ok) and failed (bad) with each value. */
static void
value_counts(const struct bayes *b, size_t f, size_t *ok, size_t *bad)
{
	size_t i;
	int64_t v;

	for (i = 0; i < b->nobs; i++)
		if ((v = b->obs[i].c->v[f]) >= 0)
			(b->obs[i].failed ? bad : ok)[v]++;
}

/* The random proposal of the model phase: uniformly random, except
 * that when some value failed once or twice and never succeeded, one
 * such value (at random) is tried again. The models write a value off
 * after one failure, which may have been another parameter's fault; a
 * value that keeps failing stops coming back. */
static struct config *
random_retry(struct bayes *b)
{
	struct config *c;
	size_t f, j, n = 0, k, *ok, *bad, nfail = 0;
	uint64_t card;
	int64_t *fv, v;

	for (j = 0; j < b->nobs; j++)
		nfail += b->obs[j].failed != 0;
	if (nfail == 0)
		return random_untried(b);
	/* Each failure gives each parameter at most one failed value. */
	fv = xcalloc(2 * nfail * b->d + 2, sizeof *fv);
	for (f = 0; f < b->d; f++) {
		card = b->spec->params[f].card;
		if (card > MAX_RETRY_VALUES)
			continue;
		ok = xcalloc(card, sizeof *ok);
		bad = xcalloc(card, sizeof *bad);
		value_counts(b, f, ok, bad);
		for (j = 0; j < card; j++)
			if (ok[j] == 0 && bad[j] >= 1 && bad[j] <= RETRIES) {
				fv[2 * n] = (int64_t)f;
				fv[2 * n + 1] = (int64_t)j;
				n++;
			}
		free(ok);
		free(bad);
	}
	if (n == 0) {
		free(fv);
		return random_untried(b);
	}
	k = (size_t)rng_below(&b->rng, n);
	f = (size_t)fv[2 * k];
	v = fv[2 * k + 1];
	free(fv);
	c = raw_sample(b);
	c->v[f] = v;
	space_activate(b->space, c);
	space_canon(b->space, c);
	/* Inactive in the sample, or tried: uniformly random. */
	if (c->v[f] == v && !idset_has(&b->tried, c->id))
		return c;
	free(c);
	return random_untried(b);
}

static struct config *
propose(struct bayes *b)
{
	struct config *c = NULL;
	struct model m;
	size_t i;
	uint64_t k;

	if (b->small) {
		for (i = 0; i < b->nall; i++)
			if (!idset_has(&b->tried, b->all[i]->id))
				break;
		if (i == b->nall)
			return NULL; /* every configuration was tried */
	}
	if (b->nobs + b->npend < b->initial) {
		if (b->design == NULL)
			make_design(b);
		while (b->design_next < b->ndesign) {
			c = b->design[b->design_next++];
			if (!idset_has(&b->tried, c->id))
				return space_config_dup(b->space, c);
		}
		return random_untried(b);
	}
	if (b->nobs == 0)
		return random_untried(b);
	k = b->nbo++;
	if (b->random_share > 0 &&
	    floor((double)(k + 1) * b->random_share) >
		floor((double)k * b->random_share))
		return random_retry(b);
	build_model(b, &m);
	c = b->small ? acquire_all(b, &m) : acquire_search(b, &m);
	model_free(&m);
	return c != NULL ? c : random_untried(b);
}

static size_t
bayes_ask(void *state, struct config **out, size_t n)
{
	struct bayes *b = state;
	struct config *c;
	size_t got = 0;

	while (got < n && (c = propose(b)) != NULL) {
		idset_add(&b->tried, c->id);
		add_pending(b, c);
		out[got++] = c;
	}
	return got;
}

static void
bayes_free(void *state)
{
	struct bayes *b = state;
	size_t i;

	for (i = 0; i < b->nall; i++)
		free(b->all[i]);
	free(b->all);
	free(b->allx);
	for (i = 0; i < b->ndesign; i++)
		free(b->design[i]);
	free(b->design);
	forest_features_free(b->ff);
	for (i = 0; i < b->nobs; i++)
		free(b->obs[i].c);
	free(b->obs);
	free(b->ox);
	free(b->pend);
	free(b->px);
	idset_free(&b->tried);
	idset_free(&b->told);
	free(b->mark);
	free(b->x);
	free(b->x2);
	free(b->feats);
	free(b->cuts);
	pool_clear(b);
	free(b);
}

const struct strategy_ops strategy_bayes = {
	.name = "bayes",
	.summary = "Bayesian optimisation: a random-forest model and expected "
		   "improvement (SMAC)",
	.init = bayes_init,
	.ask = bayes_ask,
	.tell = bayes_tell,
	.free = bayes_free,
	.opts = bayes_opts,
};
