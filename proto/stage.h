/* stage.h - what a pipeline stage between two queues holds besides its
 * work: its pull and push sockets, the wire counts, its metrics registry
 * with the watcher of its sockets' peers, its beat to lnob run and its
 * HTTP endpoint; and the receive and sends its loop uses.
 *
 * The transformers (transform/) and the aggregators (aggregate/) are such
 * stages. The order of opening is fixed: lnob_stage_obs_new (the registry
 * the sockets and series join), the sockets (lnob_sock_new with .links),
 * then lnob_stage_start (beat and HTTP, once every series is registered).
 * A send waits through backpressure, beating, until it goes or a signal
 * stops the worker; no single wait is longer than wait_ms. Not for: what a
 * stage does with a message (its main.c), the ingester and the sink, whose
 * sockets differ. Not thread-safe: the worker's main thread owns it. */
#ifndef LNOB_PROTO_STAGE_H
#define LNOB_PROTO_STAGE_H
#include <czmq.h>
#include <stdint.h>

#include "beat.h"
#include "lnob/curve.h"
#include "lnob/httpd.h"
#include "lnob/links.h"
#include "lnob/metrics.h"
#include "lnob/route.h"
#include "wire.h"

typedef struct {
    zsock_t *in;             /* pull; the stage's main opens it */
    lnob_route_t out;        /* push: one socket, or one per aggregator (lnob/route.h) */
    zsock_t *control;        /* a third socket, or NULL (the aggregator's ROUTER) */
    lnob_wire_stats_t wire;
    uint64_t forwarded;      /* messages sent on out */
    lnob_metrics_t *reg;
    lnob_links_t *links;     /* peers of the sockets */
    lnob_beat_t *beat;       /* NULL without --heartbeat */
    lnob_httpd_t *http;      /* NULL with --metrics none */
    int wait_ms;             /* the longest one wait (receive, send on a full queue) */
} lnob_stage_t;

/* The registry (named name) and the watcher; wait_ms as given. */
void lnob_stage_obs_new(lnob_stage_t *s, const char *name, const char *instance, const lnob_curve_t *curve,
                        int wait_ms);
/* Sets out's send timeout to wait_ms, starts the beat (endpoint, or
 * "none") and the HTTP endpoint. LNOB_OK, or LNOB_ERR with err. */
int lnob_stage_start(lnob_stage_t *s, const char *beat, const char *name, long beat_ms,
                     const lnob_httpd_cfg_t *http, char *err, size_t cap);
/* Receives one message from in (waits up to in's receive timeout): LNOB_OK
 * with *env owned, LNOB_AGAIN when none came or a bad one was dropped
 * (counted, logged once), LNOB_CLOSED at a signal, else LNOB_ERR. */
int lnob_stage_recv(lnob_stage_t *s, lnob_env_t **env);
/* Sends env on out (to the aggregator of its extract when out has
 * several) without copying its packed bytes; LNOB_OK, or LNOB_ERR (said
 * unless a signal stopped the worker). */
int lnob_stage_send(lnob_stage_t *s, lnob_env_t *env);
/* The same for packed Envelope bytes, on out's first socket. */
int lnob_stage_send_bytes(lnob_stage_t *s, const uint8_t *data, size_t len);
/* The stopping line: messages and bytes received, messages sent, bad
 * messages dropped. */
void lnob_stage_report(const lnob_stage_t *s);
/* Stops the beat and HTTP, the watcher, then closes the sockets (out
 * lingers up to its linger), frees the registry. Safe on a stage opened
 * part-way. */
void lnob_stage_close(lnob_stage_t *s);

#endif
