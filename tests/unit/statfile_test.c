/* statfile_test.c - SPSS .sav and Stata .dta files as CSV rows (lnob/statfile.h):
 * a CSV fixture written as .sav and .dta and read back gives the CSV's own
 * rows and line numbers; missing values, typed Stata columns and SPSS
 * user-missing values written with ReadStat itself; bad files fail cleanly. */
#include <criterion/criterion.h>
#include <math.h>
#include <readstat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnob/csv.h"
#include "lnob/mem.h"
#include "lnob/rc.h"
#include "lnob/statfile.h"
#include "rows.h"

/* A fixed creation time, so two writes of one table give the same bytes. */
#define STAMP ((time_t) 1700000000)

/* ---- rows ---------------------------------------------------------------------------- */

/* The rows lnob/csv.h gives for text. */
static void s_csv_rows(const char *text, tr_sink_t *s)
{
    lnob_csv_t *csv = lnob_csv_new(',', tr_collect, s);
    cr_assert_eq(lnob_csv_feed(csv, text, strlen(text)), LNOB_OK);
    cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
    lnob_csv_destroy(&csv);
}

/* ---- files in a private temp dir ------------------------------------------------- */

static char s_dir[] = "/tmp/lnob-statfile-XXXXXX";

static void s_setup(void)
{
    cr_assert_not_null(mkdtemp(s_dir));
}

/* Removes the temp dir and what the test put in it. */
static void s_teardown(void)
{
    static const char *const names[] = {"t.csv", "t.sav", "t.dta", "t2.sav", "t2.dta",
                                        "cut.sav", "cut.dta", "text.dta", "text.sav",
                                        "ragged.sav", "bad.dta", "typed.dta", "um.sav"};
    char p[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", s_dir, names[i]);
        unlink(p);
    }
    rmdir(s_dir);
}

TestSuite(statfile, .init = s_setup, .fini = s_teardown);

