/* cut_test.c - a merged SILC file cut into ranges for the transformers to
 * parse (lnob-ingest --parse-in transform, sources/silc/silc_cut.h) gives
 * what the ingester's own parse gives: the same cells, the same
 * quarantine (file, line, field, reason, detail, raw) and the same counts
 * and notes, for any number of transformers and any batch size. A file
 * whose parse needs more than one range at a time (a person id in two
 * ranges, a household's rows apart, another dialect, no year in its first
 * row) is parsed in the ingester instead, and the log says why. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "lnob/mem.h"

#define RUN_TIMEOUT_S 120
#define LINE_MAX_TEST 512

static th_redis_t s_redis;

static void s_setup(void) { th_redis_start(&s_redis); }
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(cut, .init = s_setup, .fini = s_teardown, .timeout = 300);

static char *s_tmp(const char *name)
{
    char *p = lnob_malloc(512);
    snprintf(p, 512, "%s/%s", s_redis.dir, name);
    return p;
}

/* Field k (0-based) of a comma-separated line replaced by value, in place. */
static void s_set_field(char *line, int k, const char *value)
{
    char out[LINE_MAX_TEST] = "", *save = NULL, copy[LINE_MAX_TEST];
    snprintf(copy, sizeof copy, "%s", line);
    int i = 0;
    for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save), i++) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%s", i ? "," : "", i == k ? value : f);
    }
    strcpy(line, out);
}

/* The generated file with faults sown through it: every 41st row a bad
 * weight (quarantined whole), every 53rd a bad sex (flagged, kept), every
 * 97th its region quoted (split as a quoted line), every 61st a CRLF end,
 * every 89th a row too short; and, with twin, a person of the first
 * household again near the end (a person id in two ranges). */
static void s_sow(const char *in, const char *out, int twin)
{
    FILE *f = fopen(in, "r"), *o = fopen(out, "w");
    cr_assert(f && o);
    char line[LINE_MAX_TEST], first_person[LINE_MAX_TEST] = "";
    long n = 0, rows = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (n++ == 0) {
            fprintf(o, "%s\n", line);
            continue;
        }
        if (!*first_person)
            snprintf(first_person, sizeof first_person, "%s", line);
        rows++;
        if (rows % 41 == 0)
            s_set_field(line, 5, "heavy");
        if (rows % 53 == 0)
            s_set_field(line, 6, "7");
        if (rows % 97 == 0)
            s_set_field(line, 2, "\"AL03\"");
        if (rows % 89 == 0)
            snprintf(line + strlen(line) / 2, 8, ",");
        fprintf(o, "%s%s", line, rows % 61 == 0 ? "\r\n" : "\n");
    }
    if (twin)
        fprintf(o, "%s\n", first_person);
    fclose(f);
    fclose(o);
}

/* lnob run on csv with parse_in, transformers and batch size; its stderr
 * (info) in *log (owned). */
static void s_run(const char *csv, const char *parse_in, const char *transformers, const char *batch, char **log)
{
    char *err = s_tmp("run.log");
    const char *args[] = {"run", "--silc", csv, "--redis", s_redis.url, "--parse-in", parse_in,
                          "--transformers", transformers, "--batch-size", batch, "--log-level", "info",
                          "--max-reject-share", "100", NULL};
    cr_assert_eq(th_run_logged("lnob", args, NULL, err, RUN_TIMEOUT_S), 0, "lnob run --parse-in %s", parse_in);
    *log = th_read(err, NULL);
    free(err);
}

/* Every quarantine entry's fields (not its stream id, nor the run that
 * stored it), one line each. */
static char *s_quarantine(const char *id)
{
    redisReply *q = redisCommand(s_redis.c, "XRANGE lnob:quarantine:%s - +", id);
    cr_assert(q && q->type == REDIS_REPLY_ARRAY);
    size_t cap = 1 << 20, len = 0;
    char *out = lnob_calloc(1, cap);
    for (size_t i = 0; i < q->elements; i++) {
        const redisReply *f = q->element[i]->element[1];
        for (size_t k = 0; k + 1 < f->elements && len < cap; k += 2)
            if (strcmp(f->element[k]->str, "run_id"))
                len += (size_t) snprintf(out + len, cap - len, "%s=%s|", f->element[k]->str, f->element[k + 1]->str);
        len += len < cap ? (size_t) snprintf(out + len, cap - len, "\n") : 0;
    }
    freeReplyObject(q);
    return out;
}

/* What an extract holds that must not depend on who parsed it. */
typedef struct {
    char *cells, *quarantine, *rows_read, *quarantined, *flagged, *notes;
} held_t;

