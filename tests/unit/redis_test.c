/* redis_test.c - Redis URLs: what may be shown, who logs in, refusals
 * (lnob/redis.h). No server: a login against a real one is in
 * tests/integration/redis_acl_test.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/redis.h"

Test(redis, a_password_in_a_url_is_never_shown)
{
    char out[256];
    cr_expect_str_eq(lnob_redis_url_safe("redis://lnob:s3cret@db.example:6380/2", out, sizeof out),
                     "redis://lnob:***@db.example:6380/2");
    cr_expect_str_eq(lnob_redis_url_safe("redis://:s3cret@127.0.0.1", out, sizeof out),
                     "redis://:***@127.0.0.1");
    cr_expect_str_eq(lnob_redis_url_safe("redis://127.0.0.1:6379/0", out, sizeof out),
                     "redis://127.0.0.1:6379/0", "no password: as it is");
    cr_expect_str_eq(lnob_redis_url_safe("unix:///run/redis.sock", out, sizeof out), "unix:///run/redis.sock");
    cr_expect_str_eq(lnob_redis_url_safe("unix:///run/r.sock?db=1&user=u&password=s3cret", out, sizeof out),
                     "unix:///run/r.sock?db=1&user=u&password=***");
    cr_expect_str_eq(lnob_redis_url_safe("unix:///run/r.sock?password=s3&password=cret&db=2", out, sizeof out),
                     "unix:///run/r.sock?password=***&password=***&db=2", "every one");
    cr_expect_str_eq(lnob_redis_url_safe("unix:///run/r.sock?user=u&passwrd=s3cret&s3cret", out, sizeof out),
                     "unix:///run/r.sock?user=u&passwrd=***&***", "misspelt: maybe a password too");
    cr_expect_str_eq(lnob_redis_url_safe("redis://u:p@ss/w@rd@host:1/0", out, sizeof out),
                     "redis://u:***@host:1/0", "up to the last '@', raw '@' and '/' included");
}

Test(redis, a_short_buffer_is_cut_not_overrun)
{
    char out[12];
    memset(out, 'x', sizeof out);
    lnob_redis_url_safe("redis://u:s3cret@host:6379/0", out, sizeof out);
    cr_expect_str_eq(out, "redis://u:*");
}

Test(redis, the_user_a_url_logs_in_as)
{
    char out[64];
    cr_expect_str_eq(lnob_redis_user("redis://lnob_sink:pw@h:1/0", out, sizeof out), "lnob_sink");
    cr_expect_str_eq(lnob_redis_user("redis://:pw@h", out, sizeof out), "default");
    cr_expect_str_eq(lnob_redis_user("redis://h", out, sizeof out), "default");
    cr_expect_str_eq(lnob_redis_user("unix:///s?db=2&user=lnob%5Freader", out, sizeof out), "lnob_reader",
                     "percent-decoded");
    cr_expect_str_eq(lnob_redis_user("unix:///s?bogus=1&user=x", out, sizeof out), "default", "bad URL");
}

Test(redis, refusals_are_told_from_failures_that_may_pass)
{
    cr_expect_eq(lnob_redis_reply_rc("NOAUTH Authentication required."), LNOB_DENIED);
    cr_expect_eq(lnob_redis_reply_rc("WRONGPASS invalid username-password pair or user is disabled."),
                 LNOB_DENIED);
    cr_expect_eq(lnob_redis_reply_rc("NOPERM this user has no permissions to run the 'hset' command"),
                 LNOB_DENIED);
    cr_expect_eq(lnob_redis_reply_rc("LOADING Redis is loading the dataset in memory"), LNOB_ERR);
    cr_expect_eq(lnob_redis_reply_rc("ERR wrong number of arguments"), LNOB_ERR);
}

/* Connects to url (no server listens: nothing is reached unless the URL and
 * credentials pass); returns the rc, err in err. */
static int s_try(const char *url, const char *password_file, char *err, size_t cap)
{
    redisContext *c = NULL;
    err[0] = '\0';
    int rc = lnob_redis_connect(url, password_file, &c, err, cap);
    cr_assert_null(c);
    return rc;
}

