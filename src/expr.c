/*
 * The condition language: a hand-written tokenizer and recursive-descent
 * parser (precedence || < && < ! < comparison), a type check against the
 * parameters' types, and an evaluator over resolved indices.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "lex.h"
#include "xmalloc.h"

enum tok {
	T_END,
	T_NAME,
	T_STR,
	T_NUM,
	T_TRUE,
	T_FALSE,
	T_LP,
	T_RP,
	T_NOT,
	T_AND,
	T_OR,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_ERR
};

struct parser {
	const char *text;
	size_t pos;
	enum tok tok;
	size_t tokpos;
	char *tokstr; /* T_NAME, T_STR */
	double toknum;
	char *cause;
	int errcol;
};

static void
perr(struct parser *p, size_t at, const char *fmt, const char *arg)
{
	if (p->cause != NULL)
		return;
	p->cause = xasprintf(fmt, arg);
	p->errcol = (int)at;
	p->tok = T_ERR;
}

static const char *
tokname(enum tok t)
{
	static const char *names[] = { "end of condition", "name", "string",
		"number", "true", "false", "'('", "')'", "'!'", "'&&'", "'||'",
		"'=='", "'!='", "'<'", "'<='", "'>'", "'>='", "error" };

	return names[t];
}

/* The operators, and the spellings that look like one but are not. */
static const struct lex_op ops[] = {
	{ "(", T_LP, NULL, 0 },
	{ ")", T_RP, NULL, 0 },
	{ "!=", T_NE, NULL, 0 },
	{ "!", T_NOT, NULL, 0 },
	{ "&&", T_AND, NULL, 0 },
	{ "||", T_OR, NULL, 0 },
	{ "&", T_ERR, "'&' is not an operator; use '&&' or '||'", 0 },
	{ "|", T_ERR, "'|' is not an operator; use '&&' or '||'", 0 },
	{ "==", T_EQ, NULL, 0 },
	{ "=", T_ERR, "'=' is not an operator; use '=='", 0 },
	{ "<=", T_LE, NULL, 0 },
	{ "<", T_LT, NULL, 0 },
	{ ">=", T_GE, NULL, 0 },
	{ ">", T_GT, NULL, 0 },
	{ NULL, 0, NULL, 0 },
};

static const struct lex_lang lang = { ops, T_END, T_STR, T_NAME, T_ERR, 0 };

static void
next(struct parser *p)
{
	const char *s = p->text;
	char *end, *why;
	size_t start;
	int status;

	free(p->tokstr);
	p->tokstr = NULL;
	if (p->tok == T_ERR)
		return;
	p->tokpos = start = lex_space(s, &p->pos);
	if (isdigit((unsigned char)s[p->pos]) || s[p->pos] == '-' ||
	    s[p->pos] == '+' || s[p->pos] == '.') {
		errno = 0;
		p->toknum = strtod(s + p->pos, &end);
		if (end == s + p->pos || errno != 0 ||
		    isalpha((unsigned char)*end) || *end == '_') {
			perr(p, start, "%s", "malformed number");
			return;
		}
		p->pos = (size_t)(end - s);
		p->tok = T_NUM;
		return;
	}
	p->tok = lex_next(s, &p->pos, &lang, &p->tokstr, &why, &status);
	if (p->tok == T_ERR) {
		perr(p, start, "%s", why);
		free(why);
	} else if (p->tok == T_NAME && strcmp(p->tokstr, "true") == 0)
		p->tok = T_TRUE;
	else if (p->tok == T_NAME && strcmp(p->tokstr, "false") == 0)
		p->tok = T_FALSE;
}

static struct expr *
node(enum expr_kind kind, size_t col)
{
	struct expr *e;

	e = xcalloc(1, sizeof *e);
	e->kind = kind;
	e->col = (int)col;
	e->ref = -1;
	return e;
}

static struct expr *parse_or(struct parser *);

