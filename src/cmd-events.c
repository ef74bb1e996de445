/*
 * wayfinder events: the counters a spec's pmu: list may name, each
 * probed on this host: supported, denied (and why), or unsupported.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "pmu.h"
#include "xmalloc.h"

static void
usage(FILE *f)
{
	fputs("usage: wayfinder events [--all] [--supported] [PATTERN]\n", f);
}

struct shown {
	int supported_only;
	size_t listed, counted, printed;
};

static int
show(const char *name, const char *pmu, const char *desc, void *arg)
{
	struct shown *s = arg;
	enum pmu_status st;
	char *why = NULL;

	st = pmu_probe(name, &why);
	s->listed++;
	if (st == PMU_SUPPORTED)
		s->counted++;
	if (s->supported_only && st != PMU_SUPPORTED) {
		free(why);
		return 0;
	}
	if (s->printed++ == 0)
		printf("%-32s %-8s %-11s %s\n", "EVENT", "PMU", "STATUS",
		    "NOTE (why not, or what it counts)");
	printf("%-32s %-8s %-11s %s\n", name, pmu, pmu_status_name(st),
	    why != NULL ? why : (desc != NULL ? desc : ""));
	free(why);
	return 0;
}

int
cmd_events(int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
		{ "supported", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	struct shown s = { 0, 0, 0, 0 };
	const char *pattern = NULL;
	int c, all = 0;

	while ((c = getopt_long(argc, argv, "ash", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = 1;
			break;
		case 's':
			s.supported_only = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		pattern = argv[optind++];
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	pmu_list(all, pattern, show, &s);
	if (s.listed == 0) {
		cmd_error("no event matches '%s'%s",
		    pattern != NULL ? pattern : "",
		    all ? "" :
			  " (--all lists every event of this host's PMUs)");
		return EXIT_FAIL;
	}
	printf("%zu of %zu event%s can be counted here%s\n", s.counted,
	    s.listed, s.listed == 1 ? "" : "s",
	    geteuid() == 0 ? " (as root)" : " (as this user)");
	return EXIT_OK;
}
