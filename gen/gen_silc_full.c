/* gen_silc_full.c - the full variable set of one synthetic household
 * (gen_silc_full.h).
 *
 * Per household, in this order from the caller's stream:
 *  1. DB100 from the size of the municipality: the two large cities mostly
 *     1-2, small municipalities mostly 3.
 *  2. A work factor W = S_WORK_INCOME z + sqrt(1 - S_WORK_INCOME^2) e,
 *     z the household's income position: richer households work more.
 *  3. Each person 16+: self-defined status (PL032) by age and sex, the
 *     labour-market ones employed when S_WORK_SHARED W + their own noise
 *     clears the cut of their age band and sex; the calendar of months
 *     worked (PL073-PL076, at most 12), hours (PL060) and PL145 of workers;
 *     pensions (PY100G old age, PY110G survivors, PY130G disability,
 *     PY080G private); GALI (PH030) by age, worse for the disabled.
 *  4. HY010 = HY020 (1 + tax); pensions capped at S_PENSION_CAP of it.
 *  5. Hardship L = S_DEP_INCOME (-z) + sqrt(1 - S_DEP_INCOME^2) e, higher
 *     by S_DEP_WORKLESS when no working-age member works and by
 *     S_DEP_RURAL in thinly populated areas, less S_DEP_CENTRE (about the
 *     person-weighted mean of these terms: poorer households are larger).
 *     A household item is lacking when L + S_ITEM_NOISE e_k clears the
 *     item's cut, set so that it is lacking for its target share (measured
 *     person-weighted: 1 to 4 pp above the targets).
 *  6. Personal items the same way from L + S_PERSON_NOISE e_i.
 * A probit model of this kind puts SMSD (7 of 13) near the share of the
 * seventh most common item, and its overlap with AROP and LWI follows from
 * the loads on z. Calibration figures: gen_silc.h. */
#include "gen_silc_full.h"

#include <math.h>
#include <stdlib.h>

#include "lnob/mem.h"

#define S_PERMILLE LNOB_GEN_PERMILLE
#define S_SEX_MALE 1
#define S_NSEX 2
#define S_CENTS 100
#define S_P_FIELDS 18 /* of LNOB_GEN_P_COLUMNS */

/* UDB codes (lnob/udb.h code lists). */
#define S_YES 1
#define S_LACKING 2       /* "no, cannot afford" */
#define S_OTHER_REASON 3  /* "no, for another reason" / arrears: "no" */
#define S_ARREARS_ONCE 1
#define S_ARREARS_TWICE 2
#define S_FLAG_ANSWERED 1
#define S_FLAG_NO_PAYMENT (-2)
#define S_CITY 1          /* DB100: densely populated */
#define S_TOWN 2
#define S_RURAL 3
#define S_EMPLOYED 1      /* PL032 (2021+): */
#define S_UNEMPLOYED 2
#define S_RETIRED 3
#define S_DISABLED 4      /* unable to work due to long-standing health problems */
#define S_STUDENT 5
#define S_DOMESTIC 6      /* fulfilling domestic tasks */
#define S_OTHER_INACTIVE 8
#define S_FULL_TIME 1     /* PL145 */
#define S_PART_TIME 2
#define S_GALI_SEVERE 1   /* PH030 */
#define S_GALI_LIMITED 2
#define S_GALI_NONE 3

/* ---- 1. degree of urbanisation by municipality size (persons) ---------- */
#define S_METRO_MIN 150000.0  /* Tirana, Durrës */
#define S_LARGE_MIN 60000.0
#define S_MEDIUM_MIN 25000.0
typedef struct {
    double min_population;
    int city, town; /* per mille; the rest rural */
} degurba_t;
static const degurba_t s_degurba[] = {
    {S_METRO_MIN, 700, 220}, {S_LARGE_MIN, 350, 350}, {S_MEDIUM_MIN, 0, 400}, {0.0, 0, 150}};

/* ---- 2.-3. work and status ----------------------------------------------- */
#define S_WORK_INCOME 0.90 /* load of the income position on the work factor */
#define S_WORK_SHARED 0.50 /* load of the household's work factor on each member */
#define S_AGE_ADULT 18
#define S_AGE_YOUNG_MAX 24
#define S_AGE_TEEN_STUDENT_MAX 19
#define S_AGE_OLDER 55
#define S_AGE_MEN_EARLY 60
#define S_AGE_WOMEN_PENSION 62  /* Albania 2023: women ~61-62, men 65 */
#define S_AGE_ELDERLY 65
#define S_AGE_OLD 75
#define S_AGE_GALI_MID 45
#define S_AGE_PRIVATE_PENSION 50
#define S_NBANDS 3              /* 18-24, 25-54, 55-64 */
/* Employment rate of the labour-market persons (not student, retired or
 * disabled) by sex and band, per mille; the factor W shifts them by household. */
