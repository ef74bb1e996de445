/*
 * Fuzz target for the daemon's protocol decoder: any bytes, fed in
 * pieces of any size, must give messages or errors, never a crash, a
 * leak or undefined behaviour; every message decoded is checked in both
 * directions and encoded again. Built with -fsanitize=fuzzer it is a
 * libFuzzer target (see .ci/run); otherwise, linked with replay-main.c,
 * a TAP test replaying the files named on its command line
 * (tests/fuzz/proto-corpus).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/proto.h"
#include "../../src/xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct proto_reader r;
	json_t *m, *back;
	json_error_t je;
	size_t off = 0, piece;
	char *why, *line;
	int rc;

	proto_reader_init(&r);
	while (off < len) {
		/* The first byte of each piece says how long it is. */
		piece = 1 + data[off] % 97;
		if (piece > len - off)
			piece = len - off;
		proto_reader_feed(&r, (const char *)data + off, piece);
		off += piece;
		while ((rc = proto_reader_next(&r, &m, &why)) != 0) {
			if (rc < 0) {
				if (why == NULL)
					fatal("an error without a reason");
				free(why);
				continue;
			}
			if (proto_check(m, 1, &why) != 0)
				free(why);
			if (proto_check(m, 0, &why) != 0)
				free(why);
			line = proto_encode(m);
			back = json_loads(line, 0, &je);
			if (back == NULL || !json_equal(back, m))
				fatal("a message does not survive encoding");
			json_decref(back);
			free(line);
			json_decref(m);
		}
	}
	proto_reader_free(&r);
	return 0;
}
