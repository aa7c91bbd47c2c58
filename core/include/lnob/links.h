/* lnob/links.h - who is connected to a worker's sockets, from socket monitors.
 *
 * Each data socket a worker names is watched with a ZeroMQ socket monitor
 * (zmq_socket_monitor) set up by the worker's own thread before the socket
 * binds or connects; a CZMQ actor reads the monitor events, so neither the
 * worker's loop nor the HTTP server ever touches the monitor or the data
 * sockets for this. Per socket it keeps, in the metrics registry:
 *   lnob_peers{socket}                      gauge: handshakes done, less disconnects
 *   lnob_handshake_failures_total{socket,reason}  reason no_detail|protocol|auth
 * and the readiness check "peers:<socket>" (ready while a peer is there).
 * Counting: HANDSHAKE_SUCCEEDED adds a peer; DISCONNECTED removes one,
 * unless a failed handshake (HANDSHAKE_FAILED_*) is waiting for its own
 * DISCONNECTED, which libzmq always sends after it. Also exports the CURVE
 * handshakes our ZAP handler refused (lnob_curve_refused_total).
 * Not for: the data itself (proto/wire.h) or socket options (lnob/sock.h). */
#ifndef LNOB_LINKS_H
#define LNOB_LINKS_H
#include <czmq.h>
#include <stddef.h>

#include "lnob/metrics.h"

typedef struct lnob_links lnob_links_t;
typedef struct lnob_curve lnob_curve_t;

/* Starts the actor that reads the monitors. metrics is borrowed (destroy
 * this first); curve may be NULL. Returns an owned object. */
lnob_links_t *lnob_links_new(lnob_metrics_t *metrics, const lnob_curve_t *curve);
/* Watches sock under name ("pull", "push", "control"): call it from the
 * socket's thread before the socket binds or connects (lnob_sock_new does,
 * given opts.links). Returns 0, or -1 with err. */
int lnob_links_watch(lnob_links_t *self, zsock_t *sock, const char *name, char *err, size_t cap);
/* Stops watching sock (before it is destroyed); unknown sockets are ignored. */
void lnob_links_unwatch(lnob_links_t *self, zsock_t *sock);
/* Stops every monitor, then the actor. Call it before destroying the
 * sockets it watches, from their thread. NULL-safe; NULLs *self_p. */
void lnob_links_destroy(lnob_links_t **self_p);

#endif
