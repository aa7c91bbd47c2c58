/* httpd.c - /metrics, /healthz, /readyz over libmicrohttpd (lnob/httpd.h). */
#include "lnob/httpd.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"

#define CONNECTIONS_MAX 16u     /* scrapers and probes at once */
#define CONNECTION_TIMEOUT_S 5u /* an idle client is dropped */
#define READY_JSON_MAX 768
#define HEALTH_TEXT_MAX 128
#define PORT_MAX 65535

struct lnob_httpd {
    struct MHD_Daemon *daemon;
    lnob_metrics_t *metrics;   /* a worker's endpoint; NULL for a site */
    lnob_httpd_handler_fn handler; /* a site (lnob serve); NULL for a worker's endpoint */
    void *handler_arg;
    char cors[LNOB_HTTPD_ADDR_MAX * 2]; /* "" none */
    char addr[LNOB_HTTPD_ADDR_MAX];
    char last_error[LNOB_ERRSTR_MAX]; /* MHD's last log line, for a failed start */
    unsigned connections; /* clients at once; 0: CONNECTIONS_MAX */
    int port;
};

/* ---- addresses --------------------------------------------------------------- */

static int s_port(const char *text, in_port_t *port, char *err, size_t cap)
{
    char *end;
    long p = strtol(text, &end, 10);
    if (!*text || *end || p < 0 || p > PORT_MAX) {
        snprintf(err, cap, "'%s' is not a port (0-65535)", text);
        return -1;
    }
    *port = htons((uint16_t) p);
    return 0;
}

int lnob_httpd_parse(const char *text, struct sockaddr_storage *sa, socklen_t *len, char *err,
                     size_t cap)
{
    char host[LNOB_HTTPD_ADDR_MAX];
    const char *colon = strrchr(text, ':');
    size_t n = colon ? (size_t) (colon - text) : 0;
    if (!colon || n == 0 || n >= sizeof host) {
        snprintf(err, cap, "'%s' is not ADDR:PORT (e.g. 127.0.0.1:9101, [::1]:9101)", text);
        return -1;
    }
    memcpy(host, text, n);
    host[n] = '\0';
    memset(sa, 0, sizeof *sa);
    struct sockaddr_in *v4 = (struct sockaddr_in *) sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *) sa;
    int bracketed = host[0] == '[' && host[n - 1] == ']';
    if (bracketed) {
        host[n - 1] = '\0';
        v6->sin6_family = AF_INET6;
        *len = sizeof *v6;
        if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1)
            return s_port(colon + 1, &v6->sin6_port, err, cap);
    } else {
        v4->sin_family = AF_INET;
        *len = sizeof *v4;
        if (!strcmp(host, "localhost") || inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
            if (!strcmp(host, "localhost"))
                v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            return s_port(colon + 1, &v4->sin_port, err, cap);
        }
    }
    snprintf(err, cap, "'%s' is not a numeric address (IPv6 in brackets: [::1]:9101)", text);
    return -1;
}

int lnob_httpd_loopback(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24) == 127;
    return sa->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *) sa)->sin6_addr);
}

/* ---- answers ------------------------------------------------------------------ */

static enum MHD_Result s_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body,
                               size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return s_reply(c, status, "text/plain; charset=utf-8", (char *) text, strlen(text), MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result s_metrics(struct MHD_Connection *c, const lnob_httpd_t *self)
{
    size_t len;
    char *body = lnob_metrics_render(self->metrics, &len);
    return s_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result s_health(struct MHD_Connection *c, const lnob_httpd_t *self)
{
    char text[HEALTH_TEXT_MAX];
    int alive = lnob_metrics_alive(self->metrics, lnob_mono_us() / 1000);
    snprintf(text, sizeof text, alive ? "ok\n" : "stale: the main loop has not come round for %d s\n",
             LNOB_METRICS_STALE_MS / 1000);
    return s_text(c, alive ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, text);
}

static enum MHD_Result s_ready(struct MHD_Connection *c, const lnob_httpd_t *self)
{
    char json[READY_JSON_MAX];
    size_t failing = lnob_metrics_readiness(self->metrics, json, sizeof json);
    return s_reply(c, failing ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, "application/json", json,
                   strlen(json), MHD_RESPMEM_MUST_COPY);
}

/* ---- a site's answers ------------------------------------------------------------ */

struct lnob_httpd_request {
    struct MHD_Connection *c;
};

const char *lnob_httpd_arg(const lnob_httpd_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->c, MHD_GET_ARGUMENT_KIND, name);
}

const char *lnob_httpd_header(const lnob_httpd_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->c, MHD_HEADER_KIND, name);
}

typedef struct {
    const char *const *known;
    const char *unknown;
} args_seen_t;

static enum MHD_Result s_seen(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind, (void) value;
    args_seen_t *a = cls;
    for (const char *const *k = a->known; *k; k++)
        if (!strcmp(*k, key))
            return MHD_YES;
    a->unknown = key;
    return MHD_NO;
}

const char *lnob_httpd_unknown_arg(const lnob_httpd_request_t *req, const char *const *known)
{
    args_seen_t a = {known, NULL};
    MHD_get_connection_values(req->c, MHD_GET_ARGUMENT_KIND, s_seen, &a);
    return a.unknown;
}

static ssize_t s_more(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void) pos;
    const lnob_httpd_answer_t *a = cls;
    ssize_t n = a->more(a->more_arg, buf, max);
    return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void s_more_done(void *cls)
{
    lnob_httpd_answer_t *a = cls;
    a->more(a->more_arg, NULL, 0);
    free(a);
}

#define STREAM_BLOCK 4096