static const char *s_path(const char *name)
{
    static char p[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", s_dir, name);
    return p[k];
}

static void s_put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Writes text to t.csv, converts it to out (a .sav or .dta name in the temp
 * dir); returns the writer's rc, err filled. */
static int s_write(const char *text, const char *out, char *err, size_t cap)
{
    s_put_file(s_path("t.csv"), text, strlen(text));
    FILE *csv = fopen(s_path("t.csv"), "rb");
    cr_assert_not_null(csv);
    int rc = lnob_statfile_write_csv(csv, s_path(out), STAMP, err, cap);
    fclose(csv);
    return rc;
}

static int s_read(const char *name, tr_sink_t *s, char *err, size_t cap)
{
    return lnob_statfile_read(s_path(name), tr_collect, s, err, cap);
}

/* ---- the fixture: a CSV and its .sav and .dta twins --------------------------------- */

/* Integers, negative flag codes, decimals, a large id, empty numeric and
 * string cells, an all-empty column, strings with commas, quotes and UTF-8,
 * and one longer than SPSS's 255-byte string segments. Every number is
 * written the way the reader writes it, so the texts must match exactly. */
static const char s_fixture[] =
    "HB030,RB030,RB050,HY020,HY020_F,DB040,MUNICIPALITY,NOTE,RX010,PY010G\n"
    "1000000003,100000000301,1234.56,0.1,1,AL01,Gjirokastër,\"says \"\"hi\"\", twice\",34,\n"
    "1000000003,100000000302,1234.56,,-1,AL01,Gjirokastër,,-2,\n"
    "2,200,0.1,-7.25,-2,,\"Tiranë, qendër\",plain,2023,\n"
    "3,300,987654.321,1e+20,-5,AL03,Korçë,\"" /* a 300-byte note follows */
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789"
    "01234567890123456789\",0,\n"
    "4,400,1,-0.5,2,AL04,\"\"\"Shkodër\"\"\",é,-9,\n";

static void s_twin(const char *name)
{
    char err[LNOB_ERRSTR_MAX] = "";
    cr_assert_eq(s_write(s_fixture, name, err, sizeof err), LNOB_OK, "write %s: %s", name, err);
    tr_sink_t want = {0}, got = {0};
    s_csv_rows(s_fixture, &want);
    cr_assert_eq(want.n, 6, "the fixture parses to %zu rows", want.n);
    cr_assert_eq(s_read(name, &got, err, sizeof err), LNOB_OK, "read %s: %s", name, err);
    tr_same(&want, &got, name);
    /* spot checks, so that a CSV layer gone wrong cannot agree with itself */
    EXPECT_ROW(&got, 0, 1, "HB030", "RB030", "RB050", "HY020", "HY020_F", "DB040",
               "MUNICIPALITY", "NOTE", "RX010", "PY010G");
    EXPECT_ROW(&got, 2, 3, "1000000003", "100000000302", "1234.56", "", "-1", "AL01",
               "Gjirokastër", "", "-2", "");
    EXPECT_ROW(&got, 3, 4, "2", "200", "0.1", "-7.25", "-2", "", "Tiranë, qendër", "plain",
               "2023", "");
    cr_expect_eq(got.rows[4].lens[7], 300);
    cr_expect_str_eq(got.rows[5].fields[6], "\"Shkodër\"");
    tr_free(&want);
    tr_free(&got);
}

Test(statfile, sav_twin_reads_as_the_csv)
{
    s_twin("t.sav");
}

Test(statfile, dta_twin_reads_as_the_csv)
{
    s_twin("t.dta");
}

/* Same table and stamp, same bytes: `lnob gen silc` promises that. */
Test(statfile, writer_is_deterministic)
{
    static const char *const pairs[][2] = {{"t.sav", "t2.sav"}, {"t.dta", "t2.dta"}};
    for (size_t k = 0; k < 2; k++) {
        char err[LNOB_ERRSTR_MAX] = "";
        cr_assert_eq(s_write(s_fixture, pairs[k][0], err, sizeof err), LNOB_OK, "%s", err);
        cr_assert_eq(s_write(s_fixture, pairs[k][1], err, sizeof err), LNOB_OK, "%s", err);
        size_t la, lb;
        char *a = tr_slurp(s_path(pairs[k][0]), &la), *b = tr_slurp(s_path(pairs[k][1]), &lb);
        cr_expect(la == lb && memcmp(a, b, la) == 0, "%s and %s differ", pairs[k][0],
                  pairs[k][1]);
        free(a);
        free(b);
    }
}

/* Numbers come back in the reader's form: integers without decimals, the
 * rest in shortest round-trip form. */
Test(statfile, numbers_come_back_in_reader_form)
{
    static const char csv[] = "A,B,C,D,E,F,G\n"
                              "1.50,+7,-0,1e15,1E3,007,9007199254740993\n";
    static const char *const names[] = {"t.sav", "t.dta"};
    for (size_t k = 0; k < 2; k++) {
        char err[LNOB_ERRSTR_MAX] = "";
        cr_assert_eq(s_write(csv, names[k], err, sizeof err), LNOB_OK, "%s", err);
        tr_sink_t s = {0};
        cr_assert_eq(s_read(names[k], &s, err, sizeof err), LNOB_OK, "%s", err);
        cr_assert_eq(s.n, 2);
        /* 9007199254740993 is not a double: it reads back as 2^53, which is
         * past the integer rule and written in shortest form */
        EXPECT_ROW(&s, 1, 2, "1.5", "7", "0", "1000000000000000", "1000", "7",
                   "9007199254740992");
        tr_free(&s);
    }
}

/* A column with one non-number is a string column: its numbers stay as
 * written. */
Test(statfile, mixed_column_is_text)
{
    static const char csv[] = "CODE,N\n007,1\nAL154,2\n1.50,3\n";
    char err[LNOB_ERRSTR_MAX] = "";
    cr_assert_eq(s_write(csv, "t.dta", err, sizeof err), LNOB_OK, "%s", err);
    tr_sink_t want = {0}, got = {0};
    s_csv_rows(csv, &want);
    cr_assert_eq(s_read("t.dta", &got, err, sizeof err), LNOB_OK, "%s", err);
    tr_same(&want, &got, "t.dta");
    tr_free(&want);
    tr_free(&got);
}

Test(statfile, header_only_table)
{
    static const char *const names[] = {"t.sav", "t.dta"};
    for (size_t k = 0; k < 2; k++) {
        char err[LNOB_ERRSTR_MAX] = "";
        cr_assert_eq(s_write("HB030,NAME\n", names[k], err, sizeof err), LNOB_OK, "%s", err);
        tr_sink_t s = {0};
        cr_assert_eq(s_read(names[k], &s, err, sizeof err), LNOB_OK, "%s", err);
        cr_assert_eq(s.n, 1, "%s: %zu rows", names[k], s.n);
        EXPECT_ROW(&s, 0, 1, "HB030", "NAME");
        tr_free(&s);
    }
}

/* ---- values only ReadStat itself writes ---------------------------------------------- */

static ssize_t s_to_file(const void *data, size_t len, void *ctx)
{
    return fwrite(data, 1, len, ctx) == len ? (ssize_t) len : -1;
}

/* A ReadStat writer whose bytes go to *f, a new file name in the temp dir. */
static readstat_writer_t *s_rs_start(const char *name, FILE **f)
{
    *f = fopen(s_path(name), "wb");
    cr_assert_not_null(*f);
    readstat_writer_t *w = readstat_writer_init();
    cr_assert_not_null(w);
    readstat_set_data_writer(w, s_to_file);
    return w;
}

/* Ends what w wrote to f, closes both, and reads file name back into s. */
static void s_rs_finish_and_read(readstat_writer_t *w, FILE *f, const char *name, tr_sink_t *s)
{
    cr_assert_eq(readstat_end_writing(w), READSTAT_OK);
    readstat_writer_free(w);
    cr_assert_eq(fclose(f), 0);
    char err[LNOB_ERRSTR_MAX] = "";
    cr_assert_eq(s_read(name, s, err, sizeof err), LNOB_OK, "%s", err);
}

/* SPSS user-missing values are data to us (UDB flags); sysmis is empty. */
Test(statfile, sav_user_missing_is_a_value_sysmis_is_empty)
{
    FILE *f;
    readstat_writer_t *w = s_rs_start("um.sav", &f);
    readstat_variable_t *flag = readstat_add_variable(w, "HY020_F", READSTAT_TYPE_DOUBLE, 0);
    cr_assert_eq(readstat_variable_add_missing_double_value(flag, -1), READSTAT_OK);
    cr_assert_eq(readstat_variable_add_missing_double_range(flag, -8, -2), READSTAT_OK);
    readstat_variable_t *name = readstat_add_variable(w, "NAME", READSTAT_TYPE_STRING, 8);
    cr_assert_eq(readstat_begin_writing_sav(w, f, 4), READSTAT_OK);
    static const double vals[] = {-1, -2, NAN, 5};
    static const char *const texts[] = {"a", "", "b  ", "Vlorë"};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(readstat_begin_row(w), READSTAT_OK);
        if (isnan(vals[i]))
            cr_assert_eq(readstat_insert_missing_value(w, flag), READSTAT_OK);
        else
            cr_assert_eq(readstat_insert_double_value(w, flag, vals[i]), READSTAT_OK);
        cr_assert_eq(readstat_insert_string_value(w, name, texts[i]), READSTAT_OK);
        cr_assert_eq(readstat_end_row(w), READSTAT_OK);
    }
    tr_sink_t s = {0};
    s_rs_finish_and_read(w, f, "um.sav", &s);
    cr_assert_eq(s.n, 5);
    EXPECT_ROW(&s, 0, 1, "HY020_F", "NAME");
    EXPECT_ROW(&s, 1, 2, "-1", "a");
    EXPECT_ROW(&s, 2, 3, "-2", "");
    EXPECT_ROW(&s, 3, 4, "", "b");
    EXPECT_ROW(&s, 4, 5, "5", "Vlorë");
    tr_free(&s);
}

