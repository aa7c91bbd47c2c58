/* retention_test.c - `lnob delete` and `lnob prune` against extracts a real
 * `lnob run` stored in a private redis-server: exactly the extract's keys
 * go (KEYS before and after), the policy keeps the newest of each kind,
 * channel and period, --older-than reads computed_ms, --dry-run removes
 * nothing, the current pointers are set per channel and period and move or
 * go, the sink's user may remove with the shipped
 * users.acl and the reader's may not; and the sink trims the stream. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "lnob/clock.h"
#include "lnob/mem.h"

#define DATA LNOB_SOURCE_DIR "/tests/data/"
#define MIS_EXPORTS DATA "mis_tv7/exports/"
#define MIS_REGISTERS DATA "mis_tv7/registers/"
#define RUN_TIMEOUT_S 120
#define CLI_TIMEOUT_S 30
#define HOUSEHOLDS 60
#define PATH_LEN 512
#define URL_LEN 640
#define HOUR_MS (3600LL * 1000)
#define DAY_MS (24 * HOUR_MS)
#define MAX_ARGS 24

static th_redis_t s_redis;
static char s_key[PATH_LEN];        /* the MIS pseudonym key */
static char s_sink_pw[PATH_LEN], s_reader_pw[PATH_LEN];
static char s_login[URL_LEN];       /* --redis for lnob: the test's Redis, as lnob_sink with ACL */
static const char *s_password_file; /* --redis-password-file, or NULL */

static void s_key_file(void)
{
    snprintf(s_key, sizeof s_key, "%s/person.key", s_redis.dir);
    th_secret_file(s_key, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
}

static void s_setup(void)
{
    th_redis_start(&s_redis);
    s_key_file();
    snprintf(s_login, sizeof s_login, "%s", s_redis.url);
    s_password_file = NULL;
}

static void s_setup_acl(void)
{
    th_redis_start_acl(&s_redis, NULL);
    s_key_file();
    snprintf(s_sink_pw, sizeof s_sink_pw, "%s/sink.password", s_redis.dir);
    snprintf(s_reader_pw, sizeof s_reader_pw, "%s/reader.password", s_redis.dir);
    th_secret_file(s_sink_pw, TH_SINK_PASSWORD "\n");
    th_secret_file(s_reader_pw, TH_READER_PASSWORD "\n");
    snprintf(s_login, sizeof s_login, "%s?user=lnob_sink", s_redis.url);
    s_password_file = s_sink_pw;
}

static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(retention, .init = s_setup, .fini = s_teardown, .timeout = 300);
TestSuite(retention_acl, .init = s_setup_acl, .fini = s_teardown, .timeout = 300);

/* ---- helpers ------------------------------------------------------------------ */

static const char *s_path(char *buf, const char *name)
{
    snprintf(buf, PATH_LEN, "%s/%s", s_redis.dir, name);
    return buf;
}

/* A SILC extract of the year in the test dir (distinct seeds, distinct ids). */
static const char *s_gen_silc(char *buf, int seed, int year)
{
    char name[64], h[16], s[16], y[16];
    snprintf(name, sizeof name, "silc_%d_%d.csv", year, seed);
    snprintf(h, sizeof h, "%d", HOUSEHOLDS);
    snprintf(s, sizeof s, "%d", seed);
    snprintf(y, sizeof y, "%d", year);
    const char *args[] = {"gen", "silc", "--households", h, "--seed", s, "--year", y, "--out",
                          s_path(buf, name), NULL};
    cr_assert_eq(th_run("lnob", args, NULL, 60), 0, "lnob gen silc failed");
    return buf;
}

/* lnob run on files (NULL-terminated) after flag ("--silc" or "--mis"),
 * in channel (NULL: the default), as s_login. Returns the exit code. */
static int s_store_in(const char *channel, const char *flag, const char *const files[])
{
    const char *args[MAX_ARGS] = {"run", flag};
    size_t n = 2;
    for (; *files; files++)
        args[n++] = *files;
    args[n++] = "--redis";
    args[n++] = s_login;
    if (!strcmp(flag, "--mis")) {
        const char *mis[] = {"--pseudonym-key", s_key, "--period", "2024"};
        for (size_t i = 0; i < sizeof mis / sizeof mis[0]; i++)
            args[n++] = mis[i];
    }
    if (s_password_file) {
        args[n++] = "--redis-password-file";
        args[n++] = s_password_file;
    }
    if (channel) {
        args[n++] = "--channel";
        args[n++] = channel;
    }
    args[n] = NULL;
    char err[PATH_LEN];
    return th_run_logged("lnob", args, NULL, s_path(err, "run.err"), RUN_TIMEOUT_S);
}

static int s_store(const char *flag, const char *const files[])
{
    return s_store_in(NULL, flag, files);
}

/* lnob with args (NULL-terminated) as user (NULL: s_login), stdout and
 * stderr to out_name and err_name; returns the exit code. */
static int s_lnob_as(const char *user, const char *password_file, const char *const args[],
                     const char *out_name, const char *err_name)
{
    char url[URL_LEN], out[PATH_LEN], err[PATH_LEN];
    const char *argv[MAX_ARGS];
    size_t n = 0;
    for (; args[n]; n++)
        argv[n] = args[n];
    if (user)
        snprintf(url, sizeof url, "%s?user=%s", s_redis.url, user);
    argv[n++] = "--redis";
    argv[n++] = user ? url : s_login;
    if (password_file) {
        argv[n++] = "--redis-password-file";
        argv[n++] = password_file;
    }
    argv[n] = NULL;
    return th_run_logged("lnob", argv, s_path(out, out_name), s_path(err, err_name), CLI_TIMEOUT_S);
}

static int s_lnob(const char *const args[], const char *out_name, const char *err_name)
{
    return s_lnob_as(NULL, s_password_file, args, out_name, err_name);
}

/* A file the test wrote in its dir, owned. */
static char *s_text(const char *name)
{
    char path[PATH_LEN];
    return th_read(s_path(path, name), NULL);
}

static void s_expect_says(const char *name, const char *what)
{
    char *text = s_text(name);
    cr_expect(strstr(text, what) != NULL, "%s does not say '%s':\n%s", name, what, text);
    free(text);
}

/* The count after what in a file ("removed 1 extract (" -> 2,412), commas
 * skipped; -1 when what is not there. */
static long long s_count_after(const char *name, const char *what)
{
    char *text = s_text(name), *at = strstr(text, what);
    long long v = at ? 0 : -1;
    for (const char *p = at ? at + strlen(what) : ""; *p && strchr(",0123456789", *p); p++)
        if (*p != ',')
            v = v * 10 + (*p - '0');
    free(text);
    return v;
}

static int s_by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* 1 when key is one of the extract's own keys, or their public twins. */
static int s_owned_by(const char *key, const char *id)
{
    static const char *const prefix[] = {"lnob:cell:", "lnob:extract:", "lnob:quarantine:", "lnob:pub:cell:",
                                         "lnob:pub:extract:"};
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
        size_t n = strlen(prefix[i]), m = strlen(id);
        if (!strncmp(key, prefix[i], n) && !strncmp(key + n, id, m) &&
            (key[n + m] == '\0' || key[n + m] == ':'))
            return 1;
    }
    return 0;
}