static const int s_employed[S_NSEX][S_NBANDS] = {{600, 880, 720}, {450, 700, 500}};
#define S_TEEN_STUDENT 880          /* 16-17 */
#define S_TEEN_EMPLOYED 40
#define S_YOUNG_STUDENT_LOW 650     /* 18-19 */
#define S_YOUNG_STUDENT_HIGH 350    /* 20-24 */
#define S_ELDER_RETIRED 880
#define S_ELDER_EMPLOYED 80
#define S_WOMEN_RETIRED_LATE 600    /* 62-64 */
#define S_RETIRED_EARLY 60          /* 55-59 (women 55-61) */
#define S_MEN_RETIRED_LATE 250      /* 60-64 */
#define S_DISABLED_PRIME 25
#define S_DISABLED_OLDER 50
#define S_MEN_UNEMPLOYED 500        /* of the men not employed; the rest other */
#define S_WOMEN_UNEMPLOYED 350      /* of the women not employed; */
#define S_WOMEN_DOMESTIC 750        /* and of the rest, domestic */
/* Calendar and hours. */
#define S_MONTHS 12
#define S_FULL_YEAR 850             /* employed all 12 months */
#define S_PART_MONTHS_MIN 3
#define S_SELF_EMPLOYED_RURAL 550
#define S_SELF_EMPLOYED_URBAN 250
#define S_PART_TIMER 100
#define S_UNEMPLOYED_WORKED 400     /* unemployed who worked some months */
#define S_UNEMPLOYED_MONTHS_MAX 8
#define S_HOURS_EMPLOYEE_MIN 40
#define S_HOURS_EMPLOYEE_MAX 48
#define S_HOURS_SELF_MIN 35
#define S_HOURS_SELF_MAX 60
#define S_HOURS_PART_MIN 10
#define S_HOURS_PART_MAX 30
/* GALI per mille by age band (16-44, 45-64, 65-74, 75+): severe, limited. */
static const int s_gali_permille[4][2] = {{10, 50}, {30, 120}, {70, 250}, {160, 330}};
#define S_GALI_DISABLED_SEVERE 600
/* Pensions, ALL per year: log-normal medians and log-sd; shares per mille. */
#define S_OLD_AGE_MEDIAN 180000.0
#define S_DISABILITY_MEDIAN 110000.0
#define S_SURVIVOR_MEDIAN 60000.0
#define S_PRIVATE_MEDIAN 40000.0
#define S_PENSION_LOG_SD 0.35
#define S_RETIRED_PENSIONED 950
#define S_ELDER_WORKER_PENSIONED 800
#define S_DISABLED_PENSIONED 850
#define S_WIDOW_SURVIVOR 150        /* women 65+ */
#define S_PRIVATE_PENSIONED 10      /* persons 50+ */

/* ---- 4. gross income ------------------------------------------------------ */
#define S_TAX_MIN 0.05   /* HY010 = HY020 (1 + tax), tax uniform */
#define S_TAX_MAX 0.20
#define S_PENSION_CAP 0.90

/* ---- 5.-6. deprivation -------------------------------------------------- */
#define S_DEP_INCOME 0.70   /* load of the income position on hardship */
#define S_DEP_WORKLESS 0.30 /* no working-age labour-market member works */
#define S_DEP_RURAL 0.10    /* DB100 = 3 */
#define S_DEP_CENTRE 0.12   /* about the person-weighted mean of the terms */
#define S_ITEM_NOISE 0.60   /* item's own noise */
#define S_PERSON_NOISE 0.35 /* person's own noise on the personal items */
#define S_RENT_PAYER 120      /* households with rent or a mortgage, per mille */
#define S_UTILITY_PAYER 980
#define S_LOAN_PAYER 200
#define S_ARREARS_LACKING 300 /* arrears item (HS011/HS021/HS031) */
#define S_ARREARS_EACH 600    /* each further applicable payment also in arrears */
#define S_ARREARS_REPEATED 500

