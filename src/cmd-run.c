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

/* The experiment's identity: what it searches and how. The spec's own
 * options are in its hash; those of the command line are added. */
static char *
identity(const struct spec *s, const char *strategy, uint64_t seed, int seeded,
    const struct spec_option *cli, size_t ncli)
{
	struct sha256 h;
	struct buf b = BUF_INIT;
	char hex[65], *text;
	size_t i, k;

	for (i = 0; i < ncli; i++) {
		buf_printf(&b, "%s=", cli[i].name);
		if (cli[i].value != NULL)
			buf_printf(&b, "%s", cli[i].value);
		for (k = 0; k < cli[i].nlist; k++)
			buf_printf(&b, "%s%s", k > 0 ? "," : "",
			    cli[i].list[k]);
		buf_addc(&b, '\n');
	}
	text = xasprintf("%s\n%s\n%llu\n%d\n%s", s->hash, strategy,
	    (unsigned long long)seed, seeded, buf_str(&b));
	buf_free(&b);
	sha256_init(&h);
	sha256_update(&h, text, strlen(text));
	sha256_hex(&h, hex, 32);
	free(text);
	return xstrdup(hex);
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

/*
 * The strategy's settings: the spec's (when it is the spec's strategy),
 * then the command line's, each checked. A list setting is given on the
 * command line as comma-separated items. Returns 0, or -1 after saying
 * why.
 */
static int
merge_options(const struct spec *s, const char *strategy,
    struct spec_option *cli, size_t ncli, struct spec_option **out,
    size_t *nout)
{
	const struct strategy_ops *ops = strategy_find(strategy);
	const struct strategy_opt *d;
	const char *hint, *p;
	char *why;
	size_t i;

	*out = NULL;
	*nout = 0;
	if (s->noptions > 0 &&
	    (s->strategy == NULL || strcmp(s->strategy, strategy) != 0)) {
		cmd_error("the spec's search options are for %s, not %s: give "
			  "%s's with --option NAME=VALUE",
		    s->strategy != NULL ? s->strategy : "its strategy",
		    strategy, strategy);
		return -1;
	}
	for (i = 0; i < ncli; i++) {
		/* A list setting: split the value at commas. */
		for (d = ops->opts; d != NULL && d->name != NULL; d++)
			if (strcmp(d->name, cli[i].name) == 0 &&
			    d->type == SOPT_LIST && cli[i].value != NULL) {
				for (p = cli[i].value; *p != '\0';) {
					size_t len = strcspn(p, ",");

					cli[i].list = xreallocarray(cli[i].list,
					    cli[i].nlist + 2,
					    sizeof *cli[i].list);
					cli[i].list[cli[i].nlist++] =
					    xstrndup(p, len);
					cli[i].list[cli[i].nlist] = NULL;
					p += len + (p[len] == ',');
				}
				free(cli[i].value);
				cli[i].value = NULL;
			}
		if (strategy_check_option(ops, &cli[i], &why, &hint) != 0) {
			if (hint != NULL)
				cmd_error("--option %s: %s; did you mean "
					  "'%s'?",
				    cli[i].name, why, hint);
			else
				cmd_error("--option %s: %s", cli[i].name, why);
			free(why);
			return -1;
		}
	}
	*out = xcalloc(s->noptions + ncli + 1, sizeof **out);
	memcpy(*out, s->options, s->noptions * sizeof **out);
	memcpy(*out + s->noptions, cli, ncli * sizeof **out);
	*nout = s->noptions + ncli;
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

static void
print_lines(const char *prefix, struct host_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		printf("%s%s\n", prefix, l->v[i]);
	host_lines_free(l);
}

/*
 * Restores what crashed engines left on the host, then applies the spec's
 * host: section for this run (undone at its end by host_undo). Every
 * change is journalled in the store before it is made. Returns 1 if it
 * changed anything.
 */
static int
host_setup(struct store *st, const struct spec *s, const char *owner, int quiet)
{
	struct host_lines done = { NULL, 0 }, skipped = { NULL, 0 };
	const struct hostspec *h = &s->host;
	char *cause = NULL;
	int n;

	if (host_restore(st, "", HOST_RESTORE_STALE, &done, &cause) < 0) {
		printf("host: cannot undo what an earlier run left: %s\n",
		    cause);
		free(cause);
		cause = NULL;
	}
	print_lines("host: undone (left by a crashed run): ", &done);
	if (h->governor == NULL && h->turbo < 0 && h->smt < 0 && h->aslr < 0)
		return 0;
	n = host_apply(st, "", h, owner, &done, &skipped, &cause);
	if (n < 0) {
		printf("host: the spec's host settings are not applied: %s\n",
		    cause);
		free(cause);
		return 0;
	}
	if (!quiet)
		print_lines("host: ", &done);
	else
		host_lines_free(&done);
	print_lines("host: not on this machine: ", &skipped);
	return n > 0;
}

/* Undoes this run's host changes. */
static void
host_undo(struct store *st, const char *owner, int quiet)
{
	struct host_lines done = { NULL, 0 };
	char *cause = NULL;

	if (host_restore(st, "", owner, &done, &cause) < 0) {
		printf("host: cannot undo this run's changes: %s (wayfinder "
		       "host restore does)\n",
		    cause);
		free(cause);
	}
	if (!quiet)
		print_lines("host: restored ", &done);
	else
		host_lines_free(&done);
}

/* The most jobs that can run at once: test jobs, or builds if more. */
static uint64_t
sched_max_jobs(const struct topo *topo, const struct spec *s)
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

/* --dry-run: the plan on stdout as CSV, its summary on stderr. */
static int
dry_run(const struct spec *s, const struct space *sp, struct store *st,
    int64_t exp, const char *strategy, const struct spec_option *opts,
    size_t nopts, uint64_t seed, int seeded, uint64_t budget, size_t jobs,
    const struct topo *topo)
{
	struct engine_opts eo;
	struct engine_progress prog;
	enum engine_end end;
	struct plan *plan;
	char *cause = NULL;

	plan = plan_new(topo);
	memset(&eo, 0, sizeof eo);
	eo.spec = s;
	eo.space = sp;
	eo.store = st;
	eo.experiment = exp;
	eo.expdir = "/nonexistent";
	eo.strategy = strategy;
	eo.options = opts;
	eo.noptions = nopts;
	eo.seed = seed;
	eo.seeded = seeded;
	eo.budget = budget;
	eo.jobs = jobs;
	eo.topo = topo;
	eo.plan = plan;
	if (engine_run(&eo, &end, &prog, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		plan_free(plan);
		return EXIT_FAIL;
	}
	plan_csv(plan, stdout);
	fflush(stdout);
	plan_summary(plan, stderr);
	plan_free(plan);
	return EXIT_OK;
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
	struct engine_opts eo;
	struct engine_progress prog;
	struct store_experiment ex;
	struct space_count size;
	struct spec *s = NULL;
	struct space *sp = NULL;
	struct store *st = NULL;
	struct run r;
	enum engine_end end;
	const char *strategy = NULL, *statearg = NULL, *topoarg = NULL;
	const char *cpusarg = NULL, *reserve = NULL;
	char *dir = NULL, *expdir = NULL, *ident = NULL, *cause = NULL,
	     *lockpath = NULL, *t;
	uint64_t budget = 0, seed = 0, jobs = 0;
	int c, seeded = 0, fresh = 0, quiet = 0, rc = EXIT_FAIL, lockfd = -1;
	int dry = 0, no_sandbox = 0, samples = 0;
	struct spec_option *cli_opts = NULL, *opts = NULL;
	size_t ncli_opts = 0, nopts = 0;
	int *cpus = NULL;
	size_t ncpus;
	int64_t exp = 0;
	struct topo *topo = NULL;
	struct plan *plan = NULL;
	char *owner = NULL;
	int tuned = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			/* The engine runs in this process: the only mode
			 * until the daemon exists. */
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
	if ((s = spec_load(argv[optind], &d)) == NULL) {
		diag_print(&d, stderr);
		fprintf(stderr, "%s: %zu error%s\n", argv[optind], d.nerrors,
		    d.nerrors == 1 ? "" : "s");
		diag_free(&d);
		return EXIT_USAGE;
	}
	diag_print(&d, stderr);
	diag_free(&d);
	sp = space_new(s);

	if (strategy == NULL)
		strategy = s->strategy != NULL ? s->strategy : "random";
	if (merge_options(s, strategy, cli_opts, ncli_opts, &opts, &nopts) !=
	    0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (!seeded && s->has_seed) {
		seed = s->seed;
		seeded = 1;
	}
	if (topoarg != NULL && !dry) {
		cmd_error("--topology plans for another machine: use it with "
			  "--dry-run");
		rc = EXIT_USAGE;
		goto out;
	}
	if (dry) {
		/* A plan: an experiment in a store of its own, in memory. */
		dir = xstrdup("(dry run)");
		if (store_open(":memory:", &st, &cause) != 0) {
			cmd_error("%s", cause);
			rc = EXIT_STORE;
			goto out;
		}
		fresh = 1;
	} else {
		dir = state_dir(statearg);
		if (state_open(dir, &st, &cause) != 0) {
			cmd_error("%s", cause);
			rc = EXIT_STORE;
			goto out;
		}
		/* Host tuning comes before the topology: SMT off takes
		 * CPUs offline. */
		owner = host_engine_owner();
		tuned = host_setup(st, s, owner, quiet);
	}
	if (topo_load(topoarg, &topo, &cause) != 0 ||
	    topo_restrict(topo, cpusarg, reserve, &cause) != 0) {
		cmd_error("%s", cause);
		rc = EXIT_USAGE;
		goto out;
	}
	cpus = topo_usable(topo, &ncpus);
	if (jobs == 0)
		jobs = ncpus;
	ident = identity(s, strategy, seed, seeded, cli_opts, ncli_opts);
	if (!fresh && (exp = store_experiment_find(st, ident)) != 0) {
		store_experiment_get(st, exp, &ex);
		if (strcmp(ex.state, "done") == 0 &&
		    (budget == 0 || budget <= ex.budget)) {
			printf("experiment %lld (%s) is already complete with "
			       "this spec, strategy and seed.\nresults: "
			       "wayfinder results %lld; --new runs it again, a "
			       "larger --budget extends it\n",
			    (long long)exp, ex.name, (long long)exp);
			store_experiment_clear(&ex);
			rc = EXIT_OK;
			goto out;
		}
		if (budget == 0)
			budget = ex.budget; /* --budget or the spec's, then */
		store_experiment_clear(&ex);
		store_experiment_set_budget(st, exp, budget);
	} else {
		if (budget == 0)
			budget = s->budget;
		if (budget == 0) {
			space_size(sp, &size);
			if (!size.exact || !size.fits || size.n > SMALL_SPACE) {
				t = space_count_text(&size);
				cmd_error("%s: no budget: give --budget N or "
					  "search.budget (the space has %s "
					  "configurations)",
				    s->path, t);
				free(t);
				rc = EXIT_USAGE;
				goto out;
			}
			budget = size.n;
		}
		exp = store_experiment_create(st, s, ident, strategy, seed,
		    seeded, budget);
		if (!dry)
			store_files(st, exp, s);
	}
	if (dry) {
		rc = dry_run(s, sp, st, exp, strategy, opts, nopts, seed,
		    seeded, budget, (size_t)jobs, topo);
		goto out;
	}
	expdir = state_experiment_dir(dir, exp);
	if (files_mkdirs(expdir, 0700) != 0) {
		cmd_error("%s: %s", expdir, strerror(errno));
		goto out;
	}
	lockpath = xasprintf("%s/lock", expdir);
	if ((lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		cmd_error("experiment %lld is being run by another wayfinder "
			  "(%s is locked)",
		    (long long)exp, lockpath);
		goto out;
	}

	memset(&r, 0, sizeof r);
	r.spec = s;
	r.space = sp;
	r.tty = isatty(STDOUT_FILENO);
	r.quiet = quiet;
	r.samples = samples;
	if (jobs > ncpus / (size_t)s->test.cores)
		jobs = ncpus / (size_t)s->test.cores; /* what can ever run */
	if (jobs == 0)
		jobs = 1; /* the engine refuses it with the reason */
	if (jobs > sched_max_jobs(topo, s))
		jobs = sched_max_jobs(topo, s);
	if (!quiet) {
		t = cpulist_format(cpus, ncpus);
		printf("experiment %lld (%s): %s, budget %llu, up to %llu "
		       "job%s at once on CPUs %s, state %s\n",
		    (long long)exp, s->name, strategy,
		    (unsigned long long)budget, (unsigned long long)jobs,
		    jobs == 1 ? "" : "s", t, dir);
		free(t);
	}

	memset(&eo, 0, sizeof eo);
	eo.spec = s;
	eo.space = sp;
	eo.store = st;
	eo.experiment = exp;
	eo.expdir = expdir;
	eo.strategy = strategy;
	eo.options = opts;
	eo.noptions = nopts;
	eo.seed = seed;
	eo.seeded = seeded;
	eo.budget = budget;
	eo.jobs = (size_t)jobs;
	eo.topo = topo;
	eo.no_sandbox = no_sandbox;
	eo.report = on_report;
	eo.arg = &r;
	if (engine_run(&eo, &end, &prog, &cause) != 0) {
		clear_line(&r);
		cmd_error("%s", cause);
		/* Not running any more: it can be run again once the cause
		 * is fixed. */
		store_experiment_set_state(st, exp, "interrupted");
		goto out;
	}
	clear_line(&r);
	summary(&r, st, exp, &prog, end);
	if (end == ENGINE_INTERRUPTED)
		rc = EXIT_INTERRUPTED;
	else if (prog.done == 0)
		rc = EXIT_NO_RESULT;
	else
		rc = EXIT_OK;
out:
	if (tuned)
		host_undo(st, owner, quiet);
	free(owner);
	free(cause);
	if (lockfd >= 0)
		close(lockfd);
	free(lockpath);
	free(ident);
	free(expdir);
	free(dir);
	free(cpus);
	free(opts); /* its entries are the spec's and cli_opts' */
	spec_options_free(cli_opts, ncli_opts);
	store_close(st);
	space_free(sp);
	spec_free(s);
	topo_free(topo);
	plan_free(plan);
	return rc;
}
