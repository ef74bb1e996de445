/*
 * fANOVA over the forest (see importance.h). A tree is a sum over its
 * leaves of the leaf's value times the indicator of its box, a product
 * of one level set per feature. Along each feature the splits cut the
 * levels into "atoms" (runs between neighbouring thresholds of an
 * ordered feature, single levels of an unordered one) on which every
 * marginal is constant, so each marginal is a sum over leaves evaluated
 * once per atom: exact, and independent of how many levels a feature
 * has.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/xmalloc.h"
#include "importance.h"

struct work {
	const struct forest *fo;
	const struct forest_tree *t;
	size_t nused;
	size_t *used;   /* features split on, in first-seen order */
	int32_t *local; /* feature -> index in used, -1 when unused */
	size_t *aoff;   /* first atom of each used feature */
	size_t *natoms;
	size_t total;       /* atoms over every used feature */
	int32_t *alo, *ahi; /* levels of each atom */
	double *aw;         /* its share of the feature's domain */
	/* The leaves: value and, per atom, whether the box holds it. */
	size_t nleaves, capleaves;
	double *lval;
	unsigned char *lmask;
	double *frac; /* nleaves x nused: the box's share per feature */
	double *p;    /* the box's share of the space */
};

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

/* The used features of the tree and their atoms. */
static void
atoms(struct work *w)
{
	const struct forest_tree *t = w->t;
	const struct forest_feature *ft;
	int32_t *cuts, lo, hi, prev;
	size_t i, u, k, ncuts, dom;

	for (i = 0; i < t->nnodes; i++) {
		if (t->nodes[i].feature < 0)
			continue;
		if (w->local[t->nodes[i].feature] < 0) {
			w->local[t->nodes[i].feature] = (int32_t)w->nused;
			w->used[w->nused++] = (size_t)t->nodes[i].feature;
		}
	}
	w->aoff = xcalloc(w->nused + 1, sizeof *w->aoff);
	w->natoms = xcalloc(w->nused + 1, sizeof *w->natoms);
	cuts = xcalloc(t->nnodes + 1, sizeof *cuts);
	for (u = 0; u < w->nused; u++) {
		ft = &w->fo->feat[w->used[u]];
		lo = ft->lo;
		hi = ft->nlevels - 1;
		dom = (size_t)(hi - lo + 1);
		w->aoff[u] = w->total;
		if (ft->categorical) {
			w->natoms[u] = dom;
			w->alo = xreallocarray(w->alo, w->total + dom,
			    sizeof *w->alo);
			w->ahi = xreallocarray(w->ahi, w->total + dom,
			    sizeof *w->ahi);
			w->aw =
			    xreallocarray(w->aw, w->total + dom, sizeof *w->aw);
			for (k = 0; k < dom; k++) {
				w->alo[w->total + k] = lo + (int32_t)k;
				w->ahi[w->total + k] = lo + (int32_t)k;
				w->aw[w->total + k] = 1.0 / (double)dom;
			}
			w->total += dom;
			continue;
		}
		ncuts = 0;
		for (i = 0; i < t->nnodes; i++)
			if (t->nodes[i].feature == (int32_t)w->used[u] &&
			    t->nodes[i].split >= lo && t->nodes[i].split < hi)
				cuts[ncuts++] = t->nodes[i].split;
		qsort(cuts, ncuts, sizeof *cuts, cmp_i32);
		w->alo =
		    xreallocarray(w->alo, w->total + ncuts + 1, sizeof *w->alo);
		w->ahi =
		    xreallocarray(w->ahi, w->total + ncuts + 1, sizeof *w->ahi);
		w->aw =
		    xreallocarray(w->aw, w->total + ncuts + 1, sizeof *w->aw);
		prev = lo;
		k = 0;
		for (i = 0; i <= ncuts; i++) {
			if (i < ncuts && (i > 0 && cuts[i] == cuts[i - 1]))
				continue;
			w->alo[w->total + k] = prev;
			w->ahi[w->total + k] = i < ncuts ? cuts[i] : hi;
			w->aw[w->total + k] =
			    (double)(w->ahi[w->total + k] - prev + 1) /
			    (double)dom;
			prev = w->ahi[w->total + k] + 1;
			k++;
		}
		w->natoms[u] = k;
		w->total += k;
	}
	free(cuts);
}

