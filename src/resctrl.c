/*
 * resctrl groups for isolated test jobs. The allocator is a bitmap of
 * the cache ways our live groups hold in each L3 domain; a new group
 * takes the highest run of free ways common to its domains, so that
 * groups never share ways and the low ways stay to the default group
 * (where every other process of the host runs) as long as possible.
 *
 * On Intel, MB values are percentages; AMD counts in its own units (the
 * default group holds the maximum, 2048 say), so a percentage is scaled
 * to the default group's value, which is 100 on Intel.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "resctrl.h"
#include "xmalloc.h"

#define MAXDOM 64

struct resctrl {
	char *root;
	int cat;            /* 0: none; 1: L3; 2: L3CODE and L3DATA (CDP) */
	uint64_t cbm;       /* cbm_mask: every way */
	int ways;           /* the width of cbm */
	int min_bits;       /* min_cbm_bits */
	uint64_t shareable; /* ways that devices (I/O) use too */
	int cat_closids;
	int mba;
	int mb_gran, mb_min, mb_max, mb_closids;
	int ndom;
	int dom[MAXDOM];       /* L3 cache ids, from the default schemata */
	uint64_t used[MAXDOM]; /* ways our live groups hold, per domain */
	int nmb;
	int mbdom[MAXDOM]; /* MB domain ids */
	int ngroups;
};

struct resctrl_group {
	struct resctrl *r;
	char *dir, *tasks, *schemata;
	uint64_t mask;
	int n;
	int *idx; /* its domains, as indices into r->dom */
};

static int
isdir(const char *dir, const char *sub)
{
	char *path = xasprintf("%s/%s", dir, sub);
	struct stat st;
	int r = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

	free(path);
	return r;
}

