/* gen_silc_test.c - the synthetic EU-SILC generator (gen/gen_silc.h): exact
 * header, byte determinism, household/person structure, municipalities,
 * HX050/HX090/HY020 consistency, and the calibration of national AROP60 and
 * Gini, recomputed here from the parsed CSV with the Eurostat weighted
 * quantile of docs/indicators-spec.md §2.1 and the Gini of §2.6; formats
 * full and udb4: determinism, headers, UDB code lists, P rows for persons
 * 16+, calendars, HX040, keys across the four files, and deprivation and
 * worklessness falling with income. */
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
#include "lnob/udb.h"
#include "rows.h"

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

/* The text of a merged format. */
static char *s_generate_as(uint64_t households, uint64_t seed, lnob_gen_format format,
                           size_t *len)
{
    lnob_geo_t *geo = lnob_geo_new();
    cr_assert_not_null(geo, "lnob_geo_new failed");
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    cr_assert_not_null(out);
    lnob_gen_silc_opts_t o = {households, seed, YEAR, format};
    cr_assert_eq(lnob_gen_silc(out, &o, geo), 0, "lnob_gen_silc failed");
    cr_assert_eq(fclose(out), 0);
    lnob_geo_destroy(&geo);
    return text;
}

static char *s_generate(uint64_t households, uint64_t seed, size_t *len)
{
    return s_generate_as(households, seed, LNOB_GEN_BASIC, len);
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
    lnob_gen_silc_opts_t o = {N_HH_SMALL, SEED, YEAR, LNOB_GEN_BASIC};
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

/* ---- Formats full and udb4 (gen/gen_silc_full.h). ---- */

#define N_HH_FULL 3000
#define FULL_HEADER                                                                        \
    "DB010,DB030,DB040,RB010,RB030,RB050,RB090,RX010,RX020,RB110,DB135,HY020,HX050,HX090," \
    "MUN_CODE,DB100,HX040,HY010,HS060,HS040,HS050,HH050,HS011,HS021,HS031,HS110,HD080,"    \
    "HS070,HS080,HS100,HS011_F,HS021_F,HS031_F,RB220,RB230,PB040,PD020,PD030,PD050,PD060,"  \
    "PD070,PD080,PL032,PL060,PL073,PL074,PL075,PL076,PL145,PH030,PY080G,PY100G,PY110G,"     \
    "PY130G\n"
#define NCOLS_FULL 54
static const char *const s_udb4_header[LNOB_GEN_UDB4_FILES] = {
    "DB010,DB020,DB030,DB040,DB100,DB135,MUN_CODE\n",
    "HB010,HB020,HB030,HX040,HY010,HY020,HX050,HX090,HS060,HS040,HS050,HH050,HS011,HS021,"
    "HS031,HS110,HD080,HS070,HS080,HS100,HS011_F,HS021_F,HS031_F\n",
    "RB010,RB020,RB030,RB040,RB050,RB090,RB110,RB220,RB230,RX010,RX020\n",
    "PB010,PB020,PB030,PB040,PD020,PD030,PD050,PD060,PD070,PD080,PL032,PL060,PL073,PL074,"
    "PL075,PL076,PL145,PH030,PY080G,PY100G,PY110G,PY130G\n"};
#define P_AGE 16
#define MONTHS_MAX 12
#define FLAG_ANSWERED 1
#define FLAG_NO_PAYMENT (-2)
#define LACKING 2
#define PL032_EMPLOYED 1
#define WORKING_AGE_MIN 18
#define WORKING_AGE_MAX 64
#define QUINTILE 5
#define ITEM_GAP_MIN 2.0     /* household items lacking: bottom minus top quintile */
#define WORKLESS_RATIO_MIN 3.0

/* A CSV text split in place into cells (our generator writes no quotes). */
typedef struct {
    char *text;   /* owned */
    size_t len;
    char **cell;  /* (nrow + 1) x ncol, the header first */
    size_t ncol, nrow, cap;
} table_t;

/* Takes text; asserts LF line ends and a constant field count. */
static table_t s_table(char *text, size_t len, const char *what)
{
    table_t t = {text, len, NULL, 0, 0, 0};
    cr_assert(len > 0 && text[len - 1] == '\n', "%s: last line not terminated", what);
    cr_assert_null(memchr(text, '\r', len), "%s: CR in output", what);
    const char *nl = memchr(text, '\n', len);
    t.ncol = s_commas(text, nl) + 1;
    size_t row = 0, col = 0;
    char *start = text;
    for (char *p = text; p < text + len; p++) {
        if (*p != ',' && *p != '\n')
            continue;
        cr_assert(col < t.ncol, "%s: line %zu has more than %zu fields", what, row + 1, t.ncol);
        lnob_grow((void **) &t.cell, &t.cap, row * t.ncol + col + 1, sizeof(char *));
        t.cell[row * t.ncol + col++] = start;
        start = p + 1;
        if (*p == '\n') {
            cr_assert_eq(col, t.ncol, "%s: line %zu has %zu fields, not %zu", what, row + 1, col,
                         t.ncol);
            row++;
            col = 0;
        }
        *p = '\0';
    }
    t.nrow = row - 1;
    return t;
}

static void s_table_free(table_t *t)
{
    free(t->text);
    free(t->cell);
}

/* Cell of data row r (0-based) in column c. */
static const char *s_at(const table_t *t, size_t r, int c)
{
    return t->cell[(r + 1) * t->ncol + (size_t) c];
}

static int s_col(const table_t *t, const char *name)
{
    for (size_t c = 0; c < t->ncol; c++)
        if (!strcmp(t->cell[c], name))
            return (int) c;
    return -1;
}

static long s_long(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    cr_assert(*s && !*end, "'%s' is not a whole number", s);
    return v;
}

static double s_num(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    cr_assert(*s && !*end, "'%s' is not a number", s);
    return v;
}

static lnob_gen_silc_opts_t s_opts(uint64_t households, uint64_t seed, lnob_gen_format format)
{
    return (lnob_gen_silc_opts_t) {households, seed, YEAR, format};
}

/* The texts of the four UDB files. */
static void s_generate_udb4(uint64_t households, uint64_t seed, char *text[], size_t len[])
{
    lnob_geo_t *geo = lnob_geo_new();
    FILE *out[LNOB_GEN_UDB4_FILES];
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++) {
        text[k] = NULL;
        out[k] = open_memstream(&text[k], &len[k]);
        cr_assert_not_null(out[k]);
    }
    lnob_gen_silc_opts_t o = s_opts(households, seed, LNOB_GEN_UDB4);
    cr_assert_eq(lnob_gen_silc_udb4(out, &o, geo), 0, "lnob_gen_silc_udb4 failed");
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++)
        cr_assert_eq(fclose(out[k]), 0);
    lnob_geo_destroy(&geo);
}

