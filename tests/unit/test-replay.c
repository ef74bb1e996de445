/*
 * Tests of replay datasets (dataset.c: strict CSV, typed columns, the
 * look-up) and of the replay harness (replay.c), whose figures for the
 * random strategy are checked against their exact values.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "spec-util.h"
#include "../../src/buf.h"
#include "../../src/dataset.h"
#include "../../src/replay.h"
#include "../../src/xmalloc.h"

/* Loads text written to name; NULL with d filled when it fails. */
static struct dataset *
load(const char *name, const char *text, struct diags *d)
{
	return dataset_load(write_file(name, text), d);
}

/* The first diagnostic of a failed load contains want (a position such
 * as ":2:5: error:" and words of the message). */
static void
bad(const char *what, const char *text, const char *want1, const char *want2)
{
	struct diags d = { NULL, 0, 0 };
	struct dataset *ds;
	char *msg = NULL;
	int good;

	ds = load("bad.csv", text, &d);
	if (d.n > 0)
		msg = diag_format(&d.v[0]);
	good = ds == NULL && d.nerrors > 0 && msg != NULL &&
	    strstr(msg, want1) != NULL &&
	    (want2 == NULL || strstr(msg, want2) != NULL);
	if (!ok(good, "refused: %s", what))
		diag("got '%s', want '%s' and '%s'", msg ? msg : "(none)",
		    want1, want2 ? want2 : "");
	free(msg);
	dataset_free(ds);
	diag_free(&d);
}

static const char *
domain(const struct dataset *ds, size_t i, struct buf *b)
{
	const struct param *p = &ds->spec->params[i];
	uint64_t k;

	buf_reset(b);
	for (k = 0; k < p->card; k++)
		buf_printf(b, "%s%s", k > 0 ? "|" : "", p->values[k]);
	return buf_str(b);
}

