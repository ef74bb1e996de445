/*
 * The tokenizer the two condition languages share (the spec's, in
 * expr.c, and the original Wayfinder's that import translates): spaces,
 * operators from a table, quoted strings and names. Each language gives
 * its own tokens and table, with the spellings it rejects and why, and
 * reads its own numbers and keywords.
 */
#ifndef WAYFINDER_LEX_H
#define WAYFINDER_LEX_H

#include <stddef.h>

/* An operator's spelling and token, or, when error is not NULL, a
 * spelling the language rejects and the status of that fault. */
struct lex_op {
	const char *text;
	int tok;
	const char *error;
	int status;
};

/* A language's operators (ended by a NULL text, longer spellings first)
 * and the tokens it gives the rest. */
struct lex_lang {
	const struct lex_op *ops;
	int end;     /* the end of the text */
	int str;     /* a string in quotes */
	int name;    /* [A-Za-z_][A-Za-z0-9_]* */
	int error;   /* a fault */
	int invalid; /* the status of a fault that is not an operator's */
};

/* Moves *pos past the spaces at it; returns where the next token starts. */
size_t lex_space(const char *s, size_t *pos);
/*
 * Reads the token at *pos and moves *pos past it: the first operator of
 * l that the text goes on with; a string in single or double quotes,
 * where a backslash takes the next character as it is, or a name, both
 * with their text in *str for the caller to free; or l->error, with why
 * (for the caller to free) and the status of the fault, for a spelling
 * l rejects, a string with no end or a character that starts no token.
 */
int lex_next(const char *s, size_t *pos, const struct lex_lang *l, char **str,
    char **why, int *status);

#endif
