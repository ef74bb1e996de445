/*
 * wayfinder validate SPEC: every error in a spec, or a description of
 * the experiment it defines and the size of its space.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "space.h"
#include "spec.h"
#include "xmalloc.h"
#include "../strategies/strategy.h"

static void
usage(FILE *f)
{
	fputs("usage: wayfinder validate [--quiet] SPEC\n", f);
}

static char *
dur(double s)
{
	if (s == 0)
		return xstrdup("none");
	if (s >= 3600 && (long long)s % 3600 == 0)
		return xasprintf("%lldh", (long long)s / 3600);
	if (s >= 60 && (long long)s % 60 == 0)
		return xasprintf("%lldm", (long long)s / 60);
	if (s < 1)
		return xasprintf("%gms", s * 1000);
	return xasprintf("%gs", s);
}

/* The sandbox keys that were given, on one line. */
static void
describe_sandbox(const struct stagespec *st)
{
	struct buf b = BUF_INIT;

	if (st->memory > 0)
		buf_printf(&b, ", memory %.0f MiB",
		    (double)st->memory / (1024 * 1024));
	if (st->pids > 0)
		buf_printf(&b, ", pids %llu", (unsigned long long)st->pids);
	if (st->network == NETWORK_NONE)
		buf_printf(&b, ", network none");
	if (st->aslr >= 0)
		buf_printf(&b, ", aslr %s", st->aslr ? "on" : "off");
	if (st->cache_ways > 0)
		buf_printf(&b, ", cache_ways %d", st->cache_ways);
	if (st->mem_bandwidth > 0)
		buf_printf(&b, ", mem_bandwidth %d%%", st->mem_bandwidth);
	if (b.len > 0)
		printf("  sandbox: %s\n", buf_str(&b) + 2);
	buf_free(&b);
}

/* The counters, their sampling and the boot monitor. */
static void
describe_monitors(const struct stagespec *st)
{
	char *t;
	size_t i;

	if (st->npmu > 0) {
		printf("  counters:");
		for (i = 0; i < st->npmu; i++)
			printf("%s %s", i > 0 ? "," : "", st->pmu[i]);
		putchar('\n');
	}
	if (st->sample_interval > 0) {
		t = dur(st->sample_interval);
		printf("  live samples every %s\n", t);
		free(t);
	} else
		printf("  no live samples\n");
	if (st->boot.source != BOOT_NONE)
		printf("  boot monitor: %s%s%s%s\n",
		    st->boot.source == BOOT_CONSOLE ? "console" : "debugcon",
		    st->boot.marker != NULL ? ", marker /" : ", any output",
		    st->boot.marker != NULL ? st->boot.marker : "",
		    st->boot.marker != NULL ?
			(st->boot.stop ? "/, then stop" : "/") :
			(st->boot.stop ? ", then stop" : ""));
}

static void
describe_stage(const char *name, const struct stagespec *st, int test)
{
	char *t = dur(st->timeout);
	size_t i;

	printf("%s: %s%s, %d core%s, timeout %s", name,
	    st->run != NULL ? "run: " : "",
	    st->run != NULL ? st->run : st->script_rel, st->cores,
	    st->cores == 1 ? "" : "s", t);
	free(t);
	if (test)
		printf(", repeat %d, warmup %d", st->repeat, st->warmup);
	printf(", isolation %s\n", spec_isolation_name(st->isolation));
	describe_sandbox(st);
	describe_monitors(st);
	if (st->config_h != NULL)
		printf("  writes %s (config.h)\n", st->config_h);
	if (st->kconfig != NULL)
		printf("  writes %s (Kconfig fragment)\n", st->kconfig);
	for (i = 0; i < st->ntemplates; i++)
		printf("  renders %s -> %s\n", st->templates[i].rel,
		    st->templates[i].output);
}

