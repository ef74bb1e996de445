/*
 * wayfinder insights [EXPERIMENT]: what the trials of an experiment say
 * about its parameters. A random forest (strategies/forest.c) is fitted
 * to the measured trials, on the log of the objective when every value
 * is positive, and decomposed by functional ANOVA
 * (strategies/importance.c): each parameter's share of the variance of
 * the objective over the whole space, the strongest pairwise
 * interactions, and each parameter's marginal (the predicted objective
 * at each of its values, averaged over everything else), with how many
 * trials back each value. Reads the store directly, so it works while
 * the experiment runs. With --dataset it reads a replay dataset instead:
 * every row, or the trials a strategy makes on it (--trials).
 */
#include "config.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "dataset.h"
#include "diag.h"
#include "spec.h"
#include "specwrite.h"
#include "state.h"
#include "store.h"
#include "xmalloc.h"
#include "../strategies/forest.h"
#include "../strategies/importance.h"
#include "../strategies/strategy.h"

enum format { FMT_TABLE, FMT_CSV, FMT_JSON };

/* Trees of the forest insights fits: more than a search needs, so that
 * the shares are stable. */
#define INSIGHT_TREES 32
#define TABLE_PAIRS 10
#define TABLE_VALUES 12
#define MAX_VALUES 1000 /* marginal values listed per parameter */

/* The measured trials, encoded for the forest. */
struct data {
	const struct space *space;
	struct forest_features *ff;
	size_t d;
	size_t n; /* measured trials */
	int32_t *x;
	double *y;
	size_t nfailed, npending, nskipped;
	enum direction dir;
	char *objective;
	char *title;       /* the first line of the report */
	char *domain_note; /* how the domains were found, or NULL */
};

/* What the analysis found. */
struct result {
	int logs;
	struct forest *fo;
	struct importance *im;
	size_t *order;    /* parameters by share, largest first */
	size_t **support; /* support[f][level]: trials at that level */
};

static void
usage(FILE *f)
{
	fputs("usage: wayfinder insights [EXPERIMENT] [--state DIR] "
	      "[--format table|csv|json]\n"
	      "       wayfinder insights --dataset FILE.csv [--trials N "
	      "[--strategy S] [--seed K]]\n"
	      "                          [--option NAME=VALUE]... [--format "
	      "table|csv|json]\n"
	      "The manual is wayfinder(1).\n",
	    f);
}

static void
data_add(struct data *dt, size_t *cap, const int32_t *x, double y)
{
	if (dt->n == *cap) {
		*cap = *cap == 0 ? 64 : 2 * *cap;
		dt->x = xreallocarray(dt->x, *cap * (dt->d + 1), sizeof *dt->x);
		dt->y = xreallocarray(dt->y, *cap, sizeof *dt->y);
	}
	memcpy(dt->x + dt->n * dt->d, x, dt->d * sizeof *x);
	dt->y[dt->n++] = y;
}

static void
data_free(struct data *dt)
{
	forest_features_free(dt->ff);
	free(dt->x);
	free(dt->y);
	free(dt->objective);
	free(dt->title);
	free(dt->domain_note);
}

