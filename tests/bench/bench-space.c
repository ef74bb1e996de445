/*
 * Benchmark of the space at Linux Kconfig scale: a spec of 2,500 boolean
 * parameters (a tenth conditional) is loaded, checked and turned into a
 * space, then 1,000 distinct configurations are sampled. The peer is
 * libyaml alone loading the same file, the floor under any strict loader.
 * Prints figures; asserts nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "../../src/buf.h"
#include "../../src/diag.h"
#include "../../src/idset.h"
#include "../../src/space.h"
#include "../../src/spec.h"

#define NPARAMS 2500
#define NSAMPLES 1000
#define ROUNDS 5

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return v[n / 2];
}

int
main(void)
{
	char path[] = "/tmp/wayfinder-bench-XXXXXX";
	struct buf y = BUF_INIT;
	double t_yaml[ROUNDS], t_load[ROUNDS], t_sample[ROUNDS], t0;
	struct diags d = { NULL, 0, 0 };
	struct idset seen = { 0 };
	struct spec *s;
	struct space *sp;
	struct config *c;
	struct rng r;
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f;
	int fd, i, k, distinct = 0;

	buf_adds(&y, "name: kconfig\nparams:\n");
	for (i = 0; i < NPARAMS; i++) {
		buf_printf(&y, "  - {name: CONFIG_OPTION_%d, type: bool", i);
		if (i % 10 == 9)
			buf_printf(&y, ", if: CONFIG_OPTION_%d", i - 1);
		buf_adds(&y, "}\n");
	}
	buf_adds(&y,
	    "build: {run: 'true'}\ntest: {run: 'true', objective: "
	    "{metric: wall_ms, direction: minimize}}\n");
	if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL ||
	    fputs(buf_str(&y), f) < 0 || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	for (k = 0; k < ROUNDS; k++) {
		/* The peer: libyaml's document loader alone. */
		t0 = now();
		f = fopen(path, "r");
		yaml_parser_initialize(&parser);
		yaml_parser_set_input_file(&parser, f);
		if (!yaml_parser_load(&parser, &doc))
			return 1;
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		fclose(f);
		t_yaml[k] = now() - t0;

		t0 = now();
		if ((s = spec_load(path, &d)) == NULL) {
			diag_print(&d, stderr);
			return 1;
		}
		sp = space_new(s);
		t_load[k] = now() - t0;

		t0 = now();
		rng_seed(&r, (uint64_t)k);
		for (i = distinct = 0; i < NSAMPLES; i++) {
			c = space_sample(sp, &r);
			distinct += idset_add(&seen, c->id);
			free(c);
		}
		t_sample[k] = now() - t0;
		idset_free(&seen);
		space_free(sp);
		spec_free(s);
	}
	unlink(path);
	buf_free(&y);
	printf("space: %d boolean parameters (%d conditional), median of %d "
	       "rounds\n",
	    NPARAMS, NPARAMS / 10, ROUNDS);
	printf("  libyaml load alone (peer)        %8.1f ms\n",
	    median(t_yaml, ROUNDS) * 1e3);
	printf("  spec load + checks + space       %8.1f ms  (%.1fx the "
	       "peer)\n",
	    median(t_load, ROUNDS) * 1e3,
	    median(t_load, ROUNDS) / median(t_yaml, ROUNDS));
	printf("  %d samples (%d distinct)      %8.1f ms\n", NSAMPLES, distinct,
	    median(t_sample, ROUNDS) * 1e3);
	printf("  validate + sample, total         %8.1f ms  (target: well "
	       "under 1000 ms)\n",
	    (median(t_load, ROUNDS) + median(t_sample, ROUNDS)) * 1e3);
	return 0;
}
