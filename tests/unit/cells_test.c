/* cells_test.c - national and breakdown cells against spec TV1 (§7), the
 * four poverty thresholds, and the breakdowns of §5.1 whose groups overlap
 * (gali 1_2, hhtype HH_NODEP / HH_DEP). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"

#define W1 LNOB_WEIGHT_SCALE
#define REL 1e-9
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A person of the foundation's subset (no household statuses). */
#define PB(x_, sex_, age_, age_b_, region_, mun_) \
    {.x = (x_), .w = W1, .sex = (sex_), .age_group = (age_), .age_b = (age_b_), \
     .region = (region_), .mun = (mun_), .lwi = -1, .lwi2020 = -1}
#define P(x_, sex_, age_, region_, mun_) PB(x_, sex_, age_, 0, region_, mun_)

/* TV1, sorted by (x, person id); sex 1 M 2 F; age groups 1 0-17, 2 18-64,
 * 3 65+; AGE_B 1 0-15, 3 25-49, 5 65+. */
static const lnob_person_t s_tv1[] = {
    PB(2800, 2, 2, 3, 1, 3), /* p41 F 35 */
    PB(2800, 1, 1, 1, 1, 3), /* p42 M 13 */
    PB(5000, 1, 2, 3, 1, 1), /* p11 M 45 */
    PB(5000, 2, 2, 3, 1, 1), /* p12 F 43 */
    PB(5000, 1, 1, 1, 1, 1), /* p13 M 15 */
    PB(5000, 2, 1, 1, 1, 1), /* p14 F 9 */
    PB(5000, 1, 1, 1, 1, 1), /* p15 M 2 */
    PB(6000, 2, 3, 5, 2, 2), /* p21 F 70 */
    PB(8000, 1, 2, 3, 2, 2), /* p31 M 30 */
    PB(8000, 2, 2, 3, 2, 2), /* p32 F 28 */
};
static const char *const s_regions[] = {"", "AL01", "AL02"};
static const char *const s_muns[] = {"", "AL154", "AL224", "AL357"};

static lnob_cell_t *s_cells;
static size_t s_n;

static void s_setup(void)
{
    lnob_dims_t dims = {s_regions, 3, s_muns, 4, 0, 0};
    s_cells = lnob_cells_compute(s_tv1, sizeof s_tv1 / sizeof s_tv1[0], &dims, &s_n);
}

static void s_teardown(void)
{
    free(s_cells);
}

/* The cell, or NULL. */
static const lnob_cell_t *s_lookup(const char *ind, const char *dim, const char *group)
{
    for (size_t i = 0; i < s_n; i++)
        if (!strcmp(s_cells[i].indicator, ind) && !strcmp(s_cells[i].breakdown, dim) &&
            !strcmp(s_cells[i].group, group))
            return &s_cells[i];
    return NULL;
}

static const lnob_cell_t *s_find(const char *ind, const char *dim, const char *group)
{
    const lnob_cell_t *c = s_lookup(ind, dim, group);
    cr_assert_not_null(c, "no cell %s %s=%s", ind, dim, group);
    return c;
}

static void s_expect(const char *ind, const char *dim, const char *group, double want, uint64_t n)
{
    const lnob_cell_t *c = s_find(ind, dim, group);
    cr_assert(c->has_value, "%s %s=%s undefined", ind, dim, group);
    cr_assert(fabs(c->value - want) <= REL * fabs(want) + 1e-12, "%s %s=%s: %.17g != %.17g", ind,
              dim, group, c->value, want);
    cr_assert_eq(c->n, n, "%s %s=%s n %llu", ind, dim, group, (unsigned long long) c->n);
}

/* s_expect, and the cell's weighted denominator (in RB050 units). */
static void s_expect_w(const char *ind, const char *dim, const char *group, double want,
                       uint64_t n, double weight)
{
    s_expect(ind, dim, group, want, n);
    double got = s_find(ind, dim, group)->weight;
    cr_assert(fabs(got - weight) <= 1e-12, "%s %s=%s weight %g, want %g", ind, dim, group, got,
              weight);
}

TestSuite(cells, .init = s_setup, .fini = s_teardown);