static table_t s_full(uint64_t households, uint64_t seed)
{
    size_t len = 0;
    char *text = s_generate_as(households, seed, LNOB_GEN_FULL, &len);
    cr_assert(len > strlen(FULL_HEADER) && !strncmp(text, FULL_HEADER, strlen(FULL_HEADER)),
              "full header: %.*s", (int) strlen(FULL_HEADER), text);
    table_t t = s_table(text, len, "full");
    cr_assert_eq(t.ncol, NCOLS_FULL);
    return t;
}

static void s_udb4(uint64_t households, uint64_t seed, table_t t[])
{
    char *text[LNOB_GEN_UDB4_FILES];
    size_t len[LNOB_GEN_UDB4_FILES];
    s_generate_udb4(households, seed, text, len);
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++) {
        const char *h = s_udb4_header[k];
        cr_assert(len[k] >= strlen(h) && !strncmp(text[k], h, strlen(h)), "%c header: %.*s",
                  LNOB_GEN_UDB4_LETTERS[k], (int) strlen(h), text[k]);
        const char what[2] = {LNOB_GEN_UDB4_LETTERS[k], '\0'};
        t[k] = s_table(text[k], len[k], what);
    }
}

Test(gen_silc, full_and_udb4_same_seed_same_bytes)
{
    size_t la = 0, lb = 0;
    char *a = s_generate_as(N_HH_SMALL, SEED, LNOB_GEN_FULL, &la);
    char *b = s_generate_as(N_HH_SMALL, SEED, LNOB_GEN_FULL, &lb);
    cr_assert(la == lb && !memcmp(a, b, la), "full: same seed, different bytes");
    free(a);
    free(b);
    char *x[LNOB_GEN_UDB4_FILES], *y[LNOB_GEN_UDB4_FILES];
    size_t lx[LNOB_GEN_UDB4_FILES], ly[LNOB_GEN_UDB4_FILES];
    s_generate_udb4(N_HH_SMALL, SEED, x, lx);
    s_generate_udb4(N_HH_SMALL, SEED, y, ly);
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++) {
        cr_assert(lx[k] == ly[k] && !memcmp(x[k], y[k], lx[k]), "%c: same seed, different bytes",
                  LNOB_GEN_UDB4_LETTERS[k]);
        free(x[k]);
        free(y[k]);
    }
}

