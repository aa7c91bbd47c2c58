/* gen_silc_full.h - the full EU-SILC variable set of one synthetic household.
 *
 * Given a household as the basic generator made it (members, ages, sexes,
 * parents, municipality size, income), draws from a random stream of its
 * own what the full indicator set reads (spec §3-5): degree of
 * urbanisation, the 13 SMSD items and the three old ones, gross income,
 * each person's self-defined status, calendar of months worked, hours,
 * pensions and GALI; and prints them as CSV fields with the UDB code lists
 * of lnob/udb.h. Deprivation follows a latent hardship that rises as income
 * falls and when no working-age member works; work follows a household
 * factor that rises with income, so deprived, poor and workless households
 * overlap as in the survey.
 * Not for: ids, weights, ages, income or municipalities (gen_silc.c draws
 * those, from its own streams). */
#ifndef LNOB_GEN_SILC_FULL_H
#define LNOB_GEN_SILC_FULL_H
#include <stdio.h>

#include "gen_rng.h"

#define LNOB_GEN_MAX_MEMBERS 8
#define LNOB_GEN_EMPTY (-1)      /* a field printed empty (no value, or no P record) */
#define LNOB_GEN_NO_PARENT (-1)
#define LNOB_GEN_P_AGE 16        /* persons aged 16+ at the interview have a P record */
#define LNOB_GEN_PD_ITEMS 6

/* Household item columns (H file), then the flags of the three arrears
 * items: 1 answered, -2 no such payment (value empty). */
#define LNOB_GEN_H_COLUMNS                                                               \
    "HS060,HS040,HS050,HH050,HS011,HS021,HS031,HS110,HD080,HS070,HS080,HS100,HS011_F," \
    "HS021_F,HS031_F"
/* Personal columns (P file) after PB040. */
#define LNOB_GEN_P_COLUMNS                                                               \
    "PD020,PD030,PD050,PD060,PD070,PD080,PL032,PL060,PL073,PL074,PL075,PL076,PL145,"   \
    "PH030,PY080G,PY100G,PY110G,PY130G"

/* A household as the basic generator made it. */
typedef struct {
    int n;
    int age[LNOB_GEN_MAX_MEMBERS];     /* RX010, age at interview */
    int age_irp[LNOB_GEN_MAX_MEMBERS]; /* RX020, age at end of income year */
    int sex[LNOB_GEN_MAX_MEMBERS];     /* RB090 */
    int father[LNOB_GEN_MAX_MEMBERS];  /* member index, or LNOB_GEN_NO_PARENT */
    int mother[LNOB_GEN_MAX_MEMBERS];
    double mun_population; /* generator weight of its municipality (persons) */
    long long hy020;       /* HY020 in cents */
    double income_z;       /* ln(HX090 / national median) / log-sd; low for HY020 <= 0 */
} lnob_gen_hh_t;

enum {
    LNOB_GEN_HS060, LNOB_GEN_HS040, LNOB_GEN_HS050, LNOB_GEN_HH050, LNOB_GEN_HS011,
    LNOB_GEN_HS021, LNOB_GEN_HS031, LNOB_GEN_HS110, LNOB_GEN_HD080, LNOB_GEN_HS070,
    LNOB_GEN_HS080, LNOB_GEN_HS100, LNOB_GEN_H_ITEMS
};

/* One person's P variables; codes LNOB_GEN_EMPTY print empty, amounts in cents. */
typedef struct {
    int pd[LNOB_GEN_PD_ITEMS]; /* PD020 PD030 PD050 PD060 PD070 PD080 */
    int pl032, pl060, pl073, pl074, pl075, pl076, pl145, ph030;
    long long py080g, py100g, py110g, py130g;
} lnob_gen_person_t;

typedef struct {
    int db100;
    long long hy010; /* cents, >= HY020 */
    int item[LNOB_GEN_H_ITEMS];
    lnob_gen_person_t p[LNOB_GEN_MAX_MEMBERS];
} lnob_gen_full_t;

/* Item thresholds of the model, computed once. */
typedef struct lnob_gen_model lnob_gen_model_t;

/* Returns an owned model. */
lnob_gen_model_t *lnob_gen_model_new(void);
/* NULL-safe; NULLs *self_p. */
void lnob_gen_model_destroy(lnob_gen_model_t **self_p);

/* Draws the full variables of hh from r into out. */
void lnob_gen_full_draw(const lnob_gen_model_t *m, lnob_gen_rng_t *r, const lnob_gen_hh_t *hh,
                        lnob_gen_full_t *out);

/* Print "," and each field of LNOB_GEN_H_COLUMNS / LNOB_GEN_P_COLUMNS (all
 * empty when member i has no P record). Write errors stay on the stream
 * (ferror). */
void lnob_gen_full_put_h(FILE *out, const lnob_gen_full_t *f);
void lnob_gen_full_put_p(FILE *out, const lnob_gen_hh_t *hh, const lnob_gen_full_t *f, int i);

/* 1 if member i has a P record. */
int lnob_gen_has_p(const lnob_gen_hh_t *hh, int i);

#endif