/* Stata's byte, int, long, float, double, str# and strL columns; . and .a
 * to .z are empty; trailing spaces of a string are cut. */
Test(statfile, dta_typed_columns_and_missing)
{
    FILE *f;
    readstat_writer_t *w = s_rs_start("typed.dta", &f);
    readstat_writer_set_file_format_version(w, 118);
    readstat_variable_t *v[7] = {
        readstat_add_variable(w, "B", READSTAT_TYPE_INT8, 0),
        readstat_add_variable(w, "I", READSTAT_TYPE_INT16, 0),
        readstat_add_variable(w, "L", READSTAT_TYPE_INT32, 0),
        readstat_add_variable(w, "F", READSTAT_TYPE_FLOAT, 0),
        readstat_add_variable(w, "D", READSTAT_TYPE_DOUBLE, 0),
        readstat_add_variable(w, "S", READSTAT_TYPE_STRING, 8),
        readstat_add_variable(w, "T", READSTAT_TYPE_STRING_REF, 0),
    };
    readstat_string_ref_t *note = readstat_add_string_ref(w, "Përmet, \"Bashkia\"");
    readstat_string_ref_t *blank = readstat_add_string_ref(w, "");
    cr_assert_eq(readstat_begin_writing_dta(w, f, 3), READSTAT_OK);
    /* row 1: values; row 2: system missing; row 3: .a, .b, ... .z */
    cr_assert_eq(readstat_begin_row(w), READSTAT_OK);
    cr_assert_eq(readstat_insert_int8_value(w, v[0], -1), READSTAT_OK);
    cr_assert_eq(readstat_insert_int16_value(w, v[1], 2023), READSTAT_OK);
    cr_assert_eq(readstat_insert_int32_value(w, v[2], 1000000003), READSTAT_OK);
    cr_assert_eq(readstat_insert_float_value(w, v[3], 0.1f), READSTAT_OK);
    cr_assert_eq(readstat_insert_double_value(w, v[4], 1234.56), READSTAT_OK);
    cr_assert_eq(readstat_insert_string_value(w, v[5], "Berat  "), READSTAT_OK);
    cr_assert_eq(readstat_insert_string_ref(w, v[6], note), READSTAT_OK);
    cr_assert_eq(readstat_end_row(w), READSTAT_OK);
    cr_assert_eq(readstat_begin_row(w), READSTAT_OK);
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(readstat_insert_missing_value(w, v[i]), READSTAT_OK);
    cr_assert_eq(readstat_insert_string_ref(w, v[6], blank), READSTAT_OK);
    cr_assert_eq(readstat_end_row(w), READSTAT_OK);
    cr_assert_eq(readstat_begin_row(w), READSTAT_OK);
    static const char tags[5] = {'a', 'b', 'm', 'y', 'z'};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(readstat_insert_tagged_missing_value(w, v[i], tags[i]), READSTAT_OK);
    cr_assert_eq(readstat_insert_string_value(w, v[5], " a "), READSTAT_OK);
    cr_assert_eq(readstat_insert_string_ref(w, v[6], note), READSTAT_OK);
    cr_assert_eq(readstat_end_row(w), READSTAT_OK);
    tr_sink_t s = {0};
    s_rs_finish_and_read(w, f, "typed.dta", &s);
    cr_assert_eq(s.n, 4);
    EXPECT_ROW(&s, 0, 1, "B", "I", "L", "F", "D", "S", "T");
    EXPECT_ROW(&s, 1, 2, "-1", "2023", "1000000003", "0.1", "1234.56", "Berat",
               "Përmet, \"Bashkia\"");
    EXPECT_ROW(&s, 2, 3, "", "", "", "", "", "", "");
    EXPECT_ROW(&s, 3, 4, "", "", "", "", "", " a", "Përmet, \"Bashkia\"");
    tr_free(&s);
}

