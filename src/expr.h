/*
 * Conditions (`if:`) over parameters: a small expression language with
 * == != < <= > >= && || ! and parentheses, string and number literals,
 * true/false, and bare parameter names as booleans. Parsed once into a
 * tree whose names are then resolved to parameter indices, so evaluating
 * a condition for a configuration never touches a string table.
 */
#ifndef WAYFINDER_EXPR_H
#define WAYFINDER_EXPR_H

enum expr_kind {
	EXPR_OR,
	EXPR_AND,
	EXPR_NOT,
	EXPR_EQ,
	EXPR_NE,
	EXPR_LT,
	EXPR_LE,
	EXPR_GT,
	EXPR_GE,
	EXPR_NAME,
	EXPR_STR,
	EXPR_NUM,
	EXPR_BOOL
};

struct expr {
	enum expr_kind kind;
	int col;            /* 0-based offset of the node in the text */
	struct expr *l, *r; /* operands; r is NULL for EXPR_NOT */
	char *s;            /* EXPR_NAME and EXPR_STR */
	double num;         /* EXPR_NUM; EXPR_BOOL: 0 or 1 */
	int ref;            /* EXPR_NAME: resolved index, -1 before */
};

/* What a value is, when a condition is evaluated. */
enum expr_vtype {
	EV_ABSENT, /* an inactive parameter: false, equal to nothing */
	EV_BOOL,
	EV_NUM,
	EV_STR,
	EV_TRI /* tristate: num is 0 (n), 1 (m) or 2 (y) */
};

struct expr_value {
	enum expr_vtype type;
	double num;      /* EV_BOOL (0/1), EV_NUM, EV_TRI */
	const char *str; /* EV_STR */
};

/*
 * Parses text. Returns the tree, or NULL with *cause set (caller frees)
 * and *errcol the 0-based offset of the fault.
 */
struct expr *expr_parse(const char *text, int *errcol, char **cause);
void expr_free(struct expr *);

/*
 * Type-checks a parsed tree and resolves its names. resolve returns the
 * index of a name and its type (EV_BOOL, EV_NUM, EV_STR or EV_TRI), or -1
 * if there is no such name (optionally setting *why, an allocated
 * explanation). Returns 0, or -1 with *cause and *errcol set
 * for the first fault (unknown name, comparing unlike types).
 */
typedef int (*expr_resolver)(const char *name, void *arg, enum expr_vtype *type,
    char **why);
int expr_resolve(struct expr *, expr_resolver, void *arg, int *errcol,
    char **cause);

/* Evaluates a resolved tree; value(ref, arg, out) supplies each name. */
int expr_eval(const struct expr *,
    void (*value)(int, void *, struct expr_value *), void *arg);

/* Calls fn for every resolved name in the tree. */
void expr_refs(const struct expr *, void (*fn)(int, void *), void *arg);

#endif
