/*
 * wayfinder results [EXPERIMENT]: the trials of an experiment, best
 * first, as a table, CSV or JSON. Reads the store directly (WAL lets it
 * run while the experiment does).
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
#include "state.h"
#include "store.h"
#include "xmalloc.h"

enum format { FMT_TABLE, FMT_CSV, FMT_JSON };

struct names {
	char **v;
	size_t n;
};

static void
usage(FILE *f)
{
	fputs("usage: wayfinder results [EXPERIMENT] [--state DIR] [--top N] "
	      "[--format table|csv|json]\n"
	      "       wayfinder results [EXPERIMENT] [--state DIR] --samples "
	      "TRIAL\n",
	    f);
}

static void
names_add(struct names *n, const char *name)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (strcmp(n->v[i], name) == 0)
			return;
	n->v = xreallocarray(n->v, n->n + 1, sizeof *n->v);
	n->v[n->n++] = xstrdup(name);
}

static void
names_free(struct names *n)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
}

static int maximize;

static int
rank_of(const struct store_trial *t)
{
	if (strcmp(t->state, "done") == 0)
		return 0;
	if (strcmp(t->state, "failed") == 0)
		return 1;
	return 2;
}

static int
cmp_trials(const void *a, const void *b)
{
	const struct store_trial *x = a, *y = b;
	int rx = rank_of(x), ry = rank_of(y);

	if (rx != ry)
		return rx - ry;
	if (rx == 0 && x->value != y->value)
		return (maximize ? x->value < y->value : x->value > y->value) ?
		    1 :
		    -1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *
value_of(const struct store_trial *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nvalues; i++)
		if (strcmp(t->names[i], name) == 0)
			return t->values[i];
	return NULL;
}

static const struct store_metric *
metric_of(const struct store_trial *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nmetrics; i++)
		if (strcmp(t->metrics[i].name, name) == 0)
			return &t->metrics[i];
	return NULL;
}

static char *
num(double x)
{
	if (isnan(x))
		return xstrdup("");
	return xasprintf("%.6g", x);
}

/* A CSV field, quoted when it must be. */
static void
csv_field(struct buf *b, const char *s, int first)
{
	if (!first)
		buf_addc(b, ',');
	buf_add_csv(b, s);
}

static void
print_csv(struct store_trial *v, size_t n, const struct names *params,
    const struct names *metrics)
{
	static const char *const stats[] = { "median", "mean", "stddev", "min",
		"max", "n" };
	const struct store_metric *m;
	struct buf b = BUF_INIT;
	char *x, rank[32];
	size_t i, k, s;
	double vals[6];

	buf_adds(&b,
	    "rank,trial,config,status,reason,value,stddev,n,"
	    "protections");
	for (k = 0; k < params->n; k++)
		csv_field(&b, params->v[k], 0);
	for (k = 0; k < metrics->n; k++)
		for (s = 0; s < 6; s++) {
			x = xasprintf("%s_%s", metrics->v[k], stats[s]);
			csv_field(&b, x, 0);
			free(x);
		}
	printf("%s\n", buf_str(&b));
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		snprintf(rank, sizeof rank, "%zu", i + 1);
		buf_adds(&b, rank_of(&v[i]) == 0 ? rank : "");
		buf_printf(&b, ",%lld", (long long)v[i].seq);
		csv_field(&b, v[i].config_key, 0);
		csv_field(&b, v[i].state, 0);
		csv_field(&b, v[i].reason != NULL ? v[i].reason : "", 0);
		x = num(v[i].has_value ? v[i].value : NAN);
		csv_field(&b, x, 0);
		free(x);
		x = num(v[i].has_value ? v[i].stddev : NAN);
		csv_field(&b, x, 0);
		free(x);
		buf_printf(&b, ",%d", v[i].has_value ? v[i].n : 0);
		csv_field(&b, v[i].protections != NULL ? v[i].protections : "",
		    0);
		for (k = 0; k < params->n; k++) {
			const char *pv = value_of(&v[i], params->v[k]);

			csv_field(&b, pv != NULL ? pv : "", 0);
		}
		for (k = 0; k < metrics->n; k++) {
			m = metric_of(&v[i], metrics->v[k]);
			if (m != NULL) {
				vals[0] = m->median;
				vals[1] = m->mean;
				vals[2] = m->stddev;
				vals[3] = m->min;
				vals[4] = m->max;
				vals[5] = m->n;
			}
			for (s = 0; s < 6; s++) {
				x = num(m != NULL ? vals[s] : NAN);
				csv_field(&b, x, 0);
				free(x);
			}
		}
		printf("%s\n", buf_str(&b));
	}
	buf_free(&b);
}

