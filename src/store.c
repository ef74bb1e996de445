/*
 * SQLite persistence. Statements are prepared once and cached. Writes
 * that fail (disk full, a corrupt file) end the process with a message
 * and exit status 3: every state change is a transaction, so stopping
 * loses nothing that was committed, while limping on could lose results.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "xmalloc.h"

enum stmt {
	S_EXP_FIND,
	S_EXP_BY_ID,
	S_EXP_BY_NAME,
	S_EXP_LATEST,
	S_EXP_INSERT,
	S_EXP_FILE,
	S_EXP_GET,
	S_EXP_STATE,
	S_EXP_BUDGET,
	S_EXP_ALL,
	S_PARAM_INSERT,
	S_PARAM_NAMES,
	S_RECOVER_JOBS,
	S_RECOVER_BUILDS,
	S_RECOVER_TRIALS,
	S_CONFIG_FIND,
	S_CONFIG_INSERT,
	S_VALUE_INSERT,
	S_BUILD_FIND,
	S_BUILD_INSERT,
	S_BUILD_STATE,
	S_TRIAL_INSERT,
	S_TRIAL_START,
	S_TRIAL_FAIL,
	S_TRIAL_LOST,
	S_TRIAL_FINISH,
	S_TRIAL_METRIC,
	S_TRIALS,
	S_TRIAL_VALUES,
	S_TRIAL_METRICS,
	S_TRIAL_ITERS,
	S_TRIAL_MEASUREMENTS,
	S_JOB_INSERT,
	S_JOB_END,
	S_MEASUREMENT,
	S_EVENT,
	S_JOURNAL_ADD,
	S_JOURNAL_PENDING,
	S_JOURNAL_DONE,
	S_JOB_PROTECTIONS,
	S_SERIES_PUT,
	S_SERIES_GET,
	S_TRIAL_JOBS,
	S_EXP_ARGS,
	S_EXP_DAEMON,
	S_EXP_PROGRESS,
	S_EXP_BEST_MAX,
	S_EXP_BEST_MIN,
	S_TRIAL_BASELINE,
	S_JOB_PLACED,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_EXP_FIND] = "SELECT id FROM experiments WHERE identity = ?1 "
		       "ORDER BY id DESC LIMIT 1",
	[S_EXP_BY_ID] = "SELECT id FROM experiments WHERE id = ?1",
	[S_EXP_BY_NAME] = "SELECT id FROM experiments WHERE name = ?1 "
			  "ORDER BY id DESC LIMIT 1",
	[S_EXP_LATEST] = "SELECT id FROM experiments ORDER BY id DESC LIMIT 1",
	[S_EXP_INSERT] =
	    "INSERT INTO experiments (name, description, "
	    "spec_path, spec_text, spec_hash, identity, strategy, seed, "
	    "seeded, budget, objective, direction, state, created) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'running', "
	    "?13)",
	[S_EXP_FILE] = "INSERT OR REPLACE INTO experiment_files "
		       "(experiment_id, path, content) VALUES (?1, ?2, ?3)",
	[S_EXP_GET] =
	    "SELECT id, name, spec_path, spec_hash, identity, "
	    "strategy, seed, seeded, budget, objective, direction, state, "
	    "created, finished, spec_text FROM experiments WHERE id = ?1",
	[S_EXP_STATE] =
	    "UPDATE experiments SET state = ?2, finished = "
	    "CASE WHEN ?2 = 'done' THEN ?3 ELSE NULL END WHERE id = ?1",
	[S_EXP_BUDGET] = "UPDATE experiments SET budget = ?2 WHERE id = ?1",
	[S_EXP_ALL] = "SELECT id FROM experiments ORDER BY id DESC",
	[S_PARAM_INSERT] =
	    "INSERT INTO params (experiment_id, idx, name, "
	    "type, stage, domain, default_value, condition) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8)",
	[S_PARAM_NAMES] = "SELECT name FROM params WHERE experiment_id = ?1 "
			  "ORDER BY idx",
	[S_RECOVER_JOBS] =
	    "UPDATE jobs SET state = 'interrupted', reason = "
	    "'interrupted', finished = ?2 WHERE experiment_id = ?1 AND state "
	    "= 'running'",
	[S_RECOVER_BUILDS] = "UPDATE builds SET state = 'interrupted' WHERE "
			     "experiment_id = ?1 AND state = 'running'",
	[S_RECOVER_TRIALS] = "UPDATE trials SET state = 'interrupted' WHERE "
			     "experiment_id = ?1 AND state = 'running'",
	[S_CONFIG_FIND] = "SELECT id FROM configurations WHERE experiment_id "
			  "= ?1 AND config_key = ?2",
	[S_CONFIG_INSERT] = "INSERT INTO configurations (experiment_id, "
			    "config_key, build_key) VALUES (?1, ?2, ?3)",
	[S_VALUE_INSERT] = "INSERT INTO config_values (config_id, name, "
			   "value) VALUES (?1, ?2, ?3)",
	[S_BUILD_FIND] = "SELECT id, state, reason FROM builds WHERE "
			 "experiment_id = ?1 AND build_key = ?2",
	[S_BUILD_INSERT] = "INSERT INTO builds (experiment_id, build_key, "
			   "dir, state) VALUES (?1, ?2, ?3, 'pending')",
	[S_BUILD_STATE] = "UPDATE builds SET state = ?2, reason = ?3 WHERE "
			  "id = ?1",
	[S_TRIAL_INSERT] =
	    "INSERT INTO trials (experiment_id, seq, "
	    "configuration_id, build_id, state) VALUES (?1, ?2, ?3, ?4, "
	    "'pending')",
	[S_TRIAL_START] = "UPDATE trials SET state = 'running', started = "
			  "coalesce(started, ?2) WHERE id = ?1",
	[S_TRIAL_FAIL] = "UPDATE trials SET state = 'failed', reason = ?2, "
			 "finished = ?3 WHERE id = ?1",
	[S_TRIAL_LOST] = "UPDATE trials SET state = 'lost', reason = ?2, "
			 "finished = ?3 WHERE id = ?1",
	[S_TRIAL_FINISH] =
	    "UPDATE trials SET state = 'done', reason = NULL, "
	    "value = ?2, stddev = ?3, n = ?4, finished = ?5 WHERE id = ?1",
	[S_TRIAL_METRIC] =
	    "INSERT OR REPLACE INTO trial_metrics (trial_id, "
	    "metric, median, mean, stddev, min, max, n) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8)",
	[S_TRIALS] =
	    "SELECT t.id, t.seq, t.configuration_id, c.config_key, "
	    "c.build_key, t.state, t.reason, t.value, t.stddev, t.n, "
	    "t.started, t.finished, (SELECT j.protections FROM jobs j WHERE "
	    "j.trial_id = t.id AND j.protections IS NOT NULL ORDER BY j.id "
	    "DESC LIMIT 1), t.baseline FROM trials t JOIN configurations c ON "
	    "c.id = "
	    "t.configuration_id WHERE t.experiment_id = ?1 ORDER BY t.seq",
	[S_TRIAL_VALUES] = "SELECT name, value FROM config_values WHERE "
			   "config_id = ?1 ORDER BY name",
	[S_TRIAL_METRICS] =
	    "SELECT metric, median, mean, stddev, min, max, n "
	    "FROM trial_metrics WHERE trial_id = ?1 ORDER BY metric",
	[S_TRIAL_ITERS] = "SELECT count(*) FROM jobs WHERE trial_id = ?1 AND "
			  "kind = 'test' AND state = 'done'",
	[S_TRIAL_MEASUREMENTS] =
	    "SELECT m.metric, m.iteration, m.value FROM "
	    "measurements m JOIN jobs j ON j.id = m.job_id WHERE m.trial_id "
	    "= ?1 AND j.warmup = 0 AND j.state = 'done' ORDER BY m.metric, "
	    "m.iteration",
	[S_JOB_INSERT] =
	    "INSERT INTO jobs (experiment_id, kind, build_id, "
	    "trial_id, iteration, warmup, state, cpus, workdir, started) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, ?8, ?9)",
	[S_JOB_END] =
	    "UPDATE jobs SET state = ?2, exit_status = ?3, signal "
	    "= ?4, reason = ?5, finished = ?6, wall_ms = ?7, maxrss_kb = ?8, "
	    "utime_ms = ?9, stime_ms = ?10, stdout_path = ?11, stderr_path = "
	    "?12, workdir = coalesce(?13, workdir) WHERE id = ?1",
	[S_MEASUREMENT] =
	    "INSERT OR REPLACE INTO measurements (job_id, "
	    "trial_id, metric, iteration, value) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_JOURNAL_ADD] = "INSERT INTO host_journal (time, path, old, new, "
			  "owner) VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_JOURNAL_PENDING] = "SELECT id, time, path, old, new, owner FROM "
			      "host_journal WHERE restored IS NULL ORDER BY "
			      "id DESC",
	[S_JOURNAL_DONE] = "UPDATE host_journal SET restored = ?2 WHERE id = "
			   "?1",
	[S_JOB_PROTECTIONS] = "UPDATE jobs SET protections = ?2 WHERE id = ?1",
	[S_SERIES_PUT] = "INSERT OR REPLACE INTO series (job_id, names, "
			 "points, data) VALUES (?1, ?2, ?3, ?4)",
	[S_SERIES_GET] = "SELECT names, points, data FROM series WHERE job_id "
			 "= ?1",
	[S_TRIAL_JOBS] =
	    "SELECT j.id, j.iteration, j.warmup, j.state FROM jobs "
	    "j JOIN trials t ON t.id = j.trial_id WHERE "
	    "t.experiment_id = ?1 AND t.seq = ?2 ORDER BY j.id",
	[S_EXP_ARGS] = "UPDATE experiments SET daemon_args = ?2 WHERE id = ?1",
	[S_EXP_DAEMON] = "SELECT id, state, daemon_args FROM experiments WHERE "
			 "daemon_args IS NOT NULL ORDER BY id",
	[S_EXP_PROGRESS] =
	    "SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER "
	    "(WHERE state = 'failed'), count(*), count(*) FILTER (WHERE "
	    "state = 'lost') FROM trials WHERE experiment_id = ?1",
	[S_EXP_BEST_MAX] =
	    "SELECT seq, value FROM trials WHERE experiment_id = "
	    "?1 AND state = 'done' ORDER BY value DESC, seq "
	    "LIMIT 1",
	[S_EXP_BEST_MIN] =
	    "SELECT seq, value FROM trials WHERE experiment_id = "
	    "?1 AND state = 'done' ORDER BY value ASC, seq LIMIT "
	    "1",
	[S_TRIAL_BASELINE] = "UPDATE trials SET baseline = 1 WHERE id = ?1",
	[S_JOB_PLACED] = "UPDATE jobs SET node = ?2, cpus = ?3 WHERE id = ?1",
	[S_EVENT] = "INSERT INTO events (experiment_id, time, kind, detail) "
		    "VALUES (?1, ?2, ?3, ?4)",
};

/* Version 2: live samples, a row per job, the points packed. */
#define SERIES_TABLE \
	"CREATE TABLE series (" \
	" job_id INTEGER PRIMARY KEY REFERENCES jobs," \
	" names TEXT NOT NULL," \
	" points INTEGER NOT NULL," \
	" data BLOB NOT NULL);"

