/* mis_cells_test.c - the MIS service-coverage indicators (spec §6) against
 * the hand-computed test vector TV7 of the spec. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mis_cells.h"

/* K1..K7 of TV7 as 64-hex keys. */
#define K(d) "k" #d "00000000000000000000000000000000000000000000000000000000000000"

static const char *const s_mun[] = {"", "AL154", "AL111"}; /* M01, M02 */
static const long s_pop[] = {0, 10000, 4000};
static const int s_target[] = {0, 1, 0};
static const char *const s_serv[] = {"", "HOME_CARE", "DAY_CENTRE", "COMMUNITY_CENTRE", "ECONOMIC_AID",
                                     "DISABILITY_PAYMENT", "SHELTER", "CHILD_PROTECTION"};
enum { M01 = 1, M02 = 2 };
enum { F = 2, M = 1 };

typedef struct {
    const char *key;
    uint32_t sex;
    int32_t birth;
    uint32_t flags;
} tv_person_t;

static const tv_person_t s_k[8] = {
    {NULL, 0, 0, 0},
    {K(1), F, 19500701, LNOB_MIS_DIS},  {K(2), M, 20120701, LNOB_MIS_ROMA},
    {K(3), F, 19900701, LNOB_MIS_VAW | LNOB_MIS_EGY}, {K(4), M, 19850701, 0},
    {K(5), F, 19580701, LNOB_MIS_DIS},  {K(6), M, 19790701, LNOB_MIS_DIS},
    {K(7), F, 20150701, LNOB_MIS_ROMA},
};

static lnob_mis_record_t s_rec(const char *id, int k, uint32_t s, uint32_t m, int32_t start, int32_t end)
{
    return (lnob_mis_record_t){s_k[k].key, id, m, s, s_k[k].sex, s_k[k].birth, s_k[k].flags, start, end, 0, 0};
}

static lnob_cell_t *s_tv7_with(const lnob_mis_dims_t *d, size_t *n, lnob_mis_stats_t *st);

static lnob_cell_t *s_tv7(size_t *n, lnob_mis_stats_t *st)
{
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    return s_tv7_with(&d, n, st);
}

static lnob_cell_t *s_tv7_with(const lnob_mis_dims_t *d, size_t *n, lnob_mis_stats_t *st)
{
    static lnob_mis_record_t r[17];
    size_t i = 0;
    r[i++] = s_rec("1", 1, 1, M01, 20230501, 0);
    r[i++] = s_rec("2", 1, 2, M01, 20240201, 20240630);
    r[i++] = s_rec("3", 1, 5, M01, 20200101, 0);
    r[i++] = s_rec("4", 1, 1, M01, 20240301, 0);
    r[i++] = s_rec("5", 2, 7, M01, 20240110, 20240430);
    r[i++] = s_rec("6", 2, 3, M01, 20240501, 0);
    r[i++] = s_rec("7", 2, 4, M01, 20220101, 0);
    r[i++] = s_rec("8", 3, 6, M01, 20240901, 20241015);
    r[i++] = s_rec("9", 3, 3, M01, 20240901, 0);
    r[i++] = s_rec("10", 3, 4, M02, 20241101, 0);
    r[i++] = s_rec("11", 4, 4, M02, 20230101, 20231231);
    r[i++] = s_rec("12", 5, 5, M02, 20210301, 0);
    r[i++] = s_rec("13", 5, 1, M02, 20240101, 0);
    r[i++] = s_rec("14", 5, 2, M02, 20240101, 0);
    r[i++] = s_rec("15", 5, 3, M02, 20240101, 0);
    r[i++] = s_rec("16", 6, 5, M02, 20240101, 0);
    r[i++] = s_rec("17", 7, 7, M02, 20240201, 0);
    return lnob_mis_cells(r, i, d, st, n);
}

static const lnob_cell_t *s_find(const lnob_cell_t *c, size_t n, const char *ind, const char *bd,
                                 const char *group)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i].indicator, ind) && !strcmp(c[i].breakdown, bd) && !strcmp(c[i].group, group))
            return &c[i];
    cr_assert_fail("no cell %s %s=%s", ind, bd, group);
    return NULL;
}

