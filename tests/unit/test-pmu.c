/*
 * Unit tests of the counters module. Names: perf's spellings map to the
 * same counters as libpfm4's, typos get a suggestion, events of another
 * CPU's PMU are known but not counted. Probes: software events count,
 * and hardware events are supported exactly when the kernel lists a
 * core PMU (an independent oracle: an event source of type
 * PERF_TYPE_RAW in sysfs), unsupported otherwise, as in a VM. Counts:
 * task-clock of a held child that burns CPU matches the CPU time the
 * kernel gives its rusage, its children included.
 */
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "../../src/pmu.h"
#include "../../src/xmalloc.h"

static void
skip(const char *why)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, why);
	fflush(stdout);
}

/* The oracle: does sysfs list a core PMU (type 4, PERF_TYPE_RAW)? */
static int
sysfs_core_pmu(void)
{
	const char *dir = "/sys/bus/event_source/devices";
	struct dirent *de;
	char path[512];
	DIR *d;
	FILE *f;
	int type, found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "%s/%s/type", dir, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%d", &type) == 1 && type == 4)
			found = 1;
		fclose(f);
	}
	closedir(d);
	return found;
}

static void
test_names(void)
{
	char *why, *hint;
	int elsewhere;
	char *pair[2];

	ok(pmu_check("task-clock", &elsewhere, &why, &hint) == 0 && !elsewhere,
	    "perf's task-clock is known");
	ok(pmu_check("perf::TASK-CLOCK", &elsewhere, &why, &hint) == 0,
	    "libpfm4's perf::TASK-CLOCK is known");
	ok(pmu_check("cycles:u", &elsewhere, &why, &hint) == 0,
	    "perf's :u modifier is taken");
	ok(pmu_check("LLC-misses", &elsewhere, &why, &hint) == 0,
	    "LLC-misses, perf's shorthand, is known");
	ok(pmu_check("tsk-clock", &elsewhere, &why, &hint) != 0,
	    "a typo is refused");
	is_str(hint, "task-clock", "with the closest name suggested");
	ok(why != NULL && strstr(why, "tsk-clock") != NULL,
	    "and the message names it");
	free(why);
	free(hint);
	ok(pmu_check("xyzzy", &elsewhere, &why, &hint) != 0 && hint == NULL,
	    "nonsense gets no suggestion");
	free(why);
	ok(pmu_check("nhm::INST_RETIRED:ANY_P", &elsewhere, &why, &hint) == 0 &&
		elsewhere,
	    "an event of a PMU this host lacks is known, elsewhere");

	/* The aliases encode as the counters they stand for: a derived
	 * metric is found only when both of its inputs are. */
	pair[0] = "LLC-misses";
	pair[1] = "LLC-references";
	ok(pmu_derived_known("llc_load_miss_rate", pair, 2),
	    "LLC-misses/LLC-references are the LL cache's read misses and "
	    "reads");
	pair[0] = "cache-misses";
	pair[1] = "perf::CACHE-REFERENCES";
	ok(pmu_derived_known("cache_miss_rate", pair, 2),
	    "cache-misses is perf::CACHE-MISSES");
	pair[0] = "instructions";
	pair[1] = "cpu-cycles";
	ok(pmu_derived_known("ipc", pair, 2), "cpu-cycles is cycles");
	pair[1] = "task-clock";
	ok(!pmu_derived_known("ipc", pair, 2),
	    "ipc needs cycles, not task-clock");
	ok(!pmu_derived_known("no_such_rate", pair, 2),
	    "an unknown derived name is not one");
}

