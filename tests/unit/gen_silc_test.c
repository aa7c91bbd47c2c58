/* gen_silc_test.c - the synthetic EU-SILC generator (cli/gen_silc.h): exact
 * header, byte determinism, household/person structure, municipalities,
 * HX050/HX090/HY020 consistency, and the calibration of national AROP60 and
 * Gini, recomputed here from the parsed CSV with the Eurostat weighted
 * quantile of docs/indicators-spec.md §2.1 and the Gini of §2.6. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_silc.h"
#include "lnob/geo.h"
#include "lnob/mem.h"

#define HEADER                                                                             \
    "DB010,DB030,DB040,RB010,RB030,RB050,RB090,RX010,RX020,RB110,DB135,HY020,HX050,HX090," \
    "MUN_CODE\n"
#define NCOLS 15
#define YEAR 2023
#define N_HH 20000
#define N_HH_SMALL 2000
#define N_HH_LARGE 100000
#define SEED 1
#define SEED_OTHER 2
#define SEED_LARGE 42
#define PERSON_ID_FACTOR 100
#define AGE_MAX 90
#define SEX_MALE 1
#define SEX_FEMALE 2
#define RB110_CURRENT 1
#define DB135_ACCEPTED 1
#define OECD_AGE_ADULT 14
#define OECD_FIRST 10
#define OECD_ADULT 5
#define OECD_CHILD 3
#define OECD_DIVISOR 10.0
#define WEIGHT_SCALE 1e5
#define POPULATION_2023 2402113.0 /* sum of the 12 qarks, Census 2023 */
#define POPULATION_TOL 0.01
#define MEAN_SIZE_MIN 3.3
#define MEAN_SIZE_MAX 3.8
#define AROP_MIN 18.0
#define AROP_MAX 23.0
#define GINI_MIN 30.0
#define GINI_MAX 35.0
#define PERCENT 100.0
#define K_MEDIAN 50
#define AROP_SHARE 0.6
#define REL_TOL 1e-6
#define ABS_TOL 0.01
#define HX050_TOL 1e-9
#define NONPOS_SHARE_MIN 0.001
#define NONPOS_SHARE_MAX 0.015
#define REGION_GAP_MIN 1.0 /* pp of AROP between AL01 and AL02 */
#define TINY_BUFFER 256
#define LINE_MAX_LEN 256

/* One parsed CSV row. */
typedef struct {
    int db010, rb010, sex, age, age_irp, rb110, db135;
    uint64_t hh, pid;
    char nuts2[8], mun[16];
    double w, hy020, hx050, hx090;
} row_t;

typedef struct {
    char *text;
    size_t len;
    row_t *rows;
    size_t n, cap;
} extract_t;

/* One person for the indicators: income, weight in 1e-5 units, tie key. */
typedef struct {
    double x;
    int64_t w;
    uint64_t pid;
} person_t;

static char *s_generate(uint64_t households, uint64_t seed, size_t *len)
{
    lnob_geo_t *geo = lnob_geo_new();
    cr_assert_not_null(geo, "lnob_geo_new failed");
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    cr_assert_not_null(out);
    lnob_gen_silc_opts_t o = {households, seed, YEAR};
    cr_assert_eq(lnob_gen_silc(out, &o, geo), 0, "lnob_gen_silc failed");
    cr_assert_eq(fclose(out), 0);
    lnob_geo_destroy(&geo);
    return text;
}

static size_t s_commas(const char *line, const char *end)
{
    size_t n = 0;
    for (const char *p = line; p < end; p++)
        n += *p == ',';
    return n;
}

static void s_parse_line(extract_t *e, const char *line, const char *end)
{
    cr_assert_eq(s_commas(line, end), NCOLS - 1, "row %zu: wrong field count: %.*s", e->n + 1,
                 (int) (end - line), line);
    /* sscanf on a copy: on the whole text it would scan to the end each row. */
    char buf[LINE_MAX_LEN];
    const size_t len = (size_t) (end - line);
    cr_assert(len < sizeof buf, "row %zu: %zu bytes", e->n + 1, len);
    memcpy(buf, line, len);
    buf[len] = '\0';
    lnob_grow((void **) &e->rows, &e->cap, e->n + 1, sizeof(row_t));
    row_t *r = &e->rows[e->n];
    int got = sscanf(buf,
                     "%d,%" SCNu64 ",%7[^,],%d,%" SCNu64 ",%lf,%d,%d,%d,%d,%d,%lf,%lf,%lf,"
                     "%15[^,\n]",
                     &r->db010, &r->hh, r->nuts2, &r->rb010, &r->pid, &r->w, &r->sex, &r->age,
                     &r->age_irp, &r->rb110, &r->db135, &r->hy020, &r->hx050, &r->hx090, r->mun);
    cr_assert_eq(got, NCOLS, "row %zu: %d fields parsed: %.*s", e->n + 1, got,
                 (int) (end - line), line);
    e->n++;
}

