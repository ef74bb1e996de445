/*
 * Unit tests of the host module against fake /proc and /sys trees: CPU
 * lists, busy time, the verdicts of host check, tuning journalled in a
 * temporary store, restoring byte for byte and newest first, absent
 * knobs, refusal without privilege, and the restore of what dead engines
 * left.
 */
#include "config.h"

#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "../../src/cpulist.h"
#include "../../src/files.h"
#include "../../src/host.h"
#include "../../src/store.h"
#include "../../src/xmalloc.h"

static char base[] = "/tmp/wayfinder-host-XXXXXX";

#define CPU "sys/devices/system/cpu/"
#define ASLR "proc/sys/kernel/randomize_va_space"
#define BOOST CPU "cpufreq/boost"
#define SMT CPU "smt/control"
#define GOV(n) CPU "cpu" #n "/cpufreq/scaling_governor"

/* The path of rel in tree (static storage, overwritten by the next
 * call). */
static const char *
path(const char *tree, const char *rel)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s%s%s", base, tree,
	    *rel != '\0' ? "/" : "", rel);
	return buf[k];
}

static void
put(const char *tree, const char *rel, const char *text)
{
	const char *p = path(tree, rel);
	char *dir = xstrdup(p), *slash = strrchr(dir, '/');
	FILE *f;

	*slash = '\0';
	if (files_mkdirs(dir, 0755) != 0 || (f = fopen(p, "w")) == NULL ||
	    fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", p);
		exit(99);
	}
	free(dir);
}

/* The content of rel in tree, "(missing)" when it cannot be read; static
 * storage, overwritten by the next call. */
static const char *
get(const char *tree, const char *rel)
{
	static char buf[256];
	char *t = files_read(path(tree, rel), NULL);

	snprintf(buf, sizeof buf, "%s", t != NULL ? t : "(missing)");
	free(t);
	return buf;
}

static const char stat0[] = "cpu  400 0 200 4000 40 0 0 0 0 0\n"
			    "cpu0 100 0 50 1000 10 0 0 0 0 0\n"
			    "cpu1 100 0 50 1000 10 0 0 0 0 0\n"
			    "cpu2 100 0 50 1000 10 0 0 0 0 0\n"
			    "cpu3 100 0 50 1000 10 0 0 0 0 0\n"
			    "intr 0\nbtime 1000000000\nprocesses 10\n";

/* A host tuned for nothing: governors mixed, boost, SMT, ASLR, a strict
 * perf_event_paranoid, CPUs 2-3 isolated by the command line only, swap,
 * irqbalance; and processes for the stale-engine tests. */
static void
make_poor(void)
{
	int i;
	char rel[128];

	put("poor", CPU "online", "0-3\n");
	for (i = 0; i < 4; i++) {
		snprintf(rel, sizeof rel, CPU "cpu%d/cpufreq/scaling_governor",
		    i);
		put("poor", rel, i < 2 ? "powersave\n" : "performance\n");
		snprintf(rel, sizeof rel,
		    CPU "cpu%d/cpufreq/scaling_available_governors", i);
		put("poor", rel, "performance powersave\n");
	}
	put("poor", BOOST, "1\n");
	put("poor", SMT, "on\n");
	put("poor", CPU "smt/active", "1\n");
	put("poor", ASLR, "1\n");
	put("poor", "proc/sys/kernel/perf_event_paranoid", "3\n");
	put("poor", "proc/cmdline",
	    "BOOT_IMAGE=/vmlinuz root=/dev/sda1 isolcpus=domain,managed_irq,"
	    "2-3 nohz_full=2-3 quiet -- isolcpus=0-3\n");
	put("poor", "proc/swaps",
	    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
	    "/dev/sda2                               partition\t2097148\t\t"
	    "1024\t\t-2\n");
	put("poor", "proc/stat", stat0);
	put("poor", "proc/100/comm", "irqbalance\n");
	put("poor", "proc/4242/comm", "wayfinder\n");
	put("poor", "proc/4343/comm", "bash\n");
}

/* A host tuned well: performance, no turbo (intel_pstate), SMT off,
 * ASLR off, CPUs 1-3 isolated (as sysfs says), no swap. */
