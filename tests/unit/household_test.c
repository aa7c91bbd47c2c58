/* household_test.c - household derivations against spec TV1, TV5, TV6 (§7)
 * and the household-type rule of §5.2. */
#include <criterion/criterion.h>
#include <math.h>

#include "household.h"
#include "lnob/udb.h"

#define REL 1e-9
#define NC LNOB_HH_NOT_COLLECTED

static const lnob_hh_cfg_t *cfg = &lnob_hh_defaults;

/* A household with nothing known. */
static lnob_hh_t s_hh(void)
{
    lnob_hh_t h = {NAN, NAN, NAN, NAN, NAN, {0}, -1};
    for (int k = 0; k < LNOB_HH_ITEMS; k++)
        h.item[k] = LNOB_HH_MISSING;
    return h;
}

/* A member of that age with nothing else known. */
static lnob_member_t s_m(int64_t pid, int sex, int age)
{
    lnob_member_t m = {.pid = pid, .age_eq = age, .age_wi = age, .age_brk = age, .sex = sex,
                       .pl032 = -1, .pl145 = -1, .ft = NAN, .pt = NAN, .hours = NAN};
    for (int k = 0; k < LNOB_PD_ITEMS; k++)
        m.pd[k] = LNOB_HH_MISSING;
    return m;
}

static void s_pd(lnob_member_t *m, int a, int b, int c, int d, int e, int f)
{
    int v[LNOB_PD_ITEMS] = {a, b, c, d, e, f};
    m->has_p = 1;
    for (int k = 0; k < LNOB_PD_ITEMS; k++)
        m->pd[k] = v[k];
}

/* ---- TV1: modified OECD scale and HX090 ----------------------------------- */

Test(household, tv1_equivalised_income_by_the_modified_oecd_scale)
{
    struct { double hy020; int ages[5]; size_t n; double x; } tv[] = {
        {13000, {45, 43, 15, 9, 2}, 5, 5000}, /* HX050 2.6 */
        {6000, {70}, 1, 6000},                /* 1.0 */
        {12000, {30, 28}, 2, 8000},           /* 1.5 */
        {3640, {35, 13}, 2, 2800},            /* 1.3 */
    };
    for (size_t t = 0; t < 4; t++) {
        lnob_hh_t h = s_hh();
        h.hy020 = tv[t].hy020;
        lnob_member_t m[5];
        lnob_status_t out[5];
        for (size_t i = 0; i < tv[t].n; i++)
            m[i] = s_m((int64_t) i, 1, tv[t].ages[i]);
        lnob_hh_derive(&h, m, tv[t].n, cfg, out);
        for (size_t i = 0; i < tv[t].n; i++)
            cr_assert_float_eq(out[i].x, tv[t].x, tv[t].x * REL, "household %zu", t + 1);
    }
}

Test(household, given_hx090_wins_and_a_missing_age_or_income_leaves_x_missing)
{
    lnob_hh_t h = s_hh();
    lnob_member_t m[2] = {s_m(1, 1, 40), s_m(2, 2, LNOB_AGE_NONE)};
    lnob_status_t out[2];
    h.hy020 = 10000;
    lnob_hh_derive(&h, m, 2, cfg, out);
    cr_assert(isnan(out[0].x), "an unknown age leaves HX050 underivable");
    h.hx050 = 1.5;
    lnob_hh_derive(&h, m, 2, cfg, out);
    cr_assert_float_eq(out[1].x, 10000 / 1.5, REL);
    h.hx090 = 1234.5;
    lnob_hh_derive(&h, m, 2, cfg, out);
    cr_assert_eq(out[0].x, 1234.5);
    lnob_hh_t none = s_hh();
    lnob_hh_derive(&none, m, 1, cfg, out);
    cr_assert(isnan(out[0].x), "HY020 missing: x missing (§1.2)");
    lnob_member_t kids[2] = {s_m(1, 1, 12), s_m(2, 2, 9)};
    none.hy020 = 1300;
    lnob_hh_derive(&none, kids, 2, cfg, out);
    cr_assert_float_eq(out[0].x, 1000.0, REL, "only children: 1.0 + 0.3");
}

/* ---- TV5: deprivation ------------------------------------------------------- */

