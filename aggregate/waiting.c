/* waiting.c - the ingesters waiting for an extract to be stored (waiting.h). */
#include "waiting.h"

#include <stdio.h>
#include <string.h>

static int s_same(const lnob_waiter_t *w, const char *extract_id, const char *run_id, const lnob_peer_t *peer)
{
    return !strcmp(w->extract_id, extract_id) && !strcmp(w->run_id, run_id) && w->peer.len == peer->len &&
           !memcmp(w->peer.id, peer->id, peer->len);
}

void lnob_waiting_add(lnob_waiting_t *self, const char *extract_id, const char *run_id, const lnob_peer_t *peer)
{
    if (strlen(extract_id) >= LNOB_WAITING_ID_MAX || strlen(run_id) >= LNOB_WAITING_ID_MAX)
        return;
    size_t slot = 0; /* a free slot, else the oldest */
    for (size_t i = 0; i < LNOB_WAITING_MAX; i++) {
        if (self->added[i] && s_same(&self->w[i], extract_id, run_id, peer))
            return;
        if (self->added[i] < self->added[slot])
            slot = i;
    }
    lnob_waiter_t *w = &self->w[slot];
    snprintf(w->extract_id, sizeof w->extract_id, "%s", extract_id);
    snprintf(w->run_id, sizeof w->run_id, "%s", run_id);
    w->peer = *peer;
    self->added[slot] = ++self->clock;
}

void lnob_waiting_take(lnob_waiting_t *self, const char *extract_id,
                       void (*fn)(void *arg, const lnob_waiter_t *w), void *arg)
{
    for (size_t i = 0; i < LNOB_WAITING_MAX; i++)
        if (self->added[i] && !strcmp(self->w[i].extract_id, extract_id)) {
            self->added[i] = 0;
            fn(arg, &self->w[i]);
        }
}
