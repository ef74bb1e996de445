/*
 * The spec loader against malformed and valid specs in tests/unit/specs.
 *
 * Each bad-*.yaml holds one class of mistake (bad-47 holds several); the
 * table below gives, for each, the diagnostics that must be reported: the
 * line and column (1-based; 0:0 for the whole file), a substring of the
 * message and, for errors in a file the spec names (a template), that
 * file's name. A spec with errors must not load, every error must carry a
 * position, several errors must all be reported in line order, and no
 * more than maxerr errors may be reported (a mistake should not set off
 * a cascade of follow-on errors). The good-*.yaml specs must load without
 * errors, and a few of their parsed fields are checked.
 */
#include <dirent.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/diag.h"
#include "../../src/expr.h"
#include "../../src/spec.h"
#include "tap.h"

#define SPECS SRCDIR "/tests/unit/specs/"
#define MAXWANT 10

struct want {
	int line, col;    /* 0, 0: about the whole file */
	const char *msg;  /* a substring of the message */
	const char *also; /* a second substring, or NULL */
	const char *file; /* NULL: the spec; else a file next to it */
};

struct bad {
	const char *spec;
	int maxerr;           /* most errors allowed; 0: no limit */
	const char *unwanted; /* no message may hold this, or NULL */
	struct want w[MAXWANT];
};

