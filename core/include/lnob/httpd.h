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
/* The port listened on (the one the kernel chose for port 0). */
int lnob_httpd_port(const lnob_httpd_t *self);
/* Stops the server thread; NULL-safe; NULLs *self_p. */
void lnob_httpd_destroy(lnob_httpd_t **self_p);

#endif
