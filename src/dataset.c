/*
 * Replay datasets: a strict CSV reader (RFC 4180 quoting, LF or CRLF),
 * column typing, the spec generated for the columns (YAML text fed to
 * spec_parse, so the space is built exactly as for a user's spec), and a
 * hash table from configuration id to row.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "dataset.h"
#include "specwrite.h"
#include "xmalloc.h"

/* Bigger files are refused rather than read: a replay dataset is a
 * table of measurements, not a database. */
#define DATASET_MAX_BYTES (256 * 1024 * 1024)

struct field {
	char *text;
	int line, col; /* where the field starts */
};

struct record {
	struct field *v;
	size_t n, cap;
	int line;    /* of the record's first character */
	int endline; /* where it ends, for "missing fields" */
	int endcol;
};

struct csv {
	const char *path;
	const char *p, *end;
	int line, col;
	struct diags *d;
};

/* A column's values: distinct canonical texts in domain order. */
struct column {
	char *name;  /* the parameter's (or metric's) name in the spec */
	char *given; /* as written in the header */
	int col;     /* of the header field */
	enum ptype type;
	char **values;
	size_t nvalues;
};

static void
record_clear(struct record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i].text);
	r->n = 0;
}

static void
record_free(struct record *r)
{
	record_clear(r);
	free(r->v);
	memset(r, 0, sizeof *r);
}

static void
csv_advance(struct csv *c)
{
	if (*c->p == '\n') {
		c->line++;
		c->col = 1;
	} else
		c->col++;
	c->p++;
}

/* 1 when only line ends (LF or CRLF) remain. */
static int
csv_only_blank(const struct csv *c)
{
	const char *p;

	for (p = c->p; p < c->end; p++)
		if (*p != '\n' &&
		    !(*p == '\r' && p + 1 < c->end && p[1] == '\n'))
			return 0;
	return 1;
}

/*
 * Reads one record into r. Returns 1 for a record, 0 at the end of the
 * text (blank lines at the end included), -1 after an error in c->d.
 */
static int
csv_record(struct csv *c, struct record *r)
{
	struct buf b = BUF_INIT;
	struct field *f;
	int qline, qcol;

	record_clear(r);
	if (c->p >= c->end || csv_only_blank(c))
		return 0;
	r->line = c->line;
	if (*c->p == '\n' || *c->p == '\r') {
		diag_add(c->d, DIAG_ERROR, c->path, c->line, c->col,
		    "blank line among the rows");
		return -1;
	}
	for (;;) {
		if (r->n == r->cap) {
			r->cap = r->cap == 0 ? 16 : r->cap * 2;
			r->v = xreallocarray(r->v, r->cap, sizeof *r->v);
		}
		f = &r->v[r->n];
		f->line = c->line;
		f->col = c->col;
		buf_reset(&b);
		if (c->p < c->end && *c->p == '"') {
			qline = c->line;
			qcol = c->col;
			csv_advance(c);
			for (;;) {
				if (c->p >= c->end) {
					diag_add(c->d, DIAG_ERROR, c->path,
					    qline, qcol,
					    "quoted field never ends (no "
					    "closing \")");
					goto fail;
				}
				if (*c->p == '"') {
					if (c->p + 1 < c->end &&
					    c->p[1] == '"') {
						buf_addc(&b, '"');
						csv_advance(c);
						csv_advance(c);
						continue;
					}
					csv_advance(c);
					break;
				}
				if (*c->p == '\0')
					goto nul;
				buf_addc(&b, *c->p);
				csv_advance(c);
			}
			if (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			    *c->p != '\r') {
				diag_add(c->d, DIAG_ERROR, c->path, c->line,
				    c->col,
				    "text after the closing quote of a "
				    "field (a quote inside a field is "
				    "written \"\")");
				goto fail;
			}
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
			    *c->p != '\r') {
				if (*c->p == '"') {
					diag_add(c->d, DIAG_ERROR, c->path,
					    c->line, c->col,
					    "a quote inside an unquoted "
					    "field (quote the whole field, "
					    "and write a quote as \"\")");
					goto fail;
				}
				if (*c->p == '\0')
					goto nul;
				buf_addc(&b, *c->p);
				csv_advance(c);
			}
		}
		f->text = buf_steal(&b);
		r->n++;
		if (c->p < c->end && *c->p == ',') {
			csv_advance(c);
			continue;
		}
		r->endline = c->line;
		r->endcol = c->col;
		if (c->p < c->end && *c->p == '\r') {
			if (c->p + 1 >= c->end || c->p[1] != '\n') {
				diag_add(c->d, DIAG_ERROR, c->path, c->line,
				    c->col,
				    "carriage return without a line "
				    "feed (lines end in LF or CRLF)");
				goto fail;
			}
			csv_advance(c);
		}
		if (c->p < c->end)
			csv_advance(c); /* the line feed */
		buf_free(&b);
		return 1;
	}
