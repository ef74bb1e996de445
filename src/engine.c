/*
 * The engine. Everything happens on one libuv loop: jobs end, their
 * outcome is committed to the store, the strategy is told, and pump()
 * starts whatever can start. Trials run their iterations one after the
 * other (a warm-up must precede the runs it warms); parallelism comes
 * from running several trials at once.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include <jansson.h>

#include "buf.h"
#include "cgroup.h"
#include "engine.h"
#include "exec.h"
#include "exec-slurm.h"
#include "files.h"
#include "job.h"
#include "metrics.h"
#include "plan.h"
#include "pmu.h"
#include "resctrl.h"
#include "sched.h"
#include "xmalloc.h"
#include "../strategies/strategy.h"

enum bstate { B_PENDING, B_RUNNING, B_DONE, B_FAILED };

/* Times a job lost to something outside it is run again: the spec's
 * executor: retries (3 unless it says). */
#define MAX_LOST(e) ((e)->spec->executor.retries)
/* Ended the reason of a trial given up after that in stores from before
 * the 'lost' state, which kept it failed: read as lost. */
#define LOST_MARK "given up; not the configuration's failure"

struct build {
	struct build *next;
	uint64_t key;
	char hex[17];
	int64_t id;
	char *dir;
	enum bstate state;
	char *reason;
	int lost;
	int req;    /* the scheduler's id of its build job, 0 until asked */
	int listed; /* in the request list being built */
};

struct trial {
	struct trial *next;
	int64_t id;
	int64_t seq;
	struct config *cfg;
	struct build *build; /* NULL without a build stage */
	int next_iter;       /* 1-based, warm-ups first */
	int running;         /* a job of this trial is running */
	int lost;            /* jobs lost and run again */
	int req;             /* the scheduler's id of its next job */
	int rdt_wait;        /* waits for cache ways running jobs hold */
};

/*
 * A job's live samples: points of k values after the time (ms since the
 * job began). Past SERIES_MAX points, pairs of points merge (the later
 * point of a count, the higher of a gauge) and sampling slows by half,
 * so a long job keeps a bounded, evenly spaced series.
 */
#define SERIES_MAX 2048

struct series {
	size_t k;
	double *data; /* points * (k + 1) */
	size_t points;
};

struct job {
	struct job *next;
	struct engine *e;
	struct trial *t; /* NULL for a build */
	struct build *b;
	int req; /* the scheduler's id */
	double started;
	int64_t id;
	int iteration;
	int warmup;
	int *cpus;
	size_t ncpus;
	size_t slot;
	char *dir; /* the slot's work directory (tests) */
	char *out; /* the slot's logs, while the job runs */
	char *err;
	char *results; /* the slot's results file */
	char *log_out; /* where the logs were kept (NULL: empty) */
	char *log_err;
	char *kept; /* a failed test's work directory, kept */
	struct exec_job *x;
	struct cgroup *cg;         /* the slot's cgroup, or NULL */
	struct resctrl_group *rdt; /* its cache and bandwidth share, or NULL */
	const char *task[2];
	struct cgroup_stats cgs;
	int have_cgs; /* cgs holds the job's usage */
	char *protections;
	char *fifo; /* the boot monitor's debug port FIFO, or NULL */
	char *node; /* where a placing executor runs it, or NULL */
	/* Live samples: when the next is due (uv_now; 0: none), every
	 * interval ms, and those taken so far. */
	uint64_t t0, next_sample, interval;
	struct series series;
};

struct engine {
	const struct engine_opts *o;
	const struct spec *spec;
	uv_loop_t loop;
	uv_signal_t sig[3];
	uv_timer_t tick;
	struct strategy *strategy;
	struct sched *sched;
	const struct executor_ops *xops;
	void *xctx;
	struct exec *exec;   /* the local executor, when running for real */
	struct slurm *slurm; /* or the Slurm executor */
	int next_req;
	double est_sum[2], est_n[2]; /* measured durations by stage */
	struct build *builds;
	struct trial *active; /* FIFO of unfinished trials */
	size_t nactive;
	struct job *jobs; /* running */
	size_t njobs;
	unsigned char *slot_busy; /* o->jobs slots: work dirs and logs */
	/* The sandbox. */
	struct cgroup_sys *cgsys;
	struct cgroup **slot_cg; /* a cgroup per slot, or NULL */
	const char *ns;          /* namespaces for jobs, "" for none */
	const char *ns_net;      /* the same, with the network */
	char *workdir;           /* the slots' directory */
	char *cgdesc;            /* "cgroup-v1:cpuset+memory+..." */
	struct resctrl *rdt;     /* cache allocation, when asked and there */
	int rdt_jobs;            /* running jobs holding a resctrl group */
	/* Counters and live samples, per stage (STAGE_BUILD, STAGE_TEST). */
	struct pmu_set *pmu[2];
	size_t *sample_event[2]; /* the usable events' indices in pmu[] */
	size_t nsample_events[2];
	const char **sample_names[2]; /* those, then cpu_ms, memory_kb */
	size_t nsample[2];
	uv_timer_t sample_timer;
	int sampling;     /* sample_timer runs */
	int attach_noted; /* a counter that failed was said */
	int batch;        /* inside batch_begin */
	int in_txn;       /* a group commit is open */
	uv_timer_t commit_timer;
	struct queued *queue;
	size_t nqueue;
	struct engine_progress p;
	uint64_t t0;
	uint64_t finished_here; /* trials ended in this run */
	int iters;
	int stopping;
	int pausing;          /* start nothing new; end paused once idle */
	uv_async_t ctl_async; /* o->ctl's requests */
	int closed;
	enum engine_end end;
	char *error;
};

struct queued;
static void pump(struct engine *);
static void sandbox_close(struct engine *);

static const struct plan *the_plan; /* a dry run's simulated clock */

