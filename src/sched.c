/*
 * Placement over a flat PU table. Per PU: the job that owns it, and how
 * many jobs' zones cover it. A placement is chosen domain by domain at the
 * granularity of the level (PU, core, cache domain, package, machine),
 * preferring domains whose parents are already partly used, so that
 * whole domains stay whole for the jobs that need them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "xmalloc.h"

struct running {
	int id;
	int *pus;
	size_t n;
	int *zone;
	size_t nzone;
	enum isolation level;
	double end;
};

struct sched {
	const struct topo *t;
	size_t npus;
	int *owner; /* job id per PU, 0: free */
	int *zones; /* number of zones covering each PU */
	struct running *jobs;
	size_t njobs;
	/* The reservation of the first waiting request. */
	int res_id;
	int *res_pus;
	size_t res_n;
	unsigned char *res_zone; /* per PU */
};

struct sched *
sched_new(const struct topo *t)
{
	struct sched *s;

	s = xcalloc(1, sizeof *s);
	s->t = t;
	s->npus = t->npus;
	s->owner = xcalloc(t->npus + 1, sizeof *s->owner);
	s->zones = xcalloc(t->npus + 1, sizeof *s->zones);
	s->res_zone = xcalloc(t->npus + 1, 1);
	s->res_pus = xcalloc(SCHED_MAX_PUS, sizeof *s->res_pus);
	return s;
}

void
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->njobs; i++) {
		free(s->jobs[i].pus);
		free(s->jobs[i].zone);
	}
	free(s->jobs);
	free(s->owner);
	free(s->zones);
	free(s->res_zone);
	free(s->res_pus);
	free(s);
}

size_t
sched_nusable(const struct sched *s)
{
	return s->t->nusable;
}

const char *
sched_level_name(enum isolation l)
{
	return spec_isolation_name(l);
}

/* The domain of PU i at a level's granularity. */
static int
domain(const struct sched *s, size_t i, enum isolation l)
{
	const struct topo_pu *p = &s->t->pus[i];

	switch (l) {
	case ISO_NONE:
		return (int)i;
	case ISO_CORE:
		return p->core;
	case ISO_CACHE:
		return p->llc;
	case ISO_SOCKET:
		return p->pkg;
	default:
		return 0;
	}
}

/* Is the PU owned by a job or covered by a zone? */
static int
used(const struct sched *s, size_t i)
{
	return s->owner[i] != 0 || s->zones[i] != 0;
}

/* Marks in zone[] every usable PU in the same domain (at level l) as any
 * of pus; returns how many. */
static size_t
zone_of(const struct sched *s, const int *pus, size_t n, enum isolation l,
    unsigned char *zone)
{
	size_t i, k, count = 0;

	memset(zone, 0, s->npus);
	for (k = 0; k < n; k++)
		zone[pus[k]] = 1;
	if (l != ISO_NONE)
		for (i = 0; i < s->npus; i++) {
			if (!s->t->pus[i].usable || zone[i])
				continue;
			for (k = 0; k < n; k++)
				if (l == ISO_FULL ||
				    domain(s, i, l) ==
					domain(s, (size_t)pus[k], l))
					break;
			if (k < n)
				zone[i] = 1;
		}
	for (i = 0; i < s->npus; i++)
		count += zone[i];
	return count;
}

/*
 * The preference key of a candidate domain at level l (lower is better):
 * whether the enclosing core, cache domain and package are already partly
 * used, most significant first, so partly used domains fill up first.
 */
static long
preference(const struct sched *s, size_t pu, enum isolation l)
{
	const struct topo_pu *p = &s->t->pus[pu];
	int core_used = 0, llc_used = 0, pkg_used = 0;
	size_t i;

	for (i = 0; i < s->npus; i++) {
		const struct topo_pu *q = &s->t->pus[i];

		if (!q->usable || !used(s, i))
			continue;
		if (q->core == p->core)
			core_used = 1;
		if (q->llc == p->llc)
			llc_used = 1;
		if (q->pkg == p->pkg)
			pkg_used = 1;
	}
	switch (l) {
	case ISO_NONE:
		return (long)(!core_used) << 2 | (long)(!llc_used) << 1 |
		    (long)(!pkg_used);
	case ISO_CORE:
		return (long)(!llc_used) << 1 | (long)(!pkg_used);
	case ISO_CACHE:
		return (long)(!pkg_used);
	default:
		return 0;
	}
}

struct cand {
	int dom;      /* domain number */
	long pref;    /* preference, lower first */
	size_t first; /* first PU index in the domain */
	size_t size;  /* usable PUs in the domain */
};

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->pref != y->pref)
		return x->pref < y->pref ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Whether PU i may belong to the job: free, in no zone, and (when
 * avoiding a reservation) outside the reserved zone.
 */
