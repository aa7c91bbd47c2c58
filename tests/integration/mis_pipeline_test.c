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
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "tap.h"
#include <czmq.h>
#include "lnob/csv.h"
#include "lnob/keys.h"
#include "lnob/mem.h"

#define DATA LNOB_SOURCE_DIR "/tests/data/"
#define RUN_TIMEOUT_S 120
#define MAX_FILES 64
#define NAME_HEADS 6

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
    for (struct dirent *e; (e = readdir(d)) && n < MAX_FILES / 2;)
        if (e->d_name[0] != '.') {
            files[n] = lnob_malloc(strlen(dir) + strlen(e->d_name) + 2);
            sprintf(files[n++], "%s/%s", dir, e->d_name);
        }
    closedir(d);
    qsort(files, n, sizeof *files, s_cmp_path);
    return n;
}

/* lnob run --mis over the exports of the dirs (NULL-terminated); returns
 * the extract id (owned). */
static char *s_run_dirs(const char *const *dirs, const char *period, const char *population)
{
    char *files[MAX_FILES];
    size_t n = 0;
    for (; *dirs; dirs++)
        n += s_exports(*dirs, files + n);
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
    char said[1300], report[1300];
    snprintf(said, sizeof said, "%s/run.stderr", s_redis.dir);
    snprintf(report, sizeof report, "%s/run.stdout", s_redis.dir);
    cr_assert_eq(th_run_logged("lnob", args, report, said, RUN_TIMEOUT_S), 0, "lnob run --mis failed");
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    return th_only_extract(s_redis.c);
}

