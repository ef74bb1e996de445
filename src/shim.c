/*
 * wayfinder-exec: the shim every job runs through. It does what libuv
 * cannot do between fork and exec: pin the job to its CPUs, put it in its
 * sandbox (cgroups, namespaces, limits), make sure nothing it starts can
 * escape (a double-forked daemon is re-parented to the shim, not to init),
 * and report the job's exit status, resource usage and wall time on a
 * status pipe. When the job's main process ends, or the shim is asked to
 * stop (SIGTERM: a timeout or an interruption), it ends every process left
 * in the job's tree and only then exits.
 *
 * The sandbox, as root: the shim is cloned into new mount, PID, IPC and
 * UTS namespaces (and a network namespace with only loopback, when asked)
 * and is the init of its PID namespace, so the job sees only its own
 * processes and everything it leaves dies with the shim; /tmp is a
 * private tmpfs in which the job's own directories stay visible. The job
 * joins its cgroups itself, between fork and exec. Without the privilege,
 * the job runs with CPU affinity, rlimits and process-group kill only, and
 * the report says so.
 *
 * The engine starts one copy as a server (--server, a socket on fd 3)
 * and sends it each job with its log and status descriptors; the server
 * forks (or clones) a shim per job, so a job costs no exec of the shim.
 * Run by hand:
 *   wayfinder-exec [-c CPULIST] [-s FD | -w FILE] [-g GRACE_MS] [-N NS,..]
 *                  [-K DIR] [-J FILE] [-T FILE] [-A] [-C]
 *                  [-P EVENT]... [-i SAMPLE_MS]
 *                  [-B console|debugcon [-M REGEX] [-F FIFO] [-S]]
 *                  -- PROG ARGS...
 *   wayfinder-exec [-s FD | -w FILE] -R REQUEST
 * -w appends the status lines to FILE instead of a descriptor; -R reads
 * the job (directory, options, command, environment) from a file laid
 * out as a server's request (see parse_request), which is how a Slurm
 * batch job runs one: the environment is the file's, with this process's
 * own SLURM* variables. -C sets WAYFINDER_CORES, WAYFINDER_CORE_ID<i>
 * and WAYFINDER_TOTAL_CORES from the CPUs the shim may run on (when a
 * cluster's scheduler, not the engine, chose them). -P opens a counter
 * on the job itself (where the engine cannot: another node), as
 * "TYPE:CONFIG:CONFIG1:CONFIG2:EXCLUDE" in hex (perf_event_attr's fields;
 * EXCLUDE the PMU_EXCLUDE_* bits of pmu.h), or "-" for an event not to
 * count (it keeps its place in the lists); -i writes a sample of them
 * every SAMPLE_MS.
 * Lines on the status fd (a socket from the engine, which answers
 * "ready"; or a file):
 *   "node=NAME cpus=LIST"        run by hand, first: where the shim runs
 *                                ($SLURMD_NODENAME, else the host name)
 *                                and the CPUs it may use
 *   "shim=N job=0 sandbox=WHAT"  the shim's pid as the engine
 *                                sees it, and what sandbox it is in
 *   "ready pid=N"                held jobs (hold=1): the job's process,
 *                                waiting; the engine attaches counters
 *                                and writes "go\n" (or anything else:
 *                                do not run it)
 *   "ready pid=N counters=N"     with -P (no hold): the counters the
 *                                shim opened on the job before its exec
 *   "counters_missing=I:ERRNO,.." the events (by index) that could not be
 *                                opened, and why
 *   "job=N"                      the job's process group, when the engine
 *                                can signal it (no PID namespace)
 *   "sample t_ms=N counters=V,V" with -P and -i: the counts so far ("-":
 *                                not counted), every SAMPLE_MS
 *   "exit=N signal=N wall_us=N maxrss_kb=N utime_us=N stime_us=N
 *    nvcsw=N nivcsw=N minflt=N majflt=N leftover=N stopped=N
 *    [boot_us=N [boot_stopped=1]] [counters=V,V]"  the report, last
 *   "error=MESSAGE"              instead, when the job cannot run.
 * The boot monitor (boot=console: the job's standard output, teed to
 * the log; boot=debugcon: a FIFO) notes boot_us, the time from the
 * job's exec to the first output matching the marker.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <poll.h>
#include <regex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>

#include "pmu.h" /* PMU_EXCLUDE_* only: the shim links libc alone */

#define MAX_LIST 16
#define MAX_EVENTS 64

/* A counter the shim opens on its job itself (-P). */
struct shim_event {
	int set; /* 0: a placeholder, not counted */
	uint32_t type;
	uint64_t config, config1, config2;
	unsigned exclude; /* PMU_EXCLUDE_* */
};

enum { NS_MOUNT = 1, NS_PID = 2, NS_IPC = 4, NS_UTS = 8, NS_NET = 16 };

/* What a job runs with, from the request or the command line. */
struct jobopts {
	char **argv;
	char **envp;
	const char *cwd;
	const char *cpus;
	int grace_ms;
	int ns;                     /* NS_* wanted */
	const char *keep[MAX_LIST]; /* directories to keep in a private /tmp */
	size_t nkeep;
	const char *join[MAX_LIST]; /* cgroup.procs files the job joins */
	size_t njoin;
	const char *task[MAX_LIST]; /* resctrl tasks files */
	size_t ntask;
	int aslr;                             /* -1: as the host, 0: off */
	unsigned long long as_max, nproc_max; /* rlimits; 0: leave */
	int hold; /* wait for the engine's go (it attaches counters) */
	/* The boot monitor: the job's standard output (console) or a FIFO
	 * (debugcon), watched for marker (NULL: any output). */
	int boot;           /* BOOT_* */
	const char *marker; /* a POSIX extended regex */
	const char *fifo;   /* debugcon: the FIFO's path */
	int boot_stop;      /* end the job once booted */
	/* Counters the shim opens itself, and samples of them. */
	struct shim_event ev[MAX_EVENTS];
	size_t nev;
	int sample_ms; /* 0: no samples */
	int core_env;  /* WAYFINDER_CORES and co. from our affinity */
	/* A request read from a file (-R): what argv and envp point into. */
	char *req_buf;
	char **req_vec, **req_env;
};

enum { BOOT_NONE, BOOT_CONSOLE, BOOT_DEBUGCON };

static int status_fd = -1;
/* The host's /proc, kept open when a PID namespace gets its own. */
static int old_proc = -1;
extern char **environ;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
report(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	if (status_fd >= 0) {
		if (write(status_fd, line, (size_t)n) < 0) {
			/* The engine is gone; nobody to tell. */
		}
	} else
		fputs(line, stderr);
}

static int
parse_cpus(const char *list, cpu_set_t *set)
{
	const char *p = list;
	char *end;
	long a, b;

	CPU_ZERO(set);
	while (*p != '\0') {
		a = strtol(p, &end, 10);
		if (end == p || a < 0 || a >= CPU_SETSIZE)
			return -1;
		b = a;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a || b >= CPU_SETSIZE)
				return -1;
			p = end;
		}
		for (; a <= b; a++)
			CPU_SET(a, set);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return -1;
	}
	return 0;
}

static double
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Signals every process whose parent is this shim (orphans re-parented
 * here), and their process groups. Returns how many there were. */