Test(gen_silc, a_format_goes_to_its_own_function)
{
    lnob_geo_t *geo = lnob_geo_new();
    lnob_gen_silc_opts_t o = s_opts(1, SEED, LNOB_GEN_UDB4);
    cr_assert_eq(lnob_gen_silc(stdout, &o, geo), -1);
    FILE *out[LNOB_GEN_UDB4_FILES] = {stdout, stdout, stdout, stdout};
    o.format = LNOB_GEN_FULL;
    cr_assert_eq(lnob_gen_silc_udb4(out, &o, geo), -1);
    lnob_geo_destroy(&geo);
}

/* A full P file (stream) must make the four-file writer fail. */
Test(gen_silc, udb4_write_error_reported)
{
    char buf[TINY_BUFFER];
    FILE *out[LNOB_GEN_UDB4_FILES];
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++)
        out[k] = k == LNOB_GEN_P ? fmemopen(buf, sizeof buf, "w") : fopen("/dev/null", "w");
    cr_assert_eq(setvbuf(out[LNOB_GEN_P], NULL, _IONBF, 0), 0);
    lnob_geo_t *geo = lnob_geo_new();
    lnob_gen_silc_opts_t o = s_opts(N_HH_SMALL, SEED, LNOB_GEN_UDB4);
    cr_assert_eq(lnob_gen_silc_udb4(out, &o, geo), -1, "a full P stream must fail");
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++)
        fclose(out[k]);
    lnob_geo_destroy(&geo);
}

/* The third stream adds columns; it does not move the basic ones. */
Test(gen_silc, full_rows_begin_with_the_basic_rows)
{
    size_t lb = 0;
    char *basic = s_generate_as(N_HH_SMALL, SEED, LNOB_GEN_BASIC, &lb);
    table_t b = s_table(basic, lb, "basic");
    table_t f = s_full(N_HH_SMALL, SEED);
    cr_assert_eq(b.nrow, f.nrow);
    for (size_t r = 0; r <= b.nrow; r++)
        for (size_t c = 0; c < b.ncol; c++)
            cr_assert_str_eq(f.cell[r * f.ncol + c], b.cell[r * b.ncol + c], "line %zu column %zu",
                             r + 1, c + 1);
    s_table_free(&b);
    s_table_free(&f);
}

/* Every UDB variable's value is empty or in its code list (lnob/udb.h),
 * amounts are numbers >= 0, the arrears flags say whether there is a value. */
