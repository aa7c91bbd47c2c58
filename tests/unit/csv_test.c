/* csv_test.c - the buffer-fed CSV reader (lnob/csv.h): quoting, line
 * numbers, chunking independence, caps, callback stop and row formatting. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"
#include "lnob/rc.h"
#include "rows.h"

/* Feeds len bytes of in, chunk bytes at a time (0 = whole), then finishes.
 * Returns the first non-OK rc. */
static int s_parse(const char *in, size_t len, size_t chunk, tr_sink_t *s)
{
    lnob_csv_t *csv = lnob_csv_new(',', tr_collect, s);
    cr_assert_not_null(csv);
    if (chunk == 0)
        chunk = len ? len : 1;
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        rc = lnob_csv_feed(csv, in + off, n);
    }
    if (rc == LNOB_OK)
        rc = lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
    cr_assert_null(csv, "destroy must NULL the handle");
    return rc;
}

#define PARSE(s, lit, chunk) s_parse((lit), sizeof(lit) - 1, (chunk), (s))

/* ---- usage ------------------------------------------------------------------- */

Test(csv, simple_rows_usage)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s, "name,age,town\nAna,30,Tirana\nBen,41,Shkoder\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 3);
    EXPECT_ROW(&s, 0, 1, "name", "age", "town");
    EXPECT_ROW(&s, 1, 2, "Ana", "30", "Tirana");
    EXPECT_ROW(&s, 2, 3, "Ben", "41", "Shkoder");
    tr_free(&s);
}

/* ---- quoting ----------------------------------------------------------------- */

Test(csv, quoted_fields_commas_quotes_newlines)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s,
                   "id,text,n\n"                  /* line 1 */
                   "1,\"a,b\",x\n"                /* line 2 */
                   "2,\"say \"\"hi\"\"\",y\n"     /* line 3 */
                   "3,\"multi\nline\ntext\",z\n"  /* lines 4-6 */
                   "4,after,w\n"                  /* line 7 */
                   "5,\"\",v\n",                  /* line 8 */
                   0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 6);
    EXPECT_ROW(&s, 0, 1, "id", "text", "n");
    EXPECT_ROW(&s, 1, 2, "1", "a,b", "x");
    EXPECT_ROW(&s, 2, 3, "2", "say \"hi\"", "y");
    EXPECT_ROW(&s, 3, 4, "3", "multi\nline\ntext", "z");
    EXPECT_ROW(&s, 4, 7, "4", "after", "w");
    EXPECT_ROW(&s, 5, 8, "5", "", "v");
    tr_free(&s);
}

/* The row's line is where it starts, even when its first field is a quoted
 * field spanning lines; the row after it is numbered past the newlines. */
Test(csv, multiline_first_field_line_numbers)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s,
                   "h1,h2\n"            /* line 1 */
                   "\"two\nlines\",x\n" /* lines 2-3 */
                   "next,row\n"         /* line 4 */
                   "\"a\r\nb\"\n"       /* lines 5-6, CRLF inside quotes kept */
                   "last,one\n",        /* line 7 */
                   0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 5);
    EXPECT_ROW(&s, 0, 1, "h1", "h2");
    EXPECT_ROW(&s, 1, 2, "two\nlines", "x");
    EXPECT_ROW(&s, 2, 4, "next", "row");
    EXPECT_ROW(&s, 3, 5, "a\r\nb");
    EXPECT_ROW(&s, 4, 7, "last", "one");
    tr_free(&s);
}

/* ---- line endings, BOM, empties ---------------------------------------------- */

Test(csv, crlf_and_lf_mixed)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s, "a,b\r\nc,d\ne,f\r\ng,h\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 4);
    EXPECT_ROW(&s, 0, 1, "a", "b");
    EXPECT_ROW(&s, 1, 2, "c", "d");
    EXPECT_ROW(&s, 2, 3, "e", "f");
    EXPECT_ROW(&s, 3, 4, "g", "h");
    tr_free(&s);
}

Test(csv, utf8_bom_skipped)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s, "\xEF\xBB\xBFRB030,RB050\n1,2\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 2);
    EXPECT_ROW(&s, 0, 1, "RB030", "RB050");
    EXPECT_ROW(&s, 1, 2, "1", "2");
    tr_free(&s);
}

/* Only a BOM at the very start is skipped; one later is data. */
Test(csv, bom_only_at_start)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s, "a\n\xEF\xBB\xBF" "b\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 2);
    EXPECT_ROW(&s, 0, 1, "a");
    EXPECT_ROW(&s, 1, 2, "\xEF\xBB\xBF" "b");
    tr_free(&s);
}