static int
signal_children(int sig)
{
	char path[300], buf[512], *p;
	struct dirent *de;
	DIR *d;
	FILE *f;
	pid_t me = getpid(), pid, ppid;
	int n = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof buf, f) == NULL) {
			fclose(f);
			continue;
		}
		fclose(f);
		/* The command name may hold spaces: parse after its ')'. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %*c %d", &ppid) != 1 || ppid != me)
			continue;
		pid = (pid_t)strtol(de->d_name, NULL, 10);
		kill(-pid, sig); /* its group, if it leads one */
		kill(pid, sig);
		n++;
	}
	closedir(d);
	return n;
}

/* Reaps whatever has exited; returns -1 when no child is left. */
static int
reap_all(pid_t main_pid, int *main_status, int *main_done, double *end)
{
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid == 0)
			return 0;
		if (pid < 0)
			return errno == ECHILD ? -1 : 0;
		if (pid == main_pid) {
			*main_status = st;
			*main_done = 1;
			*end = mono_us();
		}
	}
}

static void
usage(void)
{
	fputs("usage: wayfinder-exec [-c CPULIST] [-s FD | -w FILE] [-g "
	      "GRACE_MS] [-N NS,...]\n       [-K DIR] [-J FILE] [-T FILE] "
	      "[-A] [-C] [-P EVENT]... [-i SAMPLE_MS]\n       [-B "
	      "console|debugcon [-M REGEX] [-F FIFO] [-S]] -- PROG "
	      "[ARGS...]\n       wayfinder-exec [-s FD | -w FILE] -R "
	      "REQUEST\n(run by wayfinder for every job; see "
	      "wayfinder(1))\n",
	    stderr);
	exit(126);
}

/* Why a job's process could not exec: written on the error pipe. */
struct failure {
	int stage;
	int err;
	int index; /* of the cgroup or resctrl file */
};

enum {
	STAGE_EXEC = 1,
	STAGE_JOIN,
	STAGE_TASK,
	STAGE_ASLR,
	STAGE_RLIMIT,
	STAGE_OUTPUT
};