Test(cells, national_tv1)
{
    s_expect("median", "", "", 5000, 10);
    s_expect("arpt", "", "", 3000, 10);
    s_expect("arpr", "", "", 20.0, 10);
    s_expect("rmpg", "", "", 100.0 * 200 / 3000, 2);
    s_expect("gini", "", "", 100.0 * (614200.0 / 526000.0 - 1), 10);
    s_expect("qsr", "", "", 16000.0 / 5600.0, 10);
    cr_assert_float_eq(s_find("arpr", "", "")->weight, 10.0, 1e-12);
}

Test(cells, thresholds_and_mean_tv1)
{
    s_expect("arpt40", "", "", 2000, 10);
    s_expect("arpt50", "", "", 2500, 10);
    s_expect("arpt70", "", "", 3500, 10);
    s_expect("arpt_2a2c", "", "", 2.1 * 3000, 10);
    s_expect("arpr40", "", "", 0.0, 10);
    s_expect("arpr50", "", "", 0.0, 10);
    s_expect("arpr70", "", "", 20.0, 10);
    s_expect("mean", "", "", (2 * 2800 + 5 * 5000 + 6000 + 2 * 8000) / 10.0, 10);
    s_expect("mean", "region", "AL02", (6000 + 8000 + 8000) / 3.0, 3);
    s_expect("mean", "age_group", "0-17", (2800 + 3 * 5000) / 4.0, 4);
    /* the national ARPT70 = 3500, not the group's own: p42 (2800) of 4 */
    s_expect("arpr70", "age_group", "0-17", 25.0, 4);
    s_expect("arpr70", "region", "AL02", 0.0, 3);
}

Test(cells, breakdowns_use_the_national_threshold)
{
    s_expect("arpr", "sex", "1", 20.0, 5);
    s_expect("arpr", "sex", "2", 20.0, 5);
    s_expect("arpr", "age_group", "0-17", 25.0, 4);
    s_expect("arpr", "age_group", "18-64", 20.0, 5);
    s_expect("arpr", "age_group", "65+", 0.0, 1);
    s_expect("rmpg", "age_group", "0-17", 100.0 * 200 / 3000, 1);
    /* AL357 holds only the poor household: all of it is below the national 3000. */
    s_expect("arpr", "municipality", "AL357", 100.0, 2);
    s_expect("arpr", "region", "AL02", 0.0, 3);
}

Test(cells, group_statistics_use_the_group_distribution)
{
    s_expect("median", "region", "AL02", 8000, 3); /* 6000, 8000, 8000 */
    s_expect("median", "municipality", "AL154", 5000, 5);
    s_expect("gini", "municipality", "AL154", 0.0, 5);
}

Test(cells, undefined_values_are_flagged_not_invented)
{
    const lnob_cell_t *c = s_find("rmpg", "age_group", "65+");
    cr_assert_not(c->has_value);
    cr_assert_str_eq(c->diagnostic, "NO_POOR");
    cr_assert_eq(c->flag, LNOB_FLAG_SUPPRESS);
}

Test(cells, small_cells_are_suppressed)
{
    for (size_t i = 0; i < s_n; i++)
        cr_assert_eq(s_cells[i].flag, LNOB_FLAG_SUPPRESS, "%s %s=%s", s_cells[i].indicator,
                     s_cells[i].breakdown, s_cells[i].group);
}

/* The income cells of one group, in order (docs/redis-keys.md). */
static const char *const s_group_order[] = {"median", "mean", "arpr", "arpr40", "arpr50",
                                            "arpr70", "rmpg", "gini", "qsr"};
#define GROUP_CELLS (sizeof s_group_order / sizeof s_group_order[0])

