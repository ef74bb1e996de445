/*
 * The host: check how fit it is for benchmarking, tune it, and always
 * undo the tuning (see host.h). Every file is read and written below a
 * sysroot ("" for the real host) so that the tests can use a fake tree.
 * The undo record is the store's host journal: a change is journalled,
 * and committed, before its file is written, so that a crash between the
 * two leaves at worst an entry whose restore writes what is already there.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "files.h"
#include "cpulist.h"
#include "host.h"
#include "xmalloc.h"

#define CPU_DIR "/sys/devices/system/cpu"
#define ASLR_FILE "/proc/sys/kernel/randomize_va_space"
#define PARANOID_FILE "/proc/sys/kernel/perf_event_paranoid"
#define NO_TURBO_FILE CPU_DIR "/intel_pstate/no_turbo"
#define BOOST_FILE CPU_DIR "/cpufreq/boost"
#define SMT_FILE CPU_DIR "/smt/control"

/* Other load: busy percentages from which a CPU is not quiet, and bad. */
#define LOAD_WARN 10.0
#define LOAD_BAD 50.0
#define LOAD_SAMPLE_NS 200000000L

/* A set of CPUs, sorted, without duplicates. */
struct cpus {
	int *v;
	size_t n;
};

/* A path below the sysroot. Caller frees. */
static char *at(const char *root, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *
at(const char *root, const char *fmt, ...)
{
	va_list ap;
	char *rel, *p;

	va_start(ap, fmt);
	rel = xvasprintf(fmt, ap);
	va_end(ap);
	p = xasprintf("%s%s", root, rel);
	free(rel);
	return p;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A copy of s without leading and trailing white space. */
static char *
trim(const char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* The trimmed content of a file, or NULL when it cannot be read. */
static char *
read_trim(const char *path)
{
	char *raw, *t;

	if ((raw = files_read(path, NULL)) == NULL)
		return NULL;
	t = trim(raw);
	free(raw);
	return t;
}

static char *
read_at(const char *root, const char *rel)
{
	char *p = at(root, "%s", rel), *t;

	t = read_trim(p);
	free(p);
	return t;
}

/* Writes text with one write(2), as sysfs wants. Returns 0 or -1 (errno). */
static int
write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, text, len);
	e = n < 0 ? errno : EIO;
	if (n < 0 || (size_t)n != len) {
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

static void lines_add(struct host_lines *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
lines_add(struct host_lines *l, const char *fmt, ...)
{
	va_list ap;

	if (l == NULL)
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	va_start(ap, fmt);
	l->v[l->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void
host_lines_free(struct host_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const char *
host_verdict_name(enum host_verdict v)
{
	switch (v) {
	case HOST_OK:
		return "ok";
	case HOST_WARN:
		return "warn";
	case HOST_BAD:
		return "bad";
	case HOST_NA:
		break;
	}
	return "n/a";
}

char *
host_engine_owner(void)
{
	return xasprintf("engine %ld", (long)getpid());
}

/* CPU lists. */

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void
cpus_add(struct cpus *s, int cpu)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = cpu;
}

static void
cpus_norm(struct cpus *s)
{
	s->n = cpulist_norm(s->v, s->n);
}

static int
cpus_has(const struct cpus *s, int cpu)
{
	return s->v != NULL &&
	    bsearch(&cpu, s->v, s->n, sizeof *s->v, cmp_int) != NULL;
}

/* A name that is a whole decimal number, like cpu directories' and
 * /proc's pids. */
static int
decimal(const char *name, long *out)
{
	char *end;

	if (!isdigit((unsigned char)*name))
		return -1;
	errno = 0;
	*out = strtol(name, &end, 10);
	return errno == 0 && *end == '\0' && *out <= 1 << 22 ? 0 : -1;
}

static void
cpus_free(struct cpus *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static char *
cpus_text(const struct cpus *s)
{
	return cpulist_format(s->v, s->n);
}

/* "CPU 3" or "CPUs 0-2,5". Caller frees. */
static char *
cpus_phrase(const struct cpus *s)
{
	char *list = cpus_text(s), *p;

	p = xasprintf("CPU%s %s", s->n == 1 ? "" : "s", list);
	free(list);
	return p;
}

/* A CPU list from a file; an empty or "(null)" file is the empty set.
 * Returns -1 when the file cannot be read or parsed. */
static int
cpus_read(const char *root, const char *rel, struct cpus *s)
{
	char *t = read_at(root, rel);
	int rc = -1;

	s->v = NULL;
	s->n = 0;
	if (t == NULL)
		return -1;
	if (*t == '\0' || strcmp(t, "(null)") == 0)
		rc = 0;
	else
		rc = cpulist_parse(t, &s->v, &s->n);
	free(t);
	return rc;
}

/* The CPUs that have a directory in /sys/devices/system/cpu. */
static void
cpu_dirs(const char *root, struct cpus *s)
{
	char *path = at(root, CPU_DIR);
	struct dirent *de;
	DIR *d;
	long cpu;

	s->v = NULL;
	s->n = 0;
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "cpu", 3) != 0)
				continue;
			if (decimal(de->d_name + 3, &cpu) == 0)
				cpus_add(s, (int)cpu);
		}
		closedir(d);
	}
	free(path);
	cpus_norm(s);
}

static void
cpus_online(const char *root, struct cpus *s)
{
	if (cpus_read(root, CPU_DIR "/online", s) != 0)
		cpu_dirs(root, s);
}

/* The CPUs to examine by default: this process's affinity on the real
 * host, the online CPUs of a fake tree. */
static void
cpus_usable(const char *root, struct cpus *s)
{
	cpu_set_t set;
	int i;

	s->v = NULL;
	s->n = 0;
	if (*root == '\0' && sched_getaffinity(0, sizeof set, &set) == 0) {
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpus_add(s, i);
		return;
	}
	cpus_online(root, s);
}

int
host_cpus(const char *root, int **cpus, size_t *n)
{
	struct cpus s;

	cpus_usable(root, &s);
	*cpus = s.v;
	*n = s.n;
	return s.n > 0 ? 0 : -1;
}

/* Busy time. */

/* The busy and total ticks of cpuN in a /proc/stat text. */
static int
stat_cpu(const char *text, int cpu, double *busy, double *total)
{
	char head[32];
	const char *p;
	double f[8] = { 0 };
	size_t len;
	int i, n;

	len = (size_t)snprintf(head, sizeof head, "cpu%d ", cpu);
	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, head, len) != 0)
			continue;
		p += len;
		n = 0;
		for (i = 0; i < 8; i++) {
			char *end;

			f[i] = strtod(p, &end);
			if (end == p)
				break;
			p = end;
			n++;
		}
		if (n < 4)
			return -1;
		/* user nice system idle iowait irq softirq steal */
		*busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
		*total = *busy + f[3] + f[4];
		return 0;
	}
	return -1;
}

