/* lnob/httpd.h - a worker's HTTP endpoint: /metrics, /healthz, /readyz.
 *
 * Serves a metrics registry (lnob/metrics.h) with libmicrohttpd on its own
 * thread: GET /metrics (Prometheus text 0.0.4), /healthz (200 while the main
 * loop ticked within LNOB_METRICS_STALE_MS, else 503) and /readyz (200 when
 * every readiness check passes, else 503; both answer the JSON of
 * lnob_metrics_readiness). The server thread only reads the registry's
 * atomics; it never touches a ZeroMQ socket. The endpoint has no
 * authentication, so it listens on loopback unless the operator asks for
 * another address explicitly (--metrics-public). Not for: what is counted
 * (the workers and lnob/metrics.h). */
#ifndef LNOB_HTTPD_H
#define LNOB_HTTPD_H
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "lnob/config.h"
#include "lnob/metrics.h"

/* The default ports, one per worker kind, so that a one-host deployment
 * needs no flag (docs/operations.md); a harmonising transformer takes
 * LNOB_METRICS_PORT_TRANSFORM + its --instance number (0-89; 9110 without
 * a numeric instance). */
#define LNOB_METRICS_PORT_INGEST 9101
#define LNOB_METRICS_PORT_AGGREGATE 9102
#define LNOB_METRICS_PORT_SINK 9103
#define LNOB_METRICS_PORT_TRANSFORM 9110
#define LNOB_METRICS_INSTANCE_MAX 89
#define LNOB_HTTPD_ADDR_MAX 80

/* The options every worker takes (LNOB_HTTPD_OPTS). */
typedef struct {
    const char *addr; /* ADDR:PORT, [V6]:PORT, or "none" */
    int public_ok;    /* --metrics-public: an address other than loopback is allowed */
} lnob_httpd_cfg_t;

/* The rows of an option table for a lnob_httpd_cfg_t at member `field` of
 * the program's config struct `type`, with the default address def (NULL:
 * the program works it out, as the transformer does from its instance). */
#define LNOB_HTTPD_OPTS(type, field, def)                                                          \
    {"metrics", "LNOB_METRICS", LNOB_OPT_STR, def, 0, 0, NULL, offsetof(type, field.addr),         \
     "HTTP endpoint of /metrics, /healthz, /readyz: ADDR:PORT (port 0: any free port), or none"},  \
        {"metrics-public", "LNOB_METRICS_PUBLIC", LNOB_OPT_FLAG, "0", 0, 1, NULL,                  \
         offsetof(type, field.public_ok),                                                          \
         "allow --metrics on an address other than loopback (the endpoint has no authentication)"}

typedef struct lnob_httpd lnob_httpd_t;

/* Parses "HOST:PORT" (HOST a numeric IPv4 address or "localhost") or
 * "[IPv6]:PORT" into *sa (*len bytes). Returns 0, or -1 with err. */
int lnob_httpd_parse(const char *text, struct sockaddr_storage *sa, socklen_t *len, char *err,
                     size_t cap);
/* 1 when sa is a loopback address (127.0.0.0/8, ::1). */
int lnob_httpd_loopback(const struct sockaddr_storage *sa);

/* Starts serving metrics at cfg->addr. Returns an owned server; NULL with
 * err "" when cfg->addr is "none"; NULL with the reason in err when the
 * address is bad, not loopback without cfg->public_ok, or cannot be bound.
 * metrics is borrowed: destroy the server before it. */
lnob_httpd_t *lnob_httpd_new(const lnob_httpd_cfg_t *cfg, lnob_metrics_t *metrics, char *err,
                             size_t cap);
/* ---- a server of one's own (lnob serve) ----
 * The same address rules (loopback unless public_ok), on MHD threads of
 * its own: one per connection, so that a handler may wait (a Redis read,
 * an event stream) without holding up another client. */

typedef struct lnob_httpd_request lnob_httpd_request_t;

/* What a handler answers. body is owned (malloc) and freed by the server;
 * a stream instead has more set (body NULL): the server calls it for the
 * next bytes until it returns -1 (the end, or the client left), and then
 * calls it once with buf NULL so it can free more_arg. */
typedef ssize_t (*lnob_httpd_more_fn)(void *more_arg, char *buf, size_t cap);
typedef struct {
    unsigned status;
    const char *type;    /* Content-Type */
    char *body;
    size_t len;
    char etag[128];      /* with its quotes; "" none */
    const char *cache;   /* Cache-Control; NULL: no-store */
    const char *policy;  /* Content-Security-Policy; NULL: none */
    lnob_httpd_more_fn more;
    void *more_arg;
} lnob_httpd_answer_t;

/* Called on the request's own thread for each GET (and HEAD). */
typedef void (*lnob_httpd_handler_fn)(void *arg, const char *path, const lnob_httpd_request_t *req,
                                      lnob_httpd_answer_t *out);
/* A query argument ("kind") or request header ("If-None-Match"); NULL
 * when absent. */
const char *lnob_httpd_arg(const lnob_httpd_request_t *req, const char *name);
const char *lnob_httpd_header(const lnob_httpd_request_t *req, const char *name);
/* The first query argument whose name is not in known (NULL-terminated),
 * or NULL when all are known. */
const char *lnob_httpd_unknown_arg(const lnob_httpd_request_t *req, const char *const *known);

typedef struct {
    const char *addr;      /* ADDR:PORT */
    int public_ok;         /* an address other than loopback is allowed */
    const char *flag;      /* the option's name, for messages: "--listen" */
    const char *cors;      /* Access-Control-Allow-Origin on every answer, or NULL */
    unsigned connections;  /* clients at once */
} lnob_httpd_site_t;

/* Starts serving handler(arg, ...) at site->addr. Returns an owned server,
 * or NULL with the reason in err. */
lnob_httpd_t *lnob_httpd_site_new(const lnob_httpd_site_t *site, lnob_httpd_handler_fn handler, void *arg,
                                  char *err, size_t cap);

/* The port listened on (the one the kernel chose for port 0). */
int lnob_httpd_port(const lnob_httpd_t *self);
/* Stops the server thread; NULL-safe; NULLs *self_p. */
void lnob_httpd_destroy(lnob_httpd_t **self_p);

#endif