static json_t *
jnum(double x)
{
	return isnan(x) ? json_null() : json_real(x);
}

static void
print_json(const struct store_experiment *e, struct store_trial *v, size_t n)
{
	const struct store_metric *m;
	json_t *root, *trials, *t, *params, *metrics, *jm;
	char *text;
	size_t i, k;

	root = json_pack("{sIsssssssssIsssssIsf}", "experiment",
	    (json_int_t)e->id, "name", e->name, "spec", e->spec_path,
	    "identity", e->identity, "strategy", e->strategy, "budget",
	    (json_int_t)e->budget, "objective", e->objective, "direction",
	    e->direction, "seed", (json_int_t)e->seed, "created", e->created);
	json_object_set_new(root, "state", json_string(e->state));
	trials = json_array();
	for (i = 0; i < n; i++) {
		t = json_pack("{sIssss}", "trial", (json_int_t)v[i].seq,
		    "config", v[i].config_key, "status", v[i].state);
		json_object_set_new(t, "rank",
		    rank_of(&v[i]) == 0 ? json_integer((json_int_t)i + 1) :
					  json_null());
		json_object_set_new(t, "reason",
		    v[i].reason != NULL ? json_string(v[i].reason) :
					  json_null());
		json_object_set_new(t, "value",
		    v[i].has_value ? jnum(v[i].value) : json_null());
		json_object_set_new(t, "stddev",
		    v[i].has_value ? jnum(v[i].stddev) : json_null());
		json_object_set_new(t, "n",
		    json_integer(v[i].has_value ? v[i].n : 0));
		json_object_set_new(t, "protections",
		    v[i].protections != NULL ? json_string(v[i].protections) :
					       json_null());
		params = json_object();
		for (k = 0; k < v[i].nvalues; k++)
			json_object_set_new(params, v[i].names[k],
			    json_string(v[i].values[k]));
		json_object_set_new(t, "params", params);
		metrics = json_object();
		for (k = 0; k < v[i].nmetrics; k++) {
			m = &v[i].metrics[k];
			jm = json_object();
			json_object_set_new(jm, "median", jnum(m->median));
			json_object_set_new(jm, "mean", jnum(m->mean));
			json_object_set_new(jm, "stddev", jnum(m->stddev));
			json_object_set_new(jm, "min", jnum(m->min));
			json_object_set_new(jm, "max", jnum(m->max));
			json_object_set_new(jm, "n", json_integer(m->n));
			json_object_set_new(metrics, m->name, jm);
		}
		json_object_set_new(t, "metrics", metrics);
		json_array_append_new(trials, t);
	}
	json_object_set_new(root, "trials", trials);
	text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	printf("%s\n", text);
	free(text);
	json_decref(root);
}

/* Appends cell to row r of a table of ncols columns. */
struct table {
	char **cells;
	size_t ncols, nrows;
	int *right; /* right-aligned (numeric) columns */
};

static void
table_cell(struct table *t, size_t row, size_t col, char *text)
{
	if (row >= t->nrows) {
		t->cells = xreallocarray(t->cells, (row + 1) * t->ncols,
		    sizeof *t->cells);
		memset(t->cells + t->nrows * t->ncols, 0,
		    (row + 1 - t->nrows) * t->ncols * sizeof *t->cells);
		t->nrows = row + 1;
	}
	t->cells[row * t->ncols + col] = text;
}

