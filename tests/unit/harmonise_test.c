/* harmonise_test.c - the breakdown codes harmonise gives each person (spec
 * §5.1: AGE_B cut points, GALI for persons 16+ with a valid PH030, DEGURBA)
 * and the Run columns that carry them. Groups: cells_test.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "harmonise.h"
#include "lnob/udb.h"
#include "lnob/units.h"

#define W1 LNOB_WEIGHT_SCALE
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- per-person codes (harmonise.h) ----------------------------------------- */

Test(codes, age_b_cut_points)
{
    static const struct {
        int32_t age;
        uint32_t group;
    } tv[] = {{LNOB_AGE_NONE, 0}, {-1, 1}, {0, 1},  {15, 1}, {16, 2}, {24, 2}, {25, 3},
              {49, 3}, {50, 4}, {64, 4}, {65, 5}, {99, 5}};
    for (size_t i = 0; i < N_OF(tv); i++)
        cr_expect_eq(lnob_age_b(tv[i].age), tv[i].group, "age %d: %u, want %u", tv[i].age,
                     lnob_age_b(tv[i].age), tv[i].group);
    cr_expect_str_eq(lnob_age_b_names[2], "16-24");
}

/* AGE_A: -1 (RX020 of a person born after the income reference period,
 * the only age there is) is a valid age of the 0-17 group (spec §1.8). */
Test(codes, age_a_takes_minus_one_and_leaves_out_only_a_missing_age)
{
    cr_expect_eq(lnob_age_group(-1), 1);
    cr_expect_eq(lnob_age_group(0), 1);
    cr_expect_eq(lnob_age_group(17), 1);
    cr_expect_eq(lnob_age_group(18), 2);
    cr_expect_eq(lnob_age_group(65), 3);
    cr_expect_eq(lnob_age_group(LNOB_AGE_NONE), 0);
}

Test(codes, gali_is_16_plus_and_valid_ph030_only)
{
    static const struct {
        int32_t ph030, age;
        uint32_t group;
    } tv[] = {{1, 16, 1},  {2, 40, 2},  {3, 80, 3},  {1, 15, 0}, {2, 0, 0},
              {3, -1, 0},  {-1, 40, 0}, {-2, 40, 0}, {-3, 40, 0}, {LNOB_UDB_NOT_COLLECTED, 40, 0}};
    for (size_t i = 0; i < N_OF(tv); i++)
        cr_expect_eq(lnob_gali(tv[i].ph030, tv[i].age), tv[i].group, "PH030 %d age %d", tv[i].ph030,
                     tv[i].age);
}

/* ---- a batch through harmonise ---------------------------------------------- */

#define NB 6

/* Six one-person households with incomes in row order; PH030 and DB100 as
 * the ingester ships them (a flag travels as the code). */
typedef struct {
    Lnob__V1__Batch b;
    int64_t pid[NB], hh[NB], w[NB];
    double hx090[NB];
    uint32_t sex[NB], region[NB], mun[NB];
    int32_t age[NB], ph030[NB], db100[NB], rx020[NB];
    uint64_t line[NB];
    char *dict[1];
    Lnob__V1__Var var[3], *vars[3];
} fx_batch_t;

static void s_fx_batch(fx_batch_t *f, size_t n_vars)
{
    static const int32_t age[NB] = {15, 16, 30, 70, 40, 50};
    static const int32_t ph030[NB] = {1, 1, 2, 3, -1, -3};
    static const int32_t db100[NB] = {1, 2, 3, -1, 2, 1};
    memset(f, 0, sizeof *f);
    lnob__v1__batch__init(&f->b);
    for (size_t i = 0; i < NB; i++) {
        f->pid[i] = 101 + (int64_t) i;
        f->hh[i] = 1 + (int64_t) i;
        f->w[i] = W1;
        f->hx090[i] = 1000.0 * (double) (i + 1);
        f->sex[i] = 1 + i % 2;
        f->age[i] = age[i];
        f->ph030[i] = ph030[i];
        f->db100[i] = db100[i];
        f->rx020[i] = age[i] - 1; /* AGE_IRP: a year younger, at the end of the income year */
        f->line[i] = 2 + i;
    }
    f->dict[0] = "";
    Lnob__V1__Batch *b = &f->b;
    b->extract_id = "silc-2023-x";
    b->run_id = b->source = "";
    b->record_count = NB;
    b->n_person_id = b->n_household_id = b->n_weight = b->n_hx090 = b->n_sex = b->n_age = NB;
    b->n_line = b->n_region = b->n_municipality = NB;
    b->person_id = f->pid;
    b->household_id = f->hh;
    b->weight = f->w;
    b->hx090 = f->hx090;
    b->sex = f->sex;
    b->age = f->age;
    b->line = f->line;
    b->region = f->region;
    b->municipality = f->mun;
    b->n_region_dict = b->n_municipality_dict = 1;
    b->region_dict = b->municipality_dict = f->dict;
    const char *names[3] = {"PH030", "DB100", "RX020"};
    int32_t *codes[3] = {f->ph030, f->db100, f->rx020};
    for (size_t v = 0; v < n_vars; v++) {
        lnob__v1__var__init(&f->var[v]);
        f->var[v].name = (char *) names[v];
        f->var[v].n_code = NB;
        f->var[v].code = codes[v];
        f->vars[v] = &f->var[v];
    }
    b->n_vars = n_vars;
    b->vars = f->vars;
}