Test(gen_silc, full_values_in_the_udb_code_lists)
{
    table_t t = s_full(N_HH_FULL, SEED);
    size_t checked = 0;
    for (size_t c = 0; c < t.ncol; c++) {
        const char *name = t.cell[c];
        const int v = lnob_udb_find(name);
        const size_t len = strlen(name);
        const int is_flag = len > 2 && !strcmp(name + len - 2, "_F");
        for (size_t r = 0; r < t.nrow; r++) {
            const char *s = s_at(&t, r, (int) c);
            if (is_flag) {
                char base[16];
                snprintf(base, sizeof base, "%.*s", (int) (len - 2), name);
                const long flag = s_long(s);
                const int empty = !*s_at(&t, r, s_col(&t, base));
                cr_assert(flag == (empty ? FLAG_NO_PAYMENT : FLAG_ANSWERED),
                          "row %zu: %s %ld with %s '%s'", r + 1, name, flag, base,
                          s_at(&t, r, s_col(&t, base)));
                continue;
            }
            if (v < 0 || !*s)
                continue;
            const lnob_udb_def_t *def = &lnob_udb_defs[v];
            if (def->kind == LNOB_UDB_CODE) {
                const long k = s_long(s);
                cr_assert(k >= def->lo && k <= def->hi, "row %zu: %s %ld outside %d..%d", r + 1,
                          name, k, def->lo, def->hi);
            } else {
                cr_assert(s_num(s) >= 0.0, "row %zu: %s %s", r + 1, name, s);
            }
            checked++;
        }
    }
    cr_assert_gt(checked, t.nrow * 20, "only %zu values checked", checked);
    s_table_free(&t);
}

/* P variables exactly for persons 16+; the calendar at most 12 months;
 * HX040 the member count; HY010 >= HY020; parents are older members. */
Test(gen_silc, full_persons_and_households_consistent)
{
    table_t t = s_full(N_HH_FULL, SEED);
    static const char *const pcols[] = {"PB040", "PD020", "PD030", "PD050", "PD060", "PD070",
                                        "PD080", "PL032", "PL073", "PL074", "PL075", "PL076",
                                        "PH030", "PY080G", "PY100G", "PY110G", "PY130G"};
    static const char *const months[] = {"PL073", "PL074", "PL075", "PL076"};
    const int age = s_col(&t, "RX010"), hh = s_col(&t, "DB030"), pid = s_col(&t, "RB030");
    const int hx040 = s_col(&t, "HX040");
    for (size_t r = 0, start = 0; r < t.nrow; r++) {
        const int adult = s_long(s_at(&t, r, age)) >= P_AGE;
        for (size_t k = 0; k < sizeof pcols / sizeof *pcols; k++)
            cr_assert_eq(*s_at(&t, r, s_col(&t, pcols[k])) != '\0', adult,
                         "row %zu: %s '%s' at age %s", r + 1, pcols[k],
                         s_at(&t, r, s_col(&t, pcols[k])), s_at(&t, r, age));
        long sum = 0;
        for (size_t k = 0; adult && k < sizeof months / sizeof *months; k++)
            sum += s_long(s_at(&t, r, s_col(&t, months[k])));
        cr_assert(sum <= MONTHS_MAX, "row %zu: %ld months", r + 1, sum);
        cr_assert_geq(s_num(s_at(&t, r, s_col(&t, "HY010"))),
                      s_num(s_at(&t, r, s_col(&t, "HY020"))), "row %zu: HY010 < HY020", r + 1);
        static const char *const parents[] = {"RB220", "RB230"};
        for (size_t k = 0; k < 2; k++) {
            const char *p = s_at(&t, r, s_col(&t, parents[k]));
            if (!*p)
                continue;
            const long id = s_long(p);
            cr_assert_eq(id / PERSON_ID_FACTOR, s_long(s_at(&t, r, hh)), "row %zu: %s %ld",
                         r + 1, parents[k], id);
            const size_t pr = start + (size_t) (id % PERSON_ID_FACTOR) - 1;
            cr_assert_eq(s_long(s_at(&t, pr, pid)), id);
            cr_assert_gt(s_long(s_at(&t, pr, age)), s_long(s_at(&t, r, age)), "row %zu", r + 1);
            cr_assert_eq(s_long(s_at(&t, pr, s_col(&t, "RB090"))), k == 0 ? SEX_MALE : SEX_FEMALE);
        }
        if (r + 1 == t.nrow || strcmp(s_at(&t, r + 1, hh), s_at(&t, r, hh)) != 0) {
            cr_assert_eq(s_long(s_at(&t, r, hx040)), (long) (r + 1 - start),
                         "DB030 %s: HX040 %s, %zu members", s_at(&t, r, hh),
                         s_at(&t, r, hx040), r + 1 - start);
            start = r + 1;
        }
    }
    s_table_free(&t);
}