static void
test_good(void)
{
	/* 3 x 2 x 2 = 12 configurations, one missing (absent), with a name
	 * to sanitise, a quoted field holding a comma and a quote, CRLF
	 * line ends and integers whose text order is not their order. */
	static const char text[] =
	    "\"cache size\",mode,compress,score+,lat-\r\n"
	    "512,plain,y,10,5\r\n"
	    "64,plain,y,20,4\r\n"
	    "8,plain,y,30,3\r\n"
	    "512,\"a,\"\"b\",y,40,2\r\n"
	    "64,\"a,\"\"b\",y,50,1\r\n"
	    "8,\"a,\"\"b\",y,60,9\r\n"
	    "512,plain,n,70,8\r\n"
	    "64,plain,n,80,7\r\n"
	    "8,plain,n,90,6\r\n"
	    "512,\"a,\"\"b\",n,100,5\r\n"
	    "64,\"a,\"\"b\",n,110,4\r\n";
	struct diags d = { NULL, 0, 0 };
	struct dataset *ds;
	struct buf b = BUF_INIT;
	struct config *cfg;
	const char *names[3] = { "cache_size", "mode", "compress" };
	const char *vals[3];
	char *why = NULL, *msg;
	size_t i;
	long row;
	int all = 1;

	ds = load("good.csv", text, &d);
	if (!ok(ds != NULL, "a good dataset loads")) {
		diag_print(&d, stdout);
		diag_free(&d);
		return;
	}
	is_int((long long)ds->nrows, 11, "11 rows");
	is_int((long long)ds->nparams, 3, "3 parameter columns");
	is_int((long long)ds->nobjectives, 2, "2 objective columns");
	is_str(ds->name, "good.csv", "the dataset's name is its file's");
	is_int((long long)ds->size.n, 12, "the space is the product: 12");
	is_str(ds->spec->params[0].name, "cache_size", "a column renamed");
	is_int((long long)d.n, 1, "one warning");
	msg = d.n > 0 ? diag_format(&d.v[0]) : NULL;
	ok(msg != NULL && strstr(msg, "good.csv:1:1: warning:") != NULL &&
		strstr(msg, "'cache size'") != NULL &&
		strstr(msg, "'cache_size'") != NULL,
	    "the warning names the column and its new name at 1:1");
	free(msg);
	is_str(spec_type_name(ds->spec->params[0].type), "int",
	    "integers are int");
	is_str(domain(ds, 0, &b), "8|64|512", "in numeric order");
	is_str(spec_type_name(ds->spec->params[1].type), "str", "text is str");
	is_str(domain(ds, 1, &b), "a,\"b|plain", "quoted text, sorted");
	is_str(spec_type_name(ds->spec->params[2].type), "bool", "y/n is bool");
	is_str(domain(ds, 2, &b), "false|true", "false then true");
	is_str(ds->objectives[0], "score", "the primary objective");
	is_str(ds->spec->objective, "score", "is the spec's metric");
	ok(ds->direction == DIR_MAXIMIZE && ds->directions[1] == DIR_MINIMIZE,
	    "+ maximises, - minimises");
	ok(ds->best == 110 && ds->worst == 10, "best 110, worst 10");
	is_int((long long)ds->best_row, 10, "the best row");
	ok(dataset_value(ds, 3) == 40 && ds->values[3 * 2 + 1] == 2,
	    "values by row");
	is_int(ds->lines[3], 5, "the line of row 4");

	/* Every row is found again from its values, as written. */
	for (i = 0; i < ds->nrows; i++)
		if (dataset_lookup(ds, ds->configs[i]) != (long)i)
			all = 0;
	ok(all, "each row's configuration looks up to its row");
	vals[0] = "0064";
	vals[1] = "a,\"b";
	vals[2] = "n";
	cfg = space_config_parse(ds->space, 3, names, vals, &why);
	row = cfg != NULL ? dataset_lookup(ds, cfg) : -2;
	is_int(row, 10, "64, 'a,\"b', n: row 11 (\"0064\" is 64)");
	free(cfg);
	vals[0] = "8";
	cfg = space_config_parse(ds->space, 3, names, vals, &why);
	row = cfg != NULL ? dataset_lookup(ds, cfg) : -2;
	is_int(row, -1, "8, 'a,\"b', n is absent");
	free(cfg);
	vals[2] = "true";
	cfg = space_config_parse(ds->space, 3, names, vals, &why);
	row = cfg != NULL ? dataset_lookup(ds, cfg) : -2;
	is_int(row, 5, "8, 'a,\"b', true: row 6 (y)");
	free(cfg);
	ok(strstr(ds->yaml, "type: int") != NULL &&
		strstr(ds->yaml, "direction: maximize") != NULL,
	    "the generated spec is kept");
	{
		/* ... and is a spec like any other, from a file too. */
		struct spec *s = load_text(ds->yaml);

		is_int((long long)s->nparams, 3, "the generated spec loads");
		spec_free(s);
	}
	dataset_free(ds);
	diag_free(&d);
	buf_free(&b);
}

static void
test_types(void)
{
	struct diags d = { NULL, 0, 0 };
	struct dataset *ds;
	struct buf b = BUF_INIT;

	ds = load("types.csv",
	    "f,t,k,s,WAYFINDER_X,1st,wall_ms-\n"
	    "0.5,true,y,b,1,1,3\n"
	    "1e1,false,m,a,1,1,2\n"
	    "2.25,TRUE,n,c,1,1,1\n",
	    &d);
	if (!ok(ds != NULL, "a dataset of every type loads")) {
		diag_print(&d, stdout);
		diag_free(&d);
		return;
	}
	is_str(spec_type_name(ds->spec->params[0].type), "float", "float");
	is_str(domain(ds, 0, &b), "0.5|2.25|10", "floats in numeric order");
	is_str(spec_type_name(ds->spec->params[1].type), "bool",
	    "true/false is bool");
	is_str(domain(ds, 1, &b), "false|true", "TRUE and true are one");
	is_str(spec_type_name(ds->spec->params[2].type), "tristate",
	    "y/m/n is tristate");
	is_str(domain(ds, 2, &b), "n|m|y", "in tristate order");
	is_str(domain(ds, 3, &b), "a|b|c", "strings sorted");
	is_str(ds->spec->params[4].name, "_WAYFINDER_X",
	    "WAYFINDER_ names are reserved: renamed");
	is_str(ds->spec->params[5].name, "_1st", "names start with a letter");
	is_str(ds->spec->objective, "objective_wall_ms",
	    "a built-in metric's name is not taken");
	ok(ds->direction == DIR_MINIMIZE && ds->best == 1, "minimised: best 1");
	/* Three names changed, and 3 rows of a product of 54. */
	is_int((long long)d.n, 4, "four warnings");
	dataset_free(ds);
	diag_free(&d);
	buf_free(&b);
}

