/* ack.c - Status/Progress exchange with the aggregator (ack.h). */
#include "ack.h"

#include <stdlib.h>
#include <string.h>
#include <czmq.h>

#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"

struct lnob_ack {
    const lnob_route_t *route;
    const char *run_id;
    Lnob__V1__Progress__State state;
    int end_seen;
    uint8_t *held;        /* by seq: 1 when held */
    size_t cap_held;
    uint64_t n_held;
    lnob_wire_stats_t *wire;
};

lnob_ack_t *lnob_ack_new(const lnob_route_t *route, const char *run_id, lnob_wire_stats_t *wire)
{
    lnob_ack_t *self = lnob_calloc(1, sizeof *self);
    self->route = route;
    self->run_id = run_id;
    self->wire = wire;
    return self;
}

void lnob_ack_destroy(lnob_ack_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->held);
    free(*self_p);
    *self_p = NULL;
}

void lnob_ack_reset(lnob_ack_t *self)
{
    self->state = LNOB__V1__PROGRESS__STATE__UNKNOWN;
    self->end_seen = 0;
    self->n_held = 0;
    if (self->held)
        memset(self->held, 0, self->cap_held);
}

static void s_take(lnob_ack_t *self, const Lnob__V1__Progress *p)
{
    lnob_ack_reset(self);
    self->state = p->state;
    self->end_seen = p->end_seen;
    for (size_t i = 0; i < p->n_have; i++) {
        size_t old = self->cap_held;
        lnob_grow((void **) &self->held, &self->cap_held, (size_t) p->have[i] + 1, 1);
        if (self->cap_held > old)
            memset(self->held + old, 0, self->cap_held - old);
        self->n_held += !self->held[p->have[i]];
        self->held[p->have[i]] = 1;
    }
}

static int s_ask(lnob_ack_t *self, const char *extract_id)
{
    Lnob__V1__Status st = LNOB__V1__STATUS__INIT;
    st.extract_id = (char *) extract_id;
    st.run_id = (char *) self->run_id;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_STATUS;
    env.status = &st;
    size_t len;
    uint8_t *buf = lnob_wire_pack(&env, &len);
    void *sock = zsock_resolve(lnob_route_for(self->route, extract_id));
    int rc = zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0 ? LNOB_AGAIN : LNOB_OK;
    free(buf);
    if (rc == LNOB_OK)
        lnob_wire_sent(self->wire, LNOB__V1__ENVELOPE__BODY_STATUS);
    return rc;
}

int lnob_ack_query(lnob_ack_t *self, const char *extract_id, int timeout_ms)
{
    s_ask(self, extract_id); /* a full queue means the aggregator is away: wait */
    return lnob_ack_listen(self, extract_id, timeout_ms);
}

int lnob_ack_listen(lnob_ack_t *self, const char *extract_id, int timeout_ms)
{
    char why[LNOB_ERRSTR_MAX];
    void *sock = zsock_resolve(lnob_route_for(self->route, extract_id));
    int64_t until = lnob_now_ms() + timeout_ms;
    for (int64_t left = timeout_ms; left > 0; left = until - lnob_now_ms()) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, (long) left) <= 0)
            return 0;
        lnob_env_t *env = NULL;
        int rc = lnob_wire_recv(sock, &env, self->wire, why, sizeof why);
        if (rc == LNOB_DROP)
            lnob_log_once(LNOB_LOG_WARN, "dropped a bad control answer: %s", why);
        if (rc != LNOB_OK)
            continue;
        int ours = env->body_case == LNOB__V1__ENVELOPE__BODY_PROGRESS &&
                   strcmp(env->progress->extract_id, extract_id) == 0 &&
                   strcmp(env->progress->run_id, self->run_id) == 0;
        if (ours)
            s_take(self, env->progress);
        lnob_wire_free(&env);
        if (ours)
            return 1;
    }
    return 0;
}

Lnob__V1__Progress__State lnob_ack_state(const lnob_ack_t *self) { return self->state; }
int lnob_ack_end_seen(const lnob_ack_t *self) { return self->end_seen; }

int lnob_ack_held(const lnob_ack_t *self, uint32_t seq)
{
    return seq < self->cap_held && self->held[seq];
}

uint64_t lnob_ack_signature(const lnob_ack_t *self)
{
    return (self->n_held << 8) | ((uint64_t) self->state << 1) | (uint64_t) self->end_seen;
}

int lnob_ack_same_aggregator(const lnob_ack_t *self, const char *a, const char *b)
{
    size_t n = self->route->n;
    return lnob_route_pick(a, n) == lnob_route_pick(b, n);
}