static int
pu_ok(const struct sched *s, size_t i, const unsigned char *avoid)
{
	return s->t->pus[i].usable && !used(s, i) &&
	    (avoid == NULL || !avoid[i]);
}

/*
 * The core of placement. avoid_zone: PUs the job may not take; avoid_pus:
 * PUs its zone may not cover (both NULL outside backfilling).
 */
static int
place(const struct sched *s, size_t n, enum isolation l, int *out,
    const unsigned char *avoid_zone, const unsigned char *avoid_pus)
{
	struct cand *c;
	unsigned char *ok, *zone;
	size_t i, k, nc = 0, got = 0, round;
	int rc = -1, best;

	if (n == 0 || n > SCHED_MAX_PUS)
		return -1;
	c = xcalloc(s->npus + 1, sizeof *c);
	ok = xcalloc(s->npus + 1, 1);
	zone = xcalloc(s->npus + 1, 1);
	/* Candidate domains: every usable PU in them free. */
	for (i = 0; i < s->npus; i++) {
		if (!s->t->pus[i].usable)
			continue;
		for (k = 0; k < nc; k++)
			if (c[k].dom == domain(s, i, l))
				break;
		if (k == nc) {
			c[nc].dom = domain(s, i, l);
			c[nc].first = i;
			c[nc].pref = preference(s, i, l);
			nc++;
		}
		c[k].size++;
	}
	for (k = 0; k < nc; k++) {
		int whole = 1;

		for (i = 0; i < s->npus; i++)
			if (s->t->pus[i].usable &&
			    (l == ISO_FULL || domain(s, i, l) == c[k].dom) &&
			    (!pu_ok(s, i, avoid_zone) ||
				(avoid_pus != NULL && avoid_pus[i])))
				whole = 0;
		if (!whole)
			c[k].size = 0; /* not a candidate */
	}
	qsort(c, nc, sizeof *c, cmp_cand);
	/* One domain big enough, if there is one; else several, in order. */
	best = -1;
	for (k = 0; k < nc && best < 0; k++)
		if (c[k].size >= n)
			best = (int)k;
	for (k = 0; k < nc; k++) {
		if (c[k].size == 0 || (best >= 0 && (int)k != best))
			continue;
		for (i = 0; i < s->npus; i++)
			if (s->t->pus[i].usable &&
			    (l == ISO_FULL || domain(s, i, l) == c[k].dom))
				ok[i] = 1;
		got += c[k].size;
		if (got >= n)
			break;
	}
	if (got < n)
		goto out;
	/*
	 * The PUs themselves: packed (fewest cores) for none and core; for
	 * the wider levels, whose zone is held anyway, one per core first so
	 * the job's own threads do not share a core.
	 */
	got = 0;
	if (l == ISO_NONE || l == ISO_CORE) {
		for (i = 0; i < s->npus && got < n; i++)
			if (ok[i])
				out[got++] = (int)i;
	} else {
		for (round = 0; got < n && round < s->npus; round++) {
			for (i = 0; i < s->npus && got < n; i++) {
				size_t j, rank = 0;

				if (!ok[i])
					continue;
				for (j = 0; j < i; j++)
					if (ok[j] &&
					    s->t->pus[j].core ==
						s->t->pus[i].core)
						rank++;
				if (rank == round)
					out[got++] = (int)i;
			}
		}
	}
	/* The job's zone must hold no foreign PU (used ones were excluded
	 * above) and, when backfilling, none of the reservation's PUs. */
	zone_of(s, out, n, l, zone);
	for (i = 0; i < s->npus; i++)
		if (zone[i] &&
		    (s->owner[i] != 0 || (avoid_pus != NULL && avoid_pus[i])))
			goto out;
	rc = 0;
out:
	free(c);
	free(ok);
	free(zone);
	return rc;
}

int
sched_place(const struct sched *s, size_t n, enum isolation l, int *out)
{
	return place(s, n, l, out, NULL, NULL);
}

void
sched_commit(struct sched *s, int id, const int *pus, size_t n,
    enum isolation l, double end)
{
	struct running *r;
	unsigned char *zone;
	size_t i;

	s->jobs = xreallocarray(s->jobs, s->njobs + 1, sizeof *s->jobs);
	r = &s->jobs[s->njobs++];
	memset(r, 0, sizeof *r);
	r->id = id;
	r->level = l;
	r->end = end;
	r->pus = xcalloc(n + 1, sizeof *r->pus);
	memcpy(r->pus, pus, n * sizeof *pus);
	r->n = n;
	zone = xcalloc(s->npus + 1, 1);
	zone_of(s, pus, n, l, zone);
	r->zone = xcalloc(s->npus + 1, sizeof *r->zone);
	for (i = 0; i < s->npus; i++)
		if (zone[i]) {
			r->zone[r->nzone++] = (int)i;
			s->zones[i]++;
		}
	for (i = 0; i < n; i++) {
		if (s->owner[pus[i]] != 0)
			fatal("PU %d given to job %d and job %d", pus[i],
			    s->owner[pus[i]], id);
		s->owner[pus[i]] = id;
	}
	free(zone);
}