int
host_busy(const char *before, const char *after, const int *cpus, size_t n,
    double *busy)
{
	double b0, t0, b1, t1;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		busy[i] = NAN;
		if (stat_cpu(before, cpus[i], &b0, &t0) != 0 ||
		    stat_cpu(after, cpus[i], &b1, &t1) != 0 || t1 <= t0 ||
		    b1 < b0) {
			rc = -1;
			continue;
		}
		busy[i] = 100.0 * (b1 - b0) / (t1 - t0);
		if (busy[i] > 100.0)
			busy[i] = 100.0;
	}
	return rc;
}

/* The checks. */

struct ctx {
	const char *root;
	struct cpus ours, online;
	struct cpus iso, nohz;
	int iso_known, nohz_known;
	struct host_item *items;
	size_t nitems;
};

static void
item(struct ctx *c, const char *name, enum host_verdict v, char *state,
    char *advice)
{
	struct host_item *it;

	c->items = xreallocarray(c->items, c->nitems + 1, sizeof *c->items);
	it = &c->items[c->nitems++];
	it->name = xstrdup(name);
	it->verdict = v;
	it->state = state;
	it->advice = advice;
}

struct group {
	char *value; /* NULL: file missing */
	struct cpus cpus;
};

static void
group_add(struct group **g, size_t *n, const char *value, int cpu)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((value == NULL && (*g)[i].value == NULL) ||
		    (value != NULL && (*g)[i].value != NULL &&
			strcmp(value, (*g)[i].value) == 0))
			break;
	if (i == *n) {
		*g = xreallocarray(*g, *n + 1, sizeof **g);
		(*g)[i].value = value != NULL ? xstrdup(value) : NULL;
		(*g)[i].cpus.v = NULL;
		(*g)[i].cpus.n = 0;
		(*n)++;
	}
	cpus_add(&(*g)[i].cpus, cpu);
}

static void
groups_free(struct group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].value);
		cpus_free(&g[i].cpus);
	}
	free(g);
}

static void
check_governor(struct ctx *c)
{
	struct group *g = NULL;
	struct buf b = BUF_INIT;
	size_t i, ng = 0, present = 0;
	char *path, *gov, *list;
	int slow = 0;

	for (i = 0; i < c->ours.n; i++) {
		path = at(c->root, CPU_DIR "/cpu%d/cpufreq/scaling_governor",
		    c->ours.v[i]);
		gov = read_trim(path);
		free(path);
		group_add(&g, &ng, gov, c->ours.v[i]);
		if (gov != NULL) {
			present++;
			if (strcmp(gov, "performance") != 0)
				slow = 1;
		}
		free(gov);
	}
	if (present == 0) {
		item(c, "governor", HOST_NA,
		    xasprintf("absent: no cpufreq (no " CPU_DIR
			      "/cpu%d/cpufreq)",
			c->ours.n > 0 ? c->ours.v[0] : 0),
		    NULL);
		groups_free(g, ng);
		return;
	}
	for (i = 0; i < ng; i++) {
		list = cpus_text(&g[i].cpus);
		buf_printf(&b, "%s%s on %s", i > 0 ? "; " : "",
		    g[i].value != NULL ? g[i].value : "no cpufreq", list);
		free(list);
	}
	groups_free(g, ng);
	if (!slow) {
		item(c, "governor", HOST_OK, buf_steal(&b), NULL);
		return;
	}
	item(c, "governor", HOST_WARN, buf_steal(&b),
	    xstrdup("the frequency follows the load, so run times do too: "
		    "echo performance | tee " CPU_DIR
		    "/cpu*/cpufreq/scaling_governor, or `wayfinder host tune "
		    "--governor performance`"));
}

static void
check_turbo(struct ctx *c)
{
	struct group *g = NULL;
	struct buf b = BUF_INIT;
	size_t i, ng = 0, present = 0;
	char *t, *path, *list;
	int on = 0;

	if ((t = read_at(c->root, NO_TURBO_FILE)) != NULL) {
		if (strcmp(t, "0") == 0)
			item(c, "turbo", HOST_WARN,
			    xstrdup("on (intel_pstate/no_turbo is 0)"),
			    xstrdup("the boosted frequency depends on "
				    "temperature and on the other cores: echo "
				    "1 > " NO_TURBO_FILE ", or `wayfinder host "
				    "tune --turbo off`"));
		else
			item(c, "turbo", HOST_OK,
			    xasprintf("off (intel_pstate/no_turbo is %s)", t),
			    NULL);
		free(t);
		return;
	}
	if ((t = read_at(c->root, BOOST_FILE)) != NULL) {
		if (strcmp(t, "0") != 0)
			item(c, "turbo", HOST_WARN,
			    xasprintf("on (cpufreq/boost is %s)", t),
			    xstrdup("the boosted frequency depends on "
				    "temperature and on the other cores: echo "
				    "0 > " BOOST_FILE ", or `wayfinder host "
				    "tune --turbo off`"));
		else
			item(c, "turbo", HOST_OK,
			    xstrdup("off (cpufreq/boost is 0)"), NULL);
		free(t);
		return;
	}
	/* Per-policy boost (amd-pstate). */
	for (i = 0; i < c->ours.n; i++) {
		path =
		    at(c->root, CPU_DIR "/cpu%d/cpufreq/boost", c->ours.v[i]);
		t = read_trim(path);
		free(path);
		if (t == NULL)
			continue;
		present++;
		if (strcmp(t, "0") != 0)
			on = 1;
		group_add(&g, &ng, strcmp(t, "0") != 0 ? "on" : "off",
		    c->ours.v[i]);
		free(t);
	}
	if (present == 0) {
		item(c, "turbo", HOST_NA,
		    xstrdup("absent: no intel_pstate/no_turbo or "
			    "cpufreq/boost"),
		    NULL);
		return;
	}
	for (i = 0; i < ng; i++) {
		list = cpus_text(&g[i].cpus);
		buf_printf(&b, "%s%s on %s", i > 0 ? "; " : "", g[i].value,
		    list);
		free(list);
	}
	groups_free(g, ng);
	item(c, "turbo", on ? HOST_WARN : HOST_OK, buf_steal(&b),
	    on ? xstrdup("the boosted frequency depends on temperature and "
			 "on the other cores: echo 0 | tee " CPU_DIR
			 "/cpu*/cpufreq/boost, or `wayfinder host tune "
			 "--turbo off`") :
		 NULL);
}