static const int s_d1[LNOB_HH_ITEMS] = {2, 2, 1, 2, 3, 1, -2, 3, 2, 1, 1, 2};
static const int s_d2[LNOB_HH_ITEMS] = {2, 2, 1, 1, -2, 3, -2, 2, 2, 1, 1, 1};

static void s_tv5(lnob_status_t d1[4], lnob_status_t d2[1])
{
    lnob_hh_t h1 = s_hh(), h2 = s_hh();
    for (int k = 0; k < LNOB_HH_ITEMS; k++) {
        h1.item[k] = s_d1[k];
        h2.item[k] = s_d2[k];
    }
    lnob_member_t m1[4] = {s_m(1, 2, 44), s_m(2, 1, 47), s_m(3, 1, 15), s_m(4, 2, 8)};
    s_pd(&m1[0], 2, 1, 2, 3, 1, 1);
    s_pd(&m1[1], 1, 1, 2, 1, 1, -1);
    lnob_member_t b1 = s_m(5, 1, 70);
    s_pd(&b1, 2, 2, 1, 2, 1, 3);
    lnob_hh_derive(&h1, m1, 4, cfg, d1);
    lnob_hh_derive(&h2, &b1, 1, cfg, d2);
}

Test(household, tv5_items_lacking_with_the_child_rule_and_a_missing_item)
{
    lnob_status_t d1[4], d2[1];
    s_tv5(d1, d2);
    const int want[4] = {7, 6, 7, 7}; /* A1, A2, C1, C2 */
    for (int i = 0; i < 4; i++)
        cr_assert_eq(d1[i].lack13, want[i], "D1 member %d: %u items", i, d1[i].lack13);
    cr_assert_eq(d2[0].lack13, 7, "B1");
    cr_assert_eq(d1[1].item_missing, 1, "A2 lacks an answer to PD080");
    cr_assert_eq(d1[0].item_missing + d1[2].item_missing + d1[3].item_missing + d2[0].item_missing, 0,
                 "flag -2 (no such payment) is not missing");
    cr_assert_eq(d1[0].lack9, 5);
    cr_assert_eq(d2[0].lack9, 3);
}

Test(household, old_items_not_collected_make_the_9_item_count_missing)
{
    lnob_hh_t h = s_hh();
    for (int k = 0; k < LNOB_HH_ITEMS; k++)
        h.item[k] = s_d1[k];
    h.item[LNOB_HS080] = NC;
    lnob_member_t m = s_m(1, 1, 40);
    lnob_status_t out;
    lnob_hh_derive(&h, &m, 1, cfg, &out);
    cr_assert_eq(out.lack9, -1);
    cr_assert_eq(out.lack13, 5, "the 13-item count does not use HS080");
}

Test(household, the_all_rule_setting_changes_the_child_imputation)
{
    lnob_hh_cfg_t all = lnob_hh_defaults;
    all.child_rule_half = 0;
    lnob_hh_t h = s_hh();
    for (int k = 0; k < LNOB_HH_ITEMS; k++)
        h.item[k] = s_d1[k];
    lnob_member_t m[3] = {s_m(1, 2, 44), s_m(2, 1, 47), s_m(3, 1, 8)};
    s_pd(&m[0], 2, 1, 2, 3, 1, 1);
    s_pd(&m[1], 1, 1, 2, 1, 1, -1);
    lnob_status_t out[3];
    lnob_hh_derive(&h, m, 3, &all, out);
    cr_assert_eq(out[2].lack13, 6, "PD020 (1 of 2) no longer counts, PD050 (2 of 2) does");
}

/* ---- TV6: work intensity ------------------------------------------------------ */

static lnob_member_t s_w(int64_t pid, int age, int pl032, double ft, double pt, double hours,
                         int pens)
{
    lnob_member_t m = s_m(pid, 1, age);
    m.pl032 = pl032;
    m.ft = ft;
    m.pt = pt;
    m.hours = hours;
    for (int k = 0; k < LNOB_PENSIONS; k++)
        m.py[k] = NAN;
    m.py[LNOB_PY100G] = pens ? 9000 : 0;
    return m;
}