static const struct bad bads[] = {
	{ "bad-01-unknown-top-key.yaml", 1, NULL,
	    { { 10, 1, "unknown key 'serach' in the spec",
		"did you mean 'search'?", NULL } } },
	/* "has no 'type'" may follow the misspelling; nothing else. */
	{ "bad-02-misspelt-param-key.yaml", 2, "'build' section",
	    { { 4, 5, "unknown key 'tyep' in parameter 1",
		"did you mean 'type'?", NULL } } },
	{ "bad-03-list-for-scalar.yaml", 1, NULL,
	    { { 1, 7, "'name' must be a single value, not a list", NULL,
		NULL } } },
	{ "bad-04-mapping-for-list.yaml", 1, NULL,
	    { { 2, 9, "'params' must be a list of parameters, not a mapping",
		NULL, NULL } } },
	{ "bad-05-bad-param-name.yaml", 1, NULL,
	    { { 3, 11, "parameter name 'my-param' must match", NULL, NULL } } },
	{ "bad-06-reserved-param-name.yaml", 1, NULL,
	    { { 3, 11, "parameter name 'WAYFINDER_CORES' is reserved", NULL,
		NULL } } },
	{ "bad-07-duplicate-param.yaml", 1, NULL,
	    { { 7, 11, "duplicate parameter 'A' (first at line 3)", NULL,
		NULL } } },
	{ "bad-08-duplicate-key.yaml", 1, NULL,
	    { { 6, 5, "duplicate key 'type' in parameter 1 (first at line 4)",
		NULL, NULL } } },
	{ "bad-09-missing-type.yaml", 1, "'build' section",
	    { { 3, 5, "parameter 'A' has no 'type'", NULL, NULL } } },
	{ "bad-10-unknown-type.yaml", 1, "'build' section",
	    { { 4, 11, "'flaot' is not a valid type", "did you mean 'float'?",
		NULL } } },
	{ "bad-11-empty-values.yaml", 1, NULL,
	    { { 5, 13, "'values' of parameter 'A' is empty", NULL, NULL } } },
	{ "bad-12-duplicate-value.yaml", 1, NULL,
	    { { 5, 20, "value '1' appears twice in parameter 'A'", NULL,
		NULL } } },
	{ "bad-13-value-wrong-type.yaml", 1, NULL,
	    { { 5, 17, "value 'two' of int parameter 'A' must be an integer",
		NULL, NULL } } },
	{ "bad-14-min-gt-max.yaml", 1, NULL,
	    { { 5, 10, "min 10 is greater than max 1", NULL, NULL } } },
	{ "bad-15-step-zero.yaml", 1, NULL,
	    { { 7, 11, "step must be greater than 0", NULL, NULL } } },
	{ "bad-16-power-min-zero.yaml", 1, NULL,
	    { { 5, 10, "step_mode power needs min > 0", NULL, NULL } } },
	{ "bad-17-power-step-one.yaml", 1, NULL,
	    { { 7, 11,
		"step_mode power needs a step (the ratio) greater than 1", NULL,
		NULL } } },
	{ "bad-18-float-range-no-step.yaml", 1, NULL,
	    { { 5, 10, "float range of 'A' needs a 'step'", NULL, NULL } } },
	{ "bad-19-values-and-range.yaml", 1, NULL,
	    { { 5, 13, "has both a list of values and a range", NULL,
		NULL } } },
	{ "bad-20-default-not-a-value.yaml", 1, NULL,
	    { { 6, 14, "default '4' of parameter 'A' is not one of its values",
		"(1, 2, 3)", NULL } } },
	{ "bad-21-default-wrong-type.yaml", 1, NULL,
	    { { 7, 14, "default 'big' of int parameter 'A' must be an integer",
		NULL, NULL } } },
	/* Condition errors point into the condition, at the bad token. */
	{ "bad-22-if-syntax.yaml", 1, NULL,
	    { { 10, 12, "in condition of 'B'", "'=' is not an operator",
		NULL } } },
	{ "bad-23-if-unclosed-paren.yaml", 1, NULL,
	    { { 10, 24, "expected ')', found end of condition", NULL,
		NULL } } },
	{ "bad-24-if-unknown-param.yaml", 1, NULL,
	    { { 10, 10, "unknown parameter 'SIZ'", "did you mean 'SIZE'?",
		NULL } } },
	{ "bad-25-if-unlike-types.yaml", 1, NULL,
	    { { 9, 15, "cannot compare a bool with a number", NULL, NULL } } },
	{ "bad-26-if-str-literal.yaml", 1, NULL,
	    { { 10, 18, "'fsat' is not one of the values of 'MODE'",
		"did you mean 'fast'?", NULL } } },
	{ "bad-27-if-cycle.yaml", 2, NULL,
	    { { 6, 10, "in condition of 'A'", "conditions form a cycle", NULL },
		{ 10, 10, "in condition of 'B'", "conditions form a cycle",
		    NULL } } },
	{ "bad-28-if-self.yaml", 1, NULL,
	    { { 6, 11, "the condition of 'A' names itself", NULL, NULL } } },
	/* At the name of the test parameter, like an unknown name. */
	{ "bad-29-build-depends-on-test.yaml", 1, NULL,
	    { { 11, 19,
		"build parameter 'B' cannot depend on test parameter "
		"'T'",
		NULL, NULL } } },
	{ "bad-30-build-param-no-build.yaml", 1, NULL,
	    { { 3, 5, "parameter 'A'", "but the spec has no 'build' section",
		NULL } } },
	{ "bad-31-missing-script.yaml", 1, NULL,
	    { { 8, 11, "script 'nosuch.sh'", "No such file or directory",
		NULL } } },
	{ "bad-32-script-and-run.yaml", 1, NULL,
	    { { 9, 8, "test has both 'script' and 'run'", NULL, NULL } } },
	{ "bad-33-bad-duration.yaml", 1, NULL,
	    { { 9, 12, "'timeout' must be a duration", "'5min'", NULL } } },
	{ "bad-34-bad-isolation.yaml", 1, NULL,
	    { { 9, 14, "'cores' is not a valid isolation",
		"did you mean 'core'?", NULL } } },
	{ "bad-35-repeat-zero.yaml", 1, NULL,
	    { { 9, 11, "'repeat' must be between 1 and 100000, not 0", NULL,
		NULL } } },
	{ "bad-36-objective-no-metric.yaml", 1, NULL,
	    { { 12, 23, "objective names no metric: 'througput'",
		"did you mean 'throughput'?", NULL } } },
	{ "bad-37-objective-missing.yaml", 1, NULL,
	    { { 7, 1, "test has no 'objective'", NULL, NULL } } },
	{ "bad-38-regex-invalid.yaml", 1, NULL,
	    { { 11, 14, "bad regex for metric 'time'", NULL, NULL } } },
	{ "bad-39-regex-no-group.yaml", 1, NULL,
	    { { 11, 14, "regex for metric 'time' needs a group", NULL,
		NULL } } },
	{ "bad-40-unknown-strategy.yaml", 1, NULL,
	    { { 11, 13, "unknown strategy 'randon'", "did you mean 'random'?",
		NULL } } },
	{ "bad-41-budget-zero.yaml", 1, NULL,
	    { { 12, 11, "'budget' must be at least 1, not 0", NULL, NULL } } },
	/* Template errors are reported in the template, at the '$'. */
	{ "bad-42-template-unknown-name.yaml", 1, NULL,
	    { { 2, 8, "unknown name 'SIZ'", "did you mean 'SIZE'?",
		"bad-42.conf.in" } } },
	{ "bad-43-build-template-test-param.yaml", 1, NULL,
	    { { 2, 5, "build template uses test parameter 'T'", NULL,
		"bad-43.mk.in" } } },
	{ "bad-44-template-malformed.yaml", 1, NULL,
	    { { 3, 5, "malformed reference", NULL, "bad-44.conf.in" } } },
	{ "bad-45-yaml-syntax.yaml", 1, NULL,
	    { { 6, 9, "YAML syntax", "did not find expected ',' or ']'",
		NULL } } },
	{ "bad-46-empty.yaml", 1, NULL,
	    { { 0, 0, "the spec is empty", NULL, NULL } } },
	/* Every error of the file, in line order, and nothing else. */
	{ "bad-47-several-errors.yaml", 9, "'build' section",
	    { { 2, 1, "unknown key 'colour' in the spec", NULL, NULL },
		{ 6, 20, "value '2' appears twice in parameter 'A'", NULL,
		    NULL },
		{ 9, 11, "'flaot' is not a valid type", "did you mean 'float'?",
		    NULL },
		{ 14, 15, "in condition of 'C'", "not one of the values of 'A'",
		    NULL },
		{ 17, 10, "min 8 is greater than max 4 in parameter 'D'", NULL,
		    NULL },
		{ 22, 11, "'repeat' must be between 1 and 100000", NULL, NULL },
		{ 23, 14, "'cores' is not a valid isolation",
		    "did you mean 'core'?", NULL },
		{ 24, 23, "objective names no metric: 'wal_ms'",
		    "did you mean 'wall_ms'?", NULL },
		{ 27, 11, "'budget' must be at least 1", NULL, NULL } } },
	{ "bad-48-unknown-when.yaml", 1, "'build' section",
	    { { 6, 11, "'tset' is not a valid when", "did you mean 'test'?",
		NULL } } },
	{ "bad-49-range-on-bool.yaml", 1, NULL,
	    { { 5, 10,
		"min and max apply to int and float parameters, not bool "
		"parameter 'A'",
		NULL, NULL } } },
	{ "bad-50-min-without-max.yaml", 1, NULL,
	    { { 5, 10, "parameter 'A' has 'min' but no 'max'", NULL, NULL } } },
	{ "bad-51-step-without-range.yaml", 1, NULL,
	    { { 5, 11, "parameter 'A' has a step but no min and max", NULL,
		NULL } } },
	{ "bad-52-no-name.yaml", 1, NULL,
	    { { 1, 1, "the spec has no 'name'", NULL, NULL } } },
	{ "bad-53-values-and-only.yaml", 1, NULL,
	    { { 6, 11, "has both 'values' and 'only'", NULL, NULL } } },
	{ "bad-54-if-tristate-literal.yaml", 1, NULL,
	    { { 9, 17, "'x' is not a tristate value", NULL, NULL } } },
	{ "bad-55-no-script-or-run.yaml", 1, NULL,
	    { { 7, 1, "test needs 'script' (a file) or 'run'", NULL, NULL } } },
	{ "bad-56-duplicate-metric.yaml", 1, NULL,
	    { { 11, 13, "duplicate metric 'ops' (first at line 10)", NULL,
		NULL } } },
	{ "bad-57-builtin-metric.yaml", 1, NULL,
	    { { 10, 13, "metric 'wall_ms' is built in", NULL, NULL } } },
	{ "bad-58-optional-objective.yaml", 1, NULL,
	    { { 12, 23, "objective metric 'ops' cannot be optional", NULL,
		NULL } } },
	{ "bad-59-stream-without-regex.yaml", 1, NULL,
	    { { 11, 15, "'stream' applies to a metric with a 'regex'", NULL,
		NULL } } },
	{ "bad-60-bad-governor.yaml", 1, NULL,
	    { { 11, 13, "'performence' is not a valid governor",
		"did you mean 'performance'?", NULL } } },
	{ "bad-61-host-not-bool.yaml", 1, NULL,
	    { { 11, 10, "'turbo' must be true or false, not 'maybe'", NULL,
		NULL } } },
	{ "bad-62-config-h-outside.yaml", 1, NULL,
	    { { 8, 13,
		"'config_h' must be a file name relative to the build "
		"directory",
		NULL, NULL } } },
	{ "bad-63-template-collision.yaml", 1, NULL,
	    { { 9, 31, "would both be written to 'bad-63.conf'", NULL,
		NULL } } },
	{ "bad-64-missing-input.yaml", 1, NULL,
	    { { 10, 10, "input 'nosuch.c'", "No such file or directory",
		NULL } } },
	/* Nothing is close to 'frobnicate': no suggestion. */
	{ "bad-65-unknown-key-no-suggestion.yaml", 1, "did you mean",
	    { { 10, 1, "unknown key 'frobnicate' in the spec", NULL, NULL } } },
	{ "bad-66-objective-key-typo.yaml", 2, NULL,
	    { { 9, 32, "unknown key 'diretion' in objective",
		"did you mean 'direction'?", NULL } } },
	{ "bad-67-cores-zero.yaml", 1, NULL,
	    { { 9, 10, "'cores' must be between 1 and 1024, not 0", NULL,
		NULL } } },
	{ "bad-68-missing-template.yaml", 1, NULL,
	    { { 9, 15, "template 'nosuch.conf.in'", "No such file or directory",
		NULL } } },
	{ "bad-69-bad-metric-name.yaml", 1, NULL,
	    { { 10, 13, "metric name '99th' must start with a letter", NULL,
		NULL } } },
	{ "bad-70-params-empty.yaml", 1, NULL,
	    { { 2, 9, "'params' is empty", NULL, NULL } } },
	{ "bad-71-if-bool-ordered.yaml", 1, NULL,
	    { { 9, 15, "bools can only be compared with '==' and '!='", NULL,
		NULL } } },
	{ "bad-72-unknown-metric-key.yaml", 1, NULL,
	    { { 11, 7, "unknown key 'regx' in metric 1",
		"did you mean 'regex'?", NULL } } },
	{ "bad-73-no-test.yaml", 1, NULL,
	    { { 1, 1, "the spec has no 'test' section", NULL, NULL } } },
	{ "bad-74-bad-experiment-name.yaml", 1, NULL,
	    { { 1, 7, "name 'my experiment' must hold only letters, digits",
		NULL, NULL } } },
	{ "bad-75-int-range-not-integer.yaml", 1, NULL,
	    { { 5, 10,
		"'min' of int parameter 'A' must be an integer, not "
		"'1.5'",
		NULL, NULL } } },
	{ "bad-76-if-int-literal.yaml", 1, NULL,
	    { { 13, 15, "this value is not one of the values of 'N'", NULL,
		NULL } } },
	{ "bad-77-seed-negative.yaml", 1, NULL,
	    { { 11, 9, "'seed' must be at least 0, not -1", NULL, NULL } } },
	/* Columns count the source text, escapes included. */
	{ "bad-80-if-column-after-escape.yaml", 1, NULL,
	    { { 14, 30, "unknown parameter 'SIZ'", "did you mean 'SIZE'?",
		NULL } } },
	/* A block scalar's text starts on the next line. */
	{ "bad-81-if-block-scalar.yaml", 1, NULL,
	    { { 11, 9, "in condition of 'B'", "'=' is not an operator",
		NULL } } },
	/* C depends on the cycle but is not on it. */
	{ "bad-82-if-cycle-downstream.yaml", 2, "condition of 'C'",
	    { { 6, 10, "in condition of 'A'", "conditions form a cycle", NULL },
		{ 10, 10, "in condition of 'B'", "conditions form a cycle",
		    NULL } } },
	/* A bad type does not hide the param's other errors. */
	{ "bad-83-errors-after-bad-type.yaml", 3, "'build' section",
	    { { 4, 11, "'flaot' is not a valid type", NULL, NULL },
		{ 5, 11, "'tset' is not a valid when", NULL, NULL },
		{ 6, 10, "in condition of 'A'", "'=' is not an operator",
		    NULL } } },
	/* A param without a type is not taken as a str by others. */
	{ "bad-84-no-cascade-from-missing-type.yaml", 1, "cannot compare",
	    { { 3, 5, "parameter 'A' has no 'type'", NULL, NULL } } },
	/* Nothing is ignored: not even a second YAML document. */
	{ "bad-85-two-documents.yaml", 1, NULL,
	    { { 10, 1, "document", NULL, NULL } } },
	/* 'step' means nothing next to a list of values. */
	{ "bad-86-values-with-step.yaml", 1, NULL,
	    { { 6, 11, "step", NULL, NULL } } },
	/* 10^24 values do not fit the index (card) of a parameter. */
	{ "bad-87-range-too-many-values.yaml", 1, NULL,
	    { { 5, 10, "too many values", NULL, NULL } } },
	/* An unknown 'when' makes the stage unknown, not 'build'. */
	{ "bad-88-no-cascade-from-bad-when.yaml", 1, "cannot depend",
	    { { 9, 11, "'tset' is not a valid when", "did you mean 'test'?",
		NULL } } },
	/* Invalid values do not hide the condition's errors. */
	{ "bad-89-errors-after-bad-values.yaml", 3, NULL,
	    { { 5, 14, "value 'x' of int parameter 'A' must be an integer",
		  NULL, NULL },
		{ 5, 17, "value 'y' of int parameter 'A'", NULL, NULL },
		{ 7, 10, "in condition of 'A'", "'=' is not an operator",
		    NULL } } },
	{ "bad-90-regex-not-digit-in-brackets.yaml", 1, NULL,
	    { { 10, 14, "\\D inside [...] is not supported", NULL, NULL } } },
	{ "bad-91-build-template-test-variable.yaml", 1, NULL,
	    { { 2, 7, "'WAYFINDER_ITERATION' is a test job's", NULL,
		"bad-91.mk.in" } } },
	{ "bad-92-regex-repeated-operators.yaml", 1, NULL,
	    { { 10, 14, "two repetition operators in a row", NULL, NULL } } },
	{ "bad-93-pmu-typo.yaml", 1, NULL,
	    { { 8, 21, "unknown event 'tsk-clock'",
		"did you mean 'task-clock'?", NULL } } },
	{ "bad-94-pmu-duplicate.yaml", 1, NULL,
	    { { 8, 29, "event 'task-clock' is listed twice", NULL, NULL } } },
	{ "bad-95-pmu-builtin.yaml", 1, NULL,
	    { { 8, 9, "'wall_ms' is a built-in metric, not a counter", NULL,
		NULL } } },
	{ "bad-96-sample-interval-small.yaml", 1, NULL,
	    { { 8, 20,
		"'sample_interval' must be 0 (no sampling) or at least "
		"10ms",
		NULL, NULL } } },
	{ "bad-97-boot-no-source.yaml", 1, NULL,
	    { { 8, 9, "boot needs a 'source'", NULL, NULL } } },
	{ "bad-98-boot-console-no-marker.yaml", 1, NULL,
	    { { 8, 9, "a console boot monitor needs a 'marker'", NULL,
		NULL } } },
	{ "bad-99-boot-bad-source.yaml", 1, NULL,
	    { { 8, 18, "'serial' is not a valid source", "console, debugcon",
		NULL } } },
	{ "bad-100-boot-bad-marker.yaml", 1, NULL,
	    { { 8, 36, "bad regex for the boot marker", NULL, NULL } } },
	{ "bad-101-metric-is-derived.yaml", 1, NULL,
	    { { 9, 13, "metric 'ipc' is also a counter of 'pmu'", NULL,
		NULL } } },
	{ "bad-102-boot-objective-no-monitor.yaml", 1, NULL,
	    { { 9, 23, "'boot_time_ms' is recorded with a boot monitor",
		"test: boot:", NULL } } },
};