/* lnob run --mis over dir's exports; returns the extract id (owned). */
static char *s_run(const char *dir, const char *period, const char *population)
{
    const char *dirs[] = {dir, NULL};
    return s_run_dirs(dirs, period, population);
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
        {"MIS_SHARE3_REG", "mis_share3_reg", 1, 0},
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

typedef struct {
    const char *id;
    size_t rows, off; /* MIS_SHARE3_REG rows; of them NOT_ON_REGISTER */
    int failed;
} reg_check_t;

/* An MIS_SHARE3_REG answer row: the cell's diagnostic is NOT_ON_REGISTER
 * exactly when the row's detail says so. */
static int s_register_row(void *arg, const lnob_csv_row_t *row)
{
    reg_check_t *c = arg;
    if (row->line == 1 || row->nfields < 11 || strcmp(row->fields[0], "MIS_SHARE3_REG") != 0)
        return LNOB_OK;
    char key[512];
    snprintf(key, sizeof key, "lnob:cell:%s:mis_share3_reg:municipality=%s", c->id, row->fields[1]);
    char *diag = th_hget(s_redis.c, key, "diagnostic");
    const int want = !strcmp(row->fields[10], "NOT_ON_REGISTER");
    if (want != !strcmp(diag, "NOT_ON_REGISTER")) {
        cr_log_error("answers line %llu: %s has diagnostic '%s', the answers '%s'",
                     (unsigned long long) row->line, key, diag, row->fields[10]);
        c->failed++;
    }
    c->rows++;
    c->off += want;
    free(diag);
    return LNOB_OK;
}

/* Checks the register rows' diagnostics; returns the rows, *off those
 * NOT_ON_REGISTER. */
static size_t s_check_register_rows(const char *id, const char *answers, size_t *off)
{
    reg_check_t c = {id, 0, 0, 0};
    size_t len;
    char *text = th_read(answers, &len);
    lnob_csv_t *csv = lnob_csv_new(',', s_register_row, &c);
    lnob_csv_feed(csv, text, len);
    lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
    free(text);
    cr_assert_eq(c.failed, 0, "%d register diagnostics differ (see the log)", c.failed);
    *off = c.off;
    return c.rows;
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
    char path[1300];
    snprintf(path, sizeof path, "%s/run.stdout", s_redis.dir);
    char *said = th_read(path, NULL); /* the report's lines are the kind's (its report op) */
    cr_assert(strstr(said, "persons 6; municipalities reporting 2"), "%s", said);
    free(said);
    free(id);
}

/* TV7's exports with the two municipalities' needs-assessment registers
 * (one recognised by its assessment-date column, one by `kind = register`
 * in its mapping file): the register shares are the hand-computed ones, and
 * every TV7 answer stands. */
Test(mis_pipeline, needs_assessment_registers_give_the_register_share_and_change_nothing_else)
{
    const char *dirs[] = {DATA "mis_tv7/exports", DATA "mis_tv7/registers", NULL};
    char *id = s_run_dirs(dirs, "2024", DATA "mis_tv7/pop_municipality.csv");
    cr_assert_eq(s_check_answers(id, DATA "mis_tv7/answers_registers.csv"), 2);
    cr_assert_geq(s_check_answers(id, DATA "mis_tv7/answers.csv"), 60);
    char key[512];
    snprintf(key, sizeof key, "lnob:cell:%s:mis_share3_reg:municipality=AL153", id);
    char *diag = th_hget(s_redis.c, key, "diagnostic");
    cr_assert_str_eq(diag, "NOT_ON_REGISTER", "K2 counts in the numerator but was never assessed");
    free(diag);
    cr_assert_eq(s_meta(id, "register_entries_active"), 10, "7 + 5 entries, K10 cancelled, K11 gone");
    cr_assert_eq(s_meta(id, "persons"), 6, "register entries are not beneficiaries");
    free(id);
}

/* ---- identifiers ------------------------------------------------------------- */

/* A personal-number shape: a letter, eight digits, a letter, standing
 * alone (inside a longer run of letters and digits, such as a hex digest,
 * it is not one). In binary bytes (binary 1) any neighbours count, and
 * the letters must be upper case (a hex digest is lower case). */
static int s_has_nid(const char *s, size_t n, int binary)
{
    for (size_t i = 0; i + 10 <= n; i++) {
        int (*letter)(int) = binary ? isupper : isalpha;
        if (!letter((unsigned char) s[i]) || !letter((unsigned char) s[i + 9]))
            continue;
        if (!binary && ((i > 0 && isalnum((unsigned char) s[i - 1])) ||
                        (i + 10 < n && isalnum((unsigned char) s[i + 10]))))
            continue;
        size_t d = 1;
        while (d < 9 && isdigit((unsigned char) s[i + d]))
            d++;
        if (d == 9)
            return 1;
    }
    return 0;
}

/* What must never leave the ingester: names and personal numbers. */
typedef struct {
    char **names;
    size_t n, cap;
    char **nids;       /* personal numbers as written, and normalised */
    size_t n_nids, cap_nids;
    int col[NAME_HEADS];
} names_t;

static const char *const s_heads[NAME_HEADS] = {"Emri", "Mbiemri", "First name", "Last name",
                                                "Nr. personal", "Personal number"};
#define FIRST_NID_HEAD 4

static void s_add_text(char ***list, size_t *n, size_t *cap, const char *v)
{
    lnob_grow((void **) list, cap, *n + 1, sizeof **list);
    (*list)[(*n)++] = lnob_strdup(v);
}

/* A personal number as the ingester keys it: no spaces, upper case. */
static void s_add_nid(names_t *nm, const char *v)
{
    char norm[64];
    size_t k = 0;
    for (const char *p = v; *p && k < sizeof norm - 1; p++)
        if (*p != ' ')
            norm[k++] = (char) toupper((unsigned char) *p);
    norm[k] = '\0';
    s_add_text(&nm->nids, &nm->n_nids, &nm->cap_nids, v);
    if (strcmp(norm, v) != 0)
        s_add_text(&nm->nids, &nm->n_nids, &nm->cap_nids, norm);
}

/* Collects the ASCII first and last names and the personal numbers of an
 * export (their columns by header). */
static int s_name_row(void *arg, const lnob_csv_row_t *row)
{
    names_t *nm = arg;
    if (row->line == 1) {
        for (int k = 0; k < NAME_HEADS; k++) {
            nm->col[k] = -1;
            for (size_t i = 0; i < row->nfields; i++)
                if (!strcasecmp(row->fields[i], s_heads[k]))
                    nm->col[k] = (int) i;
        }
        return LNOB_OK;
    }
    for (int k = 0; k < NAME_HEADS; k++) {
        if (nm->col[k] < 0 || (size_t) nm->col[k] >= row->nfields || row->lens[nm->col[k]] < 4)
            continue;
        const char *v = row->fields[nm->col[k]];
        if (k >= FIRST_NID_HEAD) {
            s_add_nid(nm, v);
            continue;
        }
        int ascii = 1;
        for (const char *p = v; *p; p++)
            ascii &= (unsigned char) *p < 128 && *p != ' ';
        if (ascii)
            s_add_text(&nm->names, &nm->n, &nm->cap, v);
    }
    return LNOB_OK;
}

static void s_names_free(names_t *nm)
{
    for (size_t i = 0; i < nm->n; i++)
        free(nm->names[i]);
    for (size_t i = 0; i < nm->n_nids; i++)
        free(nm->nids[i]);
    free(nm->names);
    free(nm->nids);
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

/* Asserts that s[0..n) holds none of the input's names and personal
 * numbers; binary: also no personal-number shape within other bytes. */
static void s_scan_bytes(const char *s, size_t n, const names_t *nm, int binary, const char *where)
{
    cr_assert(!s_has_nid(s, n, 0), "a personal number in %s: %.*s", where, (int) (n > 80 ? 80 : n), s);
    cr_assert(!binary || !s_has_nid(s, n, 1), "a personal-number shape in %s", where);
    for (size_t i = 0; i < nm->n_nids; i++)
        cr_assert(!memmem(s, n, nm->nids[i], strlen(nm->nids[i])), "the personal number %s in %s",
                  nm->nids[i], where);
    for (size_t i = 0; i < nm->n; i++)
        cr_assert(!memmem(s, n, nm->names[i], strlen(nm->names[i])), "the name %s in %s",
                  nm->names[i], where);
}

static void s_scan_text(const char *s, size_t n, const names_t *nm, const char *where)
{
    char what[300];
    snprintf(what, sizeof what, "Redis (%s)", where);
    s_scan_bytes(s, n, nm, 0, what);
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

/* Generated exports with three needs-assessment registers (two recognised
 * by their headers, one by its mapping file): every answer, the register
 * shares and their NOT_ON_REGISTER diagnostics included, is the pipeline's
 * cell; the metadata counts what the answers count; and nothing the
 * exports or registers identify anyone by reaches Redis. */
Test(mis_pipeline, generated_exports_give_the_generators_answers_and_leave_no_identifier_in_redis)
{
    char dir[512], exports[600], answers[600], persons[] = "800";
    snprintf(dir, sizeof dir, "%s/gen", s_redis.dir);
    const char *gen[] = {"gen", "mis", "--seed", "3", "--municipalities", "8", "--persons", persons,
                         "--registers", "3", "--out", dir, NULL};
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
    cr_assert_gt(s_answer_total(answers, "REGISTER_ENTRIES_ACTIVE"), 0);
    cr_assert_eq(s_meta(id, "register_entries_active"),
                 s_answer_total(answers, "REGISTER_ENTRIES_ACTIVE"));
    cr_assert_eq(s_meta(id, "register_persons"), s_answer_total(answers, "REGISTER_PERSONS"));
    size_t off = 0;
    cr_assert_eq(s_check_register_rows(id, answers, &off), 3, "a register share per register");
    cr_assert_gt(off, 0, "a register leaves out a person of the numerator");
    cr_assert(s_has_nid("R01;J12345678K;x", 16, 0) && !s_has_nid("72acb72a1ae9a1f59323972b8", 25, 0),
              "the scan finds a personal number and passes a digest");
    names_t nm = {0};
    s_names_of(exports, &nm);
    cr_assert_gt(nm.n, 100, "the exports' names were found");
    cr_assert_gt(s_scan_redis(&nm), 100);
    s_names_free(&nm);
    free(id);
}

/* ---- the wire --------------------------------------------------------------- */

#define HOPS 5

/* Runs of 64 lowercase hex digits (person keys) in s[0..n). */
static size_t s_digests(const char *s, size_t n)
{
    size_t found = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        int hex = isdigit((unsigned char) s[i]) || (s[i] >= 'a' && s[i] <= 'f');
        run = hex ? run + 1 : 0;
        found += run == 64;
    }
    return found;
}

/* The key file's 32 bytes, from its hex text. */
static void s_key_bytes(const char *hex, unsigned char *out)
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char) v;
    }
}

