/*
 * wayfinder host check|tune|restore: how fit the host is for
 * benchmarking, tuning it from a spec's host: section or from options,
 * and undoing that tuning from the store's journal (host.c does the
 * work).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "cpulist.h"
#include "diag.h"
#include "host.h"
#include "spec.h"
#include "state.h"
#include "store.h"
#include "xmalloc.h"

static const char *const governors[] = { "performance", "powersave", "ondemand",
	"conservative", "schedutil", "userspace", NULL };

static void
usage(FILE *f)
{
	fputs("usage: wayfinder host check [--cpus LIST] [--state DIR]\n"
	      "       wayfinder host tune [SPEC] [--governor NAME] "
	      "[--turbo on|off]\n"
	      "                           [--smt on|off] [--aslr on|off] "
	      "[--state DIR]\n"
	      "       wayfinder host restore [--all] [--state DIR]\n"
	      "(the manual is wayfinder(1), section COMMANDS)\n",
	    f);
}

/* Prints text wrapped at 79 columns: the first line goes on from column
 * col, the others start at column indent. */
static void
wrap(const char *text, size_t col, size_t indent)
{
	const char *p = text, *end;
	size_t len;
	int fresh = 1; /* nothing on this line yet */

	for (;;) {
		while (*p == ' ')
			p++;
		for (end = p; *end != '\0' && *end != ' '; end++)
			;
		if ((len = (size_t)(end - p)) == 0)
			break;
		if (!fresh && col + 1 + len > 79) {
			printf("\n%*s", (int)indent, "");
			col = indent;
			fresh = 1;
		}
		if (!fresh) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)len, p);
		col += len;
		fresh = 0;
		p = end;
	}
	putchar('\n');
}

static void
print_check(const struct host_item *v, size_t n)
{
	size_t i, w = strlen("check"), todo = 0;

	for (i = 0; i < n; i++)
		if (strlen(v[i].name) > w)
			w = strlen(v[i].name);
	printf("%-*s  verdict  state\n", (int)w, "check");
	for (i = 0; i < n; i++) {
		printf("%-*s  %-7s  %s\n", (int)w, v[i].name,
		    host_verdict_name(v[i].verdict), v[i].state);
		if (v[i].advice != NULL &&
		    (v[i].verdict == HOST_WARN || v[i].verdict == HOST_BAD))
			todo++;
	}
	if (todo == 0)
		return;
	printf("\nwhat to do:\n");
	for (i = 0; i < n; i++) {
		if (v[i].advice == NULL ||
		    (v[i].verdict != HOST_WARN && v[i].verdict != HOST_BAD))
			continue;
		printf("  %s: ", v[i].name);
		wrap(v[i].advice, 4 + strlen(v[i].name), 4);
	}
}

/* Says how many journalled changes are still in place, if any. */
static void
print_pending(const char *statearg)
{
	struct store_journal *v = NULL;
	struct store *st;
	struct stat sb;
	char *dir = state_dir(statearg), *db, *cause = NULL;
	size_t n = 0;

	db = xasprintf("%s/wayfinder.db", dir);
	if (stat(db, &sb) == 0 && state_open_existing(dir, &st, &cause) == 0) {
		store_journal_pending(st, &v, &n);
		if (n > 0)
			printf("\n%zu change%s to the host %s journalled in %s "
			       "and not undone: `wayfinder host restore` "
			       "undoes %s\n",
			    n, n == 1 ? "" : "s", n == 1 ? "is" : "are", dir,
			    n == 1 ? "it" : "them");
		store_journal_free(v, n);
		store_close(st);
	}
	free(cause);
	free(db);
	free(dir);
}

static int
do_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpus", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 'd' },
		{ "sysroot", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct host_item *items = NULL;
	const char *root = "", *statearg = NULL;
	char *cause = NULL, *list;
	int *cpus = NULL, c, given = 0;
	size_t ncpus = 0, nitems = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			free(cpus);
			if (cpulist_parse(optarg, &cpus, &ncpus) != 0 ||
			    ncpus == 0) {
				cmd_error("--cpus needs a CPU list like 0-3,6, "
					  "not '%s'",
				    optarg);
				free(cpus);
				return EXIT_USAGE;
			}
			given = 1;
			break;
		case 'd':
			statearg = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			free(cpus);
			return EXIT_OK;
		default:
			usage(stderr);
			free(cpus);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		free(cpus);
		return EXIT_USAGE;
	}
	if (cpus == NULL && host_cpus(root, &cpus, &ncpus) != 0) {
		cmd_error("no usable CPUs found");
		free(cpus);
		return EXIT_FAIL;
	}
	if (host_check(root, cpus, ncpus, &items, &nitems, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(cpus);
		return EXIT_USAGE;
	}
	list = cpulist_format(cpus, ncpus);
	printf("CPUs examined: %s%s\n", list,
	    given ? "" : " (all this process may use; --cpus to choose)");
	free(list);
	print_check(items, nitems);
	host_items_free(items, nitems);
	print_pending(statearg);
	free(cpus);
	return EXIT_OK;
}

/* on|off into 1|0; -1 with a message otherwise. */
static int
onoff(const char *opt, const char *arg)
{
	if (strcmp(arg, "on") == 0)
		return 1;
	if (strcmp(arg, "off") == 0)
		return 0;
	cmd_error("--%s takes on or off, not '%s'", opt, arg);
	return -1;
}

static void
print_lines(const struct host_lines *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		printf("%s\n", l->v[i]);
}

