/*
 * bench.c -- the benchmark of Wayfinder's isolation profile.
 *
 * A small memory benchmark whose result depends on what else the machine
 * is doing: it is run as the test of isolation.yaml, several trials at
 * once when the isolation level allows it, so that the trials are each
 * other's noisy neighbours (see README.md).
 *
 * Usage: bench KERNEL SIZE_KB SECONDS
 *
 *   chase  A random pointer chase over SIZE_KB KiB: every 64-byte line of
 *          the buffer holds a pointer to the next line of one random
 *          cycle through all of them, so each load depends on the one
 *          before and costs the latency of wherever the line is (L2, the
 *          shared L3 or DRAM).  A neighbour that fills the shared cache or
 *          loads the memory controller makes it slower.
 *   copy   memcpy(3) between two halves of SIZE_KB KiB, back and forth:
 *          bandwidth-bound once the buffers leave the private caches, so a
 *          neighbour that streams through memory takes its share.
 *
 * After one untimed pass (which faults the pages in, warms the caches
 * and, for chase, checks that the cycle visits every line exactly once)
 * the kernel runs until SECONDS have passed and prints
 *
 *   chase 65536 KiB: 1982464 lines in 0.302 s, ns_per_line 152.2240
 *
 * ns_per_line is the time per 64-byte line: per dependent load for chase,
 * per line copied (read and written) for copy, whose rate in GB/s is
 * 64 / ns_per_line.  Lower is better for both.  The buffer is asked for
 * transparent huge pages, so that TLB misses do not hide the caches.  Exit
 * status 1 on a bad argument or a failed check, with a message on stderr.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define LINE 64
#define HUGE_PAGE (2u << 20)
#define CHUNK 16384 /* chase steps between two looks at the clock */

static void
die(const char *msg)
{
	fprintf(stderr, "bench: %s\n", msg);
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime failed");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64: a fixed seed, so every run chases the same cycle. */
static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A buffer of size bytes on 2 MiB boundaries, asked for huge pages. */
static char *
buffer(size_t size)
{
	size_t len = size + HUGE_PAGE;
	char *p;
	uintptr_t a;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		die("out of memory");
	a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	(void)madvise((void *)a, size, MADV_HUGEPAGE); /* a hint only */
	return (char *)a;
}

/*
 * Links the n lines of buf into one random cycle (Sattolo's algorithm
 * gives a single cycle through all of them) and returns its start.
 */
static void *
make_cycle(char *buf, size_t n)
{
	size_t *order, i, j, t;
	uint64_t s = 0x9e3779b97f4a7c15u;

	if ((order = malloc(n * sizeof *order)) == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = (size_t)(next_random(&s) % i);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++)
		*(void **)(buf + order[i] * LINE) =
		    buf + order[(i + 1) % n] * LINE;
	t = order[0];
	free(order);
	return buf + t * LINE;
}

static double
chase(char *buf, size_t size, double seconds, double *lines)
{
	size_t n = size / LINE, i;
	void *start = make_cycle(buf, n), *p = start;
	double t0, t, count = 0;

	/* The untimed pass: n steps must lead back to the start, and no
	 * fewer. */
	for (i = 0; i < n; i++) {
		p = *(void **)p;
		if (p == start && i != n - 1)
			die("chase: the cycle is shorter than the buffer");
	}
	if (p != start)
		die("chase: the cycle does not come back to its start");

	t0 = now();
	do {
		for (i = 0; i < CHUNK; i++)
			p = *(void *volatile *)p;
		count += CHUNK;
		t = now();
	} while (t - t0 < seconds);
	if (p == NULL)
		die("chase: lost the cycle");
	*lines = count;
	return t - t0;
}

static double
copy(char *buf, size_t size, double seconds, double *lines)
{
	size_t half = size / 2;
	char *a = buf, *b = buf + half;
	double t0, t, count = 0;
	size_t i;

	for (i = 0; i < half; i++)
		a[i] = (char)(i * 7 + 1);
	memcpy(b, a, half); /* the untimed pass */
	t0 = now();
	do {
		memcpy(b, a, half);
		memcpy(a, b, half);
		count += 2.0 * (double)(half / LINE);
		t = now();
	} while (t - t0 < seconds);
	/* The data went back and forth unchanged. */
	for (i = 0; i < half; i += 4093)
		if (a[i] != (char)(i * 7 + 1) || b[i] != a[i])
			die("copy: the data changed");
	*lines = count;
	return t - t0;
}

int
main(int argc, char **argv)
{
	const char *kernel;
	char *end, *buf;
	unsigned long long kb;
	double seconds, elapsed, lines = 0;
	size_t size;

	if (argc != 4)
		die("usage: bench chase|copy SIZE_KB SECONDS");
	kernel = argv[1];
	errno = 0;
	kb = strtoull(argv[2], &end, 10);
	if (errno != 0 || end == argv[2] || *end != '\0' || kb < 8 ||
	    kb > (1ull << 24))
		die("SIZE_KB must be a number of KiB from 8 to 16777216");
	errno = 0;
	seconds = strtod(argv[3], &end);
	if (errno != 0 || end == argv[3] || *end != '\0' || !(seconds > 0) ||
	    seconds > 3600)
		die("SECONDS must be a number above 0 and at most 3600");
	size = (size_t)kb * 1024;
	buf = buffer(size);
	if (strcmp(kernel, "chase") == 0)
		elapsed = chase(buf, size, seconds, &lines);
	else if (strcmp(kernel, "copy") == 0)
		elapsed = copy(buf, size, seconds, &lines);
	else
		die("KERNEL must be chase or copy");
	printf("%s %llu KiB: %.0f lines in %.3f s, ns_per_line %.4f\n", kernel,
	    kb, lines, elapsed, elapsed * 1e9 / lines);
	return 0;
}
