/*
 * Writing a spec back as YAML: the TUI's space editor saves with it, and
 * what it writes is what spec_parse() reads back as the same spec. The
 * output is small and plain (keys in the order of wayfinder.yaml(5),
 * settings left at their defaults left out, scalars quoted only where
 * YAML needs it). No curses here.
 */
#ifndef WAYFINDER_SPECWRITE_H
#define WAYFINDER_SPECWRITE_H

#include <stddef.h>

#include "spec.h"

/* The fields of a parameter as an editor holds them, in writing order. */
enum specwrite_field {
	SW_NAME,
	SW_TYPE,
	SW_VALUES, /* the items of a flow list, as YAML: "1, 2, 'a b'" */
	SW_MIN,
	SW_MAX,
	SW_STEP,
	SW_STEP_MODE,
	SW_DEFAULT,
	SW_WHEN,
	SW_IF,
	SW_DESCRIPTION,
	SW_NFIELDS
};

/*
 * A parameter as text, as the user typed it: each field is written as
 * given (quoted where YAML needs it, except SW_VALUES, which is the
 * inside of a flow list), so that spec_parse() judges it and reports
 * its errors where they are. An empty or NULL field is left out.
 * line[] is set by specwrite_drafts(): the line of the text each field
 * was written on (0: not written).
 */
struct specwrite_param {
	char *f[SW_NFIELDS];
	int line[SW_NFIELDS];
};

/* The fields' keys ("name", "type", "values", ...). */
const char *specwrite_field_key(enum specwrite_field);

/* The text of a loaded parameter's fields (allocated; defaults left
 * empty: a bool's [false, true], the first value as default). */
void specwrite_param_from(const struct param *, struct specwrite_param *);
void specwrite_param_clear(struct specwrite_param *);

/*
 * s as YAML text (caller frees). Reading it back with spec_parse()
 * (from a file in s->dir, where relative names resolve) gives the same
 * spec. Relative names are written as they were given; inputs, which
 * are kept absolute, are written relative to s->dir when below it.
 */
char *specwrite(const struct spec *s);

/*
 * The same with the parameters taken from params (n of them) instead
 * of s->params, setting their line[]. The rest of s must hold what a
 * loaded spec holds, though it need not be valid.
 */
char *specwrite_drafts(const struct spec *s, struct specwrite_param *params,
    size_t n);

/*
 * Appends text as a YAML scalar: plain where it reads back as the same
 * text, else quoted. flow: inside [ ] or { }, where , [ ] { } need
 * quotes too.
 */
struct buf;
void specwrite_scalar(struct buf *, const char *text, int flow);

/* A number as the shortest text that reads back as the same double. */
char *specwrite_number(double, char *buf, size_t len);

#endif