Test(redis, a_url_that_cannot_be_parsed_is_refused_without_its_password)
{
    char err[LNOB_ERRSTR_MAX];
    const char *bad[] = {"redis//lnob:s3cret@host", "redis://lnob:s3cret@host:0/1",
                         "redis://lnob:s3cret@host:6379/x", "redis://lnob:s3%4@host",
                         "unix:///s?db=1&passwrd=s3cret", "unix:///s?user=u&password=s3cret%00",
                         "redis://lnob:s3cret@host:6379/0?x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(s_try(bad[i], NULL, err, sizeof err), LNOB_DENIED, "%s", bad[i]);
        cr_expect(strstr(err, "bad Redis URL") != NULL, "%s: %s", bad[i], err);
        cr_expect(strstr(err, "s3cret") == NULL, "%s", err);
    }
}

Test(redis, a_user_needs_a_password_from_the_url_or_the_file_not_both)
{
    char err[LNOB_ERRSTR_MAX];
    cr_expect_eq(s_try("redis://lnob_sink@127.0.0.1:1/0", NULL, err, sizeof err), LNOB_DENIED);
    cr_expect(strstr(err, "names user lnob_sink but no password") != NULL, "%s", err);
    cr_expect_eq(s_try("redis://u:s3cret@127.0.0.1:1/0", "/nonexistent", err, sizeof err), LNOB_DENIED);
    cr_expect(strstr(err, "give one") != NULL && !strstr(err, "s3cret"), "%s", err);
}

static void s_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

Test(redis, a_password_file_open_to_others_or_empty_is_refused)
{
    char path[] = "/tmp/lnob-redis-pw-XXXXXX", err[LNOB_ERRSTR_MAX];
    close(mkstemp(path));
    s_write(path, "s3cret\n", 0640);
    cr_expect_eq(s_try("redis://u@127.0.0.1:1", path, err, sizeof err), LNOB_DENIED);
    cr_expect(strstr(err, "open to group or others (mode 0640): chmod 600") != NULL, "%s", err);
    s_write(path, "\nsecond line\n", 0600);
    cr_expect_eq(s_try("redis://u@127.0.0.1:1", path, err, sizeof err), LNOB_DENIED);
    cr_expect(strstr(err, "holds no password on its first line") != NULL, "%s", err);
    /* a good file: the login is only stopped by nobody listening, a failure that may pass */
    s_write(path, "s3cret\r\nignored\n", 0600);
    cr_expect_eq(s_try("redis://u@127.0.0.1:1", path, err, sizeof err), LNOB_ERR);
    cr_expect(strstr(err, "cannot connect to Redis at redis://u@127.0.0.1:1") != NULL, "%s", err);
    cr_expect(strstr(err, "s3cret") == NULL, "%s", err);
    unlink(path);
    cr_expect_eq(s_try("redis://u@127.0.0.1:1", path, err, sizeof err), LNOB_DENIED);
    cr_expect(strstr(err, "No such file") != NULL, "%s", err);
}

/* lnob_redis_password_to_file on url: the URL left, and the file's text. */
static void s_moved(const char *url, const char *want_url, const char *want_file)
{
    char dir[] = "/tmp/lnob-redis-mv-XXXXXX", path[64], out[256], err[LNOB_ERRSTR_MAX];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/pw", dir);
    int rc = lnob_redis_password_to_file(url, path, out, sizeof out, err, sizeof err);
    cr_expect_eq(rc, want_file ? 1 : 0, "%s: %s", url, err);
    cr_expect_str_eq(out, want_url);
    struct stat st;
    if (want_file) {
        char text[64] = "";
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f);
        cr_expect_not_null(fgets(text, sizeof text, f));
        fclose(f);
        cr_expect_str_eq(text, want_file);
        cr_expect(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
    } else {
        cr_expect_neq(stat(path, &st), 0, "no file when there is no password");
    }
    unlink(path);
    rmdir(dir);
}

Test(redis, a_password_moves_from_the_url_into_a_file)
{
    s_moved("redis://lnob_sink:s3%40cret@h:6380/2", "redis://lnob_sink@h:6380/2", "s3@cret\n");
    s_moved("redis://:s3cret@h", "redis://h", "s3cret\n");
    s_moved("unix:///s?db=1&password=pw&user=u", "unix:///s?db=1&user=u", "pw\n");
    s_moved("unix:///s?password=pw&user=u", "unix:///s?user=u", "pw\n");
    s_moved("unix:///s?password=pw", "unix:///s", "pw\n");
    s_moved("unix:///s?user=u", "unix:///s?user=u", NULL);
    s_moved("redis://h:1/0", "redis://h:1/0", NULL);
}