static int
is_number(const char *s, int *integer)
{
	char *end;

	if (*s == '\0')
		return 0;
	(void)strtod(s, &end);
	if (*end != '\0')
		return 0;
	*integer =
	    strspn(s + (*s == '-'), "0123456789") == strlen(s + (*s == '-'));
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A spec whose parameters take the values the trials have, for when the
 * experiment's own spec no longer loads (its scripts moved): the
 * domains then hold only what was measured, and conditions are lost
 * (a parameter missing from a trial is inactive there).
 */
static struct spec *
synth_spec(char **names, size_t nnames, const struct store_trial *v, size_t n)
{
	struct diags d = { NULL, 0, 0 };
	struct buf b = BUF_INIT;
	struct spec *s;
	char **vals;
	size_t k, i, j, nv;
	int ints, nums, bools, integer;

	buf_adds(&b, "name: insights\nparams:\n");
	vals = xcalloc(n + 2, sizeof *vals);
	for (k = 0; k < nnames; k++) {
		nv = 0;
		for (i = 0; i < n; i++)
			for (j = 0; j < v[i].nvalues; j++)
				if (strcmp(v[i].names[j], names[k]) == 0) {
					vals[nv++] = v[i].values[j];
					break;
				}
		qsort(vals, nv, sizeof *vals, cmp_str);
		for (i = j = 0; i < nv; i++)
			if (j == 0 || strcmp(vals[j - 1], vals[i]) != 0)
				vals[j++] = vals[i];
		nv = j;
		ints = nums = bools = nv > 0;
		for (i = 0; i < nv; i++) {
			if (!is_number(vals[i], &integer))
				ints = nums = 0;
			else if (!integer)
				ints = 0;
			if (strcmp(vals[i], "true") != 0 &&
			    strcmp(vals[i], "false") != 0)
				bools = 0;
		}
		buf_printf(&b, "  - name: %s\n    type: %s\n", names[k],
		    bools    ? "bool" :
			ints ? "int" :
			nums ? "float" :
			       "str");
		if (bools)
			continue;
		buf_adds(&b, "    values: [");
		if (nv == 0)
			buf_adds(&b, "'-'");
		for (i = 0; i < nv; i++) {
			if (i > 0)
				buf_adds(&b, ", ");
			if (nums)
				buf_adds(&b, vals[i]);
			else
				specwrite_scalar(&b, vals[i], 1);
		}
		buf_adds(&b, "]\n");
	}
	buf_adds(&b,
	    "build: {run: 'true'}\n"
	    "test: {run: 'true', objective: {metric: wall_ms, "
	    "direction: minimize}}\n");
	free(vals);
	s = spec_parse("(trials)", buf_str(&b), b.len, &d);
	diag_free(&d);
	buf_free(&b);
	return s;
}

static const struct spec *sort_spec;

static int
cmp_param_name(const void *a, const void *b)
{
	return strcmp(sort_spec->params[*(const size_t *)a].name,
	    sort_spec->params[*(const size_t *)b].name);
}

/* The parameter called name, by binary search of byname (parameter
 * indices in name order), or -1. */
static int64_t
param_by_name(const struct spec *spec, const size_t *byname, const char *name)
{
	size_t lo = 0, hi = spec->nparams, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(spec->params[byname[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == spec->nparams || strcmp(spec->params[byname[lo]].name, name))
		return -1;
	return (int64_t)byname[lo];
}

/* The trials of experiment id, encoded into dt. *specp and *spacep are
 * what dt->space points to (caller frees). */
static int
load_experiment(struct store *st, int64_t id, struct data *dt,
    struct spec **specp, struct space **spacep)
{
	struct store_experiment e;
	struct store_trial *v = NULL;
	struct diags d = { NULL, 0, 0 };
	struct spec *spec;
	char **names = NULL;
	size_t nnames = 0, n = 0, i, j, cap = 0, *byname;
	int32_t *x;
	int64_t vi, k;
	int synth = 0, bad;
	unsigned char *missing;

	if (store_experiment_get(st, id, &e) != 0)
		return -1;
	spec = spec_parse(e.spec_path, e.spec_text, strlen(e.spec_text), &d);
	diag_free(&d);
	store_trials(st, id, &v, &n);
	store_param_names(st, id, &names, &nnames);
	if (spec == NULL) {
		spec = synth_spec(names, nnames, v, n);
		synth = 1;
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	if (spec == NULL) {
		store_trials_free(v, n);
		store_experiment_clear(&e);
		return -1;
	}
	*specp = spec;
	*spacep = space_new(spec);
	dt->space = *spacep;
	dt->ff = forest_features_new(dt->space);
	dt->d = spec->nparams;
	dt->dir =
	    strcmp(e.direction, "maximize") == 0 ? DIR_MAXIMIZE : DIR_MINIMIZE;
	dt->objective = xstrdup(e.objective);
	dt->title = xasprintf("experiment %lld (%s), %s %s, %s",
	    (long long)e.id, e.name, e.direction, e.objective, e.state);
	if (synth)
		dt->domain_note = xstrdup("the spec no longer loads (its files "
					  "moved?): domains are the values "
					  "the trials have, without "
					  "conditions");
	byname = xcalloc(dt->d + 1, sizeof *byname);
	for (i = 0; i < dt->d; i++)
		byname[i] = i;
	sort_spec = spec;
	qsort(byname, dt->d, sizeof *byname, cmp_param_name);
	sort_spec = NULL;
	x = xcalloc(dt->d + 1, sizeof *x);
	missing = xcalloc(dt->d + 1, 1);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].state, "failed") == 0) {
			dt->nfailed++;
			continue;
		}
		if (strcmp(v[i].state, "done") != 0 || !v[i].has_value ||
		    !isfinite(v[i].value)) {
			dt->npending += strcmp(v[i].state, "done") != 0;
			continue;
		}
		memset(x, 0, dt->d * sizeof *x);
		bad = 0;
		for (j = 0; j < v[i].nvalues && !bad; j++) {
			if ((k = param_by_name(spec, byname, v[i].names[j])) <
			    0)
				continue; /* a parameter the spec lost */
			vi = spec_value_index(&spec->params[k], v[i].values[j]);
			if (vi < 0)
				bad = 1;
			else
				x[k] = forest_level(dt->ff, (size_t)k, vi);
		}
		if (bad) {
			dt->nskipped++;
			continue;
		}
		for (j = 0; j < dt->d; j++)
			if (x[j] == 0)
				missing[j] = 1;
		data_add(dt, &cap, x, v[i].value);
	}
	/* Without conditions, "inactive" is a value only where a trial
	 * had it. */
	if (synth)
		for (j = 0; j < dt->d; j++)
			dt->ff->f[j].lo = missing[j] ? 0 : 1;
	free(x);
	free(missing);
	free(byname);
	store_trials_free(v, n);
	store_experiment_clear(&e);
	return 0;
}

