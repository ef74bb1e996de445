/*
 * Replay datasets: a CSV of measured configurations (parameter columns,
 * then objective columns whose names end in + or -), loaded strictly and
 * turned into a space through a spec generated in memory, so that every
 * row is a configuration the strategies can propose and a proposal is
 * scored by a table look-up. The format is in wayfinder(1) (wayfinder
 * replay) and profiles/replay/README.md.
 */
#ifndef WAYFINDER_DATASET_H
#define WAYFINDER_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "space.h"
#include "spec.h"

/* Rows a dataset may hold; a replay looks every proposal up in them. */
#define DATASET_MAX_ROWS 10000000

struct dataset {
	char *path;
	char *name; /* the file's base name, e.g. "x264.csv" */
	char *yaml; /* the generated spec's text */
	struct spec *spec;
	struct space *space;
	size_t nparams;
	char **columns; /* parameter columns as written in the header */
	size_t nobjectives;
	char **objectives; /* objective columns, +/- stripped */
	enum direction *directions;
	size_t nrows;
	struct config **configs; /* each row's canonical configuration */
	double *values;          /* nrows x nobjectives, row-major */
	int *lines;              /* each row's line in the file */
	/* The primary objective (the first): its direction and the best
	 * and worst values over the rows. */
	enum direction direction;
	double best, worst;
	size_t best_row;
	struct space_count size; /* the space: the product of the columns */
	/* Look-up of configuration ids (open addressing, rows + 1). */
	uint64_t *keys;
	size_t *slots;
	size_t cap;
};

/*
 * Loads the CSV at path. Returns the dataset, or NULL with the errors in
 * d (file:line:column); warnings (a column renamed to be a valid
 * parameter name) are added to d either way.
 */
struct dataset *dataset_load(const char *path, struct diags *d);
/* The same for text in memory (len bytes; path names it in messages). */
struct dataset *
dataset_parse(const char *path, const char *text, size_t len, struct diags *d);
void dataset_free(struct dataset *);

/* The row of a canonical configuration of ds->space, or -1 when the
 * dataset has no such row (an absent configuration). */
long dataset_lookup(const struct dataset *, const struct config *);
/* Row r's primary objective value. */
double dataset_value(const struct dataset *, size_t r);
/* 1 if a is better than b for the primary objective. */
int dataset_better(const struct dataset *, double a, double b);

#endif
