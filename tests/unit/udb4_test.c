/* udb4_test.c - joining D, H, R and P rows: file kinds, keys, household
 * links, orphans and the merged rows handed on. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"
#include "lnob/mem.h"
#include "udb4.h"

static const char *const s_src[LNOB_UDB4_FILES] = {"D.csv", "H.csv", "R.csv", "P.csv"};

/* Feeds a CSV text as file f; returns the rc. */
static int s_feed(lnob_udb4_t *join, int f, const char *text)
{
    lnob_udb4_feed_t arg = {join, f};
    lnob_csv_t *csv = lnob_csv_new(',', lnob_udb4_feed_row, &arg);
    int rc = lnob_csv_feed(csv, text, strlen(text));
    if (rc == LNOB_OK)
        rc = lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
    return rc;
}

/* What the join handed on, as text: rows "line|f1,f2,...", rejects
 * "!file:line:reason:field". */
typedef struct {
    char text[8192];
    lnob_udb4_t *join;
    char where[128];  /* where() of the HS060 column on the last row */
    char shared[64];  /* row->shared of each data row, comma-separated */
} out_t;

static void s_append(out_t *o, const char *s)
{
    size_t len = strlen(o->text);
    snprintf(o->text + len, sizeof o->text - len, "%s\n", s);
}

static int s_row(void *arg, const lnob_csv_row_t *row)
{
    out_t *o = arg;
    char buf[1024], line[1100];
    lnob_csv_format_row(row, ',', buf, sizeof buf);
    snprintf(line, sizeof line, "%llu|%s", (unsigned long long) row->line, buf);
    s_append(o, line);
    size_t at = strlen(o->shared);
    if (row->line > 1)
        snprintf(o->shared + at, sizeof o->shared - at, "%s%zu", at ? "," : "", row->shared);
    for (size_t i = 0; row->line > 1 && i < row->nfields; i++)
        if (!strcmp(row->fields[i], "9")) /* the test's marker value */
            lnob_udb4_where(o->join, i, o->where, sizeof o->where);
    return LNOB_OK;
}

static int s_reject(void *arg, const lnob_udb4_reject_t *r)
{
    out_t *o = arg;
    char line[512];
    snprintf(line, sizeof line, "!%s:%llu:%s:%s", r->source, (unsigned long long) r->line, r->reason,
             r->field);
    s_append(o, line);
    return LNOB_OK;
}

static void s_join(lnob_udb4_t *join, out_t *o)
{
    memset(o, 0, sizeof *o);
    o->join = join;
    lnob_udb4_out_t out = {s_row, s_reject, o, NULL};
    cr_assert_eq(lnob_udb4_join(join, &out), LNOB_OK, "%s", lnob_udb4_errstr(join));
}

/* A header row from a comma-separated list of names. */
static int s_kind(const char *names)
{
    char buf[256];
    const char *fields[32];
    size_t lens[32], n = 0;
    snprintf(buf, sizeof buf, "%s", names);
    for (char *p = strtok(buf, ","); p && n < 32; p = strtok(NULL, ","))
        fields[n] = p, lens[n++] = strlen(p);
    lnob_csv_row_t row = {n, fields, lens, 1, 0, 0, NULL, NULL};
    return lnob_udb4_kind(&row);
}

Test(udb4, files_are_recognised_by_their_key_variables)
{
    cr_assert_eq(s_kind("DB010,DB020,DB030,DB040"), LNOB_UDB4_D);
    cr_assert_eq(s_kind("HB010,hb030,HY020"), LNOB_UDB4_H);
    cr_assert_eq(s_kind("RB010,RB030,RB040,RB050"), LNOB_UDB4_R);
    cr_assert_eq(s_kind("PB010,PB030,PL032"), LNOB_UDB4_P);
    cr_assert_eq(s_kind("DB010,DB030,RB030,RB050,HX090"), LNOB_UDB4_MERGED);
    cr_assert_eq(s_kind("HB030,RB030,RB050,HY020"), LNOB_UDB4_MERGED);
    cr_assert_eq(s_kind("ID,WEIGHT,INCOME"), LNOB_UDB4_UNKNOWN);
}

