/* ack.h - an ingester's view of what the aggregator holds of an extract.
 *
 * Over a DEALER socket connected to the aggregator's control endpoint (of
 * the extract's aggregator, when there are several: lnob/route.h), asks
 * Status and keeps the last Progress answer: which batch seqs are held,
 * whether the ExtractEnd arrived, whether the result is computed or stored.
 * The ingester uses it to skip what is held (resuming after a restart) and
 * to send again what went missing (docs/delivery.md).
 * Not for: deciding when to resend (ingest/main.c). */
#ifndef LNOB_INGEST_ACK_H
#define LNOB_INGEST_ACK_H
#include <stdint.h>

#include "lnob/route.h"
#include "wire.h"

typedef struct lnob_ack lnob_ack_t;

/* route: a DEALER socket per aggregator, borrowed; run_id borrowed; wire:
 * the worker's message counters, borrowed. */
lnob_ack_t *lnob_ack_new(const lnob_route_t *route, const char *run_id, lnob_wire_stats_t *wire);
/* NULL-safe; NULLs *self_p. */
void lnob_ack_destroy(lnob_ack_t **self_p);
/* Forgets the last answer (a new extract begins). */
void lnob_ack_reset(lnob_ack_t *self);
/* Asks about extract_id and waits up to timeout_ms for the answer.
 * Returns 1 when answered (the state below is updated), 0 otherwise. */
int lnob_ack_query(lnob_ack_t *self, const char *extract_id, int timeout_ms);
/* Waits up to timeout_ms for news of extract_id without asking: the
 * aggregator tells an ingester that asked as soon as the extract is
 * stored. Returns as lnob_ack_query. */
int lnob_ack_listen(lnob_ack_t *self, const char *extract_id, int timeout_ms);
/* From the last answer (UNKNOWN and nothing held before any). */
Lnob__V1__Progress__State lnob_ack_state(const lnob_ack_t *self);
int lnob_ack_held(const lnob_ack_t *self, uint32_t seq);
int lnob_ack_end_seen(const lnob_ack_t *self);
/* Changes whenever the aggregator made progress (state, seqs held, end). */
uint64_t lnob_ack_signature(const lnob_ack_t *self);
/* 1 when extracts a and b go to one aggregator (lnob/route.h). */
int lnob_ack_same_aggregator(const lnob_ack_t *self, const char *a, const char *b);

#endif
