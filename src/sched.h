/*
 * Placement: which CPUs a job runs on. A pure bookkeeping module (no
 * processes, no I/O) so the executor that launches jobs stays separate.
 */
#ifndef WAYFINDER_SCHED_H
#define WAYFINDER_SCHED_H

#include <stddef.h>

#include "spec.h"

struct sched;

/* A scheduler over the given CPUs (copied). */
struct sched *sched_new(const int *cpus, size_t n);
void sched_free(struct sched *);
size_t sched_ncpus(const struct sched *);
/* Number of CPUs not held by a job. */
size_t sched_nfree(const struct sched *);
/*
 * Places a job of n CPUs at an isolation level: stores the CPUs in out
 * (in WAYFINDER_CORE_ID order) and returns 0, or returns -1 when the job
 * must wait for others to end.
 */
int sched_place(struct sched *, size_t n, enum isolation, int *out);
void sched_release(struct sched *, const int *cpus, size_t n);

#endif
