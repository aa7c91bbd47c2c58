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
static int s_parse_lines(const char *in, size_t len, size_t chunk, unsigned max_lines, tr_sink_t *s)
{
    lnob_csv_t *csv = lnob_csv_new(',', tr_collect, s);
    cr_assert_not_null(csv);
    if (max_lines)
        lnob_csv_set_max_lines(csv, max_lines);
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

/* As s_parse_lines with the reader's default line bound. */
static int s_parse(const char *in, size_t len, size_t chunk, tr_sink_t *s)
{
    return s_parse_lines(in, len, chunk, 0, s);
}

#define PARSE(s, lit, chunk) s_parse((lit), sizeof(lit) - 1, (chunk), (s))

/* Asserts row r of s is flawed reason on line with detail. */
static void s_expect_flaw(const tr_sink_t *s, size_t r, uint64_t line, const char *reason, const char *detail)
{
    cr_assert_lt(r, s->n, "row %zu missing (only %zu rows)", r, s->n);
    cr_expect_eq(s->rows[r].line, line, "row %zu: line %llu, expected %llu", r,
                 (unsigned long long) s->rows[r].line, (unsigned long long) line);
    cr_expect_str_eq(s->rows[r].flaw ? s->rows[r].flaw : "(none)", reason, "row %zu flaw", r);
    cr_expect_str_eq(s->rows[r].detail, detail, "row %zu flaw detail", r);
}

/* Parses in whole, then in chunks of every size in chunks, and asserts the
 * same rows come out; the whole parse stays in *whole. */
static void s_any_chunking(const char *in, size_t len, unsigned max_lines, tr_sink_t *whole)
{
    static const size_t chunks[] = {1, 2, 3, 5, 7, 13, 4096, 65537};
    cr_assert_eq(s_parse_lines(in, len, 0, max_lines, whole), LNOB_OK);
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        if (chunks[k] < 64 && len > 100000)
            continue; /* byte by byte through megabytes: slow, and the large steps cover it */
        tr_sink_t part = {0};
        char what[32];
        snprintf(what, sizeof what, "chunk %zu", chunks[k]);
        cr_assert_eq(s_parse_lines(in, len, chunks[k], max_lines, &part), LNOB_OK, "%s", what);
        tr_same(whole, &part, what);
        tr_free(&part);
    }
}

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

/* Appends the text t to in at *o. */
static void s_cat(char *in, size_t *o, const char *t)
{
    size_t n = strlen(t);
    memcpy(in + *o, t, n);
    *o += n;
}

/* Appends n bytes c to in at *o. */
static void s_run(char *in, size_t *o, char c, size_t n)
{
    memset(in + *o, c, n);
    *o += n;
}

/* ---- caps and odd bytes -------------------------------------------------------- */

