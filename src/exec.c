/*
 * Launching jobs. The executor starts one wayfinder-exec server (in its
 * own session, so a terminal's Ctrl-C reaches only the engine) and sends
 * it each job over a socket: the command, environment, directory and
 * CPUs, with the job's stdout, stderr and status descriptors attached.
 * The server forks a shim per job, which saves an exec per job and keeps
 * the engine's own address space out of every fork. The shim's first
 * status line names its pid and the job's process group, which is how
 * the engine can stop it; its last line is the report. A job is finished
 * when its status pipe closes, and only then is done() called.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "exec.h"
#include "job.h"
#include "xmalloc.h"

#define GRACE_MS 2000
#define KILL_AFTER_MS (GRACE_MS + 3000)
#define REQUEST_MAGIC 0x57464a31 /* "WFJ1" */

struct exec {
	uv_loop_t *loop;
	pid_t server; /* 0: not started */
	int sock;
};

struct exec_job {
	uv_pipe_t status;
	uv_timer_t timer;
	int open_handles;
	int eof;
	int timed_out;
	int stopped;
	int pending; /* a stop to send once the shim's pid is known */
	pid_t shim;
	pid_t job_pgid;
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
	double v, stopped = 0;
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
		parse_field(final, "stopped", &stopped);
		r.how = r.signal != 0 ? EXEC_SIGNALED : EXEC_EXITED;
		/* Stopped, but not by us: the job was not at fault. */
		if (stopped != 0 && !x->stopped && !x->timed_out)
			r.how = EXEC_LOST;
	} else {
		r.how = EXEC_LOST;
		r.error = "its shim ended without a report";
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
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	static char slab[4096];

	(void)h;
	(void)suggested;
	b->base = slab;
	b->len = sizeof slab;
}

static void
on_kill_timer(uv_timer_t *t)
{
	struct exec_job *x = t->data;

	/* The shim did not finish in time: end everything. */
	if (x->job_pgid > 0)
		kill(-x->job_pgid, SIGKILL);
	if (x->shim > 0)
		kill(-x->shim, SIGKILL);
}

static void
term(struct exec_job *x)
{
	if (x->shim <= 0) {
		x->pending = 1; /* sent when the shim says who it is */
		return;
	}
	kill(x->shim, SIGTERM);
	uv_timer_stop(&x->timer);
	uv_timer_start(&x->timer, on_kill_timer, KILL_AFTER_MS, 0);
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct exec_job *x = s->data;
	double v;

	if (n > 0) {
		buf_add(&x->line, b->base, (size_t)n);
		if (x->shim == 0 &&
		    strncmp(buf_str(&x->line), "shim=", 5) == 0 &&
		    strchr(buf_str(&x->line), '\n') != NULL) {
			if (parse_field(buf_str(&x->line), "shim", &v) == 0)
				x->shim = (pid_t)v;
			if (parse_field(buf_str(&x->line), "job", &v) == 0)
				x->job_pgid = (pid_t)v;
			if (x->pending)
				term(x);
		}
		return;
	}
	if (n < 0) {
		/* EOF: the shim has exited (nothing else holds the pipe). */
		uv_read_stop(s);
		uv_timer_stop(&x->timer);
		uv_close((uv_handle_t *)&x->status, on_close);
		uv_close((uv_handle_t *)&x->timer, on_close);
	}
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
	if (uv_is_closing((uv_handle_t *)&x->status))
		return;
	x->stopped = 1;
	if (force)
		on_kill_timer(&x->timer);
	else if (!x->timed_out)
		term(x);
}

struct exec *
exec_new(uv_loop_t *loop)
{
	struct exec *ex;

	ex = xcalloc(1, sizeof *ex);
	ex->loop = loop;
	ex->sock = -1;
	return ex;
}

static void
server_stop(struct exec *ex)
{
	if (ex->sock >= 0)
		close(ex->sock); /* the server reads EOF and exits */
	if (ex->server > 0)
		waitpid(ex->server, NULL, 0);
	ex->sock = -1;
	ex->server = 0;
}

void
exec_close(struct exec *ex)
{
	server_stop(ex);
	free(ex);
}

static int
server_start(struct exec *ex, char **cause)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char *args[3];
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		*cause = xasprintf("socketpair: %s", strerror(errno));
		return -1;
	}
	args[0] = (char *)exec_shim_path();
	args[1] = (char *)"--server";
	args[2] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, sv[1], 3);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
