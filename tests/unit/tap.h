/*
 * A minimal TAP producer for the unit tests: each test program is one
 * process that prints "ok N - name" or "not ok N - name" per check and
 * the plan at the end; automake's tap-driver reads it.
 */
#ifndef WAYFINDER_TAP_H
#define WAYFINDER_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static void
tap_vok(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

/* Records one check; returns cond so callers can add diagnostics. */
static int
ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

/* A diagnostic line (shown by the driver, ignored by the count). */
static void
diag(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));

static void
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int __attribute__((unused))
is_str(const char *got, const char *want, const char *name)
{
	int cond = got != NULL && want != NULL && strcmp(got, want) == 0;

	if (!ok(cond, "%s", name))
		diag("got '%s', want '%s'", got != NULL ? got : "(null)",
		    want != NULL ? want : "(null)");
	return cond;
}

static int __attribute__((unused))
is_int(long long got, long long want, const char *name)
{
	if (!ok(got == want, "%s", name))
		diag("got %lld, want %lld", got, want);
	return got == want;
}

/* Prints the plan; the exit status is non-zero if any check failed. */
static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed > 0;
}

#endif
