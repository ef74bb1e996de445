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
 *   wayfinder-exec [-c CPULIST] [-s FD] [-g GRACE_MS] [-N NS,..] [-K DIR]
 *                  [-J FILE] [-T FILE] [-A] -- PROG ARGS...
 * Lines on the status fd: "shim=N job=N sandbox=WHAT\n" once the job
 * runs (the shim's pid and the job's process group as the engine sees
 * them), then "exit=N signal=N wall_us=N maxrss_kb=N utime_us=N
 * stime_us=N leftover=N stopped=N\n", or "error=MESSAGE\n" when the job
 * cannot run.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
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
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LIST 16

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
};

static int status_fd = -1;
static volatile int exec_errno; /* set by a vfork child whose exec failed */
extern char **environ;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
report(const char *fmt, ...)
{
	char line[512];
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
	fputs("usage: wayfinder-exec [-c CPULIST] [-s FD] [-g GRACE_MS] [-N "
	      "NS,...] [-K DIR]\n       [-J FILE] [-T FILE] [-A] -- PROG "
	      "[ARGS...]\n(run by wayfinder for every job; see "
	      "wayfinder(1))\n",
	    stderr);
	exit(126);
}

/* Set by the vfork child, read by the shim after (shared memory). */
static volatile int child_errno;
static volatile int child_stage;
static const char *volatile child_what;

enum { STAGE_EXEC = 1, STAGE_JOIN, STAGE_TASK, STAGE_ASLR, STAGE_RLIMIT };

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
 * Starts the job with vfork: the shim waits (a few microseconds) until the
 * job has exec'd, and nothing of the shim is copied. Between vfork and
 * exec the child only makes system calls: it joins its cgroups (writing
 * "0", itself) and resctrl group, sets its personality and limits. It
 * reports a failure through the child_* variables, which the parent reads
 * after (the memory is shared). Its own function keeps the caller's
 * variables out of the shared frame. Returns the pid, or -1 after
 * reporting why the job cannot run.
 */