static void s_expect(const lnob_cell_t *c, size_t n, const char *ind, const char *bd, const char *group,
                     double want)
{
    const lnob_cell_t *cell = s_find(c, n, ind, bd, group);
    cr_assert(cell->has_value, "%s %s=%s has no value", ind, bd, group);
    cr_assert_float_eq(cell->value, want, 1e-9 * (want + 1), "%s %s=%s: %.12g, want %.12g", ind, bd,
                       group, cell->value, want);
}

Test(mis_cells, tv7_beneficiaries_by_municipality_and_service)
{
    size_t n;
    lnob_mis_stats_t st;
    lnob_cell_t *c = s_tv7(&n, &st);
    const char *m01[] = {"HOME_CARE", "DAY_CENTRE", "COMMUNITY_CENTRE", "ECONOMIC_AID",
                         "DISABILITY_PAYMENT", "SHELTER", "CHILD_PROTECTION"};
    const double want01[] = {1, 1, 2, 1, 1, 1, 1};
    for (int s = 0; s < 7; s++) {
        char g[64];
        snprintf(g, sizeof g, "AL154,%s", m01[s]);
        s_expect(c, n, "mis_ben", "municipality,service", g, want01[s]);
    }
    const char *m02[] = {"HOME_CARE", "DAY_CENTRE", "COMMUNITY_CENTRE", "ECONOMIC_AID",
                         "DISABILITY_PAYMENT", "CHILD_PROTECTION"};
    const double want02[] = {1, 1, 1, 1, 2, 1};
    for (int s = 0; s < 6; s++) {
        char g[64];
        snprintf(g, sizeof g, "AL111,%s", m02[s]);
        s_expect(c, n, "mis_ben", "municipality,service", g, want02[s]);
    }
    s_expect(c, n, "mis_ben_all", "municipality", "AL154", 3);
    s_expect(c, n, "mis_ben_all", "municipality", "AL111", 4);
    s_expect(c, n, "mis_ben_all", "", "", 6);
    s_expect(c, n, "mis_rate1000", "municipality", "AL154", 0.3);
    s_expect(c, n, "mis_rate1000", "municipality", "AL111", 1.0);
    cr_assert_eq(st.persons, 6, "K4 has no active record");
    cr_assert_eq(st.active, 16);
    free(c);
}

Test(mis_cells, tv7_three_services_and_the_programme_bar)
{
    size_t n;
    lnob_mis_stats_t st;
    lnob_cell_t *c = s_tv7(&n, &st);
    s_expect(c, n, "mis_share3", "municipality", "AL154", 200.0 / 3);
    s_expect(c, n, "mis_share3", "municipality", "AL111", 25.0);
    s_expect(c, n, "mis_share3", "", "", 400.0 / 6);
    s_expect(c, n, "mis_mun33", "", "", 1);
    s_expect(c, n, "mis_mun33_pct", "base", "reporting", 50.0);
    s_expect(c, n, "mis_mun33_pct", "base", "all", 100.0 / 61);
    s_expect(c, n, "mis_mun33_pct", "base", "lnb_targets", 100.0);
    s_expect(c, n, "mis_nserv", "municipality,nserv", "AL154,3", 2);
    s_expect(c, n, "mis_nserv", "municipality,nserv", "AL154,2", 1);
    s_expect(c, n, "mis_nserv", "municipality,nserv", "AL111,4", 1);
    s_expect(c, n, "mis_nserv", "municipality,nserv", "AL111,1", 3);
    cr_assert_eq(st.reporting, 2);
    free(c);
}