/* "callers feed bytes in any chunking": a BOM split over feeds is still
 * skipped. */
Test(csv, utf8_bom_skipped_when_fed_bytewise)
{
    static const char in[] = "\xEF\xBB\xBFRB030,RB050\n1,2\n";
    for (size_t chunk = 1; chunk <= 2; chunk++) {
        tr_sink_t s = {0};
        int rc = s_parse(in, sizeof in - 1, chunk, &s);
        cr_assert_eq(rc, LNOB_OK);
        cr_assert_eq(s.n, 2, "chunk %zu", chunk);
        cr_expect_str_eq(s.rows[0].fields[0], "RB030",
                         "chunk %zu: BOM not skipped, first field is '%s' (%zu bytes)", chunk,
                         s.rows[0].fields[0], s.rows[0].lens[0]);
        EXPECT_ROW(&s, 0, 1, "RB030", "RB050");
        EXPECT_ROW(&s, 1, 2, "1", "2");
        tr_free(&s);
    }
}

Test(csv, empty_fields_and_trailing_empty_field)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s, "a,,c\n,,\nx,y,\n,only\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 4);
    EXPECT_ROW(&s, 0, 1, "a", "", "c");
    EXPECT_ROW(&s, 1, 2, "", "", "");
    EXPECT_ROW(&s, 2, 3, "x", "y", "");
    EXPECT_ROW(&s, 3, 4, "", "only");
    tr_free(&s);
}

Test(csv, final_row_without_newline_needs_finish)
{
    tr_sink_t s = {0};
    lnob_csv_t *csv = lnob_csv_new(',', tr_collect, &s);
    cr_assert_not_null(csv);
    static const char in[] = "a,b\nc,d";
    cr_assert_eq(lnob_csv_feed(csv, in, sizeof in - 1), LNOB_OK);
    cr_assert_eq(s.n, 1, "the unterminated row must wait for finish, got %zu rows", s.n);
    EXPECT_ROW(&s, 0, 1, "a", "b");
    cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
    cr_assert_eq(s.n, 2);
    EXPECT_ROW(&s, 1, 2, "c", "d");
    /* the same for a final row ending in an empty field */
    lnob_csv_destroy(&csv);
    tr_free(&s);
    cr_assert_eq(PARSE(&s, "a,b\nc,", 0), LNOB_OK);
    cr_assert_eq(s.n, 2);
    EXPECT_ROW(&s, 1, 2, "c", "");
    tr_free(&s);
}

Test(csv, blank_lines_skipped_line_numbers_kept)
{
    tr_sink_t s = {0};
    int rc = PARSE(&s,
                   "a,1\n"      /* 1 */
                   "\n"         /* 2 */
                   "\n"         /* 3 */
                   "b,2\r\n"    /* 4 */
                   "\r\n"       /* 5 */
                   "c,3\n"      /* 6 */
                   "\n"         /* 7 */
                   "d,4",       /* 8 */
                   0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 4);
    EXPECT_ROW(&s, 0, 1, "a", "1");
    EXPECT_ROW(&s, 1, 4, "b", "2");
    EXPECT_ROW(&s, 2, 6, "c", "3");
    EXPECT_ROW(&s, 3, 8, "d", "4");
    tr_free(&s);
}

/* ---- chunking independence ----------------------------------------------------- */

Test(csv, bytewise_feed_matches_whole_feed)
{
    static const char in[] =
        "id,text,n\r\n"
        "1,\"a,b\",x\n"
        "\n"
        "2,\"say \"\"hi\"\"\",y\r\n"
        "\"first\nfield\",\"multi\r\nline\",z\n"
        "\r\n"
        "4,,\n"
        ",\"\",last";
    tr_sink_t whole = {0};
    cr_assert_eq(s_parse(in, sizeof in - 1, 0, &whole), LNOB_OK);
    cr_assert_eq(whole.n, 6);
    EXPECT_ROW(&whole, 0, 1, "id", "text", "n");
    EXPECT_ROW(&whole, 1, 2, "1", "a,b", "x");
    EXPECT_ROW(&whole, 2, 4, "2", "say \"hi\"", "y");
    EXPECT_ROW(&whole, 4, 9, "4", "", "");
    EXPECT_ROW(&whole, 5, 10, "", "", "last");
    static const size_t chunks[] = {1, 2, 3, 5, 7, 13};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        tr_sink_t part = {0};
        char what[32];
        snprintf(what, sizeof what, "chunk %zu", chunks[k]);
        cr_assert_eq(s_parse(in, sizeof in - 1, chunks[k], &part), LNOB_OK, "%s", what);
        tr_same(&whole, &part, what);
        tr_free(&part);
    }
    tr_free(&whole);
}

