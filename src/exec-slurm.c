/*
 * The Slurm executor. Each job is a batch script in the experiment's
 * directory (slurm/ID.sh) that runs the wayfinder-exec shim by hand on
 * whatever node Slurm picks: the shim reads the job (directory, options,
 * command, environment) from slurm/ID.job, runs it as it does locally,
 * and appends its status lines to slurm/ID.status; the job's output goes
 * to the logs the engine named, through sbatch's --output and --error.
 * Nothing but files connects the engine and a job, so the state
 * directory must be shared with the nodes: slurm_new checks that with a
 * probe job before anything runs.
 *
 * Every few seconds (the spec's executor poll) one squeue lists the
 * state of every job, and each job's status file is read on from where
 * it was left: the shim's first line says the node and CPUs (the
 * engine's placed()), "sample" lines carry the counters the shim opened
 * on the job itself, and the report ends it. The report is authoritative;
 * a job Slurm ends without one gets its outcome from Slurm's final state
 * (scontrol): cancelled from outside, node failures, preemption and
 * vanished jobs are lost (the engine runs them again), TIMEOUT is a
 * timeout, OUT_OF_MEMORY an out-of-memory failure. Our own timeout runs
 * from when the job is seen running, and ends it with scancel.
 *
 * Commands run on the loop (uv_spawn), never blocking it, except while
 * slurm_new checks the cluster, before the engine's loop starts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cpulist.h"
#include "exec-slurm.h"
#include "files.h"
#include "pmu.h"
#include "xmalloc.h"

#define GRACE_MS 2000        /* the shim's, between SIGTERM and SIGKILL */
#define PROBE_WAIT_S 300     /* for the start-up probe to run */
#define REPORT_WAIT_MS 15000 /* a report waits this long for Slurm's end */
#define SUBMIT_TRIES 10      /* sbatch failing for a transient reason */
#define DEFAULT_JOBS_MAX 256

extern char **environ;

struct slurm;
typedef void (*cmd_done)(struct slurm *, void *arg, int status, const char *out,
    const char *err);

/* A Slurm command on the loop: its output is collected, then cb. */
struct cmd {
	uv_process_t proc;
	uv_pipe_t out, err;
	struct buf obuf, ebuf;
	int open; /* handles not closed yet */
	int status;
	struct slurm *s;
	cmd_done cb;
	void *arg;
};

/* A job of the engine, as a Slurm batch job. */
struct sjob {
	struct sjob *next;
	struct slurm *s;
	int64_t id;
	char *script, *request, *status;
	char **sbatch;     /* its sbatch command, kept to submit again */
	char slurm_id[32]; /* "" until sbatch said */
	char state[32];    /* squeue's last word ("" before any) */
	char reason[64];
	int submitting; /* an sbatch is in flight */
	int querying;   /* an scontrol is in flight */
	int submit_tries;
	uint64_t retry_at; /* submit again then (uv_now), after a failure */
	int misses;        /* polls that did not list it */
	uint64_t run_at;   /* when it was first seen running, 0 */
	uint64_t report_at;
	uint64_t ended_at; /* when Slurm said it ended, without a report */
	int timed_out, stopped, force;
	/* The status file, read on from offset. */
	off_t offset;
	struct buf lines;
	size_t parsed;
	char *report; /* the shim's last line: "exit=..." or "error=..." */
	char *node;
	int placed;
	int isolation;
	double timeout;
	const struct pmu_set *pmu;
	size_t nev; /* the events given to the shim (the set's), or 0 */
	double *sample;
	int have_sample;
	char *note;    /* which counters could not be opened, and why */
	char *sandbox; /* the shim's word on its namespaces, or NULL */
	char *protect; /* the isolation and that, for the result */
	uint64_t start_ns;
	void (*done)(void *, const struct exec_result *);
	void (*placed_cb)(void *, const char *, const int *, size_t);
	void *arg;
};

struct slurm {
	uv_loop_t *loop;
	const struct execspec *x;
	char *dir;    /* EXPDIR/slurm */
	char *tag;    /* the experiment, in job names */
	char *ledger; /* the Slurm ids submitted: a crashed run's leftovers */
	char *protections;
	char *notice;
	int ns;              /* jobs ask the shim for namespaces */
	char *probe_sandbox; /* what the probe's shim made of that */
	uv_timer_t timer;
	int have_timer, ticking, timer_closed;
	int listing; /* an squeue is in flight */
	int ncmds;
	int closing;
	struct sjob *jobs;
};

/* A growing NULL-terminated argument vector. */
struct argv {
	char **v;
	size_t n;
};

static void
arg_add(struct argv *a, char *s)
{
	a->v = xreallocarray(a->v, a->n + 2, sizeof *a->v);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void arg_fmt(struct argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
arg_fmt(struct argv *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	arg_add(a, xvasprintf(fmt, ap));
	va_end(ap);
}

static void
argv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Commands. */

static void maybe_free(struct slurm *);

static void
cmd_closed(uv_handle_t *h)
{
	struct cmd *c = h->data;
	struct slurm *s = c->s;

	if (--c->open > 0)
		return;
	s->ncmds--;
	c->cb(s, c->arg, c->status, buf_str(&c->obuf), buf_str(&c->ebuf));
	buf_free(&c->obuf);
	buf_free(&c->ebuf);
	free(c);
	maybe_free(s);
}

static void
cmd_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	b->base = xmalloc(suggested);
	b->len = suggested;
}

static void
cmd_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct cmd *c = st->data;

	if (n > 0)
		buf_add(st == (uv_stream_t *)&c->out ? &c->obuf : &c->ebuf,
		    b->base, (size_t)n);
	free(b->base);
	if (n < 0)
		uv_close((uv_handle_t *)st, cmd_closed);
}

static void
cmd_exit(uv_process_t *p, int64_t status, int sig)
{
	struct cmd *c = p->data;

	c->status = sig != 0 ? 128 + sig : (int)status;
	uv_close((uv_handle_t *)p, cmd_closed);
}

/* Runs argv (looked up in PATH); cb gets its exit status (127 when it
 * could not run, with the reason as its stderr) and output, from the
 * loop, always after this returns. */
static void
cmd_run(struct slurm *s, char *const *argv, cmd_done cb, void *arg)
{
	struct cmd *c = xcalloc(1, sizeof *c);
	uv_process_options_t o;
	uv_stdio_container_t io[3];
	int rc;

	c->s = s;
	c->cb = cb;
	c->arg = arg;
	c->open = 3;
	s->ncmds++;
	uv_pipe_init(s->loop, &c->out, 0);
	uv_pipe_init(s->loop, &c->err, 0);
	c->out.data = c->err.data = c;
	memset(&o, 0, sizeof o);
	memset(io, 0, sizeof io);
	io[0].flags = UV_IGNORE;
	io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	io[1].data.stream = (uv_stream_t *)&c->out;
	io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	io[2].data.stream = (uv_stream_t *)&c->err;
	o.file = argv[0];
	o.args = (char **)argv;
	o.stdio = io;
	o.stdio_count = 3;
	o.exit_cb = cmd_exit;
	rc = uv_spawn(s->loop, &c->proc, &o);
	c->proc.data = c;
	if (rc != 0) {
		c->status = 127;
		buf_printf(&c->ebuf, "cannot run %s: %s", argv[0],
		    uv_strerror(rc));
		uv_close((uv_handle_t *)&c->proc, cmd_closed);
		uv_close((uv_handle_t *)&c->out, cmd_closed);
		uv_close((uv_handle_t *)&c->err, cmd_closed);
		return;
	}
	uv_read_start((uv_stream_t *)&c->out, cmd_alloc, cmd_read);
	uv_read_start((uv_stream_t *)&c->err, cmd_alloc, cmd_read);
}

