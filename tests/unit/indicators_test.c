/* indicators_test.c - the exact indicator functions (sources/silc/indicators.h)
 * against the test vectors of docs/indicators-spec.md §7 (TV1-TV4, TV8) and
 * the edge cases of §0.3, §1.7 and §2. Expected values are the spec's exact
 * fractions; doubles are compared with relative tolerance 1e-9 (§0.6). */
#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "indicators.h"

/* Relative tolerance of §0.6; also the absolute one when expecting 0. */
#define REL_TOL 1e-9
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
/* Value an output parameter keeps when a function must not write it. */
#define SENTINEL (-12345.0)

static int s_close(double got, double want)
{
    return fabs(got - want) <= REL_TOL * fmax(fabs(want), 1.0);
}

#define ASSERT_REL(got, want)                                                              \
    do {                                                                                   \
        double g_ = (got), w_ = (want);                                                    \
        cr_assert(s_close(g_, w_), "%s = %.17g, expected %.17g", #got, g_, w_);            \
    } while (0)

/* One sorted group as the functions take it. */
typedef struct {
    const double *x;
    const int64_t *w;
    size_t n;
    int64_t W;
} group_t;

static group_t s_group(const double *x, const int64_t *w, size_t n)
{
    group_t g = {x, w, n, lnob_ind_weight_sum(w, n)};
    return g;
}

static double s_q(group_t g, int k)
{
    return lnob_ind_quantile(g.x, g.w, g.n, g.W, k);
}

/* AROP_k against the group's own median (threshold k*M/100.0, §2.3). */
static double s_arop(group_t g, int k)
{
    double t = k * s_q(g, 50) / 100.0;
    return lnob_ind_arpr(g.x, g.w, g.n, g.W, t);
}

/* RMPG against the group's own ARPT60; asserts it is defined. */
static double s_rmpg(group_t g, size_t want_poor)
{
    double v = SENTINEL;
    size_t np = 0;
    double t = 60 * s_q(g, 50) / 100.0;
    cr_assert_eq(lnob_ind_rmpg(g.x, g.w, g.n, t, &v, &np), 0);
    cr_assert_eq(np, want_poor, "n_poor = %zu, expected %zu", np, want_poor);
    return v;
}

static double s_qsr(group_t g)
{
    double v = SENTINEL;
    cr_assert_eq(lnob_ind_qsr(g.x, g.w, g.n, g.W, &v), 0, "QSR undefined");
    return v;
}

static double s_gini(group_t g)
{
    double v = SENTINEL;
    cr_assert_eq(lnob_ind_gini(g.x, g.w, g.n, g.W, &v), 0, "Gini undefined");
    return v;
}

/* 100 * ((2A - B) / (W T) - 1), the exact Gini from the spec's sums. */
static double s_gini_of(double a, double b, double t, double W)
{
    return 100.0 * ((2.0 * a - b) / (W * t) - 1.0);
}

/* ---- TV1: equal weights, exact hits --------------------------------- */

static const double tv1_x[] = {2800, 2800, 5000, 5000, 5000, 5000, 5000, 6000, 8000, 8000};
static const int64_t tv1_w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

Test(tv1, median)
{
    group_t g = s_group(tv1_x, tv1_w, N_OF(tv1_x));
    cr_assert_eq(g.W, 10);
    ASSERT_REL(s_q(g, 50), 5000.0);
}

Test(tv1, arop)
{
    group_t g = s_group(tv1_x, tv1_w, N_OF(tv1_x));
    ASSERT_REL(s_arop(g, 40), 0.0);
    ASSERT_REL(s_arop(g, 50), 0.0);
    ASSERT_REL(s_arop(g, 60), 20.0);
    ASSERT_REL(s_arop(g, 70), 20.0);
}

Test(tv1, rmpg)
{
    group_t g = s_group(tv1_x, tv1_w, N_OF(tv1_x));
    ASSERT_REL(s_rmpg(g, 2), 100.0 * 200.0 / 3000.0);
}

Test(tv1, quintiles)
{
    group_t g = s_group(tv1_x, tv1_w, N_OF(tv1_x));
    ASSERT_REL(s_q(g, 20), 3900.0);
    ASSERT_REL(s_q(g, 80), 7000.0);
}

Test(tv1, qsr)
{
    group_t g = s_group(tv1_x, tv1_w, N_OF(tv1_x));
    ASSERT_REL(s_qsr(g), 16000.0 / 5600.0);
}

Test(tv1, gini)
{
    group_t g = s_group(tv1_x, tv1_w, N_OF(tv1_x));
    ASSERT_REL(s_gini(g), 100.0 * (614200.0 / 526000.0 - 1.0));
    ASSERT_REL(s_gini(g), s_gini_of(333400, 52600, 52600, 10));
}

/* ---- TV2: unequal weights, Eurostat column -------------------------- */

static const double tv2_x[] = {10, 20, 30, 40, 50};
static const int64_t tv2_w[] = {2, 3, 5, 6, 4};

Test(tv2, quantiles)
{
    group_t g = s_group(tv2_x, tv2_w, N_OF(tv2_x));
    cr_assert_eq(g.W, 20);
    ASSERT_REL(s_q(g, 50), 35.0); /* laeken 40, convey 30 */
    ASSERT_REL(s_q(g, 20), 20.0);
    ASSERT_REL(s_q(g, 80), 45.0); /* laeken 50, convey 40 */
}

Test(tv2, arop)
{
    group_t g = s_group(tv2_x, tv2_w, N_OF(tv2_x));
    ASSERT_REL(s_arop(g, 40), 10.0); /* ARPT 14 */
    ASSERT_REL(s_arop(g, 50), 10.0); /* ARPT 17.5 */
    ASSERT_REL(s_arop(g, 60), 25.0); /* ARPT 21 */
    ASSERT_REL(s_arop(g, 70), 25.0); /* ARPT 24.5 */
}

Test(tv2, rmpg)
{
    group_t g = s_group(tv2_x, tv2_w, N_OF(tv2_x));
    ASSERT_REL(s_rmpg(g, 2), 100.0 / 21.0);
}

Test(tv2, qsr)
{
    group_t g = s_group(tv2_x, tv2_w, N_OF(tv2_x));
    ASSERT_REL(s_qsr(g), 2.5);
}

Test(tv2, gini)
{
    group_t g = s_group(tv2_x, tv2_w, N_OF(tv2_x));
    ASSERT_REL(s_gini(g), s_gini_of(9680, 3210, 670, 20));
    ASSERT_REL(s_gini(g), 100.0 * (16150.0 / 13400.0 - 1.0));
}

Test(tv2, mean)
{
    group_t g = s_group(tv2_x, tv2_w, N_OF(tv2_x));
    /* (20 + 60 + 150 + 240 + 200) / 20 */
    ASSERT_REL(lnob_ind_mean(g.x, g.w, g.n, g.W), 670.0 / 20.0);
}

Test(tv2, ties_median_inside_run)
{
    static const double x[] = {10, 20, 20, 40};
    static const int64_t w[] = {1, 1, 1, 1};
    ASSERT_REL(s_q(s_group(x, w, N_OF(x)), 50), 20.0);
}

Test(tv2, exact_hit_median_averages)
{
    static const double x[] = {10, 20, 30, 40};
    static const int64_t w[] = {1, 1, 1, 1};
    ASSERT_REL(s_q(s_group(x, w, N_OF(x)), 50), 25.0);
}

/* All TV2 weights times 1e5 (RB050 stored in units of 1e-5): same results. */
Test(tv2, weight_scale_1e5)
{
    int64_t w[N_OF(tv2_w)];
    for (size_t i = 0; i < N_OF(w); i++)
        w[i] = tv2_w[i] * LNOB_WEIGHT_SCALE;
    group_t g = s_group(tv2_x, w, N_OF(w));
    cr_assert_eq(g.W, 20 * (int64_t) LNOB_WEIGHT_SCALE);
    ASSERT_REL(s_q(g, 50), 35.0);
    ASSERT_REL(s_q(g, 20), 20.0);
    ASSERT_REL(s_q(g, 80), 45.0);
    ASSERT_REL(s_arop(g, 40), 10.0);
    ASSERT_REL(s_arop(g, 50), 10.0);
    ASSERT_REL(s_arop(g, 60), 25.0);
    ASSERT_REL(s_arop(g, 70), 25.0);
    ASSERT_REL(s_rmpg(g, 2), 100.0 / 21.0);
    ASSERT_REL(s_qsr(g), 2.5);
    ASSERT_REL(s_gini(g), s_gini_of(9680, 3210, 670, 20));
}

/* ---- TV3: zero income, and the negative-income variant -------------- */

static const double tv3_x[] = {0, 2000, 4000, 6000, 9000, 20000};
static const double tv3n_x[] = {-500, 2000, 4000, 6000, 9000, 20000};
static const int64_t tv3_w[] = {100, 150, 200, 250, 200, 100};

Test(tv3, median_and_arop)
{
    group_t g = s_group(tv3_x, tv3_w, N_OF(tv3_x));
    cr_assert_eq(g.W, 1000);
    ASSERT_REL(s_q(g, 50), 6000.0);
    ASSERT_REL(s_arop(g, 40), 25.0);
    ASSERT_REL(s_arop(g, 50), 25.0);
    ASSERT_REL(s_arop(g, 60), 25.0);
    ASSERT_REL(s_arop(g, 70), 45.0);
}

Test(tv3, rmpg)
{
    group_t g = s_group(tv3_x, tv3_w, N_OF(tv3_x));
    ASSERT_REL(s_rmpg(g, 2), 100.0 * 1600.0 / 3600.0);
}

Test(tv3, qsr)
{
    group_t g = s_group(tv3_x, tv3_w, N_OF(tv3_x));
    ASSERT_REL(s_q(g, 20), 2000.0);
    ASSERT_REL(s_q(g, 80), 9000.0);
    ASSERT_REL(s_qsr(g), 2000000.0 / 300000.0);
}

Test(tv3, gini)
{
    group_t g = s_group(tv3_x, tv3_w, N_OF(tv3_x));
    ASSERT_REL(s_gini(g), s_gini_of(5105000000.0, 1140000000.0, 6400000.0, 1000));
    ASSERT_REL(s_gini(g), 41.71875);
}

Test(tv3_negative, unchanged_median_arop_rmpg)
{
    group_t g = s_group(tv3n_x, tv3_w, N_OF(tv3n_x));
    ASSERT_REL(s_q(g, 50), 6000.0);
    ASSERT_REL(s_arop(g, 40), 25.0);
    ASSERT_REL(s_arop(g, 50), 25.0);
    ASSERT_REL(s_arop(g, 60), 25.0);
    ASSERT_REL(s_arop(g, 70), 45.0);
    ASSERT_REL(s_rmpg(g, 2), 100.0 * 1600.0 / 3600.0);
}

Test(tv3_negative, qsr)
{
    group_t g = s_group(tv3n_x, tv3_w, N_OF(tv3n_x));
    ASSERT_REL(s_qsr(g), 8.0); /* BOT = -50,000 + 300,000 */
}

Test(tv3_negative, gini)
{
    group_t g = s_group(tv3n_x, tv3_w, N_OF(tv3n_x));
    ASSERT_REL(s_gini(g), s_gini_of(5100000000.0, 1135000000.0, 6350000.0, 1000));
    ASSERT_REL(s_gini(g), 100.0 * 2715.0 / 6350.0); /* 42.75591... */
}

/* ---- TV4: ties at the threshold and at the quintile cut ------------- */

static const double tv4_x[] = {1000, 1500, 1500, 1500, 2500, 2500, 3000, 4000, 5000, 6000};
static const int64_t tv4_w[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

Test(tv4, strict_threshold)
{
    group_t g = s_group(tv4_x, tv4_w, N_OF(tv4_x));
    ASSERT_REL(s_q(g, 50), 2500.0);
    /* The three persons at exactly ARPT60 = 1500 are not poor. */
    cr_assert_eq(lnob_ind_count_below(g.x, g.n, 1500.0), 1);
    ASSERT_REL(s_arop(g, 60), 10.0);
    ASSERT_REL(s_arop(g, 40), 0.0); /* 1000 is not < 1000 */
    ASSERT_REL(s_arop(g, 50), 10.0);
    ASSERT_REL(s_arop(g, 70), 40.0);
}

Test(tv4, rmpg)
{
    group_t g = s_group(tv4_x, tv4_w, N_OF(tv4_x));
    ASSERT_REL(s_rmpg(g, 1), 100.0 / 3.0);
}

Test(tv4, qsr_tied_cut)
{
    group_t g = s_group(tv4_x, tv4_w, N_OF(tv4_x));
    ASSERT_REL(s_q(g, 20), 1500.0);
    ASSERT_REL(s_q(g, 80), 4500.0);
    ASSERT_REL(s_qsr(g), 11000.0 / 5500.0);
}

Test(tv4, gini)
{
    group_t g = s_group(tv4_x, tv4_w, N_OF(tv4_x));
    ASSERT_REL(s_gini(g), 100.0 * (371500.0 / 285000.0 - 1.0));
}

/* ---- TV8: reliability flags ------------------------------------------ */

Test(tv8, flags)
{
    static const struct {
        uint64_t n;
        double nr;
        lnob_flag want;
    } rows[] = {
        {19, 0.0, LNOB_FLAG_SUPPRESS}, {20, 0.0, LNOB_FLAG_U},   {49, 10.0, LNOB_FLAG_U},
        {50, 20.0, LNOB_FLAG_OK},      {50, 20.5, LNOB_FLAG_U},  {400, 50.0, LNOB_FLAG_U},
        {400, 51.0, LNOB_FLAG_SUPPRESS},
    };
    for (size_t i = 0; i < N_OF(rows); i++) {
        lnob_flag got = lnob_ind_flag(rows[i].n, rows[i].nr);
        cr_assert_eq(got, rows[i].want, "row %c (n %llu, nr %g): %s, expected %s",
                     (char) ('a' + i), (unsigned long long) rows[i].n, rows[i].nr,
                     lnob_flag_name(got), lnob_flag_name(rows[i].want));
    }
}

Test(tv8, flag_names)
{
    cr_assert_str_eq(lnob_flag_name(LNOB_FLAG_OK), "OK");
    cr_assert_str_eq(lnob_flag_name(LNOB_FLAG_U), "U");
    cr_assert_str_eq(lnob_flag_name(LNOB_FLAG_SUPPRESS), "SUPPRESS");
}

/* ---- Edge cases ------------------------------------------------------- */

Test(edge, weight_sum)
{
    cr_assert_eq(lnob_ind_weight_sum(tv3_w, N_OF(tv3_w)), 1000);
    cr_assert_eq(lnob_ind_weight_sum(tv3_w, 0), 0);
    cr_assert_eq(lnob_ind_weight_sum(tv3_w, 2), 250);
}

Test(edge, single_row_quantile)
{
    static const double x[] = {1234.5};
    static const int64_t w[] = {7};
    group_t g = s_group(x, w, 1);
    for (int k = 1; k < 100; k++)
        cr_assert_eq(s_q(g, k), 1234.5, "k = %d", k);
    ASSERT_REL(s_gini(g), 0.0);
}

/* 0.07 * 100 != 7 in double: the hit must be tested as 100*C_j == k*W. */
Test(edge, exact_hit_is_integer)
{
    double x[100];
    int64_t w[100];
    for (size_t i = 0; i < N_OF(x); i++) {
        x[i] = (double) (i + 1);
        w[i] = LNOB_WEIGHT_SCALE;
    }
    group_t g = s_group(x, w, N_OF(x));
    ASSERT_REL(s_q(g, 7), 7.5);
    ASSERT_REL(s_q(g, 29), 29.5);
    ASSERT_REL(s_q(g, 57), 57.5);
}

/* W near the practical maximum of §0.3 (1e15 units): still exact. */
Test(edge, large_weights)
{
    static const double x[] = {100, 300};
    static const int64_t w[] = {500000000000000LL, 500000000000000LL};
    group_t g = s_group(x, w, N_OF(x));
    cr_assert_eq(g.W, 1000000000000000LL);
    ASSERT_REL(s_q(g, 50), 200.0);
    ASSERT_REL(s_q(g, 49), 100.0);
    ASSERT_REL(s_q(g, 51), 300.0);
    ASSERT_REL(s_gini(g), 25.0); /* (2A - B)/(WT) = 1.25 */
}

/* Eurostat PING example (§2.6): replicated and weighted units agree. */
Test(edge, gini_replication)
{
    static const double xr[] = {2, 2, 2, 3, 3};
    static const int64_t wr[] = {1, 1, 1, 1, 1};
    static const double xw[] = {2, 3};
    static const int64_t ww[] = {3, 2};
    ASSERT_REL(s_gini(s_group(xr, wr, N_OF(xr))), 10.0);
    ASSERT_REL(s_gini(s_group(xw, ww, N_OF(xw))), 10.0);
}

/* Order inside a run of equal x changes nothing (§0.4, §2.6). */
Test(edge, tie_order_invariance)
{
    static const double x[] = {1, 5, 5, 9};
    static const int64_t wa[] = {2, 3, 7, 4};
    static const int64_t wb[] = {2, 7, 3, 4};
    group_t a = s_group(x, wa, N_OF(x)), b = s_group(x, wb, N_OF(x));
    ASSERT_REL(s_gini(a), s_gini(b));
    ASSERT_REL(s_qsr(a), s_qsr(b));
    for (int k = 1; k < 100; k++)
        cr_assert_eq(s_q(a, k), s_q(b, k), "k = %d", k);
}

Test(edge, all_equal_incomes)
{
    static const double x[] = {700, 700, 700, 700, 700};
    static const int64_t w[] = {3, 1, 4, 1, 5};
    group_t g = s_group(x, w, N_OF(x));
    ASSERT_REL(s_q(g, 50), 700.0);
    ASSERT_REL(s_arop(g, 60), 0.0);
    ASSERT_REL(s_gini(g), 0.0);
    /* §2.5 as written: TOP = Σ_{x > Q80} is empty, BOT holds everyone, so
     * the ratio of sums is 0, not 1. */
    ASSERT_REL(s_qsr(g), 0.0);
}

Test(edge, zero_incomes)
{
    static const double x[] = {0, 0, 0, 0};
    static const int64_t w[] = {1, 2, 3, 4};
    group_t g = s_group(x, w, N_OF(x));
    double v = SENTINEL;
    size_t np = 99;
    ASSERT_REL(s_q(g, 50), 0.0);
    ASSERT_REL(lnob_ind_arpr(g.x, g.w, g.n, g.W, 0.0), 0.0);
    cr_assert_eq(lnob_ind_qsr(g.x, g.w, g.n, g.W, &v), -1, "BOT = 0 must be undefined");
    cr_assert_eq(lnob_ind_gini(g.x, g.w, g.n, g.W, &v), -1, "T = 0 must be undefined");
    cr_assert_eq(lnob_ind_rmpg(g.x, g.w, g.n, 0.0, &v, &np), -1);
    cr_assert_eq(np, 0);
    cr_assert_eq(v, SENTINEL, "undefined results must not be written");
}

/* Negative and zero incomes are below every positive threshold (§1.7). */
Test(edge, negative_and_zero_incomes_poor)
{
    static const double x[] = {-300, 0, 0, 400, 800};
    static const int64_t w[] = {1, 1, 2, 3, 3};
    group_t g = s_group(x, w, N_OF(x));
    cr_assert_eq(lnob_ind_count_below(g.x, g.n, 1.0), 3);
    cr_assert_eq(lnob_ind_count_below(g.x, g.n, 0.0), 1);
    ASSERT_REL(lnob_ind_arpr(g.x, g.w, g.n, g.W, 1.0), 40.0);
    ASSERT_REL(lnob_ind_arpr(g.x, g.w, g.n, g.W, 0.0), 10.0);
    /* Poor {-300 (1), 0 (1), 0 (2)}: W_P = 4, 2 = C_2 hit → (0+0)/2 = 0. */
    double v = SENTINEL;
    size_t np = 0;
    cr_assert_eq(lnob_ind_rmpg(g.x, g.w, g.n, 240.0, &v, &np), 0);
    cr_assert_eq(np, 3);
    ASSERT_REL(v, 100.0);
    /* A threshold <= 0 (median <= 0) would divide by zero: undefined even
     * though -300 is poor (pipeline rule, see indicators.c). */
    v = SENTINEL;
    cr_assert_eq(lnob_ind_rmpg(g.x, g.w, g.n, 0.0, &v, &np), -1);
    cr_assert_eq(np, 1);
    cr_assert_eq(v, SENTINEL);
}

Test(edge, rmpg_nobody_poor)
{
    group_t g = s_group(tv2_x, tv2_w, N_OF(tv2_x));
    double v = SENTINEL;
    size_t np = 99;
    cr_assert_eq(lnob_ind_rmpg(g.x, g.w, g.n, 10.0, &v, &np), -1); /* 10 is not < 10 */
    cr_assert_eq(np, 0);
    cr_assert_eq(v, SENTINEL);
    cr_assert_eq(lnob_ind_rmpg(g.x, g.w, g.n, 10.5, &v, &np), 0);
    cr_assert_eq(np, 1);
    ASSERT_REL(v, 100.0 * 0.5 / 10.5);
}

Test(edge, qsr_bot_nonpositive)
{
    /* Q20 = (x1+x2)/2 = 0 (hit at C_1 = 1), BOT = 0 + 0 = 0 while T > 0. */
    static const double xz[] = {0, 0, 10, 20, 30};
    /* Q20 = (-100 + 0)/2 = -50, BOT = -100 < 0. */
    static const double xn[] = {-100, 0, 50, 60, 1000};
    static const int64_t w[] = {1, 1, 1, 1, 1};
    double v = SENTINEL;
    group_t gz = s_group(xz, w, N_OF(xz)), gn = s_group(xn, w, N_OF(xn));
    cr_assert_eq(lnob_ind_qsr(gz.x, gz.w, gz.n, gz.W, &v), -1);
    cr_assert_eq(lnob_ind_qsr(gn.x, gn.w, gn.n, gn.W, &v), -1);
    cr_assert_eq(v, SENTINEL);
    /* The Gini stays defined (T = 1010 > 0): A = 5290, B = T. */
    ASSERT_REL(s_gini(gn), s_gini_of(5290, 1010, 1010, 5));
}

Test(edge, gini_total_nonpositive)
{
    static const double x0[] = {-10, 10};
    static const double xneg[] = {-10, 5};
    static const int64_t w[] = {1, 1};
    double v = SENTINEL;
    cr_assert_eq(lnob_ind_gini(x0, w, 2, 2, &v), -1, "T = 0");
    cr_assert_eq(lnob_ind_gini(xneg, w, 2, 2, &v), -1, "T < 0");
    cr_assert_eq(v, SENTINEL);
}