/* Every byte between the workers goes through a tap: the ingester's
 * batches to the transformer, the transformer's runs to the aggregator,
 * its results to the sink, the published results, and the control
 * channel the ingester and the sink share with the aggregator. None of it,
 * and none of the workers' logs, holds a name, a personal number or the
 * key; the same scan finds both in the exports themselves. */
Test(mis_pipeline, no_name_personal_number_or_key_on_any_wire_or_in_any_log)
{
    const char *d = s_redis.dir;
    char gen_dir[600], exports[700], answers[700];
    snprintf(gen_dir, sizeof gen_dir, "%s/gen", d);
    const char *gen[] = {"gen", "mis", "--seed", "5", "--municipalities", "6", "--persons", "500",
                         "--registers", "2", "--out", gen_dir, NULL}; /* registers carry names too */
    cr_assert_eq(th_run("lnob", gen, NULL, 60), 0);
    snprintf(exports, sizeof exports, "%s/exports", gen_dir);
    snprintf(answers, sizeof answers, "%s/answers.csv", gen_dir);
    names_t nm = {0};
    s_names_of(exports, &nm);
    cr_assert_gt(nm.n_nids, 100, "the exports' personal numbers were found");
    char *files[MAX_FILES];
    size_t n_files = s_exports(exports, files);
    int seen_nid = 0;
    for (size_t i = 0; i < n_files; i++) { /* the scan would see them */
        size_t len;
        char *text = th_read(files[i], &len);
        seen_nid |= s_has_nid(text, len, 0) && s_has_nid(text, len, 1);
        free(text);
    }
    cr_assert(seen_nid, "the scan finds personal numbers in the exports");

    const char *hop[HOPS] = {"in", "agg", "sink", "pub", "ctl"};
    char real[HOPS][300], tapped[HOPS][320], bind[HOPS][320], conn[HOPS][330];
    th_tap_t *tap[HOPS];
    for (int i = 0; i < HOPS; i++) {
        snprintf(real[i], sizeof real[i], "%.200s/%s", d, hop[i]);
        snprintf(tapped[i], sizeof tapped[i], "%.290s.tap", real[i]);
        snprintf(bind[i], sizeof bind[i], "@ipc://%.300s", real[i]);
        snprintf(conn[i], sizeof conn[i], ">ipc://%.310s", tapped[i]);
        tap[i] = th_tap_new(real[i], tapped[i]);
    }
    char period[16];
    snprintf(period, sizeof period, "%ld", s_answer_total(answers, "PERIOD"));
    const char *a_sink[] = {"--pull", bind[2], "--pub", bind[3], "--redis", s_redis.url, "--control", conn[4], NULL};
    const char *a_agg[] = {"--pull", bind[1], "--push", conn[2], "--control", bind[4], NULL};
    const char *a_t[] = {"--pull", conn[0], "--push", conn[1], "--log-level", "debug", NULL};
    const char *a_in[MAX_FILES + 16] = {"--push", bind[0], "--control", conn[4], "--pseudonym-key", s_key,
                                        "--period", period, "--run-id", "wire", "--batch-size", "40",
                                        "--log-level", "debug", "--mis"};
    size_t k = 15;
    for (size_t i = 0; i < n_files; i++)
        a_in[k++] = files[i];
    a_in[k] = NULL;
    char log[4][700];
    const char *logs[4] = {"sink", "agg", "t1", "ingest"};
    for (int i = 0; i < 4; i++)
        snprintf(log[i], sizeof log[i], "%s/wire_%s.log", d, logs[i]);
    lnob_proc_t sink, agg, t1, ing;
    th_start_logged(&sink, "lnob-sink", a_sink, log[0]);
    th_start_logged(&agg, "lnob-aggregate", a_agg, log[1]);
    th_start_logged(&t1, "lnob-transform", a_t, log[2]);
    for (int i = 0; i < 200 && access(real[3], F_OK) != 0; i++)
        usleep(20000); /* the sink has bound its PUB: the tap can pass the connection on */
    zsock_t *sub = zsock_new_sub(conn[3] + 1, ""); /* the dashboards' view */
    cr_assert_not_null(sub);
    for (int i = 0; i < 15; i++) { /* the subscription reaches the sink before the result */
        usleep(20000);
        zsock_events(sub); /* a socket sends its subscription when the test calls it */
    }
    th_start_logged(&ing, "lnob-ingest", a_in, log[3]);
    for (int i = 0; i < 1200 && !lnob_proc_poll(&ing); i++)
        usleep(50000);
    cr_assert(ing.exited && ing.status == 0, "the ingester finished its extract (status %d)", ing.status);
    zsock_set_rcvtimeo(sub, 5000);
    zmsg_t *published = zmsg_recv(sub);
    cr_assert_not_null(published, "the result was published");
    zmsg_destroy(&published);
    zsock_destroy(&sub);
    char *id = th_only_extract(s_redis.c);
    cr_assert_geq(s_check_answers(id, answers), 50, "the tapped pipeline computed the answers");
    lnob_proc_stop(&t1, 5000);
    lnob_proc_stop(&agg, 5000);
    lnob_proc_stop(&sink, 5000);

    size_t key_len;
    char *key_hex = th_read(s_key, &key_len);
    unsigned char key[32];
    s_key_bytes(key_hex, key);
    size_t digests = 0;
    for (int i = 0; i < HOPS; i++) {
        size_t len;
        const char *bytes = th_tap_bytes(tap[i], &len);
        char where[64];
        snprintf(where, sizeof where, "the %s wire", hop[i]);
        cr_assert_gt(len, 0, "%s carried something", where);
        cr_assert_gt(th_tap_connections(tap[i]), 0);
        s_scan_bytes(bytes, len, &nm, 1, where);
        cr_assert(!memmem(bytes, len, key_hex, 64) && !memmem(bytes, len, key, sizeof key), "the key on %s", where);
        if (i < 3)
            cr_assert(memmem(bytes, len, "wire", 4), "%s carries the run's messages", where);
        digests += s_digests(bytes, len);
    }
    cr_assert_gt(digests, 100, "person keys travel instead (%zu seen)", digests);
    for (int i = 0; i < 4; i++) {
        size_t len;
        char *text = th_read(log[i], &len);
        char where[64];
        snprintf(where, sizeof where, "the %s log", logs[i]);
        s_scan_bytes(text, len, &nm, 1, where);
        cr_assert(!memmem(text, len, key_hex, 64), "the key in %s", where);
        free(text);
    }
    for (int i = 0; i < HOPS; i++)
        th_tap_destroy(&tap[i]);
    for (size_t i = 0; i < n_files; i++)
        free(files[i]);
    free(key_hex);
    free(id);
    s_names_free(&nm);
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

/* Waits until lnob:current:mis:official:2024 names an extract other than before;
 * returns it (owned) and the milliseconds it took. */
static char *s_next_latest(const char *before, long *ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 600; i++) {
        redisReply *r = redisCommand(s_redis.c, "GET lnob:current:mis:official:2024");
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

/* One round: src dropped into w's folder as name; returns the extract it
 * made (the newest after before), once the ingester moved name to done/. */
static char *s_round(const char *drop, const char *src, const char *name, const char *before)
{
    long ms;
    char done[300];
    s_drop(src, drop, name);
    char *id = s_next_latest(before, &ms);
    snprintf(done, sizeof done, "done/%s", name);
    for (int i = 0; i < 200 && !s_exists(drop, done); i++)
        usleep(50000); /* the ingester moves it once the sink confirmed the extract */
    return id;
}

static double s_national(const char *id, const char *indicator)
{
    char *v = s_cell_value(id, indicator, "national");
    double d = strtod(v, NULL);
    free(v);
    return d;
}

/* The workers of a drop folder test: sink, aggregator, one transformer and
 * an ingester watching drop/ in the test's directory, each with a log. */
typedef struct {
    char ep[5][600], b[5][620], c[5][620], drop[600], log[4][600], settle[16];
    const char *a_in[24], *a_agg[8];
    lnob_proc_t sink, agg, t1, ing;
} watch_t;

static void s_watch_up(watch_t *w, long settle_ms)
{
    const char *d = s_redis.dir;
    const char *names[] = {"in", "agg", "sink", "pub", "ctl"};
    for (int i = 0; i < 5; i++) {
        snprintf(w->ep[i], sizeof w->ep[i], "ipc://%.90s/%s", d, names[i]);
        snprintf(w->b[i], sizeof w->b[i], "@%.600s", w->ep[i]);
        snprintf(w->c[i], sizeof w->c[i], ">%.600s", w->ep[i]);
    }
    snprintf(w->drop, sizeof w->drop, "%s/drop", d);
    mkdir(w->drop, 0700);
    snprintf(w->settle, sizeof w->settle, "%ld", settle_ms);
    const char *a_sink[] = {"--pull", w->b[2], "--pub", w->b[3], "--redis", s_redis.url, "--control", w->c[4], NULL};
    const char *a_agg[] = {"--pull", w->b[1], "--push", w->c[2], "--control", w->b[4], NULL};
    const char *a_t[] = {"--pull", w->c[0], "--push", w->c[1], NULL};
    const char *a_in[] = {"--watch", w->drop, "--watch-ms", "100", "--settle-ms", w->settle, "--push", w->b[0],
                          "--control", w->c[4], "--pseudonym-key", s_key, "--period", "2024", "--population",
                          DATA "mis_tv7/pop_municipality.csv", "--run-id", "watch", NULL};
    memcpy(w->a_in, a_in, sizeof a_in);
    memcpy(w->a_agg, a_agg, sizeof a_agg);
    const char *logs[] = {"sink", "agg", "t1", "ingest"};
    for (int i = 0; i < 4; i++)
        snprintf(w->log[i], sizeof w->log[i], "%s/%s.log", d, logs[i]);
    th_start_logged(&w->sink, "lnob-sink", a_sink, w->log[0]);
    th_start_logged(&w->agg, "lnob-aggregate", a_agg, w->log[1]);
    th_start_logged(&w->t1, "lnob-transform", a_t, w->log[2]);
    th_start_logged(&w->ing, "lnob-ingest", w->a_in, w->log[3]);
}

static void s_watch_down(watch_t *w)
{
    lnob_proc_stop(&w->ing, 5000);
    lnob_proc_stop(&w->t1, 5000);
    lnob_proc_stop(&w->agg, 5000);
    lnob_proc_stop(&w->sink, 5000);
}

/* A file renamed into the folder after it was written is taken at the next
 * look, without waiting --settle-ms (60 s here): its inode changed after
 * its content did. */
Test(mis_pipeline, an_export_renamed_into_the_drop_folder_is_taken_at_once)
{
    watch_t *w = lnob_calloc(1, sizeof *w);
    s_watch_up(w, 60000);
    char tmp[700], dst[700];
    snprintf(tmp, sizeof tmp, "%s/.01_puke.csv.tmp", w->drop);
    snprintf(dst, sizeof dst, "%s/01_puke.csv", w->drop);
    char *text = th_read(DATA "mis_tv7/exports/01_puke.csv", NULL);
    FILE *f = fopen(tmp, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    free(text);
    usleep(30000); /* past the clock tick of the write */
    cr_assert_eq(rename(tmp, dst), 0);
    long ms;
    char *id = s_next_latest(NULL, &ms); /* fails after 30 s, half the settle time */
    cr_log_info("renamed export stored %ld ms after the rename", ms);
    char *log = th_read(w->log[3], NULL);
    cr_assert(strstr(log, "01_puke.csv: complete: renamed into the folder"), "%s", log);
    cr_assert_lt(ms, 30000);
    free(log);
    free(id);
    s_watch_down(w);
    free(w);
}

Test(mis_pipeline, the_drop_folder_takes_each_export_once_and_survives_a_restart)
{
    watch_t *w = lnob_calloc(1, sizeof *w);
    s_watch_up(w, 300);
    const char *d = s_redis.dir, *drop = w->drop;
    long ms;
    s_drop(DATA "mis_tv7/exports/01_puke.csv", drop, "01_puke.csv");
    char *first = s_next_latest(NULL, &ms);
    cr_log_info("first export stored %ld ms after it was renamed into the folder", ms);
    cr_assert_eq(s_national(first, "mis_ben_all"), 3, "Pukë alone: K1, K2, K3");
    s_drop(DATA "mis_tv7/exports/02_pustec.csv", drop, "02_pustec.csv");
    char *second = s_next_latest(first, &ms);
    cr_log_info("second export stored %ld ms after it was renamed into the folder", ms);
    s_check_answers(second, DATA "mis_tv7/answers.csv"); /* both exports: all of TV7 */
    lnob_key_t mk;
    char *from = th_hget(s_redis.c, lnob_key_extract(&mk, second), "counted_from");
    cr_assert_str_eq(from, first, "the second round counted again only Pustec's persons");
    free(from);
    char said[200], *log = th_read(w->log[3], NULL), *agg_log = th_read(w->log[1], NULL);
    snprintf(said, sizeof said, "1 of them carried from %s", first); /* Pukë's one batch */
    cr_assert(strstr(log, said), "the ingester did not send Pukë again: %s", log);
    snprintf(said, sizeof said, "1 batches carried from %s", first);
    cr_assert(strstr(agg_log, said), "the aggregator took it from the round before: %s", agg_log);
    free(log);
    free(agg_log);
    for (int i = 0; i < 200 && !s_exists(drop, "done/02_pustec.csv"); i++)
        usleep(50000); /* the ingester moves it once the sink confirmed the extract */
    cr_assert(s_exists(drop, "done/01_puke.csv") && s_exists(drop, "done/02_pustec.csv"));
    cr_assert(!s_exists(drop, "01_puke.csv") && !s_exists(drop, "02_pustec.csv"));
    lnob_proc_stop(&w->ing, 5000); /* a restart takes nothing again */
    th_start_logged(&w->ing, "lnob-ingest", w->a_in, w->log[3]);
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
    /* The restarted ingester read both exports for the corrected one; a
     * round after that reads only what is new, the rest it still knows. */
    const char *taken = "1 new export(s) taken; 2 in all, 1 of them read in this round";
    log = NULL;
    for (int i = 0; i < 200 && !s_exists(drop, "done/01_puke.csv"); i++)
        usleep(50000);
    s_drop(DATA "mis_tv7/exports/02_pustec.csv", drop, "02_pustec.csv");
    for (int i = 0; i < 200 && !(log && strstr(log, taken)); i++) {
        free(log);
        usleep(50000);
        log = th_read(w->log[3], NULL);
    }
    cr_assert(strstr(log, taken), "Pukë came from the ingester's memory of it: %s", log);
    free(log);
    /* That round carried the corrected Pukë from the third, which the
     * restarted ingester sent whole (counted afresh): the same cells. */
    char *fourth = s_next_latest(third, &ms);
    char *from3 = th_hget(s_redis.c, lnob_key_extract(&mk, third), "counted_from");
    char *from4 = th_hget(s_redis.c, lnob_key_extract(&mk, fourth), "counted_from");
    cr_assert_str_eq(from3, "", "a restarted ingester carries nothing");
    cr_assert_str_eq(from4, third);
    char *cells3 = th_cells_of(s_redis.c, third), *cells4 = th_cells_of(s_redis.c, fourth);
    cr_assert(*cells3 && !strcmp(cells3, cells4), "counted again only where changed = counted afresh");
    free(cells3), free(cells4), free(from3), free(from4), free(fourth);
    free(cc);
    free(all);
    free(third);
    s_drop("/dev/null", drop, "03_empty.csv"); /* cannot be read at all */
    for (int i = 0; i < 200 && !s_exists(drop, "failed/03_empty.csv.reason"); i++)
        usleep(50000);
    cr_assert(s_exists(drop, "failed/03_empty.csv.reason"), "an unreadable export goes to failed/");
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 4,
                 "three rounds and the one of Pustec again (its files in another order: another extract)");
    s_watch_down(w);
    free(w);
    free(first);
    free(second);
}

/* A round carries what the round before sent of the same content; an
 * aggregator restarted between the two does not hold it: the carried
 * batches stay missing until the ingester's redelivery sends them, and the
 * extract is what sending it all gives. */
Test(mis_pipeline, carried_batches_an_aggregator_does_not_hold_come_by_redelivery)
{
    watch_t *w = lnob_calloc(1, sizeof *w);
    s_watch_up(w, 300);
    long ms;
    char *first = s_round(w->drop, DATA "mis_tv7/exports/01_puke.csv", "01_puke.csv", NULL);
    lnob_proc_stop(&w->agg, 5000);
    th_start_logged(&w->agg, "lnob-aggregate", w->a_agg, w->log[1]);
    s_drop(DATA "mis_tv7/exports/02_pustec.csv", w->drop, "02_pustec.csv");
    char *second = s_next_latest(first, &ms);
    cr_log_info("stored %ld ms after the drop, through a redelivery", ms);
    s_check_answers(second, DATA "mis_tv7/answers.csv");
    char said[200], *log = th_read(w->log[3], NULL), *agg_log = th_read(w->log[1], NULL);
    snprintf(said, sizeof said, "1 of them carried from %s", first);
    cr_assert(strstr(log, said), "%s", log);
    cr_assert(strstr(log, "made no progress"), "the ingester sent what was missing: %s", log);
    snprintf(said, sizeof said, "0 batches carried from %s, 1 not held here", first);
    cr_assert(strstr(agg_log, said), "%s", agg_log);
    free(log);
    free(agg_log);
    free(first);
    free(second);
    s_watch_down(w);
    free(w);
}

/* Two exports with the same bytes (a municipality's file sent twice under
 * two names) are two ranges of the round before: the next round carries
 * both, the second is not left to a redelivery. */
Test(mis_pipeline, two_exports_of_the_same_bytes_are_both_carried)
{
    watch_t *w = lnob_calloc(1, sizeof *w);
    s_watch_up(w, 300);
    long ms;
    char *first = s_round(w->drop, DATA "mis_tv7/exports/01_puke.csv", "01_puke.csv", NULL);
    char *second = s_round(w->drop, DATA "mis_tv7/exports/01_puke.csv", "03_puke_again.csv", first);
    s_drop(DATA "mis_tv7/exports/02_pustec.csv", w->drop, "02_pustec.csv");
    char *third = s_next_latest(second, &ms);
    cr_assert_eq(s_national(third, "mis_ben_all"), 6, "the copy adds no person");
    char said[200], *agg_log = th_read(w->log[1], NULL);
    snprintf(said, sizeof said, "extract %s: 2 batches carried from %s\n", third, second);
    cr_assert(strstr(agg_log, said), "both copies taken from the round before: %s", agg_log);
    cr_assert(!strstr(agg_log, "not held here"), "%s", agg_log);
    free(agg_log);
    free(first);
    free(second);
    free(third);
    s_watch_down(w);
    free(w);
}

/* Appends src's bytes [from, to) (to 0: its end) to dst, as a writer that
 * writes a file in place, in pieces, would. */
static void s_append(const char *src, long from, long to, const char *dst)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "ab");
    cr_assert(in && out, "%s -> %s", src, dst);
    fseek(in, from, SEEK_SET);
    for (long at = from; (to == 0 || at < to);) {
        int ch = fgetc(in);
        if (ch == EOF)
            break;
        fputc(ch, out);
        at++;
    }
    fclose(in);
    fclose(out);
}

