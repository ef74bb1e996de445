/*
 * Unit tests of wayfinder import: the translation of the original's
 * govaluate conditions into ours (meaning, refusals and their columns),
 * the direction an objective's name suggests, and conversions of small
 * jobs held in memory (formats, parameter domains, strictness).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../src/import.h"

/* MODE (str: fast, slow), OPT (str: y, n), N (int: 1, 2, 4), R (int
 * range 0..100 step 10), C (str y/n, itself conditional). */
static const char *const mode_v[] = { "fast", "slow" };
static const char *const yn_v[] = { "y", "n" };
static const char *const n_v[] = { "1", "2", "4" };
static const struct import_pdesc params[] = {
	{ "MODE", 1, mode_v, 2, 0, 0, 0, 0 },
	{ "OPT", 1, yn_v, 2, 0, 0, 0, 0 },
	{ "N", 0, n_v, 3, 0, 0, 0, 0 },
	{ "R", 0, NULL, 0, 0, 100, 10, 0 },
	{ "C", 1, yn_v, 2, 0, 0, 0, 1 },
};
#define NP (sizeof params / sizeof params[0])

/* Translates cond; returns the status, with the text (or cause) in out
 * and the remarks in rem (static, overwritten by the next call). */
static int
tr(const char *cond, const char **out, const char **rem, int *col)
{
	static char *o, *r;
	char *cause;
	int rc;

	free(o);
	free(r);
	o = r = NULL;
	rc = import_condition(cond, params, NP, NULL, &o, &r, col, &cause);
	if (rc != IMPORT_COND_OK) {
		o = cause;
		r = NULL;
	}
	*out = o != NULL ? o : "";
	*rem = r != NULL ? r : "";
	return rc;
}

static void
same(const char *cond, const char *want)
{
	const char *out, *rem;
	int col, rc = tr(cond, &out, &rem, &col);

	if (!ok(rc == IMPORT_COND_OK && strcmp(out, want) == 0, "%s -> %s",
		cond, want))
		diag("got %d '%s'", rc, out);
}

static void
refused(const char *cond, int status, int wantcol, const char *what)
{
	const char *out, *rem;
	int col, rc = tr(cond, &out, &rem, &col);

	if (!ok(rc == status && col == wantcol && strstr(out, what) != NULL,
		"%s: %s at %d (%s)", cond,
		status == IMPORT_COND_INVALID ? "invalid" : "unsupported",
		wantcol, what))
		diag("got %d at %d: '%s'", rc, col, out);
}

