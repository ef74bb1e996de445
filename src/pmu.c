/*
 * Performance counters: libpfm4 turns an event name into a perf_event
 * attribute; perf_event_open(2) opens it on a job's process before the
 * job execs (enable_on_exec), inherited by every process the job starts,
 * so that reading the counter gives the whole job's count.
 *
 * Only libpfm4's copy of the perf_event definitions is included here
 * (<perfmon/pfmlib_perf_event.h>): the kernel's <linux/perf_event.h>
 * defines the same names and the two cannot be included together.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <perfmon/pfmlib_perf_event.h>

#include "buf.h"
#include "diag.h"
#include "pmu.h"
#include "xmalloc.h"

/* perf(1)'s spellings that libpfm4 does not know by itself (it already
 * matches "task-clock", "cache-misses" or "L1-dcache-load-misses",
 * case-insensitively). */
static const struct {
	const char *perf, *pfm;
} aliases[] = {
	{ "LLC-misses", "perf::LLC-LOAD-MISSES" },
	{ "LLC-references", "perf::LLC-LOADS" },
	{ "L1-dcache-misses", "perf::L1-DCACHE-LOAD-MISSES" },
	{ "L1-icache-misses", "perf::L1-ICACHE-LOAD-MISSES" },
	{ "dTLB-misses", "perf::DTLB-LOAD-MISSES" },
	{ "iTLB-misses", "perf::ITLB-LOAD-MISSES" },
	{ "cpu-cycles", "perf::CPU-CYCLES" },
};

/* perf's generic events, as perf(1) spells them: what `events` lists by
 * default and what suggestions are drawn from. */
static const struct {
	const char *name, *desc;
} generic[] = {
	{ "cycles", "CPU cycles" },
	{ "instructions", "instructions retired" },
	{ "cache-references", "cache accesses (usually the last level)" },
	{ "cache-misses", "cache misses (usually the last level)" },
	{ "branches", "branch instructions retired" },
	{ "branch-misses", "mispredicted branches" },
	{ "bus-cycles", "bus cycles" },
	{ "stalled-cycles-frontend", "cycles the front end stalled" },
	{ "stalled-cycles-backend", "cycles the back end stalled" },
	{ "ref-cycles",
	    "cycles at the reference clock (no frequency scaling)" },
	{ "cpu-clock", "CPU time, nanoseconds (a timer)" },
	{ "task-clock", "CPU time of the job's tasks, nanoseconds" },
	{ "page-faults", "page faults" },
	{ "context-switches", "context switches" },
	{ "cpu-migrations", "moves from one CPU to another" },
	{ "minor-faults", "page faults served without I/O" },
	{ "major-faults", "page faults that needed I/O" },
	{ "L1-dcache-loads", "L1 data cache loads" },
	{ "L1-dcache-load-misses", "L1 data cache load misses" },
	{ "L1-dcache-stores", "L1 data cache stores" },
	{ "L1-icache-load-misses", "L1 instruction cache misses" },
	{ "LLC-loads", "last-level cache loads" },
	{ "LLC-load-misses", "last-level cache load misses" },
	{ "LLC-stores", "last-level cache stores" },
	{ "LLC-store-misses", "last-level cache store misses" },
	{ "LLC-misses", "last-level cache load misses (LLC-load-misses)" },
	{ "LLC-references", "last-level cache loads (LLC-loads)" },
	{ "dTLB-loads", "data TLB loads" },
	{ "dTLB-load-misses", "data TLB load misses" },
	{ "iTLB-loads", "instruction TLB loads" },
	{ "iTLB-load-misses", "instruction TLB misses" },
	{ "branch-loads", "branch predictor lookups" },
	{ "branch-load-misses", "branch predictor misses" },
	{ "node-loads", "loads served by a NUMA node" },
	{ "node-load-misses", "loads served by a remote NUMA node" },
};
#define NGENERIC (sizeof generic / sizeof generic[0])

/* Derived metrics: numerator over denominator, both as generic events
 * identified by their encoding (type, config). */
#define HW(c) \
	{ \
		PERF_TYPE_HARDWARE, (c) \
	}
