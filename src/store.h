/*
 * The store: every experiment, configuration, build, trial, job and
 * measurement in one SQLite database (WAL mode, versioned schema). All of
 * Wayfinder's SQL lives in store.c. Writers group related changes with
 * store_begin/store_commit so that a state change is committed, whole,
 * before anything reports it.
 */
#ifndef WAYFINDER_STORE_H
#define WAYFINDER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "space.h"
#include "spec.h"

#define STORE_SCHEMA_VERSION 4

struct store;

struct store_experiment {
	int64_t id;
	char *name;
	char *spec_path;
	char *spec_hash;
	char *identity;
	char *strategy;
	uint64_t seed;
	int seeded;
	uint64_t budget;
	char *objective;
	char *direction;
	char *state; /* running, interrupted, done */
	double created;
	double finished; /* 0 while unfinished */
	char *spec_text;
};

struct store_metric {
	char *name;
	double median, mean, stddev, min, max;
	int n;
};

struct store_trial {
	int64_t id;
	int64_t seq;
	int64_t config_id;
	char *config_key; /* 16 hex digits */
	char *build_key;
	char *state;  /* pending, running, done, failed, lost,
		       * interrupted */
	char *reason; /* failed: why */
	int has_value;
	double value, stddev;
	int n;
	double started, finished;
	size_t nvalues; /* the configuration, name order */
	char **names;
	char **values;
	size_t nmetrics; /* aggregates, name order */
	struct store_metric *metrics;
	int iterations_done; /* test jobs finished (warm-ups included) */
	char *protections;   /* the sandbox its last job ran in, or NULL */
	int baseline;        /* the default configuration, run first */
};

struct store_measurement {
	char *metric;
	int iteration;
	double value;
};

/* What a finished job reports. */
struct store_job_end {
	const char *state; /* done, failed, timeout, interrupted */
	int exit_status;   /* -1 when killed by a signal */
	int signal;
	const char *reason; /* NULL when done */
	double finished;
	double wall_ms;
	double maxrss_kb;
	double utime_ms, stime_ms;
	const char *stdout_path; /* kept logs; NULL when empty */
	const char *stderr_path;
	const char *workdir; /* a kept work directory, or NULL */
};

/* Opens (creating or upgrading) the database at path. Returns 0, or -1
 * with *cause set. */
int store_open(const char *path, struct store **, char **cause);
void store_close(struct store *);
/* Groups the following calls in one transaction (BEGIN IMMEDIATE). */
void store_begin(struct store *);
void store_commit(struct store *);

/* The latest experiment with this identity, or 0. */
int64_t store_experiment_find(struct store *, const char *identity);
/* Experiment by id ("12") or by name (the latest of that name; NULL for
 * the latest of all). Returns the id, or 0. */
int64_t store_experiment_lookup(struct store *, const char *name_or_id);
int64_t store_experiment_create(struct store *, const struct spec *,
    const char *identity, const char *strategy, uint64_t seed, int seeded,
    uint64_t budget);
/* Records a file that identifies the experiment (script, template...). */
void store_experiment_file(struct store *, int64_t exp, const char *path,
    const char *text, size_t len);
int store_experiment_get(struct store *, int64_t id, struct store_experiment *);
void store_experiment_clear(struct store_experiment *);
void store_experiment_set_state(struct store *, int64_t id, const char *state);
void store_experiment_set_budget(struct store *, int64_t id, uint64_t);
/* The experiment's parameter names in spec order (a new array of new
 * strings). */
void store_param_names(struct store *, int64_t exp, char ***names, size_t *n);
/* Every experiment, newest first. */
int store_experiments(struct store *, struct store_experiment **, size_t *);

/*
 * After an interruption: running jobs and builds become "interrupted",
 * and so do running trials (they will continue). Returns how many jobs
 * were marked.
 */
int store_recover(struct store *, int64_t exp);

/* Stores a configuration (once) and returns its row id. */
int64_t store_config_add(struct store *, int64_t exp, const struct space *,
    const struct config *);

/* A build by key: its row id and state ("pending" when new). */
int64_t store_build_get(struct store *, int64_t exp, const char *key,
    const char *dir, char **state, char **reason);
void store_build_set_state(struct store *, int64_t build, const char *state,
    const char *reason);