/* Waiting on the loop, while slurm_new checks the cluster. */
struct waiter {
	int done;
	int status;
	char *out, *err;
};

static void
waited(struct slurm *s, void *arg, int status, const char *out, const char *err)
{
	struct waiter *w = arg;

	(void)s;
	w->done = 1;
	w->status = status;
	w->out = xstrdup(out);
	w->err = xstrdup(err);
}

/* Runs argv to its end; returns its status, its output in *out and *err
 * (allocated; NULL: not wanted). */
static int
run_wait(struct slurm *s, char *const *argv, char **out, char **err)
{
	struct waiter w;

	memset(&w, 0, sizeof w);
	cmd_run(s, argv, waited, &w);
	while (!w.done)
		uv_run(s->loop, UV_RUN_ONCE);
	if (out != NULL)
		*out = w.out;
	else
		free(w.out);
	if (err != NULL)
		*err = w.err;
	else
		free(w.err);
	return w.status;
}

static void
woke(uv_timer_t *t)
{
	*(int *)t->data = 1;
}

static void
nap(struct slurm *s, double seconds)
{
	uv_timer_t t;
	int done = 0;

	uv_timer_init(s->loop, &t);
	t.data = &done;
	uv_timer_start(&t, woke, (uint64_t)(seconds * 1000), 0);
	while (!done)
		uv_run(s->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(s->loop, UV_RUN_NOWAIT);
}

/* Text helpers. */

/* The first line of a command's complaint, for a message. */
static char *
first_line(const char *text)
{
	while (*text == ' ' || *text == '\n')
		text++;
	if (*text == '\0')
		return xstrdup("no message");
	return xstrndup(text, strcspn(text, "\n"));
}

/* text quoted for sh: 'it'\''s'. */
static void
sh_quote(struct buf *b, const char *text)
{
	buf_addc(b, '\'');
	for (; *text != '\0'; text++)
		if (*text == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *text);
	buf_addc(b, '\'');
}

/* The value of "Key=value" in scontrol's one-line output, or NULL. */
static char *
kv_value(const char *text, const char *key)
{
	size_t len = strlen(key);
	const char *p;

	for (p = text; (p = strstr(p, key)) != NULL; p += len)
		if ((p == text || p[-1] == ' ') && p[len] == '=')
			return xstrndup(p + len + 1,
			    strcspn(p + len + 1, " \n"));
	return NULL;
}

/* "counters=V,V,-,V" of a line into v[0..n): NAN for "-" or missing.
 * Returns 0, or -1 when the line has none. */
static int
parse_counts(const char *line, double *v, size_t n)
{
	const char *p;
	char *end;
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = NAN;
	for (p = line; (p = strstr(p, "counters=")) != NULL; p++)
		if (p == line || p[-1] == ' ')
			break;
	if (p == NULL)
		return -1;
	p += 9;
	for (i = 0; i < n && *p != '\0' && *p != ' ' && *p != '\n'; i++) {
		if (*p == '-')
			p++;
		else {
			v[i] = strtod(p, &end);
			if (end == p)
				break;
			p = end;
		}
		if (*p == ',')
			p++;
	}
	return 0;
}

static int
write_file(const char *path, const void *data, size_t len, int mode,
    char **cause)
{
	const char *p = data;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) <
	    0)
		goto fail;
	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		goto fail;
	return 0;
fail:
	*cause = xasprintf("cannot write %s: %s", path, strerror(errno));
	return -1;
}

/* States. */

int
slurm_state_ended(const char *state)
{
	static const char *const ended[] = { "BOOT_FAIL", "CANCELLED",
		"COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY",
		"PREEMPTED", "TIMEOUT", "REVOKED", "SPECIAL_EXIT", NULL };
	size_t i;

	for (i = 0; ended[i] != NULL; i++)
		if (strcmp(state, ended[i]) == 0)
			return 1;
	return 0;
}

/* Whether Slurm's final state says something outside the job ended it:
 * someone's scancel, its node, preemption. */
static int
lost_state(const char *state)
{
	static const char *const lost[] = { "CANCELLED", "NODE_FAIL",
		"PREEMPTED", "BOOT_FAIL", "DEADLINE", NULL };
	size_t i;

	for (i = 0; lost[i] != NULL; i++)
		if (strcmp(state, lost[i]) == 0)
			return 1;
	return 0;
}

/* Why a job that Slurm ended is lost, naming the state. */
static char *
lost_reason(const char *id, const char *state, const char *exit_code,
    int reported)
{
	if (*state == '\0')
		return xasprintf("Slurm job %s vanished from the queue", id);
	if (strcmp(state, "CANCELLED") == 0)
		return xasprintf("Slurm job %s was cancelled from outside "
				 "Wayfinder (CANCELLED)",
		    id);
	if (strcmp(state, "NODE_FAIL") == 0)
		return xasprintf("Slurm job %s lost its node (NODE_FAIL)", id);
	if (strcmp(state, "PREEMPTED") == 0)
		return xasprintf("Slurm job %s was preempted (PREEMPTED)", id);
	if (strcmp(state, "BOOT_FAIL") == 0)
		return xasprintf("Slurm job %s: its node failed to boot "
				 "(BOOT_FAIL)",
		    id);
	if (strcmp(state, "DEADLINE") == 0)
		return xasprintf("Slurm job %s reached its deadline (DEADLINE)",
		    id);
	if (reported)
		return xasprintf("Slurm job %s: its shim was stopped from "
				 "outside (%s)",
		    id, state);
	return xasprintf("Slurm job %s ended %s (exit code %s) without its "
			 "shim's report",
	    id, state,
	    exit_code != NULL && *exit_code != '\0' ? exit_code : "unknown");
}

enum exec_how
slurm_outcome(const char *id, const char *state, const char *exit_code,
    int stopped, int timed_out, int *oom, char **why)
{
	*oom = 0;
	*why = NULL;
	if (timed_out)
		return EXEC_TIMEOUT;
	if (stopped)
		return EXEC_STOPPED;
	if (strcmp(state, "TIMEOUT") == 0)
		return EXEC_TIMEOUT; /* Slurm's own limit */
	if (strcmp(state, "OUT_OF_MEMORY") == 0) {
		*oom = 1;
		return EXEC_SIGNALED;
	}
	*why = lost_reason(id, state, exit_code, 0);
	return EXEC_LOST;
}

/* What Slurm guarantees a job at its isolation level (see the table in
 * wayfinder.yaml(5), EXECUTOR), for its protections. */
static const char *
isolation_text(int level)
{
	switch (level) {
	case ISO_NONE:
		return "shared-node";
	case ISO_CORE:
		return "whole-cores";
	default:
		return "exclusive-node";
	}
}

/* The spec's cluster options: partition, account, qos, constraint and
 * the extra sbatch options. */
static void
cluster_args(struct argv *a, const struct execspec *x)
{
	size_t i;

	if (x->partition != NULL)
		arg_fmt(a, "--partition=%s", x->partition);
	if (x->account != NULL)
		arg_fmt(a, "--account=%s", x->account);
	if (x->qos != NULL)
		arg_fmt(a, "--qos=%s", x->qos);
	if (x->constraint != NULL)
		arg_fmt(a, "--constraint=%s", x->constraint);
	for (i = 0; i < x->nextra; i++)
		arg_add(a, xstrdup(x->extra[i]));
}

