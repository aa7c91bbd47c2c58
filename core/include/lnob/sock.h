/* lnob/sock.h - ZeroMQ sockets with deliberate queue bounds and linger.
 *
 * Every data socket in lnob is made here so that high-water marks (in
 * messages; messages are bounded in bytes, so queues are bounded in bytes),
 * linger and receive timeouts are set before any bind or connect, in one
 * place. Endpoints use CZMQ syntax: "@tcp://0.0.0.0:5555" binds, ">tcp://h:5555"
 * connects, several separated by commas. Not for: message encoding
 * (proto/wire.h). */
#ifndef LNOB_SOCK_H
#define LNOB_SOCK_H
#include <czmq.h>

#include "lnob/curve.h"
#include "lnob/links.h"

/* Largest message a socket accepts: libzmq closes the connection of a peer
 * that sends more, before allocating it. wire.h decodes up to the same. */
#define LNOB_MAX_MESSAGE_BYTES (256LL * 1024 * 1024)

/* A connecting socket tries again after 5 ms, doubling up to 1 s. */
#define LNOB_SOCK_RECONNECT_MS 5
#define LNOB_SOCK_RECONNECT_MAX_MS 1000

typedef struct {
    int hwm;          /* send and receive high-water mark, messages */
    int linger_ms;    /* how long close waits to deliver queued messages */
    int rcvtimeo_ms;  /* receive timeout, -1 = block */
    const lnob_curve_t *curve; /* keys for tcp:// (lnob/curve.h), or NULL */
    const char *peers;         /* the roles at the other end: "transform", "ingest,sink" */
    lnob_links_t *links;       /* watch the socket's peers (lnob/links.h), or NULL */
    const char *link;          /* its name there ("pull", "push", "control") */
} lnob_sock_opts_t;

/* Creates a socket of ZMQ type, applies opts, secures it (lnob_curve_apply:
 * CURVE on tcp://, private directories for ipc://), starts watching its
 * peers (opts->links), attaches endpoints (a bare endpoint binds when
 * serverish is true). Returns an owned zsock_t or
 * NULL with the reason in err. */
zsock_t *lnob_sock_new(int type, const char *endpoints, bool serverish,
                       const lnob_sock_opts_t *opts, char *err, size_t cap);

/* A worker could not open its sockets: logs err as an error, unless a
 * SIGTERM/SIGINT cut the start short (then says so at info level). Returns
 * 1 in that case: the worker leaves as if stopped, not as failed. */
int lnob_sock_open_failed(const char *err);

#endif
