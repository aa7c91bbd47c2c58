/* malformed_test.c - every file of the malformed-input corpus is accounted
 * for: rows read = accepted + quarantined, each rejected row with its line,
 * reason and field, each flagged field of a row kept the same way (marked
 * ":kept"), or the whole extract failed with its reason. Each file
 * is fed whole, byte by byte and in 7-byte pieces: the outcome must not
 * depend on how the bytes arrive. The corpus and its expectations are in
 * tests/data/malformed/ (EXPECTED). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"
#include "lnob/geo.h"
#include "lnob/mem.h"
#include "silc.h"

#define DIR LNOB_SOURCE_DIR "/tests/data/malformed/"
#define CHECKSUM "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static lnob_geo_t *s_geo;

static void s_init(void) { s_geo = lnob_geo_new(); }
static void s_fini(void) { lnob_geo_destroy(&s_geo); }

TestSuite(malformed, .init = s_init, .fini = s_fini);

typedef struct {
    uint64_t accepted, rejected;
    char rejects[4096]; /* "line:REASON:field " for each, ":kept" added for a flagged field */
} outcome_t;

static int s_emit(void *arg, Lnob__V1__Batch *b)
{
    outcome_t *o = arg;
    o->accepted += b->record_count;
    for (size_t i = 0; i < b->n_rejects; i++) {
        const Lnob__V1__Reject *r = b->rejects[i];
        size_t n = strlen(o->rejects);
        snprintf(o->rejects + n, sizeof o->rejects - n, "%llu:%s:%s%s ", (unsigned long long) r->line,
                 r->reason, *r->field ? r->field : "-", r->kept ? ":kept" : "");
        o->rejected += r->kept == 0;
    }
    return LNOB_OK;
}

/* Feeds buf in pieces of chunk bytes (0: whole); returns the parser's rc
 * and fills o, read and reason. */
static int s_feed(const char *buf, size_t len, size_t chunk, outcome_t *o, uint64_t *read,
                  char *reason, size_t cap)
{
    memset(o, 0, sizeof *o);
    lnob_silc_opts_t opts = {.source = "corpus.csv", .checksum = CHECKSUM, .run_id = "test",
                            .batch_size = 2, .geo = s_geo, .emit = s_emit, .arg = o};
    lnob_silc_t *p = lnob_silc_new(&opts);
    int rc = LNOB_OK;
    size_t step = chunk ? chunk : (len ? len : 1);
    for (size_t off = 0; off < len && rc == LNOB_OK; off += step)
        rc = lnob_silc_feed(p, buf + off, len - off < step ? len - off : step);
    if (rc == LNOB_OK)
        rc = lnob_silc_finish(p);
    *read = lnob_silc_rows_read(p);
    snprintf(reason, cap, "%s", rc == LNOB_OK ? "" : lnob_silc_reason(p));
    lnob_silc_destroy(&p);
    return rc;
}

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t) ftell(f);
    rewind(f);
    char *buf = lnob_malloc(*len + 1);
    cr_assert_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

/* Checks one manifest line against the parser, in three chunkings. */
static void s_check(const char *line)
{
    char file[128], want[512] = "";
    int n = 0;
    cr_assert_eq(sscanf(line, "%127s %n", file, &n), 1, "bad manifest line: %s", line);
    snprintf(want, sizeof want, "%s", line + n);
    want[strcspn(want, "\n")] = '\0';
    char path[512];
    snprintf(path, sizeof path, DIR "%s", file);
    size_t len;
    char *buf = s_slurp(path, &len);
    const size_t chunks[] = {0, 1, 7};
    for (size_t c = 0; c < 3; c++) {
        outcome_t o;
        uint64_t read;
        char reason[64], got[4600];
        int rc = s_feed(buf, len, chunks[c], &o, &read, reason, sizeof reason);
        if (rc != LNOB_OK)
            snprintf(got, sizeof got, "FAILED:%s", reason);
        else {
            snprintf(got, sizeof got, "%llu %llu %llu %s", (unsigned long long) read,
                     (unsigned long long) o.accepted, (unsigned long long) o.rejected, o.rejects);
            size_t end = strlen(got);
            while (end && got[end - 1] == ' ')
                got[--end] = '\0';
            cr_expect_eq(read, o.accepted + o.rejected, "%s: read %llu != accepted + quarantined",
                         file, (unsigned long long) read);
        }
        cr_expect_str_eq(got, want, "%s (pieces of %zu bytes)", file, chunks[c]);
    }
    free(buf);
}

Test(malformed, every_corpus_file_is_accounted_for)
{
    FILE *f = fopen(DIR "EXPECTED", "r");
    cr_assert_not_null(f);
    char line[1024];
    int files = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#' && line[0] != '\n') {
            s_check(line);
            files++;
        }
    fclose(f);
    cr_assert_geq(files, 10, "the corpus shrank to %d files", files);
}

/* A 1 MB field (made here rather than committed): the row is quarantined
 * as FIELD_TOO_LONG, the rows around it go through. */
Test(malformed, one_megabyte_field)
{
    const char *head = "DB010,DB030,RB030,RB050,HX090,NOTE\n2023,1,101,1.5,500000,ok\n2023,1,102,1.5,500000,";
    const char *tail = "\n2023,1,103,1.5,500000,ok\n";
    size_t big = 1u << 20, len = strlen(head) + big + strlen(tail);
    char *buf = lnob_malloc(len);
    memcpy(buf, head, strlen(head));
    memset(buf + strlen(head), 'x', big);
    memcpy(buf + strlen(head) + big, tail, strlen(tail));
    outcome_t o;
    uint64_t read;
    char reason[64];
    cr_assert_eq(s_feed(buf, len, 4096, &o, &read, reason, sizeof reason), LNOB_OK);
    cr_expect_eq(read, 3);
    cr_expect_eq(o.accepted, 2);
    cr_expect_str_eq(o.rejects, "3:FIELD_TOO_LONG:- ");
    free(buf);
}
