/*
 * Dry runs: an executor that runs nothing. Each job "runs" for its
 * estimate on a simulated clock, so the engine's own logic (builds shared
 * by configurations, iterations in order, the scheduler's placement and
 * backfilling) produces the plan the real run would follow.
 */
#ifndef WAYFINDER_PLAN_H
#define WAYFINDER_PLAN_H

#include <stdio.h>

#include "exec.h"
#include "topo.h"

struct plan;

struct plan *plan_new(const struct topo *);
void plan_free(struct plan *);
extern const struct executor_ops plan_executor; /* ctx: a struct plan */
/* The simulated time, in seconds from the start. */
double plan_now(const struct plan *);
/* Delivers job ends in time order until no job is left running. */
void plan_run(struct plan *);
/* The plan as CSV (job,kind,trial,isolation,cpus,start,end). */
void plan_csv(const struct plan *, FILE *);
/* Makespan, mean CPU utilisation and peak parallelism, as text. */
void plan_summary(const struct plan *, FILE *);

#endif
