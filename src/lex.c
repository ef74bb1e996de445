/*
 * The tokenizer of the condition languages: what they write alike is read
 * here, what they differ in (operators and the errors for the ones they
 * do not have, numbers, keywords) is theirs.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "buf.h"
#include "lex.h"
#include "xmalloc.h"

size_t
lex_space(const char *s, size_t *pos)
{
	while (isspace((unsigned char)s[*pos]))
		(*pos)++;
	return *pos;
}

/* A string in quotes at *pos into *str; -1 if it has no closing quote. */
static int
quoted(const char *s, size_t *pos, char **str)
{
	struct buf b = BUF_INIT;
	char quote = s[(*pos)++];

	for (;;) {
		if (s[*pos] == '\0') {
			buf_free(&b);
			return -1;
		}
		if (s[*pos] == quote)
			break;
		if (s[*pos] == '\\' && s[*pos + 1] != '\0')
			(*pos)++;
		buf_addc(&b, s[(*pos)++]);
	}
	(*pos)++;
	*str = buf_steal(&b);
	return 0;
}

int
lex_next(const char *s, size_t *pos, const struct lex_lang *l, char **str,
    char **why, int *status)
{
	const struct lex_op *op;
	size_t start = *pos, len;

	*str = *why = NULL;
	*status = l->invalid;
	if (s[start] == '\0')
		return l->end;
	for (op = l->ops; op->text != NULL; op++) {
		len = strlen(op->text);
		if (strncmp(s + start, op->text, len) != 0)
			continue;
		*pos = start + len;
		if (op->error == NULL)
			return op->tok;
		*why = xstrdup(op->error);
		*status = op->status;
		return l->error;
	}
	if (s[start] == '\'' || s[start] == '"') {
		if (quoted(s, pos, str) == 0)
			return l->str;
		*why = xstrdup("unterminated string");
		return l->error;
	}
	if (isalpha((unsigned char)s[start]) || s[start] == '_') {
		while (isalnum((unsigned char)s[*pos]) || s[*pos] == '_')
			(*pos)++;
		*str = xstrndup(s + start, *pos - start);
		return l->name;
	}
	*why = xasprintf("unexpected character '%c'", s[start]);
	return l->error;
}