static void
check_smt(struct ctx *c)
{
	char *t = read_at(c->root, SMT_FILE), *active;

	if (t == NULL) {
		item(c, "smt", HOST_NA, xstrdup("absent: no " SMT_FILE), NULL);
		return;
	}
	if (strcmp(t, "notsupported") == 0 || strcmp(t, "notimplemented") == 0)
		item(c, "smt", HOST_NA,
		    xasprintf("%s (smt/control)",
			strcmp(t, "notsupported") == 0 ?
			    "not supported by this CPU" :
			    "not implemented by this kernel"),
		    NULL);
	else if (strcmp(t, "off") == 0)
		item(c, "smt", HOST_OK, xstrdup("off"), NULL);
	else if (strcmp(t, "forceoff") == 0)
		item(c, "smt", HOST_OK, xstrdup("forced off (nosmt=force)"),
		    NULL);
	else if (strcmp(t, "on") == 0) {
		active = read_at(c->root, CPU_DIR "/smt/active");
		if (active != NULL && strcmp(active, "0") == 0)
			item(c, "smt", HOST_OK,
			    xstrdup("on, but no CPU has a sibling"), NULL);
		else
			item(c, "smt", HOST_WARN,
			    xstrdup("on: sibling CPUs share a core"),
			    xstrdup(
				"a job's sibling thread slows it: use "
				"isolation: core (or stronger) in the "
				"spec, or turn SMT off: echo off > " SMT_FILE
				", or `wayfinder host tune --smt off` "
				"(siblings go offline)"));
		free(active);
	} else
		item(c, "smt", HOST_NA,
		    xasprintf("unknown (smt/control: %s)", t), NULL);
	free(t);
}

static void
check_aslr(struct ctx *c)
{
	char *t = read_at(c->root, ASLR_FILE);

	if (t == NULL)
		item(c, "aslr", HOST_NA, xstrdup("absent: no " ASLR_FILE),
		    NULL);
	else if (strcmp(t, "0") == 0)
		item(c, "aslr", HOST_OK,
		    xstrdup("off (randomize_va_space is 0)"), NULL);
	else
		item(c, "aslr", HOST_WARN,
		    xasprintf("on (randomize_va_space is %s)", t),
		    xstrdup("the memory layout, and with it the run time, "
			    "changes from run to run: aslr: false in the "
			    "spec's test section turns it off for the jobs "
			    "alone; host-wide: echo 0 > " ASLR_FILE
			    ", or `wayfinder host tune --aslr off`"));
	free(t);
}

static void
check_paranoid(struct ctx *c)
{
	static const char advice[] =
	    "echo 1 > " PARANOID_FILE " (or sysctl kernel.perf_event_paranoid"
	    "=1), or run wayfinder as root";
	char *t = read_at(c->root, PARANOID_FILE), *end;
	long v;
	int root = geteuid() == 0;

	if (t == NULL) {
		item(c, "perf_event_paranoid", HOST_NA,
		    xstrdup("absent: no perf events in this kernel"), NULL);
		return;
	}
	v = strtol(t, &end, 10);
	if (*t == '\0' || *end != '\0')
		item(c, "perf_event_paranoid", HOST_NA,
		    xasprintf("unknown (%s)", t), NULL);
	else if (v <= 1)
		item(c, "perf_event_paranoid", HOST_OK, xasprintf("%ld", v),
		    NULL);
	else if (root)
		item(c, "perf_event_paranoid", HOST_OK,
		    xasprintf("%ld (root is exempt)", v), NULL);
	else if (v == 2)
		item(c, "perf_event_paranoid", HOST_WARN,
		    xstrdup("2: counters see user mode only"), xstrdup(advice));
	else
		item(c, "perf_event_paranoid", HOST_BAD,
		    xasprintf("%ld: no hardware counters without root", v),
		    xstrdup(advice));
	free(t);
}

/* The value of key= on the kernel command line (before "--"), or NULL. */
static char *
cmdline_value(const char *cmdline, const char *key)
{
	size_t klen = strlen(key), len;
	const char *p = cmdline, *val = NULL, *end;
	size_t vlen = 0;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		for (end = p; *end != '\0' && !isspace((unsigned char)*end);
		     end++)
			;
		len = (size_t)(end - p);
		if (len == 2 && strncmp(p, "--", 2) == 0)
			break;
		if (len > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			val = p + klen + 1; /* the last one counts */
			vlen = len - klen - 1;
		}
		p = end;
	}
	return val != NULL ? xstrndup(val, vlen) : NULL;
}

/* isolcpus= and nohz_full= from the command line: flags (nohz, domain,
 * managed_irq) before the list are dropped. */