/* Every lnob:* key but those owned by the extracts of drop (NULL-terminated,
 * or NULL), sorted, one a line; owned. */
static char *s_keys_but(const char *const *drop)
{
    redisReply *r = redisCommand(s_redis.c, "KEYS lnob:*");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY);
    char **k = lnob_calloc(r->elements + 1, sizeof *k);
    size_t n = 0, len = 1;
    for (size_t i = 0; i < r->elements; i++) {
        int dropped = 0;
        for (const char *const *d = drop; d && *d && !dropped; d++)
            dropped = s_owned_by(r->element[i]->str, *d);
        if (!dropped) {
            k[n++] = r->element[i]->str;
            len += r->element[i]->len + 1;
        }
    }
    qsort(k, n, sizeof *k, s_by_text);
    char *s = lnob_malloc(len), *p = s;
    *p = '\0';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s\n", k[i]);
    free(k);
    freeReplyObject(r);
    return s;
}

static char *s_keys(void) { return s_keys_but(NULL); }

/* The number of keys an extract owns. */
static size_t s_owned(const char *id)
{
    char *all = s_keys(), *rest = s_keys_but((const char *const[]){id, NULL});
    size_t n = 0;
    for (const char *p = all; *p; p++)
        n += *p == '\n';
    for (const char *p = rest; *p; p++)
        n -= *p == '\n';
    free(all);
    free(rest);
    return n;
}

/* Sets an extract's computed_ms (and its lnob:extracts score, if it has one). */
static void s_computed(const char *id, long long ms)
{
    redisReply *r = redisCommand(s_redis.c, "HSET lnob:extract:%s computed_ms %lld", id, ms);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER);
    freeReplyObject(r);
    r = redisCommand(s_redis.c, "ZADD lnob:extracts XX %lld %s", ms, id);
    cr_assert(r && r->type == REDIS_REPLY_INTEGER);
    freeReplyObject(r);
}

