/* mis_pipeline_test.c - municipal MIS exports through the real workers: the spec's
 * TV7 as two exports, and a generated export set in varied shapes, checked
 * against the answers the generator computed from its own records; then
 * every key and value Redis holds is searched for personal numbers and
 * names. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/csv.h"
#include "lnob/mem.h"

#define DATA LNOB_SOURCE_DIR "/tests/data/"
#define RUN_TIMEOUT_S 120
#define MAX_FILES 64

static th_redis_t s_redis;
static char s_key[512];

static void s_setup(void)
{
    th_redis_start(&s_redis);
    snprintf(s_key, sizeof s_key, "%s/person.key", s_redis.dir);
    FILE *f = fopen(s_key, "w");
    cr_assert_not_null(f);
    fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f); /* test only */
    fclose(f);
    chmod(s_key, 0600);
}

static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(mis_pipeline, .init = s_setup, .fini = s_teardown, .timeout = 300);

static int s_cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The exports of dir, sorted, into files (owned strings). */
static size_t s_exports(const char *dir, char **files)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < MAX_FILES;)
        if (e->d_name[0] != '.') {
            files[n] = lnob_malloc(strlen(dir) + strlen(e->d_name) + 2);
            sprintf(files[n++], "%s/%s", dir, e->d_name);
        }
    closedir(d);
    qsort(files, n, sizeof *files, s_cmp_path);
    return n;
}

/* lnob run --mis over dir's exports; returns the extract id (owned). */
static char *s_run(const char *dir, const char *period, const char *population)
{
    char *files[MAX_FILES];
    size_t n = s_exports(dir, files);
    const char *args[MAX_FILES + 16] = {"run", "--mis"};
    size_t k = 2;
    for (size_t i = 0; i < n; i++)
        args[k++] = files[i];
    const char *rest[] = {"--pseudonym-key", s_key, "--period", period, "--redis", s_redis.url,
                          "--transformers", "2", "--batch-size", "50"};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        args[k++] = rest[i];
    if (population) {
        args[k++] = "--population";
        args[k++] = population;
    }
    args[k] = NULL;
    cr_assert_eq(th_run("lnob", args, NULL, RUN_TIMEOUT_S), 0, "lnob run --mis failed");
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    return th_only_extract(s_redis.c);
}

/* ---- the answers ------------------------------------------------------------ */

typedef struct {
    const char *id;
    size_t checked;
    int failed;
} check_t;

static char *s_cell_value(const char *id, const char *indicator, const char *breakdown)
{
    char key[512];
    snprintf(key, sizeof key, "lnob:cell:%s:%s:%s", id, indicator, breakdown);
    return th_hget(s_redis.c, key, "value");
}

/* Our cell key of an answer row; 0 when the row is not a cell. */
static int s_cell_of(const char *const *f, char *ind, char *bd, size_t cap)
{
    static const struct { const char *answer, *ours; int by_mun, by_serv; } map[] = {
        {"MIS_BEN", "mis_ben", 1, 1},      {"MIS_BEN_ALL", "mis_ben_all", 1, 0},
        {"MIS_BEN_NAT", "mis_ben", 0, 1},  {"MIS_BEN_ALL_NAT", "mis_ben_all", 0, 0},
        {"MIS_SHARE3", "mis_share3", 1, 0}, {"MIS_SHARE3_NAT", "mis_share3", 0, 0},
        {"MIS_RATE1000", "mis_rate1000", 1, 0}, {"MIS_MUN33", "mis_mun33", 0, 0},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(f[0], map[i].answer) != 0)
            continue;
        snprintf(ind, cap, "%s", map[i].ours);
        size_t len = 0;
        bd[0] = '\0';
        if (map[i].by_mun)
            len += (size_t) snprintf(bd + len, cap - len, "municipality=%s", f[1]);
        if (map[i].by_serv)
            len += (size_t) snprintf(bd + len, cap - len, "%sservice=%s", len ? "," : "", f[2]);
        if (*f[3]) {
            char lower[32];
            size_t k = 0;
            for (; f[3][k] && k < sizeof lower - 1; k++)
                lower[k] = (char) tolower((unsigned char) f[3][k]);
            lower[k] = '\0';
            len += (size_t) snprintf(bd + len, cap - len, "%s%s=%s", len ? "," : "", lower, f[4]);
        }
        if (!len)
            snprintf(bd, cap, "national");
        return 1;
    }
    if (!strcmp(f[0], "MIS_MUN33_PCT")) {
        snprintf(ind, cap, "mis_mun33_pct");
        snprintf(bd, cap, "base=%s", !strcmp(f[10], "lnb") ? "lnb_targets" : f[10]);
        return 1;
    }
    return 0;
}

