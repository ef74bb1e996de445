/*
 * wayfinder run SPEC: runs (or resumes) an experiment with the engine in
 * this process, showing progress on a terminal and plain lines
 * otherwise.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <limits.h>
#include <stdint.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "client.h"
#include "cmd.h"
#include "cpulist.h"
#include "diag.h"
#include "engine.h"
#include "host.h"
#include "plan.h"
#include "runner.h"
#include "sched.h"
#include "topo.h"
#include "files.h"
#include "sha256.h"
#include "space.h"
#include "spec.h"
#include "state.h"
#include "store.h"
#include "xmalloc.h"
#include "../strategies/strategy.h"

#define SMALL_SPACE 10000 /* swept whole when no budget is given */

struct run {
	const struct spec *spec;
	const struct space *space;
	int tty;
	int quiet;
	int samples;    /* print live samples */
	int line_shown; /* a progress line is on the screen */
	const char *unit;
};

static void
usage(FILE *f)
{
	fputs("usage: wayfinder run SPEC [--foreground] [--strategy NAME] "
	      "[--budget N]\n                     [--seed S] [--jobs N] "
	      "[--state DIR] [--new] [--quiet]\n"
	      "                     [--dry-run [--topology T]] [--cpus LIST] "
	      "[--reserve LIST]\n"
	      "                     [--no-sandbox] [--samples] [--option "
	      "NAME=VALUE]...\n"
	      "                     [--executor local|slurm]\n",
	    f);
}

static void
clear_line(struct run *r)
{
	if (r->line_shown) {
		fputs("\r\033[K", stdout);
		r->line_shown = 0;
	}
}

/* ", N lost" when some trials were lost (into buf), else "". */
static const char *
lost_text(uint64_t lost, char *buf, size_t size)
{
	if (lost == 0)
		return "";
	snprintf(buf, size, ", %llu lost", (unsigned long long)lost);
	return buf;
}

static void
progress_line(struct run *r, const struct engine_progress *p)
{
	char *eta = p->eta >= 0 ? cmd_clock(p->eta) : xstrdup("?");
	char *el = cmd_clock(p->elapsed), buf[32];

	clear_line(r);
	printf("[%llu/%llu] %llu failed%s",
	    (unsigned long long)(p->done + p->failed + p->lost),
	    (unsigned long long)p->budget, (unsigned long long)p->failed,
	    lost_text(p->lost, buf, sizeof buf));
	if (p->have_best)
		printf(" | best %.6g (trial %lld)", p->best,
		    (long long)p->best_seq);
	printf(" | %zu running", p->running - p->queued);
	if (p->queued > 0)
		printf(", %zu queued", p->queued);
	printf(" | %s elapsed, ETA %s%s", el, eta,
	    p->stopping ? " | stopping" : "");
	fflush(stdout);
	r->line_shown = 1;
	free(eta);
	free(el);
}

/* "sample test trial 3 iteration 2 cpus 1 t=1.50s task-clock=..." */
static void
sample_line(struct run *r, const struct engine_report *rep)
{
	const struct engine_sample *smp = rep->sample;
	char *cpus = cpulist_format(smp->cpus, smp->ncpus);
	size_t i;

	clear_line(r);
	if (smp->trial > 0)
		printf("sample trial %lld iteration %d", (long long)smp->trial,
		    smp->iteration);
	else
		printf("sample build job %lld", (long long)smp->job);
	printf(" cpus %s t=%.2fs", cpus, smp->t_ms / 1000);
	for (i = 0; i < smp->n; i++)
		if (isnan(smp->values[i]))
			printf(" %s=?", smp->names[i]);
		else
			printf(" %s=%.6g", smp->names[i], smp->values[i]);
	putchar('\n');
	free(cpus);
	if (r->tty && !r->quiet)
		progress_line(r, rep->progress);
	else
		fflush(stdout);
}