/* Whether atom a of the node's feature goes left. */
static int
atom_left(const struct work *w, const struct forest_node *nd, size_t a)
{
	if (w->fo->feat[nd->feature].categorical)
		return w->t->sets[nd->split + w->alo[a]];
	return w->ahi[a] <= nd->split;
}

static void
walk(struct work *w, int32_t node, unsigned char *mask, int depth)
{
	const struct forest_node *nd = &w->t->nodes[node];
	unsigned char *child;
	size_t u, a, side;

	if (nd->feature < 0) {
		if (w->nleaves == w->capleaves) {
			w->capleaves =
			    w->capleaves == 0 ? 64 : 2 * w->capleaves;
			w->lval = xreallocarray(w->lval, w->capleaves,
			    sizeof *w->lval);
			w->lmask = xreallocarray(w->lmask,
			    w->capleaves * (w->total + 1), 1);
		}
		w->lval[w->nleaves] = nd->mean;
		memcpy(w->lmask + w->nleaves * (w->total + 1), mask,
		    w->total + 1);
		w->nleaves++;
		return;
	}
	child = xcalloc(w->total + 1, 1);
	u = (size_t)w->local[nd->feature];
	for (side = 0; side < 2; side++) {
		memcpy(child, mask, w->total + 1);
		for (a = w->aoff[u]; a < w->aoff[u] + w->natoms[u]; a++)
			if (atom_left(w, nd, a) != (side == 0))
				child[a] = 0;
		walk(w, side == 0 ? nd->left : nd->right, child, depth + 1);
	}
	free(child);
}

/* A leaf whose box restricts both features u < uu (local indices). */
struct leafpair {
	size_t u, uu, l;
};

static int
cmp_leafpair(const void *x, const void *y)
{
	const struct leafpair *a = x, *b = y;

	if (a->u != b->u)
		return a->u < b->u ? -1 : 1;
	if (a->uu != b->uu)
		return a->uu < b->uu ? -1 : 1;
	return a->l < b->l ? -1 : a->l > b->l;
}

struct acc {
	double *share, *share2;
	double **marg;
	struct importance_pair *pairs;
	size_t npairs, cappairs;
	double mean, variance;
	size_t ntrees;
};

