/*
 * Text in cells: UTF-8 strings clipped to a width, boxes, repeated
 * glyphs, and configurations abbreviated to fit. Whatever the locale
 * cannot show (and every control character, which a log may hold)
 * becomes '?', so nothing a job prints can move the cursor.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "../src/buf.h"
#include "../src/xmalloc.h"
#include "ui.h"

/* Decodes the next character of s: its width and length in *n. */
static wchar_t
next_char(const char *s, size_t *n, int *width)
{
	mbstate_t st;
	wchar_t wc;
	int cw;

	memset(&st, 0, sizeof st);
	*n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (*n == (size_t)-1 || *n == (size_t)-2 || *n == 0) {
		*n = 1;
		wc = L'?';
	}
	if (wc == L'\t')
		wc = L' ';
	else if (wc < 32 || wc == 127 || (wc >= 0x80 && wc < 0xa0))
		wc = L'?';
	if ((cw = wcwidth(wc)) < 0) {
		wc = L'?';
		cw = 1;
	}
	*width = cw;
	return wc;
}

int
w_width(const char *s)
{
	size_t n;
	int cw, total = 0;

	while (*s != '\0') {
		next_char(s, &n, &cw);
		total += cw;
		s += n;
	}
	return total;
}

int
w_put(WINDOW *w, int y, int x, int width, const char *s, attr_t a)
{
	wchar_t out[256];
	size_t n;
	int used = 0, cw, k = 0;
	wchar_t wc;

	if (width <= 0 || s == NULL)
		return 0;
	if (wmove(w, y, x) == ERR)
		return 0;
	wattr_on(w, a, NULL);
	while (*s != '\0') {
		wc = next_char(s, &n, &cw);
		if (used + cw > width)
			break;
		out[k++] = wc;
		used += cw;
		s += n;
		if (k == (int)(sizeof out / sizeof out[0])) {
			waddnwstr(w, out, k);
			k = 0;
		}
	}
	if (k > 0)
		waddnwstr(w, out, k);
	wattr_off(w, a, NULL);
	return used;
}

int
w_printf(WINDOW *w, int y, int x, int width, attr_t a, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	return w_put(w, y, x, width, line, a);
}

void
w_fill(WINDOW *w, int y, int x, int width, const char *g, attr_t a)
{
	struct buf b = BUF_INIT;
	int i;

	if (width <= 0)
		return;
	for (i = 0; i < width; i++)
		buf_adds(&b, g);
	w_put(w, y, x, width, buf_str(&b), a);
	buf_free(&b);
}

void
w_box(WINDOW *w, int y, int x, int h, int wd, const char *title, int focus)
{
	const struct th_glyphs *g = theme_glyphs();
	attr_t a = focus ? theme_attr(TH_TITLE) : theme_attr(TH_DIM);
	int i;

	if (h < 2 || wd < 2)
		return;
	w_put(w, y, x, 1, g->tl, a);
	w_fill(w, y, x + 1, wd - 2, g->hline, a);
	w_put(w, y, x + wd - 1, 1, g->tr, a);
	for (i = 1; i < h - 1; i++) {
		w_put(w, y + i, x, 1, g->vline, a);
		w_put(w, y + i, x + wd - 1, 1, g->vline, a);
	}
	w_put(w, y + h - 1, x, 1, g->bl, a);
	w_fill(w, y + h - 1, x + 1, wd - 2, g->hline, a);
	w_put(w, y + h - 1, x + wd - 1, 1, g->br, a);
	if (title != NULL && wd > 6) {
		char t[256];

		snprintf(t, sizeof t, " %s ", title);
		w_put(w, y, x + 2, wd - 4, t,
		    focus ? theme_attr(TH_TITLE) | A_REVERSE :
			    theme_attr(TH_TITLE));
	}
}

/* "NAME=value ..." as fits: full, names cut to 3, values alone, cut. */
char *
w_abbrev_config(const char *config, int width)
{
	struct buf b = BUF_INIT;
	const char *p, *eq, *sp;
	int pass;

	if (config == NULL)
		return xstrdup("");
	if (w_width(config) <= width)
		return xstrdup(config);
	for (pass = 0; pass < 2; pass++) {
		buf_reset(&b);
		for (p = config; *p != '\0'; p = *sp ? sp + 1 : sp) {
			sp = strchr(p, ' ');
			if (sp == NULL)
				sp = p + strlen(p);
			eq = memchr(p, '=', (size_t)(sp - p));
			if (b.len > 0)
				buf_addc(&b, ' ');
			if (eq == NULL) {
				buf_add(&b, p, (size_t)(sp - p));
				continue;
			}
			if (pass == 0) {
				buf_add(&b, p,
				    (size_t)(eq - p) < 3 ? (size_t)(eq - p) :
							   3);
				buf_addc(&b, '=');
			}
			buf_add(&b, eq + 1, (size_t)(sp - eq - 1));
		}
		if (w_width(buf_str(&b)) <= width)
			return buf_steal(&b);
	}
	return buf_steal(&b); /* w_put cuts it */
}

int
w_scroll(size_t *top, size_t page, size_t end, enum ui_action a)
{
	switch (a) {
	case ACT_UP:
		if (*top > 0)
			(*top)--;
		return 1;
	case ACT_DOWN:
		(*top)++;
		return 1;
	case ACT_PGUP:
		*top = *top > page ? *top - page : 0;
		return 1;
	case ACT_PGDN:
		*top += page;
		return 1;
	case ACT_HOME:
		*top = 0;
		return 1;
	case ACT_END:
		*top = end;
		return 1;
	default:
		return 0;
	}
}
