/* status.c - `lnob status` (status.h). */
#include "status.h"

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_get.h"
#include "lnob/config.h"
#include "lnob/keys.h"
#include "lnob/metrics.h"
#include "lnob/redis.h"

#define WORKERS_MAX 128
#define ADDR_MAX 96
#define KIND_MAX 40
#define NOTE_MAX 256
#define MS_PER_S 1000

typedef struct {
    const char *workers;
    const char *redis;
    const char *redis_password_file;
    long timeout_ms;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"workers", "LNOB_STATUS_WORKERS", LNOB_OPT_STR, "127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103,127.0.0.1:9111",
     0, 0, NULL, offsetof(cfg_t, workers),
     "metrics endpoints to ask, comma-separated (default: the default ports of one host, transformer 1)"},
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, "redis://127.0.0.1:6379/0", 0, 0, NULL, offsetof(cfg_t, redis),
     "Redis holding the extracts (redis://[user:password@]host:port/db, unix:///path?db=N&user=NAME); none: skip"},
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,
     offsetof(cfg_t, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP},
    {"timeout-ms", "LNOB_STATUS_TIMEOUT_MS", LNOB_OPT_INT, "2000", 10, 60000, NULL, offsetof(cfg_t, timeout_ms),
     "how long each request to a worker may take"},
    LNOB_OPT_END};

#define USAGE "usage: lnob status [ADDR:PORT...] [--workers LIST] [--redis URL|none]"

/* ---- workers ------------------------------------------------------------------- */

/* The worker kind named in lnob_build_info, with its instance when it has
 * one ("aggregate:2", as lnob run names it), or "?". */
static void s_kind(const char *metrics, char *kind, size_t cap)
{
    static const char mark[] = "lnob_build_info{worker=\"", inst[] = "\",instance=\"";
    const char *at = metrics ? strstr(metrics, mark) : NULL;
    size_t n = at ? strcspn(at + sizeof mark - 1, "\"") : 0;
    snprintf(kind, cap, "%.*s", n ? (int) n : 1, n ? at + sizeof mark - 1 : "?");
    const char *i = n && !strncmp(at + sizeof mark - 1 + n, inst, sizeof inst - 1) ? at + sizeof mark - 1 + n + sizeof inst - 1
                                                                                : NULL;
    size_t len = strlen(kind);
    if (i && len < cap)
        snprintf(kind + len, cap - len, ":%.*s", (int) strcspn(i, "\""), i);
}

/* The failing checks of a /readyz body: ["a","b"] as "a, b". */
static void s_failing(const char *json, char *out, size_t cap)
{
    static const char mark[] = "\"failing\":[";
    const char *list = json ? strstr(json, mark) : NULL;
    size_t o = 0;
    for (const char *p = list ? list + sizeof mark - 1 : ""; *p && *p != ']' && o + 3 < cap; p++) {
        if (*p == ',')
            out[o++] = ',', out[o++] = ' ';
        else if (*p != '"')
            out[o++] = *p;
    }
    out[o] = '\0';
}

/* One worker's line; returns 1 when it is up, healthy and ready. */
static int s_worker(const cfg_t *cfg, const char *addr)
{
    char err[NOTE_MAX], kind[KIND_MAX], note[2 * NOTE_MAX] = "", failing[NOTE_MAX];
    char *metrics = NULL, *health = NULL, *ready = NULL;
    int m = lnob_http_get(addr, "/metrics", (int) cfg->timeout_ms, &metrics, err, sizeof err);
    int h = m > 0 ? lnob_http_get(addr, "/healthz", (int) cfg->timeout_ms, &health, err, sizeof err) : -1;
    int r = h > 0 ? lnob_http_get(addr, "/readyz", (int) cfg->timeout_ms, &ready, err, sizeof err) : -1;
    s_kind(m == 200 ? metrics : NULL, kind, sizeof kind);
    long long collecting, unconfirmed;
    if (r < 0)
        snprintf(note, sizeof note, "%s", err);
    else if (r != 200 && (s_failing(ready, failing, sizeof failing), 1))
        snprintf(note, sizeof note, "failing: %s", failing);
    if (m == 200 && lnob_metrics_find(metrics, "lnob_extracts_in_flight{state=\"collecting\"}", &collecting) &&
        lnob_metrics_find(metrics, "lnob_extracts_in_flight{state=\"unconfirmed\"}", &unconfirmed))
        snprintf(note + strlen(note), sizeof note - strlen(note), "%sextracts in flight: %lld collecting, %lld "
                 "awaiting the sink", *note ? "; " : "", collecting, unconfirmed);
    printf("%-10s %-22s %-7s %-10s %s\n", kind, addr, h < 0 ? "down" : h == 200 ? "ok" : "STALE",
           r < 0 ? "-" : r == 200 ? "ready" : "NOT READY", note);
    free(metrics), free(health), free(ready);
    return h == 200 && r == 200;
}

