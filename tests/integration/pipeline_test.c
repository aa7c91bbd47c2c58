/* pipeline_test.c - the real pipeline: lnob-ingest, lnob-transform and
 * lnob-sink processes over ZeroMQ, a private redis-server, real protobuf. */
#include <criterion/criterion.h>
#include <czmq.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/mem.h"
#include "lnob/route.h"
#include "lnob/statfile.h"
#include "sdmx.h"
#include "wire.h"

#define DATA LNOB_SOURCE_DIR "/tests/data/"
#define RUN_TIMEOUT_S 120
#define EXTRACT_ID_CAP 128 /* an extract id, with room */

static th_redis_t s_redis;

static void s_setup(void) { th_redis_start(&s_redis); }
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(pipeline, .init = s_setup, .fini = s_teardown, .timeout = 180);

/* lnob run against the test's Redis; returns the exit code. */
static int s_lnob_run(const char *csv, const char *transformers, const char *batch, const char *out)
{
    const char *args[] = {"run", "--silc", csv, "--redis", s_redis.url, "--transformers",
                          transformers, "--batch-size", batch, "--format", "json", NULL};
    return th_run("lnob", args, out, RUN_TIMEOUT_S);
}

static char *s_tmp(const char *name)
{
    char *p = lnob_malloc(512);
    snprintf(p, 512, "%s/%s", s_redis.dir, name);
    return p;
}

Test(pipeline, redis_holds_exactly_the_cells_computed_in_process)
{
    char *csv = s_tmp("sample.csv");
    th_gen(csv, 600, 7);
    cr_assert_eq(s_lnob_run(csv, "3", "97", NULL), 0);
    char *id = th_only_extract(s_redis.c);
    char *got = th_snapshot(s_redis.c, id);
    char *want = th_in_process(csv, 100000);
    cr_assert_gt(strlen(want), 1000, "in-process result looks empty");
    cr_assert_str_eq(got, want);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *status = th_hget(s_redis.c, key, "status");
    cr_assert_str_eq(status, "complete");
    free(status);
    free(want);
    free(got);
    free(id);
    free(csv);
}

Test(pipeline, one_or_three_transformers_and_any_batch_size_give_identical_cells)
{
    char *csv = s_tmp("sample.csv");
    th_gen(csv, 500, 11);
    cr_assert_eq(s_lnob_run(csv, "1", "1000000", NULL), 0);
    char *id = th_only_extract(s_redis.c);
    char *one = th_snapshot(s_redis.c, id);
    cr_assert_eq(s_lnob_run(csv, "3", "13", NULL), 0);
    char *three = th_snapshot(s_redis.c, id);
    cr_assert_str_eq(one, three);
    /* Re-running the same extract overwrote the same keys and published it
     * again, with the next number; it stays the current official one. */
    cr_assert_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 2);
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 1);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *seq = th_hget(s_redis.c, key, "seq"), *current = th_redis_get(s_redis.c, "lnob:current:silc:official:2023");
    cr_assert_str_eq(seq, "2");
    cr_assert_str_eq(current, id);
    free(seq);
    free(current);
    long long cells = th_int(s_redis.c, "LLEN lnob:extract:%s:cells", id);
    redisReply *keys = redisCommand(s_redis.c, "KEYS lnob:cell:%s:*", id);
    cr_assert_eq((long long) keys->elements, cells);
    freeReplyObject(keys);
    free(one);
    free(three);
    free(id);
    free(csv);
}

/* silc_bad_rows.csv: 2 rows that cannot be placed are quarantined whole
 * (no person id, a short row); 5 rows are kept with a flagged field (spec
 * 1.8). Every entry names its line, reason and field, and says which. */
Test(pipeline, malformed_rows_are_quarantined_with_line_field_and_reason)
{
    setenv("LNOB_MAX_REJECT_SHARE", "100", 1); /* a fixture of bad rows: no ceiling */
    cr_assert_eq(s_lnob_run(DATA "silc_bad_rows.csv", "2", "10", NULL), 0);
    char *id = th_only_extract(s_redis.c);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *read = th_hget(s_redis.c, key, "rows_read");
    char *acc = th_hget(s_redis.c, key, "rows_accepted");
    char *quar = th_hget(s_redis.c, key, "rows_quarantined");
    char *flagged = th_hget(s_redis.c, key, "rows_flagged");
    char *n_fields = th_hget(s_redis.c, key, "fields_flagged");
    char *flags = th_hget(s_redis.c, key, "flags_by_reason");
    char *whole = th_hget(s_redis.c, key, "rejects_by_reason");
    cr_assert_str_eq(read, "86");
    cr_assert_str_eq(quar, "2");
    cr_assert_str_eq(acc, "84");
    cr_assert_str_eq(flagged, "5");
    cr_assert_str_eq(n_fields, "5");
    cr_assert_str_eq(flags, "BAD_CODE=1 BAD_NUMBER=1 MISSING_WEIGHT=1 NEGATIVE_WEIGHT=1 "
                            "UNKNOWN_MUNICIPALITY=1");
    cr_assert_str_eq(whole, "MISSING_ID=1 ROW_WIDTH=1");
    FILE *f = fopen(DATA "silc_bad_rows.expected", "r");
    cr_assert_not_null(f);
    redisReply *q = redisCommand(s_redis.c, "XRANGE lnob:quarantine:%s - +", id);
    cr_assert_eq(q->elements, 7);
    char want[128];
    for (size_t i = 0; fgets(want, sizeof want, f); i++) {
        const redisReply *fields = q->element[i]->element[1];
        char got[128] = "";
        const char *line = "", *reason = "", *field = "", *source = "", *kept = "";
        for (size_t k = 0; k + 1 < fields->elements; k += 2) {
            const char *name = fields->element[k]->str, *v = fields->element[k + 1]->str;
            if (!strcmp(name, "line")) line = v;
            if (!strcmp(name, "reason")) reason = v;
            if (!strcmp(name, "field")) field = v;
            if (!strcmp(name, "source")) source = v;
            if (!strcmp(name, "kept")) kept = v;
        }
        snprintf(got, sizeof got, "%s,%s,%s,%s\n", line, reason, field, kept);
        cr_assert_str_eq(got, want);
        cr_assert(strstr(source, "silc_bad_rows.csv"));
    }
    fclose(f);
    freeReplyObject(q);
    /* The good rows went through. */
    cr_assert_gt(th_int(s_redis.c, "LLEN lnob:extract:%s:cells", id), 6);
    free(read);
    free(acc);
    free(quar);
    free(flagged);
    free(n_fields);
    free(flags);
    free(whole);
    free(id);
}

/* Sums field n of the median cells of a breakdown (all its groups). */
static long long s_sum_n(const char *id, const char *breakdown)
{
    redisReply *keys = redisCommand(s_redis.c, "KEYS lnob:cell:%s:median:%s=*", id, breakdown);
    cr_assert(keys && keys->type == REDIS_REPLY_ARRAY && keys->elements > 0);
    long long n = 0;
    for (size_t i = 0; i < keys->elements; i++) {
        char *v = th_hget(s_redis.c, keys->element[i]->str, "n");
        n += atoll(v);
        free(v);
    }
    freeReplyObject(keys);
    return n;
}

/* A row kept with a flagged field leaves only what needs that field (spec
 * 1.8): of silc_bad_rows.csv's 84 accepted rows, 2 have no valid weight
 * (lines 7, 19) and 1 no valid income (32), so 81 are in the national
 * income cells; of them person 9501 (sex 7, line 77) is in no sex cell and
 * person 9401 (Atlantis, line 62) in no municipality cell: 80 each. */
Test(pipeline, a_row_kept_with_a_flagged_field_is_in_every_cell_but_that_fields)
{
    cr_assert_eq(s_lnob_run(DATA "silc_bad_rows.csv", "2", "10", NULL), 0);
    char *id = th_only_extract(s_redis.c), key[256];
    snprintf(key, sizeof key, "lnob:cell:%s:median:national", id);
    char *n = th_hget(s_redis.c, key, "n");
    cr_assert_str_eq(n, "81");
    cr_assert_eq(s_sum_n(id, "sex"), 80);
    cr_assert_eq(s_sum_n(id, "municipality"), 80);
    cr_assert_eq(s_sum_n(id, "region"), 81, "the region breakdown keeps both");
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *zero = th_hget(s_redis.c, key, "persons_zero_weight");
    char *missing = th_hget(s_redis.c, key, "persons_income_missing");
    cr_assert_str_eq(zero, "2");
    cr_assert_str_eq(missing, "1");
    free(zero);
    free(missing);
    free(n);
    free(id);
}

/* A numeric field of a cell as Redis holds it; where is "national" or
 * "<breakdown>=<group>". */
static double s_field(const char *id, const char *indicator, const char *where, const char *field)
{
    char key[256];
    snprintf(key, sizeof key, "lnob:cell:%s:%s:%s", id, indicator, where);
    char *v = th_hget(s_redis.c, key, field);
    cr_assert(*v, "no %s in %s", field, key);
    double d = strtod(v, NULL);
    free(v);
    return d;
}

static double s_value(const char *id, const char *indicator)
{
    return s_field(id, indicator, "national", "value");
}

/* Spec TV6 as a merged UDB file (deprivation items chosen so that only W3
 * is SMSD, and not SMD), through the real workers. */
Test(pipeline, tv6_work_intensity_and_arope_through_the_workers)
{
    cr_assert_eq(s_lnob_run(DATA "udb_tv6.csv", "2", "2", NULL), 0);
    char *id = th_only_extract(s_redis.c);
    struct { const char *indicator; double want; } tv[] = {
        {"lwi", 36.0}, {"lwi_2020", 300.0 / 1100 * 100}, {"arope", 650.0 / 1450 * 100},
        {"arope_2020", 450.0 / 1450 * 100}, {"smsd", 200.0 / 1450 * 100}, {"smd", 0.0},
        {"arpr", 450.0 / 1450 * 100}, {"arope_arop_lwi", 450.0 / 1450 * 100},
        {"arope_smsd_only", 200.0 / 1450 * 100}, {"arope_arop_only", 0.0},
    };
    for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
        double got = s_value(id, tv[i].indicator);
        cr_assert_float_eq(got, tv[i].want, 1e-9 * (tv[i].want + 1), "%s: %.12g, want %.12g",
                           tv[i].indicator, got, tv[i].want);
    }
    free(id);
}

