/* gen_silc.c - deterministic synthetic EU-SILC extract for Albania (see
 * gen_silc.h): merged person rows (formats basic and full) or the four UDB
 * files (udb4).
 *
 * Each household gets a municipality drawn in proportion to its Census 2023
 * population, a composition from a table of Albanian household types (mean
 * size about 3.5, parents recorded for RB220/RB230), one cross-sectional
 * weight shared by its members and a log-normal equivalised income with a
 * mild region/municipality effect.
 * Calibration: median near 200,000 ALL/year and a total log-sd near 0.59,
 * which puts the person-weighted AROP60 near 19.5 % and the Gini near 32.5
 * (INSTAT SILC 2023: 19.8 % and 30.6).
 *
 * Three independent xoshiro256** streams (gen_rng.h), all seeded from
 * opts->seed: stream "household" draws municipality and members, stream
 * "income" draws weight factor and income, stream "details" (formats full
 * and udb4 only) the rest of the full variable set (gen_silc_full.h), so
 * the basic columns are the same bytes in every format. The household
 * stream is run twice (a first pass only counts persons, to scale the
 * weights), so memory is O(1) in the number of households. HY020 and RB050
 * are rounded to integers (cents, 1e-5 units) and printed from them, and
 * HX090 is one correctly rounded division of the printed HY020, so the
 * bytes depend on libm only through exp/log/cos/erfc before the rounding. */
#include "gen_silc.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_rng.h"
#include "gen_silc_full.h"
#include "lnob/mem.h"

#define S_HEADER                                                                           \
    "DB010,DB030,DB040,RB010,RB030,RB050,RB090,RX010,RX020,RB110,DB135,HY020,HX050,HX090," \
    "MUN_CODE\n"
#define S_FULL_HEADER                                                                      \
    "DB010,DB030,DB040,RB010,RB030,RB050,RB090,RX010,RX020,RB110,DB135,HY020,HX050,HX090," \
    "MUN_CODE,DB100,HX040,HY010," LNOB_GEN_H_COLUMNS ",RB220,RB230,PB040," LNOB_GEN_P_COLUMNS "\n"
#define S_D_HEADER "DB010,DB020,DB030,DB040,DB100,DB135,MUN_CODE\n"
#define S_H_HEADER "HB010,HB020,HB030,HX040,HY010,HY020,HX050,HX090," LNOB_GEN_H_COLUMNS "\n"
#define S_R_HEADER "RB010,RB020,RB030,RB040,RB050,RB090,RB110,RB220,RB230,RX010,RX020\n"
#define S_P_HEADER "PB010,PB020,PB030,PB040," LNOB_GEN_P_COLUMNS "\n"
#define S_COUNTRY "AL" /* DB020 and the other *B020 */

/* UDB convention: RB030 = DB030 * 100 + member number. */
#define S_PERSON_ID_FACTOR 100
#define S_SEX_MALE 1
#define S_SEX_FEMALE 2
#define S_RB110_CURRENT_MEMBER 1
#define S_DB135_ACCEPTED 1

/* Ages (completed years). */
#define S_AGE_MAX 90
#define S_AGE_ADULT 18
#define S_AGE_CHILD_MAX 17
#define S_AGE_ELDERLY 65
#define S_MIN_PARENT_GAP 18 /* mother at least this much older than a child */
#define S_SPOUSE_GAP_MAX 6  /* wife 0..6 years younger than the head */
#define S_GRANDPARENT_GAP_MIN 24
#define S_GRANDPARENT_GAP_MAX 32
#define S_SIBLING_GAP_MAX 8
/* Head's age range per household type. */
#define S_SINGLE_MIN 22        /* single adult below S_AGE_ELDERLY */
#define S_ELDER_HEAD_MAX 88
#define S_YOUNG_COUPLE_MIN 22
#define S_YOUNG_COUPLE_MAX 45
#define S_PARENT_MIN 25        /* couple or lone parent with minor children */
#define S_PARENT_MAX 55
#define S_ADULT_KIDS_HEAD_MIN 45
#define S_ADULT_KID_MAX 32     /* unmarried adult children at home */
#define S_THREE_GEN_HEAD_MIN 26
#define S_THREE_GEN_HEAD_MAX 55
#define S_THREE_GEN_KID_MAX 25  /* grandchildren, minor or young adult */
/* Member counts per household type. */
#define S_LONE_PARENT_KIDS_MAX 2
#define S_ADULT_KIDS_MAX 3
#define S_THREE_GEN_KIDS_MAX 3
#define S_GRANDPARENTS_MAX 2