nul:
	diag_add(c->d, DIAG_ERROR, c->path, c->line, c->col,
	    "binary data (a NUL byte) in a CSV file");
fail:
	buf_free(&b);
	return -1;
}

/* An integer as a dataset writes one: an optional sign and digits. */
static int
int_text(const char *s, long long *out)
{
	const char *p = s;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* A finite number, as the spec reads a float. */
static int
num_text(const char *s, double *out)
{
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && isfinite(*out);
}

/* The spec's canonical text of a float (spec.c's float_text): the
 * shortest of %.15g and %.17g that reads back as the value. */
static char *
float_canon(double x)
{
	char buf[64];
	double back;

	if (x == 0)
		x = 0;
	snprintf(buf, sizeof buf, "%.15g", x);
	back = strtod(buf, NULL);
	if (back != x && fabs(back - x) > 1e-12 * fabs(x))
		snprintf(buf, sizeof buf, "%.17g", x);
	return xstrdup(buf);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct numtext {
	double x;
	char *text;
};

static int
cmp_num(const void *a, const void *b)
{
	const struct numtext *x = a, *y = b;

	return x->x < y->x ? -1 : x->x > y->x;
}

static int
is_bool_yn(const char *s)
{
	return strcasecmp(s, "y") == 0 || strcasecmp(s, "n") == 0;
}

static int
is_bool_tf(const char *s)
{
	return strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0;
}

static int
is_tristate(const char *s)
{
	return strcmp(s, "y") == 0 || strcmp(s, "m") == 0 ||
	    strcmp(s, "n") == 0;
}

/*
 * Types column col from its distinct texts (sorted, unique, n > 0) and
 * stores its domain: numbers in numeric order, booleans false then true,
 * tristates n m y, anything else as text in byte order (so that the
 * space does not depend on the order of the rows).
 */
static void
column_type(struct column *col, char **distinct, size_t n)
{
	struct numtext *nt;
	long long ll;
	double x;
	size_t i, k;
	int ints = 1, nums = 1, yn = 1, tf = 1, tri = 1, has_m = 0;

	for (i = 0; i < n; i++) {
		if (ints && !int_text(distinct[i], &ll))
			ints = 0;
		if (nums && !num_text(distinct[i], &x))
			nums = 0;
		yn = yn && is_bool_yn(distinct[i]);
		tf = tf && is_bool_tf(distinct[i]);
		tri = tri && is_tristate(distinct[i]);
		has_m = has_m || strcmp(distinct[i], "m") == 0;
	}
	col->values = xcalloc(n + 1, sizeof *col->values);
	col->nvalues = 0;
	if (ints || nums) {
		col->type = ints ? PT_INT : PT_FLOAT;
		nt = xcalloc(n, sizeof *nt);
		for (i = 0; i < n; i++) {
			if (ints) {
				int_text(distinct[i], &ll);
				nt[i].x = (double)ll;
				nt[i].text = xasprintf("%lld", ll);
			} else {
				num_text(distinct[i], &nt[i].x);
				nt[i].text = float_canon(nt[i].x);
			}
		}
		qsort(nt, n, sizeof *nt, cmp_num);
		/* "8" and "08", or "1" and "1.0", are one value (equal
		 * texts are neighbours in numeric order). */
		for (i = 0; i < n; i++) {
			if (col->nvalues > 0 &&
			    strcmp(col->values[col->nvalues - 1], nt[i].text) ==
				0)
				free(nt[i].text);
			else
				col->values[col->nvalues++] = nt[i].text;
		}
		free(nt);
		return;
	}
	if (tri && has_m) {
		static const char *const order[] = { "n", "m", "y" };

		col->type = PT_TRISTATE;
		for (k = 0; k < 3; k++)
			for (i = 0; i < n; i++)
				if (strcmp(distinct[i], order[k]) == 0) {
					col->values[col->nvalues++] =
					    xstrdup(order[k]);
					break;
				}
		return;
	}
	if (yn || tf) {
		col->type = PT_BOOL;
		for (k = 0; k < 2; k++)
			for (i = 0; i < n; i++)
				if (strcasecmp(distinct[i],
					yn ? (k ? "y" : "n") :
					     (k ? "true" : "false")) == 0) {
					col->values[col->nvalues++] =
					    xstrdup(k ? "true" : "false");
					break;
				}
		return;
	}
	col->type = PT_STR;
	for (i = 0; i < n; i++)
		col->values[col->nvalues++] = xstrdup(distinct[i]);
}

/*
 * name as a parameter name ([A-Za-z_][A-Za-z0-9_]*, not WAYFINDER_*),
 * or, when metric, as a metric name (also . - :, not a built-in one).
 */
static char *
sanitise(const char *name, int metric)
{
	struct buf b = BUF_INIT;
	const char *p;

	if (*name == '\0')
		return xstrdup(metric ? "objective" : "param");
	if (!isalpha((unsigned char)*name) && *name != '_')
		buf_addc(&b, '_');
	else if (!metric && strncmp(name, "WAYFINDER_", 10) == 0)
		buf_adds(&b, "_");
	for (p = name; *p != '\0'; p++) {
		if (isalnum((unsigned char)*p) || *p == '_' ||
		    (metric && strchr(".-:", *p) != NULL))
			buf_addc(&b, *p);
		else
			buf_addc(&b, '_');
	}
	if (metric &&
	    (spec_builtin_metric(buf_str(&b)) ||
		strcmp(buf_str(&b), SPEC_METRIC_BOOT) == 0)) {
		char *t = buf_steal(&b);

		buf_printf(&b, "objective_%s", t);
		free(t);
	}
	return buf_steal(&b);
}

static char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrdup(slash != NULL ? slash + 1 : path);
}

/* The generated spec's experiment name: "replay-" and the file's name
 * without .csv, in the letters a name may hold. */
static char *
experiment_name(const char *base)
{
	struct buf b = BUF_INIT;
	size_t n = strlen(base), i;

	if (n > 4 && strcmp(base + n - 4, ".csv") == 0)
		n -= 4;
	buf_adds(&b, "replay-");
	for (i = 0; i < n; i++)
		buf_addc(&b,
		    isalnum((unsigned char)base[i]) || strchr("_.-", base[i]) ?
			base[i] :
			'_');
	return buf_steal(&b);
}

static char *
spec_text(const struct dataset *ds, const struct column *cols,
    const struct column *metric)
{
	struct buf b = BUF_INIT;
	char *name = experiment_name(ds->name);
	size_t i, k;

	buf_adds(&b, "# Generated by wayfinder replay from ");
	for (i = 0; ds->path[i] != '\0'; i++)
		buf_addc(&b, ds->path[i] == '\n' ? ' ' : ds->path[i]);
	buf_printf(&b, "\nname: %s\nparams:\n", name);
	free(name);
	for (i = 0; i < ds->nparams; i++) {
		buf_adds(&b, "  - name: ");
		specwrite_scalar(&b, cols[i].name, 1);
		buf_printf(&b, "\n    type: %s\n    values: [",
		    spec_type_name(cols[i].type));
		for (k = 0; k < cols[i].nvalues; k++) {
			if (k > 0)
				buf_adds(&b, ", ");
			specwrite_scalar(&b, cols[i].values[k], 1);
		}
		buf_adds(&b, "]\n");
	}
	buf_adds(&b, "test:\n  run: \"true\"\n  metrics: [");
	specwrite_scalar(&b, metric->name, 1);
	buf_adds(&b, "]\n  objective: {metric: ");
	specwrite_scalar(&b, metric->name, 1);
	buf_printf(&b, ", direction: %s}\n",
	    ds->direction == DIR_MAXIMIZE ? "maximize" : "minimize");
	return buf_steal(&b);
}

/* The hash table from configuration id to row. */
static void
table_put(struct dataset *ds, uint64_t key, size_t row)
{
	size_t j;

	for (j = key & (ds->cap - 1); ds->slots[j] != 0;
	     j = (j + 1) & (ds->cap - 1))
		;
	ds->keys[j] = key;
	ds->slots[j] = row + 1;
}

long
dataset_lookup(const struct dataset *ds, const struct config *cfg)
{
	size_t j, r;

	for (j = cfg->id & (ds->cap - 1); ds->slots[j] != 0;
	     j = (j + 1) & (ds->cap - 1)) {
		if (ds->keys[j] != cfg->id)
			continue;
		r = ds->slots[j] - 1;
		if (space_config_equal(ds->space, ds->configs[r], cfg))
			return (long)r;
	}
	return -1;
}

double
dataset_value(const struct dataset *ds, size_t r)
{
	return ds->values[r * ds->nobjectives];
}

int
dataset_better(const struct dataset *ds, double a, double b)
{
	return ds->direction == DIR_MAXIMIZE ? a > b : a < b;
}

static void
columns_free(struct column *cols, size_t n)
{
	size_t i, k;

	if (cols == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(cols[i].name);
		free(cols[i].given);
		for (k = 0; k < cols[i].nvalues; k++)
			free(cols[i].values[k]);
		free(cols[i].values);
	}
	free(cols);
}

/* Reads the header: names, where the objectives start, and the spec's
 * names for them. Returns 0 or -1 after an error. */
static int
read_header(struct dataset *ds, const struct record *h, struct column **out,
    struct column *metric, struct diags *d)
{
	struct column *cols;
	size_t i, k, len, first = h->n;
	char *s, *base;
	int n;

	for (i = 0; i < h->n; i++) {
		if (h->v[i].text[0] == '\0') {
			diag_add(d, DIAG_ERROR, ds->path, h->v[i].line,
			    h->v[i].col, "column %zu has no name", i + 1);
			return -1;
		}
		for (k = 0; k < i; k++)
			if (strcmp(h->v[k].text, h->v[i].text) == 0) {
				diag_add(d, DIAG_ERROR, ds->path, h->v[i].line,
				    h->v[i].col,
				    "column '%s' appears twice (first "
				    "as column %zu)",
				    h->v[i].text, k + 1);
				return -1;
			}
		len = strlen(h->v[i].text);
		if (h->v[i].text[len - 1] == '+' ||
		    h->v[i].text[len - 1] == '-') {
			if (first == h->n)
				first = i;
		} else if (first < h->n) {
			diag_add(d, DIAG_ERROR, ds->path, h->v[i].line,
			    h->v[i].col,
			    "column '%s' comes after the objective column "
			    "'%s': parameter columns come first, then "
			    "objectives (names ending in + or -)",
			    h->v[i].text, h->v[first].text);
			return -1;
		}
	}
	if (first == h->n) {
		diag_add(d, DIAG_ERROR, ds->path, h->line, 1,
		    "no objective column: the last columns are objectives, "
		    "their names ending in + (higher is better) or - (lower "
		    "is better)");
		return -1;
	}
	if (first == 0) {
		diag_add(d, DIAG_ERROR, ds->path, h->line, 1,
		    "no parameter column before the objective '%s'",
		    h->v[0].text);
		return -1;
	}
	for (i = first; i < h->n; i++)
		if (strlen(h->v[i].text) == 1) {
			diag_add(d, DIAG_ERROR, ds->path, h->v[i].line,
			    h->v[i].col,
			    "objective column '%s' has no name before its "
			    "direction",
			    h->v[i].text);
			return -1;
		}

	ds->nparams = first;
	ds->nobjectives = h->n - first;
	ds->columns = xcalloc(first, sizeof *ds->columns);
	ds->objectives = xcalloc(ds->nobjectives, sizeof *ds->objectives);
	ds->directions = xcalloc(ds->nobjectives, sizeof *ds->directions);
	for (i = first; i < h->n; i++) {
		len = strlen(h->v[i].text);
		ds->objectives[i - first] = xstrndup(h->v[i].text, len - 1);
		ds->directions[i - first] =
		    h->v[i].text[len - 1] == '+' ? DIR_MAXIMIZE : DIR_MINIMIZE;
	}
	ds->direction = ds->directions[0];

	cols = xcalloc(first, sizeof *cols);
	for (i = 0; i < first; i++) {
		ds->columns[i] = xstrdup(h->v[i].text);
		cols[i].given = xstrdup(h->v[i].text);
		cols[i].col = h->v[i].col;
		base = sanitise(h->v[i].text, 0);
		s = xstrdup(base);
		/* Renaming may make two names one: number the later. */
		for (n = 2;; n++) {
			for (k = 0; k < i; k++)
				if (strcmp(cols[k].name, s) == 0)
					break;
			if (k == i)
				break;
			free(s);
			s = xasprintf("%s_%d", base, n);
		}
		free(base);
		cols[i].name = s;
		if (strcmp(s, h->v[i].text) != 0)
			diag_add(d, DIAG_WARNING, ds->path, h->v[i].line,
			    h->v[i].col,
			    "column '%s' is not a valid parameter name "
			    "([A-Za-z_][A-Za-z0-9_]*, not WAYFINDER_...): "
			    "it is '%s' in the replay",
			    h->v[i].text, s);
	}
	memset(metric, 0, sizeof *metric);
	metric->given = xstrdup(ds->objectives[0]);
	metric->name = sanitise(ds->objectives[0], 1);
	metric->col = h->v[first].col;
	if (strcmp(metric->name, metric->given) != 0)
		diag_add(d, DIAG_WARNING, ds->path, h->v[first].line,
		    h->v[first].col,
		    "objective '%s' is not a valid metric name: it is '%s' in "
		    "the replay",
		    metric->given, metric->name);
	*out = cols;
	return 0;
}

/* Forwards the generated spec's errors (a bug here, not in the CSV). */
static void
spec_failed(struct dataset *ds, struct diags *sd, struct diags *d)
{
	size_t i;

	for (i = 0; i < sd->n; i++)
		if (sd->v[i].level == DIAG_ERROR)
			diag_add(d, DIAG_ERROR, ds->path, 0, 0,
			    "the spec generated for this dataset does not "
			    "load (line %d, column %d: %s)",
			    sd->v[i].line, sd->v[i].col, sd->v[i].msg);
}

struct dataset *
dataset_parse(const char *path, const char *text, size_t len, struct diags *d)
{
	struct dataset *ds;
	struct csv c;
	struct record h = { 0 }, r = { 0 };
	struct column *cols = NULL, metric = { 0 };
	struct field **cells = NULL; /* nrows x ncols */
	size_t ncols = 0, cap = 0, i, k, n;
	const char **names = NULL, **vals = NULL;
	char **distinct = NULL, *why;
	struct diags sd = { NULL, 0, 0 };
	struct config *cfg;
	long dup;
	double x;
	int rc, ok = 0;

	ds = xcalloc(1, sizeof *ds);
	ds->path = xstrdup(path);
	ds->name = base_name(path);
	memset(&c, 0, sizeof c);
	c.path = path;
	c.p = text;
	c.end = text + len;
	c.line = c.col = 1;
	c.d = d;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		c.p += 3; /* a UTF-8 byte order mark */

	if ((rc = csv_record(&c, &h)) <= 0) {
		if (rc == 0)
			diag_add(d, DIAG_ERROR, path, 0, 0,
			    "the file is empty (a header line of column names "
			    "is expected)");
		goto out;
	}
	if (read_header(ds, &h, &cols, &metric, d) != 0)
		goto out;
	ncols = h.n;

	/* The rows: the right number of fields, numeric objectives. */
	while ((rc = csv_record(&c, &r)) == 1) {
		if (r.n != ncols) {
			if (r.n > ncols)
				diag_add(d, DIAG_ERROR, path, r.v[ncols].line,
				    r.v[ncols].col,
				    "row has %zu fields, the header has %zu",
				    r.n, ncols);
			else
				diag_add(d, DIAG_ERROR, path, r.endline,
				    r.endcol,
				    "row has %zu field%s, the header has %zu "
				    "(no '%s')",
				    r.n, r.n == 1 ? "" : "s", ncols,
				    h.v[r.n].text);
			goto out;
		}
		for (k = ds->nparams; k < ncols; k++) {
			if (!num_text(r.v[k].text, &x)) {
				diag_add(d, DIAG_ERROR, path, r.v[k].line,
				    r.v[k].col,
				    "objective '%s' is '%s', not a (finite) "
				    "number",
				    h.v[k].text, r.v[k].text);
				goto out;
			}
		}
		if (ds->nrows == DATASET_MAX_ROWS) {
			diag_add(d, DIAG_ERROR, path, r.line, 1,
			    "more than %d rows", DATASET_MAX_ROWS);
			goto out;
		}
		if (ds->nrows == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			cells = xreallocarray(cells, cap, sizeof *cells);
			ds->lines =
			    xreallocarray(ds->lines, cap, sizeof *ds->lines);
		}
		/* Keep the fields; the record gets new storage. */
		cells[ds->nrows] = r.v;
		ds->lines[ds->nrows] = r.line;
		ds->nrows++;
		r.v = NULL;
		r.n = r.cap = 0;
	}
	if (rc < 0)
		goto out;
	if (ds->nrows == 0) {
		diag_add(d, DIAG_ERROR, path, 0, 0,
		    "no rows after the header line");
		goto out;
	}

	/* Each column's domain: its distinct values, typed and ordered. */
	distinct = xcalloc(ds->nrows, sizeof *distinct);
	for (k = 0; k < ds->nparams; k++) {
		for (i = 0; i < ds->nrows; i++)
			distinct[i] = cells[i][k].text;
		qsort(distinct, ds->nrows, sizeof *distinct, cmp_str);
		for (i = n = 0; i < ds->nrows; i++)
			if (n == 0 || strcmp(distinct[n - 1], distinct[i]) != 0)
				distinct[n++] = distinct[i];
		column_type(&cols[k], distinct, n);
	}

	/* The space, through a spec like one a user would write. */
	ds->yaml = spec_text(ds, cols, &metric);
	if ((ds->spec = spec_parse(path, ds->yaml, strlen(ds->yaml), &sd)) ==
	    NULL) {
		spec_failed(ds, &sd, d);
		goto out;
	}
	ds->space = space_new(ds->spec);
	space_size(ds->space, &ds->size);

	/* Every row's configuration, and the table from id to row. */
	ds->values = xcalloc(ds->nrows * ds->nobjectives, sizeof *ds->values);
	ds->configs = xcalloc(ds->nrows, sizeof *ds->configs);
	for (ds->cap = 64; ds->cap < 2 * ds->nrows; ds->cap *= 2)
		;
	ds->keys = xcalloc(ds->cap, sizeof *ds->keys);
	ds->slots = xcalloc(ds->cap, sizeof *ds->slots);
	names = xcalloc(ds->nparams, sizeof *names);
	vals = xcalloc(ds->nparams, sizeof *vals);
	for (k = 0; k < ds->nparams; k++)
		names[k] = cols[k].name;
	for (i = 0; i < ds->nrows; i++) {
		for (k = 0; k < ds->nparams; k++)
			vals[k] = cells[i][k].text;
		cfg = space_config_parse(ds->space, ds->nparams, names, vals,
		    &why);
		if (cfg == NULL) {
			diag_add(d, DIAG_ERROR, path, ds->lines[i], 1,
			    "the row is no configuration of the space built "
			    "for it: %s",
			    why);
			free(why);
			goto out;
		}
		if ((dup = dataset_lookup(ds, cfg)) >= 0) {
			diag_add(d, DIAG_ERROR, path, ds->lines[i], 1,
			    "the configuration of line %d again (each "
			    "configuration is measured once)",
			    ds->lines[dup]);
			free(cfg);
			goto out;
		}
		ds->configs[i] = cfg;
		table_put(ds, cfg->id, i);
		for (k = 0; k < ds->nobjectives; k++)
			num_text(cells[i][ds->nparams + k].text,
			    &ds->values[i * ds->nobjectives + k]);
	}

	/* Not a product of its columns (an id or a measured input among
	 * the parameters?): a search would mostly try absent rows. */
	if (!ds->size.fits || (double)ds->nrows < 0.5 * (double)ds->size.n) {
		char *size = space_count_text(&ds->size);

		diag_add(d, DIAG_WARNING, path, 0, 0,
		    "%zu rows of the %s configurations of the columns' "
		    "product: the others are absent, and fail when tried",
		    ds->nrows, size);
		free(size);
	}
	ds->best_row = 0;
	ds->best = ds->worst = dataset_value(ds, 0);
	for (i = 1; i < ds->nrows; i++) {
		x = dataset_value(ds, i);
		if (dataset_better(ds, x, ds->best)) {
			ds->best = x;
			ds->best_row = i;
		}
		if (dataset_better(ds, ds->worst, x))
			ds->worst = x;
	}
	ok = 1;
out:
	if (cells != NULL) {
		for (i = 0; i < ds->nrows; i++) {
			for (k = 0; k < ncols; k++)
				free(cells[i][k].text);
			free(cells[i]);
		}
		free(cells);
	}
	free(distinct);
	free(names);
	free(vals);
	record_free(&h);
	record_free(&r);
	columns_free(cols, ds->nparams);
	free(metric.name);
	free(metric.given);
	diag_free(&sd);
	diag_sort(d);
	if (!ok) {
		dataset_free(ds);
		return NULL;
	}
	return ds;
}

struct dataset *
dataset_load(const char *path, struct diags *d)
{
	struct dataset *ds;
	struct stat st;
	FILE *f;
	char *text;
	size_t len;

	if ((f = fopen(path, "rb")) == NULL) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "not a regular file");
		fclose(f);
		return NULL;
	}
	if (st.st_size > DATASET_MAX_BYTES) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "larger than %d MiB",
		    DATASET_MAX_BYTES / (1024 * 1024));
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		diag_add(d, DIAG_ERROR, path, 0, 0, "cannot read: %s",
		    strerror(errno));
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[len] = '\0';
	ds = dataset_parse(path, text, len, d);
	free(text);
	return ds;
}

void
dataset_free(struct dataset *ds)
{
	size_t i;

	if (ds == NULL)
		return;
	if (ds->configs != NULL)
		for (i = 0; i < ds->nrows; i++)
			free(ds->configs[i]);
	free(ds->configs);
	space_free(ds->space);
	spec_free(ds->spec);
	for (i = 0; ds->columns != NULL && i < ds->nparams; i++)
		free(ds->columns[i]);
	free(ds->columns);
	for (i = 0; ds->objectives != NULL && i < ds->nobjectives; i++)
		free(ds->objectives[i]);
	free(ds->objectives);
	free(ds->directions);
	free(ds->values);
	free(ds->lines);
	free(ds->keys);
	free(ds->slots);
	free(ds->yaml);
	free(ds->path);
	free(ds->name);
	free(ds);
}
