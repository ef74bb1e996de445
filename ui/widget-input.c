/*
 * A one-line editor: the editor's fields, the results' filter and the
 * prompts of the status line. Characters are kept wide, so that the
 * cursor moves by character whatever the encoding; the text is handed
 * out as UTF-8 (or the locale's multibyte encoding).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "../src/xmalloc.h"
#include "ui.h"

#define INPUT_MAX 1024
#define CTRL(c) ((c)&0x1f)

struct ui_input {
	wchar_t text[INPUT_MAX + 1];
	size_t len, cur;
	char *mb; /* the text, multibyte, as last asked for */
};

struct ui_input *
w_input_new(const char *initial)
{
	struct ui_input *in = xcalloc(1, sizeof *in);
	mbstate_t st;
	const char *p = initial;
	size_t n;

	if (initial != NULL) {
		memset(&st, 0, sizeof st);
		n = mbsrtowcs(in->text, &p, INPUT_MAX, &st);
		if (n == (size_t)-1) { /* not in the locale: byte by byte */
			for (n = 0; initial[n] != '\0' && n < INPUT_MAX; n++)
				in->text[n] = (unsigned char)initial[n] < 0x80 ?
				    (wchar_t)initial[n] :
				    L'?';
		}
		in->len = in->cur = n;
		in->text[n] = L'\0';
	}
	return in;
}

void
w_input_free(struct ui_input *in)
{
	if (in == NULL)
		return;
	free(in->mb);
	free(in);
}

int
w_input_key(struct ui_input *in, int key)
{
	wchar_t wc;

	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		return 1;
	case 27:
		return -1;
	case KEY_LEFT:
		if (in->cur > 0)
			in->cur--;
		return 0;
	case KEY_RIGHT:
		if (in->cur < in->len)
			in->cur++;
		return 0;
	case KEY_HOME:
	case CTRL('a'):
		in->cur = 0;
		return 0;
	case KEY_END:
	case CTRL('e'):
		in->cur = in->len;
		return 0;
	case KEY_BACKSPACE:
	case 127:
	case CTRL('h'):
		if (in->cur == 0)
			return 0;
		in->cur--;
		/* fall through */
	case KEY_DC:
	case CTRL('d'):
		if (in->cur < in->len) {
			memmove(&in->text[in->cur], &in->text[in->cur + 1],
			    (in->len - in->cur) * sizeof in->text[0]);
			in->len--;
		}
		return 0;
	case CTRL('u'):
		memmove(in->text, &in->text[in->cur],
		    (in->len - in->cur + 1) * sizeof in->text[0]);
		in->len -= in->cur;
		in->cur = 0;
		return 0;
	case CTRL('k'):
		in->len = in->cur;
		in->text[in->len] = L'\0';
		return 0;
	default:
		break;
	}
	if (key & UI_WCH)
		wc = (wchar_t)(key & ~UI_WCH);
	else if (key >= 32 && key < 127)
		wc = (wchar_t)key;
	else
		return 0;
	if (in->len >= INPUT_MAX)
		return 0;
	memmove(&in->text[in->cur + 1], &in->text[in->cur],
	    (in->len - in->cur + 1) * sizeof in->text[0]);
	in->text[in->cur++] = wc;
	in->len++;
	return 0;
}

const char *
w_input_text(const struct ui_input *cin)
{
	struct ui_input *in = (struct ui_input *)cin;
	size_t n = in->len * MB_CUR_MAX + 1;

	free(in->mb);
	in->mb = xcalloc(n, 1);
	if (wcstombs(in->mb, in->text, n) == (size_t)-1)
		in->mb[0] = '\0';
	return in->mb;
}

void
w_input_draw(const struct ui_input *in, WINDOW *w, int y, int x, int width,
    attr_t a)
{
	size_t start = 0, i;
	int used = 0, cw;
	cchar_t cc;
	wchar_t s[2];

	if (width < 2)
		return;
	/* Scrolled so that the cursor shows, with a cell for it at the
	 * end. */
	for (;;) {
		for (used = 0, i = start; i < in->cur; i++)
			used += (cw = wcwidth(in->text[i])) > 0 ? cw : 1;
		if (used < width || start >= in->cur)
			break;
		start++;
	}
	wmove(w, y, x);
	for (used = 0, i = start; used < width; i++) {
		s[0] = i < in->len ? in->text[i] : L' ';
		s[1] = L'\0';
		cw = wcwidth(s[0]);
		if (cw < 1 || s[0] < 32)
			s[0] = L'?', cw = 1;
		if (used + cw > width)
			break;
		setcchar(&cc, s, i == in->cur ? a | A_REVERSE : a, 0, NULL);
		wadd_wch(w, &cc);
		used += cw;
	}
}