static int
need_root(const char *root, const char *what)
{
	if (*root != '\0' || geteuid() == 0)
		return 0;
	cmd_error("host %s writes to /sys and /proc and needs root (try sudo "
		  "wayfinder host %s ...)",
	    what, what);
	return -1;
}

static int
do_tune(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "governor", required_argument, NULL, 'g' },
		{ "turbo", required_argument, NULL, 't' },
		{ "smt", required_argument, NULL, 's' },
		{ "aslr", required_argument, NULL, 'a' },
		{ "state", required_argument, NULL, 'd' },
		{ "sysroot", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hostspec want = { NULL, -1, -1, -1 };
	struct host_lines done = { NULL, 0 }, skipped = { NULL, 0 };
	struct diags d = { NULL, 0, 0 };
	struct spec *s = NULL;
	struct store *st;
	const char *root = "", *statearg = NULL, *gov = NULL, *hint;
	char *dir, *cause = NULL;
	int c, v, turbo = -1, smt = -1, aslr = -1, n, rc = EXIT_OK;
	size_t i;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			for (i = 0; governors[i] != NULL; i++)
				if (strcmp(optarg, governors[i]) == 0)
					break;
			if (governors[i] == NULL) {
				hint = diag_suggest(optarg, governors);
				cmd_error("unknown governor '%s'%s%s%s "
					  "(performance, powersave, ondemand, "
					  "conservative, schedutil, userspace)",
				    optarg,
				    hint != NULL ? "; did you mean '" : "",
				    hint != NULL ? hint : "",
				    hint != NULL ? "'?" : "");
				return EXIT_USAGE;
			}
			gov = optarg;
			break;
		case 't':
		case 's':
		case 'a':
			v = onoff(c == 't' ? "turbo" :
				c == 's'   ? "smt" :
					     "aslr",
			    optarg);
			if (v < 0)
				return EXIT_USAGE;
			*(c == 't' ? &turbo : c == 's' ? &smt : &aslr) = v;
			break;
		case 'd':
			statearg = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (optind == argc - 1) {
		s = spec_load(argv[optind], &d);
		diag_print(&d, stderr);
		if (s == NULL) {
			fprintf(stderr, "%s: %zu error%s\n", argv[optind],
			    d.nerrors, d.nerrors == 1 ? "" : "s");
			diag_free(&d);
			return EXIT_USAGE;
		}
		diag_free(&d);
		want = s->host;
	} else if (gov == NULL && turbo < 0 && smt < 0 && aslr < 0) {
		cmd_error("host tune needs a SPEC with a host: section, or "
			  "--governor, --turbo, --smt or --aslr");
		usage(stderr);
		return EXIT_USAGE;
	}
	/* Options override the spec. */
	if (gov != NULL)
		want.governor = (char *)gov;
	if (turbo >= 0)
		want.turbo = turbo;
	if (smt >= 0)
		want.smt = smt;
	if (aslr >= 0)
		want.aslr = aslr;
	if (want.governor == NULL && want.turbo < 0 && want.smt < 0 &&
	    want.aslr < 0) {
		printf("%s has no host: section: nothing to tune\n",
		    argv[optind]);
		spec_free(s);
		return EXIT_OK;
	}
	if (need_root(root, "tune") != 0) {
		spec_free(s);
		return EXIT_FAIL;
	}
	dir = state_dir(statearg);
	if (state_open(dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(dir);
		spec_free(s);
		return EXIT_STORE;
	}
	n = host_apply(st, root, &want, HOST_OWNER_MANUAL, &done, &skipped,
	    &cause);
	if (n < 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
	} else {
		print_lines(&done);
		print_lines(&skipped);
		if (n > 0)
			printf("%d change%s made and journalled in %s: "
			       "`wayfinder host restore` undoes %s\n",
			    n, n == 1 ? "" : "s", dir, n == 1 ? "it" : "them");
		else
			printf("nothing changed\n");
	}
	host_lines_free(&done);
	host_lines_free(&skipped);
	store_close(st);
	free(dir);
	spec_free(s);
	return rc;
}

static int
do_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'A' },
		{ "state", required_argument, NULL, 'd' },
		{ "sysroot", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct host_lines done = { NULL, 0 };
	struct store *st;
	struct stat sb;
	const char *root = "", *statearg = NULL, *which = NULL;
	char *dir, *db, *cause = NULL;
	int c, n, rc = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'A':
			which = HOST_RESTORE_ALL;
			break;
		case 'd':
			statearg = optarg;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	dir = state_dir(statearg);
	db = xasprintf("%s/wayfinder.db", dir);
	if (stat(db, &sb) != 0) {
		printf("nothing to restore (no database in %s)\n", dir);
		free(db);
		free(dir);
		return EXIT_OK;
	}
	free(db);
	if (state_open_existing(dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(dir);
		return EXIT_STORE;
	}
	n = host_restore(st, root, which, &done, &cause);
	print_lines(&done);
	if (n < 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
	} else if (n == 0)
		printf("nothing to restore\n");
	else
		printf("%d change%s undone\n", n, n == 1 ? "" : "s");
	host_lines_free(&done);
	store_close(st);
	free(dir);
	return rc;
}

int
cmd_host(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "check") == 0)
		return do_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "tune") == 0)
		return do_tune(argc - 1, argv + 1);
	if (strcmp(argv[1], "restore") == 0)
		return do_restore(argc - 1, argv + 1);
	cmd_error("unknown host command '%s' (check, tune or restore)",
	    argv[1]);
	return EXIT_USAGE;
}
