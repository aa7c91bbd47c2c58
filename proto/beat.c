/* beat.c - a worker's heartbeat to lnob run (beat.h). */
#include "beat.h"

#include <czmq.h>
#include <string.h>
#include <unistd.h>

#include "lnob/clock.h"
#include "lnob/mem.h"
#include "wire.h"

#define BEAT_HWM 4 /* beats queued: more say nothing new */
#define METRICS_TICK_MS 100 /* liveness recorded at most this often: per-row ticks stay one clock read */

struct lnob_beat {
    zsock_t *sock;         /* NULL without a heartbeat endpoint */
    lnob_metrics_t *metrics;
    int64_t ticked_ms;     /* last lnob_metrics_tick */
    const char *worker;
    long interval_ms;
    int64_t last_ms;
};

lnob_beat_t *lnob_beat_new(const char *endpoint, const char *worker, long interval_ms,
                           lnob_metrics_t *metrics, char *err, size_t cap)
{
    err[0] = '\0';
    int beats = endpoint && *endpoint && strcmp(endpoint, "none") != 0;
    if (!beats && !metrics)
        return NULL;
    lnob_sock_opts_t o = {BEAT_HWM, 0, -1, NULL, NULL, NULL, NULL}; /* lnob run's private ipc */
    zsock_t *sock = beats ? lnob_sock_new(ZMQ_PUSH, endpoint, false, &o, err, cap) : NULL;
    if (beats && !sock)
        return NULL;
    lnob_beat_t *self = lnob_calloc(1, sizeof *self);
    self->sock = sock;
    self->metrics = metrics;
    self->worker = worker;
    self->interval_ms = interval_ms;
    return self;
}

void lnob_beat_tick(lnob_beat_t *self)
{
    if (!self)
        return;
    int64_t now = lnob_now_ms();
    if (self->metrics && (now - self->ticked_ms >= METRICS_TICK_MS || now < self->ticked_ms)) {
        self->ticked_ms = now;
        lnob_metrics_tick(self->metrics);
    }
    if (!self->sock)
        return;
    if (self->last_ms && now - self->last_ms < self->interval_ms)
        return;
    self->last_ms = now;
    Lnob__V1__Heartbeat hb = LNOB__V1__HEARTBEAT__INIT;
    hb.worker = (char *) self->worker;
    hb.pid = (uint32_t) getpid();
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    size_t len;
    uint8_t *buf = lnob_wire_pack(&env, &len);
    zmq_send(zsock_resolve(self->sock), buf, len, ZMQ_DONTWAIT); /* full or absent: dropped */
    free(buf);
}

int lnob_beat_wait_ms(long interval_ms, int wanted_ms)
{
    return interval_ms > 0 && interval_ms < wanted_ms ? (int) interval_ms : wanted_ms;
}

void lnob_beat_destroy(lnob_beat_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy(&(*self_p)->sock);
    free(*self_p);
    *self_p = NULL;
}