/* ---- the last stored extract ---------------------------------------------------- */

static void s_field(redisContext *c, const char *id, const char *field, char *out, size_t cap)
{
    lnob_key_t k;
    redisReply *r = redisCommand(c, "HGET %s %s", lnob_key_extract(&k, id), field);
    snprintf(out, cap, "%s", r && r->type == REDIS_REPLY_STRING ? r->str : "?");
    if (r)
        freeReplyObject(r);
}

/* Prints the newest member of lnob:extracts with its metadata. Returns 1
 * when Redis was read. */
static int s_last_extract(redisContext *c)
{
    redisReply *r = redisCommand(c, "ZREVRANGE " LNOB_KEY_EXTRACTS " 0 0 WITHSCORES");
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        printf("last stored extract: cannot read Redis: %s\n", r && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
        if (r)
            freeReplyObject(r);
        return 0;
    }
    if (r->elements < 2) {
        printf("last stored extract: none yet\n");
        freeReplyObject(r);
        return 1;
    }
    const char *id = r->element[0]->str;
    char status[32], source[NOTE_MAX], read[32], quarantined[32], when[32] = "?";
    s_field(c, id, "status", status, sizeof status);
    s_field(c, id, "source", source, sizeof source);
    s_field(c, id, "rows_read", read, sizeof read);
    s_field(c, id, "rows_quarantined", quarantined, sizeof quarantined);
    time_t t = (time_t) (strtoll(r->element[1]->str, NULL, 10) / MS_PER_S);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("last stored extract: %s (%s, %s): %s, %s rows read, %s quarantined\n", id, status, when, source, read,
           quarantined);
    freeReplyObject(r);
    return 1;
}

static int s_redis(const cfg_t *cfg)
{
    if (!strcmp(cfg->redis, "none"))
        return 1;
    char err[2 * NOTE_MAX];
    redisContext *c = NULL;
    if (lnob_redis_connect(cfg->redis, cfg->redis_password_file, &c, err, sizeof err) != LNOB_OK) {
        printf("last stored extract: %s\n", err);
        return 0;
    }
    int ok = s_last_extract(c);
    redisFree(c);
    return ok;
}

/* ---- the command ------------------------------------------------------------------- */

/* The endpoints: positional words, else the --workers list (copied into buf). */
static size_t s_endpoints(char **argv, int first, int words, const cfg_t *cfg, char *buf, size_t cap,
                          const char **out)
{
    size_t n = 0;
    for (int i = first; i < first + words && n < WORKERS_MAX; i++)
        out[n++] = argv[i];
    if (n)
        return n;
    snprintf(buf, cap, "%s", cfg->workers);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t && n < WORKERS_MAX; t = strtok_r(NULL, ", ", &save))
        out[n++] = t;
    return n;
}

int lnob_cli_status(int argc, char **argv, int first)
{
    int words = 0;
    while (first + words < argc && strncmp(argv[first + words], "--", 2) != 0)
        words++;
    cfg_t cfg = {0};
    char err[NOTE_MAX];
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, first + words, "lnob status", USAGE, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "lnob status: %s\n", err);
        return 2;
    }
    char list[WORKERS_MAX * ADDR_MAX];
    const char *addrs[WORKERS_MAX];
    size_t n = s_endpoints(argv, first, words, &cfg, list, sizeof list, addrs);
    printf("%-10s %-22s %-7s %-10s %s\n", "WORKER", "ENDPOINT", "HEALTH", "READY", "NOTES");
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= s_worker(&cfg, addrs[i]);
    ok &= s_redis(&cfg);
    return ok ? 0 : 1;
}