static void
make_good(void)
{
	int i;
	char rel[128];

	put("good", CPU "online", "0-3\n");
	for (i = 0; i < 4; i++) {
		snprintf(rel, sizeof rel, CPU "cpu%d/cpufreq/scaling_governor",
		    i);
		put("good", rel, "performance\n");
	}
	put("good", CPU "intel_pstate/no_turbo", "1\n");
	put("good", SMT, "off\n");
	put("good", ASLR, "0\n");
	put("good", "proc/sys/kernel/perf_event_paranoid", "1\n");
	put("good", CPU "isolated", "1-3\n");
	put("good", CPU "nohz_full", "1-3\n");
	put("good", "proc/cmdline", "quiet\n");
	put("good", "proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
	put("good", "proc/stat", stat0);
	put("good", "proc/1/comm", "init\n");
}

/* A small VM: no cpufreq, no boost, SMT not supported, no swap. */
static void
make_vm(void)
{
	put("vm", CPU "online", "0-1\n");
	put("vm", CPU "cpu0/topology/core_id", "0\n");
	put("vm", CPU "cpu1/topology/core_id", "1\n");
	put("vm", SMT, "notsupported\n");
	put("vm", ASLR, "2\n");
	put("vm", "proc/sys/kernel/perf_event_paranoid", "2\n");
	put("vm", "proc/cmdline", "console=ttyS0 quiet\n");
	put("vm", "proc/stat", stat0);
}

static const struct host_item *
find(const struct host_item *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	return NULL;
}

static int
has(const char *s, const char *part)
{
	return s != NULL && strstr(s, part) != NULL;
}

/* Checks an item's verdict and that its state (or advice) holds text. */
static void
verdict(const struct host_item *v, size_t n, const char *name,
    enum host_verdict want, const char *state, const char *advice)
{
	const struct host_item *it = find(v, n, name);

	if (!ok(it != NULL && it->verdict == want, "%s is %s", name,
		host_verdict_name(want))) {
		if (it != NULL)
			diag("got %s: %s", host_verdict_name(it->verdict),
			    it->state);
		return;
	}
	if (state != NULL &&
	    !ok(has(it->state, state), "%s state says %s", name, state))
		diag("state: %s", it->state);
	if (advice != NULL &&
	    !ok(has(it->advice, advice), "%s advice says %s", name, advice))
		diag("advice: %s", it->advice != NULL ? it->advice : "(none)");
}

static void
test_cpulist(void)
{
	int *v = NULL;
	size_t n = 0;
	char *t;

	ok(cpulist_parse("0-3,8,10-11", &v, &n) == 0 && n == 7 && v[0] == 0 &&
		v[3] == 3 && v[4] == 8 && v[6] == 11,
	    "a CPU list with ranges");
	t = cpulist_format(v, n);
	is_str(t, "0-3,8,10-11", "formats back the same");
	free(t);
	free(v);
	ok(cpulist_parse("3,1,2,1\n", &v, &n) == 0 && n == 3,
	    "sorted, without duplicates");
	t = cpulist_format(v, n);
	is_str(t, "1-3", "as a range");
	free(t);
	free(v);
	ok(cpulist_parse("0-7:2/4", &v, &n) == 0 && n == 4 && v[2] == 4,
	    "a strided range (used/group)");
	free(v);
	ok(cpulist_parse("", &v, &n) == 0 && n == 0, "empty is none");
	free(v);
	ok(cpulist_parse("3-1", &v, &n) != 0, "a backwards range fails");
	ok(cpulist_parse("1,,2", &v, &n) != 0, "an empty item fails");
	ok(cpulist_parse("1 2", &v, &n) != 0, "two words fail");
	ok(cpulist_parse("x", &v, &n) != 0, "a word fails");
	t = cpulist_format(NULL, 0);
	is_str(t, "none", "the empty list");
	free(t);
}

static void
test_busy(void)
{
	const char *a = "cpu  1 2 3 4\n"
			"cpu0 100 0 100 800 0 0 0 0 0 0\n"
			"cpu1 0 0 0 100 0 0 0 0 0 0\n"
			"cpu2 5 0 5 100\n";
	const char *b = "cpu  1 2 3 4\n"
			"cpu0 150 0 150 900 0 0 0 0 0 0\n"
			"cpu1 0 0 0 150 0 0 0 50 0 0\n"
			"cpu2 5 0 5 100\n";
	int cpus[] = { 0, 1, 2, 5 };
	double busy[4];

	ok(host_busy(a, b, cpus, 4, busy) == -1,
	    "a CPU without time or line is not measured");
	ok(fabs(busy[0] - 50) < 1e-9, "user and system count as busy");
	ok(fabs(busy[1] - 50) < 1e-9, "steal counts as busy");
	ok(isnan(busy[2]), "no time elapsed: not measured");
	ok(isnan(busy[3]), "a missing CPU: not measured");
}

static void
test_check(void)
{
	struct host_item *v = NULL;
	size_t n = 0;
	char *cause = NULL;
	int cpus23[] = { 2, 3 }, cpus123[] = { 1, 2, 3 }, cpu7 = 7;
	char root[512];

	snprintf(root, sizeof root, "%s", path("poor", ""));
	ok(host_check(root, NULL, 0, &v, &n, &cause) == 0, "check a poor host");
	verdict(v, n, "governor", HOST_WARN,
	    "powersave on 0-1; performance on 2-3",
	    "wayfinder host tune --governor performance");
	verdict(v, n, "governor", HOST_WARN, NULL, "scaling_governor");
	verdict(v, n, "turbo", HOST_WARN, "cpufreq/boost is 1",
	    "echo 0 > /sys/devices/system/cpu/cpufreq/boost");
	verdict(v, n, "smt", HOST_WARN, "on", "--smt off");
	verdict(v, n, "aslr", HOST_WARN, "randomize_va_space is 1",
	    "wayfinder host tune --aslr off");
	verdict(v, n, "perf_event_paranoid",
	    geteuid() == 0 ? HOST_OK : HOST_BAD, "3", NULL);
	verdict(v, n, "isolation", HOST_WARN, "isolcpus 2-3, nohz_full 2-3",
	    "--cpus 2-3");
	verdict(v, n, "irqbalance", HOST_WARN, "pid 100",
	    "IRQBALANCE_BANNED_CPULIST=0-1");
	verdict(v, n, "swap", HOST_WARN, "1 area, 2.0 GiB, 1 MiB used",
	    "swapoff");
	verdict(v, n, "load", HOST_NA, NULL, NULL);
	is_int((long long)n, 9, "nine checks");
	host_items_free(v, n);

	ok(host_check(root, cpus23, 2, &v, &n, &cause) == 0,
	    "check its isolated CPUs");
	verdict(v, n, "governor", HOST_OK, "performance on 2-3", NULL);
	verdict(v, n, "isolation", HOST_OK, NULL, NULL);
	verdict(v, n, "irqbalance", HOST_OK, "away from isolated", NULL);
	host_items_free(v, n);

	ok(host_check(root, &cpu7, 1, &v, &n, &cause) == -1 &&
		has(cause, "CPU 7 is not online (online: 0-3)"),
	    "a CPU that is not online is refused");
	free(cause);
	cause = NULL;

	snprintf(root, sizeof root, "%s", path("good", ""));
	ok(host_check(root, cpus123, 3, &v, &n, &cause) == 0,
	    "check a good host");
	verdict(v, n, "governor", HOST_OK, "performance on 1-3", NULL);
	verdict(v, n, "turbo", HOST_OK, "intel_pstate/no_turbo is 1", NULL);
	verdict(v, n, "smt", HOST_OK, "off", NULL);
	verdict(v, n, "aslr", HOST_OK, NULL, NULL);
	verdict(v, n, "perf_event_paranoid", HOST_OK, NULL, NULL);
	verdict(v, n, "isolation", HOST_OK, "isolcpus 1-3, nohz_full 1-3",
	    NULL);
	verdict(v, n, "irqbalance", HOST_OK, "not running", NULL);
	verdict(v, n, "swap", HOST_OK, "none", NULL);
	host_items_free(v, n);
	ok(host_check(root, NULL, 0, &v, &n, &cause) == 0,
	    "check all its CPUs");
	verdict(v, n, "isolation", HOST_WARN, NULL,
	    "CPU 0, which is not isolated");
	host_items_free(v, n);

	snprintf(root, sizeof root, "%s", path("vm", ""));
	ok(host_check(root, NULL, 0, &v, &n, &cause) == 0, "check a VM");
	verdict(v, n, "governor", HOST_NA, "no cpufreq", NULL);
	verdict(v, n, "turbo", HOST_NA, "absent", NULL);
	verdict(v, n, "smt", HOST_NA, "not supported", NULL);
	verdict(v, n, "aslr", HOST_WARN, NULL, NULL);
	verdict(v, n, "isolation", HOST_WARN, "isolcpus none",
	    "isolcpus=1 nohz_full=1");
	verdict(v, n, "swap", HOST_OK, "no swap support", NULL);
	host_items_free(v, n);
}

static size_t
npending(struct store *st)
{
	struct store_journal *v = NULL;
	size_t n = 0;

	store_journal_pending(st, &v, &n);
	store_journal_free(v, n);
	return n;
}

static const char *const knobs[] = { GOV(0), GOV(1), GOV(2), GOV(3), BOOST, SMT,
	ASLR, NULL };

/* Are the knobs of the poor tree as they were made? */
static int
pristine(void)
{
	static const char *const want[] = { "powersave\n", "powersave\n",
		"performance\n", "performance\n", "1\n", "on\n", "1\n" };
	int i, same = 1;

	for (i = 0; knobs[i] != NULL; i++)
		if (strcmp(get("poor", knobs[i]), want[i]) != 0) {
			diag("%s is '%s'", knobs[i], get("poor", knobs[i]));
			same = 0;
		}
	return same;
}

static int
lines_have(const struct host_lines *l, const char *part)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strstr(l->v[i], part) != NULL)
			return 1;
	return 0;
}

