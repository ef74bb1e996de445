/*
 * Unit tests of the space: ids and build keys, power ranges, conditions,
 * exact counts, lazy grid order, uniform sampling (a chi-square test
 * with a fixed seed), neighbours, and the scale of a Linux-sized space.
 */
#include "config.h"

#include <math.h>
#include <time.h>

#include "tap.h"
#include "spec-util.h"
#include "../../src/buf.h"
#include "../../src/idset.h"
#include "../../src/space.h"

static const char base[] =
    "name: t\n"
    "params:\n"
    "  - {name: ALLOC, type: str, values: [buddy, tlsf, region]}\n"
    "  - {name: POOLS, type: bool, if: \"ALLOC == 'tlsf'\"}\n"
    "  - {name: POOLSZ, type: int, min: 4, max: 64, step: 2,"
    " step_mode: power, if: POOLS, default: 16}\n"
    "  - {name: N, type: int, values: [1, 2, 3], when: test}\n"
    "build: {run: 'true'}\n"
    "test: {run: 'true', objective: {metric: wall_ms, direction: minimize}}\n";

static struct config *
cfg_of(const struct space *sp, const char *const *names,
    const char *const *values, size_t n)
{
	char *cause = NULL;
	struct config *c;

	c = space_config_parse(sp, n, names, values, &cause);
	if (c == NULL) {
		diag("config: %s", cause);
		free(cause);
	}
	return c;
}

static void
test_basics(void)
{
	struct spec *s = load_text(base);
	struct space *sp = space_new(s);
	struct space_count size, builds;
	struct config *a, *b, *c, *d;
	char buf[64], *text;
	const struct param *p;
	uint64_t i;
	static const char *const want[] = { "4", "8", "16", "32", "64" };

	p = &s->params[2];
	is_int((long long)p->card, 5, "power range 4..64 x2 has 5 values");
	for (i = 0; i < p->card; i++)
		is_str(spec_value(p, i, buf, sizeof buf), want[i],
		    "power range value");
	is_int(spec_value_index(p, "32"), 3, "index of a power value");
	is_int(spec_value_index(p, "33"), -1, "a non-member has no index");
	is_int((long long)p->def, 2, "default 16 is index 2");

	/* buddy, region: POOLS inactive (2 x 3); tlsf: POOLS false (3) or
	 * true x 5 sizes (15): 6 + 3 + 15 = 24. */
	space_size(sp, &size);
	ok(size.exact && size.fits && size.n == 24,
	    "exact size with conditions: 24 (got %llu)",
	    (unsigned long long)size.n);
	space_builds(sp, &builds);
	ok(builds.exact && builds.n == 8, "distinct builds: 8 (got %llu)",
	    (unsigned long long)builds.n);
	text = space_count_text(&size);
	is_str(text, "24", "size text");
	free(text);

	{
		const char *n1[] = { "ALLOC", "N" }, *v1[] = { "buddy", "1" };
		const char *n2[] = { "ALLOC", "N" }, *v2[] = { "buddy", "2" };
		const char *n3[] = { "ALLOC", "POOLS", "POOLSZ", "N" },
			   *v3[] = { "tlsf", "true", "8", "1" };
		const char *n4[] = { "N", "POOLSZ", "POOLS", "ALLOC" },
			   *v4[] = { "1", "8", "yes", "tlsf" };

		a = cfg_of(sp, n1, v1, 2);
		b = cfg_of(sp, n2, v2, 2);
		c = cfg_of(sp, n3, v3, 4);
		d = cfg_of(sp, n4, v4, 4);
	}
	ok(a && b && c && d, "configurations parse");
	if (!(a && b && c && d))
		return;
	ok(a->id != b->id, "test values change the id");
	ok(a->build == b->build, "but not the build key");
	ok(c->build != a->build, "build values change the build key");
	ok(c->id == d->id, "the id does not depend on order or spelling");
	is_int(a->v[1], -1, "POOLS is inactive for buddy");
	is_int(a->v[2], -1, "and so is POOLSZ, through POOLS");
	{
		/* Values of inactive parameters do not reach the id. */
		struct config *e = space_config_dup(sp, a);

		e->v[2] = 4;
		space_canon(sp, e);
		ok(e->id == a->id && e->v[2] == -1,
		    "canonical form drops inactive values");
		/* Activating gives the default. */
		e->v[0] = 1; /* tlsf */
		e->v[1] = 1; /* true */
		e->v[2] = -1;
		space_canon(sp, e);
		is_int(e->v[2], 2,
		    "a newly active parameter takes its default");
		free(e);
	}
	{
		char hex[17];

		/* Stable across builds and machines: XXH64 of the sorted
		 * "name=value\n" pairs, as from
		 * printf 'ALLOC=buddy\nN=1\n' | xxhsum -H1 */
		is_str(space_id_hex(a->id, hex), "b0d7019e18e3985f",
		    "id of ALLOC=buddy N=1 is stable");
	}
	text = space_config_text(sp, c);
	is_str(text, "ALLOC=tlsf POOLS=true POOLSZ=8 N=1", "config text");
	free(text);
	{
		const char *n5[] = { "ALLOC", "POOLS", "N" },
			   *v5[] = { "buddy", "true", "1" };
		char *cause = NULL;

		ok(space_config_parse(sp, 3, n5, v5, &cause) == NULL &&
			cause != NULL && strstr(cause, "inactive") != NULL,
		    "a value for an inactive parameter is refused");
		free(cause);
	}
	free(a);
	free(b);
	free(c);
	free(d);
	space_free(sp);
	spec_free(s);
}

