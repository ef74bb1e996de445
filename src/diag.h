/*
 * Diagnostics: user-facing errors and warnings about an input file, each
 * with the file, line and column it concerns, collected so that all of
 * them are reported rather than just the first.
 */
#ifndef WAYFINDER_DIAG_H
#define WAYFINDER_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_level level;
	char *file;
	int line; /* 1-based; 0 when the diagnostic is about the whole file */
	int col;  /* 1-based; 0 when unknown */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n;
	size_t nerrors;
};

void diag_add(struct diags *, enum diag_level, const char *file, int line,
    int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Sorts by file, line and column, keeping the order of equal positions. */
void diag_sort(struct diags *);
/* Writes each as "file:line:col: error: message". */
void diag_print(const struct diags *, FILE *);
/* One diagnostic formatted as diag_print would, for the caller to free. */
char *diag_format(const struct diag *);
void diag_free(struct diags *);

/*
 * The candidate closest to word by edit distance, or NULL when none is
 * close enough to be a likely misspelling. candidates ends with NULL.
 */
const char *diag_suggest(const char *word, const char *const *candidates);

#endif