static void
show(const struct diags *d)
{
	size_t i;
	char *s;

	for (i = 0; i < d->n; i++) {
		s = diag_format(&d->v[i]);
		diag("  %s", s);
		free(s);
	}
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Does diagnostic g match w, for a spec loaded from path? */
static int
matches(const struct diag *g, const struct want *w, const char *path)
{
	char suffix[256];

	if (g->level != DIAG_ERROR || g->line != w->line || g->col != w->col)
		return 0;
	if (strstr(g->msg, w->msg) == NULL)
		return 0;
	if (w->also != NULL && strstr(g->msg, w->also) == NULL)
		return 0;
	if (w->file == NULL)
		return strcmp(g->file, path) == 0;
	snprintf(suffix, sizeof suffix, "/%s", w->file);
	return ends_with(g->file, suffix);
}

/* Every bad-*.yaml of the directory is one of bads[]: none is left
 * untested. */
static void
check_every_bad_listed(void)
{
	struct dirent *de;
	DIR *dir;
	size_t i, n = 0, missing = 0;

	if ((dir = opendir(SPECS)) == NULL) {
		ok(0, "the specs directory opens");
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, "bad-", 4) != 0 ||
		    !ends_with(de->d_name, ".yaml"))
			continue;
		n++;
		for (i = 0; i < sizeof bads / sizeof bads[0]; i++)
			if (strcmp(bads[i].spec, de->d_name) == 0)
				break;
		if (i == sizeof bads / sizeof bads[0]) {
			diag("%s is not checked", de->d_name);
			missing++;
		}
	}
	closedir(dir);
	ok(missing == 0 && n == sizeof bads / sizeof bads[0],
	    "every one of the %zu bad specs is checked", n);
}

