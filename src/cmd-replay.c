/*
 * wayfinder replay DATASET.csv...: scores search strategies offline. Each
 * strategy is run with seeds 1..K against the measured configurations of
 * a dataset (replay.c), and the chance of finding the best, or one within
 * 5% of it, and the mean regret are printed per budget, as a table or as
 * CSV. See wayfinder(1).
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "dataset.h"
#include "diag.h"
#include "replay.h"
#include "xmalloc.h"
#include "../strategies/strategy.h"

enum format { FMT_TABLE, FMT_CSV, FMT_ASK_TIMES };

static void
usage(FILE *f)
{
	fputs("usage: wayfinder replay DATASET.csv... [--strategy "
	      "NAME[,NAME...]]\n"
	      "                        [--budget N[,N...]] [--seeds K] "
	      "[--batch B]\n"
	      "                        [--option NAME=VALUE]... "
	      "[--format table|csv] [--ask-times]\n"
	      "       wayfinder replay --list-strategies\n"
	      "Defaults: --strategy random --budget 10,40,100 --seeds 30 "
	      "--batch 1.\n"
	      "The manual is wayfinder(1).\n",
	    f);
}

/* "a,b,c" split at commas; empty items are an error. */
static char **
split(const char *arg, size_t *n)
{
	char **v = NULL;
	const char *p = arg;
	size_t len;

	*n = 0;
	for (;;) {
		len = strcspn(p, ",");
		v = xreallocarray(v, *n + 2, sizeof *v);
		v[(*n)++] = xstrndup(p, len);
		v[*n] = NULL;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return v;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static int
parse_count(const char *arg, const char *opt, unsigned long long max,
    unsigned long long *out)
{
	char *end;

	if (*arg < '0' || *arg > '9') {
		cmd_error("%s must be a whole number from 1 to %llu, not '%s'",
		    opt, max, arg);
		return -1;
	}
	*out = strtoull(arg, &end, 10);
	if (*end != '\0' || *out < 1 || *out > max) {
		cmd_error("%s must be a whole number from 1 to %llu, not '%s'",
		    opt, max, arg);
		return -1;
	}
	return 0;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The --option settings for one strategy: a list setting (e.g. the
 * command of external) is given as comma-separated items, as for run.
 * Each is checked against the strategy's table. Returns 0 with *out
 * (spec_options_free it), or -1 after saying why.
 */
static int
strategy_options(const struct strategy_ops *ops, char **names, char **values,
    size_t n, struct spec_option **out)
{
	const struct strategy_opt *d;
	struct spec_option *o;
	const char *hint;
	char *why;
	size_t i, k, nitems;
	char **items;

	*out = xcalloc(n + 1, sizeof **out);
	for (i = 0; i < n; i++) {
		o = &(*out)[i];
		o->name = xstrdup(names[i]);
		for (d = ops->opts; d != NULL && d->name != NULL; d++)
			if (strcmp(d->name, names[i]) == 0)
				break;
		if (d != NULL && d->name != NULL && d->type == SOPT_LIST) {
			items = split(values[i], &nitems);
			o->list = xcalloc(nitems + 1, sizeof *o->list);
			for (k = 0; k < nitems; k++)
				if (items[k][0] != '\0')
					o->list[o->nlist++] = xstrdup(items[k]);
			strv_free(items, nitems);
		} else
			o->value = xstrdup(values[i]);
		if (strategy_check_option(ops, o, &why, &hint) != 0) {
			if (hint != NULL)
				cmd_error("--option %s: %s; did you mean "
					  "'%s'?",
				    names[i], why, hint);
			else
				cmd_error("--option %s: %s", names[i], why);
			free(why);
			spec_options_free(*out, i + 1);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

static void
print_header(const struct dataset *ds)
{
	char *size = space_count_text(&ds->size);

	printf("%s: %zu configuration%s measured of %s, %zu parameter%s\n",
	    ds->name, ds->nrows, ds->nrows == 1 ? "" : "s", size, ds->nparams,
	    ds->nparams == 1 ? "" : "s");
	printf("%s, %s: best %.10g, worst %.10g\n", ds->objectives[0],
	    ds->direction == DIR_MAXIMIZE ? "higher is better" :
					    "lower is better",
	    ds->best, ds->worst);
	printf("  %-12s %6s %5s %7s %12s %11s %6s %8s\n", "strategy", "budget",
	    "seeds", "P(best)", "P(within 5%)", "mean regret", "absent",
	    "ask ms");
	free(size);
}

static void
print_score(enum format fmt, const struct dataset *ds, const char *strategy,
    const struct replay_score *s)
{
	switch (fmt) {
	case FMT_TABLE:
		printf("  %-12s %6zu %5u %7.3f %12.3f %11.4f %6.1f %8.4f\n",
		    strategy, s->budget, s->seeds, s->p_best, s->p_within5,
		    s->mean_regret, s->mean_failed, s->ask_ms_median);
		break;
	case FMT_CSV:
		cmd_csv_field(ds->name);
		putchar(',');
		cmd_csv_field(strategy);
		printf(",%zu,%u,%.6g,%.6g,%.6g\n", s->budget, s->seeds,
		    s->p_best, s->p_within5, s->mean_regret);
		break;
	case FMT_ASK_TIMES:
		cmd_csv_field(ds->name);
		putchar(',');
		cmd_csv_field(strategy);
		printf(",%zu,%u,%zu,%.6g,%.6g,%.6g\n", s->budget, s->seeds,
		    s->nasks, s->ask_ms_median, s->ask_ms_p90,
		    s->tell_ms_median);
		break;
	}
	fflush(stdout);
}

static void
list_strategies(void)
{
	const char *const *names = strategy_names();
	const struct strategy_ops *ops;
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		ops = strategy_find(names[i]);
		printf("%-12s %s\n", names[i],
		    ops->summary != NULL ? ops->summary : "");
	}
}

int
cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "budget", required_argument, NULL, 'b' },
		{ "seeds", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'B' },
		{ "option", required_argument, NULL, 'O' },
		{ "format", required_argument, NULL, 'f' },
		{ "ask-times", no_argument, NULL, 'A' },
		{ "list-strategies", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *strategy_arg = "random", *budget_arg = "10,40,100";
	const char *hint;
	char **strategies = NULL, **budget_items = NULL, **onames = NULL;
	char **ovalues = NULL, *cause, *cwd = NULL;
	size_t nstrategies = 0, nbudget_items = 0, nopts = 0, nbudgets = 0;
	size_t *budgets = NULL, i, k, d;
	struct spec_option **opts = NULL;
	struct dataset **ds = NULL;
	struct replay_score *scores = NULL;
	struct replay_conf rc;
	struct diags diags = { NULL, 0, 0 };
	unsigned long long seeds = 30, batch = 1, v;
	enum format fmt = FMT_TABLE;
	int c, ask_times = 0, rcode = EXIT_USAGE, failed = 0;
	size_t nds = 0;
	const char *eq;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:b:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			strategy_arg = optarg;
			break;
		case 'b':
			budget_arg = optarg;
			break;
		case 'n':
			if (parse_count(optarg, "--seeds", 1000000, &seeds) !=
			    0)
				goto out;
			break;
		case 'B':
			if (parse_count(optarg, "--batch", 4096, &batch) != 0)
				goto out;
			break;
		case 'O':
			if ((eq = strchr(optarg, '=')) == NULL ||
			    eq == optarg) {
				cmd_error("--option needs NAME=VALUE, not '%s'",
				    optarg);
				goto out;
			}
			onames =
			    xreallocarray(onames, nopts + 1, sizeof *onames);
			ovalues =
			    xreallocarray(ovalues, nopts + 1, sizeof *ovalues);
			onames[nopts] = xstrndup(optarg, (size_t)(eq - optarg));
			ovalues[nopts++] = xstrdup(eq + 1);
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0)
				fmt = FMT_TABLE;
			else if (strcmp(optarg, "csv") == 0)
				fmt = FMT_CSV;
			else {
				cmd_error("--format must be table or csv, not "
					  "'%s'",
				    optarg);
				goto out;
			}
			break;
		case 'A':
			ask_times = 1;
			break;
		case 'L':
			list_strategies();
			rcode = EXIT_OK;
			goto out;
		case 'h':
			usage(stdout);
			rcode = EXIT_OK;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (ask_times)
		fmt = FMT_ASK_TIMES;
	if (optind >= argc) {
		cmd_error("which dataset? (wayfinder replay DATASET.csv "
			  "--strategy NAME)");
		usage(stderr);
		goto out;
	}

	/* Strategies and their settings, all checked before any runs. */
	strategies = split(strategy_arg, &nstrategies);
	opts = xcalloc(nstrategies, sizeof *opts);
	for (i = 0; i < nstrategies; i++) {
		const struct strategy_ops *ops = strategy_find(strategies[i]);

		if (ops == NULL) {
			hint = diag_suggest(strategies[i], strategy_names());
			if (hint != NULL)
				cmd_error("unknown strategy '%s'; did you mean "
					  "'%s'?",
				    strategies[i], hint);
			else
				cmd_error("unknown strategy '%s' (%s)",
				    strategies[i], strategy_list());
			goto out;
		}
		if (strategy_options(ops, onames, ovalues, nopts, &opts[i]) !=
		    0)
			goto out;
	}
	budget_items = split(budget_arg, &nbudget_items);
	budgets = xcalloc(nbudget_items, sizeof *budgets);
	for (i = 0; i < nbudget_items; i++) {
		if (parse_count(budget_items[i], "--budget", 100000000, &v) !=
		    0)
			goto out;
		budgets[nbudgets++] = (size_t)v;
	}
	qsort(budgets, nbudgets, sizeof *budgets, cmp_size);
	for (i = k = 0; i < nbudgets; i++)
		if (k == 0 || budgets[k - 1] != budgets[i])
			budgets[k++] = budgets[i];
	nbudgets = k;

	/* Every dataset loads before the first replay. */
	ds = xcalloc((size_t)(argc - optind), sizeof *ds);
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		ds[nds] = dataset_load(argv[i], &diags);
		diag_print(&diags, stderr);
		diag_free(&diags);
		if (ds[nds] == NULL)
			goto out;
		nds++;
	}

	if ((cwd = getcwd(NULL, 0)) == NULL)
		cwd = xstrdup(".");
	if (fmt == FMT_CSV)
		printf("dataset,strategy,budget,seeds,p_best,p_within5,"
		       "mean_regret\n");
	else if (fmt == FMT_ASK_TIMES)
		printf("dataset,strategy,budget,seeds,asks,median_ask_ms,"
		       "p90_ask_ms,median_tell_ms\n");
	scores = xcalloc(nbudgets, sizeof *scores);
	for (d = 0; d < nds; d++) {
		if (fmt == FMT_TABLE)
			print_header(ds[d]);
		for (i = 0; i < nstrategies; i++) {
			memset(&rc, 0, sizeof rc);
			rc.strategy = strategies[i];
			rc.options = opts[i];
			rc.noptions = nopts;
			rc.dir = cwd;
			rc.seeds = (unsigned)seeds;
			rc.budgets = budgets;
			rc.nbudgets = nbudgets;
			rc.batch = (size_t)batch;
			if (replay_run(ds[d], &rc, scores, &cause) != 0) {
				cmd_error("%s: %s", ds[d]->path, cause);
				free(cause);
				failed = 1;
				continue;
			}
			for (k = 0; k < nbudgets; k++)
				print_score(fmt, ds[d], strategies[i],
				    &scores[k]);
		}
	}
	rcode = failed ? EXIT_FAIL : EXIT_OK;
out:
	for (i = 0; i < nds; i++)
		dataset_free(ds[i]);
	free(ds);
	for (i = 0; opts != NULL && i < nstrategies; i++)
		if (opts[i] != NULL)
			spec_options_free(opts[i], nopts);
	free(opts);
	strv_free(strategies, nstrategies);
	strv_free(budget_items, nbudget_items);
	strv_free(onames, nopts);
	strv_free(ovalues, nopts);
	free(budgets);
	free(scores);
	free(cwd);
	diag_free(&diags);
	return rcode;
}
