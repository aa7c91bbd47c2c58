/* household.c - per-member statuses derived within one household (household.h). */
#include "household.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/udb.h"

#define NOT_LACKING_OTHER 3 /* "no, for another reason" */
#define LACKING 2           /* "no, cannot afford" / "yes, arrears twice or more" */
#define CHILD_AGE 16        /* persons under 16 have no P record (§3.3) */
#define OECD_ADULT_AGE 14
#define WI_MIN_AGE 18
#define WI_STUDENT_MAX_AGE 24
#define WI_MAX_AGE 64
#define WI_OLD_AGE 60       /* 60-64: the pension-household exclusion */
#define WI2020_MAX_AGE 59
#define DEP_CHILD_MAX_AGE 17
#define DEP_STUDENT_MAX_AGE 24
#define ELDERLY_AGE 65
#define PL032_EMPLOYED 1
#define PL032_UNEMPLOYED 2
#define PL032_RETIRED 3
#define PL032_STUDENT 5
#define PL145_PART_TIME 2

/* ALL: a delivered HX090 further than this from HY020 / HX050 is counted (§1.8) */
#define HX090_TOLERANCE 1.0

#define PENSIONS_ALL ((1u << LNOB_PENSIONS) - 1)

const char *const lnob_pension_names[LNOB_PENSIONS] = {"PY100G", "PY110G", "PY130G", "PY080G"};

const lnob_hh_cfg_t lnob_hh_defaults = {
    0, 1, 0.5, 35.0, 1u << LNOB_PY100G | 1u << LNOB_PY130G | 1u << LNOB_PY080G, PENSIONS_ALL,
    LNOB_AGE_IRP, LNOB_AGE_IRP, LNOB_AGE_INT, 0};

static const char *const s_age_names[] = {"IRP", "INT"};

int lnob_hh_age_var(const char *name)
{
    for (int k = LNOB_AGE_IRP; k <= LNOB_AGE_INT; k++)
        if (!strcasecmp(name, s_age_names[k]))
            return k;
    return -1;
}

/* ---- settings ------------------------------------------------------------ */

static size_t s_pension_list(unsigned set, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < LNOB_PENSIONS; k++)
        if (set & (1u << k))
            len += (size_t) snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", len ? "," : "",
                                     lnob_pension_names[k]);
    return len;
}

void lnob_hh_cfg_format(const lnob_hh_cfg_t *cfg, char *buf, size_t cap)
{
    char any[64], main_[64];
    s_pension_list(cfg->pension_any, any, sizeof any);
    s_pension_list(cfg->pension_main, main_, sizeof main_);
    snprintf(buf, cap, "LWI_STRICT=%d CHILD_RULE_HALF=%d MAIN_SHARE=%.17g FT_HOURS=%.17g "
                       "PENSION_ANY=%s PENSION_MAIN=%s AGE_EQ=%s AGE_WI=%s AGE_BRK=%s "
                       "BOTTOM_CODE_ZERO=%d",
             cfg->lwi_strict, cfg->child_rule_half, cfg->main_share, cfg->ft_hours, any, main_,
             s_age_names[cfg->age_eq], s_age_names[cfg->age_wi], s_age_names[cfg->age_brk],
             cfg->bottom_code_zero);
}