static void
check_bad(const struct bad *b)
{
	struct diags d = { 0 };
	struct spec *s;
	char path[1024];
	size_t i, j, nwant, last, at[MAXWANT];
	int found, inorder, placed, whole_file;

	snprintf(path, sizeof path, SPECS "%s", b->spec);
	s = spec_load(path, &d);
	if (!ok(s == NULL && d.nerrors > 0, "%s: not loaded, with errors",
		b->spec))
		show(&d);
	spec_free(s);

	for (nwant = 0; nwant < MAXWANT && b->w[nwant].msg != NULL; nwant++)
		at[nwant] = (size_t)-1;
	whole_file = 0;
	for (i = 0; i < nwant; i++) {
		const struct want *w = &b->w[i];

		if (w->line == 0)
			whole_file = 1;
		found = 0;
		for (j = 0; j < d.n && !found; j++) {
			if (matches(&d.v[j], w, path)) {
				found = 1;
				at[i] = j;
			}
		}
		if (!ok(found, "%s: %s%s%d:%d: %s%s%s", b->spec,
			w->file != NULL ? w->file : "",
			w->file != NULL ? ":" : "", w->line, w->col, w->msg,
			w->also != NULL ? " ... " : "",
			w->also != NULL ? w->also : "")) {
			diag("got:");
			show(&d);
		}
	}
	if (nwant > 1) {
		/* Among those found (a missing one has already failed). */
		inorder = 1;
		last = (size_t)-1;
		for (i = 0; i < nwant; i++) {
			if (at[i] >= d.n)
				continue;
			if (last != (size_t)-1 && at[i] <= last)
				inorder = 0;
			last = at[i];
		}
		if (!ok(inorder, "%s: the %zu errors in line order", b->spec,
			nwant))
			show(&d);
	}
	if (b->maxerr > 0 &&
	    !ok((int)d.nerrors <= b->maxerr,
		"%s: at most %d error%s (no follow-on errors)", b->spec,
		b->maxerr, b->maxerr == 1 ? "" : "s")) {
		diag("%zu errors:", d.nerrors);
		show(&d);
	}
	if (b->unwanted != NULL) {
		found = 0;
		for (j = 0; j < d.n; j++)
			if (strstr(d.v[j].msg, b->unwanted) != NULL)
				found = 1;
		if (!ok(!found, "%s: no message says \"%s\"", b->spec,
			b->unwanted))
			show(&d);
	}
	/* Every error has a position, unless it is about the whole file. */
	placed = 1;
	for (j = 0; j < d.n; j++)
		if ((d.v[j].line < 1 || d.v[j].col < 1) && !whole_file)
			placed = 0;
	if (!ok(placed, "%s: every error has a line and column", b->spec))
		show(&d);
	diag_free(&d);
}

