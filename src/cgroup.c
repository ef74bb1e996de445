/*
 * Per-job cgroups on v1 (one hierarchy per controller) and v2 (one
 * unified hierarchy). A system keeps, per hierarchy it uses, our own
 * cgroup (the base) and the instance directory below it; v2 is simply
 * the case of a single hierarchy holding every controller, so slots are
 * handled alike: one directory per hierarchy.
 *
 * Slots are reused for hundreds of jobs a second, so the files read per
 * job stay open and are read with pread at offset 0 (cgroupfs renders a
 * file afresh when read from its start). Writes open the file with
 * O_TRUNC and no O_CREAT: the kernel makes every file, and the
 * truncation keeps a plain file in a test's fake tree faithful.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "files.h"
#include "xmalloc.h"

/* What a slot may use; on v1 each lives in its own hierarchy. */
enum feat { F_CPUSET, F_MEMORY, F_PIDS, F_CPU, F_KILL, F_N };

static const char *const feat_names[F_N] = { "cpuset", "memory", "pids", "cpu",
	"kill" };
/* The v1 controller behind each feature. */
static const char *const v1_names[F_N] = { "cpuset", "memory", "pids",
	"cpuacct", "freezer" };

struct hier {
	char *base; /* our own cgroup in it (v2: the root cgroup) */
	char *inst; /* base/<instance>, once cgroup_instance made it */
	dev_t dev;  /* identity of the mount, to merge co-mounted ones */
	ino_t ino;
};

struct cgroup_sys {
	char *root;
	int version;
	struct hier hier[F_N];
	int nhier;
	int of[F_N];   /* the hierarchy index of each feature, -1: none */
	char *name;    /* the instance, NULL before cgroup_instance */
	int memsw;     /* v1 swap accounting: memory.memsw.* exist */
	int v2_kill;   /* cgroup.kill (Linux 5.14) */
	int v2_freeze; /* cgroup.freeze (Linux 5.2) */
	char *notes;   /* what we had to give up, for describe */
	int nslots;
};

struct cgroup {
	struct cgroup_sys *sys;
	char *dir[F_N];       /* the slot in each hierarchy */
	char *procs[F_N + 1]; /* dir/cgroup.procs, NULL terminated */
	int cpu_fd;           /* v1 cpuacct.usage, v2 cpu.stat */
	int peak_fd;          /* v1 memory.max_usage_in_bytes, v2 memory.peak */
	int current_fd;       /* v1 memory.usage_in_bytes, v2 memory.current */
	int oom_fd;           /* v1 memory.oom_control, v2 memory.events */
	int events_fd;        /* v2 cgroup.events */
	int open;             /* the fds above are valid */
	int gone;             /* v2: removed for a fresh peak, not yet remade */
	int peak_reset;       /* the peak can be reset through peak_fd */
	int fresh;            /* v2: made anew since the last job began */
	int stale;            /* v2: holds an old peak, remake when empty */
	int exact;            /* this job's peak is its own */
	uint64_t cpu0, oom0, peak0; /* baselines at cgroup_job_begin */
	int configured;
	char *cpus;
	uint64_t memory_max, pids_max;
};

static void add_note(struct cgroup_sys *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add_note(struct cgroup_sys *s, const char *fmt, ...)
{
	va_list ap;
	char *note, *all;

	va_start(ap, fmt);
	note = xvasprintf(fmt, ap);
	va_end(ap);
	if (s->notes == NULL) {
		s->notes = note;
		return;
	}
	all = xasprintf("%s; %s", s->notes, note);
	free(note);
	free(s->notes);
	s->notes = all;
}

static int
exists(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file);
	int r = access(path, F_OK) == 0;

	free(path);
	return r;
}

static int
open_in(const char *dir, const char *file, int flags)
{
	char *path = xasprintf("%s/%s", dir, file);
	int fd = open(path, flags | O_CLOEXEC);

	free(path);
	return fd;
}