static void
test_apply_restore(struct store *st)
{
	struct hostspec all = { (char *)"performance", 0, 0, 0 };
	struct hostspec aslr_off = { NULL, -1, -1, 0 };
	struct hostspec aslr_on = { NULL, -1, -1, 1 };
	struct host_lines done = { NULL, 0 }, skipped = { NULL, 0 };
	struct store_journal *v = NULL;
	size_t n = 0;
	char *cause = NULL, root[512];

	snprintf(root, sizeof root, "%s", path("poor", ""));
	is_int(host_apply(st, root, &all, HOST_OWNER_MANUAL, &done, &skipped,
		   &cause),
	    5, "five changes: SMT, boost, two governors, ASLR");
	is_int((long long)skipped.n, 0, "nothing skipped");
	store_journal_pending(st, &v, &n);
	if (is_int((long long)n, 5, "five journal entries")) {
		ok(has(v[0].path, ASLR) && strcmp(v[0].old, "1\n") == 0 &&
			strcmp(v[0].new, "0\n") == 0 &&
			strcmp(v[0].owner, "manual") == 0,
		    "newest: ASLR 1 -> 0, manual");
		ok(has(v[1].path, GOV(1)) &&
			strcmp(v[1].old, "powersave\n") == 0 &&
			strcmp(v[1].new, "performance\n") == 0,
		    "then cpu1's governor");
		ok(has(v[2].path, GOV(0)), "then cpu0's governor");
		ok(has(v[3].path, BOOST) && strcmp(v[3].old, "1\n") == 0 &&
			strcmp(v[3].new, "0\n") == 0,
		    "then boost");
		ok(has(v[4].path, SMT) && strcmp(v[4].old, "on\n") == 0 &&
			strcmp(v[4].new, "off\n") == 0,
		    "oldest: SMT on -> off");
	}
	store_journal_free(v, n);
	is_str(get("poor", ASLR), "0\n", "ASLR written");
	is_str(get("poor", GOV(0)), "performance\n", "cpu0's governor written");
	is_str(get("poor", GOV(3)), "performance\n", "cpu3's left as it was");
	is_str(get("poor", BOOST), "0\n", "boost written");
	is_str(get("poor", SMT), "off\n", "SMT written");
	host_lines_free(&done);

	is_int(host_apply(st, root, &all, HOST_OWNER_MANUAL, &done, &skipped,
		   &cause),
	    0, "applying again changes nothing");
	is_int((long long)npending(st), 5, "and journals nothing");
	ok(lines_have(&done, "already 0"), "it says ASLR is already off");
	host_lines_free(&done);

	is_int(host_restore(st, root, NULL, &done, &cause), 5,
	    "restore undoes five changes");
	is_int((long long)npending(st), 0, "none pending");
	ok(pristine(), "every file back byte for byte");
	ok(lines_have(&done, "0 -> 1 (restored)"), "restore says what it did");
	host_lines_free(&done);

	/* A chain on one file: only newest first brings back "1". */
	host_apply(st, root, &aslr_off, HOST_OWNER_MANUAL, NULL, NULL, &cause);
	is_int(host_apply(st, root, &aslr_on, HOST_OWNER_MANUAL, NULL, NULL,
		   &cause),
	    1, "ASLR off, then on");
	is_str(get("poor", ASLR), "2\n", "on is 2");
	is_int(host_apply(st, root, &aslr_on, HOST_OWNER_MANUAL, NULL, NULL,
		   &cause),
	    0, "on again: already on");
	is_int(host_restore(st, root, NULL, NULL, &cause), 2,
	    "restore the chain");
	is_str(get("poor", ASLR), "1\n", "newest first: back to 1");

	/* A file changed by someone else since is left alone. */
	host_apply(st, root, &aslr_off, HOST_OWNER_MANUAL, NULL, NULL, &cause);
	put("poor", ASLR, "2\n");
	is_int(host_restore(st, root, NULL, &done, &cause), 1,
	    "restore a file changed since");
	is_str(get("poor", ASLR), "2\n", "it is left alone");
	ok(lines_have(&done, "left alone"), "and the user is told");
	is_int((long long)npending(st), 0, "the entry is done with");
	host_lines_free(&done);
	put("poor", ASLR, "1\n");

	/* A change made before the last boot was undone by the boot. */
	host_apply(st, root, &aslr_off, HOST_OWNER_MANUAL, NULL, NULL, &cause);
	{
		char text[sizeof stat0 + 32];

		snprintf(text, sizeof text, "cpu0 1 1 1 1\nbtime %lld\n",
		    (long long)time(NULL) + 100000);
		put("poor", "proc/stat", text);
	}
	is_int(host_restore(st, root, NULL, &done, &cause), 1,
	    "restore after a reboot");
	is_str(get("poor", ASLR), "0\n", "writes nothing");
	ok(lines_have(&done, "before the last boot"), "and says why");
	host_lines_free(&done);
	put("poor", "proc/stat", stat0);
	put("poor", ASLR, "1\n");
	ok(pristine(), "the poor host is as made");
}