static void
test_bad(void)
{
	struct diags d = { NULL, 0, 0 };

	bad("a row with an extra field", "a,b+\n1,2,3\n", "bad.csv:2:5: error",
	    "row has 3 fields, the header has 2");
	bad("a row with a missing field", "a,b,c+\n1,2\nx\n",
	    "bad.csv:2:4: error", "no 'c+'");
	bad("a non-numeric objective", "a,b+\n1,2\n2,fast\n",
	    "bad.csv:3:3: error", "'fast', not a (finite) number");
	bad("an empty objective", "a,b+\n1,\n", "bad.csv:2:3: error", "number");
	bad("an infinite objective", "a,b+\n1,inf\n", "bad.csv:2:3: error",
	    "number");
	bad("a configuration twice", "a,b,c+\nx,1,2\ny,1,3\nx,1,4\n",
	    "bad.csv:4:1: error", "configuration of line 2 again");
	bad("a configuration twice in other spellings", "a,b+\n8,2\n08,3\n",
	    "bad.csv:3:1: error", "line 2");
	bad("a quote that never ends", "a,b+\n1,2\n\"x,3\n",
	    "bad.csv:3:1: error", "never ends");
	bad("a quote in an unquoted field", "a,b+\nx\"y,2\n",
	    "bad.csv:2:2: error", "quote");
	bad("text after a closing quote", "a,b+\n\"x\"y,2\n",
	    "bad.csv:2:4: error", "after the closing quote");
	bad("a parameter after an objective", "a,b+,c\n1,2,3\n",
	    "bad.csv:1:6: error", "'c' comes after the objective");
	bad("no objective", "a,b\n1,2\n", "bad.csv:1:1: error",
	    "no objective column");
	bad("no parameter", "a+,b-\n1,2\n", "bad.csv:1:1: error",
	    "no parameter column");
	bad("a column twice", "a,a,b+\n1,2,3\n", "bad.csv:1:3: error",
	    "appears twice");
	bad("a nameless column", "a,,b+\n1,2,3\n", "bad.csv:1:3: error",
	    "no name");
	bad("a nameless objective", "a,+\n1,2\n", "bad.csv:1:3: error",
	    "no name");
	bad("a blank line among the rows", "a,b+\n1,2\n\n3,4\n",
	    "bad.csv:3:1: error", "blank line");
	bad("a lone carriage return", "a,b+\r1,2\n", "bad.csv:1:5: error",
	    "carriage return");
	bad("an empty file", "", "bad.csv: error", "empty");
	bad("a header without rows", "a,b+\n", "bad.csv: error", "no rows");
	ok(dataset_load("/nonexistent/x.csv", &d) == NULL && d.n == 1 &&
		strstr(d.v[0].msg, "No such file") != NULL &&
		strcmp(d.v[0].file, "/nonexistent/x.csv") == 0,
	    "a missing file is named");
	diag_free(&d);
	/* Blank lines at the end and no final line feed are fine. */
	{
		struct dataset *ds;

		ds = load("tail.csv", "a,b+\n1,2\n\n\n", &d);
		ok(ds != NULL && ds->nrows == 1, "blank lines at the end");
		dataset_free(ds);
		ds = load("tail.csv",
		    "\xef\xbb\xbf"
		    "a,b+\n1,2\n2,3",
		    &d);
		ok(ds != NULL && ds->nrows == 2 &&
			strcmp(ds->columns[0], "a") == 0,
		    "no final line feed, and a byte order mark");
		dataset_free(ds);
		diag_free(&d);
		/* 3 of a product of 9: loads, with a warning. */
		ds = load("sparse.csv", "a,b,c+\n1,1,1\n2,2,2\n3,3,3\n", &d);
		ok(ds != NULL && d.n == 1 && d.v[0].level == DIAG_WARNING &&
			strstr(d.v[0].msg, "3 rows of the 9") != NULL,
		    "a dataset far from a product is warned about");
		dataset_free(ds);
		diag_free(&d);
	}
}