Test(harmonise, ships_age_b_gali_and_degurba)
{
    fx_batch_t f;
    s_fx_batch(&f, 2);
    Lnob__V1__Run *r = lnob_harmonise(&f.b, &lnob_hh_defaults);
    cr_assert_eq(r->have, LNOB_HAVE_GALI | LNOB_HAVE_DEGURBA);
    cr_assert_eq(r->record_count, NB);
    cr_assert_eq(r->n_household_id, 0, "PH030 and DB100 alone derive no household statuses");
    static const uint32_t age_b[NB] = {1, 2, 3, 5, 3, 4};
    static const uint32_t gali[NB] = {0, 1, 2, 3, 0, 0};  /* 15-year-old; flags -1, -3 */
    static const uint32_t degurba[NB] = {1, 2, 3, 0, 2, 1};
    for (size_t j = 0; j < NB; j++) {
        size_t i = (size_t) (r->person_id[j] - 101); /* row of the batch */
        cr_expect_eq(r->age_b[j], age_b[i], "person %zu", i);
        cr_expect_eq(r->gali[j], gali[i], "person %zu", i);
        cr_expect_eq(r->degurba[j], degurba[i], "person %zu", i);
        cr_expect_eq(r->age_group[j], lnob_age_group(f.age[i]));
    }
    lnob_harmonise_free(&r);
}

Test(harmonise, no_gali_or_degurba_column_without_the_variable)
{
    fx_batch_t f;
    s_fx_batch(&f, 0);
    Lnob__V1__Run *r = lnob_harmonise(&f.b, &lnob_hh_defaults);
    cr_assert_eq(r->have, 0);
    cr_assert_eq(r->n_gali, 0);
    cr_assert_eq(r->n_degurba, 0);
    cr_assert_eq(r->n_age_b, NB);
    lnob_harmonise_free(&r);
}

/* AGE_BRK=IRP cuts the breakdowns by RX020 instead of the interview age:
 * the 16-year-old (RX020 15) leaves 16-24 for 0-15 and GALI (16+ only),
 * the 50-year-old (49) 50-64 for 25-49;
 * AGE_EQ and AGE_WI do not touch a batch without household variables.
 * The settings travel with the run either way. */
Test(harmonise, age_brk_chooses_the_age_of_the_breakdowns)
{
    fx_batch_t f;
    s_fx_batch(&f, 3);
    lnob_hh_cfg_t irp = lnob_hh_defaults;
    irp.age_brk = LNOB_AGE_IRP;
    Lnob__V1__Run *def = lnob_harmonise(&f.b, &lnob_hh_defaults), *r = lnob_harmonise(&f.b, &irp);
    static const uint32_t age_b_int[NB] = {1, 2, 3, 5, 3, 4}, gali_int[NB] = {0, 1, 2, 3, 0, 0};
    static const uint32_t age_b_irp[NB] = {1, 1, 3, 5, 3, 3}, gali_irp[NB] = {0, 0, 2, 3, 0, 0};
    for (size_t j = 0; j < NB; j++) {
        size_t i = (size_t) (def->person_id[j] - 101), k = (size_t) (r->person_id[j] - 101);
        cr_expect_eq(def->age_b[j], age_b_int[i], "default: person %zu", i);
        cr_expect_eq(def->gali[j], gali_int[i], "default: person %zu", i);
        cr_expect_eq(r->age_b[j], age_b_irp[k], "AGE_BRK=IRP: person %zu", k);
        cr_expect_eq(r->gali[j], gali_irp[k], "AGE_BRK=IRP: person %zu", k);
        cr_expect_eq(r->age_group[j], lnob_age_group(f.rx020[k]));
    }
    cr_assert(strstr(def->settings, "AGE_BRK=INT") && strstr(r->settings, "AGE_BRK=IRP"), "%s | %s",
              def->settings, r->settings);
    lnob_harmonise_free(&def);
    lnob_harmonise_free(&r);
}

/* ---- which income (spec §1.8) -------------------------------------------------- */

