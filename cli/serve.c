/* serve.c - `lnob serve`: the stored figures over HTTP (serve.h). */
#include "serve.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/config.h"
#include "lnob/format.h"
#include "lnob/httpd.h"
#include "lnob/keys.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "registry.h"
#include "report.h"
#include "serve_events.h"
#include "serve_page.h"

#define PROG "lnob serve"
#define CONNECTIONS 64     /* clients at once, each on a thread of its own */
#define READ_ATTEMPTS 3    /* the current extract changed while it was read */
#define API "/api/v1/"
#define ID_MAX 128
#define MSG_MAX 512
#define JSON_TYPE "application/json; charset=utf-8"
#define REVALIDATE "no-cache" /* keep it, but ask again (with If-None-Match) before using it */

typedef struct {
    const char *redis;
    const char *redis_password_file;
    const char *listen;
    int public_ok;
    const char *cors;
    const char *log_level, *log_format;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, "redis://lnob_dashboard@127.0.0.1:6379/0", 0, 0, NULL,
     offsetof(cfg_t, redis),
     "Redis holding the extracts; lnob serve reads their public twins (lnob:pub:*) alone, as a user that "
     "may read only those (redis://lnob_dashboard@host:port/db, unix:///path?db=N&user=lnob_dashboard)"},
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,
     offsetof(cfg_t, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP},
    {"listen", "LNOB_SERVE_LISTEN", LNOB_OPT_STR, "127.0.0.1:8080", 0, 0, NULL, offsetof(cfg_t, listen),
     "ADDR:PORT to serve on (port 0: any free port, said on stderr)"},
    {"public", NULL, LNOB_OPT_FLAG, "0", 0, 0, NULL, offsetof(cfg_t, public_ok),
     "allow --listen on an address other than loopback (put TLS and access control in front: docs/dashboards.md)"},
    {"cors", "LNOB_SERVE_CORS", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, cors),
     "send Access-Control-Allow-Origin: ORIGIN, for a web page served from ORIGIN (default: none)"},
    {"log-level", "LNOB_LOG_LEVEL", LNOB_OPT_STR, "info", 0, 0, "error|warn|info|debug", offsetof(cfg_t, log_level),
     "verbosity (stderr)"},
    {"log-format", "LNOB_LOG_FORMAT", LNOB_OPT_STR, "text", 0, 0, LNOB_LOG_FORMATS, offsetof(cfg_t, log_format),
     "log lines as text, or one JSON object per line"},
    LNOB_OPT_END};

static const char s_usage[] = "usage: lnob serve [--redis URL] [--listen ADDR:PORT] [--public] [--cors ORIGIN]";

/* ---- answers ------------------------------------------------------------------ */

static void s_body(lnob_httpd_answer_t *a, unsigned status, const char *type, char *body, size_t len)
{
    a->status = status;
    a->type = type;
    a->body = body;
    a->len = len;
}

/* {"error": msg} with status. */
static void s_error(lnob_httpd_answer_t *a, unsigned status, const char *msg)
{
    char *body;
    size_t len;
    FILE *f = open_memstream(&body, &len);
    fputs("{\"error\": ", f);
    lnob_format_json_string(f, msg);
    fputs("}\n", f);
    fclose(f);
    s_body(a, status, JSON_TYPE, body, len);
}

