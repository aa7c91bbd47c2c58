/* quarantine_test.c - `lnob quarantine list|show|replay` against what a real
 * `lnob run` stored in a private redis-server, including the round trip:
 * replay the rejected rows, run the replay, get the same rejections. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/mem.h"

#define DATA LNOB_SOURCE_DIR "/tests/data/"
#define BAD_ROWS DATA "silc_bad_rows.csv"
#define RUN_TIMEOUT_S 120
#define CLI_TIMEOUT_S 30
#define POLL_US 20000
#define N_BAD 7   /* entries of silc_bad_rows.csv in the quarantine (.expected) */
#define N_WHOLE 2 /* of them rows quarantined whole; the others are flagged fields of rows kept */
#define LINE_MAX_LEN 4096
#define RAW_CUT_LEN 16383 /* a raw row cut at 16 KiB (docs/redis-keys.md) */

static th_redis_t s_redis;

/* The fixtures are mostly bad rows on purpose: the reject ceiling is off. */
static void s_setup(void)
{
    setenv("LNOB_MAX_REJECT_SHARE", "100", 1);
    th_redis_start(&s_redis);
}
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(quarantine, .init = s_setup, .fini = s_teardown, .timeout = 300);

/* ---- helpers ---------------------------------------------------------------- */

static char *s_tmp(const char *name)
{
    char *p = lnob_malloc(512);
    snprintf(p, 512, "%s/%s", s_redis.dir, name);
    return p;
}

/* Runs BIN_DIR/lnob with args, stdout and stderr to files in the test dir;
 * returns the exit code. */
static int s_lnob(const char *const args[], const char *out_name, const char *err_name)
{
    char path[512], *out = s_tmp(out_name), *err = s_tmp(err_name);
    const char *argv[64];
    snprintf(path, sizeof path, "%s/lnob", LNOB_BIN_DIR);
    size_t n = 0;
    argv[n++] = path;
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0)
            _exit(126);
        dup2(fo, 1);
        dup2(fe, 2);
        execv(path, (char *const *) argv);
        _exit(127);
    }
    free(out);
    free(err);
    int status = 0;
    for (int waited = 0; waited < CLI_TIMEOUT_S * 50; waited++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(POLL_US);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    cr_assert_fail("lnob %s did not finish within %d s", args[0], CLI_TIMEOUT_S);
    return -1;
}

static char *s_slurp_tmp(const char *name)
{
    char *p = s_tmp(name), *s = th_slurp(p, NULL);
    free(p);
    cr_assert_not_null(s, "%s was not written", name);
    return s;
}

/* Line k (1-based) of a file, without its newline; owned. */
static char *s_file_line(const char *path, int k)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    char buf[LINE_MAX_LEN];
    char *line = NULL;
    for (int i = 1; fgets(buf, sizeof buf, f); i++)
        if (i == k) {
            buf[strcspn(buf, "\r\n")] = '\0';
            line = lnob_strdup(buf);
            break;
        }
    fclose(f);
    cr_assert_not_null(line, "%s has no line %d", path, k);
    return line;
}

/* The .expected file: "line,reason,field,kept" per quarantine entry (kept 1:
 * a flagged field of a row that is kept, spec 1.8). */
typedef struct {
    int line[N_BAD];
    char reason[N_BAD][32];
    char field[N_BAD][32];
    int kept[N_BAD];
} expected_t;

static void s_expected(expected_t *e)
{
    FILE *f = fopen(DATA "silc_bad_rows.expected", "r");
    cr_assert_not_null(f);
    char buf[128];
    int n = 0;
    for (; fgets(buf, sizeof buf, f); n++) {
        cr_assert_lt(n, N_BAD);
        buf[strcspn(buf, "\r\n")] = '\0';
        char *r = strchr(buf, ','), *fld = r ? strchr(r + 1, ',') : NULL;
        char *kept = fld ? strchr(fld + 1, ',') : NULL;
        cr_assert(r && fld && kept, "bad .expected line: %s", buf);
        *r = *fld = *kept = '\0';
        e->line[n] = atoi(buf);
        snprintf(e->reason[n], sizeof e->reason[n], "%s", r + 1);
        snprintf(e->field[n], sizeof e->field[n], "%s", fld + 1);
        e->kept[n] = atoi(kept + 1);
    }
    fclose(f);
    cr_assert_eq(n, N_BAD);
}

/* The text the replay of these expected rows must hold: the source's header
 * and its lines quarantined whole, in line order. Owned. */
static char *s_want_replay(const char *source, const expected_t *e, const char *only_reason)
{
    size_t cap = 16384, n = 0;
    char *s = lnob_malloc(cap);
    char *h = s_file_line(source, 1);
    n += (size_t) snprintf(s + n, cap - n, "%s\n", h);
    free(h);
    for (int i = 0; i < N_BAD; i++) {
        if (e->kept[i] || (only_reason && strcmp(only_reason, e->reason[i]) != 0))
            continue;
        char *l = s_file_line(source, e->line[i]);
        n += (size_t) snprintf(s + n, cap - n, "%s\n", l);
        free(l);
    }
    cr_assert_lt(n, cap);
    return s;
}

/* lnob run on csv against the test's Redis; returns the exit code. */
static int s_run(const char *csv)
{
    const char *args[] = {"run", "--silc", csv, "--redis", s_redis.url, NULL};
    return th_run("lnob", args, NULL, RUN_TIMEOUT_S);
}

/* Runs csv and returns the extract id it stored (the first extract of the
 * test: there must be only one run so far). */
static char *s_run_first(const char *csv)
{
    cr_assert_eq(s_run(csv), 0, "lnob run %s failed", csv);
    return th_only_extract(s_redis.c);
}