int lnob_hh_pension_set(const char *list, unsigned *set)
{
    *set = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int k = 0;
        while (k < LNOB_PENSIONS && (strlen(lnob_pension_names[k]) != n ||
                                     strncasecmp(p, lnob_pension_names[k], n) != 0))
            k++;
        if (k == LNOB_PENSIONS)
            return -1;
        *set |= 1u << k;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* One NAME=VALUE of the settings text into cfg; -1 when unknown or bad. */
static int s_setting(lnob_hh_cfg_t *cfg, const char *name, const char *value)
{
    char *end;
    double v = strtod(value, &end);
    int number = *value && !*end;
    if (!strcmp(name, "LWI_STRICT") && number && (v == 0 || v == 1))
        return cfg->lwi_strict = (int) v, 0;
    if (!strcmp(name, "CHILD_RULE_HALF") && number && (v == 0 || v == 1))
        return cfg->child_rule_half = (int) v, 0;
    if (!strcmp(name, "BOTTOM_CODE_ZERO") && number && (v == 0 || v == 1))
        return cfg->bottom_code_zero = (int) v, 0;
    if (!strcmp(name, "MAIN_SHARE") && number && v > 0 && v <= 1)
        return cfg->main_share = v, 0;
    if (!strcmp(name, "FT_HOURS") && number && v >= 1 && v <= 80)
        return cfg->ft_hours = v, 0;
    if (!strcmp(name, "PENSION_ANY"))
        return lnob_hh_pension_set(value, &cfg->pension_any);
    if (!strcmp(name, "PENSION_MAIN"))
        return lnob_hh_pension_set(value, &cfg->pension_main);
    int age = lnob_hh_age_var(value);
    int *slot = !strcmp(name, "AGE_EQ") ? &cfg->age_eq : !strcmp(name, "AGE_WI") ? &cfg->age_wi
              : !strcmp(name, "AGE_BRK") ? &cfg->age_brk : NULL;
    if (slot && age >= 0)
        return *slot = age, 0;
    return -1;
}

int lnob_hh_cfg_parse(const char *text, lnob_hh_cfg_t *cfg, char *err, size_t cap)
{
    *cfg = lnob_hh_defaults;
    char word[LNOB_HH_SETTINGS_MAX];
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, " ");
        snprintf(word, sizeof word, "%.*s", (int) n, p);
        char *eq = strchr(word, '=');
        if (n && (!eq || (*eq = '\0', s_setting(cfg, word, eq + 1) != 0))) {
            snprintf(err, cap, "bad setting '%.*s' (docs/settings.md lists them)", (int) n, p);
            return -1;
        }
        p += n + (p[n] == ' ');
    }
    return 0;
}

/* ---- income (§1.4-1.5) ----------------------------------------------------- */

/* 10 x HX050 by the modified OECD scale, or 0 when an age is missing. */
static int s_oecd_tenths(const lnob_member_t *m, size_t n)
{
    int n14 = 0, n13 = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].age_eq == LNOB_AGE_NONE)
            return 0;
        if (m[i].age_eq >= OECD_ADULT_AGE)
            n14++;
        else
            n13++;
    }
    if (n14 >= 1)
        return 10 + 5 * (n14 - 1) + 3 * n13;
    return n13 ? 10 + 3 * (n13 - 1) : 0;
}

/* HY020 (x HY025) / HX050, HX050 derived when not delivered. */
static double s_income_from_hy020(const lnob_hh_t *h, const lnob_member_t *m, size_t n)
{
    if (isnan(h->hy020))
        return NAN;
    double hy = isnan(h->hy025) ? h->hy020 : h->hy020 * h->hy025;
    if (!isnan(h->hx050))
        return h->hx050 > 0 ? hy / h->hx050 : NAN;
    int tenths = s_oecd_tenths(m, n);
    return tenths ? hy * 10.0 / tenths : NAN;
}

double lnob_hh_income(const lnob_hh_t *h, const lnob_member_t *m, size_t n)
{
    return !isnan(h->hx090) ? h->hx090 : s_income_from_hy020(h, m, n);
}

int lnob_hh_hx090_differs(const lnob_hh_t *h, const lnob_member_t *m, size_t n)
{
    if (isnan(h->hx090))
        return 0;
    double x = s_income_from_hy020(h, m, n);
    return !isnan(x) && fabs(h->hx090 - x) > HX090_TOLERANCE;
}

/* ---- deprivation (§3) ------------------------------------------------------ */

static int s_missing(int code)
{
    return code == LNOB_HH_MISSING || code == -3;
}