static pid_t __attribute__((noinline))
spawn(const struct jobopts *o, const sigset_t *mask)
{
	struct rlimit rl;
	char pidtext[32];
	pid_t pid;
	size_t i;

	child_errno = 0;
	child_stage = 0;
	if ((pid = vfork()) < 0) {
		report("error=fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The job leads its own process group, so the shim can
		 * signal all of it without signalling itself. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (i = 0; i < o->njoin; i++) {
			if (write_str(o->join[i], "0") != 0) {
				child_what = o->join[i];
				child_stage = STAGE_JOIN;
				goto fail;
			}
		}
		for (i = 0; i < o->ntask; i++) {
			snprintf(pidtext, sizeof pidtext, "%d", (int)getpid());
			if (write_str(o->task[i], pidtext) != 0) {
				child_what = o->task[i];
				child_stage = STAGE_TASK;
				goto fail;
			}
		}
		if (o->aslr == 0 &&
		    personality(ADDR_NO_RANDOMIZE | personality(0xffffffff)) ==
			-1) {
			child_stage = STAGE_ASLR;
			goto fail;
		}
		if (o->as_max > 0) {
			rl.rlim_cur = rl.rlim_max = o->as_max;
			if (setrlimit(RLIMIT_AS, &rl) != 0) {
				child_stage = STAGE_RLIMIT;
				goto fail;
			}
		}
		if (o->nproc_max > 0) {
			rl.rlim_cur = rl.rlim_max = o->nproc_max;
			if (setrlimit(RLIMIT_NPROC, &rl) != 0) {
				child_stage = STAGE_RLIMIT;
				goto fail;
			}
		}
		sigprocmask(SIG_SETMASK, mask, NULL);
		execvpe(o->argv[0], o->argv, o->envp);
		child_stage = STAGE_EXEC;
	fail:
		child_errno = errno;
		_exit(127);
	}
	if (child_stage != 0) {
		waitpid(pid, NULL, 0);
		switch (child_stage) {
		case STAGE_JOIN:
			report("error=cannot join cgroup %s: %s\n", child_what,
			    strerror(child_errno));
			break;
		case STAGE_TASK:
			report("error=cannot join resctrl group %s: %s\n",
			    child_what, strerror(child_errno));
			break;
		case STAGE_ASLR:
			report("error=cannot turn ASLR off: %s\n",
			    strerror(child_errno));
			break;
		case STAGE_RLIMIT:
			report("error=cannot set the job's limits: %s\n",
			    strerror(child_errno));
			break;
		default:
			report("error=cannot run %s: %s\n", o->argv[0],
			    strerror(child_errno));
			break;
		}
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
 * Runs one job and reports on status_fd. self is the shim's pid as the
 * engine sees it; sandbox says what protections are in force. Returns
 * the exit status for the shim.
 */
static int
run_job(const struct jobopts *o, pid_t self, const char *sandbox)
{
	struct sigaction sa;
	struct rusage ru;
	struct timespec tick = { 0, 10 * 1000000L };
	cpu_set_t cpus;
	sigset_t set, old;
	siginfo_t info;
	double start, end = 0, deadline = 0;
	pid_t pid, ppid;
	int st = 0, main_done = 0, leftover = 0, sig;
	int killed = 0, stopping = 0;

	/* Signals are taken synchronously, with sigtimedwait, below. */
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

	start = mono_us();
	if ((pid = spawn(o, &old)) < 0)
		return 127; /* reported */
	setpgid(pid, pid);
	/* The job's group as the engine sees it: in a PID namespace, the
	 * engine can only end it through the shim, which is its init. */
	report("shim=%d job=%d sandbox=%s\n", (int)self,
	    self == getpid() ? (int)pid : 0, sandbox);

	/*
	 * Wait for the main process, then for anything it left behind,
	 * which gets SIGTERM and, after the grace period, SIGKILL. A stop
	 * request (SIGTERM) does the same to the main process as well.
	 */
	for (;;) {
		if (reap_all(pid, &st, &main_done, &end) < 0)
			break;
		if ((stopping || main_done) && deadline == 0) {
			deadline = mono_us() + o->grace_ms * 1000.0;
			kill(-pid, SIGTERM);
			leftover = signal_children(SIGTERM);
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
			sig = sigtimedwait(&set, &info, &tick);
		} else
			sig = sigwaitinfo(&set, &info);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP)
			stopping = 1;
	}
	if (!main_done)
		end = mono_us();
	getrusage(RUSAGE_CHILDREN, &ru);
	report("exit=%d signal=%d wall_us=%.0f maxrss_kb=%ld utime_us=%ld "
	       "stime_us=%ld leftover=%d stopped=%d\n",
	    main_done && WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	    main_done && WIFSIGNALED(st) ? WTERMSIG(st) : 0, end - start,
	    ru.ru_maxrss,
	    (long)ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec,
	    (long)ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec, leftover,
	    stopping);
	if (main_done && WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (main_done && WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL);
}

/* The host's /proc, kept open when a PID namespace gets its own. */
static int old_proc = -1;

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

int
main(int argc, char **argv)
{
	struct jobopts o;
	int c, st, fds[4] = { -1, -1, -1, -1 };
	pid_t pid;

	if (argc >= 2 && strcmp(argv[1], "--slot") == 0) {
		optind = 2;
		return slot_server(argc, argv);
	}
	memset(&o, 0, sizeof o);
	o.aslr = -1;
	o.grace_ms = 2000;
	while ((c = getopt(argc, argv, "+c:s:g:N:K:J:T:A")) != -1) {
		switch (c) {
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
	if (optind >= argc)
		usage();
	if (status_fd >= 0)
		fcntl(status_fd, F_SETFD, FD_CLOEXEC);
	o.argv = argv + optind;
	o.envp = environ;
	if (o.ns == 0)
		return shim(&o, 0, 0);
	/* Namespaces need a child (the init of the new PID namespace);
	 * this process waits for it and passes on its status. */
	fds[3] = status_fd;
	if ((pid = start_job(&o, -1, fds)) < 0) {
		report("error=fork: %s\n", strerror(errno));
		return 125;
	}
	if (waitpid(pid, &st, 0) < 0)
		return 125;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