static void
test_absent(struct store *st)
{
	struct hostspec h = { (char *)"performance", 0, 0, -1 };
	struct hostspec ondemand = { (char *)"ondemand", -1, -1, -1 };
	struct host_lines done = { NULL, 0 }, skipped = { NULL, 0 };
	char *cause = NULL, root[512];

	snprintf(root, sizeof root, "%s", path("vm", ""));
	is_int(host_apply(st, root, &h, HOST_OWNER_MANUAL, &done, &skipped,
		   &cause),
	    0, "a VM: no changes");
	is_int((long long)skipped.n, 3, "three knobs skipped");
	ok(lines_have(&skipped, "governor: not changed: no cpufreq"),
	    "no cpufreq");
	ok(lines_have(&skipped, "turbo: not changed: absent"), "no boost");
	ok(lines_have(&skipped, "says notsupported"), "SMT not supported");
	is_int((long long)done.n, 0, "nothing done");
	is_int((long long)npending(st), 0, "nothing journalled");
	host_lines_free(&skipped);

	snprintf(root, sizeof root, "%s", path("poor", ""));
	is_int(host_apply(st, root, &ondemand, HOST_OWNER_MANUAL, &done,
		   &skipped, &cause),
	    0, "a governor the kernel lacks: no changes");
	ok(lines_have(&skipped,
	       "not changed on CPUs 0-3: no ondemand governor (available: "
	       "performance powersave)"),
	    "it says which are available");
	is_int((long long)npending(st), 0, "nothing journalled");
	host_lines_free(&skipped);
	host_lines_free(&done);
}