static void s_lwi(lnob_hh_t *h, const lnob_member_t *m, size_t n, int8_t *lwi, int8_t *lwi2020)
{
    lnob_status_t st[4];
    lnob_wi_t wi[4];
    int age[4];
    lnob_pt_table_t none = {{0}, {0}};
    lnob_hh_derive(h, m, n, cfg, st);
    for (size_t i = 0; i < n; i++) {
        wi[i] = st[i].wi;
        age[i] = m[i].age_wi;
    }
    lnob_hh_lwi(wi, age, n, &none, cfg, lwi, lwi2020);
}

Test(household, tv6_low_work_intensity_both_definitions)
{
    lnob_hh_t h = s_hh();
    h.hy010 = 9000;
    int8_t lwi[4], old[4];
    lnob_member_t w1[4] = {s_w(1, 40, 1, 12, 0, NAN, 0), s_w(2, 38, 1, 0, 6, 21, 0),
                           s_w(3, 20, 5, 0, 0, NAN, 0), s_w(4, 10, -1, NAN, NAN, NAN, 0)};
    s_lwi(&h, w1, 4, lwi, old);
    for (int i = 0; i < 4; i++)
        cr_assert(lwi[i] == 0 && old[i] == 0, "W1 member %d: WI 0.65", i);
    lnob_member_t w2[3] = {s_w(11, 50, 2, 2, 0, NAN, 0), s_w(12, 62, 3, 0, 0, NAN, 1),
                           s_w(13, 17, -1, NAN, NAN, NAN, 0)};
    s_lwi(&h, w2, 3, lwi, old);
    cr_assert(lwi[0] == 1 && lwi[1] == 1 && lwi[2] == 1, "W2: WI 2/12");
    cr_assert(old[0] == 1 && old[1] == -1 && old[2] == 1, "old LWI: N2 (62) is outside 0-59");
    lnob_member_t w3[2] = {s_w(21, 63, 8, 0, 0, NAN, 0), s_w(22, 67, 3, 0, 0, NAN, 1)};
    s_lwi(&h, w3, 2, lwi, old);
    cr_assert(lwi[0] == -1 && lwi[1] == -1, "W3 has no eligible member");
    cr_assert(old[0] == -1 && old[1] == -1);
}

Test(household, the_strict_setting_moves_a_household_at_exactly_0_2)
{
    lnob_hh_t h = s_hh();
    lnob_member_t m[5];
    for (int i = 0; i < 5; i++)
        m[i] = s_w(i + 1, 40, i ? 2 : 1, i ? 0 : 12, 0, NAN, 0); /* WI = 12 / 60 = 0.2 */
    lnob_status_t st[5];
    lnob_hh_derive(&h, m, 5, cfg, st);
    lnob_wi_t wi[5];
    int age[5];
    for (int i = 0; i < 5; i++) {
        wi[i] = st[i].wi;
        age[i] = 40;
    }
    lnob_pt_table_t none = {{0}, {0}};
    int8_t lwi[5], old[5];
    lnob_hh_lwi(wi, age, 5, &none, cfg, lwi, old);
    cr_assert_eq(lwi[0], 1, "<= 0.20 by default");
    lnob_hh_cfg_t strict = lnob_hh_defaults;
    strict.lwi_strict = 1;
    lnob_hh_lwi(wi, age, 5, &none, &strict, lwi, old);
    cr_assert_eq(lwi[0], 0, "< 0.20 with LWI_STRICT");
}

Test(household, pension_any_decides_who_leaves_the_work_intensity_population)
{
    lnob_hh_t h = s_hh();
    lnob_member_t m[2] = {s_w(1, 45, 1, 12, 0, NAN, 0), s_w(2, 50, 7, 0, 0, NAN, 0)};
    m[1].py[LNOB_PY110G] = 3000; /* a survivor's pension only */
    lnob_status_t st[2];
    lnob_hh_derive(&h, m, 2, cfg, st);
    cr_assert_eq(st[1].wi.elig, 1, "PY110G is not in the default PENSION_ANY");
    lnob_hh_cfg_t with_survivors = lnob_hh_defaults;
    cr_assert_eq(lnob_hh_pension_set("PY100G,py110g", &with_survivors.pension_any), 0);
    lnob_hh_derive(&h, m, 2, &with_survivors, st);
    cr_assert_eq(st[1].wi.elig, 0, "PY110G named in PENSION_ANY excludes the member");
    cr_assert_eq(lnob_hh_pension_set("PY100G,PY999G", &with_survivors.pension_any), -1);
}