/* Sex shares, in per mille. */
#define S_PERMILLE LNOB_GEN_PERMILLE
#define S_MALE_BIRTH_PERMILLE 515     /* Albania's sex ratio at birth ~1.06 */
#define S_SINGLE_ELDER_FEMALE_PERMILLE 680
#define S_LONE_PARENT_FEMALE_PERMILLE 850
#define S_LONE_GRANDPARENT_FEMALE_PERMILLE 700
#define S_EXTRA_SIBLING_PERMILLE 100  /* three-generation household with an adult sibling */

/* Modified OECD scale in tenths: 10 + 5*(N14-1) + 3*N13 (spec §1.4). */
#define S_OECD_AGE_ADULT 14
#define S_OECD_FIRST 10
#define S_OECD_ADULT 5
#define S_OECD_CHILD 3
#define S_OECD_DIVISOR 10

/* Weights: population / persons sampled, times a factor uniform in
 * [1 - S_WEIGHT_SPREAD, 1 + S_WEIGHT_SPREAD]; printed in 1e-5 units. */
#define S_WEIGHT_SPREAD 0.30
#define S_WEIGHT_SCALE 100000
#define S_WEIGHT_DECIMALS 5

/* Income: ln HX090 ~ N(ln 200000 + region + municipality + size, 0.58^2).
 * The region and municipality offsets add ~0.01 to the variance, giving a
 * total log-sd near 0.59: log-normal AROP60 = Phi(ln 0.6 / 0.59) ~ 19.3 %,
 * Gini = 2 Phi(0.59 / sqrt 2) - 1 ~ 32.4. Measured: 19.3 % / 32.4 for
 * 20,000 households seed 1, 19.2 % / 32.4 for 100,000 seed 42. */
#define S_INCOME_MEDIAN 200000.0 /* ALL per year, equivalised */
#define S_INCOME_LOG_SD 0.58
#define S_INCOME_TOTAL_SD 0.59      /* with the offsets: the scale of the income position */
#define S_Z_NONPOSITIVE (-3.0)      /* income position of HY020 <= 0 */
#define S_SIZE_EFFECT (-0.03)       /* per member above S_SIZE_REFERENCE */
#define S_SIZE_REFERENCE 3
#define S_MUN_EFFECT_MAX 0.10       /* municipality offset uniform in +-this */
#define S_REGION_NORTH (-0.10)      /* AL01 Veri */
#define S_REGION_CENTRE 0.06        /* AL02 Qendër (Tirana, Elbasan) */
#define S_REGION_SOUTH (-0.02)      /* AL03 Jug */
#define S_NONPOS_PER_100K 500       /* 0.5 % of households with HY020 <= 0 */
#define S_NONPOS_ZERO_PERMILLE 600  /* of those, share with exactly 0 */
#define S_NEGATIVE_MAX_CENTS 5000000 /* negative HY020 down to -50,000 ALL */
#define S_CENTS 100
#define S_CENTS_DECIMALS 2
#define S_PER_100K 100000

/* Municipality weight when a qark's remainder is not positive (a table
 * inconsistency); a small municipality's size. */
#define S_FALLBACK_POPULATION 10000.0

/* PRNG stream constants (xored into the seed before splitmix64). */
#define S_STREAM_HOUSEHOLD UINT64_C(0x48485f434f4d504f) /* "HH_COMPO" */
#define S_STREAM_INCOME UINT64_C(0x494e434f4d455f57)    /* "INCOME_W" */
#define S_STREAM_DETAILS UINT64_C(0x44455441494c535f)   /* "DETAILS_" */
#define S_DOUBLE_BITS 53
#define S_FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define S_FNV_PRIME UINT64_C(0x100000001b3)