/* The expected value of an answer row: num/den rows from their exact parts. */
static double s_expected(const char *const *f)
{
    double num = strtod(f[8], NULL), den = strtod(f[9], NULL);
    if (!strcmp(f[0], "MIS_RATE1000"))
        return 1000.0 * num / den;
    if (*f[9])
        return 100.0 * num / den;
    return strtod(f[7], NULL);
}

static int s_answer(void *arg, const lnob_csv_row_t *row)
{
    check_t *c = arg;
    char ind[64], bd[256];
    if (row->line == 1 || row->nfields < 11 || !s_cell_of(row->fields, ind, bd, sizeof bd))
        return LNOB_OK;
    char *v = s_cell_value(c->id, ind, bd);
    double want = s_expected(row->fields), got = strtod(v, NULL);
    if (!*v || got < want - 1e-9 * (want + 1) || got > want + 1e-9 * (want + 1)) {
        cr_log_error("answers line %llu: %s %s is '%s', want %.12g", (unsigned long long) row->line,
                     ind, bd, v, want);
        c->failed++;
    }
    c->checked++;
    free(v);
    return LNOB_OK;
}

/* Every answer row that is a cell equals Redis's cell. Returns rows checked. */
static size_t s_check_answers(const char *id, const char *answers)
{
    check_t c = {id, 0, 0};
    FILE *f = fopen(answers, "rb");
    cr_assert_not_null(f, "%s", answers);
    lnob_csv_t *csv = lnob_csv_new(',', s_answer, &c);
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;)
        lnob_csv_feed(csv, buf, n);
    lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
    fclose(f);
    cr_assert_eq(c.failed, 0, "%d of %zu answers differ (see the log)", c.failed, c.checked);
    return c.checked;
}

/* The answer file's value of a row like "DUPLICATES_MERGED,,,,,,,N". */
static long s_answer_total(const char *answers, const char *what)
{
    FILE *f = fopen(answers, "r");
    char line[1024];
    long v = -1;
    size_t n = strlen(what);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, what, n) && !strncmp(line + n, ",,,,,,,", 7))
            v = strtol(line + n + 7, NULL, 10);
    fclose(f);
    return v;
}

