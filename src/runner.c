/*
 * Running an experiment: what `wayfinder run --foreground` and the
 * daemon share, from a spec's path and the run's options to the engine's
 * end. Nothing here prints: lines for the user go through the hooks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "cpulist.h"
#include "exec-slurm.h"
#include "files.h"
#include "host.h"
#include "runner.h"
#include "sched.h"
#include "sha256.h"
#include "space.h"
#include "state.h"
#include "store.h"
#include "topo.h"
#include "xmalloc.h"
#include "../strategies/strategy.h"

#define SMALL_SPACE 10000 /* swept whole when no budget is given */

struct runner {
	struct spec *spec;
	struct space *space;
	struct store *store;
	char *dir;
	char *strategy;
	struct spec_option *cli; /* --option, lists split */
	size_t ncli;
	struct spec_option *opts; /* the spec's then cli's (not owned) */
	size_t nopts;
	uint64_t budget, seed, jobs;
	int seeded;
	int complete;
	int64_t exp;
	char *cpus, *reserve;
	int no_sandbox;
	char *cwd;
	int executor;
};

static void say(const struct runner_hooks *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct runner_hooks *h, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (h->say == NULL)
		return;
	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	h->say(h->arg, line);
	free(line);
}

/* The experiment's identity: what it searches and how. The spec's own
 * options are in its hash; those of the command line are added. */
static char *
identity(const struct runner *r)
{
	struct sha256 h;
	struct buf b = BUF_INIT;
	char hex[65], *text;
	size_t i, k;

	for (i = 0; i < r->ncli; i++) {
		buf_printf(&b, "%s=", r->cli[i].name);
		if (r->cli[i].value != NULL)
			buf_printf(&b, "%s", r->cli[i].value);
		for (k = 0; k < r->cli[i].nlist; k++)
			buf_printf(&b, "%s%s", k > 0 ? "," : "",
			    r->cli[i].list[k]);
		buf_addc(&b, '\n');
	}
	text = xasprintf("%s\n%s\n%llu\n%d\n%s", r->spec->hash, r->strategy,
	    (unsigned long long)r->seed, r->seeded, buf_str(&b));
	buf_free(&b);
	sha256_init(&h);
	sha256_update(&h, text, strlen(text));
	sha256_hex(&h, hex, 32);
	free(text);
	return xstrdup(hex);
}

/*
 * The strategy's settings: the spec's (when it is the spec's strategy),
 * then the request's, each checked; a list setting of the request has
 * its items separated by commas. Returns 0, or -1 with *cause.
 */
static int
merge_options(struct runner *r, const struct runner_request *q, char **cause)
{
	const struct strategy_ops *ops = strategy_find(r->strategy);
	const struct spec *s = r->spec;
	const struct strategy_opt *d;
	struct spec_option *o;
	const char *hint, *p;
	char *why;
	size_t i;

	if (s->noptions > 0 &&
	    (s->strategy == NULL || strcmp(s->strategy, r->strategy) != 0)) {
		*cause = xasprintf("the spec's search options are for %s, not "
				   "%s: give %s's with --option NAME=VALUE",
		    s->strategy != NULL ? s->strategy : "its strategy",
		    r->strategy, r->strategy);
		return -1;
	}
	r->cli = xcalloc(q->noptions + 1, sizeof *r->cli);
	for (i = 0; i < q->noptions; i++) {
		o = &r->cli[r->ncli++];
		o->name = xstrdup(q->options[i].name);
		for (d = ops->opts; d != NULL && d->name != NULL; d++)
			if (strcmp(d->name, o->name) == 0)
				break;
		if (d != NULL && d->name != NULL && d->type == SOPT_LIST) {
			o->list = xcalloc(1, sizeof *o->list);
			for (p = q->options[i].value; *p != '\0';) {
				size_t len = strcspn(p, ",");

				o->list = xreallocarray(o->list, o->nlist + 2,
				    sizeof *o->list);
				o->list[o->nlist++] = xstrndup(p, len);
				o->list[o->nlist] = NULL;
				p += len + (p[len] == ',');
			}
		} else
			o->value = xstrdup(q->options[i].value);
		if (strategy_check_option(ops, o, &why, &hint) != 0) {
			if (hint != NULL)
				*cause = xasprintf("--option %s: %s; did you "
						   "mean '%s'?",
				    o->name, why, hint);
			else
				*cause =
				    xasprintf("--option %s: %s", o->name, why);
			free(why);
			return -1;
		}
	}
	r->opts = xcalloc(s->noptions + r->ncli + 1, sizeof *r->opts);
	if (s->noptions > 0)
		memcpy(r->opts, s->options, s->noptions * sizeof *r->opts);
	if (r->ncli > 0)
		memcpy(r->opts + s->noptions, r->cli,
		    r->ncli * sizeof *r->opts);
	r->nopts = s->noptions + r->ncli;
	return 0;
}