/* 304 when the client holds this version already. */
static int s_not_modified(const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    const char *held = lnob_httpd_header(req, "If-None-Match");
    if (!held || !*a->etag || !strstr(held, a->etag))
        return 0;
    s_body(a, 304, JSON_TYPE, NULL, 0);
    return 1;
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct {
    const cfg_t *cfg;
} serve_t;

static redisContext *s_redis(const serve_t *s, lnob_httpd_answer_t *a)
{
    redisContext *c = NULL;
    char err[LNOB_ERRSTR_MAX];
    if (lnob_redis_connect(s->cfg->redis, s->cfg->redis_password_file, &c, err, sizeof err) != LNOB_OK) {
        lnob_log_once(LNOB_LOG_ERROR, "%s", err);
        s_error(a, 503, "the store cannot be read now; try again later");
        return NULL;
    }
    return c;
}

/* GET key into out ("" when absent); -1 when Redis failed. */
static int s_get(redisContext *c, const char *key, char *out, size_t cap)
{
    redisReply *r = redisCommand(c, "GET %s", key);
    int ok = r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_NIL);
    snprintf(out, cap, "%s", ok && r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    return ok ? 0 : -1;
}

/* The ETag of an extract as stored now: its id and publication number;
 * "" when Redis holds no complete extract of that id. */
static void s_etag(redisContext *c, const char *id, char *etag, size_t cap)
{
    lnob_key_t k;
    lnob_key_extract(&k, id);
    redisReply *r = redisCommand(c, "HMGET %s status seq", lnob_key_public(&k));
    int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
             !strcmp(r->element[0]->str, "complete");
    if (ok)
        snprintf(etag, cap, "\"%s.%s\"", id, r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str : "0");
    else
        etag[0] = '\0';
    freeReplyObject(r);
}

/* The published cells of id as a JSON array (`lnob run --format json`);
 * withheld: its SUPPRESS cells too, with value, n and weight null. */
static int s_cells_json(redisContext *c, const char *id, int withheld, char **body, size_t *len)
{
    char err[LNOB_ERRSTR_MAX];
    FILE *f = open_memstream(body, len), *info = fopen("/dev/null", "w");
    lnob_report_t rep = {f, info, LNOB_REPORT_JSON, 0, 1, 1, withheld};
    lnob_report_begin(&rep);
    int rc = lnob_report_extract(&rep, c, id, err, sizeof err);
    lnob_report_end(&rep);
    fclose(f);
    if (info)
        fclose(info);
    return rc;
}

/* Answers with the cells of the extract pointer names (or of id itself
 * when pointer is NULL), read again when it changed meanwhile. */
static void s_extract(redisContext *c, const char *pointer, const char *id_given,
                      const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
        char id[ID_MAX], etag[sizeof a->etag], again[sizeof a->etag];
        snprintf(id, sizeof id, "%s", id_given ? id_given : "");
        if (pointer && s_get(c, pointer, id, sizeof id) != 0)
            return s_error(a, 503, "the store cannot be read now; try again later");
        s_etag(c, id, etag, sizeof etag);
        if (!*id || !*etag)
            return s_error(a, 404, pointer ? "no current extract there yet" : "no such complete extract");
        snprintf(a->etag, sizeof a->etag, "%s", etag);
        a->cache = REVALIDATE;
        if (s_not_modified(req, a))
            return;
        char *body;
        size_t len;
        const char *withheld = lnob_httpd_arg(req, "withheld");
        int rc = s_cells_json(c, id, withheld && !strcmp(withheld, "1"), &body, &len);
        if (rc == LNOB_REPORT_NOT_PUBLIC) {
            free(body);
            return s_error(a, 403, "that extract is not for publication: it was computed without disclosure "
                                   "control");
        }
        s_etag(c, id, again, sizeof again);
        if (rc == 0 && !strcmp(again, etag) && (!pointer || (s_get(c, pointer, again, sizeof again) == 0 &&
                                                             !strcmp(again, id))))
            return s_body(a, 200, JSON_TYPE, body, len);
        free(body); /* stored again, removed or replaced while it was read */
    }
    s_error(a, 503, "the extract kept changing while it was read; try again");
}

/* ---- parameters ----------------------------------------------------------------- */

static int s_kind_known(const char *kind)
{
    for (size_t i = 0; i < lnob_sources_n; i++)
        if (!strcmp(lnob_sources[i]->name, kind))
            return 1;
    return 0;
}

/* "kind must be mis or silc, not 'census'": the kinds of the registry. */
static void s_kind_message(const char *kind, char *msg, size_t cap)
{
    char names[128];
    lnob_source_list(names, sizeof names, 0);
    snprintf(msg, cap, "kind must be %s, not '%.64s'", names, kind ? kind : "");
}

/* Checks the query of /current and /extracts: 0 when fine, else -1 with
 * the 400 message in msg. */
static int s_check_query(const lnob_httpd_request_t *req, const char *const *known, int kind_needed, char *msg,
                         size_t cap)
{
    const char *kind = lnob_httpd_arg(req, "kind"), *period = lnob_httpd_arg(req, "period");
    const char *channel = lnob_httpd_arg(req, "channel"), *unknown = lnob_httpd_unknown_arg(req, known);
    const char *withheld = lnob_httpd_arg(req, "withheld");
    if (unknown)
        snprintf(msg, cap, "unknown parameter '%.64s'", unknown);
    else if (withheld && strcmp(withheld, "0") && strcmp(withheld, "1"))
        snprintf(msg, cap, "withheld must be 0 or 1, not '%.64s'", withheld);
    else if ((kind_needed && !kind) || (kind && !s_kind_known(kind)))
        s_kind_message(kind, msg, cap);
    else if (period && !lnob_period_year(period))
        snprintf(msg, cap, "period must be a year (YYYY), not '%.64s'", period);
    else if (channel && !lnob_channel_valid(channel))
        snprintf(msg, cap, "channel must be " LNOB_CHANNEL_RULE ", not '%.64s'", channel);
    else
        return 0;
    return -1;
}