static void
on_report(const struct engine_report *rep, void *arg)
{
	struct run *r = arg;
	const struct engine_progress *p = rep->progress;
	char *cfg;

	switch (rep->kind) {
	case ENGINE_JOB_START:
	case ENGINE_JOB_END:
		return;
	case ENGINE_SAMPLE:
		if (r->samples)
			sample_line(r, rep);
		return;
	case ENGINE_TICK:
		if (r->tty && !r->quiet)
			progress_line(r, p);
		return;
	case ENGINE_NOTICE:
		clear_line(r);
		printf("%s\n", rep->text);
		break;
	case ENGINE_TRIAL_DONE:
	case ENGINE_TRIAL_FAILED:
	case ENGINE_TRIAL_LOST:
		if (r->quiet)
			break;
		clear_line(r);
		cfg = space_config_text(r->space, rep->cfg);
		if (strlen(cfg) > 160)
			strcpy(cfg + 157, "...");
		if (rep->kind == ENGINE_TRIAL_DONE)
			printf("trial %lld: %s %.6g%s  [%s]\n",
			    (long long)rep->seq, r->spec->objective, rep->value,
			    p->best_seq == rep->seq ? " (best)" : "", cfg);
		else
			printf("trial %lld: %s: %s  [%s]\n",
			    (long long)rep->seq,
			    rep->kind == ENGINE_TRIAL_LOST ? "lost" : "failed",
			    rep->text, cfg);
		free(cfg);
		break;
	}
	if (r->tty && !r->quiet)
		progress_line(r, p);
	else
		fflush(stdout);
}

/* --option NAME=VALUE (VALUE a,b,c for a list): appended to *v. */
static int
cli_option(const char *arg, struct spec_option **v, size_t *n)
{
	const char *eq = strchr(arg, '=');
	struct spec_option *o;

	if (eq == NULL || eq == arg) {
		cmd_error("--option needs NAME=VALUE, not '%s'", arg);
		return -1;
	}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	o = &(*v)[(*n)++];
	memset(o, 0, sizeof *o);
	o->name = xstrndup(arg, (size_t)(eq - arg));
	o->value = xstrdup(eq + 1);
	return 0;
}

static int
parse_u64(const char *arg, const char *opt, uint64_t min, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg == '\0' || *arg == '-' || *end != '\0' || errno != 0 ||
	    v < min) {
		cmd_error("%s needs a whole number%s, not '%s'", opt,
		    min > 0 ? " of at least 1" : "", arg);
		return -1;
	}
	*out = v;
	return 0;
}

static void
summary(const struct run *r, struct store *st, int64_t exp,
    const struct engine_progress *p, enum engine_end end)
{
	struct store_trial *v;
	size_t n, i, j, k;
	char *el = cmd_clock(p->elapsed), buf[32];

	printf("experiment %lld (%s) %s: %llu trial%s, %llu measured, %llu "
	       "failed%s, %s\n",
	    (long long)exp, r->spec->name,
	    end == ENGINE_DONE ? "done" : "interrupted",
	    (unsigned long long)(p->done + p->failed + p->lost),
	    p->done + p->failed + p->lost == 1 ? "" : "s",
	    (unsigned long long)p->done, (unsigned long long)p->failed,
	    lost_text(p->lost, buf, sizeof buf), el);
	free(el);
	if (p->have_best) {
		printf("best: trial %lld, %s %.6g (%s)\n",
		    (long long)p->best_seq, r->spec->objective, p->best,
		    spec_direction_name(r->spec->direction));
		store_trials(st, exp, &v, &n);
		for (i = 0; i < n; i++) {
			if (v[i].seq != p->best_seq)
				continue;
			/* In spec order, as everywhere else. */
			printf(" ");
			for (j = 0; j < r->spec->nparams; j++)
				for (k = 0; k < v[i].nvalues; k++)
					if (strcmp(v[i].names[k],
						r->spec->params[j].name) == 0)
						printf(" %s=%s", v[i].names[k],
						    v[i].values[k]);
			printf("\n");
		}
		store_trials_free(v, n);
	}
	if (end == ENGINE_INTERRUPTED)
		printf("resume: wayfinder run %s (same options)\n",
		    r->spec->path);
	printf("results: wayfinder results %lld\n", (long long)exp);
}