/* lnob run over the UDB files of dir (a full path) named by which, in that
 * order (e.g. "PHRD"), with extension ext. */
static int s_lnob_run4_in(const char *dir, const char *which, const char *ext,
                          const char *transformers, const char *batch)
{
    char f[4][512];
    const char *args[16] = {"run", "--silc"};
    size_t n = 2;
    for (size_t i = 0; which[i] && i < 4; i++) {
        snprintf(f[i], sizeof f[i], "%s/%c.%s", dir, which[i], ext);
        args[n++] = f[i];
    }
    const char *rest[] = {"--redis", s_redis.url, "--transformers", transformers, "--batch-size", batch, NULL};
    memcpy(args + n, rest, sizeof rest);
    return th_run("lnob", args, NULL, RUN_TIMEOUT_S);
}

/* The same for a directory of tests/data/. */
static int s_lnob_run4(const char *dir, const char *which, const char *transformers, const char *batch)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", DATA, dir);
    return s_lnob_run4_in(path, which, "csv", transformers, batch);
}

/* The extract stored last whose id differs from other (NULL: any). */
static char *s_extract_besides(const char *other)
{
    redisReply *r = redisCommand(s_redis.c, "ZRANGE lnob:extracts 0 -1");
    char *id = NULL;
    for (size_t i = 0; i < r->elements; i++)
        if (!other || strcmp(r->element[i]->str, other) != 0) {
            free(id);
            id = lnob_strdup(r->element[i]->str);
        }
    freeReplyObject(r);
    cr_assert_not_null(id, "no extract besides %s", other ? other : "-");
    return id;
}

Test(pipeline, four_udb_files_in_any_order_give_the_cells_of_the_merged_file)
{
    cr_assert_eq(s_lnob_run(DATA "udb_tv6.csv", "1", "100", NULL), 0);
    char *merged = th_only_extract(s_redis.c);
    cr_assert_eq(s_lnob_run4("udb4_tv6", "PHRD", "3", "2"), 0);
    char *four = s_extract_besides(merged);
    char *want = th_cells_of(s_redis.c, merged), *got = th_cells_of(s_redis.c, four);
    cr_assert_gt(strlen(want), 1000);
    cr_assert_str_eq(got, want);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", four);
    char *join = th_hget(s_redis.c, key, "join");
    cr_assert(strstr(join, "D 4 rows, H 3 rows, R 9 rows, P 8 rows, 1 households without"), "%s", join);
    /* Every input file maps to the extract in the run's index. */
    redisReply *run = redisCommand(s_redis.c, "KEYS lnob:run:*");
    cr_assert_eq(run->elements, 2);
    freeReplyObject(run);
    free(join);
    free(want);
    free(got);
    free(four);
    free(merged);
}

/* One seed of the generator as a full merged file and as four UDB files:
 * the two extracts give the same cells, and the national deprivation, work
 * intensity and AROPE figures are near INSTAT's (SILC 2023: SMSD 34.8 %,
 * LWI 9.3 %, AROPE 42.1 %). */
Test(pipeline, generated_full_and_udb4_files_give_the_same_plausible_cells)
{
    char *full = s_tmp("gen_full.csv"), *dir = s_tmp("gen_udb4"), *dta = s_tmp("gen_dta");
    th_gen_as(full, 3000, 7, "full");
    th_gen_as(dir, 3000, 7, "udb4");
    th_gen_as(dta, 3000, 7, "dta");
    cr_assert_eq(s_lnob_run(full, "1", "1000", NULL), 0);
    char *merged = th_only_extract(s_redis.c);
    cr_assert_eq(s_lnob_run4_in(dir, "RPDH", "csv", "3", "97"), 0);
    char *four = s_extract_besides(merged);
    char *want = th_cells_of(s_redis.c, merged), *got = th_cells_of(s_redis.c, four);
    cr_assert_gt(strlen(want), 10000);
    cr_assert_str_eq(got, want, "1 transformer, merged vs 3 transformers, four files");
    cr_assert_eq(s_lnob_run4_in(dta, "DHRP", "dta", "2", "500"), 0);
    redisReply *ids = redisCommand(s_redis.c, "ZRANGE lnob:extracts 0 -1");
    cr_assert_eq(ids->elements, 3);
    for (size_t i = 0; i < ids->elements; i++) {
        char *cells = th_cells_of(s_redis.c, ids->element[i]->str);
        cr_assert_str_eq(cells, want, "extract %s", ids->element[i]->str);
        free(cells);
    }
    freeReplyObject(ids);
    free(dta);
    struct { const char *indicator; double lo, hi; } band[] = {
        {"smsd", 25, 45}, {"lwi", 5, 14}, {"arope", 32, 52}, {"arpr", 16, 23}};
    for (size_t i = 0; i < sizeof band / sizeof band[0]; i++) {
        double v = s_value(merged, band[i].indicator);
        cr_log_info("%s %.2f", band[i].indicator, v);
        cr_expect(v >= band[i].lo && v <= band[i].hi, "%s %.2f outside [%g, %g]",
                  band[i].indicator, v, band[i].lo, band[i].hi);
    }
    free(want);
    free(got);
    free(four);
    free(merged);
    free(dir);
    free(full);
}

/* The quarantine entries of an extract as "file:line:reason:field" lines. */
static char *s_quarantine_lines(const char *id)
{
    redisReply *q = redisCommand(s_redis.c, "XRANGE lnob:quarantine:%s - +", id);
    char *out = lnob_calloc(1, 8192);
    for (size_t i = 0; i < q->elements; i++) {
        const redisReply *f = q->element[i]->element[1];
        const char *v[4] = {"", "", "", ""}, *names[4] = {"source", "line", "reason", "field"};
        for (size_t k = 0; k + 1 < f->elements; k += 2)
            for (int j = 0; j < 4; j++)
                if (!strcmp(f->element[k]->str, names[j]))
                    v[j] = f->element[k + 1]->str;
        const char *base = strrchr(v[0], '/') ? strrchr(v[0], '/') + 1 : v[0];
        size_t len = strlen(out);
        snprintf(out + len, 8192 - len, "%s:%s:%s:%s\n", base, v[1], v[2], v[3]);
    }
    freeReplyObject(q);
    return out;
}

Test(pipeline, merged_files_of_one_year_are_said_to_be_separate_national_extracts)
{
    char *a = s_tmp("a.csv"), *b = s_tmp("b.csv"), *err = s_tmp("err.txt");
    th_gen(a, 60, 1);
    th_gen(b, 60, 2);
    const char *args[] = {"run", "--silc", a, b, "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run_logged("lnob", args, NULL, err, RUN_TIMEOUT_S), 0);
    char *text = th_read(err, NULL);
    cr_assert(strstr(text, "2 merged SILC files are of 2023"), "%s", text);
    cr_assert(strstr(text, "each becomes its own national extract of 2023"), "%s", text);
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 2);
    free(text);
    free(a);
    free(b);
    free(err);
}

/* th_snapshot of id with the id taken out, so two extracts compare. */
static char *s_cells_without_id(const char *id)
{
    char *snap = th_snapshot(s_redis.c, id), *out = lnob_calloc(1, strlen(snap) + 1), *o = out;
    size_t n = strlen(id);
    for (const char *p = snap; *p;)
        if (!strncmp(p, id, n))
            p += n;
        else
            *o++ = *p++;
    free(snap);
    return out;
}

/* Writes the header and data rows [from, to) of the lines of text to path. */
static void s_write_rows(const char *path, char **lines, size_t from, size_t to)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fprintf(f, "%s\n", lines[0]);
    for (size_t i = from; i < to; i++)
        fprintf(f, "%s\n", lines[i]);
    fclose(f);
}

/* A year delivered in two merged files, cut at a household: --combine
 * reads them as one extract with the cells of the whole file; a second
 * file with another header row fails it (HEADER_MISMATCH). */
