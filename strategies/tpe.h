/*
 * The per-parameter densities of the tree-structured Parzen estimator
 * (strategies/tpe.c), exported so tests can check them directly.
 */
#ifndef WAYFINDER_TPE_H
#define WAYFINDER_TPE_H

#include <stddef.h>
#include <stdint.h>

#include "../src/rng.h"
#include "../src/spec.h"

struct tpe_density;

/*
 * The density of parameter p given n observed value indices (each with
 * a weight; weights NULL means 1 each) and a prior of weight
 * prior_weight (> 0). ordered asks for a Parzen mixture over the
 * values in their numeric order (int and float parameters only; others
 * are always categorical): per observation a point kernel on its value
 * and a kernel spread to its neighbours, plus a prior kernel over the
 * whole domain, Gaussians truncated and discretised to the domain.
 * Otherwise the density is the smoothed frequency
 * (count_k + prior_weight / K) / (n + prior_weight) of value k of K.
 * p must outlive the result; free it with tpe_density_free().
 */
struct tpe_density *
tpe_density_new(const struct param *p, int ordered, const uint64_t *values,
    const double *weights, size_t n, double prior_weight);
/* 1 when d is a Parzen mixture, 0 when categorical. */
int tpe_density_ordered(const struct tpe_density *d);
/* The natural log of the probability of value index idx (< p->card);
 * the probabilities of all indices sum to 1. */
double tpe_density_log(const struct tpe_density *d, uint64_t idx);
/* A value index drawn from d. */
uint64_t tpe_density_sample(const struct tpe_density *d, struct rng *r);
void tpe_density_free(struct tpe_density *d);

#endif