#define CACHE(id, miss) \
	{ \
		PERF_TYPE_HW_CACHE, \
		    (id) | (PERF_COUNT_HW_CACHE_OP_READ << 8) | \
		    ((miss) ? PERF_COUNT_HW_CACHE_RESULT_MISS : \
			      PERF_COUNT_HW_CACHE_RESULT_ACCESS) \
			<< 16 \
	}
static const struct derived {
	const char *name;
	struct {
		uint32_t type;
		uint64_t config;
	} num, den;
} deriveds[] = {
	{ "ipc", HW(PERF_COUNT_HW_INSTRUCTIONS), HW(PERF_COUNT_HW_CPU_CYCLES) },
	{ "cache_miss_rate", HW(PERF_COUNT_HW_CACHE_MISSES),
	    HW(PERF_COUNT_HW_CACHE_REFERENCES) },
	{ "branch_miss_rate", HW(PERF_COUNT_HW_BRANCH_MISSES),
	    HW(PERF_COUNT_HW_BRANCH_INSTRUCTIONS) },
	{ "llc_load_miss_rate", CACHE(PERF_COUNT_HW_CACHE_LL, 1),
	    CACHE(PERF_COUNT_HW_CACHE_LL, 0) },
	{ "l1d_load_miss_rate", CACHE(PERF_COUNT_HW_CACHE_L1D, 1),
	    CACHE(PERF_COUNT_HW_CACHE_L1D, 0) },
	{ "dtlb_load_miss_rate", CACHE(PERF_COUNT_HW_CACHE_DTLB, 1),
	    CACHE(PERF_COUNT_HW_CACHE_DTLB, 0) },
};
#define NDERIVED (sizeof deriveds / sizeof deriveds[0])

struct event {
	char *name; /* as written */
	char *fstr; /* libpfm4's full name, NULL when unknown here */
	struct perf_event_attr attr;
	enum pmu_status status;
	char *why; /* of a status other than supported, or a note */
};

struct pmu_set {
	struct event *ev;
	size_t n;
	size_t derived[NDERIVED]; /* indices into deriveds */
	size_t nderived;
};

struct pmu_counters {
	const struct pmu_set *set;
	int *fd; /* per event of the set; -1: not counted */
};

static int
init(void)
{
	static int rc = -1;

	if (rc == -1)
		rc = pfm_initialize() == PFM_SUCCESS ? 0 : 1;
	return rc == 0 ? 0 : -1;
}

static const char *
unalias(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcasecmp(name, aliases[i].perf) == 0)
			return aliases[i].pfm;
	return name;
}

/*
 * Encodes name (perf's modifiers ":u", ":k", ":uk" included) counting user
 * and kernel space unless a modifier says otherwise. Returns a libpfm4
 * error code; *fstr is allocated on success.
 */
static int
encode(const char *name, struct perf_event_attr *attr, char **fstr)
{
	pfm_perf_encode_arg_t arg;
	char *base, *colon, *text = NULL;
	const char *mods;
	int rc;

	if (init() != 0)
		return PFM_ERR_NOINIT;
	memset(attr, 0, sizeof *attr);
	memset(&arg, 0, sizeof arg);
	arg.attr = attr;
	arg.fstr = fstr;
	arg.size = sizeof arg;
	*fstr = NULL;
	rc = pfm_get_os_event_encoding(unalias(name), PFM_PLM0 | PFM_PLM3,
	    PFM_OS_PERF_EVENT_EXT, &arg);
	if (rc == PFM_SUCCESS || (colon = strrchr(name, ':')) == NULL ||
	    colon[1] == '\0' || colon[1 + strspn(colon + 1, "uk")] != '\0' ||
	    (colon > name && colon[-1] == ':'))
		goto out;
	/* perf's "cycles:u" or ":uk": libpfm4 wants ":u=1:k=0". */
	base = xstrndup(name, (size_t)(colon - name));
	mods = colon + 1;
	text = xasprintf("%s:u=%d:k=%d", unalias(base),
	    strchr(mods, 'u') != NULL, strchr(mods, 'k') != NULL);
	free(base);
	memset(attr, 0, sizeof *attr);
	rc = pfm_get_os_event_encoding(text, PFM_PLM0 | PFM_PLM3,
	    PFM_OS_PERF_EVENT_EXT, &arg);
out:
	free(text);
	attr->size = sizeof *attr;
	return rc;
}

