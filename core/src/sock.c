/* sock.c - ZeroMQ sockets with bounded queues and deliberate linger (lnob/sock.h). */
#include "lnob/sock.h"

#include <stdio.h>

#include "lnob/log.h"

zsock_t *lnob_sock_new(int type, const char *endpoints, bool serverish,
                       const lnob_sock_opts_t *opts, char *err, size_t cap)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        snprintf(err, cap, "cannot create socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    zsock_set_sndhwm(sock, opts->hwm);
    zsock_set_rcvhwm(sock, opts->hwm);
    zsock_set_linger(sock, opts->linger_ms);
    /* a peer that binds later is found within milliseconds (libzmq waits
     * 100 ms by default), then ever more slowly up to a second */
    zsock_set_reconnect_ivl(sock, LNOB_SOCK_RECONNECT_MS);
    zsock_set_reconnect_ivl_max(sock, LNOB_SOCK_RECONNECT_MAX_MS);
    int64_t max = LNOB_MAX_MESSAGE_BYTES;
    zmq_setsockopt(zsock_resolve(sock), ZMQ_MAXMSGSIZE, &max, sizeof max);
    zsock_set_rcvtimeo(sock, opts->rcvtimeo_ms);
    if (lnob_curve_apply(opts->curve, sock, endpoints, serverish, opts->peers ? opts->peers : "", err,
                         cap) != 0) {
        zsock_destroy(&sock);
        return NULL;
    }
    if (opts->links && lnob_links_watch(opts->links, sock, opts->link, err, cap) != 0) {
        zsock_destroy(&sock);
        return NULL;
    }
    if (zsock_attach(sock, endpoints, serverish) != 0) {
        snprintf(err, cap, "cannot attach to '%s': %s", endpoints, zmq_strerror(zmq_errno()));
        lnob_links_unwatch(opts->links, sock);
        zsock_destroy(&sock);
        return NULL;
    }
    return sock;
}

int lnob_sock_open_failed(const char *err)
{
    if (!zsys_interrupted) {
        lnob_error("%s", err);
        return 0;
    }
    lnob_info("stopped by a signal while starting");
    return 1;
}