static void
store_file(struct store *st, int64_t exp, const char *path, const char *rel)
{
	size_t len;
	char *text;

	if ((text = files_read(path, &len)) == NULL)
		return;
	store_experiment_file(st, exp, rel, text, len);
	free(text);
}

/* The files the experiment depends on, kept with it. */
static void
store_files(struct store *st, int64_t exp, const struct spec *s)
{
	const struct stagespec *stages[2] = { &s->build, &s->test };
	size_t i, k;

	for (k = 0; k < 2; k++) {
		if (!stages[k]->present)
			continue;
		if (stages[k]->script != NULL)
			store_file(st, exp, stages[k]->script,
			    stages[k]->script_rel);
		for (i = 0; i < stages[k]->ntemplates; i++)
			store_file(st, exp, stages[k]->templates[i].path,
			    stages[k]->templates[i].rel);
	}
	for (i = 0; i < s->ninputs; i++)
		store_file(st, exp, s->inputs[i], s->inputs[i]);
}

enum runner_status
runner_prepare(const struct runner_request *q, struct runner **out,
    struct diags *d, char **cause)
{
	struct store_experiment ex;
	struct store_progress prog;
	struct space_count size;
	struct runner *r;
	char *ident = NULL, *t;
	enum runner_status rc = RUNNER_USAGE;

	*out = NULL;
	*cause = NULL;
	r = xcalloc(1, sizeof *r);
	r->budget = q->budget;
	r->seed = q->seed;
	r->seeded = q->seeded;
	r->jobs = q->jobs;
	r->no_sandbox = q->no_sandbox;
	r->cwd = q->cwd != NULL ? xstrdup(q->cwd) : NULL;
	r->executor = q->executor;
	r->cpus = q->cpus != NULL ? xstrdup(q->cpus) : NULL;
	r->reserve = q->reserve != NULL ? xstrdup(q->reserve) : NULL;
	if ((r->spec = spec_load(q->spec, d)) == NULL)
		goto fail; /* d says why */
	r->space = space_new(r->spec);
	r->strategy = xstrdup(q->strategy != NULL ? q->strategy :
		r->spec->strategy != NULL         ? r->spec->strategy :
						    "random");
	if (strategy_find(r->strategy) == NULL) {
		*cause = xasprintf("unknown strategy '%s' (%s)", r->strategy,
		    strategy_list());
		goto fail;
	}
	if (merge_options(r, q, cause) != 0)
		goto fail;
	if (r->executor < 0)
		r->executor = (int)r->spec->executor.type;
	if (!r->seeded && r->spec->has_seed) {
		r->seed = r->spec->seed;
		r->seeded = 1;
	}
	if (q->topology != NULL && !q->dry) {
		*cause = xstrdup("--topology plans for another machine: use it "
				 "with --dry-run");
		goto fail;
	}
	if (q->dry) {
		/* A plan: an experiment in a store of its own, in memory. */
		r->dir = xstrdup("(dry run)");
		if (store_open(":memory:", &r->store, cause) != 0) {
			rc = RUNNER_STORE;
			goto fail;
		}
	} else {
		r->dir = xstrdup(q->state);
		if (state_open(r->dir, &r->store, cause) != 0) {
			rc = RUNNER_STORE;
			goto fail;
		}
	}
	ident = identity(r);
	if (q->experiment != 0) {
		/* That one, and only as it began. */
		if (store_experiment_get(r->store, q->experiment, &ex) != 0 ||
		    strcmp(ex.identity, ident) != 0) {
			*cause = xasprintf("experiment %lld cannot go on as "
					   "it began: its spec, a file it "
					   "names or its settings changed",
			    (long long)q->experiment);
			if (ex.identity != NULL)
				store_experiment_clear(&ex);
			rc = RUNNER_FAIL;
			goto fail;
		}
		store_experiment_clear(&ex);
	}
	if (q->experiment != 0 ||
	    (!q->fresh && !q->dry &&
		(r->exp = store_experiment_find(r->store, ident)) != 0)) {
		if (q->experiment != 0)
			r->exp = q->experiment;
		store_experiment_get(r->store, r->exp, &ex);
		/* Done, unless trials were lost (to the cluster): those
		 * are run again. */
		store_experiment_progress(r->store, r->exp,
		    strcmp(ex.direction, "maximize") == 0, &prog);
		if (strcmp(ex.state, "done") == 0 &&
		    (r->budget == 0 || r->budget <= ex.budget) &&
		    prog.lost == 0)
			r->complete = 1;
		else {
			if (r->budget == 0)
				r->budget = ex.budget; /* as it was */
			store_experiment_set_budget(r->store, r->exp,
			    r->budget);
		}
		if (r->budget == 0)
			r->budget = ex.budget;
		store_experiment_clear(&ex);
	} else {
		if (r->budget == 0)
			r->budget = r->spec->budget;
		if (r->budget == 0) {
			space_size(r->space, &size);
			if (!size.exact || !size.fits || size.n > SMALL_SPACE) {
				t = space_count_text(&size);
				*cause = xasprintf("%s: no budget: give "
						   "--budget N or "
						   "search.budget (the space "
						   "has %s configurations)",
				    r->spec->path, t);
				free(t);
				goto fail;
			}
			r->budget = size.n;
		}
		r->exp = store_experiment_create(r->store, r->spec, ident,
		    r->strategy, r->seed, r->seeded, r->budget);
		if (!q->dry)
			store_files(r->store, r->exp, r->spec);
	}
	free(ident);
	*out = r;
	return RUNNER_OK;
fail:
	free(ident);
	runner_free(r);
	return rc;
}