static int s_listed(const char *id)
{
    redisReply *r = redisCommand(s_redis.c, "ZSCORE lnob:extracts %s", id);
    cr_assert_not_null(r);
    int listed = r->type == REDIS_REPLY_STRING;
    freeReplyObject(r);
    return listed;
}

/* ids (NULL-terminated) sorted and joined by ','; owned. */
static char *s_joined(const char *const *ids)
{
    const char *k[MAX_ARGS];
    size_t n = 0, len = 1;
    for (; ids[n]; n++) {
        k[n] = ids[n];
        len += strlen(ids[n]) + 1;
    }
    qsort(k, n, sizeof *k, s_by_text);
    char *s = lnob_malloc(len), *p = s;
    *p = '\0';
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", k[i]);
    return s;
}

/* lnob:extracts, ids sorted and joined by ','; owned. */
static char *s_listed_ids(void)
{
    redisReply *r = redisCommand(s_redis.c, "ZRANGE lnob:extracts 0 -1");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements < MAX_ARGS);
    const char *ids[MAX_ARGS];
    for (size_t i = 0; i < r->elements; i++)
        ids[i] = r->element[i]->str;
    ids[r->elements] = NULL;
    char *s = s_joined(ids);
    freeReplyObject(r);
    return s;
}

static void s_expect_listed(const char *const *ids)
{
    char *want = s_joined(ids), *got = s_listed_ids();
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
}

static void s_expect_same_keys(const char *want, const char *why)
{
    char *after = s_keys();
    cr_expect_str_eq(after, want, "%s: keys\n%s\nwant\n%s", why, after, want);
    free(after);
}

/* Takes the line "key\n" out of keys (s_keys' form), asserting it is there. */
static void s_drop_key(char *keys, const char *key)
{
    size_t n = strlen(key);
    char *at = keys;
    while ((at = strstr(at, key)) && !((at == keys || at[-1] == '\n') && at[n] == '\n'))
        at++;
    cr_assert_not_null(at, "%s is not among the keys", key);
    memmove(at, at + n + 1, strlen(at + n + 1) + 1);
}