Test(csv, field_longer_than_max_is_truncated)
{
    size_t big = LNOB_CSV_MAX_FIELD + 10;
    size_t len = big + 64;
    char *in = malloc(len);
    cr_assert_not_null(in);
    size_t o = 0;
    s_cat(in, &o, "h1,h2\n");
    s_run(in, &o, 'x', big);
    s_cat(in, &o, ",tail\nok,row\n");
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

/* ---- broken quoting and row bounds --------------------------------------------- */

/* Rows that never span lines: the stray quote costs its own row, reading
 * resumes at the next line. */
Test(csv, open_quote_at_line_end_breaks_only_that_row)
{
    static const char in[] = "id,name,n\n"
                             "1,Ana,2\n"
                             "2,\"Ben,3\n"      /* line 3: the quote is never closed */
                             "3,\"Cal\",4\n"
                             "4,\"two\nlines\",5\n" /* line 5: a quoted newline is a break too */
                             "5,Dea,6\n";
    tr_sink_t s = {0};
    s_any_chunking(in, sizeof in - 1, 1, &s);
    cr_assert_eq(s.n, 7);
    EXPECT_ROW(&s, 0, 1, "id", "name", "n");
    EXPECT_ROW(&s, 1, 2, "1", "Ana", "2");
    s_expect_flaw(&s, 2, 3, "BAD_QUOTING", "a quote is left open at the end of the line");
    cr_assert_eq(s.rows[2].nfields, 2);
    cr_expect_str_eq(s.rows[2].fields[1], "Ben,3", "what was read, without the line end");
    EXPECT_ROW(&s, 3, 4, "3", "Cal", "4");
    s_expect_flaw(&s, 4, 5, "BAD_QUOTING", "a quote is left open at the end of the line");
    /* line 6 on its own: 'lines",5' is an unquoted field holding a quote */
    EXPECT_ROW(&s, 5, 6, "lines\"", "5");
    EXPECT_ROW(&s, 6, 7, "5", "Dea", "6");
    tr_free(&s);
}

/* Parses head + a row "2,\"open" never closed + rows 3,c to 6,f, with a
 * bound of 3 lines; asserts the header, then the quoted row first (text
 * on line 2), the broken row on line open_line, and the four rows after
 * it on the lines after that. */
static void s_expect_rereads(const char *in, size_t len, const char *text, uint64_t open_line)
{
    tr_sink_t s = {0};
    s_any_chunking(in, len, 3, &s);
    cr_assert_eq(s.n, 7);
    EXPECT_ROW(&s, 0, 1, "id", "text");
    EXPECT_ROW(&s, 1, 2, "1", text);
    s_expect_flaw(&s, 2, open_line, "BAD_QUOTING", "a quoted field is still open after 3 lines");
    static const char *const again[][2] = {{"3", "c"}, {"4", "d"}, {"5", "e"}, {"6", "f"}};
    for (size_t k = 0; k < 4; k++)
        EXPECT_ROW(&s, 3 + k, open_line + 1 + k, again[k][0], again[k][1]);
    tr_free(&s);
}

#define REREAD_TAIL "3,c\n4,d\n5,e\n6,f\n"

/* Multi-line rows up to the bound: a quote still open after 3 lines breaks
 * the row at its first line, and its held lines are rows again. */
Test(csv, quoted_row_past_line_bound_rereads_held_lines)
{
    static const char in[] = "id,text\n"
                             "1,\"ok\nin two\"\n" /* lines 2-3: within the bound */
                             "2,\"open\n"           /* line 4: never closed */
                             REREAD_TAIL;
    s_expect_rereads(in, sizeof in - 1, "ok\nin two", 4);
}

/* A row that begins after a bare CR, on a line where an earlier row ended,
 * is on that line; when it breaks, the lines read again after it keep
 * their numbers (they were one short, and every later line with them). */
Test(csv, a_row_after_a_bare_cr_breaks_on_its_own_line)
{
    static const char in[] = "id,text\n"
                             "1,\"x\n"          /* line 2: a quoted field over two lines */
                             "y\"\r2,\"open\n" /* line 3: it ends at a bare CR; row 2 begins, never closed */
                             REREAD_TAIL;
    s_expect_rereads(in, sizeof in - 1, "x\ny", 3);
}

/* A quote still open at the end of the input, within the line bound. */
Test(csv, quote_open_at_end_of_input_rereads_held_lines)
{
    static const char in[] = "id,text\n"
                             "1,\"open\n"
                             "2,b\n"
                             "3,c";
    tr_sink_t s = {0};
    s_any_chunking(in, sizeof in - 1, 0, &s);
    cr_assert_eq(s.n, 4);
    EXPECT_ROW(&s, 0, 1, "id", "text");
    s_expect_flaw(&s, 1, 2, "BAD_QUOTING", "a quote is still open at the end of the file");
    EXPECT_ROW(&s, 2, 3, "2", "b");
    EXPECT_ROW(&s, 3, 4, "3", "c");
    tr_free(&s);
}

/* A stray quote in the held lines of a broken row breaks its own row when
 * those lines are read again. */
Test(csv, broken_row_inside_reread_lines)
{
    static const char in[] = "h\n"
                             "\"a\n" /* line 2: open; lines 3-4 held */
                             "\"c\n" /* line 3: open again when read again */
                             "d\n"
                             "e\n"
                             "f\n"
                             "g\n";
    tr_sink_t s = {0};
    s_any_chunking(in, sizeof in - 1, 3, &s);
    cr_assert_eq(s.n, 7);
    EXPECT_ROW(&s, 0, 1, "h");
    s_expect_flaw(&s, 1, 2, "BAD_QUOTING", "a quoted field is still open after 3 lines");
    s_expect_flaw(&s, 2, 3, "BAD_QUOTING", "a quoted field is still open after 3 lines");
    EXPECT_ROW(&s, 3, 4, "d");
    EXPECT_ROW(&s, 4, 5, "e");
    EXPECT_ROW(&s, 5, 6, "f");
    EXPECT_ROW(&s, 6, 7, "g");
    tr_free(&s);
}

/* A line longer than LNOB_CSV_MAX_ROW: rejected, not stored, the next line read. */
Test(csv, line_longer_than_row_bound_is_rejected)
{
    size_t big = 3 * (size_t) LNOB_CSV_MAX_ROW;
    char *in = malloc(big + 64);
    cr_assert_not_null(in);
    size_t o = 0;
    s_cat(in, &o, "h1,h2\n1,");
    s_run(in, &o, 'x', big);
    s_cat(in, &o, "\nok,row\n");
    tr_sink_t s = {0};
    s_any_chunking(in, o, 1, &s);
    cr_assert_eq(s.n, 3);
    EXPECT_ROW(&s, 0, 1, "h1", "h2");
    s_expect_flaw(&s, 1, 2, "ROW_TOO_LONG", "the row has more than 8192 fields or 1048576 bytes");
    EXPECT_ROW(&s, 2, 3, "ok", "row");
    tr_free(&s);
    free(in);
}

/* A row whose text passes LNOB_CSV_MAX_ROW by a few bytes in a field that
 * then ends on the same line, or after the 64 KiB step of its line that
 * follows the bound: the answer is the text's, never the buffers'. The
 * bound is checked where a line ends and at every 64 KiB of a line, so
 * here the field is cut (FIELD_TOO_LONG) and nothing is read again, in
 * every chunking (before, a buffer ending just past the bound made the
 * first row ROW_TOO_LONG and the quoted one BAD_QUOTING, with its second
 * line read again as a row). */
Test(csv, row_bounds_are_checked_at_points_of_the_text)
{
    size_t over = (size_t) LNOB_CSV_MAX_ROW + 5000; /* ends before the next 64 KiB step */
    char *in = malloc(2 * over + 64);
    cr_assert_not_null(in);
    size_t o = 0;
    s_cat(in, &o, "1,");
    s_run(in, &o, 'x', over);
    s_cat(in, &o, "\nok\n\""); /* line 3 opens a quote ... */
    s_run(in, &o, 'y', LNOB_CSV_MAX_ROW - 100);
    s_cat(in, &o, "\n"); /* ... that line 4 closes, past the bound */
    s_run(in, &o, 'z', 5000);
    s_cat(in, &o, "\",end\nlast\n");
    tr_sink_t s = {0};
    s_any_chunking(in, o, 0, &s);
    cr_assert_eq(s.n, 4, "%zu rows", s.n);
    const char *reason = NULL;
    char detail[128];
    static const uint64_t line[] = {1, 2, 3, 5};
    for (size_t r = 0; r < 4; r++)
        cr_expect_eq(s.rows[r].line, line[r], "row %zu on line %llu", r, (unsigned long long) s.rows[r].line);
    for (size_t r = 0; r < 3; r += 2) {
        lnob_csv_row_t row = {.nfields = s.rows[r].nfields, .truncated = s.rows[r].truncated,
                              .flaw = s.rows[r].flaw};
        cr_expect_eq(lnob_csv_row_broken(&row, &reason, detail, sizeof detail), 1, "row %zu", r);
        cr_expect_str_eq(reason, "FIELD_TOO_LONG", "row %zu", r);
        cr_expect_eq(s.rows[r].nfields, 2, "row %zu keeps its fields", r);
    }
    cr_expect_str_eq(s.rows[1].fields[0], "ok");
    cr_expect_str_eq(s.rows[2].fields[1], "end");
    cr_expect_str_eq(s.rows[3].fields[0], "last");
    tr_free(&s);
    free(in);
}

/* A line of commas: more fields than LNOB_CSV_MAX_FIELDS. */
Test(csv, row_with_too_many_fields_is_rejected)
{
    size_t commas = 4 * (size_t) LNOB_CSV_MAX_FIELDS;
    char *in = malloc(commas + 64);
    cr_assert_not_null(in);
    size_t o = 0;
    s_cat(in, &o, "h\n");
    s_run(in, &o, ',', commas);
    s_cat(in, &o, "\nok\n");
    tr_sink_t s = {0};
    s_any_chunking(in, o, 1, &s);
    cr_assert_eq(s.n, 3);
    EXPECT_ROW(&s, 0, 1, "h");
    s_expect_flaw(&s, 1, 2, "ROW_TOO_LONG", "the row has more than 8192 fields or 1048576 bytes");
    cr_expect_eq(s.rows[1].nfields, LNOB_CSV_MAX_FIELDS, "the fields within the bound are kept");
    EXPECT_ROW(&s, 2, 3, "ok");
    /* exactly the bound is a whole row */
    tr_sink_t t = {0};
    memset(in, ',', LNOB_CSV_MAX_FIELDS - 1);
    in[LNOB_CSV_MAX_FIELDS - 1] = '\n';
    cr_assert_eq(s_parse(in, LNOB_CSV_MAX_FIELDS, 0, &t), LNOB_OK);
    cr_assert_eq(t.n, 1);
    cr_expect_null(t.rows[0].flaw);
    cr_expect_eq(t.rows[0].nfields, LNOB_CSV_MAX_FIELDS);
    tr_free(&t);
    tr_free(&s);
    free(in);
}

/* The reasons the sources quarantine a row under. */
Test(csv, row_broken_reasons)
{
    char detail[128];
    const char *reason = NULL;
    lnob_csv_row_t row = {0};
    cr_expect_eq(lnob_csv_row_broken(&row, &reason, detail, sizeof detail), 0);
    row.truncated = 1;
    cr_expect_eq(lnob_csv_row_broken(&row, &reason, detail, sizeof detail), 1);
    cr_expect_str_eq(reason, "FIELD_TOO_LONG");
    cr_expect_str_eq(detail, "a field is longer than 65536 bytes");
    row.flaw = "BAD_QUOTING";
    row.flaw_detail = "a quote is left open at the end of the line";
    cr_expect_eq(lnob_csv_row_broken(&row, &reason, detail, sizeof detail), 1);
    cr_expect_str_eq(reason, "BAD_QUOTING");
    cr_expect_str_eq(detail, "a quote is left open at the end of the line");
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