void
sched_release(struct sched *s, int id)
{
	struct running *r;
	size_t i, k;

	for (k = 0; k < s->njobs; k++)
		if (s->jobs[k].id == id)
			break;
	if (k == s->njobs)
		return;
	r = &s->jobs[k];
	for (i = 0; i < r->n; i++)
		s->owner[r->pus[i]] = 0;
	for (i = 0; i < r->nzone; i++)
		s->zones[r->zone[i]]--;
	free(r->pus);
	free(r->zone);
	s->jobs[k] = s->jobs[--s->njobs];
}

/* A copy of the PU state with no job running. */
static struct sched *
empty_copy(const struct sched *s)
{
	return sched_new(s->t);
}

int
sched_possible(const struct sched *s, size_t n, enum isolation l)
{
	struct sched *e = empty_copy(s);
	int pus[SCHED_MAX_PUS], rc;

	rc = place(e, n, l, pus, NULL, NULL) == 0;
	sched_free(e);
	return rc;
}

size_t
sched_capacity(const struct sched *s, size_t n, enum isolation l)
{
	struct sched *e = empty_copy(s);
	int pus[SCHED_MAX_PUS];
	size_t count = 0;

	while (place(e, n, l, pus, NULL, NULL) == 0)
		sched_commit(e, (int)++count, pus, n, l, 0);
	sched_free(e);
	return count;
}

static int
cmp_end(const void *a, const void *b)
{
	const struct running *x = *(const struct running *const *)a,
			     *y = *(const struct running *const *)b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->id - y->id;
}

/*
 * The placement a blocked request will get: the jobs in the way end in
 * order of their expected end, on a copy, until it fits. Returns 0 with
 * the reservation set, -1 if it cannot fit even on an empty machine.
 */
static int
reserve(struct sched *s, const struct sched_req *r)
{
	struct sched *copy;
	struct running **order;
	size_t i;
	int rc = -1;

	copy = empty_copy(s);
	for (i = 0; i < s->njobs; i++)
		sched_commit(copy, s->jobs[i].id, s->jobs[i].pus, s->jobs[i].n,
		    s->jobs[i].level, s->jobs[i].end);
	order = xcalloc(s->njobs + 1, sizeof *order);
	for (i = 0; i < s->njobs; i++)
		order[i] = &s->jobs[i];
	qsort(order, s->njobs, sizeof *order, cmp_end);
	for (i = 0;; i++) {
		if (place(copy, r->n, r->level, s->res_pus, NULL, NULL) == 0) {
			rc = 0;
			break;
		}
		if (i == s->njobs)
			break;
		sched_release(copy, order[i]->id);
	}
	if (rc == 0) {
		s->res_id = r->id;
		s->res_n = r->n;
		zone_of(s, s->res_pus, r->n, r->level, s->res_zone);
	}
	free(order);
	sched_free(copy);
	return rc;
}

size_t
sched_pick(struct sched *s, const struct sched_req *reqs, size_t nreqs,
    double now, struct sched_grant *grants)
{
	unsigned char *res_pus = NULL;
	size_t i, k, ngrants = 0;
	int blocked = 0;

	for (i = 0; i < nreqs; i++) {
		const struct sched_req *r = &reqs[i];
		int *out = grants[ngrants].pus;

		if (!blocked) {
			if (place(s, r->n, r->level, out, NULL, NULL) == 0) {
				sched_commit(s, r->id, out, r->n, r->level,
				    r->estimate > 0 ? now + r->estimate : 0);
				grants[ngrants++].req = i;
				if (s->res_id == r->id)
					s->res_id = 0;
				continue;
			}
			/* The head waits: keep its reservation, or make one. */
			blocked = 1;
			if (s->res_id != r->id && reserve(s, r) != 0) {
				s->res_id = 0;
				break; /* can never run: the caller checks */
			}
			res_pus = xcalloc(s->npus + 1, 1);
			for (k = 0; k < s->res_n; k++)
				res_pus[s->res_pus[k]] = 1;
			continue;
		}
		/* Backfill: only where it cannot delay the head. */
		if (place(s, r->n, r->level, out, s->res_zone, res_pus) == 0) {
			sched_commit(s, r->id, out, r->n, r->level,
			    r->estimate > 0 ? now + r->estimate : 0);
			grants[ngrants++].req = i;
		}
	}
	if (!blocked)
		s->res_id = 0;
	free(res_pus);
	return ngrants;
}
