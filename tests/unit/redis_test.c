/* redis_test.c - what of a Redis URL may be shown (lnob/redis.h). */
#include <criterion/criterion.h>

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
}

Test(redis, a_url_that_cannot_be_parsed_is_reported_without_its_password)
{
    char err[256];
    cr_assert_null(lnob_redis_connect("redis//lnob:s3cret@host", err, sizeof err));
    cr_expect(strstr(err, "s3cret") == NULL, "%s", err);
    cr_expect(strstr(err, "***") != NULL, "%s", err);
}
