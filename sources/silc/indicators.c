/* indicators.c - exact income-distribution indicators on one sorted group
 * (docs/indicators-spec.md §0.3, §2.1-2.7, §5.3; API in indicators.h).
 *
 * Weights are int64 units of 1e-5. Cumulative weights and the quantile
 * "exact hit" test stay in integers (100*C_j == k*W); incomes, products and
 * ratios are double, and the Gini sums are long double. The group is sorted
 * ascending by x, so the poor (x < t) and the bottom quintile group
 * (x <= Q20) are prefixes and the top group (x > Q80) is a suffix: every
 * function is a single scan, never allocates and never does I/O. */
#include "indicators.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* Percent scale of rates, Gini and RMPG; also the denominator of k. */
#define S_PERCENT 100
/* Quantile orders used by RMPG (median) and S80/S20. */
#define S_K_MEDIAN 50
#define S_K_Q20 20
#define S_K_Q80 80
/* Largest W for which 100*C_j and k*W (k < 100) fit in int64 (spec §0.3:
 * W is at most ~1e15 in practice, far below this ~9.2e16). */
#define S_W_MAX (INT64_MAX / S_PERCENT)
/* Reliability thresholds of §5.3: unweighted n and item non-response (%). */
#define S_N_SUPPRESS_BELOW 20
#define S_N_OK_FROM 50
#define S_NR_U_ABOVE 20.0
#define S_NR_SUPPRESS_ABOVE 50.0

int64_t lnob_ind_weight_sum(const int64_t *w, size_t n)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        assert(w[i] > 0);
        assert(sum <= INT64_MAX - w[i]);
        sum += w[i];
    }
    return sum;
}

/* Index of the smallest j with 100*C_j >= k*W, writing C_j; n - 1 at most
 * (a W larger than the true sum cannot run past the end). */
static size_t s_quantile_index(const int64_t *w, size_t n, int64_t kw, int64_t *cum)
{
    int64_t c = 0;
    size_t j = 0;
    for (; j < n; j++) {
        c += w[j];
        if (S_PERCENT * c >= kw)
            break;
    }
    if (j == n)
        j = n - 1;
    *cum = c;
    return j;
}

double lnob_ind_quantile(const double *x, const int64_t *w, size_t n, int64_t W, int k)
{
    assert(n >= 1);
    assert(k > 0 && k < S_PERCENT);
    assert(W > 0 && W <= S_W_MAX); /* keeps 100*C_j and k*W inside int64 */
    const int64_t kw = (int64_t) k * W;
    int64_t cum = 0;
    const size_t j = s_quantile_index(w, n, kw, &cum);
    /* Exact hit: average with the next value (j + 1 < n whenever W is the
     * true sum and k < 100; guarded anyway). */
    if (S_PERCENT * cum == kw && j + 1 < n)
        return (x[j] + x[j + 1]) / 2.0;
    return x[j];
}

void lnob_ind_moments(const double *x, const int64_t *w, size_t n, int64_t W, lnob_ind_moments_t *m)
{
    assert(n >= 1 && W > 0);
    long double a = 0.0L, b = 0.0L, t = 0.0L;
    int64_t cum = 0;
    for (size_t i = 0; i < n; i++) {
        const long double wi = (long double) w[i];
        const long double wx = wi * (long double) x[i];
        cum += w[i];
        a += wx * (long double) cum;
        b += wi * wx;
        t += wx;
    }
    m->mean = (double) (t / (long double) W);
    m->gini_ok = t > 0.0L;
    const long double ratio = m->gini_ok ? (2.0L * a - b) / ((long double) W * t) : 1.0L;
    m->gini = (double) ((long double) S_PERCENT * (ratio - 1.0L));
}

double lnob_ind_mean(const double *x, const int64_t *w, size_t n, int64_t W)
{
    lnob_ind_moments_t m;
    lnob_ind_moments(x, w, n, W, &m);
    return m.mean;
}

size_t lnob_ind_count_below(const double *x, size_t n, double threshold)
{
    size_t i = 0;
    while (i < n && x[i] < threshold)
        i++;
    return i;
}

double lnob_ind_arpr(const double *x, const int64_t *w, size_t n, int64_t W, double threshold)
{
    assert(n >= 1 && W > 0);
    const size_t n_poor = lnob_ind_count_below(x, n, threshold);
    const int64_t w_poor = lnob_ind_weight_sum(w, n_poor);
    return S_PERCENT * (double) w_poor / (double) W;
}

int lnob_ind_rmpg(const double *x, const int64_t *w, size_t n, double threshold,
                  double *value, size_t *n_poor)
{
    const size_t np = lnob_ind_count_below(x, n, threshold);
    *n_poor = np;
    /* Nobody poor: undefined. A threshold <= 0 (median <= 0) would divide by
     * zero or flip the sign of the gap, so it is undefined as well. */
    if (np == 0 || !(threshold > 0.0))
        return -1;
    const int64_t w_poor = lnob_ind_weight_sum(w, np);
    const double m_poor = lnob_ind_quantile(x, w, np, w_poor, S_K_MEDIAN);
    *value = S_PERCENT * (threshold - m_poor) / threshold;
    return 0;
}

/* Σ w x over the prefix with x <= q20 (the bottom group of §2.5). */
static double s_bottom_sum(const double *x, const int64_t *w, size_t n, double q20)
{
    double sum = 0.0;
    for (size_t i = 0; i < n && x[i] <= q20; i++)
        sum += (double) w[i] * x[i];
    return sum;
}

/* Σ w x over the suffix with x > q80 (the top group of §2.5). */
static double s_top_sum(const double *x, const int64_t *w, size_t n, double q80)
{
    double sum = 0.0;
    for (size_t i = n; i > 0 && x[i - 1] > q80; i--)
        sum += (double) w[i - 1] * x[i - 1];
    return sum;
}

int lnob_ind_qsr(const double *x, const int64_t *w, size_t n, int64_t W, double *value)
{
    assert(n >= 1);
    const double q20 = lnob_ind_quantile(x, w, n, W, S_K_Q20);
    const double q80 = lnob_ind_quantile(x, w, n, W, S_K_Q80);
    const double bot = s_bottom_sum(x, w, n, q20);
    if (!(bot > 0.0))
        return -1;
    *value = s_top_sum(x, w, n, q80) / bot;
    return 0;
}

int lnob_ind_gini(const double *x, const int64_t *w, size_t n, int64_t W, double *value)
{
    lnob_ind_moments_t m;
    lnob_ind_moments(x, w, n, W, &m);
    if (!m.gini_ok)
        return -1;
    *value = m.gini;
    return 0;
}

lnob_flag lnob_ind_flag(uint64_t n, double nonresponse_pct)
{
    /* Written as !(nr <= limit) so that a NaN non-response suppresses. */
    if (n < S_N_SUPPRESS_BELOW || !(nonresponse_pct <= S_NR_SUPPRESS_ABOVE))
        return LNOB_FLAG_SUPPRESS;
    if (n < S_N_OK_FROM || nonresponse_pct > S_NR_U_ABOVE)
        return LNOB_FLAG_U;
    return LNOB_FLAG_OK;
}
