/* merge_test.c - the aggregator's merge of a SILC extract's runs
 * (silc_compute.c): split in two shares at a pivot person and merged in
 * two threads, it must give the persons in the one total order (x, person
 * id, line) whatever the runs: the cells of one run, of many, and of runs
 * skewed to one side of the pivot equal, bit for bit, the cells of the
 * persons sorted here with qsort, negative, zero and missing incomes
 * among them. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "cells.h"
#include "take.h"
#include "wire.h"

#define N 3000

typedef struct {
    double x;
    int64_t pid, w;
    uint64_t line;
    uint32_t sex, age_group, age_b, region;
} row_t;

static row_t s_rows[N];

/* Many ties in x (200 values), ids in no order, two regions; some incomes
 * negative, some 0 or -0 (the same place in the order), some missing. */
static void s_make_rows(void)
{
    static const double odd[] = {NAN, -0.0, 0.0, -2500.0, -1.0e9};
    for (int i = 0; i < N; i++) {
        double x = i % 40 < 5 ? odd[i % 40] : 1000.0 + (double) ((i * 37) % 200) * 10.0;
        s_rows[i] = (row_t){x, 100000 + (i * 7919) % N, 100000 + i % 13, (uint64_t) i + 2,
                            1 + (uint32_t) i % 2, 1 + (uint32_t) i % 3, 1 + (uint32_t) i % 5, (uint32_t) i % 3};
    }
}

/* The total order: x (a missing one last, -0 as 0), person id, line. */
static int s_cmp_row(const void *a, const void *b)
{
    const row_t *p = a, *q = b;
    if (isnan(p->x) != isnan(q->x))
        return isnan(p->x) ? 1 : -1;
    if (!isnan(p->x) && p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->pid != q->pid)
        return p->pid < q->pid ? -1 : 1;
    return (p->line > q->line) - (p->line < q->line);
}

static const char *s_region_names[] = {"", "AL01", "AL02"};
static const char *const *s_run_regions = s_region_names; /* the region dict runs are sent with */
static size_t s_n_run_regions = 3;

/* ---- the aggregator's side ---------------------------------------------- */

static lnob_env_t *s_result;

/* Sends rows[0..n) (any order) as run seq, sorted as a transformer sorts. */
static void s_send_run(lnob_aggregate_t *a, uint32_t seq, row_t *rows, size_t n)
{
    qsort(rows, n, sizeof *rows, s_cmp_row);
    size_t cap = n ? n : 1;
    double *x = calloc(cap, sizeof *x);
    int64_t *w = calloc(cap, sizeof *w), *pid = calloc(cap, sizeof *pid);
    uint64_t *line = calloc(cap, sizeof *line);
    uint32_t *sex = calloc(cap, 4), *age = calloc(cap, 4), *age_b = calloc(cap, 4), *region = calloc(cap, 4),
             *mun = calloc(cap, 4);
    for (size_t i = 0; i < n; i++) {
        x[i] = rows[i].x, w[i] = rows[i].w, pid[i] = rows[i].pid, line[i] = rows[i].line;
        sex[i] = rows[i].sex, age[i] = rows[i].age_group, age_b[i] = rows[i].age_b, region[i] = rows[i].region;
    }
    Lnob__V1__Run r = LNOB__V1__RUN__INIT;
    r.extract_id = "silc-2023-merge";
    r.run_id = "merge";
    r.seq = seq;
    r.record_count = (uint32_t) n;
    r.rows_read = (uint32_t) n;
    r.n_x = r.n_weight = r.n_person_id = r.n_line = r.n_sex = r.n_age_group = r.n_age_b = r.n_region =
        r.n_municipality = n;
    r.x = x, r.weight = w, r.person_id = pid, r.line = line, r.sex = sex, r.age_group = age, r.age_b = age_b;
    r.region = region, r.municipality = mun;
    r.region_dict = (char **) s_run_regions, r.n_region_dict = s_n_run_regions;
    char *no_mun[] = {""};
    r.municipality_dict = no_mun, r.n_municipality_dict = 1;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    env.run = &r;
    cr_assert_eq(th_take(a, &env), LNOB_OK);
    free(x), free(w), free(pid), free(line), free(sex), free(age), free(age_b), free(region), free(mun);
}

static void s_send_end(lnob_aggregate_t *a, uint32_t runs)
{
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.extract_id = "silc-2023-merge";
    e.run_id = "merge";
    e.batch_count = runs;
    e.period = "2023";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    cr_assert_eq(th_take(a, &env), LNOB_OK);
}

static int s_beats; /* idle calls while the cells were computed */
static pthread_t s_taker;

static void s_idle(void *arg)
{
    (void) arg;
    cr_assert(pthread_equal(pthread_self(), s_taker), "idle is called in the thread that took the end");
    s_beats++;
}

/* The Result of the rows sent as runs: run k gets the rows with owner(i) == k;
 * with idle, the aggregator computes in a thread of its own. */
static void s_aggregate_idle(uint32_t runs, uint32_t (*owner)(size_t i), int idle)
{
    lnob_aggregate_t *a = lnob_aggregate_new(th_keep_result, &s_result);
    s_beats = 0;
    s_taker = pthread_self();
    if (idle)
        lnob_aggregate_set_idle(a, s_idle, NULL);
    row_t *part = malloc(N * sizeof *part);
    for (uint32_t k = 0; k < runs; k++) {
        size_t n = 0;
        for (size_t i = 0; i < N; i++)
            if (owner(i) == k)
                part[n++] = s_rows[i];
        s_send_run(a, k, part, n);
    }
    free(part);
    s_send_end(a, runs);
    lnob_aggregate_destroy(&a);
    cr_assert_not_null(s_result, "no Result");
    cr_assert_str_eq(s_result->result->status, "complete", "%s", s_result->result->error);
}