Test(cells, canonical_order_and_count)
{
    /* 5 thresholds + 9 national, then 9 per group: regions 2, sex 2, age 3,
     * municipalities 3, AGE_B 3, sex x AGE_A 5, sex x AGE_B 5 (no UDB breakdowns). */
    static const char *const thresholds[] = {"arpt", "arpt40", "arpt50", "arpt70", "arpt_2a2c"};
    cr_assert_eq(s_n, 5 + GROUP_CELLS * (1 + 2 + 2 + 3 + 3 + 3 + 5 + 5));
    for (size_t i = 0; i < 5; i++)
        cr_assert_str_eq(s_cells[i].indicator, thresholds[i]);
    for (size_t i = 0; i < GROUP_CELLS; i++) {
        cr_assert_str_eq(s_cells[5 + i].indicator, s_group_order[i]);
        cr_assert_str_eq(s_cells[5 + GROUP_CELLS + i].indicator, s_group_order[i]);
    }
    cr_assert_str_eq(s_cells[5 + GROUP_CELLS].breakdown, "region");
    cr_assert_str_eq(s_cells[5 + GROUP_CELLS].group, "AL01");
    cr_assert_str_eq(s_cells[s_n - 1].breakdown, "sex_age_b");
    cr_assert_str_eq(s_cells[s_n - 1].group, "2_65+");
}

Test(cells, sex_and_age_breakdowns_tv1)
{
    s_expect("arpr", "age_b", "0-15", 25.0, 4);       /* p42 of p42, p13, p14, p15 */
    s_expect("arpr", "age_b", "25-49", 20.0, 5);      /* p41 */
    s_expect("median", "age_b", "65+", 6000, 1);
    s_expect("arpr", "sex_age", "1_0-17", 100.0 / 3, 3); /* p42 of p42, p13, p15 */
    s_expect("arpr", "sex_age", "2_18-64", 100.0 / 3, 3); /* p41 of p41, p12, p32 */
    s_expect("mean", "sex_age", "1_18-64", (5000 + 8000) / 2.0, 2);
    s_expect("median", "sex_age_b", "2_0-15", 5000, 1);
    s_expect("arpr", "sex_age_b", "1_0-15", 100.0 / 3, 3);
    s_expect("arpr", "sex_age_b", "2_65+", 0.0, 1);
}

Test(cells, empty_population_gives_undefined_cells)
{
    lnob_dims_t dims = {s_regions, 1, s_muns, 1, 0, 0};
    size_t n;
    lnob_cell_t *c = lnob_cells_compute(NULL, 0, &dims, &n);
    cr_assert_eq(n, 5 + GROUP_CELLS);
    for (size_t i = 0; i < n; i++) {
        cr_assert_not(c[i].has_value);
        cr_assert_eq(c[i].flag, LNOB_FLAG_SUPPRESS);
    }
    free(c);
}

/* Unequal weights where the four poverty rates all differ (M = 5000: the
 * cumulative weight passes 6 of 12 inside the fifth person, no exact hit;
 * thresholds 2000, 2500, 3000, 3500; 2000 itself is not below ARPT40). */
static const struct {
    double x;
    int w;
} s_four[] = {{1500, 1}, {2000, 2}, {2600, 1}, {3200, 1}, {5000, 2},
              {5000, 1}, {6000, 1}, {7000, 2}, {9000, 1}};

Test(thresholds, four_rates_mean_and_2a2c_with_unequal_weights)
{
    size_t n_p = sizeof s_four / sizeof s_four[0];
    lnob_person_t p[sizeof s_four / sizeof s_four[0]];
    for (size_t i = 0; i < n_p; i++)
        p[i] = (lnob_person_t) P(s_four[i].x, 1, 2, 1, 1);
    for (size_t i = 0; i < n_p; i++)
        p[i].w = s_four[i].w * W1;
    lnob_dims_t dims = {s_regions, 2, s_muns, 2, 0, 0};
    s_cells = lnob_cells_compute(p, n_p, &dims, &s_n);
    s_expect("median", "", "", 5000, 9);
    s_expect("arpt", "", "", 3000, 9);
    s_expect("arpt_2a2c", "", "", 6300, 9);
    s_expect("arpr40", "", "", 100.0 * 1 / 12, 9);
    s_expect("arpr50", "", "", 100.0 * 3 / 12, 9);
    s_expect("arpr", "", "", 100.0 * 4 / 12, 9);
    s_expect("arpr70", "", "", 100.0 * 5 / 12, 9);
    s_expect("mean", "", "", (1500 + 2 * 2000 + 2600 + 3200 + 3 * 5000 + 6000 + 2 * 7000 + 9000) / 12.0,
             9);
    s_expect("arpr50", "sex", "1", 100.0 * 3 / 12, 9);
    cr_assert_float_eq(s_find("mean", "", "")->weight, 12.0, 1e-12);
    free(s_cells);
}

