/* csv_test.c - the buffer-fed CSV reader (lnob/csv.h): quoting, line
 * numbers, chunking independence, caps, callback stop and row formatting. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"
#include "lnob/rc.h"

/* ---- a row collector -------------------------------------------------------- */

/* One row, copied out of the callback (the row is borrowed). */
typedef struct {
    size_t nfields;
    char **fields; /* each holds lens[i] bytes plus a NUL */
    size_t *lens;
    uint64_t line;
    int truncated;
} crow_t;

typedef struct {
    crow_t rows[64];
    size_t n;
    size_t calls;   /* callback invocations */
    size_t stop_at; /* 1-based call that returns stop_rc; 0 = never */
    int stop_rc;
} sink_t;

static int s_collect(void *arg, const lnob_csv_row_t *row)
{
    sink_t *s = arg;
    s->calls++;
    cr_assert_lt(s->n, sizeof s->rows / sizeof s->rows[0], "too many rows for the sink");
    crow_t *r = &s->rows[s->n++];
    r->nfields = row->nfields;
    r->line = row->line;
    r->truncated = row->truncated;
    r->fields = calloc(row->nfields, sizeof(char *));
    r->lens = calloc(row->nfields, sizeof(size_t));
    cr_assert(r->fields && r->lens);
    for (size_t i = 0; i < row->nfields; i++) {
        r->lens[i] = row->lens[i];
        r->fields[i] = malloc(row->lens[i] + 1);
        cr_assert_not_null(r->fields[i]);
        memcpy(r->fields[i], row->fields[i], row->lens[i]);
        r->fields[i][row->lens[i]] = '\0';
        /* the reader promises NUL-terminated texts */
        cr_assert_eq(row->fields[i][row->lens[i]], '\0', "field %zu not NUL-terminated", i);
    }
    if (s->stop_at && s->calls == s->stop_at)
        return s->stop_rc;
    return LNOB_OK;
}

static void s_sink_free(sink_t *s)
{
    for (size_t r = 0; r < s->n; r++) {
        for (size_t i = 0; i < s->rows[r].nfields; i++)
            free(s->rows[r].fields[i]);
        free(s->rows[r].fields);
        free(s->rows[r].lens);
    }
    s->n = 0;
}

/* Feeds len bytes of in, chunk bytes at a time (0 = whole), then finishes.
 * Returns the first non-OK rc. */