static void s_aggregate(uint32_t runs, uint32_t (*owner)(size_t i))
{
    s_aggregate_idle(runs, owner, 0);
}

/* ---- the reference: the persons sorted here -------------------------------- */

static void s_expect_reference_cells(void)
{
    row_t *sorted = malloc(N * sizeof *sorted);
    memcpy(sorted, s_rows, sizeof s_rows);
    qsort(sorted, N, sizeof *sorted, s_cmp_row);
    lnob_person_t *p = calloc(N, sizeof *p);
    for (size_t i = 0; i < N; i++)
        p[i] = (lnob_person_t){.x = sorted[i].x, .w = sorted[i].w, .region = sorted[i].region,
                               .sex = (uint8_t) sorted[i].sex, .age_group = (uint8_t) sorted[i].age_group,
                               .age_b = (uint8_t) sorted[i].age_b, .lwi = -1, .lwi2020 = -1};
    const char *no_mun[] = {""};
    lnob_dims_t dims = {s_region_names, 3, no_mun, 1, 0, 0};
    size_t n_cells;
    lnob_cell_t *want = lnob_cells_compute(p, N, &dims, &n_cells);
    const Lnob__V1__Result *got = s_result->result;
    cr_assert_eq(got->n_cells, n_cells);
    for (size_t i = 0; i < n_cells; i++) {
        const Lnob__V1__Cell *c = got->cells[i];
        cr_assert_str_eq(c->indicator, want[i].indicator);
        cr_assert_str_eq(c->group, want[i].group);
        cr_assert_eq(c->has_value, want[i].has_value);
        cr_assert(memcmp(&c->value, &want[i].value, sizeof c->value) == 0, "%s %s: %.17g, want %.17g",
                  c->indicator, c->group, c->value, want[i].value);
        cr_assert_eq(c->n, want[i].n);
    }
    free(want);
    free(p);
    free(sorted);
    lnob_wire_free(&s_result);
}

static uint32_t s_one(size_t i) { return (void) i, 0; }
static uint32_t s_round_robin(size_t i) { return (uint32_t) (i % 7); }
/* Run 0 holds the poorest persons, the others a few each of the rest, and
 * run 5 none: every run's middle is far from the median but one. */
static uint32_t s_skewed(size_t i)
{
    return s_rows[i].x < 2800.0 ? 0 : 1 + (uint32_t) (i % 4);
}

Test(merge, one_run_gives_the_persons_in_the_total_order)
{
    s_make_rows();
    s_aggregate(1, s_one);
    s_expect_reference_cells();
}

Test(merge, many_runs_give_the_same_persons_in_the_same_order)
{
    s_make_rows();
    s_aggregate(7, s_round_robin);
    s_expect_reference_cells();
}

Test(merge, runs_skewed_about_the_pivot_and_an_empty_run_change_nothing)
{
    s_make_rows();
    s_aggregate(6, s_skewed);
    s_expect_reference_cells();
}

/* With an idle callback (the worker's heartbeat) the cells are computed in
 * another thread while the caller beats: the same cells, bit for bit. */
Test(merge, computed_beside_the_heartbeat_the_cells_are_the_same)
{
    s_make_rows();
    s_aggregate_idle(7, s_round_robin, 1);
    cr_assert_geq(s_beats, 1, "the heartbeat went on while the extract was computed");
    s_expect_reference_cells();
}

/* Region codes travel as 16 bits in the aggregator's persons: an extract
 * whose runs name more than that many fails, saying so, with no cell. */
Test(merge, an_extract_with_more_region_codes_than_fit_fails_with_no_cell)
{
    s_make_rows();
    size_t n_names = LNOB_CELLS_CODES_MAX + 10;
    char **names = calloc(n_names, sizeof *names);
    names[0] = "";
    for (size_t i = 1; i < n_names; i++) {
        names[i] = malloc(16);
        snprintf(names[i], 16, "R%06zu", i);
    }
    lnob_aggregate_t *a = lnob_aggregate_new(th_keep_result, &s_result);
    row_t *rows = malloc(N * sizeof *rows);
    memcpy(rows, s_rows, N * sizeof *rows);
    for (size_t i = 0; i < N; i++)
        rows[i].region = (uint32_t) (1 + i * 23 % (n_names - 1));
    const char *const *saved = s_run_regions;
    size_t saved_n = s_n_run_regions;
    s_run_regions = (const char *const *) names, s_n_run_regions = n_names;
    s_send_run(a, 0, rows, N);
    s_run_regions = saved, s_n_run_regions = saved_n;
    s_send_end(a, 1);
    lnob_aggregate_destroy(&a);
    cr_assert_not_null(s_result);
    cr_assert_eq(s_result->result->n_cells, 0);
    cr_assert(strstr(s_result->result->error, "TOO_MANY_CODES: 65545 region"), "%s", s_result->result->error);
    lnob_wire_free(&s_result);
    for (size_t i = 1; i < n_names; i++)
        free(names[i]);
    free(names);
    free(rows);
}