#endif
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at,
	    POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
		POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&ex->server, args[0], &fa, &at, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		ex->server = 0;
		*cause =
		    xasprintf("cannot start %s: %s", args[0], strerror(rc));
		return -1;
	}
	ex->sock = sv[0];
	return 0;
}

static void
add_field(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s) + 1);
}

/* Sends one request with the three descriptors; -1 with errno set. */
static int
send_request(struct exec *ex, const struct buf *body, const int fds[3])
{
	struct msghdr msg;
	struct iovec iov[2];
	struct cmsghdr *cm;
	union {
		char buf[CMSG_SPACE(3 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint32_t hdr[2] = { REQUEST_MAGIC, (uint32_t)body->len };
	size_t total = sizeof hdr + body->len, sent = 0;
	ssize_t n;

	memset(&msg, 0, sizeof msg);
	memset(&ctl, 0, sizeof ctl);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof hdr;
	iov[1].iov_base = body->data;
	iov[1].iov_len = body->len;
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof ctl.buf;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, 3 * sizeof(int));
	while (sent < total) {
		if ((n = sendmsg(ex->sock, &msg, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		sent += (size_t)n;
		/* What is left goes without the descriptors. */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		while (
		    msg.msg_iovlen > 0 && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen > 0) {
			msg.msg_iov->iov_base =
			    (char *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

struct exec_job *
exec_start(struct exec *ex, const struct exec_req *req, char **cause)
{
	struct exec_job *x;
	struct buf body = BUF_INIT;
	char *cpus, num[32];
	char *const *e;
	size_t n;
	int fds[3] = { -1, -1, -1 }, pfd[2] = { -1, -1 }, tries, rc = -1;

	fds[0] =
	    open(req->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fds[1] =
	    open(req->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fds[0] < 0 || fds[1] < 0 || pipe2(pfd, O_CLOEXEC) != 0) {
		*cause = xasprintf("cannot open job logs %s: %s", req->out_path,
		    strerror(errno));
		goto out;
	}
	fds[2] = pfd[1];

	add_field(&body, "1");
	add_field(&body, req->cwd);
	cpus = job_cpu_list(req->cpus, req->ncpus);
	add_field(&body, cpus);
	free(cpus);
	for (n = 0; req->argv[n] != NULL; n++)
		;
	snprintf(num, sizeof num, "%zu", n);
	add_field(&body, num);
	for (n = 0; req->argv[n] != NULL; n++)
		add_field(&body, req->argv[n]);
	e = req->env != NULL ? req->env : environ;
	for (n = 0; e[n] != NULL; n++)
		;
	snprintf(num, sizeof num, "%zu", n);
	add_field(&body, num);
	for (n = 0; e[n] != NULL; n++)
		add_field(&body, e[n]);

	/* A server that died is started again, once. */
	for (tries = 0; tries < 2; tries++) {
		if (ex->server == 0 && server_start(ex, cause) != 0)
			goto out;
		if (send_request(ex, &body, fds) == 0)
			break;
		server_stop(ex);
	}
	if (tries == 2) {
		*cause = xasprintf("cannot reach %s: %s", exec_shim_path(),
		    strerror(errno));
		goto out;
	}

	x = xcalloc(1, sizeof *x);
	x->done = req->done;
	x->arg = req->arg;
	x->start_ns = uv_hrtime();
	uv_pipe_init(ex->loop, &x->status, 0);
	uv_pipe_open(&x->status, pfd[0]);
	pfd[0] = -1;
	uv_timer_init(ex->loop, &x->timer);
	x->status.data = x->timer.data = x;
	x->open_handles = 2;
	uv_read_start((uv_stream_t *)&x->status, on_alloc, on_read);
	if (req->timeout > 0)
		uv_timer_start(&x->timer, on_timeout,
		    (uint64_t)(req->timeout * 1000), 0);
	rc = 0;
out:
	buf_free(&body);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (pfd[0] >= 0)
		close(pfd[0]);
	return rc == 0 ? x : NULL;
}

static void *
local_start(void *ctx, const struct exec_req *req, char **cause)
{
	return exec_start(ctx, req, cause);
}

static void
local_stop(void *job, int force)
{
	exec_stop(job, force);
}

const struct executor_ops exec_local = {
	.name = "local",
	.start = local_start,
	.stop = local_stop,
};
