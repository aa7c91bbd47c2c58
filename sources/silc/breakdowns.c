/* breakdowns.c - the breakdowns of spec §5.1 and their groups (breakdowns.h). */
#include "breakdowns.h"

#include <assert.h>

#include "harmonise.h"

#define N_OF(a) ((uint32_t) (sizeof(a) / sizeof((a)[0])))
#define HHTYPE_FIRST 5      /* one adult without dependent children */
#define HHTYPE_LAST_NODEP 8 /* other households without dependent children */
#define HHTYPE_LAST 13      /* other households with dependent children */
#define GALI_NOT_LIMITED 3  /* PH030 3; 1 and 2 are limited */

/* ---- codes ----------------------------------------------------------------- */

static uint32_t s_region(const lnob_person_t *p) { return p->region; }
static uint32_t s_mun(const lnob_person_t *p) { return p->mun; }
static uint32_t s_sex(const lnob_person_t *p) { return p->sex; }
static uint32_t s_age_a(const lnob_person_t *p) { return p->age_group; }
static uint32_t s_age_b(const lnob_person_t *p) { return p->age_b; }
static uint32_t s_degurba(const lnob_person_t *p) { return p->degurba; }

/* Sex x age: the ages of sex 1, then those of sex 2. */
static uint32_t s_sex_by(uint32_t sex, uint32_t age, uint32_t ages)
{
    return sex && age ? (sex - 1) * ages + age : 0;
}

static uint32_t s_sex_age(const lnob_person_t *p)
{
    return s_sex_by(p->sex, p->age_group, LNOB_AGE_GROUPS);
}

static uint32_t s_sex_age_b(const lnob_person_t *p)
{
    return s_sex_by(p->sex, p->age_b, LNOB_AGE_B_GROUPS);
}

/* GALI 1 severely limited, 2 limited but not severely. */
static uint32_t s_gali_limited(const lnob_person_t *p)
{
    return p->gali == 1 || p->gali == 2 ? p->gali : 0;
}

/* 1: some or severe (1 or 2); 2: not limited (3). */
static uint32_t s_gali_some(const lnob_person_t *p)
{
    return p->gali == 1 || p->gali == 2 ? 1 : p->gali == GALI_NOT_LIMITED ? 2 : 0;
}

/* Household types 5..13 as codes 1..9; HX060's other codes are in no group. */
static uint32_t s_hhtype(const lnob_person_t *p)
{
    if (p->hhtype < HHTYPE_FIRST || p->hhtype > HHTYPE_LAST)
        return 0;
    return p->hhtype - HHTYPE_FIRST + 1u;
}

/* 1: without dependent children (5..8); 2: with (9..13). */
static uint32_t s_hh_dep(const lnob_person_t *p)
{
    if (!s_hhtype(p))
        return 0;
    return p->hhtype <= HHTYPE_LAST_NODEP ? 1 : 2;
}

/* ---- cuts ------------------------------------------------------------------ */

static const char *const s_code_names[] = {"", "1", "2", "3"};
static const char *const s_sex_age_names[] = {"",        "1_0-17", "1_18-64", "1_65+",
                                              "2_0-17",  "2_18-64", "2_65+"};
static const char *const s_sex_age_b_names[] = {"",        "1_0-15",  "1_16-24", "1_25-49",
                                                "1_50-64", "1_65+",   "2_0-15",  "2_16-24",
                                                "2_25-49", "2_50-64", "2_65+"};
static const char *const s_gali_some_names[] = {"", "1_2", "3"};
static const char *const s_hhtype_names[] = {"", "5", "6", "7", "8", "9", "10", "11", "12", "13"};
static const char *const s_hh_dep_names[] = {"", "HH_NODEP", "HH_DEP"};

static const lnob_cut_t s_cut_sex = {s_sex, LNOB_RUN_SEX_MAX + 1, s_code_names};
static const lnob_cut_t s_cut_age_a = {s_age_a, LNOB_AGE_GROUPS + 1, lnob_age_group_names};
static const lnob_cut_t s_cut_age_b = {s_age_b, LNOB_AGE_B_GROUPS + 1, lnob_age_b_names};
static const lnob_cut_t s_cut_sex_age = {s_sex_age, N_OF(s_sex_age_names), s_sex_age_names};
static const lnob_cut_t s_cut_sex_age_b = {s_sex_age_b, N_OF(s_sex_age_b_names), s_sex_age_b_names};
static const lnob_cut_t s_cut_gali = {s_gali_limited, GALI_NOT_LIMITED, s_code_names}; /* 1, 2 */
static const lnob_cut_t s_cut_gali_some = {s_gali_some, N_OF(s_gali_some_names), s_gali_some_names};
static const lnob_cut_t s_cut_degurba = {s_degurba, LNOB_RUN_DEGURBA_MAX + 1, s_code_names};
static const lnob_cut_t s_cut_hhtype = {s_hhtype, N_OF(s_hhtype_names), s_hhtype_names};
static const lnob_cut_t s_cut_hh_dep = {s_hh_dep, N_OF(s_hh_dep_names), s_hh_dep_names};

/* ---- the breakdowns, in canonical order ------------------------------------ */

const lnob_breakdown_t lnob_breakdowns[] = {
    {"region", 0, LNOB_GROUPS_REGIONS, {NULL, NULL}},
    {"sex", 0, LNOB_GROUPS_FIXED, {&s_cut_sex, NULL}},
    {"age_group", 0, LNOB_GROUPS_FIXED, {&s_cut_age_a, NULL}},
    {"municipality", 0, LNOB_GROUPS_MUNICIPALITIES, {NULL, NULL}},
    {"age_b", 0, LNOB_GROUPS_FIXED, {&s_cut_age_b, NULL}},
    {"sex_age", 0, LNOB_GROUPS_FIXED, {&s_cut_sex_age, NULL}},
    {"sex_age_b", 0, LNOB_GROUPS_FIXED, {&s_cut_sex_age_b, NULL}},
    /* 1, 2, then 1_2 and 3 */
    {"gali", LNOB_HAVE_GALI, LNOB_GROUPS_FIXED, {&s_cut_gali, &s_cut_gali_some}},
    {"degurba", LNOB_HAVE_DEGURBA, LNOB_GROUPS_FIXED, {&s_cut_degurba, NULL}},
    /* 5..13, then HH_NODEP and HH_DEP */
    {"hhtype", LNOB_HAVE_HOUSEHOLD, LNOB_GROUPS_FIXED, {&s_cut_hhtype, &s_cut_hh_dep}},
};
const size_t lnob_breakdown_count = N_OF(lnob_breakdowns);

lnob_cut_t lnob_breakdown_dict_cut(const lnob_breakdown_t *b, const lnob_dims_t *dims)
{
    assert(b->from != LNOB_GROUPS_FIXED);
    if (b->from == LNOB_GROUPS_REGIONS)
        return (lnob_cut_t){s_region, (uint32_t) dims->n_regions, dims->regions};
    return (lnob_cut_t){s_mun, (uint32_t) dims->n_municipalities, dims->municipalities};
}