typedef struct {
    const lnob_municipality_t *m;
    double weight; /* generator weight (persons) */
    double cum;    /* cumulative generator weight up to and including this one */
    double effect; /* log-income offset: region + municipality */
} mun_t;

typedef struct {
    mun_t *mun;
    size_t nmun;
    double total; /* sum of the generator weights (~2.40M persons) */
} frame_t;

/* ---- Sampling frame: municipalities and their weights. ---- */

/* Known Census 2023 population of the qark's municipalities, and how many
 * of them have none. */
static double s_qark_known(const lnob_geo_t *geo, const char *qark_iso, int *unknown)
{
    double known = 0.0;
    *unknown = 0;
    for (size_t i = 0; i < lnob_geo_count(geo); i++) {
        const lnob_municipality_t *m = lnob_geo_at(geo, i);
        if (strcmp(m->qark_iso, qark_iso) != 0)
            continue;
        if (m->population_2023 > 0)
            known += (double) m->population_2023;
        else
            (*unknown)++;
    }
    return known;
}

/* Generator weight of one municipality: its Census 2023 population, or,
 * where the table has none, an even share of its qark's remainder (qark
 * total minus its known municipalities). This split is a weighting of the
 * generator only, not an estimate of anyone's population. */
static double s_mun_weight(const lnob_geo_t *geo, const lnob_municipality_t *m)
{
    if (m->population_2023 > 0)
        return (double) m->population_2023;
    int unknown = 0;
    const double known = s_qark_known(geo, m->qark_iso, &unknown);
    const double rest = (double) lnob_geo_qark_population(geo, m->qark_iso) - known;
    if (unknown <= 0 || !(rest > 0.0))
        return S_FALLBACK_POPULATION;
    return rest / unknown;
}

static double s_region_effect(const char *nuts2)
{
    if (!strcmp(nuts2, "AL01"))
        return S_REGION_NORTH;
    if (!strcmp(nuts2, "AL02"))
        return S_REGION_CENTRE;
    return S_REGION_SOUTH;
}

/* Fixed municipality offset in [-S_MUN_EFFECT_MAX, S_MUN_EFFECT_MAX) from
 * an FNV-1a hash of the LAU code, so it is the same for every seed. */
static double s_mun_effect(const char *code)
{
    uint64_t h = S_FNV_OFFSET;
    for (const unsigned char *p = (const unsigned char *) code; *p; p++)
        h = (h ^ *p) * S_FNV_PRIME;
    const double u = (double) (h >> (64 - S_DOUBLE_BITS)) * ldexp(1.0, -S_DOUBLE_BITS);
    return (2.0 * u - 1.0) * S_MUN_EFFECT_MAX;
}

/* Returns 0, or -1 when geo has no municipalities. */
static int s_frame_new(frame_t *f, const lnob_geo_t *geo)
{
    f->nmun = geo ? lnob_geo_count(geo) : 0;
    if (f->nmun == 0)
        return -1;
    f->mun = lnob_calloc(f->nmun, sizeof(mun_t));
    f->total = 0.0;
    for (size_t i = 0; i < f->nmun; i++) {
        mun_t *u = &f->mun[i];
        u->m = lnob_geo_at(geo, i);
        u->weight = s_mun_weight(geo, u->m);
        f->total += u->weight;
        u->cum = f->total;
        u->effect = s_region_effect(u->m->nuts2) + s_mun_effect(u->m->code);
    }
    return 0;
}

