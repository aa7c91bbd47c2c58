/* mis_gen_test.c - the MIS parser (sources/mis/mis.h) on exports it was not
 * written against: the synthetic set of `lnob gen mis` (gen/gen_mis.h),
 * whose answers.csv lists, from the generator's own records, every file's
 * data rows, every bad row (file, line, reason) and the unkeyed rows; and
 * the hand-made TV7 fixture (tests/data/mis_tv7). The parser must read
 * every data row, reject exactly the listed rows for the listed reasons,
 * resolve every row to its file's municipality (pre-2015 unit names
 * included), leave exactly the unkeyed rows without a person key, and let
 * nothing shaped like a personal number out. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_mis.h"
#include "lnob/csv.h"
#include "lnob/geo.h"
#include "lnob/rc.h"
#include "mis.h"
#include "pseudonym.h"

#define SEED 11
#define YEAR 2024
#define N_PERSONS 1500
#define MAX_FILES 256
#define MAX_REJECTS 256
#define TV7_DIR LNOB_SOURCE_DIR "/tests/data/mis_tv7/exports/"
#define NID_LEN 10

static lnob_geo_t *geo;
static lnob_pseudonym_t *pseu;

static void s_setup(void)
{
    static const uint8_t key[LNOB_PSEUDONYM_KEY_BYTES] = {7, 7, 7, 7, 7, 7, 7, 7, 1, 2, 3};
    geo = lnob_geo_new();
    cr_assert_not_null(geo);
    pseu = lnob_pseudonym_new(key);
}

static void s_teardown(void)
{
    lnob_geo_destroy(&geo);
    lnob_pseudonym_destroy(&pseu);
}

TestSuite(mis_gen, .init = s_setup, .fini = s_teardown);

/* ---- what the answers say ------------------------------------------------------- */

typedef struct {
    char file[128], reason[40];
    uint64_t line;
} reject_t;

typedef struct {
    struct {
        char file[128], mun[8];
        uint64_t rows;
    } files[MAX_FILES];
    size_t n_files;
    reject_t rejects[MAX_REJECTS];
    size_t n_rejects;
    uint64_t unkeyed, rejected;
} answers_t;

enum { A_IND, A_MUN, A_SERV, A_BRK, A_CAT, A_FILE, A_LINE, A_VALUE, A_N = 11, A_DETAIL = 10 };

static int s_answer_row(void *arg, const lnob_csv_row_t *row)
{
    answers_t *a = arg;
    if (row->line == 1)
        return LNOB_OK;
    cr_assert_eq(row->nfields, A_N, "answers line %llu", (unsigned long long) row->line);
    const char *ind = row->fields[A_IND];
    uint64_t value = strtoull(row->fields[A_VALUE], NULL, 10);
    if (strcmp(ind, "FILE") == 0) {
        cr_assert_lt(a->n_files, MAX_FILES);
        snprintf(a->files[a->n_files].file, sizeof a->files[0].file, "%s", row->fields[A_FILE]);
        snprintf(a->files[a->n_files].mun, sizeof a->files[0].mun, "%s", row->fields[A_MUN]);
        a->files[a->n_files++].rows = value;
    } else if (strcmp(ind, "REJECT") == 0) {
        cr_assert_lt(a->n_rejects, MAX_REJECTS);
        reject_t *r = &a->rejects[a->n_rejects++];
        snprintf(r->file, sizeof r->file, "%s", row->fields[A_FILE]);
        snprintf(r->reason, sizeof r->reason, "%s", row->fields[A_DETAIL]);
        r->line = strtoull(row->fields[A_LINE], NULL, 10);
    } else if (strcmp(ind, "UNKEYED_RECORDS") == 0 && row->lens[A_MUN] == 0) {
        a->unkeyed = value;
    } else if (strcmp(ind, "REJECTED") == 0 && row->lens[A_FILE] == 0) {
        a->rejected = value;
    }
    return LNOB_OK;
}

/* ---- what the parser makes of a file -------------------------------------------- */

typedef struct {
    const char *file, *mun; /* the file, and the LAU code every record must have */
    reject_t rejects[MAX_REJECTS];
    size_t n_rejects;
    uint64_t records, unkeyed;
    char keys[64][LNOB_PSEUDONYM_HEX + 1]; /* the first person keys, in order */
    size_t n_keys;
} got_t;