static long s_meta(const char *id, const char *field)
{
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *v = th_hget(s_redis.c, key, field);
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

Test(mis_pipeline, tv7_exports_through_the_workers_give_the_spec_answers)
{
    char *id = s_run(DATA "mis_tv7/exports", "2024", DATA "mis_tv7/pop_municipality.csv");
    cr_assert_geq(s_check_answers(id, DATA "mis_tv7/answers.csv"), 60);
    cr_assert_eq(s_meta(id, "persons"), 6);
    free(id);
}

/* ---- identifiers ------------------------------------------------------------- */

/* A personal-number shape: a letter, eight digits, a letter, standing
 * alone (inside a longer run of letters and digits, such as a hex digest,
 * it is not one). */
static int s_has_nid(const char *s, size_t n)
{
    for (size_t i = 0; i + 10 <= n; i++) {
        if (!isalpha((unsigned char) s[i]) || !isalpha((unsigned char) s[i + 9]))
            continue;
        if ((i > 0 && isalnum((unsigned char) s[i - 1])) || (i + 10 < n && isalnum((unsigned char) s[i + 10])))
            continue;
        size_t d = 1;
        while (d < 9 && isdigit((unsigned char) s[i + d]))
            d++;
        if (d == 9)
            return 1;
    }
    return 0;
}

typedef struct {
    char **names;
    size_t n, cap;
    int col[4];
} names_t;

/* Collects the ASCII first and last names of an export (their columns by header). */
static int s_name_row(void *arg, const lnob_csv_row_t *row)
{
    names_t *nm = arg;
    static const char *const heads[] = {"Emri", "Mbiemri", "First name", "Last name"};
    if (row->line == 1) {
        for (int k = 0; k < 4; k++) {
            nm->col[k] = -1;
            for (size_t i = 0; i < row->nfields; i++)
                if (!strcasecmp(row->fields[i], heads[k]))
                    nm->col[k] = (int) i;
        }
        return LNOB_OK;
    }
    for (int k = 0; k < 4; k++) {
        if (nm->col[k] < 0 || (size_t) nm->col[k] >= row->nfields || row->lens[nm->col[k]] < 4)
            continue;
        const char *v = row->fields[nm->col[k]];
        int ascii = 1;
        for (const char *p = v; *p; p++)
            ascii &= (unsigned char) *p < 128 && *p != ' ';
        if (!ascii)
            continue;
        lnob_grow((void **) &nm->names, &nm->cap, nm->n + 1, sizeof *nm->names);
        nm->names[nm->n++] = lnob_strdup(v);
    }
    return LNOB_OK;
}

static void s_names_of(const char *dir, names_t *nm)
{
    char *files[MAX_FILES];
    size_t n = s_exports(dir, files);
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(files[i], "rb");
        char buf[65536];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        char delim = memchr(buf, ';', len) && (!memchr(buf, ',', len) ||
                     (char *) memchr(buf, ';', len) < (char *) memchr(buf, ',', len)) ? ';'
                     : memchr(buf, '\t', len) ? '\t' : ',';
        lnob_csv_t *csv = lnob_csv_new(delim, s_name_row, nm);
        lnob_csv_feed(csv, buf, len);
        lnob_csv_finish(csv);
        lnob_csv_destroy(&csv);
        free(files[i]);
    }
}

static void s_scan_text(const char *s, size_t n, const names_t *nm, const char *where)
{
    cr_assert(!s_has_nid(s, n), "a personal number in Redis (%s): %.*s", where, (int) (n > 80 ? 80 : n), s);
    for (size_t i = 0; i < nm->n; i++)
        cr_assert(!memmem(s, n, nm->names[i], strlen(nm->names[i])), "the name %s in Redis (%s)",
                  nm->names[i], where);
}

static void s_scan_reply(const redisReply *r, const names_t *nm, const char *where)
{
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
        s_scan_text(r->str, r->len, nm, where);
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        s_scan_reply(r->element[i], nm, where);
}

/* Every key and every value of every type Redis holds. Returns keys seen. */
static size_t s_scan_redis(const names_t *nm)
{
    redisReply *keys = redisCommand(s_redis.c, "KEYS *");
    for (size_t i = 0; i < keys->elements; i++) {
        const char *k = keys->element[i]->str;
        s_scan_text(k, strlen(k), nm, "key");
        redisReply *t = redisCommand(s_redis.c, "TYPE %s", k);
        const char *cmd = !strcmp(t->str, "hash")     ? "HGETALL %s"
                          : !strcmp(t->str, "list")   ? "LRANGE %s 0 -1"
                          : !strcmp(t->str, "set")    ? "SMEMBERS %s"
                          : !strcmp(t->str, "zset")   ? "ZRANGE %s 0 -1"
                          : !strcmp(t->str, "stream") ? "XRANGE %s - +"
                                                      : "GET %s";
        redisReply *v = redisCommand(s_redis.c, cmd, k);
        s_scan_reply(v, nm, k);
        freeReplyObject(v);
        freeReplyObject(t);
    }
    size_t n = keys->elements;
    freeReplyObject(keys);
    return n;
}