/* Loads a good spec: no errors, and the spec is returned. */
static struct spec *
load_good(const char *name, struct diags *d)
{
	char path[1024];
	struct spec *s;

	snprintf(path, sizeof path, SPECS "%s", name);
	s = spec_load(path, d);
	if (!ok(s != NULL && d->nerrors == 0, "%s: loads without errors", name))
		show(d);
	return s;
}

/* Counters, sampling and a boot monitor; an event of another CPU's PMU
 * is a warning, not an error. */
static void
check_counters(void)
{
	struct diags d = { 0 };
	struct spec *s;

	if ((s = load_good("good-05-counters.yaml", &d)) == NULL) {
		diag_free(&d);
		return;
	}
	is_int((long long)s->test.npmu, 5, "good-05: 5 events");
	is_str(s->test.pmu[3], "LLC-misses", "good-05: kept as written");
	ok(d.n == 1 && d.v[0].level == DIAG_WARNING && d.v[0].line == 8 &&
		strstr(d.v[0].msg, "nhm::INST_RETIRED:ANY_P") != NULL,
	    "good-05: the other PMU's event is a warning at 8:31");
	ok(s->test.sample_interval == 0, "good-05: sampling off");
	ok(s->build.sample_interval == 0 && !s->build.present,
	    "good-05: no build section");
	is_int(s->test.boot.source, BOOT_DEBUGCON, "good-05: debugcon");
	ok(s->test.boot.marker == NULL && s->test.boot.stop,
	    "good-05: no marker, stop");
	ok(spec_has_metric(s, "ipc") && spec_has_metric(s, "boot_time_ms") &&
		spec_has_metric(s, "llc_load_miss_rate") &&
		spec_has_metric(s, "minor_faults") &&
		!spec_has_metric(s, "cache_miss_rate"),
	    "good-05: the metrics the tests record");
	spec_free(s);
	diag_free(&d);
}

static const struct param *
param(const struct spec *s, const char *name)
{
	int i = spec_param_index(s, name);

	return i >= 0 ? &s->params[i] : NULL;
}

/* The values of p joined with commas, as spec_value() writes them. */
static void
values_text(const struct param *p, char *out, size_t len)
{
	char buf[64];
	uint64_t i;
	size_t n = 0;

	out[0] = '\0';
	for (i = 0; i < p->card && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s",
		    i > 0 ? "," : "", spec_value(p, i, buf, sizeof buf));
}

static void
check_values(const struct spec *s, const char *name, enum ptype type,
    enum stage stage, uint64_t card, const char *values, uint64_t def)
{
	const struct param *p = param(s, name);
	char text[1024], what[128];

	snprintf(what, sizeof what, "%s is there", name);
	if (!ok(p != NULL, "%s", what)) {
		ok(0, "%s: type, stage, values, default", name);
		return;
	}
	if (!ok(p->type == type && p->stage == stage && p->card == card,
		"%s: %s %s parameter with %llu values", name,
		spec_type_name(type), spec_stage_name(stage),
		(unsigned long long)card))
		diag("got %s %s with %llu values", spec_type_name(p->type),
		    spec_stage_name(p->stage), (unsigned long long)p->card);
	values_text(p, text, sizeof text);
	snprintf(what, sizeof what, "%s: values %s", name, values);
	is_str(text, values, what);
	snprintf(what, sizeof what, "%s: default is value %llu", name,
	    (unsigned long long)def);
	is_int((long long)p->def, (long long)def, what);
}