static struct expr *
parse_primary(struct parser *p)
{
	struct expr *e;
	size_t at = p->tokpos;

	switch (p->tok) {
	case T_LP:
		next(p);
		e = parse_or(p);
		if (e == NULL)
			return NULL;
		if (p->tok != T_RP) {
			perr(p, p->tokpos, "expected ')', found %s",
			    tokname(p->tok));
			expr_free(e);
			return NULL;
		}
		next(p);
		return e;
	case T_NAME:
		e = node(EXPR_NAME, at);
		e->s = xstrdup(p->tokstr);
		next(p);
		return e;
	case T_STR:
		e = node(EXPR_STR, at);
		e->s = xstrdup(p->tokstr);
		next(p);
		return e;
	case T_NUM:
		e = node(EXPR_NUM, at);
		e->num = p->toknum;
		next(p);
		return e;
	case T_TRUE:
	case T_FALSE:
		e = node(EXPR_BOOL, at);
		e->num = p->tok == T_TRUE;
		next(p);
		return e;
	case T_ERR:
		return NULL;
	default:
		perr(p, at, "expected a name, a value or '(', found %s",
		    tokname(p->tok));
		return NULL;
	}
}

static struct expr *
parse_cmp(struct parser *p)
{
	struct expr *l, *r, *e;
	enum expr_kind kind;
	size_t at;

	if ((l = parse_primary(p)) == NULL)
		return NULL;
	switch (p->tok) {
	case T_EQ:
		kind = EXPR_EQ;
		break;
	case T_NE:
		kind = EXPR_NE;
		break;
	case T_LT:
		kind = EXPR_LT;
		break;
	case T_LE:
		kind = EXPR_LE;
		break;
	case T_GT:
		kind = EXPR_GT;
		break;
	case T_GE:
		kind = EXPR_GE;
		break;
	default:
		return l;
	}
	at = p->tokpos;
	next(p);
	if ((r = parse_primary(p)) == NULL) {
		expr_free(l);
		return NULL;
	}
	e = node(kind, at);
	e->l = l;
	e->r = r;
	return e;
}

static struct expr *
parse_unary(struct parser *p)
{
	struct expr *e, *operand;
	size_t at;

	if (p->tok != T_NOT)
		return parse_cmp(p);
	at = p->tokpos;
	next(p);
	if ((operand = parse_unary(p)) == NULL)
		return NULL;
	e = node(EXPR_NOT, at);
	e->l = operand;
	return e;
}

static struct expr *
parse_binary(struct parser *p, enum tok op, enum expr_kind kind,
    struct expr *(*sub)(struct parser *))
{
	struct expr *l, *r, *e;
	size_t at;

	if ((l = sub(p)) == NULL)
		return NULL;
	while (p->tok == op) {
		at = p->tokpos;
		next(p);
		if ((r = sub(p)) == NULL) {
			expr_free(l);
			return NULL;
		}
		e = node(kind, at);
		e->l = l;
		e->r = r;
		l = e;
	}
	return l;
}

static struct expr *
parse_and(struct parser *p)
{
	return parse_binary(p, T_AND, EXPR_AND, parse_unary);
}

static struct expr *
parse_or(struct parser *p)
{
	return parse_binary(p, T_OR, EXPR_OR, parse_and);
}

struct expr *
expr_parse(const char *text, int *errcol, char **cause)
{
	struct parser p;
	struct expr *e;

	memset(&p, 0, sizeof p);
	p.text = text;
	p.tok = T_END;
	next(&p);
	if (p.tok == T_END && p.cause == NULL)
		perr(&p, 0, "%s", "empty condition");
	e = p.cause == NULL ? parse_or(&p) : NULL;
	if (e != NULL && p.tok != T_END) {
		perr(&p, p.tokpos, "unexpected %s; expected an operator",
		    tokname(p.tok));
		expr_free(e);
		e = NULL;
	}
	free(p.tokstr);
	if (e == NULL) {
		*cause = p.cause;
		*errcol = p.errcol;
	}
	return e;
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	expr_free(e->l);
	expr_free(e->r);
	free(e->s);
	free(e);
}