/* dir/file without trailing whitespace, or NULL with errno. */
static char *
read_in(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file), *text;
	size_t len;

	text = files_read(path, &len);
	free(path);
	while (text != NULL && len > 0 &&
	    (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	return text;
}

/* A number in dir/file (base 16 or 10); 0, or -errno. */
static int
read_num(const char *dir, const char *file, int base, uint64_t *v)
{
	char *text = read_in(dir, file), *end;
	int r = 0;

	if (text == NULL)
		return errno != 0 ? -errno : -EIO;
	errno = 0;
	*v = strtoull(text, &end, base);
	if (errno != 0 || end == text)
		r = -EINVAL;
	free(text);
	return r;
}

/* One write: the kernel parses a schemata write as a whole. */
static int
write_in(const char *dir, const char *file, const char *text)
{
	char *path = xasprintf("%s/%s", dir, file);
	size_t len = strlen(text);
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

/*
 * The "id=value;..." entries of the schemata line of resource res (the
 * kernel indents the names: "    L3:0=7ff;1=7ff"). The count, or -1.
 */
static int
schemata_line(const char *text, const char *res, int base, int *ids,
    uint64_t *vals)
{
	size_t len = strlen(res);
	const char *p = text;
	char *end;
	int n = 0;

	for (; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		while (*p == '\n' || *p == ' ')
			p++;
		if (strncmp(p, res, len) == 0 && p[len] == ':')
			break;
	}
	if (p == NULL || *p == '\0')
		return -1;
	for (p += len + 1; *p != '\n' && *p != '\0' && n < MAXDOM;) {
		ids[n] = (int)strtol(p, &end, 10);
		if (end == p || *end != '=')
			return -1;
		vals[n++] = strtoull(end + 1, &end, base);
		p = *end == ';' ? end + 1 : end;
		if (p == end && *p != '\n' && *p != '\0')
			return -1;
	}
	return n;
}

static void
no_resctrl_why(const char *root, char **why)
{
	char *fs = files_read("/proc/filesystems", NULL);
	int known = fs != NULL && strstr(fs, "\tresctrl\n") != NULL;

	free(fs);
	/* The kernel registers the filesystem only for a CPU with RDT. */
	if (known)
		xsetf(why,
		    "no resctrl filesystem mounted at %s (mount it: "
		    "mount -t resctrl resctrl %s)",
		    root, root);
	else
		xsetf(why,
		    "no resctrl filesystem mounted at %s (the CPU or kernel "
		    "has no RDT: resctrl is not in /proc/filesystems)",
		    root);
}

static int
open_cat(struct resctrl *r, const char *info, char **why)
{
	uint64_t v;
	int rc, i;

	if ((rc = read_num(info, "cbm_mask", 16, &r->cbm)) != 0 ||
	    r->cbm == 0) {
		xsetf(why, "cannot read %s/cbm_mask", info);
		return rc != 0 ? rc : -EIO;
	}
	for (i = 0; i < 64 && (r->cbm >> i) != 0; i++)
		;
	r->ways = i;
	r->min_bits = read_num(info, "min_cbm_bits", 10, &v) == 0 ? (int)v : 1;
	r->cat_closids =
	    read_num(info, "num_closids", 10, &v) == 0 ? (int)v : 0;
	if (read_num(info, "shareable_bits", 16, &r->shareable) != 0)
		r->shareable = 0;
	return 0;
}

int
resctrl_open(const char *root, struct resctrl **rp, char **why)
{
	struct resctrl *r;
	char *info, *sub, *text = NULL;
	uint64_t v, vals[MAXDOM];
	int rc, i;

	*rp = NULL;
	if (!isdir(root, "info")) {
		no_resctrl_why(root, why);
		return -ENOENT;
	}
	r = xcalloc(1, sizeof *r);
	r->root = xstrdup(root);
	info = xasprintf("%s/info", root);
	if (isdir(info, "L3"))
		r->cat = 1;
	else if (isdir(info, "L3CODE") && isdir(info, "L3DATA"))
		r->cat = 2;
	if (r->cat != 0) {
		sub = xasprintf("%s/%s", info, r->cat == 1 ? "L3" : "L3CODE");
		rc = open_cat(r, sub, why);
		free(sub);
		if (rc != 0)
			goto fail;
	}
	if (isdir(info, "MB")) {
		sub = xasprintf("%s/MB", info);
		r->mba = 1;
		r->mb_gran =
		    read_num(sub, "bandwidth_gran", 10, &v) == 0 && v > 0 ?
		    (int)v :
		    1;
		r->mb_min =
		    read_num(sub, "min_bandwidth", 10, &v) == 0 ? (int)v : 0;
		r->mb_closids =
		    read_num(sub, "num_closids", 10, &v) == 0 ? (int)v : 0;
		free(sub);
	}
	if (!r->cat && !r->mba) {
		xsetf(why,
		    "resctrl at %s offers no cache nor memory bandwidth "
		    "allocation (monitoring only?)",
		    root);
		rc = -ENOTSUP;
		goto fail;
	}
	if ((text = read_in(root, "schemata")) == NULL) {
		xsetf(why, "cannot read %s/schemata", root);
		rc = -EIO;
		goto fail;
	}
	if (r->cat != 0 &&
	    (r->ndom = schemata_line(text, r->cat == 1 ? "L3" : "L3CODE", 16,
		 r->dom, vals)) <= 0) {
		xsetf(why, "no L3 line in %s/schemata", root);
		rc = -EIO;
		goto fail;
	}
	if (r->mba) {
		if ((r->nmb = schemata_line(text, "MB", 10, r->mbdom, vals)) <=
		    0) {
			xsetf(why, "no MB line in %s/schemata", root);
			rc = -EIO;
			goto fail;
		}
		/* The default group's value is the maximum: 100 (%) on Intel. */
		r->mb_max = (int)vals[0];
		for (i = 1; i < r->nmb; i++)
			if ((int)vals[i] > r->mb_max)
				r->mb_max = (int)vals[i];
		if (r->cat == 0) {
			memcpy(r->dom, r->mbdom, sizeof r->dom);
			r->ndom = r->nmb;
		}
	}
	if (access(root, W_OK) != 0) {
		xsetf(why, "not root: creating resctrl groups in %s needs root",
		    root);
		rc = -EACCES;
		goto fail;
	}
	free(text);
	free(info);
	*rp = r;
	return 0;
fail:
	free(text);
	free(info);
	free(r->root);
	free(r);
	return rc;
}

void
resctrl_close(struct resctrl *r)
{
	if (r == NULL)
		return;
	free(r->root);
	free(r);
}

char *
resctrl_describe(const struct resctrl *r)
{
	char *cat = NULL, *mba = NULL, *text;

	if (r->cat != 0)
		cat = xasprintf("L3 CAT%s: %d ways, %d domain%s, %d groups",
		    r->cat == 2 ? " (CDP)" : "", r->ways, r->ndom,
		    r->ndom == 1 ? "" : "s", r->cat_closids);
	if (r->mba && r->mb_max == 100)
		mba = xasprintf("MBA: %d%% steps", r->mb_gran);
	else if (r->mba)
		mba = xasprintf("MBA: steps of %d/%d", r->mb_gran, r->mb_max);
	text = xasprintf("%s%s%s", cat != NULL ? cat : "",
	    cat != NULL && mba != NULL ? "; " : "", mba != NULL ? mba : "");
	free(cat);
	free(mba);
	return text;
}

/* Groups in root, but for name (which may exist, to be reused). */
static int
count_groups(const char *root, const char *name)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(root)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "info") == 0 ||
		    strcmp(de->d_name, "mon_groups") == 0 ||
		    strcmp(de->d_name, "mon_data") == 0 ||
		    strcmp(de->d_name, name) == 0 || !isdir(root, de->d_name))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

