/* retention_test.c - what keeps Redis from growing for ever: the sink trims
 * the stream lnob:stream:extracts to its newest --stream-max entries. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define RUN_TIMEOUT_S 120
#define HOUSEHOLDS 60
#define PATH_LEN 512
#define MAX_ARGS 24

static th_redis_t s_redis;

static void s_setup(void) { th_redis_start(&s_redis); }
static void s_teardown(void) { th_redis_stop(&s_redis); }

TestSuite(retention, .init = s_setup, .fini = s_teardown, .timeout = 300);

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

/* lnob run --silc on files (NULL-terminated). Returns the exit code. */
static int s_store(const char *const files[])
{
    const char *args[MAX_ARGS] = {"run", "--silc"};
    size_t n = 2;
    for (; *files; files++)
        args[n++] = *files;
    args[n++] = "--redis";
    args[n++] = s_redis.url;
    args[n] = NULL;
    char err[PATH_LEN];
    return th_run_logged("lnob", args, NULL, s_path(err, "run.err"), RUN_TIMEOUT_S);
}

/* ---- the stream ----------------------------------------------------------------- */

Test(retention, the_sink_keeps_the_newest_stream_max_entries)
{
    char p[4][PATH_LEN], e[PATH_LEN];
    setenv("LNOB_STREAM_MAX", "2", 1); /* lnob run's sink inherits it */
    const char *files[] = {s_gen_silc(p[0], 1, 2023), s_gen_silc(p[1], 2, 2023),
                           s_gen_silc(p[2], 3, 2023), s_gen_silc(p[3], 4, 2023), NULL};
    cr_assert_eq(s_store(files), 0);
    cr_expect_eq(th_int(s_redis.c, "ZCARD lnob:extracts"), 4);
    cr_expect_eq(th_int(s_redis.c, "XLEN lnob:stream:extracts"), 2);
    const char *fifth[] = {s_gen_silc(e, 5, 2023), NULL};
    cr_assert_eq(s_store(fifth), 0);
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
