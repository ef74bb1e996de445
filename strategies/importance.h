/*
 * Parameter importance by functional ANOVA over a random forest (Hutter,
 * Hoos and Leyton-Brown, ICML 2014): each tree's prediction, as a
 * function over the whole configuration space (every feature uniform
 * over its levels, independently), has its variance split exactly into
 * a main effect per parameter, pairwise interactions and the rest,
 * using the leaves' boxes; the shares are averaged over the trees. The
 * marginal of a parameter is the prediction at each of its levels
 * averaged over every other parameter.
 *
 * The space is the product of the features' domains: a conditional
 * parameter has "inactive" as one more value, and combinations its
 * condition rules out are averaged over like any other (the forest
 * predicts them from the trials it has), an approximation where
 * conditions abound.
 */
#ifndef WAYFINDER_IMPORTANCE_H
#define WAYFINDER_IMPORTANCE_H

#include <stddef.h>

#include "forest.h"

struct importance_pair {
	size_t a, b; /* features, a < b */
	double share;
};

struct importance {
	size_t d;
	size_t ntrees;    /* trees whose prediction varies (the rest add no
			  shares) */
	double mean;      /* of the prediction over the space */
	double variance;  /* of the prediction over the space */
	double *share;    /* main effect of each feature: share of the
			     variance */
	double *share_sd; /* its standard deviation over the trees */
	struct importance_pair *pairs; /* nonzero ones, largest first */
	size_t npairs;
	double pairs_total;
	/* marginal[f][level]: the prediction with feature f at level,
	 * averaged over the rest of the space and over the trees; NAN for
	 * a level outside the feature's domain (level 0 of an
	 * unconditional parameter). */
	double **marginal;
};

/*
 * Decomposes the forest's prediction. With pairs 0 the interactions are
 * not computed (npairs 0). Free with importance_free().
 */
struct importance *importance_compute(const struct forest *, int pairs);
void importance_free(struct importance *);

#endif