Test(pipeline, combine_reads_merged_files_of_a_year_as_one_extract)
{
    char *whole = s_tmp("whole.csv"), *a = s_tmp("a.csv"), *b = s_tmp("b.csv"), *c = s_tmp("c.csv");
    th_gen(whole, 200, 9);
    char *text = th_read(whole, NULL), **lines = lnob_calloc(4096, sizeof *lines);
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < 4096; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    size_t mid = n / 2; /* DB030 is the second column: move to a household's first row */
    while (!strncmp(strchr(lines[mid], ','), strchr(lines[mid - 1], ','),
                    (size_t) (strchr(strchr(lines[mid], ',') + 1, ',') - strchr(lines[mid], ','))))
        mid++;
    s_write_rows(a, lines, 1, mid);
    s_write_rows(b, lines, mid, n);
    cr_assert_eq(s_lnob_run(whole, "2", "100", NULL), 0);
    const char *args[] = {"run", "--silc", a, b, "--combine", "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run("lnob", args, NULL, RUN_TIMEOUT_S), 0);
    char *id_whole = th_extract_of_source(s_redis.c, whole);
    char *id_ab = th_extract_of_source(s_redis.c, a), *id_b = th_extract_of_source(s_redis.c, b);
    cr_assert_str_eq(id_ab, id_b, "both files: one extract");
    cr_assert_str_neq(id_ab, id_whole);
    char *want = s_cells_without_id(id_whole), *got = s_cells_without_id(id_ab);
    cr_assert_str_eq(got, want, "the cells of the whole file");
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id_ab);
    char *rows = th_hget(s_redis.c, key, "rows_read");
    cr_assert_eq(atol(rows), (long) n - 1);
    *strrchr(lines[0], ',') = '\0'; /* c: a column fewer */
    s_write_rows(c, lines, mid, n);
    const char *bad[] = {"run", "--silc", a, c, "--combine", "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run("lnob", bad, NULL, RUN_TIMEOUT_S), 1);
    char *id_ac = th_extract_of_source(s_redis.c, c);
    snprintf(key, sizeof key, "lnob:extract:%s", id_ac);
    char *error = th_hget(s_redis.c, key, "error");
    cr_assert(!strncmp(error, "HEADER_MISMATCH: ", 17) && strstr(error, "c.csv does not have the header row"),
              "%s", error);
    free(error);
    free(id_ac);
    free(rows);
    free(want);
    free(got);
    free(id_whole);
    free(id_ab);
    free(id_b);
    free(lines);
    free(text);
    free(whole);
    free(a);
    free(b);
    free(c);
}

/* Two of the 86 rows of silc_bad_rows.csv are quarantined whole (2.33 %)
 * and five are kept with a flagged field, which the ceiling does not
 * count: above a ceiling of 2 % the extract fails with the counts, its
 * quarantine is stored and no cell is; the default 5 % lets it through. */
Test(pipeline, more_rejects_than_the_ceiling_fail_the_extract_and_publish_no_cell)
{
    setenv("LNOB_MAX_REJECT_SHARE", "2", 1);
    cr_assert_eq(s_lnob_run(DATA "silc_bad_rows.csv", "2", "10", NULL), 1);
    char *id = th_only_extract(s_redis.c);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *status = th_hget(s_redis.c, key, "status"), *error = th_hget(s_redis.c, key, "error");
    cr_assert_str_eq(status, "failed");
    cr_assert_str_eq(error, "TOO_MANY_REJECTS: 2 of 86 rows read were quarantined (2.33 %), above "
                            "--max-reject-share 2 %; no cell is published, the quarantine is stored");
    cr_assert_eq(th_int(s_redis.c, "XLEN lnob:quarantine:%s", id), 7, "2 rows and 5 flagged fields");
    cr_assert_eq(th_int(s_redis.c, "EXISTS lnob:extract:%s:cells", id), 0);
    cr_assert_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 0, "a failed extract is not announced");
    unsetenv("LNOB_MAX_REJECT_SHARE");
    cr_assert_eq(s_lnob_run(DATA "silc_bad_rows.csv", "2", "10", NULL), 0);
    free(status);
    status = th_hget(s_redis.c, key, "status");
    cr_assert_str_eq(status, "complete");
    cr_assert_gt(th_int(s_redis.c, "LLEN lnob:extract:%s:cells", id), 0);
    free(status);
    free(error);
    free(id);
}

Test(pipeline, udb_join_problems_are_quarantined_by_file_and_the_good_households_go_through)
{
    setenv("LNOB_MAX_REJECT_SHARE", "100", 1); /* a fixture of bad rows: no ceiling */
    cr_assert_eq(s_lnob_run4("udb4_bad", "DHRP", "2", "3"), 0);
    char *id = th_only_extract(s_redis.c);
    char *q = s_quarantine_lines(id);
    cr_assert_str_eq(q, "H.csv:5:ORPHAN_HOUSEHOLD:HB030\n"
                        "D.csv:6:DUPLICATE_KEY:DB030\n"
                        "H.csv:6:HOUSEHOLD_SIZE:HX040\n" /* the household's D and H rows go with it */
                        "D.csv:7:ORPHAN_HOUSEHOLD:DB030\n"
                        "D.csv:8:HOUSEHOLD_SIZE:DB030\n"
                        "P.csv:10:ORPHAN_PERSON:PB030\n"
                        "R.csv:11:ORPHAN_HOUSEHOLD:RB040\n"
                        "P.csv:11:DUPLICATE_KEY:PB030\n"
                        "R.csv:12:YEAR_MISMATCH:RB010\n"
                        "R.csv:13:HOUSEHOLD_SIZE:HX040\n"
                        "R.csv:14:HOUSEHOLD_SIZE:HX040\n"
                        "R.csv:15:BAD_CODE:HS060\n"); /* flagged: person 801 is kept */
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *by = th_hget(s_redis.c, key, "rejects_by_reason");
    cr_assert_str_eq(by, "DUPLICATE_KEY=2 HOUSEHOLD_SIZE=4 ORPHAN_HOUSEHOLD=3 "
                         "ORPHAN_PERSON=1 YEAR_MISMATCH=1");
    char *flags = th_hget(s_redis.c, key, "flags_by_reason");
    cr_assert_str_eq(flags, "BAD_CODE=1");
    free(flags);
    char *read = th_hget(s_redis.c, key, "rows_read"), *acc = th_hget(s_redis.c, key, "rows_accepted");
    cr_assert_str_eq(read, "21");
    cr_assert_str_eq(acc, "10");
    char *headers = th_hget(s_redis.c, key, "headers");
    cr_assert_str_eq(headers, "D,DB010,DB020,DB030,DB040,DB100,DB135\n"
                              "H,HB010,HB020,HB030,HX040,HX090,HY010,HS060,HS040,HS050,HH050,HS011,"
                              "HS021,HS031,HS110,HD080,HS070,HS080,HS100\n"
                              "R,RB010,RB020,RB030,RB040,RB050,RB090,RB110,RX010\n"
                              "P,PB010,PB020,PB030,PD020,PD030,PD050,PD060,PD070,PD080,PL032,PL060,"
                              "PL073,PL074,PL075,PL076,PY100G,PH030,PH030_F\n");
    free(headers);
    /* The three TV6 households are whole and give TV6's LWI. Person 801
     * (household 8, HS060 7: flagged, kept; weight 100, HX090 5000, no P row)
     * is AROP (ARPT60 stays 0.6 x 10000: the median weight 775 of 1550 is
     * still at 10000) and has no WI-eligible member: AROPE (450 + 200 + 100) /
     * (1450 + 100), LWI unchanged. */
    cr_assert_float_eq(s_value(id, "lwi"), 36.0, 1e-9);
    cr_assert_float_eq(s_value(id, "arope"), 750.0 / 1550 * 100, 1e-9);
    free(read);
    free(acc);
    free(by);
    free(q);
    free(id);
}

Test(pipeline, two_years_of_udb_files_in_one_run_are_two_extracts)
{
    char f[8][512];
    const char *args[16] = {"run", "--silc"};
    for (int i = 0; i < 8; i++) {
        snprintf(f[i], sizeof f[i], "%sudb4_tv6%s/%c.csv", DATA, i % 2 ? "_2022" : "", "DHRP"[i / 2]);
        args[2 + i] = f[i];
    }
    const char *rest[] = {"--redis", s_redis.url, "--transformers", "2", NULL};
    memcpy(args + 10, rest, sizeof rest);
    cr_assert_eq(th_run("lnob", args, NULL, RUN_TIMEOUT_S), 0);
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 2);
    char *a = s_extract_besides(NULL), *b = s_extract_besides(a);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", a);
    char *pa = th_hget(s_redis.c, key, "period");
    snprintf(key, sizeof key, "lnob:extract:%s", b);
    char *pb = th_hget(s_redis.c, key, "period");
    cr_assert(strcmp(pa, pb) != 0 && (!strcmp(pa, "2022") || !strcmp(pb, "2022")), "%s %s", pa, pb);
    cr_assert_float_eq(s_value(a, "arope"), s_value(b, "arope"), 1e-12);
    free(pa);
    free(pb);
    free(a);
    free(b);
}

Test(pipeline, a_udb_set_without_an_h_file_fails_with_a_reason)
{
    cr_assert_neq(s_lnob_run4("udb4_tv6", "DRP", "1", "100"), 0);
    char *id = th_only_extract(s_redis.c);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *error = th_hget(s_redis.c, key, "error");
    cr_assert(strstr(error, "MISSING_FILE") && strstr(error, "no H file"), "%s", error);
    free(error);
    free(id);
}

Test(pipeline, sdmx_csv_from_run_and_from_export_agree_with_redis)
{
    char *csv = s_tmp("sample.csv"), *run_out = s_tmp("run.sdmx"), *exp_out = s_tmp("export.sdmx");
    th_gen(csv, 600, 5);
    const char *args[] = {"run", "--silc", csv, "--redis", s_redis.url, "--format", "sdmx-csv", NULL};
    cr_assert_eq(th_run("lnob", args, run_out, RUN_TIMEOUT_S), 0);
    char *id = th_only_extract(s_redis.c);
    const char *exp[] = {"export", "--extract", id, "--redis", s_redis.url, "--out", exp_out, NULL};
    cr_assert_eq(th_run("lnob", exp, NULL, RUN_TIMEOUT_S), 0);
    char *a = th_read(run_out, NULL), *b = th_read(exp_out, NULL);
    cr_assert_str_eq(a, b);
    cr_assert(!strncmp(a, "STRUCTURE,STRUCTURE_ID,ACTION,freq,statinfo,rskpovth,", 53), "%.80s", a);
    char key[256], want[256];
    snprintf(key, sizeof key, "lnob:cell:%s:arpr:national", id);
    char *v = th_hget(s_redis.c, key, "value");
    snprintf(want, sizeof want, "\ndataflow,ESTAT:ILC_LI02(1.0),I,A,MED_EI,B_60,,PC,T,TOTAL,AL,2023,%s,\n", v);
    cr_assert(strstr(a, want), "no national AROP row %s in\n%.400s", want, a);
    free(v);
    free(a);
    free(b);
    free(id);
    free(exp_out);
    free(run_out);
    free(csv);
}

/* The same file's PH030 (N2 flagged -1, M4 aged 10) and DB100, and the
 * household types the transformers derive (W1 13, W2 10, W3 7). */