typedef struct {
    int lacking; /* target share lacking, per mille */
    int other;   /* of the rest, "no, other reason" (3-coded items), per mille */
} item_t;

/* Household items (arrears: S_ARREARS_*); Albania SILC orders of magnitude. */
static const item_t s_h_items[LNOB_GEN_H_ITEMS] = {
    [LNOB_GEN_HS060] = {500, 0}, [LNOB_GEN_HS040] = {700, 0}, [LNOB_GEN_HS050] = {250, 0},
    [LNOB_GEN_HH050] = {300, 0}, [LNOB_GEN_HS110] = {300, 150}, [LNOB_GEN_HD080] = {600, 80},
    [LNOB_GEN_HS070] = {10, 20}, [LNOB_GEN_HS080] = {10, 20},  [LNOB_GEN_HS100] = {40, 20},
};
/* PD020 clothes, PD030 shoes, PD050 friends, PD060 leisure, PD070 money, PD080 internet. */
static const item_t s_p_items[LNOB_GEN_PD_ITEMS] = {
    {250, 30}, {150, 20}, {300, 80}, {400, 150}, {350, 40}, {100, 50}};

struct lnob_gen_model {
    double h_cut[LNOB_GEN_H_ITEMS];
    double p_cut[LNOB_GEN_PD_ITEMS];
    double employed_cut[S_NSEX][S_NBANDS];
};

/* ---- model --------------------------------------------------------------- */

