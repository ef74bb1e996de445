/*
 * The host: checking how fit this machine is for benchmarking (frequency
 * governor, turbo, SMT, ASLR, perf counters, isolated CPUs, irqbalance,
 * swap, other load), and tuning it for an experiment in a way that can
 * always be undone: every change is recorded in the store's host journal
 * before the file is written, and restored newest first, even after a
 * crash. /proc and /sys are read below a sysroot so tests can use a fake
 * tree ("" is the real host).
 */
#ifndef WAYFINDER_HOST_H
#define WAYFINDER_HOST_H

#include <stddef.h>

#include "spec.h"
#include "store.h"

enum host_verdict { HOST_OK, HOST_WARN, HOST_BAD, HOST_NA };

/* One line of host check. */
struct host_item {
	char *name;  /* "governor", "turbo", "smt", "aslr", ... */
	char *state; /* what was found, for a person */
	enum host_verdict verdict;
	char *advice; /* what to do (commands to run); NULL when nothing */
};

/* A list of lines for the user, one per knob or change. */
struct host_lines {
	char **v;
	size_t n;
};

/* Owner of manual changes (wayfinder host tune). */
#define HOST_OWNER_MANUAL "manual"
/* host_restore selections besides an exact owner. */
#define HOST_RESTORE_ALL "all"
#define HOST_RESTORE_STALE "stale-engines"

/* "ok", "warn", "bad" or "n/a". */
const char *host_verdict_name(enum host_verdict);

/*
 * The CPUs host_check examines by default: those this process may run on
 * (sched_getaffinity), or the online CPUs of a fake tree. Returns 0 with a
 * new sorted array, or -1 when there are none.
 */
int host_cpus(const char *sysroot, int **cpus, size_t *n);

/*
 * Examines the host for benchmarking on cpus (NULL: host_cpus()). Takes
 * about 200 ms (it samples /proc/stat twice to measure other load).
 * Returns 0 with a new array of items (free with host_items_free), or -1
 * with *cause when a CPU is not online.
 */
int host_check(const char *sysroot, const int *cpus, size_t ncpus,
    struct host_item **, size_t *, char **cause);
void host_items_free(struct host_item *, size_t);

/*
 * Applies the wishes of h (fields not given are left alone) for owner
 * ("manual", or host_engine_owner()'s "engine PID"). Each change is
 * journalled in the store, and committed, before its file is written, so
 * it must not be called inside store_begin. A knob already as wished is
 * not touched nor journalled. SMT is set first (it takes CPUs offline),
 * then turbo, the governor (on every CPU that has cpufreq) and ASLR.
 * Absent knobs (no cpufreq, no boost, SMT not supported, a governor the
 * kernel lacks, a read-only file, a failed write) are added to *skipped,
 * one line each, and change nothing. *done gets a line per knob changed or
 * already as wished. Either list may be NULL; lines are appended.
 * Returns the number of changes made, or -1 with *cause, having changed
 * nothing, when a file cannot be written for lack of privilege (not root).
 */
int host_apply(struct store *, const char *sysroot, const struct hostspec *,
    const char *owner, struct host_lines *done, struct host_lines *skipped,
    char **cause);

/*
 * Undoes pending journal entries, newest first: writes each file's old
 * content back, byte for byte, then marks the entry restored. Which
 * entries: those of owner exactly (an engine at its end), or
 * HOST_RESTORE_STALE (those of engines whose PID no longer runs a
 * wayfinder: what a crashed engine left; call at engine start), or NULL
 * (everything but the entries of engines still running: host restore), or
 * HOST_RESTORE_ALL. "manual" entries are restored only by NULL, ALL or
 * "manual". An entry made before the last boot, or whose file no longer
 * holds the value we wrote (someone changed it since) or no longer
 * exists, is marked restored without writing. *done (may be NULL) gets a
 * line per entry. Returns the number of entries marked restored, or -1
 * with *cause: when the files cannot be written for lack of privilege
 * (nothing is done), or when a write failed (the others are still done,
 * and the entry stays pending).
 */
int host_restore(struct store *, const char *sysroot, const char *owner,
    struct host_lines *done, char **cause);

/* "engine PID" for this process, the owner an engine's changes carry.
 * Caller frees. */
char *host_engine_owner(void);

void host_lines_free(struct host_lines *);

/*
 * Busy percentage of each of cpus between two readings of /proc/stat:
 * user, nice, system, irq, softirq and steal time over all time. busy[i]
 * is NAN for a CPU missing from either text or with no time elapsed.
 * Returns 0 when every CPU was measured, else -1.
 */
int host_busy(const char *before, const char *after, const int *cpus, size_t n,
    double *busy);

#endif