static struct MHD_Response *s_site_response(lnob_httpd_answer_t *a)
{
    if (!a->more)
        return MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_FREE);
    lnob_httpd_answer_t *kept = lnob_malloc(sizeof *kept);
    *kept = *a;
    return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, s_more, kept, s_more_done);
}

/* On the connection's thread: the handler's answer, with its headers. */
static enum MHD_Result s_site_answer(const lnob_httpd_t *self, struct MHD_Connection *c, const char *url)
{
    lnob_httpd_request_t req = {c};
    lnob_httpd_answer_t a = {.status = MHD_HTTP_INTERNAL_SERVER_ERROR, .type = "text/plain; charset=utf-8"};
    self->handler(self->handler_arg, url, &req, &a);
    struct MHD_Response *r = s_site_response(&a);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a.type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, a.cache ? a.cache : "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (*a.etag)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, a.etag);
    if (a.policy)
        MHD_add_response_header(r, "Content-Security-Policy", a.policy);
    if (*self->cors)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, self->cors);
    enum MHD_Result rc = MHD_queue_response(c, a.status, r);
    MHD_destroy_response(r);
    return rc;
}

/* On MHD's thread: reads the registry only (a site: its handler). */
static enum MHD_Result s_answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void) version;
    (void) upload;
    (void) state;
    const lnob_httpd_t *self = cls;
    if (*upload_size)
        return MHD_NO; /* a GET has no body */
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return s_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
    if (self->handler)
        return s_site_answer(self, c, url);
    if (!strcmp(url, "/metrics"))
        return s_metrics(c, self);
    if (!strcmp(url, "/healthz"))
        return s_health(c, self);
    if (!strcmp(url, "/readyz"))
        return s_ready(c, self);
    return s_text(c, MHD_HTTP_NOT_FOUND, "not found: /metrics, /healthz, /readyz\n");
}

/* MHD's own messages: kept for a failed start, logged (rate-limited) after. */
__attribute__((format(printf, 2, 0))) static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    lnob_httpd_t *self = cls;
    vsnprintf(self->last_error, sizeof self->last_error, fmt, ap);
    self->last_error[strcspn(self->last_error, "\n")] = '\0';
    if (self->daemon)
        lnob_log_once(LNOB_LOG_WARN, "%s endpoint: %s", self->handler ? "HTTP" : "metrics", self->last_error);
}

/* ---- the server ----------------------------------------------------------------- */

/* Starts MHD with SIGINT and SIGTERM blocked, so that its thread inherits
 * the mask and the signals reach the worker's loop, not the server. */
static struct MHD_Daemon *s_start(lnob_httpd_t *self, const struct sockaddr_storage *sa)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
                     (self->handler ? MHD_USE_THREAD_PER_CONNECTION : 0) |
                     (sa->ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    in_port_t port = sa->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *) sa)->sin6_port
                                               : ((const struct sockaddr_in *) sa)->sin_port;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, ntohs(port), NULL, NULL, s_answer, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, self,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *) sa, MHD_OPTION_CONNECTION_LIMIT,
        self->connections ? self->connections : CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT,
        self->handler ? 0u : CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return d;
}

/* Checks addr (loopback unless public_ok) and starts self there; frees
 * self and returns NULL with err when it cannot. */
static lnob_httpd_t *s_open(lnob_httpd_t *self, const char *addr, int public_ok, const char *flag,
                            const char *public_flag, char *err, size_t cap)
{
    struct sockaddr_storage sa;
    socklen_t len;
    char why[LNOB_ERRSTR_MAX];
    if (lnob_httpd_parse(addr, &sa, &len, why, sizeof why) != 0) {
        snprintf(err, cap, "%s: %s", flag, why);
    } else if (!lnob_httpd_loopback(&sa) && !public_ok) {
        snprintf(err, cap, "%s %s is not a loopback address: the endpoint has no authentication; "
                           "give %s to serve it there anyway", flag, addr, public_flag);
    } else {
        snprintf(self->addr, sizeof self->addr, "%s", addr);
        self->daemon = s_start(self, &sa);
        if (!self->daemon)
            snprintf(err, cap, "%s %s: cannot serve there: %s", flag, addr,
                     *self->last_error ? self->last_error : "libmicrohttpd failed to start");
    }
    if (!self->daemon) {
        free(self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? (int) info->port : 0;
    return self;
}

lnob_httpd_t *lnob_httpd_new(const lnob_httpd_cfg_t *cfg, lnob_metrics_t *metrics, char *err, size_t cap)
{
    err[0] = '\0';
    if (!cfg->addr || !strcmp(cfg->addr, "none"))
        return NULL;
    lnob_httpd_t *self = lnob_calloc(1, sizeof *self);
    self->metrics = metrics;
    self = s_open(self, cfg->addr, cfg->public_ok, "--metrics", "--metrics-public (docs/operations.md)", err, cap);
    if (self)
        lnob_info("metrics on http://%.*s:%d (/metrics, /healthz, /readyz)",
                  (int) (strrchr(self->addr, ':') - self->addr), self->addr, self->port);
    return self;
}

lnob_httpd_t *lnob_httpd_site_new(const lnob_httpd_site_t *site, lnob_httpd_handler_fn handler, void *arg,
                                  char *err, size_t cap)
{
    err[0] = '\0';
    lnob_httpd_t *self = lnob_calloc(1, sizeof *self);
    self->handler = handler;
    self->handler_arg = arg;
    self->connections = site->connections;
    snprintf(self->cors, sizeof self->cors, "%s", site->cors ? site->cors : "");
    return s_open(self, site->addr, site->public_ok, site->flag, "--public", err, cap);
}

int lnob_httpd_port(const lnob_httpd_t *self)
{
    return self->port;
}

void lnob_httpd_destroy(lnob_httpd_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    MHD_stop_daemon((*self_p)->daemon);
    free(*self_p);
    *self_p = NULL;
}