/* Version 3: how the daemon runs an experiment it was given, so that it
 * can resume it after a crash. */
#define DAEMON_ARGS "ALTER TABLE experiments ADD COLUMN daemon_args TEXT;"

/* Version 4: the trial of the default configuration, run first as the
 * baseline; the node a cluster ran a job on. */
#define BASELINE \
	"ALTER TABLE trials ADD COLUMN baseline INTEGER NOT NULL DEFAULT 0;" \
	"ALTER TABLE jobs ADD COLUMN node TEXT;"

/* What takes a database of version i - 1 to version i (index i - 2). */
static const char *const upgrades[] = { SERIES_TABLE, DAEMON_ARGS, BASELINE };

static const char schema[] =
    "CREATE TABLE experiments ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " description TEXT,"
    " spec_path TEXT NOT NULL,"
    " spec_text TEXT NOT NULL,"
    " spec_hash TEXT NOT NULL,"
    " identity TEXT NOT NULL,"
    " strategy TEXT NOT NULL,"
    " seed INTEGER NOT NULL,"
    " seeded INTEGER NOT NULL,"
    " budget INTEGER NOT NULL,"
    " objective TEXT NOT NULL,"
    " direction TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " created REAL NOT NULL,"
    " finished REAL,"
    " daemon_args TEXT);"
    "CREATE INDEX experiments_identity ON experiments (identity);"
    "CREATE TABLE experiment_files ("
    " experiment_id INTEGER NOT NULL REFERENCES experiments,"
    " path TEXT NOT NULL,"
    " content BLOB NOT NULL,"
    " PRIMARY KEY (experiment_id, path));"
    "CREATE TABLE params ("
    " experiment_id INTEGER NOT NULL REFERENCES experiments,"
    " idx INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " stage TEXT NOT NULL,"
    " domain TEXT NOT NULL,"
    " default_value TEXT NOT NULL,"
    " condition TEXT,"
    " PRIMARY KEY (experiment_id, idx));"
    "CREATE TABLE configurations ("
    " id INTEGER PRIMARY KEY,"
    " experiment_id INTEGER NOT NULL REFERENCES experiments,"
    " config_key TEXT NOT NULL,"
    " build_key TEXT NOT NULL,"
    " UNIQUE (experiment_id, config_key));"
    "CREATE TABLE config_values ("
    " config_id INTEGER NOT NULL REFERENCES configurations,"
    " name TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " PRIMARY KEY (config_id, name)) WITHOUT ROWID;"
    "CREATE TABLE builds ("
    " id INTEGER PRIMARY KEY,"
    " experiment_id INTEGER NOT NULL REFERENCES experiments,"
    " build_key TEXT NOT NULL,"
    " dir TEXT NOT NULL,"
    " state TEXT NOT NULL,"
    " reason TEXT,"
    " UNIQUE (experiment_id, build_key));"
    "CREATE TABLE trials ("
    " id INTEGER PRIMARY KEY,"
    " experiment_id INTEGER NOT NULL REFERENCES experiments,"
    " seq INTEGER NOT NULL,"
    " configuration_id INTEGER NOT NULL REFERENCES configurations,"
    " build_id INTEGER REFERENCES builds,"
    " state TEXT NOT NULL,"
    " reason TEXT,"
    " value REAL,"
    " stddev REAL,"
    " n INTEGER,"
    " started REAL,"
    " finished REAL,"
    " baseline INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE (experiment_id, seq),"
    " UNIQUE (experiment_id, configuration_id));"
    "CREATE TABLE jobs ("
    " id INTEGER PRIMARY KEY,"
    " experiment_id INTEGER NOT NULL REFERENCES experiments,"
    " kind TEXT NOT NULL,"
    " build_id INTEGER REFERENCES builds,"
    " trial_id INTEGER REFERENCES trials,"
    " iteration INTEGER,"
    " warmup INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL,"
    " cpus TEXT,"
    " workdir TEXT,"
    " protections TEXT,"
    " stdout_path TEXT,"
    " stderr_path TEXT,"
    " node TEXT,"
    " started REAL NOT NULL,"
    " finished REAL,"
    " exit_status INTEGER,"
    " signal INTEGER,"
    " reason TEXT,"
    " wall_ms REAL,"
    " maxrss_kb REAL,"
    " utime_ms REAL,"
    " stime_ms REAL);"
    "CREATE INDEX jobs_trial ON jobs (trial_id);"
    "CREATE INDEX jobs_experiment_state ON jobs (experiment_id, state);"
    "CREATE TABLE measurements ("
    " job_id INTEGER NOT NULL REFERENCES jobs,"
    " trial_id INTEGER REFERENCES trials,"
    " metric TEXT NOT NULL,"
    " iteration INTEGER NOT NULL,"
    " value REAL NOT NULL,"
    " PRIMARY KEY (job_id, metric));"
    "CREATE INDEX measurements_trial ON measurements (trial_id);"
    "CREATE TABLE trial_metrics ("
    " trial_id INTEGER NOT NULL REFERENCES trials,"
    " metric TEXT NOT NULL,"
    " median REAL, mean REAL, stddev REAL, min REAL, max REAL,"
    " n INTEGER NOT NULL,"
    " PRIMARY KEY (trial_id, metric)) WITHOUT ROWID;"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " experiment_id INTEGER REFERENCES experiments,"
    " time REAL NOT NULL,"
    " kind TEXT NOT NULL,"
    " detail TEXT);"
    "CREATE INDEX events_experiment ON events (experiment_id, id);"
    "CREATE TABLE host_journal ("
    " id INTEGER PRIMARY KEY,"
    " time REAL NOT NULL,"
    " path TEXT NOT NULL,"
    " old TEXT NOT NULL,"
    " new TEXT NOT NULL,"
    " owner TEXT NOT NULL,"
    " restored REAL);" SERIES_TABLE;

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[S_COUNT];
	int depth; /* store_begin nesting */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(struct store *s, const char *what) __attribute__((noreturn));

