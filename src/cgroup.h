/*
 * Per-job cgroups: the engine's sandbox for the processes of one job. A
 * system (struct cgroup_sys) is the host's cgroup setup, v1 or v2; an
 * instance is the engine's own directory in it; a slot (struct cgroup)
 * is one job slot's cgroup, created once per run and reused job after
 * job, so the per-job calls are a handful of small reads and writes on
 * files kept open.
 *
 * Library-like (house rule 5): functions return 0 or a negative errno,
 * and an allocated explanation in *why where a human needs one.
 *
 * The module never creates a file in a cgroup directory (the kernel
 * does), opens a slot's files at its first use rather than at mkdir,
 * and tolerates a directory that already exists, so unit tests can play
 * the kernel in a fake tree.
 */
#ifndef WAYFINDER_CGROUP_H
#define WAYFINDER_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

struct cgroup_sys;
struct cgroup;

/* What one job used, from cgroup_job_begin to cgroup_job_end. */
struct cgroup_stats {
	uint64_t cpu_usec;    /* CPU time of all its processes */
	uint64_t memory_peak; /* bytes; 0: unknown */
	uint64_t oom_kills;   /* processes the OOM killer ended */
};

/*
 * Detects the cgroup setup under root (the mount point, "/sys/fs/cgroup",
 * or a fake tree) given self, the text of /proc/self/cgroup (NULL: read
 * it). v2 when root/cgroup.controllers exists, else v1 with one
 * hierarchy per controller at root/<controller> (co-mounted ones through
 * their symlinks). Notes which features are usable (cgroup_sys_has).
 * Returns 0 and *sysp, or -ENOENT (no cgroup filesystem), -EACCES (not
 * root) or -ENOTSUP (v2 without usable controllers), with *why.
 */
int cgroup_sys_open(const char *root, const char *self,
    struct cgroup_sys **sysp, char **why);
/* 1 or 2. */
int cgroup_sys_version(const struct cgroup_sys *);
/* A line for humans, e.g. "cgroup v1: cpuset memory pids cpuacct
 * freezer"; the caller frees it. */
char *cgroup_sys_describe(const struct cgroup_sys *);
/*
 * Whether a feature is usable: "cpuset", "memory", "pids", "cpu" (CPU
 * time accounting: cpuacct on v1, cpu.stat on v2) or "kill" (killing
 * that no fork escapes: v1 freezer, v2 cgroup.kill or cgroup.freeze; on
 * v2 known for sure only after cgroup_instance). 1 or 0.
 */
int cgroup_sys_has(const struct cgroup_sys *, const char *feature);
/*
 * Creates the engine's directory, name (e.g. "wayfinder-<pid>", one path
 * component): on v1 below our own cgroup in each hierarchy, so that the
 * limits of our parents still apply; on v2 below the root cgroup, which
 * is exempt from the no-internal-processes rule, enabling cpuset, memory
 * and pids in the subtree_control files on the way. When name ends in
 * "-<pid>", first removes the empty siblings "<prefix>-<pid>" of engines
 * that are dead (a pid is judged in our pid namespace). An existing
 * directory is reused. Returns 0, or -errno with *why.
 */
int cgroup_instance(struct cgroup_sys *, const char *name, char **why);
/* Removes the instance directory (free the slots first) and frees. */
void cgroup_sys_close(struct cgroup_sys *);

/*
 * A slot: the directory name (one component) in the instance, in every
 * hierarchy used. Joining works at once (v1 cpuset gets the instance's
 * cpus and mems). Returns 0 and *cgp, or -errno with *why.
 */
int cgroup_new(struct cgroup_sys *, const char *name, struct cgroup **cgp,
    char **why);
/*
 * Sets the slot's limits for the jobs to come: cpus as a kernel CPU list
 * ("0-3,8"; NULL: all of the instance's), memory_max in bytes (swap may
 * not dodge it) and pids_max (0: no limit for either). Only what changed
 * since the last call is written. Limits of features the system lacks
 * are ignored (see cgroup_sys_has). Returns 0 or -errno (e.g. -EINVAL
 * for a CPU list the kernel refuses).
 */
int cgroup_configure(struct cgroup *, const char *cpus, uint64_t memory_max,
    uint64_t pids_max);
/*
 * The files to write a pid into for a process to join the slot, in this
 * order (the first tells whether the slot is populated), NULL terminated
 * (v1: cgroup.procs of each hierarchy; v2: one), owned by the slot: a
 * shim in another process can join by itself.
 */
const char *const *cgroup_procs_files(const struct cgroup *);
/* Moves process pid (0: the caller) into the slot. Returns 0 or -errno. */
int cgroup_join(const struct cgroup *, pid_t pid);
/*
 * Starts a job, before any of its processes joins: resets what can be
 * reset and notes the baselines cgroup_job_end subtracts. Returns 0 or
 * -errno.
 */
int cgroup_job_begin(struct cgroup *);
/*
 * Ends a job (after its processes are gone): its usage since
 * cgroup_job_begin into *st. The peak counts page cache earlier jobs
 * left charged to the slot. On v2 kernels whose memory.peak cannot be
 * reset (before 6.12), the slot directory is recreated here when empty,
 * so each job starts from a fresh peak; when it is not empty, the next
 * job's peak is known only if it exceeds the earlier ones. Returns 0 or
 * -errno.
 */
int cgroup_job_end(struct cgroup *, struct cgroup_stats *st);
/*
 * SIGKILLs every process in the slot so that none escapes by forking
 * (v2 cgroup.kill; else freeze, kill each pid listed, thaw, as rounds),
 * and waits up to timeout_ms for the slot to be empty. Returns 0 when
 * empty, -EBUSY when processes are left, or another -errno.
 */
int cgroup_kill(struct cgroup *, int timeout_ms);
/* A running job's figures so far, for live samples; -1 where unknown. */
struct cgroup_sample {
	int64_t cpu_usec; /* CPU time since cgroup_job_begin */
	int64_t memory;   /* bytes charged now */
};
/* Reads them: a few preads on files kept open. Returns 0 or -errno. */
int cgroup_sample(struct cgroup *, struct cgroup_sample *);
/* 1 if any process is in the slot, 0 if none, or -errno. */
int cgroup_populated(struct cgroup *);
/* Kills what is left (waiting a second at most), removes the slot. */
void cgroup_free(struct cgroup *);

#endif