Test(mis_cells, tv7_breakdowns_by_sex_and_group_with_small_cells)
{
    size_t n;
    lnob_mis_stats_t st;
    lnob_cell_t *c = s_tv7(&n, &st);
    s_expect(c, n, "mis_ben_all", "municipality,sex", "AL154,F", 2);
    s_expect(c, n, "mis_ben_all", "municipality,sex", "AL154,M", 1);
    s_expect(c, n, "mis_ben_all", "municipality,sex", "AL111,F", 3);
    s_expect(c, n, "mis_ben_all", "municipality,sex", "AL111,M", 1);
    const char *groups[] = {"DIS", "RE", "ROMA", "EGY", "ELD", "VAW", "CHI"};
    const double m01[] = {1, 2, 1, 1, 1, 1, 1}, m02[] = {2, 2, 1, 1, 1, 1, 1};
    for (int g = 0; g < 7; g++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "AL154,%s", groups[g]);
        snprintf(b, sizeof b, "AL111,%s", groups[g]);
        s_expect(c, n, "mis_ben_all", "municipality,group", a, m01[g]);
        s_expect(c, n, "mis_ben_all", "municipality,group", b, m02[g]);
        cr_assert_str_eq(s_find(c, n, "mis_ben_all", "municipality,group", a)->diagnostic, "SMALL_CELL");
    }
    s_expect(c, n, "mis_ben_all", "municipality,age_group", "AL154,65+", 1);
    s_expect(c, n, "mis_ben_all", "municipality,age_group", "AL154,0-17", 1);
    free(c);
}

Test(mis_cells, duplicates_cancelled_and_unkeyed_records)
{
    lnob_mis_record_t r[] = {
        {K(1), "1", 1, 1, F, 19500701, 0, 20240105, 0, 0, 0},
        {K(1), "2", 1, 1, F, 19500701, 0, 20240105, 0, 0, 0},          /* same person, service, start */
        {K(2), "3", 1, 1, M, 19800701, 0, 20240105, 0, LNOB_MIS_STATUS_CANCELLED, 0},
        {"", "4", 1, 2, M, 19800701, 0, 20240105, 0, 0, 0},            /* unkeyed */
        {K(3), "5", 1, 2, 9, 0, 0, 20240105, 0, 0, 0},
    };
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    size_t n;
    lnob_mis_stats_t st;
    lnob_cell_t *c = lnob_mis_cells(r, 5, &d, &st, &n);
    cr_assert_eq(st.duplicates, 1);
    cr_assert_eq(st.unkeyed, 1);
    cr_assert_eq(st.active, 4, "the cancelled record is not active");
    s_expect(c, n, "mis_ben", "municipality,service", "AL154,HOME_CARE", 1);
    s_expect(c, n, "mis_ben", "municipality,service", "AL154,DAY_CENTRE", 1);
    cr_assert_str_eq(s_find(c, n, "mis_ben", "municipality,service", "AL154,DAY_CENTRE")->diagnostic,
                     "KEY_COVERAGE_LOW", "1 of 2 records unkeyed");
    s_expect(c, n, "mis_ben_all", "municipality,sex", "AL154,unknown", 1);
    free(c);
}

Test(mis_cells, vuln_groups_narrows_who_counts_for_the_three_services_share)
{
    uint32_t mask;
    cr_assert_eq(lnob_mis_vuln_mask("DIS,NOPE", &mask), -1);
    cr_assert_eq(lnob_mis_vuln_mask("dis,ELD", &mask), 0);
    /* TV7 with only DIS and ELD vulnerable: in M01 K1 (DIS, ELD; 3 services) of K1 -> 100 %,
     * in M02 K5 (DIS, ELD; 4) and K6 (DIS; 1) -> 50 %; nationally K1, K5, K6: 2 of 3. */
    size_t n;
    lnob_mis_stats_t st;
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, mask};
    lnob_cell_t *c = s_tv7_with(&d, &n, &st);
    s_expect(c, n, "mis_share3", "municipality", "AL154", 100.0);
    s_expect(c, n, "mis_share3", "municipality", "AL111", 50.0);
    s_expect(c, n, "mis_share3", "", "", 200.0 / 3);
    free(c);
}

/* ---- needs-assessment registers (§6.5 MIS_SHARE3_REG) ------------------------- */

#define K8 "k8" "00000000000000000000000000000000000000000000000000000000000000"
#define K9 "k9" "00000000000000000000000000000000000000000000000000000000000000"
#define K10 "ka" "00000000000000000000000000000000000000000000000000000000000000"
#define K11 "kb" "00000000000000000000000000000000000000000000000000000000000000"
#define K12 "kc" "00000000000000000000000000000000000000000000000000000000000000"