/* lnob:current:mis:official:2024, owned ("" when absent). */
static char *s_latest(void)
{
    redisReply *r = redisCommand(s_redis.c, "GET lnob:current:mis:official:2024");
    cr_assert_not_null(r);
    char *v = lnob_strdup(r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return v;
}

/* Two MIS extracts of 2024: *first from the exports, then *second from the
 * exports and registers (lnob:current:mis:official:2024 names the second). */
static void s_store_mis(char **first, char **second)
{
    const char *exports[] = {MIS_EXPORTS "01_puke.csv", MIS_EXPORTS "02_pustec.csv", NULL};
    cr_assert_eq(s_store("--mis", exports), 0, "lnob run --mis failed");
    *first = th_extract_of_source(s_redis.c, MIS_EXPORTS "01_puke.csv");
    const char *with_registers[] = {MIS_EXPORTS "01_puke.csv", MIS_EXPORTS "02_pustec.csv",
                                    MIS_REGISTERS "01_puke_register.csv",
                                    MIS_REGISTERS "02_pustec_register.csv", NULL};
    cr_assert_eq(s_store("--mis", with_registers), 0, "lnob run --mis with registers failed");
    *second = th_extract_of_source(s_redis.c, MIS_REGISTERS "01_puke_register.csv");
    cr_assert_str_neq(*first, *second);
    char *latest = s_latest();
    cr_assert_str_eq(latest, *second);
    free(latest);
}

/* ---- delete ------------------------------------------------------------------- */

Test(retention, delete_removes_exactly_that_extracts_keys)
{
    char a[PATH_LEN], b[PATH_LEN];
    setenv("LNOB_MAX_REJECT_SHARE", "100", 1); /* the bad rows' extract completes */
    const char *files[] = {s_gen_silc(a, 1, 2023), s_gen_silc(b, 2, 2023), DATA "silc_bad_rows.csv",
                           NULL};
    cr_assert_eq(s_store("--silc", files), 0);
    char *bad = th_extract_of_source(s_redis.c, DATA "silc_bad_rows.csv");
    char *ida = th_extract_of_source(s_redis.c, a), *idb = th_extract_of_source(s_redis.c, b);
    char *snap_a = th_snapshot(s_redis.c, ida), *snap_b = th_snapshot(s_redis.c, idb);
    cr_assert_gt(th_int(s_redis.c, "XLEN lnob:quarantine:%s", bad), 0, "the case has a quarantine");
    cr_expect_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 3, "the default keeps them all");
    char *want = s_keys_but((const char *const[]){bad, NULL});
    size_t owned = s_owned(bad);
    char *current = th_redis_get(s_redis.c, "lnob:current:silc:official:2023");
    int was_current = !strcmp(current, bad); /* the three are of 2023: the one stored last */
    free(current);

    const char *del[] = {"delete", bad, NULL};
    cr_assert_eq(s_lnob(del, "delete.out", "delete.err"), 0);
    s_expect_same_keys(want, "every key of the extract goes, and only those");
    cr_expect_eq(s_count_after("delete.out", "removed 1 extract ("), (long long) owned);
    cr_expect(!s_listed(bad));
    redisReply *runs = redisCommand(s_redis.c, "KEYS lnob:run:*");
    cr_assert(runs && runs->type == REDIS_REPLY_ARRAY && runs->elements == 1);
    char *mapped = th_hget(s_redis.c, runs->element[0]->str, DATA "silc_bad_rows.csv");
    cr_expect_str_eq(mapped, "", "its input file left the run hash");
    free(mapped);
    freeReplyObject(runs);
    char *after_a = th_snapshot(s_redis.c, ida), *after_b = th_snapshot(s_redis.c, idb);
    cr_expect_str_eq(after_a, snap_a);
    cr_expect_str_eq(after_b, snap_b);
    cr_expect_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 3 + was_current,
                 "stream entries stay; moving the current pointer is announced");
    current = th_redis_get(s_redis.c, "lnob:current:silc:official:2023");
    cr_expect(!strcmp(current, ida) || !strcmp(current, idb), "the pointer names one that stays: %s", current);
    free(current);
    if (was_current) {
        redisReply *last = redisCommand(s_redis.c, "XREVRANGE lnob:stream:extracts + - COUNT 1");
        cr_assert(last && last->type == REDIS_REPLY_ARRAY && last->elements == 1);
        const redisReply *fields = last->element[0]->element[1];
        cr_expect_str_eq(fields->element[3]->str, "removed", "the entry says the extract went");
        cr_expect_str_eq(fields->element[9]->str, "4", "with the channel's next number");
        freeReplyObject(last);
    }

    cr_expect_eq(s_lnob(del, "again.out", "again.err"), 1, "gone: unknown now");
    s_expect_says("again.err", "holds no extract");
    s_expect_same_keys(want, "a second delete changes nothing");
    free(after_a);
    free(after_b);
    free(want);
    free(snap_a);
    free(snap_b);
    free(bad);
    free(ida);
    free(idb);
}

Test(retention, an_unknown_extract_is_exit_1_with_a_message)
{
    const char *del[] = {"delete", "silc-2023-0000000000000000", NULL};
    cr_expect_eq(s_lnob(del, "out", "err"), 1);
    s_expect_says("err", "holds no extract 'silc-2023-0000000000000000'");
    s_expect_says("err", "lnob quarantine list");
    const char *no_id[] = {"delete", NULL};
    cr_expect_eq(s_lnob(no_id, "out", "err2"), 2);
    s_expect_says("err2", "say which extract");
    const char *no_rule[] = {"prune", NULL};
    cr_expect_eq(s_lnob(no_rule, "out", "err3"), 2);
    s_expect_says("err3", "--keep-last N, --older-than DAYS, or both");
}

/* ---- dry run ------------------------------------------------------------------- */

