/*
 * Templates: text files in which ${NAME} is replaced by a parameter's
 * value (or a WAYFINDER_* variable) when a job is prepared. ${NAME:-text}
 * gives text when NAME is inactive; $${ writes a literal ${.
 */
#ifndef WAYFINDER_TEMPLATE_H
#define WAYFINDER_TEMPLATE_H

#include <stddef.h>

/*
 * Calls ref(name, line, col, has_default, arg) for every reference in
 * text (line and col 1-based). Returns 0, or -1 with *cause set and
 * *line and *col at an unterminated or malformed reference.
 */
int template_scan(const char *text,
    void (*ref)(const char *, int, int, int, void *), void *arg, int *line,
    int *col, char **cause);

/*
 * Renders text, asking value(name, arg) for each reference (NULL when the
 * name has no value, which the default text or "" replaces). Returns a
 * new string; text must have passed template_scan.
 */
char *template_render(const char *text,
    const char *(*value)(const char *, void *), void *arg);

#endif
