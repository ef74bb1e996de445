/*
 * Running an experiment, as `wayfinder run --foreground` does in its own
 * process and the daemon does for a submission: load the spec, find the
 * experiment it continues (same spec, strategy, seed and settings) or
 * create one, then apply the host settings, lock the experiment, run the
 * engine, and undo the host settings.
 */
#ifndef WAYFINDER_RUNNER_H
#define WAYFINDER_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "engine.h"
#include "spec.h"
#include "topo.h"

/* What a run is asked, from the command line or a submission. */
struct runner_request {
	const char *spec;     /* the spec's path */
	const char *strategy; /* NULL: the spec's, or random */
	/* --option NAME=VALUE settings; a list setting's items separated
	 * by commas in value. */
	const struct spec_option *options;
	size_t noptions;
	uint64_t budget; /* 0: --budget not given */
	uint64_t seed;
	int seeded;    /* --seed given */
	uint64_t jobs; /* 0: as many as fit */
	int fresh;     /* --new: a new experiment even if one matches */
	const char *cpus, *reserve; /* --cpus, --reserve, or NULL */
	const char *topology;       /* --topology (plans only), or NULL */
	int no_sandbox;
	int dry;            /* a plan: an experiment in memory only */
	int64_t experiment; /* the experiment this must continue, or 0 */
	const char *cwd;    /* where the run was given (NULL: here) */
	int executor;       /* enum executor; -1: the spec's */
	const char *state;  /* the state directory */
};

/* Exit statuses as wayfinder(1) documents them (see cmd.h). */
enum runner_status {
	RUNNER_OK = 0,
	RUNNER_FAIL = 1,
	RUNNER_USAGE = 2,
	RUNNER_STORE = 3
};

struct runner;

/*
 * Loads the spec (its errors and warnings go to d) and finds or creates
 * the experiment. Returns RUNNER_OK with *out, or another status with
 * *cause (NULL when d holds the errors).
 */
enum runner_status runner_prepare(const struct runner_request *,
    struct runner **out, struct diags *d, char **cause);
void runner_free(struct runner *);

const struct spec *runner_spec(const struct runner *);
const struct space *runner_space(const struct runner *);
struct store *runner_store(const struct runner *);
int64_t runner_experiment(const struct runner *);
const char *runner_strategy(const struct runner *);
uint64_t runner_budget(const struct runner *);
const char *runner_dir(const struct runner *);
/* 1 when the experiment is already complete (nothing to run). */
int runner_complete(const struct runner *);

/* How a run talks back. */
struct runner_hooks {
	/* A line for the user (host settings, the run's shape). */
	void (*say)(void *arg, const char *line);
	void (*report)(const struct engine_report *, void *arg);
	void *arg;
	struct engine_ctl *ctl; /* requests from another thread, or NULL */
	int no_signals;         /* the caller handles them */
	int quiet;              /* fewer lines */
};

/*
 * Runs the prepared experiment to its end. Returns RUNNER_OK with *end
 * and *progress, or another status with *cause.
 */
enum runner_status runner_run(struct runner *, const struct runner_hooks *,
    enum engine_end *end, struct engine_progress *progress, char **cause);

/* The engine's options for the prepared experiment (no machine, no
 * executor, no hooks yet): for plans. */
void runner_engine_opts(const struct runner *, struct engine_opts *);
/* The most jobs that can run at once on topo: test jobs, or builds if
 * more. */
uint64_t runner_max_jobs(const struct topo *, const struct spec *);

#endif
