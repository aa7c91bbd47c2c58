/* lnob/metrics.h - what a worker counts, and whether it is alive and ready.
 *
 * A registry of counters, gauges and fixed-bucket histograms that the
 * worker's own threads update lock-free (C11 atomics) and that another
 * thread (the HTTP server, lnob/httpd.h) renders in the Prometheus text
 * format 0.0.4. Each series is a metric name plus a fixed label set given
 * once at registration ('kind="run"'): labels come from our own code, never
 * from the wire, so they stay bounded. Series of one name form one family,
 * rendered together under one HELP and TYPE line.
 *
 * Liveness: the worker's main loop calls lnob_metrics_tick() wherever it
 * comes round (proto/beat.h does so with each heartbeat tick); the worker is
 * alive while the last tick is younger than LNOB_METRICS_STALE_MS.
 * Readiness: named checks, each a gauge that must be above 0 (peers
 * connected, Redis up); the failing ones are listed as JSON.
 *
 * The registry is an object the worker's main creates and passes; nothing
 * here is global. Registration takes a mutex (any thread, any time), so
 * does rendering; updates never do. Not for: serving HTTP (lnob/httpd.h)
 * or watching sockets (lnob/links.h). */
#ifndef LNOB_METRICS_H
#define LNOB_METRICS_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* A main loop silent this long is not alive (/healthz 503). The loops come
 * round at least every 0.5 s; the aggregator's longest step (the cells of
 * 10 M rows, about 3 s) and one Redis call (3 s) stay well below it. It is
 * lnob run's --silent-ms default. */
#define LNOB_METRICS_STALE_MS 10000

typedef struct lnob_metrics lnob_metrics_t;
typedef struct lnob_metric lnob_metric_t;

/* Buckets of the stage-duration histograms and of the Redis round trip, in
 * seconds (upper bounds; +Inf is implied). */
extern const double lnob_metrics_stage_buckets[];
extern const size_t lnob_metrics_stage_nbuckets;
extern const double lnob_metrics_rtt_buckets[];
extern const size_t lnob_metrics_rtt_nbuckets;

/* A new registry for worker ("ingest", "transform", "aggregate", "sink"),
 * with the process series every worker has: lnob_build_info (with an
 * instance label when instance, its --instance, is not ""),
 * lnob_process_resident_memory_bytes and lnob_process_start_time_seconds.
 * Owned; worker and instance are copied. */
lnob_metrics_t *lnob_metrics_new(const char *worker, const char *instance);
/* NULL-safe; NULLs *self_p. Stop the HTTP server that renders it first. */
void lnob_metrics_destroy(lnob_metrics_t **self_p);
/* The worker name given to lnob_metrics_new. */
const char *lnob_metrics_worker(const lnob_metrics_t *self);

/* ---- registration: returns a series handle owned by the registry ---------- */

/* name: [a-zA-Z_:][a-zA-Z0-9_:]* (counters end in _total); labels: ""
 * or 'a="x",b="y"' from our own code; help: one line. A name registered
 * again must keep its type and help; the same name and labels twice is a
 * bug (assert). */
lnob_metric_t *lnob_metrics_counter(lnob_metrics_t *self, const char *name, const char *labels,
                                    const char *help);
lnob_metric_t *lnob_metrics_gauge(lnob_metrics_t *self, const char *name, const char *labels,
                                  const char *help);
/* bounds: n increasing upper bounds in seconds, borrowed (keep them static). */
lnob_metric_t *lnob_metrics_histogram(lnob_metrics_t *self, const char *name, const char *labels,
                                      const char *help, const double *bounds, size_t n);
/* The histogram lnob_stage_duration_seconds{stage="<stage>"} with the
 * stage buckets: time per unit of a stage's work (docs/operations.md). */
lnob_metric_t *lnob_metrics_stage(lnob_metrics_t *self, const char *stage);
/* A counter whose value lives elsewhere, read at each rendering: an atomic
 * the caller keeps alive as long as the registry (wire stats). */
void lnob_metrics_counter_at(lnob_metrics_t *self, const char *name, const char *labels,
                             const char *help, const _Atomic uint64_t *value);
/* A counter read through fn(arg) at each rendering, on the rendering
 * thread: fn must be thread-safe (lnob_curve_refused is). */
typedef uint64_t (*lnob_metrics_read_fn)(const void *arg);
void lnob_metrics_counter_fn(lnob_metrics_t *self, const char *name, const char *labels,
                             const char *help, lnob_metrics_read_fn fn, const void *arg);

/* ---- updates: any thread, lock-free; NULL handles are ignored -------------- */

void lnob_metric_add(lnob_metric_t *counter, uint64_t n);
/* Sets a gauge; or a counter that mirrors a count kept elsewhere, which
 * must never go down. */
void lnob_metric_set(lnob_metric_t *m, int64_t value);
/* Observes a duration in microseconds (rendered in seconds). */
void lnob_metric_observe_us(lnob_metric_t *histogram, int64_t us);
/* A counter's or gauge's value; a histogram's count. */
int64_t lnob_metric_value(const lnob_metric_t *m);

/* ---- liveness and readiness ------------------------------------------------ */

/* The main loop came round: one atomic store. NULL-safe. */
void lnob_metrics_tick(lnob_metrics_t *self);
/* 1 when the last tick (or the registry's creation) is younger than
 * LNOB_METRICS_STALE_MS at now_ms, monotonic (lnob_mono_us() / 1000), else 0. */
int lnob_metrics_alive(const lnob_metrics_t *self, int64_t now_ms);
/* Makes check (a short name: "redis", "peers_in") a readiness condition:
 * ready while gauge > 0. gauge is a series of this registry. */
void lnob_metrics_require(lnob_metrics_t *self, const char *check, const lnob_metric_t *gauge);
/* Writes {"ready":true|false,"failing":["redis",...]} into json (cap
 * bytes, truncated safely) and returns how many checks fail. */
size_t lnob_metrics_readiness(const lnob_metrics_t *self, char *json, size_t cap);

/* ---- rendering --------------------------------------------------------------- */

/* Every family in the Prometheus text format 0.0.4, in registration order.
 * Returns an owned NUL-terminated buffer (free()) of *len bytes. */
char *lnob_metrics_render(const lnob_metrics_t *self, size_t *len);
/* Reads back one sample of rendered text: the value of the line that is
 * exactly sample ('lnob_extracts_total{outcome="complete"}') then a space.
 * Returns 1 with *value, or 0 when text has no such line. */
int lnob_metrics_find(const char *text, const char *sample, long long *value);

#endif