Test(mis_pipeline, generated_exports_give_the_generators_answers_and_leave_no_identifier_in_redis)
{
    char dir[512], exports[600], answers[600], persons[] = "800";
    snprintf(dir, sizeof dir, "%s/gen", s_redis.dir);
    const char *gen[] = {"gen", "mis", "--seed", "3", "--municipalities", "8", "--persons", persons,
                         "--out", dir, NULL};
    cr_assert_eq(th_run("lnob", gen, NULL, 60), 0);
    snprintf(exports, sizeof exports, "%s/exports", dir);
    snprintf(answers, sizeof answers, "%s/answers.csv", dir);
    char period[16];
    snprintf(period, sizeof period, "%ld", s_answer_total(answers, "PERIOD"));
    char *id = s_run(exports, period, NULL);
    cr_assert_geq(s_check_answers(id, answers), 100);
    cr_assert_eq(s_meta(id, "duplicates_merged"), s_answer_total(answers, "DUPLICATES_MERGED"));
    cr_assert_eq(s_meta(id, "rows_quarantined"), s_answer_total(answers, "REJECTED"));
    cr_assert_eq(s_meta(id, "records_unkeyed"), s_answer_total(answers, "UNKEYED_RECORDS"));
    cr_assert(s_has_nid("R01;J12345678K;x", 16) && !s_has_nid("72acb72a1ae9a1f59323972b8", 25),
              "the scan finds a personal number and passes a digest");
    names_t nm = {0};
    s_names_of(exports, &nm);
    cr_assert_gt(nm.n, 100, "the exports' names were found");
    cr_assert_gt(s_scan_redis(&nm), 100);
    for (size_t i = 0; i < nm.n; i++)
        free(nm.names[i]);
    free(nm.names);
    free(id);
}

/* ---- the drop folder -------------------------------------------------------- */

/* Copies src into dir as name the way an exporter should: written under a
 * temporary name, then renamed into place. */
static void s_drop(const char *src, const char *dir, const char *name)
{
    char tmp[1300], dst[1300];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    FILE *in = fopen(src, "rb"), *out = fopen(tmp, "wb");
    cr_assert(in && out, "%s -> %s", src, tmp);
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof buf, in)) > 0;)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    cr_assert_eq(rename(tmp, dst), 0);
}

/* Waits until lnob:mis:latest:2024 names an extract other than before;
 * returns it (owned) and the milliseconds it took. */
static char *s_next_latest(const char *before, long *ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 600; i++) {
        redisReply *r = redisCommand(s_redis.c, "GET lnob:mis:latest:2024");
        char *id = r && r->type == REDIS_REPLY_STRING && (!before || strcmp(r->str, before) != 0)
                       ? lnob_strdup(r->str) : NULL;
        freeReplyObject(r);
        if (id) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            *ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
            return id;
        }
        usleep(50000);
    }
    cr_assert_fail("no new MIS extract after 30 s");
    return NULL;
}