static int
write_str(const char *path, const char *text)
{
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/*
 * The job's process, between fork and exec: only system calls. It joins
 * its cgroups (writing "0", itself) and resctrl group, sets its
 * personality and limits, takes the console pipe as its standard output,
 * waits for the go byte when held, then execs. A failure goes to errfd
 * (closed by a successful exec).
 */
static void __attribute__((noreturn, noinline))
job_process(const struct jobopts *o, const sigset_t *mask, int gofd, int errfd,
    int console)
{
	struct failure f = { 0, 0, 0 };
	struct rlimit rl;
	char pidtext[32], go;
	size_t i;

	/* The job leads its own process group, so the shim can signal all
	 * of it without signalling itself. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < o->njoin; i++)
		if (write_str(o->join[i], "0") != 0) {
			f.stage = STAGE_JOIN;
			f.index = (int)i;
			goto fail;
		}
	snprintf(pidtext, sizeof pidtext, "%d", (int)getpid());
	for (i = 0; i < o->ntask; i++)
		if (write_str(o->task[i], pidtext) != 0) {
			f.stage = STAGE_TASK;
			f.index = (int)i;
			goto fail;
		}
	if (o->aslr == 0 &&
	    personality(ADDR_NO_RANDOMIZE | personality(0xffffffff)) == -1) {
		f.stage = STAGE_ASLR;
		goto fail;
	}
	if (o->as_max > 0) {
		rl.rlim_cur = rl.rlim_max = o->as_max;
		if (setrlimit(RLIMIT_AS, &rl) != 0) {
			f.stage = STAGE_RLIMIT;
			goto fail;
		}
	}
	if (o->nproc_max > 0) {
		rl.rlim_cur = rl.rlim_max = o->nproc_max;
		if (setrlimit(RLIMIT_NPROC, &rl) != 0) {
			f.stage = STAGE_RLIMIT;
			goto fail;
		}
	}
	if (console >= 0 && dup2(console, 1) < 0) {
		f.stage = STAGE_OUTPUT;
		goto fail;
	}
	/* The shim ignores SIGPIPE; the job must not inherit that. */
	signal(SIGPIPE, SIG_DFL);
	/* Held: the engine attaches its counters to this process now. */
	if (gofd >= 0 && read(gofd, &go, 1) != 1)
		_exit(125); /* not to run after all */
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvpe(o->argv[0], o->argv, o->envp);
	f.stage = STAGE_EXEC;
fail:
	f.err = errno;
	if (write(errfd, &f, sizeof f) < 0) {
		/* nobody to tell */
	}
	_exit(127);
}

/* Reports why the job could not run, from its error pipe; 0 when it
 * exec'd. */
static int
spawn_failed(const struct jobopts *o, int errfd)
{
	struct failure f;
	ssize_t n;

	while ((n = read(errfd, &f, sizeof f)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof f)
		return 0;
	switch (f.stage) {
	case STAGE_JOIN:
		report("error=cannot join cgroup %s: %s\n", o->join[f.index],
		    strerror(f.err));
		break;
	case STAGE_TASK:
		report("error=cannot join resctrl group %s: %s\n",
		    o->task[f.index], strerror(f.err));
		break;
	case STAGE_ASLR:
		report("error=cannot turn ASLR off: %s\n", strerror(f.err));
		break;
	case STAGE_RLIMIT:
		report("error=cannot set the job's limits: %s\n",
		    strerror(f.err));
		break;
	case STAGE_OUTPUT:
		report("error=cannot give the job its console: %s\n",
		    strerror(f.err));
		break;
	default:
		report("error=cannot run %s: %s\n", o->argv[0],
		    strerror(f.err));
		break;
	}
	return -1;
}

/*
 * The job's process as the engine sees it (for its counters): in a PID
 * namespace, our only child as the host's /proc lists it.
 */
static pid_t
host_pid(pid_t self, pid_t pid)
{
	char path[64], text[64];
	ssize_t n;
	int fd;

	if (old_proc < 0 || self == getpid())
		return pid;
	snprintf(path, sizeof path, "%d/task/%d/children", (int)self,
	    (int)self);
	if ((fd = openat(old_proc, path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return (pid_t)atoi(text);
}

/* The descriptors of the counters the shim opened itself (-P), and how
 * many opened. */
static int counter_fd[MAX_EVENTS];
static int counters_opened;

/* Parses -P's "TYPE:CONFIG:CONFIG1:CONFIG2:EXCLUDE" (hex) or "-". */
static int
parse_event(const char *text, struct shim_event *ev)
{
	unsigned long long v[5];
	const char *p = text;
	char *end;
	int i;

	memset(ev, 0, sizeof *ev);
	if (strcmp(text, "-") == 0)
		return 0;
	for (i = 0; i < 5; i++) {
		errno = 0;
		v[i] = strtoull(p, &end, 16);
		if (end == p || errno != 0)
			return -1;
		p = end;
		if (i < 4 && *p++ != ':')
			return -1;
	}
	if (*p != '\0' || v[0] > UINT32_MAX)
		return -1;
	ev->set = 1;
	ev->type = (uint32_t)v[0];
	ev->config = v[1];
	ev->config1 = v[2];
	ev->config2 = v[3];
	ev->exclude = (unsigned)v[4];
	return 0;
}

/*
 * Opens the counters on the held job's process (before its exec: they
 * start counting at the exec, and count every process it starts), one
 * group per PMU type, as the engine's pmu_attach does. What cannot be
 * opened is reported by index and errno. Returns how many opened.
 */
static int
counters_open(const struct jobopts *o, pid_t pid)
{
	struct perf_event_attr attr;
	const struct shim_event *ev;
	char missing[1024];
	size_t i, k, len = 0;
	int group, opened = 0, n;

	missing[0] = '\0';
	for (i = 0; i < o->nev; i++) {
		counter_fd[i] = -1;
		ev = &o->ev[i];
		if (!ev->set)
			continue;
		group = -1;
		for (k = 0; k < i; k++)
			if (counter_fd[k] >= 0 && o->ev[k].type == ev->type) {
				group = counter_fd[k];
				break;
			}
		memset(&attr, 0, sizeof attr);
		attr.size = sizeof attr;
		attr.type = ev->type;
		attr.config = ev->config;
		attr.config1 = ev->config1;
		attr.config2 = ev->config2;
		attr.exclude_user = (ev->exclude & PMU_EXCLUDE_USER) != 0;
		attr.exclude_kernel = (ev->exclude & PMU_EXCLUDE_KERNEL) != 0;
		attr.exclude_hv = (ev->exclude & PMU_EXCLUDE_HV) != 0;
		attr.exclude_idle = (ev->exclude & PMU_EXCLUDE_IDLE) != 0;
		attr.exclude_host = (ev->exclude & PMU_EXCLUDE_HOST) != 0;
		attr.exclude_guest = (ev->exclude & PMU_EXCLUDE_GUEST) != 0;
		attr.disabled = 1;
		attr.enable_on_exec = 1;
		attr.inherit = 1;
		attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
		    PERF_FORMAT_TOTAL_TIME_RUNNING;
		counter_fd[i] = (int)syscall(SYS_perf_event_open, &attr, pid,
		    -1, group, PERF_FLAG_FD_CLOEXEC);
		if (counter_fd[i] < 0 && group >= 0)
			counter_fd[i] = (int)syscall(SYS_perf_event_open, &attr,
			    pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (counter_fd[i] >= 0) {
			opened++;
			continue;
		}
		n = snprintf(missing + len, sizeof missing - len, "%s%zu:%d",
		    len > 0 ? "," : "", i, errno);
		if (n > 0 && (size_t)n < sizeof missing - len)
			len += (size_t)n;
	}
	if (len > 0)
		report("counters_missing=%s\n", missing);
	counters_opened = opened;
	return opened;
}

/*
 * The counts so far, as "V,V,...": scaled by the time enabled over the
 * time running when a PMU multiplexed, "-" for an event not counted (as
 * pmu_read in the engine).
 */
static void
counters_format(const struct jobopts *o, char *out, size_t len)
{
	uint64_t v[3];
	size_t i, used = 0;
	double x;
	int n;

	out[0] = '\0';
	for (i = 0; i < o->nev; i++) {
		x = -1;
		if (counter_fd[i] >= 0 &&
		    read(counter_fd[i], v, sizeof v) == (ssize_t)sizeof v) {
			if (v[2] == 0)
				x = v[1] == 0 ? 0 : -1; /* not run yet: 0 */
			else if (v[2] < v[1])
				x = (double)v[0] *
				    ((double)v[1] / (double)v[2]);
			else
				x = (double)v[0];
		}
		if (x < 0)
			n = snprintf(out + used, len - used, "%s-",
			    i > 0 ? "," : "");
		else
			n = snprintf(out + used, len - used, "%s%.0f",
			    i > 0 ? "," : "", x);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

/*
 * The job's environment with WAYFINDER_CORES, WAYFINDER_CORE_ID<i> and
 * WAYFINDER_TOTAL_CORES (see wayfinder(1)) from the CPUs this process
 * may run on, for a job whose CPUs a cluster's scheduler chose. Returns
 * envp itself when that cannot be done; otherwise a new vector whose
 * entries from *own on are new too (free_env).
 */
static char **
with_cores(char **envp, size_t *own)
{
	cpu_set_t set;
	char **v, *list, *p;
	size_t n, k = 0, i, id = 0, total;
	int cpu;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return envp;
	total = (size_t)CPU_COUNT(&set);
	for (n = 0; envp[n] != NULL; n++)
		;
	if ((v = calloc(n + total + 3, sizeof *v)) == NULL ||
	    (list = malloc(total * 8 + 32)) == NULL) {
		free(v);
		return envp;
	}
	for (i = 0; i < n; i++) {
		p = envp[i];
		if (strncmp(p, "WAYFINDER_CORES=", 16) == 0 ||
		    strncmp(p, "WAYFINDER_TOTAL_CORES=", 22) == 0)
			continue;
		if (strncmp(p, "WAYFINDER_CORE_ID", 17) == 0 &&
		    p[17 + strspn(p + 17, "0123456789")] == '=')
			continue;
		v[k++] = p;
	}
	*own = k;
	strcpy(list, "WAYFINDER_CORES=");
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		sprintf(list + strlen(list), "%s%d", id > 0 ? " " : "", cpu);
		if ((p = malloc(48)) != NULL) {
			snprintf(p, 48, "WAYFINDER_CORE_ID%zu=%d", id, cpu);
			v[k++] = p;
		}
		id++;
	}
	v[k++] = list;
	if ((p = malloc(48)) != NULL) {
		snprintf(p, 48, "WAYFINDER_TOTAL_CORES=%zu", total);
		v[k++] = p;
	}
	v[k] = NULL;
	return v;
}

static void
free_env(char **v, size_t own)
{
	size_t i;

	for (i = own; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
 * Reads the engine's answer to "ready" on the status socket: "go" runs
 * the job. Anything else, or the engine gone, does not. Returns 0 for go.
 */
static int
wait_go(void)
{
	char line[16];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof line - 1) {
		n = read(status_fd, line + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (line[len++] == '\n')
			break;
	}
	line[len] = '\0';
	return strcmp(line, "go\n") == 0 ? 0 : -1;
}

/*
 * Starts the job: with vfork (nothing of the shim copied; the shim waits
 * the few microseconds until the job has exec'd), or, when the engine
 * attaches counters (o->hold), with fork: the job's process waits for a
 * go while the shim says "ready pid=N" and waits for the engine's go.
 * With counters of its own (-P), the shim holds the job the same way
 * while it opens them, then lets it go. *start is when the job was let
 * go. Returns the pid, or -1 after reporting why the job cannot run.
 */
static pid_t
spawn(const struct jobopts *o, const sigset_t *mask, pid_t self, int console,
    double *start)
{
	int ep[2], gp[2] = { -1, -1 }, failed;
	int held = o->hold || o->nev > 0;
	pid_t pid;

	if (pipe2(ep, O_CLOEXEC) != 0 || (held && pipe2(gp, O_CLOEXEC) != 0)) {
		report("error=pipe: %s\n", strerror(errno));
		return -1;
	}
	*start = mono_us();
	pid = held ? fork() : vfork();
	if (pid == 0)
		job_process(o, mask, gp[0], ep[1], console);
	close(ep[1]);
	if (gp[0] >= 0)
		close(gp[0]);
	if (pid < 0) {
		report("error=fork: %s\n", strerror(errno));
		close(ep[0]);
		if (gp[1] >= 0)
			close(gp[1]);
		return -1;
	}
	setpgid(pid, pid);
	if (o->nev > 0)
		counters_open(o, pid);
	if (o->hold) {
		report("ready pid=%d\n", (int)host_pid(self, pid));
		if (wait_go() != 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(gp[1]);
			close(ep[0]);
			report("error=stopped before it started\n");
			return -1;
		}
	} else if (held)
		report("ready pid=%d counters=%d\n", (int)host_pid(self, pid),
		    counters_opened);
	if (held) {
		*start = mono_us();
		if (write(gp[1], "g", 1) != 1) {
			/* It failed already: its error pipe says why. */
		}
		close(gp[1]);
	}
	failed = spawn_failed(o, ep[0]);
	close(ep[0]);
	if (failed) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

static void
on_signal(int sig)
{
	/* Never runs: the signals are blocked and taken by sigwaitinfo. An
	 * init (in a PID namespace) only receives signals it handles. */
	(void)sig;
}

/*
 * The boot monitor: reads what the guest writes (the console, teed on to
 * the job's log, or the debug port's FIFO) and notes when the marker
 * first shows, matched line by line and on a partial line (a marker may
 * come without its newline).
 */
struct monitor {
	int fd;   /* what is read: -1 when off or at its end */
	int tee;  /* where a console goes on to (the log), or -1 */
	int keep; /* a writer of the FIFO, so its reader never sees EOF */
	regex_t re;
	int have_re;
	char line[4096];
	size_t len;
	double at; /* when the marker was seen (mono_us), 0: not yet */
};

static void
monitor_match(struct monitor *m, double now)
{
	m->line[m->len] = '\0';
	if (m->at == 0 &&
	    (!m->have_re || regexec(&m->re, m->line, 0, NULL, 0) == 0))
		m->at = now;
}

/* Reads what is there: a few reads at most, so that signals are not
 * starved. Returns 0 when all was read, 1 when more may be there, or -1
 * at the end of the stream. */
static int
monitor_read(struct monitor *m, double now)
{
	char buf[4096];
	ssize_t n, k, w;
	int i;

	for (i = 0; i < 16; i++) {
		if ((n = read(m->fd, buf, sizeof buf)) < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;
		for (k = 0; m->tee >= 0 && k < n; k += w)
			if ((w = write(m->tee, buf + k, (size_t)(n - k))) <= 0)
				break; /* a full disk: the monitor goes on */
		for (k = 0; k < n && m->at == 0; k++) {
			if (buf[k] == '\n' || m->len == sizeof m->line - 1) {
				monitor_match(m, now);
				m->len = 0;
				if (buf[k] == '\n')
					continue;
			}
			m->line[m->len++] = buf[k];
		}
		if (m->len > 0)
			monitor_match(m, now);
	}
	return 1;
}

/*
 * Sets up the monitor before the job starts: the console pipe (*console
 * gets its write end, for the job's standard output) or the debug port's
 * FIFO. Returns 0, or -1 after reporting.
 */
static int
monitor_open(struct monitor *m, const struct jobopts *o, int *console)
{
	int p[2];

	memset(m, 0, sizeof *m);
	m->fd = m->tee = m->keep = *console = -1;
	if (o->boot == BOOT_NONE)
		return 0;
	if (o->marker != NULL) {
		if (regcomp(&m->re, o->marker,
			REG_EXTENDED | REG_NOSUB | REG_NEWLINE) != 0) {
			report("error=bad boot marker '%s'\n", o->marker);
			return -1;
		}
		m->have_re = 1;
	}
	if (o->boot == BOOT_CONSOLE) {
		if (pipe2(p, O_CLOEXEC) != 0) {
			report("error=pipe: %s\n", strerror(errno));
			return -1;
		}
		m->fd = p[0];
		*console = p[1];
		m->tee = 1;
	} else {
		unlink(o->fifo);
		if (o->fifo == NULL || mkfifo(o->fifo, 0600) != 0 ||
		    (m->fd = open(o->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) <
			0 ||
		    (m->keep = open(o->fifo,
			 O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
			report("error=cannot make the debug port's FIFO %s: "
			       "%s\n",
			    o->fifo != NULL ? o->fifo : "(none)",
			    strerror(errno));
			return -1;
		}
	}
	fcntl(m->fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static void
monitor_close(struct monitor *m, const struct jobopts *o, double now)
{
	if (m->fd >= 0) {
		/* What the job wrote last (the writers are gone). */
		while (monitor_read(m, now) == 1)
			;
		close(m->fd);
	}
	if (m->keep >= 0)
		close(m->keep);
	if (o->boot == BOOT_DEBUGCON && o->fifo != NULL)
		unlink(o->fifo);
	if (m->have_re)
		regfree(&m->re);
}

/*
 * Runs one job and reports on status_fd. self is the shim's pid as the
 * engine sees it; sandbox says what protections are in force. Returns
 * the exit status for the shim.
 */
static int
run_job(const struct jobopts *o, pid_t self, const char *sandbox)
{
	struct sigaction sa;
	struct rusage ru;
	struct monitor mon;
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	struct jobopts with;
	char **cores_env = NULL; /* with's environment, made here */
	size_t own = 0;
	char boot[64], counts[2048], final[2100];
	cpu_set_t cpus;
	sigset_t set, old;
	double start, end = 0, deadline = 0, now, next_sample = 0;
	pid_t pid, ppid;
	int st = 0, main_done = 0, leftover = 0, console, sfd, nfds;
	int killed = 0, stopping = 0, boot_stopped = 0, rc, wait_ms;

	/* Signals are taken synchronously, through a signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		report("error=signalfd: %s\n", strerror(errno));
		return 125;
	}

	/* If our parent dies, so does the job (it would be rerun). */
	ppid = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != ppid)
		return 125;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		report("error=cannot become a subreaper: %s\n",
		    strerror(errno));
		return 125;
	}
	if (o->cpus != NULL && *o->cpus != '\0') {
		if (parse_cpus(o->cpus, &cpus) != 0) {
			report("error=bad CPU list '%s'\n", o->cpus);
			return 125;
		}
		if (sched_setaffinity(0, sizeof cpus, &cpus) != 0) {
			report("error=cannot pin to CPUs %s: %s\n", o->cpus,
			    strerror(errno));
			return 125;
		}
	}
	if (o->core_env) {
		/* The CPUs are the cluster's choice: the job learns them
		 * from us, as it would from the engine. */
		with = *o;
		with.envp = with_cores(o->envp, &own);
		if (with.envp != o->envp)
			cores_env = with.envp;
		o = &with;
	}
	if (monitor_open(&mon, o, &console) != 0) {
		if (cores_env != NULL)
			free_env(cores_env, own);
		return 125;
	}

	/* The first line names us and the job's group as the engine sees
	 * them: in a PID namespace, the engine can only end the job
	 * through the shim, which is its init. */
	report("shim=%d job=0 sandbox=%s\n", (int)self, sandbox);
	pid = spawn(o, &old, self, console, &start);
	if (cores_env != NULL) {
		/* The job has it (vfork: it has exec'd or given up). */
		free_env(cores_env, own);
		with.envp = NULL;
	}
	if (console >= 0)
		close(console);
	if (pid < 0) {
		monitor_close(&mon, o, 0);
		return 127; /* reported */
	}
	if (self == getpid())
		report("job=%d\n", (int)pid);
	if (o->nev > 0 && o->sample_ms > 0)
		next_sample = start + o->sample_ms * 1000.0;

	/*
	 * Wait for the main process, then for anything it left behind,
	 * which gets SIGTERM and, after the grace period, SIGKILL. A stop
	 * request (SIGTERM) does the same to the main process as well, and
	 * so does a boot monitor told to stop once the guest is up.
	 */
	for (;;) {
		if (reap_all(pid, &st, &main_done, &end) < 0)
			break;
		if (mon.at != 0 && o->boot_stop && !boot_stopped &&
		    !main_done) {
			boot_stopped = 1;
			stopping = 1;
		}
		if ((stopping || main_done) && deadline == 0) {
			deadline = mono_us() + o->grace_ms * 1000.0;
			kill(-pid, SIGTERM);
			/* Left behind: what runs besides a main process
			 * that is being stopped. */
			leftover = signal_children(SIGTERM) - !main_done;
			if (leftover < 0)
				leftover = 0;
			if (o->ns & NS_PID)
				kill(-1, SIGTERM); /* the job's namespace */
		}
		if (deadline != 0 && !killed && mono_us() > deadline) {
			kill(-pid, SIGKILL);
			killed = 1;
		}
		if (deadline != 0) {
			/* Again each round: a process may fork meanwhile. In
			 * a PID namespace of the slot, kill(-1) reaches every
			 * process of it but its init and this shim: nothing
			 * the job started can have left it. */
			if (killed)
				kill(-pid, SIGKILL);
			if (killed && (o->ns & NS_PID))
				kill(-1, SIGKILL);
			signal_children(killed ? SIGKILL : SIGTERM);
		}
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		nfds = 1;
		if (mon.fd >= 0) {
			pfd[1].fd = mon.fd;
			pfd[1].events = POLLIN;
			nfds = 2;
		}
		wait_ms = deadline != 0 ? 10 : -1;
		if (next_sample != 0 && !main_done) {
			/* Our own counters' samples, when they are due. */
			now = mono_us();
			if (now >= next_sample) {
				counters_format(o, counts, sizeof counts);
				report("sample t_ms=%.0f counters=%s\n",
				    (now - start) / 1000, counts);
				next_sample += o->sample_ms * 1000.0;
				if (next_sample <= now)
					next_sample =
					    now + o->sample_ms * 1000.0;
			}
			rc = (int)((next_sample - now) / 1000) + 1;
			if (wait_ms < 0 || rc < wait_ms)
				wait_ms = rc;
		}
		rc = poll(pfd, (nfds_t)nfds, wait_ms);
		now = mono_us();
		if (rc < 0 && errno != EINTR)
			break;
		if (nfds == 2 && pfd[1].revents != 0 &&
		    monitor_read(&mon, now) < 0) {
			close(mon.fd);
			mon.fd = -1;
		}
		while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
			    si.ssi_signo == SIGHUP)
				stopping = 1;
	}
	if (!main_done)
		end = mono_us();
	monitor_close(&mon, o, end);
	close(sfd);
	getrusage(RUSAGE_CHILDREN, &ru);
	boot[0] = '\0';
	if (mon.at != 0)
		snprintf(boot, sizeof boot, " boot_us=%.0f%s", mon.at - start,
		    boot_stopped ? " boot_stopped=1" : "");
	final[0] = '\0';
	if (o->nev > 0) {
		/* Every process of the job is gone: the counts are final. */
		counters_format(o, counts, sizeof counts);
		snprintf(final, sizeof final, " counters=%s", counts);
	}
	report("exit=%d signal=%d wall_us=%.0f maxrss_kb=%ld utime_us=%ld "
	       "stime_us=%ld nvcsw=%ld nivcsw=%ld minflt=%ld majflt=%ld "
	       "leftover=%d stopped=%d%s%s\n",
	    main_done && WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	    main_done && WIFSIGNALED(st) ? WTERMSIG(st) : 0, end - start,
	    ru.ru_maxrss,
	    (long)ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec,
	    (long)ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec,
	    ru.ru_nvcsw, ru.ru_nivcsw, ru.ru_minflt, ru.ru_majflt, leftover,
	    stopping && !boot_stopped, boot, final);
	if (boot_stopped)
		return 0;
	if (main_done && WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (main_done && WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL);
}

/*
 * Our pid as the engine sees it. A procfs resolves "self" in the PID
 * namespace it was mounted for, so the host's /proc (before a new one
 * covers it, or through old_proc) gives the engine's view.
 */
static pid_t
engine_pid(void)
{
	char self[32];
	ssize_t n;

	if (old_proc >= 0)
		n = readlinkat(old_proc, "self", self, sizeof self - 1);
	else
		n = readlink("/proc/self", self, sizeof self - 1);
	if (n <= 0)
		return getpid();
	self[n] = '\0';
	return (pid_t)atoi(self);
}

/* mkdir -p inside the new /tmp. */
static void
mkdirs(const char *path)
{
	char buf[4096], *p;

	if (strlen(path) >= sizeof buf)
		return;
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

/*
 * Inside new namespaces, as their init: a private /tmp (a tmpfs) in which
 * the job's own directories under /tmp are bound back, a /proc of the new
 * PID namespace, loopback up in a new network namespace. Returns 0, or -1
 * after reporting.
 */
static int
enter_sandbox(const struct jobopts *o)
{
	char fdpath[64];
	int fds[MAX_LIST], sock;
	size_t i, n = 0;
	struct ifreq ifr;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		report("error=cannot make mounts private: %s\n",
		    strerror(errno));
		return -1;
	}
	/* Hold on to the job's directories under /tmp before covering it. */
	for (i = 0; i < o->nkeep; i++) {
		if (strncmp(o->keep[i], "/tmp/", 5) != 0)
			continue;
		if ((fds[n] = open(o->keep[i],
			 O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
			report("error=cannot keep %s: %s\n", o->keep[i],
			    strerror(errno));
			return -1;
		}
		n++;
	}
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
		"mode=1777") != 0) {
		report("error=cannot mount a private /tmp: %s\n",
		    strerror(errno));
		return -1;
	}
	for (i = n = 0; i < o->nkeep; i++) {
		if (strncmp(o->keep[i], "/tmp/", 5) != 0)
			continue;
		mkdirs(o->keep[i]);
		snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fds[n]);
		if (mount(fdpath, o->keep[i], NULL, MS_BIND | MS_REC, NULL) !=
		    0) {
			report("error=cannot keep %s in the private /tmp: %s\n",
			    o->keep[i], strerror(errno));
			return -1;
		}
		close(fds[n++]);
	}
	if ((o->ns & NS_PID) && old_proc < 0)
		old_proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if ((o->ns & NS_PID) &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		NULL) != 0) {
		report("error=cannot mount /proc: %s\n", strerror(errno));
		return -1;
	}
	if (o->ns & NS_NET) {
		if ((sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) <
		    0) {
			report("error=socket: %s\n", strerror(errno));
			return -1;
		}
		memset(&ifr, 0, sizeof ifr);
		strcpy(ifr.ifr_name, "lo");
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(sock, SIOCSIFFLAGS, &ifr);
		}
		close(sock);
	}
	return 0;
}

/* "ns:mount+pid+ipc+uts tmp:private", or "none" (no commas: it ends
 * up in CSV). */
static void
describe(char *out, size_t len, int ns, int done)
{
	static const char *const names[] = { "mount", "pid", "ipc", "uts",
		"net" };
	size_t i;

	if (!done || ns == 0) {
		snprintf(out, len, "%s", ns == 0 ? "none" : "no-namespaces");
		return;
	}
	snprintf(out, len, "ns:");
	for (i = 0; i < 5; i++)
		if (ns & (1 << i))
			snprintf(out + strlen(out), len - strlen(out), "%s%s",
			    out[strlen(out) - 1] == ':' ? "" : "+", names[i]);
	if (ns & NS_MOUNT)
		snprintf(out + strlen(out), len - strlen(out), " tmp:private");
}

/*
 * The shim of one job, in a child of the server (or of main): in_ns when
 * it was cloned into namespaces, refused the errno when that was not
 * allowed.
 */
static int
shim(struct jobopts *o, int in_ns, int refused)
{
	char sandbox[128];
	pid_t me;

	if (in_ns) {
		me = engine_pid();
		if (enter_sandbox(o) != 0)
			return 125;
	} else
		me = engine_pid();
	describe(sandbox, sizeof sandbox, o->ns, in_ns);
	if (refused != 0)
		snprintf(sandbox, sizeof sandbox, "no-namespaces(%s)",
		    refused == EPERM ? "not-permitted" : "unsupported");
	if (o->cwd != NULL && chdir(o->cwd) != 0) {
		report("error=cannot enter %s: %s\n", o->cwd, strerror(errno));
		return 125;
	}
	return run_job(o, me, sandbox);
}

/* Reads exactly len bytes; 0 on success, -1 at EOF or on error. */
static int
read_full(int fd, void *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p = (char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static int
parse_ns(const char *list)
{
	static const char *const names[] = { "mount", "pid", "ipc", "uts",
		"net" };
	const char *p = list;
	size_t i, len;
	int ns = 0;

	while (*p != '\0') {
		len = strcspn(p, ",");
		for (i = 0; i < 5; i++)
			if (strlen(names[i]) == len &&
			    strncmp(p, names[i], len) == 0)
				ns |= 1 << i;
		p += len;
		if (*p == ',')
			p++;
	}
	return ns;
}

/* Applies one "key=value" option of a request; -1 if unknown or full. */
static int
option(struct jobopts *o, const char *kv)
{
	const char *v = strchr(kv, '=');
	size_t klen;

	if (v == NULL)
		return -1;
	klen = (size_t)(v++ - kv);
#define KEY(name) (klen == strlen(name) && strncmp(kv, name, klen) == 0)
	if (KEY("cpus"))
		o->cpus = v;
	else if (KEY("grace"))
		o->grace_ms = atoi(v);
	else if (KEY("ns"))
		o->ns = parse_ns(v);
	else if (KEY("keep") && o->nkeep < MAX_LIST)
		o->keep[o->nkeep++] = v;
	else if (KEY("join") && o->njoin < MAX_LIST)
		o->join[o->njoin++] = v;
	else if (KEY("task") && o->ntask < MAX_LIST)
		o->task[o->ntask++] = v;
	else if (KEY("aslr"))
		o->aslr = atoi(v);
	else if (KEY("as"))
		o->as_max = strtoull(v, NULL, 10);
	else if (KEY("nproc"))
		o->nproc_max = strtoull(v, NULL, 10);
	else if (KEY("hold"))
		o->hold = atoi(v);
	else if (KEY("boot") && strcmp(v, "console") == 0)
		o->boot = BOOT_CONSOLE;
	else if (KEY("boot") && strcmp(v, "debugcon") == 0)
		o->boot = BOOT_DEBUGCON;
	else if (KEY("marker"))
		o->marker = v;
	else if (KEY("fifo"))
		o->fifo = v;
	else if (KEY("bootstop"))
		o->boot_stop = atoi(v);
	else if (KEY("pmu") && o->nev < MAX_EVENTS) {
		if (parse_event(v, &o->ev[o->nev]) != 0)
			return -1;
		o->nev++;
	} else if (KEY("sample"))
		o->sample_ms = atoi(v);
	else if (KEY("coreenv"))
		o->core_env = atoi(v);
	else
		return -1;
#undef KEY
	return 0;
}

/*
 * Splits a request into its NUL-terminated fields and reads them into o.
 * Layout: "2", cwd, the number of options, "key=value" options, argc,
 * argv..., envc, env... Returns the field array (o points into it), or
 * NULL if malformed.
 */
static char **
parse_request(char *buf, size_t len, struct jobopts *o)
{
	char **v = NULL, *p = buf, *end = buf + len;
	size_t n = 0, i, nopt, argc, envc;

	if (len == 0 || buf[len - 1] != '\0')
		return NULL;
	for (; p < end; p += strlen(p) + 1) {
		char **nv = realloc(v, (n + 2) * sizeof *v);

		if (nv == NULL) {
			free(v);
			return NULL;
		}
		v = nv;
		v[n++] = p;
	}
	v[n] = NULL;
	memset(o, 0, sizeof *o);
	o->aslr = -1;
	o->grace_ms = 2000;
	if (n < 3 || strcmp(v[0], "2") != 0)
		goto bad;
	o->cwd = v[1];
	nopt = strtoul(v[2], NULL, 10);
	if (3 + nopt >= n)
		goto bad;
	for (i = 0; i < nopt; i++)
		if (option(o, v[3 + i]) != 0)
			goto bad;
	i = 3 + nopt;
	argc = strtoul(v[i], NULL, 10);
	if (argc == 0 || i + 1 + argc >= n)
		goto bad;
	o->argv = v + i + 1;
	envc = strtoul(v[i + 1 + argc], NULL, 10);
	if (i + 2 + argc + envc != n)
		goto bad;
	o->argv[argc] = NULL; /* was envc, parsed above */
	o->envp = v + i + 2 + argc;
	return v;
bad:
	free(v);
	return NULL;
}

/* What a cloned child needs: its options and descriptors. */
static struct {
	struct jobopts *o;
	int sock;    /* the server's socket, to close; -1 */
	int fds[4];  /* stdin, stdout, stderr, status; -1 to keep */
	int refused; /* errno of a refused clone, 0 */
} child;

/* In the child: the job's descriptors, its own session, then the shim. */
static int
child_main(int in_ns)
{
	int i;

	signal(SIGCHLD, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (child.sock >= 0)
		close(child.sock);
	setsid();
	for (i = 0; i < 4; i++)
		if (child.fds[i] >= 0 && child.fds[i] != i)
			dup2(child.fds[i], i);
	if (child.fds[3] >= 0) {
		status_fd = 3;
		fcntl(status_fd, F_SETFD, FD_CLOEXEC);
	}
	return shim(child.o, in_ns, child.refused);
}

/*
 * Starts the shim of a job: cloned into new namespaces when the job asks
 * for them and the kernel lets us, else a plain fork (the report says
 * which). Returns the child's pid, or -1.
 */
static pid_t
start_job(struct jobopts *o, int sock, const int fds[4])
{
	int flags = 0;
	pid_t pid = -1;

	child.o = o;
	child.sock = sock;
	memcpy(child.fds, fds, sizeof child.fds);
	child.refused = 0;
	if (o->ns & NS_MOUNT)
		flags |= CLONE_NEWNS;
	if (o->ns & NS_PID)
		flags |= CLONE_NEWPID;
	if (o->ns & NS_IPC)
		flags |= CLONE_NEWIPC;
	if (o->ns & NS_UTS)
		flags |= CLONE_NEWUTS;
	if (o->ns & NS_NET)
		flags |= CLONE_NEWNET;
	/* unshare, then fork: the child is the init of the new PID
	 * namespace (we are only its parent). A plain fork, not a raw
	 * clone, keeps libc's and sanitizers' fork handlers in the loop. */
	if (flags != 0 && unshare(flags) != 0)
		child.refused = errno;
	if ((pid = fork()) == 0)
		_exit(child_main(flags != 0 && child.refused == 0));
	return pid;
}

/* The namespaces a slot server keeps for the jobs of its slot. */
static struct jobopts slot;
static char slot_sandbox[128];

static int
clean_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	size_t i, len = strlen(path);

	(void)st;
	if (f->level == 0)
		return 0; /* /tmp itself */
	/* Never a kept directory, nor one on the way to it. */
	for (i = 0; i < slot.nkeep; i++)
		if (strcmp(slot.keep[i], path) == 0 ||
		    (strncmp(slot.keep[i], path, len) == 0 &&
			slot.keep[i][len] == '/'))
			return 0;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Removes the System V IPC objects listed in a /proc/sysvipc file. */
static void
clean_ipc(const char *file, int kind)
{
	char line[512];
	FILE *f;
	int id;

	if ((f = fopen(file, "re")) == NULL)
		return;
	if (fgets(line, sizeof line, f) == NULL) { /* the header */
		fclose(f);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%*d %d", &id) != 1)
			continue;
		if (kind == 0)
			shmctl(id, IPC_RMID, NULL);
		else if (kind == 1)
			semctl(id, 0, IPC_RMID);
		else
			msgctl(id, IPC_RMID, NULL);
	}
	fclose(f);
}

/*
 * Before a job of the slot: whatever an earlier job of the slot left
 * in its namespaces goes, so each job starts as in fresh ones: every
 * process but the slot's init and us, the files in /tmp (never crossing
 * into the kept directories), and the IPC objects.
 */
static void
slot_reset(void)
{
	if (slot.ns & NS_PID)
		kill(-1, SIGKILL); /* all of the namespace but init and us */
	if (slot.ns & NS_MOUNT)
		nftw("/tmp", clean_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (slot.ns & NS_IPC) {
		clean_ipc("/proc/sysvipc/shm", 0);
		clean_ipc("/proc/sysvipc/sem", 1);
		clean_ipc("/proc/sysvipc/msg", 2);
	}
}

/*
 * Serves the jobs of a slot, one request per job on sock, each carrying
 * the job's stdout, stderr and status descriptors; each job gets a shim
 * forked in a session of its own. It never waits for them (SIGCHLD is
 * ignored, so the kernel reaps them). It ends when the engine closes the
 * socket, or dies with the engine.
 */
static int
serve(int sock)
{
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	struct jobopts o;
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint32_t hdr[2];
	char *body, **f;
	ssize_t n;
	int recv_fds[3], nfds, devnull, i;

	signal(SIGCHLD, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	for (;;) {
		memset(&msg, 0, sizeof msg);
		iov.iov_base = hdr;
		iov.iov_len = sizeof hdr;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof ctl.buf;
		n = recvmsg(sock, &msg, MSG_WAITALL | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof hdr)
			return n == 0 ? 0 : 1;
		nfds = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		     cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_RIGHTS) {
				nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) /
				    sizeof(int));
				if (nfds > 3)
					nfds = 3;
				memcpy(recv_fds, CMSG_DATA(cm),
				    (size_t)nfds * sizeof(int));
			}
		}
		if (hdr[0] != 0x57464a32 /* "WFJ2" */ || nfds != 3 ||
		    hdr[1] > (64u << 20) ||
		    (body = malloc(hdr[1] + 1)) == NULL ||
		    read_full(sock, body, hdr[1]) != 0)
			return 1; /* a broken engine: nothing sensible left */
		if ((f = parse_request(body, hdr[1], &o)) == NULL)
			return 1;
		o.ns = slot.ns;
		if (fork() == 0) {
			close(sock);
			signal(SIGCHLD, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			setsid();
			dup2(devnull, 0);
			for (i = 0; i < 3; i++)
				dup2(recv_fds[i], i + 1);
			status_fd = 3;
			fcntl(status_fd, F_SETFD, FD_CLOEXEC);
			slot_reset();
			if (chdir(o.cwd) != 0) {
				report("error=cannot enter %s: %s\n", o.cwd,
				    strerror(errno));
				_exit(125);
			}
			_exit(run_job(&o, engine_pid(), slot_sandbox));
		}
		for (i = 0; i < 3; i++)
			close(recv_fds[i]);
		free(f);
		free(body);
	}
}

static int slot_sock;

static int
slot_init(void *arg)
{
	(void)arg;
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* with the outer server */
	if (enter_sandbox(&slot) != 0)
		_exit(125);
	_exit(serve(slot_sock));
}

/*
 * A slot server (--slot): joins the slot's cgroups once, so its jobs are
 * born in them with no migration; enters new namespaces once, as the
 * init of a new PID namespace, with a private /tmp; then serves the
 * slot's jobs, resetting those namespaces between jobs. Per job, that is
 * a fork, where namespaces and a cgroup move would cost more than the job
 * itself when jobs are short.
 */
static int
slot_server(int argc, char **argv)
{
	pid_t ppid = getppid(), pid;
	int c, flags = 0, st;
	size_t i;

	memset(&slot, 0, sizeof slot);
	while ((c = getopt(argc, argv, "+N:K:J:")) != -1) {
		switch (c) {
		case 'N':
			slot.ns = parse_ns(optarg);
			break;
		case 'K':
			if (slot.nkeep < MAX_LIST)
				slot.keep[slot.nkeep++] = optarg;
			break;
		case 'J':
			if (slot.njoin < MAX_LIST)
				slot.join[slot.njoin++] = optarg;
			break;
		default:
			return 126;
		}
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != ppid)
		return 0;
	signal(SIGINT, SIG_IGN);
	slot_sock = 3;
	fcntl(slot_sock, F_SETFD, FD_CLOEXEC);
	for (i = 0; i < slot.njoin; i++)
		if (write_str(slot.join[i], "0") != 0) {
			fprintf(stderr, "wayfinder-exec: cannot join %s: %s\n",
			    slot.join[i], strerror(errno));
			return 1;
		}
	if (slot.ns & NS_MOUNT)
		flags |= CLONE_NEWNS;
	if (slot.ns & NS_PID)
		flags |= CLONE_NEWPID;
	if (slot.ns & NS_IPC)
		flags |= CLONE_NEWIPC;
	if (slot.ns & NS_UTS)
		flags |= CLONE_NEWUTS;
	if (slot.ns & NS_NET)
		flags |= CLONE_NEWNET;
	if (flags == 0) {
		describe(slot_sandbox, sizeof slot_sandbox, 0, 0);
		return serve(slot_sock);
	}
	describe(slot_sandbox, sizeof slot_sandbox, slot.ns, 1);
	if (unshare(flags) != 0) {
		snprintf(slot_sandbox, sizeof slot_sandbox, "no-namespaces(%s)",
		    errno == EPERM ? "not-permitted" : "unsupported");
		slot.ns = 0;
		return serve(slot_sock);
	}
	/* The first child after unsharing a PID namespace is its init. */
	if ((pid = fork()) < 0)
		return 1;
	if (pid == 0)
		slot_init(NULL);
	/* The outer server only waits for the slot's init. */
	close(slot_sock);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/*
 * The first line run by hand: where we run, for a cluster's executor
 * (which learns a job's node and CPUs from it). cpus is the list the
 * job is pinned to, or NULL: the CPUs we may use.
 */
static void
report_node(const char *cpus)
{
	struct utsname u;
	cpu_set_t set;
	const char *node = getenv("SLURMD_NODENAME");
	char list[4096];
	size_t len = 0;
	int a, b, n;

	if ((node == NULL || *node == '\0') && uname(&u) == 0)
		node = u.nodename;
	list[0] = '\0';
	if (cpus != NULL && *cpus != '\0')
		snprintf(list, sizeof list, "%s", cpus);
	else if (sched_getaffinity(0, sizeof set, &set) == 0)
		for (a = 0; a < CPU_SETSIZE; a = b + 1) {
			if (!CPU_ISSET(a, &set)) {
				b = a;
				continue;
			}
			for (b = a;
			     b + 1 < CPU_SETSIZE && CPU_ISSET(b + 1, &set); b++)
				;
			n = a == b ? snprintf(list + len, sizeof list - len,
					 "%s%d", len > 0 ? "," : "", a) :
				     snprintf(list + len, sizeof list - len,
					 "%s%d-%d", len > 0 ? "," : "", a, b);
			if (n < 0 || (size_t)n >= sizeof list - len)
				break;
			len += (size_t)n;
		}
	report("node=%s cpus=%s\n", node != NULL ? node : "unknown",
	    list[0] != '\0' ? list : "none");
}

/*
 * -R: the job from a file laid out as a server's request. The job's
 * environment is the file's, but for the SLURM* variables, which are
 * this process's own (the job's allocation, not the engine's). Returns
 * 0, or -1 after reporting.
 */
static int
load_request(const char *path, struct jobopts *o)
{
	char *buf = NULL, *nb, **env;
	size_t len = 0, cap = 0, n = 0, k = 0, i;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		report("error=cannot read the job's request %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				report("error=out of memory\n");
				close(fd);
				free(buf);
				return -1;
			}
			buf = nb;
		}
		if ((got = read(fd, buf + len, cap - len)) < 0 &&
		    errno == EINTR)
			continue;
		if (got < 0) {
			report("error=cannot read the job's request %s: %s\n",
			    path, strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if ((o->req_vec = parse_request(buf, len, o)) == NULL) {
		report("error=the job's request %s is malformed\n", path);
		free(buf);
		return -1;
	}
	o->req_buf = buf;
	for (i = 0; o->envp[i] != NULL; i++)
		n++;
	for (i = 0; environ[i] != NULL; i++)
		n++;
	if ((env = calloc(n + 1, sizeof *env)) == NULL) {
		report("error=out of memory\n");
		return -1; /* main frees the rest */
	}
	for (i = 0; o->envp[i] != NULL; i++)
		if (strncmp(o->envp[i], "SLURM", 5) != 0)
			env[k++] = o->envp[i];
	for (i = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "SLURM", 5) == 0)
			env[k++] = environ[i];
	env[k] = NULL;
	o->envp = o->req_env = env;
	return 0;
}

static void
free_request(struct jobopts *o)
{
	free(o->req_env);
	free(o->req_vec);
	free(o->req_buf);
	o->req_env = o->req_vec = NULL;
	o->req_buf = NULL;
}

int
main(int argc, char **argv)
{
	struct jobopts o;
	const char *request = NULL, *status_file = NULL;
	int c, st, fds[4] = { -1, -1, -1, -1 };
	pid_t pid;

	if (argc >= 2 && strcmp(argv[1], "--slot") == 0) {
		optind = 2;
		return slot_server(argc, argv);
	}
	memset(&o, 0, sizeof o);
	o.aslr = -1;
	o.grace_ms = 2000;
	while ((c = getopt(argc, argv, "+c:s:w:R:g:N:K:J:T:AB:M:F:SCP:i:")) !=
	    -1) {
		switch (c) {
		case 'w':
			status_file = optarg;
			break;
		case 'R':
			request = optarg;
			break;
		case 'C':
			o.core_env = 1;
			break;
		case 'P':
			if (o.nev >= MAX_EVENTS ||
			    parse_event(optarg, &o.ev[o.nev]) != 0)
				usage();
			o.nev++;
			break;
		case 'i':
			o.sample_ms = atoi(optarg);
			break;
		case 'B':
			if (strcmp(optarg, "console") == 0)
				o.boot = BOOT_CONSOLE;
			else if (strcmp(optarg, "debugcon") == 0)
				o.boot = BOOT_DEBUGCON;
			else
				usage();
			break;
		case 'M':
			o.marker = optarg;
			break;
		case 'F':
			o.fifo = optarg;
			break;
		case 'S':
			o.boot_stop = 1;
			break;
		case 'c':
			o.cpus = optarg;
			break;
		case 's':
			status_fd = atoi(optarg);
			break;
		case 'g':
			o.grace_ms = atoi(optarg);
			break;
		case 'N':
			o.ns = parse_ns(optarg);
			break;
		case 'K':
			if (o.nkeep < MAX_LIST)
				o.keep[o.nkeep++] = optarg;
			break;
		case 'J':
			if (o.njoin < MAX_LIST)
				o.join[o.njoin++] = optarg;
			break;
		case 'T':
			if (o.ntask < MAX_LIST)
				o.task[o.ntask++] = optarg;
			break;
		case 'A':
			o.aslr = 0;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc && request == NULL)
		usage();
	if (status_file != NULL &&
	    (status_fd = open(status_file,
		 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		fprintf(stderr, "wayfinder-exec: %s: %s\n", status_file,
		    strerror(errno));
		return 126;
	}
	if (status_fd >= 0)
		fcntl(status_fd, F_SETFD, FD_CLOEXEC);
	o.argv = argv + optind;
	o.envp = environ;
	if (request != NULL && load_request(request, &o) != 0) {
		free_request(&o);
		return 126;
	}
	report_node(o.cpus);
	if (o.ns == 0) {
		st = shim(&o, 0, 0);
		free_request(&o);
		return st;
	}
	/* Namespaces need a child (the init of the new PID namespace);
	 * this process waits for it and passes on its status. */
	fds[3] = status_fd;
	if ((pid = start_job(&o, -1, fds)) < 0) {
		report("error=fork: %s\n", strerror(errno));
		free_request(&o);
		return 125;
	}
	c = waitpid(pid, &st, 0);
	free_request(&o);
	if (c < 0)
		return 125;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