/* The event name without a "pmu::" prefix or modifiers. */
static char *
base_name(const char *name)
{
	const char *p = strstr(name, "::");

	p = p != NULL ? p + 2 : name;
	return xstrndup(p, strcspn(p, ":"));
}

/* Calls fn for every event of every PMU libpfm4 knows (present ones only
 * unless any), until it returns nonzero. */
static int
each_event(int any,
    int (*fn)(const pfm_pmu_info_t *, const pfm_event_info_t *, void *),
    void *arg)
{
	pfm_pmu_info_t pi;
	pfm_event_info_t ei;
	int p, i, rc;

	if (init() != 0)
		return 0;
	for (p = 0; p < PFM_PMU_MAX; p++) {
		memset(&pi, 0, sizeof pi);
		pi.size = sizeof pi;
		if (pfm_get_pmu_info((pfm_pmu_t)p, &pi) != PFM_SUCCESS ||
		    (!any && !pi.is_present) || pi.first_event < 0)
			continue;
		for (i = pi.first_event; i != -1; i = pfm_get_event_next(i)) {
			memset(&ei, 0, sizeof ei);
			ei.size = sizeof ei;
			if (pfm_get_event_info(i, PFM_OS_NONE, &ei) !=
			    PFM_SUCCESS)
				continue;
			if ((rc = fn(&pi, &ei, arg)) != 0)
				return rc;
		}
	}
	return 0;
}

/* What an event name is looked up as: its PMU ("skl" of "skl::X", or
 * NULL: any) and its event. */
struct lookup {
	char *pmu;
	char *event;
};

static int
same_name(const pfm_pmu_info_t *pi, const pfm_event_info_t *ei, void *arg)
{
	const struct lookup *l = arg;

	return strcasecmp(ei->name, l->event) == 0 &&
	    (l->pmu == NULL || strcasecmp(pi->name, l->pmu) == 0);
}

struct names {
	const char **v;
	size_t n;
};

static int
collect(const pfm_pmu_info_t *pi, const pfm_event_info_t *ei, void *arg)
{
	struct names *c = arg;

	(void)pi;
	if (strncmp(ei->name, "PERF_COUNT_", 11) == 0)
		return 0; /* the long forms of the generic events */
	c->v = xreallocarray(c->v, c->n + 2, sizeof *c->v);
	c->v[c->n++] = ei->name;
	c->v[c->n] = NULL;
	return 0;
}

int
pmu_check(const char *name, int *elsewhere, char **why, char **suggestion)
{
	struct perf_event_attr attr;
	struct names c = { NULL, 0 };
	struct lookup look;
	const char *best;
	char *fstr, *base;
	size_t i;
	int rc, found;

	*elsewhere = 0;
	*why = *suggestion = NULL;
	if (init() != 0) {
		*why = xstrdup("libpfm4 could not initialise");
		return -1;
	}
	rc = encode(name, &attr, &fstr);
	free(fstr);
	if (rc == PFM_SUCCESS)
		return 0;
	base = base_name(name);
	look.event = base;
	look.pmu = strstr(name, "::") != NULL ?
	    xstrndup(name, (size_t)(strstr(name, "::") - name)) :
	    NULL;
	found = rc == PFM_ERR_NOTFOUND && each_event(1, same_name, &look);
	free(look.pmu);
	if (found) {
		*elsewhere = 1;
		free(base);
		return 0;
	}
	*why = xasprintf("unknown event '%s' (%s)", name, pfm_strerror(rc));
	if (rc == PFM_ERR_NOTFOUND) {
		for (i = 0; i < NGENERIC; i++) {
			c.v = xreallocarray(c.v, c.n + 2, sizeof *c.v);
			c.v[c.n++] = generic[i].name;
			c.v[c.n] = NULL;
		}

		each_event(0, collect, &c);
		if ((best = diag_suggest(base, c.v)) != NULL)
			*suggestion = xstrdup(best);
	}
	free(c.v);
	free(base);
	return -1;
}

const char *
pmu_status_name(enum pmu_status s)
{
	static const char *const names[] = { "supported", "denied",
		"unsupported" };

	return names[s];
}