/* A write that fails leaves no pending entry. */
static void
test_write_fails(struct store *st)
{
	struct hostspec h = { NULL, -1, -1, 0 };
	struct host_lines skipped = { NULL, 0 };
	char *cause = NULL;

	if (files_mkdirs(path("broken", ASLR), 0755) != 0) {
		printf("Bail out! mkdir\n");
		exit(99);
	}
	is_int(host_apply(st, path("broken", ""), &h, HOST_OWNER_MANUAL, NULL,
		   &skipped, &cause),
	    0, "a knob that cannot be written: no change");
	ok(lines_have(&skipped, "writing 0 to") &&
		lines_have(&skipped, "failed"),
	    "it says the write failed");
	is_int((long long)npending(st), 0, "and its entry is not pending");
	host_lines_free(&skipped);
}

/* Without privilege nothing is journalled nor written. */
static void
test_unprivileged(struct store *st)
{
	struct hostspec h = { (char *)"performance", 0, 0, 0 };
	char *cause = NULL;
	pid_t pid;
	int status, rc;

	if (geteuid() != 0) {
		chmod(path("poor", ASLR), 0444);
		rc = host_apply(st, path("poor", ""), &h, HOST_OWNER_MANUAL,
		    NULL, NULL, &cause);
		chmod(path("poor", ASLR), 0644);
	} else {
		/* As nobody, the root-owned files of the tree are read-only. */
		chmod(base, 0755);
		fflush(stdout);
		if ((pid = fork()) == 0) {
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(2);
			rc = host_apply(st, path("poor", ""), &h,
			    HOST_OWNER_MANUAL, NULL, NULL, &cause);
			_exit(rc == -1 && has(cause, "needs root") ? 0 : 1);
		}
		rc = waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
			WEXITSTATUS(status) == 0 ?
		    -1 :
		    0;
		cause = xstrdup("needs root");
		chmod(base, 0700);
	}
	ok(rc == -1 && has(cause, "needs root"),
	    "without privilege host_apply fails, saying root is needed");
	free(cause);
	is_int((long long)npending(st), 0, "nothing journalled");
	ok(pristine(), "nothing written");
}

