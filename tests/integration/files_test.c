/* files_test.c - what `lnob run` makes of input files that are not clean
 * CSV: a stray quote, an endless line, a spreadsheet, a directory, gzip,
 * with real workers and a private redis-server: the rejects in the
 * quarantine stream, the extract's status, error and counts in its
 * metadata, and the exit code. */
#include <criterion/criterion.h>
#include <czmq.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "harness.h"
#include "lnob/clock.h"
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

/* ---- a file that changes while it is read ---------------------------------------- */

#define MOVING_HOUSEHOLDS 150000 /* about 40 MB: reading it takes far longer than stopping the ingester */
#define WAIT_STEP_US 1000
#define REDELIVERY_TIMEOUT_S 30

/* The pid of parent's child running exe, or 0. */
static pid_t s_child(pid_t parent, const char *exe)
{
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    pid_t found = 0;
    for (struct dirent *e; !found && (e = readdir(d));) {
        char path[300], comm[64];
        int ppid = 0;
        snprintf(path, sizeof path, "/proc/%.200s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fscanf(f, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 && ppid == parent && !strcmp(comm, exe))
            found = (pid_t) atoi(e->d_name);
        fclose(f);
    }
    closedir(d);
    return found;
}

/* Waits until the file at path holds text; asserts it does within timeout_s. */
static void s_wait_for(const char *path, const char *text, int timeout_s)
{
    for (long waited = 0; waited < timeout_s * 1000000L; waited += WAIT_STEP_US) {
        char *log = th_slurp(path, NULL);
        int seen = log && strstr(log, text);
        free(log);
        if (seen)
            return;
        usleep(WAIT_STEP_US);
    }
    cr_assert_fail("no '%s' in %s within %d s", text, path, timeout_s);
}

Test(files, a_file_cut_while_it_is_read_fails_its_extract_as_file_changed)
{
    char *csv = s_tmp("moving.csv"), *err = s_tmp("moving.err"), reading[400];
    th_gen(csv, MOVING_HOUSEHOLDS, 4);
    struct stat st;
    cr_assert_eq(stat(csv, &st), 0);
    const char *args[] = {"run", "--silc", csv, "--redis", s_redis.url, "--log-level", "info", NULL};
    lnob_proc_t run;
    th_start_logged(&run, "lnob", args, err);
    snprintf(reading, sizeof reading, "; reading its rows"); /* after its first read, for the sha256 */
    s_wait_for(err, reading, RUN_TIMEOUT_S);
    pid_t ingest = s_child(run.pid, "lnob-ingest");
    cr_assert_gt(ingest, 0, "the ingester of lnob run");
    cr_assert_eq(kill(ingest, SIGSTOP), 0);
    cr_assert_eq(truncate(csv, st.st_size / 2), 0);
    cr_assert_eq(kill(ingest, SIGCONT), 0);
    int status = th_wait(run.pid, "lnob run", RUN_TIMEOUT_S);
    cr_assert_eq(status, 1, "lnob run fails (status %d)", status);
    char *id = th_only_extract(s_redis.c), *cells = th_snapshot(s_redis.c, id), key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *status_meta = th_hget(s_redis.c, key, "status"), *error = th_hget(s_redis.c, key, "error");
    cr_assert_str_eq(status_meta, "failed", "the ingester read all the rows before it was stopped?");
    char during[600], between[600]; /* stopped in its second read, or just before it */
    snprintf(during, sizeof during, "FILE_CHANGED: %s changed while it was read (size, mtime or inode)", csv);
    snprintf(between, sizeof between, "FILE_CHANGED: %s changed since it was first read (size, mtime or inode)", csv);
    cr_assert(!strcmp(error, during) || !strcmp(error, between), "error: %s", error);
    cr_assert_str_eq(cells, "", "nothing of it published");
    char *log = th_read(err, NULL);
    cr_assert_null(strstr(log, "ingest exited"), "the ingester was not restarted:\n%s", log);
    free(log);
    free(error);
    free(status_meta);
    free(cells);
    free(id);
    free(err);
    free(csv);
}

/* What the stand-in aggregator of the next test saw from the ingester. */
typedef struct {
    uint32_t batches, batches_after_end; /* Batch (or Range) messages; those after the ExtractEnd */
    char end_id[128];                     /* the ExtractEnd's extract id, "" before it */
    char failed_id[128], failed[600];     /* the ExtractFailed: its id and "reason: detail" */
    int stored;                           /* answer STORED from now on */
} seen_t;

/* Takes one message the ingester pushed. */
static void s_take_pushed(seen_t *s, const lnob_env_t *env)
{
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_BATCH || env->body_case == LNOB__V1__ENVELOPE__BODY_RANGE) {
        s->batches++;
        s->batches_after_end += s->end_id[0] != '\0';
    } else if (env->body_case == LNOB__V1__ENVELOPE__BODY_END)
        snprintf(s->end_id, sizeof s->end_id, "%s", env->end->extract_id);
    else if (env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED) {
        snprintf(s->failed_id, sizeof s->failed_id, "%s", env->failed->extract_id);
        snprintf(s->failed, sizeof s->failed, "%s: %s", env->failed->reason, env->failed->detail);
        s->stored = 1;
    }
}