static int
paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int level = 2;

	if (f != NULL) {
		if (fscanf(f, "%d", &level) != 1)
			level = 2;
		fclose(f);
	}
	return level;
}

/* Whether the kernel has a core PMU: an event source of type
 * PERF_TYPE_RAW ("cpu", "cpu_core", "armv8_pmuv3"...). */
static int
have_core_pmu(void)
{
	static const char dir[] = "/sys/bus/event_source/devices";
	struct dirent *de;
	char path[512];
	DIR *d;
	FILE *f;
	int type, found = 0;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s/type", dir, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		found = fscanf(f, "%d", &type) == 1 && type == PERF_TYPE_RAW;
		fclose(f);
	}
	closedir(d);
	return found;
}

static int
hardware(const struct perf_event_attr *a)
{
	return a->type != PERF_TYPE_SOFTWARE &&
	    a->type != PERF_TYPE_TRACEPOINT && a->type != PERF_TYPE_BREAKPOINT;
}

static int
open_event(struct perf_event_attr *a, pid_t pid, int group)
{
	return perf_event_open(a, pid, -1, group, PERF_FLAG_FD_CLOEXEC);
}

/*
 * Opens attr on this process to see what the kernel says. A kernel that
 * only allows user space gets the event again without the kernel's part
 * (attr is changed). Returns the status, *why for humans.
 */
static enum pmu_status
probe_attr(struct perf_event_attr *attr, char **why)
{
	int fd, err, level;

	*why = NULL;
	attr->disabled = 1;
	if ((fd = open_event(attr, 0, -1)) >= 0) {
		close(fd);
		return PMU_SUPPORTED;
	}
	err = errno;
	level = paranoid();
	/* Switches and migrations happen in the kernel: counted in user
	 * space only, they would read 0. */
	if ((err == EACCES || err == EPERM) && !attr->exclude_kernel &&
	    !(attr->type == PERF_TYPE_SOFTWARE &&
		(attr->config == PERF_COUNT_SW_CONTEXT_SWITCHES ||
		    attr->config == PERF_COUNT_SW_CPU_MIGRATIONS))) {
		attr->exclude_kernel = attr->exclude_hv = 1;
		if ((fd = open_event(attr, 0, -1)) >= 0) {
			close(fd);
			*why = xasprintf("user space only: perf_event_paranoid "
					 "is %d and this process is not "
					 "root",
			    level);
			return PMU_SUPPORTED;
		}
		attr->exclude_kernel = attr->exclude_hv = 0;
		err = errno;
	}
	switch (err) {
	case EACCES:
	case EPERM:
		if (level >= 3)
			*why = xasprintf("perf_event_paranoid is %d: only root "
					 "(or CAP_PERFMON) may count",
			    level);
		else if (level == 2)
			*why = xstrdup("it counts in the kernel, which needs "
				       "root (or CAP_PERFMON) or "
				       "perf_event_paranoid at most 1 (it "
				       "is 2)");
		else
			*why = xasprintf("perf_event_paranoid is %d and this "
					 "process is not root (or "
					 "CAP_PERFMON)",
			    level);
		return PMU_DENIED;
	case ENOSYS:
		*why = xstrdup("this kernel has no perf events");
		return PMU_UNSUPPORTED;
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
		if (hardware(attr) && !have_core_pmu()) {
			*why = xstrdup("no hardware PMU on this host (a "
				       "virtual machine without a virtual "
				       "PMU?)");
			return PMU_UNSUPPORTED;
		}
		*why = xasprintf("the kernel has no such counter here (%s)",
		    strerror(err));
		return PMU_UNSUPPORTED;
	default:
		*why = xasprintf("the kernel refuses it: %s", strerror(err));
		return PMU_UNSUPPORTED;
	}
}

enum pmu_status
pmu_probe(const char *name, char **why)
{
	struct perf_event_attr attr;
	char *fstr, *suggestion;
	int elsewhere, rc;

	if (pmu_check(name, &elsewhere, why, &suggestion) != 0) {
		free(suggestion);
		return PMU_UNSUPPORTED;
	}
	if (elsewhere) {
		*why = xasprintf("its PMU is not on this host");
		return PMU_UNSUPPORTED;
	}
	rc = encode(name, &attr, &fstr);
	free(fstr);
	if (rc != PFM_SUCCESS) {
		*why = xstrdup(pfm_strerror(rc));
		return PMU_UNSUPPORTED;
	}
	return probe_attr(&attr, why);
}