static long s_file_bytes(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return (long) st.st_size;
}

/* A writer that does not rename: the first half of the export under its
 * final name is not taken while the file keeps changing; the whole is,
 * once unchanged for --settle-ms. A NAME.done marker says at once that
 * NAME is complete. */
Test(mis_pipeline, the_drop_folder_takes_a_file_written_in_place_only_when_complete)
{
    watch_t *w = lnob_calloc(1, sizeof *w);
    s_watch_up(w, 1500);
    const char *puke = DATA "mis_tv7/exports/01_puke.csv";
    char dst[700], *log_text;
    snprintf(dst, sizeof dst, "%s/01_puke.csv", w->drop);
    long half = s_file_bytes(puke) / 2;
    s_append(puke, 0, half, dst);
    for (int i = 0; i < 6; i++) { /* a slow writer: a piece every 250 ms */
        usleep(250000);
        s_append(puke, half + i * 4, i == 5 ? 0 : half + (i + 1) * 4, dst);
    }
    cr_assert(s_exists(w->drop, "01_puke.csv"), "taken while it was being written");
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 0, "taken while it was being written");
    long ms;
    char *first = s_next_latest(NULL, &ms);
    cr_assert_eq(s_national(first, "mis_ben_all"), 3, "Pukë whole: K1, K2, K3");
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", first);
    char *rows = th_hget(s_redis.c, key, "rows_read");
    cr_assert_str_eq(rows, "9", "every row of the export");
    log_text = th_read(w->log[3], NULL);
    cr_assert(strstr(log_text, "01_puke.csv: not taken yet"), "%s", log_text);
    cr_assert(strstr(log_text, "01_puke.csv: complete: unchanged for"), "%s", log_text);
    /* The marker: taken on the next look, however recent the file. */
    snprintf(dst, sizeof dst, "%s/02_pustec.csv", w->drop);
    s_append(DATA "mis_tv7/exports/02_pustec.csv", 0, 0, dst);
    snprintf(dst, sizeof dst, "%s/02_pustec.csv.done", w->drop);
    s_append("/dev/null", 0, 0, dst);
    char *second = s_next_latest(first, &ms);
    s_check_answers(second, DATA "mis_tv7/answers.csv");
    free(log_text);
    log_text = th_read(w->log[3], NULL);
    cr_assert(strstr(log_text, "02_pustec.csv: complete: 02_pustec.csv.done marks it so"), "%s", log_text);
    for (int i = 0; i < 200 && !s_exists(w->drop, "done/02_pustec.csv"); i++)
        usleep(50000);
    cr_assert(!s_exists(w->drop, "02_pustec.csv.done"), "the marker goes when its file is taken");
    /* One good row of three: above the reject ceiling, to failed/ with the counts. */
    snprintf(dst, sizeof dst, "%s/03_bad.csv", w->drop);
    FILE *bad = fopen(dst, "w");
    fputs("ID;Bashkia;Nr. personal;Gjinia;Lloji i shërbimit;Kategoria;Data e fillimit\n"
          "B1;Pukë;Z90000009S;F;Kujdes në shtëpi;PAK;01.05.2024\n"
          "B2;Pukë;Z90000008S;F;Kujdes në kënetë;PAK;01.05.2024\n"
          "B3;Pukë;Z90000007S;F;Kujdes në shtëpi;PAK;31.02.2024\n", bad);
    fclose(bad);
    snprintf(dst, sizeof dst, "%s/03_bad.csv.done", w->drop);
    s_append("/dev/null", 0, 0, dst);
    for (int i = 0; i < 200 && !s_exists(w->drop, "failed/03_bad.csv.reason"); i++)
        usleep(50000);
    snprintf(dst, sizeof dst, "%s/failed/03_bad.csv.reason", w->drop);
    char *why = th_read(dst, NULL);
    cr_assert_str_eq(why, "TOO_MANY_REJECTS: 2 of 3 rows rejected, above --max-reject-share 5 %\n");
    cr_assert_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 2, "no extract of the bad export");
    free(why);
    s_watch_down(w);
    free(log_text);
    free(rows);
    free(first);
    free(second);
    free(w);
}