/* ---- breakdowns of spec §5.1 with overlapping groups ------------------------ */

/* A person of the vector below: x sorted, weight in W1 units, breakdown codes. */
typedef struct {
    double x;
    int w;
    uint8_t gali, hhtype, degurba, lack13;
} row_t;

/* Income weight W = 10, C = 1, 2, 5, ...: 5 is an exact hit, M = (3000 +
 * 4000) / 2 = 3500, ARPT60 = 2100, so 1000 and 2000 are poor. The last
 * person has no income. */
static const row_t s_rows[] = {
    {1000, 1, 1, 5, 1, 8},  /* gali 1, one adult */
    {2000, 1, 2, 6, 2, 0},  /* gali 2, two adults < 65 */
    {3000, 3, 1, 9, 3, 0},  /* gali 1, weight 3, single adult with children */
    {4000, 1, 3, 13, 1, 0}, /* gali 3 */
    {5000, 1, 0, 9, 2, 0},  /* under 16: in no gali group */
    {6000, 1, 2, 16, 3, 7}, /* HX060 16: in no hhtype group */
    {7000, 1, 3, 0, 0, 0},  /* household type unknown; DB100 missing */
    {8000, 1, 0, 8, 1, 0},
    {NAN, 1, 1, 5, 2, 9},   /* income missing: status cells only */
};

static void s_compute(uint32_t have)
{
    static const char *const none[] = {""};
    lnob_person_t p[N_OF(s_rows)];
    for (size_t i = 0; i < N_OF(s_rows); i++)
        p[i] = (lnob_person_t){.x = s_rows[i].x, .w = s_rows[i].w * W1, .sex = 1, .age_group = 2,
                               .age_b = 3, .gali = s_rows[i].gali, .degurba = s_rows[i].degurba,
                               .hhtype = s_rows[i].hhtype, .lack13 = s_rows[i].lack13,
                               .lwi = -1, .lwi2020 = -1};
    lnob_dims_t dims = {none, 1, none, 1, have, 0};
    s_cells = lnob_cells_compute(p, N_OF(s_rows), &dims, &s_n);
}

static void s_groups_setup(void)
{
    s_compute(LNOB_HAVE_DEP13 | LNOB_HAVE_GALI | LNOB_HAVE_DEGURBA);
}

/* The groups of a breakdown in the order their median cells come. */
static void s_expect_groups(const char *dim, const char *const *want, size_t n_want)
{
    size_t k = 0;
    for (size_t i = 0; i < s_n; i++) {
        if (strcmp(s_cells[i].breakdown, dim) || strcmp(s_cells[i].indicator, "median"))
            continue;
        cr_assert_lt(k, n_want, "%s: extra group %s", dim, s_cells[i].group);
        cr_assert_str_eq(s_cells[i].group, want[k], "%s group %zu", dim, k);
        k++;
    }
    cr_assert_eq(k, n_want, "%s: %zu groups, want %zu", dim, k, n_want);
}

TestSuite(groups, .init = s_groups_setup, .fini = s_teardown);

Test(groups, national_threshold)
{
    s_expect_w("arpt", "", "", 2100, 8, 10);
    s_expect_w("arpr", "", "", 100.0 * 2 / 10, 8, 10);
}

Test(groups, gali_severe_some_union_and_none)
{
    /* 1: 1000 (w 1) and 3000 (w 3); the income-missing one only in smsd */
    s_expect_w("arpr", "gali", "1", 100.0 * 1 / 4, 2, 4);
    s_expect_w("mean", "gali", "1", (1000 + 3 * 3000) / 4.0, 2, 4);
    s_expect_w("smsd", "gali", "1", 100.0 * 2 / 5, 3, 5);
    s_expect_w("arpr", "gali", "2", 100.0 * 1 / 2, 2, 2);
    /* 1_2 = 1 and 2, each person once: 1000, 2000, 3000 (w 3), 6000 */
    s_expect_w("arpr", "gali", "1_2", 100.0 * 2 / 6, 4, 6);
    s_expect_w("median", "gali", "1_2", 3000, 4, 6);
    s_expect_w("mean", "gali", "1_2", (1000 + 2000 + 3 * 3000 + 6000) / 6.0, 4, 6);
    s_expect_w("smsd", "gali", "1_2", 100.0 * 3 / 7, 5, 7);
    s_expect_w("arpr", "gali", "3", 0.0, 2, 2);
    static const char *const order[] = {"1", "2", "1_2", "3"};
    s_expect_groups("gali", order, N_OF(order));
}

