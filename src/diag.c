/*
 * Collected diagnostics and "did you mean" suggestions (optimal string
 * alignment distance, case-insensitive, as git and cargo suggest).
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xmalloc.h"

void
diag_add(struct diags *d, enum diag_level level, const char *file, int line,
    int col, const char *fmt, ...)
{
	struct diag *g;
	va_list ap;

	d->v = xreallocarray(d->v, d->n + 1, sizeof *d->v);
	g = &d->v[d->n++];
	g->level = level;
	g->file = xstrdup(file != NULL ? file : "-");
	g->line = line;
	g->col = col;
	va_start(ap, fmt);
	g->msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (level == DIAG_ERROR)
		d->nerrors++;
}

void
diag_sort(struct diags *d)
{
	struct diag tmp;
	size_t i, j;
	int c;

	/* Insertion sort: stable, and the lists are short. */
	for (i = 1; i < d->n; i++) {
		tmp = d->v[i];
		for (j = i; j > 0; j--) {
			c = strcmp(d->v[j - 1].file, tmp.file);
			if (c == 0)
				c = d->v[j - 1].line - tmp.line;
			if (c == 0)
				c = d->v[j - 1].col - tmp.col;
			if (c <= 0)
				break;
			d->v[j] = d->v[j - 1];
		}
		d->v[j] = tmp;
	}
}

char *
diag_format(const struct diag *g)
{
	const char *level = g->level == DIAG_ERROR ? "error" : "warning";

	if (g->line == 0)
		return xasprintf("%s: %s: %s", g->file, level, g->msg);
	if (g->col == 0)
		return xasprintf("%s:%d: %s: %s", g->file, g->line, level,
		    g->msg);
	return xasprintf("%s:%d:%d: %s: %s", g->file, g->line, g->col, level,
	    g->msg);
}

void
diag_print(const struct diags *d, FILE *f)
{
	char *s;
	size_t i;

	for (i = 0; i < d->n; i++) {
		s = diag_format(&d->v[i]);
		fprintf(f, "%s\n", s);
		free(s);
	}
}

void
diag_free(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->nerrors = 0;
}

static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, *row0, *row1, *row2,
	       *t, cost;

	row0 = xcalloc(lb + 1, sizeof *row0); /* two rows back */
	row1 = xcalloc(lb + 1, sizeof *row1); /* previous row */
	row2 = xcalloc(lb + 1, sizeof *row2); /* this row */
	for (j = 0; j <= lb; j++)
		row1[j] = j;
	for (i = 1; i <= la; i++) {
		row2[0] = i;
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (row1[j - 1] + cost < best)
				best = row1[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		t = row0;
		row0 = row1;
		row1 = row2;
		row2 = t;
	}
	best = row1[lb];
	free(row0);
	free(row1);
	free(row2);
	return best;
}

const char *
diag_suggest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t d, bestd = (size_t)-1, limit;

	limit = strlen(word) / 3;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (; *candidates != NULL; candidates++) {
		d = distance(word, *candidates);
		if (d <= limit && d < bestd) {
			bestd = d;
			best = *candidates;
		}
	}
	return best;
}
