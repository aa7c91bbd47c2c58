/* links.c - peers and failed handshakes from socket monitors (lnob/links.h). */
#include "lnob/links.h"

#include <stdio.h>
#include <string.h>

#include "lnob/actor.h"
#include "lnob/curve.h"
#include "lnob/mem.h"

#define WATCH_MAX 8     /* sockets of one worker */
#define NAME_MAX_LEN 24
#define EVENT_FRAME 6   /* uint16 event, uint32 value */
#define EVENTS                                                                                      \
    (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | \
     ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

enum { F_NO_DETAIL, F_PROTOCOL, F_AUTH, F_REASONS };
static const char *const s_reasons[F_REASONS] = {"no_detail", "protocol", "auth"};

/* One watched socket. The worker's thread owns handle and endpoint; the
 * actor owns pair and the counts; the metrics are atomics. */
typedef struct {
    void *handle;                    /* the data socket (libzmq), NULL once unwatched */
    char name[NAME_MAX_LEN];
    char endpoint[64];               /* the monitor's inproc:// */
    zsock_t *pair;                   /* the actor's end of the monitor */
    int64_t peers;
    int64_t failing;                 /* failed handshakes whose DISCONNECTED is still to come */
    lnob_metric_t *gauge;
    lnob_metric_t *failures[F_REASONS];
} watch_t;

struct lnob_links {
    lnob_metrics_t *metrics;
    lnob_actor_t *actor;
    watch_t watches[WATCH_MAX];
    size_t n;
};

/* ---- the actor ----------------------------------------------------------------- */

static void s_event(watch_t *w, uint16_t event)
{
    switch (event) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        w->peers++;
        break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        w->failing++;
        lnob_metric_add(w->failures[event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH       ? F_AUTH
                                    : event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? F_PROTOCOL
                                                                                   : F_NO_DETAIL],
                        1);
        break;
    case ZMQ_EVENT_DISCONNECTED:
        if (w->failing > 0)
            w->failing--;
        else if (w->peers > 0)
            w->peers--;
        break;
    default:
        break;
    }
    lnob_metric_set(w->gauge, w->peers);
}

/* Reads one monitor event: [event u16, value u32][address]. */
static void s_read(watch_t *w)
{
    zmsg_t *msg = zmsg_recv(w->pair);
    zframe_t *head = msg ? zmsg_first(msg) : NULL;
    if (head && zframe_size(head) == EVENT_FRAME) {
        uint16_t event;
        memcpy(&event, zframe_data(head), sizeof event);
        s_event(w, event);
    }
    zmsg_destroy(&msg);
}

/* Connects the actor's end of a new monitor (the watch_t pointer in frame
 * ptr); answers 0 or 1 on the pipe. */
static void s_add(zsock_t *pipe, zpoller_t *poller, zframe_t *ptr)
{
    watch_t *w = NULL;
    if (!ptr || zframe_size(ptr) != sizeof w) {
        zsock_signal(pipe, 1);
        return;
    }
    memcpy(&w, zframe_data(ptr), sizeof w);
    w->pair = zsock_new(ZMQ_PAIR);
    int rc = w->pair && zsock_connect(w->pair, "%s", w->endpoint) == 0 ? zpoller_add(poller, w->pair) : -1;
    if (rc != 0)
        zsock_destroy(&w->pair);
    zsock_signal(pipe, rc == 0 ? 0 : 1);
}

static void s_actor(zsock_t *pipe, void *arg)
{
    lnob_links_t *self = arg;
    zpoller_t *poller = zpoller_new(pipe, NULL);
    zpoller_set_nonstop(poller, true); /* a signal is the worker's to see; only $TERM ends the actor */
    zsock_signal(pipe, 0);
    for (;;) {
        void *which = zpoller_wait(poller, -1);
        if (!which && zpoller_terminated(poller))
            break;
        if (!which)
            continue;
        if (which != pipe) {
            for (size_t i = 0; i < WATCH_MAX; i++)
                if (self->watches[i].pair && which == self->watches[i].pair)
                    s_read(&self->watches[i]);
            continue;
        }
        zmsg_t *msg = zmsg_recv(pipe);
        char *cmd = msg ? zmsg_popstr(msg) : NULL;
        int term = !cmd || !strcmp(cmd, "$TERM");
        if (cmd && !strcmp(cmd, "ADD"))
            s_add(pipe, poller, zmsg_first(msg));
        zstr_free(&cmd);
        zmsg_destroy(&msg);
        if (term)
            break;
    }
    zpoller_destroy(&poller);
    for (size_t i = 0; i < WATCH_MAX; i++)
        zsock_destroy(&self->watches[i].pair);
}

