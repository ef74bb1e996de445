/*
 * The random forest (see forest.h). Splits minimise the squared error of
 * the two children. A feature's candidate splits come from a histogram
 * of the levels present in the node, so one feature costs a pass over
 * the node's samples whatever its type: ordered levels are cut between
 * neighbours, unordered ones are ordered by their mean y first (for
 * squared error the best subset split is a cut of that order, so this is
 * exact, not a heuristic). Where a split leaves a gap (levels no sample
 * of the node has), the threshold falls at random inside it and absent
 * unordered levels go either way at random; levels of an ordered
 * feature beyond those of every sample (a value not measured yet at an
 * end of its range) go either way at random at each split on it: trees
 * then disagree about values nobody measured, which is the spread a
 * search wants to see there, rather than all extending the nearest
 * measured value. With local_beyond, the same holds in each region: at
 * a split, levels beyond those of every sample that reaches it (a value
 * measured elsewhere, never in that region) go either way at random.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/rng.h"
#include "../src/spec.h"
#include "../src/xmalloc.h"
#include "forest.h"

/* Levels of a range with more values than this are runs of values. */
#define MAX_RANGE_LEVELS 65535

static int
is_unordered(const struct param *p)
{
	return p->type == PT_STR || p->type == PT_BOOL;
}

static const struct param *sort_param;

static int
cmp_by_num(const void *a, const void *b)
{
	double x = sort_param->nums[*(const uint64_t *)a];
	double y = sort_param->nums[*(const uint64_t *)b];

	if (x != y)
		return x < y ? -1 : 1;
	return *(const uint64_t *)a < *(const uint64_t *)b ? -1 : 1;
}

struct forest_features *
forest_features_new(const struct space *sp)
{
	const struct spec *spec = space_spec(sp);
	const struct param *p;
	struct forest_features *ff;
	uint64_t card, j, *order;
	size_t i;

	ff = xcalloc(1, sizeof *ff);
	ff->d = spec->nparams;
	ff->f = xcalloc(ff->d + 1, sizeof *ff->f);
	ff->level = xcalloc(ff->d + 1, sizeof *ff->level);
	ff->value = xcalloc(ff->d + 1, sizeof *ff->value);
	ff->per = xcalloc(ff->d + 1, sizeof *ff->per);
	for (i = 0; i < ff->d; i++) {
		p = &spec->params[i];
		card = p->card;
		ff->per[i] = 1;
		ff->f[i].categorical = is_unordered(p);
		ff->f[i].lo = p->cond != NULL ? 0 : 1;
		if (p->is_range && card > MAX_RANGE_LEVELS) {
			ff->per[i] =
			    (card + MAX_RANGE_LEVELS - 1) / MAX_RANGE_LEVELS;
			card = (card + ff->per[i] - 1) / ff->per[i];
		}
		ff->f[i].nlevels = (int32_t)card + 1;
		if (p->is_range || is_unordered(p) || p->nums == NULL)
			continue;
		/* A list of numbers: levels in numeric order. */
		order = xcalloc(card, sizeof *order);
		for (j = 0; j < card; j++)
			order[j] = j;
		sort_param = p;
		qsort(order, card, sizeof *order, cmp_by_num);
		sort_param = NULL;
		ff->level[i] = xcalloc(card, sizeof *ff->level[i]);
		for (j = 0; j < card; j++)
			ff->level[i][order[j]] = (int32_t)j + 1;
		ff->value[i] = order;
	}
	return ff;
}

void
forest_features_free(struct forest_features *ff)
{
	size_t i;

	if (ff == NULL)
		return;
	for (i = 0; i < ff->d; i++) {
		free(ff->level[i]);
		free(ff->value[i]);
	}
	free(ff->level);
	free(ff->value);
	free(ff->per);
	free(ff->f);
	free(ff);
}

int32_t
forest_level(const struct forest_features *ff, size_t i, int64_t v)
{
	if (v < 0)
		return 0;
	if (ff->level[i] != NULL)
		return ff->level[i][v];
	return (int32_t)((uint64_t)v / ff->per[i]) + 1;
}

int64_t
forest_value(const struct forest_features *ff, size_t i, int32_t level)
{
	if (level <= 0)
		return -1;
	if (ff->value[i] != NULL)
		return (int64_t)ff->value[i][level - 1];
	return (int64_t)((uint64_t)(level - 1) * ff->per[i]);
}