static void
test_grid(void)
{
	struct spec *s = load_text(base);
	struct space *sp = space_new(s);
	struct space_iter *it;
	struct config *c, *first = NULL;
	struct idset seen = { 0 };
	struct buf order = BUF_INIT;
	char *text;
	int n = 0, dup = 0;

	it = space_iter_new(sp, NULL);
	while ((c = space_iter_next(it)) != NULL) {
		if (!idset_add(&seen, c->id))
			dup++;
		if (n < 4) {
			text = space_config_text(sp, c);
			buf_printf(&order, "%s;", text);
			free(text);
		}
		n++;
		free(c);
	}
	space_iter_free(it);
	is_int(n, 24, "grid gives every configuration");
	is_int(dup, 0, "grid gives each once");
	/* The first parameter varies slowest, the last fastest. */
	is_str(buf_str(&order),
	    "ALLOC=buddy N=1;ALLOC=buddy N=2;ALLOC=buddy "
	    "N=3;ALLOC=tlsf POOLS=false N=1;",
	    "grid order");
	buf_free(&order);
	idset_free(&seen);

	/* Starting in the middle wraps around to cover all. */
	{
		const char *nm[] = { "ALLOC", "POOLS", "POOLSZ", "N" },
			   *vl[] = { "tlsf", "true", "32", "2" };
		char *cause;

		first = space_config_parse(sp, 4, nm, vl, &cause);
	}
	it = space_iter_new(sp, first);
	n = 0;
	while ((c = space_iter_next(it)) != NULL) {
		if (n == 0)
			ok(c->id == first->id,
			    "a started grid begins at start");
		if (!idset_add(&seen, c->id))
			dup++;
		n++;
		free(c);
	}
	space_iter_free(it);
	is_int(n, 24, "a started grid wraps around to every configuration");
	is_int(dup, 0, "without repeats");
	free(first);
	idset_free(&seen);
	space_free(sp);
	spec_free(s);
}

