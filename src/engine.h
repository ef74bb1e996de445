/*
 * The engine: drives one experiment on a libuv loop. It asks the strategy
 * for configurations, builds each distinct build once, runs every trial's
 * warm-up and measured iterations on CPUs from the scheduler, stores each
 * state change before reporting it, and tells the strategy what happened.
 * It resumes an interrupted experiment from what the store holds.
 */
#ifndef WAYFINDER_ENGINE_H
#define WAYFINDER_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "space.h"
#include "spec.h"
#include "store.h"
#include "topo.h"

struct plan;

struct engine_progress {
	uint64_t budget;
	uint64_t proposed; /* trials created, this run and before */
	uint64_t done;     /* measured */
	uint64_t failed;
	uint64_t lost;    /* given up: the executor lost its jobs */
	uint64_t resumed; /* finished before this run */
	size_t running;   /* jobs now */
	size_t queued;    /* of which a placing executor (a cluster) has
			     not placed yet */
	int have_best;
	double best;
	int64_t best_seq;
	double elapsed; /* seconds since this run started */
	double eta;     /* seconds, < 0 when unknown */
	int stopping;
	int exhausted; /* the strategy has nothing more to propose */
};

enum engine_report_kind {
	ENGINE_TRIAL_DONE,
	ENGINE_TRIAL_FAILED,
	ENGINE_TRIAL_LOST, /* given up after its jobs were lost */
	ENGINE_NOTICE,     /* text: something the user should know */
	ENGINE_TICK,       /* once a second, for progress displays */
	ENGINE_SAMPLE,     /* sample: a running job's counters, live */
	ENGINE_JOB_START,  /* job: a job began */
	ENGINE_JOB_END     /* job: a job ended (job->state) */
};

/* A job, for displays (the per-core map, the queue). */
struct engine_job {
	int64_t job;
	const char *kind; /* "build" or "test" */
	int64_t trial;    /* its sequence number; 0 for a build */
	int iteration;
	int warmup;
	const int *cpus;
	size_t ncpus;
	const char *node;   /* a cluster's node; "" on this machine */
	const char *config; /* "NAME=value ..." of its trial (a build: of a
			       trial it builds for) */
	const char *state;  /* JOB_END: done, failed, timeout, ... */
	double wall_ms;     /* JOB_END */
	const char *out;    /* JOB_START: its stdout and stderr while it */
	const char *err;    /* runs (then logs/ID.out and .err) */
};

/* A running job's counters and cgroup figures, every sample_interval. */
struct engine_sample {
	int64_t job;
	const char *kind; /* "build" or "test" */
	int64_t trial;    /* its sequence number; 0 for a build */
	int iteration;
	const int *cpus;
	size_t ncpus;
	double t_ms; /* since the job started */
	size_t n;
	const char *const *names; /* counters as the spec names them, then
				     cpu_ms and memory_kb (the cgroup's) */
	const double *values;     /* NAN: unknown */
};

struct engine_report {
	enum engine_report_kind kind;
	const struct engine_progress *progress;
	int64_t seq;              /* the trial */
	const struct config *cfg; /* the trial's configuration */
	double value;             /* TRIAL_DONE */
	const char
	    *text; /* TRIAL_FAILED, TRIAL_LOST: reason; NOTICE: message */
	const struct engine_sample *sample; /* SAMPLE */
	const struct engine_job *job;       /* JOB_START, JOB_END */
};

/*
 * Control of a running engine from another thread (the daemon's): a
 * request is taken on the engine's loop. Create it before engine_run,
 * free it after.
 */
enum engine_cmd {
	ENGINE_CMD_NONE,
	ENGINE_CMD_PAUSE,  /* start nothing new; end paused once idle */
	ENGINE_CMD_RESUME, /* undo a pause that has not ended yet */
	ENGINE_CMD_STOP    /* end now, stopping running jobs (resumable) */
};
struct engine_ctl;
struct engine_ctl *engine_ctl_new(void);
void engine_ctl_free(struct engine_ctl *);
/* Thread-safe; the last request wins. */
void engine_ctl_send(struct engine_ctl *, enum engine_cmd);

struct engine_opts {
	const struct spec *spec;
	const struct space *space;
	struct store *store;
	int64_t experiment;
	const char *expdir;    /* the experiment's directory in the state dir */
	const char *state_dir; /* the state directory (for messages) */
	const char *strategy;
	const struct spec_option *options; /* the strategy's settings */
	size_t noptions;
	const char *cwd; /* where the run was given (NULL: here) */
	uint64_t seed;
	int seeded;
	uint64_t budget;
	size_t jobs;             /* most jobs at once */
	const struct topo *topo; /* the machine, with the usable PUs */
	struct plan *plan;       /* a dry run: simulate, touch no file */
	int no_sandbox;          /* jobs get affinity only (for comparison) */
	int executor;            /* enum executor (spec.h) */
	int no_signals; /* leave SIGINT, SIGTERM and SIGHUP to the caller */
	struct engine_ctl *ctl; /* requests from another thread, or NULL */
	void (*report)(const struct engine_report *, void *);
	void *arg;
};

enum engine_end {
	ENGINE_DONE,        /* budget spent or space exhausted */
	ENGINE_INTERRUPTED, /* stopped by a signal; resumable */
	ENGINE_PAUSED       /* paused and idle; resumable */
};

/*
 * Runs the experiment to its end. Returns 0 with *end and *progress set,
 * or -1 with *cause set when it cannot start (or the strategy fails).
 */
int engine_run(const struct engine_opts *, enum engine_end *end,
    struct engine_progress *progress, char **cause);

#endif