Test(retention, dry_run_removes_nothing_and_counts_what_would_go)
{
    char a[PATH_LEN], b[PATH_LEN], c[PATH_LEN];
    const char *files[] = {s_gen_silc(a, 1, 2023), s_gen_silc(b, 2, 2023), s_gen_silc(c, 3, 2023),
                           NULL};
    cr_assert_eq(s_store("--silc", files), 0);
    char *ida = th_extract_of_source(s_redis.c, a);
    s_computed(ida, lnob_now_ms() - 3 * HOUR_MS); /* the oldest */
    char *before = s_keys();
    size_t owned = s_owned(ida);

    const char *prune[] = {"prune", "--keep-last", "1", "--dry-run", NULL};
    cr_assert_eq(s_lnob(prune, "prune.out", "prune.err"), 0);
    s_expect_same_keys(before, "prune --dry-run");
    s_expect_says("prune.out", "dry run: would remove 2 extracts (");
    s_expect_says("prune.out", "; 1 kept");
    s_expect_says("prune.out", "would remove ");

    const char *del[] = {"delete", ida, "--dry-run", NULL};
    cr_assert_eq(s_lnob(del, "delete.out", "delete.err"), 0);
    s_expect_same_keys(before, "delete --dry-run");
    cr_expect_eq(s_count_after("delete.out", "dry run: would remove 1 extract ("),
                 (long long) owned);

    const char *really[] = {"delete", ida, NULL};
    cr_assert_eq(s_lnob(really, "really.out", "really.err"), 0);
    cr_expect_eq(s_count_after("really.out", "removed 1 extract ("), (long long) owned,
                 "the dry run counted what went");
    free(before);
    free(ida);
}

/* ---- prune ---------------------------------------------------------------------- */

Test(retention, keep_last_keeps_the_newest_of_each_kind_and_period)
{
    char a[PATH_LEN], b[PATH_LEN], c[PATH_LEN], d[PATH_LEN], e[PATH_LEN];
    const char *files[] = {s_gen_silc(a, 1, 2023), s_gen_silc(b, 2, 2023), s_gen_silc(c, 3, 2023),
                           s_gen_silc(d, 4, 2022), s_gen_silc(e, 5, 2022), NULL};
    cr_assert_eq(s_store("--silc", files), 0);
    setenv("LNOB_MAX_REJECT_SHARE", "2", 1); /* 2.33 % of its rows are quarantined whole */
    const char *bad[] = {DATA "silc_bad_rows.csv", NULL};
    cr_assert_neq(s_store("--silc", bad), 0, "too many rejects: a failed extract");
    char *failed = th_extract_of_source(s_redis.c, DATA "silc_bad_rows.csv"), *m1, *m2;
    s_store_mis(&m1, &m2);
    char *id[5];
    long long now = lnob_now_ms();
    const long long age_h[5] = {3, 2, 1, 2, 1}; /* c and e the newest of their years */
    for (int i = 0; i < 5; i++) {
        id[i] = th_extract_of_source(s_redis.c, files[i]);
        s_computed(id[i], now - age_h[i] * HOUR_MS);
    }
    s_computed(m2, now - 2 * HOUR_MS); /* the pointer names the older MIS extract */
    s_computed(m1, now - HOUR_MS);

    const char *prune[] = {"prune", "--keep-last", "1", NULL};
    cr_assert_eq(s_lnob(prune, "prune.out", "prune.err"), 0);
    s_expect_listed((const char *const[]){id[2], id[4], m1, NULL});
    char key[PATH_LEN];
    snprintf(key, sizeof key, "lnob:extract:%s", failed);
    char *status = th_hget(s_redis.c, key, "status");
    cr_expect_str_eq(status, "failed", "the newest failed extract of its period stays");
    free(status);
    char *latest = s_latest(), says[PATH_LEN];
    cr_expect_str_eq(latest, m1, "the pointer moved to the MIS extract that stays");
    snprintf(says, sizeof says, "removed %s (mis 2024, official, complete, computed ", m2);
    s_expect_says("prune.out", says);
    snprintf(says, sizeof says, "lnob:current:mis:official:2024 now names %s", m1);
    s_expect_says("prune.out", says);
    s_expect_says("prune.out", "removed 4 extracts (");
    s_expect_says("prune.out", "; 4 kept");
    char *left = s_keys_but((const char *const[]){id[0], id[1], id[3], m2, NULL}), *all = s_keys();
    cr_expect_str_eq(all, left, "no key of a removed extract is left");

    cr_assert_eq(s_lnob(prune, "again.out", "again.err"), 0);
    s_expect_says("again.out", "removed 0 extracts (0 keys); 4 kept");

    cr_assert_gt(th_int(s_redis.c, "XLEN lnob:quarantine:%s", failed), 0);
    char *others = s_keys_but((const char *const[]){failed, NULL});
    char *run = th_hget(s_redis.c, key, "run_id");
    snprintf(key, sizeof key, "lnob:run:%s", run);
    s_drop_key(others, key); /* its one file was the run's only one: the hash empties and goes */
    free(run);
    const char *del[] = {"delete", failed, NULL};
    cr_assert_eq(s_lnob(del, "failed.out", "failed.err"), 0, "a failed extract is deleted too");
    s_expect_same_keys(others, "its metadata and quarantine went");
    free(others);
    for (int i = 0; i < 5; i++)
        free(id[i]);
    free(all);
    free(left);
    free(latest);
    free(failed);
    free(m1);
    free(m2);
}

