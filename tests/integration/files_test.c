/* files_test.c - what `lnob run` makes of input files that are not clean
 * CSV: a stray quote, an endless line, a spreadsheet, a directory, gzip,
 * with real workers and a private redis-server: the rejects in the
 * quarantine stream, the extract's status, error and counts in its
 * metadata, and the exit code. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "harness.h"
#include "lnob/csv.h"
#include "lnob/mem.h"

#define RUN_TIMEOUT_S 120
#define GEN_HOUSEHOLDS 2000 /* enough for the rows the tests keep */
#define ROWS 5000           /* data rows of the generated extract */
#define BAD_ROW 1000        /* the row the tests break (on line BAD_ROW + 1) */
#define RAW_MAX 65536

static th_redis_t s_redis;

static void s_setup(void) { th_redis_start(&s_redis); }
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(files, .init = s_setup, .fini = s_teardown, .timeout = 300);

/* ---- helpers ---------------------------------------------------------------- */

/* A path in the test's private dir, owned. */
static char *s_tmp(const char *name)
{
    char *p = lnob_malloc(512);
    snprintf(p, 512, "%s/%s", s_redis.dir, name);
    return p;
}

/* lnob run on path against the test's Redis, its stderr to err_path;
 * returns the exit code. */
static int s_run(const char *path, const char *err_path)
{
    const char *args[] = {"run", "--silc", path, "--redis", s_redis.url, NULL};
    return th_run_logged("lnob", args, NULL, err_path, RUN_TIMEOUT_S);
}

/* Writes to path the header and the first ROWS rows of a generated extract,
 * row BAD_ROW replaced by what edit makes of it (edit gets the row and
 * writes the replacement to f). */
static void s_extract(const char *path, void (*edit)(FILE *f, const char *row))
{
    char *gen = s_tmp("gen.csv");
    th_gen(gen, GEN_HOUSEHOLDS, 1);
    char *text = th_read(gen, NULL);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    char *line = text;
    for (int k = 0; k <= ROWS; k++) {
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "the generated extract has fewer than %d rows", ROWS);
        *nl = '\0';
        if (k == BAD_ROW)
            edit(f, line);
        else
            fprintf(f, "%s\n", line);
        line = nl + 1;
    }
    cr_assert_eq(fclose(f), 0);
    free(text);
    free(gen);
}

/* The reject entries of extract id as "line|reason|field|detail" lines. */
static char *s_rejects(const char *id)
{
    redisReply *q = redisCommand(s_redis.c, "XRANGE lnob:quarantine:%s - +", id);
    cr_assert(q && q->type == REDIS_REPLY_ARRAY);
    size_t cap = 256 + q->elements * 512, n = 0;
    char *out = lnob_malloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < q->elements; i++) {
        const redisReply *f = q->element[i]->element[1];
        const char *line = "", *reason = "", *field = "?", *detail = "";
        for (size_t k = 0; k + 1 < f->elements; k += 2) {
            const char *name = f->element[k]->str, *v = f->element[k + 1]->str;
            line = strcmp(name, "line") ? line : v;
            reason = strcmp(name, "reason") ? reason : v;
            field = strcmp(name, "field") ? field : v;
            detail = strcmp(name, "detail") ? detail : v;
        }
        n += (size_t) snprintf(out + n, cap - n, "%s|%s|%s|%s\n", line, reason, field, detail);
    }
    freeReplyObject(q);
    return out;
}

static void s_assert_meta(const char *id, const char *field, const char *want)
{
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *got = th_hget(s_redis.c, key, field);
    cr_assert_str_eq(got, want, "%s of %s", field, id);
    free(got);
}

/* Asserts extract id is complete with one quarantined row of ROWS, at line
 * BAD_ROW + 1, field "" (the whole row), reason and detail as given. */
static void s_assert_one_reject(const char *id, const char *reason, const char *detail)
{
    char *rej = s_rejects(id);
    char want[256];
    snprintf(want, sizeof want, "%d|%s||%s\n", BAD_ROW + 1, reason, detail);
    cr_assert_str_eq(rej, want);
    s_assert_meta(id, "status", "complete");
    s_assert_meta(id, "rows_read", "5000");
    s_assert_meta(id, "rows_accepted", "4999");
    s_assert_meta(id, "rows_quarantined", "1");
    free(rej);
}

/* ---- broken rows ------------------------------------------------------------ */

/* A quote opening the second field, never closed. */
static void s_stray_quote(FILE *f, const char *row)
{
    const char *comma = strchr(row, ',');
    cr_assert_not_null(comma);
    fprintf(f, "%.*s,\"%s\n", (int) (comma - row), row, comma + 1);
}