/* Now, for the store: the wall clock, or a dry run's simulated time. */
static double
wall_now(void)
{
	struct timespec ts;

	if (the_plan != NULL)
		return plan_now(the_plan);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What a job of a stage is expected to take: the spec's estimate, else
 * the mean of those measured so far, else 0 (unknown). */
static double
estimate(const struct engine *e, enum stage st)
{
	const struct stagespec *ss =
	    st == STAGE_BUILD ? &e->spec->build : &e->spec->test;

	if (ss->estimate > 0)
		return ss->estimate;
	if (e->o->plan != NULL)
		return 1; /* a plan without estimates: a second each */
	return e->est_n[st] > 0 ? e->est_sum[st] / e->est_n[st] : 0;
}

static char *
duration_text(double s)
{
	if (s >= 3600 && fmod(s, 3600) == 0)
		return xasprintf("%gh", s / 3600);
	if (s >= 60 && fmod(s, 60) == 0)
		return xasprintf("%gm", s / 60);
	return xasprintf("%gs", s);
}

static void
progress_update(struct engine *e)
{
	struct engine_progress *p = &e->p;
	struct job *j;
	uint64_t left;

	p->elapsed = (double)(uv_hrtime() - e->t0) / 1e9;
	p->running = e->njobs;
	p->queued = 0;
	if (e->xops != NULL && e->xops->places)
		for (j = e->jobs; j != NULL; j = j->next)
			p->queued += j->node == NULL;
	p->stopping = e->stopping;
	p->eta = -1;
	if (e->finished_here > 0 && p->budget > p->done + p->failed + p->lost) {
		left = p->budget - p->done - p->failed - p->lost;
		p->eta = p->elapsed / (double)e->finished_here * (double)left;
	}
}

/* A report held back until the transaction it describes is committed. */
struct queued {
	enum engine_report_kind kind;
	int64_t seq;
	struct config *cfg;
	double value;
	char *text;
};

static void
deliver(struct engine *e, enum engine_report_kind kind, int64_t seq,
    const struct config *cfg, double value, const char *text)
{
	struct engine_report r;

	progress_update(e);
	r.kind = kind;
	r.progress = &e->p;
	r.seq = seq;
	r.cfg = cfg;
	r.value = value;
	r.text = text;
	r.sample = NULL;
	e->o->report(&r, e->o->arg);
}

static void
report(struct engine *e, enum engine_report_kind kind, const struct trial *t,
    double value, const char *text)
{
	struct queued *q;

	if (e->o->report == NULL)
		return;
	if (!e->in_txn) {
		deliver(e, kind, t != NULL ? t->seq : 0,
		    t != NULL ? t->cfg : NULL, value, text);
		return;
	}
	/* Inside a transaction: what it reports is not committed yet. */
	e->queue = xreallocarray(e->queue, e->nqueue + 1, sizeof *e->queue);
	q = &e->queue[e->nqueue++];
	q->kind = kind;
	q->seq = t != NULL ? t->seq : 0;
	q->cfg = t != NULL ? space_config_dup(e->o->space, t->cfg) : NULL;
	q->value = value;
	q->text = text != NULL ? xstrdup(text) : NULL;
}

/*
 * Group commit. What a job's end leads to (the trial's end, the strategy
 * told, the next jobs started) is done inside a transaction that stays
 * open for a few milliseconds, so that the jobs ending meanwhile share
 * one commit: at hundreds of short jobs a second, commits were most of
 * the engine's cost. Reports wait for the commit (commit_now), so nothing
 * is reported before it is durable; a crash loses only what was never
 * reported, and resuming runs those jobs again.
 */
#define GROUP_COMMIT_MS 20

static void
commit_now(struct engine *e)
{
	struct queued *q;
	size_t i, n;

	if (!e->in_txn)
		return;
	e->in_txn = 0;
	uv_timer_stop(&e->commit_timer);
	store_commit(e->o->store);
	q = e->queue;
	n = e->nqueue;
	e->queue = NULL;
	e->nqueue = 0;
	for (i = 0; i < n; i++) {
		deliver(e, q[i].kind, q[i].seq, q[i].cfg, q[i].value,
		    q[i].text);
		free(q[i].cfg);
		free(q[i].text);
	}
	free(q);
}

static void
on_commit_timer(uv_timer_t *h)
{
	commit_now(h->data);
}

static void
batch_begin(struct engine *e)
{
	e->batch++;
	if (e->in_txn)
		return;
	store_begin(e->o->store);
	e->in_txn = 1;
	if (e->o->plan == NULL)
		uv_timer_start(&e->commit_timer, on_commit_timer,
		    GROUP_COMMIT_MS, 0);
}

static void
batch_end(struct engine *e)
{
	if (--e->batch > 0)
		return;
	/* A dry run has no loop to wait in; a finished run, nothing to wait
	 * for. */
	if (e->o->plan != NULL || e->closed)
		commit_now(e);
}

static void notice(struct engine *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
notice(struct engine *e, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	store_event(e->o->store, e->o->experiment, "notice", msg);
	report(e, ENGINE_NOTICE, NULL, 0, msg);
	free(msg);
}

/* Stores an event whose detail is a JSON object built from a jansson
 * format (see json_pack). */
static void
event(struct engine *e, const char *kind, const char *fmt, ...)
{
	json_t *o;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	o = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	store_event(e->o->store, e->o->experiment, kind, text);
	free(text);
	json_decref(o);
}

static int
better(const struct engine *e, double a, double b)
{
	return e->spec->direction == DIR_MAXIMIZE ? a > b : a < b;
}

static void
note_value(struct engine *e, int64_t seq, double value)
{
	if (!e->p.have_best || better(e, value, e->p.best)) {
		e->p.have_best = 1;
		e->p.best = value;
		e->p.best_seq = seq;
	}
}

static struct build *
build_for(struct engine *e, const struct config *cfg)
{
	struct build *b;
	char *state, *reason;

	if (!e->spec->build.present)
		return NULL;
	for (b = e->builds; b != NULL; b = b->next)
		if (b->key == cfg->build)
			return b;
	b = xcalloc(1, sizeof *b);
	b->key = cfg->build;
	space_id_hex(cfg->build, b->hex);
	b->dir = xasprintf("%s/builds/%s", e->o->expdir, b->hex);
	b->id = store_build_get(e->o->store, e->o->experiment, b->hex, b->dir,
	    &state, &reason);
	if (strcmp(state, "done") == 0)
		b->state = B_DONE;
	else if (strcmp(state, "failed") == 0) {
		b->state = B_FAILED;
		b->reason = reason != NULL ? reason : xstrdup("build failed");
		reason = NULL;
	} else
		b->state = B_PENDING; /* new, or interrupted: build again */
	free(state);
	free(reason);
	b->next = e->builds;
	e->builds = b;
	return b;
}

static void
active_append(struct engine *e, struct trial *t)
{
	struct trial **pp;

	for (pp = &e->active; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = t;
	e->nactive++;
}

static void
active_remove(struct engine *e, struct trial *t)
{
	struct trial **pp;

	for (pp = &e->active; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			e->nactive--;
			return;
		}
	}
}

static void
trial_free(struct trial *t)
{
	free(t->cfg);
	free(t);
}

/* Creates a trial for a configuration the strategy proposed. */
static struct trial *
trial_new(struct engine *e, struct config *cfg)
{
	struct store *st = e->o->store;
	struct trial *t;
	int64_t config_id;
	char key[17];

	t = xcalloc(1, sizeof *t);
	t->cfg = cfg;
	t->next_iter = 1;
	t->seq = (int64_t)++e->p.proposed;
	store_begin(st);
	config_id = store_config_add(st, e->o->experiment, e->o->space, cfg);
	t->build = build_for(e, cfg);
	t->id = store_trial_add(st, e->o->experiment, t->seq, config_id,
	    t->build != NULL ? t->build->id : 0);
	event(e, "trial.new", "{sIss}", "trial", (json_int_t)t->seq, "config",
	    space_id_hex(cfg->id, key));
	store_commit(st);
	active_append(e, t);
	return t;
}

/* Ends a trial that failed; lost: its jobs were lost (to the cluster,
 * say) more often than the spec allows. A lost trial is stored as such
 * (and run again on resume), and the strategy does not learn it as the
 * configuration's failure. */
static void
trial_end_failed(struct engine *e, struct trial *t, const char *reason,
    int lost)
{
	struct store *st = e->o->store;
	struct outcome o;

	store_begin(st);
	if (lost)
		store_trial_lost(st, t->id, reason, wall_now());
	else
		store_trial_fail(st, t->id, reason, wall_now());
	event(e, lost ? "trial.lost" : "trial.failed", "{sIss}", "trial",
	    (json_int_t)t->seq, "reason", reason);
	store_commit(st);
	if (lost)
		e->p.lost++;
	else
		e->p.failed++;
	e->finished_here++;
	if (!lost) {
		memset(&o, 0, sizeof o);
		o.status = OUTCOME_FAILED;
		o.reason = reason;
		strategy_tell(e->strategy, t->cfg, &o);
	}
	active_remove(e, t);
	report(e, lost ? ENGINE_TRIAL_LOST : ENGINE_TRIAL_FAILED, t, 0, reason);
	trial_free(t);
}

static void
trial_failed(struct engine *e, struct trial *t, const char *reason)
{
	trial_end_failed(e, t, reason, 0);
}

/* A trial given up after its jobs were lost once more than the spec's
 * executor retries: why is the last loss. */
static void
trial_lost(struct engine *e, struct trial *t, const char *why)
{
	char *reason = xasprintf("%s (lost %d time%s, given up)", why,
	    MAX_LOST(e) + 1, MAX_LOST(e) == 0 ? "" : "s");

	trial_end_failed(e, t, reason, 1);
	free(reason);
}

/* Whether a failed trial's stored reason says it was lost: stores of
 * schema 4 before the 'lost' state recorded lost trials so. */
static int
reason_lost(const char *reason)
{
	return reason != NULL && strstr(reason, LOST_MARK) != NULL;
}

/*
 * Summarises a trial whose last iteration was just stored (inside the
 * caller's transaction). Returns the objective's value, or NaN with
 * *reason set when it cannot be computed.
 */
static double
trial_summarise(struct engine *e, struct trial *t, double *stddev, int *n,
    char **reason)
{
	struct store_measurement *m;
	struct store_metric *agg = NULL;
	size_t nm, i, j, nagg = 0;
	double *vals, value = NAN;

	store_trial_measurements(e->o->store, t->id, &m, &nm);
	vals = xcalloc(nm + 1, sizeof *vals);
	for (i = 0; i < nm; i = j) {
		size_t k = 0;

		for (j = i; j < nm && strcmp(m[j].metric, m[i].metric) == 0;
		     j++)
			vals[k++] = m[j].value;
		agg = xreallocarray(agg, nagg + 1, sizeof *agg);
		metrics_aggregate(vals, k, &agg[nagg]);
		agg[nagg].name = m[i].metric;
		if (strcmp(m[i].metric, e->spec->objective) == 0) {
			value = metrics_pick(&agg[nagg], e->spec->aggregate);
			*stddev = agg[nagg].stddev;
			*n = agg[nagg].n;
		}
		nagg++;
	}
	if (!isnan(value))
		store_trial_finish(e->o->store, t->id, value, *stddev, *n, agg,
		    nagg, wall_now());
	else
		*reason = xasprintf("no value of the objective '%s' was "
				    "measured",
		    e->spec->objective);
	free(agg);
	free(vals);
	store_measurements_free(m, nm);
	return value;
}

static void
job_free(struct job *j)
{
	free(j->cpus);
	free(j->dir);
	free(j->out);
	free(j->err);
	free(j->results);
	free(j->log_out);
	free(j->log_err);
	free(j->kept);
	free(j->protections);
	free(j->fifo);
	free(j->node);
	free(j->series.data);
	if (j->rdt != NULL)
		resctrl_group_free(j->rdt);
	free(j);
}

static void
jobs_remove(struct engine *e, struct job *j)
{
	struct job **pp;

	for (pp = &e->jobs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == j) {
			*pp = j->next;
			e->njobs--;
			return;
		}
	}
}

/* Moves a non-empty log to its job's name; returns the new path, or
 * NULL for an empty log (not kept). */
static char *
keep_log(struct engine *e, const char *slot_log, int64_t id, const char *ext)
{
	struct stat st;
	char *path;

	if (stat(slot_log, &st) != 0 || st.st_size == 0)
		return NULL;
	path = xasprintf("%s/logs/%lld.%s", e->o->expdir, (long long)id, ext);
	if (rename(slot_log, path) != 0) {
		free(path);
		return xstrdup(slot_log);
	}
	return path;
}

static int
dir_empty(const char *path)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if ((d = opendir(path)) == NULL)
		return 1;
	while (empty && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

/*
 * Puts a finished job's files in their place. Logs with output move to
 * logs/ID.out and .err (an empty log is not kept); the results file is
 * consumed. The work directory of a test is emptied for the slot's next
 * job, unless the job failed: then it is kept as jobs/ID for a look.
 * Reusing files this way spares the file system most inode creation,
 * which dominates the cost of short jobs.
 */
static void
settle(struct engine *e, struct job *j, int failed)
{
	unlink(j->results);
	j->log_out = keep_log(e, j->out, j->id, "out");
	j->log_err = keep_log(e, j->err, j->id, "err");
	if (j->t == NULL || dir_empty(j->dir))
		return;
	if (failed) {
		j->kept =
		    xasprintf("%s/jobs/%lld", e->o->expdir, (long long)j->id);
		if (rename(j->dir, j->kept) != 0) {
			free(j->kept);
			j->kept = NULL;
		}
	}
	if (j->kept == NULL)
		files_rmtree(j->dir);
	files_mkdirs(j->dir, 0755);
}

/* The log to point a user at: stderr if it has anything, else stdout. */
static const char *
log_hint(const struct job *j)
{
	if (j->log_err != NULL)
		return j->log_err;
	if (j->log_out != NULL)
		return j->log_out;
	return NULL;
}

/* Why a job failed, in words, or NULL when it succeeded. */
static char *
job_failure(struct engine *e, const struct job *j, const struct exec_result *r,
    const char **state)
{
	const char *what = j->t != NULL ? "test" : "build";
	const struct stagespec *st =
	    j->t != NULL ? &e->spec->test : &e->spec->build;
	char *where, *msg, *dur;

	where = j->t != NULL ? xasprintf(" in iteration %d", j->iteration) :
			       xstrdup("");
	*state = "failed";
	if (((j->have_cgs && j->cgs.oom_kills > 0) || r->oom) &&
	    (r->how == EXEC_SIGNALED ||
		(r->how == EXEC_EXITED && r->status != 0))) {
		/* The kernel's OOM killer ended it inside its limit. */
		*state = "oom";
		msg = xasprintf("oom: the %s went over its memory limit of "
				"%llu MiB%s",
		    what, (unsigned long long)(st->memory >> 20), where);
		free(where);
		return msg;
	}
	switch (r->how) {
	case EXEC_EXITED:
		if (r->status == 0) {
			free(where);
			*state = "done";
			return NULL;
		}
		if (log_hint(j) != NULL)
			msg = xasprintf("%s failed: exit status %d%s (log: %s)",
			    what, r->status, where, log_hint(j));
		else
			msg = xasprintf("%s failed: exit status %d%s (no "
					"output)",
			    what, r->status, where);
		break;
	case EXEC_SIGNALED:
		msg = xasprintf("%s killed by signal %d (%s)%s", what,
		    r->signal, strsignal(r->signal), where);
		break;
	case EXEC_TIMEOUT:
		*state = "timeout";
		dur = duration_text(st->timeout);
		msg = xasprintf("%s timed out after %s%s", what, dur, where);
		free(dur);
		break;
	case EXEC_ERROR:
		msg = xasprintf("%s could not run: %s", what, r->error);
		break;
	case EXEC_LOST:
		*state = "lost";
		msg = xasprintf("%s lost%s: %s", what, where,
		    r->error != NULL ? r->error :
				       "its shim was stopped from outside");
		break;
	default:
		*state = "interrupted";
		msg = xstrdup("interrupted");
		break;
	}
	free(where);
	return msg;
}

static void
fill_end(struct store_job_end *end, const struct job *j, const char *state,
    const struct exec_result *r, const char *reason)
{
	end->stdout_path = j->log_out;
	end->stderr_path = j->log_err;
	end->workdir = j->kept;
	end->state = state;
	end->exit_status = r->status;
	end->signal = r->signal;
	end->reason = reason;
	end->finished = wall_now();
	end->wall_ms = r->wall_ms;
	end->maxrss_kb = r->maxrss_kb;
	end->utime_ms = r->utime_ms;
	end->stime_ms = r->stime_ms;
}

static void on_sample(uv_timer_t *);

/*
 * The counters of each stage, probed once: what this host cannot count
 * is said once per run, and an objective that cannot be counted stops
 * the run before it starts.
 */
static int
counters_open(struct engine *e, char **cause)
{
	const struct stagespec *st[2] = { &e->spec->build, &e->spec->test };
	char *why, *text;
	size_t i, k;

	for (i = 0; i < 2; i++) {
		if (!st[i]->present || st[i]->npmu == 0)
			continue;
		e->pmu[i] = pmu_set_new(st[i]->pmu, st[i]->npmu);
		e->sample_event[i] =
		    xcalloc(st[i]->npmu + 1, sizeof *e->sample_event[i]);
		for (k = 0; k < st[i]->npmu; k++)
			if (pmu_set_status(e->pmu[i], k) == PMU_SUPPORTED)
				e->sample_event[i][e->nsample_events[i]++] = k;
		if ((text = pmu_set_notice(e->pmu[i])) != NULL) {
			notice(e, "%s counters: %s", i == 0 ? "build" : "test",
			    text);
			free(text);
		}
	}
	if (pmu_set_counts(e->pmu[STAGE_TEST], e->spec->objective, &why) == 0) {
		*cause = xasprintf("the objective '%s' cannot be counted on "
				   "this host: %s",
		    e->spec->objective, why);
		free(why);
		return -1;
	}
	return 0;
}

static void
counters_close(struct engine *e)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		pmu_set_free(e->pmu[i]);
		free(e->sample_event[i]);
		free(e->sample_names[i]);
	}
}

