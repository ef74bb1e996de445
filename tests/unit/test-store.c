/*
 * Unit tests of the store: schema creation and versioning, WAL, the
 * life of experiments, trials, jobs and measurements, and the recovery
 * that resume relies on.
 */
#include "config.h"

#include <math.h>
#include <sqlite3.h>

#include "tap.h"
#include "spec-util.h"
#include "../../src/space.h"
#include "../../src/store.h"

static const char text[] =
    "name: st\n"
    "params:\n"
    "  - {name: A, type: int, values: [1, 2], when: test}\n"
    "  - {name: B, type: bool}\n"
    "build: {run: 'true'}\n"
    "test: {run: 'true', objective: {metric: wall_ms, direction: minimize}}\n";

static int
sql_int(const char *db, const char *q)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static char *
sql_text(const char *db, const char *q)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char *v = NULL;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return NULL;
	if (sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

int
main(void)
{
	struct spec *s = load_text(text);
	struct space *sp = space_new(s);
	struct store *st;
	struct store_experiment e;
	struct store_trial *v;
	struct store_progress prog;
	struct store_measurement *m;
	struct store_job_end end;
	struct store_metric agg;
	struct config *c1, *c2;
	char db[600], *cause = NULL, *state, *reason, *t;
	int64_t exp, cfg1, cfg2, b1, tr1, tr2, j1, j2, j3;
	size_t n, nm;
	const char *na[] = { "A", "B" }, *v1[] = { "1", "true" },
		   *v2[] = { "2", "true" };

	snprintf(db, sizeof db, "%s/w.db", spec_util_dir);
	ok(store_open(db, &st, &cause) == 0, "a new store opens");
	is_int(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION,
	    "schema version is recorded");
	t = sql_text(db, "PRAGMA journal_mode");
	is_str(t, "wal", "the store is in WAL mode");
	free(t);

	exp = store_experiment_create(st, s, "ident-1", "random", 5, 1, 10);
	ok(exp > 0, "experiment created");
	is_int(store_experiment_find(st, "ident-1"), exp, "found by identity");
	is_int(store_experiment_find(st, "ident-2"), 0, "other identity: none");
	is_int(store_experiment_lookup(st, "st"), exp, "found by name");
	is_int(store_experiment_lookup(st, NULL), exp, "latest");
	{
		char idtext[32];

		snprintf(idtext, sizeof idtext, "%lld", (long long)exp);
		is_int(store_experiment_lookup(st, idtext), exp, "by id");
	}
	ok(store_experiment_get(st, exp, &e) == 0 &&
		strcmp(e.strategy, "random") == 0 && e.seed == 5 &&
		e.budget == 10 && strcmp(e.state, "running") == 0 &&
		strcmp(e.spec_text, text) == 0,
	    "experiment fields round-trip");
	store_experiment_clear(&e);
	is_int(sql_int(db, "SELECT count(*) FROM params"), 2,
	    "parameters are stored");

	c1 = space_config_parse(sp, 2, na, v1, &cause);
	c2 = space_config_parse(sp, 2, na, v2, &cause);
	cfg1 = store_config_add(st, exp, sp, c1);
	cfg2 = store_config_add(st, exp, sp, c2);
	ok(cfg1 > 0 && cfg2 > 0 && cfg1 != cfg2, "configurations stored");
	is_int(store_config_add(st, exp, sp, c1), cfg1,
	    "a configuration is stored once");
	b1 = store_build_get(st, exp, "bk", "/x", &state, &reason);
	is_str(state, "pending", "a new build is pending");
	free(state);
	free(reason);
	store_build_set_state(st, b1, "done", NULL);
	is_int(store_build_get(st, exp, "bk", "/x", &state, &reason), b1,
	    "the build is found again");
	is_str(state, "done", "with its state");
	free(state);
	free(reason);

	tr1 = store_trial_add(st, exp, 1, cfg1, b1);
	tr2 = store_trial_add(st, exp, 2, cfg2, b1);
	store_trial_start(st, tr1, 1.0);
	j1 = store_job_start(st, exp, "test", b1, tr1, 1, 0, "0", NULL, 1.0);
	memset(&end, 0, sizeof end);
	end.state = "done";
	end.finished = 2.0;
	end.wall_ms = 10;
	store_begin(st);
	store_job_end(st, j1, &end);
	store_measurement_add(st, j1, tr1, "rps", 1, 100);
	store_measurement_add(st, j1, tr1, "rps", 1, 110); /* replaces */
	store_commit(st);
	j2 = store_job_start(st, exp, "test", b1, tr1, 2, 0, "0", NULL, 2.0);
	store_measurement_add(st, j2, tr1, "rps", 2, 999);
	/* j2 stays "running": a crash. j3 is a warm-up of trial 2. */
	j3 = store_job_start(st, exp, "test", b1, tr2, 1, 1, "1", NULL, 2.0);
	end.state = "done";
	store_job_end(st, j3, &end);
	store_measurement_add(st, j3, tr2, "rps", 1, 5);
	store_trial_start(st, tr2, 2.0);
	store_close(st);

	/* Reopen, as a resumed run would. */
	ok(store_open(db, &st, &cause) == 0, "the store reopens");
	is_int(store_recover(st, exp), 1, "one running job is recovered");
	t = sql_text(db, "SELECT state FROM jobs WHERE id = 2");
	is_str(t, "interrupted", "it is marked interrupted");
	free(t);
	t = sql_text(db, "SELECT state FROM trials WHERE id = 1");
	is_str(t, "interrupted", "its trial too");
	free(t);
	store_trial_measurements(st, tr1, &m, &nm);
	ok(nm == 1 && m[0].value == 110 && m[0].iteration == 1,
	    "only the finished job's measurement counts, once");
	store_measurements_free(m, nm);
	store_trial_measurements(st, tr2, &m, &nm);
	is_int((long long)nm, 0, "warm-up measurements do not count");
	store_measurements_free(m, nm);

	store_trials(st, exp, &v, &n);
	ok(n == 2 && v[0].seq == 1 && v[0].iterations_done == 1 &&
		v[1].iterations_done == 1,
	    "trials list what they completed");
	ok(n == 2 && v[0].nvalues == 2 && strcmp(v[0].names[0], "A") == 0 &&
		strcmp(v[0].values[0], "1") == 0 &&
		strcmp(v[0].values[1], "true") == 0,
	    "with their configuration");
	store_trials_free(v, n);

	agg.name = (char *)"rps";
	agg.median = agg.mean = agg.min = agg.max = 110;
	agg.stddev = 0;
	agg.n = 1;
	store_trial_finish(st, tr1, 110, 0, 1, &agg, 1, 3.0);
	store_trial_fail(st, tr2, "test failed", 3.0);
	store_trials(st, exp, &v, &n);
	ok(strcmp(v[0].state, "done") == 0 && v[0].has_value &&
		v[0].value == 110 && v[0].nmetrics == 1 &&
		v[0].metrics[0].median == 110,
	    "a finished trial has its value");
	ok(strcmp(v[1].state, "failed") == 0 && !v[1].has_value &&
		strcmp(v[1].reason, "test failed") == 0,
	    "a failed trial has its reason");
	store_trials_free(v, n);
	store_experiment_progress(st, exp, 1, &prog);
	ok(prog.trials == 2 && prog.done == 1 && prog.failed == 1 &&
		prog.lost == 0 && prog.have_best && prog.best == 110,
	    "progress counts the measured and the failed");
	store_trial_lost(st, tr2, "node lost (lost 1 time, given up)", 4.0);
	store_trials(st, exp, &v, &n);
	ok(strcmp(v[1].state, "lost") == 0 && !v[1].has_value &&
		strstr(v[1].reason, "given up") != NULL,
	    "a lost trial is stored as lost, with its reason");
	store_trials_free(v, n);
	store_experiment_progress(st, exp, 1, &prog);
	ok(prog.trials == 2 && prog.done == 1 && prog.failed == 0 &&
		prog.lost == 1,
	    "progress counts it as lost, not failed");
	store_event(st, exp, "x", "{\"a\": 1}");
	is_int(sql_int(db, "SELECT count(*) FROM events"), 1, "events stored");
	store_experiment_set_state(st, exp, "done");
	ok(sql_int(db, "SELECT finished IS NOT NULL FROM experiments") == 1,
	    "a done experiment has its end time");
	store_close(st);

	/* A database from a newer Wayfinder is refused, not damaged. */
	{
		sqlite3 *h;

		sqlite3_open(db, &h);
		sqlite3_exec(h, "PRAGMA user_version = 99", NULL, NULL, NULL);
		sqlite3_close(h);
		cause = NULL;
		ok(store_open(db, &st, &cause) != 0 && cause != NULL &&
			strstr(cause, "newer") != NULL,
		    "a newer schema is refused with a reason");
		free(cause);
	}
	cause = NULL;
	ok(store_open("/nonexistent/dir/w.db", &st, &cause) != 0 &&
		cause != NULL,
	    "an unopenable store gives a reason");
	free(cause);
	free(c1);
	free(c2);
	space_free(sp);
	spec_free(s);
	cleanup_dir();
	return done_testing();
}