Test(pipeline, udb_breakdowns_through_the_workers)
{
    cr_assert_eq(s_lnob_run(DATA "udb_tv6.csv", "2", "2", NULL), 0);
    char *id = th_only_extract(s_redis.c);
    struct {
        const char *where;
        double n, weight, arpr;
    } tv[] = {
        {"gali=1", 2, 350, 100.0 * 150 / 350},       /* M1, N1 */
        {"gali=2", 2, 300, 0.0},                     /* M2, Q1 */
        {"gali=1_2", 4, 650, 100.0 * 150 / 650},     /* M1, M2, N1, Q1 */
        {"gali=3", 3, 450, 100.0 * 150 / 450},       /* M3, N3, Q2 */
        {"degurba=2", 3, 450, 100.0},                /* W2 */
        {"hhtype=10", 3, 450, 100.0},                /* W2 */
        {"hhtype=HH_DEP", 7, 1250, 100.0 * 450 / 1250}, /* W1, W2 */
        {"hhtype=HH_NODEP", 2, 200, 0.0},            /* W3 */
        {"age_b=16-24", 2, 350, 100.0 * 150 / 350},  /* M3 20, N3 17 */
    };
    for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
        cr_expect_eq(s_field(id, "arpr", tv[i].where, "n"), tv[i].n, "%s n", tv[i].where);
        cr_expect_float_eq(s_field(id, "arpr", tv[i].where, "weight"), tv[i].weight, 1e-9,
                           "%s weight", tv[i].where);
        double got = s_field(id, "arpr", tv[i].where, "value");
        cr_expect_float_eq(got, tv[i].arpr, 1e-9 * (tv[i].arpr + 1), "%s arpr %.12g, want %.12g",
                           tv[i].where, got, tv[i].arpr);
    }
    free(id);
}

Test(pipeline, the_unverified_settings_reach_the_transformers_and_the_metadata)
{
    setenv("LNOB_FT_HOURS", "40", 1);
    setenv("LNOB_PENSION_ANY", "PY100G", 1);
    setenv("LNOB_AGE_WI", "int", 1);
    setenv("LNOB_AGE_BRK", "irp", 1);
    int rc = s_lnob_run(DATA "udb_tv6.csv", "2", "3", NULL);
    unsetenv("LNOB_FT_HOURS");
    unsetenv("LNOB_PENSION_ANY");
    unsetenv("LNOB_AGE_WI");
    unsetenv("LNOB_AGE_BRK");
    cr_assert_eq(rc, 0);
    char *id = th_only_extract(s_redis.c), key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *settings = th_hget(s_redis.c, key, "settings");
    cr_assert_str_eq(settings, "LWI_STRICT=0 CHILD_RULE_HALF=1 MAIN_SHARE=0.5 FT_HOURS=40 "
                               "PENSION_ANY=PY100G PENSION_MAIN=PY100G,PY110G,PY130G,PY080G "
                               "AGE_EQ=IRP AGE_WI=INT AGE_BRK=IRP BOTTOM_CODE_ZERO=0");
    free(settings);
    free(id);
}

/* Spec TV1 as D, H and R files with HY020 and the members' ages but no
 * HX050 or HX090 (tests/data/udb4_tv1): the transformers derive HX050 by the
 * modified OECD scale (§1.4) and give TV1's figures. H4's child p42 is 13
 * at the end of the income year (RX020, TV1's age) and 14 at the interview
 * (RX010): with AGE_EQ=INT he weighs 0.5, HX050 is 1.5 and H4's x 3640/1.5 =
 * 2426.67, computed by hand (with exact fractions): mean 5185.333..., RMPG
 * 100 x (3000 - 2426.67) / 3000 = 19.111..., Gini 18.1614811005, S80/S20
 * 16000 / 4853.33 = 3.2967; the median, threshold and rate stay. */
Test(pipeline, tv1_without_hx050_derives_it_and_age_eq_chooses_the_age)
{
    struct { const char *indicator; double tv1, age_eq_int; } tv[] = {
        {"median", 5000, 5000}, {"arpt", 3000, 3000}, {"arpr", 20.0, 20.0},
        {"mean", 5260, 15556.0 / 3}, {"rmpg", 100.0 * 200 / 3000, 100.0 * (3000 - 7280.0 / 3) / 3000},
        {"gini", 100.0 * ((666800.0 - 52600) / 526000 - 1), 100.0 * 282520 / 1555600},
        {"qsr", 16000.0 / 5600, 16000.0 / (14560.0 / 3)},
    };
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            setenv("LNOB_AGE_EQ", "int", 1);
        cr_assert_eq(s_lnob_run4("udb4_tv1", "DHR", "2", "3"), 0);
        unsetenv("LNOB_AGE_EQ");
        char *id = th_only_extract(s_redis.c), key[256];
        for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
            double want = pass ? tv[i].age_eq_int : tv[i].tv1, got = s_value(id, tv[i].indicator);
            cr_assert_float_eq(got, want, 1e-9 * (want + 1), "%s (AGE_EQ=%s): %.12g, want %.12g",
                               tv[i].indicator, pass ? "INT" : "IRP", got, want);
        }
        snprintf(key, sizeof key, "lnob:extract:%s", id);
        char *notes = th_hget(s_redis.c, key, "notes"), *settings = th_hget(s_redis.c, key, "settings");
        cr_assert(strstr(notes, "HX050 derived by the modified OECD scale"), "%s", notes);
        cr_assert(strstr(settings, pass ? "AGE_EQ=INT" : "AGE_EQ=IRP"), "%s", settings);
        free(notes);
        free(settings);
        free(id);
        freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    }
}

/* Writes the .sav or .dta twin (ext) of tests/data/<dir>/<f>.csv into the
 * test's temp dir; returns its path, owned. */
static char *s_twin(const char *dir, char f, const char *ext)
{
    char src[512], name[64];
    snprintf(src, sizeof src, "%s%s/%c.csv", DATA, dir, f);
    snprintf(name, sizeof name, "%s_%c.%s", dir, f, ext);
    char *out = s_tmp(name), err[256];
    FILE *csv = fopen(src, "rb");
    cr_assert_not_null(csv, "%s", src);
    cr_assert_eq(lnob_statfile_write_csv(csv, out, 0, err, sizeof err), LNOB_OK, "%s", err);
    fclose(csv);
    return out;
}

/* lnob run over the SPSS or Stata twins of a four-file set; the extract id. */
static char *s_run_twins(const char *dir, const char *ext, const char *transformers)
{
    char *f[4];
    const char *args[16] = {"run", "--silc"};
    for (int i = 0; i < 4; i++)
        args[2 + i] = f[i] = s_twin(dir, "DHRP"[i], ext);
    const char *rest[] = {"--redis", s_redis.url, "--transformers", transformers, NULL};
    memcpy(args + 6, rest, sizeof rest);
    cr_assert_eq(th_run("lnob", args, NULL, RUN_TIMEOUT_S), 0);
    char key[256];
    redisReply *runs = redisCommand(s_redis.c, "KEYS lnob:run:*");
    char *id = NULL;
    for (size_t i = 0; i < runs->elements && !id; i++) {
        snprintf(key, sizeof key, "%s", runs->element[i]->str);
        char *v = th_hget(s_redis.c, key, f[2]);
        if (*v)
            id = v;
        else
            free(v);
    }
    freeReplyObject(runs);
    for (int i = 0; i < 4; i++)
        free(f[i]);
    cr_assert_not_null(id, "no extract for the %s twins", ext);
    return id;
}

Test(pipeline, spss_and_stata_twins_of_the_four_files_give_the_same_cells_and_quarantine)
{
    setenv("LNOB_MAX_REJECT_SHARE", "100", 1); /* a fixture of bad rows: no ceiling */
    cr_assert_eq(s_lnob_run4("udb4_bad", "DHRP", "2", "3"), 0);
    char *csv_id = th_only_extract(s_redis.c);
    char *want = th_cells_of(s_redis.c, csv_id), *want_q = s_quarantine_lines(csv_id);
    const char *exts[] = {"sav", "dta"};
    for (int e = 0; e < 2; e++) {
        char *id = s_run_twins("udb4_bad", exts[e], e ? "3" : "1");
        char *got = th_cells_of(s_redis.c, id), *got_q = s_quarantine_lines(id);
        cr_assert_str_eq(got, want, "%s cells", exts[e]);
        char want_q_ext[8192] = "";
        for (const char *p = want_q; *p;) { /* same lines, the twins' file names */
            const char *nl = strchr(p, '\n');
            size_t len = strlen(want_q_ext);
            snprintf(want_q_ext + len, sizeof want_q_ext - len, "udb4_bad_%c.%s%.*s\n", p[0], exts[e],
                     (int) (nl - p - 5), p + 5);
            p = nl + 1;
        }
        cr_assert_str_eq(got_q, want_q_ext, "%s quarantine", exts[e]);
        free(got);
        free(got_q);
        free(id);
    }
    free(want);
    free(want_q);
    free(csv_id);
}

Test(pipeline, a_missing_required_column_publishes_nothing)
{
    char *out = s_tmp("out.json");
    cr_assert_neq(s_lnob_run(DATA "silc_missing_weight.csv", "2", "100", out), 0);
    char *id = th_only_extract(s_redis.c);
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *status = th_hget(s_redis.c, key, "status");
    char *error = th_hget(s_redis.c, key, "error");
    cr_assert_str_eq(status, "failed");
    cr_assert(strstr(error, "RB050") && strstr(error, "silc_missing_weight.csv"), "%s", error);
    redisReply *keys = redisCommand(s_redis.c, "KEYS lnob:cell:*");
    cr_assert_eq(keys->elements, 0);
    freeReplyObject(keys);
    cr_assert_eq(th_int(s_redis.c, "EXISTS lnob:stream:extracts"), 0);
    free(status);
    free(error);
    free(id);
    free(out);
}

/* A valid Batch envelope, packed; the caller frees it. */
static uint8_t *s_valid_batch(uint32_t version, size_t *len)
{
    Lnob__V1__Batch b = LNOB__V1__BATCH__INIT;
    b.extract_id = "garbage-extract";
    b.run_id = "garbage";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_BATCH;
    env.batch = &b;
    uint8_t *buf = lnob_wire_pack(&env, len);
    if (version != LNOB_SCHEMA_VERSION) {
        env.schema_version = version;
        free(buf);
        *len = lnob__v1__envelope__get_packed_size(&env);
        buf = lnob_malloc(*len);
        lnob__v1__envelope__pack(&env, buf);
    }
    return buf;
}