Test(files, a_stray_quote_costs_its_row_and_no_other)
{
    char *csv = s_tmp("quote.csv"), *err = s_tmp("quote.err");
    s_extract(csv, s_stray_quote);
    cr_assert_eq(s_run(csv, err), 0);
    char *id = th_only_extract(s_redis.c);
    s_assert_one_reject(id, "BAD_QUOTING", "a quote is left open at the end of the line");
    free(id);
    free(err);
    free(csv);
}

/* Row BAD_ROW's line followed by more fields than a row may hold. */
static void s_endless_commas(FILE *f, const char *row)
{
    fputs(row, f);
    for (int k = 0; k < 4 * LNOB_CSV_MAX_FIELDS; k++)
        fputc(',', f);
    fputc('\n', f);
}

/* Row BAD_ROW's line followed by more bytes than a row may hold. */
static void s_endless_line(FILE *f, const char *row)
{
    fputs(row, f);
    for (unsigned k = 0; k < 3 * LNOB_CSV_MAX_ROW; k++)
        fputc('9', f);
    fputc('\n', f);
}

Test(files, an_overlong_row_costs_its_row_and_no_other)
{
    void (*edits[])(FILE *, const char *) = {s_endless_commas, s_endless_line};
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        char name[32];
        snprintf(name, sizeof name, "long%zu.csv", e);
        char *csv = s_tmp(name), *err = s_tmp("long.err");
        s_extract(csv, edits[e]);
        freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
        cr_assert_eq(s_run(csv, err), 0);
        char *id = th_only_extract(s_redis.c), detail[128];
        snprintf(detail, sizeof detail, "the row has more than %d fields or %u bytes", LNOB_CSV_MAX_FIELDS,
                 LNOB_CSV_MAX_ROW);
        s_assert_one_reject(id, "ROW_TOO_LONG", detail);
        free(id);
        free(err);
        free(csv);
    }
}

/* ---- files that are not CSV ----------------------------------------------------- */

/* lnob run on path must fail, store the extract as failed with error and
 * publish no cell of it. */
static void s_assert_refused(const char *path, const char *error)
{
    char *err = s_tmp("refused.err");
    freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    cr_assert_neq(s_run(path, err), 0, "%s", path);
    char *id = th_only_extract(s_redis.c), *cells = th_snapshot(s_redis.c, id);
    s_assert_meta(id, "status", "failed");
    s_assert_meta(id, "error", error);
    cr_assert_str_eq(cells, "", "nothing of %s published", path);
    free(cells);
    free(id);
    free(err);
}

Test(files, spreadsheets_and_directories_fail_the_extract_by_name)
{
    char *xlsx = s_tmp("survey.xlsx"), *xls = s_tmp("survey.xls"), *dir = s_tmp("exports"), want[512];
    FILE *f = fopen(xlsx, "wb");
    cr_assert_not_null(f);
    fputs("PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", f);
    cr_assert_eq(fclose(f), 0);
    snprintf(want, sizeof want, "NOT_CSV: %s is a zip file (an xlsx or ods spreadsheet?): save it as CSV (UTF-8)",
             xlsx);
    s_assert_refused(xlsx, want);
    f = fopen(xls, "wb");
    cr_assert_not_null(f);
    fwrite("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00", 1, 12, f);
    cr_assert_eq(fclose(f), 0);
    snprintf(want, sizeof want, "NOT_CSV: %s is an Excel 97-2003 workbook (xls): save it as CSV (UTF-8)", xls);
    s_assert_refused(xls, want);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(want, sizeof want, "UNREADABLE: %s is a directory", dir);
    s_assert_refused(dir, want);
    free(xlsx);
    free(xls);
    free(dir);
}

/* Writes the whole file at from to to as gzip. */
static void s_gzip(const char *from, const char *to)
{
    size_t n;
    char *text = th_read(from, &n);
    gzFile g = gzopen(to, "wb");
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, text, (unsigned) n), (int) n);
    cr_assert_eq(gzclose(g), Z_OK);
    free(text);
}

static void s_keep(FILE *f, const char *row) { fprintf(f, "%s\n", row); }

Test(files, a_gzip_file_is_its_content_with_the_same_extract_id)
{
    char *csv = s_tmp("silc.csv"), *gz = s_tmp("silc.csv.gz"), *err = s_tmp("gz.err");
    s_extract(csv, s_keep);
    s_gzip(csv, gz);
    cr_assert_eq(s_run(csv, err), 0);
    char *id = th_only_extract(s_redis.c), *plain = th_snapshot(s_redis.c, id);
    freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    cr_assert_eq(s_run(gz, err), 0);
    char *gz_id = th_only_extract(s_redis.c), *packed = th_snapshot(s_redis.c, gz_id);
    cr_assert_str_eq(gz_id, id, "the same content, the same extract");
    cr_assert_str_eq(packed, plain);
    cr_assert_neq(strlen(plain), 0);
    s_assert_meta(gz_id, "rows_read", "5000");
    free(plain);
    free(packed);
    free(gz_id);
    free(id);
    free(err);
    free(gz);
    free(csv);
}