static int s_exists(const char *dir, const char *name)
{
    char path[1300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static double s_national(const char *id, const char *indicator)
{
    char *v = s_cell_value(id, indicator, "national");
    double d = strtod(v, NULL);
    free(v);
    return d;
}

Test(mis_pipeline, the_drop_folder_takes_each_export_once_and_survives_a_restart)
{
    const char *d = s_redis.dir;
    char ep[5][600], drop[600], log[4][600];
    const char *names[] = {"in", "agg", "sink", "pub", "ctl"};
    for (int i = 0; i < 5; i++)
        snprintf(ep[i], sizeof ep[i], "ipc://%.90s/%s", d, names[i]);
    char b[5][620], c[5][620];
    for (int i = 0; i < 5; i++) {
        snprintf(b[i], sizeof b[i], "@%.600s", ep[i]);
        snprintf(c[i], sizeof c[i], ">%.600s", ep[i]);
    }
    snprintf(drop, sizeof drop, "%s/drop", d);
    mkdir(drop, 0700);
    lnob_proc_t sink, agg, t1, ing;
    const char *a_sink[] = {"--pull", b[2], "--pub", b[3], "--redis", s_redis.url, "--control", c[4], NULL};
    const char *a_agg[] = {"--role", "aggregate", "--pull", b[1], "--push", c[2], "--control", b[4], NULL};
    const char *a_t[] = {"--pull", c[0], "--push", c[1], NULL};
    const char *a_in[] = {"--watch", drop, "--watch-ms", "100", "--push", b[0], "--control", c[4],
                          "--pseudonym-key", s_key, "--period", "2024", "--population",
                          DATA "mis_tv7/pop_municipality.csv", "--run-id", "watch", NULL};
    const char *logs[] = {"sink", "agg", "t1", "ingest"};
    for (int i = 0; i < 4; i++)
        snprintf(log[i], sizeof log[i], "%s/%s.log", d, logs[i]);
    th_start_logged(&sink, "lnob-sink", a_sink, log[0]);
    th_start_logged(&agg, "lnob-transform", a_agg, log[1]);
    th_start_logged(&t1, "lnob-transform", a_t, log[2]);
    th_start_logged(&ing, "lnob-ingest", a_in, log[3]);
    long ms;
    s_drop(DATA "mis_tv7/exports/01_puke.csv", drop, "01_puke.csv");
    char *first = s_next_latest(NULL, &ms);
    cr_log_info("first export stored %ld ms after it was renamed into the folder", ms);
    cr_assert_eq(s_national(first, "mis_ben_all"), 3, "Pukë alone: K1, K2, K3");
    s_drop(DATA "mis_tv7/exports/02_pustec.csv", drop, "02_pustec.csv");
    char *second = s_next_latest(first, &ms);
    cr_log_info("second export stored %ld ms after it was renamed into the folder", ms);
    s_check_answers(second, DATA "mis_tv7/answers.csv"); /* both exports: all of TV7 */
    for (int i = 0; i < 200 && !s_exists(drop, "done/02_pustec.csv"); i++)
        usleep(50000); /* the ingester moves it once the sink confirmed the extract */
    cr_assert(s_exists(drop, "done/01_puke.csv") && s_exists(drop, "done/02_pustec.csv"));
    cr_assert(!s_exists(drop, "01_puke.csv") && !s_exists(drop, "02_pustec.csv"));
    lnob_proc_stop(&ing, 5000); /* a restart takes nothing again */
    th_start_logged(&ing, "lnob-ingest", a_in, log[3]);
    usleep(1500000);
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 2, "no export was taken twice");
    /* A corrected Pukë export without R09 (K3's community centre) replaces the first. */
    char fixed[700];
    snprintf(fixed, sizeof fixed, "%s/fixed.csv.tmp", d);
    FILE *in = fopen(DATA "mis_tv7/exports/01_puke.csv", "r"), *out = fopen(fixed, "w");
    char line[4096];
    while (fgets(line, sizeof line, in))
        if (strncmp(line, "R09;", 4) != 0)
            fputs(line, out);
    fclose(in);
    fclose(out);
    s_drop(fixed, drop, "01_puke.csv");
    char *third = s_next_latest(second, &ms);
    char *cc = s_cell_value(third, "mis_ben", "municipality=AL153,service=COMMUNITY_CENTRE");
    cr_assert_str_eq(cc, "1", "the replaced export's cells changed (was 2)");
    char *all = s_cell_value(third, "mis_ben_all", "national");
    cr_assert_str_eq(all, "6", "K3 still counts through Pustec");
    free(cc);
    free(all);
    free(third);
    s_drop("/dev/null", drop, "03_empty.csv"); /* cannot be read at all */
    for (int i = 0; i < 200 && !s_exists(drop, "failed/03_empty.csv.reason"); i++)
        usleep(50000);
    cr_assert(s_exists(drop, "failed/03_empty.csv.reason"), "an unreadable export goes to failed/");
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 3);
    lnob_proc_stop(&ing, 5000);
    lnob_proc_stop(&t1, 5000);
    lnob_proc_stop(&agg, 5000);
    lnob_proc_stop(&sink, 5000);
    free(first);
    free(second);
}

/* An export with a header and a service label of its own and no
 * municipality column, and the mapping file beside it (export.csv.map)
 * that names them and the municipality. */