static int
cmdline_cpus(const char *cmdline, const char *key, struct cpus *s)
{
	char *v = cmdline_value(cmdline, key), *p;
	int rc;

	s->v = NULL;
	s->n = 0;
	if (v == NULL)
		return 0;
	for (p = v; isalpha((unsigned char)*p);) {
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	rc = *p == '\0' ? 0 : cpulist_parse(p, &s->v, &s->n);
	free(v);
	return rc;
}

static void
isolation_read(struct ctx *c)
{
	char *cmdline = read_at(c->root, "/proc/cmdline");

	c->iso_known = cpus_read(c->root, CPU_DIR "/isolated", &c->iso) == 0;
	if (!c->iso_known && cmdline != NULL)
		c->iso_known = cmdline_cpus(cmdline, "isolcpus", &c->iso) == 0;
	c->nohz_known = cpus_read(c->root, CPU_DIR "/nohz_full", &c->nohz) == 0;
	if (!c->nohz_known && cmdline != NULL)
		c->nohz_known =
		    cmdline_cpus(cmdline, "nohz_full", &c->nohz) == 0;
	free(cmdline);
}

/* The CPUs of a not in b. */
static void
cpus_minus(const struct cpus *a, const struct cpus *b, struct cpus *out)
{
	size_t i;

	out->v = NULL;
	out->n = 0;
	for (i = 0; i < a->n; i++)
		if (!cpus_has(b, a->v[i]))
			cpus_add(out, a->v[i]);
}

static void
check_isolation(struct ctx *c)
{
	struct cpus notiso, notnohz, rest, sys = { NULL, 0 };
	char *iso, *nohz, *list, *phrase, *state;

	if (!c->iso_known && !c->nohz_known) {
		item(c, "isolation", HOST_NA,
		    xstrdup("unknown: no " CPU_DIR "/isolated or "
			    "/proc/cmdline"),
		    NULL);
		return;
	}
	iso = cpus_text(&c->iso);
	nohz = cpus_text(&c->nohz);
	cpus_minus(&c->ours, &c->iso, &notiso);
	cpus_minus(&c->ours, &c->nohz, &notnohz);
	state = xasprintf("isolcpus %s, nohz_full %s", iso, nohz);
	/* The first online CPU keeps the system's housekeeping. */
	if (c->online.n > 0)
		cpus_add(&sys, c->online.v[0]);
	cpus_minus(&notiso, &sys, &rest);
	if (notiso.n == 0 && notnohz.n == 0)
		item(c, "isolation", HOST_OK, state, NULL);
	else if (notiso.n == 0) {
		list = cpus_text(&notnohz);
		phrase = cpus_phrase(&notnohz);
		item(c, "isolation", HOST_WARN, state,
		    xasprintf("timer ticks still interrupt %s: add "
			      "nohz_full=%s to the kernel command line",
			phrase, list));
		free(phrase);
		free(list);
	} else if (c->iso.n > 0) {
		phrase = cpus_phrase(&notiso);
		item(c, "isolation", HOST_WARN, state,
		    xasprintf("other tasks run on %s, which %s not isolated; "
			      "CPUs %s are: run on those (--cpus %s here)",
			phrase, notiso.n == 1 ? "is" : "are", iso, iso));
		free(phrase);
	} else if (rest.n == 0)
		item(c, "isolation", HOST_WARN, state,
		    c->online.n < 2 ?
			xstrdup("other tasks run on the only CPU: a single "
				"CPU cannot be isolated") :
			xasprintf("other tasks run on CPU %d, which the "
				  "system needs: examine others (--cpus)",
			    sys.v[0]));
	else {
		list = cpus_text(&rest);
		phrase = cpus_phrase(&notiso);
		item(c, "isolation", HOST_WARN, state,
		    xasprintf("other tasks may run on %s: for quiet CPUs boot "
			      "with isolcpus=%s nohz_full=%s rcu_nocbs=%s on "
			      "the kernel command line (CPU %d keeps the "
			      "system's work), then run on them",
			phrase, list, list, list, sys.n > 0 ? sys.v[0] : 0));
		free(phrase);
		free(list);
	}
	cpus_free(&notiso);
	cpus_free(&notnohz);
	cpus_free(&rest);
	cpus_free(&sys);
	free(iso);
	free(nohz);
}

/* Calls fn for each numeric entry of dir; stops when fn returns non-zero
 * and returns that. */
static int
each_pid(const char *dir, int (*fn)(const char *, long, void *), void *arg)
{
	struct dirent *de;
	DIR *d;
	long pid;
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (decimal(de->d_name, &pid) == 0)
			rc = fn(dir, pid, arg);
	}
	closedir(d);
	return rc;
}

struct find_comm {
	const char *name;
	long pid;
};

static int
find_comm_fn(const char *dir, long pid, void *arg)
{
	struct find_comm *f = arg;
	char *path = xasprintf("%s/%ld/comm", dir, pid), *comm;
	int found;

	comm = read_trim(path);
	free(path);
	found = comm != NULL && strcmp(comm, f->name) == 0;
	free(comm);
	if (found)
		f->pid = pid;
	return found;
}

static void
check_irqbalance(struct ctx *c)
{
	struct find_comm f = { "irqbalance", 0 };
	struct cpus quiet, left;
	char *proc = at(c->root, "/proc");
	size_t i;

	each_pid(proc, find_comm_fn, &f);
	free(proc);
	if (f.pid == 0) {
		item(c, "irqbalance", HOST_OK, xstrdup("not running"), NULL);
		return;
	}
	/* irqbalance keeps away from isolcpus and nohz_full CPUs. */
	quiet.v = NULL;
	quiet.n = 0;
	for (i = 0; i < c->iso.n; i++)
		cpus_add(&quiet, c->iso.v[i]);
	for (i = 0; i < c->nohz.n; i++)
		cpus_add(&quiet, c->nohz.v[i]);
	cpus_norm(&quiet);
	cpus_minus(&c->ours, &quiet, &left);
	if (left.n == 0)
		item(c, "irqbalance", HOST_OK,
		    xasprintf("running (pid %ld), away from isolated CPUs",
			f.pid),
		    NULL);
	else {
		char *list = cpus_text(&left), *phrase = cpus_phrase(&left);

		item(c, "irqbalance", HOST_WARN,
		    xasprintf("running (pid %ld)", f.pid),
		    xasprintf("it moves device interrupts onto %s too: "
			      "systemctl stop irqbalance while experimenting, "
			      "or IRQBALANCE_BANNED_CPULIST=%s in its "
			      "configuration (/etc/default/irqbalance)",
			phrase, list));
		free(phrase);
		free(list);
	}
	cpus_free(&quiet);
	cpus_free(&left);
}

