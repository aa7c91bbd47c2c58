/* redis_acl_test.c - lnob against a redis-server with the ACL users of
 * deploy/redis/users.acl (docs/redis-acl.md): the sink's user stores an
 * extract, the reader reads it and may not write, and a refused login or
 * command ends the run at once with a message that names the user and never
 * holds a password, on no command line and in no log. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "lnob/exit.h"
#include "lnob/mem.h"
#include "lnob/redis.h"

#define RUN_TIMEOUT_S 60
#define REFUSED_WITHIN_S 5 /* a refusal ends the run this soon: it is not retried */
#define HOUSEHOLDS 150
#define PATH_LEN 512
#define URL_LEN 640
#define CMDLINE_MAX 8192
#define POLL_US 10000
#define PID_POLLS 1000

static th_redis_t s_redis;
static char s_csv[PATH_LEN], s_sink_pw[PATH_LEN], s_reader_pw[PATH_LEN];

static void s_setup(void)
{
    th_redis_start_acl(&s_redis, NULL);
    snprintf(s_csv, sizeof s_csv, "%s/sample.csv", s_redis.dir);
    snprintf(s_sink_pw, sizeof s_sink_pw, "%s/sink.password", s_redis.dir);
    snprintf(s_reader_pw, sizeof s_reader_pw, "%s/reader.password", s_redis.dir);
    th_gen(s_csv, HOUSEHOLDS, 3);
    th_secret_file(s_sink_pw, TH_SINK_PASSWORD "\n");
    th_secret_file(s_reader_pw, TH_READER_PASSWORD "\n");
}
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(redis_acl, .init = s_setup, .fini = s_teardown, .timeout = 120);

/* ---- helpers ---------------------------------------------------------------- */

static const char *s_path(char *buf, const char *name)
{
    snprintf(buf, PATH_LEN, "%s/%s", s_redis.dir, name);
    return buf;
}

/* The test's Redis as user (NULL: no login), with query (e.g. "&password=x"). */
static const char *s_url(char *buf, const char *user, const char *query)
{
    if (user)
        snprintf(buf, URL_LEN, "%s?user=%s%s", s_redis.url, user, query ? query : "");
    else
        snprintf(buf, URL_LEN, "%s", s_redis.url);
    return buf;
}