/*
 * What each stage's samples hold: its usable counters, then the CPU time
 * and memory of the job's cgroup when jobs have one. The sample timer
 * ticks at the shortest interval.
 */
static void
samples_open(struct engine *e)
{
	const struct stagespec *st[2] = { &e->spec->build, &e->spec->test };
	double every = 0;
	size_t i, k, n;

	for (i = 0; i < 2; i++) {
		if (!st[i]->present || st[i]->sample_interval <= 0)
			continue;
		e->sample_names[i] =
		    xcalloc(e->nsample_events[i] + 3, sizeof(char *));
		n = 0;
		for (k = 0; k < e->nsample_events[i]; k++)
			e->sample_names[i][n++] =
			    pmu_set_name(e->pmu[i], e->sample_event[i][k]);
		if (e->slot_cg != NULL) {
			e->sample_names[i][n++] = "cpu_ms";
			e->sample_names[i][n++] = "memory_kb";
		}
		e->nsample[i] = n;
		if (n > 0 && (every == 0 || st[i]->sample_interval < every))
			every = st[i]->sample_interval;
	}
	if (every == 0)
		return;
	/* Ticks at a fifth of the shortest interval, so that each job's
	 * samples come within that of when they are due. */
	every = every / 5 < 0.01 ? 0.01 : every / 5;
	uv_timer_init(&e->loop, &e->sample_timer);
	e->sample_timer.data = e;
	e->sampling = 1;
	uv_timer_start(&e->sample_timer, on_sample, (uint64_t)(every * 1000),
	    (uint64_t)(every * 1000));
}

/* Appends a point to a job's series; see SERIES_MAX. */
static void
series_add(struct job *j, const char *const *names, double t, const double *v)
{
	struct series *sr = &j->series;
	size_t k = sr->k, i, c;
	double *a, *b, *to;

	if (sr->data == NULL)
		sr->data = xcalloc(SERIES_MAX * (k + 1), sizeof *sr->data);
	if (sr->points == SERIES_MAX) {
		for (i = 0; i < SERIES_MAX / 2; i++) {
			a = sr->data + 2 * i * (k + 1);
			b = a + k + 1;
			to = sr->data + i * (k + 1);
			to[0] = b[0];
			for (c = 1; c <= k; c++)
				to[c] =
				    strcmp(names[c - 1], "memory_kb") == 0 &&
					(isnan(b[c]) || a[c] > b[c]) ?
				    a[c] :
				    b[c];
		}
		sr->points = SERIES_MAX / 2;
		j->interval *= 2;
	}
	to = sr->data + sr->points++ * (k + 1);
	to[0] = t;
	memcpy(to + 1, v, k * sizeof *v);
}

/* Takes one sample of a running job: into its series, and to the
 * engine's client as a live report. */
static void
sample_job(struct engine *e, struct job *j, uint64_t now)
{
	int stage = j->t != NULL ? STAGE_TEST : STAGE_BUILD;
	size_t n = e->nsample[stage], ne = e->nsample_events[stage], i;
	struct engine_sample smp;
	struct engine_report r;
	struct cgroup_sample cs;
	double *v, *all;

	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = NAN;
	if (ne > 0 && e->xops->counters != NULL) {
		all = xcalloc(pmu_set_count(e->pmu[stage]) + 1, sizeof *all);
		if (e->xops->counters(j->x, all) == 0)
			for (i = 0; i < ne; i++)
				v[i] = all[e->sample_event[stage][i]];
		free(all);
	}
	if (n > ne && j->cg != NULL && cgroup_sample(j->cg, &cs) == 0) {
		if (cs.cpu_usec >= 0)
			v[ne] = (double)cs.cpu_usec / 1e3;
		if (cs.memory >= 0)
			v[ne + 1] = (double)cs.memory / 1024;
	}
	series_add(j, e->sample_names[stage], (double)(now - j->t0), v);
	if (e->o->report != NULL) {
		smp.job = j->id;
		smp.kind = j->t != NULL ? "test" : "build";
		smp.trial = j->t != NULL ? j->t->seq : 0;
		smp.iteration = j->iteration;
		smp.cpus = j->cpus;
		smp.ncpus = j->cpus != NULL ? j->ncpus : 0;
		smp.t_ms = (double)(now - j->t0);
		smp.n = n;
		smp.names = e->sample_names[stage];
		smp.values = v;
		memset(&r, 0, sizeof r);
		r.kind = ENGINE_SAMPLE;
		r.progress = &e->p;
		r.seq = smp.trial;
		r.cfg = j->t != NULL ? j->t->cfg : NULL;
		r.sample = &smp;
		e->o->report(&r, e->o->arg);
	}
	free(v);
}

static void
on_sample(uv_timer_t *h)
{
	struct engine *e = h->data;
	uint64_t now = uv_now(&e->loop);
	struct job *j;

	for (j = e->jobs; j != NULL; j = j->next) {
		/* A job a placing executor has not placed yet waits in a
		 * queue: nothing to sample. */
		if (j->next_sample == 0 || now < j->next_sample ||
		    (e->xops->places && j->node == NULL))
			continue;
		sample_job(e, j, now);
		j->next_sample += j->interval;
		if (j->next_sample <= now)
			j->next_sample = now + j->interval;
	}
}

/* A finished job's counters, and the metrics derived from them, as its
 * measurements (trial 0 for a build). */
static void
counters_store(struct engine *e, const struct job *j,
    const struct exec_result *r, int64_t trial)
{
	const struct pmu_set *ps = e->pmu[j->t != NULL];
	double v;
	size_t i;

	if (r->counters_note != NULL && !e->attach_noted) {
		e->attach_noted = 1;
		notice(e, "counters of job %lld not attached: %s (said once)",
		    (long long)j->id, r->counters_note);
	}
	if (ps == NULL || r->counters == NULL)
		return;
	for (i = 0; i < pmu_set_count(ps); i++)
		if (!isnan(r->counters[i]))
			store_measurement_add(e->o->store, j->id, trial,
			    pmu_set_name(ps, i), j->iteration, r->counters[i]);
	for (i = 0; i < pmu_derived_count(ps); i++)
		if (!isnan(v = pmu_derived_value(ps, i, r->counters)))
			store_measurement_add(e->o->store, j->id, trial,
			    pmu_derived_name(ps, i), j->iteration, v);
}