static void
tree_anova(const struct forest *fo, size_t ti, struct acc *acc, int pairs)
{
	struct work w;
	unsigned char *mask, *lm;
	double f0 = 0, v = 0, vu, x, *m1, *m2, c, fr;
	size_t l, u, a, b, uu, i, na, nb, f;
	int32_t lev;

	memset(&w, 0, sizeof w);
	w.fo = fo;
	w.t = &fo->trees[ti];
	w.used = xcalloc(fo->d + 1, sizeof *w.used);
	w.local = xcalloc(fo->d + 1, sizeof *w.local);
	for (f = 0; f < fo->d; f++)
		w.local[f] = -1;
	atoms(&w);
	mask = xcalloc(w.total + 1, 1);
	memset(mask, 1, w.total);
	walk(&w, 0, mask, 0);
	free(mask);

	w.frac = xcalloc(w.nleaves * w.nused + 1, sizeof *w.frac);
	w.p = xcalloc(w.nleaves + 1, sizeof *w.p);
	for (l = 0; l < w.nleaves; l++) {
		lm = w.lmask + l * (w.total + 1);
		w.p[l] = 1;
		for (u = 0; u < w.nused; u++) {
			x = 0;
			for (a = w.aoff[u]; a < w.aoff[u] + w.natoms[u]; a++)
				if (lm[a])
					x += w.aw[a];
			w.frac[l * w.nused + u] = x;
			w.p[l] *= x;
		}
		f0 += w.lval[l] * w.p[l];
	}
	for (l = 0; l < w.nleaves; l++)
		v += w.p[l] * (w.lval[l] - f0) * (w.lval[l] - f0);
	acc->mean += f0;
	acc->variance += v;

	/*
	 * Main effects and marginals. With u_l(a) the indicator of atom a
	 * in leaf l's box over the box's share of the feature, the
	 * marginal less the mean is the sum over the leaves that restrict
	 * the feature of (value - mean) x share x (u_l(a) - 1): the other
	 * leaves add nothing, and centring keeps small effects on large
	 * values exact.
	 */
	m1 = xcalloc(w.total + 1, sizeof *m1);
	for (u = 0; u < w.nused; u++) {
		for (l = 0; l < w.nleaves; l++) {
			fr = w.frac[l * w.nused + u];
			if (w.p[l] == 0 || fr >= 1)
				continue;
			lm = w.lmask + l * (w.total + 1);
			c = (w.lval[l] - f0) * w.p[l];
			for (a = w.aoff[u]; a < w.aoff[u] + w.natoms[u]; a++)
				m1[a] += c * (lm[a] / fr - 1);
		}
		vu = 0;
		for (a = w.aoff[u]; a < w.aoff[u] + w.natoms[u]; a++) {
			vu += w.aw[a] * m1[a] * m1[a];
			m1[a] += f0;
		}
		if (v > 0) {
			acc->share[w.used[u]] += vu / v;
			acc->share2[w.used[u]] += (vu / v) * (vu / v);
		}
	}
	for (f = 0; f < fo->d; f++) {
		const struct forest_feature *ft = &fo->feat[f];

		if (w.local[f] < 0) {
			for (lev = ft->lo; lev < ft->nlevels; lev++)
				acc->marg[f][lev] += f0;
			continue;
		}
		u = (size_t)w.local[f];
		a = w.aoff[u];
		for (lev = ft->lo; lev < ft->nlevels; lev++) {
			while (w.ahi[a] < lev)
				a++;
			acc->marg[f][lev] += m1[a];
		}
	}

	/*
	 * Pairwise interactions. By the same algebra, the joint marginal
	 * of two features less their main effects and the mean is the sum
	 * over the leaves that restrict both of (value - mean) x share x
	 * (u_l(a) - 1)(v_l(b) - 1): each leaf adds to the pairs of the
	 * features its path restricts, and no other pair interacts.
	 */
	if (pairs && v > 0) {
		struct leafpair *pl = NULL;
		size_t npl = 0, cappl = 0, *rl, nrl, q, r, e, e2;

		rl = xcalloc(w.nused + 1, sizeof *rl);
		for (l = 0; l < w.nleaves; l++) {
			if (w.p[l] == 0)
				continue;
			nrl = 0;
			for (u = 0; u < w.nused; u++)
				if (w.frac[l * w.nused + u] < 1)
					rl[nrl++] = u;
			for (q = 0; q < nrl; q++)
				for (r = q + 1; r < nrl; r++) {
					if (npl == cappl) {
						cappl = cappl == 0 ? 256 :
								     2 * cappl;
						pl = xreallocarray(pl, cappl,
						    sizeof *pl);
					}
					pl[npl].u = rl[q];
					pl[npl].uu = rl[r];
					pl[npl++].l = l;
				}
		}
		free(rl);
		if (npl > 0)
			qsort(pl, npl, sizeof *pl, cmp_leafpair);
		m2 = NULL;
		for (e = 0; e < npl; e = e2) {
			u = pl[e].u;
			uu = pl[e].uu;
			for (e2 = e;
			     e2 < npl && pl[e2].u == u && pl[e2].uu == uu; e2++)
				;
			na = w.natoms[u];
			nb = w.natoms[uu];
			m2 = xreallocarray(m2, na * nb, sizeof *m2);
			memset(m2, 0, na * nb * sizeof *m2);
			for (q = e; q < e2; q++) {
				l = pl[q].l;
				lm = w.lmask + l * (w.total + 1);
				c = (w.lval[l] - f0) * w.p[l];
				fr = w.frac[l * w.nused + u];
				x = w.frac[l * w.nused + uu];
				for (a = 0; a < na; a++)
					for (b = 0; b < nb; b++)
						m2[a * nb + b] += c *
						    (lm[w.aoff[u] + a] / fr -
							1) *
						    (lm[w.aoff[uu] + b] / x -
							1);
			}
			vu = 0;
			for (a = 0; a < na; a++)
				for (b = 0; b < nb; b++)
					vu += w.aw[w.aoff[u] + a] *
					    w.aw[w.aoff[uu] + b] *
					    m2[a * nb + b] * m2[a * nb + b];
			if (vu <= 1e-15 * v)
				continue;
			if (acc->npairs == acc->cappairs) {
				acc->cappairs =
				    acc->cappairs == 0 ? 64 : 2 * acc->cappairs;
				acc->pairs = xreallocarray(acc->pairs,
				    acc->cappairs, sizeof *acc->pairs);
			}
			i = acc->npairs++;
			acc->pairs[i].a =
			    w.used[u] < w.used[uu] ? w.used[u] : w.used[uu];
			acc->pairs[i].b =
			    w.used[u] < w.used[uu] ? w.used[uu] : w.used[u];
			acc->pairs[i].share = vu / v;
		}
		free(m2);
		free(pl);
	}
	if (v > 0)
		acc->ntrees++;
	free(m1);
	free(w.used);
	free(w.local);
	free(w.aoff);
	free(w.natoms);
	free(w.alo);
	free(w.ahi);
	free(w.aw);
	free(w.lval);
	free(w.lmask);
	free(w.frac);
	free(w.p);
}