/* GET /api/v1/current?kind=...[&period=...][&channel=...][&withheld=1] */
static void s_current(const serve_t *s, const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    static const char *const known[] = {"kind", "period", "channel", "withheld", NULL};
    char msg[MSG_MAX];
    if (s_check_query(req, known, 1, msg, sizeof msg) != 0)
        return s_error(a, 400, msg);
    const char *channel = lnob_httpd_arg(req, "channel");
    lnob_key_t k;
    lnob_key_current(&k, lnob_httpd_arg(req, "kind"), channel ? channel : LNOB_CHANNEL_DEFAULT,
                     lnob_httpd_arg(req, "period"));
    lnob_key_public(&k);
    redisContext *c = s_redis(s, a);
    if (c)
        s_extract(c, k.s, NULL, req, a);
    redisFree(c);
}

/* One entry of /api/v1/extracts from its HMGET (kind period channel status
 * computed_ms seq). */
static void s_list_entry(FILE *f, const char *id, redisReply *const *v, int first)
{
    static const char *const names[] = {"kind", "period", "channel", "status"};
    fputs(first ? "\n  {\"extract\": " : ",\n  {\"extract\": ", f);
    lnob_format_json_string(f, id);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fprintf(f, ", \"%s\": ", names[i]);
        const char *text = v[i]->type == REDIS_REPLY_STRING ? v[i]->str : "";
        lnob_format_json_string(f, i == 0 && !*text ? "silc" : i == 2 && !*text ? LNOB_CHANNEL_DEFAULT : text);
    }
    fprintf(f, ", \"computed_ms\": %s, \"seq\": %s}", v[4]->type == REDIS_REPLY_STRING ? v[4]->str : "0",
            v[5]->type == REDIS_REPLY_STRING ? v[5]->str : "0");
}

static int s_wanted(redisReply *const *v, const char *kind, const char *channel)
{
    const char *k = v[0]->type == REDIS_REPLY_STRING && *v[0]->str ? v[0]->str : "silc";
    const char *ch = v[2]->type == REDIS_REPLY_STRING && *v[2]->str ? v[2]->str : LNOB_CHANNEL_DEFAULT;
    return (!kind || !strcmp(k, kind)) && (!channel || !strcmp(ch, channel));
}

/* GET /api/v1/extracts[?kind=...][&channel=...]: the complete extracts,
 * newest first. */
static void s_list(const serve_t *s, const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    static const char *const known[] = {"kind", "channel", NULL};
    char msg[MSG_MAX];
    if (s_check_query(req, known, 0, msg, sizeof msg) != 0)
        return s_error(a, 400, msg);
    redisContext *c = s_redis(s, a);
    if (!c)
        return;
    lnob_key_t k;
    redisReply *ids = redisCommand(c, "ZREVRANGE " LNOB_KEY_PUB_EXTRACTS " 0 -1");
    size_t n = ids && ids->type == REDIS_REPLY_ARRAY ? ids->elements : 0;
    for (size_t i = 0; i < n; i++) {
        lnob_key_extract(&k, ids->element[i]->str);
        redisAppendCommand(c, "HMGET %s kind period channel status computed_ms seq", lnob_key_public(&k));
    }
    char *body;
    size_t len;
    FILE *f = open_memstream(&body, &len);
    fputs("[", f);
    int first = 1, ok = ids && ids->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        ok = ok && redisGetReply(c, (void **) &r) == REDIS_OK && r->type == REDIS_REPLY_ARRAY && r->elements == 6;
        if (ok && r->element[3]->type == REDIS_REPLY_STRING && s_wanted(r->element, lnob_httpd_arg(req, "kind"),
                                                                        lnob_httpd_arg(req, "channel")))
            s_list_entry(f, ids->element[i]->str, r->element, first), first = 0;
        freeReplyObject(r);
    }
    fputs(first ? "]\n" : "\n]\n", f);
    fclose(f);
    freeReplyObject(ids);
    redisFree(c);
    if (!ok) {
        free(body);
        return s_error(a, 503, "the store cannot be read now; try again later");
    }
    s_body(a, 200, JSON_TYPE, body, len);
}