static int s_parse(const char *in, size_t len, size_t chunk, sink_t *s)
{
    lnob_csv_t *csv = lnob_csv_new(',', s_collect, s);
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

/* Asserts row r has line and exactly the given NUL-free fields. */
static void s_expect(const sink_t *s, size_t r, uint64_t line, size_t nf, const char *const *f)
{
    cr_assert_lt(r, s->n, "row %zu missing (only %zu rows)", r, s->n);
    const crow_t *row = &s->rows[r];
    cr_expect_eq(row->line, line, "row %zu: line %llu, expected %llu", r,
                 (unsigned long long) row->line, (unsigned long long) line);
    cr_assert_eq(row->nfields, nf, "row %zu: %zu fields, expected %zu", r, row->nfields, nf);
    for (size_t i = 0; i < nf; i++) {
        cr_expect_eq(row->lens[i], strlen(f[i]), "row %zu field %zu: len %zu, expected %zu", r,
                     i, row->lens[i], strlen(f[i]));
        cr_expect_str_eq(row->fields[i], f[i], "row %zu field %zu", r, i);
    }
    cr_expect_eq(row->truncated, 0, "row %zu unexpectedly truncated", r);
}

#define EXPECT_ROW(s, r, line, ...)                                                      \
    do {                                                                                 \
        const char *const f_[] = {__VA_ARGS__};                                          \
        s_expect((s), (r), (line), sizeof f_ / sizeof f_[0], f_);                        \
    } while (0)

/* Asserts two collections hold identical rows (fields, lengths, lines). */
static void s_same_rows(const sink_t *a, const sink_t *b, const char *what)
{
    cr_assert_eq(a->n, b->n, "%s: %zu rows vs %zu", what, a->n, b->n);
    for (size_t r = 0; r < a->n; r++) {
        const crow_t *x = &a->rows[r], *y = &b->rows[r];
        cr_expect_eq(x->line, y->line, "%s: row %zu line %llu vs %llu", what, r,
                     (unsigned long long) x->line, (unsigned long long) y->line);
        cr_expect_eq(x->truncated, y->truncated, "%s: row %zu truncated", what, r);
        cr_assert_eq(x->nfields, y->nfields, "%s: row %zu: %zu fields vs %zu", what, r,
                     x->nfields, y->nfields);
        for (size_t i = 0; i < x->nfields; i++) {
            cr_expect_eq(x->lens[i], y->lens[i], "%s: row %zu field %zu len", what, r, i);
            cr_expect(x->lens[i] == y->lens[i] && memcmp(x->fields[i], y->fields[i], x->lens[i]) == 0,
                      "%s: row %zu field %zu: '%s' vs '%s'", what, r, i, x->fields[i], y->fields[i]);
        }
    }
}

#define PARSE(s, lit, chunk) s_parse((lit), sizeof(lit) - 1, (chunk), (s))

/* ---- usage ------------------------------------------------------------------- */

Test(csv, simple_rows_usage)
{
    sink_t s = {0};
    int rc = PARSE(&s, "name,age,town\nAna,30,Tirana\nBen,41,Shkoder\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 3);
    EXPECT_ROW(&s, 0, 1, "name", "age", "town");
    EXPECT_ROW(&s, 1, 2, "Ana", "30", "Tirana");
    EXPECT_ROW(&s, 2, 3, "Ben", "41", "Shkoder");
    s_sink_free(&s);
}

/* ---- quoting ----------------------------------------------------------------- */

Test(csv, quoted_fields_commas_quotes_newlines)
{
    sink_t s = {0};
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
    s_sink_free(&s);
}

/* The row's line is where it starts, even when its first field is a quoted
 * field spanning lines; the row after it is numbered past the newlines. */
Test(csv, multiline_first_field_line_numbers)
{
    sink_t s = {0};
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
    s_sink_free(&s);
}

/* ---- line endings, BOM, empties ---------------------------------------------- */

Test(csv, crlf_and_lf_mixed)
{
    sink_t s = {0};
    int rc = PARSE(&s, "a,b\r\nc,d\ne,f\r\ng,h\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 4);
    EXPECT_ROW(&s, 0, 1, "a", "b");
    EXPECT_ROW(&s, 1, 2, "c", "d");
    EXPECT_ROW(&s, 2, 3, "e", "f");
    EXPECT_ROW(&s, 3, 4, "g", "h");
    s_sink_free(&s);
}

Test(csv, utf8_bom_skipped)
{
    sink_t s = {0};
    int rc = PARSE(&s, "\xEF\xBB\xBFRB030,RB050\n1,2\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 2);
    EXPECT_ROW(&s, 0, 1, "RB030", "RB050");
    EXPECT_ROW(&s, 1, 2, "1", "2");
    s_sink_free(&s);
}

/* Only a BOM at the very start is skipped; one later is data. */
Test(csv, bom_only_at_start)
{
    sink_t s = {0};
    int rc = PARSE(&s, "a\n\xEF\xBB\xBF" "b\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 2);
    EXPECT_ROW(&s, 0, 1, "a");
    EXPECT_ROW(&s, 1, 2, "\xEF\xBB\xBF" "b");
    s_sink_free(&s);
}

/* "callers feed bytes in any chunking": a BOM split over feeds is still
 * skipped. */
Test(csv, utf8_bom_skipped_when_fed_bytewise)
{
    static const char in[] = "\xEF\xBB\xBFRB030,RB050\n1,2\n";
    for (size_t chunk = 1; chunk <= 2; chunk++) {
        sink_t s = {0};
        int rc = s_parse(in, sizeof in - 1, chunk, &s);
        cr_assert_eq(rc, LNOB_OK);
        cr_assert_eq(s.n, 2, "chunk %zu", chunk);
        cr_expect_str_eq(s.rows[0].fields[0], "RB030",
                         "chunk %zu: BOM not skipped, first field is '%s' (%zu bytes)", chunk,
                         s.rows[0].fields[0], s.rows[0].lens[0]);
        EXPECT_ROW(&s, 0, 1, "RB030", "RB050");
        EXPECT_ROW(&s, 1, 2, "1", "2");
        s_sink_free(&s);
    }
}

Test(csv, empty_fields_and_trailing_empty_field)
{
    sink_t s = {0};
    int rc = PARSE(&s, "a,,c\n,,\nx,y,\n,only\n", 0);
    cr_assert_eq(rc, LNOB_OK);
    cr_assert_eq(s.n, 4);
    EXPECT_ROW(&s, 0, 1, "a", "", "c");
    EXPECT_ROW(&s, 1, 2, "", "", "");
    EXPECT_ROW(&s, 2, 3, "x", "y", "");
    EXPECT_ROW(&s, 3, 4, "", "only");
    s_sink_free(&s);
}

Test(csv, final_row_without_newline_needs_finish)
{
    sink_t s = {0};
    lnob_csv_t *csv = lnob_csv_new(',', s_collect, &s);
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
    s_sink_free(&s);
    cr_assert_eq(PARSE(&s, "a,b\nc,", 0), LNOB_OK);
    cr_assert_eq(s.n, 2);
    EXPECT_ROW(&s, 1, 2, "c", "");
    s_sink_free(&s);
}

Test(csv, blank_lines_skipped_line_numbers_kept)
{
    sink_t s = {0};
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
    s_sink_free(&s);
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
    sink_t whole = {0};
    cr_assert_eq(s_parse(in, sizeof in - 1, 0, &whole), LNOB_OK);
    cr_assert_eq(whole.n, 6);
    EXPECT_ROW(&whole, 0, 1, "id", "text", "n");
    EXPECT_ROW(&whole, 1, 2, "1", "a,b", "x");
    EXPECT_ROW(&whole, 2, 4, "2", "say \"hi\"", "y");
    EXPECT_ROW(&whole, 4, 9, "4", "", "");
    EXPECT_ROW(&whole, 5, 10, "", "", "last");
    static const size_t chunks[] = {1, 2, 3, 5, 7, 13};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        sink_t part = {0};
        char what[32];
        snprintf(what, sizeof what, "chunk %zu", chunks[k]);
        cr_assert_eq(s_parse(in, sizeof in - 1, chunks[k], &part), LNOB_OK, "%s", what);
        s_same_rows(&whole, &part, what);
        s_sink_free(&part);
    }
    s_sink_free(&whole);
}

/* Rows 3 and 5 of the input above start with a multi-line quoted field; the
 * row's line is where it starts (line 5), whatever the chunking. */
Test(csv, bytewise_feed_multiline_first_field_line)
{
    static const char in[] = "h\n\"first\nfield\",z\nnext,1\n";
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        sink_t s = {0};
        cr_assert_eq(s_parse(in, sizeof in - 1, chunk, &s), LNOB_OK);
        cr_assert_eq(s.n, 3);
        EXPECT_ROW(&s, 0, 1, "h");
        EXPECT_ROW(&s, 1, 2, "first\nfield", "z");
        EXPECT_ROW(&s, 2, 4, "next", "1");
        s_sink_free(&s);
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
    sink_t s = {0};
    cr_assert_eq(s_parse(in, o, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 3);
    EXPECT_ROW(&s, 0, 1, "h1", "h2");
    const crow_t *r = &s.rows[1];
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
    s_sink_free(&s);
    free(in);
}

Test(csv, field_of_exactly_max_is_not_truncated)
{
    size_t len = LNOB_CSV_MAX_FIELD + 16;
    char *in = malloc(len);
    cr_assert_not_null(in);
    memset(in, 'y', LNOB_CSV_MAX_FIELD);
    memcpy(in + LNOB_CSV_MAX_FIELD, ",z\n", 3);
    sink_t s = {0};
    cr_assert_eq(s_parse(in, LNOB_CSV_MAX_FIELD + 3, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 1);
    cr_expect_eq(s.rows[0].truncated, 0);
    cr_expect_eq(s.rows[0].lens[0], LNOB_CSV_MAX_FIELD);
    cr_expect_str_eq(s.rows[0].fields[1], "z");
    s_sink_free(&s);
    free(in);
}

Test(csv, nul_byte_keeps_true_length)
{
    static const char in[] = "a\0b,c\n\"q\0\",d\n";
    sink_t s = {0};
    cr_assert_eq(s_parse(in, sizeof in - 1, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 2);
    const crow_t *r = &s.rows[0];
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
    s_sink_free(&s);
}

/* ---- callback stop ---------------------------------------------------------------- */

Test(csv, callback_rc_stops_parse)
{
    static const char in[] = "r1\nr2\nr3\nr4\n";
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        sink_t s = {.stop_at = 2, .stop_rc = LNOB_DROP};
        lnob_csv_t *csv = lnob_csv_new(',', s_collect, &s);
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
        s_sink_free(&s);
    }
}

Test(csv, callback_rc_from_finish)
{
    sink_t s = {.stop_at = 2, .stop_rc = LNOB_ERR};
    lnob_csv_t *csv = lnob_csv_new(',', s_collect, &s);
    cr_assert_not_null(csv);
    cr_assert_eq(lnob_csv_feed(csv, "a\nb", 3), LNOB_OK);
    cr_assert_eq(s.calls, 1);
    cr_expect_eq(lnob_csv_finish(csv), LNOB_ERR);
    cr_expect_eq(s.calls, 2);
    EXPECT_ROW(&s, 1, 2, "b");
    lnob_csv_destroy(&csv);
    s_sink_free(&s);
}

Test(csv, other_delimiter)
{
    sink_t s = {0};
    lnob_csv_t *csv = lnob_csv_new(';', s_collect, &s);
    cr_assert_not_null(csv);
    static const char in[] = "a;b,c;\"d;e\"\n";
    cr_assert_eq(lnob_csv_feed(csv, in, sizeof in - 1), LNOB_OK);
    cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
    cr_assert_eq(s.n, 1);
    EXPECT_ROW(&s, 0, 1, "a", "b,c", "d;e");
    lnob_csv_destroy(&csv);
    s_sink_free(&s);
}

/* Documented as "newline count + 1 if data follows". */
Test(csv, lines_counter)
{
    sink_t s = {0};
    lnob_csv_t *csv = lnob_csv_new(',', s_collect, &s);
    cr_assert_not_null(csv);
    cr_expect_eq(lnob_csv_lines(csv), 0, "no input: 0 lines");
    cr_assert_eq(lnob_csv_feed(csv, "a\nb", 3), LNOB_OK);
    cr_expect_eq(lnob_csv_lines(csv), 2, "\"a\\nb\": 1 newline + data after it");
    cr_assert_eq(lnob_csv_feed(csv, "\n", 1), LNOB_OK);
    cr_expect_eq(lnob_csv_lines(csv), 2, "\"a\\nb\\n\": 2 newlines, nothing after");
    lnob_csv_destroy(&csv);
    s_sink_free(&s);
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
    sink_t s = {0};
    cr_assert_eq(s_parse(in, sizeof in - 1, 0, &s), LNOB_OK);
    cr_assert_eq(s.n, 1);
    lnob_csv_row_t row = s_row_of((const char *const *) s.rows[0].fields, s.rows[0].lens,
                                  s.rows[0].nfields);
    char out[128];
    size_t n = lnob_csv_format_row(&row, ',', out, sizeof out);
    cr_expect_eq(n, sizeof in - 2);
    cr_expect(strncmp(out, in, sizeof in - 2) == 0 && out[n] == '\0', "got '%s'", out);
    s_sink_free(&s);
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