Test(retention, older_than_reads_computed_ms_and_the_newest_stays_unless_all)
{
    char a[PATH_LEN], b[PATH_LEN], c[PATH_LEN], d[PATH_LEN];
    const char *files[] = {s_gen_silc(a, 1, 2023), s_gen_silc(b, 2, 2023), s_gen_silc(c, 3, 2023),
                           s_gen_silc(d, 4, 2022), NULL};
    cr_assert_eq(s_store("--silc", files), 0);
    char *id[4];
    long long now = lnob_now_ms();
    const long long age_d[4] = {20, 10, 1, 30}; /* the 2022 one: old, but its year's newest */
    for (int i = 0; i < 4; i++) {
        id[i] = th_extract_of_source(s_redis.c, files[i]);
        s_computed(id[i], now - age_d[i] * DAY_MS);
    }
    const char *p15[] = {"prune", "--older-than", "15", NULL};
    cr_assert_eq(s_lnob(p15, "p15.out", "p15.err"), 0);
    s_expect_listed((const char *const[]){id[1], id[2], id[3], NULL});
    s_expect_says("p15.out", "removed 1 extract (");
    const char *p5[] = {"prune", "--older-than", "5", NULL};
    cr_assert_eq(s_lnob(p5, "p5.out", "p5.err"), 0);
    s_expect_listed((const char *const[]){id[2], id[3], NULL});
    const char *p0[] = {"prune", "--older-than", "0", NULL};
    cr_assert_eq(s_lnob(p0, "p0.out", "p0.err"), 0);
    s_expect_listed((const char *const[]){id[2], id[3], NULL});
    s_expect_says("p0.out", "removed 0 extracts (0 keys); 2 kept");

    char *before = s_keys();
    const char *k0[] = {"prune", "--keep-last", "0", NULL};
    cr_expect_eq(s_lnob(k0, "k0.out", "k0.err"), 2);
    s_expect_says("k0.err", "add --all");
    s_expect_same_keys(before, "--keep-last 0 without --all is refused");
    const char *k0_all[] = {"prune", "--keep-last", "0", "--all", NULL};
    cr_assert_eq(s_lnob(k0_all, "all.out", "all.err"), 0);
    s_expect_says("all.out", "removed 2 extracts (");
    s_expect_same_keys("lnob:indicators\nlnob:pub:stream:extracts\nlnob:seq:official\nlnob:stream:extracts\n",
                       "what no extract owns: the indicator ids ever stored, the publication count and the "
                       "stream (the pointers went with the last extracts)");
    free(before);
    for (int i = 0; i < 4; i++)
        free(id[i]);
}

/* ---- the stream ----------------------------------------------------------------- */

Test(retention, the_sink_keeps_the_newest_stream_max_entries)
{
    char p[4][PATH_LEN], e[PATH_LEN];
    setenv("LNOB_STREAM_MAX", "2", 1); /* lnob run's sink inherits it */
    const char *files[] = {s_gen_silc(p[0], 1, 2023), s_gen_silc(p[1], 2, 2023),
                           s_gen_silc(p[2], 3, 2023), s_gen_silc(p[3], 4, 2023), NULL};
    cr_assert_eq(s_store("--silc", files), 0);
    cr_expect_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 4);
    cr_expect_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 2);
    const char *fifth[] = {s_gen_silc(e, 5, 2023), NULL};
    cr_assert_eq(s_store("--silc", fifth), 0);
    cr_expect_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 2);
    redisReply *r = redisCommand(s_redis.c, "XREVRANGE lnob:stream:extracts + - COUNT 1");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    const redisReply *fields = r->element[0]->element[1];
    char *id = th_extract_of_source(s_redis.c, e);
    cr_expect_str_eq(fields->element[0]->str, "extract");
    cr_expect_str_eq(fields->element[1]->str, id, "the newest entry is the last extract's");
    free(id);
    freeReplyObject(r);
}

/* ---- as the ACL users ----------------------------------------------------------- */

/* Asserts that no output of the test holds a password. */
static void s_no_password_in(const char *name)
{
    char *text = s_text(name);
    cr_expect(strstr(text, TH_SINK_PASSWORD) == NULL && strstr(text, TH_READER_PASSWORD) == NULL,
              "%s holds a password:\n%s", name, text);
    free(text);
}

