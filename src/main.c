/*
 * wayfinder: finds the best configuration of a system by experiment.
 * This file only dispatches to the subcommands (cmd-*.c).
 */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "xmalloc.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "daemon", cmd_daemon,
	    "start (or --stop) the daemon that runs experiments" },
	{ "events", cmd_events,
	    "the counters a spec's pmu: may name, probed on this host" },
	{ "host", cmd_host,
	    "check, tune or restore the host (wayfinder host check)" },
	{ "import", cmd_import,
	    "convert a job file of the original Wayfinder to a spec" },
	{ "insights", cmd_insights,
	    "which parameters matter, how much, and their best values" },
	{ "run", cmd_run,
	    "run an experiment in the daemon, or here with --foreground" },
	{ "status", cmd_status, "every experiment, and what the daemon does" },
	{ "pause", cmd_control,
	    "pause an experiment of the daemon (running jobs finish)" },
	{ "resume", cmd_control, "resume a paused or stopped experiment" },
	{ "stop", cmd_control, "stop an experiment of the daemon now" },
	{ "tui", cmd_tui,
	    "the terminal UI (also: wayfinder with no arguments)" },
	{ "topology", cmd_topology,
	    "the machine, and how many jobs of each isolation level fit" },
	{ "validate", cmd_validate, "check a spec and describe its space" },
	{ "results", cmd_results, "trials of an experiment, best first" },
	{ "replay", cmd_replay,
	    "score strategies offline on a dataset of measurements" },
};

void
cmd_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("wayfinder: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *
cmd_clock(double s)
{
	long t = (long)(s + 0.5);

	if (t >= 3600)
		return xasprintf("%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
		    t % 60);
	return xasprintf("%ld:%02ld", t / 60, t % 60);
}

void
cmd_csv_field(const char *s)
{
	struct buf b = BUF_INIT;

	buf_add_csv(&b, s);
	fputs(buf_str(&b), stdout);
	buf_free(&b);
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: wayfinder COMMAND [OPTIONS]\n\n");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f,
	    "\nwayfinder COMMAND --help gives a command's options; the "
	    "manual is wayfinder(1),\nand the spec format "
	    "wayfinder.yaml(5).\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		/* On a terminal, no command is the TUI. */
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return cmd_tui(argc, argv);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("wayfinder %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	cmd_error("unknown command '%s' (wayfinder --help lists them)",
	    argv[1]);
	return EXIT_USAGE;
}