static void
test_conditions(void)
{
	const char *out, *rem;
	unsigned char refs[NP];
	char *o, *r, *cause;
	int col;

	same("MODE=='fast'", "MODE == 'fast'");
	same("MODE == \"slow\"", "MODE == 'slow'");
	same("'fast' != MODE", "'fast' != MODE");
	same("N > 1 && N <= 4", "N > 1 && N <= 4");
	same("R >= 10 || N == 2", "R >= 10 || N == 2");
	same("R == 30", "R == 30");
	/* y and n were true and false in the original. */
	same("OPT", "OPT == 'y'");
	same("!OPT", "OPT != 'y'");
	same("OPT == true", "OPT == 'y'");
	same("OPT == false", "OPT != 'y'");
	same("OPT != false", "OPT == 'y'");
	same("true", "true");
	/* Precedence: && binds tighter; ! takes the value after it. */
	same("(N == 1 || N == 2) && OPT", "(N == 1 || N == 2) && OPT == 'y'");
	same("N == 1 || N == 2 && OPT", "N == 1 || N == 2 && OPT == 'y'");
	same("!(N == 1 || OPT)", "!(N == 1 || OPT == 'y')");
	same("(N == 1) == OPT", "(N == 1) == (OPT == 'y')");
	same("MODE in ('fast', 'slow')", "MODE == 'fast' || MODE == 'slow'");
	same("OPT && MODE IN ('fast')", "OPT == 'y' && MODE == 'fast'");
	same("N == 4 && MODE in ('fast', 'slow')",
	    "N == 4 && (MODE == 'fast' || MODE == 'slow')");
	same("R > -5", "R > -5");

	/* What the original could not evaluate. */
	refused("MODE = 'fast'", IMPORT_COND_INVALID, 5, "'=' is not");
	refused("MODEE == 'fast'", IMPORT_COND_INVALID, 0,
	    "did you mean 'MODE'");
	refused("N && OPT", IMPORT_COND_INVALID, 0, "is a number");
	refused("MODE", IMPORT_COND_INVALID, 0, "is a string");
	refused("N < 'x'", IMPORT_COND_INVALID, 2, "orders a number");
	refused("N ==", IMPORT_COND_INVALID, 4, "ends too soon");
	refused("(N == 1", IMPORT_COND_INVALID, 7, "expected ')'");
	refused("MODE == 'fast", IMPORT_COND_INVALID, 8, "unterminated");
	refused("N == 1 N", IMPORT_COND_INVALID, 7, "expected '&&'");
	/* What it could, and we cannot say. */
	refused("MODE =~ 'f.*'", IMPORT_COND_UNSUPPORTED, 5, "=~");
	refused("N + 1 > 2", IMPORT_COND_UNSUPPORTED, 2, "arithmetic");
	refused("N > 1 ? OPT : false", IMPORT_COND_UNSUPPORTED, 6, "ternary");
	refused("MODE == 'medium'", IMPORT_COND_UNSUPPORTED, 8,
	    "not one of the values");
	refused("N == 3", IMPORT_COND_UNSUPPORTED, 5, "not one of the values");
	refused("R == 15", IMPORT_COND_UNSUPPORTED, 5, "not one of the values");
	refused("N == 'x'", IMPORT_COND_UNSUPPORTED, 2,
	    "a number with a string");
	refused("1 == 1", IMPORT_COND_UNSUPPORTED, 2, "two constants");
	refused("N == 1 == true", IMPORT_COND_UNSUPPORTED, 7, "chained");
	refused("MODE in ('medium')", IMPORT_COND_UNSUPPORTED, 5, "none of");

	/* Remarks: a changed meaning is said. */
	tr("OPT == 'y'", &out, &rem, &col);
	ok(strcmp(out, "OPT == 'y'") == 0 && strstr(rem, "never held") != NULL,
	    "== 'y' of a y/n parameter keeps its intent, with a remark");
	tr("C == 'n' && C == false", &out, &rem, &col);
	ok(strstr(rem, "'C' has a condition of its own") != NULL &&
		strstr(strstr(rem, "own") + 1, "of its own") == NULL,
	    "a conditional parameter is remarked upon, once");
	tr("MODE in ('fast', 'medium')", &out, &rem, &col);
	ok(strcmp(out, "MODE == 'fast'") == 0 &&
		strstr(rem, "'medium' is not one of the values") != NULL,
	    "an 'in' value the parameter cannot take is left out");

	memset(refs, 0, sizeof refs);
	import_condition("N > 1 && OPT", params, NP, refs, &o, &r, &col,
	    &cause);
	ok(!refs[0] && refs[1] && refs[2] && !refs[3] && !refs[4],
	    "refs marks the parameters named");
	free(o);
	free(r);
}

static void
direction(const char *name, int minimize, const char *word)
{
	char buf[32];
	const char *w = import_minimize_word(name, buf, sizeof buf);

	if (!ok((w != NULL) == minimize && strcmp(buf, word) == 0,
		"%s: %s (%s)", name, minimize ? "minimize" : "maximize",
		*word != '\0' ? word : "nothing says"))
		diag("got %s '%s'", w != NULL ? "minimize" : "maximize", buf);
}

static void
test_direction(void)
{
	direction("throughput", 0, "throughput");
	direction("latency_us", 1, "latency");
	direction("p99-latency", 1, "latency");
	direction("bootTime", 1, "boot");
	direction("startTime", 1, "time");
	direction("requests_per_sec", 0, "requests");
	direction("hits_per_sec", 0, "hits");
	direction("req_sec", 1, "sec");
	direction("mem_rss_kb", 1, "mem");
	direction("score", 0, "score");
	direction("result", 0, "");
	direction("transactions", 0, "transactions");
}

static int
convert(const char *text, struct import_result *r, struct diags *d)
{
	struct import_opts o;

	memset(&o, 0, sizeof o);
	o.stem = "job";
	memset(d, 0, sizeof *d);
	return import_convert("/nonexistent/job.yaml", text, strlen(text), &o,
	    r, d);
}

static int
has_note(const struct import_result *r, const char *what)
{
	size_t i;

	for (i = 0; i < r->nnotes; i++)
		if (strstr(r->notes[i].msg, what) != NULL)
			return 1;
	return 0;
}

static int
has_error(const struct diags *d, int line, int col, const char *what)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].line == line && d->v[i].col == col &&
		    strstr(d->v[i].msg, what) != NULL)
			return 1;
	return 0;
}

