/*
 * Unit tests of placement and queueing: table-driven cases on the
 * machines that matter (a 2 x 8 x 2 server with an L3 per package, an
 * EPYC-like package of 8 L3 domains, 4 cores without hyperthreads, this
 * 2-CPU VM), then a property test: random request streams on random
 * topologies, with the isolation rules checked independently after
 * every step and every job run in the end.
 */
#include "config.h"

#include "tap.h"
#include "../../src/buf.h"
#include "../../src/rng.h"
#include "../../src/sched.h"
#include "../../src/topo.h"

#define SERVER "synthetic:pack:2 l3:1 core:8 pu:2"
#define EPYC "synthetic:pack:1 l3:8 core:4 pu:2"
#define NOHT "synthetic:pack:1 core:4 pu:1"
#define VM "synthetic:pack:1 l3:1 core:2 pu:1"

static struct topo *
load(const char *which, const char *reserve)
{
	struct topo *t;
	char *cause = NULL;

	if (topo_load(which, &t, &cause) != 0 ||
	    topo_restrict(t, NULL, reserve, &cause) != 0) {
		printf("Bail out! %s: %s\n", which, cause);
		exit(99);
	}
	return t;
}

static enum isolation
level(const char *s)
{
	int i;

	for (i = ISO_NONE; i <= ISO_FULL; i++)
		if (strcmp(spec_isolation_name((enum isolation)i), s) == 0)
			return (enum isolation)i;
	printf("Bail out! bad level %s\n", s);
	exit(99);
}

/*
 * Runs a script of steps on a topology: "+ID N LEVEL => PUS" places and
 * commits a job, expecting those OS PUs (or "wait"); "-ID" releases.
 */
static void
script(const char *name, const char *which, const char *const *steps)
{
	struct topo *t = load(which, "");
	struct sched *s = sched_new(t);
	int pus[SCHED_MAX_PUS], id, rc;
	char lv[16], want[128], got[256];
	size_t n, k;

	for (; *steps != NULL; steps++) {
		if (**steps == '-') {
			sched_release(s, atoi(*steps + 1));
			continue;
		}
		if (sscanf(*steps, "+%d %zu %15s => %127[^\n]", &id, &n, lv,
			want) != 4) {
			printf("Bail out! bad step %s\n", *steps);
			exit(99);
		}
		rc = sched_place(s, n, level(lv), pus);
		if (rc != 0)
			snprintf(got, sizeof got, "wait");
		else {
			got[0] = '\0';
			for (k = 0; k < n; k++)
				snprintf(got + strlen(got),
				    sizeof got - strlen(got), "%s%d",
				    k > 0 ? "," : "", t->pus[pus[k]].os);
			sched_commit(s, id, pus, n, level(lv), 0);
		}
		if (!ok(strcmp(got, want) == 0, "%s: %s", name, *steps))
			diag("got %s", got);
	}
	sched_free(s);
	topo_free(t);
}

static void
capacity(const char *name, const char *which, size_t n, const size_t want[5])
{
	struct topo *t = load(which, "");
	struct sched *s = sched_new(t);
	int l;

	for (l = ISO_NONE; l <= ISO_FULL; l++)
		is_int((long long)sched_capacity(s, n, (enum isolation)l),
		    (long long)want[l], name);
	sched_free(s);
	topo_free(t);
}