static void
check_types(void)
{
	struct diags d = { 0 };
	struct spec *s;
	size_t i;
	int none;

	if ((s = load_good("good-01-types.yaml", &d)) == NULL) {
		diag_free(&d);
		return;
	}
	is_str(s->name, "good-types", "good-01: name");
	is_str(s->description, "one parameter of every type and spelling",
	    "good-01: description");
	is_int((long long)s->nparams, 8, "good-01: 8 parameters");
	check_values(s, "N", PT_INT, STAGE_TEST, 4, "1,2,4,16", 2);
	check_values(s, "F", PT_FLOAT, STAGE_TEST, 3, "0.5,1,2.25", 1);
	check_values(s, "FLAG", PT_BOOL, STAGE_TEST, 2, "false,true", 1);
	check_values(s, "TRI", PT_TRISTATE, STAGE_TEST, 3, "n,m,y", 1);
	check_values(s, "MODE", PT_STR, STAGE_TEST, 3, "fast,slow,with space",
	    1);
	check_values(s, "I2", PT_INT, STAGE_TEST, 2, "3,5", 0);
	check_values(s, "S2", PT_STR, STAGE_TEST, 2, "a,b", 1);
	check_values(s, "B2", PT_BOOL, STAGE_TEST, 2, "false,true", 0);
	none = 1;
	for (i = 0; i < s->nparams; i++)
		if (s->params[i].cond != NULL || s->params[i].is_range)
			none = 0;
	ok(none, "good-01: no conditions, no ranges");
	ok(!s->build.present && s->test.present, "good-01: test only");
	is_str(s->test.run, "true", "good-01: test run");
	ok(s->test.script == NULL, "good-01: no test script");
	is_int(s->test.repeat, 3, "good-01: repeat defaults to 3");
	is_int(s->test.cores, 1, "good-01: cores default to 1");
	ok(s->test.timeout == 600, "good-01: test timeout defaults to 600s");
	ok(s->test.isolation == ISO_NONE, "good-01: isolation none");
	is_str(s->objective, "wall_ms", "good-01: objective built in");
	ok(s->direction == DIR_MINIMIZE && s->aggregate == AGG_MEDIAN,
	    "good-01: minimize the median");
	ok(s->strategy == NULL && s->budget == 0 && !s->has_seed,
	    "good-01: no search settings");
	ok(s->host.governor == NULL && s->host.turbo == -1 &&
		s->host.smt == -1 && s->host.aslr == -1,
	    "good-01: no host settings");
	is_int(spec_value_index(param(s, "MODE"), "with space"), 2,
	    "good-01: index of a str value");
	is_int(spec_value_index(param(s, "MODE"), "medium"), -1,
	    "good-01: not a str value");
	is_int(spec_value_index(param(s, "F"), "2.250"), 2,
	    "good-01: a float value in another spelling");
	spec_free(s);
	diag_free(&d);
}

static void
check_ranges(void)
{
	struct diags d = { 0 };
	struct spec *s;
	const struct param *p;
	char *dom;

	if ((s = load_good("good-02-ranges.yaml", &d)) == NULL) {
		diag_free(&d);
		return;
	}
	check_values(s, "P", PT_INT, STAGE_TEST, 5, "4,8,16,32,64", 2);
	if ((p = param(s, "P")) != NULL) {
		ok(p->is_range && p->power, "good-02: P is a power range");
		is_int(spec_value_index(p, "32"), 3,
		    "good-02: 32 is P's value 3");
		is_int(spec_value_index(p, "48"), -1,
		    "good-02: 48 is not in P");
		is_int(spec_value_index(p, "128"), -1,
		    "good-02: 128 is beyond P");
		ok(spec_value_num(p, 4) == 64, "good-02: P's last value is 64");
		dom = spec_domain_text(p);
		is_str(dom, "4..64 x2", "good-02: P's domain text");
		free(dom);
	} else
		ok(0, "good-02: P");
	check_values(s, "R", PT_INT, STAGE_TEST, 4, "1,4,7,10", 2);
	check_values(s, "L", PT_INT, STAGE_TEST, 5, "-2,-1,0,1,2", 0);
	check_values(s, "X", PT_FLOAT, STAGE_TEST, 7,
	    "0.5,0.75,1,1.25,1.5,1.75,2", 3);
	check_values(s, "G", PT_FLOAT, STAGE_TEST, 4, "0.125,0.25,0.5,1", 0);
	check_values(s, "INC", PT_INT, STAGE_TEST, 5, "0,25,50,75,100", 3);
	if ((p = param(s, "INC")) != NULL)
		ok(p->is_range && !p->power && p->step == 25,
		    "good-02: INC is an increment range, step 25");
	else
		ok(0, "good-02: INC");
	spec_free(s);
	diag_free(&d);
}

/* Values for expr_eval: num[ref] for each parameter. */
struct env {
	const struct spec *s;
	double num[8];
};

static void
env_value(int ref, void *arg, struct expr_value *v)
{
	struct env *e = arg;

	switch (e->s->params[ref].type) {
	case PT_BOOL:
		v->type = EV_BOOL;
		break;
	case PT_TRISTATE:
		v->type = EV_TRI;
		break;
	case PT_STR:
		v->type = EV_STR;
		v->str = e->s->params[ref].values[(int)e->num[ref]];
		return;
	default:
		v->type = EV_NUM;
		break;
	}
	v->num = e->num[ref];
}