static const char *const s_src_no_p[LNOB_UDB4_FILES] = {"D.csv", "H.csv", "R.csv", NULL};

static lnob_udb4_t *s_small(const char *r_file, const char *p_file)
{
    lnob_udb4_t *j = lnob_udb4_new(p_file ? s_src : s_src_no_p, 2023);
    cr_assert_eq(s_feed(j, LNOB_UDB4_D, "DB010,DB030,DB135\n2023,1,1\n2023,2,1\n2023,3,2\n"), LNOB_OK);
    cr_assert_eq(s_feed(j, LNOB_UDB4_H, "HB010,HB030,HY020,HS060\n2023,2,500,1\n2023,1,1000,9\n"), LNOB_OK);
    cr_assert_eq(s_feed(j, LNOB_UDB4_R, r_file), LNOB_OK);
    if (p_file)
        cr_assert_eq(s_feed(j, LNOB_UDB4_P, p_file), LNOB_OK);
    return j;
}

Test(udb4, persons_come_by_household_with_their_d_h_and_p_fields)
{
    lnob_udb4_t *j = s_small("RB010,RB030,RB040,RB050\n2023,201,2,10\n2023,101,1,10\n2023,102,1,10\n",
                             "PB010,PB030,PL032\n2023,102,5\n2023,101,1\n");
    out_t o;
    s_join(j, &o);
    cr_assert_str_eq(o.text, "1|DB010,DB030,DB135,HB010,HB030,HY020,HS060,RB010,RB030,RB040,RB050,PB010,PB030,PL032\n"
                             "3|2023,1,1,2023,1,1000,9,2023,101,1,10,2023,101,1\n"
                             "4|2023,1,1,2023,1,1000,9,2023,102,1,10,2023,102,5\n"
                             "2|2023,2,1,2023,2,500,1,2023,201,2,10,,,\n");
    cr_assert_str_eq(o.shared, "0,7,0", "a household's later persons share its 7 D and H fields");
    cr_assert_eq(lnob_udb4_rows(j, LNOB_UDB4_R), 3);
    cr_assert_eq(lnob_udb4_nonresponse(j), 1, "household 3 gave no interview");
    lnob_udb4_destroy(&j);
    cr_assert_null(j);
}

Test(udb4, headers_give_each_file_its_columns_in_the_merged_order)
{
    lnob_udb4_t *j = s_small("RB010,RB030,RB040,RB050\n2023,101,1,10\n", "PB010,PB030,\"PL,032\"\n");
    char *h = lnob_udb4_headers(j);
    cr_assert_str_eq(h, "D,DB010,DB030,DB135\nH,HB010,HB030,HY020,HS060\nR,RB010,RB030,RB040,RB050\n"
                        "P,PB010,PB030,\"PL,032\"\n");
    free(h);
    lnob_udb4_destroy(&j);
    j = s_small("RB010,RB030,RB050\n2023,101,10\n", NULL);
    h = lnob_udb4_headers(j);
    cr_assert_str_eq(h, "D,DB010,DB030,DB135\nH,HB010,HB030,HY020,HS060\nR,RB010,RB030,RB050\n",
                     "no P file, no P row");
    free(h);
    lnob_udb4_destroy(&j);
}

Test(udb4, where_names_the_file_and_line_of_a_household_value)
{
    lnob_udb4_t *j = s_small("RB010,RB030,RB040,RB050\n2023,101,1,10\n", NULL);
    out_t o;
    s_join(j, &o);
    cr_assert_str_eq(o.where, "H.csv line 3", "HS060 = 9 of household 1 is on H line 3");
    lnob_udb4_destroy(&j);
}

Test(udb4, rx030_then_rb040_then_rb030_over_100_link_a_person_to_a_household)
{
    lnob_udb4_t *j = s_small("RB010,RB030,RX030,RB040,RB050\n2023,555,2,1,10\n", NULL);
    out_t o;
    s_join(j, &o);
    cr_assert(strstr(o.text, "2|2023,2,1,2023,2,500"), "RX030 wins: %s", o.text);
    lnob_udb4_destroy(&j);
    j = s_small("RB010,RB030,RB050\n2023,201,10\n", NULL);
    s_join(j, &o);
    cr_assert(strstr(o.text, "2|2023,2,1,2023,2,500"), "201 / 100 = household 2: %s", o.text);
    lnob_udb4_destroy(&j);
}

