/* redis.c - connect to Redis from a URL (lnob/redis.h). */
#include "lnob/redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char host[256];  /* host name, or socket path for unix */
    int port;        /* TCP port, 0 for unix */
    long db;         /* database number */
} url_t;

#define SAFE_URL_MAX 512

const char *lnob_redis_url_safe(const char *url, char *out, size_t cap)
{
    const char *scheme = strstr(url, "://"), *auth = scheme ? scheme + 3 : url;
    const char *at = strchr(auth, '@'), *colon = at ? memchr(auth, ':', (size_t) (at - auth)) : NULL;
    if (!colon)
        snprintf(out, cap, "%s", url);
    else
        snprintf(out, cap, "%.*s:***%s", (int) (colon - url), url, at);
    return out;
}

static int s_parse(const char *url, url_t *u, char *err, size_t cap)
{
    memset(u, 0, sizeof *u);
    if (strncmp(url, "unix:", 5) == 0) {
        const char *path = url + 5;
        while (path[0] == '/' && path[1] == '/')
            path++;
        const char *q = strstr(path, "?db=");
        size_t len = q ? (size_t) (q - path) : strlen(path);
        if (len == 0 || len >= sizeof u->host)
            goto bad;
        memcpy(u->host, path, len);
        u->db = q ? strtol(q + 4, NULL, 10) : 0;
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0)
        goto bad;
    const char *h = url + 8;
    size_t len = strcspn(h, ":/");
    if (len == 0 || len >= sizeof u->host)
        goto bad;
    memcpy(u->host, h, len);
    u->port = 6379;
    h += len;
    if (*h == ':') {
        char *end;
        u->port = (int) strtol(h + 1, &end, 10);
        if (u->port <= 0 || u->port > 65535)
            goto bad;
        h = end;
    }
    if (*h == '/' && h[1])
        u->db = strtol(h + 1, NULL, 10);
    return 0;
bad: {
    char safe[SAFE_URL_MAX];
    snprintf(err, cap, "bad Redis URL '%s' (want redis://host:port/db or unix:///path)",
             lnob_redis_url_safe(url, safe, sizeof safe));
    return -1;
}
}

redisContext *lnob_redis_connect(const char *url, char *err, size_t cap)
{
    url_t u;
    char safe[SAFE_URL_MAX];
    lnob_redis_url_safe(url, safe, sizeof safe);
    if (s_parse(url, &u, err, cap) != 0)
        return NULL;
    struct timeval tv = {LNOB_REDIS_CONNECT_TIMEOUT_MS / 1000,
                         (LNOB_REDIS_CONNECT_TIMEOUT_MS % 1000) * 1000};
    redisContext *c = u.port ? redisConnectWithTimeout(u.host, u.port, tv)
                             : redisConnectUnixWithTimeout(u.host, tv);
    if (!c || c->err) {
        snprintf(err, cap, "cannot connect to Redis at %s: %s", safe,
                 c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    /* A frozen server is then an error, not a hang: every call returns
     * within the timeout, and the caller drops the context. */
    struct timeval cmd = {LNOB_REDIS_TIMEOUT_MS / 1000, (LNOB_REDIS_TIMEOUT_MS % 1000) * 1000};
    redisSetTimeout(c, cmd);
    if (u.db) {
        redisReply *r = redisCommand(c, "SELECT %ld", u.db);
        int ok = r && r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (!ok) {
            snprintf(err, cap, "Redis at %s: SELECT %ld failed", safe, u.db);
            redisFree(c);
            return NULL;
        }
    }
    return c;
}
