/*
 * ${NAME} substitution for configuration files rendered per job. The
 * scanner and the renderer share one walk so they never disagree about
 * what a reference is.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "template.h"
#include "xmalloc.h"

struct ref {
	const char *start; /* the '$' */
	const char *end;   /* after the '}' */
	char *name;
	const char *def; /* after ":-", or NULL */
	size_t deflen;
};

/*
 * Finds the next reference at or after p. Returns 1 with r filled, 0 at
 * the end of text, -1 on a malformed reference (r->start set). An escaped
 * "$${" is returned as a reference with no name.
 */
static int
next_ref(const char *p, struct ref *r)
{
	const char *q, *close;

	for (; (p = strchr(p, '$')) != NULL; p++) {
		if (p[1] == '$' && p[2] == '{') {
			r->start = p;
			r->end = p + 2;
			r->name = NULL;
			return 1;
		}
		if (p[1] != '{')
			continue;
		r->start = p;
		q = p + 2;
		if (!isalpha((unsigned char)*q) && *q != '_')
			return -1;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		r->name = xstrndup(p + 2, (size_t)(q - p - 2));
		r->def = NULL;
		if (q[0] == ':' && q[1] == '-') {
			r->def = q + 2;
			if ((close = strchr(r->def, '}')) == NULL ||
			    memchr(r->def, '\n', (size_t)(close - r->def))) {
				free(r->name);
				return -1;
			}
			r->deflen = (size_t)(close - r->def);
			q = close;
		}
		if (*q != '}') {
			free(r->name);
			return -1;
		}
		r->end = q + 1;
		return 1;
	}
	return 0;
}

static void
position(const char *text, const char *at, int *line, int *col)
{
	const char *p;

	*line = 1;
	*col = 1;
	for (p = text; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80)
			(*col)++; /* characters, not UTF-8 bytes */
	}
}

int
template_scan(const char *text, void (*fn)(const char *, int, int, int, void *),
    void *arg, int *line, int *col, char **cause)
{
	const char *p = text;
	struct ref r;
	int l, c, rc;

	while ((rc = next_ref(p, &r)) == 1) {
		if (r.name != NULL) {
			position(text, r.start, &l, &c);
			fn(r.name, l, c, r.def != NULL, arg);
			free(r.name);
		}
		p = r.end;
	}
	if (rc < 0) {
		position(text, r.start, line, col);
		*cause =
		    xstrdup("malformed reference: expected ${NAME} or "
			    "${NAME:-default} (write $${ for a literal ${)");
		return -1;
	}
	return 0;
}

char *
template_render(const char *text, const char *(*value)(const char *, void *),
    void *arg)
{
	struct buf b = BUF_INIT;
	const char *p = text, *v;
	struct ref r;

	while (next_ref(p, &r) == 1) {
		buf_add(&b, p, (size_t)(r.start - p));
		if (r.name == NULL)
			buf_addc(&b, '$'); /* "$${" : the "{" follows */
		else {
			if ((v = value(r.name, arg)) != NULL)
				buf_adds(&b, v);
			else if (r.def != NULL)
				buf_add(&b, r.def, r.deflen);
			free(r.name);
		}
		p = r.end;
	}
	buf_adds(&b, p);
	return buf_steal(&b);
}
