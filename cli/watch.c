/* watch.c - `lnob watch` (watch.h). */
#include "watch.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lnob/config.h"
#include "lnob/keys.h"
#include "lnob/redis.h"
#include "registry.h"
#include "serve_events.h"

#define PROG "lnob watch"
#define BLOCK_MS 1000 /* Ctrl-C is seen within this */
#define TEXT_MAX 160

typedef struct {
    const char *redis;
    const char *redis_password_file;
    const char *channel;
    long count;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, "redis://lnob_reader@127.0.0.1:6379/0", 0, 0, NULL,
     offsetof(cfg_t, redis), "Redis holding the extracts; reading is enough (unix:///path?db=N&user=NAME too)"},
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,
     offsetof(cfg_t, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP},
    {"channel", "LNOB_CHANNEL", LNOB_OPT_STR, LNOB_CHANNEL_DEFAULT, 0, 0, NULL, offsetof(cfg_t, channel),
     "the channel to follow"},
    {"count", NULL, LNOB_OPT_INT, "0", 0, 1000000, NULL, offsetof(cfg_t, count),
     "stop after this many new entries (0: until Ctrl-C)"},
    LNOB_OPT_END};

static const char s_usage[] = "usage: lnob watch [--redis URL] [--channel NAME] [--count N]";

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

/* "arpr 19.206 (OK)" for an extract of kind, or "" when it has no such cell. */
static void s_headline(redisContext *c, const char *kind_name, const char *id, char *out, size_t cap)
{
    const lnob_source_ops_t *kind = lnob_source_named(kind_name);
    out[0] = '\0';
    if (!kind || !kind->headline)
        return;
    lnob_key_t k;
    redisReply *r = redisCommand(c, "HMGET %s value flag", lnob_key_cell(&k, id, kind->headline, "national"));
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING) {
        int hidden = !strcmp(r->element[1]->str, "SUPPRESS");
        const char *v = r->element[0]->type == REDIS_REPLY_STRING && *r->element[0]->str ? r->element[0]->str : "-";
        snprintf(out, cap, "%s %s (%s)", kind->headline, hidden ? "withheld" : v, r->element[1]->str);
    }
    freeReplyObject(r);
}

static void s_current(redisContext *c, const char *channel)
{
    for (size_t i = 0; i < lnob_sources_n; i++) {
        lnob_key_t k;
        const char *kind = lnob_sources[i]->name;
        redisReply *id = redisCommand(c, "GET %s", lnob_key_current(&k, kind, channel, NULL));
        if (id && id->type == REDIS_REPLY_STRING) {
            char head[TEXT_MAX];
            redisReply *m = redisCommand(c, "HMGET %s period seq", lnob_key_extract(&k, id->str));
            int ok = m && m->type == REDIS_REPLY_ARRAY && m->elements == 2 && m->element[0]->type == REDIS_REPLY_STRING;
            s_headline(c, kind, id->str, head, sizeof head);
            printf("current    %-4s %s %s #%s  %s\n", kind, ok ? m->element[0]->str : "?", id->str,
                   ok && m->element[1]->type == REDIS_REPLY_STRING ? m->element[1]->str : "?", head);
            freeReplyObject(m);
        } else {
            printf("current    %-4s none in channel %s yet\n", kind, channel);
        }
        freeReplyObject(id);
    }
    fflush(stdout);
}

/* One stream entry of the channel as a line; returns 1 when it was one. */
static int s_entry(redisContext *c, const char *channel, const redisReply *fields)
{
    const char *ch = lnob_redis_pair(fields, "channel"), *id = lnob_redis_pair(fields, "extract");
    if (strcmp(*ch ? ch : LNOB_CHANNEL_DEFAULT, channel) != 0)
        return 0;
    char kind[LNOB_CHANNEL_MAX], head[TEXT_MAX] = "", when[16];
    snprintf(kind, sizeof kind, "%.*s", (int) strcspn(id, "-"), id);
    int removed = !strcmp(lnob_redis_pair(fields, "status"), "removed");
    if (!removed)
        s_headline(c, kind, id, head, sizeof head);
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%H:%M:%S", localtime_r(&now, &tm));
    printf("%s %-9s %-4s %s %s #%s  %s\n", when, removed ? "removed" : "published", kind, lnob_redis_pair(fields, "period"),
           id, lnob_redis_pair(fields, "seq"), head);
    fflush(stdout);
    return 1;
}

static int s_follow(redisContext *c, const cfg_t *cfg)
{
    char last[LNOB_EVENTS_ID_MAX];
    long seen = 0;
    lnob_stream_end_id(c, last, sizeof last);
    while (!s_stop && (!cfg->count || seen < cfg->count)) {
        redisReply *r = redisCommand(c, "XREAD COUNT 100 BLOCK %d STREAMS " LNOB_KEY_STREAM " %s", BLOCK_MS, last);
        if (!r || (r->type != REDIS_REPLY_ARRAY && r->type != REDIS_REPLY_NIL)) {
            fprintf(stderr, "%s: Redis: %s\n", PROG, r && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
            freeReplyObject(r);
            return 1;
        }
        const redisReply *entries = r->type == REDIS_REPLY_ARRAY && r->elements ? r->element[0]->element[1] : NULL;
        for (size_t i = 0; entries && i < entries->elements && (!cfg->count || seen < cfg->count); i++) {
            snprintf(last, sizeof last, "%s", entries->element[i]->element[0]->str);
            seen += s_entry(c, cfg->channel, entries->element[i]->element[1]);
        }
        freeReplyObject(r);
    }
    return 0;
}

int lnob_cli_watch(int argc, char **argv, int first)
{
    cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, first, PROG, s_usage, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK || !lnob_channel_valid(cfg.channel)) {
        fprintf(stderr, "%s: %s\n%s\n", PROG, rc != LNOB_OK ? err : "--channel: " LNOB_CHANNEL_RULE, s_usage);
        return 2;
    }
    redisContext *c = NULL;
    if (lnob_redis_connect(cfg.redis, cfg.redis_password_file, &c, err, sizeof err) != LNOB_OK) {
        fprintf(stderr, "%s: %s\n", PROG, err);
        return 1;
    }
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("%s: channel %s; new entries of lnob:stream:extracts follow (Ctrl-C stops)\n", PROG, cfg.channel);
    s_current(c, cfg.channel);
    rc = s_follow(c, &cfg);
    redisFree(c);
    return rc;
}