/* Every row of a dataset, or the trials strategy makes on it. */
static int
load_dataset(const struct dataset *ds, struct data *dt, size_t trials,
    const char *strategy, uint64_t seed, int seeded,
    const struct spec_option *opts, size_t nopts, char **cause)
{
	struct strategy_conf conf;
	struct strategy *s;
	struct config *c;
	struct outcome o;
	int32_t *x;
	size_t i, cap = 0, used = 0;
	long r;

	dt->space = ds->space;
	dt->ff = forest_features_new(ds->space);
	dt->d = ds->nparams;
	dt->dir = ds->direction;
	dt->objective = xstrdup(ds->objectives[0]);
	x = xcalloc(dt->d + 1, sizeof *x);
	if (trials == 0) {
		dt->title = xasprintf("dataset %s, %s %s, every row", ds->name,
		    spec_direction_name(ds->direction), ds->objectives[0]);
		for (i = 0; i < ds->nrows; i++) {
			forest_encode(dt->ff, ds->configs[i], x);
			data_add(dt, &cap, x, dataset_value(ds, i));
		}
		free(x);
		return 0;
	}
	memset(&conf, 0, sizeof conf);
	conf.seed = seed;
	conf.seeded = seeded;
	conf.direction = ds->direction;
	conf.options = opts;
	conf.noptions = nopts;
	if ((s = strategy_new(strategy, ds->space, &conf, cause)) == NULL) {
		free(x);
		return -1;
	}
	dt->title = xasprintf("dataset %s, %s %s, %zu trials of %s (seed "
			      "%llu)",
	    ds->name, spec_direction_name(ds->direction), ds->objectives[0],
	    trials, strategy, (unsigned long long)seed);
	while (used < trials && strategy_ask(s, &c, 1) == 1) {
		memset(&o, 0, sizeof o);
		if ((r = dataset_lookup(ds, c)) < 0) {
			o.status = OUTCOME_FAILED;
			o.reason = "absent from the dataset";
			dt->nfailed++;
		} else {
			o.status = OUTCOME_DONE;
			o.value = dataset_value(ds, (size_t)r);
			o.n = 1;
			forest_encode(dt->ff, c, x);
			data_add(dt, &cap, x, o.value);
		}
		strategy_tell(s, c, &o);
		free(c);
		used++;
	}
	if (strategy_error(s) != NULL) {
		*cause =
		    xasprintf("strategy %s: %s", strategy, strategy_error(s));
		strategy_free(s);
		free(x);
		return -1;
	}
	strategy_free(s);
	free(x);
	return 0;
}

