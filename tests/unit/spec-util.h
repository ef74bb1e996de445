/*
 * Test helper: load a spec from YAML text written to a private
 * temporary directory.
 */
#ifndef WAYFINDER_SPEC_UTIL_H
#define WAYFINDER_SPEC_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../src/diag.h"
#include "../../src/spec.h"

static char spec_util_dir[] = "/tmp/wayfinder-test-XXXXXX";
static int spec_util_made; /* spec_util_dir exists */

/* Writes text to NAME in the test's directory; returns the path (static
 * storage, overwritten by the next call). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	/* Once: the name mkdtemp makes may well end in an X itself. */
	if (!spec_util_made++ && mkdtemp(spec_util_dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	snprintf(path, sizeof path, "%s/%s", spec_util_dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) < 0 ||
	    fclose(f) != 0) {
		perror(path);
		exit(99);
	}
	return path;
}

/* Loads a spec from text; prints its errors and exits 99 if it fails. */
static struct spec *
load_text(const char *text)
{
	struct diags d = { NULL, 0, 0 };
	struct spec *s;

	s = spec_load(write_file("spec.yaml", text), &d);
	if (s == NULL) {
		diag_print(&d, stdout);
		printf("Bail out! a test spec did not load\n");
		exit(99);
	}
	diag_free(&d);
	return s;
}

static void __attribute__((unused)) cleanup_dir(void)
{
	char cmd[600];

	if (spec_util_made) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", spec_util_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", spec_util_dir);
	}
}

#endif
