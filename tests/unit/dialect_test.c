/* dialect_test.c - delimited text in any dialect as CSV rows
 * (lnob/dialect.h): the delimiter from the header row, the encoding, the
 * same rows for any chunking, the notes line and the hints for a header
 * that lacks the expected columns. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/dialect.h"

/* The rows, each as "a|b|c\n". */
typedef struct {
    char text[512];
    size_t n;
} rows_t;

static int s_row(void *arg, const lnob_csv_row_t *row)
{
    rows_t *r = arg;
    for (size_t f = 0; f < row->nfields; f++)
        r->n += (size_t) snprintf(r->text + r->n, sizeof r->text - r->n, "%s%.*s", f ? "|" : "",
                                  (int) row->lens[f], row->fields[f]);
    r->n += (size_t) snprintf(r->text + r->n, sizeof r->text - r->n, "\n");
    return LNOB_OK;
}

/* Reads in[0..len) chunk bytes at a time; the rows in *out, the notes in notes. */
static void s_read(const char *in, size_t len, size_t chunk, rows_t *out, char *notes, size_t cap)
{
    memset(out, 0, sizeof *out);
    lnob_dialect_t *d = lnob_dialect_new(LNOB_ENC_AUTO, 0, s_row, out);
    for (size_t off = 0; off < len; off += chunk)
        cr_assert_eq(lnob_dialect_feed(d, in + off, len - off < chunk ? len - off : chunk), LNOB_OK);
    cr_assert_eq(lnob_dialect_finish(d), LNOB_OK);
    lnob_dialect_describe(d, notes, cap);
    lnob_dialect_destroy(&d);
    cr_assert_null(d);
}

Test(dialect, delimiter_and_encoding_for_any_chunking)
{
    static const struct {
        const char *in;
        size_t len;
        const char *notes;
    } cases[] = {
        {"a,b\n1,\"x;y\"\n", 0, "encoding utf-8 (detected); delimiter ',' (detected)"},
        {"a;b\n1,5;2\n", 0, "encoding utf-8 (detected); delimiter ';' (detected)"},
        {"\"a,1\"\tb\n1\t2\n", 0, "encoding utf-8 (detected); delimiter tab (detected)"},
        {"a;b\n\xEB;2\n", 0, "encoding windows-1252 (detected); delimiter ';' (detected)"},
        {"\xFE\xFF\0a\0\t\0b\0\n\0" "1\0\t\0" "2\0\n", 18, "encoding utf-16be with BOM (detected); delimiter tab (detected)"},
    };
    static const char *const want[] = {"a|b\n1|x;y\n", "a|b\n1,5|2\n", "a,1|b\n1|2\n", "a|b\n\xC3\xAB|2\n",
                                       "a|b\n1|2\n"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (size_t chunk = 1; chunk <= 7; chunk += 6) {
            rows_t r;
            char notes[200];
            size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
            s_read(cases[i].in, len, chunk, &r, notes, sizeof notes);
            cr_expect_str_eq(r.text, want[i], "case %zu, pieces of %zu", i, chunk);
            cr_expect_str_eq(notes, cases[i].notes, "case %zu", i);
        }
}

Test(dialect, hints_for_a_header_without_the_expected_columns)
{
    char out[200];
    const char *one[] = {"DB030;RB030;RB050"};
    size_t one_len[] = {17};
    lnob_csv_row_t row = {.nfields = 1, .fields = one, .lens = one_len, .line = 1};
    cr_expect_str_eq(lnob_dialect_hint(&row, ',', out, sizeof out),
                     "the header is one field holding ';': the file looks ';'-separated");
    const char *tab[] = {"DB030\tRB030"};
    size_t tab_len[] = {11};
    row.fields = tab, row.lens = tab_len;
    cr_expect_str_eq(lnob_dialect_hint(&row, ';', out, sizeof out),
                     "the header is one field holding tab: the file looks tab-separated");
    const char *be[] = {"\0D\0B", "\0R"};
    size_t be_len[] = {4, 2};
    row = (lnob_csv_row_t){.nfields = 2, .fields = be, .lens = be_len, .line = 1};
    cr_expect_str_eq(lnob_dialect_hint(&row, ',', out, sizeof out),
                     "NUL bytes in the header: the file looks like UTF-16 BE without a BOM; save it as UTF-8, "
                     "or as UTF-16 with a BOM");
    const char *fine[] = {"DB030", "RB030"};
    size_t fine_len[] = {5, 5};
    row = (lnob_csv_row_t){.nfields = 2, .fields = fine, .lens = fine_len, .line = 1};
    cr_expect_str_eq(lnob_dialect_hint(&row, ',', out, sizeof out), "");
}