int64_t store_trial_add(struct store *, int64_t exp, int64_t seq,
    int64_t config, int64_t build);
void store_trial_start(struct store *, int64_t trial, double when);
void store_trial_fail(struct store *, int64_t trial, const char *reason,
    double when);
/* A trial given up because its jobs were lost to the executor (the
 * cluster), not through its configuration's fault: run again on resume. */
void store_trial_lost(struct store *, int64_t trial, const char *reason,
    double when);
void
store_trial_finish(struct store *, int64_t trial, double value, double stddev,
    int n, const struct store_metric *, size_t nmetrics, double when);
/* Trials of an experiment in seq order, with their configurations and
 * aggregates. */
int store_trials(struct store *, int64_t exp, struct store_trial **, size_t *);
void store_trials_free(struct store_trial *, size_t);
/* The measurements of a trial's measured (not warm-up) iterations. */
int store_trial_measurements(struct store *, int64_t trial,
    struct store_measurement **, size_t *);
void store_measurements_free(struct store_measurement *, size_t);

int64_t store_job_start(struct store *, int64_t exp, const char *kind,
    int64_t build, int64_t trial, int iteration, int warmup, const char *cpus,
    const char *workdir, double when);
void store_job_end(struct store *, int64_t job, const struct store_job_end *);
void store_measurement_add(struct store *, int64_t job, int64_t trial,
    const char *metric, int iteration, double value);

/* Which sandbox protections a job ran under ("cgroup-v1 memory pids
 * ns:mount,pid ..."). */
void store_job_protections(struct store *, int64_t job, const char *);

/*
 * A job's live samples: points rows of n + 1 values, the time since the
 * job began (ms) then one value per name.
 */
struct store_series {
	char **names;
	size_t n;
	size_t points;
	double *data; /* points * (n + 1) */
};
void store_series_put(struct store *, int64_t job, const struct store_series *);
/* 1 and *sr (store_series_free it), or 0 when the job has none. */
int store_series_get(struct store *, int64_t job, struct store_series *);
void store_series_free(struct store_series *);

/* Where a cluster runs a job: its node and CPUs. */
void store_job_placed(struct store *, int64_t job, const char *node,
    const int *cpus, size_t n);
/* Marks a trial as the baseline: the default configuration. */
void store_trial_set_baseline(struct store *, int64_t trial);

/* The daemon's record of how it runs an experiment (its submission, as
 * JSON), kept to resume it after a crash; NULL clears it. */
void store_experiment_set_args(struct store *, int64_t exp, const char *args);
struct store_daemon_exp {
	int64_t id;
	char *state;
	char *args;
};
/* Every experiment with daemon arguments, oldest first. */
int
store_daemon_experiments(struct store *, struct store_daemon_exp **, size_t *);
void store_daemon_experiments_free(struct store_daemon_exp *, size_t);

/* How far an experiment is: its trials measured and failed, its best. */
struct store_progress {
	int64_t trials, done, failed, lost;
	int have_best;
	int64_t best_seq;
	double best;
};
void store_experiment_progress(struct store *, int64_t exp, int maximize,
    struct store_progress *);

/* The test jobs of trial seq of an experiment, in the order they ran. */
struct store_job_ref {
	int64_t id;
	int iteration;
	int warmup;
	char *state;
};
int store_trial_jobs(struct store *, int64_t exp, int64_t seq,
    struct store_job_ref **, size_t *);
void store_job_refs_free(struct store_job_ref *, size_t);

/*
 * The host journal: every change host tuning makes, recorded before it is
 * made, so that it can be undone, even after a crash.
 */
struct store_journal {
	int64_t id;
	double time;
	char *path; /* the file written */
	char *old;  /* its content before */
	char *new;
	char *owner; /* "manual" (wayfinder host tune), or "engine PID" */
};

int64_t store_journal_add(struct store *, const char *path, const char *old,
    const char *new, const char *owner);
/* Changes not yet undone, newest first (the order to undo them in). */
int store_journal_pending(struct store *, struct store_journal **, size_t *);
void store_journal_restored(struct store *, int64_t id);
void store_journal_free(struct store_journal *, size_t);

/* Appends an event (kind, JSON detail) to the experiment's log. */
void
store_event(struct store *, int64_t exp, const char *kind, const char *detail);

#endif