Test(household, settings_read_back_what_they_write_and_refuse_nonsense)
{
    char text[LNOB_HH_SETTINGS_MAX], err[256];
    lnob_hh_cfg_format(&lnob_hh_defaults, text, sizeof text);
    cr_assert_str_eq(text, "LWI_STRICT=0 CHILD_RULE_HALF=1 MAIN_SHARE=0.5 FT_HOURS=35 "
                           "PENSION_ANY=PY100G,PY130G,PY080G PENSION_MAIN=PY100G,PY110G,PY130G,PY080G "
                           "AGE_EQ=IRP AGE_WI=IRP AGE_BRK=INT BOTTOM_CODE_ZERO=0");
    lnob_hh_cfg_t c = lnob_hh_defaults;
    c.lwi_strict = 1, c.main_share = 0.4, c.ft_hours = 40, c.pension_main = 1;
    c.age_eq = LNOB_AGE_INT, c.age_brk = LNOB_AGE_IRP, c.bottom_code_zero = 1;
    lnob_hh_cfg_format(&c, text, sizeof text);
    lnob_hh_cfg_t back;
    cr_assert_eq(lnob_hh_cfg_parse(text, &back, err, sizeof err), 0, "%s", err);
    cr_assert(back.lwi_strict == 1 && back.main_share == 0.4 && back.ft_hours == 40 &&
              back.pension_main == 1 && back.pension_any == lnob_hh_defaults.pension_any &&
              back.child_rule_half == 1 && back.bottom_code_zero == 1, "%s", text);
    cr_assert(back.age_eq == LNOB_AGE_INT && back.age_wi == LNOB_AGE_IRP && back.age_brk == LNOB_AGE_IRP,
              "%s", text);
    cr_assert_eq(lnob_hh_cfg_parse("AGE_WI=int", &back, err, sizeof err), 0);
    cr_assert_eq(back.age_wi, LNOB_AGE_INT);
    cr_assert_eq(lnob_hh_cfg_parse("AGE_EQ=RB082", &back, err, sizeof err), -1);
    cr_assert_eq(lnob_hh_cfg_parse("", &back, err, sizeof err), 0);
    cr_assert_eq(back.ft_hours, 35.0, "an empty text is the defaults");
    cr_assert_eq(lnob_hh_cfg_parse("FT_HOURS=0", &back, err, sizeof err), -1);
    cr_assert_eq(lnob_hh_cfg_parse("LWI_STRICT=2", &back, err, sizeof err), -1);
    cr_assert_eq(lnob_hh_cfg_parse("BOTTOM_CODE_ZERO=2", &back, err, sizeof err), -1);
    cr_assert_eq(lnob_hh_cfg_parse("TYPO=1", &back, err, sizeof err), -1);
    cr_assert(strstr(err, "TYPO"), "%s", err);
}

Test(household, part_time_months_without_hours_are_imputed_from_the_national_table)
{
    lnob_pt_table_t t = {{0}, {0}};
    lnob_member_t pt[2] = {s_w(1, 30, 1, 0, 12, 14, 0), s_w(2, 40, 1, 0, 12, 28, 0)};
    pt[0].pl145 = pt[1].pl145 = 2;
    pt[0].pb040 = 100 * 100000LL;
    pt[1].pb040 = 300 * 100000LL;
    lnob_pt_table_add(&t, pt, 2, cfg); /* men 25-49: (14*100 + 28*300) / 400 = 24.5 h */
    cr_assert_float_eq(lnob_pt_factor(&t, 2, cfg), 24.5 / 35, REL);
    cr_assert_eq(lnob_pt_factor(&t, 5, cfg), 0.5, "an empty cell: f = 0.5");
    lnob_member_t m = s_w(3, 45, 1, 6, 6, NAN, 0); /* changed job: no current hours */
    lnob_status_t st;
    lnob_hh_t h = s_hh();
    lnob_hh_derive(&h, &m, 1, cfg, &st);
    cr_assert_eq(st.wi.imp_cell, 2);
    cr_assert_eq(st.wi.pt_imp, 6);
    cr_assert_eq(st.wi.mw, 6);
    lnob_pt_table_t half = {{0}, {0}}, other = {{0}, {0}};
    lnob_pt_table_add(&half, &pt[0], 1, cfg);
    lnob_pt_table_add(&other, &pt[1], 1, cfg);
    lnob_pt_table_merge(&half, &other);
    cr_assert_eq(half.wh[1], t.wh[1], "tables of two halves add up to the whole");
    cr_assert_eq(half.w[1], t.w[1]);
}