/* Fields are kept with a one-byte length up to 254 bytes and a longer
 * form above: both come back whole, and the fields after them too. */
Test(udb4, fields_of_any_length_come_back_whole)
{
    char p_file[2048], want[2048];
    char long_text[701];
    memset(long_text, 'x', 700);
    long_text[700] = '\0';
    long_text[254] = 'A', long_text[255] = 'B'; /* marks around the 255-byte boundary */
    snprintf(p_file, sizeof p_file, "PB010,PB030,NOTE,PL032\n2023,101,%.254s,1\n2023,102,%s,5\n",
             long_text, long_text);
    lnob_udb4_t *j = s_small("RB010,RB030,RB040,RB050\n2023,101,1,10\n2023,102,1,10\n", p_file);
    out_t o;
    s_join(j, &o);
    snprintf(want, sizeof want, "2023,101,%.254s,1\n", long_text);
    cr_assert(strstr(o.text, want), "254-byte field: %.300s", o.text);
    snprintf(want, sizeof want, "2023,102,%s,5\n", long_text);
    cr_assert(strstr(o.text, want), "700-byte field: %.300s", o.text);
    lnob_udb4_destroy(&j);
}

Test(udb4, a_p_file_with_a_header_and_no_rows_leaves_every_p_field_empty)
{
    lnob_udb4_t *j = s_small("RB010,RB030,RB040,RB050\n2023,101,1,10\n", "PB010,PB030,PL032\n");
    out_t o;
    s_join(j, &o);
    cr_assert(strstr(o.text, "2|2023,1,1,2023,1,1000,9,2023,101,1,10,,,\n"), "%s", o.text);
    lnob_udb4_destroy(&j);
}

Test(udb4, orphans_duplicates_and_other_years_are_rejected_with_their_file_and_line)
{
    lnob_udb4_t *j = s_small("RB010,RB030,RB040,RB050\n2023,101,1,10\n2023,901,9,10\n2022,102,1,10\n",
                             "PB010,PB030,PL032\n2023,101,1\n2023,101,2\n2023,777,1\n");
    out_t o;
    s_join(j, &o);
    cr_assert_str_eq(o.text, "1|DB010,DB030,DB135,HB010,HB030,HY020,HS060,RB010,RB030,RB040,RB050,PB010,PB030,PL032\n"
                             "!R.csv:4:YEAR_MISMATCH:RB010\n"
                             "2|2023,1,1,2023,1,1000,9,2023,101,1,10,2023,101,1\n"
                             "!R.csv:3:ORPHAN_HOUSEHOLD:RB040\n"
                             "!P.csv:3:DUPLICATE_KEY:PB030\n"
                             "!D.csv:3:ORPHAN_HOUSEHOLD:DB030\n" /* household 2: its person is of 2022 */
                             "!H.csv:2:ORPHAN_HOUSEHOLD:HB030\n"
                             "!P.csv:4:ORPHAN_PERSON:PB030\n");
    lnob_udb4_destroy(&j);
}

Test(udb4, hx040_must_count_the_current_members)
{
    lnob_udb4_t *j = lnob_udb4_new(s_src_no_p, 2023);
    s_feed(j, LNOB_UDB4_D, "DB010,DB030\n2023,1\n2023,2\n");
    s_feed(j, LNOB_UDB4_H, "HB010,HB030,HY020,HX040\n2023,1,10,2\n2023,2,10,2\n");
    s_feed(j, LNOB_UDB4_R, "RB010,RB030,RB040,RB050,RB110\n2023,101,1,1,1\n2023,102,1,1,5\n"
                           "2023,103,1,1,2\n2023,201,2,1,1\n2023,202,2,1,6\n");
    out_t o;
    s_join(j, &o);
    cr_assert(strstr(o.text, "|2023,1,2023,1,10,2,2023,101,1,1,1\n"), "%s", o.text);
    cr_assert(strstr(o.text, "!R.csv:5:HOUSEHOLD_SIZE:HX040\n!R.csv:6:HOUSEHOLD_SIZE:HX040\n"),
              "household 2 has one current member, HX040 says 2: %s", o.text);
    cr_assert(strstr(o.text, "!D.csv:3:HOUSEHOLD_SIZE:DB030\n!H.csv:3:HOUSEHOLD_SIZE:HX040\n"),
              "the household's D and H rows go with its persons: %s", o.text);
    lnob_udb4_destroy(&j);
}