/* The four files hold the full file's persons and values: D and H one row
 * per household in DB030 order, R one per person, P one per person 16+,
 * keys joining as the UDB says, and every full column found again. */
Test(gen_silc, udb4_files_split_the_full_rows)
{
    table_t f = s_full(N_HH_FULL, SEED_OTHER);
    table_t u[LNOB_GEN_UDB4_FILES];
    s_udb4(N_HH_FULL, SEED_OTHER, u);
    cr_assert_eq(u[LNOB_GEN_D].nrow, N_HH_FULL);
    cr_assert_eq(u[LNOB_GEN_H].nrow, N_HH_FULL);
    cr_assert_eq(u[LNOB_GEN_R].nrow, f.nrow);
    for (size_t h = 0; h < N_HH_FULL; h++) {
        cr_assert_eq(s_long(s_at(&u[LNOB_GEN_D], h, s_col(&u[LNOB_GEN_D], "DB030"))), (long) h + 1);
        cr_assert_eq(s_long(s_at(&u[LNOB_GEN_H], h, s_col(&u[LNOB_GEN_H], "HB030"))), (long) h + 1);
        cr_assert_str_eq(s_at(&u[LNOB_GEN_D], h, s_col(&u[LNOB_GEN_D], "DB020")), "AL");
    }
    const table_t *R = &u[LNOB_GEN_R], *P = &u[LNOB_GEN_P];
    const int age = s_col(R, "RX010"), rid = s_col(R, "RB030"), pid = s_col(P, "PB030");
    size_t p = 0;
    for (size_t r = 0; r < R->nrow; r++) {
        const long id = s_long(s_at(R, r, rid)), hh = s_long(s_at(R, r, s_col(R, "RB040")));
        cr_assert_eq(id / PERSON_ID_FACTOR, hh, "R row %zu: RB030 %ld in RB040 %ld", r + 1, id, hh);
        const int has_p = s_long(s_at(R, r, age)) >= P_AGE;
        if (has_p) {
            cr_assert(p < P->nrow && s_long(s_at(P, p, pid)) == id, "no P row for RB030 %ld", id);
            cr_assert_str_eq(s_at(P, p, s_col(P, "PB040")), s_at(R, r, s_col(R, "RB050")));
        }
        /* Every column of the full row, from the file that carries it. */
        for (size_t c = 0; c < f.ncol; c++) {
            const char *want = s_at(&f, r, (int) c), *got = NULL;
            for (int k = 0; k < LNOB_GEN_UDB4_FILES && !got; k++) {
                const int col = s_col(&u[k], f.cell[c]);
                const size_t row = k == LNOB_GEN_R ? r : k == LNOB_GEN_P ? p : (size_t) hh - 1;
                if (col >= 0)
                    got = k == LNOB_GEN_P && !has_p ? "" : s_at(&u[k], row, col);
            }
            cr_assert_not_null(got, "%s is in none of the four files", f.cell[c]);
            cr_assert_str_eq(got, want, "person %ld: %s", id, f.cell[c]);
        }
        p += has_p;
    }
    cr_assert_eq(p, P->nrow, "%zu P rows, %zu persons 16+", P->nrow, p);
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++)
        s_table_free(&u[k]);
    s_table_free(&f);
}

