/* waiting.h - the ingesters waiting for an extract to be stored.
 *
 * An ingester asks the aggregator's control socket (Status) until the
 * extract it sent is stored. The aggregator remembers who asked about an
 * extract it has not seen stored (the ROUTER peer, the run id), and when
 * the sink's Stored confirmation comes, answers each of them at once
 * instead of at their next question. At most LNOB_WAITING_MAX are kept:
 * past that the oldest is forgotten, and that ingester hears at its next
 * question as before. Not for: the extract's state (aggregate.h). */
#ifndef LNOB_AGGREGATE_WAITING_H
#define LNOB_AGGREGATE_WAITING_H
#include <stdint.h>

#include "wire.h"

#define LNOB_WAITING_MAX 64
#define LNOB_WAITING_ID_MAX 128 /* longer extract or run ids are not remembered */

typedef struct {
    char extract_id[LNOB_WAITING_ID_MAX], run_id[LNOB_WAITING_ID_MAX];
    lnob_peer_t peer;
} lnob_waiter_t;

typedef struct {
    lnob_waiter_t w[LNOB_WAITING_MAX];
    uint64_t added[LNOB_WAITING_MAX]; /* when each was added; 0: the slot is free */
    uint64_t clock;
} lnob_waiting_t;

/* Remembers that peer waits for extract_id of run_id (once per peer). */
void lnob_waiting_add(lnob_waiting_t *self, const char *extract_id, const char *run_id, const lnob_peer_t *peer);
/* Calls fn for each waiter on extract_id, and forgets them. */
void lnob_waiting_take(lnob_waiting_t *self, const char *extract_id,
                       void (*fn)(void *arg, const lnob_waiter_t *w), void *arg);

#endif