Test(udb4, bad_keys_and_row_widths_are_rejected_as_they_are_read)
{
    lnob_udb4_t *j = lnob_udb4_new(s_src_no_p, 2023);
    s_feed(j, LNOB_UDB4_D, "DB010,DB030\n2023,x1\n2023\n2023,\n2023,1\n");
    s_feed(j, LNOB_UDB4_H, "HB010,HB030,HY020\n2023,1,10\n");
    s_feed(j, LNOB_UDB4_R, "RB010,RB030,RB050\n2023,101,1\n");
    out_t o;
    s_join(j, &o);
    cr_assert(strstr(o.text, "!D.csv:2:BAD_ID:DB030\n!D.csv:3:ROW_WIDTH:\n!D.csv:4:MISSING_ID:DB030\n"),
              "%s", o.text);
    cr_assert(strstr(o.text, "2|2023,1,2023,1,10,2023,101,1\n"), "%s", o.text);
    lnob_udb4_destroy(&j);
}

Test(udb4, a_file_without_its_key_or_header_cannot_be_joined)
{
    lnob_udb4_t *j = lnob_udb4_new(s_src, 2023);
    cr_assert_eq(s_feed(j, LNOB_UDB4_R, "RB010,RB030\n2023,101\n"), LNOB_ERR);
    cr_assert_str_eq(lnob_udb4_reason(j), "MISSING_COLUMN");
    cr_assert(strstr(lnob_udb4_errstr(j), "R.csv") && strstr(lnob_udb4_errstr(j), "RB050"), "%s",
              lnob_udb4_errstr(j));
    lnob_udb4_destroy(&j);
    j = lnob_udb4_new(s_src, 2023);
    s_feed(j, LNOB_UDB4_D, "DB010,DB030\n");
    s_feed(j, LNOB_UDB4_R, "RB010,RB030,RB050\n");
    out_t o = {0};
    lnob_udb4_out_t out = {s_row, s_reject, &o, NULL};
    cr_assert_eq(lnob_udb4_join(j, &out), LNOB_ERR, "the H file gave no header");
    cr_assert_str_eq(lnob_udb4_reason(j), "EMPTY_FILE");
    cr_assert(strstr(lnob_udb4_errstr(j), "H.csv"));
    lnob_udb4_destroy(&j);
}

/* ---- the streamed join ---------------------------------------------------- */

#define HOUSES 3000

/* A year of the four files in household order, with one of each fault:
 * households 1..HOUSES of 1-3 persons; every 97th has no H row (its
 * persons are orphans), every 89th an HX040 of one too many, every 101st
 * gives no interview (D only, DB135 2); P has every person 16+ (member 1),
 * a duplicate of person 501 and a person 7777777 of no household; R has
 * a row with a bad id. texts[f] are owned. */