static void
test_convert(void)
{
	struct import_result r;
	struct diags d;
	int rc;

	rc = convert("params:\n"
		     "  - {name: A, type: int, min: 2, max: 32, step: 2,"
		     " step_mode: power}\n"
		     "  - {name: B, type: int, min: 3, max: 100, step: 3,"
		     " step_mode: power}\n"
		     "  - {name: C, type: int, only: [1, x]}\n"
		     "  - {name: D, type: string, default: only}\n"
		     "runs:\n"
		     "  - {name: run, cmd: 'echo $A $B $C $D'}\n",
	    &r, &d);
	ok(rc == 0 && r.format == 1 && r.nfiles == 1 &&
		strcmp(r.files[0].name, "job.test.sh") == 0,
	    "a first-format job with one run: a test script, no build");
	ok(rc == 0 &&
		strstr(r.spec,
		    "    min: 2\n    max: 32\n    step: 2\n"
		    "    step_mode: power\n") != NULL,
	    "power from min = step is our power range");
	ok(rc == 0 && strstr(r.spec, "    values: [3, 27, 81]\n") != NULL &&
		has_note(&r, "the original swept 3, 27, 81"),
	    "power from 3 by 3 lists what the original swept (3, 3^3, 3^4)");
	ok(rc == 0 && strstr(r.spec, "- name: C\n    type: str\n") != NULL &&
		has_note(&r, "'x', which is not an integer"),
	    "an int parameter with a non-integer value is a str, with a note");
	ok(rc == 0 && strstr(r.spec, "    values: [only]\n") != NULL,
	    "a default alone is the one value");
	ok(rc == 0 && strstr(r.spec, "build:") == NULL &&
		strstr(r.spec, "when:") == NULL,
	    "no build section, no when:");
	import_result_free(&r);
	diag_free(&d);

	rc = convert("params:\n  - {name: A, type: int, only: [1]}\n"
		     "runs:\n  - {name: t, cmd: x}\nruns: []\n",
	    &r, &d);
	ok(rc != 0 && has_error(&d, 5, 1, "duplicate key 'runs'"),
	    "a key given twice is an error, at the second");
	diag_free(&d);

	rc = convert("params:\n  - {name: A, type: float, only: [1]}\n"
		     "runs:\n  - {name: t, cmd: x}\n",
	    &r, &d);
	ok(rc != 0 && has_error(&d, 2, 21, "unknown type 'float'"),
	    "a type the original did not take is an error");
	diag_free(&d);

	rc = convert("params:\n  - {name: A, type: int, min: 1, max: 8,"
		     " step: 1, step_mode: power}\n"
		     "runs:\n  - {name: t, cmd: x}\n",
	    &r, &d);
	ok(rc != 0 && has_error(&d, 2, 62, "never ends"),
	    "power by 1 never ended in the original: an error");
	diag_free(&d);

	rc = convert("params:\n  - {name: A, type: int, min: 1}\n"
		     "runs:\n  - {name: t, cmd: x}\n",
	    &r, &d);
	ok(rc != 0 && has_error(&d, 2, 31, "has a min but no max"),
	    "a min without a max is an error");
	diag_free(&d);

	rc = convert("params:\n  - {name: A, type: string}\n"
		     "runs:\n  - {name: t, cmd: x}\n",
	    &r, &d);
	ok(rc != 0 && has_error(&d, 2, 5, "has no values"),
	    "a parameter without values is an error (the job ran nothing)");
	diag_free(&d);

	rc = convert("name: x\nparams:\n  - {name: A, type: int, only: [1],"
		     " when: tset}\n"
		     "build: {commands: make}\n"
		     "test:\n  - benchtool: {commands: run}\n",
	    &r, &d);
	ok(rc == 0 && r.format == 2 && r.nfiles == 2 &&
		has_note(&r,
		    "'when: tset' of 'A' is neither build nor test "
		    "(did you mean 'test'?)"),
	    "an unknown when: is a build parameter, with a note");
	ok(rc == 0 &&
		has_note(&r,
		    "no numeric result: the objective is "
		    "wall_ms"),
	    "no results: the wall time is the objective");
	import_result_free(&r);
	diag_free(&d);

	rc = convert("name: x\nparams:\n"
		     "  - {name: T, type: int, only: [1, 2], when: test}\n"
		     "  - {name: B, type: int, only: [1], if: 'T > 1'}\n"
		     "  - {name: P, type: int, only: [1], if: 'Q > 0'}\n"
		     "  - {name: Q, type: int, only: [1], if: 'P > 0'}\n"
		     "build: {commands: make}\n"
		     "test:\n  - benchtool: {commands: run}\n",
	    &r, &d);
	ok(rc == 0 &&
		has_note(&r,
		    "build parameter 'B' names test parameter "
		    "'T'"),
	    "a build parameter's condition on a test parameter is dropped");
	ok(rc == 0 && has_note(&r, "closes a cycle of conditions"),
	    "a cycle of conditions is broken, with a note");
	import_result_free(&r);
	diag_free(&d);
}

int
main(void)
{
	test_conditions();
	test_direction();
	test_convert();
	return done_testing();
}