struct listing {
	const char *pattern;
	int (*fn)(const char *, const char *, const char *, void *);
	void *arg;
};

static int
matches(const char *pattern, const char *name)
{
	char *lp, *ln, *p;
	int rc;

	if (pattern == NULL || *pattern == '\0')
		return 1;
	if (strpbrk(pattern, "*?[") != NULL)
		return fnmatch(pattern, name, FNM_CASEFOLD) == 0;
	lp = xstrdup(pattern);
	ln = xstrdup(name);
	for (p = lp; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	for (p = ln; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = strstr(ln, lp) != NULL;
	free(lp);
	free(ln);
	return rc;
}

static int
list_one(const pfm_pmu_info_t *pi, const pfm_event_info_t *ei, void *arg)
{
	struct listing *l = arg;
	char *full;
	int rc = 0;

	if (pi->type == PFM_PMU_TYPE_OS_GENERIC &&
	    strcmp(pi->name, "perf") == 0)
		return 0; /* listed first, by their perf(1) names */
	full = xasprintf("%s::%s", pi->name, ei->name);
	if (matches(l->pattern, full))
		rc = l->fn(full, pi->name, ei->desc, l->arg);
	free(full);
	return rc;
}

void
pmu_list(int all, const char *pattern,
    int (*fn)(const char *, const char *, const char *, void *), void *arg)
{
	struct listing l = { pattern, fn, arg };
	size_t i;

	for (i = 0; i < NGENERIC; i++)
		if (matches(pattern, generic[i].name) &&
		    fn(generic[i].name, "perf", generic[i].desc, arg) != 0)
			return;
	if (all)
		each_event(0, list_one, &l);
}

/* The value of the event encoded as (type, config) in values, or NAN. */
static double
find_value(const struct event *ev, size_t n, const double *values,
    uint32_t type, uint64_t config)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ev[i].fstr != NULL && ev[i].attr.type == type &&
		    ev[i].attr.config == config &&
		    (values == NULL || !isnan(values[i])))
			return values != NULL ? values[i] : 1;
	return NAN;
}

/* Whether events ev[0..n) hold both inputs of deriveds[d]. */
static int
derivable(const struct event *ev, size_t n, size_t d)
{
	return !isnan(find_value(ev, n, NULL, deriveds[d].num.type,
		   deriveds[d].num.config)) &&
	    !isnan(find_value(ev, n, NULL, deriveds[d].den.type,
		deriveds[d].den.config));
}

struct pmu_set *
pmu_set_new(char *const *names, size_t n)
{
	struct pmu_set *s = xcalloc(1, sizeof *s);
	struct event *e;
	size_t i, d;
	int rc;

	s->ev = xcalloc(n + 1, sizeof *s->ev);
	s->n = n;
	for (i = 0; i < n; i++) {
		e = &s->ev[i];
		e->name = xstrdup(names[i]);
		if ((rc = encode(names[i], &e->attr, &e->fstr)) !=
		    PFM_SUCCESS) {
			e->status = PMU_UNSUPPORTED;
			e->why = xasprintf("%s on this host",
			    rc == PFM_ERR_NOTFOUND ? "no such event" :
						     pfm_strerror(rc));
			free(e->fstr);
			e->fstr = NULL;
			continue;
		}
		e->status = probe_attr(&e->attr, &e->why);
	}
	for (d = 0; d < NDERIVED; d++)
		if (derivable(s->ev, n, d))
			s->derived[s->nderived++] = d;
	return s;
}

void
pmu_set_free(struct pmu_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->ev[i].name);
		free(s->ev[i].fstr);
		free(s->ev[i].why);
	}
	free(s->ev);
	free(s);
}

size_t
pmu_set_count(const struct pmu_set *s)
{
	return s != NULL ? s->n : 0;
}

const char *
pmu_set_name(const struct pmu_set *s, size_t i)
{
	return s->ev[i].name;
}

enum pmu_status
pmu_set_status(const struct pmu_set *s, size_t i)
{
	return s->ev[i].status;
}