static void
check_full(void)
{
	struct diags d = { 0 }, d2 = { 0 };
	struct spec *s, *again;
	const struct param *p;
	struct env env;
	regmatch_t m[2];
	size_t i;
	int hex;

	if ((s = load_good("good-03-full.yaml", &d)) == NULL) {
		diag_free(&d);
		return;
	}
	is_int((long long)s->nparams, 5, "good-03: 5 parameters");
	check_values(s, "OPT", PT_INT, STAGE_BUILD, 4, "0,1,2,3", 2);
	check_values(s, "LTO", PT_BOOL, STAGE_BUILD, 2, "false,true", 0);
	check_values(s, "SCHED", PT_TRISTATE, STAGE_BUILD, 3, "n,m,y", 2);
	check_values(s, "THREADS", PT_INT, STAGE_TEST, 4, "1,2,4,8", 0);
	check_values(s, "ALLOC", PT_STR, STAGE_TEST, 2, "glibc,jemalloc", 0);
	if (s->nparams != 5) {
		spec_free(s);
		diag_free(&d);
		return;
	}

	ok(s->params[0].cond == NULL && s->params[0].cond_text == NULL,
	    "good-03: OPT is unconditional");
	p = &s->params[1];
	ok(p->cond != NULL, "good-03: LTO has a condition");
	is_str(p->cond_text, "OPT >= 2", "good-03: LTO's condition text");
	if (!ok(p->cond_pos.line == 10 && p->cond_pos.col == 10,
		"good-03: LTO's condition is at 10:10 (inside the quotes)"))
		diag("got %d:%d", p->cond_pos.line, p->cond_pos.col);
	p = &s->params[2];
	is_str(p->cond_text, "OPT > 0 && !LTO", "good-03: SCHED's condition");
	if (!ok(p->cond_pos.line == 14 && p->cond_pos.col == 9,
		"good-03: SCHED's plain condition is at 14:9"))
		diag("got %d:%d", p->cond_pos.line, p->cond_pos.col);
	p = &s->params[4];
	is_str(p->cond_text, "THREADS > 1 && SCHED == \"y\"",
	    "good-03: ALLOC's single-quoted condition");
	if (!ok(p->cond_pos.line == 27 && p->cond_pos.col == 10,
		"good-03: ALLOC's condition is at 27:10"))
		diag("got %d:%d", p->cond_pos.line, p->cond_pos.col);

	/* The conditions are resolved to the right parameters. */
	memset(&env, 0, sizeof env);
	env.s = s;
	env.num[0] = 1; /* OPT */
	env.num[1] = 0; /* LTO */
	env.num[2] = 2; /* SCHED = y */
	env.num[3] = 4; /* THREADS */
	if (s->params[2].cond != NULL && s->params[1].cond != NULL &&
	    s->params[4].cond != NULL) {
		ok(expr_eval(s->params[2].cond, env_value, &env),
		    "good-03: SCHED active at OPT=1, LTO=false");
		ok(!expr_eval(s->params[1].cond, env_value, &env),
		    "good-03: LTO inactive at OPT=1");
		ok(expr_eval(s->params[4].cond, env_value, &env),
		    "good-03: ALLOC active at THREADS=4, SCHED=y");
		env.num[0] = 0;
		env.num[2] = 1;
		ok(!expr_eval(s->params[2].cond, env_value, &env),
		    "good-03: SCHED inactive at OPT=0");
		ok(!expr_eval(s->params[4].cond, env_value, &env),
		    "good-03: ALLOC inactive at SCHED=m");
	} else
		ok(0, "good-03: conditions to evaluate");

	ok(s->build.present, "good-03: has a build");
	ok(s->build.script != NULL && ends_with(s->build.script, "/ok.sh") &&
		s->build.script[0] == '/',
	    "good-03: build script, absolute");
	is_str(s->build.script_rel, "ok.sh",
	    "good-03: build script as written");
	ok(s->build.run == NULL, "good-03: no build run");
	is_str(s->build.config_h, "config.h", "good-03: config_h");
	is_str(s->build.kconfig, ".config", "good-03: kconfig");
	is_int(s->build.cores, 2, "good-03: build cores");
	ok(s->build.timeout == 5400, "good-03: build timeout 1h30m = 5400s");
	if (is_int((long long)s->build.ntemplates, 1,
		"good-03: a build "
		"template")) {
		is_str(s->build.templates[0].rel, "good-build.mk.in",
		    "good-03: build template as written");
		is_str(s->build.templates[0].output, "good-build.mk",
		    "good-03: build template output");
		ok(ends_with(s->build.templates[0].path,
		       "/tests/unit/specs/good-build.mk.in"),
		    "good-03: build template path");
	}
	ok(s->test.present, "good-03: has a test");
	is_str(s->test.run, "./bench --threads \"$THREADS\"",
	    "good-03: test run");
	if (is_int((long long)s->test.ntemplates, 1,
		"good-03: a test template"))
		is_str(s->test.templates[0].output, "good-test.conf",
		    "good-03: test template output");
	ok(s->test.isolation == ISO_CORE, "good-03: isolation core");
	is_int(s->test.repeat, 5, "good-03: repeat");
	is_int(s->test.warmup, 1, "good-03: warmup");
	ok(s->test.timeout == 90, "good-03: test timeout 90s");

	if (is_int((long long)s->nmetrics, 3, "good-03: 3 metrics")) {
		is_str(s->metrics[0].name, "ops", "good-03: metric ops");
		is_str(s->metrics[0].regex_text, "ops/s: (\\d+)",
		    "good-03: ops regex as written");
		is_str(s->metrics[0].unit, "ops/s", "good-03: ops unit");
		ok(s->metrics[0].stream == STREAM_STDOUT &&
			!s->metrics[0].optional,
		    "good-03: ops from stdout, needed");
		if (ok(s->metrics[0].regex_text != NULL &&
			    regexec(&s->metrics[0].regex, "x\nops/s: 1234\n", 2,
				m, 0) == 0,
			"good-03: ops regex (\\d) matches"))
			ok(m[1].rm_so == 9 && m[1].rm_eo == 13,
			    "good-03: ops regex captures the number");
		ok(s->metrics[1].stream == STREAM_STDERR &&
			s->metrics[1].optional,
		    "good-03: lat_p99 optional, stderr");
		ok(strcmp(s->metrics[2].name, "score") == 0 &&
			s->metrics[2].regex_text == NULL,
		    "good-03: score, from the results file");
	}
	is_str(s->objective, "ops", "good-03: objective");
	ok(s->direction == DIR_MAXIMIZE && s->aggregate == AGG_MEAN,
	    "good-03: maximize the mean");
	is_str(s->strategy, "random", "good-03: strategy");
	is_int((long long)s->budget, 50, "good-03: budget");
	ok(s->has_seed && s->seed == 7, "good-03: seed 7");
	is_str(s->host.governor, "performance", "good-03: governor");
	ok(s->host.turbo == 0 && s->host.smt == 0 && s->host.aslr == 0,
	    "good-03: turbo, smt and aslr off");
	ok(s->ninputs == 1 && ends_with(s->inputs[0], "/ok.sh"),
	    "good-03: one input");

	hex = strlen(s->hash) == 64;
	for (i = 0; i < 64 && hex; i++)
		hex = strchr("0123456789abcdef", s->hash[i]) != NULL;
	ok(hex, "good-03: the hash is 64 hex digits");
	again = load_good("good-03-full.yaml", &d2);
	ok(again != NULL && strcmp(again->hash, s->hash) == 0,
	    "good-03: the same spec hashes the same");
	spec_free(again);
	diag_free(&d2);
	again = load_good("good-04-original.yaml", &d2);
	ok(again != NULL && strcmp(again->hash, s->hash) != 0,
	    "good-03: another spec hashes differently");
	spec_free(again);
	diag_free(&d2);
	spec_free(s);
	diag_free(&d);
}