/* A register entry: person, municipality, sex, birth, flags, assessed, exit, status. */
static lnob_mis_record_t s_entry(const char *key, uint32_t m, uint32_t sex, int32_t birth, uint32_t flags,
                                 int32_t assessed, int32_t exit, uint32_t status)
{
    return (lnob_mis_record_t){key, "", m, 0, sex, birth, flags, assessed, exit, status, 1};
}

/* TV7's records plus the two municipalities' registers. Hand-computed:
 * M01 (AL154): active entries K1 (DIS), K3 (VAW, F), K8 (born 1940: ELD,
 * no service), K9 (M 1980, no group: not vulnerable) and one unkeyed; K10
 * cancelled, K11 left before 2024. Vulnerable on the register: K1, K3, K8
 * = 3. Numerator as MIS_SHARE3[M01]: K1 and K2 (3 services each) = 2, and
 * K2 is not on the register -> 66.67 % with NOT_ON_REGISTER.
 * M02 (AL111): K3, K5 (DIS), K6 (the register records no group, though
 * his services say DIS: the register decides), K7 (ROMA, child), K12 (DIS,
 * no service). Vulnerable: K3, K5, K7, K12 = 4; numerator K5 (4 services,
 * on the register) = 1 -> 25 %, 4 persons -> SMALL_CELL. */
Test(mis_cells, the_register_share_divides_by_the_vulnerable_persons_assessed)
{
    lnob_mis_record_t r[40];
    size_t i = 0;
    static const int tv7[17][5] = {
        {1, 1, M01, 20230501, 0},        {1, 2, M01, 20240201, 20240630}, {1, 5, M01, 20200101, 0},
        {1, 1, M01, 20240301, 0},        {2, 7, M01, 20240110, 20240430}, {2, 3, M01, 20240501, 0},
        {2, 4, M01, 20220101, 0},        {3, 6, M01, 20240901, 20241015}, {3, 3, M01, 20240901, 0},
        {3, 4, M02, 20241101, 0},        {4, 4, M02, 20230101, 20231231}, {5, 5, M02, 20210301, 0},
        {5, 1, M02, 20240101, 0},        {5, 2, M02, 20240101, 0},        {5, 3, M02, 20240101, 0},
        {6, 5, M02, 20240101, 0},        {7, 7, M02, 20240201, 0}};
    static const char *const ids[17] = {"1", "2", "3", "4", "5", "6", "7", "8", "9",
                                        "10", "11", "12", "13", "14", "15", "16", "17"};
    for (; i < 17; i++)
        r[i] = s_rec(ids[i], tv7[i][0], (uint32_t) tv7[i][1], (uint32_t) tv7[i][2], tv7[i][3], tv7[i][4]);
    r[i++] = s_entry(K(1), M01, F, 19500701, LNOB_MIS_DIS, 20230301, 0, 0);
    r[i++] = s_entry(K(3), M01, F, 19900701, LNOB_MIS_VAW | LNOB_MIS_EGY, 20240201, 0, 0);
    r[i++] = s_entry(K8, M01, F, 19400701, 0, 20240501, 0, 0);
    r[i++] = s_entry(K9, M01, M, 19800701, 0, 20240110, 0, 0);
    r[i++] = s_entry("", M01, F, 19700701, LNOB_MIS_DIS, 20240110, 0, 0);
    r[i++] = s_entry(K10, M01, F, 19700701, LNOB_MIS_DIS, 20240110, 0, LNOB_MIS_STATUS_CANCELLED);
    r[i++] = s_entry(K11, M01, F, 19700701, LNOB_MIS_DIS, 20220110, 20230630, 0);
    r[i++] = s_entry(K(3), M02, F, 19900701, LNOB_MIS_VAW | LNOB_MIS_EGY, 20241101, 0, 0);
    r[i++] = s_entry(K(5), M02, F, 19580701, LNOB_MIS_DIS, 20210301, 0, 0);
    r[i++] = s_entry(K(6), M02, M, 19790701, 0, 20240101, 0, 0);
    r[i++] = s_entry(K(7), M02, F, 20150701, LNOB_MIS_ROMA, 20240201, 0, 0);
    r[i++] = s_entry(K12, M02, M, 19600701, LNOB_MIS_DIS, 20240301, 0, 0);
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    size_t n;
    lnob_mis_stats_t st;
    lnob_cell_t *c = lnob_mis_cells(r, i, &d, &st, &n);
    s_expect(c, n, "mis_share3_reg", "municipality", "AL154", 200.0 / 3);
    cr_assert_eq(s_find(c, n, "mis_share3_reg", "municipality", "AL154")->n, 3);
    cr_assert_str_eq(s_find(c, n, "mis_share3_reg", "municipality", "AL154")->diagnostic, "NOT_ON_REGISTER");
    s_expect(c, n, "mis_share3_reg", "municipality", "AL111", 25.0);
    cr_assert_eq(s_find(c, n, "mis_share3_reg", "municipality", "AL111")->n, 4);
    cr_assert_str_eq(s_find(c, n, "mis_share3_reg", "municipality", "AL111")->diagnostic, "SMALL_CELL");
    cr_assert_eq(st.register_active, 10, "5 in M01 (one unkeyed), 5 in M02");
    cr_assert_eq(st.register_persons, 8, "K1 K3 K5 K6 K7 K8 K9 K12");
    /* The registers change nothing else: TV7's answers stand. */
    s_expect(c, n, "mis_share3", "municipality", "AL154", 200.0 / 3);
    s_expect(c, n, "mis_share3", "municipality", "AL111", 25.0);
    s_expect(c, n, "mis_ben_all", "", "", 6);
    cr_assert_eq(st.persons, 6);
    cr_assert_eq(st.active, 16);
    free(c);
    c = s_tv7(&n, &st); /* no register: no register share */
    for (size_t k = 0; k < n; k++)
        cr_assert_str_neq(c[k].indicator, "mis_share3_reg");
    free(c);
}