static void
die(struct store *s, const char *what)
{
	fflush(stdout);
	fprintf(stderr, "wayfinder: store %s: %s: %s\n", s->path, what,
	    sqlite3_errmsg(s->db));
	exit(3);
}

static sqlite3_stmt *
prep(struct store *s, enum stmt which)
{
	sqlite3_stmt *st = s->st[which];

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, sql[which], -1,
			SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
			die(s, sql[which]);
		s->st[which] = st;
	} else {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return st;
}

/* Binds arguments by a format: i int64, d double (NaN binds NULL), s text
 * (NULL binds NULL), b blob (pointer and size_t length). */
static sqlite3_stmt *
bind(struct store *s, enum stmt which, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	const char *text;
	const void *blob;
	double d;
	size_t len;
	int i, rc = SQLITE_OK;

	st = prep(s, which);
	va_start(ap, fmt);
	for (i = 1; *fmt != '\0' && rc == SQLITE_OK; fmt++, i++) {
		switch (*fmt) {
		case 'i':
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'd':
			d = va_arg(ap, double);
			rc = d != d ? sqlite3_bind_null(st, i) :
				      sqlite3_bind_double(st, i, d);
			break;
		case 's':
			text = va_arg(ap, const char *);
			rc = text == NULL ?
			    sqlite3_bind_null(st, i) :
			    sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
			break;
		case 'b':
			blob = va_arg(ap, const void *);
			len = va_arg(ap, size_t);
			rc = sqlite3_bind_blob64(st, i, blob, len,
			    SQLITE_STATIC);
			break;
		default:
			fatal("bad bind format %c", *fmt);
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK)
		die(s, "bind");
	return st;
}

static void
run(struct store *s, sqlite3_stmt *st)
{
	int rc;

	if ((rc = sqlite3_step(st)) != SQLITE_DONE && rc != SQLITE_ROW)
		die(s, sqlite3_sql(st));
	sqlite3_reset(st);
}

/* Steps a query: 1 for a row, 0 at the end. */
static int
row(struct store *s, sqlite3_stmt *st)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		die(s, sqlite3_sql(st));
	return 0;
}