/* ---- the callback stops the read ------------------------------------------------------ */

Test(statfile, callback_rc_stops_the_read)
{
    static const char *const names[] = {"t.sav", "t.dta"};
    for (size_t k = 0; k < 2; k++) {
        char err[LNOB_ERRSTR_MAX] = "";
        cr_assert_eq(s_write(s_fixture, names[k], err, sizeof err), LNOB_OK, "%s", err);
        /* on the header, then on the second record */
        static const size_t stops[] = {1, 3};
        for (size_t j = 0; j < 2; j++) {
            tr_sink_t s = {.stop_at = stops[j], .stop_rc = LNOB_DROP};
            int rc = s_read(names[k], &s, err, sizeof err);
            cr_expect_eq(rc, LNOB_DROP, "%s: rc %d", names[k], rc);
            cr_expect_eq(s.calls, stops[j], "%s: %zu calls after a stop at %zu", names[k],
                         s.calls, stops[j]);
            tr_free(&s);
        }
    }
}

/* ---- bad files: LNOB_ERR, the file named, no crash, no leak ---------------------------- */

/* Asserts that reading name fails with LNOB_ERR, no row after the header
 * and an err naming the file. */
static void s_expect_read_error(const char *name, size_t max_rows)
{
    tr_sink_t s = {0};
    char err[LNOB_ERRSTR_MAX] = "";
    int rc = s_read(name, &s, err, sizeof err);
    cr_expect_eq(rc, LNOB_ERR, "%s: rc %d (%zu rows)", name, rc, s.n);
    cr_expect(strstr(err, s_path(name)) != NULL, "%s: err \"%s\" does not name the file", name,
              err);
    cr_expect_leq(s.n, max_rows, "%s: %zu rows from a bad file", name, s.n);
    tr_free(&s);
}