/* A beneficiary with 3 services (DIS by his records) whose register entry
 * names no group counts in the numerator but not in the denominator: the
 * share (1 / 1, B being the register's only vulnerable person) is no
 * share of the register's persons, and says so. */
Test(mis_cells, a_numerator_person_outside_the_register_share_is_flagged)
{
    lnob_mis_record_t r[6];
    size_t i = 0;
    for (uint32_t s = 1; s <= 3; s++)
        r[i++] = (lnob_mis_record_t){K8, "", M01, s, M, 19940701, LNOB_MIS_DIS, 20240101, 0, 0, 0};
    r[i++] = s_entry(K8, M01, M, 19940701, 0, 20240101, 0, 0);           /* on it, no group */
    r[i++] = s_entry(K9, M01, F, 19800701, LNOB_MIS_DIS, 20240101, 0, 0); /* B: DIS, no service */
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    size_t n;
    lnob_mis_stats_t st;
    lnob_cell_t *c = lnob_mis_cells(r, i, &d, &st, &n);
    s_expect(c, n, "mis_share3_reg", "municipality", "AL154", 100.0);
    cr_assert_str_eq(s_find(c, n, "mis_share3_reg", "municipality", "AL154")->diagnostic, "NOT_ON_REGISTER");
    free(c);
}

/* Keys a sender chose to share their first 16 digits (the wire checks only
 * that a key is 64 hex digits), each twice: still one person per key. The
 * persons are numbered through a hash table under a secret hash, so such
 * keys do not pile up in one slot; with a public hash of the first digits,
 * 100,000 of them took 18 s (the timeout, 10 s, stops such a run). */
Test(mis_cells, keys_sharing_a_long_prefix_are_each_one_person, .timeout = 10)
{
    enum { KEYS = 100000 };
    lnob_mis_record_t *r = malloc(2 * KEYS * sizeof *r);
    char(*keys)[65] = malloc(KEYS * sizeof *keys);
    cr_assert(r && keys);
    for (int i = 0; i < KEYS; i++) {
        snprintf(keys[i], sizeof keys[i], "0123456789abcdef%048x", i);
        for (int j = 0; j < 2; j++)
            r[2 * i + j] = (lnob_mis_record_t){keys[i], j ? "2" : "1", M01, (uint32_t) (1 + j), F, 19500701,
                                               0, 20240101, 0, 0, 0};
    }
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    lnob_mis_stats_t st;
    size_t n;
    lnob_cell_t *c = lnob_mis_cells(r, 2 * KEYS, &d, &st, &n);
    cr_assert_eq(st.persons, KEYS);
    s_expect(c, n, "mis_ben_all", "", "", KEYS);
    s_expect(c, n, "mis_ben", "municipality,service", "AL154,DAY_CENTRE", KEYS);
    s_expect(c, n, "mis_nserv", "nserv", "2", KEYS);
    free(c);
    free(keys);
    free(r);
}