/* ---- household type (§5.2) ----------------------------------------------------- */

Test(household, household_types_of_section_5_2)
{
    struct { int ages[4]; size_t n; int type; } tv[] = {
        {{30}, 1, 5}, {{30, 40}, 2, 6}, {{30, 70}, 2, 7}, {{30, 40, 50}, 3, 8},
        {{30, 5}, 2, 9}, {{30, 40, 5}, 3, 10}, {{30, 40, 5, 7}, 4, 11},
        {{30, 40, 50, 7}, 4, 13}, {{16, 12}, 2, 13},
    };
    for (size_t t = 0; t < sizeof tv / sizeof tv[0]; t++) {
        lnob_hh_t h = s_hh();
        lnob_member_t m[4];
        lnob_status_t out[4];
        for (size_t i = 0; i < tv[t].n; i++)
            m[i] = s_m((int64_t) i, 1, tv[t].ages[i]);
        lnob_hh_derive(&h, m, tv[t].n, cfg, out);
        cr_assert_eq(out[0].hhtype, tv[t].type, "case %zu: %u", t, out[0].hhtype);
    }
    lnob_hh_t h = s_hh();
    lnob_member_t m[3] = {s_m(1, 1, 50), s_m(2, 2, 48), s_m(3, 1, 22)};
    m[2].pl032 = 5;
    m[2].parent_here = 1;
    lnob_status_t out[3];
    lnob_hh_derive(&h, m, 3, cfg, out);
    cr_assert_eq(out[0].hhtype, 10, "a student aged 22 living with a parent is a dependent child");
    m[2].pl032 = 1;
    lnob_hh_derive(&h, m, 3, cfg, out);
    cr_assert_eq(out[0].hhtype, 8, "working, he is an adult");
    h.hx060 = 6;
    lnob_hh_derive(&h, m, 3, cfg, out);
    cr_assert_eq(out[0].hhtype, 6, "a delivered HX060 wins");
}

/* ---- §1.8: which income, ages, under 16; §5.3: whose items ------------------ */

/* A delivered HX090 more than 1 ALL from HY020 (x HY025) / HX050 is kept
 * and counted: 3000 / 1.5 = 2000, so 2001.5 is counted, 2001 and 1999 not. */
Test(household, an_hx090_further_than_1_all_from_hy020_over_hx050_is_counted)
{
    lnob_member_t m[2] = {s_m(1, 1, 30), s_m(2, 2, 28)};
    lnob_hh_t h = s_hh();
    h.hy020 = 3000;
    h.hx050 = 1.5;
    h.hx090 = 2001.5;
    cr_assert_eq(lnob_hh_hx090_differs(&h, NULL, 0), 1);
    cr_assert_eq(lnob_hh_income(&h, NULL, 0), 2001.5, "HX090 stays the income");
    h.hx090 = 2001;
    cr_assert_eq(lnob_hh_hx090_differs(&h, NULL, 0), 0, "exactly 1 ALL is not more than 1");
    h.hx090 = 1999;
    cr_assert_eq(lnob_hh_hx090_differs(&h, NULL, 0), 0);
    h.hx050 = NAN; /* derived from the ages: 1.5 */
    h.hx090 = 2500;
    cr_assert_eq(lnob_hh_hx090_differs(&h, m, 2), 1);
    h.hy020 = NAN;
    cr_assert_eq(lnob_hh_hx090_differs(&h, m, 2), 0, "nothing to compare with");
}

/* AGE_IRP -1 (born after the income reference period) is a child under 14:
 * 13000 / (1.0 + 0.5 + 0.3) = 13000 / 1.8; before, -1 was "missing" and
 * the household had no income. */