Test(statfile, missing_file)
{
    s_expect_read_error("none.sav", 0);
    s_expect_read_error("none.dta", 0);
    char err[LNOB_ERRSTR_MAX] = "";
    tr_sink_t s = {0};
    cr_assert_eq(s_read("none.sav", &s, err, sizeof err), LNOB_ERR);
    cr_expect(strstr(err, "No such file") != NULL, "err: %s", err);
}

/* Where the last record ends in a file the writer made: Stata's "</data>"
 * tag; for SPSS, at worst 8 bytes (one compression block holding only the
 * end-of-data code) before the end. */
static size_t s_records_end(const char *name, const char *bytes, size_t len)
{
    if (lnob_statfile_kind(name) == LNOB_STATFILE_SAV)
        return len - 8;
    static const char tag[] = "</data>";
    for (size_t i = 0; i + sizeof tag - 1 <= len; i++)
        if (memcmp(bytes + i, tag, sizeof tag - 1) == 0)
            return i;
    cr_assert_fail("no %s in %s", tag, name);
    return 0;
}

/* A file cut before its last record ends fails with LNOB_ERR (ReadStat
 * checks the record count the file declares, so a clean cut between records
 * fails too). One cut after it may read: then every record is there,
 * exactly. Never fewer or wrong rows. */
Test(statfile, truncated_files)
{
    static const char *const names[][2] = {{"t.sav", "cut.sav"}, {"t.dta", "cut.dta"}};
    tr_sink_t want = {0};
    s_csv_rows(s_fixture, &want);
    for (size_t k = 0; k < 2; k++) {
        char err[LNOB_ERRSTR_MAX] = "";
        cr_assert_eq(s_write(s_fixture, names[k][0], err, sizeof err), LNOB_OK, "%s", err);
        size_t len;
        char *bytes = tr_slurp(s_path(names[k][0]), &len);
        size_t end = s_records_end(names[k][0], bytes, len);
        cr_assert_gt(end, 64);
        for (size_t cut = 0; cut < len; cut += (cut + 64 < end || cut >= end ? 37 : 1)) {
            s_put_file(s_path(names[k][1]), bytes, cut);
            if (cut < end) {
                s_expect_read_error(names[k][1], want.n);
                continue;
            }
            tr_sink_t got = {0};
            if (s_read(names[k][1], &got, err, sizeof err) == LNOB_OK) {
                char what[64];
                snprintf(what, sizeof what, "%s cut at %zu of %zu", names[k][1], cut, len);
                tr_same(&want, &got, what);
            }
            tr_free(&got);
        }
        free(bytes);
    }
    tr_free(&want);
}