/* C(n, k) as a double (exact for the small n here). */
static double
choose(int n, int k)
{
	double r = 1;
	int i;

	if (k < 0 || k > n)
		return 0;
	for (i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

/*
 * A 6 x 5 space (N = 30) whose values are 100 - 1.3 r for a scrambled
 * rank r = 0..29: four of them (100, 98.7, 97.4, 96.1) are within 5% of
 * the best. skip rows (ranks >= 30 - skip) are left out: absent.
 */
static struct dataset *
synthetic(int skip)
{
	struct diags d = { NULL, 0, 0 };
	struct dataset *ds;
	struct buf b = BUF_INIT;
	int x, y, r;

	buf_adds(&b, "x,y,value+\n");
	for (x = 0; x < 6; x++)
		for (y = 0; y < 5; y++) {
			r = (7 * (x * 5 + y) + 3) % 30;
			if (r >= 30 - skip)
				continue;
			buf_printf(&b, "%d,%d,%.1f\n", x, y, 100 - 1.3 * r);
		}
	ds = load(skip ? "absent.csv" : "synthetic.csv", buf_str(&b), &d);
	buf_free(&b);
	if (ds == NULL) {
		diag_print(&d, stdout);
		printf("Bail out! the synthetic dataset did not load\n");
		exit(99);
	}
	diag_free(&d);
	return ds;
}

/*
 * Checks random search against exact values. With K seeds, an estimate
 * of a probability p has standard deviation sqrt(p (1 - p) / K), and a
 * mean of regrets sqrt(Var(regret) / K), Var computed exactly from the
 * same distribution. The tolerance is 4.5 standard deviations (plus
 * 1e-9 for rounding): a correct harness misses it with probability
 * about 7e-6 per figure (normal approximation; K = 2000 makes the
 * binomial near normal for the p >= b / N >= 0.03 here), so under 1e-4
 * over the figures below, while an off-by-one evaluation (budget b - 1)
 * moves P(within 5%) by 0.03 to 0.09 against a tolerance of at most
 * 4.5 * sqrt(0.25 / 2000) = 0.050, and is caught at the budgets where
 * it moves it most. The seeds are fixed (1..K), so the outcome does not
 * change between runs: the argument is about whether the expected
 * values are right, not about flakiness.
 */
static void
test_random_exact(void)
{
	static const size_t budgets[] = { 1, 3, 5, 10, 20, 30 };
	const size_t nb = sizeof budgets / sizeof budgets[0];
	const unsigned K = 2000;
	struct replay_score sc[6];
	struct replay_conf rc;
	struct dataset *ds;
	double regret[30], e, e2, sd, pw, pb, pi, tol, got;
	char *cause = NULL;
	size_t i, k, b;
	int N = 30, g = 4, n;

	for (i = 0; i < (size_t)N; i++)
		regret[i] = (1.3 * (double)i) / (1.3 * 29);
	for (n = 0; n < 2; n++) {
		/* n = 1: the five worst are absent and cost one evaluation
		 * each: regret 1 while nothing else was found. */
		ds = synthetic(n ? 5 : 0);
		memset(&rc, 0, sizeof rc);
		rc.strategy = "random";
		rc.seeds = K;
		rc.budgets = budgets;
		rc.nbudgets = nb;
		rc.batch = 1;
		if (!ok(replay_run(ds, &rc, sc, &cause) == 0,
			"random replays %u seeds%s", K,
			n ? " with absent rows" : "")) {
			diag("%s", cause);
			free(cause);
			dataset_free(ds);
			continue;
		}
		if (n == 1) {
			/* The worst present value is now rank 24. */
			for (i = 0; i < 25; i++)
				regret[i] = (1.3 * (double)i) / (1.3 * 24);
			for (i = 25; i < 30; i++)
				regret[i] = 1;
		}
		for (k = 0; k < nb; k++) {
			b = budgets[k];
			pw = 1 - choose(N - g, (int)b) / choose(N, (int)b);
			pb = (double)b / N;
			/* The minimum regret of b draws without replacement:
			 * the i-th smallest is the least with probability
			 * C(N - 1 - i, b - 1) / C(N, b). */
			e = e2 = 0;
			for (i = 0; i < (size_t)N; i++) {
				pi = choose(N - 1 - (int)i, (int)b - 1) /
				    choose(N, (int)b);
				e += pi * regret[i];
				e2 += pi * regret[i] * regret[i];
			}
			got = sc[k].p_within5;
			tol = 4.5 * sqrt(pw * (1 - pw) / K) + 1e-9;
			if (!ok(fabs(got - pw) <= tol,
				"P(within 5%%) at %zu: %.4f, exact %.4f "
				"(tolerance %.4f)",
				b, got, pw, tol))
				diag("off by %.4f", got - pw);
			got = sc[k].p_best;
			tol = 4.5 * sqrt(pb * (1 - pb) / K) + 1e-9;
			ok(fabs(got - pb) <= tol,
			    "P(best) at %zu: %.4f, exact %.4f (tolerance %.4f)",
			    b, got, pb, tol);
			sd = sqrt(fmax(0, e2 - e * e) / K);
			got = sc[k].mean_regret;
			ok(fabs(got - e) <= 4.5 * sd + 1e-9,
			    "mean regret at %zu: %.4f, exact %.4f (tolerance "
			    "%.4f)",
			    b, got, e, 4.5 * sd + 1e-9);
		}
		/* Mean absent evaluations in b draws: b * 5 / 30. */
		if (n == 1)
			ok(fabs(sc[3].mean_failed - 10.0 * 5 / 30) < 0.1,
			    "absent configurations cost evaluations: %.3f "
			    "of 10 (exact %.3f)",
			    sc[3].mean_failed, 10.0 * 5 / 30);
		is_int((long long)sc[5].seeds, K, "seeds counted");
		dataset_free(ds);
	}
}

static void
test_trace(void)
{
	struct strategy_conf conf;
	struct replay_trace t;
	struct dataset *ds = synthetic(5);
	char *cause = NULL;
	int best, within, rc;
	double regret;
	size_t i;

	memset(&conf, 0, sizeof conf);
	conf.seed = 7;
	conf.seeded = 1;
	conf.direction = ds->direction;
	/* grid sweeps the product (30, 5 of them absent) and stops. */
	rc = replay_trace(ds, "grid", &conf, 50, 1, &t, &cause);
	if (!ok(rc == 0, "grid replays")) {
		diag("%s", cause);
		free(cause);
	} else {
		is_int((long long)t.used, 30, "grid ends after the 30");
		is_int((long long)t.failed, 5, "5 absent evaluations");
		ok(t.found[29] == ds->best && t.found[49] == ds->best,
		    "the best is found, and stays found after the end");
		for (i = 1; i < t.used; i++)
			if (dataset_better(ds, t.found[i - 1], t.found[i]))
				break;
		ok(i == t.used, "what was found never gets worse");
		is_int((long long)t.nasks, 31, "30 asks and the empty one");
		replay_trace_free(&t);
	}
	/* Batches: 4 + 4 + 2 for a budget of 10. */
	rc = replay_trace(ds, "random", &conf, 10, 4, &t, &cause);
	ok(rc == 0 && t.used == 10 && t.nasks == 3 && t.ask_seen[2] == 8,
	    "a batch of 4: three asks for 10 evaluations");
	if (rc == 0)
		replay_trace_free(&t);
	rc = replay_trace(ds, "nonesuch", &conf, 10, 1, &t, &cause);
	ok(rc == -1 && cause != NULL && strstr(cause, "nonesuch") != NULL,
	    "an unknown strategy is named");
	free(cause);
	cause = NULL;

	replay_judge(ds, NAN, &best, &within, &regret);
	ok(!best && !within && regret == 1, "nothing found: regret 1");
	replay_judge(ds, ds->best, &best, &within, &regret);
	ok(best && within && regret == 0, "the best: regret 0");
	replay_judge(ds, 95.0, &best, &within, &regret);
	ok(!best && within && fabs(regret - 5 / (1.3 * 24)) < 1e-12,
	    "95 is within 5%% of 100");
	replay_judge(ds, 94.99, &best, &within, &regret);
	ok(!within, "94.99 is not");

	/* A strategy that breaks is reported with its seed. */
	if (strategy_find("external") != NULL) {
		struct spec_option o;
		struct replay_conf c;
		struct replay_score sc;
		size_t budget = 5;
		char *argv[] = { "/bin/false", NULL };

		memset(&o, 0, sizeof o);
		o.name = "command";
		o.list = argv;
		o.nlist = 1;
		memset(&c, 0, sizeof c);
		c.strategy = "external";
		c.options = &o;
		c.noptions = 1;
		c.dir = "/";
		c.seeds = 2;
		c.budgets = &budget;
		c.nbudgets = 1;
		c.batch = 1;
		rc = replay_run(ds, &c, &sc, &cause);
		ok(rc == -1 && cause != NULL && strstr(cause, "seed 1") != NULL,
		    "a broken strategy is an error naming the seed");
		if (cause != NULL)
			diag("%s", cause);
		free(cause);
	} else
		printf("ok %d # SKIP no external strategy registered\n",
		    ++tap_n);
	dataset_free(ds);
}

/* 10^4 rows, the size the harness must handle. */
static void
test_large(void)
{
	struct diags d = { NULL, 0, 0 };
	struct dataset *ds;
	struct buf b = BUF_INIT;
	int a, c, e, f;
	long row;
	size_t i;
	int all = 1;

	buf_adds(&b, "a,b,c,d,y-\n");
	for (a = 0; a < 10; a++)
		for (c = 0; c < 10; c++)
			for (e = 0; e < 10; e++)
				for (f = 0; f < 10; f++)
					buf_printf(&b, "%d,v%d,%d.5,%d,%d\n", a,
					    c, e, f,
					    (a - 3) * (a - 3) + (c - 5) * e +
						f);
	ds = load("large.csv", buf_str(&b), &d);
	buf_free(&b);
	if (!ok(ds != NULL && ds->nrows == 10000 && ds->size.n == 10000,
		"10^4 rows load")) {
		diag_print(&d, stdout);
		diag_free(&d);
		dataset_free(ds);
		return;
	}
	for (i = 0; i < ds->nrows; i++)
		if ((row = dataset_lookup(ds, ds->configs[i])) != (long)i)
			all = 0;
	ok(all, "and each looks up to its row");
	ok(ds->best == -45 && ds->worst == 36 + 4 * 9 + 9,
	    "best and worst of 10^4");
	dataset_free(ds);
	diag_free(&d);
}

int
main(void)
{
	test_good();
	test_types();
	test_bad();
	test_random_exact();
	test_trace();
	test_large();
	cleanup_dir();
	return done_testing();
}
