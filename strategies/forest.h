/*
 * A random forest regressor over encoded configurations, shared by the
 * bayes strategy (its surrogate) and insights (fANOVA walks its trees).
 *
 * Every parameter is one feature whose values are small integer levels:
 * level 0 is "inactive" (a condition switched the parameter off) and
 * levels 1 .. card are its values, in numeric order for ordered domains
 * (int, float, tristate) and in domain order for unordered ones (str,
 * bool). Ordered features split on a threshold (level <= t goes left),
 * unordered ones on a subset of levels, so "inactive" is one more value
 * a tree can split on either way. Trees are grown on bootstrap samples
 * with a random subset of the features tried at each split; a seed gives
 * the same forest on every machine.
 */
#ifndef WAYFINDER_FOREST_H
#define WAYFINDER_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include "../src/space.h"

struct forest_feature {
	int categorical; /* subset splits; otherwise thresholds */
	int32_t nlevels; /* levels 0 .. nlevels - 1 */
	int32_t lo;      /* lowest level a configuration can have: 0 when
			    the parameter can be inactive, else 1 */
};

/*
 * The features of a space, one per parameter in spec order, and the map
 * from a configuration's value indices to levels. A range with more
 * values than fit a level is binned (levels then stand for runs of
 * neighbouring values).
 */
struct forest_features {
	size_t d;
	struct forest_feature *f;
	int32_t **level;  /* level[i][value index]; NULL: 1 + index / per */
	uint64_t *per;    /* values per level of a binned range, else 1 */
	uint64_t **value; /* value[i][level - 1]: the value index of a level
			     (the first of its run when binned) */
};

/* The features of sp (which must outlive them); free them with
 * forest_features_free(). */
struct forest_features *forest_features_new(const struct space *sp);
void forest_features_free(struct forest_features *);
/* Writes the levels of cfg (d of them) into x. */
void forest_encode(const struct forest_features *, const struct config *,
    int32_t *x);
/* The level of value index v (-1: inactive) of parameter i. */
int32_t forest_level(const struct forest_features *, size_t i, int64_t v);
/* The value index a level of parameter i stands for, -1 for level 0. */
int64_t forest_value(const struct forest_features *, size_t i, int32_t level);

struct forest_opts {
	int ntrees;           /* 10 */
	int min_leaf;         /* samples a leaf keeps at least (1) */
	int min_split;        /* samples a node needs to be split (2) */
	int max_depth;        /* 0: no limit */
	double feature_share; /* features tried per split (5/6) */
	int bootstrap;        /* 1: each tree sees a bootstrap sample */
	/* When > 0, fewer features are tried per split in a very wide
	 * space, so that samples x features stays near this (never below
	 * the square root of the features): bounds the time of a fit. */
	size_t max_work;
	/* 1: levels of an ordered feature outside those of every sample
	 * that reaches a node go the way `beyond` says at that node, not
	 * only those outside the whole forest's samples (0, the
	 * default). */
	int local_beyond;
};

/*
 * A node of a tree. feature -1 marks a leaf. An ordered split sends
 * levels <= split left; a categorical one sends level l left when
 * tree->sets[split + l] is 1. Levels of an ordered feature outside the
 * range the forest was fitted on (forest.seen_lo, seen_hi) go the way
 * `beyond` says, drawn at random when the tree grew: bit 0 set sends
 * those below the range left, bit 1 those above it. In a forest fitted
 * with local_beyond, the range is the node's own (nlo, nhi).
 */
struct forest_node {
	int32_t feature;
	int32_t split;
	int32_t left, right;
	unsigned beyond;
	int32_t nlo, nhi; /* ordered split: lowest and highest level of
			     the samples that reach it */
	int32_t n;        /* samples (with repeats) that reached it */
	double mean;      /* of their y */
	double var;       /* of their y (population variance) */
};

struct forest_tree {
	struct forest_node *nodes; /* nodes[0] is the root */
	size_t nnodes;
	unsigned char *sets;
	size_t nsets;
};

struct forest {
	size_t d;
	struct forest_feature *feat;
	/* The lowest and highest level of each feature in the samples. */
	int32_t *seen_lo, *seen_hi;
	size_t ntrees;
	struct forest_tree *trees;
	int local_beyond;
};

void forest_opts_default(struct forest_opts *);

/*
 * Fits a forest to n observations: x holds n rows of d levels (row i at
 * x + i * d, each within feat[f].nlevels), y their values. Deterministic
 * for a seed. n may be 0 (every tree is then one leaf of mean 0). Free
 * with forest_free().
 */
struct forest *
forest_fit(const struct forest_feature *feat, size_t d, const int32_t *x,
    const double *y, size_t n, const struct forest_opts *, uint64_t seed);
void forest_free(struct forest *);

/* 1 if level goes to the left child of internal node nd of tree t. */
static inline int
forest_goes_left(const struct forest *f, const struct forest_tree *t,
    const struct forest_node *nd, int32_t level)
{
	if (f->feat[nd->feature].categorical)
		return t->sets[nd->split + level];
	if (f->local_beyond) {
		if (level < nd->nlo)
			return (nd->beyond & 1) != 0;
		if (level > nd->nhi)
			return (nd->beyond & 2) != 0;
		return level <= nd->split;
	}
	if (level < f->seen_lo[nd->feature])
		return (nd->beyond & 1) != 0;
	if (level > f->seen_hi[nd->feature])
		return (nd->beyond & 2) != 0;
	return level <= nd->split;
}

/* The leaf of tree t that a row of levels x falls in. */
const struct forest_node *
forest_leaf(const struct forest *, size_t t, const int32_t *x);

/*
 * The forest's prediction for a row of levels: the mean of the trees'
 * leaf means, their variance across trees (var_trees) and the mean of
 * the leaves' own variances (var_leaves). Pointers may be NULL.
 */
void forest_predict(const struct forest *, const int32_t *x, double *mean,
    double *var_trees, double *var_leaves);

#endif