void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	store_close(r->store);
	free(r->opts); /* its entries are the spec's and cli's */
	spec_options_free(r->cli, r->ncli);
	space_free(r->space);
	spec_free(r->spec);
	free(r->strategy);
	free(r->dir);
	free(r->cpus);
	free(r->reserve);
	free(r->cwd);
	free(r);
}

const struct spec *
runner_spec(const struct runner *r)
{
	return r->spec;
}

const struct space *
runner_space(const struct runner *r)
{
	return r->space;
}

struct store *
runner_store(const struct runner *r)
{
	return r->store;
}

int64_t
runner_experiment(const struct runner *r)
{
	return r->exp;
}

const char *
runner_strategy(const struct runner *r)
{
	return r->strategy;
}

uint64_t
runner_budget(const struct runner *r)
{
	return r->budget;
}

const char *
runner_dir(const struct runner *r)
{
	return r->dir;
}

int
runner_complete(const struct runner *r)
{
	return r->complete;
}

void
runner_engine_opts(const struct runner *r, struct engine_opts *eo)
{
	memset(eo, 0, sizeof *eo);
	eo->spec = r->spec;
	eo->space = r->space;
	eo->store = r->store;
	eo->experiment = r->exp;
	eo->strategy = r->strategy;
	eo->options = r->opts;
	eo->noptions = r->nopts;
	eo->seed = r->seed;
	eo->seeded = r->seeded;
	eo->budget = r->budget;
	eo->jobs = (size_t)r->jobs;
	eo->no_sandbox = r->no_sandbox;
	eo->cwd = r->cwd;
	eo->executor = r->executor;
	eo->state_dir = r->dir;
}

static void
say_lines(const struct runner_hooks *h, const char *prefix,
    struct host_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		say(h, "%s%s", prefix, l->v[i]);
	host_lines_free(l);
}

/*
 * Restores what crashed engines left on the host, then applies the spec's
 * host: section for this run (undone at its end by host_undo). Every
 * change is journalled in the store before it is made. Returns 1 if it
 * changed anything.
 */
static int
host_setup(const struct runner *r, const struct runner_hooks *h,
    const char *owner)
{
	struct host_lines done = { NULL, 0 }, skipped = { NULL, 0 };
	const struct hostspec *hs = &r->spec->host;
	char *cause = NULL;
	int n;

	if (host_restore(r->store, "", HOST_RESTORE_STALE, &done, &cause) < 0) {
		say(h, "host: cannot undo what an earlier run left: %s", cause);
		free(cause);
		cause = NULL;
	}
	say_lines(h, "host: undone (left by a crashed run): ", &done);
	if (hs->governor == NULL && hs->turbo < 0 && hs->smt < 0 &&
	    hs->aslr < 0)
		return 0;
	n = host_apply(r->store, "", hs, owner, &done, &skipped, &cause);
	if (n < 0) {
		say(h, "host: the spec's host settings are not applied: %s",
		    cause);
		free(cause);
		return 0;
	}
	if (!h->quiet)
		say_lines(h, "host: ", &done);
	else
		host_lines_free(&done);
	say_lines(h, "host: not on this machine: ", &skipped);
	return n > 0;
}

/* Undoes this run's host changes. */
static void
host_undo(const struct runner *r, const struct runner_hooks *h,
    const char *owner)
{
	struct host_lines done = { NULL, 0 };
	char *cause = NULL;

	if (host_restore(r->store, "", owner, &done, &cause) < 0) {
		say(h,
		    "host: cannot undo this run's changes: %s (wayfinder host "
		    "restore does)",
		    cause);
		free(cause);
	}
	if (!h->quiet)
		say_lines(h, "host: restored ", &done);
	else
		host_lines_free(&done);
}