static void
table_print(struct table *t)
{
	size_t *w, r, c, len;
	const char *cell;

	w = xcalloc(t->ncols, sizeof *w);
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			len = cell != NULL ? strlen(cell) : 0;
			if (len > w[c])
				w[c] = len;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			cell = t->cells[r * t->ncols + c];
			if (cell == NULL)
				cell = "";
			if (c == t->ncols - 1 && !t->right[c])
				printf("%s", cell);
			else
				printf(t->right[c] ? "%*s" : "%-*s", (int)w[c],
				    cell);
			if (c + 1 < t->ncols)
				printf("  ");
		}
		printf("\n");
		for (c = 0; c < t->ncols; c++)
			free(t->cells[r * t->ncols + c]);
	}
	free(w);
	free(t->cells);
	free(t->right);
}

static void
print_table(const struct store_experiment *e, struct store_trial *v, size_t n,
    const struct names *params, const struct names *metrics)
{
	struct table t;
	size_t i, k, col;
	const struct store_metric *m;
	const char *pv;
	char *objcol;

	printf("experiment %lld (%s), %s, %s %s, %s\n", (long long)e->id,
	    e->name, e->strategy, e->direction, e->objective, e->state);
	memset(&t, 0, sizeof t);
	t.ncols = 6 + params->n + metrics->n + 1;
	t.right = xcalloc(t.ncols, sizeof *t.right);
	col = 0;
	t.right[0] = t.right[1] = t.right[3] = t.right[4] = t.right[5] = 1;
	table_cell(&t, 0, col++, xstrdup("rank"));
	table_cell(&t, 0, col++, xstrdup("trial"));
	table_cell(&t, 0, col++, xstrdup("status"));
	objcol = xstrdup(e->objective);
	table_cell(&t, 0, col++, objcol);
	table_cell(&t, 0, col++, xstrdup("stddev"));
	table_cell(&t, 0, col++, xstrdup("n"));
	for (k = 0; k < params->n; k++)
		table_cell(&t, 0, col++, xstrdup(params->v[k]));
	for (k = 0; k < metrics->n; k++) {
		t.right[col] = 1;
		table_cell(&t, 0, col++, xstrdup(metrics->v[k]));
	}
	table_cell(&t, 0, col, xstrdup("note"));
	for (i = 0; i < n; i++) {
		col = 0;
		table_cell(&t, i + 1, col++,
		    rank_of(&v[i]) == 0 ? xasprintf("%zu", i + 1) :
					  xstrdup("-"));
		table_cell(&t, i + 1, col++,
		    xasprintf("%lld", (long long)v[i].seq));
		table_cell(&t, i + 1, col++, xstrdup(v[i].state));
		table_cell(&t, i + 1, col++,
		    v[i].has_value ? xasprintf("%.6g", v[i].value) :
				     xstrdup("-"));
		table_cell(&t, i + 1, col++,
		    v[i].has_value ? xasprintf("%.3g", v[i].stddev) :
				     xstrdup("-"));
		table_cell(&t, i + 1, col++,
		    xasprintf("%d", v[i].has_value ? v[i].n : 0));
		for (k = 0; k < params->n; k++) {
			pv = value_of(&v[i], params->v[k]);
			table_cell(&t, i + 1, col++,
			    xstrdup(pv != NULL ? pv : "-"));
		}
		for (k = 0; k < metrics->n; k++) {
			m = metric_of(&v[i], metrics->v[k]);
			table_cell(&t, i + 1, col++,
			    m != NULL ? xasprintf("%.6g", m->median) :
					xstrdup("-"));
		}
		table_cell(&t, i + 1, col,
		    xstrdup(v[i].reason != NULL ? v[i].reason : ""));
	}
	table_print(&t);
	if (metrics->n > 0)
		printf("(metrics: median of the measured runs; --format csv or "
		       "json gives every statistic)\n");
}

/*
 * The live samples of a trial's jobs as CSV: a row per sample, the
 * counters and cgroup figures as columns (the names of the first job
 * with samples; a job whose names differ gets its own header).
 */
