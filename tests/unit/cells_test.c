/* cells_test.c - national and breakdown cells against spec TV1 (§7). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"

#define W1 LNOB_WEIGHT_SCALE
#define REL 1e-9

/* A person of the foundation's subset (no household statuses). */
#define P(x_, sex_, age_, region_, mun_) \
    {.x = (x_), .w = W1, .sex = (sex_), .age_group = (age_), .region = (region_), \
     .mun = (mun_), .lwi = -1, .lwi2020 = -1}

/* TV1, sorted by (x, person id); sex 1 M 2 F; age groups 1 0-17, 2 18-64, 3 65+. */
static const lnob_person_t s_tv1[] = {
    P(2800, 2, 2, 1, 3), /* p41 F 35 */
    P(2800, 1, 1, 1, 3), /* p42 M 13 */
    P(5000, 1, 2, 1, 1), /* p11 M 45 */
    P(5000, 2, 2, 1, 1), /* p12 F 43 */
    P(5000, 1, 1, 1, 1), /* p13 M 15 */
    P(5000, 2, 1, 1, 1), /* p14 F 9 */
    P(5000, 1, 1, 1, 1), /* p15 M 2 */
    P(6000, 2, 3, 2, 2), /* p21 F 70 */
    P(8000, 1, 2, 2, 2), /* p31 M 30 */
    P(8000, 2, 2, 2, 2), /* p32 F 28 */
};
static const char *const s_regions[] = {"", "AL01", "AL02"};
static const char *const s_muns[] = {"", "AL154", "AL224", "AL357"};

static lnob_cell_t *s_cells;
static size_t s_n;

static void s_setup(void)
{
    lnob_dims_t dims = {s_regions, 3, s_muns, 4, 0};
    s_cells = lnob_cells_compute(s_tv1, sizeof s_tv1 / sizeof s_tv1[0], &dims, &s_n);
}

static void s_teardown(void)
{
    free(s_cells);
}

static const lnob_cell_t *s_find(const char *ind, const char *dim, const char *group)
{
    for (size_t i = 0; i < s_n; i++)
        if (!strcmp(s_cells[i].indicator, ind) && !strcmp(s_cells[i].breakdown, dim) &&
            !strcmp(s_cells[i].group, group))
            return &s_cells[i];
    cr_assert_fail("no cell %s %s=%s", ind, dim, group);
    return NULL;
}

static void s_expect(const char *ind, const char *dim, const char *group, double want, uint64_t n)
{
    const lnob_cell_t *c = s_find(ind, dim, group);
    cr_assert(c->has_value, "%s %s=%s undefined", ind, dim, group);
    cr_assert(fabs(c->value - want) <= REL * fabs(want) + 1e-12, "%s %s=%s: %.17g != %.17g", ind,
              dim, group, c->value, want);
    cr_assert_eq(c->n, n, "%s %s=%s n %llu", ind, dim, group, (unsigned long long) c->n);
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
    /* 5 thresholds + 9 national, then 9 per group: regions 2, sex 2, age 3, municipalities 3. */
    static const char *const thresholds[] = {"arpt", "arpt40", "arpt50", "arpt70", "arpt_2a2c"};
    cr_assert_eq(s_n, 5 + GROUP_CELLS * (1 + 2 + 2 + 3 + 3));
    for (size_t i = 0; i < 5; i++)
        cr_assert_str_eq(s_cells[i].indicator, thresholds[i]);
    for (size_t i = 0; i < GROUP_CELLS; i++) {
        cr_assert_str_eq(s_cells[5 + i].indicator, s_group_order[i]);
        cr_assert_str_eq(s_cells[5 + GROUP_CELLS + i].indicator, s_group_order[i]);
    }
    cr_assert_str_eq(s_cells[5 + GROUP_CELLS].breakdown, "region");
    cr_assert_str_eq(s_cells[5 + GROUP_CELLS].group, "AL01");
    cr_assert_str_eq(s_cells[s_n - 1].breakdown, "municipality");
    cr_assert_str_eq(s_cells[s_n - 1].group, "AL357");
}

Test(cells, empty_population_gives_undefined_cells)
{
    lnob_dims_t dims = {s_regions, 1, s_muns, 1, 0};
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
    lnob_dims_t dims = {s_regions, 2, s_muns, 2, 0};
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