static const double *sort_share;

static int
cmp_share(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (sort_share[x] != sort_share[y])
		return sort_share[x] > sort_share[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void
analyse(const struct data *dt, struct result *res)
{
	struct forest_opts o;
	double *t;
	size_t i, f;

	memset(res, 0, sizeof *res);
	res->logs = 1;
	for (i = 0; i < dt->n; i++)
		if (!(dt->y[i] > 0))
			res->logs = 0;
	t = xcalloc(dt->n + 1, sizeof *t);
	for (i = 0; i < dt->n; i++)
		t[i] = res->logs ? log(dt->y[i]) : dt->y[i];
	forest_opts_default(&o);
	o.ntrees = INSIGHT_TREES;
	/* Bounded even in a Linux-sized space: a few seconds at most. */
	o.max_work = 2000000;
	res->fo = forest_fit(dt->ff->f, dt->d, dt->x, t, dt->n, &o, 1);
	free(t);
	res->im = importance_compute(res->fo, 1);
	res->order = xcalloc(dt->d + 1, sizeof *res->order);
	for (f = 0; f < dt->d; f++)
		res->order[f] = f;
	sort_share = res->im->share;
	qsort(res->order, dt->d, sizeof *res->order, cmp_share);
	sort_share = NULL;
	res->support = xcalloc(dt->d + 1, sizeof *res->support);
	for (f = 0; f < dt->d; f++) {
		res->support[f] = xcalloc((size_t)dt->ff->f[f].nlevels,
		    sizeof *res->support[f]);
		for (i = 0; i < dt->n; i++)
			res->support[f][dt->x[i * dt->d + f]]++;
	}
}

static void
result_free(const struct data *dt, struct result *res)
{
	size_t f;

	forest_free(res->fo);
	importance_free(res->im);
	free(res->order);
	for (f = 0; res->support != NULL && f < dt->d; f++)
		free(res->support[f]);
	free(res->support);
}

/* A marginal back on the objective's scale. */
static double
natural(const struct result *res, double m)
{
	return res->logs ? exp(m) : m;
}

/* The text of level l of parameter f (into buf, 64 bytes). */
static const char *
level_text(const struct data *dt, size_t f, int32_t l, char *buf, size_t len)
{
	const struct param *p = &space_spec(dt->space)->params[f];
	int64_t v = forest_value(dt->ff, f, l);

	if (v < 0)
		return "(inactive)";
	return spec_value(p, (uint64_t)v, buf, len);
}

/* The best and worst levels of parameter f by its marginal. */
static void
extremes(const struct data *dt, const struct result *res, size_t f,
    int32_t *best, int32_t *worst)
{
	const double *m = res->im->marginal[f];
	int32_t l;
	int max = dt->dir == DIR_MAXIMIZE;

	*best = *worst = -1;
	for (l = dt->ff->f[f].lo; l < dt->ff->f[f].nlevels; l++) {
		if (isnan(m[l]))
			continue;
		if (*best < 0 || (max ? m[l] > m[*best] : m[l] < m[*best]))
			*best = l;
		if (*worst < 0 || (max ? m[l] < m[*worst] : m[l] > m[*worst]))
			*worst = l;
	}
}

static double
higher_order(const struct data *dt, const struct result *res)
{
	double h = 1 - res->im->pairs_total;
	size_t f;

	for (f = 0; f < dt->d; f++)
		h -= res->im->share[f];
	return h > 0 ? h : 0;
}

static const char *
param_name(const struct data *dt, size_t f)
{
	return space_spec(dt->space)->params[f].name;
}

/* Levels of f ordered for a listing: best predicted first. */
static const struct result *sort_res;
static size_t sort_f;
static int sort_max;

static int
cmp_levels(const void *a, const void *b)
{
	const double *m = sort_res->im->marginal[sort_f];
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	if (m[x] != m[y])
		return (sort_max ? m[x] > m[y] : m[x] < m[y]) ? -1 : 1;
	return x < y ? -1 : x > y;
}

static size_t
listed_levels(const struct data *dt, const struct result *res, size_t f,
    int32_t *lv, int by_value)
{
	size_t n = 0;
	int32_t l;

	for (l = dt->ff->f[f].lo; l < dt->ff->f[f].nlevels; l++)
		if (!isnan(res->im->marginal[f][l]))
			lv[n++] = l;
	if (!by_value) {
		sort_res = res;
		sort_f = f;
		sort_max = dt->dir == DIR_MAXIMIZE;
		qsort(lv, n, sizeof *lv, cmp_levels);
		sort_res = NULL;
	}
	return n;
}

static void
print_table(const struct data *dt, const struct result *res)
{
	const struct importance *im = res->im;
	char b1[64], b2[64], *pair;
	size_t i, k, f, n, w = 9, shown;
	int32_t best, worst, *lv;

	printf("%s\n", dt->title);
	printf("%zu trials measured", dt->n);
	if (dt->nfailed > 0)
		printf(", %zu failed", dt->nfailed);
	if (dt->npending > 0)
		printf(", %zu not finished", dt->npending);
	if (dt->nskipped > 0)
		printf(", %zu not in the spec's domains (left out)",
		    dt->nskipped);
	printf("; a forest of %d trees on %s%s%s\n", INSIGHT_TREES,
	    res->logs ? "log(" : "", dt->objective, res->logs ? ")" : "");
	if (dt->domain_note != NULL)
		printf("note: %s\n", dt->domain_note);
	for (f = 0; f < dt->d; f++)
		if (strlen(param_name(dt, f)) > w)
			w = strlen(param_name(dt, f));
	printf("\nshare of the variance of %s%s%s over the space:\n",
	    res->logs ? "log(" : "", dt->objective, res->logs ? ")" : "");
	printf("  %-*s  %6s  %5s  %-12s %10s  %-12s %10s  %s\n", (int)w,
	    "parameter", "share", "+-", "best", "predicted", "worst",
	    "predicted", "trials at best");
	for (i = 0; i < dt->d; i++) {
		f = res->order[i];
		extremes(dt, res, f, &best, &worst);
		if (best < 0)
			continue;
		printf("  %-*s  %5.1f%%  %4.1f%%  %-12s %10.4g  %-12s %10.4g  "
		       "%zu of %zu\n",
		    (int)w, param_name(dt, f), 100 * im->share[f],
		    100 * im->share_sd[f], level_text(dt, f, best, b1, 64),
		    natural(res, im->marginal[f][best]),
		    level_text(dt, f, worst, b2, 64),
		    natural(res, im->marginal[f][worst]), res->support[f][best],
		    dt->n);
	}
	printf("\npairwise interactions: %.1f%% in all", 100 * im->pairs_total);
	printf(", higher orders %.1f%%\n", 100 * higher_order(dt, res));
	for (k = 0; k < im->npairs && k < TABLE_PAIRS; k++) {
		if (im->pairs[k].share < 0.0005)
			break;
		pair = xasprintf("%s x %s", param_name(dt, im->pairs[k].a),
		    param_name(dt, im->pairs[k].b));
		printf("  %-*s  %5.1f%%\n", (int)(2 * w + 3), pair,
		    100 * im->pairs[k].share);
		free(pair);
	}
	printf("\nmarginals: predicted %s at each value (trials with it), "
	       "best first\n",
	    dt->objective);
	lv = xcalloc((size_t)dt->ff->f[0].nlevels + 1, sizeof *lv);
	for (i = 0; i < dt->d; i++) {
		f = res->order[i];
		if (i >= 10 && im->share[f] < 0.01)
			break;
		lv = xreallocarray(lv, (size_t)dt->ff->f[f].nlevels + 1,
		    sizeof *lv);
		n = listed_levels(dt, res, f, lv, 0);
		printf("  %s:", param_name(dt, f));
		shown = n < TABLE_VALUES ? n : TABLE_VALUES;
		for (k = 0; k < shown; k++)
			printf(" %s=%.4g (%zu)",
			    level_text(dt, f, lv[k], b1, 64),
			    natural(res, im->marginal[f][lv[k]]),
			    res->support[f][lv[k]]);
		if (shown < n)
			printf(" ... %zu more", n - shown);
		printf("\n");
	}
	free(lv);
}

static void
print_csv(const struct data *dt, const struct result *res)
{
	const struct importance *im = res->im;
	char b1[64];
	size_t i, k, f, n;
	int32_t *lv = NULL;

	printf("kind,parameter,other,value,share,share_sd,predicted,trials\n");
	for (i = 0; i < dt->d; i++) {
		f = res->order[i];
		printf("main,");
		cmd_csv_field(param_name(dt, f));
		printf(",,,%.6f,%.6f,,\n", im->share[f], im->share_sd[f]);
	}
	for (k = 0; k < im->npairs; k++) {
		printf("interaction,");
		cmd_csv_field(param_name(dt, im->pairs[k].a));
		putchar(',');
		cmd_csv_field(param_name(dt, im->pairs[k].b));
		printf(",,%.6f,,,\n", im->pairs[k].share);
	}
	printf("higher_order,,,,%.6f,,,\n", higher_order(dt, res));
	for (i = 0; i < dt->d; i++) {
		f = res->order[i];
		lv = xreallocarray(lv, (size_t)dt->ff->f[f].nlevels + 1,
		    sizeof *lv);
		n = listed_levels(dt, res, f, lv, 1);
		for (k = 0; k < n && k < MAX_VALUES; k++) {
			printf("marginal,");
			cmd_csv_field(param_name(dt, f));
			printf(",,");
			cmd_csv_field(level_text(dt, f, lv[k], b1, 64));
			printf(",,,%.10g,%zu\n",
			    natural(res, im->marginal[f][lv[k]]),
			    res->support[f][lv[k]]);
		}
	}
	free(lv);
}

static void
print_json(const struct data *dt, const struct result *res)
{
	const struct importance *im = res->im;
	json_t *root, *params, *p, *vals, *pairs;
	char b1[64], *text;
	size_t i, k, f, n;
	int32_t best, worst, *lv = NULL;

	root = json_object();
	json_object_set_new(root, "source", json_string(dt->title));
	json_object_set_new(root, "objective", json_string(dt->objective));
	json_object_set_new(root, "direction",
	    json_string(spec_direction_name(dt->dir)));
	json_object_set_new(root, "log_scale", json_boolean(res->logs));
	json_object_set_new(root, "trials", json_integer((json_int_t)dt->n));
	json_object_set_new(root, "failed",
	    json_integer((json_int_t)dt->nfailed));
	json_object_set_new(root, "not_finished",
	    json_integer((json_int_t)dt->npending));
	json_object_set_new(root, "trees", json_integer(INSIGHT_TREES));
	if (dt->domain_note != NULL)
		json_object_set_new(root, "note", json_string(dt->domain_note));
	params = json_array();
	for (i = 0; i < dt->d; i++) {
		f = res->order[i];
		extremes(dt, res, f, &best, &worst);
		p = json_object();
		json_object_set_new(p, "name", json_string(param_name(dt, f)));
		json_object_set_new(p, "share", json_real(im->share[f]));
		json_object_set_new(p, "share_sd", json_real(im->share_sd[f]));
		if (best >= 0) {
			json_object_set_new(p, "best",
			    json_string(level_text(dt, f, best, b1, 64)));
			json_object_set_new(p, "best_predicted",
			    json_real(natural(res, im->marginal[f][best])));
			json_object_set_new(p, "best_trials",
			    json_integer((json_int_t)res->support[f][best]));
		}
		vals = json_array();
		lv = xreallocarray(lv, (size_t)dt->ff->f[f].nlevels + 1,
		    sizeof *lv);
		n = listed_levels(dt, res, f, lv, 1);
		for (k = 0; k < n && k < MAX_VALUES; k++)
			json_array_append_new(vals,
			    json_pack("{sssfsI}", "value",
				level_text(dt, f, lv[k], b1, 64), "predicted",
				natural(res, im->marginal[f][lv[k]]), "trials",
				(json_int_t)res->support[f][lv[k]]));
		json_object_set_new(p, "marginal", vals);
		json_array_append_new(params, p);
	}
	json_object_set_new(root, "parameters", params);
	pairs = json_array();
	for (k = 0; k < im->npairs; k++)
		json_array_append_new(pairs,
		    json_pack("{sssssf}", "a", param_name(dt, im->pairs[k].a),
			"b", param_name(dt, im->pairs[k].b), "share",
			im->pairs[k].share));
	json_object_set_new(root, "interactions", pairs);
	json_object_set_new(root, "interactions_total",
	    json_real(im->pairs_total));
	json_object_set_new(root, "higher_order",
	    json_real(higher_order(dt, res)));
	text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	printf("%s\n", text);
	free(text);
	json_decref(root);
	free(lv);
}

static int
parse_count(const char *arg, const char *opt, unsigned long long *out)
{
	char *end;

	*out = strtoull(arg, &end, 10);
	if (*arg == '\0' || *arg == '-' || *end != '\0') {
		cmd_error("%s needs a whole number, not '%s'", opt, arg);
		return -1;
	}
	return 0;
}

int
cmd_insights(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "dataset", required_argument, NULL, 'D' },
		{ "trials", required_argument, NULL, 'n' },
		{ "strategy", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "option", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct strategy_ops *ops;
	struct spec_option *opts = NULL;
	struct store *st = NULL;
	struct dataset *ds = NULL;
	struct spec *spec = NULL;
	struct space *space = NULL;
	struct diags d = { NULL, 0, 0 };
	struct data dt;
	struct result res;
	enum format fmt = FMT_TABLE;
	const char *statearg = NULL, *dsarg = NULL, *strategy = "bayes";
	const char *hint;
	char *dir = NULL, *cause = NULL, *why, *eq;
	unsigned long long trials = 0, seed = 1;
	size_t nopts = 0, i;
	int64_t id;
	int c, rc = EXIT_FAIL, seeded = 0, with_trials = 0;

	memset(&dt, 0, sizeof dt);
	memset(&res, 0, sizeof res);
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			statearg = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "table") == 0)
				fmt = FMT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				fmt = FMT_CSV;
			else if (strcmp(optarg, "json") == 0)
				fmt = FMT_JSON;
			else {
				cmd_error("--format is table, csv or json, not "
					  "'%s'",
				    optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'D':
			dsarg = optarg;
			break;
		case 'n':
			if (parse_count(optarg, "--trials", &trials) != 0 ||
			    trials == 0) {
				if (trials == 0)
					cmd_error("--trials needs at least 1");
				rc = EXIT_USAGE;
				goto out;
			}
			with_trials = 1;
			break;
		case 's':
			strategy = optarg;
			break;
		case 'S':
			if (parse_count(optarg, "--seed", &seed) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			seeded = 1;
			break;
		case 'o':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    eq == optarg) {
				cmd_error("--option needs NAME=VALUE, not '%s'",
				    optarg);
				rc = EXIT_USAGE;
				goto out;
			}
			opts = xreallocarray(opts, nopts + 1, sizeof *opts);
			memset(&opts[nopts], 0, sizeof *opts);
			opts[nopts].name =
			    xstrndup(optarg, (size_t)(eq - optarg));
			opts[nopts].value = xstrdup(eq + 1);
			nopts++;
			break;
		case 'h':
			usage(stdout);
			rc = EXIT_OK;
			goto out;
		default:
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (argc - optind > 1 || (dsarg != NULL && argc - optind > 0) ||
	    (dsarg == NULL && (with_trials || seeded || nopts > 0))) {
		if (dsarg == NULL && argc - optind <= 1)
			cmd_error("--trials, --strategy, --seed and --option "
				  "go with --dataset");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (dsarg != NULL) {
		if ((ops = strategy_find(strategy)) == NULL) {
			cmd_error("unknown strategy '%s' (%s)", strategy,
			    strategy_list());
			rc = EXIT_USAGE;
			goto out;
		}
		for (i = 0; i < nopts; i++)
			if (strategy_check_option(ops, &opts[i], &why, &hint) !=
			    0) {
				cmd_error("%s%s%s%s", why,
				    hint != NULL ? " (did you mean '" : "",
				    hint != NULL ? hint : "",
				    hint != NULL ? "'?)" : "");
				free(why);
				rc = EXIT_USAGE;
				goto out;
			}
		if ((ds = dataset_load(dsarg, &d)) == NULL) {
			diag_print(&d, stderr);
			goto out;
		}
		if (load_dataset(ds, &dt, (size_t)trials, strategy, seed,
			seeded || with_trials, opts, nopts, &cause) != 0) {
			cmd_error("%s", cause);
			goto out;
		}
	} else {
		dir = state_dir(statearg);
		if (state_open_existing(dir, &st, &cause) != 0) {
			cmd_error("%s", cause);
			goto out;
		}
		id = store_experiment_lookup(st,
		    optind < argc ? argv[optind] : NULL);
		if (id == 0) {
			if (optind < argc)
				cmd_error("no experiment '%s' in %s",
				    argv[optind], dir);
			else
				cmd_error("no experiments in %s", dir);
			goto out;
		}
		if (load_experiment(st, id, &dt, &spec, &space) != 0) {
			cmd_error("experiment %lld: cannot rebuild its "
				  "parameters",
			    (long long)id);
			goto out;
		}
	}
	if (dt.n < 2) {
		cmd_error("%s: %zu measured trial%s, too few to learn from",
		    dt.title, dt.n, dt.n == 1 ? "" : "s");
		goto out;
	}
	analyse(&dt, &res);
	switch (fmt) {
	case FMT_CSV:
		print_csv(&dt, &res);
		break;
	case FMT_JSON:
		print_json(&dt, &res);
		break;
	default:
		print_table(&dt, &res);
		break;
	}
	rc = EXIT_OK;
out:
	result_free(&dt, &res);
	data_free(&dt);
	space_free(space);
	spec_free(spec);
	dataset_free(ds);
	diag_free(&d);
	store_close(st);
	spec_options_free(opts, nopts);
	free(dir);
	free(cause);
	return rc;
}