static int s_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int s_digit(char c) { return c >= '0' && c <= '9'; }

/* Asserts s holds nothing shaped like a personal number standing as a word. */
static void s_no_nid(const char *s, const char *what)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + NID_LEN <= n; i++) {
        int ok = s_alpha(s[i]) && s_alpha(s[i + 9]) && (i == 0 || !(s_alpha(s[i - 1]) || s_digit(s[i - 1]))) &&
                 !(s_alpha(s[i + NID_LEN]) || s_digit(s[i + NID_LEN]));
        for (size_t k = 1; ok && k <= 8; k++)
            ok = s_digit(s[i + k]);
        cr_assert(!ok, "%s holds a personal number: %s", what, s);
    }
}

static int s_emit(void *arg, Lnob__V1__MisBatch *b)
{
    got_t *g = arg;
    for (size_t i = 0; i < b->record_count; i++) {
        cr_expect_str_eq(b->municipality_dict[b->municipality[i]], g->mun, "%s line %llu", g->file,
                         (unsigned long long) b->line[i]);
        g->unkeyed += b->person_key[i][0] == '\0';
        if (g->n_keys < sizeof g->keys / sizeof g->keys[0])
            snprintf(g->keys[g->n_keys++], sizeof g->keys[0], "%s", b->person_key[i]);
        s_no_nid(b->record_id[i], "a record id");
    }
    g->records += b->record_count;
    for (size_t i = 0; i < b->n_rejects; i++) {
        const Lnob__V1__Reject *r = b->rejects[i];
        s_no_nid(r->raw, "a raw row");
        s_no_nid(r->detail, "a detail");
        cr_assert_lt(g->n_rejects, MAX_REJECTS);
        reject_t *x = &g->rejects[g->n_rejects++];
        snprintf(x->file, sizeof x->file, "%s", g->file);
        snprintf(x->reason, sizeof x->reason, "%s", r->reason);
        x->line = r->line;
    }
    return LNOB_OK;
}

/* Parses one export fed in chunks of 4093 bytes; returns rows read. */
static uint64_t s_parse(const char *name, const char *data, size_t len, got_t *g)
{
    lnob_mis_opts_t o = {.source = name, .extract_id = "mis-test", .run_id = "t", .batch_size = 500,
                         .geo = geo, .pseudonym = pseu, .emit = s_emit, .arg = g};
    lnob_mis_t *p = lnob_mis_new(&o);
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += 4093)
        rc = lnob_mis_feed(p, data + off, len - off < 4093 ? len - off : 4093);
    if (rc == LNOB_OK)
        rc = lnob_mis_finish(p);
    cr_assert_eq(rc, LNOB_OK, "%s: %s %s", name, lnob_mis_reason(p), lnob_mis_errstr(p));
    uint64_t rows = lnob_mis_rows_read(p);
    cr_expect_eq(rows, lnob_mis_records(p) + lnob_mis_rejected(p));
    cr_expect_eq(g->unkeyed, lnob_mis_unkeyed_empty(p) + lnob_mis_unkeyed_malformed(p));
    s_no_nid(lnob_mis_header(p), "the header");
    lnob_mis_destroy(&p);
    return rows;
}