/* The one completed extract other than id, owned. */
static char *s_other_extract(const char *id)
{
    redisReply *r = redisCommand(s_redis.c, "ZRANGE lnob:extracts 0 -1");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2, "want 2 extracts");
    const char *other = strcmp(r->element[0]->str, id) ? r->element[0]->str : r->element[1]->str;
    cr_assert_str_neq(other, id);
    char *s = lnob_strdup(other);
    freeReplyObject(r);
    return s;
}

/* The id of the one extract metadata hash other than id's, owned (failed
 * extracts are not in lnob:extracts). */
static char *s_other_meta(const char *id)
{
    redisReply *r = redisCommand(s_redis.c, "KEYS lnob:extract:*");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY);
    char *other = NULL;
    for (size_t i = 0; i < r->elements; i++) {
        const char *k = r->element[i]->str + strlen("lnob:extract:");
        if (strchr(k, ':') || !strcmp(k, id))
            continue;
        cr_assert_null(other, "more than two extracts");
        other = lnob_strdup(k);
    }
    freeReplyObject(r);
    cr_assert_not_null(other, "no second extract");
    return other;
}

/* The n-th line (0-based) of text, owned, "" past the end. */
static char *s_nth(const char *text, int n)
{
    const char *p = text;
    for (int i = 0; i < n && p; i++) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    if (!p)
        return lnob_strdup("");
    return lnob_strndup(p, strcspn(p, "\n"));
}

static int s_count_lines(const char *text)
{
    int n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    return n;
}

/* Asserts the stream of id holds the expected reasons, fields and kept
 * markers, in order, at lines; or, as in a replay (renumbered), only the
 * rows quarantined whole, at lines 2, 3, .... */
static void s_assert_stream(const char *id, const expected_t *e, int renumbered)
{
    redisReply *q = redisCommand(s_redis.c, "XRANGE lnob:quarantine:%s - +", id);
    cr_assert(q && q->type == REDIS_REPLY_ARRAY);
    cr_assert_eq(q->elements, renumbered ? N_WHOLE : N_BAD);
    size_t k = 0;
    for (int i = 0; i < N_BAD; i++) {
        if (renumbered && e->kept[i])
            continue;
        const redisReply *f = q->element[k++]->element[1];
        const char *line = "", *reason = "", *field = "", *kept = "";
        for (size_t j = 0; j + 1 < f->elements; j += 2) {
            const char *name = f->element[j]->str, *v = f->element[j + 1]->str;
            if (!strcmp(name, "line"))
                line = v;
            if (!strcmp(name, "reason"))
                reason = v;
            if (!strcmp(name, "field"))
                field = v;
            if (!strcmp(name, "kept"))
                kept = v;
        }
        cr_assert_eq(atoi(line), renumbered ? (int) k + 1 : e->line[i]);
        cr_assert_str_eq(reason, e->reason[i]);
        cr_assert_str_eq(field, e->field[i]);
        cr_assert_str_eq(kept, e->kept[i] ? "1" : "0", "line %s", line);
    }
    freeReplyObject(q);
}

static void s_copy(const char *from, const char *to)
{
    char *s = th_slurp(from, NULL);
    cr_assert_not_null(s);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f);
    fputs(s, f);
    cr_assert_eq(fclose(f), 0);
    free(s);
}

/* ---- list ------------------------------------------------------------------- */

Test(quarantine, list_shows_every_extract_newest_first_with_its_counts)
{
    char *id = s_run_first(BAD_ROWS);
    const char *list_csv[] = {"quarantine", "list", "--redis", s_redis.url, "--format", "csv", NULL};
    cr_assert_eq(s_lnob(list_csv, "list.csv", "list.err"), 0);
    char *out = s_slurp_tmp("list.csv");
    char *head = s_nth(out, 0), *row = s_nth(out, 1), want[1024];
    cr_assert_str_eq(head, "extract,source,period,status,rows_read,rows_accepted,"
                           "rows_quarantined,computed_ms,error");
    snprintf(want, sizeof want, "%s,%s,2023,complete,86,84,2,", id, BAD_ROWS);
    cr_assert(!strncmp(row, want, strlen(want)), "got %s\nwant %s...", row, want);
    cr_assert_eq(s_count_lines(out), 2);
    free(head);
    free(row);
    free(out);

    /* A newer extract comes first; a failed one (not in lnob:extracts) is listed too. */
    char *sample = s_tmp("sample.csv");
    th_gen(sample, 40, 5);
    cr_assert_eq(s_run(sample), 0);
    char *newer = s_other_extract(id);
    cr_assert_neq(s_run(DATA "silc_missing_weight.csv"), 0);
    cr_assert_eq(s_lnob(list_csv, "list.csv", "list.err"), 0);
    out = s_slurp_tmp("list.csv");
    cr_assert_eq(s_count_lines(out), 4, "%s", out);
    char *first = s_nth(out, 1), *second = s_nth(out, 2), *third = s_nth(out, 3);
    cr_assert(strstr(first, ",failed,") && strstr(first, "silc_missing_weight.csv") &&
                  strstr(first, "RB050"),
              "%s", first);
    cr_assert(!strncmp(second, newer, strlen(newer)), "%s", second);
    cr_assert(!strncmp(third, id, strlen(id)), "%s", third);

    /* The table says the same to people. */
    const char *list[] = {"quarantine", "list", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(list, "list.txt", "list.err"), 0);
    char *table = s_slurp_tmp("list.txt"), *line = strstr(table, id);
    cr_assert_not_null(line);
    char got_id[128], period[16], status[16];
    long read = -1, accepted = -1, quarantined = -1;
    cr_assert_eq(sscanf(line, "%127s %15s %15s %ld %ld %ld", got_id, period, status, &read,
                        &accepted, &quarantined),
                 6);
    cr_assert_str_eq(period, "2023");
    cr_assert_str_eq(status, "complete");
    cr_assert_eq(read, 86);
    cr_assert_eq(accepted, 84);
    cr_assert_eq(quarantined, N_WHOLE);
    cr_assert_lt(strstr(table, newer), line, "newest first");
    free(table);
    free(first);
    free(second);
    free(third);
    free(out);
    free(newer);
    free(sample);
    free(id);
}

