/*
 * Unit tests of the condition language: parsing (precedence, errors and
 * their columns), type checking against parameter types, evaluation.
 */
#include "config.h"

#include <math.h>

#include "tap.h"
#include "../../src/expr.h"

/* Names A (num), S (str), B (bool), T (tristate); values set per test. */
static const char *const names[] = { "A", "S", "B", "T" };
static struct expr_value vals[4];

static int
resolve(const char *name, void *arg, enum expr_vtype *type, char **why)
{
	static const enum expr_vtype types[] = { EV_NUM, EV_STR, EV_BOOL,
		EV_TRI };
	int i;

	(void)arg;
	(void)why;
	for (i = 0; i < 4; i++) {
		if (strcmp(names[i], name) == 0) {
			*type = types[i];
			return i;
		}
	}
	return -1;
}

static void
value(int ref, void *arg, struct expr_value *out)
{
	(void)arg;
	*out = vals[ref];
}

static void
set(double a, const char *s, int b, int t)
{
	vals[0].type = isnan(a) ? EV_ABSENT : EV_NUM;
	vals[0].num = a;
	vals[1].type = s == NULL ? EV_ABSENT : EV_STR;
	vals[1].str = s;
	vals[2].type = b < 0 ? EV_ABSENT : EV_BOOL;
	vals[2].num = b;
	vals[3].type = t < 0 ? EV_ABSENT : EV_TRI;
	vals[3].num = t;
}

/* Parses, resolves and evaluates; -1 on any error. */
static int
eval(const char *text)
{
	struct expr *e;
	char *cause = NULL;
	int col, r;

	if ((e = expr_parse(text, &col, &cause)) == NULL) {
		diag("parse '%s': %s at %d", text, cause, col);
		free(cause);
		return -1;
	}
	if (expr_resolve(e, resolve, NULL, &col, &cause) != 0) {
		diag("resolve '%s': %s at %d", text, cause, col);
		free(cause);
		expr_free(e);
		return -1;
	}
	r = expr_eval(e, value, NULL);
	expr_free(e);
	return r;
}

struct bad {
	const char *text;
	int col;
	const char *msg;
	int phase; /* 0 parse, 1 resolve */
};

static const struct bad bads[] = {
	{ "", 0, "empty condition", 0 },
	{ "A ==", 4, "expected a name, a value", 0 },
	{ "(A == 1", 7, "expected ')'", 0 },
	{ "A = 1", 2, "use '=='", 0 },
	{ "A & B", 2, "use '&&'", 0 },
	{ "S == 'x", 5, "unterminated string", 0 },
	{ "A == 1 B", 7, "expected an operator", 0 },
	{ "A == 1x", 5, "malformed number", 0 },
	{ "A $ 1", 2, "unexpected character '$'", 0 },
	{ "A == 1 ||", 9, "expected a name", 0 },
	{ "Q == 1", 0, "unknown parameter 'Q'", 1 },
	{ "A == 'x'", 2, "cannot compare a number with a string", 1 },
	{ "B < true", 2, "bools can only be compared", 1 },
	{ "T == 'q'", 5, "not a tristate value", 1 },
	{ "S == 1", 2, "cannot compare a string with a number", 1 },
	{ "B && (A > 1) && Z", 16, "unknown parameter 'Z'", 1 },
};

int
main(void)
{
	struct expr *e;
	char *cause;
	int col;
	size_t i;

	set(3, "tlsf", 1, 2);
	ok(eval("A == 3") == 1, "number equality");
	ok(eval("A != 3") == 0, "number inequality");
	ok(eval("A > 2 && A <= 3") == 1, "ordering");
	ok(eval("A >= 4 || A < 3") == 0, "ordering, false");
	ok(eval("S == 'tlsf'") == 1, "string equality, single quotes");
	ok(eval("S == \"tlsf\"") == 1, "string equality, double quotes");
	ok(eval("S != 'buddy'") == 1, "string inequality");
	ok(eval("'tlsf' == S") == 1, "literal on the left");
	ok(eval("B") == 1, "bare bool name");
	ok(eval("!B") == 0, "negation");
	ok(eval("!!B") == 1, "double negation");
	ok(eval("B == true") == 1, "bool literal");
	ok(eval("T") == 1, "tristate y is true");
	ok(eval("T == 'y'") == 1, "tristate compared with 'y'");
	ok(eval("T > 'm'") == 1, "tristate order n < m < y");
	ok(eval("S == 'tlsf' && B") == 1, "the issue's example");
	/* && binds tighter than ||. */
	ok(eval("A == 1 && B || S == 'tlsf'") == 1, "&& before ||");
	ok(eval("A == 1 && (B || S == 'tlsf')") == 0, "parentheses");
	ok(eval("!(A == 3) || !B") == 0, "! over a parenthesis");
	ok(eval("A == 3.0") == 1, "3 equals 3.0");
	ok(eval("A == -3") == 0, "negative literal");

	set(0, "", 0, 0);
	ok(eval("A") == 0, "zero is false");
	ok(eval("S") == 0, "empty string is false");
	ok(eval("T") == 0, "tristate n is false");
	ok(eval("T == 'n'") == 1, "tristate equals 'n'");

	set(NAN, NULL, -1, -1);
	ok(eval("A") == 0, "an inactive name is false");
	ok(eval("A == 0") == 0, "an inactive name equals nothing");
	ok(eval("A != 0") == 1, "and differs from everything");
	ok(eval("S == ''") == 0, "inactive string equals nothing");
	ok(eval("A < 1") == 0, "inactive is not ordered");
	ok(eval("A >= 1") == 0, "inactive is not ordered either way");
	ok(eval("!B") == 1, "! of inactive is true");

	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		const struct bad *b = &bads[i];

		cause = NULL;
		col = -1;
		e = expr_parse(b->text, &col, &cause);
		if (b->phase == 1 && e != NULL) {
			if (expr_resolve(e, resolve, NULL, &col, &cause) == 0) {
				expr_free(e);
				e = NULL;
				ok(0, "'%s' is rejected", b->text);
				continue;
			}
			expr_free(e);
			e = NULL;
		}
		if (!ok(e == NULL && cause != NULL &&
			    strstr(cause, b->msg) != NULL,
			"'%s': %s", b->text, b->msg))
			diag("got '%s'", cause != NULL ? cause : "(none)");
		is_int(col, b->col, "  ... at the right column");
		expr_free(e);
		free(cause);
	}

	/* Deep nesting parses (recursion depth is the text's nesting). */
	{
		char deep[2048];
		size_t k, n = 0;

		for (k = 0; k < 500; k++)
			deep[n++] = '(';
		deep[n++] = 'B';
		for (k = 0; k < 500; k++)
			deep[n++] = ')';
		deep[n] = '\0';
		set(1, "x", 1, 2);
		ok(eval(deep) == 1, "500 nested parentheses");
	}
	return done_testing();
}
