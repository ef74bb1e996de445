/*
 * Colours, attributes and glyphs. Colour only where the terminal has it
 * and NO_COLOR is unset (https://no-color.org); every role still reads
 * without colour, through bold, reverse, underline and dim. Glyphs are
 * UTF-8 box drawing and blocks where the locale's codeset is UTF-8,
 * plain ASCII otherwise (house rule 8).
 */
#include "config.h"

#include <stdlib.h>

#include "ui.h"

static attr_t attrs[TH_NROLES];
static int colour;

static const struct th_glyphs utf8_glyphs = { "\xe2\x94\x80", "\xe2\x94\x82",
	"\xe2\x94\x8c", "\xe2\x94\x90", "\xe2\x94\x94", "\xe2\x94\x98",
	"\xe2\x96\x88", "\xe2\x96\x8c", "\xc2\xb7", "\xe2\x97\x86",
	"\xe2\x94\x84", "\xe2\x94\x80", "\xe2\x80\xa6", "\xe2\x96\xb2",
	"\xe2\x96\xbc", "\xc2\xb7", "\xc3\x97" };
static const struct th_glyphs ascii_glyphs = { "-", "|", "+", "+", "+", "+",
	"#", "|", ".", "*", ":", "-", "~", "^", "v", ".", "x" };
static const struct th_glyphs *glyphs = &ascii_glyphs;

/* Colour pairs by role: foreground, or -1 for the terminal's own. */
static const struct {
	enum th_role role;
	short fg, bg;
	attr_t extra;
} pairs[] = {
	{ TH_TITLE, COLOR_CYAN, -1, A_BOLD },
	{ TH_HEADER, COLOR_YELLOW, -1, A_BOLD },
	{ TH_GOOD, COLOR_GREEN, -1, 0 },
	{ TH_BAD, COLOR_RED, -1, A_BOLD },
	{ TH_WARN, COLOR_YELLOW, -1, 0 },
	{ TH_BUILD, COLOR_MAGENTA, -1, 0 },
	{ TH_TEST, COLOR_CYAN, -1, 0 },
	{ TH_BEST, COLOR_GREEN, -1, A_BOLD },
	{ TH_BASELINE, COLOR_BLUE, -1, A_BOLD },
	{ TH_KEY, COLOR_BLACK, COLOR_CYAN, 0 },
	{ TH_BAR, COLOR_CYAN, -1, 0 },
};

void
theme_init(int utf8)
{
	const char *nc = getenv("NO_COLOR");
	size_t i;

	glyphs = utf8 ? &utf8_glyphs : &ascii_glyphs;
	/* Without colour: attributes alone carry the roles. */
	attrs[TH_NORMAL] = A_NORMAL;
	attrs[TH_TITLE] = A_BOLD;
	attrs[TH_HEADER] = A_BOLD | A_UNDERLINE;
	attrs[TH_SELECT] = A_REVERSE;
	attrs[TH_GOOD] = A_NORMAL;
	attrs[TH_BAD] = A_BOLD;
	attrs[TH_WARN] = A_BOLD;
	attrs[TH_DIM] = A_DIM;
	attrs[TH_BUILD] = A_NORMAL;
	attrs[TH_TEST] = A_NORMAL;
	attrs[TH_BEST] = A_BOLD;
	attrs[TH_BASELINE] = A_UNDERLINE;
	attrs[TH_KEY] = A_REVERSE;
	attrs[TH_BAR] = A_NORMAL;
	colour = has_colors() && (nc == NULL || *nc == '\0');
	if (!colour || start_color() != OK) {
		colour = 0;
		return;
	}
	use_default_colors();
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		init_pair((short)(i + 1), pairs[i].fg, pairs[i].bg);
		attrs[pairs[i].role] =
		    COLOR_PAIR((int)(i + 1)) | pairs[i].extra;
	}
}

attr_t
theme_attr(enum th_role r)
{
	return r < TH_NROLES ? attrs[r] : A_NORMAL;
}

const struct th_glyphs *
theme_glyphs(void)
{
	return glyphs;
}

int
theme_has_colour(void)
{
	return colour;
}