void
forest_encode(const struct forest_features *ff, const struct config *cfg,
    int32_t *x)
{
	size_t i;

	for (i = 0; i < ff->d; i++)
		x[i] = forest_level(ff, i, cfg->v[i]);
}

void
forest_opts_default(struct forest_opts *o)
{
	memset(o, 0, sizeof *o);
	o->ntrees = 10;
	o->min_leaf = 1;
	o->min_split = 2;
	o->max_depth = 0;
	o->feature_share = 5.0 / 6.0;
	o->bootstrap = 1;
	o->max_work = 0;
}

/* What one fit shares between its trees. */
struct builder {
	const struct forest_feature *feat;
	size_t d, n;
	/* Levels, column-major: feature f of sample i at f * n + i, in
	 * bytes when every feature has at most 256 levels (a column of 200
	 * samples is then four cache lines), else in 16 bits. */
	uint8_t *x8;
	uint16_t *x16;
	double *y; /* centred */
	double shift;
	/* y in fixed point for the split search: integer sums have no
	 * rounding to depend on and add in one cycle. */
	int64_t *yq;
	int64_t *ny;  /* weight x yq of the node's samples, gathered */
	double scale; /* yq = y * scale */
	struct forest_opts o;
	size_t mtry;
	struct rng rng;
	struct rng beyond; /* where levels beyond the samples go */
	/* The tree's bootstrap sample: each distinct sample once, with its
	 * multiplicity as a weight (a third fewer samples to scan than
	 * repeating them). */
	uint32_t *idx;
	size_t nidx;
	int64_t *w;     /* weight of each sample */
	int64_t *nw;    /* weights of the node's samples, gathered */
	size_t *perm;   /* features, shuffled a prefix at a time */
	int32_t *cnt;   /* histogram over levels, all 0 between uses */
	int64_t *sum;   /* ... and the sum of yq per level */
	int32_t *touch; /* levels present, in the order found */
	double *key;    /* sort keys of the present levels */
	int32_t *left;  /* the best categorical split's left levels */
	double *inv;    /* inv[k] = 1 / k: no divisions in the search */
	size_t nleft;
	/* The tree being grown. */
	struct forest_tree *t;
	size_t capnodes, capsets;
};

struct split {
	int found;
	size_t feature;
	double score;
	int32_t lo, hi; /* ordered: the last left and first right level */
};

static double *sort_key;

