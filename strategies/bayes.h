/*
 * The pieces of the bayes strategy (strategies/bayes.c) that tests check
 * directly.
 */
#ifndef WAYFINDER_BAYES_H
#define WAYFINDER_BAYES_H

/*
 * Expected improvement below best (minimisation) of a normal prediction
 * of mean mu and standard deviation sd: E[max(best - Y, 0)] for
 * Y ~ N(mu, sd^2); max(best - mu, 0) when sd is 0.
 */
double bayes_ei(double mu, double sd, double best);

#endif