static uint64_t
run_mask(int ways, int at)
{
	return (ways >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << ways) - 1) << at;
}

/* The highest run of ways free in every domain of idx, avoiding avoid. */
static int
find_run(const struct resctrl *r, const int *idx, int n, int ways,
    uint64_t avoid, uint64_t *mask)
{
	uint64_t taken = avoid, run;
	int p, i;

	for (i = 0; i < n; i++)
		taken |= r->used[idx[i]];
	for (p = r->ways - ways; p >= 0; p--) {
		run = run_mask(ways, p);
		if ((run & taken) == 0 && (run & r->cbm) == run) {
			*mask = run;
			return 0;
		}
	}
	return -ENOSPC;
}

/* The longest run of ways free in every domain of idx, for humans. */
static int
longest_free(const struct resctrl *r, const int *idx, int n)
{
	uint64_t taken = 0;
	int i, len = 0, best = 0;

	for (i = 0; i < n; i++)
		taken |= r->used[idx[i]];
	for (i = 0; i < r->ways; i++) {
		len = (taken >> i & 1) == 0 && (r->cbm >> i & 1) ? len + 1 : 0;
		if (len > best)
			best = len;
	}
	return best;
}

/* rmdir of a group; a fake tree in a test needs its files gone first. */
static void
group_rmdir(const char *dir)
{
	static const char *const files[] = { "tasks", "cpus", "cpus_list",
		"schemata", "mode", "size", NULL };
	char *path;
	int i;

	if (rmdir(dir) == 0 || errno != ENOTEMPTY)
		return;
	for (i = 0; files[i] != NULL; i++) {
		path = xasprintf("%s/%s", dir, files[i]);
		unlink(path);
		free(path);
	}
	rmdir(dir);
}