/*
 * What a job asks of Slurm: one task of cores CPUs on one node, its
 * memory, a time limit a minute past its timeout (ours ends it first),
 * what Slurm can guarantee of its isolation level (whole cores without
 * their other hyperthreads for core; the node for cache, socket and
 * full, since Slurm allocates no cache or socket by itself), then the
 * spec's cluster options, which may override any of it.
 */
static void
job_args(struct argv *a, const struct execspec *x, int cores, uint64_t memory,
    double timeout, int isolation)
{
	arg_add(a, xstrdup("--nodes=1"));
	arg_add(a, xstrdup("--ntasks=1"));
	arg_fmt(a, "--cpus-per-task=%d", cores > 0 ? cores : 1);
	if (memory > 0)
		arg_fmt(a, "--mem=%lluM",
		    (unsigned long long)((memory + (1 << 20) - 1) >> 20));
	if (timeout > 0)
		arg_fmt(a, "--time=%d", (int)ceil(timeout / 60) + 1);
	if (isolation == ISO_CORE)
		arg_add(a, xstrdup("--hint=nomultithread"));
	else if (isolation != ISO_NONE)
		arg_add(a, xstrdup("--exclusive"));
	cluster_args(a, x);
}

/*
 * The batch script: it checks that the node has the shim (exit status 3
 * if not: the probe tells it apart), then becomes the shim. The sbatch
 * command is recorded in it, to submit it again by hand.
 */
static int
write_script(const char *path, const char *title, char *const *sbatch,
    const char *status, const char *request, char **cause)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc;

	buf_printf(&b, "#!/bin/sh\n# %s\n# Submitted by wayfinder(1) as:\n#  ",
	    title);
	for (i = 0; sbatch[i] != NULL; i++) {
		buf_addc(&b, ' ');
		sh_quote(&b, sbatch[i]);
	}
	buf_adds(&b,
	    "\n# The shim runs the job described in its request "
	    "and appends its status\n# lines to the status file.\n"
	    "[ -x ");
	sh_quote(&b, exec_shim_path());
	buf_adds(&b, " ] || {\n\techo \"wayfinder: no ");
	buf_adds(&b, exec_shim_path());
	buf_adds(&b, " on $(hostname)\" >&2\n\texit 3\n}\nexec ");
	sh_quote(&b, exec_shim_path());
	buf_adds(&b, " -w ");
	sh_quote(&b, status);
	buf_adds(&b, " -R ");
	sh_quote(&b, request);
	buf_addc(&b, '\n');
	rc = write_file(path, b.data, b.len, 0700, cause);
	buf_free(&b);
	return rc;
}

static void
field(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s) + 1);
}

