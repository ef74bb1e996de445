/*
 * Unit tests of resctrl groups against fake resctrl trees and a fake
 * sysfs in a temp dir: detection and its errors, describe, the way
 * allocator across groups and domains, exhaustion, the schemata text,
 * freeing, CDP and MBA; and the clear refusal on this host's real
 * /sys/fs/resctrl when there is none.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakefs.h"
#include "tap.h"
#include "../../src/files.h"
#include "../../src/resctrl.h"

static char tmp[] = "/tmp/wf-rctest-XXXXXX";

/*
 * A fake resctrl: L3 CAT with cbm (hex) and closids, unless cbm is
 * NULL; MBA with 10% steps unless mb is 0 (mb: the default's value).
 */
static void
fake(const char *path, const char *cbm, int closids, int mb,
    const char *schemata)
{
	char root[512];

	snprintf(root, sizeof root, "%s", path);
	mkdir_p(P("%s/info", root));
	put(P("%s/info/last_cmd_status", root), "ok\n");
	if (cbm != NULL) {
		mkdir_p(P("%s/info/L3", root));
		put(P("%s/info/L3/cbm_mask", root), P("%s\n", cbm));
		put(P("%s/info/L3/min_cbm_bits", root), "1\n");
		put(P("%s/info/L3/num_closids", root), P("%d\n", closids));
		put(P("%s/info/L3/shareable_bits", root), "0\n");
	}
	if (mb != 0) {
		mkdir_p(P("%s/info/MB", root));
		put(P("%s/info/MB/bandwidth_gran", root),
		    mb == 100 ? "10\n" : "1\n");
		put(P("%s/info/MB/min_bandwidth", root),
		    mb == 100 ? "10\n" : "0\n");
		put(P("%s/info/MB/num_closids", root), "8\n");
	}
	put(P("%s/schemata", root), schemata);
	put(P("%s/tasks", root), "1\n");
}

/* What the kernel makes in a new group; the module reuses the dir. */
static void
group_dir(const char *root, const char *name)
{
	char dir[1024];

	snprintf(dir, sizeof dir, "%s/%s", root, name);
	mkdir_p(dir);
	put(P("%s/schemata", dir), "");
	put(P("%s/tasks", dir), "");
	put(P("%s/cpus", dir), "ffff\n");
	put(P("%s/mode", dir), "shareable\n");
}

/* Creates a group in a prepared dir; returns it or NULL (why shown). */
static struct resctrl_group *
group(struct resctrl *r, const char *root, const char *name, const int *ids,
    size_t n, int ways, int bw, int *rc)
{
	struct resctrl_group *g = NULL;
	char *why = NULL;

	group_dir(root, name);
	*rc = resctrl_group_new(r, name, ids, n, ways, bw, &g, &why);
	if (*rc != 0)
		diag("%s: %s", name, why != NULL ? why : "(no why)");
	free(why);
	return g;
}

