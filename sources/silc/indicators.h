/* indicators.h - exact income-distribution indicators on one sorted group.
 *
 * Pure functions implementing docs/indicators-spec.md §0-2 and §5.3: the
 * Eurostat weighted quantile (with the integer exact-hit test), the strict
 * at-risk-of-poverty rate, the relative median poverty gap, S80/S20 as a
 * ratio of sums and the weighted Gini with the Σw²x term.
 *
 * Every function takes a group already sorted by (x ascending, then a fixed
 * tie key): x[i] is the equivalised income and w[i] the weight in integer
 * units of 1e-5 (spec §0.3, w[i] > 0). W is the sum of w. The caller sorts
 * once per group; these functions only scan. No allocation, no I/O.
 * Not for: grouping, breakdowns or output (cells.h, silc_compute.c). */
#ifndef LNOB_SILC_INDICATORS_H
#define LNOB_SILC_INDICATORS_H
#include <stddef.h>
#include <stdint.h>

#include "cell.h" /* lnob_flag */
#include "lnob/units.h" /* LNOB_WEIGHT_SCALE */

/* Sum of w[0..n). */
int64_t lnob_ind_weight_sum(const int64_t *w, size_t n);

/* Weighted quantile Q(k/100), 0 < k < 100, spec §2.1: the smallest j with
 * C_j >= pW; on an exact hit (100*C_j == k*W) the mean of x_j and x_{j+1},
 * else x_j. n >= 1. */
double lnob_ind_quantile(const double *x, const int64_t *w, size_t n, int64_t W, int k);

/* The full-walk indicators of a group in one pass: the mean Σwx/W and the
 * Gini of §2.6 (undefined when Σwx <= 0), long double sums. n >= 1. */
typedef struct {
    double mean;
    int gini_ok;
    double gini;
} lnob_ind_moments_t;
void lnob_ind_moments(const double *x, const int64_t *w, size_t n, int64_t W, lnob_ind_moments_t *m);

/* Weighted mean income Σ w x / W (long double sum), the mean equivalised
 * income of a group. n >= 1. */
double lnob_ind_mean(const double *x, const int64_t *w, size_t n, int64_t W);

/* Number of leading elements with x < threshold (the poor, spec §2.3). */
size_t lnob_ind_count_below(const double *x, size_t n, double threshold);

/* At-risk-of-poverty rate in percent: 100 * Σ_{x<t} w / W. n >= 1. */
double lnob_ind_arpr(const double *x, const int64_t *w, size_t n, int64_t W, double threshold);

/* Relative median at-risk-of-poverty gap in percent (spec §2.4) against
 * threshold (the national ARPT60). Writes the value and the number of poor
 * persons (the n of §5.3). Returns 0, or -1 when nobody is poor
 * (undefined). */
int lnob_ind_rmpg(const double *x, const int64_t *w, size_t n, double threshold,
                  double *value, size_t *n_poor);

/* S80/S20 income quintile share ratio (spec §2.5). Returns 0, or -1 when
 * the bottom sum is <= 0 (undefined, diagnostic QSR_BOT_NONPOS). */
int lnob_ind_qsr(const double *x, const int64_t *w, size_t n, int64_t W, double *value);

/* Gini coefficient in percent (spec §2.6), long double sums. Returns 0, or
 * -1 when the total Σwx <= 0 (undefined). */
int lnob_ind_gini(const double *x, const int64_t *w, size_t n, int64_t W, double *value);

/* Reliability flag of spec §5.3 from the unweighted n and the item
 * non-response in percent. */
lnob_flag lnob_ind_flag(uint64_t n, double nonresponse_pct);

#endif