static void
tables(void)
{
	static const char *const server[] = {
		/* none fills a partly used core first. */
		"+1 1 none => 0",
		"+2 1 none => 1",
		/* core takes a whole core; its sibling stays idle. */
		"+3 1 core => 2",
		"+4 1 none => 4",
		/* cache: package 0's L3 is in use, so package 1. */
		"+5 1 cache => 16",
		"+6 1 socket => wait",
		"+7 1 full => wait",
		/* nothing may join package 1 now. */
		"+8 1 none => 5",
		"-5",
		/* a cache job of 2 spreads over cores. */
		"+9 2 cache => 16,18",
		"-9",
		"+10 2 socket => 16,18",
		"-1",
		"-2",
		"-3",
		"-4",
		"-8",
		"-10",
		"+11 4 full => 0,2,4,6",
		"+12 1 none => wait",
		"-11",
		/* core of 3 PUs: fewest cores, in order. */
		"+13 3 core => 0,1,2",
		"+14 1 none => 4",
		NULL,
	};
	static const char *const epyc[] = {
		"+1 1 cache => 0",
		"+2 1 cache => 8",
		"+3 1 none => 16",
		"+4 1 none => 17",
		/* the L3 domains of jobs 1 to 3 are taken */
		"+5 1 cache => 24",
		"+6 1 socket => wait",
		"+7 4 cache => 32,34,36,38",
		"+8 8 cache => 40,42,44,46,41,43,45,47",
		NULL,
	};
	static const char *const noht[] = {
		"+1 1 core => 0",
		"+2 1 core => 1",
		"+3 1 none => 2",
		"+4 2 core => wait",
		"+5 1 cache => wait",
		"-1",
		"-2",
		"-3",
		"+6 1 cache => 0",
		"+7 1 none => wait",
		NULL,
	};
	static const char *const vm[] = {
		/* two core jobs on this VM never share a CPU */
		"+1 1 core => 0",
		"+2 1 core => 1",
		"+3 1 core => wait",
		"-1",
		"+4 1 cache => wait",
		"-2",
		"+5 2 none => 0,1",
		"-5",
		"+6 1 full => 0",
		"+7 1 none => wait",
		NULL,
	};
	static const size_t cap_server[] = { 32, 16, 2, 2, 1 };
	static const size_t cap_server2[] = { 16, 16, 2, 2, 1 };
	static const size_t cap_epyc[] = { 64, 32, 8, 1, 1 };
	static const size_t cap_noht[] = { 4, 4, 1, 1, 1 };
	static const size_t cap_vm[] = { 2, 2, 1, 1, 1 };

	script("2x8x2 server", SERVER, server);
	script("EPYC 8 L3", EPYC, epyc);
	script("4 cores, no SMT", NOHT, noht);
	script("2-CPU VM", VM, vm);
	capacity("capacity 2x8x2, 1 PU", SERVER, 1, cap_server);
	capacity("capacity 2x8x2, 2 PUs", SERVER, 2, cap_server2);
	capacity("capacity EPYC", EPYC, 1, cap_epyc);
	capacity("capacity 4 cores", NOHT, 1, cap_noht);
	capacity("capacity VM", VM, 1, cap_vm);
}

static void
reservations(void)
{
	struct topo *t = load(SERVER, "");
	struct sched *s = sched_new(t);
	struct sched_req r[4];
	struct sched_grant g[4];
	int pus[SCHED_MAX_PUS];
	size_t n;

	/* A none job runs; a full job waits at the head; the none jobs
	 * behind it may not start, or the full job would starve. */
	sched_place(s, 1, ISO_NONE, pus);
	sched_commit(s, 1, pus, 1, ISO_NONE, 10);
	r[0] = (struct sched_req){ 2, 1, ISO_FULL, 5 };
	r[1] = (struct sched_req){ 3, 1, ISO_NONE, 5 };
	r[2] = (struct sched_req){ 4, 1, ISO_NONE, 5 };
	n = sched_pick(s, r, 3, 0, g);
	is_int((long long)n, 0, "a waiting full job holds back the rest");
	sched_release(s, 1);
	n = sched_pick(s, r, 3, 10, g);
	ok(n == 1 && g[0].req == 0, "the full job starts first when free");
	sched_release(s, 2);
	n = sched_pick(s, r + 1, 2, 20, g);
	is_int((long long)n, 2, "then the others");
	sched_free(s);

	/* A socket job waits: a cache job holds package 0 until t = 100,
	 * a none job sits in package 1 until t = 1000. It reserves package
	 * 0; a small job may backfill into package 1, not into package 0. */
	s = sched_new(t);
	sched_place(s, 1, ISO_CACHE, pus);
	sched_commit(s, 1, pus, 1, ISO_CACHE, 100);
	pus[0] = topo_pu_index(t, 16);
	sched_commit(s, 2, pus, 1, ISO_NONE, 1000);
	r[0] = (struct sched_req){ 3, 1, ISO_SOCKET, 5 };
	r[1] = (struct sched_req){ 4, 1, ISO_NONE, 5 };
	r[2] = (struct sched_req){ 5, 1, ISO_CACHE, 5 };
	n = sched_pick(s, r, 3, 0, g);
	ok(n == 1 && g[0].req == 1 && t->pus[g[0].pus[0]].pkg == 1,
	    "backfill outside the reservation (package 1)");
	sched_release(s, 1);
	n = sched_pick(s, r, 1, 100, g);
	ok(n == 1 && t->pus[g[0].pus[0]].pkg == 0,
	    "the socket job gets its reserved package");
	sched_free(s);
	topo_free(t);
}

/* Independent check of the rules: every running job's zone holds no
 * other job's PU. */
struct run {
	int id;
	int pus[SCHED_MAX_PUS];
	size_t n;
	enum isolation l;
};

