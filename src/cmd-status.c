/*
 * wayfinder status: every experiment of the state directory, with what
 * the daemon is doing; wayfinder pause|resume|stop EXPERIMENT: asks the
 * daemon to.
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "cmd.h"
#include "state.h"
#include "store.h"
#include "xmalloc.h"

static void
usage(FILE *f, const char *cmd)
{
	if (strcmp(cmd, "status") == 0)
		fputs("usage: wayfinder status [--state DIR] [--format "
		      "table|json]\n",
		    f);
	else
		fprintf(f, "usage: wayfinder %s EXPERIMENT [--state DIR]\n",
		    cmd);
}

/* The experiments as the daemon sees them, or from the store when no
 * daemon runs. */
static json_t *
experiments(const char *state, int *daemon)
{
	struct store_experiment *v;
	struct store_progress p;
	struct store *st;
	struct client *c;
	json_t *req, *reply = NULL, *list, *o;
	char *cause = NULL;
	size_t n, i;
	int rc;

	*daemon = 0;
	if ((rc = client_connect(state, 0, "wayfinder status", &c, &cause)) ==
	    0) {
		req = json_pack("{ss}", "type", "status");
		if (client_request(c, req, &reply, &cause) == 0) {
			*daemon = 1;
			list =
			    json_incref(json_object_get(reply, "experiments"));
			json_decref(reply);
			json_decref(req);
			client_close(c);
			return list;
		}
		json_decref(reply);
		json_decref(req);
		client_close(c);
	}
	if (rc == -1)
		cmd_error("%s (showing the store)", cause);
	free(cause);
	cause = NULL;
	if (state_open_existing(state, &st, &cause) != 0) {
		free(cause);
		return json_array();
	}
	list = json_array();
	store_experiments(st, &v, &n);
	for (i = 0; i < n; i++) {
		store_experiment_progress(st, v[i].id,
		    strcmp(v[i].direction, "maximize") == 0, &p);
		o = json_pack("{sIsssssssIsIsI}", "id", (json_int_t)v[i].id,
		    "name", v[i].name, "strategy", v[i].strategy, "state",
		    v[i].state, "budget", (json_int_t)v[i].budget, "done",
		    (json_int_t)p.done, "failed", (json_int_t)p.failed);
		json_object_set_new(o, "lost",
		    json_integer((json_int_t)p.lost));
		json_object_set_new(o, "objective",
		    json_string(v[i].objective));
		if (p.have_best) {
			json_object_set_new(o, "best", json_real(p.best));
			json_object_set_new(o, "best_trial",
			    json_integer(p.best_seq));
		}
		json_array_append_new(list, o);
		store_experiment_clear(&v[i]);
	}
	free(v);
	store_close(st);
	return list;
}

int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *statearg = NULL, *fmt = "table";
	char *state, *t, *eta, best[64];
	json_t *list, *o, *v;
	size_t i;
	json_int_t failed, lost;
	char **trials;
	int tw = 15; /* "TRIALS" and "20/20, 0 failed" */
	int c, daemon;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			statearg = optarg;
			break;
		case 'F':
			fmt = optarg;
			if (strcmp(fmt, "table") != 0 &&
			    strcmp(fmt, "json") != 0) {
				cmd_error("--format is table or json, not '%s'",
				    fmt);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout, "status");
			return EXIT_OK;
		default:
			usage(stderr, "status");
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr, "status");
		return EXIT_USAGE;
	}
	state = state_dir(statearg);
	list = experiments(state, &daemon);
	if (strcmp(fmt, "json") == 0) {
		o = json_pack("{sbsO}", "daemon", daemon, "experiments", list);
		t = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", t);
		free(t);
		json_decref(o);
		json_decref(list);
		free(state);
		return EXIT_OK;
	}
	printf("%s: %s\n", state,
	    daemon ? "the daemon runs" :
		     "no daemon runs (wayfinder daemon starts one)");
	/* The trials column as wide as its widest entry. */
	trials = xcalloc(json_array_size(list) + 1, sizeof *trials);
	json_array_foreach(list, i, o)
	{
		failed = json_integer_value(json_object_get(o, "failed"));
		lost = json_integer_value(json_object_get(o, "lost"));
		trials[i] = xasprintf(lost > 0 ?
			"%lld/%lld, %lld failed, %lld lost" :
			"%lld/%lld, %lld failed",
		    (long long)(json_integer_value(json_object_get(o, "done")) +
			failed + lost),
		    (long long)json_integer_value(json_object_get(o, "budget")),
		    (long long)failed, (long long)lost);
		if ((int)strlen(trials[i]) > tw)
			tw = (int)strlen(trials[i]);
	}
	if (json_array_size(list) == 0)
		printf("no experiments\n");
	else
		printf("%4s  %-20s %-11s %-*s %-22s %s\n", "ID", "NAME",
		    "STATE", tw, "TRIALS", "BEST", "ETA");
	json_array_foreach(list, i, o)
	{
		t = trials[i];
		if ((v = json_object_get(o, "best")) != NULL)
			snprintf(best, sizeof best, "%.6g (trial %lld)",
			    json_number_value(v),
			    (long long)json_integer_value(
				json_object_get(o, "best_trial")));
		else
			snprintf(best, sizeof best, "-");
		eta = (v = json_object_get(o, "eta")) != NULL ?
		    cmd_clock(json_number_value(v)) :
		    xstrdup("-");
		printf("%4lld  %-20.20s %-11s %-*s %-22s %s\n",
		    (long long)json_integer_value(json_object_get(o, "id")),
		    json_string_value(json_object_get(o, "name")),
		    json_string_value(json_object_get(o, "state")), tw, t, best,
		    eta);
		free(t);
		free(eta);
	}
	free(trials);
	json_decref(list);
	free(state);
	return EXIT_OK;
}

/* pause, resume, stop */
int
cmd_control(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = argv[0], *statearg = NULL, *what;
	struct client *cl;
	json_t *req, *reply = NULL;
	char *state, *cause = NULL, *end, *name;
	long long id;
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			statearg = optarg;
			break;
		case 'h':
			usage(stdout, cmd);
			return EXIT_OK;
		default:
			usage(stderr, cmd);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, cmd);
		return EXIT_USAGE;
	}
	what = argv[optind];
	state = state_dir(statearg);
	name = xasprintf("wayfinder %s", cmd);
	/* Resuming may need a daemon; the others only one that runs. */
	rc = client_connect(state, strcmp(cmd, "resume") == 0, name, &cl,
	    &cause);
	free(name);
	if (rc != 0) {
		cmd_error("%s: nothing is running to %s", cause, cmd);
		free(cause);
		free(state);
		return EXIT_FAIL;
	}
	id = strtoll(what, &end, 10);
	if (*what != '\0' && *end == '\0' && id > 0)
		req = json_pack("{sssI}", "type", cmd, "experiment",
		    (json_int_t)id);
	else
		req = json_pack("{ssss}", "type", cmd, "experiment", what);
	rc = client_request(cl, req, &reply, &cause);
	json_decref(req);
	if (rc != 0)
		cmd_error("%s", cause);
	else if (strcmp(cmd, "pause") == 0)
		printf("experiment %lld: pausing (running jobs finish first)\n",
		    (long long)json_integer_value(
			json_object_get(reply, "experiment")));
	else
		printf("experiment %lld: %s\n",
		    (long long)json_integer_value(
			json_object_get(reply, "experiment")),
		    strcmp(cmd, "resume") == 0 ? "resumed (queued if another "
						 "runs)" :
						 "stopping");
	json_decref(reply);
	free(cause);
	client_close(cl);
	free(state);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
