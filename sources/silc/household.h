/* household.h - what one household's records say about each of its members.
 *
 * Pure functions for the parts of the spec that need a whole household:
 * the equivalised income (HX050 by the modified OECD scale, HX090; §1.4-1.5),
 * the 13 SMSD items and the 9 old material-deprivation items with the
 * under-16 rule and missing items (§3), the household type (§5.2), and
 * work intensity (§4.1-4.3, both the 2021 and the Europe-2020 definitions).
 *
 * Codes follow the UDB: a value >= 0 is the variable's code, a value < 0 is
 * its flag (LNOB_HH_MISSING -1, -2 not applicable, -3 not selected,
 * LNOB_HH_NOT_COLLECTED -7, also used for a column absent from the input).
 * Amounts are double, NaN when missing.
 *
 * Work intensity is split in two because §4.2 imputes the hours of some
 * part-time months from a national table: lnob_hh_derive() gives each
 * member its known worked months and the months still to impute, and
 * lnob_hh_lwi() finishes the household once the table is known
 * (lnob_pt_table_t, exact integer sums, so any partition of the persons
 * gives the same table). Not for: thresholds, rates or breakdown cells
 * (cells.h), reading files (ingest/).
 */
#ifndef LNOB_SILC_HOUSEHOLD_H
#define LNOB_SILC_HOUSEHOLD_H
#include <stddef.h>
#include <stdint.h>

#include "wire.h" /* LNOB_PT_TABLE_CELLS */

#define LNOB_HH_MISSING (-1)
#define LNOB_HH_NOT_COLLECTED (-7)

/* Household items, in this order (H file). */
enum {
    LNOB_HS060, LNOB_HS040, LNOB_HS050, LNOB_HH050, LNOB_HS011, LNOB_HS021, LNOB_HS031,
    LNOB_HS110, LNOB_HD080, LNOB_HS070, LNOB_HS080, LNOB_HS100, LNOB_HH_ITEMS
};
/* Personal items, in this order (P file). */
enum { LNOB_PD020, LNOB_PD030, LNOB_PD050, LNOB_PD060, LNOB_PD070, LNOB_PD080, LNOB_PD_ITEMS };

/* The pension variables (PY...G), as bits of a PENSION_* set. */
enum { LNOB_PY100G, LNOB_PY110G, LNOB_PY130G, LNOB_PY080G, LNOB_PENSIONS };
extern const char *const lnob_pension_names[LNOB_PENSIONS];

/* Settings the spec marks [UNVERIFIED], with its defaults (docs/settings.md). */
typedef struct {
    int lwi_strict;      /* LWI_STRICT: WI < 0.2 instead of <= 0.2 (default 0) */
    int child_rule_half; /* CHILD_RULE_HALF: a child lacks an item when at least
                          * half of the 16+ members lack it (default 1); 0 = when all do */
    double main_share;   /* MAIN_SHARE: pensions above this share of HY010 make
                          * the household's main income pensions (0.5) */
    double ft_hours;     /* FT_HOURS: full-time reference week (35) */
    unsigned pension_any;  /* PENSION_ANY: any of these > 0 excludes from WI (PY100G PY130G PY080G) */
    unsigned pension_main; /* PENSION_MAIN: these summed against MAIN_SHARE x HY010 (all four) */
    int age_eq;          /* AGE_EQ: the age of the equivalence scale (LNOB_AGE_IRP) */
    int age_wi;          /* AGE_WI: the age of work intensity (LNOB_AGE_IRP) */
    int age_brk;         /* AGE_BRK: the age of the breakdowns, the household type
                          * and the under-16 rule (LNOB_AGE_INT) */
    int bottom_code_zero;/* BOTTOM_CODE_ZERO (§1.7, default 0): x < 0 counts as 0 in the
                          * income indicators, whose ids then end in _BC0. Not used here:
                          * it travels with the settings to the cells (cells.h) */
} lnob_hh_cfg_t;

/* The two ages of §1.3, for AGE_EQ, AGE_WI and AGE_BRK. */
enum { LNOB_AGE_IRP, LNOB_AGE_INT };
/* "IRP" or "INT" (any case) as LNOB_AGE_*; -1 otherwise. */
int lnob_hh_age_var(const char *name);

extern const lnob_hh_cfg_t lnob_hh_defaults;

#define LNOB_HH_SETTINGS_MAX 256
/* Writes the settings as "LWI_STRICT=0 CHILD_RULE_HALF=1 MAIN_SHARE=0.5
 * FT_HOURS=35 PENSION_ANY=PY100G,PY130G,PY080G PENSION_MAIN=... AGE_EQ=IRP
 * AGE_WI=IRP AGE_BRK=INT BOTTOM_CODE_ZERO=0" (the form runs carry and the
 * extract's metadata shows). */
void lnob_hh_cfg_format(const lnob_hh_cfg_t *cfg, char *buf, size_t cap);
/* Reads that form; any setting left out keeps its default. Returns 0, or -1
 * with the reason in err. */
int lnob_hh_cfg_parse(const char *text, lnob_hh_cfg_t *cfg, char *err, size_t cap);
/* Reads a comma-separated list of pension variable names into a set;
 * -1 when a name is not one of the four. */