static void
check_original(void)
{
	struct diags d = { 0 };
	struct spec *s;

	if ((s = load_good("good-04-original.yaml", &d)) == NULL) {
		diag_free(&d);
		return;
	}
	check_values(s, "CONFIG_HZ", PT_INT, STAGE_BUILD, 3, "100,250,1000", 1);
	check_values(s, "CONFIG_SLAB", PT_STR, STAGE_BUILD, 2, "SLAB,SLUB", 0);
	check_values(s, "BUF", PT_INT, STAGE_BUILD, 4, "1024,2048,4096,8192",
	    0);
	check_values(s, "CONFIG_PREEMPT", PT_TRISTATE, STAGE_BUILD, 3, "n,m,y",
	    0);
	is_str(s->build.run,
	    "make olddefconfig && make -j\"$WAYFINDER_TOTAL_CORES\"",
	    "good-04: build run");
	is_str(s->build.kconfig, ".config", "good-04: kconfig");
	ok(s->test.script != NULL && ends_with(s->test.script, "/ok.sh"),
	    "good-04: test script");
	ok(s->objective != NULL && strcmp(s->objective, "wall_ms") == 0 &&
		s->direction == DIR_MINIMIZE && s->aggregate == AGG_MEDIAN,
	    "good-04: block-style objective");
	spec_free(s);
	diag_free(&d);
}

/* Diagnostics name the file as it was given to spec_load. */
static void
check_paths(void)
{
	struct diags d = { 0 };
	struct spec *s;
	char *f;
	const char *rel = "specs/bad-01-unknown-top-key.yaml";

	s = spec_load(SPECS "bad-01-unknown-top-key.yaml", &d);
	f = d.n > 0 ? diag_format(&d.v[0]) : NULL;
	is_str(f,
	    SPECS "bad-01-unknown-top-key.yaml:10:1: error: unknown key "
		  "'serach' in the spec; did you mean 'search'?",
	    "a diagnostic formatted in full");
	free(f);
	spec_free(s);
	diag_free(&d);

	if (chdir(SRCDIR "/tests/unit") != 0) {
		ok(0, "chdir to the unit test directory");
		return;
	}
	s = spec_load(rel, &d);
	if (!ok(s == NULL && d.n > 0 && strcmp(d.v[0].file, rel) == 0 &&
		    d.v[0].line == 10,
		"a relative path is reported as given"))
		show(&d);
	spec_free(s);
	diag_free(&d);
	s = spec_load("specs/good-03-full.yaml", &d);
	if (!ok(s != NULL && d.nerrors == 0 && s->build.script != NULL &&
		    s->build.script[0] == '/',
		"a relative spec finds its files next to it"))
		show(&d);
	spec_free(s);
	diag_free(&d);

	s = spec_load(SPECS "no-such-spec.yaml", &d);
	if (!ok(s == NULL && d.nerrors == 1 && d.v[0].line == 0 &&
		    strcmp(d.v[0].file, SPECS "no-such-spec.yaml") == 0 &&
		    strstr(d.v[0].msg, "No such file") != NULL,
		"a missing spec is one error about the file"))
		show(&d);
	spec_free(s);
	diag_free(&d);
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof bads / sizeof bads[0]; i++)
		check_bad(&bads[i]);
	check_every_bad_listed();
	check_types();
	check_ranges();
	check_full();
	check_counters();
	check_original();
	check_paths();
	return done_testing();
}