static void s_year(char *texts[LNOB_UDB4_FILES])
{
    size_t cap = (size_t) HOUSES * 64;
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        texts[f] = lnob_calloc(1, cap);
    size_t at[LNOB_UDB4_FILES];
    at[0] = (size_t) sprintf(texts[0], "DB010,DB030,DB135\n");
    at[1] = (size_t) sprintf(texts[1], "HB010,HB030,HY020,HX040\n");
    at[2] = (size_t) sprintf(texts[2], "RB010,RB030,RB040,RB050,RB110\n");
    at[3] = (size_t) sprintf(texts[3], "PB010,PB030,PL032\n");
    for (int h = 1; h <= HOUSES; h++) {
        int members = 1 + h % 3, silent = h % 101 == 0;
        at[0] += (size_t) sprintf(texts[0] + at[0], "2023,%d,%d\n", h, silent ? 2 : 1);
        if (silent)
            continue;
        if (h % 97)
            at[1] += (size_t) sprintf(texts[1] + at[1], "2023,%d,%d,%d\n", h, 1000 + h, members + (h % 89 == 0));
        for (int m = 1; m <= members; m++) {
            at[2] += (size_t) sprintf(texts[2] + at[2], "2023,%d,%d,1.5,1\n", h * 100 + m, h);
            if (m == 1)
                at[3] += (size_t) sprintf(texts[3] + at[3], "2023,%d,%d\n", h * 100 + m, h % 5);
            if (h == 5 && m == 1)
                at[3] += (size_t) sprintf(texts[3] + at[3], "2023,501,3\n");
            if (h == 40 && m == 1)
                at[2] += (size_t) sprintf(texts[2] + at[2], "2023,x4002,40,1.5,1\n");
        }
    }
    at[3] += (size_t) sprintf(texts[3] + at[3], "2023,7777777,1\n");
}

typedef struct {
    lnob_udb4_t *join;
    int file;
    const char *text;
} feeder_t;

static void *s_feeder(void *arg)
{
    feeder_t *fd = arg;
    lnob_udb4_end(fd->join, fd->file, s_feed(fd->join, fd->file, fd->text));
    return NULL;
}

/* The lines of what a join handed on, sorted (a streamed join interleaves
 * rows and rejects by chunk, so the order of rejects differs). */
typedef struct {
    char *text;
    size_t len, cap;
} big_t;

static void s_big(big_t *b, const char *s)
{
    size_t n = strlen(s);
    lnob_grow((void **) &b->text, &b->cap, b->len + n + 2, 1);
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len++] = '\n';
    b->text[b->len] = '\0';
}

static int s_big_row(void *arg, const lnob_csv_row_t *row)
{
    char buf[512], line[600];
    lnob_csv_format_row(row, ',', buf, sizeof buf);
    snprintf(line, sizeof line, "%llu|%zu|%s", (unsigned long long) row->line, row->shared, buf);
    s_big(arg, line);
    return LNOB_OK;
}

static int s_big_reject(void *arg, const lnob_udb4_reject_t *r)
{
    char line[600];
    snprintf(line, sizeof line, "!%s:%llu:%s:%s:%s", r->source, (unsigned long long) r->line, r->reason,
             r->field, r->detail);
    s_big(arg, line);
    return LNOB_OK;
}

/* Joins j (set to stream or spill) while a thread per file feeds texts;
 * returns the join's rc, the feeders stopped and joined. */
static int s_join_fed_apart(lnob_udb4_t *j, char *const texts[LNOB_UDB4_FILES], big_t *b)
{
    pthread_t th[LNOB_UDB4_FILES];
    feeder_t fd[LNOB_UDB4_FILES];
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        fd[f] = (feeder_t){j, f, texts[f]};
        cr_assert_eq(pthread_create(&th[f], NULL, s_feeder, &fd[f]), 0);
    }
    lnob_udb4_out_t out = {s_big_row, s_big_reject, b, NULL};
    int rc = lnob_udb4_join(j, &out);
    if (rc != LNOB_OK)
        lnob_udb4_abort(j);
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        pthread_join(th[f], NULL);
    return rc;
}

static int s_cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* b's lines, sorted, in one text; owned. */
static char *s_sorted(big_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->text[i] == '\n';
    char **lines = lnob_calloc(n + 1, sizeof *lines);
    size_t k = 0;
    for (char *p = strtok(b->text, "\n"); p; p = strtok(NULL, "\n"))
        lines[k++] = p;
    qsort(lines, k, sizeof *lines, s_cmp_line);
    big_t out = {0};
    for (size_t i = 0; i < k; i++)
        s_big(&out, lines[i]);
    free(lines);
    free(b->text);
    return out.text;
}