static void
test_errors(void)
{
	struct resctrl *r = NULL;
	char *why = NULL;
	int rc;

	/* This host has no RDT; the real path must say so clearly. */
	if (access("/sys/fs/resctrl/info", F_OK) == 0) {
		printf("ok %d # SKIP this host has resctrl mounted\n", ++tap_n);
		printf("ok %d # SKIP this host has resctrl mounted\n", ++tap_n);
	} else {
		rc = resctrl_open("/sys/fs/resctrl", &r, &why);
		is_int(rc, -ENOENT, "real: no resctrl here");
		ok(r == NULL &&
			contains(why,
			    "no resctrl filesystem mounted at "
			    "/sys/fs/resctrl") &&
			(contains(why, "mount -t resctrl") ||
			    contains(why, "no RDT")),
		    "real: says why (%s)", why != NULL ? why : "");
		free(why);
		why = NULL;
	}
	mkdir_p(P("%s/empty", tmp));
	rc = resctrl_open(P("%s/empty", tmp), &r, &why);
	ok(rc == -ENOENT && contains(why, "no resctrl filesystem mounted at"),
	    "empty dir: -ENOENT (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;

	/* Monitoring only. */
	mkdir_p(P("%s/mon/info/L3_MON", tmp));
	put(P("%s/mon/schemata", tmp), "");
	rc = resctrl_open(P("%s/mon", tmp), &r, &why);
	ok(rc == -ENOTSUP && contains(why, "no cache nor memory bandwidth"),
	    "monitoring only: -ENOTSUP (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;

	fake(P("%s/noline", tmp), "fff", 16, 0, "    MB:0=100\n");
	rc = resctrl_open(P("%s/noline", tmp), &r, &why);
	ok(rc == -EIO && contains(why, "no L3 line"),
	    "no L3 line in the schemata: -EIO (%s)", why != NULL ? why : "");
	free(why);
}

static void
test_cache_id(void)
{
	char sys[512];
	int cpu;

	snprintf(sys, sizeof sys, "%s/sysfs", tmp);
	for (cpu = 0; cpu < 4; cpu++) {
		mkdir_p(P("%s/sys/devices/system/cpu/cpu%d/cache/index0", sys,
		    cpu));
		put(P("%s/sys/devices/system/cpu/cpu%d/cache/index0/level", sys,
			cpu),
		    "1\n");
		mkdir_p(P("%s/sys/devices/system/cpu/cpu%d/cache/index1", sys,
		    cpu));
		put(P("%s/sys/devices/system/cpu/cpu%d/cache/index1/level", sys,
			cpu),
		    "2\n");
		mkdir_p(P("%s/sys/devices/system/cpu/cpu%d/cache/index2", sys,
		    cpu));
		put(P("%s/sys/devices/system/cpu/cpu%d/cache/index2/level", sys,
			cpu),
		    "3\n");
		put(P("%s/sys/devices/system/cpu/cpu%d/cache/index2/id", sys,
			cpu),
		    cpu < 2 ? "0\n" : "7\n");
	}
	/* cpu4: no L3 at all. */
	mkdir_p(P("%s/sys/devices/system/cpu/cpu4/cache/index0", sys));
	put(P("%s/sys/devices/system/cpu/cpu4/cache/index0/level", sys), "1\n");
	is_int(resctrl_cache_id(sys, 1), 0, "cache id: cpu1");
	is_int(resctrl_cache_id(sys, 3), 7,
	    "cache id: cpu3, found by level, not index3");
	is_int(resctrl_cache_id(sys, 4), -ENOENT, "cache id: no L3");
	is_int(resctrl_cache_id(sys, 99), -ENOENT, "cache id: no such CPU");
	if (access("/sys/devices/system/cpu/cpu0/cache/index3/id", R_OK) == 0)
		ok(resctrl_cache_id("", 0) >= 0,
		    "cache id: this host's cpu0: %d", resctrl_cache_id("", 0));
	else
		printf("ok %d # SKIP this host shows no L3 of cpu0\n", ++tap_n);
}

static void
test_alloc(void)
{
	struct resctrl *r = NULL;
	struct resctrl_group *a, *b, *c, *d, *e;
	char root[512], *why = NULL, *text;
	int rc, both[] = { 0, 1 }, d0[] = { 0 }, d1[] = { 1 }, bad[] = { 5 };

	snprintf(root, sizeof root, "%s/rdt", tmp);
	fake(root, "fff", 16, 100, "    L3:0=fff;1=fff\n    MB:0=100;1=100\n");
	rc = resctrl_open(root, &r, &why);
	if (!is_int(rc, 0, "alloc: opens")) {
		diag("%s", why != NULL ? why : "");
		free(why);
		return;
	}
	text = resctrl_describe(r);
	is_str(text, "L3 CAT: 12 ways, 2 domains, 16 groups; MBA: 10% steps",
	    "alloc: describe");
	free(text);

	a = group(r, root, "a", both, 2, 8, 50, &rc);
	is_int(rc, 0, "alloc: a, 8 ways on both domains, 50%");
	is_str(a != NULL ? resctrl_group_schemata(a) : NULL,
	    "L3:0=ff0;1=ff0\nMB:0=50;1=50\n", "alloc: a's schemata");
	is_str(get(P("%s/a/schemata", root)), "L3:0=ff0;1=ff0\nMB:0=50;1=50",
	    "alloc: written to the group");
	is_str(a != NULL ? resctrl_group_tasks(a) : NULL, P("%s/a/tasks", root),
	    "alloc: tasks file");
	b = group(r, root, "b", d0, 1, 4, 25, &rc);
	is_int(rc, 0, "alloc: b, 4 ways on domain 0, 25%");
	is_str(b != NULL ? resctrl_group_schemata(b) : NULL,
	    "L3:0=f\nMB:0=30\n", "alloc: b below a, bandwidth rounded up");
	c = group(r, root, "c", d1, 1, 4, 0, &rc);
	is_str(c != NULL ? resctrl_group_schemata(c) : NULL, "L3:1=f\n",
	    "alloc: c on domain 1, no MB line");
	rc = resctrl_group_new(r, "d", d0, 1, 1, 0, &d, &why);
	ok(rc == -ENOSPC && d == NULL &&
		contains(why,
		    "not enough cache ways free: 1 contiguous "
		    "asked, at most 0 in a row"),
	    "alloc: domain 0 is full (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;

	resctrl_group_free(a);
	ok(!isdir(P("%s/a", root)), "alloc: a removed");
	d = group(r, root, "d", NULL, 0, 8, 100, &rc);
	is_str(d != NULL ? resctrl_group_schemata(d) : NULL,
	    "L3:0=ff0;1=ff0\nMB:0=100;1=100\n",
	    "alloc: a's ways back, on all domains when none given");
	e = group(r, root, "e", both, 2, 0, 10, &rc);
	is_str(e != NULL ? resctrl_group_schemata(e) : NULL, "MB:0=10;1=10\n",
	    "alloc: bandwidth only");

	rc = resctrl_group_new(r, "f", bad, 1, 2, 0, &a, &why);
	ok(rc == -EINVAL && contains(why, "cache id 5") &&
		contains(why, "there are: 0 1"),
	    "alloc: unknown cache id (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;
	rc = resctrl_group_new(r, "f", d0, 1, 13, 0, &a, &why);
	ok(rc == -EINVAL && contains(why, "allows 1 to 12"),
	    "alloc: more ways than the cache has (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;
	rc = resctrl_group_new(r, "f", d0, 1, 0, 101, &a, &why);
	is_int(rc, -EINVAL, "alloc: 101% bandwidth");
	free(why);
	why = NULL;
	rc = resctrl_group_new(r, "info", d0, 1, 1, 0, &a, &why);
	is_int(rc, -EINVAL, "alloc: a group named info");
	free(why);
	why = NULL;

	resctrl_group_free(c);
	/* A schemata the "kernel" refuses: no file to write here. */
	rc = resctrl_group_new(r, "nofile", d1, 1, 2, 0, &a, &why);
	ok(rc == -ENOENT && contains(why, "nofile/schemata") &&
		!isdir(P("%s/nofile", root)),
	    "alloc: a failed write removes the group (%s)",
	    why != NULL ? why : "");
	free(why);
	why = NULL;
	put(P("%s/info/last_cmd_status", root), "Mask not contiguous\n");
	mkdir_p(P("%s/refused/schemata", root));
	rc = resctrl_group_new(r, "refused", d1, 1, 2, 0, &a, &why);
	ok(rc != 0 && contains(why, "Mask not contiguous"),
	    "alloc: the kernel's last_cmd_status in why (%s)",
	    why != NULL ? why : "");
	free(why);
	why = NULL;
	rmdir(P("%s/refused/schemata", root));
	rmdir(P("%s/refused", root));
	/* The refused groups' ways were not kept: c's are free again. */
	a = group(r, root, "g", d1, 1, 2, 0, &rc);
	is_str(a != NULL ? resctrl_group_schemata(a) : NULL, "L3:1=c\n",
	    "alloc: nothing leaked by refusals");

	resctrl_group_free(a);
	resctrl_group_free(b);
	resctrl_group_free(d);
	resctrl_group_free(e);
	ok(!isdir(P("%s/b", root)) && !isdir(P("%s/c", root)) &&
		!isdir(P("%s/e", root)) && !isdir(P("%s/g", root)),
	    "alloc: all removed");
	resctrl_close(r);
}

/* Holes: runs must be contiguous; first fit from the top. */
static void
test_holes(void)
{
	struct resctrl *r = NULL;
	struct resctrl_group *x, *y, *z, *w;
	char root[512], *why = NULL;
	int rc;

	snprintf(root, sizeof root, "%s/holes", tmp);
	fake(root, "fff", 16, 0, "L3:0=fff\n");
	if (!is_int(resctrl_open(root, &r, &why), 0, "holes: opens")) {
		free(why);
		return;
	}
	x = group(r, root, "x", NULL, 0, 4, 0, &rc);
	y = group(r, root, "y", NULL, 0, 4, 0, &rc);
	z = group(r, root, "z", NULL, 0, 4, 0, &rc);
	ok(x != NULL && y != NULL && z != NULL &&
		strcmp(resctrl_group_schemata(x), "L3:0=f00\n") == 0 &&
		strcmp(resctrl_group_schemata(y), "L3:0=f0\n") == 0 &&
		strcmp(resctrl_group_schemata(z), "L3:0=f\n") == 0,
	    "holes: three groups of 4 fill 12 ways top down");
	resctrl_group_free(x);
	resctrl_group_free(z);
	w = group(r, root, "w", NULL, 0, 5, 0, &rc);
	ok(rc == -ENOSPC && w == NULL, "holes: 8 ways free but not 5 in a row");
	w = group(r, root, "w", NULL, 0, 3, 0, &rc);
	is_str(w != NULL ? resctrl_group_schemata(w) : NULL, "L3:0=e00\n",
	    "holes: 3 at the top");
	resctrl_group_free(w);
	resctrl_group_free(y);
	resctrl_close(r);
}

static void
test_limits(void)
{
	struct resctrl *r = NULL;
	struct resctrl_group *g[4];
	char root[512], *why = NULL, *text;
	int rc, i;

	/* 4 CLOSIDs: the default group and 3 of ours. */
	snprintf(root, sizeof root, "%s/closids", tmp);
	fake(root, "7ff", 4, 0, "L3:0=7ff\n");
	put(P("%s/info/L3/min_cbm_bits", root), "2\n");
	put(P("%s/info/L3/shareable_bits", root), "600\n");
	if (!is_int(resctrl_open(root, &r, &why), 0, "limits: opens")) {
		free(why);
		return;
	}
	text = resctrl_describe(r);
	is_str(text, "L3 CAT: 11 ways, 1 domain, 4 groups", "limits: describe");
	free(text);
	rc = resctrl_group_new(r, "one", NULL, 0, 1, 0, &g[0], &why);
	ok(rc == -EINVAL && contains(why, "allows 2 to 11"),
	    "limits: min_cbm_bits (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;
	rc = resctrl_group_new(r, "bw", NULL, 0, 2, 50, &g[0], &why);
	ok(rc == -ENOTSUP && contains(why, "no memory bandwidth allocation"),
	    "limits: no MBA (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;
	for (i = 0; i < 3; i++)
		g[i] = group(r, root, P("g%d", i), NULL, 0, 2, 0, &rc);
	ok(g[0] != NULL && g[1] != NULL && g[2] != NULL,
	    "limits: three groups");
	is_str(g[0] != NULL ? resctrl_group_schemata(g[0]) : NULL, "L3:0=180\n",
	    "limits: shared ways (600) avoided");
	group_dir(root, "g3");
	rc = resctrl_group_new(r, "g3", NULL, 0, 2, 0, &g[3], &why);
	ok(rc == -ENOSPC && contains(why, "4 CLOSIDs"),
	    "limits: the fourth finds no CLOSID (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;
	rmdir(P("%s/g3", root));
	for (i = 0; i < 3; i++)
		resctrl_group_free(g[i]);
	resctrl_close(r);

	/* MBA only, AMD style: the default group has 2048. */
	snprintf(root, sizeof root, "%s/amd", tmp);
	fake(root, NULL, 0, 2048, "MB:0=2048;1=2048\n");
	if (!is_int(resctrl_open(root, &r, &why), 0, "amd: opens")) {
		free(why);
		return;
	}
	text = resctrl_describe(r);
	is_str(text, "MBA: steps of 1/2048", "amd: describe");
	free(text);
	rc = resctrl_group_new(r, "c", NULL, 0, 2, 0, &g[0], &why);
	ok(rc == -ENOTSUP && contains(why, "no L3 cache allocation"),
	    "amd: no CAT (%s)", why != NULL ? why : "");
	free(why);
	why = NULL;
	g[0] = group(r, root, "m", (int[]){ 1 }, 1, 0, 25, &rc);
	is_str(g[0] != NULL ? resctrl_group_schemata(g[0]) : NULL, "MB:1=512\n",
	    "amd: 25% scaled to the default's 2048");
	resctrl_group_free(g[0]);
	resctrl_close(r);
}

static void
test_cdp(void)
{
	struct resctrl *r = NULL;
	struct resctrl_group *g;
	char root[512], *why = NULL, *text;
	int rc;

	snprintf(root, sizeof root, "%s/cdp", tmp);
	fake(root, NULL, 0, 0, "L3CODE:0=fff;1=fff\nL3DATA:0=fff;1=fff\n");
	mkdir_p(P("%s/info/L3CODE", root));
	mkdir_p(P("%s/info/L3DATA", root));
	put(P("%s/info/L3CODE/cbm_mask", root), "fff\n");
	put(P("%s/info/L3CODE/num_closids", root), "8\n");
	if (!is_int(resctrl_open(root, &r, &why), 0, "cdp: opens")) {
		diag("%s", why != NULL ? why : "");
		free(why);
		return;
	}
	text = resctrl_describe(r);
	is_str(text, "L3 CAT (CDP): 12 ways, 2 domains, 8 groups",
	    "cdp: describe");
	free(text);
	g = group(r, root, "g", NULL, 0, 4, 0, &rc);
	is_str(g != NULL ? resctrl_group_schemata(g) : NULL,
	    "L3CODE:0=f00;1=f00\nL3DATA:0=f00;1=f00\n",
	    "cdp: the same ways for code and data");
	resctrl_group_free(g);
	resctrl_close(r);
}

/* Not root: as nobody when we are root. */
static void
test_not_root(void)
{
	struct resctrl *r = NULL;
	char root[512], *why = NULL, buf[256] = "";
	int rc = 0, fds[2], status;
	ssize_t n;
	pid_t pid;

	snprintf(root, sizeof root, "%s/ro", tmp);
	fake(root, "fff", 16, 0, "L3:0=fff\n");
	if (geteuid() != 0) {
		chmod(root, 0555);
		rc = resctrl_open(root, &r, &why);
		snprintf(buf, sizeof buf, "%s", why != NULL ? why : "");
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
			rc = resctrl_open(root, &r, &why);
			n = write(fds[1], &rc, sizeof rc);
			if (why != NULL)
				n = write(fds[1], why, strlen(why));
			_exit(n < 0);
		}
		close(fds[1]);
		if (read(fds[0], &rc, sizeof rc) == sizeof rc &&
		    (n = read(fds[0], buf, sizeof buf - 1)) > 0)
			buf[n] = '\0';
		close(fds[0]);
		waitpid(pid, &status, 0);
		chmod(tmp, 0700);
	}
	ok(rc == -EACCES && contains(buf, "not root"), "not root: %s", buf);
}

int
main(void)
{
	if (mkdtemp(tmp) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_errors();
	test_cache_id();
	test_alloc();
	test_holes();
	test_limits();
	test_cdp();
	test_not_root();
	files_rmtree(tmp);
	return done_testing();
}