static int
print_samples(struct store *st, int64_t exp, int64_t seq)
{
	struct store_job_ref *jobs;
	struct store_series sr;
	char *header = NULL;
	struct buf h = BUF_INIT;
	size_t n, i, p, k;
	int any = 0;

	store_trial_jobs(st, exp, seq, &jobs, &n);
	for (i = 0; i < n; i++) {
		if (!store_series_get(st, jobs[i].id, &sr))
			continue;
		buf_reset(&h);
		buf_adds(&h, "trial,iteration,warmup,job,state,t_ms");
		for (k = 0; k < sr.n; k++)
			buf_printf(&h, ",%s", sr.names[k]);
		if (header == NULL || strcmp(header, buf_str(&h)) != 0) {
			printf("%s\n", buf_str(&h));
			free(header);
			header = xstrdup(buf_str(&h));
		}
		for (p = 0; p < sr.points; p++) {
			const double *row = sr.data + p * (sr.n + 1);

			printf("%lld,%d,%d,%lld,%s,%.0f", (long long)seq,
			    jobs[i].iteration, jobs[i].warmup,
			    (long long)jobs[i].id, jobs[i].state, row[0]);
			for (k = 0; k < sr.n; k++)
				if (isnan(row[k + 1]))
					printf(",");
				else
					printf(",%.10g", row[k + 1]);
			putchar('\n');
		}
		any = 1;
		store_series_free(&sr);
	}
	free(header);
	buf_free(&h);
	store_job_refs_free(jobs, n);
	return any;
}

int
cmd_results(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 'd' },
		{ "top", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "samples", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_experiment e;
	struct store_trial *v = NULL;
	struct store *st = NULL;
	struct names params = { NULL, 0 }, metrics = { NULL, 0 };
	enum format fmt = FMT_TABLE;
	const char *statearg = NULL;
	char *dir, *cause = NULL, *end;
	size_t n = 0, nshow, i, k, top = 0;
	int64_t id, samples = 0;
	int c, rc = EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			statearg = optarg;
			break;
		case 't':
			top = (size_t)strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *optarg == '-' || *end != '\0' ||
			    top == 0) {
				cmd_error("--top needs a number of at least 1, "
					  "not '%s'",
				    optarg);
				return EXIT_USAGE;
			}
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
				return EXIT_USAGE;
			}
			break;
		case 'S':
			samples = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || samples < 1) {
				cmd_error("--samples needs a trial number, not "
					  "'%s'",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	dir = state_dir(statearg);
	if (state_open_existing(dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(dir);
		return EXIT_FAIL;
	}
	id = store_experiment_lookup(st, optind < argc ? argv[optind] : NULL);
	if (id == 0 || store_experiment_get(st, id, &e) != 0) {
		if (optind < argc)
			cmd_error("no experiment '%s' in %s", argv[optind],
			    dir);
		else
			cmd_error("no experiments in %s", dir);
		goto out;
	}
	if (samples > 0) {
		if (print_samples(st, id, samples))
			rc = EXIT_OK;
		else
			cmd_error("trial %lld of experiment %lld has no live "
				  "samples (no such trial, or its stages have "
				  "no pmu: and no cgroup figures, or "
				  "sample_interval: 0)",
			    (long long)samples, (long long)id);
		store_experiment_clear(&e);
		goto out;
	}
	store_trials(st, id, &v, &n);
	maximize = strcmp(e.direction, "maximize") == 0;
	qsort(v, n, sizeof *v, cmp_trials);
	nshow = top > 0 && top < n ? top : n;
	store_param_names(st, id, &params.v, &params.n);
	for (i = 0; i < nshow; i++) {
		for (k = 0; k < v[i].nvalues; k++)
			names_add(&params, v[i].names[k]);
		for (k = 0; k < v[i].nmetrics; k++)
			names_add(&metrics, v[i].metrics[k].name);
	}
	switch (fmt) {
	case FMT_CSV:
		print_csv(v, nshow, &params, &metrics);
		break;
	case FMT_JSON:
		print_json(&e, v, nshow);
		break;
	default:
		print_table(&e, v, nshow, &params, &metrics);
		break;
	}
	store_experiment_clear(&e);
	rc = EXIT_OK;
out:
	free(dir);
	names_free(&params);
	names_free(&metrics);
	store_trials_free(v, n);
	store_close(st);
	return rc;
}