/* Arrears on any of the three payments: 1 lacking, 0 not, -1 unknown. */
static int s_arrears(const lnob_hh_t *h)
{
    int unknown = 0;
    for (int k = LNOB_HS011; k <= LNOB_HS031; k++) {
        if (h->item[k] == 1 || h->item[k] == LACKING)
            return 1;
        unknown |= s_missing(h->item[k]);
    }
    return unknown ? -1 : 0;
}

/* Household items of the 13 lacking; sets *missing when one is missing. */
static int s_household_lacking(const lnob_hh_t *h, int *missing)
{
    static const int simple[] = {LNOB_HS060, LNOB_HS040, LNOB_HS050, LNOB_HH050,
                                 LNOB_HS110, LNOB_HD080};
    int lacking = 0;
    for (size_t k = 0; k < sizeof simple / sizeof *simple; k++) {
        lacking += h->item[simple[k]] == LACKING;
        *missing |= s_missing(h->item[simple[k]]);
    }
    int arrears = s_arrears(h);
    lacking += arrears == 1;
    *missing |= arrears < 0;
    return lacking;
}

/* The 9 old items lacking, or -1 when one of them is not collected; sets
 * *missing when one is missing. */
static int s_old_lacking(const lnob_hh_t *h, int *missing)
{
    static const int simple[] = {LNOB_HS040, LNOB_HS050, LNOB_HS060, LNOB_HS070,
                                 LNOB_HS080, LNOB_HS100, LNOB_HS110, LNOB_HH050};
    for (int k = LNOB_HS070; k <= LNOB_HS100; k++)
        if (h->item[k] == LNOB_HH_NOT_COLLECTED)
            return -1;
    int arrears = s_arrears(h);
    int lacking = arrears == 1;
    *missing = arrears < 0;
    for (size_t k = 0; k < sizeof simple / sizeof *simple; k++) {
        lacking += h->item[simple[k]] == LACKING;
        *missing |= s_missing(h->item[simple[k]]);
    }
    return lacking;
}

static int s_is_child(const lnob_member_t *m)
{
    return m->age_brk != LNOB_AGE_NONE && m->age_brk < CHILD_AGE; /* whatever P values it has (§1.8) */
}

/* §3.3: does a child lack personal item k? */
static int s_child_lacks(const lnob_member_t *m, size_t n, int k, const lnob_hh_cfg_t *cfg)
{
    int valid = 0, lacking = 0;
    for (size_t i = 0; i < n; i++) {
        int code = m[i].pd[k];
        if (m[i].age_brk < CHILD_AGE || code < 1 || code > NOT_LACKING_OTHER)
            continue;
        valid++;
        lacking += code == LACKING;
    }
    if (!valid)
        return 0;
    return cfg->child_rule_half ? 2 * lacking >= valid : lacking == valid;
}

/* Personal items lacking for member i; sets *missing when one is missing. */
static int s_personal_lacking(const lnob_member_t *m, size_t n, size_t i,
                              const lnob_hh_cfg_t *cfg, int *missing)
{
    int lacking = 0;
    for (int k = 0; k < LNOB_PD_ITEMS; k++) {
        if (s_is_child(&m[i])) {
            lacking += s_child_lacks(m, n, k, cfg);
            continue;
        }
        int code = m[i].has_p ? m[i].pd[k] : LNOB_HH_MISSING;
        lacking += code == LACKING;
        *missing |= s_missing(code);
    }
    return lacking;
}

/* ---- household type (§5.2) -------------------------------------------------- */

static int s_dependent(const lnob_member_t *m)
{
    if (m->age_brk <= DEP_CHILD_MAX_AGE)
        return 1;
    int inactive = m->pl032 >= 0 && m->pl032 != PL032_EMPLOYED && m->pl032 != PL032_UNEMPLOYED;
    return m->age_brk <= DEP_STUDENT_MAX_AGE && inactive && m->parent_here;
}