/* Joins texts: whole (chunk_rows 0, fed before the join in this thread),
 * or streamed or spilled into parts (fed by a thread per file while the
 * join runs). */
static char *s_join_text(char *const texts[LNOB_UDB4_FILES], size_t chunk_rows, size_t parts, size_t *peak)
{
    lnob_udb4_t *j = lnob_udb4_new(s_src, 2023);
    pthread_t th[LNOB_UDB4_FILES];
    feeder_t fd[LNOB_UDB4_FILES];
    if (chunk_rows) {
        if (parts)
            lnob_udb4_spill(j, parts, chunk_rows);
        else
            lnob_udb4_stream(j, chunk_rows);
        for (int f = 0; f < LNOB_UDB4_FILES; f++) {
            fd[f] = (feeder_t){j, f, texts[f]};
            cr_assert_eq(pthread_create(&th[f], NULL, s_feeder, &fd[f]), 0);
        }
    } else
        for (int f = 0; f < LNOB_UDB4_FILES; f++)
            cr_assert_eq(s_feed(j, f, texts[f]), LNOB_OK);
    big_t b = {0};
    lnob_udb4_out_t out = {s_big_row, s_big_reject, &b, NULL};
    cr_assert_eq(lnob_udb4_join(j, &out), LNOB_OK, "%s", lnob_udb4_errstr(j));
    for (int f = 0; chunk_rows && f < LNOB_UDB4_FILES; f++)
        pthread_join(th[f], NULL);
    *peak = lnob_udb4_peak_rows(j);
    lnob_udb4_destroy(&j);
    return s_sorted(&b);
}

Test(udb4, a_streamed_join_hands_on_what_the_whole_file_join_does_in_a_few_chunks_of_memory)
{
    char *texts[LNOB_UDB4_FILES];
    s_year(texts);
    size_t whole_peak, peak;
    char *whole = s_join_text(texts, 0, 0, &whole_peak);
    cr_assert(strstr(whole, "ORPHAN_HOUSEHOLD") && strstr(whole, "HOUSEHOLD_SIZE") &&
              strstr(whole, "DUPLICATE_KEY") && strstr(whole, "ORPHAN_PERSON") && strstr(whole, "BAD_ID"),
              "the year has one of each fault");
    cr_assert_gt(whole_peak, (size_t) 4 * HOUSES, "a whole-file join holds every row: %zu", whole_peak);
    size_t chunks[] = {1, 2, 7, 64, 5000};
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++) {
        char *streamed = s_join_text(texts, chunks[i], 0, &peak);
        cr_assert_str_eq(streamed, whole, "chunks of %zu rows", chunks[i]);
        if (chunks[i] < 100) /* each file's window: about two chunks, and the household being read */
            cr_assert_leq(peak, 4 * (2 * chunks[i] + 8), "chunks of %zu rows held %zu rows", chunks[i], peak);
        free(streamed);
    }
    free(whole);
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        free(texts[f]);
}

/* How the first read of texts would have them joined. */
static const char *s_scan(const char *const texts[LNOB_UDB4_FILES])
{
    lnob_udb4_t *j = lnob_udb4_new(s_src, 2023);
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        lnob_udb4_feed_t arg = {j, f};
        lnob_csv_t *csv = lnob_csv_new(',', lnob_udb4_scan_row, &arg);
        cr_assert_eq(lnob_csv_feed(csv, texts[f], strlen(texts[f])), LNOB_OK);
        cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
        lnob_csv_destroy(&csv);
    }
    const char *how = lnob_udb4_choose(j, 100u << 20);
    lnob_udb4_destroy(&j);
    return how;
}