/* GET /api/v1/extracts/{id} */
static void s_one(const serve_t *s, const char *id, const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    static const char *const known[] = {"withheld", NULL};
    char msg[MSG_MAX];
    if (s_check_query(req, known, 0, msg, sizeof msg) != 0)
        return s_error(a, 400, msg);
    if (!*id || strlen(id) >= ID_MAX || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(id)) {
        snprintf(msg, sizeof msg, "'%.100s' is not an extract id", id);
        return s_error(a, 400, msg);
    }
    redisContext *c = s_redis(s, a);
    if (c)
        s_extract(c, NULL, id, req, a);
    redisFree(c);
}

/* GET /api/v1/events[?channel=NAME] (serve_events.h) */
static void s_events(const serve_t *s, const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    static const char *const known[] = {"channel", NULL};
    char msg[MSG_MAX];
    if (s_check_query(req, known, 0, msg, sizeof msg) != 0)
        return s_error(a, 400, msg);
    const char *channel = lnob_httpd_arg(req, "channel"), *last = lnob_httpd_header(req, "Last-Event-ID");
    redisContext *c = s_redis(s, a);
    if (c && lnob_serve_events(c, channel ? channel : LNOB_CHANNEL_DEFAULT, last, a) != 0) {
        redisFree(c);
        s_error(a, 400, "Last-Event-ID is not an event id (<ms>-<n>)");
    }
}

/* One period's cell of a series, from its public twin's HGETALL: SUPPRESS
 * withheld (an extract not for publication has no public cell). */
static void s_point(FILE *f, const char *period, const char *id, const redisReply *h, int first)
{
    const char *v[4] = {lnob_redis_pair(h, "value"), lnob_redis_pair(h, "n"), lnob_redis_pair(h, "weight"),
                        lnob_redis_pair(h, "flag")};
    int hidden = !strcmp(v[3], "SUPPRESS");
    fprintf(f, "%s\n  {\"period\": \"%s\", \"extract\": ", first ? "" : ",", period);
    lnob_format_json_string(f, id);
    fprintf(f, ", \"value\": %s, \"n\": %s, \"weight\": %s, \"flag\": ", hidden || !*v[0] ? "null" : v[0],
            hidden ? "null" : v[1], hidden ? "null" : v[2]);
    lnob_format_json_string(f, v[3]);
    fputs("}", f);
}

static int s_key_part(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=,.+-") == n;
}