/* One write of text into dir/file: cgroupfs takes a value per write(). */
static int
write_in(const char *dir, const char *file, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, r = 0;

	if ((fd = open_in(dir, file, O_WRONLY | O_TRUNC)) < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

/* The text of dir/file without its trailing newlines, or NULL. */
static char *
read_in(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file), *text;
	size_t len;

	text = files_read(path, &len);
	free(path);
	while (text != NULL && len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	return text;
}

/* A small file afresh into buf; its length or -errno. */
static int
pread_text(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -EINVAL;
	*v = x;
	return 0;
}

/* The value of the "key N" line in text: 0, or -ENOENT. */
static int
keyed_u64(const char *text, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	const char *p;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return parse_u64(p + klen + 1, v);
	}
	return -ENOENT;
}

static int
fd_u64(int fd, uint64_t *v)
{
	char buf[64];
	int r;

	if ((r = pread_text(fd, buf, sizeof buf)) < 0)
		return r;
	return parse_u64(buf, v);
}

/* A keyed value from fd; a key the kernel does not have yet reads 0. */
static int
fd_keyed(int fd, const char *key, uint64_t *v)
{
	char buf[4096];
	int r;

	if ((r = pread_text(fd, buf, sizeof buf)) < 0)
		return r;
	r = keyed_u64(buf, key, v);
	if (r == -ENOENT) {
		*v = 0;
		r = 0;
	}
	return r;
}

static int
has_word(const char *list, const char *word)
{
	size_t len = strlen(word);
	const char *p = list;

	while (list != NULL && (p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
			return 1;
		p += len;
	}
	return 0;
}

static int64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sleep_usec(int64_t usec)
{
	struct timespec ts = { usec / 1000000, (long)(usec % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * rmdir of a cgroup. The kernel removes a cgroup's files with it and
 * never answers ENOTEMPTY; a fake tree in a test does, so there the
 * interface files (plain files with cgroup-like names) go first.
 */
static int
cg_rmdir(const char *dir)
{
	static const char *const prefixes[] = { "cgroup.", "cpu", "memory.",
		"pids.", "io.", "freezer.", "hugetlb.", "rdma.", "misc.",
		"tasks", "notify_on_release", NULL };
	struct dirent *de;
	DIR *d;
	char *path;
	int i;

	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != ENOTEMPTY)
		return -errno;
	if ((d = opendir(dir)) == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		for (i = 0; prefixes[i] != NULL; i++)
			if (strncmp(de->d_name, prefixes[i],
				strlen(prefixes[i])) == 0)
				break;
		if (prefixes[i] == NULL || de->d_type == DT_DIR)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		unlink(path);
		free(path);
	}
	closedir(d);
	return rmdir(dir) == 0 ? 0 : -errno;
}

/*
 * The path of our cgroup for controller ctrl ("" for the v2 line "0::")
 * in the text of /proc/self/cgroup, allocated, without a trailing
 * slash ("/" gives ""); NULL when the controller has no line.
 */
static char *
self_path(const char *self, const char *ctrl)
{
	const char *line, *end, *c1, *c2, *p, *q;
	size_t clen = strlen(ctrl);
	char *path;
	size_t len;

	for (line = self; *line != '\0'; line = *end == '\n' ? end + 1 : end) {
		if ((end = strchr(line, '\n')) == NULL)
			end = line + strlen(line);
		if ((c1 = memchr(line, ':', (size_t)(end - line))) == NULL ||
		    (c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1))) == NULL)
			continue;
		if (clen == 0) {
			if (c2 != c1 + 1)
				continue;
			goto found;
		}
		for (p = c1 + 1; p < c2; p = q + 1) {
			if ((q = memchr(p, ',', (size_t)(c2 - p))) == NULL)
				q = c2;
			if ((size_t)(q - p) == clen &&
			    memcmp(p, ctrl, clen) == 0)
				goto found;
		}
		continue;
	found:
		path = xstrndup(c2 + 1, (size_t)(end - c2 - 1));
		len = strlen(path);
		while (len > 0 && path[len - 1] == '/')
			path[--len] = '\0';
		return path;
	}
	return NULL;
}

static void
sys_free(struct cgroup_sys *s)
{
	int h;

	for (h = 0; h < s->nhier; h++) {
		free(s->hier[h].base);
		free(s->hier[h].inst);
	}
	free(s->root);
	free(s->name);
	free(s->notes);
	free(s);
}

/* Adds the hierarchy mounted at mount, our cgroup being base in it. */
static int
add_hier(struct cgroup_sys *s, const char *mount, const char *base)
{
	struct stat st;
	int h;

	if (stat(mount, &st) != 0)
		return -1;
	for (h = 0; h < s->nhier; h++)
		if (s->hier[h].dev == st.st_dev && s->hier[h].ino == st.st_ino)
			return h;
	s->hier[h].base = xstrdup(base);
	s->hier[h].dev = st.st_dev;
	s->hier[h].ino = st.st_ino;
	s->nhier++;
	return h;
}

static void
open_v1(struct cgroup_sys *s, const char *self)
{
	char *mount, *path, *base;
	int f;

	for (f = 0; f < F_N; f++) {
		if ((path = self_path(self, v1_names[f])) == NULL)
			continue;
		mount = xasprintf("%s/%s", s->root, v1_names[f]);
		base = xasprintf("%s%s", mount, path);
		/*
		 * Outside our cgroup namespace ("/.."), or a container that
		 * mounts its own cgroup as the hierarchy while /proc shows
		 * the host's path: then the mount itself is our cgroup.
		 */
		if (strstr(path, "/..") != NULL ||
		    !exists(base, "cgroup.procs")) {
			free(base);
			base = xstrdup(mount);
		}
		if (exists(base, "cgroup.procs"))
			s->of[f] = add_hier(s, mount, base);
		free(base);
		free(mount);
		free(path);
	}
	if (s->of[F_MEMORY] >= 0)
		s->memsw = exists(s->hier[s->of[F_MEMORY]].base,
		    "memory.memsw.limit_in_bytes");
}

static int
open_v2(struct cgroup_sys *s, const char *self, const char *controllers,
    char **why)
{
	char *path, *dir;
	int f;

	s->hier[0].base = xstrdup(s->root);
	s->nhier = 1;
	for (f = F_CPUSET; f <= F_PIDS; f++)
		if (has_word(controllers, feat_names[f]))
			s->of[f] = 0;
	if (s->of[F_CPUSET] < 0 && s->of[F_MEMORY] < 0 && s->of[F_PIDS] < 0) {
		xsetf(why,
		    "cgroup v2 at %s without controllers: "
		    "%s/cgroup.controllers "
		    "lists none of cpuset, memory, pids (%s%s%s)",
		    s->root, s->root, *controllers != '\0' ? "\"" : "",
		    *controllers != '\0' ? controllers :
					   "it is empty: are they "
					   "bound to cgroup v1 hierarchies?",
		    *controllers != '\0' ? "\"" : "");
		return -ENOTSUP;
	}
	/* cpu.stat is core, no controller needed; the root has one too. */
	if (exists(s->root, "cpu.stat"))
		s->of[F_CPU] = 0;
	/* cgroup.kill is in every cgroup but the root: look in ours. */
	path = self_path(self, "");
	if (path != NULL && *path != '\0') {
		dir = xasprintf("%s%s", s->root, path);
		s->v2_kill = exists(dir, "cgroup.kill");
		s->v2_freeze = exists(dir, "cgroup.freeze");
		if (s->v2_kill || s->v2_freeze)
			s->of[F_KILL] = 0;
		free(dir);
	}
	free(path);
	return 0;
}

int
cgroup_sys_open(const char *root, const char *self, struct cgroup_sys **sysp,
    char **why)
{
	struct cgroup_sys *s;
	char *own = NULL, *controllers;
	struct stat st;
	int f, h, r;

	*sysp = NULL;
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
		xsetf(why, "no cgroup filesystem at %s", root);
		return -ENOENT;
	}
	if (self == NULL) {
		own = files_read("/proc/self/cgroup", NULL);
		self = own != NULL ? own : "";
	}
	s = xcalloc(1, sizeof *s);
	s->root = xstrdup(root);
	for (f = 0; f < F_N; f++)
		s->of[f] = -1;
	if ((controllers = read_in(root, "cgroup.controllers")) != NULL) {
		s->version = 2;
		r = open_v2(s, self, controllers, why);
		free(controllers);
		if (r != 0)
			goto fail;
	} else {
		s->version = 1;
		open_v1(s, self);
		if (s->nhier == 0) {
			xsetf(why,
			    "no cgroup filesystem at %s (neither cgroup v2, "
			    "%s/cgroup.controllers, nor v1 hierarchies such as "
			    "%s/memory that hold our process)",
			    root, root, root);
			r = -ENOENT;
			goto fail;
		}
	}
	for (h = 0; h < s->nhier; h++) {
		if (access(s->hier[h].base, W_OK) != 0) {
			xsetf(why,
			    "not root: creating cgroups in %s needs root",
			    s->hier[h].base);
			r = -EACCES;
			goto fail;
		}
	}
	free(own);
	*sysp = s;
	return 0;
fail:
	free(own);
	sys_free(s);
	return r;
}

int
cgroup_sys_version(const struct cgroup_sys *s)
{
	return s->version;
}

char *
cgroup_sys_describe(const struct cgroup_sys *s)
{
	char *text = xasprintf("cgroup v%d:", s->version), *more;
	const char *word;
	int f;

	for (f = 0; f < F_N; f++) {
		if (s->of[f] < 0)
			continue;
		word = s->version == 1 ? v1_names[f] : feat_names[f];
		if (s->version == 2 && f == F_CPU)
			word = "cpu.stat";
		if (s->version == 2 && f == F_KILL)
			word = s->v2_kill ? "cgroup.kill" : "cgroup.freeze";
		more = xasprintf("%s %s", text, word);
		free(text);
		text = more;
	}
	if (s->version == 1 && s->of[F_MEMORY] >= 0 && !s->memsw) {
		more = xasprintf("%s (no swap accounting)", text);
		free(text);
		text = more;
	}
	if (s->notes != NULL) {
		more = xasprintf("%s; %s", text, s->notes);
		free(text);
		text = more;
	}
	return text;
}

int
cgroup_sys_has(const struct cgroup_sys *s, const char *feature)
{
	int f;

	for (f = 0; f < F_N; f++)
		if (strcmp(feature, feat_names[f]) == 0)
			return s->of[f] >= 0;
	return 0;
}

/* The pid in an instance name "<prefix><digits>", or 0. */
static pid_t
instance_pid(const char *entry, const char *prefix, size_t plen)
{
	const char *p;
	long pid = 0;

	if (strncmp(entry, prefix, plen) != 0 || entry[plen] == '\0')
		return 0;
	for (p = entry + plen; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || pid > 1000000000)
			return 0;
		pid = pid * 10 + (*p - '0');
	}
	return (pid_t)pid;
}