struct resolve_state {
	expr_resolver resolve;
	void *arg;
	char *cause;
	int errcol;
};

static const char *
vtype_name(enum expr_vtype t)
{
	switch (t) {
	case EV_BOOL:
		return "a bool";
	case EV_NUM:
		return "a number";
	case EV_STR:
		return "a string";
	case EV_TRI:
		return "a tristate";
	default:
		return "nothing";
	}
}

static void
rfail(struct resolve_state *rs, int col, char *cause)
{
	if (rs->cause != NULL) {
		free(cause);
		return;
	}
	rs->cause = cause;
	rs->errcol = col;
}

/* Returns the type of an operand, resolving a name; EV_ABSENT on error. */
static enum expr_vtype
operand_type(struct resolve_state *rs, struct expr *e)
{
	enum expr_vtype t = EV_ABSENT;
	char *why = NULL;

	switch (e->kind) {
	case EXPR_NAME:
		e->ref = rs->resolve(e->s, rs->arg, &t, &why);
		if (e->ref < 0) {
			rfail(rs, e->col,
			    why != NULL ?
				why :
				xasprintf("unknown parameter '%s'", e->s));
			return EV_ABSENT;
		}
		return t;
	case EXPR_STR:
		return EV_STR;
	case EXPR_NUM:
		return EV_NUM;
	case EXPR_BOOL:
		return EV_BOOL;
	default:
		return EV_BOOL; /* a parenthesised condition */
	}
}

static int
tri_literal(const char *s)
{
	if (strcmp(s, "n") == 0)
		return 0;
	if (strcmp(s, "m") == 0)
		return 1;
	if (strcmp(s, "y") == 0)
		return 2;
	return -1;
}

static void
resolve_walk(struct resolve_state *rs, struct expr *e)
{
	enum expr_vtype lt, rt;
	int ordered;

	switch (e->kind) {
	case EXPR_OR:
	case EXPR_AND:
		resolve_walk(rs, e->l);
		resolve_walk(rs, e->r);
		return;
	case EXPR_NOT:
		resolve_walk(rs, e->l);
		return;
	case EXPR_NAME:
		operand_type(rs, e);
		return;
	case EXPR_STR:
	case EXPR_NUM:
	case EXPR_BOOL:
		return;
	default:
		break;
	}
	/* A comparison. Parenthesised operands are conditions (bool). */
	if (e->l->kind <= EXPR_GE)
		resolve_walk(rs, e->l);
	if (e->r->kind <= EXPR_GE)
		resolve_walk(rs, e->r);
	lt = operand_type(rs, e->l);
	rt = operand_type(rs, e->r);
	if (lt == EV_ABSENT || rt == EV_ABSENT)
		return;
	ordered = e->kind != EXPR_EQ && e->kind != EXPR_NE;
	if (lt == EV_TRI && rt == EV_STR && e->r->kind == EXPR_STR) {
		if (tri_literal(e->r->s) < 0)
			rfail(rs, e->r->col,
			    xasprintf("'%s' is not a tristate "
				      "value (y, m or n)",
				e->r->s));
		return;
	}
	if (rt == EV_TRI && lt == EV_STR && e->l->kind == EXPR_STR) {
		if (tri_literal(e->l->s) < 0)
			rfail(rs, e->l->col,
			    xasprintf("'%s' is not a tristate "
				      "value (y, m or n)",
				e->l->s));
		return;
	}
	if (lt != rt) {
		rfail(rs, e->col,
		    xasprintf("cannot compare %s with %s", vtype_name(lt),
			vtype_name(rt)));
		return;
	}
	if (ordered && lt == EV_BOOL)
		rfail(rs, e->col,
		    xstrdup("bools can only be compared with "
			    "'==' and '!='"));
}