static void
check_swap(struct ctx *c)
{
	char *text = read_at(c->root, "/proc/swaps"), *line, *save = NULL;
	double size, used, tsize = 0, tused = 0;
	size_t n = 0;
	int first = 1;

	if (text == NULL) {
		item(c, "swap", HOST_OK, xstrdup("none (no swap support)"),
		    NULL);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (first) { /* the header */
			first = 0;
			continue;
		}
		if (sscanf(line, "%*s %*s %lf %lf", &size, &used) != 2)
			continue;
		n++;
		tsize += size;
		tused += used;
	}
	free(text);
	if (n == 0) {
		item(c, "swap", HOST_OK, xstrdup("none"), NULL);
		return;
	}
	item(c, "swap", HOST_WARN,
	    xasprintf("%zu area%s, %.1f GiB, %.0f MiB used", n,
		n == 1 ? "" : "s", tsize / 1048576, tused / 1024),
	    xstrdup("paging makes run times jump: swapoff -a while "
		    "experimenting (swapon -a after)"));
}

/* A thread's CPU time, from /proc/PID/task/TID/stat. */
struct task {
	long tid, pid;
	double ticks; /* utime + stime */
	int cpu;      /* where it last ran */
	char comm[32];
};

struct tasks {
	struct task *v;
	size_t n;
	long pid; /* of the task directory being read */
};

static int
task_read(const char *dir, long tid, void *arg)
{
	struct tasks *t = arg;
	struct task k;
	char *path = xasprintf("%s/%ld/stat", dir, tid), *text, *open, *close;
	const char *q;
	double utime = 0, stime = 0;
	int i;

	text = files_read(path, NULL);
	free(path);
	if (text == NULL || (open = strchr(text, '(')) == NULL ||
	    (close = strrchr(text, ')')) == NULL || close < open) {
		free(text);
		return 0;
	}
	memset(&k, 0, sizeof k);
	k.tid = tid;
	k.pid = t->pid;
	snprintf(k.comm, sizeof k.comm, "%.*s", (int)(close - open - 1),
	    open + 1);
	/* After "pid (comm)": field 3 is the state, 14 and 15 utime and
	 * stime, 39 the processor. */
	q = close + 1;
	for (i = 3; i <= 39 && q != NULL; i++) {
		while (*q == ' ')
			q++;
		if (i == 14)
			utime = strtod(q, NULL);
		else if (i == 15)
			stime = strtod(q, NULL);
		else if (i == 39 && sscanf(q, "%d", &k.cpu) == 1) {
			k.ticks = utime + stime;
			t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
			t->v[t->n++] = k;
			break;
		}
		q = strchr(q, ' ');
	}
	free(text);
	return 0;
}

static int
task_proc(const char *dir, long pid, void *arg)
{
	struct tasks *t = arg;
	char *tasks = xasprintf("%s/%ld/task", dir, pid);

	t->pid = pid;
	each_pid(tasks, task_read, t);
	free(tasks);
	return 0;
}

static void
tasks_read(const char *root, struct tasks *t)
{
	char *proc = at(root, "/proc");

	t->v = NULL;
	t->n = 0;
	each_pid(proc, task_proc, t);
	free(proc);
}