uint64_t
runner_max_jobs(const struct topo *topo, const struct spec *s)
{
	struct sched *sc = sched_new(topo);
	size_t a, b = 0;

	a = sched_capacity(sc, (size_t)s->test.cores, s->test.isolation);
	if (s->build.present)
		b = sched_capacity(sc, (size_t)s->build.cores,
		    s->build.isolation);
	sched_free(sc);
	return a > b ? a : b > 0 ? b : 1;
}

enum runner_status
runner_run(struct runner *r, const struct runner_hooks *h, enum engine_end *end,
    struct engine_progress *progress, char **cause)
{
	struct engine_opts eo;
	struct topo *topo = NULL;
	char *owner, *expdir = NULL, *lockpath = NULL, *t;
	enum runner_status rc = RUNNER_FAIL;
	int *cpus = NULL, lockfd = -1, tuned;
	size_t ncpus;
	uint64_t jobs = r->jobs;

	*cause = NULL;
	/* Host tuning comes before the topology: SMT off takes CPUs
	 * offline. */
	owner = host_engine_owner();
	if (r->executor == EXECUTOR_SLURM) {
		/* The jobs run on the cluster's nodes, not here. */
		tuned = 0;
		if (r->spec->host.governor != NULL ||
		    r->spec->host.turbo >= 0 || r->spec->host.smt >= 0 ||
		    r->spec->host.aslr >= 0)
			say(h,
			    "host: the spec's host settings are not applied: "
			    "jobs run on Slurm's nodes, which Wayfinder "
			    "does not tune");
	} else
		tuned = host_setup(r, h, owner);
	if (topo_load(NULL, &topo, cause) != 0 ||
	    topo_restrict(topo, r->cpus, r->reserve, cause) != 0) {
		rc = RUNNER_USAGE;
		goto out;
	}
	cpus = topo_usable(topo, &ncpus);
	expdir = state_experiment_dir(r->dir, r->exp);
	if (files_mkdirs(expdir, 0700) != 0) {
		*cause = xasprintf("%s: %s", expdir, strerror(errno));
		goto out;
	}
	lockpath = xasprintf("%s/lock", expdir);
	if ((lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		*cause = xasprintf("experiment %lld is being run by another "
				   "wayfinder (%s is locked)",
		    (long long)r->exp, lockpath);
		goto out;
	}
	if (r->executor == EXECUTOR_SLURM) {
		/* The cluster's CPUs, not this machine's, bound the jobs. */
		if (jobs == 0)
			jobs = slurm_default_jobs(&r->spec->executor,
			    r->spec->test.cores);
		if (!h->quiet)
			say(h,
			    "experiment %lld (%s): %s, budget %llu, up to %llu "
			    "job%s at once on Slurm%s%s, state %s",
			    (long long)r->exp, r->spec->name, r->strategy,
			    (unsigned long long)r->budget,
			    (unsigned long long)jobs, jobs == 1 ? "" : "s",
			    r->spec->executor.partition != NULL ?
				", partition " :
				"",
			    r->spec->executor.partition != NULL ?
				r->spec->executor.partition :
				"",
			    r->dir);
	} else {
		if (jobs == 0)
			jobs = ncpus;
		if (jobs > ncpus / (size_t)r->spec->test.cores)
			jobs = ncpus /
			    (size_t)r->spec->test.cores; /* what can run */
		if (jobs == 0)
			jobs = 1; /* the engine refuses it with the reason */
		if (jobs > runner_max_jobs(topo, r->spec))
			jobs = runner_max_jobs(topo, r->spec);
	}
	if (!h->quiet && r->executor != EXECUTOR_SLURM) {
		t = cpulist_format(cpus, ncpus);
		say(h,
		    "experiment %lld (%s): %s, budget %llu, up to %llu job%s "
		    "at once on CPUs %s, state %s",
		    (long long)r->exp, r->spec->name, r->strategy,
		    (unsigned long long)r->budget, (unsigned long long)jobs,
		    jobs == 1 ? "" : "s", t, r->dir);
		free(t);
	}
	runner_engine_opts(r, &eo);
	eo.expdir = expdir;
	eo.jobs = (size_t)jobs;
	eo.topo = topo;
	eo.report = h->report;
	eo.arg = h->arg;
	eo.ctl = h->ctl;
	eo.no_signals = h->no_signals;
	if (engine_run(&eo, end, progress, cause) != 0) {
		/* Not running any more: it can be run again once the cause
		 * is fixed. */
		store_experiment_set_state(r->store, r->exp, "interrupted");
		goto out;
	}
	rc = RUNNER_OK;
out:
	if (tuned)
		host_undo(r, h, owner);
	free(owner);
	if (lockfd >= 0)
		close(lockfd);
	free(lockpath);
	free(expdir);
	free(cpus);
	topo_free(topo);
	return rc;
}
