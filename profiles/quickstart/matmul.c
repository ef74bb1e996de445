/*
 * matmul.c -- the benchmark of Wayfinder's quickstart profile.
 *
 * Multiplies two N x N matrices of doubles, C = A * B, with a cache-blocked
 * (tiled) loop nest and reports the throughput in MFLOPS.  It exists to give
 * Wayfinder a small, real experiment that needs nothing but a C compiler:
 *
 *   build stage  TILE (block edge) and UNROLL (unroll the k loop by 4) come
 *                from the config.h that Wayfinder generates; the optimisation
 *                level and -march=native come from the compiler command line
 *                (see build.sh).
 *   test stage   the loop order inside a tile (ijk, ikj, jik or kij) is the
 *                first command-line argument.
 *
 * The matrices hold small integers, so every partial sum is exact in double
 * precision whatever the summation order.  After every multiplication the
 * result is checked against weighted checksums computed independently in
 * O(N^2) integer arithmetic; the program exits non-zero if it is wrong.
 *
 * Usage: matmul ORDER [MIN_SECONDS]
 *   Multiplies repeatedly until MIN_SECONDS (default 0.25) of multiplication
 *   time have accumulated, then prints one line ending in "MFLOPS: <rate>",
 *   the rate of the median multiplication.
 */
#define _POSIX_C_SOURCE 199309L

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef MATRIX_N
#define MATRIX_N 512
#endif
#define N MATRIX_N

/* At most this many multiplications per run, whatever MIN_SECONDS says. */
#define MAX_REPS 100000

#ifndef TILE
#error "TILE must be defined by config.h"
#endif
#if TILE < 4 || TILE > N || N % TILE != 0 || TILE % 4 != 0
#error "TILE must be a multiple of 4 that divides MATRIX_N"
#endif

#ifdef UNROLL
#define UNROLL_ON 1
#else
#define UNROLL_ON 0
#endif

static double A[N][N] __attribute__((aligned(64)));
static double B[N][N] __attribute__((aligned(64)));
static double C[N][N] __attribute__((aligned(64)));

/* Small integer entries in [-6, 6] and [-4, 4]: |C[i][j]| <= 24 * N. */
static int
a_val(int i, int k)
{
	return (i * 7 + k * 3) % 13 - 6;
}

static int
b_val(int k, int j)
{
	return (k * 5 + j * 11) % 9 - 4;
}

/* Weights of the second checksum (see verify). */
static int64_t
w_row(int i)
{
	return i % 7 + 1;
}

static int64_t
w_col(int j)
{
	return j % 5 + 1;
}

static void
init(void)
{
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			A[i][j] = a_val(i, j);
			B[i][j] = b_val(i, j);
		}
}

/*
 * The kernels.  The tile loops are always ii, kk, jj; the loop order names
 * the order of the element loops inside a tile.  With UNROLL the k loop is
 * unrolled by 4: in ijk and jik, where k is innermost, into four independent
 * partial sums (dot); in ikj and kij, where j is innermost, by fusing four
 * rows of B into one sweep over j (axpy, an unroll-and-jam).
 */
#define KSTEP (UNROLL_ON ? 4 : 1)

/* C[i][j] += A[i][k] * B[k][j] summed over the k of the tile at kk. */
static inline void
dot(int i, int j, int kk)
{
#if UNROLL_ON
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	for (int k = kk; k < kk + TILE; k += 4) {
		s0 += A[i][k] * B[k][j];
		s1 += A[i][k + 1] * B[k + 1][j];
		s2 += A[i][k + 2] * B[k + 2][j];
		s3 += A[i][k + 3] * B[k + 3][j];
	}
	C[i][j] += (s0 + s1) + (s2 + s3);
#else
	double s = C[i][j];
	for (int k = kk; k < kk + TILE; k++)
		s += A[i][k] * B[k][j];
	C[i][j] = s;
#endif
}

/* C[i][j] += A[i][k] * B[k][j] for the j of the tile at jj and the KSTEP
 * values of k from k. */
static inline void
axpy(int i, int k, int jj)
{
#if UNROLL_ON
	const double a0 = A[i][k], a1 = A[i][k + 1];
	const double a2 = A[i][k + 2], a3 = A[i][k + 3];
	for (int j = jj; j < jj + TILE; j++)
		C[i][j] += (a0 * B[k][j] + a1 * B[k + 1][j]) +
		    (a2 * B[k + 2][j] + a3 * B[k + 3][j]);
#else
	const double a = A[i][k];
	for (int j = jj; j < jj + TILE; j++)
		C[i][j] += a * B[k][j];
#endif
}

static void
mm_ijk(void)
{
	for (int ii = 0; ii < N; ii += TILE)
		for (int kk = 0; kk < N; kk += TILE)
			for (int jj = 0; jj < N; jj += TILE)
				for (int i = ii; i < ii + TILE; i++)
					for (int j = jj; j < jj + TILE; j++)
						dot(i, j, kk);
}