static int
cmp_tid(const void *a, const void *b)
{
	const struct task *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int
cmp_ticks_desc(const void *a, const void *b)
{
	const struct task *x = a, *y = b;

	return (x->ticks < y->ticks) - (x->ticks > y->ticks);
}

/*
 * The processes that used the most CPU time on cpus between two task
 * readings, as "name (pid) N%" (of one CPU over secs seconds), at most
 * four; "" when none.
 */
static char *
top_tasks(struct tasks *before, struct tasks *after, const struct cpus *cpus,
    double secs, long self)
{
	struct task *found, *procs = NULL;
	struct buf b = BUF_INIT;
	size_t i, k, np = 0;
	double hz = (double)sysconf(_SC_CLK_TCK), d;

	if (before->n == 0)
		return xstrdup("");
	qsort(before->v, before->n, sizeof *before->v, cmp_tid);
	for (i = 0; i < after->n; i++) {
		struct task *t = &after->v[i];

		if (t->pid == self || !cpus_has(cpus, t->cpu))
			continue;
		found = bsearch(t, before->v, before->n, sizeof *before->v,
		    cmp_tid);
		if (found == NULL || (d = t->ticks - found->ticks) <= 0)
			continue;
		/* Sum the threads of each process. */
		for (k = 0; k < np && procs[k].pid != t->pid; k++)
			;
		if (k == np) {
			procs = xreallocarray(procs, np + 1, sizeof *procs);
			procs[np] = *t;
			procs[np++].ticks = 0;
			if (t->tid != t->pid) { /* name the process */
				struct task key;

				key.tid = t->pid;
				found = bsearch(&key, before->v, before->n,
				    sizeof *before->v, cmp_tid);
				if (found != NULL)
					memcpy(procs[k].comm, found->comm,
					    sizeof procs[k].comm);
			}
		}
		procs[k].ticks += d;
	}
	if (np > 0)
		qsort(procs, np, sizeof *procs, cmp_ticks_desc);
	for (i = 0; i < np && i < 4; i++)
		buf_printf(&b, "%s%s (%ld) %.0f%%", i > 0 ? ", " : "",
		    procs[i].comm, procs[i].pid,
		    100.0 * procs[i].ticks / hz / secs);
	free(procs);
	return buf_steal(&b);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
check_load(struct ctx *c)
{
	struct timespec ts = { 0, LOAD_SAMPLE_NS };
	struct tasks before, after;
	struct cpus busy = { NULL, 0 };
	struct buf b = BUF_INIT;
	char *path = at(c->root, "/proc/stat"), *t0, *t1, *which, *top, *adv;
	double *v, max = -1, sum = 0, start, end, secs;
	size_t i, nv = 0, imax = 0;
	enum host_verdict verdict;

	if ((t0 = files_read(path, NULL)) == NULL) {
		item(c, "load", HOST_NA, xstrdup("absent: no /proc/stat"),
		    NULL);
		free(path);
		return;
	}
	/* The CPU time of threads is compared between the middles of the
	 * two scans of /proc. */
	start = mono();
	tasks_read(c->root, &before);
	start = (start + mono()) / 2;
	nanosleep(&ts, NULL);
	t1 = files_read(path, NULL);
	end = mono();
	tasks_read(c->root, &after);
	secs = (end + mono()) / 2 - start;
	free(path);
	v = xcalloc(c->ours.n > 0 ? c->ours.n : 1, sizeof *v);
	host_busy(t0, t1 != NULL ? t1 : t0, c->ours.v, c->ours.n, v);
	free(t0);
	free(t1);
	for (i = 0; i < c->ours.n; i++) {
		if (isnan(v[i]))
			continue;
		nv++;
		sum += v[i];
		if (v[i] > max) {
			max = v[i];
			imax = i;
		}
		if (v[i] >= LOAD_WARN)
			cpus_add(&busy, c->ours.v[i]);
	}
	if (nv == 0) {
		item(c, "load", HOST_NA,
		    xstrdup("unknown: /proc/stat counted no time"), NULL);
		goto out;
	}
	if (c->ours.n <= 8) {
		for (i = 0; i < c->ours.n; i++)
			if (!isnan(v[i]))
				buf_printf(&b, "%scpu%d %.0f%%",
				    b.len > 0 ? ", " : "", c->ours.v[i], v[i]);
		buf_adds(&b, " busy");
	} else
		buf_printf(&b, "busiest cpu%d %.0f%%, mean %.0f%%",
		    c->ours.v[imax], max, sum / (double)nv);
	verdict = max >= LOAD_BAD ? HOST_BAD :
	    max >= LOAD_WARN      ? HOST_WARN :
				    HOST_OK;
	if (verdict == HOST_OK) {
		item(c, "load", verdict, buf_steal(&b), NULL);
		goto out;
	}
	top = top_tasks(&before, &after, &busy, secs,
	    *c->root == '\0' ? (long)getpid() : -1);
	which = cpus_phrase(&busy);
	if (*top != '\0')
		adv = xasprintf("other work runs on %s (busiest: %s): stop "
				"it, or run on quiet CPUs",
		    which, top);
	else
		adv = xasprintf("other work runs on %s: stop it, or run on "
				"quiet CPUs",
		    which);
	item(c, "load", verdict, buf_steal(&b), adv);
	free(which);
	free(top);
out:
	free(before.v);
	free(after.v);
	cpus_free(&busy);
	free(v);
}

int
host_check(const char *root, const int *cpus, size_t ncpus,
    struct host_item **items, size_t *nitems, char **cause)
{
	struct ctx c;
	struct cpus bad;
	size_t i;
	char *list, *olist;

	memset(&c, 0, sizeof c);
	c.root = root;
	cpus_online(root, &c.online);
	if (cpus == NULL)
		cpus_usable(root, &c.ours);
	else {
		for (i = 0; i < ncpus; i++)
			cpus_add(&c.ours, cpus[i]);
		cpus_norm(&c.ours);
		cpus_minus(&c.ours, &c.online, &bad);
		if (bad.n > 0 || c.ours.n == 0) {
			list = cpus_phrase(&bad);
			olist = cpus_text(&c.online);
			*cause = xasprintf("%s %s not online (online: %s)",
			    list, bad.n == 1 ? "is" : "are", olist);
			free(list);
			free(olist);
			cpus_free(&bad);
			cpus_free(&c.online);
			cpus_free(&c.ours);
			return -1;
		}
		cpus_free(&bad);
	}
	isolation_read(&c);
	check_governor(&c);
	check_turbo(&c);
	check_smt(&c);
	check_aslr(&c);
	check_paranoid(&c);
	check_isolation(&c);
	check_irqbalance(&c);
	check_swap(&c);
	check_load(&c);
	cpus_free(&c.ours);
	cpus_free(&c.online);
	cpus_free(&c.iso);
	cpus_free(&c.nohz);
	*items = c.items;
	*nitems = c.nitems;
	return 0;
}

void
host_items_free(struct host_item *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].state);
		free(v[i].advice);
	}
	free(v);
}

/* Tuning. */

/* When the current content already is what we want. */
enum match { M_EXACT, M_NONZERO, M_SMT_OFF };

struct plan {
	const char *knob;
	char *path;
	char *value; /* written with a newline, as echo does */
	enum match match;
};

struct plans {
	struct plan *v;
	size_t n;
};

static void
plan_add(struct plans *p, const char *knob, char *path, const char *value,
    enum match m)
{
	p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
	p->v[p->n].knob = knob;
	p->v[p->n].path = path;
	p->v[p->n].value = xstrdup(value);
	p->v[p->n].match = m;
	p->n++;
}

static void
plans_free(struct plans *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].value);
	}
	free(p->v);
}

static int
matches(enum match m, const char *cur, const char *value)
{
	switch (m) {
	case M_NONZERO:
		return strcmp(cur, "0") != 0;
	case M_SMT_OFF:
		return strcmp(cur, "off") == 0 || strcmp(cur, "forceoff") == 0;
	case M_EXACT:
		break;
	}
	return strcmp(cur, value) == 0;
}

/* Is word one of the space-separated words of list? */
static int
has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (p[len] == '\0' || isspace((unsigned char)p[len])))
			return 1;
		p += len;
	}
	return 0;
}