/* A job's start or end, for displays: delivered at once (it changes no
 * stored state of its own). */
static void
job_report(struct engine *e, const struct job *j, enum engine_report_kind kind,
    const char *state, double wall_ms)
{
	const struct config *cfg = j->t != NULL ? j->t->cfg : NULL;
	struct engine_report r;
	struct engine_job ej;
	struct trial *t;
	char *text;

	if (e->o->report == NULL)
		return;
	if (cfg == NULL) /* a build: the configuration of a trial of it */
		for (t = e->active; t != NULL && cfg == NULL; t = t->next)
			if (t->build == j->b)
				cfg = t->cfg;
	text = cfg != NULL ? space_config_text(e->o->space, cfg) : xstrdup("");
	memset(&ej, 0, sizeof ej);
	ej.job = j->id;
	ej.kind = j->t != NULL ? "test" : "build";
	ej.trial = j->t != NULL ? j->t->seq : 0;
	ej.iteration = j->iteration;
	ej.warmup = j->warmup;
	ej.cpus = j->cpus;
	ej.ncpus = j->cpus != NULL ? j->ncpus : 0;
	ej.node = j->node != NULL ? j->node : "";
	ej.config = text;
	ej.state = state;
	ej.wall_ms = wall_ms;
	if (kind == ENGINE_JOB_START) {
		ej.out = j->out;
		ej.err = j->err;
	}
	progress_update(e);
	memset(&r, 0, sizeof r);
	r.kind = kind;
	r.progress = &e->p;
	r.seq = ej.trial;
	r.cfg = j->t != NULL ? j->t->cfg : NULL;
	r.job = &ej;
	e->o->report(&r, e->o->arg);
	free(text);
}

static void
build_done(struct engine *e, struct job *j, const struct exec_result *r)
{
	struct store *st = e->o->store;
	struct store_job_end end;
	struct build *b = j->b;
	const char *state;
	char *reason;

	if (e->o->plan == NULL)
		settle(e, j, 0);
	reason = job_failure(e, j, r, &state);
	fill_end(&end, j, state, r, reason);
	store_begin(st);
	store_job_end(st, j->id, &end);
	if (reason == NULL)
		counters_store(e, j, r, 0);
	if (r->how == EXEC_STOPPED ||
	    (r->how == EXEC_LOST && ++b->lost <= MAX_LOST(e))) {
		store_build_set_state(st, b->id, "interrupted", NULL);
		b->state = B_PENDING;
	} else if (r->how == EXEC_LOST) {
		/* Given up, but the build itself did not fail: a later run
		 * builds it again. Its trials are lost, not failed. */
		store_build_set_state(st, b->id, "interrupted", NULL);
		b->state = B_FAILED;
		b->reason = xstrdup(reason);
	} else if (reason != NULL) {
		store_build_set_state(st, b->id, "failed", reason);
		b->state = B_FAILED;
		b->reason = xstrdup(reason);
	} else {
		store_build_set_state(st, b->id, "done", NULL);
		b->state = B_DONE;
	}
	event(e, "build.end", "{sIsssssf}", "job", (json_int_t)j->id, "build",
	    b->hex, "state", state, "wall_ms", r->wall_ms);
	job_report(e, j, ENGINE_JOB_END, state, r->wall_ms);
	store_commit(st);
	if (r->how == EXEC_LOST && b->state == B_PENDING)
		notice(e, "%s; building again", reason);
	free(reason);
}

/* A dry run's iteration: nothing was measured, so a trial that ends has
 * no value; the strategy is told it is done with 0. */
static void
plan_test_done(struct engine *e, struct job *j)
{
	struct store_job_end end;
	struct trial *t = j->t;
	struct outcome o;

	memset(&end, 0, sizeof end);
	end.state = "done";
	end.finished = wall_now();
	store_job_end(e->o->store, j->id, &end);
	t->next_iter = j->iteration + 1;
	if (j->iteration < e->iters)
		return;
	store_trial_finish(e->o->store, t->id, 0, 0, 0, NULL, 0, wall_now());
	memset(&o, 0, sizeof o);
	o.status = OUTCOME_DONE;
	strategy_tell(e->strategy, t->cfg, &o);
	e->p.done++;
	e->finished_here++;
	active_remove(e, t);
	trial_free(t);
}

static void
test_done(struct engine *e, struct job *j, const struct exec_result *r)
{
	struct store *st = e->o->store;
	struct trial *t = j->t;
	struct store_job_end end;
	struct metric_set ms = { 0, NULL, NULL };
	const struct metric *missing;
	const char *state;
	char *reason, *cause = NULL, *why = NULL;
	double value = NAN, stddev = 0;
	int n = 0, last;
	size_t i;

	t->running = 0;
	if (e->o->plan != NULL) {
		plan_test_done(e, j);
		return;
	}
	/* Metrics come from the slot's files, before they are settled. */
	if (r->how == EXEC_EXITED && r->status == 0) {
		if (metrics_collect(e->spec, j->results, j->out, j->err, &ms,
			&cause) != 0) {
			why =
			    xasprintf("iteration %d: %s", j->iteration, cause);
			free(cause);
		} else if (!j->warmup &&
		    (missing = metrics_missing(e->spec, &ms)) != NULL)
			why = xasprintf("metric '%s' missing in iteration %d "
					"(%s)",
			    missing->name, j->iteration,
			    missing->regex_text == NULL ?
				"not in the results "
				"file" :
				missing->stream == STREAM_STDOUT ?
				"its "
				"regex matched nothing on stdout" :
				"its regex "
				"matched nothing on stderr");
		else if (e->spec->test.boot.source != BOOT_NONE &&
		    isnan(r->boot_ms))
			why = xasprintf("iteration %d: the boot marker never "
					"showed on %s",
			    j->iteration,
			    e->spec->test.boot.source == BOOT_CONSOLE ?
				"the console (the job's standard output)" :
				"the debug port ($WAYFINDER_DEBUGCON)");
	}
	settle(e, j, !(r->how == EXEC_EXITED && r->status == 0) || why);
	reason = job_failure(e, j, r, &state);
	if (reason == NULL && why != NULL) {
		reason = why;
		why = NULL;
		state = "failed";
	}
	last = reason == NULL && j->iteration >= e->iters;
	fill_end(&end, j, state, r, reason);

	store_begin(st);
	store_job_end(st, j->id, &end);
	if (reason == NULL) {
		for (i = 0; i < ms.n; i++)
			store_measurement_add(st, j->id, t->id, ms.names[i],
			    j->iteration, ms.values[i]);
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_WALL,
		    j->iteration, r->wall_ms);
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_RSS,
		    j->iteration, r->maxrss_kb);
		/* The cgroup's figures when there is one (they count every
		 * process of the job), else rusage's. */
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_CPU,
		    j->iteration,
		    j->have_cgs && cgroup_sys_has(e->cgsys, "cpu") ?
			(double)j->cgs.cpu_usec / 1e3 :
			r->utime_ms + r->stime_ms);
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_MEMORY,
		    j->iteration,
		    j->have_cgs && j->cgs.memory_peak > 0 ?
			(double)j->cgs.memory_peak / 1024 :
			r->maxrss_kb);
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_VCSW,
		    j->iteration, r->nvcsw);
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_IVCSW,
		    j->iteration, r->nivcsw);
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_MINFLT,
		    j->iteration, r->minflt);
		store_measurement_add(st, j->id, t->id, SPEC_METRIC_MAJFLT,
		    j->iteration, r->majflt);
		if (!isnan(r->boot_ms))
			store_measurement_add(st, j->id, t->id,
			    SPEC_METRIC_BOOT, j->iteration, r->boot_ms);
		counters_store(e, j, r, t->id);
	}
	event(e, "job.end", "{sIsIsisssf}", "job", (json_int_t)j->id, "trial",
	    (json_int_t)t->seq, "iteration", j->iteration, "state", state,
	    "wall_ms", r->wall_ms);
	job_report(e, j, ENGINE_JOB_END, state, r->wall_ms);
	if (last) {
		value = trial_summarise(e, t, &stddev, &n, &why);
		if (why == NULL)
			event(e, "trial.done", "{sIsf}", "trial",
			    (json_int_t)t->seq, "value", value);
	}
	store_commit(st);
	metrics_clear(&ms);

	if (r->how == EXEC_STOPPED) {
		free(reason);
		return; /* the trial stays unfinished and will resume */
	}
	if (r->how == EXEC_LOST && ++t->lost <= MAX_LOST(e)) {
		/* Not the configuration's doing: run the iteration again. */
		notice(e, "trial %lld: %s; running it again", (long long)t->seq,
		    reason);
		free(reason);
		return;
	}
	if (r->how == EXEC_EXITED && r->leftover > 0)
		notice(e,
		    "trial %lld iteration %d left %d process%s running "
		    "after it ended; killed",
		    (long long)t->seq, j->iteration, r->leftover,
		    r->leftover == 1 ? "" : "es");
	if (r->how == EXEC_LOST) {
		trial_lost(e, t, reason);
		free(reason);
		free(why);
		return;
	}
	if (reason != NULL || why != NULL) {
		trial_failed(e, t, reason != NULL ? reason : why);
		free(reason);
		free(why);
		return;
	}
	t->next_iter = j->iteration + 1;
	if (last) {
		struct outcome o;

		memset(&o, 0, sizeof o);
		o.status = OUTCOME_DONE;
		o.value = value;
		o.stddev = stddev;
		o.n = n;
		strategy_tell(e->strategy, t->cfg, &o);
		e->p.done++;
		e->finished_here++;
		note_value(e, t->seq, value);
		active_remove(e, t);
		report(e, ENGINE_TRIAL_DONE, t, value, NULL);
		trial_free(t);
	}
}