/* Bad messages s_garbage sends, each counted once by the receiver. */
#define GARBAGE_COUNTED 24

/* Sends bad messages of every kind on a socket: random bytes (seeded), a
 * truncated envelope, a wrong schema version, a multi-part message, a valid
 * message of a kind no intake takes; then one frame over the size limit,
 * which libzmq refuses before allocating it (it closes that connection; the
 * frames before it are delivered). */
static void s_garbage(zsock_t *sock, unsigned seed)
{
    void *z = zsock_resolve(sock);
    zsock_set_sndtimeo(sock, 5000);
    zsock_set_linger(sock, 5000);
    uint8_t rnd[512];
    srand(seed);
    for (int k = 0; k < 20; k++) {
        size_t n = 1 + (size_t) rand() % sizeof rnd;
        for (size_t i = 0; i < n; i++)
            rnd[i] = (uint8_t) rand();
        cr_assert_eq(zmq_send(z, rnd, n, 0), (int) n);
    }
    size_t len;
    uint8_t *ok = s_valid_batch(LNOB_SCHEMA_VERSION, &len);
    cr_assert_eq(zmq_send(z, ok, len / 2, 0), (int) (len / 2));
    free(ok);
    uint8_t *v9 = s_valid_batch(9, &len);
    cr_assert_eq(zmq_send(z, v9, len, 0), (int) len);
    free(v9);
    cr_assert_eq(zstr_sendm(sock, "multi"), 0);
    cr_assert_eq(zstr_send(sock, "part"), 0);
    Lnob__V1__Progress pr = LNOB__V1__PROGRESS__INIT; /* only ingesters take it */
    pr.extract_id = "garbage-extract";
    pr.run_id = "garbage";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_PROGRESS;
    env.progress = &pr;
    uint8_t *wrong = lnob_wire_pack(&env, &len);
    cr_assert_eq(zmq_send(z, wrong, len, 0), (int) len);
    free(wrong);
    size_t big_len = (size_t) LNOB_MAX_MESSAGE_BYTES + 1;
    uint8_t *big = calloc(1, big_len); /* untouched zero pages: cheap */
    cr_assert_not_null(big);
    cr_assert_eq(zmq_send(z, big, big_len, 0), (int) big_len);
    free(big);
}

static void s_send_garbage(int type, const char *endpoint, unsigned seed)
{
    zsock_t *sock = zsock_new(type);
    cr_assert_eq(zsock_attach(sock, endpoint, false), 0);
    usleep(100000);
    s_garbage(sock, seed);
    zsock_destroy(&sock);
}

/* The lines of a snapshot whose cell is not flagged SUPPRESS; owned. */
static char *s_without_suppress(const char *snapshot)
{
    char *out = lnob_malloc(strlen(snapshot) + 1), *o = out;
    for (const char *line = snapshot; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t) (end - line) + 1 : strlen(line);
        const char *flag = strstr(line, "|flag=SUPPRESS|");
        if (!flag || flag > line + len) {
            memcpy(o, line, len);
            o += len;
        }
        line += len;
    }
    *o = '\0';
    return out;
}

/* The next Result on the PUB socket: its topic (owned, *topic) and the
 * decoded envelope (owned). */
/* Receives a topic and an Envelope (as PUB and the snapshot socket send
 * them): NULL with *topic NULL when nothing came in time. */
static lnob_env_t *s_recv_env(zsock_t *sock, char **topic)
{
    *topic = zstr_recv(sock);
    if (!*topic)
        return NULL;
    zframe_t *body = zframe_recv(sock);
    cr_assert_not_null(body, "a topic without a body");
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *env = lnob_wire_decode(zframe_data(body), zframe_size(body), &st, why, sizeof why);
    zframe_destroy(&body);
    cr_assert_not_null(env, "%s", why);
    return env;
}

static lnob_env_t *s_recv_published(zsock_t *sub, char **topic)
{
    lnob_env_t *env = s_recv_env(sub, topic);
    cr_assert_not_null(*topic, "nothing published on the PUB socket");
    cr_assert_eq(env->body_case, LNOB__V1__ENVELOPE__BODY_RESULT);
    return env;
}

Test(pipeline, workers_started_by_hand_over_tcp_publish_on_pub_and_survive_garbage)
{
    char ep[6][64], csv_path[512];
    int ports[6];
    th_free_ports(ports, 6);
    for (int i = 0; i < 6; i++)
        snprintf(ep[i], sizeof ep[i], "tcp://127.0.0.1:%d", ports[i]);
    char bind_agg[80], bind_sink[80], bind_pub[80], bind_in[80], to_in[80], to_agg[80], to_sink[80];
    snprintf(bind_in, sizeof bind_in, "@%s", ep[0]);
    snprintf(bind_agg, sizeof bind_agg, "@%s", ep[1]);
    snprintf(bind_sink, sizeof bind_sink, "@%s", ep[2]);
    snprintf(bind_pub, sizeof bind_pub, "@%s", ep[3]);
    snprintf(to_in, sizeof to_in, ">%s", ep[0]);
    snprintf(to_agg, sizeof to_agg, ">%s", ep[1]);
    snprintf(to_sink, sizeof to_sink, ">%s", ep[2]);
    char bind_ctl[80], to_ctl[80];
    snprintf(bind_ctl, sizeof bind_ctl, "@%s", ep[5]);
    snprintf(to_ctl, sizeof to_ctl, ">%s", ep[5]);
    snprintf(csv_path, sizeof csv_path, "%s/hand.csv", s_redis.dir);
    th_gen(csv_path, 300, 3);
    lnob_proc_t sink, agg, t1, t2;
    const char *a_sink[] = {"--pull", bind_sink, "--pub", bind_pub, "--redis", s_redis.url,
                            "--control", to_ctl, "--insecure-plaintext", NULL};
    const char *a_agg[] = {"--pull", bind_agg, "--push", to_sink,
                           "--control", bind_ctl, "--insecure-plaintext", NULL};
    const char *a_t[] = {"--pull", to_in, "--push", to_agg, "--insecure-plaintext", NULL};
    char log[4][512];
    const char *names[] = {"sink", "agg", "t1", "t2"};
    for (int i = 0; i < 4; i++)
        snprintf(log[i], sizeof log[i], "%s/%s.log", s_redis.dir, names[i]);
    th_start_logged(&sink, "lnob-sink", a_sink, log[0]);
    th_start_logged(&agg, "lnob-aggregate", a_agg, log[1]);
    th_start_logged(&t1, "lnob-transform", a_t, log[2]);
    th_start_logged(&t2, "lnob-transform", a_t, log[3]);
    zsock_t *sub = zsock_new_sub(ep[3], "lnob.extract.");
    zsock_set_rcvtimeo(sub, 60000);
    usleep(300000);
    s_send_garbage(ZMQ_PUSH, bind_in, 1);   /* to the transformers, before the ingester binds */
    s_send_garbage(ZMQ_PUSH, to_agg, 2);    /* the aggregator's intake */
    s_send_garbage(ZMQ_PUSH, to_sink, 3);   /* the sink's intake */
    s_send_garbage(ZMQ_DEALER, to_ctl, 4);  /* the aggregator's control socket */
    const char *a_in[] = {"--silc", csv_path, "--push", bind_in, "--control", to_ctl,
                          "--run-id", "by-hand", "--insecure-plaintext", NULL};
    cr_assert_eq(th_run("lnob-ingest", a_in, NULL, RUN_TIMEOUT_S), 0);
    char *topic = NULL;
    lnob_env_t *env = s_recv_published(sub, &topic);
    char *id = th_extract_of(s_redis.c, "by-hand", csv_path);
    cr_assert_not_null(id);
    char want_topic[128];
    snprintf(want_topic, sizeof want_topic, "lnob.extract.official.%s", id);
    cr_assert_str_eq(topic, want_topic);
    char *got = th_snapshot(s_redis.c, id);
    char *want = th_in_process(csv_path, 4096);
    cr_assert_str_eq(got, want);
    /* Redis keeps the SUPPRESS cells; the published Result is the rest. */
    cr_assert(strstr(got, "|flag=SUPPRESS|"), "the extract has no SUPPRESS cell to withhold");
    cr_assert(strstr(got, "|flag=OK|") || strstr(got, "|flag=U|"), "nothing to publish");
    char *published = th_result_cells(env->result);
    char *shown = s_without_suppress(got);
    cr_assert_str_eq(published, shown);
    cr_assert_lt((long long) env->result->n_cells,
                 th_int(s_redis.c, "LLEN lnob:extract:%s:cells", id));
    free(published);
    free(shown);
    lnob_wire_free(&env);
    zstr_free(&topic);
    zsock_destroy(&sub);
    lnob_proc_t *all[] = {&t1, &t2, &agg, &sink};
    for (int i = 0; i < 4; i++) {
        lnob_proc_stop(all[i], 10000);
        cr_assert_eq(all[i]->status, 0, "%s exited %d on SIGTERM", all[i]->name, all[i]->status);
    }
    /* every bad message was dropped and counted: the transformers shared the
     * intake's; the aggregator had its intake's and its control socket's */
    const char *label = "bad messages dropped";
    cr_assert_eq(th_count_in(log[0], label), GARBAGE_COUNTED, "see %s", log[0]);
    cr_assert_eq(th_count_in(log[1], label), 2 * GARBAGE_COUNTED, "see %s", log[1]);
    cr_assert_eq(th_count_in(log[2], label) + th_count_in(log[3], label), GARBAGE_COUNTED);
    free(got);
    free(want);
    free(id);
}

/* ---- BOTTOM_CODE_ZERO (spec §1.7, docs/settings.md) ---------------------------- */

/* 1 when the extract's set of indicator ids holds id. */
static int s_has_id(const char *extract, const char *id)
{
    return (int) th_int(s_redis.c, "SISMEMBER lnob:extract:%s:indicators %s", extract, id);
}