static int
cmp_pair_ids(const void *x, const void *y)
{
	const struct importance_pair *a = x, *b = y;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return a->b < b->b ? -1 : a->b > b->b;
}

static int
cmp_pair_share(const void *x, const void *y)
{
	const struct importance_pair *a = x, *b = y;

	if (a->share != b->share)
		return a->share > b->share ? -1 : 1;
	return cmp_pair_ids(x, y);
}

struct importance *
importance_compute(const struct forest *fo, int pairs)
{
	struct importance *im;
	struct acc acc;
	size_t f, t, i, k;
	int32_t lev;
	double n, m;

	memset(&acc, 0, sizeof acc);
	acc.share = xcalloc(fo->d + 1, sizeof *acc.share);
	acc.share2 = xcalloc(fo->d + 1, sizeof *acc.share2);
	acc.marg = xcalloc(fo->d + 1, sizeof *acc.marg);
	for (f = 0; f < fo->d; f++)
		acc.marg[f] =
		    xcalloc((size_t)fo->feat[f].nlevels, sizeof *acc.marg[f]);
	for (t = 0; t < fo->ntrees; t++)
		tree_anova(fo, t, &acc, pairs);

	im = xcalloc(1, sizeof *im);
	im->d = fo->d;
	im->ntrees = acc.ntrees;
	im->mean = acc.mean / (double)fo->ntrees;
	im->variance = acc.variance / (double)fo->ntrees;
	im->share = acc.share;
	im->share_sd = acc.share2;
	im->marginal = acc.marg;
	n = acc.ntrees > 0 ? (double)acc.ntrees : 1;
	for (f = 0; f < fo->d; f++) {
		m = im->share[f] / n;
		im->share[f] = m;
		m = im->share_sd[f] / n - m * m;
		im->share_sd[f] = m > 0 ? sqrt(m) : 0;
		for (lev = 0; lev < fo->feat[f].nlevels; lev++)
			im->marginal[f][lev] = lev < fo->feat[f].lo ?
			    NAN :
			    im->marginal[f][lev] / (double)fo->ntrees;
	}
	/* Sum each pair over the trees. */
	if (acc.npairs > 0)
		qsort(acc.pairs, acc.npairs, sizeof *acc.pairs, cmp_pair_ids);
	for (i = 0, k = 0; i < acc.npairs; i++) {
		if (k > 0 && acc.pairs[k - 1].a == acc.pairs[i].a &&
		    acc.pairs[k - 1].b == acc.pairs[i].b)
			acc.pairs[k - 1].share += acc.pairs[i].share;
		else
			acc.pairs[k++] = acc.pairs[i];
	}
	for (i = 0; i < k; i++) {
		acc.pairs[i].share /= n;
		im->pairs_total += acc.pairs[i].share;
	}
	if (k > 0)
		qsort(acc.pairs, k, sizeof *acc.pairs, cmp_pair_share);
	im->pairs = acc.pairs;
	im->npairs = k;
	return im;
}

void
importance_free(struct importance *im)
{
	size_t f;

	if (im == NULL)
		return;
	for (f = 0; f < im->d; f++)
		free(im->marginal[f]);
	free(im->marginal);
	free(im->share);
	free(im->share_sd);
	free(im->pairs);
	free(im);
}