static void
on_job_done(void *arg, const struct exec_result *r)
{
	struct job *j = arg;
	struct engine *e = j->e;

	jobs_remove(e, j);
	sched_release(e->sched, j->req);
	e->slot_busy[j->slot] = 0;
	if (j->cg != NULL) {
		/* Nothing of the job may outlive it. In the slot's PID
		 * namespace its shim saw to that (and the slot's servers live
		 * in the cgroup); otherwise, the cgroup does. */
		if (*e->ns == '\0' && cgroup_populated(j->cg) == 1)
			cgroup_kill(j->cg, 2000);
		j->have_cgs = cgroup_job_end(j->cg, &j->cgs) == 0;
	}
	if (j->protections == NULL && r->sandbox != NULL) {
		char *p;

		j->protections = xasprintf("%s%saffinity %s%s%s", e->cgdesc,
		    *e->cgdesc != '\0' ? " " : "", r->sandbox,
		    j->rdt != NULL ? " resctrl:" : "",
		    j->rdt != NULL ? resctrl_group_schemata(j->rdt) : "");
		/* One line: a schemata has a line per resource. */
		for (p = j->protections; *p != '\0'; p++)
			if (*p == '\n')
				*p = p[1] != '\0' ? ';' : '\0';
	}
	if (j->protections != NULL)
		store_job_protections(e->o->store, j->id, j->protections);
	if (r->how == EXEC_EXITED && r->status == 0) {
		e->est_sum[j->t != NULL] += r->wall_ms / 1e3;
		e->est_n[j->t != NULL]++;
	}
	batch_begin(e);
	if (j->series.points > 0) {
		struct store_series sr;

		sr.names = (char **)e->sample_names[j->t != NULL];
		sr.n = j->series.k;
		sr.points = j->series.points;
		sr.data = j->series.data;
		store_begin(e->o->store);
		store_series_put(e->o->store, j->id, &sr);
		store_commit(e->o->store);
	}
	if (j->t != NULL)
		test_done(e, j, r);
	else
		build_done(e, j, r);
	if (j->rdt != NULL) {
		struct trial *t;

		/* Its cache ways are free again (with job_free, below):
		 * the tests waiting for ways may try again. */
		e->rdt_jobs--;
		for (t = e->active; t != NULL; t = t->next)
			t->rdt_wait = 0;
	}
	job_free(j);
	pump(e);
	batch_end(e);
}

/*
 * The job's sandbox: its slot's cgroup set to its CPUs and limits, the
 * namespaces (with the network when the spec takes it away), the
 * directories a private /tmp keeps, and rlimits standing in for the
 * cgroup limits the host lacks. Returns 0, or -1 with *cause.
 */
static int
sandbox_job(struct engine *e, struct job *j, const struct stagespec *st,
    struct exec_req *req, const char **keep, char **cause)
{
	char *cpus;
	int rc;

	j->cg = e->slot_cg != NULL ? e->slot_cg[j->slot] : NULL;
	if (j->cg != NULL) {
		cpus = job_cpu_list(j->cpus, j->ncpus);
		/* The slot's cgroup also holds its shim server, the slot's
		 * init and the job's shim: three processes more. */
		rc = cgroup_configure(j->cg, cpus, st->memory,
		    st->pids > 0 ? st->pids + 3 : 0);
		free(cpus);
		if (rc == 0)
			rc = cgroup_job_begin(j->cg);
		if (rc != 0) {
			*cause = xasprintf("cannot set up the job's cgroup: %s",
			    strerror(-rc));
			return -1;
		}
		/* The slot's server joins the cgroups once, and its jobs are
		 * born in them; without namespaces each job joins itself, so
		 * that a cgroup kill spares the server. */
		if (*e->ns != '\0')
			req->join = cgroup_procs_files(j->cg);
		else
			req->job_join = cgroup_procs_files(j->cg);
	}
	if (*e->ns != '\0')
		req->ns = st->network == NETWORK_NONE ? e->ns_net : e->ns;
	if (j->rdt != NULL) {
		j->task[0] = resctrl_group_tasks(j->rdt);
		j->task[1] = NULL;
		req->task = j->task;
	}
	/* What a private /tmp must keep: the spec's directory and the
	 * experiment's (work, builds and logs are in it). */
	req->slot = (int)j->slot;
	keep[0] = e->spec->dir;
	keep[1] = e->o->expdir;
	keep[2] = NULL;
	req->keep = keep;
	if (st->memory > 0 &&
	    (e->cgsys == NULL || !cgroup_sys_has(e->cgsys, "memory")))
		req->as_max = st->memory;
	if (st->pids > 0 &&
	    (e->cgsys == NULL || !cgroup_sys_has(e->cgsys, "pids")))
		req->nproc_max = st->pids;
	return 0;
}

/* The job is being killed outright: so is everything in its cgroup
 * (when the cgroup holds only the job: see sandbox_job). */
static void
on_job_kill(void *arg)
{
	struct job *j = arg;

	if (j->cg != NULL && *j->e->ns == '\0')
		cgroup_kill(j->cg, 1000);
}

/*
 * Starts a build (t == NULL) or an iteration of trial t on cpus (taken
 * by the job). Returns 0, or -1 with *cause set when the job could not
 * start; the job is then recorded as failed and the CPUs released.
 */
/*
 * A test's share of the cache and memory bandwidth, asked for before
 * anything of the job is recorded. Returns 0 (j->rdt set), 1 when the
 * ways are held by running jobs (the job waits for one of them to end),
 * or -1 with *cause.
 */
static int
rdt_share(struct engine *e, struct job *j, const struct stagespec *st,
    char **cause)
{
	int *ids = xcalloc(j->ncpus + 1, sizeof *ids);
	char name[64], *why = NULL;
	size_t k;
	int rc;

	for (k = 0; k < j->ncpus; k++)
		ids[k] = resctrl_cache_id("", j->cpus[k]);
	snprintf(name, sizeof name, "wayfinder-%d-%d", (int)getpid(), j->req);
	rc = resctrl_group_new(e->rdt, name, ids, j->ncpus, st->cache_ways,
	    st->mem_bandwidth, &j->rdt, &why);
	free(ids);
	if (rc == -ENOSPC && e->rdt_jobs > 0) {
		free(why);
		return 1;
	}
	if (rc != 0) {
		*cause = xasprintf("cannot give the job its cache share: %s",
		    why != NULL ? why : strerror(-rc));
		free(why);
		return -1;
	}
	return 0;
}

/* A placing executor's word on where a job runs. */
static void
on_job_placed(void *arg, const char *node, const int *cpus, size_t ncpus)
{
	struct job *j = arg;

	free(j->cpus);
	j->cpus = xcalloc(ncpus + 1, sizeof *j->cpus);
	memcpy(j->cpus, cpus, ncpus * sizeof *cpus);
	j->ncpus = ncpus;
	free(j->node);
	j->node = xstrdup(node);
	store_job_placed(j->e->o->store, j->id, node, cpus, ncpus);
	/* Its samples count from now, not from its time in the queue. */
	j->t0 = uv_now(&j->e->loop);
	if (j->next_sample != 0)
		j->next_sample = j->t0 + j->interval;
	job_report(j->e, j, ENGINE_JOB_START, "running", 0);
}