static int s_hhtype(const lnob_hh_t *h, const lnob_member_t *m, size_t n)
{
    if (h->hx060 >= 0)
        return h->hx060;
    int adults = 0, deps = 0, old = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].age_brk == LNOB_AGE_NONE)
            return 0;
        if (s_dependent(&m[i])) {
            deps++;
        } else {
            adults++;
            old += m[i].age_brk >= ELDERLY_AGE;
        }
    }
    if (deps == 0)
        return adults == 1 ? 5 : adults == 2 ? (old ? 7 : 6) : 8;
    if (adults == 1)
        return 9;
    if (adults == 2)
        return deps == 1 ? 10 : deps == 2 ? 11 : 12;
    return 13;
}

/* ---- work intensity (§4.1-4.2, §4.5) --------------------------------------- */

static int s_pension_household(const lnob_hh_t *h, const lnob_member_t *m, size_t n,
                               const lnob_hh_cfg_t *cfg)
{
    if (isnan(h->hy010))
        return 0;
    double pensions = 0;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < LNOB_PENSIONS; k++)
            if ((cfg->pension_main & (1u << k)) && !isnan(m[i].py[k]))
                pensions += m[i].py[k];
    return pensions > cfg->main_share * h->hy010;
}

static int s_pension_any(const lnob_member_t *m, const lnob_hh_cfg_t *cfg)
{
    for (int k = 0; k < LNOB_PENSIONS; k++)
        if ((cfg->pension_any & (1u << k)) && m->py[k] > 0)
            return 1;
    return 0;
}

static int s_student(const lnob_member_t *m)
{
    return m->age_wi <= WI_STUDENT_MAX_AGE && m->pl032 == PL032_STUDENT;
}

static int s_eligible(const lnob_member_t *m, int pension_hh, const lnob_hh_cfg_t *cfg)
{
    if (m->age_wi < WI_MIN_AGE || m->age_wi > WI_MAX_AGE || s_student(m))
        return 0;
    if (m->pl032 == PL032_RETIRED || s_pension_any(m, cfg))
        return 0;
    int inactive = m->pl032 >= 0 && m->pl032 != PL032_EMPLOYED && m->pl032 != PL032_UNEMPLOYED;
    return !(m->age_wi >= WI_OLD_AGE && inactive && pension_hh);
}

static int s_part_time_now(const lnob_member_t *m, const lnob_hh_cfg_t *cfg)
{
    if (isnan(m->hours))
        return 0;
    return m->pl145 == PL145_PART_TIME || (m->pl145 < 0 && m->hours < cfg->ft_hours);
}

/* The imputation cell of a person: 1..6, or 0 when sex or age is missing. */
static int s_pt_cell(const lnob_member_t *m)
{
    if ((m->sex != 1 && m->sex != 2) || m->age_wi == LNOB_AGE_NONE)
        return 0;
    int band = m->age_wi < 25 ? 0 : m->age_wi < 50 ? 1 : 2;
    return 1 + (m->sex - 1) * 3 + band;
}

static lnob_wi_t s_wi(const lnob_member_t *m, int pension_hh, const lnob_hh_cfg_t *cfg)
{
    lnob_wi_t wi = {0};
    int has_cal = !isnan(m->ft) || !isnan(m->pt);
    if (!has_cal)
        return wi;
    wi.elig = (uint8_t) s_eligible(m, pension_hh, cfg);
    wi.elig2020 = m->age_wi >= WI_MIN_AGE && m->age_wi <= WI2020_MAX_AGE && !s_student(m);
    double ft = isnan(m->ft) ? 0 : m->ft, pt = isnan(m->pt) ? 0 : m->pt;
    wi.mw = ft;
    if (pt > 0 && s_part_time_now(m, cfg)) {
        wi.mw += fmin(1.0, m->hours / cfg->ft_hours) * pt;
    } else if (pt > 0) {
        wi.pt_imp = pt;
        wi.imp_cell = (uint8_t) s_pt_cell(m);
    }
    return wi;
}