/* ---- counting again only what changed (lnob_mis_count_change) -------------- */

enum { PT_PERSONS = 40, PT_BATCHES = 10, PT_RECORDS = 30, PT_ROUNDS = 300 };
static char s_pt_keys[PT_PERSONS][65];

static int s_pick(unsigned *seed, int n)
{
    return rand_r(seed) % n;
}

/* A record of few persons, places, dates and ids, so that persons span
 * batches and ties happen (the same start and record id with another sex
 * or birth); register entries (service 0) when reg. */
static lnob_mis_record_t s_pt_record(unsigned *seed, int reg)
{
    static const char *const ids[] = {"1", "2", "10", "x", ""};
    static const uint32_t sexes[] = {1, 2, 9, 0};
    lnob_mis_record_t r = {s_pick(seed, 12) ? s_pt_keys[s_pick(seed, PT_PERSONS)] : "", ids[s_pick(seed, 5)],
                           (uint32_t) (1 + s_pick(seed, 2)), reg ? 0 : (uint32_t) (1 + s_pick(seed, 7)),
                           sexes[s_pick(seed, 4)],
                           s_pick(seed, 3) ? 19300701 + 10000 * s_pick(seed, 95) : 0, (uint32_t) s_pick(seed, 16),
                           20220101 + 10000 * s_pick(seed, 4) + 500 * s_pick(seed, 2),
                           s_pick(seed, 3) ? 0 : 20230101 + 10000 * s_pick(seed, 3), s_pick(seed, 9) == 0,
                           (uint32_t) reg};
    return r;
}

/* A batch slot neither the year nor the next one uses (not 0), or -1. */
static int s_unused(const int *order, size_t nb, const int *next, size_t n_next)
{
    for (int slot = 1; slot < PT_BATCHES * 2; slot++) {
        int used = 0;
        for (size_t i = 0; i < nb; i++)
            used |= order[i] == slot;
        for (size_t i = 0; i < n_next; i++)
            used |= next[i] == slot;
        if (!used)
            return slot;
    }
    return -1;
}

/* A frame's dims in memory of its own (the same names and figures). */
typedef struct {
    lnob_mis_dims_t d;
    const char *mun[3], *serv[8];
    long pop[3];
    int target[3];
} pt_dims_t;

static pt_dims_t *s_pt_dims(void)
{
    pt_dims_t *x = calloc(1, sizeof *x);
    cr_assert_not_null(x);
    memcpy(x->mun, s_mun, sizeof x->mun);
    memcpy(x->serv, s_serv, sizeof x->serv);
    memcpy(x->pop, s_pop, sizeof x->pop);
    memcpy(x->target, s_target, sizeof x->target);
    x->d = (lnob_mis_dims_t){2024, x->mun, x->pop, x->target, 3, 1, 61, x->serv, 8, 0};
    return x;
}

static void s_pt_dims_free(pt_dims_t *x)
{
    memset(x, 0xA5, sizeof *x); /* a count still reading it reads garbage */
    free(x);
}

typedef struct {
    lnob_mis_record_t v[PT_BATCHES * 2][PT_RECORDS];
    size_t n[PT_BATCHES * 2];
} pt_batches_t;

/* The records of batches order[0..nb) in that order, with where each starts. */
static size_t s_pt_frame(const pt_batches_t *b, const int *order, size_t nb, lnob_mis_record_t *out, size_t *start)
{
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        start[i] = n;
        memcpy(out + n, b->v[order[i]], b->n[order[i]] * sizeof *out);
        n += b->n[order[i]];
    }
    return n;
}