int
expr_resolve(struct expr *e, expr_resolver resolve, void *arg, int *errcol,
    char **cause)
{
	struct resolve_state rs;

	rs.resolve = resolve;
	rs.arg = arg;
	rs.cause = NULL;
	rs.errcol = 0;
	resolve_walk(&rs, e);
	if (rs.cause != NULL) {
		*cause = rs.cause;
		*errcol = rs.errcol;
		return -1;
	}
	return 0;
}

static void
operand_value(const struct expr *e,
    void (*value)(int, void *, struct expr_value *), void *arg,
    struct expr_value *v)
{
	switch (e->kind) {
	case EXPR_NAME:
		value(e->ref, arg, v);
		return;
	case EXPR_STR:
		v->type = EV_STR;
		v->str = e->s;
		return;
	case EXPR_NUM:
		v->type = EV_NUM;
		v->num = e->num;
		return;
	case EXPR_BOOL:
		v->type = EV_BOOL;
		v->num = e->num;
		return;
	default:
		v->type = EV_BOOL;
		v->num = expr_eval(e, value, arg);
		return;
	}
}

static int
truth(const struct expr_value *v)
{
	switch (v->type) {
	case EV_BOOL:
	case EV_NUM:
	case EV_TRI:
		return v->num != 0;
	case EV_STR:
		return v->str[0] != '\0';
	default:
		return 0;
	}
}

/* Returns <0, 0, >0, or 2 when the values are not comparable. */
static int
compare(struct expr_value *a, struct expr_value *b)
{
	int t;

	if (a->type == EV_TRI && b->type == EV_STR) {
		if ((t = tri_literal(b->str)) < 0)
			return 2;
		b->type = EV_TRI;
		b->num = t;
	} else if (b->type == EV_TRI && a->type == EV_STR) {
		if ((t = tri_literal(a->str)) < 0)
			return 2;
		a->type = EV_TRI;
		a->num = t;
	}
	if (a->type != b->type || a->type == EV_ABSENT)
		return 2;
	if (a->type == EV_STR) {
		t = strcmp(a->str, b->str);
		return t < 0 ? -1 : t > 0;
	}
	return a->num < b->num ? -1 : a->num > b->num;
}

int
expr_eval(const struct expr *e, void (*value)(int, void *, struct expr_value *),
    void *arg)
{
	struct expr_value a, b;
	int c;

	switch (e->kind) {
	case EXPR_OR:
		return expr_eval(e->l, value, arg) ||
		    expr_eval(e->r, value, arg);
	case EXPR_AND:
		return expr_eval(e->l, value, arg) &&
		    expr_eval(e->r, value, arg);
	case EXPR_NOT:
		return !expr_eval(e->l, value, arg);
	case EXPR_NAME:
	case EXPR_STR:
	case EXPR_NUM:
	case EXPR_BOOL:
		operand_value(e, value, arg, &a);
		return truth(&a);
	default:
		break;
	}
	operand_value(e->l, value, arg, &a);
	operand_value(e->r, value, arg, &b);
	c = compare(&a, &b);
	switch (e->kind) {
	case EXPR_EQ:
		return c == 0;
	case EXPR_NE:
		return c != 0;
	case EXPR_LT:
		return c != 2 && c < 0;
	case EXPR_LE:
		return c != 2 && c <= 0;
	case EXPR_GT:
		return c == 1;
	case EXPR_GE:
		return c == 0 || c == 1;
	default:
		fatal("bad expression node %d", (int)e->kind);
	}
}

void
expr_refs(const struct expr *e, void (*fn)(int, void *), void *arg)
{
	if (e == NULL)
		return;
	if (e->kind == EXPR_NAME && e->ref >= 0)
		fn(e->ref, arg);
	expr_refs(e->l, fn, arg);
	expr_refs(e->r, fn, arg);
}
