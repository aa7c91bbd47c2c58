/* input_test.c - reading an input file (sources/kit/input.h): gzip content fed
 * and hashed as the plain file, spreadsheets and directories refused by
 * name, a file that changes while or after it is read failing as
 * FILE_CHANGED. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "input.h"
#include "lnob/mem.h"
#include "lnob/rc.h"

#define BIG (3u * LNOB_INPUT_CHUNK + 12345) /* content over several chunks */

static char s_dir[64];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/lnob-input-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(input, .init = s_setup, .fini = s_teardown);

/* ---- helpers ---------------------------------------------------------------- */

static char *s_path(const char *name)
{
    char *p = lnob_malloc(256);
    snprintf(p, 256, "%s/%s", s_dir, name);
    return p;
}

static void s_write(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(buf, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/* Appends buf[0..n) to path as one gzip member. */
static void s_gz_member(const char *path, const char *buf, size_t n)
{
    gzFile g = gzopen(path, "ab");
    cr_assert_not_null(g);
    cr_assert_eq(gzwrite(g, buf, (unsigned) n), (int) n);
    cr_assert_eq(gzclose(g), Z_OK);
}

/* Deterministic CSV-like text of n bytes. */
static char *s_text(size_t n)
{
    char *t = lnob_malloc(n);
    for (size_t i = 0; i < n; i++)
        t[i] = i % 61 == 60 ? '\n' : (char) ('a' + (i * 7 + i / 61) % 26);
    return t;
}

/* What a read fed: every byte, in order. */
typedef struct {
    char *buf;
    size_t n, cap;
    size_t calls;
    const char *cut;  /* when set: cut this file to half after the first chunk */
} fed_t;

static int s_collect(void *arg, const char *chunk, size_t n)
{
    fed_t *f = arg;
    lnob_grow((void **) &f->buf, &f->cap, f->n + n, 1);
    memcpy(f->buf + f->n, chunk, n);
    f->n += n;
    if (f->cut && f->calls++ == 0) {
        struct stat st;
        cr_assert_eq(stat(f->cut, &st), 0);
        cr_assert_eq(truncate(f->cut, st.st_size / 2), 0);
    }
    return LNOB_OK;
}

/* Reads path expecting LNOB_ERR with reason and exactly err. */
static void s_expect_fail(const char *path, const lnob_input_sum_t *expect, fed_t *fed, const char *reason,
                          const char *err)
{
    char got[LNOB_ERRSTR_MAX];
    const char *why = "(none)";
    lnob_input_sum_t sum;
    int rc = lnob_input_read(path, fed ? s_collect : NULL, fed, &sum, expect, &why, got, sizeof got);
    cr_assert_eq(rc, LNOB_ERR, "%s: rc %d", path, rc);
    cr_expect_str_eq(why, reason);
    cr_expect_str_eq(got, err);
}

/* ---- gzip ------------------------------------------------------------------- */

Test(input, gzip_content_is_fed_and_hashed_as_the_plain_file)
{
    char *text = s_text(BIG), *plain = s_path("x.csv"), *gz = s_path("x.csv.gz");
    s_write(plain, text, BIG);
    s_gz_member(gz, text, BIG / 3); /* two members, as `cat a.gz b.gz` makes */
    s_gz_member(gz, text + BIG / 3, BIG - BIG / 3);
    lnob_input_sum_t a, b;
    fed_t fa = {0}, fb = {0};
    const char *why = NULL;
    char err[LNOB_ERRSTR_MAX];
    cr_assert_eq(lnob_input_read(plain, s_collect, &fa, &a, NULL, &why, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(lnob_input_read(gz, s_collect, &fb, &b, NULL, &why, err, sizeof err), LNOB_OK, "%s", err);
    cr_assert_eq(fb.n, BIG);
    cr_assert(memcmp(fb.buf, text, BIG) == 0, "the gzip content fed as it is");
    cr_assert_eq(fa.n, BIG);
    cr_expect_str_eq(b.hex, a.hex, "the same content, the same sha256");
    cr_expect_eq(b.bytes, BIG, "bytes of content, not of the gzip file");
    struct stat st;
    cr_assert_eq(stat(gz, &st), 0);
    cr_expect_lt((size_t) st.st_size, BIG);
    free(fa.buf);
    free(fb.buf);
    free(text);
    free(plain);
    free(gz);
}

Test(input, broken_gzip_is_unreadable)
{
    char *text = s_text(BIG), *gz = s_path("cut.csv.gz"), *bad = s_path("bad.csv.gz");
    s_gz_member(gz, text, BIG);
    struct stat st;
    cr_assert_eq(stat(gz, &st), 0);
    cr_assert_eq(truncate(gz, st.st_size / 2), 0);
    char want[512];
    snprintf(want, sizeof want, "%s: the gzip data ends early", gz);
    s_expect_fail(gz, NULL, NULL, "UNREADABLE", want);
    s_write(bad, "\x1f\x8b\x08\x00garbage that is no deflate stream at all", 43);
    snprintf(want, sizeof want, "%s: not valid gzip data: invalid code lengths set", bad);
    s_expect_fail(bad, NULL, NULL, "UNREADABLE", want);
    free(text);
    free(gz);
    free(bad);
}

/* ---- what is not a CSV file ------------------------------------------------------ */

Test(input, spreadsheets_and_directories_are_refused_by_name)
{
    char *xlsx = s_path("book.xlsx"), *xls = s_path("book.xls"), *dir = s_path("exports"), want[512];
    s_write(xlsx, "PK\x03\x04\x14\x00\x06\x00", 8);
    snprintf(want, sizeof want, "%s is a zip file (an xlsx or ods spreadsheet?): save it as CSV (UTF-8)", xlsx);
    s_expect_fail(xlsx, NULL, NULL, "NOT_CSV", want);
    s_write(xls, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", 10);
    snprintf(want, sizeof want, "%s is an Excel 97-2003 workbook (xls): save it as CSV (UTF-8)", xls);
    s_expect_fail(xls, NULL, NULL, "NOT_CSV", want);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(want, sizeof want, "%s is a directory", dir);
    s_expect_fail(dir, NULL, NULL, "UNREADABLE", want);
    free(xlsx);
    free(xls);
    free(dir);
}

/* ---- a file that changes ---------------------------------------------------------- */

Test(input, a_file_cut_while_it_is_read_fails_as_file_changed)
{
    char *text = s_text(BIG), *path = s_path("cut.csv"), want[512];
    s_write(path, text, BIG);
    fed_t fed = {.cut = path};
    snprintf(want, sizeof want, "%s changed while it was read (size, mtime or inode)", path);
    s_expect_fail(path, NULL, &fed, "FILE_CHANGED", want);
    cr_expect_eq(fed.n, LNOB_INPUT_CHUNK, "nothing read after the change");
    free(fed.buf);
    free(text);
    free(path);
}

Test(input, a_second_read_is_held_to_the_first)
{
    char *text = s_text(BIG), *path = s_path("again.csv"), want[512], err[LNOB_ERRSTR_MAX];
    s_write(path, text, BIG);
    lnob_input_sum_t first;
    const char *why = NULL;
    cr_assert_eq(lnob_input_read(path, NULL, NULL, &first, NULL, &why, err, sizeof err), LNOB_OK);
    /* unchanged: the same read again */
    fed_t fed = {0};
    cr_assert_eq(lnob_input_read(path, s_collect, &fed, NULL, &first, &why, err, sizeof err), LNOB_OK, "%s", err);
    cr_expect_eq(fed.n, BIG);
    free(fed.buf);
    /* rewritten longer: another stamp */
    char *longer = s_text(BIG + 1);
    s_write(path, longer, BIG + 1);
    free(longer);
    snprintf(want, sizeof want, "%s changed since it was first read (size, mtime or inode)", path);
    s_expect_fail(path, &first, NULL, "FILE_CHANGED", want);
    text[10] = '#';
    s_write(path, text, BIG);
    struct timespec old[2] = {{0, UTIME_OMIT}, {(time_t) (first.stamp.mtime_ns / 1000000000),
                                                 (long) (first.stamp.mtime_ns % 1000000000)}};
    /* the same size, inode and mtime, other bytes: the sha256 tells */
    cr_assert_eq(utimensat(AT_FDCWD, path, old, 0), 0);
    snprintf(want, sizeof want, "%s changed since it was first read (another sha256)", path);
    s_expect_fail(path, &first, NULL, "FILE_CHANGED", want);
    free(text);
    free(path);
}