static int64_t
one_id(struct store *s, sqlite3_stmt *st)
{
	int64_t id = 0;

	if (row(s, st))
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

static char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t == NULL ? NULL : xstrdup((const char *)t);
}

/*
 * Every row of st in a new array of elements of size bytes, each zeroed
 * and then filled from its row by fill; NULL when there is none. Resets
 * st.
 */
static void *
rows(struct store *s, sqlite3_stmt *st, size_t size,
    void (*fill)(sqlite3_stmt *, void *), size_t *n)
{
	unsigned char *v = NULL;
	size_t count = 0;

	while (row(s, st)) {
		v = xreallocarray(v, count + 1, size);
		memset(v + count * size, 0, size);
		fill(st, v + count * size);
		count++;
	}
	sqlite3_reset(st);
	*n = count;
	return v;
}

static int
exec_sql(struct store *s, const char *text, char **cause)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, text, NULL, NULL, &msg) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", s->path,
		    msg != NULL ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_open(const char *path, struct store **out, char **cause)
{
	struct store *s;
	sqlite3_stmt *st;
	int version;

	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	if (sqlite3_open_v2(path, &s->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (exec_sql(s,
		"PRAGMA journal_mode = WAL; PRAGMA synchronous = "
		"NORMAL; PRAGMA foreign_keys = ON;",
		cause) != 0)
		goto fail;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		*cause = xasprintf("%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > STORE_SCHEMA_VERSION) {
		*cause =
		    xasprintf("%s: schema version %d is newer than this "
			      "wayfinder understands (%d); upgrade wayfinder",
			path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0) {
		char *create = xasprintf("BEGIN IMMEDIATE; %s PRAGMA "
					 "user_version = %d; COMMIT;",
		    schema, STORE_SCHEMA_VERSION);
		int rc = exec_sql(s, create, cause);

		free(create);
		if (rc != 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	for (; version > 0 && version < STORE_SCHEMA_VERSION; version++) {
		char *up = xasprintf("BEGIN IMMEDIATE; %s PRAGMA user_version "
				     "= %d; COMMIT;",
		    upgrades[version - 1], version + 1);
		int rc = exec_sql(s, up, cause);

		free(up);
		if (rc != 0) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	sqlite3_close(s->db);
	free(s->path);
	free(s);
	return -1;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

void
store_begin(struct store *s)
{
	if (s->depth++ > 0)
		return;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		die(s, "BEGIN");
}

void
store_commit(struct store *s)
{
	if (s->depth == 0)
		fatal("store_commit without store_begin");
	if (--s->depth > 0)
		return;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(s, "COMMIT");
}

int64_t
store_experiment_find(struct store *s, const char *identity)
{
	return one_id(s, bind(s, S_EXP_FIND, "s", identity));
}

int64_t
store_experiment_lookup(struct store *s, const char *key)
{
	const char *p;
	int64_t id;

	if (key == NULL)
		return one_id(s, prep(s, S_EXP_LATEST));
	for (p = key; *p >= '0' && *p <= '9'; p++)
		;
	if (*p == '\0' && p != key &&
	    (id = one_id(s,
		 bind(s, S_EXP_BY_ID, "i", (int64_t)strtoll(key, NULL, 10)))) !=
		0)
		return id;
	return one_id(s, bind(s, S_EXP_BY_NAME, "s", key));
}

int64_t
store_experiment_create(struct store *s, const struct spec *spec,
    const char *identity, const char *strategy, uint64_t seed, int seeded,
    uint64_t budget)
{
	const struct param *p;
	char *dom, buf[64], *path;
	int64_t id;
	size_t i;

	/* Absolute, so that the spec loads again from anywhere (insights,
	 * the TUI) and not only from where the run was started. */
	if ((path = realpath(spec->path, NULL)) == NULL)
		path = xstrdup(spec->path);
	store_begin(s);
	run(s,
	    bind(s, S_EXP_INSERT, "sssssssiiissd", spec->name,
		spec->description, path, spec->text, spec->hash, identity,
		strategy, (int64_t)seed, (int64_t)seeded, (int64_t)budget,
		spec->objective, spec_direction_name(spec->direction), now()));
	id = sqlite3_last_insert_rowid(s->db);
	free(path);
	for (i = 0; i < spec->nparams; i++) {
		p = &spec->params[i];
		dom = spec_domain_text(p);
		run(s,
		    bind(s, S_PARAM_INSERT, "iissssss", id, (int64_t)i, p->name,
			spec_type_name(p->type), spec_stage_name(p->stage), dom,
			spec_value(p, p->def, buf, sizeof buf), p->cond_text));
		free(dom);
	}
	store_commit(s);
	return id;
}

void
store_experiment_file(struct store *s, int64_t exp, const char *path,
    const char *text, size_t len)
{
	run(s, bind(s, S_EXP_FILE, "isb", exp, path, (const void *)text, len));
}

int
store_experiment_get(struct store *s, int64_t id, struct store_experiment *e)
{
	sqlite3_stmt *st;

	memset(e, 0, sizeof *e);
	st = bind(s, S_EXP_GET, "i", id);
	if (!row(s, st)) {
		sqlite3_reset(st);
		return -1;
	}
	e->id = sqlite3_column_int64(st, 0);
	e->name = col_text(st, 1);
	e->spec_path = col_text(st, 2);
	e->spec_hash = col_text(st, 3);
	e->identity = col_text(st, 4);
	e->strategy = col_text(st, 5);
	e->seed = (uint64_t)sqlite3_column_int64(st, 6);
	e->seeded = sqlite3_column_int(st, 7);
	e->budget = (uint64_t)sqlite3_column_int64(st, 8);
	e->objective = col_text(st, 9);
	e->direction = col_text(st, 10);
	e->state = col_text(st, 11);
	e->created = sqlite3_column_double(st, 12);
	e->finished = sqlite3_column_double(st, 13);
	e->spec_text = col_text(st, 14);
	sqlite3_reset(st);
	return 0;
}

void
store_experiment_clear(struct store_experiment *e)
{
	free(e->name);
	free(e->spec_path);
	free(e->spec_hash);
	free(e->identity);
	free(e->strategy);
	free(e->objective);
	free(e->direction);
	free(e->state);
	free(e->spec_text);
	memset(e, 0, sizeof *e);
}

int
store_experiments(struct store *s, struct store_experiment **out, size_t *n)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	size_t i, count = 0;

	st = prep(s, S_EXP_ALL);
	while (row(s, st)) {
		ids = xreallocarray(ids, count + 1, sizeof *ids);
		ids[count++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	*out = xcalloc(count + 1, sizeof **out);
	for (i = 0; i < count; i++)
		store_experiment_get(s, ids[i], &(*out)[i]);
	free(ids);
	*n = count;
	return 0;
}

static void
fill_text(sqlite3_stmt *st, void *p)
{
	*(char **)p = col_text(st, 0);
}

void
store_param_names(struct store *s, int64_t exp, char ***names, size_t *n)
{
	*names = rows(s, bind(s, S_PARAM_NAMES, "i", exp), sizeof **names,
	    fill_text, n);
}

void
store_experiment_set_state(struct store *s, int64_t id, const char *state)
{
	run(s, bind(s, S_EXP_STATE, "isd", id, state, now()));
}

void
store_experiment_set_budget(struct store *s, int64_t id, uint64_t budget)
{
	run(s, bind(s, S_EXP_BUDGET, "ii", id, (int64_t)budget));
}

int
store_recover(struct store *s, int64_t exp)
{
	int n;

	store_begin(s);
	run(s, bind(s, S_RECOVER_JOBS, "id", exp, now()));
	n = sqlite3_changes(s->db);
	run(s, bind(s, S_RECOVER_BUILDS, "i", exp));
	run(s, bind(s, S_RECOVER_TRIALS, "i", exp));
	store_commit(s);
	return n;
}

int64_t
store_config_add(struct store *s, int64_t exp, const struct space *sp,
    const struct config *cfg)
{
	const struct spec *spec = space_spec(sp);
	char key[17], bkey[17], buf[64];
	const char *v;
	int64_t id;
	size_t i;

	space_id_hex(cfg->id, key);
	space_id_hex(cfg->build, bkey);
	if ((id = one_id(s, bind(s, S_CONFIG_FIND, "is", exp, key))) != 0)
		return id;
	store_begin(s);
	run(s, bind(s, S_CONFIG_INSERT, "iss", exp, key, bkey));
	id = sqlite3_last_insert_rowid(s->db);
	for (i = 0; i < spec->nparams; i++) {
		if ((v = space_value(sp, cfg, i, buf, sizeof buf)) == NULL)
			continue;
		run(s,
		    bind(s, S_VALUE_INSERT, "iss", id, spec->params[i].name,
			v));
	}
	store_commit(s);
	return id;
}

int64_t
store_build_get(struct store *s, int64_t exp, const char *key, const char *dir,
    char **state, char **reason)
{
	sqlite3_stmt *st;
	int64_t id;

	st = bind(s, S_BUILD_FIND, "is", exp, key);
	if (row(s, st)) {
		id = sqlite3_column_int64(st, 0);
		*state = col_text(st, 1);
		*reason = col_text(st, 2);
		sqlite3_reset(st);
		return id;
	}
	sqlite3_reset(st);
	run(s, bind(s, S_BUILD_INSERT, "iss", exp, key, dir));
	*state = xstrdup("pending");
	*reason = NULL;
	return sqlite3_last_insert_rowid(s->db);
}

void
store_build_set_state(struct store *s, int64_t build, const char *state,
    const char *reason)
{
	run(s, bind(s, S_BUILD_STATE, "iss", build, state, reason));
}

int64_t
store_trial_add(struct store *s, int64_t exp, int64_t seq, int64_t config,
    int64_t build)
{
	run(s,
	    bind(s, S_TRIAL_INSERT, "iiid", exp, seq, config,
		build > 0 ? (double)build : (double)NAN));
	return sqlite3_last_insert_rowid(s->db);
}

void
store_trial_start(struct store *s, int64_t trial, double when)
{
	run(s, bind(s, S_TRIAL_START, "id", trial, when));
}

void
store_trial_fail(struct store *s, int64_t trial, const char *reason,
    double when)
{
	run(s, bind(s, S_TRIAL_FAIL, "isd", trial, reason, when));
}

void
store_trial_lost(struct store *s, int64_t trial, const char *reason,
    double when)
{
	run(s, bind(s, S_TRIAL_LOST, "isd", trial, reason, when));
}

void
store_trial_finish(struct store *s, int64_t trial, double value, double stddev,
    int n, const struct store_metric *m, size_t nm, double when)
{
	size_t i;

	store_begin(s);
	run(s,
	    bind(s, S_TRIAL_FINISH, "iddid", trial, value, stddev, (int64_t)n,
		when));
	for (i = 0; i < nm; i++)
		run(s,
		    bind(s, S_TRIAL_METRIC, "isdddddi", trial, m[i].name,
			m[i].median, m[i].mean, m[i].stddev, m[i].min, m[i].max,
			(int64_t)m[i].n));
	store_commit(s);
}

static double
col_double(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ?
	    (double)NAN :
	    sqlite3_column_double(st, i);
}

static void
fill_metric(sqlite3_stmt *st, void *p)
{
	struct store_metric *m = p;

	m->name = col_text(st, 0);
	m->median = col_double(st, 1);
	m->mean = col_double(st, 2);
	m->stddev = col_double(st, 3);
	m->min = col_double(st, 4);
	m->max = col_double(st, 5);
	m->n = sqlite3_column_int(st, 6);
}

static void
fill_trial(sqlite3_stmt *st, void *p)
{
	struct store_trial *t = p;

	t->id = sqlite3_column_int64(st, 0);
	t->seq = sqlite3_column_int64(st, 1);
	t->config_id = sqlite3_column_int64(st, 2);
	t->config_key = col_text(st, 3);
	t->build_key = col_text(st, 4);
	t->state = col_text(st, 5);
	t->reason = col_text(st, 6);
	t->has_value = sqlite3_column_type(st, 7) != SQLITE_NULL;
	t->value = col_double(st, 7);
	t->stddev = col_double(st, 8);
	t->n = sqlite3_column_int(st, 9);
	t->started = col_double(st, 10);
	t->finished = col_double(st, 11);
	t->protections = col_text(st, 12);
	t->baseline = sqlite3_column_int(st, 13);
}

int
store_trials(struct store *s, int64_t exp, struct store_trial **out, size_t *n)
{
	struct store_trial *v = NULL, *t;
	sqlite3_stmt *q;
	size_t count = 0, i;

	v = rows(s, bind(s, S_TRIALS, "i", exp), sizeof *v, fill_trial, &count);
	for (i = 0; i < count; i++) {
		t = &v[i];
		q = bind(s, S_TRIAL_VALUES, "i", t->config_id);
		while (row(s, q)) {
			t->names = xreallocarray(t->names, t->nvalues + 1,
			    sizeof *t->names);
			t->values = xreallocarray(t->values, t->nvalues + 1,
			    sizeof *t->values);
			t->names[t->nvalues] = col_text(q, 0);
			t->values[t->nvalues++] = col_text(q, 1);
		}
		sqlite3_reset(q);
		t->metrics = rows(s, bind(s, S_TRIAL_METRICS, "i", t->id),
		    sizeof *t->metrics, fill_metric, &t->nmetrics);
		t->iterations_done =
		    (int)one_id(s, bind(s, S_TRIAL_ITERS, "i", t->id));
	}
	*out = v;
	*n = count;
	return 0;
}

void
store_trials_free(struct store_trial *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		free(v[i].config_key);
		free(v[i].build_key);
		free(v[i].state);
		free(v[i].reason);
		free(v[i].protections);
		for (j = 0; j < v[i].nvalues; j++) {
			free(v[i].names[j]);
			free(v[i].values[j]);
		}
		free(v[i].names);
		free(v[i].values);
		for (j = 0; j < v[i].nmetrics; j++)
			free(v[i].metrics[j].name);
		free(v[i].metrics);
	}
	free(v);
}

static void
fill_measurement(sqlite3_stmt *st, void *p)
{
	struct store_measurement *v = p;

	v->metric = col_text(st, 0);
	v->iteration = sqlite3_column_int(st, 1);
	v->value = sqlite3_column_double(st, 2);
}

int
store_trial_measurements(struct store *s, int64_t trial,
    struct store_measurement **out, size_t *n)
{
	*out = rows(s, bind(s, S_TRIAL_MEASUREMENTS, "i", trial), sizeof **out,
	    fill_measurement, n);
	return 0;
}

void
store_measurements_free(struct store_measurement *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].metric);
	free(v);
}

int64_t
store_job_start(struct store *s, int64_t exp, const char *kind, int64_t build,
    int64_t trial, int iteration, int warmup, const char *cpus,
    const char *workdir, double when)
{
	run(s,
	    bind(s, S_JOB_INSERT, "isddiissd", exp, kind,
		build > 0 ? (double)build : (double)NAN,
		trial > 0 ? (double)trial : (double)NAN, (int64_t)iteration,
		(int64_t)warmup, cpus, workdir, when));
	return sqlite3_last_insert_rowid(s->db);
}

void
store_job_end(struct store *s, int64_t job, const struct store_job_end *e)
{
	run(s,
	    bind(s, S_JOB_END, "isiisdddddsss", job, e->state,
		(int64_t)e->exit_status, (int64_t)e->signal, e->reason,
		e->finished, e->wall_ms, e->maxrss_kb, e->utime_ms, e->stime_ms,
		e->stdout_path, e->stderr_path, e->workdir));
}

void
store_measurement_add(struct store *s, int64_t job, int64_t trial,
    const char *metric, int iteration, double value)
{
	/* A build's job has no trial. */
	run(s,
	    bind(s, S_MEASUREMENT, "idsid", job,
		trial > 0 ? (double)trial : (double)NAN, metric,
		(int64_t)iteration, value));
}

void
store_event(struct store *s, int64_t exp, const char *kind, const char *detail)
{
	run(s, bind(s, S_EVENT, "idss", exp, now(), kind, detail));
}

int64_t
store_journal_add(struct store *s, const char *path, const char *old,
    const char *new, const char *owner)
{
	run(s, bind(s, S_JOURNAL_ADD, "dssss", now(), path, old, new, owner));
	return sqlite3_last_insert_rowid(s->db);
}

static void
fill_journal(sqlite3_stmt *st, void *p)
{
	struct store_journal *v = p;

	v->id = sqlite3_column_int64(st, 0);
	v->time = sqlite3_column_double(st, 1);
	v->path = col_text(st, 2);
	v->old = col_text(st, 3);
	v->new = col_text(st, 4);
	v->owner = col_text(st, 5);
}

int
store_journal_pending(struct store *s, struct store_journal **out, size_t *n)
{
	*out =
	    rows(s, prep(s, S_JOURNAL_PENDING), sizeof **out, fill_journal, n);
	return 0;
}

void
store_journal_restored(struct store *s, int64_t id)
{
	run(s, bind(s, S_JOURNAL_DONE, "id", id, now()));
}

void
store_journal_free(struct store_journal *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].old);
		free(v[i].new);
		free(v[i].owner);
	}
	free(v);
}

void
store_job_protections(struct store *s, int64_t job, const char *text)
{
	run(s, bind(s, S_JOB_PROTECTIONS, "is", job, text));
}

/* Doubles as stored: little-endian IEEE 754, whatever the host. */
static void
put_double(unsigned char *p, double d)
{
	uint64_t u;
	int i;

	memcpy(&u, &d, sizeof u);
	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

static double
get_double(const unsigned char *p)
{
	uint64_t u = 0;
	double d;
	int i;

	for (i = 0; i < 8; i++)
		u |= (uint64_t)p[i] << (8 * i);
	memcpy(&d, &u, sizeof d);
	return d;
}

void
store_series_put(struct store *s, int64_t job, const struct store_series *sr)
{
	struct buf names = BUF_INIT;
	unsigned char *data;
	size_t i, total = sr->points * (sr->n + 1);

	for (i = 0; i < sr->n; i++)
		buf_printf(&names, "%s%s", i > 0 ? "\t" : "", sr->names[i]);
	data = xcalloc(total + 1, 8);
	for (i = 0; i < total; i++)
		put_double(data + 8 * i, sr->data[i]);
	run(s,
	    bind(s, S_SERIES_PUT, "isib", job, buf_str(&names),
		(int64_t)sr->points, data, total * 8));
	free(data);
	buf_free(&names);
}

int
store_series_get(struct store *s, int64_t job, struct store_series *sr)
{
	sqlite3_stmt *st;
	const unsigned char *blob;
	char *names, *p, *tab;
	size_t i, total;
	int found = 0;

	memset(sr, 0, sizeof *sr);
	st = bind(s, S_SERIES_GET, "i", job);
	if (row(s, st)) {
		names = col_text(st, 0);
		for (p = names; p != NULL && *p != '\0'; p = tab + 1) {
			sr->names = xreallocarray(sr->names, sr->n + 1,
			    sizeof *sr->names);
			tab = strchr(p, '\t');
			sr->names[sr->n++] = tab != NULL ?
			    xstrndup(p, (size_t)(tab - p)) :
			    xstrdup(p);
			if (tab == NULL)
				break;
		}
		free(names);
		sr->points = (size_t)sqlite3_column_int64(st, 1);
		blob = sqlite3_column_blob(st, 2);
		total = sr->points * (sr->n + 1);
		if ((size_t)sqlite3_column_bytes(st, 2) != total * 8)
			total = sr->points = 0; /* not ours: ignore it */
		sr->data = xcalloc(total + 1, sizeof *sr->data);
		for (i = 0; i < total; i++)
			sr->data[i] = get_double(blob + 8 * i);
		found = 1;
	}
	sqlite3_reset(st);
	return found;
}

static void
fill_job_ref(sqlite3_stmt *st, void *p)
{
	struct store_job_ref *v = p;

	v->id = sqlite3_column_int64(st, 0);
	v->iteration = sqlite3_column_int(st, 1);
	v->warmup = sqlite3_column_int(st, 2);
	v->state = col_text(st, 3);
}

int
store_trial_jobs(struct store *s, int64_t exp, int64_t seq,
    struct store_job_ref **out, size_t *n)
{
	*out = rows(s, bind(s, S_TRIAL_JOBS, "ii", exp, seq), sizeof **out,
	    fill_job_ref, n);
	return 0;
}

void
store_job_refs_free(struct store_job_ref *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].state);
	free(v);
}

void
store_job_placed(struct store *s, int64_t job, const char *node,
    const int *cpus, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%d", i > 0 ? "," : "", cpus[i]);
	run(s, bind(s, S_JOB_PLACED, "iss", job, node, buf_str(&b)));
	buf_free(&b);
}

void
store_trial_set_baseline(struct store *s, int64_t trial)
{
	run(s, bind(s, S_TRIAL_BASELINE, "i", trial));
}

void
store_experiment_set_args(struct store *s, int64_t exp, const char *args)
{
	run(s, bind(s, S_EXP_ARGS, "is", exp, args));
}

static void
fill_daemon_exp(sqlite3_stmt *st, void *p)
{
	struct store_daemon_exp *v = p;

	v->id = sqlite3_column_int64(st, 0);
	v->state = col_text(st, 1);
	v->args = col_text(st, 2);
}

int
store_daemon_experiments(struct store *s, struct store_daemon_exp **out,
    size_t *n)
{
	*out = rows(s, bind(s, S_EXP_DAEMON, ""), sizeof **out, fill_daemon_exp,
	    n);
	return 0;
}

void
store_daemon_experiments_free(struct store_daemon_exp *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].state);
		free(v[i].args);
	}
	free(v);
}

void
store_experiment_progress(struct store *s, int64_t exp, int maximize,
    struct store_progress *p)
{
	sqlite3_stmt *st;

	memset(p, 0, sizeof *p);
	st = bind(s, S_EXP_PROGRESS, "i", exp);
	if (row(s, st)) {
		p->done = sqlite3_column_int64(st, 0);
		p->failed = sqlite3_column_int64(st, 1);
		p->trials = sqlite3_column_int64(st, 2);
		p->lost = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	st = bind(s, maximize ? S_EXP_BEST_MAX : S_EXP_BEST_MIN, "i", exp);
	if (row(s, st)) {
		p->have_best = 1;
		p->best_seq = sqlite3_column_int64(st, 0);
		p->best = sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
}

void
store_series_free(struct store_series *sr)
{
	size_t i;

	for (i = 0; i < sr->n; i++)
		free(sr->names[i]);
	free(sr->names);
	free(sr->data);
	memset(sr, 0, sizeof *sr);
}
