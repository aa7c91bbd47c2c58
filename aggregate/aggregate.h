/* aggregate.h - the extract barrier: collect records, compute once, emit.
 *
 * Holds each extract (keyed by extract id and run id) until its ExtractEnd
 * has arrived and every batch sequence 0..batch_count-1 has been seen
 * exactly once, in any order, from any number of transformers. A record
 * message (a Run, an MisBatch: any kind's, sources/registry.h) seen twice
 * is dropped and counted. Then it emits the extract's quarantine in parts,
 * has the extract's source kind compute its cells and metadata (for SILC a
 * k-way merge of the sorted runs, so nothing is sorted again) and emits one
 * Result. An extract whose records are not all of the kind its end names,
 * or of a kind this build does not know, fails. An ExtractFailed emits a
 * failed Result at once and nothing else of that extract.
 * Not for: sockets (main.c), a kind's computation (sources/), Redis (sink/). */
#ifndef LNOB_AGGREGATE_AGGREGATE_H
#define LNOB_AGGREGATE_AGGREGATE_H
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Rejects per Quarantine message. */
#define LNOB_QUARANTINE_PART 2000

typedef struct lnob_aggregate lnob_aggregate_t;

/* A finished extract's messages are sent again this often until the sink
 * confirms it stored them; an extract that receives nothing this long is
 * dropped (its ingester gave up). */
#define LNOB_AGGREGATE_RESEND_MS 3000
#define LNOB_AGGREGATE_IDLE_MS (30 * 60 * 1000)

/* What one message can cost is what it carries, and the tables are bounded:
 * - a Run's or MisBatch's seq, and an ExtractEnd's batch_count, are below
 *   LNOB_AGGREGATE_MAX_BATCHES (else dropped); no room is made for a count
 *   a message declares;
 * - at most max_extracts extracts are collected at once (a message that
 *   would start one more is dropped, logged and counted in refused);
 * - an extract the sink confirmed is forgotten after
 *   LNOB_AGGREGATE_FINISHED_TTL_MS, or sooner, oldest first, when more than
 *   LNOB_AGGREGATE_FINISHED_MAX are kept (a late Status then hears UNKNOWN
 *   and sends again: the same content gives the same cells). */
#define LNOB_AGGREGATE_MAX_BATCHES (1u << 24)
#define LNOB_AGGREGATE_MAX_EXTRACTS 16
#define LNOB_AGGREGATE_FINISHED_MAX 1024
#define LNOB_AGGREGATE_FINISHED_TTL_MS (60 * 60 * 1000)

/* Receives each outbound packed Envelope (borrowed for the call); returns
 * LNOB_OK or an error that the aggregator passes back from take()/tick(). */
typedef int (*lnob_aggregate_emit_fn)(void *arg, const uint8_t *data, size_t len);

/* What the aggregator holds of an extract, for an ingester's Status. */
typedef struct {
    Lnob__V1__Progress__State state;
    int end_seen;
    uint32_t *have; /* owned by the caller: free() it; grown as needed */
    size_t n_have, cap_have;
} lnob_aggregate_progress_t;

typedef struct {
    uint64_t duplicates; /* runs or ends seen twice */
    uint64_t late;       /* messages for an extract already finished */
    uint64_t completed;  /* extracts emitted complete */
    uint64_t failed;     /* extracts emitted failed */
    uint64_t refused;    /* messages dropped: more extracts in flight than allowed */
    uint64_t forgotten;  /* confirmed extracts pruned from the finished table */
    uint64_t confirmed;  /* of those, confirmed stored by the sink */
    uint64_t carried;    /* batches taken from a kept base instead of the wire (carry.h) */
    uint64_t not_carried; /* batches an end carried from a base not held: left to redelivery */
    int64_t last_us;     /* the last extract's completion: from its last message to its Result sent */
} lnob_aggregate_stats_t;

lnob_aggregate_t *lnob_aggregate_new(lnob_aggregate_emit_fn emit, void *arg);
/* Called while a kind computes an extract, every few ms, from the thread
 * that called lnob_aggregate_take (the computation runs in another). */
typedef void (*lnob_aggregate_idle_fn)(void *arg);
void lnob_aggregate_set_idle(lnob_aggregate_t *self, lnob_aggregate_idle_fn idle, void *arg);
/* How many extracts may be collected at once (default
 * LNOB_AGGREGATE_MAX_EXTRACTS). */
void lnob_aggregate_set_max_extracts(lnob_aggregate_t *self, size_t max);
/* Extracts in the finished table (confirmed or waiting for the sink). */
size_t lnob_aggregate_finished(const lnob_aggregate_t *self);
/* NULL-safe; NULLs *self_p. */
void lnob_aggregate_destroy(lnob_aggregate_t **self_p);
/* Takes ownership of *env_p (a Run, ExtractEnd or ExtractFailed) and NULLs
 * it. Returns LNOB_OK, LNOB_DROP for a duplicate or late message, or the
 * emit callback's error. */
int lnob_aggregate_take(lnob_aggregate_t *self, lnob_env_t **env_p);
/* The sink confirmed the extract's Result is stored: stop redelivering.
 * LNOB_DROP if the extract is unknown here. */
int lnob_aggregate_stored(lnob_aggregate_t *self, const char *extract_id, const char *run_id);
/* Fills out with what is held of the extract. */
void lnob_aggregate_progress(const lnob_aggregate_t *self, const char *extract_id,
                             const char *run_id, lnob_aggregate_progress_t *out);
/* Redelivers unconfirmed results and drops abandoned extracts; call it
 * about once a second. Returns LNOB_OK or the emit callback's error. */
int lnob_aggregate_tick(lnob_aggregate_t *self, int64_t now_ms);
/* Extracts waiting for batches. */
size_t lnob_aggregate_pending(const lnob_aggregate_t *self);
const lnob_aggregate_stats_t *lnob_aggregate_stats(const lnob_aggregate_t *self);

#endif