Test(statfile, text_named_as_stat_file)
{
    static const char text[] = "HB030,RB030\n1,2\n";
    s_put_file(s_path("text.dta"), text, sizeof text - 1);
    s_put_file(s_path("text.sav"), text, sizeof text - 1);
    s_expect_read_error("text.dta", 0);
    s_expect_read_error("text.sav", 0);
}

Test(statfile, not_a_stat_file_name)
{
    char err[LNOB_ERRSTR_MAX] = "";
    tr_sink_t s = {0};
    cr_expect_eq(s_read("t.csv", &s, err, sizeof err), LNOB_ERR);
    cr_expect(strstr(err, "t.csv") != NULL, "err: %s", err);
    cr_expect_eq(s.n, 0);
}

/* ---- the writer refuses what it cannot write ----------------------------------------------- */

/* Asserts that writing csv to name fails with an err naming the file and
 * holding what, and leaves no file behind. */
static void s_expect_write_error(const char *csv, const char *name, const char *what)
{
    char err[LNOB_ERRSTR_MAX] = "";
    cr_expect_eq(s_write(csv, name, err, sizeof err), LNOB_ERR, "%s", name);
    cr_expect(strstr(err, name) && strstr(err, what), "%s: err \"%s\" lacks \"%s\"", name, err,
              what);
    cr_expect_neq(access(s_path(name), F_OK), 0, "a failed write left %s", name);
}

Test(statfile, writer_refuses_a_ragged_row)
{
    s_expect_write_error("A,B\n1,2\n3\n", "ragged.sav", "line 3: 1 fields, the header has 2");
}

Test(statfile, writer_refuses_a_bad_name)
{
    s_expect_write_error("HB030,bad name\n1,2\n", "bad.dta", "column 2 \"bad name\"");
    s_expect_write_error("HB030,_all\n1,2\n", "bad.dta", "column 2 \"_all\"");
}

Test(statfile, writer_refuses_empty_input_and_other_names)
{
    char err[LNOB_ERRSTR_MAX] = "";
    cr_expect_eq(s_write("", "t.sav", err, sizeof err), LNOB_ERR);
    cr_expect(strstr(err, "no header") != NULL, "err: %s", err);
    cr_expect_eq(s_write("A\n1\n", "t.xlsx", err, sizeof err), LNOB_ERR);
    cr_expect(strstr(err, "t.xlsx") != NULL, "err: %s", err);
}

/* ---- kinds ------------------------------------------------------------------------------------ */

Test(statfile_kind, by_extension_any_case)
{
    cr_expect_eq(lnob_statfile_kind("a.sav"), LNOB_STATFILE_SAV);
    cr_expect_eq(lnob_statfile_kind("/x/UDB_P.SAV"), LNOB_STATFILE_SAV);
    cr_expect_eq(lnob_statfile_kind("a.b.Dta"), LNOB_STATFILE_DTA);
    cr_expect_eq(lnob_statfile_kind("a.csv"), LNOB_STATFILE_NONE);
    cr_expect_eq(lnob_statfile_kind("sav"), LNOB_STATFILE_NONE);
    cr_expect_eq(lnob_statfile_kind("a.savx"), LNOB_STATFILE_NONE);
    cr_expect_eq(lnob_statfile_kind("dir.sav/file"), LNOB_STATFILE_NONE);
    cr_expect_eq(lnob_statfile_kind(""), LNOB_STATFILE_NONE);
}
