/*
 * wayfinder-exec: the shim every job runs through. It does what libuv
 * cannot do between fork and exec: pin the job to its CPUs, make itself a
 * child subreaper so that nothing the job starts can escape (a
 * double-forked daemon is re-parented here, not to init), and report the
 * job's exit status, resource usage and wall time on a status pipe. When
 * the job's main process ends, or it is asked to stop (SIGTERM: a timeout
 * or an interruption), it ends every process left in the job's tree and
 * only then exits.
 *
 * The engine starts one copy as a server (--server, a socket on fd 3)
 * and sends it each job with its log and status descriptors; the server
 * forks a shim per job, so a job costs no exec of the shim. Run by hand:
 *   wayfinder-exec [-c CPULIST] [-s FD] [-g GRACE_MS] -- PROG ARGS...
 * Lines on the status fd: "shim=N job=N\n" once the job runs (the shim's
 * pid and the job's process group), then "exit=N signal=N wall_us=N
 * maxrss_kb=N utime_us=N stime_us=N leftover=N stopped=N\n", or
 * "error=MESSAGE\n" when the job cannot run.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	fputs("usage: wayfinder-exec [-c CPULIST] [-s FD] [-g GRACE_MS] -- "
	      "PROG [ARGS...]\n(run by wayfinder for every job; see "
	      "wayfinder(1))\n",
	    stderr);
	exit(126);
}

/*
 * Starts the job with vfork: the shim waits (a few microseconds) until the
 * job has exec'd, and nothing of the shim is copied. The child only makes
 * system calls and writes exec_errno, which the parent reads after; its
 * own function keeps the caller's variables out of the shared frame.
 * Returns the pid, or -1 after reporting why the job cannot run.
 */
static pid_t __attribute__((noinline))
spawn(char **argv, char **envp, const sigset_t *mask)
{
	pid_t pid;

	exec_errno = 0;
	if ((pid = vfork()) < 0) {
		report("error=fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The job leads its own process group, so the shim can
		 * signal all of it without signalling itself. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, mask, NULL);
		execvpe(argv[0], argv, envp);
		exec_errno = errno;
		_exit(127);
	}
	if (exec_errno != 0) {
		waitpid(pid, NULL, 0);
		report("error=cannot run %s: %s\n", argv[0],
		    strerror(exec_errno));
		return -1;
	}
	return pid;
}

/*
 * Runs one job: argv with envp, pinned to cpulist (NULL: anywhere), and
 * reports on status_fd. Returns the exit status for the shim.
 */
static int
run_job(char **argv, char **envp, const char *cpulist, int grace_ms)
{
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
	if (cpulist != NULL && *cpulist != '\0') {
		if (parse_cpus(cpulist, &cpus) != 0) {
			report("error=bad CPU list '%s'\n", cpulist);
			return 125;
		}
		if (sched_setaffinity(0, sizeof cpus, &cpus) != 0) {
			report("error=cannot pin to CPUs %s: %s\n", cpulist,
			    strerror(errno));
			return 125;
		}
	}
	start = mono_us();
	if ((pid = spawn(argv, envp, &old)) < 0)
		return 127; /* reported */
	setpgid(pid, pid);
	report("shim=%d job=%d\n", (int)getpid(), (int)pid);

	/*
	 * Wait for the main process, then for anything it left behind,
	 * which gets SIGTERM and, after the grace period, SIGKILL. A stop
	 * request (SIGTERM) does the same to the main process as well.
	 */
	for (;;) {
		if (reap_all(pid, &st, &main_done, &end) < 0)
			break;
		if ((stopping || main_done) && deadline == 0) {
			deadline = mono_us() + grace_ms * 1000.0;
			kill(-pid, SIGTERM);
			leftover = signal_children(SIGTERM);
		}
		if (deadline != 0 && !killed && mono_us() > deadline) {
			kill(-pid, SIGKILL);
			killed = 1;
		}
		if (deadline != 0) {
			/* Again each round: a process may fork meanwhile. */
			if (killed)
				kill(-pid, SIGKILL);
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

/* Splits a request into its NUL-terminated fields; NULL if malformed.
 * Layout: version, cwd, cpus, argc, argv..., envc, env... */
static char **
split(char *buf, size_t len, size_t *n)
{
	char **v = NULL, *p = buf, *end = buf + len;
	size_t count = 0;

	if (len == 0 || buf[len - 1] != '\0')
		return NULL;
	for (; p < end; p += strlen(p) + 1) {
		char **nv = realloc(v, (count + 2) * sizeof *v);

		if (nv == NULL) {
			free(v);
			return NULL;
		}
		v = nv;
		v[count++] = p;
	}
	v[count] = NULL;
	*n = count;
	return v;
}

/*
 * The server: one request per job on sock, each carrying the job's
 * stdout, stderr and status descriptors. Each job gets a forked shim in
 * its own session; the server never waits for them (SIGCHLD is ignored,
 * so they are reaped by the kernel). It ends when the engine closes the
 * socket, or dies with the engine.
 */
static int
serve(int sock)
{
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint32_t hdr[2];
	char *body, **f, **argv, **envp;
	size_t nf, argc, envc;
	ssize_t n;
	int fds[3], nfds, devnull;
	pid_t ppid = getppid();

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != ppid)
		return 0;
	signal(SIGCHLD, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	fcntl(sock, F_SETFD, FD_CLOEXEC);
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
				memcpy(fds, CMSG_DATA(cm),
				    (size_t)nfds * sizeof(int));
			}
		}
		if (hdr[0] != 0x57464a31 /* "WFJ1" */ || nfds != 3 ||
		    hdr[1] > (64u << 20) ||
		    (body = malloc(hdr[1] + 1)) == NULL ||
		    read_full(sock, body, hdr[1]) != 0)
			return 1; /* a broken engine: nothing sensible left */
		f = split(body, hdr[1], &nf);
		if (f == NULL || nf < 5 ||
		    (argc = strtoul(f[3], NULL, 10)) == 0 || 4 + argc >= nf ||
		    (envc = strtoul(f[4 + argc], NULL, 10)) != nf - 5 - argc)
			return 1;
		argv = f + 4;
		argv[argc] = NULL; /* was envc, parsed above */
		envp = f + 5 + argc;
		if (fork() == 0) {
			close(sock);
			signal(SIGCHLD, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			setsid();
			devnull = open("/dev/null", O_RDONLY);
			dup2(devnull, 0);
			dup2(fds[0], 1);
			dup2(fds[1], 2);
			dup2(fds[2], 3);
			status_fd = 3;
			fcntl(status_fd, F_SETFD, FD_CLOEXEC);
			if (chdir(f[1]) != 0) {
				report("error=cannot enter %s: %s\n", f[1],
				    strerror(errno));
				_exit(125);
			}
			_exit(run_job(argv, envp, f[2], 2000));
		}
		close(fds[0]);
		close(fds[1]);
		close(fds[2]);
		free(f);
		free(body);
	}
}

int
main(int argc, char **argv)
{
	const char *cpulist = NULL;
	int c, grace_ms = 2000;

	if (argc == 2 && strcmp(argv[1], "--server") == 0)
		return serve(3);
	while ((c = getopt(argc, argv, "+c:s:g:")) != -1) {
		switch (c) {
		case 'c':
			cpulist = optarg;
			break;
		case 's':
			status_fd = atoi(optarg);
			break;
		case 'g':
			grace_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (status_fd >= 0)
		fcntl(status_fd, F_SETFD, FD_CLOEXEC);
	return run_job(argv + optind, environ, cpulist, grace_ms);
}
