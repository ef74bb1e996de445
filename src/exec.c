/*
 * Launching jobs. The shim is spawned in a new session (so its process
 * group is its pid) with the status pipe as fd 3; the job is finished
 * when the shim has exited and the pipe is closed, and only then is
 * done() called.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "exec.h"
#include "job.h"
#include "xmalloc.h"

#define GRACE_MS 2000
#define KILL_AFTER_MS (GRACE_MS + 3000)

struct exec_job {
	uv_process_t proc;
	uv_pipe_t status;
	uv_timer_t timer;
	int open_handles;
	int exited;
	int64_t exit_status;
	int term_signal;
	int timed_out;
	int stopped;
	int job_pgid; /* reported by the shim */
	uint64_t start_ns;
	struct buf line;
	void (*done)(void *, const struct exec_result *);
	void *arg;
};

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
	const char *final = NULL, *p;
	double v;
	char *error = NULL;

	if (x->done == NULL) {
		buf_free(&x->line);
		free(x);
		return;
	}
	memset(&r, 0, sizeof r);
	/* The last complete line is the shim's report. */
	for (p = buf_str(&x->line); *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, "exit=", 5) == 0 || strncmp(p, "error=", 6) == 0)
			final = p;
		if (strchr(p, '\n') == NULL)
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
	} else {
		/* The shim itself was killed. */
		r.signal = x->term_signal;
		r.status = x->term_signal != 0 ? -1 : (int)x->exit_status;
		r.how = x->term_signal != 0 ? EXEC_SIGNALED : EXEC_EXITED;
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

static void
maybe_close(struct exec_job *x)
{
	if (!x->exited || uv_is_closing((uv_handle_t *)&x->status))
		return;
	if (uv_is_active((uv_handle_t *)&x->status))
		return; /* still reading the report */
	uv_close((uv_handle_t *)&x->proc, on_close);
	uv_close((uv_handle_t *)&x->status, on_close);
	uv_close((uv_handle_t *)&x->timer, on_close);
}

static void
on_process_exit(uv_process_t *p, int64_t status, int sig)
{
	struct exec_job *x = p->data;

	x->exited = 1;
	x->exit_status = status;
	x->term_signal = sig;
	uv_timer_stop(&x->timer);
	maybe_close(x);
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
		    (p = strstr(buf_str(&x->line), "pid=")) != NULL &&
		    (p == buf_str(&x->line) || p[-1] == '\n'))
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
	uv_process_kill(&x->proc, SIGKILL);
	kill(-x->proc.pid, SIGKILL);
}

static void
term(struct exec_job *x)
{
	uv_process_kill(&x->proc, SIGTERM);
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
	if (x->exited)
		return;
	x->stopped = 1;
	if (force)
		on_kill_timer(&x->timer);
	else if (!x->timed_out)
		term(x);
}

struct exec_job *
exec_start(uv_loop_t *loop, const struct exec_req *req, char **cause)
{
	struct exec_job *x;
	uv_process_options_t opt;
	uv_stdio_container_t stdio[4];
	char **args, *cpus;
	size_t n, i, k = 0;
	int out, err, devnull, rc;

	out = open(req->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	err = open(req->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || err < 0 || devnull < 0) {
		*cause = xasprintf("cannot open job logs in %s: %s", req->cwd,
		    strerror(errno));
		goto fail_fds;
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

	x = xcalloc(1, sizeof *x);
	x->done = req->done;
	x->arg = req->arg;
	uv_pipe_init(loop, &x->status, 0);
	uv_timer_init(loop, &x->timer);
	x->proc.data = x->status.data = x->timer.data = x;

	memset(&opt, 0, sizeof opt);
	stdio[0].flags = UV_INHERIT_FD;
	stdio[0].data.fd = devnull;
	stdio[1].flags = UV_INHERIT_FD;
	stdio[1].data.fd = out;
	stdio[2].flags = UV_INHERIT_FD;
	stdio[2].data.fd = err;
	stdio[3].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	stdio[3].data.stream = (uv_stream_t *)&x->status;
	opt.file = args[0];
	opt.args = args;
	opt.env = (char **)req->env;
	opt.cwd = req->cwd;
	opt.flags = UV_PROCESS_DETACHED;
	opt.stdio = stdio;
	opt.stdio_count = 4;
	opt.exit_cb = on_process_exit;
	x->start_ns = uv_hrtime();
	rc = uv_spawn(loop, &x->proc, &opt);
	free(cpus);
	free(args);
	close(out);
	close(err);
	close(devnull);
	if (rc != 0) {
		*cause = xasprintf("cannot start %s: %s", exec_shim_path(),
		    uv_strerror(rc));
		/* The handles must still be closed; nothing to report. */
		x->done = NULL;
		x->open_handles = 3;
		uv_close((uv_handle_t *)&x->proc, on_close);
		uv_close((uv_handle_t *)&x->status, on_close);
		uv_close((uv_handle_t *)&x->timer, on_close);
		return NULL;
	}
	x->open_handles = 3;
	uv_read_start((uv_stream_t *)&x->status, on_alloc, on_read);
	if (req->timeout > 0)
		uv_timer_start(&x->timer, on_timeout,
		    (uint64_t)(req->timeout * 1000), 0);
	return x;

fail_fds:
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	if (devnull >= 0)
		close(devnull);
	return NULL;
}