static void
append(char **text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
append(char **text, const char *fmt, ...)
{
	va_list ap;
	char *more, *all;

	va_start(ap, fmt);
	more = xvasprintf(fmt, ap);
	va_end(ap);
	all = xasprintf("%s%s", *text, more);
	free(more);
	free(*text);
	*text = all;
}

/* The schemata of a new group: the L3 line (CDP: two), then MB. */
static char *
make_schemata(const struct resctrl *r, const int *idx, int n, uint64_t mask,
    int mb)
{
	static const char *const cat_names[3][2] = { { NULL, NULL },
		{ "L3", NULL }, { "L3CODE", "L3DATA" } };
	char *text = xstrdup("");
	int i, k;

	for (k = 0; mask != 0 && k < 2 && cat_names[r->cat][k] != NULL; k++) {
		append(&text, "%s:", cat_names[r->cat][k]);
		for (i = 0; i < n; i++)
			append(&text, "%s%d=%" PRIx64, i > 0 ? ";" : "",
			    r->dom[idx[i]], mask);
		append(&text, "\n");
	}
	if (mb > 0) {
		append(&text, "MB:");
		for (i = 0; i < n; i++)
			append(&text, "%s%d=%d", i > 0 ? ";" : "",
			    r->dom[idx[i]], mb);
		append(&text, "\n");
	}
	return text;
}

static int
has_id(const int *list, int n, int id)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == id)
			return 1;
	return 0;
}

/* The domains of the ids, as indices into r->dom; 0, or -EINVAL. */
static int
domains(const struct resctrl *r, const int *ids, size_t n, int mb, int *idx,
    int *nidx, char **why)
{
	char *known;
	size_t i;
	int j;

	*nidx = 0;
	for (i = 0; n == 0 && i < (size_t)r->ndom; i++)
		idx[(*nidx)++] = (int)i;
	for (i = 0; i < n; i++) {
		for (j = 0; j < r->ndom && r->dom[j] != ids[i]; j++)
			;
		if (j == r->ndom) {
			known = xstrdup("");
			for (j = 0; j < r->ndom; j++)
				append(&known, " %d", r->dom[j]);
			xsetf(why,
			    "no L3 domain with cache id %d (there are:%s)",
			    ids[i], known);
			free(known);
			return -EINVAL;
		}
		if (mb && !has_id(r->mbdom, r->nmb, ids[i])) {
			xsetf(why, "no MBA domain with id %d", ids[i]);
			return -EINVAL;
		}
		if (!has_id(idx, *nidx, j))
			idx[(*nidx)++] = j;
	}
	return 0;
}

/* A percentage in the MB line's units, rounded up to the steps. */
static int
mb_value(const struct resctrl *r, int percent)
{
	int v = (percent * r->mb_max + 99) / 100;

	v = (v + r->mb_gran - 1) / r->mb_gran * r->mb_gran;
	if (v < r->mb_min)
		v = r->mb_min;
	if (v < 1)
		v = 1;
	return v > r->mb_max ? r->mb_max : v;
}