void lnob_pt_table_add(lnob_pt_table_t *t, const lnob_member_t *m, size_t n,
                       const lnob_hh_cfg_t *cfg)
{
    for (size_t i = 0; i < n; i++) {
        int cell = s_pt_cell(&m[i]);
        if (!cell || m[i].pb040 <= 0 || !s_part_time_now(&m[i], cfg) || m[i].hours >= cfg->ft_hours)
            continue;
        t->wh[cell - 1] += m[i].pb040 * (int64_t) llround(m[i].hours);
        t->w[cell - 1] += m[i].pb040;
    }
}

void lnob_pt_table_merge(lnob_pt_table_t *a, const lnob_pt_table_t *b)
{
    for (int c = 0; c < LNOB_PT_CELLS; c++) {
        a->wh[c] += b->wh[c];
        a->w[c] += b->w[c];
    }
}

double lnob_pt_factor(const lnob_pt_table_t *t, int cell, const lnob_hh_cfg_t *cfg)
{
    if (cell < 1 || cell > LNOB_PT_CELLS || t->w[cell - 1] == 0)
        return 0.5;
    double hours = (double) t->wh[cell - 1] / (double) t->w[cell - 1];
    return fmin(1.0, hours / cfg->ft_hours);
}

/* ---- the whole household --------------------------------------------------- */

void lnob_hh_derive(const lnob_hh_t *h, const lnob_member_t *m, size_t n,
                    const lnob_hh_cfg_t *cfg, lnob_status_t *out)
{
    double x = lnob_hh_income(h, m, n);
    int hh_missing = 0;
    int hh_lacking = s_household_lacking(h, &hh_missing);
    int old_missing = 0;
    int old = s_old_lacking(h, &old_missing);
    int type = s_hhtype(h, m, n);
    int pension_hh = s_pension_household(h, m, n, cfg);
    for (size_t i = 0; i < n; i++) {
        int missing = hh_missing;
        int lacking = hh_lacking + s_personal_lacking(m, n, i, cfg, &missing);
        out[i] = (lnob_status_t){
            .x = x,
            .lack13 = (uint8_t) lacking,
            .item_missing = (uint8_t) ((missing ? LNOB_ITEMS_MISSING13 : 0) |
                                       (old_missing ? LNOB_ITEMS_MISSING9 : 0)),
            .lack9 = (int8_t) old,
            .hhtype = (uint8_t) type,
            .wi = s_wi(&m[i], pension_hh, cfg),
        };
    }
}

/* ---- low work intensity (§4.3, §4.5) --------------------------------------- */

static int s_low(double mw, int n_cal, const lnob_hh_cfg_t *cfg)
{
    return cfg->lwi_strict ? 5 * mw < 12.0 * n_cal : 5 * mw <= 12.0 * n_cal;
}

void lnob_hh_lwi(const lnob_wi_t *wi, const int *age_wi, size_t n, const lnob_pt_table_t *t,
                 const lnob_hh_cfg_t *cfg, int8_t *lwi, int8_t *lwi2020)
{
    double mw = 0, mw2020 = 0;
    int n_cal = 0, n_cal2020 = 0;
    for (size_t i = 0; i < n; i++) {
        double months = wi[i].mw + lnob_pt_factor(t, wi[i].imp_cell, cfg) * wi[i].pt_imp;
        if (wi[i].elig) {
            mw += months;
            n_cal++;
        }
        if (wi[i].elig2020) {
            mw2020 += months;
            n_cal2020++;
        }
    }
    int low = n_cal && s_low(mw, n_cal, cfg);
    int low2020 = n_cal2020 && s_low(mw2020, n_cal2020, cfg);
    for (size_t i = 0; i < n; i++) {
        int known = age_wi[i] != LNOB_AGE_NONE; /* -1 is an age (§1.8) */
        int in = known && age_wi[i] <= WI_MAX_AGE && n_cal;
        int in2020 = known && age_wi[i] <= WI2020_MAX_AGE && n_cal2020;
        lwi[i] = (int8_t) (in ? low : -1);
        lwi2020[i] = (int8_t) (in2020 ? low2020 : -1);
    }
}