/* Chi-square of uniform sampling over the 24 valid configurations. */
static void
test_uniform(void)
{
	struct spec *s = load_text(base);
	struct space *sp = space_new(s);
	struct space_iter *it;
	struct config *c, **all;
	struct rng r;
	double chi = 0, expect;
	size_t k, n = 0, draws = 48000, counts[24] = { 0 };

	all = calloc(24, sizeof *all);
	it = space_iter_new(sp, NULL);
	while ((c = space_iter_next(it)) != NULL && n < 24)
		all[n++] = c;
	space_iter_free(it);
	ok(space_sampling_exact(sp), "sampling is exactly uniform here");
	rng_seed(&r, 42);
	for (size_t i = 0; i < draws; i++) {
		c = space_sample(sp, &r);
		for (k = 0; k < n; k++)
			if (all[k]->id == c->id)
				break;
		if (k < n)
			counts[k]++;
		free(c);
	}
	expect = (double)draws / 24;
	for (k = 0; k < 24; k++)
		chi += (counts[k] - expect) * (counts[k] - expect) / expect;
	/* 23 degrees of freedom: P(chi2 > 49.7) = 0.001. Naive sampling
	 * (each parameter independently) gives buddy and region 1/3 each,
	 * which puts chi2 in the thousands. */
	ok(chi < 49.7,
	    "chi-square of 48000 samples over 24 configurations "
	    "is %.1f (< 49.7)",
	    chi);
	for (k = 0; k < 24; k++)
		free(all[k]);
	free(all);
	space_free(sp);
	spec_free(s);
}

static void
test_neighbours(void)
{
	struct spec *s = load_text(base);
	struct space *sp = space_new(s);
	struct config *c, **nb;
	size_t n, i;
	char *text;
	int found_pools = 0, found_sz = 0;
	const char *nm[] = { "ALLOC", "POOLS", "POOLSZ", "N" },
		   *vl[] = { "tlsf", "true", "16", "2" };
	char *cause;

	c = space_config_parse(sp, 4, nm, vl, &cause);
	n = space_neighbours(sp, c, &nb);
	/* ALLOC: 2 others; POOLS: 1; POOLSZ: 8 and 32; N: 1 and 3. */
	is_int((long long)n, 7, "neighbours of a configuration");
	for (i = 0; i < n; i++) {
		text = space_config_text(sp, nb[i]);
		if (strcmp(text, "ALLOC=tlsf POOLS=false N=2") == 0)
			found_pools = 1;
		if (strcmp(text, "ALLOC=tlsf POOLS=true POOLSZ=32 N=2") == 0)
			found_sz = 1;
		free(text);
		free(nb[i]);
	}
	free(nb);
	ok(found_pools, "a neighbour switches a condition off");
	ok(found_sz, "a neighbour steps a range");
	free(c);
	space_free(sp);
	spec_free(s);
}

/* 2,500 booleans, a tenth of them conditional, as a Linux Kconfig. */
static void
test_scale(void)
{
	struct buf y = BUF_INIT;
	struct spec *s;
	struct space *sp;
	struct space_count size;
	struct idset seen = { 0 };
	struct config *c;
	struct rng r;
	struct timespec t0, t1;
	double secs;
	int i, distinct = 0;

	buf_adds(&y, "name: kconfig\nparams:\n");
	for (i = 0; i < 2500; i++) {
		buf_printf(&y, "  - {name: CONFIG_%d, type: bool", i);
		if (i % 10 == 9)
			buf_printf(&y, ", if: CONFIG_%d", i - 1);
		buf_adds(&y, "}\n");
	}
	buf_adds(&y,
	    "build: {run: 'true'}\ntest: {run: 'true', objective: "
	    "{metric: wall_ms, direction: minimize}}\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = load_text(buf_str(&y));
	sp = space_new(s);
	rng_seed(&r, 7);
	for (i = 0; i < 1000; i++) {
		c = space_sample(sp, &r);
		distinct += idset_add(&seen, c->id);
		free(c);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs =
	    (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	is_int(distinct, 1000, "1000 distinct samples of 2,500 booleans");
	/* Reported, not asserted: timings belong to tests/bench. */
	diag("load + 1000 samples took %.3f s", secs);
	space_size(sp, &size);
	/* Each of 250 pairs (A, B if A) has 3 valid states: 3^250 * 2^2000. */
	ok(!size.fits && fabs(size.log2 - (250 * log2(3) + 2000)) < 1e-6,
	    "size of the conditional space is 2^%.2f", size.log2);
	idset_free(&seen);
	space_free(sp);
	spec_free(s);
	buf_free(&y);
}

int
main(void)
{
	test_basics();
	test_grid();
	test_uniform();
	test_neighbours();
	test_scale();
	cleanup_dir();
	return done_testing();
}
