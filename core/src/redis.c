/* redis.c - connect to Redis from a URL, as an ACL user (lnob/redis.h). */
#include "lnob/redis.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnob/mem.h"
#include "lnob/secret.h"

#define HOST_MAX 256      /* host name, or socket path */
#define USER_MAX 128      /* an ACL user name */
#define PASSWORD_MAX 512  /* a password, decoded */
#define DEFAULT_PORT 6379
#define PORT_MAX 65535
#define DB_MAX 1000000    /* far above any databases setting */

typedef struct {
    char host[HOST_MAX];         /* host name, or socket path for unix */
    int port;                    /* TCP port, 0 for unix */
    long db;                     /* database number */
    char user[USER_MAX];         /* ACL user, "" for the default user */
    char password[PASSWORD_MAX]; /* "" for none; wiped after use */
} url_t;

/* ---- the password's place in a URL ----------------------------------------- */

/* Where a URL holds its password: its bytes [start, end), and the bytes
 * [cut, cut_end) that taking it out of the URL removes. */
typedef struct {
    size_t start, end, cut, cut_end;
} span_t;

/* redis://user:PASSWORD@host: from the first ':' after "://" to the last
 * '@' (a raw '@' or '/' in a password is then still hidden). Not on unix
 * URLs, which carry it in their query. */
static int s_userinfo_span(const char *url, span_t *s)
{
    if (strncmp(url, "unix:", 5) == 0)
        return 0;
    const char *scheme = strstr(url, "://"), *auth = scheme ? scheme + 3 : url;
    const char *at = strrchr(auth, '@');
    const char *colon = at ? memchr(auth, ':', (size_t) (at - auth)) : NULL;
    if (!colon)
        return 0;
    int no_user = colon == auth; /* redis://:PASSWORD@host: the '@' goes too */
    s->start = (size_t) (colon + 1 - url);
    s->end = (size_t) (at - url);
    s->cut = (size_t) ((no_user ? auth : colon) - url);
    s->cut_end = (size_t) (at + (no_user ? 1 : 0) - url);
    return 1;
}

/* The value of the first query parameter at or after from that is not db
 * or user: password=VALUE, or a misspelt one, which may hold a password too. */
static int s_query_span(const char *url, size_t from, span_t *s)
{
    for (const char *p = strchr(url, '?'); p; p = strchr(p + 1, '&')) {
        const char *k = p + 1, *end = k + strcspn(k, "&");
        if ((size_t) (p - url) < from || !strncmp(k, "db=", 3) || !strncmp(k, "user=", 5) || k == end)
            continue;
        const char *eq = memchr(k, '=', (size_t) (end - k)), *v = eq ? eq + 1 : k;
        s->start = (size_t) (v - url);
        s->end = (size_t) (end - url);
        /* "&password=x"; right after the '?': "password=x&", or "?password=x" alone */
        int lead = *p == '&' || *end != '&';
        s->cut = (size_t) (p + (lead ? 0 : 1) - url);
        s->cut_end = (size_t) (end + (lead ? 0 : 1) - url);
        return 1;
    }
    return 0;
}

/* Appends src[0..n) to out (cap bytes, kept NUL-terminated); returns the new length. */
static size_t s_append(char *out, size_t cap, size_t len, const char *src, size_t n)
{
    if (len + 1 >= cap)
        return len;
    if (n > cap - 1 - len)
        n = cap - 1 - len;
    memcpy(out + len, src, n);
    out[len + n] = '\0';
    return len + n;
}

const char *lnob_redis_url_safe(const char *url, char *out, size_t cap)
{
    size_t len = 0, at = 0;
    span_t s;
    int userinfo = s_userinfo_span(url, &s);
    out[0] = '\0';
    while (userinfo || s_query_span(url, at, &s)) {
        len = s_append(out, cap, len, url + at, s.start - at);
        len = s_append(out, cap, len, "***", 3);
        at = s.end;
        userinfo = 0;
    }
    s_append(out, cap, len, url + at, strlen(url + at));
    return out;
}

/* ---- parsing ---------------------------------------------------------------- */

static int s_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                 : -1;
}

/* Decodes src[0..n) with its %XX escapes into out; -1 when malformed or
 * too long. */
