/*
 * Launching jobs. Each job slot has a wayfinder-exec server (in its own
 * session, so a terminal's Ctrl-C reaches only the engine) that joined
 * the slot's cgroups and made its namespaces once; the engine sends it
 * each job over a socket: the command, environment, directory and CPUs,
 * with the job's stdout, stderr and status descriptors attached. The
 * server forks a shim per job, which saves an exec, a cgroup move and
 * new namespaces per job, and keeps the engine's own address space out of
 * every fork. The shim's first status line names its pid and the job's
 * process group, which is how the engine can stop it; its last line is
 * the report. A job is finished when its status pipe closes, and only
 * then is done() called.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
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
#include "pmu.h"
#include "spec.h"
#include "xmalloc.h"

#define GRACE_MS 2000
#define KILL_AFTER_MS (GRACE_MS + 3000)
#define REQUEST_MAGIC 0x57464a32 /* "WFJ2" */

/* A shim server for one job slot (and one set of namespaces). */
struct server {
	char *key;
	pid_t pid;
	int sock;
	int ns; /* it made namespaces for its jobs */
};

struct exec {
	uv_loop_t *loop;
	struct server *servers;
	size_t nservers;
};

struct exec_job {
	uv_pipe_t status; /* a socket: the shim's lines, the engine's go */
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
	size_t parsed; /* how much of line was handled */
	const struct pmu_set *pmu;
	struct pmu_counters *counters;
	char *counters_note;
	void (*done)(void *, const struct exec_result *);
	void (*kill)(void *);
	void *arg;
	struct exec *ex;
	size_t server; /* index of the job's server */
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

int
exec_report_field(const char *line, const char *name, double *out)
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

void
exec_report_parse(const char *f, struct exec_result *r)
{
	double v;

	if (exec_report_field(f, "exit", &v) == 0)
		r->status = (int)v;
	if (exec_report_field(f, "signal", &v) == 0)
		r->signal = (int)v;
	if (exec_report_field(f, "wall_us", &v) == 0)
		r->wall_ms = v / 1000;
	if (exec_report_field(f, "maxrss_kb", &v) == 0)
		r->maxrss_kb = v;
	if (exec_report_field(f, "utime_us", &v) == 0)
		r->utime_ms = v / 1000;
	if (exec_report_field(f, "stime_us", &v) == 0)
		r->stime_ms = v / 1000;
	if (exec_report_field(f, "leftover", &v) == 0)
		r->leftover = (int)v;
	exec_report_field(f, "nvcsw", &r->nvcsw);
	exec_report_field(f, "nivcsw", &r->nivcsw);
	exec_report_field(f, "minflt", &r->minflt);
	exec_report_field(f, "majflt", &r->majflt);
	if (exec_report_field(f, "boot_us", &v) == 0)
		r->boot_ms = v / 1000;
	if (exec_report_field(f, "boot_stopped", &v) == 0 && v != 0) {
		/* Ended once booted, as the monitor was told. */
		r->boot_stopped = 1;
		r->status = 0;
		r->signal = 0;
	}
}

static void
finish(struct exec_job *x)
{
	struct exec_result r;
	const char *final = NULL, *p, *nl;
	double stopped = 0, *values = NULL;
	char *error = NULL, *sandbox = NULL;

	memset(&r, 0, sizeof r);
	r.boot_ms = NAN;
	/* The job's processes are gone: the counts are final. */
	if (x->counters != NULL) {
		values = xcalloc(pmu_set_count(x->pmu) + 1, sizeof *values);
		pmu_read(x->counters, values);
		pmu_close(x->counters);
		x->counters = NULL;
		r.counters = values;
	}
	r.counters_note = x->counters_note;
	/* The shim's report is its last "exit=" or "error=" line. */
	for (p = buf_str(&x->line); *p != '\0'; p = nl + 1) {
		if (strncmp(p, "exit=", 5) == 0 || strncmp(p, "error=", 6) == 0)
			final = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
	}
	r.wall_ms = (double)(uv_hrtime() - x->start_ns) / 1e6;
	r.status = -1;
	if ((p = strstr(buf_str(&x->line), " sandbox=")) != NULL)
		r.sandbox = sandbox = xstrndup(p + 9, strcspn(p + 9, "\n"));
	if (final != NULL && strncmp(final, "error=", 6) == 0) {
		error = xstrndup(final + 6, strcspn(final + 6, "\n"));
		r.how = EXEC_ERROR;
		r.error = error;
	} else if (final != NULL) {
		exec_report_parse(final, &r);
		exec_report_field(final, "stopped", &stopped);
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
	free(sandbox);
	free(values);
	free(x->counters_note);
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

static void server_stop(struct server *);

static void
on_kill_timer(uv_timer_t *t)
{
	struct exec_job *x = t->data;

	struct server *sv = &x->ex->servers[x->server];

	/* The shim did not finish in time: end everything. */
	if (x->job_pgid > 0)
		kill(-x->job_pgid, SIGKILL);
	if (x->shim > 0)
		kill(-x->shim, SIGKILL);
	if (x->kill != NULL)
		x->kill(x->arg); /* the job's cgroup */
	/* In the slot's namespaces, what is left dies with the slot's
	 * server, which is started again for the next job. */
	if (sv->pid > 0 && sv->ns) {
		kill(-sv->pid, SIGKILL);
		server_stop(sv);
	}
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

/*
 * The shim says its job waits: the counters go on it, then the go. A
 * counter that cannot be attached only goes missing.
 */
static void
on_ready(struct exec_job *x, pid_t pid)
{
	uv_buf_t go = uv_buf_init("go\n", 3);
	char *why = NULL;

	if (x->pmu != NULL && pid > 0 && !x->stopped && !x->timed_out)
		x->counters = pmu_attach(x->pmu, pid, &why);
	else if (x->pmu != NULL)
		why = xstrdup("the job's process was not found");
	x->counters_note = why;
	if (x->stopped || x->timed_out)
		go = uv_buf_init("no\n", 3);
	/* Three bytes into an idle socket. */
	uv_try_write((uv_stream_t *)&x->status, &go, 1);
}

/*
 * Handles the complete lines the shim sent since the last call. Returns
 * 1 once the report (its last word: "exit=" or "error=") is in.
 */
static int
handle_lines(struct exec_job *x)
{
	const char *p, *nl;
	double v;

	for (;;) {
		p = buf_str(&x->line) + x->parsed;
		if ((nl = strchr(p, '\n')) == NULL)
			return 0;
		x->parsed += (size_t)(nl - p) + 1;
		if (strncmp(p, "shim=", 5) == 0) {
			if (exec_report_field(p, "shim", &v) == 0)
				x->shim = (pid_t)v;
			if (x->pending)
				term(x);
		} else if (strncmp(p, "job=", 4) == 0) {
			if (exec_report_field(p, "job", &v) == 0)
				x->job_pgid = (pid_t)v;
		} else if (strncmp(p, "ready ", 6) == 0) {
			if (exec_report_field(p, "pid", &v) != 0)
				v = 0;
			on_ready(x, (pid_t)v);
		} else if (strncmp(p, "exit=", 5) == 0 ||
		    strncmp(p, "error=", 6) == 0)
			return 1;
	}
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct exec_job *x = s->data;

	if (n > 0) {
		buf_add(&x->line, b->base, (size_t)n);
		/* The report is the shim's last word: the job is over, and
		 * there is no need to wait for the shim to finish exiting. */
		if (!handle_lines(x))
			return;
	}
	if (n != 0) {
		/* The report, or EOF: the shim has exited (nothing else
		 * holds the socket) or is about to. */
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
	return ex;
}

static void
server_stop(struct server *sv)
{
	if (sv->sock >= 0)
		close(sv->sock); /* the server reads EOF and exits */
	if (sv->pid > 0)
		waitpid(sv->pid, NULL, 0);
	sv->sock = -1;
	sv->pid = 0;
}

void
exec_close(struct exec *ex)
{
	size_t i;

	for (i = 0; i < ex->nservers; i++) {
		server_stop(&ex->servers[i]);
		free(ex->servers[i].key);
	}
	free(ex->servers);
	free(ex);
}

static void
push(char ***args, size_t *n, const char *a, const char *b)
{
	*args = xreallocarray(*args, *n + 3, sizeof **args);
	(*args)[(*n)++] = (char *)a;
	if (b != NULL)
		(*args)[(*n)++] = (char *)b;
	(*args)[*n] = NULL;
}

/*
 * Starts the server of a slot: wayfinder-exec --slot, in its own session
 * (so a terminal's Ctrl-C reaches only the engine), told which cgroups to
 * join and which namespaces to make for the slot's jobs.
 */
static int
server_start(struct server *sv, const struct exec_req *req, char **cause)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char **args = NULL;
	const char *const *p;
	size_t n = 0;
	int pair[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
		*cause = xasprintf("socketpair: %s", strerror(errno));
		return -1;
	}
	push(&args, &n, exec_shim_path(), "--slot");
	if (req->ns != NULL && *req->ns != '\0')
		push(&args, &n, "-N", req->ns);
	for (p = req->keep; p != NULL && *p != NULL; p++)
		push(&args, &n, "-K", *p);
	for (p = req->join; p != NULL && *p != NULL; p++)
		push(&args, &n, "-J", *p);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pair[1], 3);
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
	rc = posix_spawn(&sv->pid, args[0], &fa, &at, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pair[1]);
	free(args);
	if (rc != 0) {
		close(pair[0]);
		sv->pid = 0;
		*cause = xasprintf("cannot start %s: %s", exec_shim_path(),
		    strerror(rc));
		return -1;
	}
	sv->sock = pair[0];
	sv->ns = req->ns != NULL && *req->ns != '\0';
	return 0;
}

/* The server of the request's slot and namespaces, started if need be. */
static struct server *
server_for(struct exec *ex, const struct exec_req *req, char **cause)
{
	struct server *sv;
	char *key;
	size_t i;

	key = xasprintf("%d|%s", req->slot, req->ns != NULL ? req->ns : "");
	for (i = 0; i < ex->nservers; i++)
		if (strcmp(ex->servers[i].key, key) == 0)
			break;
	if (i == ex->nservers) {
		ex->servers = xreallocarray(ex->servers, ex->nservers + 1,
		    sizeof *ex->servers);
		sv = &ex->servers[ex->nservers++];
		sv->key = key;
		sv->pid = 0;
		sv->sock = -1;
	} else {
		sv = &ex->servers[i];
		free(key);
	}
	if (sv->pid == 0 && server_start(sv, req, cause) != 0)
		return NULL;
	return sv;
}

static void
add_field(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s) + 1);
}

static void
add_list(struct buf *opts, size_t *n, const char *key, const char *const *list)
{
	char *kv;

	for (; list != NULL && *list != NULL; list++) {
		kv = xasprintf("%s=%s", key, *list);
		add_field(opts, kv);
		free(kv);
		(*n)++;
	}
}

/* The request's options: the count, then "key=value" fields. */
static void
add_options(struct buf *body, const struct exec_req *req, const char *cpus)
{
	struct buf opts = BUF_INIT;
	char *kv, num[32];
	size_t n = 0;

	kv = xasprintf("cpus=%s", cpus);
	add_field(&opts, kv);
	free(kv);
	n++;
	kv = xasprintf("grace=%d", GRACE_MS);
	add_field(&opts, kv);
	free(kv);
	n++;
	add_list(&opts, &n, "join", req->job_join);
	add_list(&opts, &n, "task", req->task);
	if (req->aslr == 0) {
		add_field(&opts, "aslr=0");
		n++;
	}
	if (req->as_max > 0) {
		kv = xasprintf("as=%llu", req->as_max);
		add_field(&opts, kv);
		free(kv);
		n++;
	}
	if (req->nproc_max > 0) {
		kv = xasprintf("nproc=%llu", req->nproc_max);
		add_field(&opts, kv);
		free(kv);
		n++;
	}
	if (pmu_set_usable(req->pmu) > 0) {
		add_field(&opts, "hold=1");
		n++;
	}
	if (req->boot != BOOT_NONE) {
		add_field(&opts,
		    req->boot == BOOT_CONSOLE ? "boot=console" :
						"boot=debugcon");
		n++;
		if (req->marker != NULL) {
			kv = xasprintf("marker=%s", req->marker);
			add_field(&opts, kv);
			free(kv);
			n++;
		}
		if (req->fifo != NULL) {
			kv = xasprintf("fifo=%s", req->fifo);
			add_field(&opts, kv);
			free(kv);
			n++;
		}
		if (req->boot_stop) {
			add_field(&opts, "bootstop=1");
			n++;
		}
	}
	snprintf(num, sizeof num, "%zu", n);
	add_field(body, num);
	buf_add(body, opts.data != NULL ? opts.data : "", opts.len);
	buf_free(&opts);
}

/* Sends one request with the three descriptors; -1 with errno set. */
static int
send_request(struct server *sv, const struct buf *body, const int fds[3])
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
		if ((n = sendmsg(sv->sock, &msg, MSG_NOSIGNAL)) < 0) {
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
	struct server *sv;
	struct buf body = BUF_INIT;
	char *cpus, num[32];
	char *const *e;
	size_t n;
	int fds[3] = { -1, -1, -1 }, pfd[2] = { -1, -1 }, tries, rc = -1;

	fds[0] =
	    open(req->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fds[1] =
	    open(req->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fds[0] < 0 || fds[1] < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pfd) != 0) {
		*cause = xasprintf("cannot open job logs %s: %s", req->out_path,
		    strerror(errno));
		goto out;
	}
	fds[2] = pfd[1];

	add_field(&body, "2");
	add_field(&body, req->cwd);
	cpus = job_cpu_list(req->cpus, req->ncpus);
	add_options(&body, req, cpus);
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
		if ((sv = server_for(ex, req, cause)) == NULL)
			goto out;
		if (send_request(sv, &body, fds) == 0)
			break;
		server_stop(sv);
	}
	if (tries == 2) {
		*cause = xasprintf("cannot reach %s: %s", exec_shim_path(),
		    strerror(errno));
		goto out;
	}

	x = xcalloc(1, sizeof *x);
	x->ex = ex;
	x->server = (size_t)(sv - ex->servers);
	x->done = req->done;
	x->kill = req->kill;
	x->arg = req->arg;
	x->pmu = pmu_set_usable(req->pmu) > 0 ? req->pmu : NULL;
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

int
exec_counters(struct exec_job *x, double *values)
{
	if (x->counters == NULL)
		return -1;
	return pmu_read(x->counters, values);
}

static int
local_counters(void *job, double *values)
{
	return exec_counters(job, values);
}

const struct executor_ops exec_local = {
	.name = "local",
	.start = local_start,
	.stop = local_stop,
	.counters = local_counters,
};
