/* aggregate.h - the extract barrier: collect runs, compute once, emit.
 *
 * Holds each extract (keyed by extract id and run id) until its ExtractEnd
 * has arrived and every batch sequence 0..batch_count-1 has been seen
 * exactly once, in any order, from any number of transformers. A run seen
 * twice is dropped and counted. Then it merges the sorted runs (k-way, so
 * nothing is sorted again), computes every cell (cells.h) and emits the
 * extract's quarantine in parts followed by one Result. An ExtractFailed
 * emits a failed Result at once and nothing else of that extract.
 * Not for: sockets (main.c) or Redis (sink/). */
#ifndef LNOB_TRANSFORM_AGGREGATE_H
#define LNOB_TRANSFORM_AGGREGATE_H
#include <stdint.h>

#include "wire.h"

/* Rejects per Quarantine message. */
#define LNOB_QUARANTINE_PART 2000

typedef struct lnob_aggregate lnob_aggregate_t;

/* Receives each outbound Envelope (borrowed for the call); returns LNOB_OK
 * or an error that the aggregator passes back from take(). */
typedef int (*lnob_aggregate_emit_fn)(void *arg, lnob_env_t *env);

typedef struct {
    uint64_t duplicates; /* runs or ends seen twice */
    uint64_t late;       /* messages for an extract already finished */
    uint64_t completed;  /* extracts emitted complete */
    uint64_t failed;     /* extracts emitted failed */
} lnob_aggregate_stats_t;

lnob_aggregate_t *lnob_aggregate_new(lnob_aggregate_emit_fn emit, void *arg);
/* NULL-safe; NULLs *self_p. */
void lnob_aggregate_destroy(lnob_aggregate_t **self_p);
/* Takes ownership of *env_p (a Run, ExtractEnd or ExtractFailed) and NULLs
 * it. Returns LNOB_OK, LNOB_DROP for a duplicate or late message, or the
 * emit callback's error. */
int lnob_aggregate_take(lnob_aggregate_t *self, lnob_env_t **env_p);
/* Extracts waiting for batches. */
size_t lnob_aggregate_pending(const lnob_aggregate_t *self);
const lnob_aggregate_stats_t *lnob_aggregate_stats(const lnob_aggregate_t *self);

#endif
