/*
 * Preparing a job: the script contract (environment, argument vector)
 * and the files Wayfinder writes before a script runs (config.h, Kconfig
 * fragment, rendered templates). Parameter values only ever travel as
 * environment variables and file contents, never through a shell line.
 */
#ifndef WAYFINDER_JOB_H
#define WAYFINDER_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "space.h"
#include "spec.h"

struct job_ctx {
	const struct spec *spec;
	const struct space *space;
	const struct config *cfg;
	enum stage stage;
	const char *workdir;  /* the job's directory (logs, results) */
	const char *builddir; /* the build's output directory, or NULL */
	const char *results;  /* the results file */
	int64_t experiment;
	int64_t trial; /* 0 for a build */
	int64_t job;
	int iteration; /* 1-based over warm-ups and measured runs */
	int warmup;
	const int *cpus;
	size_t ncpus;
	const char *debugcon; /* the boot monitor's FIFO, or NULL */
};

/* The environment of a job: the caller's, without any variable named
 * like a parameter, plus the active parameters and WAYFINDER_*. A
 * NULL-terminated array to free with job_free_strv(). */
char **job_env(const struct job_ctx *);
/* The argument vector that runs the stage's script. */
char **job_argv(const struct stagespec *);
void job_free_strv(char **);

/* Writes config.h, the Kconfig fragment and the build templates into the
 * build directory. Returns 0, or -1 with *cause set. */
int job_prepare_build(const struct job_ctx *, char **cause);
/* Renders the test templates into the work directory. */
int job_prepare_test(const struct job_ctx *, char **cause);

/* "0,1,4" from a CPU list. Caller frees. */
char *job_cpu_list(const int *cpus, size_t n);

#endif