static int
job_start(struct engine *e, struct build *b, struct trial *t, int *cpus,
    size_t ncpus, int reqid, char **cause)
{
	const struct stagespec *st =
	    t != NULL ? &e->spec->test : &e->spec->build;
	struct store *s = e->o->store;
	struct store_job_end end;
	struct exec_req req;
	struct job_ctx ctx;
	struct job *j;
	char **env = NULL, **argv = NULL, *cpulist;
	const char *cwd, *keep[8];
	int rc = -1;

	j = xcalloc(1, sizeof *j);
	j->e = e;
	j->t = t;
	j->b = b;
	j->cpus = cpus;
	j->ncpus = ncpus;
	j->req = reqid;
	if (t != NULL) {
		j->iteration = t->next_iter;
		j->warmup = j->iteration <= e->spec->test.warmup;
	}
	if (e->o->plan == NULL && t != NULL && e->rdt != NULL &&
	    (st->cache_ways > 0 || st->mem_bandwidth > 0) &&
	    (rc = rdt_share(e, j, st, cause)) != 0) {
		job_free(j);
		return rc;
	}
	cpulist = cpus != NULL ? job_cpu_list(cpus, ncpus) : NULL;
	store_begin(s);
	j->id =
	    store_job_start(s, e->o->experiment, t != NULL ? "test" : "build",
		b != NULL ? b->id : 0, t != NULL ? t->id : 0, j->iteration,
		j->warmup, cpulist, NULL, wall_now());
	if (t != NULL)
		store_trial_start(s, t->id, wall_now());
	else
		store_build_set_state(s, b->id, "running", NULL);
	store_commit(s);
	free(cpulist);

	for (j->slot = 0; e->slot_busy[j->slot]; j->slot++)
		;
	e->slot_busy[j->slot] = 1;
	j->dir = xasprintf("%s/work/%zu", e->o->expdir, j->slot);
	j->out = xasprintf("%s/work/%zu.out", e->o->expdir, j->slot);
	j->err = xasprintf("%s/work/%zu.err", e->o->expdir, j->slot);
	j->results = xasprintf("%s/work/%zu.results", e->o->expdir, j->slot);
	unlink(j->results);
	memset(&ctx, 0, sizeof ctx);
	ctx.spec = e->spec;
	ctx.space = e->o->space;
	ctx.cfg = t != NULL ? t->cfg : NULL;
	ctx.stage = t != NULL ? STAGE_TEST : STAGE_BUILD;
	ctx.workdir = t != NULL ? j->dir : b->dir;
	ctx.builddir = b != NULL ? b->dir : NULL;
	ctx.results = j->results;
	ctx.experiment = e->o->experiment;
	ctx.trial = t != NULL ? t->seq : 0;
	ctx.job = j->id;
	ctx.iteration = j->iteration;
	ctx.warmup = j->warmup;
	ctx.cpus = cpus;
	ctx.ncpus = cpus != NULL ? ncpus : 0;
	if (t != NULL && st->boot.source == BOOT_DEBUGCON &&
	    e->o->plan == NULL) {
		j->fifo =
		    xasprintf("%s/work/%zu.debugcon", e->o->expdir, j->slot);
		ctx.debugcon = j->fifo;
	}

	if (t == NULL) {
		/* Any configuration of this build will do for its values:
		 * build keys cover exactly the build parameters. */
		struct trial *any;

		for (any = e->active; any != NULL; any = any->next)
			if (any->build == b)
				break;
		ctx.cfg = any->cfg;
	}
	if (e->o->plan != NULL)
		cwd = "/"; /* a dry run touches no file */
	else if (t == NULL) {
		if (files_rmtree(b->dir) != 0 ||
		    files_mkdirs(b->dir, 0755) != 0) {
			*cause = xasprintf("cannot prepare %s: %s", b->dir,
			    strerror(errno));
			goto fail;
		}
		if (job_prepare_build(&ctx, cause) != 0)
			goto fail;
		cwd = b->dir;
	} else {
		if (job_prepare_test(&ctx, cause) != 0)
			goto fail;
		cwd = j->dir;
	}
	if (e->o->plan == NULL) {
		env = job_env(&ctx);
		argv = job_argv(st);
	}
	memset(&req, 0, sizeof req);
	req.job = j->id;
	req.kind = t != NULL ? "test" : "build";
	req.trial = t != NULL ? t->seq : 0;
	req.isolation = (int)st->isolation;
	req.estimate = estimate(e, t != NULL ? STAGE_TEST : STAGE_BUILD);
	req.argv = argv;
	req.env = env;
	req.cwd = cwd;
	req.out_path = j->out;
	req.err_path = j->err;
	req.cpus = cpus;
	req.ncpus = cpus != NULL ? ncpus : 0;
	req.cores = st->cores;
	req.memory = st->memory;
	req.network_none = st->network == NETWORK_NONE;
	req.placed = on_job_placed;
	req.timeout = st->timeout;
	req.done = on_job_done;
	req.kill = on_job_kill;
	req.arg = j;
	req.aslr = st->aslr;
	if (e->o->plan == NULL) {
		req.pmu = e->pmu[t != NULL];
		req.sample_interval = st->sample_interval;
		if (t != NULL) {
			req.boot = (int)st->boot.source;
			req.marker = st->boot.marker_posix;
			req.fifo = j->fifo;
			req.boot_stop = st->boot.stop;
		}
	}
	if (e->o->plan == NULL && sandbox_job(e, j, st, &req, keep, cause) != 0)
		goto fail;
	if ((j->x = e->xops->start(e->xctx, &req, cause)) == NULL)
		goto fail;
	j->started = wall_now();
	j->t0 = uv_now(&e->loop);
	if (e->nsample[t != NULL] > 0 && st->sample_interval > 0) {
		j->interval = (uint64_t)(st->sample_interval * 1000);
		j->next_sample = j->t0 + j->interval;
		j->series.k = e->nsample[t != NULL];
	}
	j->next = e->jobs;
	e->jobs = j;
	e->njobs++;
	if (j->rdt != NULL)
		e->rdt_jobs++;
	/* A placing executor says where the job runs later (placed). */
	if (e->o->plan == NULL && !e->xops->places)
		job_report(e, j, ENGINE_JOB_START, "running", 0);
	if (t != NULL)
		t->running = 1;
	else
		b->state = B_RUNNING;
	rc = 0;
	goto out;
fail:
	memset(&end, 0, sizeof end);
	end.state = "failed";
	end.exit_status = -1;
	end.reason = *cause;
	end.finished = wall_now();
	store_job_end(s, j->id, &end);
	sched_release(e->sched, reqid);
	e->slot_busy[j->slot] = 0;
	job_free(j);
out:
	job_free_strv(env);
	job_free_strv(argv);
	return rc;
}

struct engine_ctl {
	uv_mutex_t lock;
	enum engine_cmd cmd;
	uv_async_t *async; /* the running engine's, or NULL */
};

struct engine_ctl *
engine_ctl_new(void)
{
	struct engine_ctl *c = xcalloc(1, sizeof *c);

	if (uv_mutex_init(&c->lock) != 0)
		fatal("uv_mutex_init failed");
	return c;
}

void
engine_ctl_free(struct engine_ctl *c)
{
	if (c == NULL)
		return;
	uv_mutex_destroy(&c->lock);
	free(c);
}

void
engine_ctl_send(struct engine_ctl *c, enum engine_cmd cmd)
{
	uv_mutex_lock(&c->lock);
	c->cmd = cmd;
	if (c->async != NULL)
		uv_async_send(c->async);
	uv_mutex_unlock(&c->lock);
}

static void
finish(struct engine *e, enum engine_end end)
{
	static const char *const states[] = { "done", "interrupted", "paused" };
	size_t i;

	if (e->closed)
		return;
	e->closed = 1;
	e->end = end;
	store_begin(e->o->store);
	store_experiment_set_state(e->o->store, e->o->experiment, states[end]);
	if (end == ENGINE_DONE)
		event(e, "experiment.done", "{sIsIsI}", "done",
		    (json_int_t)e->p.done, "failed", (json_int_t)e->p.failed,
		    "lost", (json_int_t)e->p.lost);
	else
		event(e,
		    end == ENGINE_PAUSED ? "experiment.paused" :
					   "experiment.interrupted",
		    "{}");
	store_commit(e->o->store);
	if (end != ENGINE_DONE)
		store_recover(e->o->store, e->o->experiment);
	if (e->o->plan != NULL)
		return;
	if (e->o->ctl != NULL) {
		uv_mutex_lock(&e->o->ctl->lock);
		e->o->ctl->async = NULL;
		uv_mutex_unlock(&e->o->ctl->lock);
		uv_close((uv_handle_t *)&e->ctl_async, NULL);
	}
	for (i = 0; i < 3 && !e->o->no_signals; i++)
		uv_close((uv_handle_t *)&e->sig[i], NULL);
	uv_close((uv_handle_t *)&e->tick, NULL);
	uv_close((uv_handle_t *)&e->commit_timer, NULL);
	if (e->sampling)
		uv_close((uv_handle_t *)&e->sample_timer, NULL);
	if (e->exec != NULL)
		exec_close(e->exec);
	if (e->slurm != NULL)
		slurm_close(e->slurm);
}

/* Who asked for a request: a trial's next iteration or a build. */
struct asker {
	struct trial *t; /* the trial (for a build, the first waiting) */
	struct build *b; /* non-NULL for a build */
};

/*
 * The waiting jobs, in the order their trials came (FIFO): each trial's
 * next iteration, or the build it waits for (once per build). Trials
 * whose build failed fail here.
 */
static size_t
requests(struct engine *e, struct sched_req **reqs, struct asker **who)
{
	struct trial *t, *next;
	struct build *b;
	size_t n = 0;

	for (t = e->active; t != NULL; t = next) {
		next = t->next;
		if (t->build != NULL && t->build->state == B_FAILED) {
			if (t->build->lost > MAX_LOST(e))
				trial_lost(e, t, t->build->reason);
			else
				trial_failed(e, t, t->build->reason);
		}
	}
	for (b = e->builds; b != NULL; b = b->next)
		b->listed = 0;
	*reqs = xcalloc(e->nactive + 1, sizeof **reqs);
	*who = xcalloc(e->nactive + 1, sizeof **who);
	for (t = e->active; t != NULL; t = t->next) {
		b = t->build;
		if (t->running || t->rdt_wait ||
		    (b != NULL && b->state == B_RUNNING))
			continue;
		if (b != NULL && b->state == B_PENDING) {
			if (b->listed)
				continue;
			b->listed = 1;
			if (b->req == 0)
				b->req = ++e->next_req;
			(*reqs)[n].id = b->req;
			(*reqs)[n].n = (size_t)e->spec->build.cores;
			(*reqs)[n].level = e->spec->build.isolation;
			(*reqs)[n].estimate = estimate(e, STAGE_BUILD);
			(*who)[n].b = b;
		} else {
			if (t->req == 0)
				t->req = ++e->next_req;
			(*reqs)[n].id = t->req;
			(*reqs)[n].n = (size_t)e->spec->test.cores;
			(*reqs)[n].level = e->spec->test.isolation;
			(*reqs)[n].estimate = estimate(e, STAGE_TEST);
		}
		(*who)[n++].t = t;
	}
	return n;
}

/* Starts what the scheduler grants; returns how many requests wait. */
static size_t
start_granted(struct engine *e)
{
	struct sched_req *reqs;
	struct sched_grant *grants;
	struct asker *who;
	size_t n, ng, i, k;
	char *cause = NULL, *reason;
	int *cpus, rc;

	n = requests(e, &reqs, &who);
	grants = xcalloc(n + 1, sizeof *grants);
	if (e->xops->places) {
		/* The executor places jobs (a cluster): first come, first
		 * started, as many as --jobs allows. */
		for (ng = 0; ng < n && e->njobs + ng < e->o->jobs; ng++)
			grants[ng].req = ng;
	} else
		ng = sched_pick(e->sched, reqs, n, wall_now(), grants);
	for (i = 0; i < ng; i++) {
		const struct sched_req *r = &reqs[grants[i].req];
		struct asker *a = &who[grants[i].req];

		if (e->njobs >= e->o->jobs) {
			/* --jobs caps what runs at once. */
			sched_release(e->sched, r->id);
			continue;
		}
		if (e->xops->places)
			cpus = NULL; /* the executor says, once it knows */
		else {
			cpus = xcalloc(r->n + 1, sizeof *cpus);
			for (k = 0; k < r->n; k++)
				cpus[k] = e->o->topo->pus[grants[i].pus[k]].os;
		}
		if (a->b != NULL) {
			a->b->req = 0;
			if (job_start(e, a->b, NULL, cpus, r->n, r->id,
				&cause) != 0) {
				store_build_set_state(e->o->store, a->b->id,
				    "failed", cause);
				a->b->state = B_FAILED;
				a->b->reason = cause;
			}
		} else {
			a->t->req = 0;
			rc = job_start(e, a->t->build, a->t, cpus, r->n, r->id,
			    &cause);
			if (rc == 1) {
				/* Its cache ways are taken: it waits for a
				 * job holding some to end. */
				sched_release(e->sched, r->id);
				a->t->req = 0;
				a->t->rdt_wait = 1;
			} else if (rc != 0) {
				reason = xasprintf("test could not start: %s",
				    cause);
				trial_failed(e, a->t, reason);
				free(reason);
				free(cause);
			}
		}
	}
	n -= ng;
	free(reqs);
	free(who);
	free(grants);
	return n;
}