/* How many of the extract's indicator ids end in _BC0. */
static size_t s_bc0_ids(const char *extract)
{
    redisReply *r = redisCommand(s_redis.c, "SMEMBERS lnob:extract:%s:indicators", extract);
    size_t n = 0;
    for (size_t i = 0; i < r->elements; i++) {
        size_t len = strlen(r->element[i]->str);
        n += len > 4 && !strcmp(r->element[i]->str + len - 4, "_BC0");
    }
    freeReplyObject(r);
    return n;
}

/* tests/data/udb_tv6_neg.csv is TV6 with W2's HX090 at -2000 (W1 and W3
 * keep 10000). W = 1450; persons by (x, RB030): W2's three (w 150) at C =
 * 150, 300, 450, W1's four (w 200) up to 1250, W3's two (w 100) to 1450. The
 * median is 10000 (725 falls in W1), ARPT60 6000, and W2 is poor either way.
 * By hand, as it is and with x' = 0 for W2:
 * - mean 9,100,000/1450 = 6275.86; x': 10,000,000/1450 = 6896.55.
 * - Gini: A = -2000·150·(150 + 300 + 450) + 10000·200·(650 + 850 + 1050 +
 *   1250) + 10000·100·(1350 + 1450) = 10,130e6; B = 3·150²·-2000 +
 *   4·200²·10000 + 2·100²·10000 = 1,665e6; T = 9.1e6 → 100 × ((20,260e6 -
 *   1,665e6)/(1450 × 9.1e6) - 1) = 100 × 5400/13195 = 40.92; x': A = 10,400e6,
 *   B = 1,800e6, T = 10e6 → 100 × (19,000/14,500 - 1) = 100 × 450/1450.
 * - degurba 2 is W2 alone: mean -2000, x' 0.
 * AROP60 450/1450, AROPE 650/1450 (W2, and W3 by SMSD), SMSD 200/1450 and
 * LWI 36 % (TV6) are the same both ways. */
Test(pipeline, bottom_code_zero_suffixes_the_income_ids_and_counts_negative_incomes_as_zero)
{
    static const struct {
        const char *off_id, *on_id;
        double off, on;
    } tv[] = {
        {"mean", "mean_BC0", 9100000.0 / 1450, 10000000.0 / 1450},
        {"gini", "gini_BC0", 100.0 * 5400 / 13195, 100.0 * 450 / 1450},
        {"median", "median_BC0", 10000, 10000},
        {"arpt", "arpt_BC0", 6000, 6000},
        {"arpr", "arpr_BC0", 100.0 * 450 / 1450, 100.0 * 450 / 1450},
        {"arope", "arope_BC0", 100.0 * 650 / 1450, 100.0 * 650 / 1450},
        {"smsd", "smsd", 100.0 * 200 / 1450, 100.0 * 200 / 1450},
        {"lwi", "lwi", 36.0, 36.0},
    };
    char *out = s_tmp("bc0.csv");
    for (int on = 0; on < 2; on++) {
        if (on)
            setenv("LNOB_BOTTOM_CODE_ZERO", "1", 1);
        const char *args[] = {"run", "--silc", DATA "udb_tv6_neg.csv", "--redis", s_redis.url,
                              "--transformers", "2", "--batch-size", "2", "--format", "csv", NULL};
        int rc = th_run("lnob", args, out, RUN_TIMEOUT_S);
        unsetenv("LNOB_BOTTOM_CODE_ZERO");
        cr_assert_eq(rc, 0);
        char *id = th_only_extract(s_redis.c), key[256];
        /* 30 ids, 23 of them from income (the exact list: cells_test.c, docs/settings.md) */
        cr_assert_eq(th_int(s_redis.c, "SCARD lnob:extract:%s:indicators", id), 30);
        cr_assert_eq(s_bc0_ids(id), on ? 23u : 0u, "on=%d", on);
        static const char *const some[] = {"arpt_2a2c", "qsr", "arope_smsd_only", "arope_2020"};
        for (size_t k = 0; k < sizeof some / sizeof some[0]; k++) {
            snprintf(key, sizeof key, "%s_BC0", some[k]);
            cr_assert_eq(s_has_id(id, some[k]), !on, "on=%d: %s", on, some[k]);
            cr_assert_eq(s_has_id(id, key), on, "on=%d: %s", on, key);
        }
        static const char *const plain[] = {"smsd", "msd", "smsd_items", "md", "smd", "lwi", "lwi_2020"};
        for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++)
            cr_assert_eq(s_has_id(id, plain[k]), 1, "on=%d: %s", on, plain[k]);
        for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
            const char *ind = on ? tv[i].on_id : tv[i].off_id;
            double want = on ? tv[i].on : tv[i].off, got = s_value(id, ind);
            cr_assert_float_eq(got, want, 1e-9 * (fabs(want) + 1), "%s: %.12g, want %.12g", ind,
                               got, want);
        }
        double w2 = s_field(id, on ? "mean_BC0" : "mean", "degurba=2", "value");
        cr_assert_float_eq(w2, on ? 0.0 : -2000.0, 1e-9, "degurba 2 mean %.12g", w2);
        snprintf(key, sizeof key, "lnob:extract:%s", id);
        char *settings = th_hget(s_redis.c, key, "settings");
        cr_assert(strstr(settings, on ? "BOTTOM_CODE_ZERO=1" : "BOTTOM_CODE_ZERO=0"), "%s", settings);
        /* lnob run --format csv prints what Redis holds, under the same ids */
        char *csv = th_read(out, NULL), line[256];
        snprintf(line, sizeof line, "\n%s,%s,,,", id, on ? "mean_BC0" : "mean");
        cr_assert(strstr(csv, line), "no national mean line in\n%.300s", csv);
        snprintf(line, sizeof line, "\n%s,%s,degurba,2,", id, on ? "gini_BC0" : "gini");
        cr_assert(strstr(csv, line), "no degurba 2 gini line in\n%.300s", csv);
        snprintf(line, sizeof line, "\n%s,smsd,,,", id);
        cr_assert(strstr(csv, line), "no national smsd line");
        cr_assert_eq(strstr(csv, "_BC0") != NULL, on, "on=%d", on);
        free(csv);
        if (on) { /* the table rounds a _BC0 id as its plain one (spec §0.6) */
            setenv("LNOB_BOTTOM_CODE_ZERO", "1", 1);
            args[10] = "table";
            rc = th_run("lnob", args, out, RUN_TIMEOUT_S);
            unsetenv("LNOB_BOTTOM_CODE_ZERO");
            cr_assert_eq(rc, 0);
            char *table = th_read(out, NULL);
            char ind[64], where[64], value[64];
            const char *row = strstr(table, "\n  median_BC0 ");
            cr_assert(row && sscanf(row, "%63s %63s %63s", ind, where, value) == 3, "%s", table);
            cr_assert_str_eq(where, "national");
            cr_assert_str_eq(value, "10000", "ALL amounts have no decimals");
            row = strstr(table, "\n  gini_BC0 ");
            cr_assert(row && sscanf(row, "%63s %63s %63s", ind, where, value) == 3, "%s", table);
            cr_assert_str_eq(value, "31.0", "the Gini has one decimal");
            free(table);
        }
        free(settings);
        free(id);
        freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    }
    free(out);
}

/* Eurostat's datasets do not bottom-code: lnob export leaves the _BC0 cells
 * out of SDMX-CSV and says how many on stderr. A basic file has income
 * indicators only, so nothing but the header is left. */
Test(pipeline, bottom_coded_cells_stay_out_of_sdmx_csv_with_a_note)
{
    char *csv = s_tmp("sample.csv"), *sdmx = s_tmp("bc0.sdmx"), *err = s_tmp("export.err");
    th_gen(csv, 600, 5);
    setenv("LNOB_BOTTOM_CODE_ZERO", "1", 1);
    const char *args[] = {"run", "--silc", csv, "--redis", s_redis.url, NULL};
    int rc = th_run("lnob", args, NULL, RUN_TIMEOUT_S);
    unsetenv("LNOB_BOTTOM_CODE_ZERO");
    cr_assert_eq(rc, 0);
    char *id = th_only_extract(s_redis.c), key[256];
    snprintf(key, sizeof key, "lnob:cell:%s:arpr_BC0:national", id);
    char *flag = th_hget(s_redis.c, key, "flag");
    cr_assert_str_eq(flag, "OK", "the national AROP would be published");
    /* the cells an export would publish: every one not SUPPRESS */
    char *snap = th_snapshot(s_redis.c, id);
    size_t publishable = 0;
    for (const char *p = snap; *p;) {
        const char *nl = strchr(p, '\n'), *s = strstr(p, "|flag=SUPPRESS|");
        size_t len = nl ? (size_t) (nl - p) + 1 : strlen(p);
        publishable += !s || s > p + len;
        p += len;
    }
    cr_assert_gt(publishable, 10);
    const char *exp[] = {"export", "--extract", id, "--redis", s_redis.url, "--out", sdmx, NULL};
    cr_assert_eq(th_run_logged("lnob", exp, NULL, err, RUN_TIMEOUT_S), 0);
    char *got = th_read(sdmx, NULL), *note = th_read(err, NULL), want[512];
    cr_assert_str_eq(got, lnob_sdmx_header);
    snprintf(want, sizeof want, "lnob: %s: %zu cells computed with BOTTOM_CODE_ZERO (ids ending in "
                                "_BC0) are not in the SDMX-CSV", id, publishable);
    cr_assert(strstr(note, want), "want '%s' in\n%s", want, note);
    free(got);
    free(note);
    free(snap);
    free(flag);
    free(id);
    free(err);
    free(sdmx);
    free(csv);
}

/* The setting is the transformers': workers started by hand over ipc, a
 * sink, an aggregator and three transformers, each pulling from its own
 * endpoint (two with --bottom-code-zero 1, one with 0). The ingester
 * connects to two of them, so its PUSH socket deals the batches to both.
 * Both on: the published cells carry _BC0. One of each: the extract fails
 * with SETTINGS_MISMATCH, keeps no cells and publishes nothing. */