static int s_reject_order(const void *a, const void *b)
{
    const reject_t *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

Test(mis_gen, generated_exports_read_as_their_answers_say)
{
    lnob_gen_mis_opts_t go = {.seed = SEED, .year = YEAR, .municipalities = 61, .persons = N_PERSONS};
    lnob_gen_mis_t *gen = lnob_gen_mis_new(&go, geo);
    cr_assert_not_null(gen);
    size_t n = lnob_gen_mis_count(gen), len;
    static answers_t a;
    memset(&a, 0, sizeof a);
    const char *text = lnob_gen_mis_data(gen, n - 1, &len);
    cr_assert_str_eq(lnob_gen_mis_name(gen, n - 1), "answers.csv");
    lnob_csv_t *csv = lnob_csv_new(',', s_answer_row, &a);
    cr_assert_eq(lnob_csv_feed(csv, text, len), LNOB_OK);
    cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
    lnob_csv_destroy(&csv);
    cr_assert_eq(a.n_files, n - 1, "a FILE row per export");
    cr_assert_geq(a.n_rejects, 3);
    cr_assert_gt(a.unkeyed, 0);

    static reject_t got_rejects[MAX_REJECTS];
    size_t n_got = 0;
    uint64_t unkeyed = 0;
    for (size_t f = 0; f < a.n_files; f++) {
        static got_t g;
        memset(&g, 0, sizeof g);
        g.file = a.files[f].file;
        g.mun = a.files[f].mun;
        cr_assert_str_eq(lnob_gen_mis_name(gen, f), g.file);
        const char *data = lnob_gen_mis_data(gen, f, &len);
        uint64_t rows = s_parse(g.file, data, len, &g);
        cr_expect_eq(rows, a.files[f].rows, "%s: %llu rows read, the answers say %llu", g.file,
                     (unsigned long long) rows, (unsigned long long) a.files[f].rows);
        for (size_t i = 0; i < g.n_rejects && n_got < MAX_REJECTS; i++)
            got_rejects[n_got++] = g.rejects[i];
        unkeyed += g.unkeyed;
    }
    cr_expect_eq(unkeyed, a.unkeyed, "unkeyed rows: %llu, the answers say %llu", (unsigned long long) unkeyed,
                 (unsigned long long) a.unkeyed);
    cr_expect_eq(n_got, a.rejected, "rejects: %zu, the answers say %llu", n_got, (unsigned long long) a.rejected);
    qsort(got_rejects, n_got, sizeof *got_rejects, s_reject_order);
    qsort(a.rejects, a.n_rejects, sizeof *a.rejects, s_reject_order);
    cr_assert_eq(n_got, a.n_rejects);
    for (size_t i = 0; i < n_got; i++) {
        cr_expect_str_eq(got_rejects[i].file, a.rejects[i].file, "reject %zu", i);
        cr_expect_eq(got_rejects[i].line, a.rejects[i].line, "reject %zu in %s", i, a.rejects[i].file);
        cr_expect_str_eq(got_rejects[i].reason, a.rejects[i].reason, "%s line %llu", a.rejects[i].file,
                         (unsigned long long) a.rejects[i].line);
    }
    lnob_gen_mis_destroy(&gen);
}

/* ---- TV7 -------------------------------------------------------------------------- */

static char *s_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "%s", path);
    static char buf[8192];
    *len = fread(buf, 1, sizeof buf, fp);
    cr_assert_lt(*len, sizeof buf);
    fclose(fp);
    return buf;
}

Test(mis_gen, tv7_fixture_one_person_one_key_across_municipalities)
{
    static got_t puke, pustec;
    size_t len;
    puke.file = "01_puke.csv";
    puke.mun = "AL153";
    char *data = s_slurp(TV7_DIR "01_puke.csv", &len);
    cr_expect_eq(s_parse(puke.file, data, len, &puke), 9);
    pustec.file = "02_pustec.csv";
    pustec.mun = "AL346";
    data = s_slurp(TV7_DIR "02_pustec.csv", &len);
    cr_expect_eq(s_parse(pustec.file, data, len, &pustec), 8);
    cr_assert_eq(puke.records, 9);
    cr_assert_eq(pustec.records, 8);
    cr_expect_eq(puke.n_rejects + pustec.n_rejects, 0);
    cr_expect_eq(puke.unkeyed + pustec.unkeyed, 0);
    /* R08, R09 (Pukë) and R10 (Pustec) are K3's */
    cr_expect_str_eq(puke.keys[7], puke.keys[8]);
    cr_expect_str_eq(puke.keys[8], pustec.keys[0], "K3 has one key in both municipalities");
    cr_expect_str_neq(puke.keys[0], pustec.keys[0]);
    char want[LNOB_PSEUDONYM_HEX + 1];
    cr_assert_eq(lnob_pseudonym_key(pseu, "Z90000003G", NID_LEN, want), LNOB_PSEUDONYM_OK);
    cr_expect_str_eq(pustec.keys[0], want);
}