/* --dry-run: the plan on stdout as CSV, its summary on stderr. */
static int
dry_run(struct runner *rn, const char *topoarg, const char *cpusarg,
    const char *reserve, uint64_t jobs)
{
	struct engine_opts eo;
	struct engine_progress prog;
	enum engine_end end;
	struct topo *topo = NULL;
	struct plan *plan;
	const struct spec *s = runner_spec(rn);
	char *cause = NULL;
	size_t ncpus;
	int *cpus;

	if (topo_load(topoarg, &topo, &cause) != 0 ||
	    topo_restrict(topo, cpusarg, reserve, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		topo_free(topo);
		return EXIT_USAGE;
	}
	cpus = topo_usable(topo, &ncpus);
	free(cpus);
	if (jobs == 0)
		jobs = ncpus;
	if (jobs > ncpus / (size_t)s->test.cores)
		jobs = ncpus / (size_t)s->test.cores;
	if (jobs == 0)
		jobs = 1;
	if (jobs > runner_max_jobs(topo, s))
		jobs = runner_max_jobs(topo, s);
	plan = plan_new(topo);
	runner_engine_opts(rn, &eo);
	eo.expdir = "/nonexistent";
	eo.jobs = (size_t)jobs;
	eo.topo = topo;
	eo.plan = plan;
	if (engine_run(&eo, &end, &prog, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		plan_free(plan);
		topo_free(topo);
		return EXIT_FAIL;
	}
	plan_csv(plan, stdout);
	fflush(stdout);
	plan_summary(plan, stderr);
	plan_free(plan);
	topo_free(topo);
	return EXIT_OK;
}

static void
say_line(void *arg, const char *line)
{
	clear_line(arg);
	printf("%s\n", line);
	fflush(stdout);
}

/* Ctrl-C while following a daemon's experiment: detach. */
static volatile sig_atomic_t detach_now;

static void
on_detach(int sig)
{
	(void)sig;
	detach_now = 1;
}

/* The end of an experiment that ran in the daemon, from the store. */
/* Prints how a followed experiment ended; returns its measured trials
 * (-1 when the store cannot say). */
static long long
follow_summary(const char *state, int64_t exp, const char *end)
{
	struct store_experiment ex;
	struct store_progress p;
	struct store_trial *v;
	struct store *st;
	char *cause = NULL, buf[32];
	size_t n, i, k;

	if (state_open_existing(state, &st, &cause) != 0 ||
	    store_experiment_get(st, exp, &ex) != 0) {
		free(cause);
		return -1;
	}
	store_experiment_progress(st, exp,
	    strcmp(ex.direction, "maximize") == 0, &p);
	printf("experiment %lld (%s) %s: %lld trial%s, %lld measured, %lld "
	       "failed%s\n",
	    (long long)exp, ex.name, end,
	    (long long)(p.done + p.failed + p.lost),
	    p.done + p.failed + p.lost == 1 ? "" : "s", (long long)p.done,
	    (long long)p.failed, lost_text((uint64_t)p.lost, buf, sizeof buf));
	if (p.have_best) {
		printf("best: trial %lld, %s %.6g (%s)\n ",
		    (long long)p.best_seq, ex.objective, p.best, ex.direction);
		store_trials(st, exp, &v, &n);
		for (i = 0; i < n; i++)
			if (v[i].seq == p.best_seq)
				for (k = 0; k < v[i].nvalues; k++)
					printf(" %s=%s", v[i].names[k],
					    v[i].values[k]);
		printf("\n");
		store_trials_free(v, n);
	}
	printf("results: wayfinder results %lld\n", (long long)exp);
	store_experiment_clear(&ex);
	store_close(st);
	return (long long)p.done;
}

/*
 * Submits the run to the daemon (starting one if none runs) and follows
 * it until it ends; Ctrl-C detaches and leaves it running.
 */
static int
follow(const char *state, json_t *submit, int quiet, int samples)
{
	struct sigaction sa, old;
	struct client *c;
	struct run r;
	json_t *req, *reply = NULL, *ev, *v;
	const char *kind, *text, *why;
	char *cause = NULL;
	int64_t exp;
	long long measured;
	size_t i;
	int rc, status = EXIT_FAIL;

	if (client_connect(state, 1, "wayfinder run", &c, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	/* Subscribed first: nothing said at the start is missed. */
	req = json_pack("{sssIsb}", "type", "subscribe", "experiment",
	    (json_int_t)0, "samples", samples);
	rc = client_request(c, req, &reply, &cause);
	json_decref(req);
	json_decref(reply);
	reply = NULL;
	if (rc == 0)
		rc = client_request(c, submit, &reply, &cause);
	if (rc != 0) {
		json_array_foreach(json_object_get(reply, "diagnostics"), i, v)
		    fprintf(stderr, "%s\n", json_string_value(v));
		if (json_object_get(reply, "diagnostics") == NULL ||
		    json_array_size(json_object_get(reply, "diagnostics")) == 0)
			cmd_error("%s", cause);
		else
			fprintf(stderr, "%s\n", cause);
		status = json_integer_value(json_object_get(reply, "status"));
		if (status == 0)
			status = EXIT_FAIL;
		json_decref(reply);
		free(cause);
		client_close(c);
		return status;
	}
	exp = json_integer_value(json_object_get(reply, "experiment"));
	text = json_string_value(json_object_get(reply, "state"));
	if (strcmp(text, "done") == 0) {
		printf("experiment %lld (%s) is already complete with this "
		       "spec, strategy and seed.\nresults: wayfinder results "
		       "%lld; --new runs it again, a larger --budget extends "
		       "it\n",
		    (long long)exp,
		    json_string_value(json_object_get(reply, "name")),
		    (long long)exp);
		json_decref(reply);
		client_close(c);
		return EXIT_OK;
	}
	if (!quiet)
		printf("experiment %lld (%s) %s in the daemon for %s; Ctrl-C "
		       "leaves it running\n",
		    (long long)exp,
		    json_string_value(json_object_get(reply, "name")),
		    strcmp(text, "queued") == 0 ? "is queued" : "runs", state);
	json_decref(reply);
	memset(&r, 0, sizeof r);
	r.tty = isatty(STDOUT_FILENO);
	r.quiet = quiet;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_detach; /* no SA_RESTART: the wait ends */
	sigaction(SIGINT, &sa, &old);
	for (;;) {
		if (detach_now) {
			clear_line(&r);
			printf("detached: experiment %lld goes on in the "
			       "daemon "
			       "(wayfinder status; wayfinder stop %lld)\n",
			    (long long)exp, (long long)exp);
			status = EXIT_OK;
			break;
		}
		if ((rc = client_next(c, 1000, &ev, &cause)) < 0) {
			clear_line(&r);
			cmd_error("%s", cause);
			free(cause);
			break;
		}
		if (rc == 0)
			continue;
		if (json_integer_value(json_object_get(ev, "experiment")) !=
		    exp) {
			json_decref(ev);
			continue;
		}
		kind = json_string_value(json_object_get(ev, "kind"));
		text = json_string_value(json_object_get(ev, "text"));
		if (strcmp(kind, "line") == 0 || strcmp(kind, "notice") == 0) {
			if (!quiet || strcmp(kind, "notice") == 0) {
				clear_line(&r);
				printf("%s\n", text);
			}
		} else if (strcmp(kind, "trial.done") == 0 && !quiet) {
			clear_line(&r);
			printf("trial %lld: %.6g%s  [%s]\n",
			    (long long)json_integer_value(
				json_object_get(ev, "trial")),
			    json_number_value(json_object_get(ev, "value")),
			    json_is_true(json_object_get(ev, "best")) ?
				" (best)" :
				"",
			    json_string_value(json_object_get(ev, "config")));
		} else if ((strcmp(kind, "trial.failed") == 0 ||
			       strcmp(kind, "trial.lost") == 0) &&
		    !quiet) {
			clear_line(&r);
			printf("trial %lld: %s: %s  [%s]\n",
			    (long long)json_integer_value(
				json_object_get(ev, "trial")),
			    kind + strlen("trial."),
			    json_string_value(json_object_get(ev, "reason")),
			    json_string_value(json_object_get(ev, "config")));
		} else if (strcmp(kind, "sample") == 0 && samples) {
			clear_line(&r);
			printf("sample trial %lld iteration %lld t=%.2fs",
			    (long long)json_integer_value(
				json_object_get(ev, "trial")),
			    (long long)json_integer_value(
				json_object_get(ev, "iteration")),
			    json_number_value(json_object_get(ev, "t_ms")) /
				1000);
			{
				const char *name;

				json_object_foreach(json_object_get(ev,
							"values"),
				    name, v)
				{
					if (json_is_null(v))
						printf(" %s=?", name);
					else
						printf(" %s=%.6g", name,
						    json_number_value(v));
				}
			}
			printf("\n");
		} else if (strcmp(kind, "progress") == 0 && r.tty && !quiet) {
			struct engine_progress p;

			memset(&p, 0, sizeof p);
			p.budget = (uint64_t)json_integer_value(
			    json_object_get(ev, "budget"));
			p.done = (uint64_t)json_integer_value(
			    json_object_get(ev, "done"));
			p.failed = (uint64_t)json_integer_value(
			    json_object_get(ev, "failed"));
			p.lost = (uint64_t)json_integer_value(
			    json_object_get(ev, "lost"));
			p.running = (size_t)json_integer_value(
			    json_object_get(ev, "running"));
			p.queued = (size_t)json_integer_value(
			    json_object_get(ev, "queued"));
			if ((v = json_object_get(ev, "best")) != NULL) {
				p.have_best = 1;
				p.best = json_number_value(v);
				p.best_seq = json_integer_value(
				    json_object_get(ev, "best_trial"));
			}
			p.elapsed =
			    json_number_value(json_object_get(ev, "elapsed"));
			p.eta = (v = json_object_get(ev, "eta")) != NULL ?
			    json_number_value(v) :
			    -1;
			p.stopping =
			    json_is_true(json_object_get(ev, "stopping"));
			progress_line(&r, &p);
		} else if (strcmp(kind, "state") == 0) {
			text = json_string_value(json_object_get(ev, "state"));
			why = json_string_value(json_object_get(ev, "reason"));
			if (strcmp(text, "done") == 0 ||
			    strcmp(text, "paused") == 0 ||
			    strcmp(text, "interrupted") == 0) {
				clear_line(&r);
				if (why != NULL)
					cmd_error("%s", why);
				measured = follow_summary(state, exp, text);
				/* As run --foreground: an experiment that
				 * ended with nothing measured has no
				 * result. */
				status = strcmp(text, "interrupted") == 0 ?
				    EXIT_INTERRUPTED :
				    strcmp(text, "done") == 0 && measured == 0 ?
				    EXIT_NO_RESULT :
				    EXIT_OK;
				if (strcmp(text, "interrupted") == 0 &&
				    why == NULL)
					printf("resume: wayfinder resume "
					       "%lld\n",
					    (long long)exp);
				json_decref(ev);
				break;
			}
			if (!quiet) {
				clear_line(&r);
				printf("experiment %lld: %s\n", (long long)exp,
				    text);
			}
		}
		json_decref(ev);
		if (r.line_shown)
			fflush(stdout);
		else
			fflush(stdout);
	}
	sigaction(SIGINT, &old, NULL);
	client_close(c);
	return status;
}

/* run without --foreground: the request as the daemon takes it. */
static int
submit_to_daemon(const char *spec, const char *state, const char *strategy,
    const struct spec_option *opts, size_t nopts, uint64_t budget,
    uint64_t seed, int seeded, uint64_t jobs, int fresh, const char *cpus,
    const char *reserve, int no_sandbox, int executor, int quiet, int samples)
{
	char path[PATH_MAX];
	json_t *req, *o;
	size_t i;
	int rc;

	if (realpath(spec, path) == NULL) {
		cmd_error("%s: %s", spec, strerror(errno));
		return EXIT_USAGE;
	}
	req = json_pack("{ssss}", "type", "submit", "spec", path);
	/* Relative paths in --option resolve where the user is. */
	if (getcwd(path, sizeof path) != NULL)
		json_object_set_new(req, "cwd", json_string(path));
	if (strategy != NULL)
		json_object_set_new(req, "strategy", json_string(strategy));
	if (nopts > 0) {
		o = json_array();
		for (i = 0; i < nopts; i++)
			json_array_append_new(o,
			    json_pack("{ssss}", "name", opts[i].name, "value",
				opts[i].value));
		json_object_set_new(req, "options", o);
	}
	if (budget > 0)
		json_object_set_new(req, "budget",
		    json_integer((json_int_t)budget));
	if (seeded)
		json_object_set_new(req, "seed",
		    json_integer((json_int_t)seed));
	if (jobs > 0)
		json_object_set_new(req, "jobs",
		    json_integer((json_int_t)jobs));
	if (fresh)
		json_object_set_new(req, "new", json_true());
	if (cpus != NULL)
		json_object_set_new(req, "cpus", json_string(cpus));
	if (reserve != NULL)
		json_object_set_new(req, "reserve", json_string(reserve));
	if (no_sandbox)
		json_object_set_new(req, "no_sandbox", json_true());
	if (executor >= 0)
		json_object_set_new(req, "executor",
		    json_string(
			executor == EXECUTOR_SLURM ? "slurm" : "local"));
	rc = follow(state, req, quiet, samples);
	json_decref(req);
	return rc;
}

int
cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "strategy", required_argument, NULL, 'S' },
		{ "budget", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "state", required_argument, NULL, 'd' },
		{ "new", no_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "topology", required_argument, NULL, 'T' },
		{ "cpus", required_argument, NULL, 'C' },
		{ "reserve", required_argument, NULL, 'R' },
		{ "no-sandbox", no_argument, NULL, 'X' },
		{ "executor", required_argument, NULL, 'E' },
		{ "samples", no_argument, NULL, 'P' },
		{ "option", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diags d = { NULL, 0, 0 };
	struct runner_request q;
	struct runner_hooks hooks;
	struct engine_progress prog;
	struct runner *rn = NULL;
	struct run r;
	enum engine_end end;
	enum runner_status st;
	const char *strategy = NULL, *statearg = NULL, *topoarg = NULL;
	const char *cpusarg = NULL, *reserve = NULL;
	char *dir = NULL, *cause = NULL;
	uint64_t budget = 0, seed = 0, jobs = 0;
	int c, seeded = 0, fresh = 0, quiet = 0, rc = EXIT_FAIL;
	int dry = 0, no_sandbox = 0, samples = 0, foreground = 0;
	int executor = -1;
	struct spec_option *cli_opts = NULL;
	size_t ncli_opts = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			foreground = 1;
			break;
		case 'S':
			strategy = optarg;
			if (strategy_find(strategy) == NULL) {
				cmd_error("unknown strategy '%s' (%s)",
				    strategy, strategy_list());
				return EXIT_USAGE;
			}
			break;
		case 'b':
			if (parse_u64(optarg, "--budget", 1, &budget) != 0)
				return EXIT_USAGE;
			break;
		case 's':
			if (parse_u64(optarg, "--seed", 0, &seed) != 0)
				return EXIT_USAGE;
			if (seed > INT64_MAX) {
				cmd_error("--seed is at most %lld",
				    (long long)INT64_MAX);
				return EXIT_USAGE;
			}
			seeded = 1;
			break;
		case 'j':
			if (parse_u64(optarg, "--jobs", 1, &jobs) != 0)
				return EXIT_USAGE;
			break;
		case 'd':
			statearg = optarg;
			break;
		case 'n':
			fresh = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'P':
			samples = 1;
			break;
		case 'O':
			if (cli_option(optarg, &cli_opts, &ncli_opts) != 0)
				return EXIT_USAGE;
			break;
		case 'D':
			dry = 1;
			break;
		case 'T':
			topoarg = optarg;
			break;
		case 'C':
			cpusarg = optarg;
			break;
		case 'R':
			reserve = optarg;
			break;
		case 'X':
			no_sandbox = 1;
			break;
		case 'E':
			if (strcmp(optarg, "local") == 0)
				executor = EXECUTOR_LOCAL;
			else if (strcmp(optarg, "slurm") == 0)
				executor = EXECUTOR_SLURM;
			else {
				cmd_error("--executor is local or slurm, not "
					  "'%s'",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	dir = dry ? NULL : state_dir(statearg);
	if (topoarg != NULL && !dry) {
		cmd_error("--topology plans for another machine: use it with "
			  "--dry-run");
		rc = EXIT_USAGE;
		goto out;
	}
	if (!foreground && !dry) {
		rc = submit_to_daemon(argv[optind], dir, strategy, cli_opts,
		    ncli_opts, budget, seed, seeded, jobs, fresh, cpusarg,
		    reserve, no_sandbox, executor, quiet, samples);
		goto out;
	}
	memset(&q, 0, sizeof q);
	q.spec = argv[optind];
	q.strategy = strategy;
	q.options = cli_opts;
	q.noptions = ncli_opts;
	q.budget = budget;
	q.seed = seed;
	q.seeded = seeded;
	q.jobs = jobs;
	q.fresh = fresh;
	q.cpus = cpusarg;
	q.reserve = reserve;
	q.topology = topoarg;
	q.no_sandbox = no_sandbox;
	q.dry = dry;
	q.executor = executor;
	q.state = dir;
	st = runner_prepare(&q, &rn, &d, &cause);
	diag_print(&d, stderr);
	if (d.nerrors > 0)
		fprintf(stderr, "%s: %zu error%s\n", argv[optind], d.nerrors,
		    d.nerrors == 1 ? "" : "s");
	diag_free(&d);
	if (st != RUNNER_OK) {
		if (cause != NULL)
			cmd_error("%s", cause);
		rc = (int)st;
		goto out;
	}
	if (dry) {
		rc = dry_run(rn, topoarg, cpusarg, reserve, jobs);
		goto out;
	}
	if (runner_complete(rn)) {
		printf("experiment %lld (%s) is already complete with this "
		       "spec, strategy and seed.\nresults: wayfinder results "
		       "%lld; --new runs it again, a larger --budget extends "
		       "it\n",
		    (long long)runner_experiment(rn), runner_spec(rn)->name,
		    (long long)runner_experiment(rn));
		rc = EXIT_OK;
		goto out;
	}
	memset(&r, 0, sizeof r);
	r.spec = runner_spec(rn);
	r.space = runner_space(rn);
	r.tty = isatty(STDOUT_FILENO);
	r.quiet = quiet;
	r.samples = samples;
	memset(&hooks, 0, sizeof hooks);
	hooks.say = say_line;
	hooks.report = on_report;
	hooks.arg = &r;
	hooks.quiet = quiet;
	st = runner_run(rn, &hooks, &end, &prog, &cause);
	clear_line(&r);
	if (st != RUNNER_OK) {
		cmd_error("%s", cause);
		rc = (int)st;
		goto out;
	}
	summary(&r, runner_store(rn), runner_experiment(rn), &prog, end);
	if (end == ENGINE_INTERRUPTED)
		rc = EXIT_INTERRUPTED;
	else if (prog.done == 0)
		rc = EXIT_NO_RESULT;
	else
		rc = EXIT_OK;
out:
	free(cause);
	free(dir);
	spec_options_free(cli_opts, ncli_opts);
	runner_free(rn);
	return rc;
}