Test(pipeline, transformers_with_different_bottom_code_zero_fail_the_extract)
{
    enum { SINK_IN, PUB, AGG_IN, CONTROL, T_ON1, T_ON2, T_OFF, ENDPOINTS };
    static const char *const names[ENDPOINTS] = {"results", "pub", "runs", "control",
                                                 "on1",     "on2", "off"};
    char ep[ENDPOINTS][300], bind[ENDPOINTS][300], to[ENDPOINTS][300];
    for (int i = 0; i < ENDPOINTS; i++) {
        snprintf(ep[i], sizeof ep[i], "ipc://%s/%s", s_redis.dir, names[i]);
        snprintf(bind[i], sizeof bind[i], "@ipc://%s/%s", s_redis.dir, names[i]);
        snprintf(to[i], sizeof to[i], ">ipc://%s/%s", s_redis.dir, names[i]);
    }
    const char *a_sink[] = {"--pull", bind[SINK_IN], "--pub", bind[PUB], "--redis", s_redis.url,
                            "--control", to[CONTROL], NULL};
    const char *a_agg[] = {"--pull", bind[AGG_IN], "--push", to[SINK_IN],
                           "--control", bind[CONTROL], NULL};
    lnob_proc_t procs[5];
    const char *logs[5] = {"sink", "agg", "on1", "on2", "off"};
    char log[5][512];
    for (int i = 0; i < 5; i++)
        snprintf(log[i], sizeof log[i], "%s/%s.log", s_redis.dir, logs[i]);
    th_start_logged(&procs[0], "lnob-sink", a_sink, log[0]);
    th_start_logged(&procs[1], "lnob-aggregate", a_agg, log[1]);
    for (int t = 0; t < 3; t++) {
        const char *a_t[] = {"--pull", bind[T_ON1 + t], "--push", to[AGG_IN], "--bottom-code-zero",
                             t == 2 ? "0" : "1", NULL};
        th_start_logged(&procs[2 + t], "lnob-transform", a_t, log[2 + t]);
    }
    zsock_t *sub = zsock_new_sub(ep[PUB], "lnob.extract.");
    zsock_set_rcvtimeo(sub, 60000);
    usleep(300000);
    char csv[512], push[640];
    snprintf(csv, sizeof csv, "%s/on.csv", s_redis.dir);
    th_gen(csv, 300, 3);
    snprintf(push, sizeof push, "%s,%s", to[T_ON1], to[T_ON2]);
    const char *a_on[] = {"--silc", csv, "--push", push, "--control", to[CONTROL], "--run-id", "bc0-on",
                          "--batch-size", "50", NULL};
    cr_assert_eq(th_run("lnob-ingest", a_on, NULL, RUN_TIMEOUT_S), 0);
    char *topic = NULL;
    lnob_env_t *env = s_recv_published(sub, &topic);
    const Lnob__V1__Result *res = env->result;
    cr_assert_str_eq(res->status, "complete");
    cr_assert_gt(res->n_cells, 10);
    size_t means = 0;
    for (size_t i = 0; i < res->n_cells; i++) { /* a basic file: every id is an income one */
        const char *ind = res->cells[i]->indicator;
        size_t n = strlen(ind);
        cr_assert(n > 4 && !strcmp(ind + n - 4, "_BC0"), "published %s", ind);
        means += !strcmp(ind, "mean_BC0");
    }
    cr_assert_gt(means, 1, "mean_BC0 nationally and by group");
    lnob_wire_free(&env);
    zstr_free(&topic);
    /* one transformer on, one off */
    snprintf(push, sizeof push, "%s,%s", to[T_ON1], to[T_OFF]);
    const char *a_mixed[] = {"--silc", DATA "udb_tv6_neg.csv", "--push", push, "--control", to[CONTROL],
                             "--run-id", "bc0-mixed", "--batch-size", "1", NULL};
    cr_assert_eq(th_run("lnob-ingest", a_mixed, NULL, RUN_TIMEOUT_S), 0);
    char *id = th_extract_of(s_redis.c, "bc0-mixed", DATA "udb_tv6_neg.csv"), key[256];
    cr_assert_not_null(id);
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *status = th_hget(s_redis.c, key, "status"), *error = th_hget(s_redis.c, key, "error");
    cr_assert_str_eq(status, "failed");
    cr_assert(strstr(error, "SETTINGS_MISMATCH") && strstr(error, "BOTTOM_CODE_ZERO=0") &&
                  strstr(error, "BOTTOM_CODE_ZERO=1"), "%s", error);
    cr_assert_eq(th_int(s_redis.c, "LLEN lnob:extract:%s:cells", id), 0);
    zsock_set_rcvtimeo(sub, 2000);
    topic = zstr_recv(sub);
    cr_assert_null(topic, "a failed extract was published: %s", topic);
    zsock_destroy(&sub);
    for (int i = 4; i >= 0; i--) {
        lnob_proc_stop(&procs[i], 10000);
        cr_assert_eq(procs[i].status, 0, "%s exited %d on SIGTERM", procs[i].name, procs[i].status);
    }
    free(status);
    free(error);
    free(id);
}

/* Every extract's cells, by id, as one text (ids in ZSET order). */
static char *s_all_cells(char ids[][EXTRACT_ID_CAP], size_t *n)
{
    redisReply *r = redisCommand(s_redis.c, "ZRANGE lnob:extracts 0 -1");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY);
    size_t len = 0, cap = 1;
    char *all = lnob_calloc(1, cap);
    *n = r->elements;
    for (size_t i = 0; i < r->elements && i < 8; i++) {
        snprintf(ids[i], EXTRACT_ID_CAP, "%s", r->element[i]->str);
        char *cells = th_snapshot(s_redis.c, ids[i]);
        size_t add = strlen(cells);
        lnob_grow((void **) &all, &cap, len + add + 1, 1);
        memcpy(all + len, cells, add + 1);
        len += add;
        free(cells);
    }
    freeReplyObject(r);
    return all;
}

/* Two aggregators side by side (lnob run --aggregators 2): each extract
 * goes to the one lnob_route_pick names for its id, the one that computes
 * it says so, and every extract's cells are those of a run with one
 * aggregator. The four generated files' ids (fixed by their bytes) go to
 * both aggregators. */
Test(pipeline, extracts_spread_over_two_aggregators_by_id_with_the_same_cells)
{
    char *csv[4], *log = s_tmp("agg.log"), ids[8][EXTRACT_ID_CAP], ids2[8][EXTRACT_ID_CAP];
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "agg%d.csv", i);
        csv[i] = s_tmp(name);
        th_gen(csv[i], 200, 31 + i); /* seeds 31-34: ids that go to both of two aggregators */
    }
    const char *one[] = {"run", "--silc", csv[0], csv[1], csv[2], csv[3], "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run("lnob", one, NULL, RUN_TIMEOUT_S), 0);
    size_t n, n2;
    char *want = s_all_cells(ids, &n);
    cr_assert_eq(n, 4);
    freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    const char *two[] = {"run", "--silc", csv[0], csv[1], csv[2], csv[3], "--redis", s_redis.url,
                         "--aggregators", "2", "--log-level", "info", NULL};
    cr_assert_eq(th_run_logged("lnob", two, NULL, log, RUN_TIMEOUT_S), 0, "%s", th_read(log, NULL));
    char *got = s_all_cells(ids2, &n2), *text = th_read(log, NULL);
    cr_assert_eq(n2, 4);
    cr_assert_str_eq(got, want);
    int used[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        size_t k = lnob_route_pick(ids[i], 2);
        char line[EXTRACT_ID_CAP + 64];
        snprintf(line, sizeof line, "[aggregate:%zu] INFO extract %.127s complete", k + 1, ids[i]);
        cr_assert(strstr(text, line), "%s went to aggregate:%zu:\n%s", ids[i], k + 1, text);
        used[k]++;
    }
    cr_assert(used[0] && used[1], "both aggregators had work: %d and %d", used[0], used[1]);
    /* one in flight per aggregator: the second extract left before the first was stored */
    int sent = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strstr(line, "[ingest] INFO"))
            continue;
        sent += strstr(line, " sent: ") != NULL;
        if (strlen(line) > 7 && !strcmp(line + strlen(line) - 7, " stored"))
            break;
    }
    cr_assert_geq(sent, 2, "extracts sent before the first was stored: %d", sent);
    free(text);
    free(got);
    free(want);
    for (int i = 0; i < 4; i++)
        free(csv[i]);
    free(log);
}

/* The kept Redis of a run's log (its socket and pid): the extracts it
 * holds, as one line; then it is stopped and its directory removed, before
 * any assertion can leave it running. */
static char *s_kept_redis(const char *text, int *pid)
{
    char sock[600] = "";
    const char *at = strstr(text, "redis-cli -s "), *pid_at = strstr(text, "(--keep), pid ");
    *pid = pid_at ? atoi(pid_at + strlen("(--keep), pid ")) : 0;
    if (at)
        sscanf(at + strlen("redis-cli -s "), "%599s", sock);
    char *ids = lnob_strdup("");
    redisContext *c = *sock ? redisConnectUnix(sock) : NULL;
    redisReply *r = c && !c->err ? redisCommand(c, "ZRANGE lnob:extracts 0 -1") : NULL;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        char *more = lnob_malloc(strlen(ids) + strlen(r->element[i]->str) + 2);
        sprintf(more, "%s%s%s", ids, *ids ? " " : "", r->element[i]->str);
        free(ids);
        ids = more;
    }
    freeReplyObject(r);
    if (c && !c->err)
        freeReplyObject(redisCommand(c, "SHUTDOWN NOSAVE"));
    if (c)
        redisFree(c);
    char *slash = strrchr(sock, '/');
    if (slash && strstr(sock, "lnob-run-")) {
        *slash = '\0';
        th_rm_rf(sock);
    }
    return ids;
}

