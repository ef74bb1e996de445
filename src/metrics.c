/*
 * Extracting metrics from what a job leaves behind, and summarising a
 * trial. Strict about the results file: a line that is not "name value"
 * fails the iteration with its line number rather than being dropped.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "metrics.h"
#include "xmalloc.h"

#define LOG_SCAN_MAX (64 * 1024 * 1024) /* bytes of a log searched */

void
metrics_set(struct metric_set *m, const char *name, double value)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (strcmp(m->names[i], name) == 0) {
			m->values[i] = value;
			return;
		}
	}
	m->names = xreallocarray(m->names, m->n + 1, sizeof *m->names);
	m->values = xreallocarray(m->values, m->n + 1, sizeof *m->values);
	m->names[m->n] = xstrdup(name);
	m->values[m->n++] = value;
}

const double *
metrics_get(const struct metric_set *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->names[i], name) == 0)
			return &m->values[i];
	return NULL;
}

void
metrics_clear(struct metric_set *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->values);
	memset(m, 0, sizeof *m);
}

static int
parse_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (end == s || errno == ERANGE || !isfinite(*out))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0' ? 0 : -1;
}

static int
parse_results(const char *path, struct metric_set *m, char **cause)
{
	char *line = NULL, *p, *name, *value;
	size_t cap = 0, len;
	ssize_t n;
	FILE *f;
	int lineno = 0;
	double x;

	if ((f = fopen(path, "r")) == NULL)
		return 0; /* the test wrote no results file */
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		p = line;
		while (isspace((unsigned char)*p))
			p++;
		len = strlen(p);
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			p[--len] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		name = p;
		while (*p != '\0' && !isspace((unsigned char)*p) && *p != '=')
			p++;
		if (*p == '\0') {
			*cause = xasprintf("results file line %d: '%s' has "
					   "no value (expected 'name value')",
			    lineno, name);
			goto fail;
		}
		*p++ = '\0';
		while (isspace((unsigned char)*p) || *p == '=')
			p++;
		value = p;
		if (parse_number(value, &x) != 0) {
			*cause = xasprintf("results file line %d: value '%s' "
					   "of '%s' is not a number",
			    lineno, value, name);
			goto fail;
		}
		metrics_set(m, name, x);
	}
	free(line);
	fclose(f);
	return 0;
fail:
	free(line);
	fclose(f);
	return -1;
}

/* Reads the tail of a log, at most LOG_SCAN_MAX bytes. */
static char *
read_log(const char *path)
{
	struct stat st;
	FILE *f;
	char *text;
	size_t len, want;

	if ((f = fopen(path, "r")) == NULL)
		return xstrdup("");
	if (fstat(fileno(f), &st) != 0) {
		fclose(f);
		return xstrdup("");
	}
	want = (size_t)st.st_size;
	if (want > LOG_SCAN_MAX) {
		fseeko(f, st.st_size - LOG_SCAN_MAX, SEEK_SET);
		want = LOG_SCAN_MAX;
	}
	text = xmalloc(want + 1);
	len = fread(text, 1, want, f);
	text[len] = '\0';
	/* A NUL in a log would hide what follows from regexec. */
	for (want = 0; want < len; want++)
		if (text[want] == '\0')
			text[want] = ' ';
	fclose(f);
	return text;
}

static int
last_match(const regex_t *re, const char *text, double *out)
{
	regmatch_t m[2];
	const char *p = text;
	char *num;
	int found = 0, flags = 0;
	double x;

	while (regexec(re, p, 2, m, flags) == 0) {
		if (m[1].rm_so >= 0) {
			num = xstrndup(p + m[1].rm_so,
			    (size_t)(m[1].rm_eo - m[1].rm_so));
			if (parse_number(num, &x) == 0) {
				*out = x;
				found = 1;
			}
			free(num);
		}
		if (m[0].rm_eo == 0) {
			if (*p == '\0')
				break;
			p++; /* an empty match: step on */
		} else
			p += m[0].rm_eo;
		flags = REG_NOTBOL;
		if (p[-1] == '\n')
			flags = 0;
	}
	return found;
}

int
metrics_collect(const struct spec *spec, const char *results,
    const char *out_log, const char *err_log, struct metric_set *m,
    char **cause)
{
	char *logs[2] = { NULL, NULL };
	const struct metric *d;
	double x;
	size_t i;

	if (parse_results(results, m, cause) != 0)
		return -1;
	for (i = 0; i < spec->nmetrics; i++) {
		d = &spec->metrics[i];
		if (d->regex_text == NULL)
			continue;
		if (logs[d->stream] == NULL)
			logs[d->stream] = read_log(
			    d->stream == STREAM_STDOUT ? out_log : err_log);
		if (last_match(&d->regex, logs[d->stream], &x))
			metrics_set(m, d->name, x);
	}
	free(logs[0]);
	free(logs[1]);
	return 0;
}

const struct metric *
metrics_missing(const struct spec *spec, const struct metric_set *m)
{
	size_t i;

	for (i = 0; i < spec->nmetrics; i++)
		if (!spec->metrics[i].optional &&
		    metrics_get(m, spec->metrics[i].name) == NULL)
			return &spec->metrics[i];
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
metrics_aggregate(double *v, size_t n, struct store_metric *out)
{
	double sum = 0, ss = 0, mean;
	size_t i;

	out->n = (int)n;
	if (n == 0) {
		out->median = out->mean = out->stddev = out->min = out->max =
		    NAN;
		return;
	}
	qsort(v, n, sizeof *v, cmp_double);
	for (i = 0; i < n; i++)
		sum += v[i];
	mean = sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	out->mean = mean;
	out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	out->min = v[0];
	out->max = v[n - 1];
	out->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double
metrics_pick(const struct store_metric *m, enum aggregate a)
{
	switch (a) {
	case AGG_MEAN:
		return m->mean;
	case AGG_MIN:
		return m->min;
	case AGG_MAX:
		return m->max;
	default:
		return m->median;
	}
}
