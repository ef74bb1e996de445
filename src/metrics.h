/*
 * Metrics of a job (what its results file and regexes yield) and their
 * aggregation over a trial's measured iterations.
 */
#ifndef WAYFINDER_METRICS_H
#define WAYFINDER_METRICS_H

#include <stddef.h>

#include "spec.h"
#include "store.h"

struct metric_set {
	size_t n;
	char **names;
	double *values;
};

/* Sets name to value, replacing an earlier value of the same name. */
void metrics_set(struct metric_set *, const char *name, double value);
/* The value of name, or NULL. */
const double *metrics_get(const struct metric_set *, const char *name);
void metrics_clear(struct metric_set *);

/*
 * Reads what a test job produced: "name value" lines of the results file
 * (a missing file is no error), then each regex metric of the spec over
 * the job's stdout or stderr log (the last match counts). Returns 0, or
 * -1 with *cause set for a malformed results line. Declared metrics that
 * are absent are not an error here: see metrics_missing().
 */
int
metrics_collect(const struct spec *, const char *results, const char *out_log,
    const char *err_log, struct metric_set *, char **cause);
/* The first declared, non-optional metric absent from set, and why it
 * would be absent, or NULL. */
const struct metric *
metrics_missing(const struct spec *, const struct metric_set *);

/* Median, mean, sample standard deviation, min and max of v (sorted in
 * place). */
void metrics_aggregate(double *v, size_t n, struct store_metric *out);
/* The statistic a spec's objective aggregates by. */
double metrics_pick(const struct store_metric *, enum aggregate);

#endif
