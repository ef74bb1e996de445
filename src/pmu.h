/*
 * Performance counters through libpfm4 and perf_event_open(2): event
 * names (libpfm4's, and perf's common spellings) encoded for the kernel,
 * probed on this host, attached to a job's process before it execs and
 * read, scaled, while it runs and when it ends.
 *
 * Library-like: nothing here prints; every failure comes back with an
 * explanation for a human.
 */
#ifndef WAYFINDER_PMU_H
#define WAYFINDER_PMU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What this host says to an event. */
enum pmu_status {
	PMU_SUPPORTED,   /* it counts */
	PMU_DENIED,      /* the kernel has it, but will not let us */
	PMU_UNSUPPORTED, /* no such counter here (no PMU, a VM) */
};

/*
 * Checks that name is an event libpfm4 knows (on this host's PMUs, or,
 * with *elsewhere set, only on a PMU this host lacks, which is not an
 * error: specs travel). Returns 0, or -1 with *why and, when one is
 * close, *suggestion (both allocated).
 */
int pmu_check(const char *name, int *elsewhere, char **why, char **suggestion);

/*
 * Probes one event by opening it on this process: PMU_SUPPORTED (*why
 * NULL, or a note such as "user space only"), or PMU_DENIED or
 * PMU_UNSUPPORTED with *why. Also fails like pmu_check.
 */
enum pmu_status pmu_probe(const char *name, char **why);

/* The name status is shown as: "supported", "denied", "unsupported". */
const char *pmu_status_name(enum pmu_status);

/*
 * The events to show a user: perf's generic ones (by their perf(1)
 * names), and with all every event of the PMUs libpfm4 finds on this
 * host ("pmu::EVENT"), each with its PMU and description (or NULL),
 * filtered by pattern (a case-insensitive substring, or a glob; NULL for
 * all). fn returns nonzero to stop.
 */
void pmu_list(int all, const char *pattern,
    int (*fn)(const char *name, const char *pmu, const char *desc, void *),
    void *arg);

/* The events of a stage, encoded once. */
struct pmu_set;

/*
 * Encodes names (as pmu_check accepts them). Names unknown here are
 * kept, unsupported. Then probes each: pmu_set_notice() says, once, what
 * cannot be counted and why. Never fails.
 */
struct pmu_set *pmu_set_new(char *const *names, size_t n);
void pmu_set_free(struct pmu_set *);
size_t pmu_set_count(const struct pmu_set *);
const char *pmu_set_name(const struct pmu_set *, size_t i);
enum pmu_status pmu_set_status(const struct pmu_set *, size_t i);
/* How many events can be counted. */
size_t pmu_set_usable(const struct pmu_set *);
/*
 * Whether metric, an event of the set or a metric derived from them, can
 * be counted here: 1, or 0 with *why (allocated); -1 when metric is
 * neither (or s is NULL).
 */
int pmu_set_counts(const struct pmu_set *s, const char *metric, char **why);
/* What cannot be counted, for a notice ("hardware events cycles and
 * instructions: unsupported here (no hardware PMU; ...); not counted"),
 * or NULL when everything can. Caller frees. */
char *pmu_set_notice(const struct pmu_set *);

/*
 * Metrics computed from counters when the set has their inputs: "ipc"
 * (instructions / cycles) and miss rates ("cache_miss_rate",
 * "branch_miss_rate", "llc_load_miss_rate", "l1d_load_miss_rate",
 * "dtlb_load_miss_rate"). pmu_derived_value() is NAN when an input is
 * missing from values (e.g. it could not be counted).
 */
size_t pmu_derived_count(const struct pmu_set *);
const char *pmu_derived_name(const struct pmu_set *, size_t k);
double
pmu_derived_value(const struct pmu_set *, size_t k, const double *values);
/* The name of derived metric k of all there are, NULL past the last. */
const char *pmu_derived_all(size_t k);
/* 1 if name is one of the derived metrics of the set's events. */
int pmu_derived_known(const char *name, char *const *names, size_t n);

/*
 * An event as perf_event_open(2) takes it, for a process that opens the
 * counters itself (the shim, on a cluster's node, where the engine
 * cannot reach the job): the attribute's type and configs, and the
 * privilege levels it leaves out (PMU_EXCLUDE_*, as the shim's -P option
 * spells them).
 */
struct pmu_encoding {
	uint32_t type;
	uint64_t config, config1, config2;
	unsigned exclude;
};
#define PMU_EXCLUDE_USER 0x01
#define PMU_EXCLUDE_KERNEL 0x02
#define PMU_EXCLUDE_HV 0x04
#define PMU_EXCLUDE_IDLE 0x08
#define PMU_EXCLUDE_HOST 0x10
#define PMU_EXCLUDE_GUEST 0x20
/*
 * The encoding of event i of the set. Returns 0, or -1 when libpfm4
 * could not encode it here. An event this host cannot count (no PMU in
 * this VM, say) still has its encoding: another machine may count it.
 */
int pmu_set_encoding(const struct pmu_set *, size_t i, struct pmu_encoding *);

/* The counters of one job. */
struct pmu_counters;

/*
 * Opens the usable events of set on process pid (before it execs: the
 * counters start at its exec and count every process it starts), grouped
 * per PMU. An event that cannot be opened is left out; *why then says
 * which and why (allocated), but the call succeeds if any opened.
 * Returns NULL when none could be opened (*why set).
 */
struct pmu_counters *pmu_attach(const struct pmu_set *, pid_t pid, char **why);
/*
 * Reads every counter, scaled by the time it was enabled over the time it
 * ran (when a PMU had to multiplex): values[i] for event i of the set,
 * NAN for one not counted. Returns 0, or -1 if nothing could be read.
 */
int pmu_read(struct pmu_counters *, double *values);
void pmu_close(struct pmu_counters *);

#endif