/* Generates and parses; asserts the header and LF line ends. */
static extract_t s_extract(uint64_t households, uint64_t seed)
{
    extract_t e = {0};
    e.text = s_generate(households, seed, &e.len);
    cr_assert(e.len > strlen(HEADER) && !strncmp(e.text, HEADER, strlen(HEADER)),
              "header differs");
    cr_assert_eq(e.text[e.len - 1], '\n', "last line not terminated");
    cr_assert_null(strchr(e.text, '\r'), "CR in output");
    const char *p = e.text + strlen(HEADER), *end = e.text + e.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        s_parse_line(&e, p, nl);
        p = nl + 1;
    }
    return e;
}

static void s_extract_free(extract_t *e)
{
    free(e->text);
    free(e->rows);
}

/* ---- Indicators on the parsed rows (spec §2.1, §2.3, §2.6). ---- */

static int s_person_cmp(const void *a, const void *b)
{
    const person_t *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return (p->pid > q->pid) - (p->pid < q->pid);
}

/* Persons of rows whose DB040 is nuts2 (all when NULL), sorted. */
static person_t *s_persons(const extract_t *e, const char *nuts2, size_t *n, int64_t *W)
{
    person_t *v = lnob_calloc(e->n, sizeof(person_t));
    *n = 0;
    *W = 0;
    for (size_t i = 0; i < e->n; i++) {
        const row_t *r = &e->rows[i];
        if (nuts2 && strcmp(r->nuts2, nuts2) != 0)
            continue;
        v[*n] = (person_t) {r->hx090, llround(r->w * WEIGHT_SCALE), r->pid};
        *W += v[*n].w;
        (*n)++;
    }
    qsort(v, *n, sizeof(person_t), s_person_cmp);
    return v;
}

/* Smallest j with 100*C_j >= k*W; on an exact hit the mean with x_{j+1}. */
static double s_quantile(const person_t *v, size_t n, int64_t W, int k)
{
    int64_t cum = 0;
    size_t j = 0;
    for (; j < n; j++) {
        cum += v[j].w;
        if ((int64_t) PERCENT * cum >= (int64_t) k * W)
            break;
    }
    if ((int64_t) PERCENT * cum == (int64_t) k * W && j + 1 < n)
        return (v[j].x + v[j + 1].x) / 2.0;
    return v[j].x;
}

/* Weighted percentage of persons with x < t. */
static double s_below(const person_t *v, size_t n, int64_t W, double t)
{
    int64_t poor = 0;
    for (size_t i = 0; i < n && v[i].x < t; i++)
        poor += v[i].w;
    return PERCENT * (double) poor / (double) W;
}

static double s_gini(const person_t *v, size_t n, int64_t W)
{
    long double a = 0.0L, b = 0.0L, t = 0.0L;
    int64_t cum = 0;
    for (size_t i = 0; i < n; i++) {
        const long double wi = (long double) v[i].w, wx = wi * (long double) v[i].x;
        cum += v[i].w;
        a += wx * (long double) cum;
        b += wi * wx;
        t += wx;
    }
    return (double) (PERCENT * ((2.0L * a - b) / ((long double) W * t) - 1.0L));
}

static void s_national(const extract_t *e, double *arop, double *gini)
{
    size_t n = 0;
    int64_t W = 0;
    person_t *v = s_persons(e, NULL, &n, &W);
    cr_assert(n > 0);
    *arop = s_below(v, n, W, AROP_SHARE * s_quantile(v, n, W, K_MEDIAN));
    *gini = s_gini(v, n, W);
    free(v);
}

static void s_check_calibration(uint64_t households, uint64_t seed)
{
    extract_t e = s_extract(households, seed);
    double arop = 0.0, gini = 0.0;
    s_national(&e, &arop, &gini);
    cr_log_info("%" PRIu64 " households, seed %" PRIu64 ": %zu persons, AROP60 %.2f %%, "
                "Gini %.2f",
                households, seed, e.n, arop, gini);
    cr_expect(arop >= AROP_MIN && arop <= AROP_MAX, "AROP %.2f outside [%g, %g]", arop,
              AROP_MIN, AROP_MAX);
    cr_expect(gini >= GINI_MIN && gini <= GINI_MAX, "Gini %.2f outside [%g, %g]", gini,
              GINI_MIN, GINI_MAX);
    s_extract_free(&e);
}

/* ---- Tests. ---- */

Test(gen_silc, header_exact)
{
    size_t len = 0;
    char *text = s_generate(1, SEED, &len);
    cr_assert(len > strlen(HEADER));
    cr_assert_eq(strncmp(text, HEADER, strlen(HEADER)), 0, "header: %.*s",
                 (int) strlen(HEADER), text);
    free(text);
}

