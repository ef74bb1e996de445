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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
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
	      "NAME=VALUE]...\n",
	    f);
}

static char *
clock_text(double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		return xasprintf("%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
		    t % 60);
	return xasprintf("%ld:%02ld", t / 60, t % 60);
}

static void
clear_line(struct run *r)
{
	if (r->line_shown) {
		fputs("\r\033[K", stdout);
		r->line_shown = 0;
	}
}

static void
progress_line(struct run *r, const struct engine_progress *p)
{
	char *eta = p->eta >= 0 ? clock_text(p->eta) : xstrdup("?");
	char *el = clock_text(p->elapsed);

	clear_line(r);
	printf("[%llu/%llu] %llu failed",
	    (unsigned long long)(p->done + p->failed),
	    (unsigned long long)p->budget, (unsigned long long)p->failed);
	if (p->have_best)
		printf(" | best %.6g (trial %lld)", p->best,
		    (long long)p->best_seq);
	printf(" | %zu running | %s elapsed, ETA %s%s", p->running, el, eta,
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
			printf("trial %lld: failed: %s  [%s]\n",
			    (long long)rep->seq, rep->text, cfg);
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
	char *el = clock_text(p->elapsed);

	printf("experiment %lld (%s) %s: %llu trial%s, %llu measured, %llu "
	       "failed, %s\n",
	    (long long)exp, r->spec->name,
	    end == ENGINE_DONE ? "done" : "interrupted",
	    (unsigned long long)(p->done + p->failed),
	    p->done + p->failed == 1 ? "" : "s", (unsigned long long)p->done,
	    (unsigned long long)p->failed, el);
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
	(void)foreground; /* the daemon comes next: see cmd_run's end */
	dir = dry ? NULL : state_dir(statearg);
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