static int
cmp_level_key(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	if (sort_key[x] != sort_key[y])
		return sort_key[x] < sort_key[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* Sorts the k present levels by key (insertion sort: k is small in the
 * common case of few levels). */
static void
sort_levels(struct builder *b, int32_t *lv, size_t k)
{
	size_t i, j;
	int32_t v;

	if (k > 32) {
		sort_key = b->key;
		qsort(lv, k, sizeof *lv, cmp_level_key);
		sort_key = NULL;
		return;
	}
	for (i = 1; i < k; i++) {
		v = lv[i];
		for (j = i; j > 0 &&
		     (b->key[lv[j - 1]] > b->key[v] ||
			 (b->key[lv[j - 1]] == b->key[v] && lv[j - 1] > v));
		     j--)
			lv[j] = lv[j - 1];
		lv[j] = v;
	}
}

static int
cmp_int32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts k levels in increasing order. */
static void
sort_ints(int32_t *lv, size_t k)
{
	size_t i, j;
	int32_t v;

	if (k > 32) {
		qsort(lv, k, sizeof *lv, cmp_int32);
		return;
	}
	for (i = 1; i < k; i++) {
		v = lv[i];
		for (j = i; j > 0 && lv[j - 1] > v; j--)
			lv[j] = lv[j - 1];
		lv[j] = v;
	}
}

/* Uniform in [0, n) for n < 2^32 without the rejection loop of
 * rng_below(): the bias, below 2^-32, cannot matter for picking
 * features. */
static size_t
below(struct rng *r, size_t n)
{
	return (size_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Whether the cut after the j-th of k sorted levels is the best yet. */
static void
scan_cuts(struct builder *b, size_t f, const int32_t *lv, size_t k, size_t n,
    int64_t s, struct split *best)
{
	size_t j, nl, nr, bestj = 0;
	double sl, sr, score, bscore = best->score;
	int better = 0;
	int64_t isl = 0;

	nl = 0;
	for (j = 0; j + 1 < k; j++) {
		nl += (size_t)b->cnt[lv[j]];
		isl += b->sum[lv[j]];
		nr = n - nl;
		if (nl < (size_t)b->o.min_leaf)
			continue;
		if (nr < (size_t)b->o.min_leaf)
			break;
		sl = (double)isl;
		sr = (double)(s - isl);
		score = sl * sl * b->inv[nl] + sr * sr * b->inv[nr];
		if (score > bscore) {
			bscore = score;
			bestj = j;
			better = 1;
		}
	}
	if (!better)
		return;
	best->found = 1;
	best->feature = f;
	best->score = bscore;
	if (b->feat[f].categorical) {
		b->nleft = bestj + 1;
		memcpy(b->left, lv, b->nleft * sizeof *b->left);
	} else {
		best->lo = lv[bestj];
		best->hi = lv[bestj + 1];
	}
}

/*
 * The best split of samples idx[lo, hi) (their yq in b->ny, sum s) on
 * feature f, if better than *best. Returns 0 when the feature is
 * constant in the node.
 */
static int
try_feature(struct builder *b, size_t f, size_t lo, size_t hi, int64_t s,
    size_t wn, struct split *best)
{
	const uint8_t *c8 = b->x8 != NULL ? b->x8 + f * b->n : NULL;
	const uint16_t *c16 = b->x16 != NULL ? b->x16 + f * b->n : NULL;
	const uint32_t *idx = b->idx + lo;
	const int64_t *ny = b->ny, *nw = b->nw;
	size_t k = 0, i, j, n = hi - lo;
	int32_t l, lv[4];

	if (b->feat[f].nlevels - b->feat[f].lo == 2) {
		/* Two levels (an unconditional bool, or a conditional
		 * parameter of one value): one count and one sum. */
		int64_t c1 = 0, s1 = 0, m;
		int32_t hi1 = b->feat[f].lo + 1;

#define BINARY_LOOP(col) \
	for (i = 0; i < n; i++) { \
		m = -(int64_t)(col[idx[i]] == hi1); \
		c1 += nw[i] & m; \
		s1 += ny[i] & m; \
	}
		if (c8 != NULL)
			BINARY_LOOP(c8)
		else
			BINARY_LOOP(c16)
#undef BINARY_LOOP
		if (c1 == 0 || c1 == (int64_t)wn)
			return 0;
		lv[0] = hi1 - 1;
		lv[1] = hi1;
		b->cnt[lv[0]] = (int32_t)((int64_t)wn - c1);
		b->sum[lv[0]] = s - s1;
		b->cnt[lv[1]] = (int32_t)c1;
		b->sum[lv[1]] = s1;
		scan_cuts(b, f, lv, 2, wn, s, best);
		b->cnt[lv[0]] = b->cnt[lv[1]] = 0;
		b->sum[lv[0]] = b->sum[lv[1]] = 0;
		return 1;
	}
	if (b->feat[f].nlevels <= 4) {
		/* Few levels (bool, tristate, small lists): counts and sums
		 * in registers, no stores to wait for. */
		int64_t c1 = 0, c2 = 0, c3 = 0, s1 = 0, s2 = 0, s3 = 0, m;

#define SMALL_LOOP(col) \
	for (i = 0; i < n; i++) { \
		l = col[idx[i]]; \
		m = -(int64_t)(l == 1); \
		c1 += nw[i] & m; \
		s1 += ny[i] & m; \
		m = -(int64_t)(l == 2); \
		c2 += nw[i] & m; \
		s2 += ny[i] & m; \
		m = -(int64_t)(l == 3); \
		c3 += nw[i] & m; \
		s3 += ny[i] & m; \
	}
		if (c8 != NULL)
			SMALL_LOOP(c8)
		else
			SMALL_LOOP(c16)
#undef SMALL_LOOP
		b->cnt[0] = (int32_t)((int64_t)wn - c1 - c2 - c3);
		b->sum[0] = s - s1 - s2 - s3;
		b->cnt[1] = (int32_t)c1;
		b->sum[1] = s1;
		b->cnt[2] = (int32_t)c2;
		b->sum[2] = s2;
		b->cnt[3] = (int32_t)c3;
		b->sum[3] = s3;
		for (l = 0; l < 4; l++)
			if (b->cnt[l] > 0)
				lv[k++] = l;
		if (k >= 2) {
			/* Two levels cut one way whatever their order. */
			if (b->feat[f].categorical && k > 2) {
				for (j = 0; j < k; j++)
					b->key[lv[j]] = (double)b->sum[lv[j]] /
					    b->cnt[lv[j]];
				sort_levels(b, lv, k);
			}
			scan_cuts(b, f, lv, k, wn, s, best);
		}
		for (l = 0; l < 4; l++) {
			b->cnt[l] = 0;
			b->sum[l] = 0;
		}
		return k >= 2;
	}
	/* Constant in the node: no histogram needed (deep nodes have
	 * many such features). */
#define SAME_LOOP(col) \
	for (l = col[idx[0]], i = 1; i < n && col[idx[i]] == l; i++) \
		;
	if (c8 != NULL)
		SAME_LOOP(c8)
	else
		SAME_LOOP(c16)
#undef SAME_LOOP
	if (i == n)
		return 0;
	if (b->feat[f].nlevels <= 64 && n >= (size_t)b->feat[f].nlevels) {
		/* More samples than levels: a histogram read back in level
		 * order, so ordered levels need no sort. */
		int32_t nl = b->feat[f].nlevels;

#define HIST_LOOP(col) \
	for (i = 0; i < n; i++) { \
		l = col[idx[i]]; \
		b->cnt[l] += (int32_t)nw[i]; \
		b->sum[l] += ny[i]; \
	}
		if (c8 != NULL)
			HIST_LOOP(c8)
		else
			HIST_LOOP(c16)
#undef HIST_LOOP
		for (l = 0; l < nl; l++)
			if (b->cnt[l] > 0)
				b->touch[k++] = l;
		if (b->feat[f].categorical && k > 2) {
			for (j = 0; j < k; j++)
				b->key[b->touch[j]] =
				    (double)b->sum[b->touch[j]] /
				    b->cnt[b->touch[j]];
			sort_levels(b, b->touch, k);
		}
	} else {
#define TOUCH_LOOP(col) \
	for (i = 0; i < n; i++) { \
		l = col[idx[i]]; \
		if (b->cnt[l] == 0) \
			b->touch[k++] = l; \
		b->cnt[l] += (int32_t)nw[i]; \
		b->sum[l] += ny[i]; \
	}
		if (c8 != NULL)
			TOUCH_LOOP(c8)
		else
			TOUCH_LOOP(c16)
#undef TOUCH_LOOP
		if (b->feat[f].categorical) {
			for (j = 0; j < k; j++) {
				l = b->touch[j];
				b->key[l] = (double)b->sum[l] / b->cnt[l];
			}
			sort_levels(b, b->touch, k);
		} else
			sort_ints(b->touch, k);
	}
	scan_cuts(b, f, b->touch, k, wn, s, best);
	for (j = 0; j < k; j++) {
		b->cnt[b->touch[j]] = 0;
		b->sum[b->touch[j]] = 0;
	}
	return 1;
}

/* Level of sample i for feature f. */
static int32_t
level_at(const struct builder *b, size_t f, size_t i)
{
	return b->x8 != NULL ? b->x8[f * b->n + i] : b->x16[f * b->n + i];
}

static int
split_left(const struct forest_feature *ft, const struct forest_tree *t,
    const struct forest_node *nd, int32_t level)
{
	return ft->categorical ? t->sets[nd->split + level] :
				 level <= nd->split;
}

static int32_t
add_node(struct builder *b)
{
	struct forest_tree *t = b->t;

	if (t->nnodes == b->capnodes) {
		b->capnodes = b->capnodes == 0 ? 64 : b->capnodes * 2;
		t->nodes =
		    xreallocarray(t->nodes, b->capnodes, sizeof *t->nodes);
	}
	memset(&t->nodes[t->nnodes], 0, sizeof *t->nodes);
	t->nodes[t->nnodes].feature = -1;
	return (int32_t)t->nnodes++;
}

struct frame {
	int32_t node;
	size_t lo, hi;
	int depth;
};

static void
grow(struct builder *b)
{
	const struct forest_feature *ft;
	struct forest_node *nd;
	struct frame *stack, fr;
	struct split best;
	size_t nstack = 0, i, j, lo, hi, tried, pick, m;
	unsigned char *set;
	double s, ss, yv, sse;
	int32_t root, l, r;
	uint32_t tmp;
	int64_t is, wt;
	size_t wn;

	stack = xcalloc(2 * b->nidx + 2, sizeof *stack);
	root = add_node(b);
	stack[nstack++] = (struct frame){ root, 0, b->nidx, 0 };
	while (nstack > 0) {
		fr = stack[--nstack];
		lo = fr.lo;
		hi = fr.hi;
		s = ss = 0;
		is = 0;
		wn = 0;
		for (i = lo; i < hi; i++) {
			yv = b->y[b->idx[i]];
			wt = b->w[b->idx[i]];
			s += (double)wt * yv;
			ss += (double)wt * yv * yv;
			b->nw[i - lo] = wt;
			b->ny[i - lo] = wt * b->yq[b->idx[i]];
			is += b->ny[i - lo];
			wn += (size_t)wt;
		}
		nd = &b->t->nodes[fr.node];
		nd->n = (int32_t)wn;
		nd->mean = wn > 0 ? s / (double)wn : 0;
		nd->var = wn > 0 ? ss / (double)wn - nd->mean * nd->mean : 0;
		if (nd->var < 0)
			nd->var = 0;
		nd->mean += b->shift;
		sse = nd->var * (double)wn;
		if (wn < (size_t)b->o.min_split ||
		    wn < 2 * (size_t)b->o.min_leaf || hi - lo < 2 ||
		    (b->o.max_depth > 0 && fr.depth >= b->o.max_depth) ||
		    sse <= 1e-12 * (1 + fabs(ss)))
			continue;
		memset(&best, 0, sizeof best);
		/* Any valid split, even one that gains nothing: a pure
		 * interaction (x0 xor x1) gains only at the second level. */
		best.score = -INFINITY;
		/* A random subset of the features, counting only those
		 * that vary in the node. */
		tried = 0;
		for (j = 0; j < b->d && tried < b->mtry; j++) {
			pick = j + below(&b->rng, b->d - j);
			m = b->perm[pick];
			b->perm[pick] = b->perm[j];
			b->perm[j] = m;
			tried +=
			    (size_t)try_feature(b, m, lo, hi, is, wn, &best);
		}
		if (!best.found)
			continue;
		ft = &b->feat[best.feature];
		nd->feature = (int32_t)best.feature;
		if (ft->categorical) {
			if (b->t->nsets + (size_t)ft->nlevels > b->capsets) {
				b->capsets =
				    2 * (b->capsets + (size_t)ft->nlevels);
				b->t->sets =
				    xreallocarray(b->t->sets, b->capsets, 1);
			}
			nd->split = (int32_t)b->t->nsets;
			set = b->t->sets + b->t->nsets;
			b->t->nsets += (size_t)ft->nlevels;
			/* Absent levels go either way at random. */
			for (l = 0; l < ft->nlevels; l++)
				set[l] =
				    (unsigned char)(rng_next(&b->rng) >> 63);
			for (l = 0; l < ft->nlevels; l++)
				b->cnt[l] = 0;
			for (i = lo; i < hi; i++)
				b->cnt[level_at(b, best.feature, b->idx[i])] =
				    1;
			for (l = 0; l < ft->nlevels; l++)
				if (b->cnt[l])
					set[l] = 0;
			for (i = 0; i < b->nleft; i++)
				set[b->left[i]] = 1;
			for (l = 0; l < ft->nlevels; l++)
				b->cnt[l] = 0;
		} else {
			nd->split = best.lo +
			    (int32_t)rng_below(&b->rng,
				(uint64_t)(best.hi - best.lo));
			nd->beyond = (unsigned)(rng_next(&b->beyond) >> 62);
			/* Set by widen_ranges() when asked for. */
			nd->nlo = INT32_MAX;
			nd->nhi = -1;
		}
		/* Partition the samples: left ones first. */
		i = lo;
		j = hi;
		while (i < j) {
			if (split_left(ft, b->t, nd,
				level_at(b, best.feature, b->idx[i])))
				i++;
			else {
				j--;
				tmp = b->idx[i];
				b->idx[i] = b->idx[j];
				b->idx[j] = tmp;
			}
		}
		l = add_node(b);
		r = add_node(b);
		nd = &b->t->nodes[fr.node]; /* add_node may move nodes */
		nd->left = l;
		nd->right = r;
		stack[nstack++] = (struct frame){ r, i, hi, fr.depth + 1 };
		stack[nstack++] = (struct frame){ l, lo, i, fr.depth + 1 };
	}
	free(stack);
}

/* The ranges of ordered splits' nodes (local_beyond) over every sample
 * that reaches them, not only those of the tree's bootstrap sample: a
 * level is then beyond a node's range only when no trial of its region
 * has it. */
static void
widen_ranges(const struct forest *fo, struct forest_tree *tr, const int32_t *x,
    size_t n)
{
	struct forest_node *nd;
	size_t i;
	int32_t l;

	for (i = 0; i < n; i++) {
		nd = tr->nodes;
		while (nd->feature >= 0) {
			l = x[i * fo->d + (size_t)nd->feature];
			if (fo->feat[nd->feature].categorical) {
				nd = &tr->nodes[tr->sets[nd->split + l] ?
					nd->left :
					nd->right];
				continue;
			}
			if (l < nd->nlo)
				nd->nlo = l;
			if (l > nd->nhi)
				nd->nhi = l;
			nd = &tr->nodes[l <= nd->split ? nd->left : nd->right];
		}
	}
}

struct forest *
forest_fit(const struct forest_feature *feat, size_t d, const int32_t *x,
    const double *y, size_t n, const struct forest_opts *o, uint64_t seed)
{
	struct forest *fo;
	struct builder b;
	size_t i, f, t, maxl = 4;
	double mean = 0, ymax = 0;

	fo = xcalloc(1, sizeof *fo);
	fo->d = d;
	fo->feat = xcalloc(d + 1, sizeof *fo->feat);
	memcpy(fo->feat, feat, d * sizeof *feat);
	fo->ntrees = o->ntrees > 0 ? (size_t)o->ntrees : 1;
	fo->trees = xcalloc(fo->ntrees, sizeof *fo->trees);
	fo->local_beyond = o->local_beyond;

	memset(&b, 0, sizeof b);
	b.feat = fo->feat;
	b.d = d;
	b.n = n;
	b.o = *o;
	if (b.o.min_leaf < 1)
		b.o.min_leaf = 1;
	if (b.o.min_split < 2)
		b.o.min_split = 2;
	b.mtry = (size_t)ceil(o->feature_share * (double)d);
	if (o->max_work > 0 && n > 0 && b.mtry * n > o->max_work) {
		b.mtry = o->max_work / n;
		if (b.mtry < (size_t)ceil(sqrt((double)d)))
			b.mtry = (size_t)ceil(sqrt((double)d));
	}
	if (b.mtry < 1)
		b.mtry = 1;
	if (b.mtry > d)
		b.mtry = d;
	rng_seed(&b.rng, seed);
	/* Its own stream, so that the trees grow as they would without. */
	rng_seed(&b.beyond, seed ^ 0x9e3779b97f4a7c15ULL);
	fo->seen_lo = xcalloc(d + 1, sizeof *fo->seen_lo);
	fo->seen_hi = xcalloc(d + 1, sizeof *fo->seen_hi);
	for (f = 0; f < d; f++) {
		fo->seen_lo[f] = n > 0 ? INT32_MAX : 0;
		fo->seen_hi[f] = n > 0 ? -1 : feat[f].nlevels;
		for (i = 0; i < n; i++) {
			if (x[i * d + f] < fo->seen_lo[f])
				fo->seen_lo[f] = x[i * d + f];
			if (x[i * d + f] > fo->seen_hi[f])
				fo->seen_hi[f] = x[i * d + f];
		}
	}
	for (i = 0; i < n; i++)
		mean += y[i];
	if (n > 0)
		mean /= (double)n;
	b.shift = mean;
	b.y = xcalloc(n + 1, sizeof *b.y);
	for (i = 0; i < n; i++) {
		b.y[i] = y[i] - mean;
		if (fabs(b.y[i]) > ymax)
			ymax = fabs(b.y[i]);
	}
	/* Sums of n values stay below 2^62. */
	b.scale = ymax > 0 ? ldexp(1, 62) / ((double)(n + 1) * ymax) : 1;
	b.yq = xcalloc(n + 1, sizeof *b.yq);
	b.ny = xcalloc(n + 1, sizeof *b.ny);
	for (i = 0; i < n; i++)
		b.yq[i] = (int64_t)(b.y[i] * b.scale);
	for (f = 0; f < d; f++)
		if ((size_t)feat[f].nlevels > maxl)
			maxl = (size_t)feat[f].nlevels;
	if (maxl <= 256) {
		b.x8 = xcalloc(n * d + 1, sizeof *b.x8);
		for (i = 0; i < n; i++)
			for (f = 0; f < d; f++)
				b.x8[f * n + i] = (uint8_t)x[i * d + f];
	} else {
		b.x16 = xcalloc(n * d + 1, sizeof *b.x16);
		for (i = 0; i < n; i++)
			for (f = 0; f < d; f++)
				b.x16[f * n + i] = (uint16_t)x[i * d + f];
	}
	b.cnt = xcalloc(maxl, sizeof *b.cnt);
	b.sum = xcalloc(maxl, sizeof *b.sum);
	b.key = xcalloc(maxl, sizeof *b.key);
	b.touch = xcalloc(maxl, sizeof *b.touch);
	b.left = xcalloc(maxl, sizeof *b.left);
	b.idx = xcalloc(n + 1, sizeof *b.idx);
	b.w = xcalloc(n + 1, sizeof *b.w);
	b.nw = xcalloc(n + 1, sizeof *b.nw);
	b.inv = xcalloc(n + 1, sizeof *b.inv);
	for (i = 1; i <= n; i++)
		b.inv[i] = 1.0 / (double)i;
	b.perm = xcalloc(d + 1, sizeof *b.perm);
	for (f = 0; f < d; f++)
		b.perm[f] = f;
	for (t = 0; t < fo->ntrees; t++) {
		for (i = 0; i < n; i++)
			b.w[i] = o->bootstrap ? 0 : 1;
		if (o->bootstrap)
			for (i = 0; i < n; i++)
				b.w[rng_below(&b.rng, n)]++;
		b.nidx = 0;
		for (i = 0; i < n; i++)
			if (b.w[i] > 0)
				b.idx[b.nidx++] = (uint32_t)i;
		b.t = &fo->trees[t];
		b.capnodes = 0;
		b.capsets = 0;
		grow(&b);
		if (o->local_beyond)
			widen_ranges(fo, &fo->trees[t], x, n);
	}
	free(b.y);
	free(b.yq);
	free(b.ny);
	free(b.x8);
	free(b.x16);
	free(b.cnt);
	free(b.sum);
	free(b.key);
	free(b.touch);
	free(b.left);
	free(b.idx);
	free(b.w);
	free(b.nw);
	free(b.inv);
	free(b.perm);
	return fo;
}

void
forest_free(struct forest *fo)
{
	size_t t;

	if (fo == NULL)
		return;
	for (t = 0; t < fo->ntrees; t++) {
		free(fo->trees[t].nodes);
		free(fo->trees[t].sets);
	}
	free(fo->trees);
	free(fo->feat);
	free(fo->seen_lo);
	free(fo->seen_hi);
	free(fo);
}

const struct forest_node *
forest_leaf(const struct forest *fo, size_t t, const int32_t *x)
{
	const struct forest_tree *tr = &fo->trees[t];
	const struct forest_node *nd = tr->nodes;

	while (nd->feature >= 0)
		nd = &tr->nodes[forest_goes_left(fo, tr, nd, x[nd->feature]) ?
			nd->left :
			nd->right];
	return nd;
}

void
forest_predict(const struct forest *fo, const int32_t *x, double *mean,
    double *var_trees, double *var_leaves)
{
	const struct forest_node *nd;
	double s = 0, ss = 0, sv = 0, m, v, ref = 0, dm;
	size_t t;

	/* Sums about the first tree's mean: no cancellation when the
	 * means are large and close. */
	for (t = 0; t < fo->ntrees; t++) {
		nd = forest_leaf(fo, t, x);
		if (t == 0)
			ref = nd->mean;
		dm = nd->mean - ref;
		s += dm;
		ss += dm * dm;
		sv += nd->var;
	}
	m = s / (double)fo->ntrees;
	v = ss / (double)fo->ntrees - m * m;
	if (mean != NULL)
		*mean = m + ref;
	if (var_trees != NULL)
		*var_trees = v > 0 ? v : 0;
	if (var_leaves != NULL)
		*var_leaves = sv / (double)fo->ntrees;
}