/*
 * Removes base's "<prefix>-<pid>" directories of dead engines, with their
 * slots. Only empty cgroups go: rmdir fails on one with processes, which
 * then stays for a human to look at.
 */
static void
remove_stale(const char *base, const char *name)
{
	const char *dash = strrchr(name, '-');
	struct dirent *de, *se;
	DIR *d, *sd;
	char *dir, *slot;
	size_t plen;
	pid_t pid;

	if (dash == NULL ||
	    instance_pid(name, name, (size_t)(dash + 1 - name)) <= 0)
		return;
	plen = (size_t)(dash + 1 - name);
	if ((d = opendir(base)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if ((pid = instance_pid(de->d_name, name, plen)) <= 0)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		dir = xasprintf("%s/%s", base, de->d_name);
		if ((sd = opendir(dir)) != NULL) {
			while ((se = readdir(sd)) != NULL) {
				if (se->d_type != DT_DIR ||
				    se->d_name[0] == '.')
					continue;
				slot = xasprintf("%s/%s", dir, se->d_name);
				cg_rmdir(slot);
				free(slot);
			}
			closedir(sd);
		}
		cg_rmdir(dir);
		free(dir);
	}
	closedir(d);
}

/*
 * Enables the features' controllers (v2) in dir/cgroup.subtree_control:
 * all in one write, else one by one to learn which the kernel refuses
 * (say EBUSY: processes in a container's root), which are then given up.
 */
static int
enable_v2(struct cgroup_sys *s, const char *dir, char **why)
{
	char *have = read_in(dir, "cgroup.subtree_control"), *all, *more, *one;
	int f, r, left = 0;

	all = xstrdup("");
	for (f = F_CPUSET; f <= F_PIDS; f++) {
		if (s->of[f] < 0 || has_word(have, feat_names[f]))
			continue;
		more = xasprintf("%s%s+%s", all, *all != '\0' ? " " : "",
		    feat_names[f]);
		free(all);
		all = more;
	}
	r = *all == '\0' ? 0 : write_in(dir, "cgroup.subtree_control", all);
	for (f = F_CPUSET; r != 0 && f <= F_PIDS; f++) {
		if (s->of[f] < 0 || has_word(have, feat_names[f]))
			continue;
		one = xasprintf("+%s", feat_names[f]);
		if ((r = write_in(dir, "cgroup.subtree_control", one)) != 0) {
			add_note(s,
			    "no %s: cannot enable it in "
			    "%s/cgroup.subtree_control: %s",
			    feat_names[f], dir, strerror(-r));
			s->of[f] = -1;
		}
		free(one);
		r = -1;
	}
	for (f = F_CPUSET; f <= F_PIDS; f++)
		left |= s->of[f] >= 0;
	free(all);
	free(have);
	if (!left) {
		xsetf(why,
		    "cannot enable any controller in "
		    "%s/cgroup.subtree_control (%s)",
		    dir, s->notes != NULL ? s->notes : "");
		return -EBUSY;
	}
	return 0;
}

/* v1 cpuset: a cgroup takes no task until it has cpus and mems. */
static int
copy_cpuset(const char *from, const char *to, const char *file)
{
	char *text = read_in(from, file);
	int r;

	if (text == NULL)
		return -errno;
	r = write_in(to, file, *text != '\0' ? text : "\n");
	free(text);
	return r;
}

int
cgroup_instance(struct cgroup_sys *s, const char *name, char **why)
{
	struct hier *hr;
	int h, r;

	if (*name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		xsetf(why, "bad cgroup name \"%s\"", name);
		return -EINVAL;
	}
	if (s->name != NULL) {
		xsetf(why, "cgroup instance %s exists already", s->name);
		return -EEXIST;
	}
	for (h = 0; h < s->nhier; h++)
		remove_stale(s->hier[h].base, name);
	if (s->version == 2 && (r = enable_v2(s, s->root, why)) != 0)
		return r;
	for (h = 0; h < s->nhier; h++) {
		hr = &s->hier[h];
		hr->inst = xasprintf("%s/%s", hr->base, name);
		if (mkdir(hr->inst, 0755) != 0 && errno != EEXIST) {
			r = -errno;
			xsetf(why, "cannot create %s: %s", hr->inst,
			    strerror(errno));
			free(hr->inst);
			hr->inst = NULL;
			goto fail;
		}
		if (s->version == 1 && h == s->of[F_CPUSET] &&
		    ((r = copy_cpuset(hr->base, hr->inst, "cpuset.cpus")) !=
			    0 ||
			(r = copy_cpuset(hr->base, hr->inst, "cpuset.mems")) !=
			    0)) {
			xsetf(why,
			    "cannot copy cpuset.cpus and .mems from %s "
			    "to %s: %s",
			    hr->base, hr->inst, strerror(-r));
			h++;
			goto fail;
		}
	}
	if (s->version == 2) {
		if ((r = enable_v2(s, s->hier[0].inst, why)) != 0) {
			h = 1;
			goto fail;
		}
		s->v2_kill = exists(s->hier[0].inst, "cgroup.kill");
		s->v2_freeze = exists(s->hier[0].inst, "cgroup.freeze");
		s->of[F_KILL] = s->v2_kill || s->v2_freeze ? 0 : -1;
	}
	s->name = xstrdup(name);
	return 0;
fail:
	while (h-- > 0) {
		cg_rmdir(s->hier[h].inst);
		free(s->hier[h].inst);
		s->hier[h].inst = NULL;
	}
	return r;
}

void
cgroup_sys_close(struct cgroup_sys *s)
{
	int h;

	if (s == NULL)
		return;
	for (h = 0; s->name != NULL && h < s->nhier; h++)
		cg_rmdir(s->hier[h].inst);
	sys_free(s);
}

static const char *
dir_of(const struct cgroup *cg, enum feat f)
{
	return cg->sys->of[f] >= 0 ? cg->dir[cg->sys->of[f]] : NULL;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
slot_close(struct cgroup *cg)
{
	close_fd(&cg->cpu_fd);
	close_fd(&cg->peak_fd);
	close_fd(&cg->current_fd);
	close_fd(&cg->oom_fd);
	close_fd(&cg->events_fd);
	cg->open = 0;
}

static int
set_cpus(struct cgroup *cg, const char *cpus)
{
	const char *dir = dir_of(cg, F_CPUSET);
	char *text = NULL;
	int r;

	if (dir == NULL)
		return 0;
	if (cpus == NULL && cg->sys->version == 1) {
		/* v1 has no "inherit": take the instance's. */
		if ((text = read_in(cg->sys->hier[cg->sys->of[F_CPUSET]].inst,
			 "cpuset.cpus")) == NULL)
			return -errno;
		cpus = text;
	}
	/* v2: an empty list inherits the parent's. */
	r = write_in(dir, "cpuset.cpus",
	    cpus != NULL && *cpus != '\0' ? cpus : "\n");
	free(text);
	return r;
}

static int
set_memory(struct cgroup *cg, uint64_t max)
{
	const char *dir = dir_of(cg, F_MEMORY);
	char text[32];
	int r, r2;

	if (dir == NULL)
		return 0;
	if (max != 0)
		snprintf(text, sizeof text, "%" PRIu64, max);
	if (cg->sys->version == 2) {
		if ((r = write_in(dir, "memory.max",
			 max != 0 ? text : "max")) != 0)
			return r;
		/* Without swap accounting there is no file, nor a way out. */
		r = write_in(dir, "memory.swap.max", max != 0 ? "0" : "max");
		return r == -ENOENT ? 0 : r;
	}
	/*
	 * v1 wants limit <= memsw limit at every moment: lowering goes in
	 * this order, raising fails with EINVAL first and goes the other.
	 */
	if (max == 0)
		strcpy(text, "-1");
	r = write_in(dir, "memory.limit_in_bytes", text);
	if (!cg->sys->memsw)
		return r;
	r2 = write_in(dir, "memory.memsw.limit_in_bytes", text);
	if (r == -EINVAL)
		r = write_in(dir, "memory.limit_in_bytes", text);
	return r != 0 ? r : r2;
}

static int
set_pids(struct cgroup *cg, uint64_t max)
{
	const char *dir = dir_of(cg, F_PIDS);
	char text[32];

	if (dir == NULL)
		return 0;
	if (max == 0)
		strcpy(text, "max");
	else
		snprintf(text, sizeof text, "%" PRIu64, max);
	return write_in(dir, "pids.max", text);
}

/*
 * Opens the slot's files at first use (in a test's fake tree they appear
 * after mkdir) and, after a v2 slot was made anew, writes its limits back.
 */
static int
slot_open(struct cgroup *cg)
{
	struct cgroup_sys *s = cg->sys;
	const char *dir;
	int r, v1 = s->version == 1;

	if (cg->open)
		return 0;
	if (cg->gone) {
		if (mkdir(cg->dir[0], 0755) != 0 && errno != EEXIST)
			return -errno;
		cg->gone = 0;
		cg->fresh = 1;
	}
	if ((dir = dir_of(cg, F_CPU)) != NULL &&
	    (cg->cpu_fd = open_in(dir, v1 ? "cpuacct.usage" : "cpu.stat",
		 O_RDONLY)) < 0)
		goto fail;
	if ((dir = dir_of(cg, F_MEMORY)) != NULL) {
		if ((cg->oom_fd = open_in(dir,
			 v1 ? "memory.oom_control" : "memory.events",
			 O_RDONLY)) < 0)
			goto fail;
		/*
		 * The peak resets by a write: v1 any time; v2 from Linux 6.12,
		 * for reads through the same fd; before, the file is read-only
		 * (EACCES even to root), and before 5.19 absent.
		 */
		cg->peak_fd = open_in(dir,
		    v1 ? "memory.max_usage_in_bytes" : "memory.peak", O_RDWR);
		cg->peak_reset = cg->peak_fd >= 0;
		if (cg->peak_fd < 0 && v1)
			goto fail;
		if (cg->peak_fd < 0 && (errno == EACCES || errno == EPERM))
			cg->peak_fd = open_in(dir, "memory.peak", O_RDONLY);
		/* For live samples only: a job runs without it. */
		cg->current_fd = open_in(dir,
		    v1 ? "memory.usage_in_bytes" : "memory.current", O_RDONLY);
	}
	if (!v1 &&
	    (cg->events_fd = open_in(cg->dir[0], "cgroup.events", O_RDONLY)) <
		0)
		goto fail;
	cg->open = 1;
	if (cg->configured &&
	    ((r = set_cpus(cg, cg->cpus)) != 0 ||
		(r = set_memory(cg, cg->memory_max)) != 0 ||
		(r = set_pids(cg, cg->pids_max)) != 0)) {
		slot_close(cg);
		return r;
	}
	return 0;
fail:
	r = -errno;
	slot_close(cg);
	return r;
}

int
cgroup_new(struct cgroup_sys *s, const char *name, struct cgroup **cgp,
    char **why)
{
	struct cgroup *cg;
	int h, r;

	*cgp = NULL;
	if (s->name == NULL) {
		xsetf(why, "no cgroup instance to put slot %s in", name);
		return -EINVAL;
	}
	if (*name == '\0' || strchr(name, '/') != NULL || name[0] == '.') {
		xsetf(why, "bad cgroup name \"%s\"", name);
		return -EINVAL;
	}
	cg = xcalloc(1, sizeof *cg);
	cg->sys = s;
	cg->cpu_fd = cg->peak_fd = cg->oom_fd = cg->events_fd = -1;
	cg->current_fd = -1;
	for (h = 0; h < s->nhier; h++) {
		cg->dir[h] = xasprintf("%s/%s", s->hier[h].inst, name);
		cg->procs[h] = xasprintf("%s/cgroup.procs", cg->dir[h]);
	}
	for (h = 0; h < s->nhier; h++) {
		if (mkdir(cg->dir[h], 0755) != 0 && errno != EEXIST) {
			r = -errno;
			xsetf(why, "cannot create %s: %s", cg->dir[h],
			    strerror(errno));
			goto fail;
		}
		if (s->version == 1 && h == s->of[F_CPUSET] &&
		    ((r = copy_cpuset(s->hier[h].inst, cg->dir[h],
			  "cpuset.cpus")) != 0 ||
			(r = copy_cpuset(s->hier[h].inst, cg->dir[h],
			     "cpuset.mems")) != 0)) {
			xsetf(why, "cannot set cpuset.cpus and .mems of %s: %s",
			    cg->dir[h], strerror(-r));
			h++;
			goto fail;
		}
	}
	cg->fresh = 1;
	s->nslots++;
	*cgp = cg;
	return 0;
fail:
	while (h-- > 0)
		cg_rmdir(cg->dir[h]);
	for (h = 0; h < s->nhier; h++) {
		free(cg->dir[h]);
		free(cg->procs[h]);
	}
	free(cg);
	return r;
}

int
cgroup_configure(struct cgroup *cg, const char *cpus, uint64_t memory_max,
    uint64_t pids_max)
{
	int r, all = !cg->configured;

	if ((r = slot_open(cg)) != 0)
		return r;
	/* Until every value is known written, the next call writes all. */
	cg->configured = 0;
	if (all || (cpus == NULL) != (cg->cpus == NULL) ||
	    (cpus != NULL && strcmp(cpus, cg->cpus) != 0)) {
		if ((r = set_cpus(cg, cpus)) != 0)
			return r;
		free(cg->cpus);
		cg->cpus = cpus != NULL ? xstrdup(cpus) : NULL;
	}
	if (all || memory_max != cg->memory_max) {
		if ((r = set_memory(cg, memory_max)) != 0)
			return r;
		cg->memory_max = memory_max;
	}
	if (all || pids_max != cg->pids_max) {
		if ((r = set_pids(cg, pids_max)) != 0)
			return r;
		cg->pids_max = pids_max;
	}
	cg->configured = 1;
	return 0;
}

const char *const *
cgroup_procs_files(const struct cgroup *cg)
{
	return (const char *const *)cg->procs;
}

int
cgroup_join(const struct cgroup *cg, pid_t pid)
{
	char text[24];
	int h, r;

	snprintf(text, sizeof text, "%ld", (long)pid);
	for (h = 0; h < cg->sys->nhier; h++)
		if ((r = write_in(cg->dir[h], "cgroup.procs", text)) != 0)
			return r;
	return 0;
}

static int
read_cpu(struct cgroup *cg, uint64_t *usec)
{
	int r;

	*usec = 0;
	if (cg->cpu_fd < 0)
		return 0;
	if (cg->sys->version == 2)
		return fd_keyed(cg->cpu_fd, "usage_usec", usec);
	if ((r = fd_u64(cg->cpu_fd, usec)) == 0)
		*usec /= 1000;
	return r;
}

static int
read_oom(struct cgroup *cg, uint64_t *n)
{
	*n = 0;
	/* "oom_kill N" in both files; older v1 kernels (< 4.13) lack it. */
	return cg->oom_fd < 0 ? 0 : fd_keyed(cg->oom_fd, "oom_kill", n);
}

/*
 * v2 before 6.12: an empty slot is made anew for its peak to restart
 * from zero. Its fds close; slot_open reopens and rewrites the limits.
 */
static int
remake(struct cgroup *cg)
{
	int r;

	slot_close(cg);
	if ((r = cg_rmdir(cg->dir[0])) != 0)
		return r;
	cg->gone = 1;
	cg->stale = 0;
	if (mkdir(cg->dir[0], 0755) != 0 && errno != EEXIST)
		return -errno;
	cg->gone = 0;
	cg->fresh = 1;
	return 0;
}

int
cgroup_job_begin(struct cgroup *cg)
{
	const char *reset = cg->sys->version == 1 ? "0" : "reset";
	int r;

	/* Failing that, this job's peak is known only if it is a new high. */
	if (cg->stale && cgroup_populated(cg) == 0)
		remake(cg);
	if ((r = slot_open(cg)) != 0)
		return r;
	if (cg->peak_fd >= 0 && cg->peak_reset &&
	    pwrite(cg->peak_fd, reset, strlen(reset), 0) < 0)
		return -errno;
	if ((r = read_cpu(cg, &cg->cpu0)) != 0 ||
	    (r = read_oom(cg, &cg->oom0)) != 0)
		return r;
	cg->peak0 = 0;
	cg->exact = 1;
	if (cg->peak_fd >= 0 && !cg->peak_reset) {
		if ((r = fd_u64(cg->peak_fd, &cg->peak0)) != 0)
			return r;
		cg->exact = cg->fresh;
	}
	cg->fresh = 0;
	return 0;
}

int
cgroup_job_end(struct cgroup *cg, struct cgroup_stats *st)
{
	uint64_t cpu, oom, peak = 0;
	int r;

	memset(st, 0, sizeof *st);
	if ((r = slot_open(cg)) != 0)
		return r;
	if ((r = read_cpu(cg, &cpu)) != 0 || (r = read_oom(cg, &oom)) != 0 ||
	    (cg->peak_fd >= 0 && (r = fd_u64(cg->peak_fd, &peak)) != 0))
		return r;
	st->cpu_usec = cpu > cg->cpu0 ? cpu - cg->cpu0 : 0;
	st->oom_kills = oom > cg->oom0 ? oom - cg->oom0 : 0;
	/* A peak above all earlier ones is this job's own. */
	st->memory_peak = cg->exact || peak > cg->peak0 ? peak : 0;
	if (cg->peak_fd >= 0 && !cg->peak_reset) {
		cg->stale = 1;
		if (cgroup_populated(cg) == 0)
			remake(cg);
	}
	return 0;
}

int
cgroup_sample(struct cgroup *cg, struct cgroup_sample *out)
{
	uint64_t cpu;
	int r;

	out->cpu_usec = out->memory = -1;
	if ((r = slot_open(cg)) != 0)
		return r;
	if (cg->cpu_fd >= 0 && read_cpu(cg, &cpu) == 0)
		out->cpu_usec = cpu > cg->cpu0 ? (int64_t)(cpu - cg->cpu0) : 0;
	if (cg->current_fd >= 0 && fd_u64(cg->current_fd, &cpu) == 0)
		out->memory = (int64_t)cpu;
	return 0;
}

int
cgroup_populated(struct cgroup *cg)
{
	char buf[32];
	uint64_t v;
	int r, fd;

	if ((r = slot_open(cg)) != 0)
		return r;
	if (cg->sys->version == 2) {
		if ((r = pread_text(cg->events_fd, buf, sizeof buf)) < 0)
			return r;
		/* "populated" is the first line; read more only if not. */
		if (strncmp(buf, "populated ", 10) == 0)
			return buf[10] != '0';
		if ((r = fd_keyed(cg->events_fd, "populated", &v)) != 0)
			return r;
		return v != 0;
	}
	/*
	 * v1 cgroup.procs must be opened anew: an open file keeps serving
	 * the pid list it first loaded for as long as it is read again
	 * within a second. The first hierarchy suffices: cgroup_join and
	 * the shim write it first, and children inherit it.
	 */
	if ((fd = open(cg->procs[0], O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	r = pread_text(fd, buf, sizeof buf);
	close(fd);
	return r > 0 ? 1 : r;
}

static int
wait_empty(struct cgroup *cg, int64_t deadline)
{
	int64_t nap = 50;
	int r;

	while ((r = cgroup_populated(cg)) == 1) {
		if (now_usec() >= deadline)
			return -EBUSY;
		sleep_usec(nap);
		if (nap < 5000)
			nap *= 2;
	}
	return r;
}

/* Freezes (on 1) or thaws the slot; on freezing, waits until frozen. */
static int
freeze(struct cgroup *cg, int on, int64_t deadline)
{
	const char *dir = dir_of(cg, F_KILL);
	int v2 = cg->sys->version == 2, r;
	int64_t nap = 20;
	char *state;
	uint64_t frozen;

	if (dir == NULL || (v2 && !cg->sys->v2_freeze))
		return -ENOTSUP;
	if (v2)
		r = write_in(dir, "cgroup.freeze", on ? "1" : "0");
	else
		r = write_in(dir, "freezer.state", on ? "FROZEN" : "THAWED");
	while (r == 0 && on) {
		if (v2) {
			if ((r = fd_keyed(cg->events_fd, "frozen", &frozen)) !=
				0 ||
			    frozen)
				break;
		} else {
			if ((state = read_in(dir, "freezer.state")) == NULL)
				return -errno;
			frozen = strcmp(state, "FROZEN") == 0;
			free(state);
			if (frozen)
				break;
		}
		/* A task in uninterruptible sleep can hold freezing up. */
		if (now_usec() >= deadline)
			return -ETIMEDOUT;
		sleep_usec(nap);
		if (nap < 2000)
			nap *= 2;
	}
	return r;
}

/* SIGKILLs every pid the slot lists; 1 if there was any. */
static int
kill_listed(struct cgroup *cg)
{
	char *text, *p, *end;
	pid_t self = getpid();
	int h, any = 0;
	long pid;

	for (h = 0; h < cg->sys->nhier; h++) {
		if ((text = files_read(cg->procs[h], NULL)) == NULL)
			continue;
		for (p = text;; p = end) {
			pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 0 && pid != self) {
				kill((pid_t)pid, SIGKILL);
				any = 1;
			}
		}
		free(text);
	}
	return any;
}

int
cgroup_kill(struct cgroup *cg, int timeout_ms)
{
	int64_t deadline = now_usec() + (int64_t)timeout_ms * 1000, round;
	int r, frozen;

	if ((r = cgroup_populated(cg)) <= 0)
		return r;
	if (cg->sys->version == 2 && cg->sys->v2_kill &&
	    write_in(cg->dir[0], "cgroup.kill", "1") == 0)
		return wait_empty(cg, deadline);
	/*
	 * Frozen, a process cannot fork nor exit, so the pids listed are
	 * all there is and none is reused before we signal it. Without a
	 * freezer, rounds of killing catch the children forked meanwhile.
	 */
	for (;;) {
		round = now_usec() + 200000;
		frozen = freeze(cg, 1, round < deadline ? round : deadline);
		kill_listed(cg);
		if (frozen != -ENOTSUP)
			freeze(cg, 0, 0);
		round = now_usec() + 20000;
		r = wait_empty(cg, round < deadline ? round : deadline);
		if (r != -EBUSY || now_usec() >= deadline)
			return r;
	}
}

void
cgroup_free(struct cgroup *cg)
{
	int h;

	if (cg == NULL)
		return;
	if (cgroup_populated(cg) == 1)
		cgroup_kill(cg, 1000);
	slot_close(cg);
	for (h = 0; h < cg->sys->nhier; h++) {
		cg_rmdir(cg->dir[h]);
		free(cg->dir[h]);
		free(cg->procs[h]);
	}
	cg->sys->nslots--;
	free(cg->cpus);
	free(cg);
}