/* x with P(N(0,1) > x) = p, by bisection (run once per item). */
static double s_upper_cut(double p)
{
    double lo = -10.0, hi = 10.0;
    for (int i = 0; i < 100; i++) {
        const double mid = (lo + hi) / 2.0;
        if (0.5 * erfc(mid / sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2.0;
}

lnob_gen_model_t *lnob_gen_model_new(void)
{
    lnob_gen_model_t *m = lnob_calloc(1, sizeof *m);
    const double h_sd = sqrt(1.0 + S_ITEM_NOISE * S_ITEM_NOISE);
    const double p_sd = sqrt(1.0 + S_PERSON_NOISE * S_PERSON_NOISE + S_ITEM_NOISE * S_ITEM_NOISE);
    for (int k = 0; k < LNOB_GEN_H_ITEMS; k++) {
        const int lacking = k == LNOB_GEN_HS011 ? S_ARREARS_LACKING : s_h_items[k].lacking;
        m->h_cut[k] = h_sd * s_upper_cut((double) lacking / S_PERMILLE);
    }
    for (int k = 0; k < LNOB_GEN_PD_ITEMS; k++)
        m->p_cut[k] = p_sd * s_upper_cut((double) s_p_items[k].lacking / S_PERMILLE);
    for (int s = 0; s < S_NSEX; s++)
        for (int b = 0; b < S_NBANDS; b++)
            m->employed_cut[s][b] = s_upper_cut((double) s_employed[s][b] / S_PERMILLE);
    return m;
}

void lnob_gen_model_destroy(lnob_gen_model_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

/* ---- drawing ------------------------------------------------------------- */

static int s_degurba_of(lnob_gen_rng_t *r, double population)
{
    size_t k = 0;
    while (population < s_degurba[k].min_population)
        k++;
    const int x = lnob_gen_int(r, 0, S_PERMILLE - 1);
    if (x < s_degurba[k].city)
        return S_CITY;
    return x < s_degurba[k].city + s_degurba[k].town ? S_TOWN : S_RURAL;
}

/* A log-normal amount in cents. */
static long long s_amount(lnob_gen_rng_t *r, double median)
{
    return llround(median * exp(S_PENSION_LOG_SD * lnob_gen_normal(r)) * S_CENTS);
}

/* PL032 of a person 16+ outside the labour-market draw, or 0 when the
 * person is on the labour market. */
static int s_status(lnob_gen_rng_t *r, int age, int male)
{
    const int x = lnob_gen_int(r, 0, S_PERMILLE - 1);
    if (age < S_AGE_ADULT)
        return x < S_TEEN_STUDENT ? S_STUDENT
               : x < S_TEEN_STUDENT + S_TEEN_EMPLOYED ? S_EMPLOYED
                                                       : S_OTHER_INACTIVE;
    if (age >= S_AGE_ELDERLY)
        return x < S_ELDER_RETIRED                      ? S_RETIRED
               : x < S_ELDER_RETIRED + S_ELDER_EMPLOYED ? S_EMPLOYED
               : male                                   ? S_OTHER_INACTIVE
                                                        : S_DOMESTIC;
    if (age <= S_AGE_YOUNG_MAX)
        return x < (age <= S_AGE_TEEN_STUDENT_MAX ? S_YOUNG_STUDENT_LOW : S_YOUNG_STUDENT_HIGH)
                   ? S_STUDENT
                   : 0;
    int retired = 0;
    if (!male && age >= S_AGE_WOMEN_PENSION)
        retired = S_WOMEN_RETIRED_LATE;
    else if (male && age >= S_AGE_MEN_EARLY)
        retired = S_MEN_RETIRED_LATE;
    else if (age >= S_AGE_OLDER)
        retired = S_RETIRED_EARLY;
    const int disabled = age >= S_AGE_OLDER ? S_DISABLED_OLDER : S_DISABLED_PRIME;
    if (x < retired)
        return S_RETIRED;
    return x < retired + disabled ? S_DISABLED : 0;
}

static int s_band(int age)
{
    return age <= S_AGE_YOUNG_MAX ? 0 : age < S_AGE_OLDER ? 1 : 2;
}

/* PL032 of a labour-market person: employed by the household factor w. */
static int s_labour(const lnob_gen_model_t *m, lnob_gen_rng_t *r, int age, int male, double w)
{
    const double own = sqrt(1.0 - S_WORK_SHARED * S_WORK_SHARED) * lnob_gen_normal(r);
    if (S_WORK_SHARED * w + own > m->employed_cut[male ? 0 : 1][s_band(age)])
        return S_EMPLOYED;
    if (lnob_gen_chance(r, male ? S_MEN_UNEMPLOYED : S_WOMEN_UNEMPLOYED))
        return S_UNEMPLOYED;
    return !male && lnob_gen_chance(r, S_WOMEN_DOMESTIC) ? S_DOMESTIC : S_OTHER_INACTIVE;
}

/* Months, hours and PL145 of a worker. */
static void s_worker(lnob_gen_rng_t *r, lnob_gen_person_t *p, int rural)
{
    const int self = lnob_gen_chance(r, rural ? S_SELF_EMPLOYED_RURAL : S_SELF_EMPLOYED_URBAN);
    const int part = lnob_gen_chance(r, S_PART_TIMER);
    const int months = lnob_gen_chance(r, S_FULL_YEAR) ? S_MONTHS
                                                       : lnob_gen_int(r, S_PART_MONTHS_MIN, S_MONTHS - 1);
    if (part) {
        *(self ? &p->pl076 : &p->pl074) = months;
        p->pl060 = lnob_gen_int(r, S_HOURS_PART_MIN, S_HOURS_PART_MAX);
    } else {
        *(self ? &p->pl075 : &p->pl073) = months;
        p->pl060 = self ? lnob_gen_int(r, S_HOURS_SELF_MIN, S_HOURS_SELF_MAX)
                        : lnob_gen_int(r, S_HOURS_EMPLOYEE_MIN, S_HOURS_EMPLOYEE_MAX);
    }
    p->pl145 = part ? S_PART_TIME : S_FULL_TIME;
}

static int s_gali(lnob_gen_rng_t *r, int age, int status)
{
    const int band = age < S_AGE_GALI_MID ? 0 : age < S_AGE_ELDERLY ? 1 : age < S_AGE_OLD ? 2 : 3;
    const int x = lnob_gen_int(r, 0, S_PERMILLE - 1);
    if (status == S_DISABLED)
        return x < S_GALI_DISABLED_SEVERE ? S_GALI_SEVERE : S_GALI_LIMITED;
    if (x < s_gali_permille[band][0])
        return S_GALI_SEVERE;
    return x < s_gali_permille[band][0] + s_gali_permille[band][1] ? S_GALI_LIMITED : S_GALI_NONE;
}

static void s_pensions(lnob_gen_rng_t *r, lnob_gen_person_t *p, int age, int male)
{
    if ((p->pl032 == S_RETIRED && lnob_gen_chance(r, S_RETIRED_PENSIONED)) ||
        (p->pl032 == S_EMPLOYED && age >= S_AGE_ELDERLY &&
         lnob_gen_chance(r, S_ELDER_WORKER_PENSIONED)))
        p->py100g = s_amount(r, S_OLD_AGE_MEDIAN);
    if (p->pl032 == S_DISABLED && lnob_gen_chance(r, S_DISABLED_PENSIONED))
        p->py130g = s_amount(r, S_DISABILITY_MEDIAN);
    if (!male && age >= S_AGE_ELDERLY && lnob_gen_chance(r, S_WIDOW_SURVIVOR))
        p->py110g = s_amount(r, S_SURVIVOR_MEDIAN);
    if (age >= S_AGE_PRIVATE_PENSION && lnob_gen_chance(r, S_PRIVATE_PENSIONED))
        p->py080g = s_amount(r, S_PRIVATE_MEDIAN);
}

/* Status, calendar, pensions and GALI of member i (16+); returns 1 if the
 * person is a working-age (18-64) labour-market person, 2 if also employed. */
static int s_person(const lnob_gen_model_t *m, lnob_gen_rng_t *r, const lnob_gen_hh_t *hh, int i,
                    double w, int rural, lnob_gen_person_t *p)
{
    const int age = hh->age[i], male = hh->sex[i] == S_SEX_MALE;
    p->pl073 = p->pl074 = p->pl075 = p->pl076 = 0;
    p->pl032 = s_status(r, age, male);
    const int labour = p->pl032 == 0;
    if (labour)
        p->pl032 = s_labour(m, r, age, male, w);
    if (p->pl032 == S_EMPLOYED)
        s_worker(r, p, rural);
    else if (p->pl032 == S_UNEMPLOYED && lnob_gen_chance(r, S_UNEMPLOYED_WORKED))
        p->pl073 = lnob_gen_int(r, 1, S_UNEMPLOYED_MONTHS_MAX);
    s_pensions(r, p, age, male);
    p->ph030 = s_gali(r, age, p->pl032);
    if (!labour || age < S_AGE_ADULT || age >= S_AGE_ELDERLY)
        return 0;
    return p->pl032 == S_EMPLOYED ? 2 : 1;
}

/* HY010 from HY020, and pensions scaled to fit in it. */
static void s_gross(lnob_gen_rng_t *r, const lnob_gen_hh_t *hh, lnob_gen_full_t *f)
{
    const double tax = S_TAX_MIN + (S_TAX_MAX - S_TAX_MIN) * lnob_gen_uniform(r);
    long long pensions = 0;
    for (int i = 0; i < hh->n; i++)
        pensions += f->p[i].py080g + f->p[i].py100g + f->p[i].py110g + f->p[i].py130g;
    if (hh->hy020 <= 0) { /* losses: the pensions are the gross income */
        f->hy010 = pensions;
        return;
    }
    f->hy010 = llround((double) hh->hy020 * (1.0 + tax));
    const double cap = S_PENSION_CAP * (double) f->hy010;
    if ((double) pensions <= cap)
        return;
    const double scale = cap / (double) pensions;
    for (int i = 0; i < hh->n; i++) {
        lnob_gen_person_t *p = &f->p[i];
        p->py080g = (long long) floor((double) p->py080g * scale);
        p->py100g = (long long) floor((double) p->py100g * scale);
        p->py110g = (long long) floor((double) p->py110g * scale);
        p->py130g = (long long) floor((double) p->py130g * scale);
    }
}

/* A 1/2(/3) answer: lacking when latent clears cut. */
static int s_answer(lnob_gen_rng_t *r, double latent, double cut, int other_permille)
{
    if (latent + S_ITEM_NOISE * lnob_gen_normal(r) > cut)
        return S_LACKING;
    return other_permille && lnob_gen_chance(r, other_permille) ? S_OTHER_REASON : S_YES;
}

/* HS011/HS021/HS031: arrears on the payments the household has. */
static void s_arrears(const lnob_gen_model_t *m, lnob_gen_rng_t *r, double hardship, int *item)
{
    static const int payer[3] = {S_RENT_PAYER, S_UTILITY_PAYER, S_LOAN_PAYER};
    const int arrears = hardship + S_ITEM_NOISE * lnob_gen_normal(r) > m->h_cut[LNOB_GEN_HS011];
    int first = 1;
    for (int k = 0; k < 3; k++) {
        int *v = &item[LNOB_GEN_HS011 + k];
        *v = lnob_gen_chance(r, payer[k]) ? S_OTHER_REASON : LNOB_GEN_EMPTY;
        if (*v == LNOB_GEN_EMPTY || !arrears || (!first && !lnob_gen_chance(r, S_ARREARS_EACH)))
            continue;
        *v = lnob_gen_chance(r, S_ARREARS_REPEATED) ? S_ARREARS_TWICE : S_ARREARS_ONCE;
        first = 0;
    }
}

void lnob_gen_full_draw(const lnob_gen_model_t *m, lnob_gen_rng_t *r, const lnob_gen_hh_t *hh,
                        lnob_gen_full_t *f)
{
    f->db100 = s_degurba_of(r, hh->mun_population);
    const int rural = f->db100 == S_RURAL;
    const double w = S_WORK_INCOME * hh->income_z +
                     sqrt(1.0 - S_WORK_INCOME * S_WORK_INCOME) * lnob_gen_normal(r);
    int labour = 0, working = 0;
    for (int i = 0; i < hh->n; i++) {
        lnob_gen_person_t *p = &f->p[i];
        *p = (lnob_gen_person_t) {.pl060 = LNOB_GEN_EMPTY, .pl145 = LNOB_GEN_EMPTY};
        if (!lnob_gen_has_p(hh, i))
            continue;
        const int k = s_person(m, r, hh, i, w, rural, p);
        labour += k >= 1;
        working += k == 2;
    }
    s_gross(r, hh, f);
    double hardship = S_DEP_INCOME * -hh->income_z +
                      sqrt(1.0 - S_DEP_INCOME * S_DEP_INCOME) * lnob_gen_normal(r);
    hardship += (labour && !working ? S_DEP_WORKLESS : 0.0) + (rural ? S_DEP_RURAL : 0.0) -
                S_DEP_CENTRE;
    for (int k = 0; k < LNOB_GEN_H_ITEMS; k++)
        if (k < LNOB_GEN_HS011 || k > LNOB_GEN_HS031)
            f->item[k] = s_answer(r, hardship, m->h_cut[k], s_h_items[k].other);
    s_arrears(m, r, hardship, f->item);
    for (int i = 0; i < hh->n; i++) {
        if (!lnob_gen_has_p(hh, i)) {
            for (int k = 0; k < LNOB_GEN_PD_ITEMS; k++)
                f->p[i].pd[k] = LNOB_GEN_EMPTY;
            continue;
        }
        const double own = hardship + S_PERSON_NOISE * lnob_gen_normal(r);
        for (int k = 0; k < LNOB_GEN_PD_ITEMS; k++)
            f->p[i].pd[k] = s_answer(r, own, m->p_cut[k], s_p_items[k].other);
    }
}

/* ---- printing ------------------------------------------------------------ */

int lnob_gen_has_p(const lnob_gen_hh_t *hh, int i)
{
    return hh->age[i] >= LNOB_GEN_P_AGE;
}

static void s_code(FILE *out, int code)
{
    if (code == LNOB_GEN_EMPTY)
        fputc(',', out);
    else
        fprintf(out, ",%d", code);
}

static void s_cents(FILE *out, long long cents)
{
    fprintf(out, ",%lld.%02lld", cents / S_CENTS, cents % S_CENTS);
}

void lnob_gen_full_put_h(FILE *out, const lnob_gen_full_t *f)
{
    for (int k = 0; k < LNOB_GEN_H_ITEMS; k++)
        s_code(out, f->item[k]);
    for (int k = LNOB_GEN_HS011; k <= LNOB_GEN_HS031; k++)
        fprintf(out, ",%d", f->item[k] == LNOB_GEN_EMPTY ? S_FLAG_NO_PAYMENT : S_FLAG_ANSWERED);
}

void lnob_gen_full_put_p(FILE *out, const lnob_gen_hh_t *hh, const lnob_gen_full_t *f, int i)
{
    if (!lnob_gen_has_p(hh, i)) {
        for (int k = 0; k < S_P_FIELDS; k++)
            fputc(',', out);
        return;
    }
    const lnob_gen_person_t *p = &f->p[i];
    for (int k = 0; k < LNOB_GEN_PD_ITEMS; k++)
        s_code(out, p->pd[k]);
    const int codes[] = {p->pl032, p->pl060, p->pl073, p->pl074, p->pl075,
                         p->pl076, p->pl145, p->ph030};
    for (size_t k = 0; k < sizeof codes / sizeof *codes; k++)
        s_code(out, codes[k]);
    s_cents(out, p->py080g);
    s_cents(out, p->py100g);
    s_cents(out, p->py110g);
    s_cents(out, p->py130g);
}