/* lnob run --pub puts the sink's PUB socket where a subscriber that came
 * first waits for it, and --keep leaves the private Redis running after
 * the run (in a process group of its own, holding none of the run's
 * descriptors: this test's harness would wait on them), with the way to
 * it and to stop it on stderr. */
Test(pipeline, lnob_run_publishes_on_a_pinned_endpoint_and_keeps_its_redis)
{
    char dir[512], pub[600], csv[600], log[600];
    snprintf(dir, sizeof dir, "%s/pinned", s_redis.dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(pub, sizeof pub, "ipc://%s/pub", dir);
    snprintf(csv, sizeof csv, "%s/pin.csv", s_redis.dir);
    snprintf(log, sizeof log, "%s/pin.log", s_redis.dir);
    th_gen(csv, 20000, 5); /* read for long enough that the subscriber is in before the Result */
    zsock_t *sub = zsock_new(ZMQ_SUB); /* connected before the sink binds it, trying every 10 ms */
    cr_assert_not_null(sub);
    zsock_set_reconnect_ivl(sub, 10);
    zsock_set_subscribe(sub, "lnob.extract.");
    zsock_set_rcvtimeo(sub, 60000);
    cr_assert_eq(zsock_connect(sub, "%s", pub), 0);
    const char *args[] = {"run", "--silc", csv, "--pub", pub, "--keep", "--format", "csv", NULL};
    int rc = th_run_logged("lnob", args, NULL, log, RUN_TIMEOUT_S), pid;
    char *text = th_read(log, NULL);
    int own_group = strstr(text, "(--keep), pid ") && getpgid(atoi(strstr(text, "(--keep), pid ") + 14)) ==
                                                         atoi(strstr(text, "(--keep), pid ") + 14);
    char *ids = s_kept_redis(text, &pid);
    if (pid > 0)
        kill(pid, SIGKILL); /* stopped by SHUTDOWN already, unless something failed */
    cr_assert_eq(rc, 0, "%s", text);
    cr_assert(strstr(text, "kept running (--keep)") && pid > 0, "%s", text);
    cr_assert(own_group, "the kept Redis leads a process group of its own: %s", text);
    char *topic = NULL;
    lnob_env_t *env = s_recv_published(sub, &topic);
    cr_assert_str_eq(env->result->status, "complete");
    cr_assert_str_eq(ids, env->result->extract_id, "the kept Redis holds the one published on the pinned endpoint");
    const char *tcp[] = {"run", "--silc", csv, "--pub", "tcp://127.0.0.1:1", NULL};
    cr_assert_eq(th_run("lnob", tcp, NULL, RUN_TIMEOUT_S), 2, "a tcp:// PUB needs keys: refused at start");
    cr_assert_eq(chmod(dir, 0755), 0); /* another user could reach the socket: refused at start */
    const char *open_dir[] = {"run", "--silc", csv, "--pub", pub, NULL};
    cr_assert_eq(th_run_logged("lnob", open_dir, NULL, log, RUN_TIMEOUT_S), 2);
    char *said = th_read(log, NULL);
    cr_assert(strstr(said, "can be entered by others"), "%s", said);
    free(said);
    free(ids);
    free(text);
    free(topic);
    lnob_wire_free(&env);
    zsock_destroy(&sub);
}

/* ---- late joiners ------------------------------------------------------------- */

/* Connects a socket of type to ep before anything binds it, retrying every
 * 10 ms; reads wait up to a minute. */
static zsock_t *s_early(int type, const char *ep)
{
    zsock_t *sock = zsock_new(type);
    cr_assert_not_null(sock);
    zsock_set_reconnect_ivl(sock, 10);
    zsock_set_rcvtimeo(sock, 60000);
    if (type == ZMQ_SUB)
        zsock_set_subscribe(sock, "lnob.extract.official.");
    cr_assert_eq(zsock_connect(sock, "%s", ep), 0);
    return sock;
}

static void s_ask_snapshot(zsock_t *dealer, const char *channel)
{
    Lnob__V1__Snapshot ask = LNOB__V1__SNAPSHOT__INIT;
    ask.channel = (char *) channel;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_SNAPSHOT;
    env.snapshot = &ask;
    char why[256];
    cr_assert_eq(lnob_wire_send(zsock_resolve(dealer), &env, why, sizeof why), LNOB_OK, "%s", why);
}

/* What a late joiner holds: the one extract of the channel it knows and
 * the number it is at. */
typedef struct {
    char *id, *cells;
    unsigned long long seq, applied; /* applied: PUB messages taken */
    uint32_t sent;                   /* the SnapshotEnd's count */
    char *error;
} joiner_t;

static void s_take(joiner_t *j, const Lnob__V1__Result *r)
{
    free(j->id), free(j->cells);
    j->id = lnob_strdup(r->extract_id);
    j->cells = th_result_cells(r);
}

/* Reads one snapshot answer: Results until the SnapshotEnd. */
static void s_read_snapshot(zsock_t *dealer, joiner_t *j)
{
    memset(j, 0, sizeof *j);
    uint32_t got = 0;
    for (;;) {
        char *topic;
        lnob_env_t *env = s_recv_env(dealer, &topic);
        cr_assert_not_null(topic, "no answer on the snapshot socket");
        int end = env->body_case == LNOB__V1__ENVELOPE__BODY_SNAPSHOT_END;
        cr_assert_str_eq(topic, end ? "lnob.snapshot.end" : topic);
        if (end) {
            j->seq = env->snapshot_end->seq;
            j->sent = env->snapshot_end->extracts;
            j->error = lnob_strdup(env->snapshot_end->error);
        } else {
            cr_assert_eq(env->body_case, LNOB__V1__ENVELOPE__BODY_RESULT);
            s_take(j, env->result);
            got++;
        }
        lnob_wire_free(&env);
        free(topic);
        if (end)
            break;
    }
    cr_assert_eq(got, j->sent, "the SnapshotEnd counts the Results that came before it");
}

/* Takes what PUB sent: a message numbered above the joiner's is applied,
 * any other dropped. */
static void s_follow(zsock_t *sub, joiner_t *j)
{
    zsock_set_rcvtimeo(sub, 2000); /* the run is over: what was sent has arrived */
    char *topic;
    lnob_env_t *env;
    while ((env = s_recv_env(sub, &topic))) {
        if (env->result->seq > j->seq) {
            cr_assert_eq(env->result->seq, j->seq + 1, "no gap: %llu after %llu", env->result->seq, j->seq);
            j->seq = env->result->seq;
            j->applied++;
            s_take(j, env->result);
        }
        lnob_wire_free(&env);
        free(topic);
    }
}

/* A dashboard that joins after an extract was published asks the sink's
 * snapshot socket for the channel's current extracts, then follows PUB
 * from the number the snapshot was read at: it ends with the current
 * extract's published cells and the channel's last number, having applied
 * no message twice and missed none, whether the re-run was stored before
 * or after its snapshot was read. Other channels and bad requests get an
 * empty answer that says so. */
Test(pipeline, a_late_joiner_gets_the_current_state_then_every_update_once)
{
    char dir[512], pub[600], snap[600], csv[600], log[600];
    snprintf(dir, sizeof dir, "%s/late", s_redis.dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(pub, sizeof pub, "ipc://%s/pub", dir);
    snprintf(snap, sizeof snap, "ipc://%s/snapshot", dir);
    snprintf(csv, sizeof csv, "%s/late.csv", s_redis.dir);
    snprintf(log, sizeof log, "%s/late.log", s_redis.dir);
    th_gen(csv, 20000, 6); /* read for long enough that the subscriber is in before the Result */
    cr_assert_eq(s_lnob_run(csv, "2", "8192", NULL), 0, "the first run: published before anyone joined");
    char *id = th_only_extract(s_redis.c);

    zsock_t *sub = s_early(ZMQ_SUB, pub), *dealer = s_early(ZMQ_DEALER, snap);
    s_ask_snapshot(dealer, "");      /* the official channel */
    s_ask_snapshot(dealer, "trial"); /* nothing published there */
    s_ask_snapshot(dealer, "Bad!");  /* not a channel name */
    const char *args[] = {"run", "--silc", csv, "--redis", s_redis.url, "--pub", pub, "--snapshot", snap,
                          "--format", "csv", NULL};
    cr_assert_eq(th_run_logged("lnob", args, NULL, log, RUN_TIMEOUT_S), 0, "the re-run");
    joiner_t j, trial, bad;
    s_read_snapshot(dealer, &j);
    s_read_snapshot(dealer, &trial);
    s_read_snapshot(dealer, &bad);
    cr_assert_str_eq(j.error, "");
    cr_assert_eq(j.sent, 1, "one current extract: SILC 2023");
    cr_assert_str_eq(j.id, id);
    unsigned long long at_snapshot = j.seq;
    cr_assert(at_snapshot == 1 || at_snapshot == 2, "read at %llu", at_snapshot);
    s_follow(sub, &j);
    char *last = th_redis_get(s_redis.c, "lnob:seq:official");
    cr_assert_eq(j.seq, strtoull(last, NULL, 10), "the joiner is at the channel's last number");
    cr_assert_eq(j.seq, 2, "the re-run was published again");
    cr_assert_eq(j.applied, 2 - at_snapshot, "exactly the publications after the snapshot were applied");
    char *stored = th_snapshot(s_redis.c, id), *want = s_without_suppress(stored);
    cr_assert_str_eq(j.cells, want, "the joiner holds the stored cells as published (SUPPRESS withheld)");
    free(stored);
    cr_assert_eq(trial.sent, 0);
    cr_assert_eq(trial.seq, 0);
    cr_assert_str_eq(trial.error, "");
    cr_assert_eq(bad.sent, 0);
    cr_assert(strstr(bad.error, "channel"), "%s", bad.error);
    free(want), free(last), free(id);
    free(j.id), free(j.cells), free(j.error), free(trial.error), free(bad.error);
    free(trial.id), free(trial.cells), free(bad.id), free(bad.cells);
    zsock_destroy(&sub);
    zsock_destroy(&dealer);
}