Test(gen_silc, same_seed_same_bytes)
{
    size_t la = 0, lb = 0;
    char *a = s_generate(N_HH_SMALL, SEED, &la);
    char *b = s_generate(N_HH_SMALL, SEED, &lb);
    cr_assert_eq(la, lb, "lengths %zu and %zu", la, lb);
    cr_assert_eq(memcmp(a, b, la), 0, "same seed, different bytes");
    free(a);
    free(b);
}

Test(gen_silc, other_seed_other_bytes)
{
    size_t la = 0, lb = 0;
    char *a = s_generate(N_HH_SMALL, SEED, &la);
    char *b = s_generate(N_HH_SMALL, SEED_OTHER, &lb);
    cr_assert(la != lb || memcmp(a, b, la) != 0, "different seeds, same bytes");
    free(a);
    free(b);
}

Test(gen_silc, write_error_reported)
{
    char buf[TINY_BUFFER];
    FILE *out = fmemopen(buf, sizeof buf, "w");
    cr_assert_not_null(out);
    cr_assert_eq(setvbuf(out, NULL, _IONBF, 0), 0);
    lnob_geo_t *geo = lnob_geo_new();
    cr_assert_not_null(geo);
    lnob_gen_silc_opts_t o = {N_HH_SMALL, SEED, YEAR};
    cr_assert_eq(lnob_gen_silc(out, &o, geo), -1, "a full stream must fail");
    fclose(out);
    lnob_geo_destroy(&geo);
}

/* DB030 runs 1..N, members numbered 1..n in RB030, and the rows are the
 * sum of the household sizes. */
Test(gen_silc, households_and_persons)
{
    extract_t e = s_extract(N_HH, SEED);
    uint64_t hh = 0, member = 0, sizes = 0;
    for (size_t i = 0; i < e.n; i++) {
        const row_t *r = &e.rows[i];
        if (r->hh != hh) {
            cr_assert_eq(r->hh, hh + 1, "row %zu: DB030 %" PRIu64 " after %" PRIu64, i, r->hh,
                         hh);
            sizes += member;
            hh = r->hh;
            member = 0;
        }
        member++;
        cr_assert_eq(r->pid, r->hh * PERSON_ID_FACTOR + member, "row %zu: RB030 %" PRIu64, i,
                     r->pid);
    }
    sizes += member;
    cr_assert_eq(hh, N_HH, "last DB030 %" PRIu64, hh);
    cr_assert_eq(sizes, e.n);
    const double mean = (double) e.n / N_HH;
    cr_expect(mean >= MEAN_SIZE_MIN && mean <= MEAN_SIZE_MAX, "mean size %.3f", mean);
    s_extract_free(&e);
}

/* Year, ages, sex, flags; household-level fields shared by all members;
 * weights sum to about the population. */
Test(gen_silc, person_fields_valid)
{
    extract_t e = s_extract(N_HH, SEED);
    double wsum = 0.0;
    for (size_t i = 0; i < e.n; i++) {
        const row_t *r = &e.rows[i];
        cr_assert(r->db010 == YEAR && r->rb010 == YEAR, "row %zu: year", i);
        cr_assert(r->age >= 0 && r->age <= AGE_MAX, "row %zu: RX010 %d", i, r->age);
        cr_assert(r->age_irp >= 0 && (r->age_irp == r->age || r->age_irp == r->age - 1),
                  "row %zu: RX020 %d, RX010 %d", i, r->age_irp, r->age);
        cr_assert(r->sex == SEX_MALE || r->sex == SEX_FEMALE, "row %zu: RB090 %d", i, r->sex);
        cr_assert(r->rb110 == RB110_CURRENT && r->db135 == DB135_ACCEPTED,
                  "row %zu: RB110/DB135", i);
        cr_assert(r->w > 0.0, "row %zu: RB050 %f", i, r->w);
        wsum += r->w;
        if (i > 0 && e.rows[i - 1].hh == r->hh) {
            const row_t *q = &e.rows[i - 1];
            cr_assert(q->w == r->w && q->hy020 == r->hy020 && q->hx050 == r->hx050 &&
                          q->hx090 == r->hx090 && !strcmp(q->mun, r->mun) &&
                          !strcmp(q->nuts2, r->nuts2),
                      "row %zu: household fields differ between members", i);
        }
    }
    cr_expect(fabs(wsum / POPULATION_2023 - 1.0) < POPULATION_TOL, "sum of RB050 %.0f", wsum);
    s_extract_free(&e);
}

