/*
 * Allocation that never fails silently: every function here either
 * returns memory or ends the process with a message (house rule 4).
 */
#ifndef WAYFINDER_XMALLOC_H
#define WAYFINDER_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
/* Resizes to nmemb * size, aborting on overflow as well as on failure. */
void *xreallocarray(void *, size_t nmemb, size_t size);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
/* Formats into a new string the caller frees. */
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));
/* Replaces the string *dst (freed) by a formatted one; nothing when dst
 * is NULL, for a caller that does not want the text. */
void xsetf(char **dst, const char *, ...) __attribute__((format(printf, 2, 3)));

/*
 * Called before any fatal exit so a client can restore the terminal;
 * NULL (the default) does nothing.
 */
void xmalloc_set_fatal_hook(void (*)(void));
/* An impossible state: prints the message and aborts. */
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