#define PUKE_MAP "Sherbimi i ofruar = service\n[service]\nKNSH = HOME_CARE\n" \
                 "[source]\ndelimiter = semicolon\nencoding = utf-8\nmunicipality = Pukë\n"

/* Writes into dir TV7's Pukë export with a header and a service label of
 * its own and no municipality column (what PUKE_MAP says), as name, and
 * the Pustec export as it is. */
static void s_write_own_shapes(const char *dir, const char *name)
{
    char path[900], second[900], line[4096];
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *in = fopen(DATA "mis_tv7/exports/01_puke.csv", "r"), *out = fopen(path, "w");
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
    snprintf(second, sizeof second, "%s/02_pustec.csv", dir);
    in = fopen(DATA "mis_tv7/exports/02_pustec.csv", "rb");
    out = fopen(second, "wb");
    for (size_t n; (n = fread(line, 1, sizeof line, in)) > 0;)
        fwrite(line, 1, n, out);
    fclose(in);
    fclose(out);
}

static void s_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* An export in a shape of its own, and the mapping file beside it
 * (export.csv.map) that names its headers, labels and the municipality. */
Test(mis_pipeline, a_mapping_file_beside_an_export_names_its_own_headers_and_labels)
{
    char dir[600], map[720];
    snprintf(dir, sizeof dir, "%s/mapped", s_redis.dir);
    s_write_own_shapes(dir, "01_puke.csv");
    snprintf(map, sizeof map, "%s/01_puke.csv.map", dir);
    s_write_text(map, PUKE_MAP);
    char *id = s_run(dir, "2024", DATA "mis_tv7/pop_municipality.csv");
    s_check_answers(id, DATA "mis_tv7/answers.csv");
    cr_assert_eq(s_meta(id, "rows_quarantined"), 0);
    free(id);
}