Test(groups, hhtype_groups_and_aggregates)
{
    s_expect_w("arpr", "hhtype", "5", 100.0, 1, 1);
    s_expect_w("smsd", "hhtype", "5", 100.0, 2, 2);
    s_expect_w("arpr", "hhtype", "9", 0.0, 2, 4);
    s_expect_w("median", "hhtype", "13", 4000, 1, 1);
    /* HH_NODEP: types 5, 6, 8 (1000, 2000, 8000 and the income-missing 5) */
    s_expect_w("arpr", "hhtype", "HH_NODEP", 100.0 * 2 / 3, 3, 3);
    s_expect_w("mean", "hhtype", "HH_NODEP", (1000 + 2000 + 8000) / 3.0, 3, 3);
    s_expect_w("smsd", "hhtype", "HH_NODEP", 100.0 * 2 / 4, 4, 4);
    /* HH_DEP: types 9, 9, 13 (3000 w 3, 5000, 4000); 16 and 0 are in neither */
    s_expect_w("arpr", "hhtype", "HH_DEP", 0.0, 3, 5);
    s_expect_w("mean", "hhtype", "HH_DEP", (3 * 3000 + 4000 + 5000) / 5.0, 3, 5);
    static const char *const order[] = {"5", "6", "8", "9", "13", "HH_NODEP", "HH_DEP"};
    s_expect_groups("hhtype", order, N_OF(order));
}

Test(groups, degurba)
{
    s_expect_w("arpr", "degurba", "1", 100.0 * 1 / 3, 3, 3); /* 1000, 4000, 8000 */
    s_expect_w("arpr", "degurba", "2", 100.0 * 1 / 2, 2, 2); /* 2000, 5000 */
    s_expect_w("arpr", "degurba", "3", 0.0, 2, 4);           /* 3000 (w 3), 6000 */
    static const char *const order[] = {"1", "2", "3"};
    s_expect_groups("degurba", order, N_OF(order));
}

Test(groups, breakdown_order)
{
    /* the first cell of each breakdown, in the order they come */
    static const char *const first[] = {"", "items_lacking", "sex", "age_group", "age_b",
                                        "sex_age", "sex_age_b", "gali", "degurba", "hhtype"};
    size_t k = 0;
    for (size_t i = 0; i < s_n; i++)
        if (i == 0 || strcmp(s_cells[i].breakdown, s_cells[i - 1].breakdown)) {
            cr_assert_lt(k, N_OF(first), "extra breakdown %s", s_cells[i].breakdown);
            cr_assert_str_eq(s_cells[i].breakdown, first[k], "breakdown %zu", k);
            k++;
        }
    cr_assert_eq(k, N_OF(first));
}

Test(groups, udb_breakdowns_only_with_their_variables)
{
    free(s_cells);
    s_compute(0);
    cr_assert_null(s_lookup("median", "gali", "1"));
    cr_assert_null(s_lookup("median", "degurba", "1"));
    cr_assert_null(s_lookup("median", "hhtype", "5"));
    cr_assert_not_null(s_lookup("median", "sex_age", "1_18-64"));
}

/* ---- BOTTOM_CODE_ZERO (spec §1.7) ------------------------------------------ */