Test(gen_silc, municipalities_all_present)
{
    lnob_geo_t *geo = lnob_geo_new();
    cr_assert_not_null(geo);
    cr_assert_eq(lnob_geo_count(geo), LNOB_GEO_MUNICIPALITIES);
    extract_t e = s_extract(N_HH, SEED);
    size_t seen[LNOB_GEO_MUNICIPALITIES] = {0};
    for (size_t i = 0; i < e.n; i++) {
        const row_t *r = &e.rows[i];
        int k = lnob_geo_by_code(geo, r->mun, strlen(r->mun));
        cr_assert(k >= 0, "row %zu: MUN_CODE %s is not a municipality", i, r->mun);
        const lnob_municipality_t *m = lnob_geo_at(geo, (size_t) k);
        cr_assert_str_eq(r->mun, m->code, "row %zu: MUN_CODE not canonical", i);
        cr_assert_str_eq(r->nuts2, m->nuts2, "row %zu: DB040 of %s", i, r->mun);
        seen[k]++;
    }
    for (size_t k = 0; k < LNOB_GEO_MUNICIPALITIES; k++)
        cr_expect(seen[k] > 0, "%s never drawn", lnob_geo_at(geo, k)->code);
    s_extract_free(&e);
    lnob_geo_destroy(&geo);
}

Test(gen_silc, income_columns_consistent)
{
    extract_t e = s_extract(N_HH, SEED);
    size_t nonpos = 0;
    for (size_t i = 0; i < e.n; i++) {
        const row_t *r = &e.rows[i];
        const double diff = fabs(r->hx090 * r->hx050 - r->hy020);
        cr_assert(diff <= ABS_TOL || diff <= REL_TOL * fabs(r->hy020),
                  "row %zu: HX090 %.6f * HX050 %.1f != HY020 %.2f", i, r->hx090, r->hx050,
                  r->hy020);
        if (r->pid % PERSON_ID_FACTOR == 1 && r->hy020 <= 0.0)
            nonpos++;
    }
    const double share = (double) nonpos / N_HH;
    cr_expect(share >= NONPOS_SHARE_MIN && share <= NONPOS_SHARE_MAX,
              "share of households with HY020 <= 0: %.4f", share);
    s_extract_free(&e);
}

/* Modified OECD scale of spec §1.4, in tenths then divided. */
static double s_oecd(int n14, int n13)
{
    if (n14 == 0)
        return (OECD_FIRST + OECD_CHILD * (n13 - 1)) / OECD_DIVISOR;
    return (OECD_FIRST + OECD_ADULT * (n14 - 1) + OECD_CHILD * n13) / OECD_DIVISOR;
}

Test(gen_silc, hx050_is_modified_oecd)
{
    extract_t e = s_extract(N_HH, SEED);
    size_t start = 0;
    while (start < e.n) {
        size_t end = start;
        int n14 = 0, n13 = 0;
        for (; end < e.n && e.rows[end].hh == e.rows[start].hh; end++) {
            if (e.rows[end].age_irp >= OECD_AGE_ADULT)
                n14++;
            else
                n13++;
        }
        const double want = s_oecd(n14, n13);
        cr_assert(fabs(e.rows[start].hx050 - want) < HX050_TOL,
                  "DB030 %" PRIu64 ": HX050 %.1f, N14 %d N13 %d gives %.1f", e.rows[start].hh,
                  e.rows[start].hx050, n14, n13, want);
        start = end;
    }
    s_extract_free(&e);
}

Test(gen_silc, national_arop_and_gini)
{
    s_check_calibration(N_HH, SEED);
}

Test(gen_silc, national_arop_and_gini_large)
{
    s_check_calibration(N_HH_LARGE, SEED_LARGE);
}

/* National ARPT60 applied to the persons of one NUTS-2 region. */
static double s_region_arop(const extract_t *e, const char *nuts2)
{
    size_t n = 0, nr = 0;
    int64_t W = 0, Wr = 0;
    person_t *all = s_persons(e, NULL, &n, &W);
    person_t *reg = s_persons(e, nuts2, &nr, &Wr);
    cr_assert(nr > 0, "no persons in %s", nuts2);
    const double arop = s_below(reg, nr, Wr, AROP_SHARE * s_quantile(all, n, W, K_MEDIAN));
    free(all);
    free(reg);
    return arop;
}

/* The region effect makes the breakdowns differ: the north poorer. */
Test(gen_silc, regions_differ)
{
    extract_t e = s_extract(N_HH, SEED);
    const double north = s_region_arop(&e, "AL01"), centre = s_region_arop(&e, "AL02");
    cr_log_info("AROP60 at the national threshold: AL01 %.2f %%, AL02 %.2f %%, AL03 %.2f %%",
                north, centre, s_region_arop(&e, "AL03"));
    cr_expect(north - centre >= REGION_GAP_MIN, "AL01 %.2f %%, AL02 %.2f %%", north, centre);
    s_extract_free(&e);
}