/* The same export under a monthly name, read through the sources table
 * (--mis-sources: pattern = mapping file) instead of a file beside it; a
 * corrected mapping makes a new extract (the mapping is part of the
 * extract's checksum), and a table naming a bad mapping file stops the run
 * at start-up. */
Test(mis_pipeline, a_sources_table_maps_exports_by_name)
{
    char dir[600], maps[700], map[760], table[760];
    snprintf(dir, sizeof dir, "%s/monthly", s_redis.dir);
    s_write_own_shapes(dir, "puke_2024-11.csv");
    snprintf(maps, sizeof maps, "%s/maps", s_redis.dir);
    mkdir(maps, 0700);
    snprintf(map, sizeof map, "%s/puke.map", maps);
    s_write_text(map, PUKE_MAP);
    snprintf(table, sizeof table, "%s/sources.txt", s_redis.dir);
    s_write_text(table, "# export file name = mapping file, relative to this table\n"
                        "puke_*.csv = maps/puke.map\n");
    setenv("LNOB_MIS_SOURCES", table, 1);
    char *id = s_run(dir, "2024", DATA "mis_tv7/pop_municipality.csv");
    s_check_answers(id, DATA "mis_tv7/answers.csv");
    cr_assert_eq(s_meta(id, "rows_quarantined"), 0);
    s_write_text(map, PUKE_MAP "[group]\nPAK = OTHER\n"); /* K1 is no longer DIS */
    freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    char *second = s_run(dir, "2024", DATA "mis_tv7/pop_municipality.csv");
    cr_assert_str_neq(second, id, "a changed mapping is a new extract");
    char key[512];
    snprintf(key, sizeof key, "lnob:cell:%s:mis_ben_all:municipality,group=AL153,DIS", second);
    char *dis = th_hget(s_redis.c, key, "value");
    cr_assert_str_eq(dis, "", "nobody in Pukë is DIS under the corrected mapping");
    free(dis);
    s_write_text(map, "nonsense without an equals sign\n");
    char export[700];
    snprintf(export, sizeof export, "%s/puke_2024-11.csv", dir);
    const char *args[] = {"run", "--mis", export, "--pseudonym-key", s_key, "--redis", s_redis.url, NULL};
    char log[800];
    snprintf(log, sizeof log, "%s/refused.log", s_redis.dir);
    fflush(stderr);
    int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    int rc = th_run("lnob", args, NULL, RUN_TIMEOUT_S);
    dup2(saved, 2);
    close(saved);
    cr_assert_neq(rc, 0, "a bad mapping file in the table");
    size_t len;
    char *text = th_read(log, &len);
    cr_assert(strstr(text, "puke.map line 1"), "the ingester names the bad file and line: %s", text);
    cr_assert(strstr(text, "not restarting") && !strstr(text, "restarting in"),
              "a refused start-up is not retried: %s", text);
    free(text);
    unsetenv("LNOB_MIS_SOURCES");
    free(second);
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

/* ---- lnob quarantine replay ----------------------------------------------------- */

#define BAD_ROW "R99;Pukë;Z90000001S;Shpresa;Hoxhaj;F;14.03.1950;Transport falas;PAK;01.05.2023;;Aktiv\n"

/* One bad row in Pukë's export: the extract fails the reject ceiling (1 of
 * 18 rows), its quarantine keeps only the row's shape and person key, and
 * replay copies the row from the export, byte for byte under its header,
 * while the export is unchanged; a changed export is refused. */
Test(mis_pipeline, replay_copies_rejected_rows_from_the_unchanged_exports_only)
{
    char dir[700], puke[800], pustec[800], out[800], err[800];
    snprintf(dir, sizeof dir, "%s/exports", s_redis.dir);
    mkdir(dir, 0700);
    snprintf(puke, sizeof puke, "%s/01_puke.csv", dir);
    snprintf(pustec, sizeof pustec, "%s/02_pustec.csv", dir);
    s_append(DATA "mis_tv7/exports/01_puke.csv", 0, 0, puke);
    s_append(DATA "mis_tv7/exports/02_pustec.csv", 0, 0, pustec);
    FILE *f = fopen(puke, "a");
    fputs(BAD_ROW, f);
    fclose(f);
    const char *run[] = {"run", "--mis", puke, pustec, "--pseudonym-key", s_key, "--period", "2024",
                         "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run("lnob", run, NULL, 120), 1, "above the reject ceiling");
    char *id = th_only_extract(s_redis.c);
    redisReply *q = redisCommand(s_redis.c, "XRANGE lnob:quarantine:%s - +", id);
    cr_assert_eq(q->elements, 1);
    const redisReply *fields = q->element[0]->element[1];
    for (size_t k = 0; k + 1 < fields->elements; k += 2) {
        const char *name = fields->element[k]->str, *v = fields->element[k + 1]->str;
        cr_expect(!strstr(v, "14.03.1950") && !strstr(v, "Shpresa") && !strstr(v, "Z90000001S"),
                  "%s: %s", name, v);
        if (!strcmp(name, "raw"))
            cr_expect_str_eq(v, "A99,AAAA,[removed],AAAAAAA,AAAAAA,A,99.99.9999,AAAAAAAAA AAAAA,AAA,"
                                "99.99.9999,,AAAAA");
        if (!strcmp(name, "person_key"))
            cr_expect_eq(strspn(v, "0123456789abcdef"), 64);
    }
    freeReplyObject(q);
    snprintf(out, sizeof out, "%s/replay", s_redis.dir);
    const char *replay[] = {"quarantine", "replay", id, "--out", out, "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run("lnob", replay, NULL, 30), 0);
    snprintf(out, sizeof out, "%s/replay/01_puke.csv", s_redis.dir);
    char *got = th_read(out, NULL), *orig = th_read(DATA "mis_tv7/exports/01_puke.csv", NULL);
    *(strchr(orig, '\n') + 1) = '\0'; /* its header line */
    char want[4096];
    snprintf(want, sizeof want, "%s%s", orig, BAD_ROW);
    cr_assert_str_eq(got, want);
    f = fopen(puke, "a"); /* the export changes after it was ingested */
    fputs("R100;Pukë;;;;F;;Kujdes në shtëpi;PAK;01.05.2024;;Aktiv\n", f);
    fclose(f);
    snprintf(out, sizeof out, "%s/replay2", s_redis.dir);
    snprintf(err, sizeof err, "%s/replay2.err", s_redis.dir);
    cr_assert_eq(th_run_logged("lnob", replay, NULL, err, 30), 1);
    char *why = th_read(err, NULL);
    cr_assert(strstr(why, "FILE_CHANGED: ") && strstr(why, "01_puke.csv is not the file extract"), "%s", why);
    snprintf(out, sizeof out, "%s/replay2/01_puke.csv", s_redis.dir);
    cr_assert(access(out, F_OK) != 0, "nothing replayed from a changed export");
    free(why);
    free(got);
    free(orig);
    free(id);
}