/* Ends the run: running jobs are stopped (their trials resume later),
 * nothing new starts. */
static void
stop_all(struct engine *e)
{
	struct job *j;

	e->stopping = 1;
	for (j = e->jobs; j != NULL; j = j->next)
		e->xops->stop(j->x, 0);
	if (e->njobs == 0)
		finish(e, ENGINE_INTERRUPTED);
}

static void
pump(struct engine *e)
{
	struct config **cfgs;
	size_t waiting, room, got, i;
	const char *why;

	if (e->closed)
		return;
	if (e->stopping) {
		if (e->njobs == 0)
			finish(e, ENGINE_INTERRUPTED);
		return;
	}
	if (e->pausing) {
		if (e->njobs == 0)
			finish(e, ENGINE_PAUSED);
		return;
	}
	for (;;) {
		waiting = start_granted(e);
		/*
		 * Room for more, and nothing waiting: propose a trial. The
		 * queue of unfinished trials stays short so that proposals
		 * use the latest results.
		 */
		if (waiting > 0 || e->njobs >= e->o->jobs || e->p.exhausted ||
		    e->p.proposed >= e->p.budget ||
		    e->nactive >= 2 * e->o->jobs)
			break;
		/* The default configuration first, as the baseline every
		 * other trial is compared with. */
		if (e->spec->baseline && e->p.proposed == 0) {
			struct config *d = space_default(e->o->space);

			strategy_mark(e->strategy, d);
			store_trial_set_baseline(e->o->store,
			    trial_new(e, d)->id);
			continue;
		}
		/* As many as there are free slots, in one ask: a strategy
		 * spreads a batch better than one proposal at a time. */
		room = e->o->jobs - e->njobs;
		if (room > e->p.budget - e->p.proposed)
			room = (size_t)(e->p.budget - e->p.proposed);
		if (room > 2 * e->o->jobs - e->nactive)
			room = 2 * e->o->jobs - e->nactive;
		cfgs = xcalloc(room, sizeof *cfgs);
		got = strategy_ask(e->strategy, cfgs, room);
		for (i = 0; i < got; i++)
			trial_new(e, cfgs[i]);
		free(cfgs);
		if (got == 0) {
			if ((why = strategy_error(e->strategy)) != NULL) {
				e->error = xasprintf("strategy %s failed: %s",
				    strategy_name(e->strategy), why);
				notice(e, "%s", e->error);
				stop_all(e);
				return;
			}
			e->p.exhausted = 1;
			break;
		}
	}
	if (e->nactive == 0 && e->njobs == 0 &&
	    (e->p.exhausted || e->p.proposed >= e->p.budget)) {
		if (e->p.exhausted && e->p.proposed < e->p.budget)
			notice(e,
			    "strategy %s has nothing more to propose after "
			    "%llu trials",
			    strategy_name(e->strategy),
			    (unsigned long long)e->p.proposed);
		finish(e, ENGINE_DONE);
	}
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct engine *e = h->data;
	struct job *j;

	if (e->closed)
		return;
	commit_now(e);
	if (!e->stopping) {
		e->stopping = 1;
		if (e->njobs > 0)
			notice(e,
			    "stopping: ending %zu running job%s (%s again "
			    "to force)",
			    e->njobs, e->njobs == 1 ? "" : "s",
			    signum == SIGINT ? "Ctrl-C" : "signal");
		for (j = e->jobs; j != NULL; j = j->next)
			e->xops->stop(j->x, 0);
		pump(e);
		return;
	}
	for (j = e->jobs; j != NULL; j = j->next)
		e->xops->stop(j->x, 1);
}

/* A request of o->ctl, on the engine's loop. */
static void
on_ctl(uv_async_t *h)
{
	struct engine *e = h->data;
	enum engine_cmd cmd;

	uv_mutex_lock(&e->o->ctl->lock);
	cmd = e->o->ctl->cmd;
	e->o->ctl->cmd = ENGINE_CMD_NONE;
	uv_mutex_unlock(&e->o->ctl->lock);
	if (e->closed)
		return;
	switch (cmd) {
	case ENGINE_CMD_PAUSE:
		if (!e->pausing && !e->stopping) {
			e->pausing = 1;
			commit_now(e);
			if (e->njobs > 0)
				notice(e,
				    "pausing: %zu running job%s will finish "
				    "first",
				    e->njobs, e->njobs == 1 ? "" : "s");
		}
		break;
	case ENGINE_CMD_RESUME:
		if (e->pausing && !e->stopping) {
			e->pausing = 0;
			notice(e, "resumed");
		}
		break;
	case ENGINE_CMD_STOP:
		if (!e->stopping) {
			commit_now(e);
			if (e->njobs > 0)
				notice(e, "stopping: ending %zu running job%s",
				    e->njobs, e->njobs == 1 ? "" : "s");
			stop_all(e);
			return;
		}
		break;
	default:
		return;
	}
	batch_begin(e);
	pump(e);
	batch_end(e);
}

static void
on_tick(uv_timer_t *h)
{
	struct engine *e = h->data;

	report(e, ENGINE_TICK, NULL, 0, NULL);
}

/* Replays the store: finished trials are told to the strategy, the
 * others become active again. */
static int
resume(struct engine *e, char **cause)
{
	struct store_trial *v;
	struct config *cfg;
	struct outcome o;
	struct trial *t;
	size_t n, i;
	char *why;

	store_recover(e->o->store, e->o->experiment);
	store_trials(e->o->store, e->o->experiment, &v, &n);
	for (i = 0; i < n; i++) {
		cfg = space_config_parse(e->o->space, v[i].nvalues,
		    (const char *const *)v[i].names,
		    (const char *const *)v[i].values, &why);
		if (cfg == NULL) {
			*cause = xasprintf("trial %lld of experiment %lld does "
					   "not fit the spec: %s",
			    (long long)v[i].seq, (long long)e->o->experiment,
			    why);
			free(why);
			store_trials_free(v, n);
			return -1;
		}
		e->p.proposed++;
		memset(&o, 0, sizeof o);
		if (strcmp(v[i].state, "done") == 0) {
			o.status = OUTCOME_DONE;
			o.value = v[i].value;
			o.stddev = v[i].stddev;
			o.n = v[i].n;
			e->p.done++;
			note_value(e, v[i].seq, v[i].value);
		} else if (strcmp(v[i].state, "failed") == 0) {
			/* One lost to the executor is only known proposed. */
			o.status = reason_lost(v[i].reason) ? OUTCOME_PENDING :
							      OUTCOME_FAILED;
			o.reason = v[i].reason;
			e->p.failed++;
		} else {
			/* Not finished, interrupted, or lost to the
			 * executor: run (again). */
			o.status = OUTCOME_PENDING;
			t = xcalloc(1, sizeof *t);
			t->id = v[i].id;
			t->seq = v[i].seq;
			t->cfg = space_config_dup(e->o->space, cfg);
			t->build = build_for(e, cfg);
			t->next_iter = v[i].iterations_done + 1;
			active_append(e, t);
		}
		strategy_tell(e->strategy, cfg, &o);
		free(cfg);
	}
	store_trials_free(v, n);
	e->p.resumed = e->p.done + e->p.failed;
	if (n > 0)
		notice(e,
		    "resuming experiment %lld: %llu trials finished, "
		    "%zu to continue",
		    (long long)e->o->experiment,
		    (unsigned long long)e->p.resumed, e->nactive);
	return 0;
}

/* The experiment's directories: logs, kept jobs, and one clean work
 * directory per job slot (what a killed run left there is stale). */
static int
make_dirs(struct engine *e, char **cause)
{
	char *path;
	size_t i;
	int rc = 0;

	e->workdir = xasprintf("%s/work", e->o->expdir);
	if (files_rmtree(e->workdir) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < e->o->jobs; i++) {
		path = xasprintf("%s/work/%zu", e->o->expdir, i);
		rc = files_mkdirs(path, 0755);
		free(path);
	}
	if (rc == 0) {
		path = xasprintf("%s/logs", e->o->expdir);
		rc = files_mkdirs(path, 0755);
		free(path);
	}
	if (rc == 0) {
		path = xasprintf("%s/jobs", e->o->expdir);
		rc = files_mkdirs(path, 0755);
		free(path);
	}
	if (rc != 0)
		*cause = xasprintf("cannot prepare %s: %s", e->o->expdir,
		    strerror(errno));
	return rc;
}

/* Whether we may make the namespaces jobs get: tried in a child. */
static int
namespaces_work(void)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == 0)
		_exit(unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC |
			  CLONE_NEWUTS) == 0 ?
			0 :
			1);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * The sandbox the host allows: as root, a cgroup per job slot (v2 or v1)
 * and namespaces; otherwise affinity, rlimits and process-group kill
 * only. Says once what is in force and what is not.
 */