static int s_decode(const char *src, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++, len++) {
        if (len + 1 >= cap)
            return -1;
        out[len] = src[i];
        if (src[i] != '%')
            continue;
        int hi = i + 2 < n ? s_hex(src[i + 1]) : -1, lo = hi >= 0 ? s_hex(src[i + 2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0))
            return -1; /* not %XX, or a NUL */
        out[len] = (char) (hi * 16 + lo);
        i += 2;
    }
    out[len] = '\0';
    return 0;
}

/* A whole decimal number in [0, max] from s[0..n). */
static int s_number(const char *s, size_t n, long max, long *out)
{
    long v = 0;
    if (n == 0 || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v <= max ? 0 : -1;
}

/* One name=value of a unix URL's query. */
static int s_param(url_t *u, const char *k, size_t nk, const char *v, size_t nv)
{
    if (nk == 2 && strncmp(k, "db", 2) == 0)
        return s_number(v, nv, DB_MAX, &u->db);
    if (nk == 4 && strncmp(k, "user", 4) == 0)
        return s_decode(v, nv, u->user, sizeof u->user);
    if (nk == 8 && strncmp(k, "password", 8) == 0)
        return s_decode(v, nv, u->password, sizeof u->password);
    return -1; /* a typo is an error, never ignored */
}

static int s_parse_unix(const char *url, url_t *u)
{
    const char *path = url + 5;
    while (path[0] == '/' && path[1] == '/')
        path++;
    size_t len = strcspn(path, "?");
    if (len == 0 || len >= sizeof u->host)
        return -1;
    memcpy(u->host, path, len);
    for (const char *p = path + len; *p;) { /* p is at '?' or '&' */
        const char *k = p + 1, *end = k + strcspn(k, "&"), *eq = memchr(k, '=', (size_t) (end - k));
        if (!eq || s_param(u, k, (size_t) (eq - k), eq + 1, (size_t) (end - eq - 1)) != 0)
            return -1;
        p = end;
    }
    return 0;
}

static int s_parse_tcp(const char *url, url_t *u)
{
    const char *h = url + 8, *at = strrchr(h, '@');
    if (at) {
        const char *colon = memchr(h, ':', (size_t) (at - h));
        size_t nu = (size_t) ((colon ? colon : at) - h);
        if (s_decode(h, nu, u->user, sizeof u->user) != 0 ||
            (colon && s_decode(colon + 1, (size_t) (at - colon - 1), u->password, sizeof u->password) != 0))
            return -1;
        h = at + 1;
    }
    size_t len = strcspn(h, ":/");
    if (len == 0 || len >= sizeof u->host)
        return -1;
    memcpy(u->host, h, len);
    h += len;
    long port = DEFAULT_PORT;
    if (*h == ':') {
        size_t n = strcspn(h + 1, "/");
        if (s_number(h + 1, n, PORT_MAX, &port) != 0 || port == 0)
            return -1;
        h += 1 + n;
    }
    u->port = (int) port;
    if (*h == '/' && h[1])
        return s_number(h + 1, strlen(h + 1), DB_MAX, &u->db);
    return *h == '\0' || (*h == '/' && !h[1]) ? 0 : -1;
}

static int s_parse(const char *url, url_t *u)
{
    memset(u, 0, sizeof *u);
    if (strncmp(url, "unix:", 5) == 0)
        return s_parse_unix(url, u);
    return strncmp(url, "redis://", 8) == 0 ? s_parse_tcp(url, u) : -1;
}

/* ---- credentials ------------------------------------------------------------ */

/* The password from the first line of an owner-only file. */
static int s_password_file(const char *path, url_t *u, char *err, size_t cap)
{
    char text[PASSWORD_MAX + 2]; /* and a CRLF */
    size_t n = 0;
    int rc = lnob_secret_read(path, "Redis password file", text, sizeof text, &n, err, cap);
    const char *nl = rc == LNOB_OK ? memchr(text, '\n', n) : NULL;
    size_t len = nl ? (size_t) (nl - text) : n;
    if (len && text[len - 1] == '\r')
        len--;
    if (rc == LNOB_OK && (len >= sizeof u->password || memchr(text, '\0', len))) {
        snprintf(err, cap, "Redis password file %s: the first line is over %d bytes or holds a NUL",
                 path, PASSWORD_MAX - 1);
        rc = LNOB_ERR;
    } else if (rc == LNOB_OK && len == 0) {
        snprintf(err, cap, "Redis password file %s holds no password on its first line", path);
        rc = LNOB_ERR;
    } else if (rc == LNOB_OK) {
        memcpy(u->password, text, len);
    }
    sodium_memzero(text, sizeof text);
    return rc == LNOB_OK ? LNOB_OK : LNOB_DENIED;
}

/* Completes u's password from password_file. Both, or a user without a
 * password, are refused: the intent is unclear. */
static int s_credentials(const char *password_file, url_t *u, const char *safe, char *err, size_t cap)
{
    if (password_file && *password_file && *u->password) {
        snprintf(err, cap, "Redis URL %s holds a password and a password file (%s) is given too: "
                           "give one", safe, password_file);
        return LNOB_DENIED;
    }
    if (password_file && *password_file && s_password_file(password_file, u, err, cap) != LNOB_OK)
        return LNOB_DENIED;
    if (*u->user && !*u->password) {
        snprintf(err, cap, "Redis URL %s names user %s but no password: give it in the URL or in "
                           "--redis-password-file (LNOB_REDIS_PASSWORD_FILE)", safe, u->user);
        return LNOB_DENIED;
    }
    return LNOB_OK;
}

/* ---- connecting ------------------------------------------------------------- */

static redisContext *s_open(const url_t *u, const char *safe, char *err, size_t cap)
{
    struct timeval tv = {LNOB_REDIS_CONNECT_TIMEOUT_MS / 1000,
                         (LNOB_REDIS_CONNECT_TIMEOUT_MS % 1000) * 1000};
    redisContext *c = u->port ? redisConnectWithTimeout(u->host, u->port, tv)
                              : redisConnectUnixWithTimeout(u->host, tv);
    if (!c || c->err) {
        snprintf(err, cap, "cannot connect to Redis at %s: %s", safe, c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    /* A frozen server is then an error, not a hang: every call returns
     * within the timeout, and the caller drops the context. */
    struct timeval cmd = {LNOB_REDIS_TIMEOUT_MS / 1000, (LNOB_REDIS_TIMEOUT_MS % 1000) * 1000};
    redisSetTimeout(c, cmd);
    return c;
}

/* Says that Redis refused who, with its reply; returns LNOB_DENIED. */
static int s_refused(const char *safe, const url_t *u, const char *reply, char *err, size_t cap)
{
    int noauth = strncmp(reply, "NOAUTH", 6) == 0;
    snprintf(err, cap, "Redis at %s refused %s%s: %s%s", safe, *u->user ? "user " : "the default user",
             u->user, reply, noauth ? " (give a user and its password: docs/redis-acl.md)" : "");
    return LNOB_DENIED;
}

/* AUTH [user] password, as argv: the password is never parsed as a format. */
static int s_auth(redisContext *c, const url_t *u, const char *safe, char *err, size_t cap)
{
    const char *argv[3] = {"AUTH", u->user, u->password};
    int argc = 3;
    if (!*u->user) { /* the default user */
        argv[1] = u->password;
        argc = 2;
    }
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    int rc = LNOB_OK;
    if (!r) {
        snprintf(err, cap, "Redis at %s, logging in: %s", safe, c->errstr);
        rc = LNOB_ERR;
    } else if (r->type == REDIS_REPLY_ERROR) {
        rc = s_refused(safe, u, r->str, err, cap); /* WRONGPASS, or no password set */
    }
    freeReplyObject(r);
    return rc;
}

/* SELECT the database, or PING: a login refused or missing shows now. */
static int s_check(redisContext *c, const url_t *u, const char *safe, char *err, size_t cap)
{
    redisReply *r = u->db ? redisCommand(c, "SELECT %ld", u->db) : redisCommand(c, "PING");
    int rc = LNOB_OK;
    if (!r) {
        snprintf(err, cap, "Redis at %s: %s", safe, c->errstr);
        rc = LNOB_ERR;
    } else if (r->type == REDIS_REPLY_ERROR && lnob_redis_reply_rc(r->str) == LNOB_DENIED) {
        rc = s_refused(safe, u, r->str, err, cap);
    } else if (u->db && r->type != REDIS_REPLY_STATUS) {
        snprintf(err, cap, "Redis at %s: SELECT %ld failed: %s", safe, u->db,
                 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        rc = LNOB_ERR;
    } /* else a PING answered, even LOADING: the server is there */
    freeReplyObject(r);
    return rc;
}

/* Replaces every copy of secret in s (cap bytes) by ***: a last guard on
 * messages, whatever a server or hiredis put in them. */
static void s_scrub(char *s, size_t cap, const char *secret)
{
    size_t n = strlen(secret), len = 0;
    if (!n || !strstr(s, secret))
        return;
    char *copy = lnob_strdup(s);
    const char *p = copy, *hit;
    while ((hit = strstr(p, secret)) != NULL) {
        len = s_append(s, cap, len, p, (size_t) (hit - p));
        len = s_append(s, cap, len, "***", 3);
        p = hit + n;
    }
    s_append(s, cap, len, p, strlen(p));
    sodium_memzero(copy, strlen(copy));
    free(copy);
}

int lnob_redis_connect(const char *url, const char *password_file, redisContext **out, char *err,
                       size_t cap)
{
    url_t u;
    char safe[LNOB_REDIS_URL_MAX];
    lnob_redis_url_safe(url, safe, sizeof safe);
    *out = NULL;
    int rc = LNOB_DENIED;
    if (s_parse(url, &u) != 0)
        snprintf(err, cap, "bad Redis URL '%s' (want redis://[user:password@]host:port/db or "
                           "unix:///path[?db=N&user=NAME])", safe);
    else
        rc = s_credentials(password_file, &u, safe, err, cap);
    redisContext *c = rc == LNOB_OK ? s_open(&u, safe, err, cap) : NULL;
    if (rc == LNOB_OK && !c)
        rc = LNOB_ERR;
    if (c && *u.password)
        rc = s_auth(c, &u, safe, err, cap);
    if (c && rc == LNOB_OK)
        rc = s_check(c, &u, safe, err, cap);
    if (rc != LNOB_OK)
        s_scrub(err, cap, u.password);
    sodium_memzero(&u, sizeof u);
    if (rc != LNOB_OK) {
        redisFree(c);
        return rc;
    }
    *out = c;
    return LNOB_OK;
}

int lnob_redis_reply_rc(const char *error_reply)
{
    static const char *const denied[] = {"NOAUTH", "WRONGPASS", "NOPERM"};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        if (strncmp(error_reply, denied[i], strlen(denied[i])) == 0)
            return LNOB_DENIED;
    return LNOB_ERR;
}

const char *lnob_redis_user(const char *url, char *out, size_t cap)
{
    url_t u;
    int named = s_parse(url, &u) == 0 && *u.user;
    snprintf(out, cap, "%s", named ? u.user : "default");
    sodium_memzero(&u, sizeof u);
    return out;
}

/* ---- handing the password to a child ----------------------------------------- */

static int s_write_secret(const char *path, const char *secret, char *err, size_t cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t n = strlen(secret);
    int ok = fd >= 0 && write(fd, secret, n) == (ssize_t) n && write(fd, "\n", 1) == 1;
    if (!ok)
        snprintf(err, cap, "cannot write the Redis password file %s: %s", path, strerror(errno));
    if (fd >= 0 && close(fd) != 0 && ok) {
        snprintf(err, cap, "cannot write the Redis password file %s: %s", path, strerror(errno));
        ok = 0;
    }
    return ok ? LNOB_OK : LNOB_ERR;
}

int lnob_redis_password_to_file(const char *url, const char *path, char *out, size_t cap,
                                char *err, size_t errcap)
{
    url_t u;
    span_t s;
    int has = s_parse(url, &u) == 0 && *u.password &&
              (s_userinfo_span(url, &s) || s_query_span(url, 0, &s));
    int rc = has ? s_write_secret(path, u.password, err, errcap) : LNOB_OK;
    sodium_memzero(&u, sizeof u);
    if (rc != LNOB_OK)
        return LNOB_ERR;
    if (!has) {
        snprintf(out, cap, "%s", url);
        return 0;
    }
    out[0] = '\0';
    size_t len = s_append(out, cap, 0, url, s.cut);
    s_append(out, cap, len, url + s.cut_end, strlen(url + s.cut_end));
    return 1;
}

const char *lnob_redis_pair(const redisReply *pairs, const char *name)
{
    for (size_t i = 0; pairs->type == REDIS_REPLY_ARRAY && i + 1 < pairs->elements; i += 2)
        if (!strcmp(pairs->element[i]->str, name))
            return pairs->element[i + 1]->str;
    return "";
}