static void s_same(const lnob_cell_t *a, size_t na, const lnob_cell_t *b, size_t nb, unsigned round)
{
    cr_assert_eq(na, nb, "round %u: %zu cells, afresh %zu", round, na, nb);
    for (size_t i = 0; i < na; i++) {
        cr_assert_str_eq(a[i].indicator, b[i].indicator, "round %u", round);
        cr_assert_str_eq(a[i].breakdown, b[i].breakdown, "round %u", round);
        cr_assert_str_eq(a[i].group, b[i].group, "round %u", round);
        cr_assert(!memcmp(&a[i].value, &b[i].value, sizeof a[i].value) && a[i].n == b[i].n &&
                      a[i].has_value == b[i].has_value && !strcmp(a[i].diagnostic, b[i].diagnostic),
                  "round %u: %s %s %s: %g (n %llu) against afresh %g (n %llu)", round, a[i].indicator,
                  a[i].breakdown, a[i].group, a[i].value, (unsigned long long) a[i].n, b[i].value,
                  (unsigned long long) b[i].n);
    }
}

/* A year of batches changes round after round: batches dropped, new ones
 * put anywhere, the others kept in their order. The counts moved by
 * lnob_mis_count_change give the cells and stats a count afresh gives,
 * exactly, in every round. Batch 0 holds register entries and stays. */
Test(mis_cells, counting_only_the_changed_persons_gives_the_cells_of_a_count_afresh)
{
    for (int p = 0; p < PT_PERSONS; p++)
        snprintf(s_pt_keys[p], sizeof s_pt_keys[p], "%064x", p * 7919);
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    static pt_batches_t b;
    static lnob_mis_record_t old[PT_BATCHES * 2 * PT_RECORDS], cur[PT_BATCHES * 2 * PT_RECORDS];
    unsigned seed = 42;
    int order[PT_BATCHES * 2], next[PT_BATCHES * 2];
    size_t nb = PT_BATCHES, start[PT_BATCHES * 2], cur_start[PT_BATCHES * 2];
    for (int i = 0; i < PT_BATCHES * 2; i++) {
        b.n[i] = (size_t) s_pick(&seed, PT_RECORDS);
        for (size_t j = 0; j < b.n[i]; j++)
            b.v[i][j] = s_pt_record(&seed, i == 0 && j % 3 == 0);
        order[i] = i;
    }
    size_t n_old = s_pt_frame(&b, order, nb, old, start);
    pt_dims_t *dims = s_pt_dims();
    lnob_mis_counts_t *c = lnob_mis_counts_new(old, n_old, &dims->d);
    unsigned changed = 0;
    for (unsigned round = 0; round < PT_ROUNDS; round++) {
        size_t n_next = 0, n_kept = 0, at[PT_BATCHES * 2];
        lnob_mis_span_t kept[PT_BATCHES * 2];
        for (size_t i = 0; i < nb; i++) {
            if (order[i] != 0 && s_pick(&seed, 5) == 0)
                continue; /* dropped */
            int fresh = s_unused(order, nb, next, n_next);
            if (fresh > 0 && s_pick(&seed, 4) == 0) { /* a new batch before it */
                b.n[fresh] = (size_t) s_pick(&seed, PT_RECORDS);
                for (size_t j = 0; j < b.n[fresh]; j++)
                    b.v[fresh][j] = s_pt_record(&seed, 0);
                next[n_next++] = fresh;
            }
            at[n_kept] = n_next;
            kept[n_kept++] = (lnob_mis_span_t){start[i], 0, b.n[order[i]]};
            next[n_next++] = order[i];
        }
        size_t n_cur = s_pt_frame(&b, next, n_next, cur, cur_start);
        for (size_t k = 0; k < n_kept; k++) /* where each kept batch is now */
            kept[k].to = cur_start[at[k]];
        pt_dims_t *now = s_pt_dims(); /* each round its own frame, as each extract has */
        cr_assert_eq(lnob_mis_count_change(c, old, n_old, cur, n_cur, kept, n_kept, &now->d), 0, "round %u", round);
        s_pt_dims_free(dims);
        dims = now;
        changed++;
        lnob_mis_stats_t st, st_fresh;
        size_t n1, n2;
        lnob_cell_t *got = lnob_mis_counts_cells(c, &st, &n1), *want = lnob_mis_cells(cur, n_cur, &d, &st_fresh, &n2);
        s_same(got, n1, want, n2, round);
        cr_assert(!memcmp(&st, &st_fresh, sizeof st), "round %u: the stats (persons %llu, afresh %llu)", round,
                  (unsigned long long) st.persons, (unsigned long long) st_fresh.persons);
        free(got);
        free(want);
        memcpy(old, cur, n_cur * sizeof *cur);
        memcpy(order, next, n_next * sizeof *next);
        memcpy(start, cur_start, n_next * sizeof *start);
        nb = n_next;
        n_old = n_cur;
    }
    cr_assert_eq(changed, PT_ROUNDS);
    lnob_mis_counts_destroy(&c);
    s_pt_dims_free(dims);
}