static void
describe(const struct spec *s, const struct space *sp)
{
	struct space_count size, builds;
	const struct param *p;
	size_t i, nb = 0, width = 4, shown;
	int types[5] = { 0, 0, 0, 0, 0 };
	char *dom, buf[64], *t;
	static const char *const agg[] = { "median", "mean", "min", "max" };

	for (i = 0; i < s->nparams; i++) {
		nb += s->params[i].stage == STAGE_BUILD;
		types[s->params[i].type]++;
		if (strlen(s->params[i].name) > width)
			width = strlen(s->params[i].name);
	}
	printf("experiment: %s\n", s->name);
	if (s->description != NULL)
		printf("description: %s\n", s->description);
	printf("parameters: %zu (build %zu, test %zu;", s->nparams, nb,
	    s->nparams - nb);
	for (i = 0, shown = 0; i < 5; i++)
		if (types[i] > 0)
			printf("%s %d %s", shown++ > 0 ? "," : "", types[i],
			    spec_type_name((enum ptype)i));
	printf(")\n");
	for (i = 0; i < s->nparams && i < 50; i++) {
		p = &s->params[i];
		dom = spec_domain_text(p);
		printf("  %-*s %-8s %-5s %s (default %s)", (int)width, p->name,
		    spec_type_name(p->type), spec_stage_name(p->stage), dom,
		    spec_value(p, p->def, buf, sizeof buf));
		if (p->cond_text != NULL)
			printf(" if %s", p->cond_text);
		putchar('\n');
		free(dom);
	}
	if (s->nparams > 50)
		printf("  ... and %zu more\n", s->nparams - 50);
	space_size(sp, &size);
	space_builds(sp, &builds);
	t = space_count_text(&size);
	printf("space: %s configuration%s%s\n", t,
	    size.fits && size.n == 1 ? "" : "s",
	    size.exact ? "" :
			 " (conditions too many to count "
			 "exactly)");
	free(t);
	t = space_count_text(&builds);
	if (s->build.present)
		printf("builds: %s distinct build%s for a full sweep\n", t,
		    builds.fits && builds.n == 1 ? "" : "s");
	else
		printf("builds: none (no build section)\n");
	free(t);
	printf("sampling: %s\n",
	    space_sampling_exact(sp) ?
		"exactly uniform" :
		"approximately uniform (too many conditional combinations to "
		"weight exactly)");
	if (s->build.present)
		describe_stage("build", &s->build, 0);
	describe_stage("test", &s->test, 1);
	for (i = 0; i < s->nmetrics; i++)
		printf("  metric %s: %s%s%s\n", s->metrics[i].name,
		    s->metrics[i].regex_text != NULL ? "regex on " :
						       "results file",
		    s->metrics[i].regex_text != NULL ?
			(s->metrics[i].stream == STREAM_STDOUT ? "stdout" :
								 "stderr") :
			"",
		    s->metrics[i].optional ? " (optional)" : "");
	printf("objective: %s %s (%s of the measured runs)\n",
	    spec_direction_name(s->direction), s->objective, agg[s->aggregate]);
	printf("search: %s", s->strategy != NULL ? s->strategy : "random");
	if (s->budget > 0)
		printf(", budget %llu", (unsigned long long)s->budget);
	else if (size.exact && size.fits && size.n <= 10000)
		printf(", budget: the whole space");
	else
		printf(", no budget (give search.budget or --budget to run)");
	if (s->has_seed)
		printf(", seed %llu", (unsigned long long)s->seed);
	putchar('\n');
	if (s->host.governor != NULL || s->host.turbo >= 0 ||
	    s->host.smt >= 0 || s->host.aslr >= 0) {
		printf("host:");
		if (s->host.governor != NULL)
			printf(" governor %s", s->host.governor);
		if (s->host.turbo >= 0)
			printf(" turbo %s", s->host.turbo ? "on" : "off");
		if (s->host.smt >= 0)
			printf(" smt %s", s->host.smt ? "on" : "off");
		if (s->host.aslr >= 0)
			printf(" aslr %s", s->host.aslr ? "on" : "off");
		printf(" (applied for each run and undone after it)\n");
	}
	printf("spec hash: %.16s (the spec and every file it names)\n",
	    s->hash);
}

int
cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diags d = { NULL, 0, 0 };
	struct spec *s;
	struct space *sp;
	int c, quiet = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
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
	s = spec_load(argv[optind], &d);
	diag_print(&d, stderr);
	if (s == NULL) {
		fprintf(stderr, "%s: %zu error%s\n", argv[optind], d.nerrors,
		    d.nerrors == 1 ? "" : "s");
		diag_free(&d);
		return EXIT_USAGE;
	}
	diag_free(&d);
	if (!quiet) {
		sp = space_new(s);
		printf("%s: valid\n", argv[optind]);
		describe(s, sp);
		space_free(sp);
	}
	spec_free(s);
	return EXIT_OK;
}