/* ---- the worker's side -------------------------------------------------------- */

static uint64_t s_refused(const void *curve)
{
    return lnob_curve_refused(curve);
}

lnob_links_t *lnob_links_new(lnob_metrics_t *metrics, const lnob_curve_t *curve)
{
    lnob_links_t *self = lnob_calloc(1, sizeof *self);
    self->metrics = metrics;
    lnob_metrics_counter_fn(metrics, "lnob_curve_refused_total", "",
                            "CURVE handshakes our ZAP handler refused (unknown key, or a role the socket does not take).",
                            s_refused, curve);
    self->actor = lnob_actor_new(s_actor, self);
    return self;
}

static void s_register(lnob_links_t *self, watch_t *w)
{
    char labels[96], check[NAME_MAX_LEN + 8];
    snprintf(labels, sizeof labels, "socket=\"%s\"", w->name);
    w->gauge = lnob_metrics_gauge(self->metrics, "lnob_peers", labels,
                                  "Peers connected to the socket: ZeroMQ handshakes done, less disconnects.");
    for (int r = 0; r < F_REASONS; r++) {
        snprintf(labels, sizeof labels, "socket=\"%s\",reason=\"%s\"", w->name, s_reasons[r]);
        w->failures[r] = lnob_metrics_counter(self->metrics, "lnob_handshake_failures_total", labels,
                                              "Failed ZeroMQ handshakes on the socket, by reason (socket monitor).");
    }
    snprintf(check, sizeof check, "peers:%s", w->name);
    lnob_metrics_require(self->metrics, check, w->gauge);
}

int lnob_links_watch(lnob_links_t *self, zsock_t *sock, const char *name, char *err, size_t cap)
{
    if (self->n == WATCH_MAX) {
        snprintf(err, cap, "more than %d sockets to watch", WATCH_MAX);
        return -1;
    }
    watch_t *w = &self->watches[self->n];
    snprintf(w->name, sizeof w->name, "%s", name);
    snprintf(w->endpoint, sizeof w->endpoint, "inproc://lnob-links-%p-%zu", (void *) self, self->n);
    if (zmq_socket_monitor(zsock_resolve(sock), w->endpoint, EVENTS) != 0) {
        snprintf(err, cap, "cannot monitor socket %s: %s", name, zmq_strerror(zmq_errno()));
        return -1;
    }
    s_register(self, w); /* before the actor can see an event */
    zsock_t *pipe = self->actor ? lnob_actor_pipe(self->actor) : NULL;
    if (!pipe || zsock_send(pipe, "sp", "ADD", w) != 0 || zsock_wait(pipe) != 0) {
        zmq_socket_monitor(zsock_resolve(sock), NULL, 0);
        snprintf(err, cap, "cannot read the monitor of socket %s", name);
        return -1;
    }
    w->handle = zsock_resolve(sock);
    self->n++;
    return 0;
}

void lnob_links_unwatch(lnob_links_t *self, zsock_t *sock)
{
    for (size_t i = 0; self && i < self->n; i++)
        if (self->watches[i].handle && self->watches[i].handle == zsock_resolve(sock)) {
            zmq_socket_monitor(self->watches[i].handle, NULL, 0);
            self->watches[i].handle = NULL;
        }
}

void lnob_links_destroy(lnob_links_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_links_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++)
        if (self->watches[i].handle)
            zmq_socket_monitor(self->watches[i].handle, NULL, 0);
    lnob_actor_destroy(&self->actor);
    free(self);
    *self_p = NULL;
}