size_t
pmu_set_usable(const struct pmu_set *s)
{
	size_t i, n = 0;

	for (i = 0; s != NULL && i < s->n; i++)
		n += s->ev[i].status == PMU_SUPPORTED;
	return n;
}

char *
pmu_set_notice(const struct pmu_set *s)
{
	struct buf b = BUF_INIT;
	size_t i, k;
	int first;

	/* One sentence per distinct reason, naming its events. */
	for (i = 0; s != NULL && i < s->n; i++) {
		const struct event *e = &s->ev[i];

		if (e->status == PMU_SUPPORTED && e->why == NULL)
			continue;
		for (k = 0; k < i; k++)
			if (s->ev[k].why != NULL &&
			    s->ev[k].status == e->status &&
			    strcmp(s->ev[k].why, e->why) == 0)
				break;
		if (k < i)
			continue; /* said with an earlier one */
		if (b.len > 0)
			buf_adds(&b, "; ");
		first = 1;
		for (k = i; k < s->n; k++) {
			if (s->ev[k].status != e->status ||
			    s->ev[k].why == NULL ||
			    strcmp(s->ev[k].why, e->why) != 0)
				continue;
			buf_printf(&b, "%s%s", first ? "" : ", ",
			    s->ev[k].name);
			first = 0;
		}
		if (e->status == PMU_SUPPORTED)
			buf_printf(&b, ": %s", e->why);
		else
			buf_printf(&b, ": %s, %s; not counted",
			    pmu_status_name(e->status), e->why);
	}
	return b.len > 0 ? buf_steal(&b) : (buf_free(&b), NULL);
}

/* The status of the set's event encoded as (type, config): the best of
 * them if several. */
static const struct event *
find_event(const struct pmu_set *s, uint32_t type, uint64_t config)
{
	const struct event *best = NULL;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->ev[i].fstr != NULL && s->ev[i].attr.type == type &&
		    s->ev[i].attr.config == config &&
		    (best == NULL || s->ev[i].status < best->status))
			best = &s->ev[i];
	return best;
}

int
pmu_set_counts(const struct pmu_set *s, const char *metric, char **why)
{
	const struct event *in[2];
	size_t i, k;

	*why = NULL;
	if (s == NULL)
		return -1;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->ev[i].name, metric) == 0) {
			if (s->ev[i].status == PMU_SUPPORTED)
				return 1;
			*why = xasprintf("%s, %s",
			    pmu_status_name(s->ev[i].status), s->ev[i].why);
			return 0;
		}
	for (k = 0; k < s->nderived; k++) {
		const struct derived *d = &deriveds[s->derived[k]];

		if (strcmp(d->name, metric) != 0)
			continue;
		in[0] = find_event(s, d->num.type, d->num.config);
		in[1] = find_event(s, d->den.type, d->den.config);
		for (i = 0; i < 2; i++)
			if (in[i]->status != PMU_SUPPORTED) {
				*why = xasprintf("its input %s is %s, %s",
				    in[i]->name, pmu_status_name(in[i]->status),
				    in[i]->why);
				return 0;
			}
		return 1;
	}
	return -1;
}

size_t
pmu_derived_count(const struct pmu_set *s)
{
	return s != NULL ? s->nderived : 0;
}

const char *
pmu_derived_name(const struct pmu_set *s, size_t k)
{
	return deriveds[s->derived[k]].name;
}

double
pmu_derived_value(const struct pmu_set *s, size_t k, const double *values)
{
	const struct derived *d = &deriveds[s->derived[k]];
	double num, den;

	num = find_value(s->ev, s->n, values, d->num.type, d->num.config);
	den = find_value(s->ev, s->n, values, d->den.type, d->den.config);
	if (isnan(num) || isnan(den) || den == 0)
		return NAN;
	return num / den;
}

const char *
pmu_derived_all(size_t k)
{
	return k < NDERIVED ? deriveds[k].name : NULL;
}