/* Six one-person households, x (w): P1 -1000 (150) sex 1, P2 2000 (150) 2,
 * P3 4000 (200) 1, P4 6000 (250) 2, P5 9000 (150) 1, P6 20000 (100) 2;
 * W = 1000, C = 150, 300, 500, 750, 900, 1000. By hand, without (x) and
 * with bottom-coding (x', P1 counted as 0):
 * - median: pW = 500 = C_3, exact hit → (4000 + 6000)/2 = 5000 both ways;
 *   ARPT60 3000, ARPT40 2000: AROP60 = (150 + 150)/1000 = 30 %, AROP40 = 15 %.
 * - mean: Σwx = -150,000 + 300,000 + 800,000 + 1,500,000 + 1,350,000 +
 *   2,000,000 = 5,800,000 → 5800; x': 5,950,000 → 5950.
 * - RMPG: poor P1, P2, W_P = 300, 150 = C_1 exact → M_P = (-1000 + 2000)/2 =
 *   500 → 100 × 2500/3000 = 83.33; x': M_P = (0 + 2000)/2 = 1000 → 66.67.
 * - S80/S20: Q20 = 2000 (200 inside (150, 300]), Q80 = 9000 (800 in (750,
 *   900)); TOP = 20000 × 100 = 2,000,000; BOT = -150,000 + 300,000 =
 *   150,000 → 13.33; x': BOT = 300,000 → 6.667.
 * - Gini: A = Σ w x C = -22.5e6 + 90e6 + 400e6 + 1125e6 + 1215e6 + 2000e6 =
 *   4807.5e6, B = Σ w²x = -22.5e6 + 45e6 + 160e6 + 375e6 + 202.5e6 + 200e6 =
 *   960e6, T = 5.8e6 → 100 × ((9615e6 - 960e6)/(1000 × 5.8e6) - 1) =
 *   100 × 2855/5800 = 49.224; x': A = 4830e6, B = 982.5e6, T = 5.95e6 →
 *   100 × (8677.5e6/5950e6 - 1) = 100 × 27275/59500 = 45.840.
 * - sex 1 (P1, P3, P5, W = 500): mean (-150,000 + 800,000 + 1,350,000)/500 =
 *   4000; x': 2,150,000/500 = 4300. */
static const struct {
    double x;
    int w;
    uint8_t sex;
} s_neg[] = {{-1000, 150, 1}, {2000, 150, 2}, {4000, 200, 1}, {6000, 250, 2}, {9000, 150, 1},
             {20000, 100, 2}};

static void s_neg_compute(int bc0)
{
    lnob_person_t p[N_OF(s_neg)];
    for (size_t i = 0; i < N_OF(s_neg); i++)
        p[i] = (lnob_person_t) P(s_neg[i].x, s_neg[i].sex, 2, 1, 1);
    for (size_t i = 0; i < N_OF(s_neg); i++)
        p[i].w = s_neg[i].w * W1;
    lnob_dims_t dims = {s_regions, 2, s_muns, 2, 0, bc0};
    s_cells = lnob_cells_compute(p, N_OF(s_neg), &dims, &s_n);
}

Test(bottom_code_zero, off_keeps_negative_incomes_and_the_plain_ids)
{
    s_neg_compute(0);
    s_expect("median", "", "", 5000, 6);
    s_expect("mean", "", "", 5800, 6);
    s_expect("rmpg", "", "", 100.0 * 2500 / 3000, 2);
    s_expect("qsr", "", "", 2000000.0 / 150000, 6);
    s_expect("gini", "", "", 100.0 * 2855 / 5800, 6);
    s_expect("mean", "sex", "1", 4000, 3);
    for (size_t i = 0; i < s_n; i++)
        cr_assert_null(strstr(s_cells[i].indicator, "_BC0"), "%s", s_cells[i].indicator);
    free(s_cells);
}

Test(bottom_code_zero, on_counts_negative_incomes_as_zero_under_suffixed_ids)
{
    s_neg_compute(1);
    s_expect("median_BC0", "", "", 5000, 6);
    s_expect("arpt_BC0", "", "", 3000, 6);
    s_expect("arpt40_BC0", "", "", 2000, 6);
    s_expect("arpt_2a2c_BC0", "", "", 2.1 * 3000, 6);
    s_expect("arpr_BC0", "", "", 30.0, 6);
    s_expect("arpr40_BC0", "", "", 15.0, 6);
    s_expect("mean_BC0", "", "", 5950, 6);
    s_expect("rmpg_BC0", "", "", 100.0 * 2000 / 3000, 2);
    s_expect("qsr_BC0", "", "", 2000000.0 / 300000, 6);
    s_expect("gini_BC0", "", "", 100.0 * 27275 / 59500, 6);
    /* a breakdown group's own distribution is bottom-coded too */
    s_expect("mean_BC0", "sex", "1", 4300, 3);
    s_expect("arpr_BC0", "sex", "1", 100.0 * 150 / 500, 3);
    cr_assert_null(s_lookup("mean", "", ""), "the plain id is not produced alongside");
    cr_assert_null(s_lookup("gini", "sex", "1"));
    free(s_cells);
}