Test(retention_acl, the_sink_user_removes_and_the_reader_may_not)
{
    char a[PATH_LEN], b[PATH_LEN];
    const char *files[] = {s_gen_silc(a, 1, 2023), s_gen_silc(b, 2, 2023), NULL};
    cr_assert_eq(s_store("--silc", files), 0, "lnob run as lnob_sink");
    char *ida = th_extract_of_source(s_redis.c, a), *idb = th_extract_of_source(s_redis.c, b);
    char *m1, *m2;
    s_store_mis(&m1, &m2);
    long long now = lnob_now_ms();
    s_computed(ida, now - 2 * HOUR_MS);
    s_computed(idb, now - HOUR_MS);
    s_computed(m2, now - 2 * HOUR_MS);
    s_computed(m1, now - HOUR_MS);
    char *before = s_keys();

    const char *del_a[] = {"delete", ida, NULL};
    cr_expect_eq(s_lnob_as("lnob_reader", s_reader_pw, del_a, "reader.out", "reader.err"), 1);
    s_expect_says("reader.err", "NOPERM");
    s_expect_says("reader.err", "Redis user lnob_reader");
    s_no_password_in("reader.err");
    s_expect_same_keys(before, "the reader removes nothing");

    const char *dry[] = {"prune", "--keep-last", "1", "--dry-run", NULL};
    cr_assert_eq(s_lnob(dry, "dry.out", "dry.err"), 0, "EXISTS and UNWATCH are allowed");
    s_expect_same_keys(before, "dry run");
    const char *prune[] = {"prune", "--keep-last", "1", NULL};
    cr_assert_eq(s_lnob(prune, "prune.out", "prune.err"), 0);
    s_expect_listed((const char *const[]){idb, m1, NULL});
    char *latest = s_latest();
    cr_expect_str_eq(latest, m1, "SET of the pointer is allowed");
    free(latest);

    const char *del_m1[] = {"delete", m1, NULL};
    cr_assert_eq(s_lnob(del_m1, "m1.out", "m1.err"), 0, "the newest, when named");
    s_expect_says("m1.out", "lnob:current:mis:official:2024 deleted");
    latest = s_latest();
    cr_expect_str_eq(latest, "", "no MIS extract of 2024 is left");
    free(latest);
    const char *del_b[] = {"delete", idb, NULL};
    cr_assert_eq(s_lnob(del_b, "b.out", "b.err"), 0);
    s_expect_same_keys("lnob:indicators\nlnob:pub:stream:extracts\nlnob:seq:official\nlnob:stream:extracts\n", "every extract removed, its pointers too");
    const char *names[] = {"dry.out", "dry.err", "prune.out", "prune.err", "m1.out", "m1.err",
                           "b.out", "b.err", "reader.out", "run.err"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        s_no_password_in(names[i]);
    free(before);
    free(ida);
    free(idb);
    free(m1);
    free(m2);
}

/* ---- what is current ------------------------------------------------------------ */

static void s_expect_get(const char *key, const char *want, const char *why)
{
    char *got = th_redis_get(s_redis.c, key);
    cr_expect_str_eq(got, want, "%s: %s", key, why);
    free(got);
}

/* Every pointer, period set and the extract set has its public twin
 * (lnob:pub:..., lnob/keys.h) naming the same, and no twin is left over. */
static void s_expect_twins_agree(const char *when)
{
    static const char *const patterns[] = {"lnob:current:*", "lnob:periods:*", "lnob:extracts"};
    size_t internal = 0, twins = 0;
    for (size_t p = 0; p < 3; p++) {
        redisReply *keys = redisCommand(s_redis.c, "KEYS %s", patterns[p]);
        cr_assert(keys && keys->type == REDIS_REPLY_ARRAY);
        for (size_t i = 0; i < keys->elements; i++, internal++) {
            const char *k = keys->element[i]->str;
            int set = strncmp(k, "lnob:current:", 13) != 0;
            redisReply *a = redisCommand(s_redis.c, set ? "ZRANGE %s 0 -1 WITHSCORES" : "GET %s", k);
            redisReply *b = redisCommand(s_redis.c, set ? "ZRANGE lnob:pub:%s 0 -1 WITHSCORES" : "GET lnob:pub:%s",
                                         k + 5);
            cr_assert(a && b);
            int same = a->type == b->type && (a->type == REDIS_REPLY_STRING ? !strcmp(a->str, b->str)
                                                                            : a->elements == b->elements);
            for (size_t j = 0; same && a->type == REDIS_REPLY_ARRAY && j < a->elements; j++)
                same = !strcmp(a->element[j]->str, b->element[j]->str);
            cr_expect(same, "%s: %s and its public twin differ", when, k);
            freeReplyObject(a);
            freeReplyObject(b);
        }
        freeReplyObject(keys);
        keys = redisCommand(s_redis.c, "KEYS lnob:pub:%s", patterns[p] + 5);
        twins += keys->elements;
        freeReplyObject(keys);
    }
    cr_expect_eq(twins, internal, "%s: as many public twins as pointers", when);
}

/* The pointers follow publication per kind, channel and period: an older
 * period run again is current for its year but not the latest; a trial
 * channel's run of the official file is another extract and moves only
 * the trial's pointers; every store is numbered; removing the current
 * extract of the latest year moves the latest to the year before. As
 * lnob_sink with the shipped users.acl: the writes are allowed. */
Test(retention_acl, the_current_pointers_follow_each_channel_and_period)
{
    char a[PATH_LEN], b[PATH_LEN];
    const char *y2023[] = {s_gen_silc(a, 1, 2023), NULL}, *y2022[] = {s_gen_silc(b, 2, 2022), NULL};
    cr_assert_eq(s_store("--silc", y2023), 0);
    char *ida = th_extract_of_source(s_redis.c, a);
    cr_assert_eq(s_store("--silc", y2022), 0);
    char *idb = th_extract_of_source(s_redis.c, b);
    s_expect_get("lnob:current:silc:official:2023", ida, "the year's only extract");
    s_expect_get("lnob:current:silc:official:2022", idb, "the year's only extract");
    s_expect_get("lnob:current:silc:official", ida, "2022 came later, but 2023 is the latest year");
    cr_expect_eq(th_int(s_redis.c, "ZCARD lnob:periods:silc:official"), 2);

    cr_assert_eq(s_store_in("trial", "--silc", y2023), 0, "lnob run --channel trial");
    char trial[PATH_LEN], key[PATH_LEN + 32];
    snprintf(trial, sizeof trial, "%s-trial", ida);
    snprintf(key, sizeof key, "lnob:extract:%s", trial);
    char *channel = th_hget(s_redis.c, key, "channel");
    cr_expect_str_eq(channel, "trial");
    free(channel);
    s_expect_get("lnob:current:silc:trial:2023", trial, "the trial's own extract");
    s_expect_get("lnob:current:silc:trial", trial, "the trial's latest");
    s_expect_get("lnob:current:silc:official:2023", ida, "a trial moves no official pointer");
    s_expect_get("lnob:current:silc:official", ida, "a trial moves no official pointer");

    cr_assert_eq(s_store("--silc", y2022), 0, "the 2022 file again");
    snprintf(key, sizeof key, "lnob:extract:%s", idb);
    char *seq = th_hget(s_redis.c, key, "seq");
    cr_expect_str_eq(seq, "3", "published again, with the official channel's third number");
    free(seq);
    s_expect_get("lnob:seq:official", "3", "three official publications");
    s_expect_get("lnob:seq:trial", "1", "one trial publication");
    cr_expect_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 4, "each announced");
    s_expect_get("lnob:current:silc:official", ida, "a re-run of 2022 is not the latest year");
    s_expect_twins_agree("after four publications");
    cr_expect_eq(th_int(s_redis.c, "XLEN lnob:pub:stream:extracts"), 4, "each announced in public too");

    const char *del_a[] = {"delete", ida, NULL};
    cr_assert_eq(s_lnob(del_a, "a.out", "a.err"), 0);
    s_expect_says("a.out", "lnob:current:silc:official:2023 deleted");
    s_expect_get("lnob:current:silc:official:2023", "", "no official 2023 extract is left");
    s_expect_get("lnob:current:silc:official", idb, "the latest is 2022 now");
    cr_expect_eq(th_int(s_redis.c, "ZCARD lnob:periods:silc:official"), 1);
    s_expect_get("lnob:current:silc:trial", trial, "the trial's are untouched");
    s_expect_twins_agree("after a deletion");
    const char *del_b[] = {"delete", idb, NULL};
    cr_assert_eq(s_lnob(del_b, "b.out", "b.err"), 0);
    s_expect_get("lnob:current:silc:official", "", "no official extract is left");
    cr_expect_eq(th_int(s_redis.c, "EXISTS lnob:periods:silc:official"), 0);
    s_expect_twins_agree("after the last official one went");
    free(ida);
    free(idb);
}
