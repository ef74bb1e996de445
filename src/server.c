/*
 * The daemon: hosts the engine for the experiments its clients submit,
 * one experiment at a time (they would fight over the CPUs otherwise),
 * the others queued in submission order, and keeps going with no client
 * attached. Clients connect to a Unix socket in a per-user 0700
 * directory; every peer's uid is checked. Each running experiment's
 * engine has a thread of its own with its own loop and store connection
 * (the engine is single-threaded); its reports come to the daemon's loop
 * through a queue and an async handle and go out to the clients that
 * subscribed. What the daemon was asked to run is kept in the store, so
 * a daemon started after a crash resumes it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "buf.h"
#include "proto.h"
#include "runner.h"
#include "server.h"
#include "space.h"
#include "state.h"
#include "store.h"
#include "topo.h"
#include "xmalloc.h"

struct server;

/* A client connection. */
struct session {
	struct server *sv;
	uv_pipe_t pipe;
	struct proto_reader rd;
	int hello;
	int64_t sub;     /* -1: not subscribed; 0: every experiment */
	int sub_samples; /* and the live samples */
	int closing;
	struct session *next;
};

enum entry_state { E_QUEUED, E_RUNNING };

/* An experiment the daemon runs or will run. */
struct entry {
	struct server *sv;
	int64_t exp;
	json_t *args; /* the submission */
	enum entry_state st;
	struct runner *rn;
	struct engine_ctl *ctl;
	uv_thread_t thread;
	int maximize;
	json_t *progress;    /* the latest progress event */
	json_t *jobs;        /* job.start of each running job, by job id: for
			     a client that subscribes later (the TUI) */
	uint64_t default_id; /* of the default configuration; 0: not yet */
	struct entry *next;
};

struct server {
	uv_loop_t loop;
	char *state;
	struct store *store; /* this thread's */
	uv_pipe_t listener;
	uv_signal_t sig[2];
	uv_async_t wake;
	uv_mutex_t lock;
	json_t *inbox; /* events from engine threads (under lock) */
	struct session *sessions;
	struct entry *entries; /* the running one first, then the queue */
	int shutting;
	int foreground;
};