int
pmu_derived_known(const char *name, char *const *names, size_t n)
{
	struct event *ev;
	size_t d, i;
	int found = 0;

	for (d = 0; d < NDERIVED; d++)
		if (strcmp(deriveds[d].name, name) == 0)
			break;
	if (d == NDERIVED)
		return 0;
	/* Encoded only: whether this host can count them is not the
	 * spec's business. */
	ev = xcalloc(n + 1, sizeof *ev);
	for (i = 0; i < n; i++)
		if (encode(names[i], &ev[i].attr, &ev[i].fstr) != PFM_SUCCESS) {
			free(ev[i].fstr);
			ev[i].fstr = NULL;
		}
	found = derivable(ev, n, d);
	for (i = 0; i < n; i++)
		free(ev[i].fstr);
	free(ev);
	return found;
}

int
pmu_set_encoding(const struct pmu_set *s, size_t i, struct pmu_encoding *out)
{
	const struct perf_event_attr *a;

	memset(out, 0, sizeof *out);
	if (s == NULL || i >= s->n || s->ev[i].fstr == NULL)
		return -1;
	a = &s->ev[i].attr;
	out->type = a->type;
	out->config = a->config;
	out->config1 = a->config1;
	out->config2 = a->config2;
	out->exclude = (a->exclude_user ? PMU_EXCLUDE_USER : 0) |
	    (a->exclude_kernel ? PMU_EXCLUDE_KERNEL : 0) |
	    (a->exclude_hv ? PMU_EXCLUDE_HV : 0) |
	    (a->exclude_idle ? PMU_EXCLUDE_IDLE : 0) |
	    (a->exclude_host ? PMU_EXCLUDE_HOST : 0) |
	    (a->exclude_guest ? PMU_EXCLUDE_GUEST : 0);
	return 0;
}

struct pmu_counters *
pmu_attach(const struct pmu_set *s, pid_t pid, char **why)
{
	struct pmu_counters *c = xcalloc(1, sizeof *c);
	struct perf_event_attr attr;
	struct buf b = BUF_INIT;
	size_t i, k, opened = 0;
	int group, err;

	*why = NULL;
	c->set = s;
	c->fd = xcalloc(s->n + 1, sizeof *c->fd);
	for (i = 0; i < s->n; i++)
		c->fd[i] = -1;
	for (i = 0; i < s->n; i++) {
		if (s->ev[i].status != PMU_SUPPORTED)
			continue;
		/* A group per PMU: the first opened event of its type
		 * leads, so its events are counted at the same times. */
		group = -1;
		for (k = 0; k < i; k++)
			if (c->fd[k] >= 0 &&
			    s->ev[k].attr.type == s->ev[i].attr.type) {
				group = c->fd[k];
				break;
			}
		attr = s->ev[i].attr;
		attr.disabled = 1;
		attr.enable_on_exec = 1;
		attr.inherit = 1;
		attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
		    PERF_FORMAT_TOTAL_TIME_RUNNING;
		c->fd[i] = open_event(&attr, pid, group);
		if (c->fd[i] < 0 && group >= 0)
			c->fd[i] = open_event(&attr, pid, -1);
		if (c->fd[i] >= 0) {
			opened++;
			continue;
		}
		err = errno;
		buf_printf(&b, "%s%s: %s", b.len > 0 ? "; " : "", s->ev[i].name,
		    strerror(err));
	}
	if (b.len > 0)
		*why = buf_steal(&b);
	else
		buf_free(&b);
	if (opened == 0) {
		if (*why == NULL)
			*why = xstrdup("no event can be counted");
		pmu_close(c);
		return NULL;
	}
	return c;
}

int
pmu_read(struct pmu_counters *c, double *values)
{
	uint64_t v[3];
	size_t i, got = 0;

	for (i = 0; i < c->set->n; i++) {
		values[i] = NAN;
		if (c->fd[i] < 0 || read(c->fd[i], v, sizeof v) != sizeof v)
			continue;
		/* v: the count, the time enabled, the time running. */
		if (v[2] == 0) {
			/* Enabled but never scheduled: unknown, unless it
			 * was never enabled at all (a job that has not
			 * run yet counts 0). */
			if (v[1] == 0)
				values[i] = 0;
			else
				continue;
		} else if (v[2] < v[1])
			values[i] =
			    (double)v[0] * ((double)v[1] / (double)v[2]);
		else
			values[i] = (double)v[0];
		got++;
	}
	return got > 0 ? 0 : -1;
}

void
pmu_close(struct pmu_counters *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->set->n; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	free(c->fd);
	free(c);
}
