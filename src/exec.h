/*
 * The local executor: runs jobs through the wayfinder-exec shim, pinned
 * to their CPUs, in their sandbox, with their output in log files, a
 * timeout that ends the job's whole process tree, and a report of how
 * each ended. A shim server per job slot forks a shim for each job.
 */
#ifndef WAYFINDER_EXEC_H
#define WAYFINDER_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

enum exec_how {
	EXEC_EXITED,   /* status holds the exit status */
	EXEC_SIGNALED, /* killed by signal, not by Wayfinder */
	EXEC_TIMEOUT,  /* ran past its timeout and was ended */
	EXEC_STOPPED,  /* ended by exec_stop() */
	EXEC_ERROR,    /* could not be run at all: error says why */
	EXEC_LOST      /* ended by something outside the job (its shim was
			  killed or told to stop): worth running again */
};

struct pmu_set;

struct exec_result {
	enum exec_how how;
	int status;
	int signal;
	double wall_ms;
	double maxrss_kb;
	double utime_ms, stime_ms;
	int leftover; /* processes still running when the job ended */
	/* rusage of the job's processes */
	double nvcsw, nivcsw, minflt, majflt;
	double boot_ms;   /* the boot monitor's time; NAN: no marker seen */
	int boot_stopped; /* the job was ended once booted, as asked */
	/* The counters of req->pmu, one per event (NAN: not counted), or
	 * NULL; counters_note says which could not be attached and why. */
	const double *counters;
	const char *counters_note;
	const char *error;
	const char *sandbox; /* what the shim put in force, from its report */
	int oom; /* the executor knows the job ran out of memory (a cluster's
		    word: the local engine reads its cgroup itself) */
};

/* The namespaces of a job's sandbox, as the shim's -N and ns= read
 * them; with the network when a stage says network: none. */
#define EXEC_NS "mount,pid,ipc,uts"
#define EXEC_NS_NET EXEC_NS ",net"

struct exec_req {
	/* What a plan shows (the local executor does not need them). */
	int64_t job;
	const char *kind; /* "build" or "test" */
	int64_t trial;    /* 0 for a build */
	int isolation;    /* enum isolation */
	double estimate;  /* seconds */

	char *const *argv; /* the script's command */
	char *const *env;
	const char *cwd;
	const char *out_path; /* stdout log */
	const char *err_path; /* stderr log */
	const int *cpus;      /* NULL when the executor places the job */
	size_t ncpus;
	int cores;        /* CPUs the job needs */
	uint64_t memory;  /* the stage's memory limit, bytes; 0: none */
	int network_none; /* the stage asks for loopback only */
	double timeout;   /* seconds; 0 for none */
	/*
	 * The sandbox (NULL or 0: none). Jobs of a slot go through the
	 * slot's shim server, which joins the slot's cgroups and makes its
	 * namespaces once: slot, ns, keep and join are the server's and
	 * must not change from job to job of a slot (a different ns gets
	 * another server).
	 */
	int slot;
	const char *ns;              /* EXEC_NS or EXEC_NS_NET: namespaces */
	const char *const *keep;     /* directories a private /tmp keeps */
	const char *const *join;     /* cgroup.procs files the server joins */
	const char *const *job_join; /* ... the job joins, between fork and
				       exec (when the server cannot) */
	const char *const *task;     /* resctrl tasks files it joins */
	int aslr;                    /* -1: as the host; 0: off */
	unsigned long long as_max, nproc_max; /* rlimits */
	/* Counters to attach to the job before it execs (NULL: none), and
	 * how often an executor that reads them on a node samples them
	 * (seconds; 0: only at the end). */
	const struct pmu_set *pmu;
	double sample_interval;
	/* The boot monitor: BOOT_* of spec.h, the marker (POSIX regex;
	 * NULL: any output), the debug port's FIFO to make, and whether
	 * to end the job once booted. */
	int boot;
	const char *marker;
	const char *fifo;
	int boot_stop;
	void (*done)(void *arg, const struct exec_result *);
	/* An executor that places jobs itself says where one runs, once it
	 * knows (NULL: not wanted). */
	void (*placed)(void *arg, const char *node, const int *cpus,
	    size_t ncpus);
	/* Called when the job is killed outright (after the grace period
	 * of a stop or timeout), to end what the shim cannot reach. */
	void (*kill)(void *arg);
	void *arg;
};

struct exec;     /* an executor on one loop */
struct exec_job; /* one running job */

/*
 * What the engine needs from an executor: start a job (done() of the
 * request reports its end, later, from the executor's loop) and stop it.
 * The local executor is below; plan.c simulates one for dry runs.
 */
struct executor_ops {
	const char *name;
	void *(*start)(void *ctx, const struct exec_req *, char **cause);
	void (*stop)(void *job, int force);
	/* The job's counters now, for live samples: 0, or -1 if none. */
	int (*counters)(void *job, double *values);
	/* 1: the executor decides where each job runs (a cluster's
	 * scheduler): the engine's placement steps aside, and a job's CPUs
	 * come back through placed(). */
	int places;
};

extern const struct executor_ops exec_local; /* ctx: a struct exec */

/* The path of the shim: $WAYFINDER_EXEC, the one next to this program
 * (a build tree), or the installed one. */
const char *exec_shim_path(void);

/*
 * The shim's report line ("exit=0 wall_us=... maxrss_kb=..."): one
 * field's number (0, or -1 when absent), and every field an exec_result
 * takes from it, whichever executor read the line.
 */
int exec_report_field(const char *line, const char *name, double *out);
void exec_report_parse(const char *line, struct exec_result *r);

/* An executor on loop; exec_close() when no job runs any more. */
struct exec *exec_new(uv_loop_t *);
void exec_close(struct exec *);

/*
 * Starts a job. The request's strings need only live until this returns.
 * Returns the job, or NULL with *cause set; done() is called exactly once
 * for a started job (from the loop, never from exec_start), after which
 * the job is freed.
 */
struct exec_job *
exec_start(struct exec *, const struct exec_req *, char **cause);
/* Ends a job early: SIGTERM to its tree, then SIGKILL after a grace
 * period; force kills at once. done() reports EXEC_STOPPED. */
void exec_stop(struct exec_job *, int force);
/* The job's counters now (as pmu_read), for live samples. Returns 0, or
 * -1 when it has none (yet). */
int exec_counters(struct exec_job *, double *values);

#endif
