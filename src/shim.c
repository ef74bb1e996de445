/*
 * wayfinder-exec: the shim every job runs through. It does what libuv
 * cannot do between fork and exec: pin the job to its CPUs, make itself a
 * child subreaper so that nothing the job starts can escape (a
 * double-forked daemon is re-parented here, not to init), and report the
 * job's exit status, resource usage and wall time on a status pipe. When
 * the job's main process ends, or the engine asks it to stop (SIGTERM:
 * timeout or interruption), it ends every process left in the job's tree
 * and only then exits.
 *
 * Usage: wayfinder-exec [-c CPULIST] [-s FD] [-g GRACE_MS] -- PROG ARGS...
 * Lines on FD: "pid=N\n" once the job runs (its process group), then
 * "exit=N signal=N wall_us=N maxrss_kb=N utime_us=N
 * stime_us=N leftover=N\n", or "error=MESSAGE\n" when PROG cannot run.
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int status_fd = -1;

static void
report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
	    "wayfinder(1))\n", stderr);
	exit(126);
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	struct timespec tick = {0, 10 * 1000000L};
	cpu_set_t cpus;
	sigset_t set, old;
	siginfo_t info;
	const char *cpulist = NULL;
	double start, end = 0, deadline = 0;
	pid_t pid, ppid;
	int c, grace_ms = 2000, st = 0, main_done = 0, leftover = 0;
	int errpipe[2], err, n, sig, killed = 0, stopping = 0;

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

	/* Signals are taken synchronously, with sigtimedwait, below. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);

	/* If the engine dies, so does the job (it would be rerun). */
	ppid = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != ppid)
		return 125;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		report("error=cannot become a subreaper: %s\n",
		    strerror(errno));
		return 125;
	}
	if (cpulist != NULL) {
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
	if (pipe2(errpipe, O_CLOEXEC) != 0) {
		report("error=pipe: %s\n", strerror(errno));
		return 125;
	}

	start = mono_us();
	if ((pid = fork()) < 0) {
		report("error=fork: %s\n", strerror(errno));
		return 125;
	}
	if (pid == 0) {
		/* The job leads its own process group, so the shim can
		 * signal all of it without signalling itself. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[optind], argv + optind);
		err = errno;
		if (write(errpipe[1], &err, sizeof err) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(pid, pid);
	close(errpipe[1]);
	n = (int)read(errpipe[0], &err, sizeof err);
	close(errpipe[0]);
	if (n == (int)sizeof err) {
		waitpid(pid, NULL, 0);
		report("error=cannot run %s: %s\n", argv[optind],
		    strerror(err));
		return 127;
	}
	report("pid=%d\n", (int)pid);

	/*
	 * Wait for the main process, then for anything it left behind,
	 * which gets SIGTERM and, after the grace period, SIGKILL. A stop
	 * request (SIGTERM from the engine) does the same to the main
	 * process as well.
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
	    "stime_us=%ld leftover=%d\n",
	    main_done && WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	    main_done && WIFSIGNALED(st) ? WTERMSIG(st) : 0, end - start,
	    ru.ru_maxrss,
	    (long)ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec,
	    (long)ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec,
	    leftover);
	if (main_done && WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (main_done && WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL);
}