static void
plan_smt(const char *root, int on, struct plans *p, struct host_lines *skip)
{
	char *path = at(root, SMT_FILE), *t;

	if ((t = read_trim(path)) == NULL)
		lines_add(skip, "smt: not changed: absent (no %s)", path);
	else if (strcmp(t, "notsupported") == 0 ||
	    strcmp(t, "notimplemented") == 0)
		lines_add(skip, "smt: not changed: %s says %s", path, t);
	else if (strcmp(t, "forceoff") == 0 && on)
		lines_add(skip,
		    "smt: not changed: forced off at boot (nosmt=force) "
		    "until the next boot");
	else {
		plan_add(p, "smt", path, on ? "on" : "off",
		    on ? M_EXACT : M_SMT_OFF);
		path = NULL;
	}
	free(path);
	free(t);
}

static void
plan_turbo(const char *root, int on, struct plans *p, struct host_lines *skip)
{
	struct cpus dirs;
	char *path;
	size_t i, n = 0;

	path = at(root, NO_TURBO_FILE);
	if (exists(path)) {
		plan_add(p, "turbo", path, on ? "0" : "1", M_EXACT);
		return;
	}
	free(path);
	path = at(root, BOOST_FILE);
	if (exists(path)) {
		plan_add(p, "turbo", path, on ? "1" : "0", M_EXACT);
		return;
	}
	free(path);
	cpu_dirs(root, &dirs);
	for (i = 0; i < dirs.n; i++) {
		path = at(root, CPU_DIR "/cpu%d/cpufreq/boost", dirs.v[i]);
		if (exists(path)) {
			plan_add(p, "turbo", path, on ? "1" : "0", M_EXACT);
			n++;
		} else
			free(path);
	}
	cpus_free(&dirs);
	if (n == 0)
		lines_add(skip,
		    "turbo: not changed: absent (no %s%s, %s%s or per-CPU "
		    "cpufreq/boost)",
		    root, NO_TURBO_FILE, root, BOOST_FILE);
}

static void
plan_governor(const char *root, const char *gov, struct plans *p,
    struct host_lines *skip)
{
	struct cpus dirs, lacking = { NULL, 0 };
	char *path, *ap, *avail, *lacked = NULL, *list;
	size_t i, present = 0;

	cpu_dirs(root, &dirs);
	for (i = 0; i < dirs.n; i++) {
		path = at(root, CPU_DIR "/cpu%d/cpufreq/scaling_governor",
		    dirs.v[i]);
		if (!exists(path)) {
			free(path);
			continue;
		}
		present++;
		ap = at(root,
		    CPU_DIR "/cpu%d/cpufreq/scaling_available_governors",
		    dirs.v[i]);
		avail = read_trim(ap);
		free(ap);
		if (avail != NULL && !has_word(avail, gov)) {
			cpus_add(&lacking, dirs.v[i]);
			if (lacked == NULL)
				lacked = avail;
			else
				free(avail);
			free(path);
			continue;
		}
		free(avail);
		plan_add(p, "governor", path, gov, M_EXACT);
	}
	if (present == 0)
		lines_add(skip,
		    "governor: not changed: no cpufreq (no %s" CPU_DIR
		    "/cpu%d/cpufreq)",
		    root, dirs.n > 0 ? dirs.v[0] : 0);
	else if (lacking.n > 0) {
		list = cpus_text(&lacking);
		lines_add(skip,
		    "governor: not changed on CPU%s %s: no %s governor "
		    "(available: %s)",
		    lacking.n == 1 ? "" : "s", list, gov, lacked);
		free(list);
	}
	free(lacked);
	cpus_free(&lacking);
	cpus_free(&dirs);
}

static void
plan_aslr(const char *root, int on, struct plans *p, struct host_lines *skip)
{
	char *path = at(root, ASLR_FILE);

	if (!exists(path)) {
		lines_add(skip, "aslr: not changed: absent (no %s)", path);
		free(path);
		return;
	}
	plan_add(p, "aslr", path, on ? "2" : "0", on ? M_NONZERO : M_EXACT);
}

/* Whether path may be written. 1: yes; 0: no, and a line says why; -1:
 * not without privilege (*cause set). */
static int
writable(const char *knob, const char *path, struct host_lines *skip,
    char **cause)
{
	if (access(path, W_OK) == 0)
		return 1;
	if (errno == EACCES || errno == EPERM) {
		*cause = xasprintf("cannot write %s (%s): changing the host "
				   "needs root",
		    path, strerror(errno));
		return -1;
	}
	lines_add(skip, "%s: not changed: %s: %s", knob, path,
	    errno == EROFS ? "read-only here" : strerror(errno));
	return 0;
}