static void
test_probe(void)
{
	static const char *const soft[] = { "task-clock", "context-switches",
		"page-faults", "perf::CPU-MIGRATIONS" };
	static const char *const hard[] = { "cycles", "instructions",
		"cache-misses", "LLC-load-misses" };
	enum pmu_status want, got;
	char *why, *names[2];
	struct pmu_set *s;
	size_t i;
	int core = sysfs_core_pmu();

	diag("sysfs lists %s core PMU", core ? "a" : "no");
	for (i = 0; i < 4; i++) {
		got = pmu_probe(soft[i], &why);
		if (!ok(got == PMU_SUPPORTED, "software event %s is supported",
			soft[i]))
			diag("%s: %s", pmu_status_name(got), why);
		free(why);
	}
	want = core ? PMU_SUPPORTED : PMU_UNSUPPORTED;
	for (i = 0; i < 4; i++) {
		got = pmu_probe(hard[i], &why);
		if (!ok(got == want, "hardware event %s is %s", hard[i],
			pmu_status_name(want)))
			diag("got %s: %s", pmu_status_name(got), why);
		if (!core)
			ok(why != NULL && strstr(why, "no hardware PMU"),
			    "  because there is no hardware PMU");
		free(why);
	}
	names[0] = "task-clock";
	names[1] = "cycles";
	s = pmu_set_new(names, 2);
	ok(pmu_set_count(s) == 2 && pmu_set_usable(s) == (core ? 2 : 1),
	    "a set counts what this host supports");
	ok(pmu_set_counts(s, "task-clock", &why) == 1, "task-clock counts");
	free(why);
	ok(pmu_set_counts(s, "cycles", &why) == (core ? 1 : 0),
	    "cycles counts only with a PMU");
	free(why);
	ok(pmu_set_counts(s, "wall_ms", &why) == -1,
	    "a metric of no counter is neither");
	free(why);
	why = pmu_set_notice(s);
	if (core)
		ok(why == NULL, "nothing to say with a PMU");
	else
		ok(why != NULL && strstr(why, "cycles: unsupported") &&
			!strstr(why, "task-clock: unsupported"),
		    "the notice says cycles, not task-clock, is unsupported: "
		    "%s",
		    why ? why : "");
	free(why);
	pmu_set_free(s);
}

static double
cpu_seconds(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
	    (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

static void
burn(double seconds)
{
	struct timespec a, b;
	volatile uint64_t x = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 100000; i++)
			x += (uint64_t)i;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	} while ((double)(b.tv_sec - a.tv_sec) +
		(double)(b.tv_nsec - a.tv_nsec) / 1e9 <
	    seconds);
}

/*
 * A child held on a pipe, as the shim holds a job: the counters go on
 * it, then it is let go; it burns CPU itself and in kids children, one
 * after the other. task-clock must match the CPU time of them all.
 */
static void
test_count(int kids)
{
	char *names[] = { "task-clock", "context-switches" };
	struct pmu_counters *c;
	struct pmu_set *s;
	struct rusage ru0, ru;
	double v[2], cpu;
	char *why;
	int p[2], st, k;
	pid_t pid;

	s = pmu_set_new(names, 2);
	if (pmu_set_usable(s) == 0) {
		skip("task-clock cannot be counted here");
		pmu_set_free(s);
		return;
	}
	if (pipe(p) != 0)
		abort();
	getrusage(RUSAGE_CHILDREN, &ru0);
	if ((pid = fork()) == 0) {
		char go;

		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(2);
		/* What a job does after its exec. */
		execl("/proc/self/exe", "test-pmu", "--burn",
		    kids > 0 ? "kids" : "self", (char *)NULL);
		_exit(3);
	}
	close(p[0]);
	c = pmu_attach(s, pid, &why);
	ok(c != NULL, "counters attach to a held child%s%s", why ? ": " : "",
	    why ? why : "");
	free(why);
	if (write(p[1], "g", 1) != 1)
		abort();
	close(p[1]);
	waitpid(pid, &st, 0);
	getrusage(RUSAGE_CHILDREN, &ru);
	cpu = cpu_seconds(&ru) - cpu_seconds(&ru0);
	if (c == NULL || pmu_read(c, v) != 0) {
		ok(0, "counters read");
		pmu_close(c);
		pmu_set_free(s);
		return;
	}
	k = fabs(v[0] / 1e9 - cpu) <= 0.2 * cpu;
	if (!ok(k, "task-clock %.3f s is within 20%% of the CPU time %.3f s%s",
		v[0] / 1e9, cpu, kids ? " (the child's children counted)" : ""))
		diag("exit status %d", st);
	ok(!isnan(v[1]) && v[1] >= 0, "context-switches counted too (%.0f)",
	    v[1]);
	pmu_close(c);
	pmu_set_free(s);
}

int
main(int argc, char **argv)
{
	pid_t a, b;

	if (argc == 3 && strcmp(argv[1], "--burn") == 0) {
		if (strcmp(argv[2], "self") == 0) {
			burn(0.4);
			return 0;
		}
		/* Two children, one after the other, and a bit here. */
		if ((a = fork()) == 0) {
			burn(0.3);
			_exit(0);
		}
		waitpid(a, NULL, 0);
		if ((b = fork()) == 0) {
			burn(0.3);
			_exit(0);
		}
		waitpid(b, NULL, 0);
		burn(0.05);
		return 0;
	}
	test_names();
	test_probe();
	test_count(0);
	test_count(1);
	return done_testing();
}