int lnob_hh_pension_set(const char *list, unsigned *set);

typedef struct {
    double hy020, hy010, hx050, hx090, hy025; /* NaN when missing or absent */
    int item[LNOB_HH_ITEMS];
    int hx060;                                /* < 0: derive (§5.2) */
} lnob_hh_t;

typedef struct {
    int64_t pid;          /* RB030 */
    int age_eq, age_wi, age_brk; /* completed years (-1 a valid AGE_IRP), LNOB_AGE_NONE
                                  * (lnob/udb.h) missing: AGE_IRP or AGE_INT
                                  * as AGE_EQ, AGE_WI, AGE_BRK say (§1.3) */
    int sex;              /* 1, 2; 0 missing */
    int has_p;            /* the person has a P record */
    int pd[LNOB_PD_ITEMS];
    int pl032;            /* self-defined current status, < 0 missing */
    int pl145;            /* 1 full-time, 2 part-time (main job), < 0 missing */
    double ft, pt;        /* months full-/part-time (PL073+PL075, PL074+PL076); NaN: no calendar */
    double hours;         /* PL060 (+ PL100), NaN missing */
    int64_t pb040;        /* personal weight (16+), units of 1e-5, 0 missing */
    double py[LNOB_PENSIONS]; /* pensions received (PY100G ...), NaN missing */
    int parent_here;      /* RB220 or RB230 is a current member */
} lnob_member_t;

/* Work-intensity facts of one member, finished by lnob_hh_lwi(). */
typedef struct {
    uint8_t elig;        /* §4.1 eligible and has a calendar */
    uint8_t elig2020;    /* §4.5 eligible and has a calendar */
    uint8_t imp_cell;    /* 1..LNOB_PT_CELLS: months to impute are in pt_imp; 0 none */
    double mw;           /* months worked known without imputation */
    double pt_imp;       /* part-time months whose hours come from the table */
} lnob_wi_t;

typedef struct {
    double x;            /* HX090, NaN when missing (§1.2) */
    uint8_t lack13;      /* SMSD items lacking, 0..13 */
    uint8_t item_missing;/* LNOB_ITEMS_MISSING13: one of the 13 items missing (§3.4);
                          * LNOB_ITEMS_MISSING9: one of the 9 old items (wire.h) */
    int8_t lack9;        /* old items lacking, 0..9; -1 not collected this year */
    uint8_t hhtype;      /* 5..13; 0 unknown */
    lnob_wi_t wi;
} lnob_status_t;

/* The household's equivalised income x (§1.4-1.5, §1.8): HX090, else HY020
 * (times HY025 when given) over HX050, else over the modified OECD scale
 * of the members' AGE_EQ; NaN when HY020 is missing or an age is. Values
 * that are not valid arrive here as NaN. */
double lnob_hh_income(const lnob_hh_t *h, const lnob_member_t *members, size_t n);
/* 1 when the household has an HX090 and HY020 (x HY025) / HX050 (HX050
 * derived when not given) is known and differs from it by more than 1 ALL:
 * HX090 stays the income, the difference is a diagnostic count (§1.8). */
int lnob_hh_hx090_differs(const lnob_hh_t *h, const lnob_member_t *members, size_t n);

/* Derives every member's status. members[0..n) are the household's current
 * members (§1.1), in any order; out[i] belongs to members[i]. */
void lnob_hh_derive(const lnob_hh_t *h, const lnob_member_t *members, size_t n,
                    const lnob_hh_cfg_t *cfg, lnob_status_t *out);

/* §4.2's imputation table: part-time workers with H < FT_HOURS, by sex
 * (2) x age band (<25, 25-49, 50+): Σ pb040*hours and Σ pb040 in exact
 * integers (PL060 and PL100 are whole hours). */
#define LNOB_PT_CELLS LNOB_PT_TABLE_CELLS
typedef struct {
    int64_t wh[LNOB_PT_CELLS]; /* Σ pb040 * hours */
    int64_t w[LNOB_PT_CELLS];
} lnob_pt_table_t;

/* Adds the household's current part-time workers to t. */
void lnob_pt_table_add(lnob_pt_table_t *t, const lnob_member_t *members, size_t n,
                       const lnob_hh_cfg_t *cfg);
/* Adds table b into a. */
void lnob_pt_table_merge(lnob_pt_table_t *a, const lnob_pt_table_t *b);
/* The part-time factor f = min(1, H / FT_HOURS) of a cell, 0.5 if empty. */
double lnob_pt_factor(const lnob_pt_table_t *t, int cell, const lnob_hh_cfg_t *cfg);

/* LWI of a household's members (§4.3, §4.5): lwi[i], lwi2020[i] = 1 or 0,
 * or -1 when members[i] is outside that rate's population (age, or no
 * eligible member with a calendar). wi[i] and age_wi[i] (the age AGE_WI names) per member. */
void lnob_hh_lwi(const lnob_wi_t *wi, const int *age_wi, size_t n, const lnob_pt_table_t *t,
                 const lnob_hh_cfg_t *cfg, int8_t *lwi, int8_t *lwi2020);

#endif
