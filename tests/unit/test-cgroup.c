/*
 * Unit tests of the per-job cgroups. Against fake trees in a temp dir,
 * where the test plays the kernel (it makes a slot's files after the
 * module's mkdir and moves the counters): v2 detection, controllers,
 * limits, stats, killing, the peak of kernels before 6.12, stale
 * instances and errors; v1 detection with co-mounted hierarchies. Then,
 * as root on the real cgroupfs of the host, jobs that are OOM-killed,
 * hit pids.max, escape by forking, and burn CPU.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fakefs.h"
#include "tap.h"
#include "../../src/cgroup.h"
#include "../../src/files.h"
#include "../../src/xmalloc.h"

static char tmp[] = "/tmp/wf-cgtest-XXXXXX";

static void
skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

/* The files a kernel makes in a new v2 cgroup. */
static void
v2_files(const char *path, int with_kill)
{
	char dir[1024];

	/* path may be one of P's buffers, which the calls below reuse. */
	snprintf(dir, sizeof dir, "%s", path);
	put(P("%s/cgroup.procs", dir), "");
	put(P("%s/cgroup.controllers", dir), "cpuset memory pids\n");
	put(P("%s/cgroup.subtree_control", dir), "");
	put(P("%s/cgroup.events", dir), "populated 0\nfrozen 0\n");
	put(P("%s/cgroup.freeze", dir), "0\n");
	if (with_kill)
		put(P("%s/cgroup.kill", dir), "");
	put(P("%s/cpu.stat", dir),
	    "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
	put(P("%s/cpuset.cpus", dir), "\n");
	put(P("%s/memory.max", dir), "max\n");
	put(P("%s/memory.swap.max", dir), "max\n");
	put(P("%s/memory.peak", dir), "0\n");
	put(P("%s/memory.events", dir),
	    "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
	put(P("%s/pids.max", dir), "max\n");
}

/* A fake v2 root as a kernel with cpuset cpu io memory pids has it. */
static void
v2_root(const char *path, const char *controllers)
{
	char root[1024];

	snprintf(root, sizeof root, "%s", path);
	mkdir_p(root);
	put(P("%s/cgroup.controllers", root), controllers);
	put(P("%s/cgroup.subtree_control", root), "");
	put(P("%s/cgroup.procs", root), "1\n");
	put(P("%s/cpu.stat", root), "usage_usec 5\n");
}

/* A pid that is surely dead: a child of ours, reaped. */
static pid_t
dead_pid(void)
{
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/*
 * Makes path unwritable even to us (root has to use the immutable flag),
 * to play a kernel whose memory.peak is read-only. 0 or -1.
 */
static int
readonly(const char *path, int on)
{
	int fd, flags, r;

	if (geteuid() != 0)
		return chmod(path, on ? 0444 : 0644);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
	if (r == 0) {
		flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
		r = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	return r;
}

/* Forks a "kernel" that empties the slot once cgroup.kill says 1. */
static pid_t
kernel_kill_responder(const char *slot)
{
	pid_t pid;
	int i;

	fflush(stdout);
	if ((pid = fork()) != 0)
		return pid;
	for (i = 0; i < 2000; i++) {
		if (strcmp(get(P("%s/cgroup.kill", slot)), "1") == 0) {
			put(P("%s/cgroup.events", slot),
			    "populated 0\nfrozen 0\n");
			_exit(0);
		}
		usleep(1000);
	}
	_exit(1);
}

static void
test_v2_errors(void)
{
	struct cgroup_sys *s = NULL;
	char *why = NULL;
	int r;

	r = cgroup_sys_open(P("%s/nowhere", tmp), "0::/\n", &s, &why);
	is_int(r, -ENOENT, "v2 errors: no root");
	ok(s == NULL && contains(why, "no cgroup filesystem at"),
	    "v2 errors: says no cgroup filesystem (%s)", why ? why : "");
	free(why);
	why = NULL;

	mkdir_p(P("%s/empty", tmp));
	r = cgroup_sys_open(P("%s/empty", tmp), "0::/\n", &s, &why);
	is_int(r, -ENOENT, "v2 errors: neither v1 nor v2 in a directory");
	ok(contains(why, "no cgroup filesystem at"), "v2 errors: why (%s)",
	    why ? why : "");
	free(why);
	why = NULL;

	/* A hybrid host's /sys/fs/cgroup/unified: no controllers. */
	v2_root(P("%s/unified", tmp), "");
	r = cgroup_sys_open(P("%s/unified", tmp), "0::/\n", &s, &why);
	is_int(r, -ENOTSUP, "v2 errors: empty cgroup.controllers");
	ok(contains(why, "without controllers") && contains(why, "cgroup v1"),
	    "v2 errors: says why (%s)", why ? why : "");
	free(why);
	why = NULL;

	v2_root(P("%s/ioonly", tmp), "cpu io\n");
	r = cgroup_sys_open(P("%s/ioonly", tmp), "0::/\n", &s, &why);
	is_int(r, -ENOTSUP, "v2 errors: only cpu and io");
	ok(contains(why, "none of cpuset, memory, pids") &&
		contains(why, "\"cpu io\""),
	    "v2 errors: names what there is (%s)", why ? why : "");
	free(why);
}

/* Not root: the fake root stays root's, opened as nobody. */
static void
test_not_root(void)
{
	struct cgroup_sys *s = NULL;
	char *why = NULL, buf[256] = "", root[512];
	int fds[2], r = 0, status;
	pid_t pid;
	ssize_t n;

	snprintf(root, sizeof root, "%s/ro", tmp);
	v2_root(root, "cpuset memory pids\n");
	if (geteuid() != 0) {
		chmod(root, 0555);
		r = cgroup_sys_open(root, "0::/\n", &s, &why);
		snprintf(buf, sizeof buf, "%s", why ? why : "");
		free(why);
		chmod(root, 0755);
	} else {
		chmod(tmp, 0755);
		if (pipe(fds) != 0)
			exit(1);
		fflush(stdout);
		if ((pid = fork()) == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(1);
			r = cgroup_sys_open(root, "0::/\n", &s, &why);
			n = write(fds[1], &r, sizeof r);
			if (why != NULL)
				n = write(fds[1], why, strlen(why));
			_exit(n < 0);
		}
		close(fds[1]);
		n = read(fds[0], &r, sizeof r);
		if (n == sizeof r &&
		    (n = read(fds[0], buf, sizeof buf - 1)) > 0)
			buf[n] = '\0';
		close(fds[0]);
		waitpid(pid, &status, 0);
		chmod(tmp, 0700);
	}
	is_int(r, -EACCES, "not root: -EACCES");
	ok(contains(buf, "not root") && contains(buf, root),
	    "not root: says so (%s)", buf);
}

static void
test_v2(void)
{
	const char *inst, *slot, *const *files;
	const char *self = "0::/user.slice/session-1.scope\n";
	struct cgroup_sys *s = NULL;
	struct cgroup *cg = NULL;
	struct cgroup_stats st;
	pid_t me = getpid(), dead = dead_pid(), kernel;
	char *why = NULL, *text, root[256], instbuf[512], slotbuf[1024];
	int r, status;

	snprintf(root, sizeof root, "%s/v2", tmp);
	v2_root(root, "cpuset cpu io memory pids\n");
	mkdir_p(P("%s/user.slice/session-1.scope", root));
	v2_files(P("%s/user.slice/session-1.scope", root), 1);
	/* Leftovers: a dead engine's, a live one's, and strangers. */
	mkdir_p(P("%s/wayfinder-%d/slot0", root, (int)dead));
	v2_files(P("%s/wayfinder-%d/slot0", root, (int)dead), 1);
	v2_files(P("%s/wayfinder-%d", root, (int)dead), 1);
	mkdir_p(P("%s/wayfinder-1/slot0", root));
	mkdir_p(P("%s/wayfinder-x", root));
	mkdir_p(P("%s/other-%d", root, (int)dead));

	r = cgroup_sys_open(root, self, &s, &why);
	if (!is_int(r, 0, "v2: opens"))
		diag("%s", why ? why : "");
	if (r != 0)
		return;
	is_int(cgroup_sys_version(s), 2, "v2: version");
	ok(cgroup_sys_has(s, "cpuset") && cgroup_sys_has(s, "memory") &&
		cgroup_sys_has(s, "pids") && cgroup_sys_has(s, "cpu") &&
		!cgroup_sys_has(s, "io") && !cgroup_sys_has(s, "bogus"),
	    "v2: features");
	ok(cgroup_sys_has(s, "kill"),
	    "v2: cgroup.kill seen in our own cgroup before any instance");
	text = cgroup_sys_describe(s);
	is_str(text, "cgroup v2: cpuset memory pids cpu.stat cgroup.kill",
	    "v2: describe");
	free(text);

	r = cgroup_new(s, "slot0", &cg, &why);
	ok(r == -EINVAL && contains(why, "no cgroup instance"),
	    "v2: no slot before the instance (%s)", why ? why : "");
	free(why);
	why = NULL;
	is_int(cgroup_instance(s, "a/b", &why), -EINVAL, "v2: bad name");
	free(why);
	why = NULL;

	/* The kernel makes the instance's files; we make them first. */
	snprintf(instbuf, sizeof instbuf, "%s/wayfinder-%d", root, (int)me);
	inst = instbuf;
	mkdir_p(inst);
	v2_files(inst, 1);
	r = cgroup_instance(s, P("wayfinder-%d", (int)me), &why);
	if (!is_int(r, 0, "v2: instance"))
		diag("%s", why ? why : "");
	is_str(get(P("%s/cgroup.subtree_control", root)),
	    "+cpuset +memory +pids", "v2: controllers enabled in the root");
	is_str(get(P("%s/cgroup.subtree_control", inst)),
	    "+cpuset +memory +pids", "v2: and in the instance");
	ok(!isdir(P("%s/wayfinder-%d", root, (int)dead)),
	    "v2: a dead engine's instance is removed with its slot");
	ok(isdir(P("%s/wayfinder-1/slot0", root)) &&
		isdir(P("%s/wayfinder-x", root)) &&
		isdir(P("%s/other-%d", root, (int)dead)),
	    "v2: a live engine's and strangers' stay");
	is_int(cgroup_instance(s, "again-1", &why), -EEXIST,
	    "v2: one instance only");
	free(why);
	why = NULL;

	r = cgroup_new(s, "slot0", &cg, &why);
	if (!is_int(r, 0, "v2: slot"))
		diag("%s", why ? why : "");
	if (r != 0)
		goto out;
	snprintf(slotbuf, sizeof slotbuf, "%s/slot0", inst);
	slot = slotbuf;
	ok(isdir(slot), "v2: slot directory made");
	v2_files(slot, 1);
	files = cgroup_procs_files(cg);
	ok(files[0] != NULL &&
		strcmp(files[0], P("%s/cgroup.procs", slot)) == 0 &&
		files[1] == NULL,
	    "v2: one cgroup.procs to join");

	is_int(cgroup_configure(cg, "0-1", 64 << 20, 16), 0, "v2: configure");
	ok(strcmp(get(P("%s/cpuset.cpus", slot)), "0-1") == 0 &&
		strcmp(get(P("%s/memory.max", slot)), "67108864") == 0 &&
		strcmp(get(P("%s/memory.swap.max", slot)), "0") == 0 &&
		strcmp(get(P("%s/pids.max", slot)), "16") == 0,
	    "v2: limits written");
	put(P("%s/memory.max", slot), "untouched\n");
	cgroup_configure(cg, "0-1", 64 << 20, 32);
	ok(strcmp(get(P("%s/memory.max", slot)), "untouched") == 0 &&
		strcmp(get(P("%s/pids.max", slot)), "32") == 0,
	    "v2: only what changed is written again");
	is_int(cgroup_configure(cg, NULL, 0, 0), 0, "v2: configure no limits");
	ok(strcmp(get(P("%s/cpuset.cpus", slot)), "") == 0 &&
		strcmp(get(P("%s/memory.max", slot)), "max") == 0 &&
		strcmp(get(P("%s/memory.swap.max", slot)), "max") == 0 &&
		strcmp(get(P("%s/pids.max", slot)), "max") == 0,
	    "v2: no limits written as max and an inherited cpuset");
	is_int(cgroup_configure(cg, "2", 1 << 30, 100), 0, "v2: configure");
	is_int(cgroup_join(cg, 4321), 0, "v2: join");
	is_str(get(P("%s/cgroup.procs", slot)), "4321", "v2: pid written");

	/* A job. */
	put(P("%s/cpu.stat", slot), "usage_usec 1000\nuser_usec 800\n");
	put(P("%s/memory.events", slot),
	    "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\noom_group_kill 0\n");
	put(P("%s/memory.peak", slot), "99999999\n");
	is_int(cgroup_job_begin(cg), 0, "v2: job begins");
	ok(strncmp(get(P("%s/memory.peak", slot)), "reset", 5) == 0,
	    "v2: memory.peak reset through its fd");
	put(P("%s/cpu.stat", slot), "usage_usec 251000\nuser_usec 9\n");
	put(P("%s/memory.events", slot),
	    "low 0\nhigh 0\nmax 9\noom 4\noom_kill 5\noom_group_kill 0\n");
	put(P("%s/memory.peak", slot), "123456789\n");
	is_int(cgroup_job_end(cg, &st), 0, "v2: job ends");
	is_int((long long)st.cpu_usec, 250000, "v2: cpu delta");
	is_int((long long)st.oom_kills, 3, "v2: oom_kill delta");
	is_int((long long)st.memory_peak, 123456789, "v2: peak");

	is_int(cgroup_populated(cg), 0, "v2: not populated");
	is_int(cgroup_kill(cg, 100), 0, "v2: killing nothing");
	is_str(get(P("%s/cgroup.kill", slot)), "", "v2: and writes nothing");
	put(P("%s/cgroup.events", slot), "populated 1\nfrozen 0\n");
	is_int(cgroup_populated(cg), 1, "v2: populated");
	is_int(cgroup_kill(cg, 50), -EBUSY,
	    "v2: kill reports processes that stay");
	is_str(get(P("%s/cgroup.kill", slot)), "1", "v2: cgroup.kill written");
	put(P("%s/cgroup.kill", slot), "");
	kernel = kernel_kill_responder(slot);
	is_int(cgroup_kill(cg, 2000), 0, "v2: kill waits until empty");
	waitpid(kernel, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "v2: through cgroup.kill");

	cgroup_free(cg);
	ok(!isdir(slot), "v2: slot removed");
	cgroup_sys_close(s);
	s = NULL;
	ok(!isdir(inst), "v2: instance removed");
	ok(isdir(root), "v2: root stays");
out:
	cgroup_sys_close(s);
}

/* A kernel with cgroup.freeze but no cgroup.kill: freeze, kill, thaw. */
static void
test_v2_freeze(void)
{
	struct cgroup_sys *s = NULL;
	struct cgroup *cg = NULL;
	char *why = NULL, root[256], slot[512];
	pid_t victim;
	int r, status;

	snprintf(root, sizeof root, "%s/v2f", tmp);
	v2_root(root, "cpuset memory pids\n");
	mkdir_p(P("%s/wf-%d", root, (int)getpid()));
	v2_files(P("%s/wf-%d", root, (int)getpid()), 0);
	r = cgroup_sys_open(root, "0::/\n", &s, &why);
	if (r == 0)
		r = cgroup_instance(s, P("wf-%d", (int)getpid()), &why);
	if (r == 0)
		r = cgroup_new(s, "s", &cg, &why);
	if (!is_int(r, 0, "v2 freeze: a slot")) {
		diag("%s", why ? why : "");
		free(why);
		cgroup_sys_close(s);
		return;
	}
	ok(cgroup_sys_has(s, "kill"), "v2 freeze: kill by freezing");
	snprintf(slot, sizeof slot, "%s/wf-%d/s", root, (int)getpid());
	v2_files(slot, 0);
	fflush(stdout);
	if ((victim = fork()) == 0) {
		pause();
		_exit(0);
	}
	put(P("%s/cgroup.procs", slot), P("%d\n", (int)victim));
	put(P("%s/cgroup.events", slot), "populated 1\nfrozen 1\n");
	r = cgroup_kill(cg, 100);
	waitpid(victim, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "v2 freeze: the listed process got SIGKILL");
	is_str(get(P("%s/cgroup.freeze", slot)), "0", "v2 freeze: thawed");
	is_int(r, -EBUSY, "v2 freeze: the fake stays populated");
	put(P("%s/cgroup.procs", slot), "");
	put(P("%s/cgroup.events", slot), "populated 0\nfrozen 0\n");
	cgroup_free(cg);
	cgroup_sys_close(s);
	ok(!isdir(P("%s/wf-%d", root, (int)getpid())), "v2 freeze: removed");
}

/*
 * Before Linux 6.12 memory.peak cannot be reset: the slot is made anew
 * when empty, and otherwise a peak counts only when it is a new high.
 */
static void
test_v2_old_peak(void)
{
	struct cgroup_sys *s = NULL;
	struct cgroup *cg = NULL;
	struct cgroup_stats st;
	char *why = NULL, root[256], slot[512], peak[1024];
	int r, fd = -1;

	snprintf(root, sizeof root, "%s/v2p", tmp);
	v2_root(root, "memory pids\n");
	mkdir_p(P("%s/wf-%d", root, (int)getpid()));
	v2_files(P("%s/wf-%d", root, (int)getpid()), 1);
	r = cgroup_sys_open(root, "0::/\n", &s, &why);
	if (r == 0)
		r = cgroup_instance(s, P("wf-%d", (int)getpid()), &why);
	if (r == 0)
		r = cgroup_new(s, "s", &cg, &why);
	if (!is_int(r, 0, "old peak: a slot")) {
		diag("%s", why ? why : "");
		free(why);
		cgroup_sys_close(s);
		return;
	}
	snprintf(slot, sizeof slot, "%s/wf-%d/s", root, (int)getpid());
	snprintf(peak, sizeof peak, "%s/memory.peak", slot);
	v2_files(slot, 1);
	if (readonly(peak, 1) != 0 || (fd = open(peak, O_RDWR)) >= 0 ||
	    errno == ENOENT) {
		if (fd >= 0)
			close(fd);
		readonly(peak, 0);
		skip("cannot make a read-only memory.peak here");
		goto out;
	}
	is_int(cgroup_configure(cg, NULL, 1 << 20, 0), 0,
	    "old peak: configure");
	is_int(cgroup_job_begin(cg), 0, "old peak: job A begins");
	readonly(peak, 0);
	is_str(get(peak), "0", "old peak: nothing written to memory.peak");
	put(peak, "5000\n");
	is_int(cgroup_job_end(cg, &st), 0, "old peak: job A ends");
	is_int((long long)st.memory_peak, 5000,
	    "old peak: a fresh slot's peak is the job's");
	ok(isdir(slot) && strcmp(get(P("%s/memory.max", slot)), "(none)") == 0,
	    "old peak: the empty slot was made anew");

	/* The kernel's files of the new directory. */
	v2_files(slot, 1);
	readonly(peak, 1);
	is_int(cgroup_job_begin(cg), 0, "old peak: job B begins");
	readonly(peak, 0);
	is_str(get(P("%s/memory.max", slot)), "1048576",
	    "old peak: limits written again");
	put(peak, "3000\n");
	/* A process stays behind: the slot cannot be made anew. */
	put(P("%s/cgroup.events", slot), "populated 1\nfrozen 0\n");
	is_int(cgroup_job_end(cg, &st), 0, "old peak: job B ends");
	is_int((long long)st.memory_peak, 3000, "old peak: B's peak");
	ok(strcmp(get(P("%s/memory.max", slot)), "1048576") == 0,
	    "old peak: a populated slot is kept");
	cgroup_job_begin(cg);
	cgroup_job_end(cg, &st);
	is_int((long long)st.memory_peak, 0,
	    "old peak: unknown when no higher than before");
	cgroup_job_begin(cg);
	put(peak, "4000\n");
	cgroup_job_end(cg, &st);
	is_int((long long)st.memory_peak, 4000, "old peak: known when higher");
	put(P("%s/cgroup.events", slot), "populated 0\nfrozen 0\n");
out:
	cgroup_free(cg);
	cgroup_sys_close(s);
	ok(!isdir(P("%s/wf-%d", root, (int)getpid())), "old peak: removed");
}

/* v1 detection from /proc/self/cgroup, co-mounts, and the v1 files. */
static void
test_v1_fake(void)
{
	const char *const *files;
	const char *self = "9:name=systemd:/\n"
			   "8:pids,freezer:/\n"
			   "4:memory:/a/b\n"
			   "2:cpu,cpuacct:/\n"
			   "0::/\n";
	struct cgroup_sys *s = NULL;
	struct cgroup *cg = NULL;
	struct cgroup_stats st;
	char *why = NULL, *text, root[256], mem[512];
	int r, n;

	snprintf(root, sizeof root, "%s/v1", tmp);
	mkdir_p(P("%s/memory/a/b", root));
	put(P("%s/memory/cgroup.procs", root), "");
	put(P("%s/memory/a/b/cgroup.procs", root), "");
	put(P("%s/memory/a/b/memory.memsw.limit_in_bytes", root), "-1\n");
	mkdir_p(P("%s/pids,freezer", root));
	put(P("%s/pids,freezer/cgroup.procs", root), "");
	mkdir_p(P("%s/cpu,cpuacct", root));
	put(P("%s/cpu,cpuacct/cgroup.procs", root), "");
	if (symlink("pids,freezer", P("%s/pids", root)) != 0 ||
	    symlink("pids,freezer", P("%s/freezer", root)) != 0 ||
	    symlink("cpu,cpuacct", P("%s/cpu", root)) != 0 ||
	    symlink("cpu,cpuacct", P("%s/cpuacct", root)) != 0)
		diag("symlink: %s", strerror(errno));

	r = cgroup_sys_open(root, self, &s, &why);
	if (!is_int(r, 0, "v1 fake: opens")) {
		diag("%s", why ? why : "");
		free(why);
		return;
	}
	is_int(cgroup_sys_version(s), 1, "v1 fake: version");
	ok(!cgroup_sys_has(s, "cpuset") && cgroup_sys_has(s, "memory") &&
		cgroup_sys_has(s, "pids") && cgroup_sys_has(s, "cpu") &&
		cgroup_sys_has(s, "kill"),
	    "v1 fake: features of the hierarchies we are in");
	text = cgroup_sys_describe(s);
	is_str(text, "cgroup v1: memory pids cpuacct freezer",
	    "v1 fake: describe");
	free(text);
	r = cgroup_instance(s, P("wf-%d", (int)getpid()), &why);
	is_int(r, 0, "v1 fake: instance");
	snprintf(mem, sizeof mem, "%s/memory/a/b/wf-%d", root, (int)getpid());
	ok(isdir(mem), "v1 fake: below our own memory cgroup");
	r = cgroup_new(s, "s", &cg, &why);
	if (!is_int(r, 0, "v1 fake: slot")) {
		diag("%s", why ? why : "");
		free(why);
		cgroup_sys_close(s);
		return;
	}
	files = cgroup_procs_files(cg);
	for (n = 0; files[n] != NULL; n++)
		diag("joins through %s", files[n]);
	is_int(n, 3, "v1 fake: co-mounted hierarchies joined once");
	ok(n == 3 && strcmp(files[0], P("%s/s/cgroup.procs", mem)) == 0 &&
		strcmp(files[1],
		    P("%s/pids/wf-%d/s/cgroup.procs", root, (int)getpid())) ==
		    0 &&
		strcmp(files[2],
		    P("%s/cpuacct/wf-%d/s/cgroup.procs", root,
			(int)getpid())) == 0,
	    "v1 fake: the procs files");

	put(P("%s/s/cgroup.procs", mem), "");
	put(P("%s/s/memory.limit_in_bytes", mem), "9223372036854771712\n");
	put(P("%s/s/memory.memsw.limit_in_bytes", mem),
	    "9223372036854771712\n");
	put(P("%s/s/memory.max_usage_in_bytes", mem), "7\n");
	put(P("%s/s/memory.oom_control", mem),
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
	put(P("%s/pids/wf-%d/s/cgroup.procs", root, (int)getpid()), "");
	put(P("%s/pids/wf-%d/s/pids.max", root, (int)getpid()), "max\n");
	put(P("%s/cpuacct/wf-%d/s/cgroup.procs", root, (int)getpid()), "");
	put(P("%s/cpuacct/wf-%d/s/cpuacct.usage", root, (int)getpid()),
	    "1000000\n");
	is_int(cgroup_configure(cg, "0", 64 << 20, 16), 0,
	    "v1 fake: configure");
	ok(strcmp(get(P("%s/s/memory.limit_in_bytes", mem)), "67108864") == 0 &&
		strcmp(get(P("%s/s/memory.memsw.limit_in_bytes", mem)),
		    "67108864") == 0 &&
		strcmp(get(P("%s/pids/wf-%d/s/pids.max", root, (int)getpid())),
		    "16") == 0,
	    "v1 fake: memory, memory+swap and pids limits");
	is_int(cgroup_job_begin(cg), 0, "v1 fake: job begins");
	is_str(get(P("%s/s/memory.max_usage_in_bytes", mem)), "0",
	    "v1 fake: max usage reset");
	put(P("%s/cpuacct/wf-%d/s/cpuacct.usage", root, (int)getpid()),
	    "3000999\n");
	put(P("%s/s/memory.oom_control", mem),
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
	put(P("%s/s/memory.max_usage_in_bytes", mem), "5555\n");
	is_int(cgroup_job_end(cg, &st), 0, "v1 fake: job ends");
	ok(st.cpu_usec == 2000 && st.oom_kills == 1 && st.memory_peak == 5555,
	    "v1 fake: stats (cpu %llu us, oom %llu, peak %llu)",
	    (unsigned long long)st.cpu_usec, (unsigned long long)st.oom_kills,
	    (unsigned long long)st.memory_peak);
	is_int(cgroup_populated(cg), 0, "v1 fake: not populated");
	put(P("%s/s/cgroup.procs", mem), "123\n");
	is_int(cgroup_populated(cg), 1, "v1 fake: populated");
	put(P("%s/s/cgroup.procs", mem), "");
	cgroup_free(cg);
	cgroup_sys_close(s);
	ok(!isdir(mem) && !isdir(P("%s/pids/wf-%d", root, (int)getpid())) &&
		!isdir(P("%s/cpuacct/wf-%d", root, (int)getpid())),
	    "v1 fake: all removed");
}

/*
 * The real thing. A child joins the slot, tells the parent through a
 * pipe (the int join result), then runs fn, which may write more.
 */
static pid_t
spawn(struct cgroup *cg, void (*fn)(int), int *rfd)
{
	int fds[2], r = -1;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		r = cgroup_join(cg, 0);
		if (write(fds[1], &r, sizeof r) != sizeof r || r != 0)
			_exit(2);
		fn(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &r, sizeof r) != sizeof r || r != 0) {
		diag("the child could not join: %s", strerror(-r));
		close(fds[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	*rfd = fds[0];
	return pid;
}

static void
child_hog(int fd)
{
	size_t len = 200 << 20, i;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(3);
	for (i = 0; i < len; i += 4096)
		p[i] = 1;
	_exit(0);
}

static void
child_forks(int fd)
{
	int made = 0, again = 0, i;
	pid_t pid;

	for (i = 0; i < 100; i++) {
		if ((pid = fork()) == 0) {
			pause();
			_exit(0);
		}
		if (pid > 0)
			made++;
		else if (errno == EAGAIN)
			again++;
	}
	if (write(fd, &made, sizeof made) < 0 ||
	    write(fd, &again, sizeof again) < 0)
		_exit(4);
	pause();
}

/* Sleepers, some double-forked into a new session, and a hopper that
 * keeps forking and exiting, changing its pid all the time. */
static void
child_escapes(int fd)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (fork() != 0)
			continue;
		if (i % 2 == 1) {
			setsid();
			if (fork() == 0)
				pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	if (fork() == 0) {
		for (;;) {
			if (fork() > 0)
				_exit(0);
			usleep(200);
		}
	}
	if (write(fd, "r", 1) < 0)
		_exit(4);
	pause();
}

static void
child_burn(int fd)
{
	struct timespec ts;
	cpu_set_t set;
	int info[2];
	volatile unsigned long x = 0;

	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < 300);
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof set, &set);
	info[0] = CPU_COUNT(&set);
	info[1] = CPU_ISSET(0, &set);
	if (write(fd, info, sizeof info) < 0)
		_exit(4);
}

static int
count_pids(const char *procs)
{
	char *text = files_read(procs, NULL), *p, *end;
	int n = 0;

	for (p = text; p != NULL; p = end) {
		strtol(p, &end, 10);
		if (end == p)
			break;
		n++;
	}
	free(text);
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_real(void)
{
	struct cgroup_sys *s = NULL;
	struct cgroup *cg = NULL;
	struct cgroup_stats st;
	const char *const *files;
	char *why = NULL, *text, *insts[8];
	int r, fd, status, made, again, info[2], n, ninst, i, gone;
	uint64_t limit = 64 << 20;
	double t0, dt;
	pid_t pid;
	char c;

	if (geteuid() != 0) {
		skip("real cgroups: not root");
		return;
	}
	r = cgroup_sys_open("/sys/fs/cgroup", NULL, &s, &why);
	if (r != 0) {
		skip(P("real cgroups: %s", why ? why : strerror(-r)));
		free(why);
		return;
	}
	text = cgroup_sys_describe(s);
	diag("host: %s", text);
	free(text);
	if (!cgroup_sys_has(s, "memory") || !cgroup_sys_has(s, "pids") ||
	    !cgroup_sys_has(s, "cpu")) {
		skip("real cgroups: need memory, pids and cpu accounting");
		cgroup_sys_close(s);
		return;
	}
	r = cgroup_instance(s, P("wftest-%d", (int)getpid()), &why);
	if (!is_int(r, 0, "real: instance") ||
	    !is_int(r = cgroup_new(s, "slot0", &cg, &why), 0, "real: slot")) {
		diag("%s", why ? why : "");
		free(why);
		cgroup_sys_close(s);
		return;
	}
	files = cgroup_procs_files(cg);
	for (ninst = 0; files[ninst] != NULL && ninst < 8; ninst++) {
		/* .../<instance>/slot0/cgroup.procs */
		insts[ninst] = xstrdup(files[ninst]);
		*strrchr(insts[ninst], '/') = '\0';
		*strrchr(insts[ninst], '/') = '\0';
		diag("instance in %s", insts[ninst]);
	}
	is_int(cgroup_configure(cg, "0", limit, 16), 0, "real: configure");

	/* OOM. */
	cgroup_job_begin(cg);
	pid = spawn(cg, child_hog, &fd);
	ok(pid > 0, "real oom: child joined");
	if (pid > 0) {
		waitpid(pid, &status, 0);
		close(fd);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "real oom: the 200 MB child was killed (status %#x)",
		    status);
	}
	is_int(cgroup_job_end(cg, &st), 0, "real oom: job ends");
	ok(st.oom_kills >= 1, "real oom: oom_kills %llu",
	    (unsigned long long)st.oom_kills);
	ok(st.memory_peak >= limit * 3 / 4 &&
		st.memory_peak <= limit + (1 << 20),
	    "real oom: peak %llu near the limit %llu",
	    (unsigned long long)st.memory_peak, (unsigned long long)limit);

	/* pids.max. */
	cgroup_job_begin(cg);
	pid = spawn(cg, child_forks, &fd);
	ok(pid > 0, "real pids: child joined");
	if (pid > 0) {
		made = again = -1;
		if (read(fd, &made, sizeof made) != sizeof made ||
		    read(fd, &again, sizeof again) != sizeof again)
			diag("no report from the forking child");
		close(fd);
		ok(made >= 0 && made <= 15 && again == 100 - made,
		    "real pids: %d forks made, %d failed with EAGAIN", made,
		    again);
		n = count_pids(files[0]);
		ok(n == made + 1 && n <= 16, "real pids: %d processes in", n);
		is_int(cgroup_populated(cg), 1, "real pids: populated");
		is_int(cgroup_kill(cg, 5000), 0, "real pids: killed");
		waitpid(pid, &status, 0);
		is_int(cgroup_populated(cg), 0, "real pids: empty");
	}
	cgroup_job_end(cg, &st);

	/* Escapes. */
	is_int(cgroup_configure(cg, "0", limit, 64), 0, "real: reconfigure");
	cgroup_job_begin(cg);
	pid = spawn(cg, child_escapes, &fd);
	ok(pid > 0, "real escape: child joined");
	if (pid > 0) {
		if (read(fd, &c, 1) != 1)
			diag("no report from the escaping child");
		close(fd);
		usleep(50000);
		diag("%d processes in the slot", count_pids(files[0]));
		is_int(cgroup_populated(cg), 1, "real escape: populated");
		t0 = now();
		r = cgroup_kill(cg, 5000);
		dt = now() - t0;
		is_int(r, 0, "real escape: killed");
		ok(dt < 1.0, "real escape: in %.1f ms", dt * 1000);
		is_int(cgroup_populated(cg), 0, "real escape: none left");
		waitpid(pid, &status, 0);
	}
	cgroup_job_end(cg, &st);
	t0 = now();
	is_int(cgroup_kill(cg, 5000), 0, "real: killing an empty slot");
	ok(now() - t0 < 0.01, "real: at once");

	/* CPU time and the cpuset. */
	cgroup_job_begin(cg);
	pid = spawn(cg, child_burn, &fd);
	ok(pid > 0, "real cpu: child joined");
	if (pid > 0) {
		info[0] = info[1] = -1;
		if (read(fd, info, sizeof info) != sizeof info)
			diag("no report from the burning child");
		close(fd);
		waitpid(pid, &status, 0);
		if (cgroup_sys_has(s, "cpuset"))
			ok(info[0] == 1 && info[1] == 1,
			    "real cpu: confined to CPU 0 (%d CPUs)", info[0]);
		else
			skip("real cpu: no cpuset controller");
	}
	is_int(cgroup_job_end(cg, &st), 0, "real cpu: job ends");
	ok(st.cpu_usec >= 250000 && st.cpu_usec < 5000000,
	    "real cpu: %llu us of CPU", (unsigned long long)st.cpu_usec);
	is_int((long long)st.oom_kills, 0, "real cpu: no OOM in this job");
	/* v1 keeps limit <= memory+swap limit: raising goes memsw first. */
	is_int(cgroup_configure(cg, NULL, 0, 0), 0, "real: limits lifted");
	is_int(cgroup_configure(cg, "0", 32 << 20, 8), 0,
	    "real: and set again");

	cgroup_free(cg);
	cgroup_sys_close(s);
	for (i = gone = 0; i < ninst; i++) {
		if (!isdir(insts[i]))
			gone++;
		else
			diag("left: %s", insts[i]);
		free(insts[i]);
	}
	ok(ninst > 0 && gone == ninst,
	    "real: every directory removed (%d of %d)", gone, ninst);
}

int
main(void)
{
	if (mkdtemp(tmp) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_v2_errors();
	test_not_root();
	test_v2();
	test_v2_freeze();
	test_v2_old_peak();
	test_v1_fake();
	test_real();
	files_rmtree(tmp);
	return done_testing();
}
