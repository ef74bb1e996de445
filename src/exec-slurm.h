/*
 * The Slurm executor: runs each job as a Slurm batch job that runs the
 * wayfinder-exec shim by hand, with the job's status lines in a file of
 * the experiment's directory, which the cluster's nodes must share.
 * Slurm places the jobs (places = 1): the engine learns each job's node
 * and CPUs from the shim once it runs.
 */
#ifndef WAYFINDER_EXEC_SLURM_H
#define WAYFINDER_EXEC_SLURM_H

#include <stddef.h>
#include <uv.h>

#include "exec.h"
#include "spec.h"

struct slurm;

extern const struct executor_ops exec_slurm; /* ctx: a struct slurm */

/*
 * A Slurm executor on loop, for the experiment directory expdir inside
 * state_dir, with the spec's executor settings (x must outlive it).
 * Before it returns it checks, with a probe job, that Slurm answers,
 * that the nodes reach the shim (exec_shim_path()) and share state_dir
 * (the probe must read a marker written here, and write back where this
 * host reads), and cancels the jobs a crashed run of the experiment left
 * queued. It runs loop for that, so call it before the loop has other
 * handles. With sandbox, the probe's shim tries the namespaces jobs ask
 * for (exec_req's ns), and the notice says whether the node allowed
 * them. Returns the executor, or NULL with *cause when jobs cannot run
 * on the cluster.
 */
struct slurm *slurm_new(uv_loop_t *loop, const struct execspec *x,
    const char *state_dir, const char *expdir, int sandbox, char **cause);
/* Frees the executor once its commands are done; call it when no job of
 * it runs any more, from the loop or before it runs again. */
void slurm_close(struct slurm *);

/*
 * Whether the cluster can run the spec's jobs as asked (CPUs, memory,
 * time limit, isolation, cluster options), by asking sbatch --test-only
 * for each stage. Returns 0, or -1 with *cause naming the stage and
 * Slurm's answer.
 */
int slurm_check(struct slurm *, const struct spec *, char **cause);

/* The confinement Slurm gives jobs, for their protections:
 * "slurm:task/affinity+proctrack/linuxproc" (no commas, no spaces). */
const char *slurm_protections(const struct slurm *);
/* What runs where, for a notice: Slurm's plugins, the partition and its
 * nodes ("vm (2 CPUs, idle)"), that local cgroups and namespaces are
 * not used. */
const char *slurm_notice(const struct slurm *);

/*
 * How many jobs to keep submitted at once by default: the CPUs of the
 * partition's nodes over cores, at least 1, at most 256. Asks sinfo;
 * 1 when it does not answer.
 */
size_t slurm_default_jobs(const struct execspec *x, int cores);

/*
 * What the executor needs of a Slurm state name, for tests: 1 when the
 * job has ended (COMPLETED, CANCELLED, TIMEOUT, ...), 0 while it may
 * still run (PENDING, RUNNING, COMPLETING, ...).
 */
int slurm_state_ended(const char *state);
/*
 * The outcome of a job Slurm ended without the shim's report, from its
 * final state ("" when unknown: the job vanished) and its exit code
 * ("0:0"): how, and for EXEC_LOST or EXEC_ERROR a reason naming the
 * state (allocated, in *why). stopped and timed_out say whether
 * Wayfinder cancelled it, for a stop or a timeout. *oom is set for
 * OUT_OF_MEMORY.
 */
enum exec_how slurm_outcome(const char *id, const char *state,
    const char *exit_code, int stopped, int timed_out, int *oom, char **why);

#endif