static void opt(struct buf *b, size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
opt(struct buf *b, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *kv;

	va_start(ap, fmt);
	kv = xvasprintf(fmt, ap);
	va_end(ap);
	field(b, kv);
	free(kv);
	(*n)++;
}

/* Whether any event of the set can be given to a shim. */
static int
encodable(const struct pmu_set *ps)
{
	struct pmu_encoding en;
	size_t i;

	for (i = 0; i < pmu_set_count(ps); i++)
		if (pmu_set_encoding(ps, i, &en) == 0)
			return 1;
	return 0;
}

/*
 * The job as the shim's -R reads it (the layout of a server's request:
 * "2", the directory, the options, the command, the environment), in a
 * file only the user reads (the environment may hold secrets).
 */
static int
write_request(const char *path, const struct exec_req *req, const char *ns,
    const char *const *keep, const char *cwd, char *const *argv,
    char *const *env, size_t nev, char **cause)
{
	struct buf opts = BUF_INIT, body = BUF_INIT;
	struct pmu_encoding en;
	char num[32];
	size_t n = 0, i;
	int rc;

	opt(&opts, &n, "grace=%d", GRACE_MS);
	if (ns != NULL && *ns != '\0') {
		opt(&opts, &n, "ns=%s", ns);
		for (i = 0; keep != NULL && keep[i] != NULL; i++)
			opt(&opts, &n, "keep=%s", keep[i]);
	}
	if (req != NULL) {
		if (req->cpus != NULL && req->ncpus > 0) {
			char *list = cpulist_format(req->cpus, req->ncpus);

			opt(&opts, &n, "cpus=%s", list);
			free(list);
		} else
			opt(&opts, &n, "coreenv=1"); /* Slurm chose them */
		if (req->aslr == 0)
			opt(&opts, &n, "aslr=0");
		if (req->as_max > 0)
			opt(&opts, &n, "as=%llu", req->as_max);
		if (req->nproc_max > 0)
			opt(&opts, &n, "nproc=%llu", req->nproc_max);
		for (i = 0; i < nev; i++) {
			if (pmu_set_encoding(req->pmu, i, &en) != 0)
				opt(&opts, &n, "pmu=-");
			else
				opt(&opts, &n, "pmu=%x:%llx:%llx:%llx:%x",
				    en.type, (unsigned long long)en.config,
				    (unsigned long long)en.config1,
				    (unsigned long long)en.config2, en.exclude);
		}
		if (nev > 0 && req->sample_interval > 0)
			opt(&opts, &n, "sample=%d",
			    (int)(req->sample_interval * 1000 + 0.5));
		if (req->boot != 0) {
			opt(&opts, &n, "boot=%s",
			    req->boot == BOOT_CONSOLE ? "console" : "debugcon");
			if (req->marker != NULL)
				opt(&opts, &n, "marker=%s", req->marker);
			if (req->fifo != NULL)
				opt(&opts, &n, "fifo=%s", req->fifo);
			if (req->boot_stop)
				opt(&opts, &n, "bootstop=1");
		}
	}
	field(&body, "2");
	field(&body, cwd);
	snprintf(num, sizeof num, "%zu", n);
	field(&body, num);
	if (opts.len > 0)
		buf_add(&body, opts.data, opts.len);
	for (n = 0; argv[n] != NULL; n++)
		;
	snprintf(num, sizeof num, "%zu", n);
	field(&body, num);
	for (i = 0; i < n; i++)
		field(&body, argv[i]);
	for (n = 0; env[n] != NULL; n++)
		;
	snprintf(num, sizeof num, "%zu", n);
	field(&body, num);
	for (i = 0; i < n; i++)
		field(&body, env[i]);
	rc = write_file(path, body.data, body.len, 0600, cause);
	buf_free(&opts);
	buf_free(&body);
	return rc;
}

/* Jobs. */

static void ticking(struct slurm *);

static void
job_free(struct sjob *j)
{
	argv_free(j->sbatch);
	free(j->script);
	free(j->request);
	free(j->status);
	buf_free(&j->lines);
	free(j->report);
	free(j->node);
	free(j->sample);
	free(j->note);
	free(j->sandbox);
	free(j->protect);
	free(j);
}

static void
jobs_remove(struct slurm *s, struct sjob *j)
{
	struct sjob **pp;

	for (pp = &s->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	if (s->jobs == NULL && s->ticking) {
		uv_timer_stop(&s->timer);
		s->ticking = 0;
	}
}

/*
 * Ends a job: its outcome from the shim's report when there is one,
 * else from Slurm's final state; then done(). final_state is Slurm's
 * ("" when unknown), exit_code its "N:S" (or NULL).
 */
static void
job_finish(struct sjob *j, const char *final_state, const char *exit_code)
{
	struct exec_result r;
	double stopped = 0, *values = NULL;
	char *why = NULL, *error = NULL;
	const char *id = *j->slurm_id != '\0' ? j->slurm_id : "(none)";
	int oom = 0, ok;

	memset(&r, 0, sizeof r);
	r.boot_ms = NAN;
	r.status = -1;
	/* What Slurm guarantees, and the namespaces the shim made on
	 * the node (or why it could not). */
	free(j->protect);
	j->protect = j->sandbox != NULL ?
	    xasprintf("%s %s", isolation_text(j->isolation), j->sandbox) :
	    xstrdup(isolation_text(j->isolation));
	r.sandbox = j->protect;
	r.counters_note = j->note;
	r.wall_ms =
	    j->run_at != 0 ? (double)(uv_now(j->s->loop) - j->run_at) : 0;
	if (j->report != NULL && strncmp(j->report, "error=", 6) == 0) {
		r.how = EXEC_ERROR;
		r.error = error = xstrdup(j->report + 6);
	} else if (j->report != NULL) {
		const char *f = j->report;

		exec_report_parse(f, &r);
		if (j->nev > 0) {
			values = xcalloc(j->nev + 1, sizeof *values);
			if (parse_counts(f, values, j->nev) == 0)
				r.counters = values;
		}
		exec_report_field(f, "stopped", &stopped);
		r.how = r.signal != 0 ? EXEC_SIGNALED : EXEC_EXITED;
		r.oom = strcmp(final_state, "OUT_OF_MEMORY") == 0;
		if (!j->stopped && !j->timed_out &&
		    (stopped != 0 || lost_state(final_state))) {
			/* Stopped, but not by us: Slurm's doing. A job
			 * cancelled or failed from outside whose script
			 * still exited 0 (the signal ended only the
			 * command it waited for) measured nothing sound
			 * either. */
			if (strcmp(final_state, "TIMEOUT") == 0)
				r.how = EXEC_TIMEOUT;
			else if (!r.oom) {
				r.how = EXEC_LOST;
				r.error = why =
				    lost_reason(id, final_state, exit_code, 1);
			}
		}
	} else {
		r.how = slurm_outcome(id, final_state, exit_code, j->stopped,
		    j->timed_out, &oom, &why);
		r.oom = oom;
		r.error = why;
		if (oom)
			r.signal = 9; /* the kernel's OOM killer */
	}
	if (r.how != EXEC_ERROR) {
		if (j->timed_out)
			r.how = EXEC_TIMEOUT;
		else if (j->stopped)
			r.how = EXEC_STOPPED;
	}
	ok = r.how == EXEC_EXITED && r.status == 0;
	jobs_remove(j->s, j);
	j->done(j->arg, &r);
	if (ok) {
		/* Kept only when something went wrong, to look at. */
		unlink(j->request);
		unlink(j->status);
		unlink(j->script);
	}
	free(values);
	free(why);
	free(error);
	job_free(j);
}

/* The shim's lines read so far: where it runs, samples, the report. */
static void
handle_lines(struct sjob *j)
{
	const char *p, *nl, *c, *name;
	char *line, *node, *end;
	struct buf note = BUF_INIT;
	size_t i;
	int *cpus = NULL, none = 0, err;
	size_t n = 0;

	for (;;) {
		p = buf_str(&j->lines) + j->parsed;
		if ((nl = strchr(p, '\n')) == NULL)
			return;
		j->parsed += (size_t)(nl - p) + 1;
		if (j->report != NULL)
			continue; /* nothing after the report counts */
		line = xstrndup(p, (size_t)(nl - p));
		if (strncmp(line, "node=", 5) == 0 && !j->placed) {
			node = xstrndup(line + 5, strcspn(line + 5, " "));
			if ((c = strstr(line, " cpus=")) == NULL ||
			    cpulist_parse(c + 6, &cpus, &n) != 0) {
				cpus = NULL;
				n = 0;
			}
			j->placed = 1;
			free(j->node);
			j->node = node;
			if (j->placed_cb != NULL)
				j->placed_cb(j->arg, node,
				    cpus != NULL ? cpus : &none, n);
			free(cpus);
			cpus = NULL;
		} else if (strncmp(line, "shim=", 5) == 0 &&
		    (c = strstr(line, " sandbox=")) != NULL) {
			free(j->sandbox);
			j->sandbox = xstrdup(c + 9);
		} else if (strncmp(line, "sample ", 7) == 0 && j->nev > 0) {
			if (parse_counts(line, j->sample, j->nev) == 0)
				j->have_sample = 1;
		} else if (strncmp(line, "counters_missing=", 17) == 0 &&
		    j->pmu != NULL) {
			for (c = line + 17; *c != '\0';) {
				i = (size_t)strtoul(c, &end, 10);
				c = end;
				err = *c == ':' ? atoi(c + 1) : 0;
				name = i < pmu_set_count(j->pmu) ?
				    pmu_set_name(j->pmu, i) :
				    "?";
				buf_printf(&note, "%s%s: %s on node %s",
				    note.len > 0 ? "; " : "", name,
				    strerror(err),
				    j->node != NULL ? j->node : "?");
				c += strcspn(c, ",");
				if (*c == ',')
					c++;
			}
			free(j->note);
			j->note = buf_steal(&note);
		} else if (strncmp(line, "exit=", 5) == 0 ||
		    strncmp(line, "error=", 6) == 0) {
			j->report = line;
			line = NULL;
		}
		free(line);
	}
}

/* Reads what the shim appended to the status file since last time. */
static void
read_status(struct sjob *j)
{
	char buf[65536];
	ssize_t n;
	int fd;

	if ((fd = open(j->status, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((n = pread(fd, buf, sizeof buf, j->offset)) > 0) {
		buf_add(&j->lines, buf, (size_t)n);
		j->offset += n;
	}
	close(fd);
	handle_lines(j);
}

static void
on_scancel(struct slurm *s, void *arg, int status, const char *out,
    const char *err)
{
	(void)s;
	(void)arg;
	(void)status;
	(void)out;
	(void)err; /* a job already gone: nothing to cancel */
}

static void
on_scancel_forced(struct slurm *s, void *arg, int status, const char *out,
    const char *err)
{
	struct sjob *j = arg;

	(void)s;
	(void)status;
	(void)out;
	(void)err;
	j->submitting = 0;
	job_finish(j, j->state, NULL);
}

/* Cancels the job in Slurm (its shim gets SIGTERM, ends the job and
 * reports); force: do not wait for Slurm to say so. */
static void
cancel(struct sjob *j)
{
	char *argv[3];

	argv[0] = "scancel";
	argv[1] = j->slurm_id;
	argv[2] = NULL;
	if (j->force) {
		j->submitting = 1; /* busy until the callback */
		cmd_run(j->s, argv, on_scancel_forced, j);
	} else
		cmd_run(j->s, argv, on_scancel, NULL);
}

/* Whether sbatch failed for a reason that may pass. */
static int
transient(const char *err)
{
	static const char *const words[] = { "Unable to contact", "timed out",
		"temporarily", "Zero Bytes were transmitted",
		"Connection refused", "MaxSubmit", "try again", NULL };
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strstr(err, words[i]) != NULL)
			return 1;
	return 0;
}

static void submit(struct sjob *);

static void
on_sbatch(struct slurm *s, void *arg, int status, const char *out,
    const char *err)
{
	struct sjob *j = arg;
	struct exec_result r;
	char *msg, line[64];
	int fd;

	j->submitting = 0;
	if (status == 0 && (out[0] >= '0' && out[0] <= '9')) {
		snprintf(j->slurm_id, sizeof j->slurm_id, "%.*s",
		    (int)strspn(out, "0123456789"), out);
		/* Noted before anything else, for the next run to cancel if
		 * this one dies. */
		if ((fd = open(s->ledger,
			 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >=
		    0) {
			snprintf(line, sizeof line, "%s\n", j->slurm_id);
			if (write(fd, line, strlen(line)) < 0) {
				/* only a crashed run's cleanup needs it */
			}
			close(fd);
		}
		if (j->stopped)
			cancel(j);
		return;
	}
	if (j->stopped) {
		job_finish(j, "", NULL);
		return;
	}
	if (transient(err) && ++j->submit_tries < SUBMIT_TRIES) {
		/* Again later, a little later each time. */
		j->retry_at = uv_now(s->loop) +
		    (uint64_t)(s->x->poll * 1000) * (uint64_t)j->submit_tries;
		return;
	}
	memset(&r, 0, sizeof r);
	r.boot_ms = NAN;
	r.status = -1;
	msg = first_line(status == 0 ? "sbatch gave no job id" : err);
	r.error = msg;
	/* A refusal is about the request; the cluster being away too long
	 * is not the job's doing. */
	r.how = transient(err) ? EXEC_LOST : EXEC_ERROR;
	jobs_remove(s, j);
	j->done(j->arg, &r);
	free(msg);
	job_free(j);
}

static void
submit(struct sjob *j)
{
	j->submitting = 1;
	j->retry_at = 0;
	cmd_run(j->s, j->sbatch, on_sbatch, j);
}

static void
on_scontrol(struct slurm *s, void *arg, int status, const char *out,
    const char *err)
{
	struct sjob *j = arg;
	char *state = NULL, *code = NULL;

	(void)s;
	(void)err;
	j->querying = 0;
	if (status == 0) {
		state = kv_value(out, "JobState");
		code = kv_value(out, "ExitCode");
	}
	read_status(j); /* the last chance for a report */
	job_finish(j, state != NULL ? state : j->state, code);
	free(state);
	free(code);
}

/*
 * One job after a poll: listed says whether squeue listed it (then
 * state is Slurm's word), queue_ok whether squeue answered at all.
 */
static void
advance(struct sjob *j, int listed, const char *state, const char *reason,
    int queue_ok, uint64_t now)
{
	struct slurm *s = j->s;
	char *argv[6];
	int ended;

	if (listed) {
		snprintf(j->state, sizeof j->state, "%s", state);
		snprintf(j->reason, sizeof j->reason, "%s", reason);
		j->misses = 0;
	} else if (queue_ok)
		j->misses++;
	read_status(j);
	if (j->run_at == 0 && (j->placed || strcmp(j->state, "RUNNING") == 0))
		j->run_at = now;
	/* Our timeout, from when the job was seen running. */
	if (j->timeout > 0 && j->run_at != 0 && !j->timed_out && !j->stopped &&
	    j->report == NULL &&
	    (double)(now - j->run_at) >= j->timeout * 1000) {
		j->timed_out = 1;
		cancel(j);
	}
	ended = listed ? slurm_state_ended(j->state) : j->misses > 0;
	if (j->report != NULL) {
		/* The job is over; Slurm's final word, if it comes soon,
		 * says more (out of memory, cancelled by whom). */
		if (j->report_at == 0)
			j->report_at = now;
		if (ended || now - j->report_at > REPORT_WAIT_MS)
			job_finish(j, ended && listed ? j->state : "", NULL);
		return;
	}
	if (!ended)
		return;
	/* Ended without a report: one more poll for it to show up (a
	 * shared file system may lag), then Slurm's final word. */
	if (j->ended_at == 0) {
		j->ended_at = now;
		return;
	}
	if (!listed)
		j->state[0] = '\0'; /* vanished, unless scontrol knows it */
	argv[0] = "scontrol";
	argv[1] = "show";
	argv[2] = "job";
	argv[3] = "-o";
	argv[4] = j->slurm_id;
	argv[5] = NULL;
	j->querying = 1;
	cmd_run(s, argv, on_scontrol, j);
}

/* squeue's answer for every submitted job. */
static void
on_squeue(struct slurm *s, void *arg, int status, const char *out,
    const char *err)
{
	struct sjob *j, **v = NULL;
	const char *p, *line;
	char state[32], reason[64], *f[4];
	size_t n = 0, i, len;
	uint64_t now = uv_now(s->loop);
	int ok, listed;

	(void)arg;
	s->listing = 0;
	if (s->closing)
		return;
	/* An id squeue no longer knows makes it fail when it is the only
	 * one: that is an answer too. */
	ok = status == 0 || strstr(err, "Invalid job id") != NULL;
	/* job_finish may free a job and done() start others: work on the
	 * jobs as they were. */
	for (j = s->jobs; j != NULL; j = j->next)
		if (*j->slurm_id != '\0' && !j->submitting && !j->querying) {
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = j;
		}
	for (i = 0; i < n; i++) {
		j = v[i];
		listed = 0;
		len = strlen(j->slurm_id);
		for (line = out; ok && *line != '\0'; line = p + (*p == '\n')) {
			p = line + strcspn(line, "\n");
			if (strncmp(line, j->slurm_id, len) != 0 ||
			    line[len] != '|')
				continue;
			/* ID|STATE|REASON */
			f[0] = xstrndup(line, (size_t)(p - line));
			f[1] = strchr(f[0], '|') + 1;
			f[2] = strchr(f[1], '|');
			if (f[2] != NULL)
				*f[2]++ = '\0';
			snprintf(state, sizeof state, "%s", f[1]);
			snprintf(reason, sizeof reason, "%s",
			    f[2] != NULL ? f[2] : "");
			free(f[0]);
			listed = 1;
			break;
		}
		advance(j, listed, listed ? state : "", listed ? reason : "",
		    ok, now);
	}
	free(v);
}

static void
on_tick(uv_timer_t *t)
{
	struct slurm *s = t->data;
	struct argv a = { NULL, 0 };
	struct buf ids = BUF_INIT;
	struct sjob *j;
	uint64_t now = uv_now(s->loop);

	for (j = s->jobs; j != NULL; j = j->next) {
		if (j->retry_at != 0 && now >= j->retry_at && !j->submitting)
			submit(j);
		else if (*j->slurm_id != '\0')
			buf_printf(&ids, "%s%s", ids.len > 0 ? "," : "",
			    j->slurm_id);
	}
	if (s->listing || ids.len == 0) {
		buf_free(&ids);
		return;
	}
	arg_add(&a, xstrdup("squeue"));
	arg_add(&a, xstrdup("--noheader"));
	arg_add(&a, xstrdup("--states=all"));
	arg_add(&a, xstrdup("--format=%i|%T|%r"));
	arg_fmt(&a, "--jobs=%s", buf_str(&ids));
	s->listing = 1;
	cmd_run(s, a.v, on_squeue, NULL);
	argv_free(a.v);
	buf_free(&ids);
}

static void
ticking(struct slurm *s)
{
	uint64_t ms = (uint64_t)(s->x->poll * 1000);

	if (s->ticking || s->closing)
		return;
	if (!s->have_timer) {
		uv_timer_init(s->loop, &s->timer);
		s->timer.data = s;
		s->have_timer = 1;
	}
	if (ms < 100)
		ms = 100;
	uv_timer_start(&s->timer, on_tick, ms, ms);
	s->ticking = 1;
}

/* The executor's operations. */

static void *
slurm_start(void *ctx, const struct exec_req *req, char **cause)
{
	struct slurm *s = ctx;
	struct sjob *j, **pp;
	struct argv a = { NULL, 0 };
	char *title;

	j = xcalloc(1, sizeof *j);
	j->s = s;
	j->id = req->job;
	j->isolation = req->isolation;
	j->timeout = req->timeout;
	j->done = req->done;
	j->placed_cb = req->placed;
	j->arg = req->arg;
	j->start_ns = uv_hrtime();
	if (req->pmu != NULL && encodable(req->pmu)) {
		j->pmu = req->pmu;
		j->nev = pmu_set_count(req->pmu);
		j->sample = xcalloc(j->nev + 1, sizeof *j->sample);
	}
	j->script = xasprintf("%s/%lld.sh", s->dir, (long long)req->job);
	j->request = xasprintf("%s/%lld.job", s->dir, (long long)req->job);
	j->status = xasprintf("%s/%lld.status", s->dir, (long long)req->job);
	unlink(j->status);
	if (write_request(j->request, req, req->ns, req->keep, req->cwd,
		req->argv, req->env != NULL ? req->env : environ, j->nev,
		cause) != 0)
		goto fail;

	arg_add(&a, xstrdup("sbatch"));
	arg_add(&a, xstrdup("--parsable"));
	arg_fmt(&a, "--job-name=wayfinder-%s-%lld", s->tag,
	    (long long)req->job);
	arg_fmt(&a, "--output=%s", req->out_path);
	arg_fmt(&a, "--error=%s", req->err_path);
	arg_add(&a, xstrdup("--open-mode=truncate"));
	arg_fmt(&a, "--chdir=%s", s->dir);
	/* A job the cluster loses is ours to run again, as a new job. */
	arg_add(&a, xstrdup("--no-requeue"));
	job_args(&a, s->x, req->cores, req->memory, req->timeout,
	    req->isolation);
	arg_add(&a, xstrdup(j->script));
	j->sbatch = a.v;
	if (req->trial > 0)
		title = xasprintf("Wayfinder job %lld (%s of trial %lld) in %s",
		    (long long)req->job, req->kind != NULL ? req->kind : "job",
		    (long long)req->trial, s->dir);
	else
		title = xasprintf("Wayfinder job %lld (%s) in %s",
		    (long long)req->job, req->kind != NULL ? req->kind : "job",
		    s->dir);
	if (write_script(j->script, title, j->sbatch, j->status, j->request,
		cause) != 0) {
		free(title);
		goto fail;
	}
	free(title);
	for (pp = &s->jobs; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = j;
	ticking(s);
	submit(j);
	return j;
fail:
	unlink(j->request);
	job_free(j);
	return NULL;
}

static void
slurm_stop(void *job, int force)
{
	struct sjob *j = job;

	if (j->stopped && (!force || j->force))
		return;
	j->stopped = 1;
	if (force)
		j->force = 1;
	/* Before sbatch answered: on_sbatch cancels it. */
	if (*j->slurm_id == '\0' || j->submitting || j->querying)
		return;
	cancel(j);
}

static int
slurm_counters(void *job, double *values)
{
	struct sjob *j = job;

	if (!j->have_sample)
		return -1;
	memcpy(values, j->sample, j->nev * sizeof *values);
	return 0;
}

const struct executor_ops exec_slurm = {
	.name = "slurm",
	.start = slurm_start,
	.stop = slurm_stop,
	.counters = slurm_counters,
	.places = 1,
};

/* Start-up. */

/* A node of the partition, from sinfo. */
struct node {
	char *name;
	int cpus;
	char *state;
};

/* The partition's nodes ("NAME|CPUS|STATE" lines), each once. */
static size_t
parse_nodes(const char *out, struct node **nodes)
{
	const char *line, *p;
	char *text, *a, *b;
	size_t n = 0, i;

	*nodes = NULL;
	for (line = out; *line != '\0'; line = p + (*p == '\n')) {
		p = line + strcspn(line, "\n");
		text = xstrndup(line, (size_t)(p - line));
		if ((a = strchr(text, '|')) == NULL ||
		    (b = strchr(a + 1, '|')) == NULL) {
			free(text);
			continue;
		}
		*a++ = '\0';
		*b++ = '\0';
		for (i = 0; i < n; i++)
			if (strcmp((*nodes)[i].name, text) == 0)
				break;
		if (i == n && *text != '\0') {
			*nodes = xreallocarray(*nodes, n + 1, sizeof **nodes);
			(*nodes)[n].name = xstrdup(text);
			(*nodes)[n].cpus = atoi(a);
			(*nodes)[n].state = xstrdup(b);
			n++;
		}
		free(text);
	}
	return n;
}

static void
nodes_free(struct node *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].state);
	}
	free(v);
}

/* sinfo's nodes of the spec's partition (or all). Returns the status. */
static int
list_nodes(struct slurm *s, const struct execspec *x, struct node **nodes,
    size_t *n, char **err)
{
	struct argv a = { NULL, 0 };
	char *out = NULL;
	int rc;

	arg_add(&a, xstrdup("sinfo"));
	arg_add(&a, xstrdup("--noheader"));
	arg_add(&a, xstrdup("--Node"));
	arg_add(&a, xstrdup("--format=%N|%c|%T"));
	if (x->partition != NULL)
		arg_fmt(&a, "--partition=%s", x->partition);
	rc = run_wait(s, a.v, &out, err);
	argv_free(a.v);
	*n = rc == 0 ? parse_nodes(out, nodes) : 0;
	if (rc != 0)
		*nodes = NULL;
	free(out);
	return rc;
}

size_t
slurm_default_jobs(const struct execspec *x, int cores)
{
	struct slurm s;
	struct node *nodes;
	uv_loop_t loop;
	size_t n, i, cpus = 0, jobs;

	memset(&s, 0, sizeof s);
	if (uv_loop_init(&loop) != 0)
		return 1;
	s.loop = &loop;
	s.x = x;
	if (list_nodes(&s, x, &nodes, &n, NULL) == 0) {
		for (i = 0; i < n; i++)
			if (strstr(nodes[i].state, "down") == NULL &&
			    strstr(nodes[i].state, "drain") == NULL)
				cpus += (size_t)nodes[i].cpus;
		nodes_free(nodes, n);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	jobs = cpus / (size_t)(cores > 0 ? cores : 1);
	if (jobs < 1)
		jobs = 1;
	return jobs > DEFAULT_JOBS_MAX ? DEFAULT_JOBS_MAX : jobs;
}

/* What scontrol show config says of a setting, or "unknown". */
static char *
config_value(const char *config, const char *key)
{
	const char *p = config;
	size_t len = strlen(key);

	for (; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		if (strncmp(p, key, len) != 0 ||
		    (p[len] != ' ' && p[len] != '='))
			continue;
		p += len + strspn(p + len, " ");
		if (*p != '=')
			continue;
		p++;
		p += strspn(p, " ");
		return xstrndup(p, strcspn(p, "\n"));
	}
	return xstrdup("unknown");
}

/*
 * Cancels what a crashed run of this experiment left in Slurm's queue:
 * the ids in the ledger that squeue still lists. Returns how many.
 */
static size_t
cancel_leftovers(struct slurm *s)
{
	struct argv a = { NULL, 0 };
	char *text, *out = NULL, *p, *id;
	size_t len, n = 0;

	if ((text = files_read(s->ledger, &len)) == NULL)
		return 0;
	for (p = text; *p != '\0'; p++)
		if (*p == '\n')
			*p = ',';
	while (len > 0 && text[len - 1] == ',')
		text[--len] = '\0';
	if (len == 0) {
		free(text);
		return 0;
	}
	arg_add(&a, xstrdup("squeue"));
	arg_add(&a, xstrdup("--noheader"));
	arg_add(&a, xstrdup("--format=%i"));
	arg_fmt(&a, "--jobs=%s", text);
	if (run_wait(s, a.v, &out, NULL) == 0) {
		argv_free(a.v);
		a.v = NULL;
		a.n = 0;
		arg_add(&a, xstrdup("scancel"));
		for (p = out; (id = strsep(&p, "\n")) != NULL;)
			if (*id != '\0') {
				arg_add(&a, xstrdup(id));
				n++;
			}
		if (n > 0)
			run_wait(s, a.v, NULL, NULL);
	}
	argv_free(a.v);
	free(out);
	free(text);
	return n;
}

/*
 * The start-up probe: a job like every other (the shim, run by hand from
 * a batch script with the spec's cluster options) whose command prints
 * a marker file this host just wrote. It proves that the nodes run the
 * shim and share the state directory both ways. Returns 0, or -1 with
 * *cause.
 */
static int
probe(struct slurm *s, const char *state_dir, char **cause)
{
	struct argv a = { NULL, 0 };
	char token[33], *marker, *request, *status, *out, *err, *script;
	char *sout = NULL, *serr = NULL, *text = NULL, *state = NULL;
	char *code = NULL, *node = NULL, *reason = NULL, *got = NULL, *why;
	char *cat[3], id[32];
	const char *keep[2];
	unsigned char raw[16];
	double waited = 0, every;
	size_t i, len;
	int fd, rc = -1, ok;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0 ||
	    read(fd, raw, sizeof raw) != (ssize_t)sizeof raw) {
		for (i = 0; i < sizeof raw; i++)
			raw[i] =
			    (unsigned char)(rand() ^ getpid() ^ time(NULL));
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < sizeof raw; i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	marker = xasprintf("%s/probe.marker", s->dir);
	request = xasprintf("%s/probe.job", s->dir);
	status = xasprintf("%s/probe.status", s->dir);
	out = xasprintf("%s/probe.out", s->dir);
	err = xasprintf("%s/probe.err", s->dir);
	script = xasprintf("%s/probe.sh", s->dir);
	cat[0] = "cat";
	cat[1] = marker;
	cat[2] = NULL;
	/* The probe tries a job's namespaces (not the network: it says
	 * whether the node allows them), keeping the marker in sight. */
	keep[0] = s->dir;
	keep[1] = NULL;
	if (write_file(marker, token, strlen(token), 0600, cause) != 0 ||
	    write_request(request, NULL, s->ns ? EXEC_NS : NULL, keep, s->dir,
		cat, environ, 0, cause) != 0)
		goto out;
	arg_add(&a, xstrdup("sbatch"));
	arg_add(&a, xstrdup("--parsable"));
	arg_fmt(&a, "--job-name=wayfinder-%s-probe", s->tag);
	arg_fmt(&a, "--output=%s", out);
	arg_fmt(&a, "--error=%s", err);
	arg_add(&a, xstrdup("--open-mode=truncate"));
	arg_fmt(&a, "--chdir=%s", s->dir);
	arg_add(&a, xstrdup("--no-requeue"));
	job_args(&a, s->x, 1, 0, 60, ISO_NONE);
	arg_add(&a, xstrdup(script));
	if (write_script(script,
		"Wayfinder's start-up check: can the nodes "
		"run the shim and share the state directory?",
		a.v, status, request, cause) != 0)
		goto out;
	if (run_wait(s, a.v, &sout, &serr) != 0 || sout[0] < '0' ||
	    sout[0] > '9') {
		why = first_line(serr);
		*cause = xasprintf("Slurm refused the start-up probe job "
				   "(sbatch: %s)",
		    why);
		free(why);
		goto out;
	}
	snprintf(id, sizeof id, "%.*s", (int)strspn(sout, "0123456789"), sout);
	argv_free(a.v);
	a.v = NULL;
	a.n = 0;
	arg_add(&a, xstrdup("squeue"));
	arg_add(&a, xstrdup("--noheader"));
	arg_add(&a, xstrdup("--states=all"));
	arg_add(&a, xstrdup("--format=%T|%r"));
	arg_fmt(&a, "--jobs=%s", id);
	every = s->x->poll < 1 ? s->x->poll : 1;
	for (;;) {
		nap(s, every);
		waited += every;
		free(text);
		text = NULL;
		ok = run_wait(s, a.v, &text, NULL) == 0;
		if (ok &&
		    (text[0] == '\0' ||
			slurm_state_ended((free(state),
			    state = xstrndup(text, strcspn(text, "|\n"))))))
			break;
		if (waited >= PROBE_WAIT_S) {
			char *argv[3] = { "scancel", id, NULL };

			run_wait(s, argv, NULL, NULL);
			*cause = xasprintf(
			    "the start-up probe, Slurm job %s, is still %s "
			    "after %d s (%s): Wayfinder cannot check that the "
			    "nodes share %s; try again when the cluster has "
			    "room, or choose a partition (executor: "
			    "partition:)",
			    id, state != NULL ? state : "unknown", PROBE_WAIT_S,
			    ok && strchr(text, '|') != NULL ?
				strchr(text, '|') + 1 :
				"no reason given",
			    state_dir);
			goto out;
		}
	}
	{
		char *argv[6] = { "scontrol", "show", "job", "-o", id, NULL };

		free(text);
		text = NULL;
		if (run_wait(s, argv, &text, NULL) == 0) {
			free(state);
			state = kv_value(text, "JobState");
			code = kv_value(text, "ExitCode");
			node = kv_value(text, "NodeList");
			reason = kv_value(text, "Reason");
		}
	}
	free(text);
	text = files_read(status, &len);
	got = files_read(out, &len);
	if (text != NULL && strstr(text, "\nexit=0 ") != NULL && got != NULL &&
	    strncmp(got, token, strlen(token)) == 0) {
		if ((why = strstr(text, " sandbox=")) != NULL)
			s->probe_sandbox =
			    xstrndup(why + 9, strcspn(why + 9, "\n"));
		rc = 0;
		goto out;
	}
	if (code != NULL && strncmp(code, "3:", 2) == 0)
		*cause = xasprintf("node %s has no %s (the start-up probe, "
				   "Slurm job %s, could not run it): install "
				   "Wayfinder at the same path on the nodes, "
				   "or set WAYFINDER_EXEC to a shim they have",
		    node != NULL ? node : "?", exec_shim_path(), id);
	else if (text != NULL && strstr(text, "error=") != NULL) {
		why = first_line(strstr(text, "error=") + 6);
		*cause = xasprintf("the start-up probe, Slurm job %s on node "
				   "%s, failed: %s",
		    id, node != NULL ? node : "?", why);
		free(why);
	} else if (text != NULL)
		*cause = xasprintf("the start-up probe, Slurm job %s on node "
				   "%s, could not read the marker %s this "
				   "host wrote: the state directory %s must "
				   "be shared with the nodes, at the same path",
		    id, node != NULL ? node : "?", marker, state_dir);
	else if (state != NULL && strcmp(state, "COMPLETED") != 0 &&
	    strcmp(state, "FAILED") != 0)
		*cause = xasprintf("the start-up probe, Slurm job %s, ended %s "
				   "(%s) before it could check that the nodes "
				   "share %s",
		    id, state, reason != NULL ? reason : "no reason given",
		    state_dir);
	else
		*cause = xasprintf("the start-up probe, Slurm job %s, ran on "
				   "node %s (%s, exit code %s) but nothing it "
				   "wrote reached this host: the state "
				   "directory %s must be on a file system the "
				   "nodes share, at the same path (see "
				   "EXECUTOR in wayfinder.yaml(5))",
		    id, node != NULL ? node : "?",
		    state != NULL ? state : "unknown",
		    code != NULL ? code : "unknown", state_dir);
out:
	argv_free(a.v);
	unlink(marker);
	unlink(request);
	unlink(status);
	unlink(out);
	unlink(err);
	unlink(script);
	free(marker);
	free(request);
	free(status);
	free(out);
	free(err);
	free(script);
	free(sout);
	free(serr);
	free(text);
	free(state);
	free(code);
	free(node);
	free(reason);
	free(got);
	return rc;
}

struct slurm *
slurm_new(uv_loop_t *loop, const struct execspec *x, const char *state_dir,
    const char *expdir, int sandbox, char **cause)
{
	struct slurm *s;
	struct node *nodes = NULL;
	struct argv a = { NULL, 0 };
	struct buf b = BUF_INIT;
	char *err = NULL, *config = NULL, *task, *track, *p, *why;
	const char *slash;
	size_t n = 0, i, cpus = 0, left;
	int rc;

	s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->x = x;
	s->ns = sandbox;
	s->dir = xasprintf("%s/slurm", expdir);
	slash = strrchr(expdir, '/');
	s->tag = xstrdup(slash != NULL ? slash + 1 : expdir);
	s->ledger = xasprintf("%s/submitted", s->dir);

	if ((rc = list_nodes(s, x, &nodes, &n, &err)) != 0 || n == 0) {
		why = first_line(err);
		if (rc == 127)
			*cause = xasprintf("the slurm executor needs Slurm's "
					   "commands (sinfo, sbatch, squeue, "
					   "scontrol, scancel): %s",
			    why);
		else if (rc != 0)
			*cause =
			    xasprintf("Slurm does not answer (sinfo: %s)", why);
		else if (x->partition != NULL)
			*cause = xasprintf("Slurm lists no node in partition "
					   "'%s'",
			    x->partition);
		else
			*cause = xstrdup("Slurm lists no node");
		free(why);
		goto fail;
	}
	arg_add(&a, xstrdup("scontrol"));
	arg_add(&a, xstrdup("show"));
	arg_add(&a, xstrdup("config"));
	run_wait(s, a.v, &config, NULL);
	argv_free(a.v);
	task = config_value(config, "TaskPlugin");
	track = config_value(config, "ProctrackType");
	free(config);
	s->protections = xasprintf("slurm:%s+%s", task, track);
	for (p = s->protections; *p != '\0'; p++)
		if (*p == ',' || *p == ' ')
			*p = '+';

	/* A crashed run's jobs would write into this run's directories. */
	left = cancel_leftovers(s);
	if (files_rmtree(s->dir) != 0 || files_mkdirs(s->dir, 0700) != 0) {
		*cause =
		    xasprintf("cannot prepare %s: %s", s->dir, strerror(errno));
		free(task);
		free(track);
		goto fail;
	}
	if (probe(s, state_dir, cause) != 0) {
		free(task);
		free(track);
		goto fail;
	}

	buf_printf(&b, "executor: slurm%s%s: %zu node%s:",
	    x->partition != NULL ? ", partition " : "",
	    x->partition != NULL ? x->partition : "", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s %s (%d CPU%s, %s)", i > 0 ? "," : "",
		    nodes[i].name, nodes[i].cpus, nodes[i].cpus == 1 ? "" : "s",
		    nodes[i].state);
		cpus += (size_t)nodes[i].cpus;
		if (i == 15 && n > 17) {
			buf_printf(&b, " and %zu more", n - 16);
			break;
		}
	}
	buf_printf(&b,
	    "; jobs run under Slurm's confinement (TaskPlugin %s, "
	    "ProctrackType %s): no local cgroups or resctrl; ",
	    task, track);
	if (!s->ns)
		buf_adds(&b, "no namespaces (--no-sandbox); ");
	else if (s->probe_sandbox != NULL &&
	    strncmp(s->probe_sandbox, "ns:", 3) == 0)
		buf_adds(&b,
		    "the shim makes the jobs' namespaces on the node "
		    "(the start-up probe's: mount, pid, ipc, uts, a private "
		    "/tmp, and net when a stage says network: none); ");
	else
		buf_printf(&b,
		    "the node does not let the shim make namespaces (%s): "
		    "no private /tmp or PID namespace, and network: none is "
		    "not in force; ",
		    s->probe_sandbox != NULL ? s->probe_sandbox : "unknown");
	buf_printf(&b,
	    "a memory limit becomes --mem (and an rlimit), isolation "
	    "levels become --hint=nomultithread (core) or --exclusive "
	    "(cache, socket, full); the start-up probe saw the state "
	    "directory %s shared with the nodes",
	    state_dir);
	if (left > 0)
		buf_printf(&b,
		    "; cancelled %zu job%s a crashed run left queued", left,
		    left == 1 ? "" : "s");
	s->notice = buf_steal(&b);
	free(task);
	free(track);
	nodes_free(nodes, n);
	free(err);
	return s;
fail:
	nodes_free(nodes, n);
	free(err);
	/* Nothing is left on the loop: free at once. */
	s->closing = 1;
	s->timer_closed = 1;
	maybe_free(s);
	return NULL;
}

int
slurm_check(struct slurm *s, const struct spec *spec, char **cause)
{
	const struct stagespec *st[2] = { &spec->build, &spec->test };
	struct argv a = { NULL, 0 };
	char *err = NULL, *why;
	int i, rc = 0;

	for (i = 0; i < 2 && rc == 0; i++) {
		if (!st[i]->present)
			continue;
		arg_add(&a, xstrdup("sbatch"));
		arg_add(&a, xstrdup("--test-only"));
		job_args(&a, s->x, st[i]->cores, st[i]->memory, st[i]->timeout,
		    (int)st[i]->isolation);
		arg_add(&a, xstrdup("--wrap=true"));
		if (run_wait(s, a.v, NULL, &err) != 0) {
			why = first_line(err);
			*cause =
			    xasprintf("a %s job (%d CPU%s, isolation %s%s) "
				      "cannot run on the cluster: %s",
				i == 0 ? "build" : "test", st[i]->cores,
				st[i]->cores == 1 ? "" : "s",
				spec_isolation_name(st[i]->isolation),
				st[i]->memory > 0 ? ", with its memory" : "",
				why);
			free(why);
			rc = -1;
		}
		free(err);
		err = NULL;
		argv_free(a.v);
		a.v = NULL;
		a.n = 0;
	}
	return rc;
}

const char *
slurm_protections(const struct slurm *s)
{
	return s->protections;
}

const char *
slurm_notice(const struct slurm *s)
{
	return s->notice;
}

static void
maybe_free(struct slurm *s)
{
	struct sjob *j, *next;

	if (!s->closing || !s->timer_closed || s->ncmds > 0)
		return;
	for (j = s->jobs; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
	free(s->dir);
	free(s->tag);
	free(s->ledger);
	free(s->protections);
	free(s->probe_sandbox);
	free(s->notice);
	free(s);
}

static void
timer_closed(uv_handle_t *h)
{
	struct slurm *s = h->data;

	s->timer_closed = 1;
	maybe_free(s);
}

void
slurm_close(struct slurm *s)
{
	if (s == NULL || s->closing)
		return;
	s->closing = 1;
	/* Every job ended: a later run has nothing to cancel. */
	if (s->jobs == NULL)
		unlink(s->ledger);
	if (s->have_timer)
		uv_close((uv_handle_t *)&s->timer, timer_closed);
	else {
		s->timer_closed = 1;
		maybe_free(s);
	}
}