Test(household, age_irp_minus_one_is_a_child_for_hx050_and_in_the_lwi_population)
{
    lnob_hh_t h = s_hh();
    h.hy020 = 13000;
    lnob_member_t m[3] = {s_w(1, 40, 2, 1, 0, NAN, 0), s_w(2, 38, 2, 1, 0, NAN, 0), s_m(3, 1, -1)};
    lnob_status_t st[3];
    lnob_hh_derive(&h, m, 3, cfg, st);
    cr_assert_float_eq(st[2].x, 13000 / 1.8, 13000 / 1.8 * REL);
    int8_t lwi[3], old[3];
    s_lwi(&h, m, 3, lwi, old);
    /* WI = 2 / 24 <= 0.2: every member aged up to 64 (59), the newborn too */
    cr_assert(lwi[0] == 1 && lwi[1] == 1 && lwi[2] == 1, "lwi %d %d %d", lwi[0], lwi[1], lwi[2]);
    cr_assert_eq(old[2], 1);
    m[2].age_eq = m[2].age_wi = LNOB_AGE_NONE;
    lnob_hh_derive(&h, m, 3, cfg, st);
    cr_assert(isnan(st[0].x), "an AGE_IRP that is missing leaves HX050 underivable");
    s_lwi(&h, m, 3, lwi, old);
    cr_assert_eq(lwi[2], -1, "a missing age is outside the LWI population");
    cr_assert_eq(lwi[0], 1, "the others' WI is computed without them");
}

/* §3.3 applies to every person under 16, whatever P values the row has: a
 * 15-year-old answering PD items "lacking" still takes the adults' items
 * (none lacking here), so 0 personal items instead of 6. */
Test(household, a_person_under_16_takes_the_child_rule_whatever_p_values_it_has)
{
    lnob_hh_t h = s_hh();
    for (int k = 0; k < LNOB_HH_ITEMS; k++) /* no household item lacking (arrears: 3 "no") */
        h.item[k] = k >= LNOB_HS011 && k <= LNOB_HS031 ? 3 : 1;
    lnob_member_t m[2] = {s_m(1, 2, 44), s_m(2, 1, 15)};
    s_pd(&m[0], 1, 1, 1, 1, 1, 1);
    s_pd(&m[1], 2, 2, 2, 2, 2, 2);
    lnob_status_t out[2];
    lnob_hh_derive(&h, m, 2, cfg, out);
    cr_assert_eq(out[0].lack13, 0);
    cr_assert_eq(out[1].lack13, 0, "the child rule, not its own answers: %u", out[1].lack13);
}

/* Item non-response per item set (§5.3): a missing old-only item (HS070)
 * marks the 9-item set only; a missing PD item the 13-item set only; a
 * missing shared item (HS040) both. */
Test(household, a_missing_item_marks_only_the_item_sets_it_belongs_to)
{
    lnob_hh_t h = s_hh();
    for (int k = 0; k < LNOB_HH_ITEMS; k++)
        h.item[k] = 1;
    lnob_member_t m = s_m(1, 1, 40);
    s_pd(&m, 1, 1, 1, 1, 1, 1);
    lnob_status_t out;
    lnob_hh_derive(&h, &m, 1, cfg, &out);
    cr_assert_eq(out.item_missing, 0);
    h.item[LNOB_HS070] = LNOB_HH_MISSING;
    lnob_hh_derive(&h, &m, 1, cfg, &out);
    cr_assert_eq(out.item_missing, LNOB_ITEMS_MISSING9);
    h.item[LNOB_HS070] = 1;
    m.pd[LNOB_PD080] = LNOB_HH_MISSING;
    lnob_hh_derive(&h, &m, 1, cfg, &out);
    cr_assert_eq(out.item_missing, LNOB_ITEMS_MISSING13);
    m.pd[LNOB_PD080] = 1;
    h.item[LNOB_HS040] = LNOB_HH_MISSING;
    lnob_hh_derive(&h, &m, 1, cfg, &out);
    cr_assert_eq(out.item_missing, LNOB_ITEMS_MISSING13 | LNOB_ITEMS_MISSING9);
}