int
resctrl_group_new(struct resctrl *r, const char *name, const int *ids, size_t n,
    int ways, int bandwidth, struct resctrl_group **gp, char **why)
{
	struct resctrl_group *g;
	char *dir = NULL, *text = NULL, *status, *info;
	int idx[MAXDOM], nidx, limit, mb = 0, rc, i;
	uint64_t mask = 0;

	*gp = NULL;
	if (*name == '\0' || name[0] == '.' || strchr(name, '/') != NULL ||
	    strcmp(name, "info") == 0 || strcmp(name, "mon_groups") == 0 ||
	    strcmp(name, "mon_data") == 0) {
		xsetf(why, "bad resctrl group name \"%s\"", name);
		return -EINVAL;
	}
	if (ways < 0 || bandwidth < 0 || bandwidth > 100) {
		xsetf(why, "bad request: %d cache ways, %d%% bandwidth", ways,
		    bandwidth);
		return -EINVAL;
	}
	if (ways > 0 && r->cat == 0) {
		xsetf(why, "no L3 cache allocation (CAT) here");
		return -ENOTSUP;
	}
	if (bandwidth > 0 && !r->mba) {
		xsetf(why, "no memory bandwidth allocation (MBA) here");
		return -ENOTSUP;
	}
	if (ways > 0 && (ways < r->min_bits || ways > r->ways)) {
		xsetf(why, "%d cache ways asked: the L3 allows %d to %d", ways,
		    r->min_bits, r->ways);
		return -EINVAL;
	}
	if ((rc = domains(r, ids, n, bandwidth > 0, idx, &nidx, why)) != 0)
		return rc;
	/* CLOSIDs are global: the scarcest resource bounds the groups. */
	limit = r->cat != 0 ? r->cat_closids : 0;
	if (r->mba && r->mb_closids > 0 &&
	    (limit == 0 || r->mb_closids < limit))
		limit = r->mb_closids;
	if (limit > 0 && count_groups(r->root, name) + 2 > limit) {
		xsetf(why,
		    "too many resctrl groups: the hardware has %d CLOSIDs, "
		    "one of them the default group's",
		    limit);
		return -ENOSPC;
	}
	/* Ways that devices share (I/O) only when nothing else is free. */
	if (ways > 0 &&
	    find_run(r, idx, nidx, ways, r->shareable, &mask) != 0 &&
	    find_run(r, idx, nidx, ways, 0, &mask) != 0) {
		xsetf(why,
		    "not enough cache ways free: %d contiguous asked, at most "
		    "%d in a row on the domains asked",
		    ways, longest_free(r, idx, nidx));
		return -ENOSPC;
	}
	if (bandwidth > 0)
		mb = mb_value(r, bandwidth);
	dir = xasprintf("%s/%s", r->root, name);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		rc = -errno;
		xsetf(why, "cannot create %s: %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	text = make_schemata(r, idx, nidx, mask, mb);
	if (*text != '\0' && (rc = write_in(dir, "schemata", text)) != 0) {
		/* The kernel explains a refused schemata there. */
		info = xasprintf("%s/info", r->root);
		status = read_in(info, "last_cmd_status");
		xsetf(why, "cannot write %s/schemata: %s%s%s", dir,
		    strerror(-rc), status != NULL ? ": " : "",
		    status != NULL ? status : "");
		free(status);
		free(info);
		group_rmdir(dir);
		free(dir);
		free(text);
		return rc;
	}
	g = xcalloc(1, sizeof *g);
	g->r = r;
	g->dir = dir;
	g->tasks = xasprintf("%s/tasks", dir);
	g->schemata = text;
	g->mask = mask;
	g->n = nidx;
	g->idx = xreallocarray(NULL, (size_t)nidx, sizeof *g->idx);
	for (i = 0; i < nidx; i++) {
		g->idx[i] = idx[i];
		r->used[idx[i]] |= mask;
	}
	r->ngroups++;
	*gp = g;
	return 0;
}

const char *
resctrl_group_tasks(const struct resctrl_group *g)
{
	return g->tasks;
}

const char *
resctrl_group_schemata(const struct resctrl_group *g)
{
	return g->schemata;
}

void
resctrl_group_free(struct resctrl_group *g)
{
	int i;

	if (g == NULL)
		return;
	group_rmdir(g->dir);
	for (i = 0; i < g->n; i++)
		g->r->used[g->idx[i]] &= ~g->mask;
	g->r->ngroups--;
	free(g->dir);
	free(g->tasks);
	free(g->schemata);
	free(g->idx);
	free(g);
}

int
resctrl_cache_id(const char *sysroot, int cpu)
{
	char *dir, *level;
	uint64_t id;
	int i, rc;

	/* index3 is L3 on most CPUs, but the level file is what says so. */
	for (i = 0; i < 16; i++) {
		dir = xasprintf("%s/sys/devices/system/cpu/cpu%d/cache/index%d",
		    sysroot, cpu, i);
		if ((level = read_in(dir, "level")) == NULL) {
			rc = errno != 0 ? -errno : -EIO;
			free(dir);
			return rc;
		}
		if (strcmp(level, "3") == 0) {
			free(level);
			rc = read_num(dir, "id", 10, &id);
			free(dir);
			return rc != 0 ? rc : (int)id;
		}
		free(level);
		free(dir);
	}
	return -ENOENT;
}