static int s_double_cmp(const void *a, const void *b)
{
    const double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Poorer households lack more items and more often have no worker. */
Test(gen_silc, deprivation_and_worklessness_follow_income)
{
    table_t t = s_full(N_HH, SEED);
    static const char *const items[] = {"HS060", "HS040", "HS050", "HH050", "HS110", "HD080"};
    const int hh = s_col(&t, "DB030"), x = s_col(&t, "HX090"), age = s_col(&t, "RX020");
    double *inc = lnob_calloc(N_HH, sizeof *inc);
    int *lack = lnob_calloc(N_HH, sizeof *lack), *workless = lnob_calloc(N_HH, sizeof *workless);
    for (size_t r = 0; r < t.nrow; r++) {
        const size_t h = (size_t) s_long(s_at(&t, r, hh)) - 1;
        inc[h] = s_num(s_at(&t, r, x));
        lack[h] = 0;
        for (size_t k = 0; k < sizeof items / sizeof *items; k++)
            lack[h] += s_long(s_at(&t, r, s_col(&t, items[k]))) == LACKING;
        const long a = s_long(s_at(&t, r, age));
        if (a < WORKING_AGE_MIN || a > WORKING_AGE_MAX)
            continue;
        if (workless[h] == 0)
            workless[h] = 1;
        if (s_long(s_at(&t, r, s_col(&t, "PL032"))) == PL032_EMPLOYED)
            workless[h] = -1;
    }
    double *sorted = lnob_calloc(N_HH, sizeof *sorted);
    memcpy(sorted, inc, N_HH * sizeof *sorted);
    qsort(sorted, N_HH, sizeof *sorted, s_double_cmp);
    const double q1 = sorted[N_HH / QUINTILE], q4 = sorted[N_HH - N_HH / QUINTILE];
    double lack_lo = 0, lack_hi = 0, idle_lo = 0, idle_hi = 0, n_lo = 0, n_hi = 0;
    for (size_t h = 0; h < N_HH; h++) {
        if (inc[h] < q1)
            n_lo++, lack_lo += lack[h], idle_lo += workless[h] == 1;
        else if (inc[h] >= q4)
            n_hi++, lack_hi += lack[h], idle_hi += workless[h] == 1;
    }
    lack_lo /= n_lo, lack_hi /= n_hi, idle_lo /= n_lo, idle_hi /= n_hi;
    cr_log_info("household items lacking: bottom quintile %.2f, top %.2f; workless: %.3f, %.3f",
                lack_lo, lack_hi, idle_lo, idle_hi);
    cr_expect(lack_lo - lack_hi >= ITEM_GAP_MIN, "items lacking %.2f vs %.2f", lack_lo, lack_hi);
    cr_expect(idle_lo >= WORKLESS_RATIO_MIN * idle_hi, "workless %.3f vs %.3f", idle_lo, idle_hi);
    free(sorted);
    free(inc);
    free(lack);
    free(workless);
    s_table_free(&t);
}

/* The demo's SILC samples are what the generator writes (the commands in
 * data/sample/README.md): the merged file, plus the three bad rows appended
 * by hand at its end, and the four UDB files of the same year. */
#define SAMPLE LNOB_SOURCE_DIR "/data/sample/"
#define SAMPLE_HOUSEHOLDS 3000
#define SAMPLE_SEED 2023
#define SAMPLE_BAD_ROWS 3

Test(gen_silc, the_demo_samples_are_what_the_generator_writes)
{
    size_t len = 0, disk_len = 0;
    char *text = s_generate(SAMPLE_HOUSEHOLDS, SAMPLE_SEED, &len);
    char *disk = tr_slurp(SAMPLE "silc_demo.csv", &disk_len);
    cr_assert(disk_len > len && !memcmp(disk, text, len), "silc_demo.csv: not the generator's rows");
    size_t extra = 0;
    for (size_t i = len; i < disk_len; i++)
        extra += disk[i] == '\n';
    cr_assert_eq(extra, SAMPLE_BAD_ROWS, "silc_demo.csv: rows after the generated ones");
    free(text);
    free(disk);
    char *udb[LNOB_GEN_UDB4_FILES];
    size_t ulen[LNOB_GEN_UDB4_FILES];
    s_generate_udb4(SAMPLE_HOUSEHOLDS, SAMPLE_SEED, udb, ulen);
    for (int k = 0; k < LNOB_GEN_UDB4_FILES; k++) {
        char path[512];
        snprintf(path, sizeof path, SAMPLE "udb4_2023/%c.csv", LNOB_GEN_UDB4_LETTERS[k]);
        disk = tr_slurp(path, &disk_len);
        cr_expect(disk_len == ulen[k] && !memcmp(disk, udb[k], ulen[k]), "%s differs from the generator's",
                  path);
        free(disk);
        free(udb[k]);
    }
}
