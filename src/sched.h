/*
 * Placement: which PUs a job runs on, so that every job's isolation level
 * holds. Pure bookkeeping over a topology (no processes, no clocks of its
 * own), so the executor that launches jobs stays separate and plans can
 * be simulated.
 *
 * Levels: none (the PUs alone: another job may use the core's other
 * hyperthreads), core (no foreign job on the job's cores), cache (none on
 * its last-level cache domains), socket (none in its packages), full
 * (nothing else runs). A job's zone is the set of PUs its level keeps
 * free of other jobs; a placement is valid when the job's PUs are free and
 * in no other job's zone, and its own zone holds no other job's PU.
 */
#ifndef WAYFINDER_SCHED_H
#define WAYFINDER_SCHED_H

#include <stddef.h>

#include "spec.h"
#include "topo.h"

struct sched;

/* A scheduler over the usable PUs of t (which must outlive it). */
struct sched *sched_new(const struct topo *t);
void sched_free(struct sched *);
size_t sched_nusable(const struct sched *);

/*
 * Where a job of n PUs at a level would go now: the PU indices (into
 * t->pus, in WAYFINDER_CORE_ID order) in out. Returns 0, or -1 when it
 * must wait. Changes nothing.
 */
int sched_place(const struct sched *, size_t n, enum isolation, int *out);
/* Records job id (> 0) on pus, expected to end at end (0 if unknown). */
void sched_commit(struct sched *, int id, const int *pus, size_t n,
    enum isolation, double end);
void sched_release(struct sched *, int id);
/* Whether a request could ever be placed on an empty machine. */
int sched_possible(const struct sched *, size_t n, enum isolation);
/* How many jobs of n PUs at a level fit at once on the empty machine. */
size_t sched_capacity(const struct sched *, size_t n, enum isolation);

/*
 * The queue: requests in arrival (FIFO) order. sched_pick() starts the
 * requests that can start now and records them (as sched_commit). The
 * first request that cannot start reserves the PUs it will get when the
 * jobs in its way end (by their expected end); later requests may start
 * ahead of it (backfill) only where they cannot delay it: their PUs
 * outside its reserved zone, its PUs outside theirs. So a waiting full
 * job is never starved by a stream of small ones.
 */
struct sched_req {
	int id; /* > 0, unique among running and waiting jobs */
	size_t n;
	enum isolation level;
	double estimate; /* expected duration, seconds; 0 if unknown */
};

/* The most PUs one job may have (the spec's cores: allows as many). */
#define SCHED_MAX_PUS 1024

struct sched_grant {
	size_t req;             /* index into the requests */
	int pus[SCHED_MAX_PUS]; /* the placement (n entries) */
};

/* Fills grants (room for nreqs) and returns how many; now is the time
 * the estimates count from. */
size_t sched_pick(struct sched *, const struct sched_req *, size_t nreqs,
    double now, struct sched_grant *);

const char *sched_level_name(enum isolation);

#endif