/* Five persons (w 1) with more than half of the weight below zero, and the
 * household statuses: P4 lacks 7 of the 13 items (SMSD) and 4 of the 9 (SMD),
 * nobody is LWI. x = -300, -200, -100, 500, 1000: pW = 2.5 < C_3 → M = -100,
 * ARPT60 = -60, the three negative ones are poor: AROP60 60 %, AROPE
 * (AROP or SMSD) 80 %, AROP only 60 %, AROPE 2020 80 %, mean 180, Gini 146.67
 * (above 100, as negative incomes allow). Bottom-coded: x' = 0, 0, 0, 500,
 * 1000 → M = x'_3 = 0, ARPT60 = 0 and nobody is below it: AROP60 0 %,
 * RMPG undefined (NO_POOR), AROPE 20 % (P4's SMSD only), AROP only 0 %,
 * AROPE 2020 20 %; mean 1500/5 = 300; Gini: A = 500·4 + 1000·5 = 7000,
 * B = T = 1500 → 100 × ((14000 - 1500)/7500 - 1) = 66.67. SMSD 20 % and LWI
 * 0 % either way, under their own ids. */
static void s_most_negative(int bc0)
{
    static const double x[] = {-300, -200, -100, 500, 1000};
    lnob_person_t p[N_OF(x)];
    for (size_t i = 0; i < N_OF(x); i++) {
        p[i] = (lnob_person_t) P(x[i], 1, 2, 1, 1);
        p[i].lack13 = i == 3 ? 7 : 0;
        p[i].lack9 = i == 3 ? 4 : 0;
        p[i].lwi = p[i].lwi2020 = 0;
    }
    lnob_dims_t dims = {s_regions, 2, s_muns, 2, LNOB_HAVE_DEP13 | LNOB_HAVE_DEP9 | LNOB_HAVE_WI, bc0};
    s_cells = lnob_cells_compute(p, N_OF(x), &dims, &s_n);
}

Test(bottom_code_zero, arope_takes_the_bottom_coded_arop)
{
    s_most_negative(0);
    s_expect("median", "", "", -100, 5);
    s_expect("arpr", "", "", 60.0, 5);
    s_expect("arope", "", "", 80.0, 5);
    s_expect("arope_arop_only", "", "", 60.0, 5);
    s_expect("arope_2020", "", "", 80.0, 5);
    s_expect("mean", "", "", 180, 5);
    s_expect("gini", "", "", 100.0 * 440 / 300, 5);
    free(s_cells);
    s_most_negative(1);
    s_expect("median_BC0", "", "", 0, 5);
    s_expect("arpt_BC0", "", "", 0, 5);
    s_expect("arpr_BC0", "", "", 0.0, 5);
    const lnob_cell_t *rmpg = s_find("rmpg_BC0", "", "");
    cr_assert_not(rmpg->has_value);
    cr_assert_str_eq(rmpg->diagnostic, "NO_POOR");
    s_expect("arope_BC0", "", "", 20.0, 5);
    s_expect("arope_arop_only_BC0", "", "", 0.0, 5);
    s_expect("arope_smsd_only_BC0", "", "", 20.0, 5);
    s_expect("arope_2020_BC0", "", "", 20.0, 5);
    s_expect("mean_BC0", "", "", 300, 5);
    s_expect("gini_BC0", "", "", 100.0 * 2 / 3, 5);
    s_expect("smsd", "", "", 20.0, 5);
    s_expect("smd", "", "", 20.0, 5);
    s_expect("lwi", "", "", 0.0, 5);
    free(s_cells);
}

/* Every id an extract with all the statuses has, as docs/settings.md lists
 * them: the ones computed from income get the suffix, the others keep theirs. */