static int
same_domain(const struct topo *t, int a, int b, enum isolation l)
{
	switch (l) {
	case ISO_NONE:
		return a == b;
	case ISO_CORE:
		return t->pus[a].core == t->pus[b].core;
	case ISO_CACHE:
		return t->pus[a].llc == t->pus[b].llc;
	case ISO_SOCKET:
		return t->pus[a].pkg == t->pus[b].pkg;
	default:
		return 1;
	}
}

static int
rules_hold(const struct topo *t, const struct run *r, size_t n, char *why,
    size_t len)
{
	size_t i, j, a, b;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			if (i == j)
				continue;
			for (a = 0; a < r[i].n; a++)
				for (b = 0; b < r[j].n; b++) {
					if (r[i].pus[a] == r[j].pus[b] ||
					    same_domain(t, r[i].pus[a],
						r[j].pus[b], r[i].l)) {
						snprintf(why, len,
						    "job %d (%s) and job %d "
						    "share PU %d/%d",
						    r[i].id,
						    spec_isolation_name(r[i].l),
						    r[j].id, r[i].pus[a],
						    r[j].pus[b]);
						return 0;
					}
				}
		}
	return 1;
}

static void
property(void)
{
	static const char *const shapes[] = { "pack:%d l3:%d core:%d pu:%d" };
	struct rng rg;
	int round, broken = 0, starved = 0, total = 0, overbooked = 0;
	char why[256] = "";

	rng_seed(&rg, 2026);
	for (round = 0; round < 60; round++) {
		char desc[128], which[160], reserve[64] = "";
		struct topo *t;
		struct sched *s;
		struct sched_req *q;
		struct sched_grant *g;
		struct run run[256];
		size_t nrun = 0, nq = 0, i, k, ng, steps = 0, cap;
		int next_id = 1, stream;

		snprintf(desc, sizeof desc, shapes[0],
		    1 + (int)rng_below(&rg, 2), 1 + (int)rng_below(&rg, 4),
		    1 + (int)rng_below(&rg, 6), 1 + (int)rng_below(&rg, 2));
		snprintf(which, sizeof which, "synthetic:%s", desc);
		if (rng_below(&rg, 3) == 0)
			snprintf(reserve, sizeof reserve, "%d",
			    (int)rng_below(&rg, 2));
		t = load(which, reserve);
		s = sched_new(t);
		cap = t->nusable < 4 ? t->nusable : 4;
		stream = 20 + (int)rng_below(&rg, 40);
		q = calloc((size_t)stream + 1, sizeof *q);
		g = calloc((size_t)stream + 1, sizeof *g);
		/* Requests arrive while jobs end in random order. */
		while ((next_id <= stream || nq > 0 || nrun > 0) &&
		    steps < 10000) {
			steps++;
			if (next_id <= stream && rng_below(&rg, 2) == 0) {
				q[nq].id = next_id++;
				q[nq].n = 1 + rng_below(&rg, cap);
				q[nq].level = (enum isolation)rng_below(&rg, 5);
				q[nq].estimate = 1 + (double)rng_below(&rg, 9);
				if (!sched_possible(s, q[nq].n, q[nq].level))
					continue; /* refused up front */
				nq++;
				total++;
			}
			ng = sched_pick(s, q, nq, (double)steps, g);
			for (i = 0; i < ng; i++) {
				struct run *r = &run[nrun++];

				r->id = q[g[i].req].id;
				r->n = q[g[i].req].n;
				r->l = q[g[i].req].level;
				memcpy(r->pus, g[i].pus, r->n * sizeof(int));
			}
			/* Drop the granted requests, keeping the order. */
			for (i = k = 0; i < nq; i++) {
				size_t j;

				for (j = 0; j < ng; j++)
					if (g[j].req == i)
						break;
				if (j == ng)
					q[k++] = q[i];
			}
			nq = k;
			if (!broken &&
			    !rules_hold(t, run, nrun, why, sizeof why))
				broken = 1;
			if (nrun > t->nusable)
				overbooked = 1;
			if (nrun > 0 &&
			    (rng_below(&rg, 2) == 0 || next_id > stream)) {
				i = rng_below(&rg, nrun);
				sched_release(s, run[i].id);
				run[i] = run[--nrun];
			}
		}
		if (nq > 0 || nrun > 0)
			starved++;
		free(q);
		free(g);
		sched_free(s);
		topo_free(t);
	}
	if (!ok(!broken,
		"random streams on random machines: no isolation "
		"rule broken"))
		diag("%s", why);
	ok(!overbooked, "no PU double-booked");
	ok(starved == 0, "every one of %d jobs ran", total);
}

int
main(void)
{
	tables();
	reservations();
	property();
	return done_testing();
}