/* ---- show ------------------------------------------------------------------- */

Test(quarantine, show_prints_each_rejected_row_with_line_reason_field_and_raw_row)
{
    expected_t e;
    s_expected(&e);
    char *id = s_run_first(BAD_ROWS);
    const char *csv[] = {"quarantine", "show", id, "--format", "csv", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(csv, "show.csv", "show.err"), 0);
    char *out = s_slurp_tmp("show.csv");
    cr_assert_eq(s_count_lines(out), 1 + N_BAD, "%s", out);
    char *head = s_nth(out, 0);
    cr_assert_str_eq(head, "extract,line,reason,field,detail,raw,source,kept");
    for (int i = 0; i < N_BAD; i++) {
        char *row = s_nth(out, i + 1), *raw = s_file_line(BAD_ROWS, e.line[i]), want[512];
        snprintf(want, sizeof want, "%s,%d,%s,%s,", id, e.line[i], e.reason[i], e.field[i]);
        cr_assert(!strncmp(row, want, strlen(want)), "got %s\nwant %s...", row, want);
        char quoted[LINE_MAX_LEN];
        snprintf(quoted, sizeof quoted, ",\"%s\",%s,%d", raw, BAD_ROWS, e.kept[i]); /* raw holds commas */
        size_t rl = strlen(row), ql = strlen(quoted);
        cr_assert(rl > ql && !strcmp(row + rl - ql, quoted), "got %s\nwant ...%s", row, quoted);
        free(row);
        free(raw);
    }
    free(head);
    free(out);

    const char *json[] = {"quarantine", "show", id, "--format", "json", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(json, "show.json", "show.err"), 0);
    out = s_slurp_tmp("show.json");
    cr_assert(strstr(out, "\"line\": 62, \"reason\": \"UNKNOWN_MUNICIPALITY\", \"field\": "
                          "\"MUNICIPALITY\", \"detail\": "),
              "%s", out);
    cr_assert(strstr(out, "\"raw\": \"2023,96,9601,300,1,40\", \"kept\": false}\n]\n"), "%s", out);
    cr_assert(strstr(out, "\"raw\": \"2023,94,9401,300,1,40,150000,AL01,Atlantis,x\", \"kept\": true}"),
              "%s", out);
    int objects = 0;
    for (const char *p = out; (p = strstr(p, "{\"extract\": ")); p++)
        objects++;
    cr_assert_eq(objects, N_BAD);
    free(out);

    const char *table[] = {"quarantine", "show", id, "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(table, "show.txt", "show.err"), 0);
    out = s_slurp_tmp("show.txt");
    char *title = s_nth(out, 0);
    cr_assert(strstr(title, ": 2 rows quarantined, 5 rows kept with flagged fields"), "%s", title);
    free(title);
    for (int i = 0; i < N_BAD; i++) {
        char *row = s_nth(out, i + 2), reason[64] = "", kept[16] = "";
        int line = 0;
        cr_assert_eq(sscanf(row, "%d %15s %63s", &line, kept, reason), 3, "%s", row);
        cr_assert_eq(line, e.line[i]);
        cr_assert_str_eq(kept, e.kept[i] ? "kept" : "quarantined");
        cr_assert_str_eq(reason, e.reason[i]);
        free(row);
    }
    free(out);
    free(id);
}

Test(quarantine, show_filters_by_reason_and_stops_at_the_limit)
{
    char *id = s_run_first(BAD_ROWS);
    const char *by_reason[] = {"quarantine", "show", id, "--reason", "MISSING_WEIGHT", "--format",
                               "csv", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(by_reason, "show.csv", "show.err"), 0);
    char *out = s_slurp_tmp("show.csv"), *row = s_nth(out, 1), want[256];
    cr_assert_eq(s_count_lines(out), 2, "%s", out);
    snprintf(want, sizeof want, "%s,19,MISSING_WEIGHT,RB050,", id);
    cr_assert(!strncmp(row, want, strlen(want)), "%s", row);
    free(row);
    free(out);

    const char *none[] = {"quarantine", "show", id, "--reason", "NO_SUCH_REASON", "--format",
                          "csv", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(none, "show.csv", "show.err"), 0);
    out = s_slurp_tmp("show.csv");
    cr_assert_eq(s_count_lines(out), 1, "%s", out);
    char *err = s_slurp_tmp("show.err");
    cr_assert(strstr(err, "no rows quarantined for NO_SUCH_REASON") &&
                  strstr(err, "MISSING_WEIGHT (1)"),
              "%s", err);
    free(err);
    free(out);

    const char *limited[] = {"quarantine", "show", id, "--limit", "2", "--format", "csv",
                             "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(limited, "show.csv", "show.err"), 0);
    out = s_slurp_tmp("show.csv");
    cr_assert_eq(s_count_lines(out), 3, "%s", out);
    char *r1 = s_nth(out, 1), *r2 = s_nth(out, 2), w1[256], w2[256];
    snprintf(w1, sizeof w1, "%s,7,NEGATIVE_WEIGHT,", id);
    snprintf(w2, sizeof w2, "%s,19,MISSING_WEIGHT,", id);
    cr_assert(!strncmp(r1, w1, strlen(w1)) && !strncmp(r2, w2, strlen(w2)), "%s", out);
    err = s_slurp_tmp("show.err");
    cr_assert(strstr(err, "showing the first 2 rows"), "%s", err);
    free(err);
    free(r1);
    free(r2);
    free(out);
    free(id);
}

Test(quarantine, an_unknown_extract_or_a_missing_argument_is_a_clear_error)
{
    char *out_path = s_tmp("never.csv");
    const char *show[] = {"quarantine", "show", "silc-2023-0000000000000000", "--redis",
                          s_redis.url, NULL};
    cr_assert_eq(s_lnob(show, "o", "e"), 1);
    char *err = s_slurp_tmp("e");
    cr_assert(strstr(err, "holds no extract 'silc-2023-0000000000000000'"), "%s", err);
    free(err);
    const char *replay[] = {"quarantine", "replay", "silc-2023-0000000000000000", "--out",
                            out_path, "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(replay, "o", "e"), 1);
    cr_assert_eq(access(out_path, F_OK), -1, "replay wrote a file for an unknown extract");

    const char *no_id[] = {"quarantine", "show", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(no_id, "o", "e"), 2);
    const char *no_out[] = {"quarantine", "replay", "x", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(no_out, "o", "e"), 2);
    err = s_slurp_tmp("e");
    cr_assert(strstr(err, "--out FILE"), "%s", err);
    free(err);
    const char *typo[] = {"quarantine", "show", "x", "--reasn", "BAD_CODE", NULL};
    cr_assert_eq(s_lnob(typo, "o", "e"), 2);
    const char *no_redis[] = {"quarantine", "list", "--redis", "unix:///nonexistent/redis.sock", NULL};
    cr_assert_eq(s_lnob(no_redis, "o", "e"), 1);

    static const char *const subs[] = {"list", "show", "replay"};
    for (int i = 0; i < 3; i++) {
        const char *help[] = {"quarantine", subs[i], "--help", NULL};
        cr_assert_eq(s_lnob(help, "o", "e"), 0);
        char *text = s_slurp_tmp("o"), want[64];
        snprintf(want, sizeof want, "usage: lnob quarantine %s", subs[i]);
        cr_assert(!strncmp(text, want, strlen(want)) && strstr(text, "--redis VALUE"), "%s", text);
        free(text);
    }
    free(out_path);
}

/* ---- replay ----------------------------------------------------------------- */

Test(quarantine, replay_round_trip_gives_the_same_rejections)
{
    expected_t e;
    s_expected(&e);
    char *id = s_run_first(BAD_ROWS);
    char *replay_path = s_tmp("replay.csv");
    const char *replay[] = {"quarantine", "replay", id, "--out", replay_path, "--redis",
                            s_redis.url, NULL};
    cr_assert_eq(s_lnob(replay, "o", "replay.err"), 0);
    char *got = s_slurp_tmp("replay.csv"), *want = s_want_replay(BAD_ROWS, &e, NULL);
    cr_assert_str_eq(got, want);
    char *err = s_slurp_tmp("replay.err");
    cr_assert(strstr(err, "wrote the header row and 2 rows (input lines 46-87)"), "%s", err);
    cr_assert(strstr(err, "lnob run --silc ") && strstr(err, replay_path), "%s", err);
    cr_assert(strstr(err, "the 5 flagged fields of rows that were kept are not replayed"), "%s", err);
    free(err);

    /* Run the replay: the same rows, rejected for the same reasons. With no
     * row accepted the extract fails (NO_POPULATION): nothing is published,
     * but its counts and quarantine are kept. */
    cr_assert_eq(s_run(replay_path), 1);
    char *again = s_other_meta(id), key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", again);
    char *status = th_hget(s_redis.c, key, "status"), *error = th_hget(s_redis.c, key, "error");
    cr_assert_str_eq(status, "failed");
    cr_assert(strncmp(error, "NO_POPULATION:", 14) == 0, "%s", error);
    free(status);
    free(error);
    char *read = th_hget(s_redis.c, key, "rows_read"), *acc = th_hget(s_redis.c, key, "rows_accepted");
    char *quar = th_hget(s_redis.c, key, "rows_quarantined");
    cr_assert_str_eq(read, "2");
    cr_assert_str_eq(acc, "0");
    cr_assert_str_eq(quar, "2");
    s_assert_stream(id, &e, 0);
    s_assert_stream(again, &e, 1);

    /* Replaying the replay gives the same file. */
    const char *replay2[] = {"quarantine", "replay", again, "--out", "-", "--redis", s_redis.url,
                             NULL};
    cr_assert_eq(s_lnob(replay2, "replay2.csv", "e"), 0);
    char *got2 = s_slurp_tmp("replay2.csv");
    cr_assert_str_eq(got2, want);

    /* --reason keeps only those rows. */
    const char *one[] = {"quarantine", "replay", id, "--reason", "MISSING_ID", "--out", "-",
                         "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(one, "one.csv", "e"), 0);
    char *got_one = s_slurp_tmp("one.csv"), *want_one = s_want_replay(BAD_ROWS, &e, "MISSING_ID");
    cr_assert_str_eq(got_one, want_one);
    cr_assert_eq(s_count_lines(got_one), 2);
    /* a flagged field's row was kept: there is nothing of it to replay */
    const char *flagged[] = {"quarantine", "replay", id, "--reason", "BAD_NUMBER", "--out", "-",
                             "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(flagged, "o", "e"), 1);
    const char *none[] = {"quarantine", "replay", id, "--reason", "YEAR_MISMATCH", "--out",
                          replay_path, "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(none, "o", "e"), 1, "nothing to replay is a failure");
    free(got_one);
    free(want_one);
    free(got2);
    free(read);
    free(acc);
    free(quar);
    free(again);
    free(got);
    free(want);
    free(replay_path);
    free(id);
}

Test(quarantine, replay_takes_the_header_from_redis_else_from_the_unchanged_source)
{
    expected_t e;
    s_expected(&e);
    char *source = s_tmp("extract.csv"), *out = s_tmp("replay.csv"), key[256];
    s_copy(BAD_ROWS, source);
    char *id = s_run_first(source);
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    const char *replay[] = {"quarantine", "replay", id, "--out", out, "--redis", s_redis.url, NULL};
    char *want = s_want_replay(source, &e, NULL);

    /* The `header` field, when Redis holds one, is the header. */
    redisReply *r = redisCommand(s_redis.c, "HSET %s header %s", key, "H1,H2");
    freeReplyObject(r);
    cr_assert_eq(s_lnob(replay, "o", "e"), 0);
    char *got = th_slurp(out, NULL), *first = s_nth(got, 0);
    cr_assert_str_eq(first, "H1,H2");
    free(first);
    free(got);

    /* Without it, the first row of the source file. */
    r = redisCommand(s_redis.c, "HDEL %s header", key);
    freeReplyObject(r);
    cr_assert_eq(s_lnob(replay, "o", "e"), 0);
    got = th_slurp(out, NULL);
    cr_assert_str_eq(got, want);
    free(got);

    /* Never over the source itself. */
    const char *onto_source[] = {"quarantine", "replay", id, "--out", source, "--redis",
                                 s_redis.url, NULL};
    cr_assert_eq(s_lnob(onto_source, "o", "e"), 1);
    got = th_slurp(source, NULL);
    char *orig = th_slurp(BAD_ROWS, NULL);
    cr_assert_str_eq(got, orig, "the source file was overwritten");
    free(got);
    free(orig);

    /* A source changed since it was ingested may have other columns: refuse. */
    FILE *f = fopen(source, "a");
    cr_assert_not_null(f);
    fputs("\n2023,97,9701,300,1,40,150000,AL01,Tiranë,x\n", f);
    cr_assert_eq(fclose(f), 0);
    remove(out);
    cr_assert_eq(s_lnob(replay, "o", "e"), 1);
    char *err = s_slurp_tmp("e");
    cr_assert(strstr(err, "has changed since it was ingested"), "%s", err);
    cr_assert_eq(access(out, F_OK), -1, "a replay without a header was written");
    free(err);

    /* And a source that is gone. */
    cr_assert_eq(remove(source), 0);
    cr_assert_eq(s_lnob(replay, "o", "e"), 1);
    err = s_slurp_tmp("e");
    cr_assert(strstr(err, "cannot write the header row") && strstr(err, "cannot be opened"), "%s",
              err);
    cr_assert_eq(access(out, F_OK), -1, "a replay without a header was written");
    free(err);
    free(want);
    free(id);
    free(out);
    free(source);
}

/* Appends an entry the way the sink does, with a stream-chosen id. */
static void s_xadd(const char *id, int line, const char *reason, const char *raw)
{
    char l[24];
    snprintf(l, sizeof l, "%d", line);
    const char *argv[] = {"XADD", "", "*", "source", "s", "line", l, "field", "", "reason",
                          reason, "detail", "d", "run_id", "t", "raw", raw};
    char key[256];
    snprintf(key, sizeof key, "lnob:quarantine:%s", id);
    argv[1] = key;
    int argc = raw ? 17 : 15; /* without raw: an entry holding no raw row */
    redisReply *r = redisCommandArgv(s_redis.c, argc, argv, NULL);
    cr_assert(r && r->type == REDIS_REPLY_STRING, "XADD: %s", r ? r->str : "no reply");
    freeReplyObject(r);
}

Test(quarantine, replay_sorts_by_line_and_leaves_out_rows_it_cannot_rebuild)
{
    expected_t e;
    s_expected(&e);
    char *id = s_run_first(BAD_ROWS);
    char cut[RAW_CUT_LEN + 1];
    memset(cut, 'x', sizeof cut);
    memcpy(cut + RAW_CUT_LEN - 3, "...", 4); /* how the ingester marks a row cut at 16 KiB */
    s_xadd(id, 90, "FIELD_TOO_LONG", cut);
    memcpy(cut + 1020, "...", 4);            /* an extract stored when the cut was 1 KiB */
    s_xadd(id, 92, "FIELD_TOO_LONG", cut);
    s_xadd(id, 91, "BAD_ID", NULL);
    s_xadd(id, 46, "MISSING_ID", "2023,93,,300,1,40,150000,AL01,Tiranë,x"); /* redelivered */
    s_xadd(id, 3, "BAD_CODE", "2023,1,103,326.5,9,60,670094.23,AL03,Shkodra,ignored");
    char *out = s_tmp("replay.csv");
    const char *replay[] = {"quarantine", "replay", id, "--out", out, "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(replay, "o", "e"), 1, "a replay that lacks rows must not exit 0");
    char *got = th_slurp(out, NULL), *rest = s_want_replay(BAD_ROWS, &e, NULL);
    char *header = s_nth(rest, 0), want[16384];
    snprintf(want, sizeof want, "%s\n%s\n%s", header,
             "2023,1,103,326.5,9,60,670094.23,AL03,Shkodra,ignored", rest + strlen(header) + 1);
    cr_assert_str_eq(got, want);
    char *err = s_slurp_tmp("e");
    cr_assert(strstr(err, "wrote the header row and 3 rows (input lines 3-87)"), "%s", err);
    cr_assert(strstr(err, "left out 2 rows cut short in Redis (input lines 90, 92)"), "%s", err);
    cr_assert(strstr(err, "left out 1 entries that hold no raw row"), "%s", err);
    cr_assert(strstr(err, "1 entries repeated a line already written"), "%s", err);
    cr_assert(strstr(err, "counts 2 quarantined rows and 5 flagged fields but lnob:quarantine:"), "%s", err);
    free(err);
    free(header);
    free(got);
    free(rest);
    free(out);
    free(id);
}

Test(quarantine, long_streams_are_read_in_pages_without_loss_or_repeats)
{
    enum { EXTRA = 2345 }; /* more than two XRANGE pages */
    char *id = s_run_first(BAD_ROWS);
    char key[256], line[24], raw[64];
    snprintf(key, sizeof key, "lnob:quarantine:%s", id);
    for (int i = 0; i < EXTRA; i++) {
        snprintf(line, sizeof line, "%d", 1000 + i);
        snprintf(raw, sizeof raw, "row-%d", 1000 + i);
        redisAppendCommand(s_redis.c, "XADD %s * line %s reason BAD_ID raw %s", key, line, raw);
    }
    for (int i = 0; i < EXTRA; i++) {
        redisReply *r = NULL;
        cr_assert_eq(redisGetReply(s_redis.c, (void **) &r), REDIS_OK);
        freeReplyObject(r);
    }
    const char *all[] = {"quarantine", "replay", id, "--out", "-", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(all, "all.csv", "e"), 0);
    char *out = s_slurp_tmp("all.csv");
    cr_assert_eq(s_count_lines(out), 1 + N_WHOLE + EXTRA);
    for (int i = 0; i < EXTRA; i++) {
        char *row = s_nth(out, 1 + N_WHOLE + i);
        snprintf(raw, sizeof raw, "row-%d", 1000 + i);
        cr_assert_str_eq(row, raw);
        free(row);
    }
    free(out);
    const char *limited[] = {"quarantine", "show", id, "--limit", "1500", "--format", "csv",
                             "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(limited, "some.csv", "e"), 0);
    out = s_slurp_tmp("some.csv");
    cr_assert_eq(s_count_lines(out), 1 + 1500);
    char *last = s_nth(out, 1500);
    snprintf(raw, sizeof raw, ",row-%d", 1000 + 1500 - N_BAD - 1);
    cr_assert(strstr(last, raw), "%s", last);
    free(last);
    free(out);
    free(id);
}

/* ---- replay of an extract joined from the four UDB files --------------------- */

/* tests/data/udb4_replay: six households; quarantined whole are household 4
 * (its D and H rows of 2022: D and H rejected, then its R and P rows as
 * orphans of the household) and P row 3020 (an orphan: PB030 typed for
 * 302); kept with a flagged field are person 201 (PH030 9, P), household 3
 * (HY010 12x5, H: both its persons) and person 501 (RB090 3, R): they are
 * in the cells and not replayed (spec 1.8). */
#define UDB_REPLAY DATA "udb4_replay/"
#define UDB_WANT_D "DB010,DB020,DB030,DB040,DB100,DB135\n" \
                   "2022,AL,4,AL02,1,1\n"
#define UDB_WANT_H "HB010,HB020,HB030,HX040,HX090,HY010,HS060\n" \
                   "2022,AL,4,1,9000,9000,1\n"
#define UDB_WANT_R "RB010,RB020,RB030,RB040,RB050,RB090,RB110,RX010\n" \
                   "2023,AL,401,4,110,1,1,52\n"
#define UDB_WANT_P "PB010,PB020,PB030,PL032,PH030,PY100G\n" \
                   "2023,AL,3020,1,2,0\n"                   \
                   "2023,AL,401,1,3,0\n"

/* lnob run on dir/D.csv ... dir/P.csv against the test's Redis; returns the exit code. */
static int s_run4(const char *dir)
{
    char f[4][512];
    for (int i = 0; i < 4; i++)
        snprintf(f[i], sizeof f[i], "%s/%c.csv", dir, "DHRP"[i]);
    const char *args[] = {"run", "--silc", f[0], f[1], f[2], f[3], "--redis", s_redis.url, NULL};
    return th_run("lnob", args, NULL, RUN_TIMEOUT_S);
}

/* dir/name, owned. */
static char *s_in(const char *dir, const char *name)
{
    char *p = lnob_malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

/* Replaces the one occurrence of from in the file at path with to. */
static void s_edit(const char *path, const char *from, const char *to)
{
    char *s = th_read(path, NULL), *at = strstr(s, from);
    cr_assert(at && !strstr(at + 1, from), "%s: want one '%s' in\n%s", path, from, s);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fprintf(f, "%.*s%s%s", (int) (at - s), s, to, at + strlen(from));
    cr_assert_eq(fclose(f), 0);
    free(s);
}

/* A copy of the fixture's four files in the test dir (name), owned path. */
static char *s_copy_udb(const char *name)
{
    char *dir = s_tmp(name);
    cr_assert_eq(mkdir(dir, 0755), 0);
    for (int i = 0; i < 4; i++) {
        char file[8], from[512];
        snprintf(file, sizeof file, "%c.csv", "DHRP"[i]);
        snprintf(from, sizeof from, "%s%s", UDB_REPLAY, file);
        char *to = s_in(dir, file);
        s_copy(from, to);
        free(to);
    }
    return dir;
}

static void s_assert_file(const char *dir, const char *name, const char *want)
{
    char *path = s_in(dir, name), *got = th_read(path, NULL);
    cr_assert_str_eq(got, want, "%s", path);
    free(got);
    free(path);
}

/* The corrections an engineer makes to the replayed set of the fixture. */
static void s_correct(const char *dir)
{
    char *d = s_in(dir, "D.csv"), *h = s_in(dir, "H.csv"), *p = s_in(dir, "P.csv");
    s_edit(d, "2022,AL,4,", "2023,AL,4,");
    s_edit(h, "2022,AL,4,", "2023,AL,4,");
    s_edit(p, ",3020,", ",302,");
    free(d);
    free(h);
    free(p);
}

/* A metadata field of an extract, owned. */
static char *s_meta_of(const char *id, const char *field)
{
    char key[256];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    return th_hget(s_redis.c, key, field);
}

static void s_assert_meta(const char *id, const char *field, const char *want)
{
    char *got = s_meta_of(id, field);
    cr_assert_str_eq(got, want, "%s of %s: %s", field, id, got);
    free(got);
}

Test(quarantine, replay_of_a_joined_extract_writes_its_four_files_which_pass_once_corrected)
{
    cr_assert_eq(s_run4(UDB_REPLAY), 0);
    char *id = th_only_extract(s_redis.c);
    s_assert_meta(id, "rejects_by_reason", "ORPHAN_HOUSEHOLD=2 ORPHAN_PERSON=1 YEAR_MISMATCH=2");
    s_assert_meta(id, "flags_by_reason", "BAD_CODE=2 BAD_NUMBER=2"); /* HY010 on both of household 3 */
    s_assert_meta(id, "rows_flagged", "4");
    s_assert_meta(id, "fields_flagged", "4");
    char *dir = s_tmp("fix/2023"); /* made, with its parent */
    const char *replay[] = {"quarantine", "replay", id, "--out", dir, "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(replay, "o", "replay.err"), 0);
    s_assert_file(dir, "D.csv", UDB_WANT_D);
    s_assert_file(dir, "H.csv", UDB_WANT_H);
    s_assert_file(dir, "R.csv", UDB_WANT_R);
    s_assert_file(dir, "P.csv", UDB_WANT_P);
    char *err = s_slurp_tmp("replay.err"), check[2048];
    cr_assert(strstr(err, ": D.csv 1 row, H.csv 1 row, R.csv 1 row, P.csv 2 rows"), "%s", err);
    cr_assert(strstr(err, "5 rows were rejected by the join itself"), "%s", err);
    cr_assert(strstr(err, "the 4 flagged fields of rows that were kept are not replayed"), "%s", err);
    cr_assert_null(strstr(err, "lack"), "every household here is whole: %s", err);
    snprintf(check, sizeof check, "check: lnob run --silc %s/D.csv %s/H.csv %s/R.csv %s/P.csv\n",
             dir, dir, dir, dir);
    cr_assert(strstr(err, check), "%s", err);
    free(err);

    /* Corrected, household 4 goes through; P row 302 joins with an R row that
     * was kept in the first run, so it is not in the set: the join rejects it
     * again, as the replay said it would. */
    s_correct(dir);
    cr_assert_eq(s_run4(dir), 0);
    char *again = s_other_extract(id);
    s_assert_meta(again, "status", "complete");
    s_assert_meta(again, "rows_read", "2");
    s_assert_meta(again, "rows_accepted", "1");
    s_assert_meta(again, "rows_quarantined", "1");
    s_assert_meta(again, "rejects_by_reason", "ORPHAN_PERSON=1");
    cr_assert_eq(th_int(s_redis.c, "XLEN lnob:quarantine:%s", again), 1);

    /* --reason keeps only those rows: the files that have none get their header. */
    char *year = s_tmp("year");
    const char *by_year[] = {"quarantine", "replay", id, "--out", year, "--reason",
                             "YEAR_MISMATCH", "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(by_year, "o", "e"), 0);
    s_assert_file(year, "D.csv", "DB010,DB020,DB030,DB040,DB100,DB135\n2022,AL,4,AL02,1,1\n");
    s_assert_file(year, "H.csv", "HB010,HB020,HB030,HX040,HX090,HY010,HS060\n2022,AL,4,1,9000,9000,1\n");
    s_assert_file(year, "R.csv", "RB010,RB020,RB030,RB040,RB050,RB090,RB110,RX010\n");
    s_assert_file(year, "P.csv", "PB010,PB020,PB030,PL032,PH030,PY100G\n");
    free(year);
    free(again);
    free(dir);
    free(id);
}

Test(quarantine, replay_of_a_joined_extract_never_writes_over_an_input_file)
{
    char *in = s_copy_udb("in");
    cr_assert_eq(s_run4(in), 0);
    char *id = th_only_extract(s_redis.c);
    const char *onto_inputs[] = {"quarantine", "replay", id, "--out", in, "--redis", s_redis.url,
                                 NULL};
    cr_assert_eq(s_lnob(onto_inputs, "o", "e"), 1);
    char *err = s_slurp_tmp("e"), want[600];
    snprintf(want, sizeof want, "%s/D.csv is the D file of %s; write the replay elsewhere", in, id);
    cr_assert(strstr(err, want), "%s", err);
    free(err);

    /* One replay file that is an input (here through a link) stops them all
     * before any is opened: opening it would have emptied the input. */
    char *out = s_tmp("out"), *link = s_in(out, "P.csv"), *in_p = s_in(in, "P.csv");
    cr_assert_eq(mkdir(out, 0755), 0);
    cr_assert_eq(symlink(in_p, link), 0);
    const char *onto_link[] = {"quarantine", "replay", id, "--out", out, "--redis", s_redis.url,
                               NULL};
    cr_assert_eq(s_lnob(onto_link, "o", "e"), 1);
    err = s_slurp_tmp("e");
    cr_assert(strstr(err, "P.csv is the P file of"), "%s", err);
    char *d = s_in(out, "D.csv");
    cr_assert_eq(access(d, F_OK), -1, "a replay file was written");
    for (int i = 0; i < 4; i++) {
        char name[8], orig[512];
        snprintf(name, sizeof name, "%c.csv", "DHRP"[i]);
        snprintf(orig, sizeof orig, "%s%s", UDB_REPLAY, name);
        char *path = s_in(in, name), *got = th_read(path, NULL), *was = th_read(orig, NULL);
        cr_assert_str_eq(got, was, "%s was changed", path);
        free(path);
        free(got);
        free(was);
    }

    /* Four files do not go to stdout. */
    const char *to_stdout[] = {"quarantine", "replay", id, "--out", "-", "--redis", s_redis.url,
                               NULL};
    cr_assert_eq(s_lnob(to_stdout, "o", "e"), 1);
    free(err);
    err = s_slurp_tmp("e");
    cr_assert(strstr(err, "--out names a directory"), "%s", err);
    free(err);
    free(d);
    free(in_p);
    free(link);
    free(out);
    free(id);
    free(in);
}

/* The entry of id's stream whose raw row holds what, written again as a row
 * quarantined whole (kept 0): what an extract stored by an lnob older than
 * the flags of spec 1.8 holds for it. */
static void s_as_quarantined_whole(const char *id, const char *what)
{
    char key[256];
    snprintf(key, sizeof key, "lnob:quarantine:%s", id);
    redisReply *q = redisCommand(s_redis.c, "XRANGE %s - +", key);
    cr_assert(q && q->type == REDIS_REPLY_ARRAY);
    int found = 0;
    for (size_t i = 0; i < q->elements && !found; i++) {
        const redisReply *f = q->element[i]->element[1];
        const char *argv[32];
        size_t argc = 0;
        argv[argc++] = "XADD", argv[argc++] = key, argv[argc++] = "*";
        for (size_t k = 0; k + 1 < f->elements && argc + 2 < 32; k += 2) {
            found |= !strcmp(f->element[k]->str, "raw") && strstr(f->element[k + 1]->str, what);
            argv[argc++] = f->element[k]->str;
            argv[argc++] = !strcmp(f->element[k]->str, "kept") ? "0" : f->element[k + 1]->str;
        }
        if (!found)
            continue;
        freeReplyObject(redisCommand(s_redis.c, "XDEL %s %s", key, q->element[i]->element[0]->str));
        redisReply *r = redisCommandArgv(s_redis.c, (int) argc, argv, NULL);
        cr_assert(r && r->type == REDIS_REPLY_STRING);
        freeReplyObject(r);
    }
    cr_assert(found, "no entry with %s", what);
    freeReplyObject(q);
}

Test(quarantine, replay_of_a_joined_extract_names_what_the_set_lacks)
{
    /* Person 602 rejected alone (an older extract: PH030 9 quarantined the
     * row): household 6 (HX040 2) is here in part. */
    char *in = s_copy_udb("in"), *in_p = s_in(in, "P.csv"), *in_r = s_in(in, "R.csv");
    s_edit(in_p, "2023,AL,602,1,2,0", "2023,AL,602,1,9,0");
    cr_assert_eq(s_run4(in), 0);
    char *id = th_only_extract(s_redis.c);
    s_as_quarantined_whole(id, ",602,");
    char cut[RAW_CUT_LEN + 1], key[256];
    memset(cut, 'x', sizeof cut);
    memcpy(cut + RAW_CUT_LEN - 3, "...", 4); /* how the ingester marks a row cut at 16 KiB */
    snprintf(key, sizeof key, "lnob:quarantine:%s", id);
    redisReply *r = redisCommand(s_redis.c, "XADD %s * source %s line 90 reason BAD_CODE raw %s",
                                 key, in_r, cut);
    cr_assert(r && r->type == REDIS_REPLY_STRING);
    freeReplyObject(r);

    char *dir = s_tmp("fix");
    const char *replay[] = {"quarantine", "replay", id, "--out", dir, "--redis", s_redis.url, NULL};
    cr_assert_eq(s_lnob(replay, "o", "e"), 1, "a set that lacks rows must not exit 0");
    char *err = s_slurp_tmp("e"), want[600];
    cr_assert(strstr(err, "1 household here lacks members the join accepted (HB030 6: 1 of its 2)"),
              "%s", err);
    snprintf(want, sizeof want, "left out 1 row cut short in Redis (%s line 90)", in_r);
    cr_assert(strstr(err, want), "%s", err);
    free(err);
    char *r_file = s_in(dir, "R.csv"), *got = th_read(r_file, NULL);
    cr_assert(strstr(got, "\n2023,AL,602,6,160,2,1,48\n") && !strstr(got, "xxx"), "%s", got);
    free(got);

    /* What the warning said: corrected, household 6 is still short of a
     * member, so it is held back: its D, H, R and P rows. */
    s_correct(dir);
    char *p_file = s_in(dir, "P.csv");
    s_edit(p_file, "2023,AL,602,1,9,0", "2023,AL,602,1,2,0");
    cr_assert_eq(s_run4(dir), 0);
    char *again = s_other_extract(id);
    s_assert_meta(again, "rows_accepted", "1");
    s_assert_meta(again, "rejects_by_reason", "HOUSEHOLD_SIZE=4 ORPHAN_PERSON=1");

    /* Without each file's header (an extract stored by an older lnob) the
     * joined rows cannot be split: nothing is written. */
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    r = redisCommand(s_redis.c, "HDEL %s headers", key);
    freeReplyObject(r);
    char *old = s_tmp("old");
    const char *replay_old[] = {"quarantine", "replay", id, "--out", old, "--redis", s_redis.url,
                                NULL};
    cr_assert_eq(s_lnob(replay_old, "o", "e"), 1);
    err = s_slurp_tmp("e");
    cr_assert(strstr(err, "without each UDB file's header row"), "%s", err);
    cr_assert_eq(access(old, F_OK), -1, "replay made a directory it wrote nothing in");
    free(err);
    free(old);
    free(again);
    free(p_file);
    free(r_file);
    free(dir);
    free(id);
    free(in_r);
    free(in_p);
    free(in);
}

/* An MIS extract stored before lnob kept its exports' checksums cannot
 * be checked against them: replay declines (MIS replay itself is tested
 * in mis_pipeline_test.c). */
Test(quarantine, replay_declines_an_mis_extract_without_checksums)
{
    redisReply *r = redisCommand(s_redis.c, "HSET lnob:extract:mis-2024-x status complete kind mis "
                                            "inputs a.csv rows_read 2 rows_quarantined 1");
    freeReplyObject(r);
    r = redisCommand(s_redis.c, "XADD lnob:quarantine:mis-2024-x 2-0 source a.csv line 2 field x "
                                "reason BAD_SEX detail d raw A run_id r");
    freeReplyObject(r);
    char *out = s_tmp("mis.csv");
    const char *replay[] = {"quarantine", "replay", "mis-2024-x", "--out", out, "--redis",
                            s_redis.url, NULL};
    cr_assert_eq(s_lnob(replay, "o", "e"), 1);
    char *err = s_slurp_tmp("e");
    cr_assert(strstr(err, "extract mis-2024-x has no input_sums"), "%s", err);
    cr_assert_eq(access(out, F_OK), -1);
    free(err);
    free(out);
}
