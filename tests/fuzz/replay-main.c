/*
 * The fuzz targets' main outside libFuzzer: a TAP test that feeds each
 * file named on the command line (a corpus, see run-replay.sh) to the
 * target once. A crash, a leak or a failed check in the target ends the
 * test; a file that cannot be read is a failure.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/xmalloc.h"

#define MAX_INPUT (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char **argv)
{
	const char *name;
	FILE *f;
	char *buf;
	size_t len;
	int i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			printf("not ok %d - %s: cannot open\n", i, argv[i]);
			continue;
		}
		buf = xmalloc(MAX_INPUT);
		len = fread(buf, 1, MAX_INPUT, f);
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		free(buf);
		name = strrchr(argv[i], '/');
		printf("ok %d - %s\n", i, name != NULL ? name + 1 : argv[i]);
	}
	printf("1..%d\n", argc - 1);
	return 0;
}