/* What the only extract holds; Redis is emptied for the next run. */
static held_t s_take_held(void)
{
    char *id = th_only_extract(s_redis.c), key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    held_t h = {th_snapshot(s_redis.c, id), s_quarantine(id), th_hget(s_redis.c, key, "rows_read"),
                th_hget(s_redis.c, key, "rows_quarantined"), th_hget(s_redis.c, key, "rows_flagged"),
                th_hget(s_redis.c, key, "notes")};
    free(id);
    redisReply *r = redisCommand(s_redis.c, "FLUSHALL");
    freeReplyObject(r);
    return h;
}

static void s_held_free(held_t *h)
{
    free(h->cells), free(h->quarantine), free(h->rows_read), free(h->quarantined), free(h->flagged);
    free(h->notes);
}

static void s_assert_same(const held_t *a, const held_t *b, const char *what)
{
    cr_assert_str_eq(a->cells, b->cells, "%s: cells", what);
    cr_assert_str_eq(a->quarantine, b->quarantine, "%s: quarantine", what);
    cr_assert_str_eq(a->rows_read, b->rows_read, "%s", what);
    cr_assert_str_eq(a->quarantined, b->quarantined, "%s", what);
    cr_assert_str_eq(a->flagged, b->flagged, "%s", what);
    cr_assert_str_eq(a->notes ? a->notes : "", b->notes ? b->notes : "", "%s: notes", what);
}

Test(cut, a_cut_file_gives_the_cells_quarantine_and_counts_of_the_whole_parse)
{
    char *gen = s_tmp("gen.csv"), *csv = s_tmp("sown.csv"), *log;
    th_gen(gen, 1500, 41);
    s_sow(gen, csv, 0);
    s_run(csv, "ingest", "2", "8192", &log);
    held_t whole = s_take_held();
    cr_assert_neq(atoi(whole.quarantined), 0, "the sown faults are quarantined");
    cr_assert_neq(atoi(whole.flagged), 0, "and flagged");
    free(log);
    const char *runs[][2] = {{"1", "50"}, {"2", "97"}, {"3", "1000"}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        s_run(csv, "transform", runs[i][0], runs[i][1], &log);
        cr_assert(strstr(log, "ranges for the transformers to parse"), "not cut:\n%s", log);
        held_t cut = s_take_held();
        char what[64];
        snprintf(what, sizeof what, "%s transformers, batch size %s", runs[i][0], runs[i][1]);
        s_assert_same(&whole, &cut, what);
        s_held_free(&cut);
        free(log);
    }
    s_held_free(&whole);
    free(gen), free(csv);
}

/* A file the ranges cannot be parsed apart from: parsed here, said so,
 * with the same result. */
static void s_parsed_here(const char *csv, const char *why)
{
    char *log;
    s_run(csv, "ingest", "2", "50", &log);
    held_t whole = s_take_held();
    free(log);
    s_run(csv, "transform", "2", "50", &log);
    cr_assert(strstr(log, "parsed here, not cut for the transformers: "), "%s", log);
    cr_assert(strstr(log, why), "no '%s' in:\n%s", why, log);
    held_t here = s_take_held();
    s_assert_same(&whole, &here, why);
    s_held_free(&whole), s_held_free(&here);
    free(log);
}

Test(cut, a_person_id_or_household_in_two_ranges_is_checked_whole_in_the_ingester)
{
    char *gen = s_tmp("gen.csv"), *csv = s_tmp("twin.csv"), *split = s_tmp("split.csv"), cmd[2048];
    th_gen(gen, 400, 43);
    s_sow(gen, csv, 1);
    s_parsed_here(csv, "a person id is in two ranges");
    snprintf(cmd, sizeof cmd, "awk 'NR==2{keep=$0; next} {print} END{print keep}' '%s' > '%s'", gen, split);
    cr_assert_eq(system(cmd), 0);
    s_parsed_here(split, "a household's rows are not together");
    free(gen), free(csv), free(split);
}

Test(cut, other_dialects_and_a_first_row_without_a_year_are_parsed_in_the_ingester)
{
    char *gen = s_tmp("gen.csv"), *semi = s_tmp("semi.csv"), *noyear = s_tmp("noyear.csv");
    th_gen(gen, 300, 47);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "tr ',' ';' < '%s' > '%s'", gen, semi);
    cr_assert_eq(system(cmd), 0);
    s_parsed_here(semi, "the header row is not plain UTF-8 with ','");
    snprintf(cmd, sizeof cmd, "awk -F, 'BEGIN{OFS=\",\"} NR==2{$1=\"\"} {print}' '%s' > '%s'", gen, noyear);
    cr_assert_eq(system(cmd), 0);
    s_parsed_here(noyear, "the first data row has no survey year");
    free(gen), free(semi), free(noyear);
}