/* Answers a Status as an aggregator that holds nothing (until stored). */
static void s_answer(void *router, seen_t *s)
{
    lnob_peer_t peer;
    lnob_env_t *env = NULL;
    lnob_wire_stats_t stats = {0};
    char why[256];
    if (lnob_wire_recv_routed(router, &peer, &env, &stats, why, sizeof why) != LNOB_OK)
        return;
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_STATUS) {
        Lnob__V1__Progress p = LNOB__V1__PROGRESS__INIT;
        p.extract_id = env->status->extract_id;
        p.run_id = env->status->run_id;
        p.state = s->stored ? LNOB__V1__PROGRESS__STATE__STORED : LNOB__V1__PROGRESS__STATE__COLLECTING;
        lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
        out.body_case = LNOB__V1__ENVELOPE__BODY_PROGRESS;
        out.progress = &p;
        lnob_wire_send_routed(router, &peer, &out, why, sizeof why);
    }
    lnob_wire_free(&env);
}

/* The ingester sends an extract; the aggregator (a stand-in here) never
 * gets it whole, so the ingester sends it again; the file has changed in
 * between: the extract it announced fails as FILE_CHANGED, and nothing of
 * the new content is sent. */
Test(files, a_file_changed_before_a_redelivery_fails_its_extract)
{
    char *csv = s_tmp("again.csv"), *log = s_tmp("again.log"), push[400], ctl[400];
    th_gen(csv, 40, 6);
    snprintf(push, sizeof push, "ipc://%s/in", s_redis.dir);
    snprintf(ctl, sizeof ctl, "ipc://%s/ctl", s_redis.dir);
    char push_arg[410], ctl_arg[410], pull_arg[410], router_arg[410];
    snprintf(push_arg, sizeof push_arg, "@%s", push);
    snprintf(pull_arg, sizeof pull_arg, ">%s", push);
    snprintf(ctl_arg, sizeof ctl_arg, ">%s", ctl);
    snprintf(router_arg, sizeof router_arg, "@%s", ctl);
    zsock_t *pull = zsock_new_pull(pull_arg), *router = zsock_new_router(router_arg);
    cr_assert(pull && router);
    const char *args[] = {"--silc", csv, "--push", push_arg, "--control", ctl_arg, "--poll-ms", "50",
                          "--redeliver-ms", "300", "--run-id", "again", "--log-level", "info", NULL};
    lnob_proc_t ing;
    th_start_logged(&ing, "lnob-ingest", args, log);
    seen_t s = {0};
    int rewritten = 0;
    zpoller_t *poller = zpoller_new(pull, router, NULL);
    for (int64_t until = lnob_now_ms() + REDELIVERY_TIMEOUT_S * 1000; !lnob_proc_poll(&ing) && lnob_now_ms() < until;) {
        void *which = zpoller_wait(poller, 50);
        if (which == router)
            s_answer(zsock_resolve(router), &s);
        else if (which == pull) {
            lnob_env_t *env = NULL;
            lnob_wire_stats_t stats = {0};
            char why[256];
            if (lnob_wire_recv(zsock_resolve(pull), &env, &stats, why, sizeof why) == LNOB_OK)
                s_take_pushed(&s, env);
            lnob_wire_free(&env);
        }
        if (s.end_id[0] && !rewritten) { /* sent whole once: now the file changes */
            FILE *f = fopen(csv, "ab");
            cr_assert_not_null(f);
            fputs("2023,99999,AL01,2023,9999901,100.0,1,40,40,1,1,500000,1,500000,AL111\n", f);
            cr_assert_eq(fclose(f), 0);
            rewritten = 1;
        }
    }
    zpoller_destroy(&poller);
    zsock_destroy(&pull);
    zsock_destroy(&router);
    int ended = ing.exited;
    if (!ended)
        lnob_proc_stop(&ing, 1000);
    char *text = th_read(log, NULL);
    cr_assert(ended, "the ingester ended once the extract was stored (batches %u, end '%s', failed '%s'):\n%s",
              s.batches, s.end_id, s.failed, text);
    cr_assert_eq(ing.status, 0);
    cr_assert_gt(s.batches, 0);
    cr_assert_neq(s.end_id[0], '\0', "the first delivery was whole");
    cr_assert_str_eq(s.failed_id, s.end_id, "the extract it announced is the one that fails");
    char want[600];
    snprintf(want, sizeof want, "FILE_CHANGED: %s changed since it was first read (sha256 ", csv);
    cr_assert(!strncmp(s.failed, want, strlen(want)), "failed: %s", s.failed);
    cr_assert_eq(s.batches_after_end, 0, "no batch of the new content");
    cr_assert(strstr(text, "made no progress"), "the redelivery ran:\n%s", text);
    free(text);
    free(log);
    free(csv);
}