static void
mm_jik(void)
{
	for (int ii = 0; ii < N; ii += TILE)
		for (int kk = 0; kk < N; kk += TILE)
			for (int jj = 0; jj < N; jj += TILE)
				for (int j = jj; j < jj + TILE; j++)
					for (int i = ii; i < ii + TILE; i++)
						dot(i, j, kk);
}

static void
mm_ikj(void)
{
	for (int ii = 0; ii < N; ii += TILE)
		for (int kk = 0; kk < N; kk += TILE)
			for (int jj = 0; jj < N; jj += TILE)
				for (int i = ii; i < ii + TILE; i++)
					for (int k = kk; k < kk + TILE;
					     k += KSTEP)
						axpy(i, k, jj);
}

static void
mm_kij(void)
{
	for (int ii = 0; ii < N; ii += TILE)
		for (int kk = 0; kk < N; kk += TILE)
			for (int jj = 0; jj < N; jj += TILE)
				for (int k = kk; k < kk + TILE; k += KSTEP)
					for (int i = ii; i < ii + TILE; i++)
						axpy(i, k, jj);
}

struct order {
	const char *name;
	void (*fn)(void);
};

static const struct order orders[] = {
	{ "ijk", mm_ijk },
	{ "ikj", mm_ikj },
	{ "jik", mm_jik },
	{ "kij", mm_kij },
};

/*
 * Weighted checksums sum_ij w_i C_ij v_j, for w = v = 1 and for the weights
 * w_row, w_col.  The expected values are sum_k (w^T A)_k (B v)_k, computed
 * once in exact integer arithmetic without multiplying the matrices.
 */
static int64_t expected[2];

static int64_t
weight(int pass, int64_t w)
{
	return pass ? w : 1;
}

static void
init_checksums(void)
{
	for (int pass = 0; pass < 2; pass++) {
		int64_t sum = 0;
		for (int k = 0; k < N; k++) {
			int64_t wa = 0, bv = 0;
			for (int i = 0; i < N; i++)
				wa += weight(pass, w_row(i)) * a_val(i, k);
			for (int j = 0; j < N; j++)
				bv += weight(pass, w_col(j)) * b_val(k, j);
			sum += wa * bv;
		}
		expected[pass] = sum;
	}
}

/* Returns 1 if C holds integers whose checksums are the expected ones. */
static int
verify(void)
{
	int64_t got[2] = { 0, 0 };
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			const double c = C[i][j];
			if (!(c > -1e15 && c < 1e15))
				return 0;
			const int64_t ci = (int64_t)c;
			if ((double)ci != c)
				return 0;
			got[0] += ci;
			got[1] += w_row(i) * w_col(j) * ci;
		}
	return got[0] == expected[0] && got[1] == expected[1];
}

static int
cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s ijk|ikj|jik|kij [MIN_SECONDS]\n",
		    argv[0]);
		return 2;
	}

	const struct order *ord = NULL;
	for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++)
		if (strcmp(argv[1], orders[o].name) == 0)
			ord = &orders[o];
	if (ord == NULL) {
		fprintf(stderr, "matmul: unknown loop order '%s'\n", argv[1]);
		return 2;
	}

	double min_seconds = 0.25;
	if (argc == 3) {
		char *end;
		errno = 0;
		min_seconds = strtod(argv[2], &end);
		if (errno != 0 || end == argv[2] || *end != '\0' ||
		    !(min_seconds >= 0 && min_seconds <= 60)) {
			fprintf(stderr, "matmul: bad MIN_SECONDS '%s'\n",
			    argv[2]);
			return 2;
		}
	}

	init();
	init_checksums();
	static double times[MAX_REPS];
	double elapsed = 0;
	int reps = 0;
	do {
		memset(C, 0, sizeof C);
		const double t0 = now();
		ord->fn();
		times[reps] = now() - t0;
		elapsed += times[reps++];
		if (!verify()) {
			fprintf(stderr,
			    "matmul: WRONG RESULT (order %s, tile %d)\n",
			    ord->name, TILE);
			return 1;
		}
	} while (elapsed < min_seconds && reps < MAX_REPS);

	/* The median time of one multiplication: robust against the odd
	 * slow repetition when something else shares the machine. */
	qsort(times, (size_t)reps, sizeof times[0], cmp_double);
	const double t = reps % 2 ? times[reps / 2] :
				    (times[reps / 2 - 1] + times[reps / 2]) / 2;
	printf("matmul n=%d order=%s tile=%d unroll=%d reps=%d time=%.3fs "
	       "MFLOPS: %.1f\n",
	    N, ord->name, TILE, UNROLL_ON, reps, elapsed,
	    2.0 * N * N * (double)N / t / 1e6);
	return 0;
}