static const mun_t *s_draw_mun(const frame_t *f, lnob_gen_rng_t *r)
{
    const double x = lnob_gen_uniform(r) * f->total;
    size_t lo = 0, hi = f->nmun - 1;
    while (lo < hi) { /* first i with cum > x */
        const size_t mid = lo + (hi - lo) / 2;
        if (f->mun[mid].cum > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return &f->mun[lo];
}

/* ---- Household composition. ---- */

/* Adds a member without parents in the household; returns its index, or
 * LNOB_GEN_NO_PARENT when the household is full. */
static int s_add(lnob_gen_hh_t *hh, lnob_gen_rng_t *r, int age, int sex)
{
    if (hh->n >= LNOB_GEN_MAX_MEMBERS)
        return LNOB_GEN_NO_PARENT;
    age = age < 0 ? 0 : age > S_AGE_MAX ? S_AGE_MAX : age;
    const int irp = age - (int) (lnob_gen_next(r) & 1); /* birthday before/after interview */
    const int i = hh->n++;
    hh->age[i] = age;
    hh->age_irp[i] = irp < 0 ? 0 : irp;
    hh->sex[i] = sex;
    hh->father[i] = hh->mother[i] = LNOB_GEN_NO_PARENT;
    return i;
}

/* Records member i's parent p (an index or LNOB_GEN_NO_PARENT) by p's sex. */
static void s_parent(lnob_gen_hh_t *hh, int i, int p)
{
    if (i < 0 || p < 0)
        return;
    if (hh->sex[p] == S_SEX_MALE)
        hh->father[i] = p;
    else
        hh->mother[i] = p;
}

static int s_sex(lnob_gen_rng_t *r, int male_permille)
{
    return lnob_gen_chance(r, male_permille) ? S_SEX_MALE : S_SEX_FEMALE;
}

/* A male head aged lo..hi and his younger wife, members n and n + 1;
 * returns the wife's age. */
static int s_couple(lnob_gen_hh_t *hh, lnob_gen_rng_t *r, int lo, int hi)
{
    const int head = lnob_gen_int(r, lo, hi);
    int wife = head - lnob_gen_int(r, 0, S_SPOUSE_GAP_MAX);
    if (wife < S_AGE_ADULT)
        wife = S_AGE_ADULT;
    s_add(hh, r, head, S_SEX_MALE);
    s_add(hh, r, wife, S_SEX_FEMALE);
    return wife;
}

/* k children aged lo..hi of members p1 and p2 (LNOB_GEN_NO_PARENT: none),
 * at least S_MIN_PARENT_GAP younger than a parent aged `parent`. */
static void s_children(lnob_gen_hh_t *hh, lnob_gen_rng_t *r, int k, int parent, int lo, int hi,
                       int p1, int p2)
{
    const int top = parent - S_MIN_PARENT_GAP < hi ? parent - S_MIN_PARENT_GAP : hi;
    for (int i = 0; i < k; i++) {
        const int c = s_add(hh, r, lnob_gen_int(r, lo, top), s_sex(r, S_MALE_BIRTH_PERMILLE));
        s_parent(hh, c, p1);
        s_parent(hh, c, p2);
    }
}

static void s_single_elder(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    s_add(hh, r, lnob_gen_int(r, S_AGE_ELDERLY, S_AGE_MAX),
          s_sex(r, S_PERMILLE - S_SINGLE_ELDER_FEMALE_PERMILLE));
}

static void s_single_adult(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    s_add(hh, r, lnob_gen_int(r, S_SINGLE_MIN, S_AGE_ELDERLY - 1), s_sex(r, S_PERMILLE / 2));
}

static void s_elder_couple(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    s_couple(hh, r, S_AGE_ELDERLY, S_ELDER_HEAD_MAX);
}

static void s_young_couple(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    s_couple(hh, r, S_YOUNG_COUPLE_MIN, S_YOUNG_COUPLE_MAX);
}

/* The couple is members 0 (head) and 1 (wife) of every household type that
 * has one. */
static void s_couple_kids(lnob_gen_hh_t *hh, lnob_gen_rng_t *r, int k)
{
    const int mother = s_couple(hh, r, S_PARENT_MIN, S_PARENT_MAX);
    s_children(hh, r, k, mother, 0, S_AGE_CHILD_MAX, 0, 1);
}

static void s_couple_1(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    s_couple_kids(hh, r, 1);
}

static void s_couple_2(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    s_couple_kids(hh, r, 2);
}

static void s_couple_3(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    s_couple_kids(hh, r, 3);
}

static void s_lone_parent(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    const int parent = lnob_gen_int(r, S_PARENT_MIN, S_PARENT_MAX);
    s_add(hh, r, parent, s_sex(r, S_PERMILLE - S_LONE_PARENT_FEMALE_PERMILLE));
    s_children(hh, r, lnob_gen_int(r, 1, S_LONE_PARENT_KIDS_MAX), parent, 0, S_AGE_CHILD_MAX, 0,
               LNOB_GEN_NO_PARENT);
}

/* Older couple with 1-3 unmarried adult children. */
static void s_couple_adult_kids(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    const int mother = s_couple(hh, r, S_ADULT_KIDS_HEAD_MIN, S_AGE_ELDERLY - 1);
    s_children(hh, r, lnob_gen_int(r, 1, S_ADULT_KIDS_MAX), mother, S_AGE_ADULT, S_ADULT_KID_MAX,
               0, 1);
}

/* Couple, 1-3 children, 1-2 of the head's parents, sometimes an adult
 * sibling of the head: 4 to 8 persons. */
static void s_three_gen(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    const int mother = s_couple(hh, r, S_THREE_GEN_HEAD_MIN, S_THREE_GEN_HEAD_MAX);
    const int head = hh->age[0];
    s_children(hh, r, lnob_gen_int(r, 1, S_THREE_GEN_KIDS_MAX), mother, 0, S_THREE_GEN_KID_MAX, 0,
               1);
    const int grandpa = head + lnob_gen_int(r, S_GRANDPARENT_GAP_MIN, S_GRANDPARENT_GAP_MAX);
    int g1, g2 = LNOB_GEN_NO_PARENT;
    if (lnob_gen_int(r, 1, S_GRANDPARENTS_MAX) == S_GRANDPARENTS_MAX) {
        g1 = s_add(hh, r, grandpa, S_SEX_MALE);
        g2 = s_add(hh, r, grandpa - lnob_gen_int(r, 0, S_SPOUSE_GAP_MAX), S_SEX_FEMALE);
    } else {
        g1 = s_add(hh, r, grandpa, s_sex(r, S_PERMILLE - S_LONE_GRANDPARENT_FEMALE_PERMILLE));
    }
    s_parent(hh, 0, g1);
    s_parent(hh, 0, g2);
    if (lnob_gen_chance(r, S_EXTRA_SIBLING_PERMILLE)) {
        const int sib = s_add(hh, r, head - lnob_gen_int(r, -S_SIBLING_GAP_MAX, S_SIBLING_GAP_MAX),
                              s_sex(r, S_PERMILLE / 2));
        s_parent(hh, sib, g1);
        s_parent(hh, sib, g2);
    }
}

typedef struct {
    int permille;
    void (*build)(lnob_gen_hh_t *hh, lnob_gen_rng_t *r);
} hh_type_t;

/* Household types and their shares (sum 1000): mean size ~3.5, about a
 * quarter of persons under 18 and a sixth 65 or over. */
static const hh_type_t s_types[] = {
    {80, s_single_elder},       {40, s_single_adult},  {110, s_elder_couple},
    {60, s_young_couple},       {110, s_couple_1},     {150, s_couple_2},
    {50, s_couple_3},           {30, s_lone_parent},   {200, s_three_gen},
    {170, s_couple_adult_kids},
};
#define S_NTYPES (sizeof(s_types) / sizeof(s_types[0]))

static void s_compose(lnob_gen_hh_t *hh, lnob_gen_rng_t *r)
{
    int x = lnob_gen_int(r, 0, S_PERMILLE - 1);
    size_t t = 0;
    while (t + 1 < S_NTYPES && x >= s_types[t].permille)
        x -= s_types[t++].permille;
    hh->n = 0;
    s_types[t].build(hh, r);
}

/* Municipality and members of the next household (household stream). */
static const mun_t *s_next_household(const frame_t *f, lnob_gen_rng_t *r, lnob_gen_hh_t *hh)
{
    const mun_t *u = s_draw_mun(f, r);
    s_compose(hh, r);
    return u;
}

/* ---- Income and weight. ---- */

/* Modified OECD scale in tenths from the RX020 ages (spec §1.4). */
static int s_oecd_tenths(const lnob_gen_hh_t *hh)
{
    int n14 = 0, n13 = 0;
    for (int i = 0; i < hh->n; i++) {
        if (hh->age_irp[i] >= S_OECD_AGE_ADULT)
            n14++;
        else
            n13++;
    }
    if (n14 == 0)
        return S_OECD_FIRST + S_OECD_CHILD * (n13 - 1);
    return S_OECD_FIRST + S_OECD_ADULT * (n14 - 1) + S_OECD_CHILD * n13;
}

/* HY020 in cents: mostly log-normal HX090 times HX050, rarely <= 0. */
static long long s_income_cents(lnob_gen_rng_t *r, const mun_t *u, const lnob_gen_hh_t *hh, int tenths)
{
    if (lnob_gen_int(r, 0, S_PER_100K - 1) < S_NONPOS_PER_100K) {
        if (lnob_gen_chance(r, S_NONPOS_ZERO_PERMILLE))
            return 0;
        return -(long long) lnob_gen_int(r, 1, S_NEGATIVE_MAX_CENTS);
    }
    const double mu = log(S_INCOME_MEDIAN) + u->effect +
                      S_SIZE_EFFECT * (double) (hh->n - S_SIZE_REFERENCE);
    const double hx090 = exp(mu + S_INCOME_LOG_SD * lnob_gen_normal(r));
    return llround(hx090 * tenths / S_OECD_DIVISOR * S_CENTS);
}

/* RB050 in 1e-5 units: base weight times a factor in 1 +- spread. */
static long long s_weight_units(lnob_gen_rng_t *r, double base)
{
    const double factor = 1.0 + S_WEIGHT_SPREAD * (2.0 * lnob_gen_uniform(r) - 1.0);
    return llround(base * factor * S_WEIGHT_SCALE);
}

/* ---- Output. ---- */

/* Prints an integer amount in 1/scale units with `decimals` digits. */
static int s_fixed(char *buf, size_t cap, long long units, long long scale, int decimals)
{
    const char *sign = units < 0 ? "-" : "";
    const unsigned long long a = units < 0 ? 0ULL - (unsigned long long) units
                                           : (unsigned long long) units;
    return snprintf(buf, cap, "%s%llu.%0*llu", sign, a / (unsigned long long) scale, decimals,
                    a % (unsigned long long) scale);
}

/* One household as the writers print it. */
typedef struct {
    uint64_t id;            /* DB030 */
    const mun_t *u;
    lnob_gen_hh_t hh;
    int tenths;             /* 10 x HX050 */
    double hx090;
    char w[32], hy020[32];  /* RB050, HY020 as printed */
    lnob_gen_full_t full;   /* formats full and udb4 */
} house_t;

static uint64_t s_pid(const house_t *x, int i)
{
    return x->id * S_PERSON_ID_FACTOR + (uint64_t) (i + 1);
}

/* ",RB220,RB230" of member i: the parents' RB030, empty when not here. */
static void s_put_parents(FILE *out, const house_t *x, int i)
{
    const int parent[2] = {x->hh.father[i], x->hh.mother[i]};
    for (int k = 0; k < 2; k++)
        if (parent[k] == LNOB_GEN_NO_PARENT)
            fputc(',', out);
        else
            fprintf(out, ",%" PRIu64, s_pid(x, parent[k]));
}

static void s_put_cents(FILE *out, long long cents)
{
    char buf[32];
    s_fixed(buf, sizeof buf, cents, S_CENTS, S_CENTS_DECIMALS);
    fprintf(out, ",%s", buf);
}

/* The basic columns of member i, without the line end. */
static void s_put_basic(FILE *out, const lnob_gen_silc_opts_t *o, const house_t *x, int i)
{
    fprintf(out, "%d,%" PRIu64 ",%s,%d,%" PRIu64 ",%s,%d,%d,%d,%d,%d,%s,%d.%d,%.6f,%s", o->year,
            x->id, x->u->m->nuts2, o->year, s_pid(x, i), x->w, x->hh.sex[i], x->hh.age[i],
            x->hh.age_irp[i], S_RB110_CURRENT_MEMBER, S_DB135_ACCEPTED, x->hy020,
            x->tenths / S_OECD_DIVISOR, x->tenths % S_OECD_DIVISOR, x->hx090, x->u->m->code);
}

static void s_write_basic(FILE *const out[], const lnob_gen_silc_opts_t *o, const house_t *x)
{
    for (int i = 0; i < x->hh.n; i++) {
        s_put_basic(out[0], o, x, i);
        fputc('\n', out[0]);
    }
}

static void s_write_full(FILE *const out[], const lnob_gen_silc_opts_t *o, const house_t *x)
{
    for (int i = 0; i < x->hh.n; i++) {
        s_put_basic(out[0], o, x, i);
        fprintf(out[0], ",%d,%d", x->full.db100, x->hh.n);
        s_put_cents(out[0], x->full.hy010);
        lnob_gen_full_put_h(out[0], &x->full);
        s_put_parents(out[0], x, i);
        fprintf(out[0], ",%s", lnob_gen_has_p(&x->hh, i) ? x->w : "");
        lnob_gen_full_put_p(out[0], &x->hh, &x->full, i);
        fputc('\n', out[0]);
    }
}

static void s_write_udb4(FILE *const out[], const lnob_gen_silc_opts_t *o, const house_t *x)
{
    fprintf(out[LNOB_GEN_D], "%d,%s,%" PRIu64 ",%s,%d,%d,%s\n", o->year, S_COUNTRY, x->id,
            x->u->m->nuts2, x->full.db100, S_DB135_ACCEPTED, x->u->m->code);
    fprintf(out[LNOB_GEN_H], "%d,%s,%" PRIu64 ",%d", o->year, S_COUNTRY, x->id, x->hh.n);
    s_put_cents(out[LNOB_GEN_H], x->full.hy010);
    fprintf(out[LNOB_GEN_H], ",%s,%d.%d,%.6f", x->hy020, x->tenths / S_OECD_DIVISOR,
            x->tenths % S_OECD_DIVISOR, x->hx090);
    lnob_gen_full_put_h(out[LNOB_GEN_H], &x->full);
    fputc('\n', out[LNOB_GEN_H]);
    for (int i = 0; i < x->hh.n; i++) {
        fprintf(out[LNOB_GEN_R], "%d,%s,%" PRIu64 ",%" PRIu64 ",%s,%d,%d", o->year, S_COUNTRY,
                s_pid(x, i), x->id, x->w, x->hh.sex[i], S_RB110_CURRENT_MEMBER);
        s_put_parents(out[LNOB_GEN_R], x, i);
        fprintf(out[LNOB_GEN_R], ",%d,%d\n", x->hh.age[i], x->hh.age_irp[i]);
    }
    for (int i = 0; i < x->hh.n; i++) {
        if (!lnob_gen_has_p(&x->hh, i))
            continue;
        fprintf(out[LNOB_GEN_P], "%d,%s,%" PRIu64 ",%s", o->year, S_COUNTRY, s_pid(x, i), x->w);
        lnob_gen_full_put_p(out[LNOB_GEN_P], &x->hh, &x->full, i);
        fputc('\n', out[LNOB_GEN_P]);
    }
}

typedef struct {
    const char *header[LNOB_GEN_UDB4_FILES];
    size_t files;
    void (*write)(FILE *const out[], const lnob_gen_silc_opts_t *o, const house_t *x);
} format_t;

static const format_t s_formats[] = {
    [LNOB_GEN_BASIC] = {{S_HEADER}, 1, s_write_basic},
    [LNOB_GEN_FULL] = {{S_FULL_HEADER}, 1, s_write_full},
    [LNOB_GEN_UDB4] = {{S_D_HEADER, S_H_HEADER, S_R_HEADER, S_P_HEADER}, LNOB_GEN_UDB4_FILES,
                       s_write_udb4},
};

/* Position of the household's income in the national distribution. */
static double s_income_z(const house_t *x)
{
    if (x->hh.hy020 <= 0)
        return S_Z_NONPOSITIVE;
    return log(x->hx090 / S_INCOME_MEDIAN) / S_INCOME_TOTAL_SD;
}

/* Persons in all households: a dry run of the household stream. */
static uint64_t s_count_persons(const frame_t *f, const lnob_gen_silc_opts_t *o)
{
    lnob_gen_rng_t r = lnob_gen_rng(o->seed, S_STREAM_HOUSEHOLD);
    lnob_gen_hh_t hh;
    uint64_t persons = 0;
    for (uint64_t h = 0; h < o->households; h++) {
        s_next_household(f, &r, &hh);
        persons += (uint64_t) hh.n;
    }
    return persons;
}

/* Returns 0, or -1 when a stream reports a write error. */
static int s_write_rows(FILE *const out[], const format_t *fmt, const frame_t *f,
                        const lnob_gen_silc_opts_t *o, double base)
{
    lnob_gen_rng_t rh = lnob_gen_rng(o->seed, S_STREAM_HOUSEHOLD);
    lnob_gen_rng_t ri = lnob_gen_rng(o->seed, S_STREAM_INCOME);
    lnob_gen_rng_t rd = lnob_gen_rng(o->seed, S_STREAM_DETAILS);
    lnob_gen_model_t *model = o->format == LNOB_GEN_BASIC ? NULL : lnob_gen_model_new();
    house_t x;
    int rc = 0;
    for (uint64_t h = 1; h <= o->households && rc == 0; h++) {
        x.id = h;
        x.u = s_next_household(f, &rh, &x.hh);
        x.tenths = s_oecd_tenths(&x.hh);
        s_fixed(x.w, sizeof x.w, s_weight_units(&ri, base), S_WEIGHT_SCALE, S_WEIGHT_DECIMALS);
        x.hh.hy020 = s_income_cents(&ri, x.u, &x.hh, x.tenths);
        s_fixed(x.hy020, sizeof x.hy020, x.hh.hy020, S_CENTS, S_CENTS_DECIMALS);
        /* HX090 = HY020 / HX050 = cents / (10 * tenths): one rounding. */
        x.hx090 = (double) x.hh.hy020 / ((double) S_OECD_DIVISOR * x.tenths);
        if (model) {
            x.hh.mun_population = x.u->weight;
            x.hh.income_z = s_income_z(&x);
            lnob_gen_full_draw(model, &rd, &x.hh, &x.full);
        }
        fmt->write(out, o, &x);
        for (size_t k = 0; k < fmt->files; k++)
            rc |= ferror(out[k]) ? -1 : 0;
    }
    lnob_gen_model_destroy(&model);
    return rc;
}

static int s_generate(FILE *const out[], const lnob_gen_silc_opts_t *opts, const lnob_geo_t *geo)
{
    frame_t f;
    if (s_frame_new(&f, geo) < 0)
        return -1;
    const format_t *fmt = &s_formats[opts->format];
    int rc = 0;
    for (size_t k = 0; k < fmt->files; k++)
        if (!out[k] || fputs(fmt->header[k], out[k]) < 0)
            rc = -1;
    if (rc == 0 && opts->households > 0) {
        const uint64_t persons = s_count_persons(&f, opts);
        rc = s_write_rows(out, fmt, &f, opts, f.total / (double) persons);
    }
    free(f.mun);
    for (size_t k = 0; k < fmt->files && rc == 0; k++)
        if (fflush(out[k]) != 0 || ferror(out[k]))
            rc = -1;
    return rc;
}

int lnob_gen_silc(FILE *out, const lnob_gen_silc_opts_t *opts, const lnob_geo_t *geo)
{
    if (!out || !opts || opts->format == LNOB_GEN_UDB4)
        return -1;
    FILE *const files[1] = {out};
    return s_generate(files, opts, geo);
}

int lnob_gen_silc_udb4(FILE *const out[LNOB_GEN_UDB4_FILES], const lnob_gen_silc_opts_t *opts,
                       const lnob_geo_t *geo)
{
    if (!out || !opts || opts->format != LNOB_GEN_UDB4)
        return -1;
    return s_generate(out, opts, geo);
}