int
host_apply(struct store *st, const char *root, const struct hostspec *h,
    const char *owner, struct host_lines *done, struct host_lines *skipped,
    char **cause)
{
	struct plans p = { NULL, 0 };
	struct host_lines skip = { NULL, 0 };
	struct plan *x;
	char *cur, *now, *text;
	int64_t id;
	size_t i, k;
	int changes = 0, w;
	int *ok;

	if (h->smt >= 0)
		plan_smt(root, h->smt, &p, &skip);
	if (h->turbo >= 0)
		plan_turbo(root, h->turbo, &p, &skip);
	if (h->governor != NULL)
		plan_governor(root, h->governor, &p, &skip);
	if (h->aslr >= 0)
		plan_aslr(root, h->aslr, &p, &skip);

	/* All or nothing for want of privilege: check before any change. */
	ok = xcalloc(p.n > 0 ? p.n : 1, sizeof *ok);
	for (i = 0; i < p.n; i++) {
		w = writable(p.v[i].knob, p.v[i].path, &skip, cause);
		if (w < 0) {
			free(ok);
			plans_free(&p);
			host_lines_free(&skip);
			return -1;
		}
		ok[i] = w;
	}
	for (k = 0; k < skip.n; k++)
		lines_add(skipped, "%s", skip.v[k]);
	host_lines_free(&skip);

	for (i = 0; i < p.n; i++) {
		x = &p.v[i];
		if (!ok[i])
			continue;
		/* Read just before writing: CPUs sharing a cpufreq policy
		 * change together. */
		if ((cur = files_read(x->path, NULL)) == NULL) {
			/* Turning SMT off takes CPUs, and their cpufreq,
			 * away. */
			if (errno == ENOENT)
				lines_add(done, "%s: %s is gone (CPU offline)",
				    x->knob, x->path);
			else
				lines_add(skipped, "%s: not changed: %s: %s",
				    x->knob, x->path, strerror(errno));
			continue;
		}
		now = trim(cur);
		if (matches(x->match, now, x->value)) {
			lines_add(done, "%s: %s already %s", x->knob, x->path,
			    now);
			free(now);
			free(cur);
			continue;
		}
		text = xasprintf("%s\n", x->value);
		id = store_journal_add(st, x->path, cur, text, owner);
		if (write_text(x->path, text) != 0) {
			lines_add(skipped,
			    "%s: not changed: writing %s to %s failed: %s",
			    x->knob, x->value, x->path, strerror(errno));
			store_journal_restored(st, id);
		} else {
			lines_add(done, "%s: %s %s -> %s", x->knob, x->path,
			    now, x->value);
			changes++;
		}
		free(text);
		free(now);
		free(cur);
	}
	free(ok);
	plans_free(&p);
	return changes;
}

/* Restoring. */

/* Whether an engine runs as pid (a wayfinder process). */
static int
engine_alive(const char *root, long pid)
{
	char *comm, *path = at(root, "/proc/%ld/comm", pid);
	int alive;

	comm = read_trim(path);
	free(path);
	alive = comm != NULL &&
	    (strcmp(comm, "wayfinder") == 0 ||
		strcmp(comm, "lt-wayfinder") == 0);
	free(comm);
	return alive;
}

/* The PID of an "engine PID" owner, or -1. */
static long
engine_pid(const char *owner)
{
	long pid;

	if (strncmp(owner, "engine ", 7) != 0 || decimal(owner + 7, &pid) != 0)
		return -1;
	return pid;
}

/* 1: restore the entry, 0: not, 2: not, it belongs to a running engine. */
static int
selected(const char *root, const char *which, const char *owner)
{
	long pid = engine_pid(owner);

	if (which == NULL)
		return pid < 0 || !engine_alive(root, pid) ? 1 : 2;
	if (strcmp(which, HOST_RESTORE_ALL) == 0)
		return 1;
	if (strcmp(which, HOST_RESTORE_STALE) == 0)
		return pid >= 0 && !engine_alive(root, pid);
	return strcmp(which, owner) == 0;
}

/* The time of the last boot (btime in /proc/stat), or 0. */
static double
boot_time(const char *root)
{
	char *path = at(root, "/proc/stat"), *text, *p;
	double t = 0;

	text = files_read(path, NULL);
	free(path);
	if (text == NULL)
		return 0;
	for (p = text; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, "btime ", 6) == 0) {
			t = strtod(p + 6, NULL);
			break;
		}
	}
	free(text);
	return t;
}

int
host_restore(struct store *st, const char *root, const char *which,
    struct host_lines *done, char **cause)
{
	struct store_journal *v = NULL, *e;
	char *cur, *now, *was, *old, *first = NULL;
	double btime = boot_time(root);
	size_t i, n = 0, live = 0, failed = 0;
	int count = 0, *sel;

	store_journal_pending(st, &v, &n);
	sel = xcalloc(n > 0 ? n : 1, sizeof *sel);
	for (i = 0; i < n; i++) {
		sel[i] = selected(root, which, v[i].owner);
		if (sel[i] == 2)
			live++;
		if (sel[i] != 1 || !exists(v[i].path) ||
		    access(v[i].path, W_OK) == 0 ||
		    (errno != EACCES && errno != EPERM))
			continue;
		*cause = xasprintf("cannot write %s (%s): restoring the host "
				   "needs root",
		    v[i].path, strerror(errno));
		free(sel);
		store_journal_free(v, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = &v[i];
		if (sel[i] != 1)
			continue;
		now = NULL;
		was = trim(e->new);
		old = trim(e->old);
		if (btime > 0 && e->time < btime) {
			lines_add(done,
			    "%s: set to %s before the last boot, which reset "
			    "it: nothing to restore",
			    e->path, was);
			store_journal_restored(st, e->id);
			count++;
		} else if ((cur = files_read(e->path, NULL)) == NULL) {
			lines_add(done, "%s: gone (%s): nothing to restore",
			    e->path, strerror(errno));
			store_journal_restored(st, e->id);
			count++;
		} else if (strcmp((now = trim(cur)), was) != 0) {
			lines_add(done,
			    "%s: now %s, not the %s wayfinder wrote: changed "
			    "since, left alone",
			    e->path, now, was);
			store_journal_restored(st, e->id);
			count++;
			free(cur);
		} else if (write_text(e->path, e->old) != 0) {
			lines_add(done, "%s: restoring %s failed: %s", e->path,
			    old, strerror(errno));
			if (first == NULL)
				first = xasprintf("%s: %s", e->path,
				    strerror(errno));
			failed++;
			free(cur);
		} else {
			lines_add(done, "%s: %s -> %s (restored)", e->path, was,
			    old);
			store_journal_restored(st, e->id);
			count++;
			free(cur);
		}
		free(now);
		free(was);
		free(old);
	}
	if (live > 0)
		lines_add(done,
		    "%zu change%s of running engines kept: each engine undoes "
		    "its own when it ends (host restore --all undoes them now)",
		    live, live == 1 ? "" : "s");
	free(sel);
	store_journal_free(v, n);
	if (failed > 0) {
		*cause = xasprintf("%zu change%s could not be restored, "
				   "the first %s",
		    failed, failed == 1 ? "" : "s", first);
		free(first);
		return -1;
	}
	return count;
}