/* Rows 3 and 5 of the input above start with a multi-line quoted field; the
 * row's line is where it starts (line 5), whatever the chunking. */
Test(csv, bytewise_feed_multiline_first_field_line)
{
    static const char in[] = "h\n\"first\nfield\",z\nnext,1\n";
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        tr_sink_t s = {0};
        cr_assert_eq(s_parse(in, sizeof in - 1, chunk, &s), LNOB_OK);
        cr_assert_eq(s.n, 3);
        EXPECT_ROW(&s, 0, 1, "h");
        EXPECT_ROW(&s, 1, 2, "first\nfield", "z");
        EXPECT_ROW(&s, 2, 4, "next", "1");
        tr_free(&s);
    }
}

/* ---- caps and odd bytes -------------------------------------------------------- */

Test(csv, field_longer_than_max_is_truncated)
{
    size_t big = LNOB_CSV_MAX_FIELD + 10;
    size_t len = big + 64;
    char *in = malloc(len);
    cr_assert_not_null(in);
    size_t o = 0;
    memcpy(in + o, "h1,h2\n", 6);
    o += 6;
    memset(in + o, 'x', big);
    o += big;
    memcpy(in + o, ",tail\nok,row\n", 13);
    o += 13;
    tr_sink_t s = {0};
    cr_assert_eq(s_parse(in, o, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 3);
    EXPECT_ROW(&s, 0, 1, "h1", "h2");
    const tr_row_t *r = &s.rows[1];
    cr_expect_eq(r->line, 2);
    cr_expect_eq(r->truncated, 1, "a field of %zu bytes must set truncated", big);
    cr_assert_eq(r->nfields, 2);
    cr_expect_eq(r->lens[0], LNOB_CSV_MAX_FIELD);
    cr_expect_eq(r->fields[0][0], 'x');
    cr_expect_eq(r->fields[0][LNOB_CSV_MAX_FIELD - 1], 'x');
    cr_expect_eq(r->fields[0][LNOB_CSV_MAX_FIELD], '\0');
    cr_expect_str_eq(r->fields[1], "tail");
    /* the flag is per row */
    EXPECT_ROW(&s, 2, 3, "ok", "row");
    tr_free(&s);
    free(in);
}

Test(csv, field_of_exactly_max_is_not_truncated)
{
    size_t len = LNOB_CSV_MAX_FIELD + 16;
    char *in = malloc(len);
    cr_assert_not_null(in);
    memset(in, 'y', LNOB_CSV_MAX_FIELD);
    memcpy(in + LNOB_CSV_MAX_FIELD, ",z\n", 3);
    tr_sink_t s = {0};
    cr_assert_eq(s_parse(in, LNOB_CSV_MAX_FIELD + 3, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 1);
    cr_expect_eq(s.rows[0].truncated, 0);
    cr_expect_eq(s.rows[0].lens[0], LNOB_CSV_MAX_FIELD);
    cr_expect_str_eq(s.rows[0].fields[1], "z");
    tr_free(&s);
    free(in);
}

Test(csv, nul_byte_keeps_true_length)
{
    static const char in[] = "a\0b,c\n\"q\0\",d\n";
    tr_sink_t s = {0};
    cr_assert_eq(s_parse(in, sizeof in - 1, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 2);
    const tr_row_t *r = &s.rows[0];
    cr_assert_eq(r->nfields, 2);
    cr_expect_eq(r->lens[0], 3);
    cr_expect_eq(memcmp(r->fields[0], "a\0b", 3), 0);
    cr_expect_str_eq(r->fields[1], "c");
    r = &s.rows[1];
    cr_assert_eq(r->nfields, 2);
    cr_expect_eq(r->line, 2);
    cr_expect_eq(r->lens[0], 2);
    cr_expect_eq(memcmp(r->fields[0], "q\0", 2), 0);
    cr_expect_str_eq(r->fields[1], "d");
    tr_free(&s);
}

/* ---- callback stop ---------------------------------------------------------------- */

Test(csv, callback_rc_stops_parse)
{
    static const char in[] = "r1\nr2\nr3\nr4\n";
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        tr_sink_t s = {.stop_at = 2, .stop_rc = LNOB_DROP};
        lnob_csv_t *csv = lnob_csv_new(',', tr_collect, &s);
        cr_assert_not_null(csv);
        int rc = LNOB_OK;
        size_t step = chunk ? chunk : sizeof in - 1;
        for (size_t off = 0; off < sizeof in - 1 && rc == LNOB_OK; off += step)
            rc = lnob_csv_feed(csv, in + off, step);
        cr_expect_eq(rc, LNOB_DROP, "chunk %zu: feed rc %d", chunk, rc);
        cr_expect_eq(s.calls, 2, "chunk %zu: rows after the stop were delivered", chunk);
        /* later feeds and finish keep the rc and deliver nothing */
        cr_expect_eq(lnob_csv_feed(csv, "r5\n", 3), LNOB_DROP);
        cr_expect_eq(lnob_csv_finish(csv), LNOB_DROP);
        cr_expect_eq(s.calls, 2);
        EXPECT_ROW(&s, 0, 1, "r1");
        EXPECT_ROW(&s, 1, 2, "r2");
        lnob_csv_destroy(&csv);
        tr_free(&s);
    }
}

Test(csv, callback_rc_from_finish)
{
    tr_sink_t s = {.stop_at = 2, .stop_rc = LNOB_ERR};
    lnob_csv_t *csv = lnob_csv_new(',', tr_collect, &s);
    cr_assert_not_null(csv);
    cr_assert_eq(lnob_csv_feed(csv, "a\nb", 3), LNOB_OK);
    cr_assert_eq(s.calls, 1);
    cr_expect_eq(lnob_csv_finish(csv), LNOB_ERR);
    cr_expect_eq(s.calls, 2);
    EXPECT_ROW(&s, 1, 2, "b");
    lnob_csv_destroy(&csv);
    tr_free(&s);
}

Test(csv, other_delimiter)
{
    tr_sink_t s = {0};
    lnob_csv_t *csv = lnob_csv_new(';', tr_collect, &s);
    cr_assert_not_null(csv);
    static const char in[] = "a;b,c;\"d;e\"\n";
    cr_assert_eq(lnob_csv_feed(csv, in, sizeof in - 1), LNOB_OK);
    cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
    cr_assert_eq(s.n, 1);
    EXPECT_ROW(&s, 0, 1, "a", "b,c", "d;e");
    lnob_csv_destroy(&csv);
    tr_free(&s);
}

/* Documented as "newline count + 1 if data follows". */
Test(csv, lines_counter)
{
    tr_sink_t s = {0};
    lnob_csv_t *csv = lnob_csv_new(',', tr_collect, &s);
    cr_assert_not_null(csv);
    cr_expect_eq(lnob_csv_lines(csv), 0, "no input: 0 lines");
    cr_assert_eq(lnob_csv_feed(csv, "a\nb", 3), LNOB_OK);
    cr_expect_eq(lnob_csv_lines(csv), 2, "\"a\\nb\": 1 newline + data after it");
    cr_assert_eq(lnob_csv_feed(csv, "\n", 1), LNOB_OK);
    cr_expect_eq(lnob_csv_lines(csv), 2, "\"a\\nb\\n\": 2 newlines, nothing after");
    lnob_csv_destroy(&csv);
    tr_free(&s);
}

Test(csv, destroy_null_safe)
{
    lnob_csv_t *csv = NULL;
    lnob_csv_destroy(&csv);
    lnob_csv_destroy(NULL);
    cr_assert_null(csv);
}

/* ---- lnob_csv_format_row ------------------------------------------------------------ */

static lnob_csv_row_t s_row_of(const char *const *f, const size_t *lens, size_t n)
{
    lnob_csv_row_t r = {.nfields = n, .fields = (const char **) f, .lens = lens, .line = 1};
    return r;
}

Test(csv_format, quoting)
{
    const char *f[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "", "cr\rx", "end"};
    size_t lens[7];
    for (size_t i = 0; i < 7; i++)
        lens[i] = strlen(f[i]);
    lnob_csv_row_t row = s_row_of(f, lens, 7);
    char out[256];
    static const char want[] = "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\"cr\rx\",end";
    size_t n = lnob_csv_format_row(&row, ',', out, sizeof out);
    cr_expect_str_eq(out, want);
    cr_expect_eq(n, sizeof want - 1);
    /* another delimiter quotes that delimiter, not commas */
    const char *g[] = {"a;b", "c,d"};
    size_t glens[] = {3, 3};
    row = s_row_of(g, glens, 2);
    n = lnob_csv_format_row(&row, ';', out, sizeof out);
    cr_expect_str_eq(out, "\"a;b\";c,d");
    cr_expect_eq(n, 9);
}

Test(csv_format, nul_becomes_space)
{
    const char *f[] = {"a\0b", "c"};
    size_t lens[] = {3, 1};
    lnob_csv_row_t row = s_row_of(f, lens, 2);
    char out[64];
    size_t n = lnob_csv_format_row(&row, ',', out, sizeof out);
    cr_expect_eq(n, 5);
    cr_expect_str_eq(out, "a b,c");
}

Test(csv_format, round_trips_through_reader)
{
    static const char in[] = "x,\"a,b\",\"q\"\"q\",\"l1\nl2\",\n";
    tr_sink_t s = {0};
    cr_assert_eq(s_parse(in, sizeof in - 1, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 1);
    lnob_csv_row_t row = s_row_of((const char *const *) s.rows[0].fields, s.rows[0].lens,
                                  s.rows[0].nfields);
    char out[128];
    size_t n = lnob_csv_format_row(&row, ',', out, sizeof out);
    cr_expect_eq(n, sizeof in - 2);
    cr_expect(strncmp(out, in, sizeof in - 2) == 0 && out[n] == '\0', "got '%s'", out);
    tr_free(&s);
}

Test(csv_format, long_row_is_cut_with_dots)
{
    const char *f[] = {"abcdefghij", "klmnopqrst"};
    size_t lens[] = {10, 10};
    lnob_csv_row_t row = s_row_of(f, lens, 2);
    char out[16];
    memset(out, '#', sizeof out);
    size_t n = lnob_csv_format_row(&row, ',', out, sizeof out);
    /* at most cap-1 bytes, NUL-terminated, ends in "..." */
    cr_expect_eq(n, 15);
    cr_expect_str_eq(out, "abcdefghij,k...");
    /* cut inside a quoted field */
    const char *g[] = {"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\""};
    size_t glens[] = {16};
    row = s_row_of(g, glens, 1);
    memset(out, '#', sizeof out);
    n = lnob_csv_format_row(&row, ',', out, sizeof out);
    cr_expect_leq(n, 15);
    cr_expect_geq(n, 4);
    cr_expect_eq(out[n], '\0');
    cr_expect_eq(strlen(out), n);
    cr_expect_str_eq(out + n - 3, "...");
    for (size_t i = 0; i + 3 < n; i++)
        cr_expect_eq(out[i], '"', "byte %zu of the cut quoted field is '%c'", i, out[i]);
    /* too small a buffer writes nothing */
    char tiny[3] = {'#', '#', '#'};
    cr_expect_eq(lnob_csv_format_row(&row, ',', tiny, sizeof tiny), 0);
}

/* A row whose serialisation fits in cap-1 bytes is written whole, without
 * the "..." that marks a cut. */
Test(csv_format, row_that_fits_is_not_cut)
{
    const char *f[] = {"abcdefghij", "klmn"}; /* "abcdefghij,klmn" = 15 bytes */
    size_t lens[] = {10, 4};
    lnob_csv_row_t row = s_row_of(f, lens, 2);
    char out[16];
    size_t n = lnob_csv_format_row(&row, ',', out, sizeof out);
    cr_expect_str_eq(out, "abcdefghij,klmn");
    cr_expect_eq(n, 15);
    /* one byte shorter than the cut limit also fits */
    const char *g[] = {"abcdefghijk"}; /* 11 bytes, cap 16 */
    size_t glens[] = {11};
    row = s_row_of(g, glens, 1);
    n = lnob_csv_format_row(&row, ',', out, sizeof out);
    cr_expect_str_eq(out, "abcdefghijk");
    cr_expect_eq(n, 11);
}

Test(csv, field_trimmed_or_empty)
{
    const char *f[] = {"  a b\t", "", "x"};
    size_t lens[] = {6, 0, 1}, len = 99;
    lnob_csv_row_t row = {.nfields = 3, .fields = f, .lens = lens, .line = 1};
    const char *s = lnob_csv_field(&row, 0, &len);
    cr_expect_eq(len, 3);
    cr_expect(strncmp(s, "a b", 3) == 0);
    cr_expect_eq(lnob_csv_field(&row, 1, &len)[0], '\0');
    cr_expect_eq(len, 0);
    cr_expect_str_eq(lnob_csv_field(&row, 3, &len), "");
    cr_expect_eq(len, 0);
    cr_expect_str_eq(lnob_csv_field(&row, -1, &len), "");
    cr_expect_eq(len, 0);
}
