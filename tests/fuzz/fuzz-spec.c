/*
 * Fuzz target for the spec loader: any bytes must give a spec or
 * diagnostics, never a crash, a leak or undefined behaviour. Built with
 * -fsanitize=fuzzer it is a libFuzzer target (see .ci/run); otherwise,
 * linked with replay-main.c, a TAP test that replays the files named on
 * its command line (the malformed-spec suite and the crashers kept in
 * tests/fuzz/corpus).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/diag.h"
#include "../../src/space.h"
#include "../../src/spec.h"
#include "../../src/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct diags d = { NULL, 0, 0 };
	struct spec *s;
	struct space *sp;
	struct config *c;
	struct rng r;
	size_t i;

	/* Relative to a directory without scripts: file checks fail. */
	s = spec_parse("/nonexistent/fuzz.yaml", (const char *)data, len, &d);
	if (s != NULL) {
		/* A spec that loads must give a usable space. */
		sp = space_new(s);
		rng_seed(&r, 1);
		for (i = 0; i < 4; i++) {
			c = space_sample(sp, &r);
			free(c);
		}
		space_free(sp);
		spec_free(s);
	} else if (d.nerrors == 0)
		fatal("a spec failed to load without an error");
	diag_free(&d);
	return 0;
}