static double s_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* Asserts that none of the test's passwords is in the file at path. */
static void s_no_password_in(const char *path)
{
    char *text = th_read(path, NULL);
    const char *secrets[] = {TH_SINK_PASSWORD, TH_READER_PASSWORD, "Wrong-Pw-4d2f"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_expect(strstr(text, secrets[i]) == NULL, "%s holds a password:\n%s", path, text);
    free(text);
}

static void s_expect_in(const char *path, const char *what)
{
    char *text = th_read(path, NULL);
    cr_expect(strstr(text, what) != NULL, "%s does not say '%s':\n%s", path, what, text);
    free(text);
}

/* lnob run of the sample against url; stderr to err_name. Returns the exit
 * code; *secs how long it took. */
static int s_run(const char *url, const char *password_file, const char *err_name, double *secs)
{
    char err[PATH_LEN];
    /* info: every worker's start-up line, with its Redis URL, is in the log searched */
    const char *args[] = {"run", "--silc", s_csv, "--redis", url, "--transformers", "1", "--log-level",
                          "info", "--redis-password-file", password_file, NULL};
    if (!password_file)
        args[9] = NULL;
    double t0 = s_now();
    int code = th_run_logged("lnob", args, NULL, s_path(err, err_name), RUN_TIMEOUT_S);
    if (secs)
        *secs = s_now() - t0;
    s_no_password_in(err);
    return code;
}

/* The only extract of the test's Redis, which must be complete. */
static char *s_stored_extract(void)
{
    char *id = th_only_extract(s_redis.c), key[PATH_LEN];
    snprintf(key, sizeof key, "lnob:extract:%s", id);
    char *status = th_hget(s_redis.c, key, "status");
    cr_expect_str_eq(status, "complete");
    free(status);
    cr_expect_gt(th_int(s_redis.c, "LLEN lnob:extract:%s:cells", id), 50);
    return id;
}

/* ---- the users at work --------------------------------------------------------- */

Test(redis_acl, the_sink_user_stores_and_the_reader_reads_but_may_not_write)
{
    char url[URL_LEN], out[PATH_LEN], err[PATH_LEN];
    cr_assert_eq(s_run(s_url(url, "lnob_sink", NULL), s_sink_pw, "run.err", NULL), 0);
    s_expect_in(s_path(err, "run.err"), "redis unix://"); /* the sink's start-up line: searched */
    char *id = s_stored_extract();

    /* lnob export as either user: the same cells, the reader's password from the file */
    const char *as_reader[] = {"export", "--extract", id, "--format", "csv", "--redis",
                               s_url(url, "lnob_reader", NULL), "--redis-password-file", s_reader_pw, NULL};
    cr_assert_eq(th_run_logged("lnob", as_reader, s_path(out, "reader.csv"), s_path(err, "reader.err"), 30), 0);
    s_no_password_in(err);
    char url2[URL_LEN], out2[PATH_LEN];
    const char *as_sink[] = {"export", "--extract", id, "--format", "csv", "--redis",
                             s_url(url2, "lnob_sink", "&password=" TH_SINK_PASSWORD), NULL};
    cr_assert_eq(th_run_logged("lnob", as_sink, s_path(out2, "sink.csv"), s_path(err, "sink.err"), 30), 0);
    s_no_password_in(err);
    char *a = th_read(out, NULL), *b = th_read(out2, NULL);
    cr_expect_gt(strlen(a), 1000);
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
    const char *list[] = {"quarantine", "list", "--redis", s_url(url, "lnob_reader", NULL),
                          "--redis-password-file", s_reader_pw, NULL};
    cr_expect_eq(th_run("lnob", list, s_path(out, "list.txt"), 30), 0, "SCAN is a read command");
    s_expect_in(out, id);
    const char *show[] = {"quarantine", "show", "no-such-extract", "--redis",
                          s_url(url, "lnob_reader", "&password=" TH_READER_PASSWORD), NULL};
    cr_expect_eq(th_run_logged("lnob", show, NULL, s_path(err, "show.err"), 30), 1);
    s_expect_in(err, "holds no extract 'no-such-extract'");
    s_expect_in(err, "password=***");
    s_no_password_in(err);

    /* the reader reads a cell and may write nothing, nor read outside lnob:* */
    redisContext *c = NULL;
    char why[LNOB_ERRSTR_MAX];
    cr_assert_eq(lnob_redis_connect(s_url(url, "lnob_reader", "&password=" TH_READER_PASSWORD), NULL, &c,
                                    why, sizeof why), LNOB_OK, "%s", why);
    redisReply *cells = redisCommand(c, "LRANGE lnob:extract:%s:cells 0 0", id);
    cr_assert(cells && cells->type == REDIS_REPLY_ARRAY && cells->elements == 1);
    redisReply *h = redisCommand(c, "HGETALL %s", cells->element[0]->str);
    cr_expect(h && h->type == REDIS_REPLY_ARRAY && h->elements == 20, "a cell hash of 10 fields");
    const char *writes[][4] = {{"HSET", cells->element[0]->str, "flag", "OK"},
                               {"DEL", "lnob:extracts", NULL, NULL},
                               {"GET", "elsewhere", NULL, NULL}};
    for (size_t i = 0; i < 3; i++) {
        redisReply *w = redisCommandArgv(c, writes[i][2] ? 4 : 2, writes[i], NULL);
        cr_expect(w && w->type == REDIS_REPLY_ERROR && !strncmp(w->str, "NOPERM", 6), "%s: %s",
                  writes[i][0], w && w->str ? w->str : "no error");
        freeReplyObject(w);
    }
    freeReplyObject(h);
    freeReplyObject(cells);
    redisFree(c);
    free(id);
}

/* ---- the password stays off command lines --------------------------------- */

/* The command line of the process in pidfile (NULs as spaces) once it
 * has become lnob-sink (a child shows its parent's until its exec); owned. */
static char *s_sink_cmdline(const char *workdir)
{
    char pidfile[2 * PATH_LEN], proc[64];
    snprintf(pidfile, sizeof pidfile, "%s/sink.pid", workdir);
    char *cmd = NULL;
    for (int i = 0; i < PID_POLLS && !(cmd && strstr(cmd, "lnob-sink")); i++) {
        free(cmd);
        usleep(POLL_US);
        char *pid = th_slurp(pidfile, NULL);
        snprintf(proc, sizeof proc, "/proc/%d/cmdline", pid ? atoi(pid) : 0);
        free(pid);
        size_t n = 0;
        if ((cmd = th_slurp(proc, &n)) != NULL)
            for (size_t k = 0; k + 1 < n; k++)
                cmd[k] = cmd[k] ? cmd[k] : ' ';
    }
    cr_assert(cmd && strstr(cmd, "lnob-sink"), "no sink seen in %s", pidfile);
    return cmd;
}

/* lnob run against url in a workdir: the sink's command line must name a
 * password file, never the password; the run succeeds. */
static void s_run_watched(const char *url, const char *name)
{
    char wd[PATH_LEN], err[PATH_LEN];
    freeReplyObject(redisCommand(s_redis.c, "FLUSHALL")); /* one run hash in Redis: this run's */
    s_path(wd, name);
    cr_assert_eq(mkdir(wd, 0700), 0);
    const char *args[] = {"run", "--silc", s_csv, "--redis", url, "--workdir", wd, "--transformers", "1",
                          "--log-level", "info", NULL};
    pid_t run = th_spawn_logged("lnob", args, NULL, s_path(err, "watched.err"));
    char *cmd = s_sink_cmdline(wd);
    cr_expect(strstr(cmd, TH_SINK_PASSWORD) == NULL, "the sink's command line: %s", cmd);
    cr_expect(strstr(cmd, "--redis-password-file") != NULL, "the sink's command line: %s", cmd);
    cr_expect(strstr(cmd, "user=lnob_sink") != NULL, "the sink's command line: %s", cmd);
    free(cmd);
    cr_assert_eq(th_wait(run, "lnob run", RUN_TIMEOUT_S), 0);
    s_no_password_in(err);
    char moved[2 * PATH_LEN];
    snprintf(moved, sizeof moved, "%s/redis.password", wd);
    cr_expect_neq(access(moved, F_OK), 0, "lnob run removes the password file it made");
    free(s_stored_extract());
}

Test(redis_acl, the_password_reaches_the_sink_in_a_file_never_on_its_command_line)
{
    char url[URL_LEN];
    setenv("LNOB_REDIS_PASSWORD_FILE", s_sink_pw, 1); /* this test's process and its children only */
    s_run_watched(s_url(url, "lnob_sink", NULL), "wd-env");
    unsetenv("LNOB_REDIS_PASSWORD_FILE");
    /* a password given in the URL is moved into a file of the run's own */
    s_run_watched(s_url(url, "lnob_sink", "&password=" TH_SINK_PASSWORD), "wd-url");
}

/* ---- refusals end the run ----------------------------------------------------- */

Test(redis_acl, a_wrong_password_fails_at_once_naming_the_user_and_not_the_password)
{
    char url[URL_LEN], err[PATH_LEN];
    double secs = 0;
    int code = s_run(s_url(url, "lnob_sink", "&password=Wrong-Pw-4d2f"), NULL, "wrong.err", &secs);
    cr_expect_neq(code, 0);
    cr_expect_lt(secs, REFUSED_WITHIN_S, "took %.1f s", secs);
    s_expect_in(s_path(err, "wrong.err"), "refused user lnob_sink: WRONGPASS");
    s_expect_in(err, "password=***");

    /* the sink alone, given the wrong password in a file: exits LNOB_EXIT_DENIED */
    char bad[PATH_LEN], ep[3][PATH_LEN];
    th_secret_file(s_path(bad, "wrong.password"), "Wrong-Pw-4d2f\n");
    snprintf(ep[0], PATH_LEN, "@ipc://%s/pull", s_redis.dir);
    snprintf(ep[1], PATH_LEN, "@ipc://%s/pub", s_redis.dir);
    snprintf(ep[2], PATH_LEN, ">ipc://%s/control", s_redis.dir);
    const char *sink[] = {"--pull", ep[0], "--pub", ep[1], "--control", ep[2], "--redis",
                          s_url(url, "lnob_sink", NULL), "--redis-password-file", bad, NULL};
    double t0 = s_now();
    cr_expect_eq(th_run_logged("lnob-sink", sink, NULL, s_path(err, "sink.err"), RUN_TIMEOUT_S), LNOB_EXIT_DENIED);
    cr_expect_lt(s_now() - t0, REFUSED_WITHIN_S);
    s_expect_in(err, "refused user lnob_sink: WRONGPASS");
    s_expect_in(err, "the sink stops");
    s_no_password_in(err);
}

Test(redis_acl, no_login_is_noauth)
{
    char url[URL_LEN], err[PATH_LEN];
    double secs = 0;
    cr_expect_neq(s_run(s_url(url, NULL, NULL), NULL, "noauth.err", &secs), 0);
    cr_expect_lt(secs, REFUSED_WITHIN_S, "took %.1f s", secs);
    s_expect_in(s_path(err, "noauth.err"), "refused the default user: NOAUTH");
    const char *export[] = {"export", "--extract", "x", "--redis", s_url(url, NULL, NULL), NULL};
    cr_expect_eq(th_run_logged("lnob", export, NULL, s_path(err, "export.err"), 30), 1);
    s_expect_in(err, "NOAUTH");
}

Test(redis_acl, a_sink_user_without_write_rights_ends_the_run_with_noperm_not_restarts)
{
    char url[URL_LEN], err[PATH_LEN];
    double secs = 0;
    /* the reader may log in and read, so lnob run starts; the sink's first write is refused */
    cr_expect_neq(s_run(s_url(url, "lnob_reader", NULL), s_reader_pw, "noperm.err", &secs), 0);
    cr_expect_lt(secs, 3 * REFUSED_WITHIN_S, "took %.1f s", secs);
    s_path(err, "noperm.err");
    s_expect_in(err, "NOPERM");
    s_expect_in(err, "(Redis user lnob_reader at ");
    s_expect_in(err, "lnob: sink was refused by Redis (its log above says why); not restarting it");
    char *text = th_read(err, NULL);
    cr_expect(strstr(text, "sink exited") == NULL && strstr(text, "restarting in") == NULL,
              "a refusal is not retried:\n%s", text);
    free(text);
}

Test(redis_acl, a_bad_password_file_is_refused_before_anything_starts)
{
    char url[URL_LEN], err[PATH_LEN], open_pw[PATH_LEN];
    th_secret_file(s_path(open_pw, "open.password"), TH_SINK_PASSWORD "\n");
    cr_assert_eq(chmod(open_pw, 0644), 0);
    cr_expect_neq(s_run(s_url(url, "lnob_sink", NULL), open_pw, "open.err", NULL), 0);
    s_expect_in(s_path(err, "open.err"), "is open to group or others (mode 0644): chmod 600 it");
    cr_expect_neq(s_run(s_url(url, "lnob_sink", NULL), NULL, "nopw.err", NULL), 0);
    s_expect_in(s_path(err, "nopw.err"), "names user lnob_sink but no password");
}