/* A register entry among the records dropped or added changes who is in
 * MIS_SHARE3_REG's denominator for every person: the change refuses
 * (count afresh) and leaves the counts as they were. */
Test(mis_cells, a_changed_register_is_not_counted_as_a_change)
{
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    lnob_mis_record_t r[3] = {s_rec("1", 1, 1, M01, 20240101, 0), s_rec("2", 2, 2, M01, 20240101, 0),
                              s_rec("3", 1, 0, M01, 20240101, 0)};
    r[2].assessed = 1;
    lnob_mis_counts_t *c = lnob_mis_counts_new(r, 3, &d);
    lnob_mis_span_t kept = {0, 0, 2};
    cr_assert_eq(lnob_mis_count_change(c, r, 3, r, 2, &kept, 1, &d), -1, "the register entry dropped");
    lnob_mis_span_t all = {0, 0, 3}, late = {1, 0, 2};
    cr_assert_eq(lnob_mis_count_change(c, r, 3, r, 3, &late, 1, &d), -1, "moved: the register entry is one added");
    cr_assert_eq(lnob_mis_count_change(c, r, 3, r, 3, &all, 1, &d), 0, "nothing changed");
    lnob_mis_stats_t st;
    size_t n;
    lnob_cell_t *cells = lnob_mis_counts_cells(c, &st, &n);
    cr_assert_eq(st.persons, 2);
    cr_assert_eq(st.register_active, 1);
    s_expect(cells, n, "mis_ben_all", "", "", 2);
    free(cells);
    lnob_mis_counts_destroy(&c);
}

/* A change that names most persons (here all 3,000) is refused: counting
 * afresh is cheaper. The counts stay as they were. */
Test(mis_cells, a_change_naming_most_persons_is_counted_afresh)
{
    enum { KEYS = 3000 };
    lnob_mis_dims_t d = {2024, s_mun, s_pop, s_target, 3, 1, 61, s_serv, 8, 0};
    lnob_mis_record_t *r = malloc(2 * KEYS * sizeof *r);
    char(*keys)[65] = malloc(KEYS * sizeof *keys);
    cr_assert(r && keys);
    for (int i = 0; i < KEYS; i++) {
        snprintf(keys[i], sizeof keys[i], "%064x", i);
        r[i] = (lnob_mis_record_t){keys[i], "1", M01, 1, F, 19500701, 0, 20240101, 0, 0, 0};
        r[KEYS + i] = r[i];
        r[KEYS + i].service = 2;
    }
    lnob_mis_counts_t *c = lnob_mis_counts_new(r, KEYS, &d);
    lnob_mis_span_t none = {0, 0, 0};
    cr_assert_eq(lnob_mis_count_change(c, r, KEYS, r + KEYS, KEYS, &none, 0, &d), -1);
    lnob_mis_span_t few = {0, 0, KEYS - 100}; /* the last 100 persons' records replaced */
    cr_assert_eq(lnob_mis_count_change(c, r, KEYS, r, KEYS - 100, &few, 1, &d), 0, "100 persons: changed");
    lnob_mis_stats_t st;
    size_t n;
    lnob_cell_t *cells = lnob_mis_counts_cells(c, &st, &n);
    cr_assert_eq(st.persons, KEYS - 100);
    free(cells);
    lnob_mis_counts_destroy(&c);
    free(keys);
    free(r);
}