static void
server_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
server_log(const char *fmt, ...)
{
	char when[32];
	time_t now = time(NULL);
	va_list ap;

	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
	fprintf(stderr, "%s wayfinder daemon[%d]: ", when, (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* ---- sending ---- */

static void
on_written(uv_write_t *w, int status)
{
	(void)status;
	free(w->data);
	free(w);
}

static void
on_session_close(uv_handle_t *h)
{
	struct session *c = h->data;

	proto_reader_free(&c->rd);
	free(c);
}

static void
session_close(struct session *c)
{
	struct session **pp;

	if (c->closing)
		return;
	c->closing = 1;
	for (pp = &c->sv->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	uv_close((uv_handle_t *)&c->pipe, on_session_close);
}

/* Queues msg to a client; a client that cannot keep up (over 8 MiB
 * waiting) is dropped rather than growing the daemon without bound. */
static void
send_msg(struct session *c, const json_t *msg)
{
	uv_write_t *w;
	uv_buf_t b;
	char *line;

	if (c->closing)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) >
	    8 * 1024 * 1024) {
		server_log("a client does not read its events: dropped");
		session_close(c);
		return;
	}
	line = proto_encode(msg);
	w = xcalloc(1, sizeof *w);
	w->data = line;
	b = uv_buf_init(line, (unsigned)strlen(line));
	if (uv_write(w, (uv_stream_t *)&c->pipe, &b, 1, on_written) != 0) {
		free(line);
		free(w);
		session_close(c);
	}
}

static void reply_error(struct session *c, json_int_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reply_error(struct session *c, json_int_t id, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	json_t *m;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	m = json_pack("{ssss}", "type", "error", "message", msg);
	if (id > 0)
		json_object_set_new(m, "id", json_integer(id));
	send_msg(c, m);
	json_decref(m);
	free(msg);
}

/* An event to every client subscribed to it. */
static void
broadcast(struct server *sv, json_t *ev)
{
	struct session *c, *next;
	json_int_t exp = json_integer_value(json_object_get(ev, "experiment"));
	const char *kind = json_string_value(json_object_get(ev, "kind"));
	int sample = kind != NULL && strcmp(kind, "sample") == 0;

	for (c = sv->sessions; c != NULL; c = next) {
		next = c->next;
		if (c->sub < 0 || (c->sub != 0 && c->sub != exp) ||
		    (sample && !c->sub_samples))
			continue;
		send_msg(c, ev);
	}
}

static json_t *
event_new(int64_t exp, const char *kind)
{
	return json_pack("{sssIss}", "type", "event", "experiment",
	    (json_int_t)exp, "kind", kind);
}

static void
broadcast_state(struct server *sv, int64_t exp, const char *state,
    const char *reason)
{
	json_t *ev = event_new(exp, "state");

	json_object_set_new(ev, "state", json_string(state));
	if (reason != NULL)
		json_object_set_new(ev, "reason", json_string(reason));
	broadcast(sv, ev);
	json_decref(ev);
}

/* ---- the engine's thread ---- */

/* Hands an event to the daemon's loop. */
static void
post(struct entry *en, json_t *ev)
{
	struct server *sv = en->sv;

	uv_mutex_lock(&sv->lock);
	json_array_append_new(sv->inbox, ev);
	uv_mutex_unlock(&sv->lock);
	uv_async_send(&sv->wake);
}

static json_t *
cpus_json(const int *cpus, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer(cpus[i]));
	return a;
}

static json_t *
progress_json(int64_t exp, const struct engine_progress *p)
{
	json_t *ev = event_new(exp, "progress");

	json_object_set_new(ev, "budget", json_integer((json_int_t)p->budget));
	json_object_set_new(ev, "proposed",
	    json_integer((json_int_t)p->proposed));
	json_object_set_new(ev, "done", json_integer((json_int_t)p->done));
	json_object_set_new(ev, "failed", json_integer((json_int_t)p->failed));
	json_object_set_new(ev, "lost", json_integer((json_int_t)p->lost));
	json_object_set_new(ev, "running",
	    json_integer((json_int_t)p->running));
	json_object_set_new(ev, "queued", json_integer((json_int_t)p->queued));
	if (p->have_best) {
		json_object_set_new(ev, "best", json_real(p->best));
		json_object_set_new(ev, "best_trial",
		    json_integer((json_int_t)p->best_seq));
	}
	json_object_set_new(ev, "elapsed", json_real(p->elapsed));
	if (p->eta >= 0)
		json_object_set_new(ev, "eta", json_real(p->eta));
	json_object_set_new(ev, "stopping", json_boolean(p->stopping));
	return ev;
}

static void
thread_say(void *arg, const char *line)
{
	struct entry *en = arg;
	json_t *ev = event_new(en->exp, "line");

	json_object_set_new(ev, "text", json_string(line));
	post(en, ev);
}

static double
wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
thread_report(const struct engine_report *r, void *arg)
{
	struct entry *en = arg;
	const struct engine_job *j = r->job;
	const struct engine_sample *s = r->sample;
	json_t *ev = NULL, *v;
	char *cfg;
	size_t i;

	switch (r->kind) {
	case ENGINE_TICK:
		break;
	case ENGINE_NOTICE:
		ev = event_new(en->exp, "notice");
		json_object_set_new(ev, "text", json_string(r->text));
		break;
	case ENGINE_TRIAL_DONE:
	case ENGINE_TRIAL_FAILED:
	case ENGINE_TRIAL_LOST:
		ev = event_new(en->exp,
		    r->kind == ENGINE_TRIAL_DONE     ? "trial.done" :
			r->kind == ENGINE_TRIAL_LOST ? "trial.lost" :
						       "trial.failed");
		json_object_set_new(ev, "trial", json_integer(r->seq));
		if (en->default_id == 0) {
			struct config *d = space_default(runner_space(en->rn));

			en->default_id = d->id;
			free(d);
		}
		/* The default configuration: the baseline. */
		json_object_set_new(ev, "baseline",
		    json_boolean(r->cfg->id == en->default_id));
		cfg = space_config_text(runner_space(en->rn), r->cfg);
		json_object_set_new(ev, "config", json_string(cfg));
		free(cfg);
		if (r->kind == ENGINE_TRIAL_DONE) {
			json_object_set_new(ev, "value", json_real(r->value));
			json_object_set_new(ev, "best",
			    json_boolean(r->progress->best_seq == r->seq));
		} else
			json_object_set_new(ev, "reason", json_string(r->text));
		break;
	case ENGINE_JOB_START:
	case ENGINE_JOB_END:
		ev = event_new(en->exp,
		    r->kind == ENGINE_JOB_START ? "job.start" : "job.end");
		json_object_set_new(ev, "job", json_integer(j->job));
		json_object_set_new(ev, "stage", json_string(j->kind));
		json_object_set_new(ev, "trial", json_integer(j->trial));
		json_object_set_new(ev, "iteration",
		    json_integer(j->iteration));
		json_object_set_new(ev, "warmup", json_boolean(j->warmup));
		json_object_set_new(ev, "cpus", cpus_json(j->cpus, j->ncpus));
		if (j->node != NULL && *j->node != '\0')
			json_object_set_new(ev, "node", json_string(j->node));
		if (r->kind == ENGINE_JOB_START) {
			json_object_set_new(ev, "config",
			    json_string(j->config));
			json_object_set_new(ev, "started",
			    json_real(wall_clock()));
			if (j->out != NULL)
				json_object_set_new(ev, "out",
				    json_string(j->out));
			if (j->err != NULL)
				json_object_set_new(ev, "err",
				    json_string(j->err));
		} else {
			json_object_set_new(ev, "state", json_string(j->state));
			json_object_set_new(ev, "wall_ms",
			    json_real(j->wall_ms));
		}
		break;
	case ENGINE_SAMPLE:
		ev = event_new(en->exp, "sample");
		json_object_set_new(ev, "job", json_integer(s->job));
		json_object_set_new(ev, "stage", json_string(s->kind));
		json_object_set_new(ev, "trial", json_integer(s->trial));
		json_object_set_new(ev, "iteration",
		    json_integer(s->iteration));
		json_object_set_new(ev, "cpus", cpus_json(s->cpus, s->ncpus));
		json_object_set_new(ev, "t_ms", json_real(s->t_ms));
		v = json_object();
		for (i = 0; i < s->n; i++)
			json_object_set_new(v, s->names[i],
			    isnan(s->values[i]) ? json_null() :
						  json_real(s->values[i]));
		json_object_set_new(ev, "values", v);
		break;
	}
	if (ev != NULL)
		post(en, ev);
	/* Progress with every tick and every trial's end. */
	if (r->kind == ENGINE_TICK || r->kind == ENGINE_TRIAL_DONE ||
	    r->kind == ENGINE_TRIAL_FAILED || r->kind == ENGINE_TRIAL_LOST)
		post(en, progress_json(en->exp, r->progress));
}

static void
engine_thread(void *arg)
{
	struct entry *en = arg;
	struct runner_hooks h;
	struct engine_progress prog;
	enum engine_end end = ENGINE_INTERRUPTED;
	enum runner_status st;
	char *cause = NULL;
	json_t *ev;

	memset(&h, 0, sizeof h);
	h.say = thread_say;
	h.report = thread_report;
	h.arg = en;
	h.ctl = en->ctl;
	h.no_signals = 1;
	st = runner_run(en->rn, &h, &end, &prog, &cause);
	/* The daemon's loop takes it from here (see ended()). */
	ev = event_new(en->exp, "ended");
	json_object_set_new(ev, "state",
	    json_string(st != RUNNER_OK  ? "interrupted" :
		    end == ENGINE_DONE   ? "done" :
		    end == ENGINE_PAUSED ? "paused" :
					   "interrupted"));
	if (cause != NULL)
		json_object_set_new(ev, "reason", json_string(cause));
	free(cause);
	post(en, ev);
}

/* ---- the queue ---- */

static struct entry *
entry_find(struct server *sv, int64_t exp)
{
	struct entry *en;

	for (en = sv->entries; en != NULL; en = en->next)
		if (en->exp == exp)
			return en;
	return NULL;
}

static void
entry_free(struct entry *en)
{
	runner_free(en->rn);
	engine_ctl_free(en->ctl);
	json_decref(en->args);
	json_decref(en->progress);
	json_decref(en->jobs);
	free(en);
}

static void
entry_remove(struct server *sv, struct entry *en)
{
	struct entry **pp;

	for (pp = &sv->entries; *pp != NULL; pp = &(*pp)->next)
		if (*pp == en) {
			*pp = en->next;
			break;
		}
	entry_free(en);
}

/* Starts the first queued experiment when none runs. */
static void
schedule(struct server *sv)
{
	struct entry *en;

	if (sv->shutting)
		return;
	for (en = sv->entries; en != NULL; en = en->next)
		if (en->st == E_RUNNING)
			return;
	if ((en = sv->entries) == NULL)
		return;
	en->st = E_RUNNING;
	en->ctl = engine_ctl_new();
	store_experiment_set_state(sv->store, en->exp, "running");
	if (uv_thread_create(&en->thread, engine_thread, en) != 0) {
		server_log("experiment %lld: cannot start a thread",
		    (long long)en->exp);
		store_experiment_set_state(sv->store, en->exp, "interrupted");
		entry_remove(sv, en);
		return;
	}
	server_log("experiment %lld: running", (long long)en->exp);
	broadcast_state(sv, en->exp, "running", NULL);
}

/* An engine's thread said it is over. */
static void
ended(struct server *sv, json_t *ev)
{
	int64_t exp = json_integer_value(json_object_get(ev, "experiment"));
	const char *state = json_string_value(json_object_get(ev, "state"));
	const char *reason = json_string_value(json_object_get(ev, "reason"));
	struct entry *en = entry_find(sv, exp);

	if (en == NULL)
		return;
	uv_thread_join(&en->thread);
	server_log("experiment %lld: %s%s%s", (long long)exp, state,
	    reason != NULL ? ": " : "", reason != NULL ? reason : "");
	/* Done, paused and stopped experiments are not resumed by a
	 * restarted daemon; one it was shut down in the middle of is. */
	if (sv->shutting && strcmp(state, "interrupted") == 0)
		store_experiment_set_state(sv->store, exp, "running");
	broadcast_state(sv, exp, state, reason);
	entry_remove(sv, en);
	schedule(sv);
}

static void
on_wake(uv_async_t *h)
{
	struct server *sv = h->data;
	json_t *inbox, *ev;
	const char *kind;
	struct entry *en;
	size_t i;

	uv_mutex_lock(&sv->lock);
	inbox = sv->inbox;
	sv->inbox = json_array();
	uv_mutex_unlock(&sv->lock);
	json_array_foreach(inbox, i, ev)
	{
		kind = json_string_value(json_object_get(ev, "kind"));
		if (strcmp(kind, "ended") == 0) {
			ended(sv, ev);
			continue;
		}
		if (strcmp(kind, "progress") == 0 &&
		    (en = entry_find(sv,
			 json_integer_value(
			     json_object_get(ev, "experiment")))) != NULL) {
			json_decref(en->progress);
			en->progress = json_incref(ev);
		}
		/* The running jobs, for clients that come later. */
		if ((strcmp(kind, "job.start") == 0 ||
			strcmp(kind, "job.end") == 0) &&
		    (en = entry_find(sv,
			 json_integer_value(
			     json_object_get(ev, "experiment")))) != NULL) {
			char key[32];

			snprintf(key, sizeof key, "%lld",
			    (long long)json_integer_value(
				json_object_get(ev, "job")));
			if (en->jobs == NULL)
				en->jobs = json_object();
			if (kind[4] == 's')
				json_object_set(en->jobs, key, ev);
			else
				json_object_del(en->jobs, key);
		}
		broadcast(sv, ev);
	}
	json_decref(inbox);
	if (sv->shutting && sv->entries == NULL)
		uv_stop(&sv->loop);
}

/*
 * A submission (or a resumption, with experiment set): prepared at once
 * so that spec errors go back to the client, queued, started when
 * nothing runs. Returns the entry, or NULL with *msg (and diagnostics in
 * *diags when the spec has errors).
 */
static struct entry *
enqueue(struct server *sv, json_t *args, int64_t experiment, char **msg,
    json_t **diags, int *complete, int *status)
{
	struct runner_request q;
	struct spec_option *opts = NULL;
	struct diags d = { NULL, 0, 0 };
	struct runner *rn = NULL;
	struct entry *en, **pp;
	json_t *o, *v;
	size_t i, n = 0;
	char *cause = NULL, *text;
	enum runner_status st;

	*msg = NULL;
	*diags = NULL;
	*complete = 0;
	*status = RUNNER_USAGE;
	memset(&q, 0, sizeof q);
	q.spec = json_string_value(json_object_get(args, "spec"));
	if (q.spec == NULL || *q.spec != '/') {
		*msg = xstrdup("the spec must be given by its absolute path");
		return NULL;
	}
	q.strategy = json_string_value(json_object_get(args, "strategy"));
	o = json_object_get(args, "options");
	opts = xcalloc(json_array_size(o) + 1, sizeof *opts);
	json_array_foreach(o, i, v)
	{
		const char *name =
		    json_string_value(json_object_get(v, "name"));
		const char *value =
		    json_string_value(json_object_get(v, "value"));

		if (name == NULL || value == NULL) {
			*msg = xstrdup("an option needs a name and a value");
			goto out;
		}
		opts[n].name = (char *)name;
		opts[n].value = (char *)value;
		n++;
	}
	q.options = opts;
	q.noptions = n;
	if ((v = json_object_get(args, "budget")) != NULL)
		q.budget = (uint64_t)json_integer_value(v);
	if ((v = json_object_get(args, "seed")) != NULL) {
		q.seed = (uint64_t)json_integer_value(v);
		q.seeded = 1;
	}
	if ((v = json_object_get(args, "jobs")) != NULL)
		q.jobs = (uint64_t)json_integer_value(v);
	q.fresh = json_is_true(json_object_get(args, "new"));
	q.cpus = json_string_value(json_object_get(args, "cpus"));
	q.reserve = json_string_value(json_object_get(args, "reserve"));
	q.no_sandbox = json_is_true(json_object_get(args, "no_sandbox"));
	q.state = sv->state;
	q.experiment = experiment;
	q.cwd = json_string_value(json_object_get(args, "cwd"));
	q.executor = -1;
	if ((v = json_object_get(args, "executor")) != NULL)
		q.executor = strcmp(json_string_value(v), "slurm") == 0 ?
		    EXECUTOR_SLURM :
		    EXECUTOR_LOCAL;
	st = runner_prepare(&q, &rn, &d, &cause);
	*status = (int)st;
	if (st != RUNNER_OK) {
		*diags = json_array();
		for (i = 0; i < d.n; i++) {
			text = diag_format(&d.v[i]);
			json_array_append_new(*diags, json_string(text));
			free(text);
		}
		*msg = cause != NULL ?
		    cause :
		    xasprintf("%s: %zu error%s", q.spec, d.nerrors,
			d.nerrors == 1 ? "" : "s");
		cause = NULL;
		goto out;
	}
	if (runner_complete(rn)) {
		*complete = 1;
		en = xcalloc(1, sizeof *en);
		en->exp = runner_experiment(rn);
		en->rn = rn;
		en->args = json_incref(args);
		goto out_entry; /* the caller frees it */
	}
	if ((en = entry_find(sv, runner_experiment(rn))) != NULL) {
		runner_free(rn); /* already there */
		goto out_entry;
	}
	en = xcalloc(1, sizeof *en);
	en->sv = sv;
	en->exp = runner_experiment(rn);
	en->rn = rn;
	en->args = json_incref(args);
	en->maximize = runner_spec(rn)->direction == DIR_MAXIMIZE;
	for (pp = &sv->entries; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = en;
	/* Kept so that a daemon started after a crash can resume it. */
	o = json_deep_copy(args);
	json_object_del(o, "id");
	json_object_del(o, "type");
	json_object_del(o, "new"); /* resuming continues this one */
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	store_experiment_set_args(sv->store, en->exp, text);
	store_experiment_set_state(sv->store, en->exp, "queued");
	free(text);
	json_decref(o);
	schedule(sv);
	if (en->st == E_QUEUED)
		broadcast_state(sv, en->exp, "queued", NULL);
out_entry:
	diag_free(&d);
	free(opts);
	return en;
out:
	diag_free(&d);
	free(opts);
	free(cause);
	return NULL;
}

/* ---- requests ---- */

/* The experiment a request names: an id, or a name (its latest). */
static int64_t
experiment_of(struct server *sv, const json_t *v)
{
	char text[32];

	if (json_is_integer(v)) {
		snprintf(text, sizeof text, "%lld",
		    (long long)json_integer_value(v));
		return store_experiment_lookup(sv->store, text);
	}
	return store_experiment_lookup(sv->store, json_string_value(v));
}

static void
do_submit(struct session *c, json_t *msg, json_int_t id)
{
	struct entry *en;
	json_t *diags, *ok;
	char *why;
	int complete, status;

	if ((en = enqueue(c->sv, msg, 0, &why, &diags, &complete, &status)) ==
	    NULL) {
		ok = json_pack("{sssIsssi}", "type", "error", "id", id,
		    "message", why, "status", status);
		if (diags != NULL && json_array_size(diags) > 0)
			json_object_set(ok, "diagnostics", diags);
		send_msg(c, ok);
		json_decref(ok);
		json_decref(diags);
		free(why);
		return;
	}
	json_decref(diags);
	ok = json_pack("{sssIsIssss}", "type", "ok", "id", id, "experiment",
	    (json_int_t)en->exp, "name", runner_spec(en->rn)->name, "state",
	    complete                ? "done" :
		en->st == E_RUNNING ? "running" :
				      "queued");
	send_msg(c, ok);
	json_decref(ok);
	if (complete)
		entry_free(en);
}

static void
do_control(struct session *c, json_t *msg, json_int_t id, const char *type)
{
	struct server *sv = c->sv;
	struct store_experiment ex;
	struct store_daemon_exp *v;
	struct entry *en;
	const char *args = NULL;
	json_t *a, *diags, *ok;
	json_error_t je;
	int64_t exp;
	size_t i, n;
	char *why;
	int complete, status;

	exp = experiment_of(sv, json_object_get(msg, "experiment"));
	if (exp == 0 || store_experiment_get(sv->store, exp, &ex) != 0) {
		reply_error(c, id, "no such experiment");
		return;
	}
	en = entry_find(sv, exp);
	if (strcmp(type, "resume") == 0) {
		if (en != NULL) {
			if (en->st == E_RUNNING)
				engine_ctl_send(en->ctl, ENGINE_CMD_RESUME);
		} else if (strcmp(ex.state, "done") == 0) {
			reply_error(c, id, "experiment %lld is done",
			    (long long)exp);
			store_experiment_clear(&ex);
			return;
		} else {
			store_daemon_experiments(sv->store, &v, &n);
			for (i = 0; i < n; i++)
				if (v[i].id == exp)
					args = v[i].args;
			a = args != NULL ? json_loads(args, 0, &je) : NULL;
			store_daemon_experiments_free(v, n);
			if (a == NULL) {
				reply_error(c, id,
				    "experiment %lld was not run by the "
				    "daemon: go on with wayfinder run %s",
				    (long long)exp, ex.spec_path);
				store_experiment_clear(&ex);
				return;
			}
			en = enqueue(sv, a, exp, &why, &diags, &complete,
			    &status);
			json_decref(a);
			json_decref(diags);
			if (en == NULL) {
				reply_error(c, id, "%s", why);
				free(why);
				store_experiment_clear(&ex);
				return;
			}
			if (complete)
				entry_free(en);
		}
	} else if (en == NULL) {
		reply_error(c, id, "experiment %lld is %s, not running",
		    (long long)exp, ex.state);
		store_experiment_clear(&ex);
		return;
	} else if (en->st == E_QUEUED) {
		/* Never started: it leaves the queue. */
		store_experiment_set_state(sv->store, exp,
		    strcmp(type, "pause") == 0 ? "paused" : "interrupted");
		broadcast_state(sv, exp,
		    strcmp(type, "pause") == 0 ? "paused" : "interrupted",
		    NULL);
		entry_remove(sv, en);
	} else
		engine_ctl_send(en->ctl,
		    strcmp(type, "pause") == 0 ? ENGINE_CMD_PAUSE :
						 ENGINE_CMD_STOP);
	store_experiment_clear(&ex);
	ok = json_pack("{sssIsI}", "type", "ok", "id", id, "experiment",
	    (json_int_t)exp);
	send_msg(c, ok);
	json_decref(ok);
}

static void
do_status(struct session *c, json_int_t id)
{
	struct server *sv = c->sv;
	struct store_experiment *v;
	struct store_progress p;
	struct entry *en;
	struct store_daemon_exp *dv;
	size_t n, i, k, nd;
	json_t *list = json_array(), *o, *ok, *pv;
	int daemon;

	store_experiments(sv->store, &v, &n);
	store_daemon_experiments(sv->store, &dv, &nd);
	for (i = 0; i < n; i++) {
		store_experiment_progress(sv->store, v[i].id,
		    strcmp(v[i].direction, "maximize") == 0, &p);
		for (daemon = 0, k = 0; k < nd; k++)
			daemon |= dv[k].id == v[i].id;
		o = json_pack("{sIsssssssssIsIsI}", "id", (json_int_t)v[i].id,
		    "name", v[i].name, "spec", v[i].spec_path, "strategy",
		    v[i].strategy, "state", v[i].state, "budget",
		    (json_int_t)v[i].budget, "done", (json_int_t)p.done,
		    "failed", (json_int_t)p.failed);
		json_object_set_new(o, "lost",
		    json_integer((json_int_t)p.lost));
		json_object_set_new(o, "objective",
		    json_string(v[i].objective));
		json_object_set_new(o, "direction",
		    json_string(v[i].direction));
		json_object_set_new(o, "daemon", json_boolean(daemon));
		json_object_set_new(o, "created", json_real(v[i].created));
		if (p.have_best) {
			json_object_set_new(o, "best", json_real(p.best));
			json_object_set_new(o, "best_trial",
			    json_integer(p.best_seq));
		}
		en = entry_find(sv, v[i].id);
		json_object_set_new(o, "running",
		    json_integer(en != NULL && en->progress != NULL ?
			    json_integer_value(
				json_object_get(en->progress, "running")) :
			    0));
		if (en != NULL && en->progress != NULL &&
		    (pv = json_object_get(en->progress, "eta")) != NULL)
			json_object_set(o, "eta", pv);
		json_array_append_new(list, o);
	}
	store_daemon_experiments_free(dv, nd);
	for (i = 0; i < n; i++)
		store_experiment_clear(&v[i]);
	free(v);
	ok = json_pack("{sssIso}", "type", "ok", "id", id, "experiments", list);
	send_msg(c, ok);
	json_decref(ok);
}

static void
do_topology(struct session *c, json_int_t id)
{
	static const char *const why[] = { NULL, "disallowed", "not listed",
		"reserved" };
	struct topo *t = NULL;
	json_t *pus, *o, *ok;
	char *cause = NULL;
	size_t i;

	if (topo_load(NULL, &t, &cause) != 0 ||
	    topo_restrict(t, NULL, NULL, &cause) != 0) {
		reply_error(c, id, "%s", cause);
		free(cause);
		topo_free(t);
		return;
	}
	pus = json_array();
	for (i = 0; i < t->npus; i++) {
		const struct topo_pu *p = &t->pus[i];

		o = json_pack("{sisisisisisb}", "os", p->os, "core", p->core,
		    "llc", p->llc, "package", p->pkg, "numa", p->numa, "usable",
		    p->usable);
		if (!p->usable && p->reason > 0 && p->reason < 4)
			json_object_set_new(o, "why",
			    json_string(why[p->reason]));
		json_array_append_new(pus, o);
	}
	ok = json_pack("{sssIsssssO}", "type", "ok", "id", id, "source",
	    t->source, "llc", t->llc_name, "pus", pus);
	json_decref(pus);
	send_msg(c, ok);
	json_decref(ok);
	topo_free(t);
}

static void shutdown_server(struct server *);

/* To a client that just subscribed: the latest progress and the jobs
 * running now, as the events that said so, so that it need not wait
 * for the next ones to show them. */
static void
replay(struct session *c)
{
	struct entry *en;
	const char *key;
	json_t *ev;

	for (en = c->sv->entries; en != NULL; en = en->next) {
		if (c->sub != 0 && c->sub != en->exp)
			continue;
		if (en->progress != NULL)
			send_msg(c, en->progress);
		json_object_foreach(en->jobs, key, ev) send_msg(c, ev);
	}
}

static void
handle(struct session *c, json_t *msg)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	json_int_t id = json_integer_value(json_object_get(msg, "id"));
	json_t *m;
	char *why;

	if (proto_check(msg, 1, &why) != 0) {
		reply_error(c, id, "%s", why);
		free(why);
		return;
	}
	if (!c->hello) {
		json_int_t v =
		    json_integer_value(json_object_get(msg, "version"));

		if (strcmp(type, "hello") != 0) {
			reply_error(c, 0, "hello first");
			session_close(c);
			return;
		}
		if (v != PROTO_VERSION) {
			reply_error(c, 0,
			    "this daemon speaks protocol version %d, the "
			    "client %lld: use the same wayfinder for both "
			    "(wayfinder daemon --stop stops this one)",
			    PROTO_VERSION, (long long)v);
			session_close(c);
			return;
		}
		c->hello = 1;
		m = json_pack("{sssisiss}", "type", "hello", "version",
		    PROTO_VERSION, "pid", (int)getpid(), "state", c->sv->state);
		send_msg(c, m);
		json_decref(m);
		return;
	}
	if (strcmp(type, "submit") == 0)
		do_submit(c, msg, id);
	else if (strcmp(type, "pause") == 0 || strcmp(type, "resume") == 0 ||
	    strcmp(type, "stop") == 0)
		do_control(c, msg, id, type);
	else if (strcmp(type, "subscribe") == 0) {
		c->sub = json_integer_value(json_object_get(msg, "experiment"));
		c->sub_samples = json_is_true(json_object_get(msg, "samples"));
		m = json_pack("{sssI}", "type", "ok", "id", id);
		send_msg(c, m);
		json_decref(m);
		replay(c);
	} else if (strcmp(type, "status") == 0)
		do_status(c, id);
	else if (strcmp(type, "topology") == 0)
		do_topology(c, id);
	else if (strcmp(type, "shutdown") == 0) {
		m = json_pack("{sssI}", "type", "ok", "id", id);
		send_msg(c, m);
		json_decref(m);
		server_log("shutting down, as a client asked");
		shutdown_server(c->sv);
	} else
		reply_error(c, id, "'%s' is not a request", type);
}

/* ---- connections ---- */

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	static char slab[65536];

	(void)h;
	(void)suggested;
	b->base = slab;
	b->len = sizeof slab;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct session *c = s->data;
	json_t *msg;
	char *why;
	int rc;

	if (n < 0) {
		session_close(c);
		return;
	}
	proto_reader_feed(&c->rd, b->base, (size_t)n);
	while (
	    !c->closing && (rc = proto_reader_next(&c->rd, &msg, &why)) != 0) {
		if (rc < 0) {
			reply_error(c, 0, "%s", why);
			free(why);
			if (!c->hello)
				session_close(c);
			continue;
		}
		handle(c, msg);
		json_decref(msg);
	}
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct server *sv = l->data;
	struct session *c;
	struct ucred cred;
	socklen_t len = sizeof cred;
	uv_os_fd_t fd;

	if (status != 0)
		return;
	c = xcalloc(1, sizeof *c);
	c->sv = sv;
	c->sub = -1;
	proto_reader_init(&c->rd);
	uv_pipe_init(&sv->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->next = sv->sessions;
	sv->sessions = c;
	if (uv_accept(l, (uv_stream_t *)&c->pipe) != 0) {
		session_close(c);
		return;
	}
	/* Only our own user, whatever the directory's mode says. */
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    cred.uid != geteuid()) {
		server_log("refused a connection from uid %d",
		    len == sizeof cred ? (int)cred.uid : -1);
		session_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

static void
shutdown_server(struct server *sv)
{
	struct entry *en, *next;

	if (sv->shutting)
		return;
	sv->shutting = 1;
	uv_close((uv_handle_t *)&sv->listener, NULL);
	/* The queued ones stay queued; the running one is interrupted and
	 * resumed by the next daemon. */
	for (en = sv->entries; en != NULL; en = next) {
		next = en->next;
		if (en->st == E_RUNNING)
			engine_ctl_send(en->ctl, ENGINE_CMD_STOP);
		else
			entry_remove(sv, en);
	}
	if (sv->entries == NULL)
		uv_stop(&sv->loop);
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct server *sv = h->data;

	server_log("signal %d: shutting down", signum);
	shutdown_server(sv);
}

/* Experiments a daemon was running or had queued when it died. */
static void
resume_all(struct server *sv)
{
	struct store_daemon_exp *v;
	json_error_t je;
	json_t *a, *diags;
	struct entry *en;
	size_t i, n;
	char *why;
	int pass, complete, status;

	store_daemon_experiments(sv->store, &v, &n);
	/* The one that ran first, then the queue in its order. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++) {
			if (strcmp(v[i].state,
				pass == 0 ? "running" : "queued") != 0)
				continue;
			if ((a = json_loads(v[i].args, 0, &je)) == NULL)
				continue;
			en = enqueue(sv, a, v[i].id, &why, &diags, &complete,
			    &status);
			if (en == NULL) {
				server_log("experiment %lld cannot be "
					   "resumed: %s",
				    (long long)v[i].id, why);
				store_experiment_set_state(sv->store, v[i].id,
				    "interrupted");
				free(why);
			} else {
				server_log("experiment %lld: resumed",
				    (long long)v[i].id);
				if (complete)
					entry_free(en);
			}
			json_decref(diags);
			json_decref(a);
		}
	store_daemon_experiments_free(v, n);
}

int
server_run(const char *state, int foreground, int ready_fd, char **cause)
{
	struct server sv;
	char *rundir = NULL, *sock = NULL, *lock = NULL;
	int lockfd = -1, rc = -1, i;
	static const int sigs[2] = { SIGTERM, SIGINT };

	memset(&sv, 0, sizeof sv);
	sv.state = xstrdup(state);
	sv.foreground = foreground;
	if ((rundir = proto_runtime_dir(cause)) == NULL)
		goto out;
	sock = proto_socket_path(rundir, state);
	lock = proto_lock_path(rundir, state);
	/* One daemon per state directory: whoever holds the lock. */
	if ((lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		*cause = xasprintf("%s: %s", lock, strerror(errno));
		goto out;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		*cause = xasprintf("a daemon already runs for %s", state);
		rc = 1;
		goto out;
	}
	if (state_open(state, &sv.store, cause) != 0)
		goto out;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	uv_loop_init(&sv.loop);
	uv_mutex_init(&sv.lock);
	sv.inbox = json_array();
	uv_async_init(&sv.loop, &sv.wake, on_wake);
	sv.wake.data = &sv;
	for (i = 0; i < 2; i++) {
		uv_signal_init(&sv.loop, &sv.sig[i]);
		sv.sig[i].data = &sv;
		uv_signal_start(&sv.sig[i], on_signal, sigs[i]);
	}
	unlink(sock); /* a dead daemon's: we hold the lock */
	uv_pipe_init(&sv.loop, &sv.listener, 0);
	sv.listener.data = &sv;
	if ((i = uv_pipe_bind(&sv.listener, sock)) != 0 ||
	    (i = uv_listen((uv_stream_t *)&sv.listener, 64, on_connection)) !=
		0) {
		*cause = xasprintf("%s: %s", sock, uv_strerror(i));
		uv_close((uv_handle_t *)&sv.listener, NULL);
		goto out_loop;
	}
	chmod(sock, 0600);
	server_log("serving %s on %s", state, sock);
	if (ready_fd >= 0) {
		/* Whoever started us may go: clients can connect. */
		if (write(ready_fd, "ok\n", 3) != 3) {
			/* it has gone already */
		}
		close(ready_fd);
	}
	resume_all(&sv);
	uv_run(&sv.loop, UV_RUN_DEFAULT);
	unlink(sock);
	server_log("stopped");
	rc = 0;
out_loop:
	while (sv.sessions != NULL)
		session_close(sv.sessions);
	if (!sv.shutting)
		uv_close((uv_handle_t *)&sv.listener, NULL);
	for (i = 0; i < 2; i++)
		uv_close((uv_handle_t *)&sv.sig[i], NULL);
	uv_close((uv_handle_t *)&sv.wake, NULL);
	uv_run(&sv.loop, UV_RUN_DEFAULT);
	uv_loop_close(&sv.loop);
	uv_mutex_destroy(&sv.lock);
	json_decref(sv.inbox);
out:
	store_close(sv.store);
	if (lockfd >= 0)
		close(lockfd);
	free(rundir);
	free(sock);
	free(lock);
	free(sv.state);
	return rc;
}