static void
sandbox_open(struct engine *e)
{
	static const char *const features[] = { "cpuset", "memory", "pids",
		"cpu", "kill", NULL };
	struct buf b = BUF_INIT;
	char *why = NULL, *desc, name[64];
	size_t i;
	int rc;

	e->ns = e->ns_net = "";
	e->cgdesc = xstrdup("");
	if (e->o->no_sandbox) {
		notice(e,
		    "sandbox: off (--no-sandbox): no cgroups and no "
		    "namespaces; jobs run with CPU affinity, rlimits "
		    "(memory and pids limits become rlimits) and "
		    "process-group kill only");
		return;
	}
	if (geteuid() != 0) {
		notice(e,
		    "sandbox: not root, so no cgroups and no namespaces: "
		    "jobs run with CPU affinity, rlimits and "
		    "process-group kill only (memory and pids limits "
		    "become rlimits)");
		return;
	}
	if (e->spec->test.cache_ways > 0 || e->spec->test.mem_bandwidth > 0) {
		if (resctrl_open("/sys/fs/resctrl", &e->rdt, &why) != 0) {
			notice(e,
			    "sandbox: the test asks for cache_ways or "
			    "mem_bandwidth, but %s: jobs run without "
			    "cache or bandwidth partitioning",
			    why != NULL ? why : "resctrl is not there");
			free(why);
			why = NULL;
			e->rdt = NULL;
		} else {
			desc = resctrl_describe(e->rdt);
			notice(e, "sandbox: resctrl: %s", desc);
			free(desc);
		}
	}
	if (namespaces_work()) {
		e->ns = EXEC_NS;
		e->ns_net = EXEC_NS_NET;
	} else
		notice(e,
		    "sandbox: this kernel or container does not let us "
		    "make namespaces: no private /tmp or PID namespace for "
		    "jobs");
	if ((rc = cgroup_sys_open("/sys/fs/cgroup", NULL, &e->cgsys, &why)) !=
	    0) {
		notice(e,
		    "sandbox: no cgroups (%s): no memory or pids limits "
		    "(rlimits stand in), no CPU or memory accounting; "
		    "namespaces mount, pid, ipc, uts and a private /tmp "
		    "are in force",
		    why != NULL ? why : strerror(-rc));
		free(why);
		e->cgsys = NULL;
		return;
	}
	snprintf(name, sizeof name, "wayfinder-%d", (int)getpid());
	if ((rc = cgroup_instance(e->cgsys, name, &why)) == 0) {
		e->slot_cg = xcalloc(e->o->jobs + 1, sizeof *e->slot_cg);
		for (i = 0; i < e->o->jobs && rc == 0; i++) {
			snprintf(name, sizeof name, "slot%zu", i);
			rc = cgroup_new(e->cgsys, name, &e->slot_cg[i], &why);
		}
	}
	if (rc != 0) {
		notice(e,
		    "sandbox: cannot create cgroups (%s): no memory or "
		    "pids limits, no accounting",
		    why != NULL ? why : strerror(-rc));
		free(why);
		sandbox_close(e);
		return;
	}
	buf_printf(&b, "cgroup-v%d:", cgroup_sys_version(e->cgsys));
	for (i = 0; features[i] != NULL; i++)
		if (cgroup_sys_has(e->cgsys, features[i]))
			buf_printf(&b, "%s%s",
			    b.data[b.len - 1] == ':' ? "" : "+", features[i]);
	free(e->cgdesc);
	e->cgdesc = buf_steal(&b);
	desc = cgroup_sys_describe(e->cgsys);
	notice(e,
	    "sandbox: %s; namespaces mount, pid, ipc, uts (net when a "
	    "stage says network: none); a private /tmp",
	    desc);
	free(desc);
}

static void
sandbox_close(struct engine *e)
{
	size_t i;

	if (e->rdt != NULL)
		resctrl_close(e->rdt);
	e->rdt = NULL;
	if (e->slot_cg != NULL)
		for (i = 0; i < e->o->jobs; i++)
			if (e->slot_cg[i] != NULL)
				cgroup_free(e->slot_cg[i]);
	free(e->slot_cg);
	e->slot_cg = NULL;
	if (e->cgsys != NULL)
		cgroup_sys_close(e->cgsys);
	e->cgsys = NULL;
}

/* Every job of the spec must fit the usable CPUs at its level. */
static int
check_fits(const struct engine_opts *o, char **cause)
{
	const struct stagespec *st[2] = { &o->spec->build, &o->spec->test };
	struct sched *s;
	int i, rc = 0;

	s = sched_new(o->topo);
	for (i = 0; i < 2 && rc == 0; i++) {
		if (!st[i]->present)
			continue;
		if (!sched_possible(s, (size_t)st[i]->cores,
			st[i]->isolation)) {
			*cause =
			    xasprintf("a %s job needs %d CPU%s at isolation "
				      "%s, which the %zu usable CPUs of %s "
				      "cannot give",
				i == 0 ? "build" : "test", st[i]->cores,
				st[i]->cores == 1 ? "" : "s",
				spec_isolation_name(st[i]->isolation),
				o->topo->nusable, o->topo->source);
			rc = -1;
		}
	}
	sched_free(s);
	return rc;
}

int
engine_run(const struct engine_opts *o, enum engine_end *end,
    struct engine_progress *progress, char **cause)
{
	static const int signals[3] = { SIGINT, SIGTERM, SIGHUP };
	struct strategy_conf conf;
	struct engine *e;
	struct build *b, *bn;
	struct trial *t, *tn;
	size_t i;
	int rc = -1;

	/* On a cluster, Slurm says what fits (sbatch refuses a job that
	 * fits no node). */
	if ((o->executor != EXECUTOR_SLURM || o->plan != NULL) &&
	    check_fits(o, cause) != 0)
		return -1;
	e = xcalloc(1, sizeof *e);
	e->o = o;
	e->spec = o->spec;
	e->iters = o->spec->test.warmup + o->spec->test.repeat;
	e->p.budget = o->budget;
	e->t0 = uv_hrtime();
	conf.seed = o->seed;
	conf.seeded = o->seeded;
	conf.direction = o->spec->direction;
	conf.options = o->options;
	conf.noptions = o->noptions;
	conf.dir = o->spec->dir;
	conf.cwd = o->cwd;
	if ((e->strategy = strategy_new(o->strategy, o->space, &conf, cause)) ==
	    NULL) {
		free(e);
		return -1;
	}
	e->sched = sched_new(o->topo);
	e->slot_busy = xcalloc(o->jobs, 1);
	uv_loop_init(&e->loop);
	e->ns = e->ns_net = "";
	e->cgdesc = xstrdup("");
	if (o->plan == NULL && make_dirs(e, cause) != 0)
		goto out;
	if (resume(e, cause) != 0 ||
	    (o->plan == NULL && counters_open(e, cause) != 0))
		goto out;
	store_begin(o->store);
	store_experiment_set_state(o->store, o->experiment, "running");
	event(e, "experiment.start", "{sssIsI}", "strategy", o->strategy,
	    "budget", (json_int_t)o->budget, "jobs", (json_int_t)o->jobs);
	store_commit(o->store);

	if (o->plan != NULL) {
		/* A dry run: the simulated executor drives everything. */
		the_plan = o->plan;
		e->xops = &plan_executor;
		e->xctx = o->plan;
		batch_begin(e);
		pump(e);
		batch_end(e);
		plan_run(o->plan);
		the_plan = NULL;
	} else {
		/* Before the signals: the start-up probe runs the loop. */
		if (o->executor == EXECUTOR_SLURM) {
			if ((e->slurm = slurm_new(&e->loop, &o->spec->executor,
				 o->state_dir, o->expdir, !o->no_sandbox,
				 cause)) == NULL)
				goto out;
			if (slurm_check(e->slurm, o->spec, cause) != 0) {
				slurm_close(e->slurm);
				e->slurm = NULL;
				goto out;
			}
		}
		for (i = 0; i < 3 && !o->no_signals; i++) {
			uv_signal_init(&e->loop, &e->sig[i]);
			e->sig[i].data = e;
			uv_signal_start(&e->sig[i], on_signal, signals[i]);
		}
		if (o->ctl != NULL) {
			uv_async_init(&e->loop, &e->ctl_async, on_ctl);
			e->ctl_async.data = e;
			uv_mutex_lock(&o->ctl->lock);
			o->ctl->async = &e->ctl_async;
			if (o->ctl->cmd != ENGINE_CMD_NONE)
				uv_async_send(&e->ctl_async);
			uv_mutex_unlock(&o->ctl->lock);
		}
		free(e->cgdesc);
		if (e->slurm != NULL) {
			/* Slurm's confinement, not ours; the shim on the
			 * node makes the namespaces when it may (each job's
			 * protections say whether it did). */
			e->cgdesc = xstrdup(slurm_protections(e->slurm));
			if (!o->no_sandbox) {
				e->ns = EXEC_NS;
				e->ns_net = EXEC_NS_NET;
			}
			notice(e, "%s", slurm_notice(e->slurm));
		} else
			sandbox_open(e);
		samples_open(e);
		if (e->slurm != NULL) {
			e->xops = &exec_slurm;
			e->xctx = e->slurm;
		} else {
			e->exec = exec_new(&e->loop);
			e->xops = &exec_local;
			e->xctx = e->exec;
		}
		uv_timer_init(&e->loop, &e->tick);
		e->tick.data = e;
		uv_timer_init(&e->loop, &e->commit_timer);
		e->commit_timer.data = e;
		uv_timer_start(&e->tick, on_tick, 1000, 1000);
		batch_begin(e);
		pump(e);
		batch_end(e);
		uv_run(&e->loop, UV_RUN_DEFAULT);
	}
	*end = e->end;
	progress_update(e);
	*progress = e->p;
	rc = 0;
	if (e->error != NULL) {
		*cause = e->error;
		e->error = NULL;
		rc = -1;
	}
out:
	for (t = e->active; t != NULL; t = tn) {
		tn = t->next;
		trial_free(t);
	}
	for (b = e->builds; b != NULL; b = bn) {
		bn = b->next;
		free(b->dir);
		free(b->reason);
		free(b);
	}
	if (uv_loop_close(&e->loop) != 0)
		fatal("engine loop still has handles");
	sandbox_close(e);
	counters_close(e);
	free(e->cgdesc);
	free(e->workdir);
	strategy_free(e->strategy);
	sched_free(e->sched);
	free(e->slot_busy);
	free(e->error);
	free(e);
	return rc;
}