Test(udb4, the_first_read_tells_how_the_files_can_be_joined)
{
    const char *d = "DB010,DB030\n2023,1\n2023,2\n", *h = "HB010,HB030\n2023,1\n2023,2\n",
               *r = "RB010,RB030,RB040\n2023,101,1\n2023,x,1\n2023,201,2\n", *p = "PB010,PB030\n2023,101\n";
    cr_assert(!strncmp(s_scan((const char *[]){d, h, r, p}), "in household order: streamed", 28),
              "in order (a bad id is no part of the order)");
    cr_assert(strstr(s_scan((const char *[]){"DB010,DB030\n2023,2\n2023,1\n", h, r, p}), "spilled"), "D goes down");
    cr_assert(strstr(s_scan((const char *[]){d, h, r, "PB010,PB030\n2023,201\n2023,101\n"}), "spilled"),
              "P goes down");
    cr_assert(strstr(s_scan((const char *[]){d, h, "RB010,RB030,RX030\n2023,101,1\n2023,201,7\n", p}),
                     "joined whole"), "a household that is not RB030 / 100: P cannot be placed by its key");
}

Test(udb4, a_file_out_of_order_in_a_streamed_join_fails_it)
{
    char *texts[LNOB_UDB4_FILES];
    s_year(texts);
    strcat(texts[LNOB_UDB4_R], "2023,103,1,1.5,1\n"); /* household 1 again, after the last */
    lnob_udb4_t *j = lnob_udb4_new(s_src, 2023);
    lnob_udb4_stream(j, 1);
    big_t bg = {0};
    cr_assert_eq(s_join_fed_apart(j, texts, &bg), LNOB_ERR);
    cr_assert_str_eq(lnob_udb4_reason(j), "FILE_CHANGED");
    cr_assert(strstr(lnob_udb4_errstr(j), "R.csv") && strstr(lnob_udb4_errstr(j), "order"), "%s",
              lnob_udb4_errstr(j));
    lnob_udb4_destroy(&j);
    free(bg.text);
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        free(texts[f]);
}

/* texts[f]'s data rows in reverse order (the header first), in place. */
static void s_reverse(char *text)
{
    char *body = strchr(text, '\n') + 1, *copy = lnob_strdup(body), *out = body;
    size_t n = 0;
    char *lines[4 * HOUSES + 16];
    for (char *p = strtok(copy, "\n"); p; p = strtok(NULL, "\n"))
        lines[n++] = p;
    while (n--)
        out += sprintf(out, "%s\n", lines[n]);
    free(copy);
}

Test(udb4, files_in_no_order_are_spilled_by_household_and_joined_a_part_at_a_time)
{
    char *texts[LNOB_UDB4_FILES];
    s_year(texts);
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        s_reverse(texts[f]);
    size_t whole_peak, peak;
    char *whole = s_join_text(texts, 0, 0, &whole_peak);
    cr_assert(strstr(whole, "DUPLICATE_KEY") && strstr(whole, "ORPHAN_PERSON"), "the faults are there");
    size_t parts[] = {1, 3, 16};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        char *spilled = s_join_text(texts, 5, parts[i], &peak);
        cr_assert_str_eq(spilled, whole, "%zu parts", parts[i]);
        cr_assert_leq(peak, whole_peak / parts[i] * 3 / 2 + 16, "%zu parts held %zu rows at once (whole: %zu)",
                      parts[i], peak, whole_peak);
        free(spilled);
    }
    free(whole);
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        free(texts[f]);
}

/* A part that cannot be written (TMPDIR not a directory) fails the join
 * as SPILL_FAILED, naming the file, instead of losing its rows. */
Test(udb4, a_part_that_cannot_be_written_fails_the_join_as_spill_failed)
{
    char *texts[LNOB_UDB4_FILES];
    s_year(texts);
    setenv("TMPDIR", "/nonexistent/lnob-spill", 1);
    lnob_udb4_t *j = lnob_udb4_new(s_src, 2023);
    lnob_udb4_spill(j, 3, 5);
    big_t bg = {0};
    int rc = s_join_fed_apart(j, texts, &bg);
    unsetenv("TMPDIR");
    cr_assert_eq(rc, LNOB_ERR);
    cr_assert_str_eq(lnob_udb4_reason(j), "SPILL_FAILED");
    cr_assert(strstr(lnob_udb4_errstr(j), "D.csv: cannot make a temporary part"), "%s", lnob_udb4_errstr(j));
    lnob_udb4_destroy(&j);
    free(bg.text);
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        free(texts[f]);
}
