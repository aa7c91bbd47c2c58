/* beat.h - a worker's heartbeat to the lnob run that started it, and the
 * liveness tick of its metrics endpoint.
 *
 * lnob run binds a PULL socket in its private dir and gives every worker
 * its endpoint (--heartbeat). The worker calls lnob_beat_tick() from its
 * main loop, wherever the loop comes round (between messages, while waiting
 * on backpressure or on Redis); at most every interval it sends a Heartbeat
 * Envelope (lnob.proto) without blocking: when the queue is full or nobody
 * listens the beat is dropped. So a worker whose loop is stuck, or that is
 * stopped (SIGSTOP), falls silent. Every tick also ticks the worker's
 * metrics registry (lnob_metrics_tick: /healthz). Not for: deciding what
 * silence means (cli/run.c kills and restarts a silent worker). Not
 * thread-safe: one object per thread that runs a main loop. */
#ifndef LNOB_PROTO_BEAT_H
#define LNOB_PROTO_BEAT_H
#include <stddef.h>

#include "lnob/metrics.h"

typedef struct lnob_beat lnob_beat_t;

/* endpoint: CZMQ syntax (">ipc://..."), or NULL or "none" for no heartbeat;
 * metrics: the registry to tick, borrowed, or NULL. With neither, NULL is
 * returned with err "". worker: the name in each beat, borrowed. Returns an
 * owned object, or NULL with the reason in err. */
lnob_beat_t *lnob_beat_new(const char *endpoint, const char *worker, long interval_ms,
                           lnob_metrics_t *metrics, char *err, size_t cap);
/* Ticks the metrics registry; sends a beat if interval_ms has passed
 * since the last. NULL-safe, never blocks. */
void lnob_beat_tick(lnob_beat_t *self);
/* The longest one wait of a loop that beats every interval_ms may last:
 * wanted_ms, or interval_ms when that is shorter (an idle loop must still
 * come round to beat). */
int lnob_beat_wait_ms(long interval_ms, int wanted_ms);
/* NULL-safe; NULLs *self_p. */
void lnob_beat_destroy(lnob_beat_t **self_p);

#endif
