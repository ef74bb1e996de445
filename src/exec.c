/*
 * Launching jobs. uv_spawn forks the whole engine; posix_spawn (vfork
 * semantics in glibc) does not copy it, which matters at hundreds of
 * jobs a second. The shim starts in a new session, so its process group
 * is its pid, with the status pipe as fd 3. Exits are noticed on SIGCHLD
 * by a waitpid of each running job's shim. A job is finished when its
 * shim has been reaped and its status pipe is closed, and only then is
 * done() called.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "exec.h"
#include "job.h"
#include "xmalloc.h"

#define GRACE_MS 2000
#define KILL_AFTER_MS (GRACE_MS + 3000)

struct exec {
	uv_loop_t *loop;
	uv_signal_t sigchld;
	struct exec_job *jobs; /* not yet reaped */
};

struct exec_job {
	struct exec_job *next;
	struct exec *ex;
	pid_t pid;
	uv_pipe_t status;
	uv_timer_t timer;
	int open_handles;
	int reaped;
	int wstatus;
	int timed_out;
	int stopped;
	int job_pgid; /* reported by the shim */
	uint64_t start_ns;
	struct buf line;
	void (*done)(void *, const struct exec_result *);
	void *arg;
};

extern char **environ;

const char *
exec_shim_path(void)
{
	static char *path;
	char self[PATH_MAX], *slash;
	const char *env;
	ssize_t n;

	if (path != NULL)
		return path;
	if ((env = getenv("WAYFINDER_EXEC")) != NULL && *env != '\0')
		return path = xstrdup(env);
	if ((n = readlink("/proc/self/exe", self, sizeof self - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			path = xasprintf("%s/wayfinder-exec", self);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return path = xstrdup(PKGLIBEXECDIR "/wayfinder-exec");
}

static int
parse_field(const char *line, const char *name, double *out)
{
	const char *p;
	size_t len = strlen(name);

	for (p = line; (p = strstr(p, name)) != NULL; p += len) {
		if ((p == line || p[-1] == ' ') && p[len] == '=') {
			*out = strtod(p + len + 1, NULL);
			return 0;
		}
	}
	return -1;
}

static void
finish(struct exec_job *x)
{
	struct exec_result r;
	const char *final = NULL, *p, *nl;
	double v;
	char *error = NULL;

	memset(&r, 0, sizeof r);
	/* The shim's report is its last "exit=" or "error=" line. */
	for (p = buf_str(&x->line); *p != '\0'; p = nl + 1) {
		if (strncmp(p, "exit=", 5) == 0 || strncmp(p, "error=", 6) == 0)
			final = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
	}
	r.wall_ms = (double)(uv_hrtime() - x->start_ns) / 1e6;
	r.status = -1;
	if (final != NULL && strncmp(final, "error=", 6) == 0) {
		error = xstrndup(final + 6, strcspn(final + 6, "\n"));
		r.how = EXEC_ERROR;
		r.error = error;
	} else if (final != NULL) {
		if (parse_field(final, "exit", &v) == 0)
			r.status = (int)v;
		if (parse_field(final, "signal", &v) == 0)
			r.signal = (int)v;
		if (parse_field(final, "wall_us", &v) == 0)
			r.wall_ms = v / 1000;
		if (parse_field(final, "maxrss_kb", &v) == 0)
			r.maxrss_kb = v;
		if (parse_field(final, "utime_us", &v) == 0)
			r.utime_ms = v / 1000;
		if (parse_field(final, "stime_us", &v) == 0)
			r.stime_ms = v / 1000;
		if (parse_field(final, "leftover", &v) == 0)
			r.leftover = (int)v;
		r.how = r.signal != 0 ? EXEC_SIGNALED : EXEC_EXITED;
	} else if (WIFSIGNALED(x->wstatus)) {
		/* The shim itself was killed. */
		r.signal = WTERMSIG(x->wstatus);
		r.how = EXEC_SIGNALED;
	} else {
		r.status = WIFEXITED(x->wstatus) ? WEXITSTATUS(x->wstatus) : -1;
		r.how = EXEC_EXITED;
	}
	if (r.how != EXEC_ERROR) {
		if (x->timed_out)
			r.how = EXEC_TIMEOUT;
		else if (x->stopped)
			r.how = EXEC_STOPPED;
	}
	x->done(x->arg, &r);
	free(error);
	buf_free(&x->line);
	free(x);
}

static void
on_close(uv_handle_t *h)
{
	struct exec_job *x = h->data;

	if (--x->open_handles == 0)
		finish(x);
}

/* Once reaped and the report read, the handles go, then done(). */
static void
maybe_close(struct exec_job *x)
{
	if (!x->reaped || x->open_handles != 2 ||
	    uv_is_closing((uv_handle_t *)&x->status) ||
	    uv_is_active((uv_handle_t *)&x->status))
		return;
	uv_close((uv_handle_t *)&x->status, on_close);
	uv_close((uv_handle_t *)&x->timer, on_close);
}

static void
on_sigchld(uv_signal_t *h, int sig)
{
	struct exec *ex = h->data;
	struct exec_job *x, **pp;
	int st;

	(void)sig;
	for (pp = &ex->jobs; (x = *pp) != NULL;) {
		if (waitpid(x->pid, &st, WNOHANG) != x->pid) {
			pp = &x->next;
			continue;
		}
		*pp = x->next;
		x->reaped = 1;
		x->wstatus = st;
		uv_timer_stop(&x->timer);
		maybe_close(x);
	}
}

struct exec *
exec_new(uv_loop_t *loop)
{
	struct exec *ex;

	ex = xcalloc(1, sizeof *ex);
	ex->loop = loop;
	uv_signal_init(loop, &ex->sigchld);
	ex->sigchld.data = ex;
	uv_signal_start(&ex->sigchld, on_sigchld, SIGCHLD);
	return ex;
}

static void
free_on_close(uv_handle_t *h)
{
	free(h->data);
}

void
exec_close(struct exec *ex)
{
	if (ex->jobs != NULL)
		fatal("exec_close with jobs running");
	uv_close((uv_handle_t *)&ex->sigchld, free_on_close);
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	static char slab[4096];

	(void)h;
	(void)suggested;
	b->base = slab;
	b->len = sizeof slab;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct exec_job *x = s->data;
	const char *p;

	if (n > 0) {
		buf_add(&x->line, b->base, (size_t)n);
		if (x->job_pgid == 0 &&
		    strncmp(p = buf_str(&x->line), "pid=", 4) == 0)
			x->job_pgid = atoi(p + 4);
		return;
	}
	if (n < 0) {
		uv_read_stop(s);
		maybe_close(x);
	}
}

static void
on_kill_timer(uv_timer_t *t)
{
	struct exec_job *x = t->data;

	/* The shim did not finish in time: end everything. */
	if (x->job_pgid > 0)
		kill(-x->job_pgid, SIGKILL);
	kill(-x->pid, SIGKILL);
}

static void
term(struct exec_job *x)
{
	kill(x->pid, SIGTERM);
	uv_timer_stop(&x->timer);
	uv_timer_start(&x->timer, on_kill_timer, KILL_AFTER_MS, 0);
}

static void
on_timeout(uv_timer_t *t)
{
	struct exec_job *x = t->data;

	x->timed_out = 1;
	term(x);
}

void
exec_stop(struct exec_job *x, int force)
{
	if (x->reaped)
		return;
	x->stopped = 1;
	if (force)
		on_kill_timer(&x->timer);
	else if (!x->timed_out)
		term(x);
}

struct exec_job *
exec_start(struct exec *ex, const struct exec_req *req, char **cause)
{
	struct exec_job *x;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char **args, *cpus;
	size_t n, i, k = 0;
	int out = -1, err = -1, pfd[2] = {-1, -1}, rc;
	pid_t pid;

	out = open(req->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	err = open(req->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (out < 0 || err < 0 || pipe2(pfd, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot open job logs in %s: %s", req->cwd,
		    strerror(errno));
		goto fail;
	}

	for (n = 0; req->argv[n] != NULL; n++)
		;
	args = xcalloc(n + 8, sizeof *args);
	cpus = job_cpu_list(req->cpus, req->ncpus);
	args[k++] = (char *)exec_shim_path();
	if (req->ncpus > 0) {
		args[k++] = (char *)"-c";
		args[k++] = cpus;
	}
	args[k++] = (char *)"-s";
	args[k++] = (char *)"3";
	args[k++] = (char *)"--";
	for (i = 0; i < n; i++)
		args[k++] = req->argv[i];
	args[k] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 3);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
#endif
	posix_spawn_file_actions_addchdir_np(&fa, req->cwd);
	posix_spawnattr_init(&at);
	/* A new session; no signal blocked; SIGPIPE and the signals the
	 * engine handles back to their defaults. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, args[0], &fa, &at, args,
	    req->env != NULL ? req->env : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(cpus);
	free(args);
	if (rc != 0) {
		*cause = xasprintf("cannot start %s: %s", exec_shim_path(),
		    strerror(rc));
		goto fail;
	}
	close(out);
	close(err);
	close(pfd[1]);

	x = xcalloc(1, sizeof *x);
	x->ex = ex;
	x->pid = pid;
	x->done = req->done;
	x->arg = req->arg;
	x->start_ns = uv_hrtime();
	uv_pipe_init(ex->loop, &x->status, 0);
	uv_pipe_open(&x->status, pfd[0]);
	uv_timer_init(ex->loop, &x->timer);
	x->status.data = x->timer.data = x;
	x->open_handles = 2;
	uv_read_start((uv_stream_t *)&x->status, on_alloc, on_read);
	if (req->timeout > 0)
		uv_timer_start(&x->timer, on_timeout,
		    (uint64_t)(req->timeout * 1000), 0);
	x->next = ex->jobs;
	ex->jobs = x;
	return x;

fail:
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	return NULL;
}