Test(mis_pipeline, a_mapping_file_beside_an_export_names_its_own_headers_and_labels)
{
    char dir[600], path[700], map[720];
    snprintf(dir, sizeof dir, "%s/mapped", s_redis.dir);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/01_puke.csv", dir);
    FILE *in = fopen(DATA "mis_tv7/exports/01_puke.csv", "r"), *out = fopen(path, "w");
    char line[4096];
    for (int first = 1; fgets(line, sizeof line, in); first = 0) {
        char *semi = strchr(line, ';'), *next = semi ? strchr(semi + 1, ';') : NULL;
        if (next) /* drop the municipality column: [source] names it */
            memmove(semi, next, strlen(next) + 1);
        char *at = strstr(line, first ? "Lloji i shërbimit" : "Kujdes në shtëpi");
        if (at) { /* "Lloji i shërbimit" -> "Sherbimi i ofruar"; home care -> "KNSH" */
            const char *to = first ? "Sherbimi i ofruar" : "KNSH";
            size_t from_len = strlen(first ? "Lloji i shërbimit" : "Kujdes në shtëpi");
            fprintf(out, "%.*s%s%s", (int) (at - line), line, to, at + from_len);
        } else
            fputs(line, out);
    }
    fclose(in);
    fclose(out);
    snprintf(map, sizeof map, "%s.map", path);
    out = fopen(map, "w");
    fputs("Sherbimi i ofruar = service\n[service]\nKNSH = HOME_CARE\n"
          "[source]\ndelimiter = semicolon\nencoding = utf-8\nmunicipality = Pukë\n", out);
    fclose(out);
    char second[700];
    snprintf(second, sizeof second, "%s/02_pustec.csv", dir);
    in = fopen(DATA "mis_tv7/exports/02_pustec.csv", "rb");
    out = fopen(second, "wb");
    for (size_t n; (n = fread(line, 1, sizeof line, in)) > 0;)
        fwrite(line, 1, n, out);
    fclose(in);
    fclose(out);
    char *id = s_run(dir, "2024", DATA "mis_tv7/pop_municipality.csv");
    s_check_answers(id, DATA "mis_tv7/answers.csv");
    cr_assert_eq(s_meta(id, "rows_quarantined"), 0);
    free(id);
}

Test(mis_pipeline, service_set_and_vuln_groups_reach_the_aggregator_and_the_metadata)
{
    setenv("LNOB_MIS_SERVICE_SET", "HOME_CARE,DAY_CENTRE,COMMUNITY_CENTRE,DISABILITY_PAYMENT", 1);
    setenv("LNOB_MIS_VULN_GROUPS", "DIS,ELD", 1);
    char *id = s_run(DATA "mis_tv7/exports", "2024", NULL);
    unsetenv("LNOB_MIS_SERVICE_SET");
    unsetenv("LNOB_MIS_VULN_GROUPS");
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *set = th_hget(s_redis.c, key, "service_set"), *groups = th_hget(s_redis.c, key, "vuln_groups");
    cr_assert_str_eq(set, "COMMUNITY_CENTRE,DAY_CENTRE,DISABILITY_PAYMENT,HOME_CARE");
    cr_assert_str_eq(groups, "DIS,ELD");
    /* Pukë: K1 (DIS, ELD) has S1, S2, S5; K2 and K3 keep S3 only. Pustec: K5 (DIS, ELD)
     * S5, S1, S2, S3; K6 (DIS) S5. Vulnerable: K1 (3 services) -> 100 %; K5 (4), K6 (1) -> 50 %. */
    char *ben = s_cell_value(id, "mis_ben_all", "national"); /* K1, K2, K3, K5, K6 */
    cr_assert_str_eq(ben, "5");
    char *m01 = s_cell_value(id, "mis_share3", "municipality=AL153");
    char *m02 = s_cell_value(id, "mis_share3", "municipality=AL346");
    cr_assert_str_eq(m01, "100");
    cr_assert_str_eq(m02, "50");
    free(m01), free(m02), free(ben), free(set), free(groups), free(id);
}