/* The four UDB files of a year, two of them gzipped: the same extract. */
Test(files, gzipped_udb_files_join_into_the_same_extract)
{
    char *dir = s_tmp("udb4"), *err = s_tmp("udb4.err"), path[4][400], gz[2][410];
    th_gen_as(dir, 300, 8, "udb4");
    for (int f = 0; f < 4; f++)
        snprintf(path[f], sizeof path[f], "%s/%c.csv", dir, "DHRP"[f]);
    snprintf(gz[0], sizeof gz[0], "%s.gz", path[1]);
    snprintf(gz[1], sizeof gz[1], "%s.gz", path[3]);
    s_gzip(path[1], gz[0]);
    s_gzip(path[3], gz[1]);
    const char *plain[] = {"run", "--silc", path[0], path[1], path[2], path[3], "--redis", s_redis.url, NULL};
    const char *packed[] = {"run", "--silc", path[0], gz[0], path[2], gz[1], "--redis", s_redis.url, NULL};
    cr_assert_eq(th_run_logged("lnob", plain, NULL, err, RUN_TIMEOUT_S), 0, "%s", th_read(err, NULL));
    char *id = th_only_extract(s_redis.c), *cells = th_snapshot(s_redis.c, id);
    freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    cr_assert_eq(th_run_logged("lnob", packed, NULL, err, RUN_TIMEOUT_S), 0, "%s", th_read(err, NULL));
    char *gz_id = th_only_extract(s_redis.c), *gz_cells = th_snapshot(s_redis.c, gz_id);
    cr_assert_str_eq(gz_id, id);
    cr_assert_str_eq(gz_cells, cells);
    cr_assert_neq(strlen(cells), 0);
    free(gz_cells);
    free(gz_id);
    free(cells);
    free(id);
    free(err);
    free(dir);
}

/* from's rows after the header in reverse order, written to to. */
static void s_reverse(const char *from, const char *to)
{
    char *text = th_read(from, NULL), *lines[8192];
    size_t n = 0;
    for (char *p = strtok(text, "\n"); p && n < 8192; p = strtok(NULL, "\n"))
        lines[n++] = p;
    cr_assert_lt(n, (size_t) 8192);
    FILE *f = fopen(to, "w");
    cr_assert_not_null(f);
    fprintf(f, "%s\n", lines[0]);
    while (n-- > 1)
        fprintf(f, "%s\n", lines[n]);
    fclose(f);
    free(text);
}

/* text with every id2 written as id1, in place (the ids are as long). */
static void s_same_id(char *text, const char *id2, const char *id1)
{
    for (char *p = strstr(text, id2); p; p = strstr(p, id2))
        memcpy(p, id1, strlen(id1));
}

/* The four files of a year with their rows in reverse order: the join
 * spills them by household into temporary parts (in TMPDIR, gone after)
 * and the cells are those of the files in order. */
Test(files, udb_files_in_no_order_are_spilled_into_parts_with_the_same_cells)
{
    char *dir = s_tmp("udb4o"), *rev = s_tmp("udb4r"), *spool = s_tmp("spool"), *err = s_tmp("udb4r.err");
    char path[4][400], back[4][400];
    th_gen_as(dir, 300, 8, "udb4");
    mkdir(rev, 0700);
    mkdir(spool, 0700);
    for (int f = 0; f < 4; f++) {
        snprintf(path[f], sizeof path[f], "%s/%c.csv", dir, "DHRP"[f]);
        snprintf(back[f], sizeof back[f], "%s/%c.csv", rev, "DHRP"[f]);
        s_reverse(path[f], back[f]);
    }
    const char *ordered[] = {"run", "--silc", path[0], path[1], path[2], path[3], "--redis", s_redis.url, NULL};
    const char *reversed[] = {"run", "--silc", back[0], back[1], back[2], back[3], "--redis", s_redis.url,
                              "--log-level", "info", NULL};
    cr_assert_eq(th_run_logged("lnob", ordered, NULL, err, RUN_TIMEOUT_S), 0, "%s", th_read(err, NULL));
    char *id = th_only_extract(s_redis.c), *cells = th_snapshot(s_redis.c, id);
    freeReplyObject(redisCommand(s_redis.c, "FLUSHALL"));
    setenv("TMPDIR", spool, 1);
    int rc = th_run_logged("lnob", reversed, NULL, err, RUN_TIMEOUT_S);
    unsetenv("TMPDIR");
    char *log = th_read(err, NULL);
    cr_assert_eq(rc, 0, "%s", log);
    cr_assert(strstr(log, "not in household order: spilled by household into temporary parts"), "%s", log);
    char *rev_id = th_only_extract(s_redis.c), *rev_cells = th_snapshot(s_redis.c, rev_id);
    cr_assert_str_neq(rev_id, id, "other bytes, another extract");
    s_same_id(rev_cells, rev_id, id);
    cr_assert_str_eq(rev_cells, cells);
    DIR *d = opendir(spool);
    int left = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        left += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(left, 0, "the temporary parts are gone");
    free(rev_cells);
    free(rev_id);
    free(cells);
    free(id);
    free(log);
    free(err);
    free(spool);
    free(rev);
    free(dir);
}