/* A merged file with all three income columns: HX090 where valid, else
 * HY020 / HX050 (person 102: 3000 / 1.5); person 103's HX090 3000 is 2 ALL
 * from 4503 / 1.5 = 3002: kept, and counted. Person 106 (weight 0: an
 * invalid RB050) is in no indicator population. */
Test(harmonise, an_invalid_hx090_falls_back_to_hy020_over_hx050_and_a_far_one_is_counted)
{
    fx_batch_t f;
    s_fx_batch(&f, 0);
    double hy020[NB] = {1500, 3000, 4503, 6000, 7500, 9000}, hx050[NB];
    for (size_t i = 0; i < NB; i++)
        hx050[i] = 1.5;
    f.hx090[1] = NAN;
    f.w[5] = 0;
    f.b.n_hy020 = f.b.n_hx050 = NB;
    f.b.hy020 = hy020;
    f.b.hx050 = hx050;
    Lnob__V1__Run *r = lnob_harmonise(&f.b, &lnob_hh_defaults);
    static const double x[] = {1000, 2000, 3000, 4000, 5000};
    cr_assert_eq(r->record_count, 5);
    for (size_t j = 0; j < 5; j++)
        cr_expect_eq(r->x[j], x[j], "x[%zu] = %.17g", j, r->x[j]);
    cr_expect_eq(r->person_id[1], 102);
    cr_expect_eq(r->income_missing, 0);
    cr_expect_eq(r->zero_weight, 1);
    cr_expect_eq(r->hx090_disagree, 1);
    lnob_harmonise_free(&r);
}

/* Cuts the fixture (with its three variables) to one household of its first
 * two persons, of AGE_IRP (RX020) irp0 and irp1, with the income column HY020
 * (HX090 still there). */
static void s_two_persons(fx_batch_t *f, int32_t irp0, int32_t irp1, double *hy020)
{
    const size_t n = 2;
    f->hh[1] = f->hh[0];
    f->rx020[0] = irp0;
    f->rx020[1] = irp1;
    Lnob__V1__Batch *b = &f->b;
    b->record_count = (uint32_t) n;
    b->n_person_id = b->n_household_id = b->n_weight = b->n_sex = b->n_age = n;
    b->n_line = b->n_region = b->n_municipality = b->n_hx090 = b->n_hy020 = n;
    b->hy020 = hy020;
    for (size_t v = 0; v < 3; v++)
        f->var[v].n_code = n;
}

/* HX050 derived over every member, the one without a valid weight (0)
 * included, and RX020 = -1 is a child under 14: 13000 / (1.0 + 0.3). */
Test(harmonise, a_member_without_weight_and_a_newborn_size_the_household)
{
    fx_batch_t f;
    s_fx_batch(&f, 3);
    double hy020[2] = {13000, 13000};
    s_two_persons(&f, 30, -1, hy020);
    f.w[1] = 0;
    f.b.n_hx090 = 0;
    Lnob__V1__Run *r = lnob_harmonise(&f.b, &lnob_hh_defaults);
    cr_assert_eq(r->record_count, 1);
    cr_expect_eq(r->person_id[0], 101);
    cr_expect_float_eq(r->x[0], 10000.0, 1e-9 * 10000);
    cr_expect_eq(r->zero_weight, 1);
    cr_expect_eq(r->income_missing, 0);
    lnob_harmonise_free(&r);
}

/* With UDB variables (whole households), an HX090 that is missing falls
 * back to HY020 (x HY025) over the delivered HX050, not the derived one:
 * 12000 x 1.25 / 2.0 = 7500 (the ages 30 and 28 would give 1.5). */
Test(harmonise, the_fallback_prefers_the_delivered_hx050_to_the_derived_one)
{
    fx_batch_t f;
    s_fx_batch(&f, 3);
    double hy020[2] = {12000, 12000}, hx050[2] = {2.0, 2.0}, hy025[2] = {1.25, 1.25};
    s_two_persons(&f, 30, 28, hy020);
    f.hx090[0] = f.hx090[1] = NAN;
    f.b.n_hx050 = 2;
    f.b.hx050 = hx050;
    Lnob__V1__Var v025 = LNOB__V1__VAR__INIT, *vars[4] = {f.vars[0], f.vars[1], f.vars[2], &v025};
    v025.name = "HY025";
    v025.n_amount = 2;
    v025.amount = hy025;
    f.b.n_vars = 4;
    f.b.vars = vars;
    Lnob__V1__Run *r = lnob_harmonise(&f.b, &lnob_hh_defaults);
    cr_assert_eq(r->record_count, 2);
    cr_expect_eq(r->x[0], 7500.0, "x = %.17g", r->x[0]);
    cr_expect_eq(r->x[1], 7500.0);
    cr_expect_eq(r->income_missing, 0);
    cr_expect_eq(r->hx090_disagree, 0, "no HX090 to compare");
    lnob_harmonise_free(&r);
}