Test(bottom_code_zero, exactly_the_income_ids_are_suffixed)
{
    static const char *const income[] = {
        "arpt", "arpt40", "arpt50", "arpt70", "arpt_2a2c", "median", "mean", "arpr", "arpr40",
        "arpr50", "arpr70", "rmpg", "gini", "qsr", "arope", "arope_arop_only", "arope_smsd_only",
        "arope_arop_smsd", "arope_lwi_only", "arope_arop_lwi", "arope_smsd_lwi", "arope_all_three",
        "arope_2020"};
    static const char *const other[] = {"smsd", "msd", "md", "smd", "smsd_items", "lwi", "lwi_2020"};
    for (int bc0 = 0; bc0 < 2; bc0++) {
        s_most_negative(bc0);
        int seen_income[N_OF(income)] = {0}, seen_other[N_OF(other)] = {0};
        for (size_t i = 0; i < s_n; i++) {
            const char *id = s_cells[i].indicator;
            int known = 0;
            for (size_t k = 0; k < N_OF(income); k++) {
                char want[64];
                snprintf(want, sizeof want, "%s%s", income[k], bc0 ? "_BC0" : "");
                if (!strcmp(id, want))
                    known = seen_income[k] = 1;
            }
            for (size_t k = 0; k < N_OF(other); k++)
                if (!strcmp(id, other[k]))
                    known = seen_other[k] = 1;
            cr_assert(known, "BOTTOM_CODE_ZERO=%d: unexpected id %s", bc0, id);
        }
        for (size_t k = 0; k < N_OF(income); k++)
            cr_assert(seen_income[k], "BOTTOM_CODE_ZERO=%d: no %s", bc0, income[k]);
        for (size_t k = 0; k < N_OF(other); k++)
            cr_assert(seen_other[k], "BOTTOM_CODE_ZERO=%d: no %s", bc0, other[k]);
        free(s_cells);
    }
    cr_assert_str_eq(lnob_cells_bc0_id("qsr"), "qsr_BC0");
    cr_assert_str_eq(lnob_cells_bc0_id("lwi"), "lwi");
}

/* ---- item non-response per indicator (spec §5.3) ----------------------------- */

/* 100 persons: 30 miss one of the 13 SMSD items, 60 others one of the 9 old
 * items. nr is 30 % for smsd, msd, smsd_items, arope and its parts (U) and
 * 60 % for md, smd and arope_2020 (SUPPRESS); lwi has none (OK). With one
 * share for all (90 %), every deprivation cell was SUPPRESS. */
Test(nonresponse, each_indicator_counts_only_its_own_items)
{
    enum { N = 100 };
    static const char *const none[] = {""};
    lnob_person_t p[N];
    for (size_t i = 0; i < N; i++)
        p[i] = (lnob_person_t){.x = 1000, .w = W1, .sex = 1, .age_group = 2, .age_b = 3,
                               .item_missing = i < 30 ? LNOB_ITEMS_MISSING13
                                             : i < 90 ? LNOB_ITEMS_MISSING9 : 0,
                               .lwi = 0, .lwi2020 = 0};
    lnob_dims_t dims = {none, 1, none, 1, LNOB_HAVE_DEP13 | LNOB_HAVE_DEP9 | LNOB_HAVE_WI, 0};
    s_cells = lnob_cells_compute(p, N, &dims, &s_n);
    static const char *const u[] = {"smsd", "msd", "arope", "arope_arop_only", "arope_all_three"};
    for (size_t k = 0; k < N_OF(u); k++)
        cr_expect_eq(s_find(u[k], "", "")->flag, LNOB_FLAG_U, "%s: nr 30 %%", u[k]);
    cr_expect_eq(s_find("smsd_items", "items_lacking", "0")->flag, LNOB_FLAG_U);
    static const char *const sup[] = {"md", "smd", "arope_2020"};
    for (size_t k = 0; k < N_OF(sup); k++)
        cr_expect_eq(s_find(sup[k], "", "")->flag, LNOB_FLAG_SUPPRESS, "%s: nr 60 %%", sup[k]);
    cr_expect_eq(s_find("lwi", "", "")->flag, LNOB_FLAG_OK);
    cr_expect_eq(s_find("smsd", "sex", "1")->flag, LNOB_FLAG_U, "the national nr in every cell");
    free(s_cells);
}