/* Reads the series: each period's current extract, then its cell. */
static int s_series_read(redisContext *c, const char *kind, const char *channel, const char *indicator,
                         const char *breakdown, FILE *f)
{
    lnob_key_t k;
    lnob_key_periods(&k, kind, channel);
    redisReply *periods = redisCommand(c, "ZRANGE %s 0 -1", lnob_key_public(&k));
    size_t n = periods && periods->type == REDIS_REPLY_ARRAY ? periods->elements : 0;
    for (size_t i = 0; i < n; i++) {
        lnob_key_current(&k, kind, channel, periods->element[i]->str);
        redisAppendCommand(c, "GET %s", lnob_key_public(&k));
    }
    int ok = periods && periods->type == REDIS_REPLY_ARRAY, first = 1;
    redisReply **ids = lnob_calloc(n + 1, sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ok = redisGetReply(c, (void **) &ids[i]) == REDIS_OK && ok;
    for (size_t i = 0; ok && i < n; i++)
        if (ids[i]->type == REDIS_REPLY_STRING) {
            lnob_key_cell(&k, ids[i]->str, indicator, breakdown);
            redisAppendCommand(c, "HGETALL %s", lnob_key_public(&k));
        }
    for (size_t i = 0; ok && i < n; i++) {
        redisReply *h = NULL;
        if (ids[i]->type != REDIS_REPLY_STRING)
            continue;
        ok = redisGetReply(c, (void **) &h) == REDIS_OK;
        if (ok && h->type == REDIS_REPLY_ARRAY && h->elements)
            s_point(f, periods->element[i]->str, ids[i]->str, h, first), first = 0;
        freeReplyObject(h);
    }
    for (size_t i = 0; i < n; i++)
        freeReplyObject(ids[i]);
    free(ids);
    freeReplyObject(periods);
    return ok ? 0 : -1;
}

/* GET /api/v1/series?indicator=ID[&breakdown=national|KEY=GROUP[,...]][&kind=...][&channel=...]:
 * one indicator over the channel's periods, from each period's current
 * extract, oldest first. */
static void s_series(const serve_t *s, const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    static const char *const known[] = {"indicator", "breakdown", "kind", "channel", NULL};
    char msg[MSG_MAX];
    if (s_check_query(req, known, 0, msg, sizeof msg) != 0)
        return s_error(a, 400, msg);
    const char *indicator = lnob_httpd_arg(req, "indicator"), *breakdown = lnob_httpd_arg(req, "breakdown");
    const char *kind = lnob_httpd_arg(req, "kind"), *channel = lnob_httpd_arg(req, "channel");
    if (!indicator || !s_key_part(indicator, 64) || strpbrk(indicator, "=,.+"))
        return s_error(a, 400, "indicator must be an indicator id, e.g. arpr (docs/redis-keys.md)");
    if (breakdown && !s_key_part(breakdown, 200))
        return s_error(a, 400, "breakdown must be national or KEY=GROUP[,KEY=GROUP], e.g. sex=2");
    redisContext *c = s_redis(s, a);
    if (!c)
        return;
    char *body;
    size_t len;
    FILE *f = open_memstream(&body, &len);
    fputs("[", f);
    int rc = s_series_read(c, kind ? kind : "silc", channel ? channel : LNOB_CHANNEL_DEFAULT, indicator,
                           breakdown ? breakdown : "national", f);
    fputs(ftell(f) > 1 ? "\n]\n" : "]\n", f);
    fclose(f);
    redisFree(c);
    if (rc != 0) {
        free(body);
        return s_error(a, 503, "the store cannot be read now; try again later");
    }
    a->cache = REVALIDATE;
    s_body(a, 200, JSON_TYPE, body, len);
}

static void s_answer(void *arg, const char *path, const lnob_httpd_request_t *req, lnob_httpd_answer_t *a)
{
    const serve_t *s = arg;
    if (!strcmp(path, API "current"))
        s_current(s, req, a);
    else if (!strcmp(path, API "series"))
        s_series(s, req, a);
    else if (!strcmp(path, API "events"))
        s_events(s, req, a);
    else if (!strcmp(path, API "extracts"))
        s_list(s, req, a);
    else if (!strncmp(path, API "extracts/", strlen(API "extracts/")))
        s_one(s, path + strlen(API "extracts/"), req, a);
    else if (!lnob_serve_page(path, req, a))
        s_error(a, 404, "not found: / (the page), /api/v1/current, /api/v1/extracts, /api/v1/extracts/{id}, "
                        "/api/v1/series, /api/v1/events");
    lnob_debug("GET %s: %u", path, a->status);
}

/* ---- the command ------------------------------------------------------------------ */

/* Serves until SIGINT or SIGTERM, which the main thread waits for. */
static int s_serve(const cfg_t *cfg)
{
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    serve_t s = {cfg};
    lnob_httpd_site_t site = {cfg->listen, cfg->public_ok, "--listen", cfg->cors, CONNECTIONS};
    char err[LNOB_ERRSTR_MAX], safe[LNOB_REDIS_URL_MAX];
    lnob_httpd_t *http = lnob_httpd_site_new(&site, s_answer, &s, err, sizeof err);
    if (!http) {
        lnob_error("%s", err);
        return 2;
    }
    lnob_info("serving on http://%.*s:%d/ (the page; API " API ": current, extracts, series, events), reading %s",
              (int) (strrchr(cfg->listen, ':') - cfg->listen), cfg->listen, lnob_httpd_port(http),
              lnob_redis_url_safe(cfg->redis, safe, sizeof safe));
    int sig = 0;
    sigwait(&stop, &sig);
    lnob_info("stopping (signal %d)", sig);
    lnob_httpd_destroy(&http);
    return 0;
}

int lnob_cli_serve(int argc, char **argv, int first)
{
    cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, first, PROG, s_usage, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "%s: %s\n%s\n", PROG, err, s_usage);
        return 2;
    }
    lnob_log_start("serve", NULL, cfg.log_level, cfg.log_format);
    return s_serve(&cfg);
}