static void
test_engines(struct store *st)
{
	struct hostspec aslr = { NULL, -1, -1, 0 }, turbo = { NULL, 0, -1, -1 };
	struct hostspec smt = { NULL, -1, 0, -1 };
	struct hostspec gov = { (char *)"performance", -1, -1, -1 };
	struct host_lines done = { NULL, 0 };
	char *cause = NULL, *me, want[64], root[512];

	snprintf(root, sizeof root, "%s", path("poor", ""));
	me = host_engine_owner();
	snprintf(want, sizeof want, "engine %ld", (long)getpid());
	is_str(me, want, "an engine's owner is \"engine PID\"");
	free(me);

	/* 5555 does not run; 4242 is a wayfinder; 4343 is not (a reused
	 * PID). */
	host_apply(st, root, &aslr, "engine 5555", NULL, NULL, &cause);
	host_apply(st, root, &turbo, "engine 4242", NULL, NULL, &cause);
	host_apply(st, root, &smt, "engine 4343", NULL, NULL, &cause);
	host_apply(st, root, &gov, HOST_OWNER_MANUAL, NULL, NULL, &cause);
	is_int((long long)npending(st), 5, "five entries of four owners");
	is_int(host_restore(st, root, HOST_RESTORE_STALE, &done, &cause), 2,
	    "engine start restores what dead engines left");
	is_str(get("poor", ASLR), "1\n", "the dead engine's ASLR");
	is_str(get("poor", SMT), "on\n", "the reused PID's SMT");
	is_str(get("poor", BOOST), "0\n", "not the running engine's boost");
	is_str(get("poor", GOV(0)), "performance\n", "nor manual changes");
	host_lines_free(&done);

	is_int(host_restore(st, root, NULL, &done, &cause), 2,
	    "host restore undoes the manual changes");
	ok(lines_have(&done, "1 change of running engines kept"),
	    "and says it keeps the running engine's");
	is_str(get("poor", BOOST), "0\n", "boost is still off");
	host_lines_free(&done);
	is_int(host_restore(st, root, "engine 4242", NULL, &cause), 1,
	    "the engine undoes its own at its end");
	is_int((long long)npending(st), 0, "nothing pending");
	ok(pristine(), "every file back as it was");

	host_apply(st, root, &turbo, "engine 4242", NULL, NULL, &cause);
	is_int(host_restore(st, root, "engine 9", NULL, &cause), 0,
	    "another owner's entries are not touched");
	is_int(host_restore(st, root, HOST_RESTORE_ALL, NULL, &cause), 1,
	    "all undoes even a running engine's");
	ok(pristine(), "every file back as it was");
}

int
main(void)
{
	struct store *st;
	char *cause = NULL, db[512];

	if (mkdtemp(base) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	make_poor();
	make_good();
	make_vm();
	test_cpulist();
	test_busy();
	test_check();
	snprintf(db, sizeof db, "%s/state.db", base);
	if (store_open(db, &st, &cause) != 0) {
		printf("Bail out! %s\n", cause);
		return 99;
	}
	test_apply_restore(st);
	test_absent(st);
	test_write_fails(st);
	test_unprivileged(st);
	test_engines(st);
	store_close(st);
	files_rmtree(base);
	return done_testing();
}
