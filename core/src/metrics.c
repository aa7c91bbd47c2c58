/* metrics.c - counters, gauges, histograms; liveness and readiness (lnob/metrics.h). */
#include "lnob/metrics.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnob/clock.h"
#include "lnob/mem.h"
#include "lnob/version.h"

const double lnob_metrics_stage_buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5,     10, 30};
const size_t lnob_metrics_stage_nbuckets = sizeof lnob_metrics_stage_buckets / sizeof(double);
const double lnob_metrics_rtt_buckets[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025,  0.05,    0.1,    0.25,  0.5,    1,     3};
const size_t lnob_metrics_rtt_nbuckets = sizeof lnob_metrics_rtt_buckets / sizeof(double);

#define US_PER_S 1e6
#define CHECK_NAME_MAX 48

typedef enum { T_COUNTER, T_GAUGE, T_HISTOGRAM } type_t;
static const char *const s_type_names[] = {"counter", "gauge", "histogram"};

typedef struct family family_t;

struct lnob_metric {
    family_t *family;
    char *labels;                   /* 'a="x"' or "" */
    _Atomic uint64_t count;         /* a counter's value; a histogram's observations */
    _Atomic int64_t gauge;
    const _Atomic uint64_t *at;     /* counter_at: the value lives there */
    lnob_metrics_read_fn fn;        /* counter_fn, or a gauge read when rendered */
    const void *arg;
    _Atomic uint64_t *buckets;      /* histogram: per bucket (not cumulative), +Inf last */
    _Atomic uint64_t sum_us;
    lnob_metric_t *next;            /* in the family */
};

struct family {
    char *name, *help;
    type_t type;
    const double *bounds;           /* histogram */
    size_t nbounds;
    lnob_metric_t *first, *last;
    family_t *next;
};

typedef struct check {
    char name[CHECK_NAME_MAX];
    const lnob_metric_t *gauge;
    struct check *next;
} check_t;

struct lnob_metrics {
    pthread_mutex_t *lock;          /* the lists, not the values (a pointer: const readers lock it) */
    char *worker;
    family_t *first, *last;
    check_t *checks;
    _Atomic int64_t tick_ms;        /* monotonic */
};

/* ---- registry ---------------------------------------------------------------- */

/* Used only in an assert: unused, not a warning, where NDEBUG removes it. */
__attribute__((unused)) static int s_name_ok(const char *name)
{
    if (!name || !*name || (*name >= '0' && *name <= '9'))
        return 0;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:") == strlen(name);
}

/* The family of name, made if new; the caller holds the lock. */
static family_t *s_family(lnob_metrics_t *self, const char *name, type_t type, const char *help)
{
    assert(s_name_ok(name) && help && !strchr(help, '\n'));
    for (family_t *f = self->first; f; f = f->next)
        if (!strcmp(f->name, name)) {
            assert(f->type == type);
            return f;
        }
    family_t *f = lnob_calloc(1, sizeof *f);
    f->name = lnob_strdup(name);
    f->help = lnob_strdup(help);
    f->type = type;
    if (self->last)
        self->last->next = f;
    else
        self->first = f;
    self->last = f;
    return f;
}

/* Links m (made whole by the caller: nothing else sees it before) into the
 * family of name. */
static lnob_metric_t *s_link(lnob_metrics_t *self, lnob_metric_t *m, const char *name, type_t type,
                             const char *help, const double *bounds, size_t n)
{
    pthread_mutex_lock(self->lock);
    family_t *f = s_family(self, name, type, help);
    for (const lnob_metric_t *o = f->first; o; o = o->next)
        assert(strcmp(o->labels, m->labels) != 0); /* registered twice */
    assert(type != T_HISTOGRAM || !f->bounds || (f->bounds == bounds && f->nbounds == n));
    f->bounds = bounds;
    f->nbounds = n;
    m->family = f;
    if (f->last)
        f->last->next = m;
    else
        f->first = m;
    f->last = m;
    pthread_mutex_unlock(self->lock);
    return m;
}

static lnob_metric_t *s_made(const char *labels)
{
    assert(labels && !strchr(labels, '\n'));
    lnob_metric_t *m = lnob_calloc(1, sizeof *m);
    m->labels = lnob_strdup(labels);
    return m;
}

lnob_metric_t *lnob_metrics_counter(lnob_metrics_t *self, const char *name, const char *labels,
                                    const char *help)
{
    return s_link(self, s_made(labels), name, T_COUNTER, help, NULL, 0);
}

lnob_metric_t *lnob_metrics_gauge(lnob_metrics_t *self, const char *name, const char *labels,
                                  const char *help)
{
    return s_link(self, s_made(labels), name, T_GAUGE, help, NULL, 0);
}

lnob_metric_t *lnob_metrics_histogram(lnob_metrics_t *self, const char *name, const char *labels,
                                      const char *help, const double *bounds, size_t n)
{
    assert(n > 0);
    for (size_t i = 1; i < n; i++)
        assert(bounds[i] > bounds[i - 1]);
    lnob_metric_t *m = s_made(labels);
    m->buckets = lnob_calloc(n + 1, sizeof *m->buckets);
    return s_link(self, m, name, T_HISTOGRAM, help, bounds, n);
}

lnob_metric_t *lnob_metrics_stage(lnob_metrics_t *self, const char *stage)
{
    char labels[64];
    snprintf(labels, sizeof labels, "stage=\"%s\"", stage);
    return lnob_metrics_histogram(self, "lnob_stage_duration_seconds", labels,
                                  "Time per unit of a stage's work: a message sent by the ingester, a batch "
                                  "harmonised, an extract aggregated, a Redis write.",
                                  lnob_metrics_stage_buckets, lnob_metrics_stage_nbuckets);
}

void lnob_metrics_counter_at(lnob_metrics_t *self, const char *name, const char *labels,
                             const char *help, const _Atomic uint64_t *value)
{
    lnob_metric_t *m = s_made(labels);
    m->at = value;
    s_link(self, m, name, T_COUNTER, help, NULL, 0);
}

void lnob_metrics_counter_fn(lnob_metrics_t *self, const char *name, const char *labels,
                             const char *help, lnob_metrics_read_fn fn, const void *arg)
{
    lnob_metric_t *m = s_made(labels);
    m->fn = fn;
    m->arg = arg;
    s_link(self, m, name, T_COUNTER, help, NULL, 0);
}

/* ---- process series ---------------------------------------------------------- */

/* Resident set size in bytes, from /proc/self/statm; 0 when unreadable. */
static uint64_t s_rss_bytes(const void *arg)
{
    (void) arg;
    long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "%ld %ld", &pages_total, &pages_resident);
    fclose(f);
    return n == 2 && pages_resident > 0 ? (uint64_t) pages_resident * (uint64_t) sysconf(_SC_PAGESIZE) : 0;
}

static void s_process_series(lnob_metrics_t *self, const char *instance)
{
    char labels[256], inst[96] = "";
    if (*instance)
        snprintf(inst, sizeof inst, "instance=\"%.64s\",", instance);
    snprintf(labels, sizeof labels, "worker=\"%s\",%sversion=\"%s\"", self->worker, inst, LNOB_VERSION);
    lnob_metric_set(lnob_metrics_gauge(self, "lnob_build_info", labels, "The worker kind and lnob version (always 1)."),
                    1);
    lnob_metric_set(lnob_metrics_gauge(self, "lnob_process_start_time_seconds", "",
                                       "When the process started, unix seconds."),
                    lnob_now_ms() / 1000);
    lnob_metric_t *rss = s_made("");
    rss->fn = s_rss_bytes;
    s_link(self, rss, "lnob_process_resident_memory_bytes", T_GAUGE,
           "Resident memory of the process (read when rendered).", NULL, 0);
}

lnob_metrics_t *lnob_metrics_new(const char *worker, const char *instance)
{
    assert(worker && !strpbrk(worker, "\"\\\n"));
    if (!instance || strpbrk(instance, "\"\\\n")) /* from an option: not a label then */
        instance = "";
    lnob_metrics_t *self = lnob_calloc(1, sizeof *self);
    self->lock = lnob_calloc(1, sizeof *self->lock);
    pthread_mutex_init(self->lock, NULL);
    self->worker = lnob_strdup(worker);
    atomic_store(&self->tick_ms, lnob_mono_us() / 1000);
    s_process_series(self, instance);
    return self;
}

void lnob_metrics_destroy(lnob_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_metrics_t *self = *self_p;
    for (family_t *f = self->first, *fn; f; f = fn) {
        fn = f->next;
        for (lnob_metric_t *m = f->first, *mn; m; m = mn) {
            mn = m->next;
            free(m->labels);
            free(m->buckets);
            free(m);
        }
        free(f->name);
        free(f->help);
        free(f);
    }
    for (check_t *c = self->checks, *cn; c; c = cn) {
        cn = c->next;
        free(c);
    }
    pthread_mutex_destroy(self->lock);
    free(self->lock);
    free(self->worker);
    free(self);
    *self_p = NULL;
}

const char *lnob_metrics_worker(const lnob_metrics_t *self)
{
    return self->worker;
}

/* ---- updates ------------------------------------------------------------------- */

void lnob_metric_add(lnob_metric_t *m, uint64_t n)
{
    if (m)
        atomic_fetch_add_explicit(&m->count, n, memory_order_relaxed);
}

void lnob_metric_set(lnob_metric_t *m, int64_t value)
{
    if (m && m->family->type == T_COUNTER)
        atomic_store_explicit(&m->count, (uint64_t) value, memory_order_relaxed);
    else if (m)
        atomic_store_explicit(&m->gauge, value, memory_order_relaxed);
}

void lnob_metric_observe_us(lnob_metric_t *m, int64_t us)
{
    if (!m)
        return;
    assert(m->buckets);
    us = us < 0 ? 0 : us;
    const family_t *f = m->family;
    size_t b = 0;
    while (b < f->nbounds && (double) us > f->bounds[b] * US_PER_S)
        b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (uint64_t) us, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

static uint64_t s_counter_value(const lnob_metric_t *m)
{
    if (m->at)
        return atomic_load_explicit(m->at, memory_order_relaxed);
    if (m->fn)
        return m->fn(m->arg);
    return atomic_load_explicit(&m->count, memory_order_relaxed);
}

int64_t lnob_metric_value(const lnob_metric_t *m)
{
    if (!m)
        return 0;
    if (m->family->type == T_GAUGE)
        return m->fn ? (int64_t) m->fn(m->arg) : atomic_load_explicit(&m->gauge, memory_order_relaxed);
    return (int64_t) s_counter_value(m);
}

/* ---- liveness and readiness ------------------------------------------------ */

void lnob_metrics_tick(lnob_metrics_t *self)
{
    if (!self)
        return;
    atomic_store_explicit(&self->tick_ms, lnob_mono_us() / 1000, memory_order_relaxed);
}

int lnob_metrics_alive(const lnob_metrics_t *self, int64_t now_ms)
{
    return now_ms - atomic_load_explicit(&self->tick_ms, memory_order_relaxed) < LNOB_METRICS_STALE_MS;
}

void lnob_metrics_require(lnob_metrics_t *self, const char *check, const lnob_metric_t *gauge)
{
    assert(check && strlen(check) < CHECK_NAME_MAX && !strpbrk(check, "\"\\\n") && gauge);
    check_t *c = lnob_calloc(1, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", check);
    c->gauge = gauge;
    pthread_mutex_lock(self->lock);
    check_t **tail = &self->checks;
    while (*tail)
        tail = &(*tail)->next;
    *tail = c;
    pthread_mutex_unlock(self->lock);
}

size_t lnob_metrics_readiness(const lnob_metrics_t *self, char *json, size_t cap)
{
    char list[512] = "";
    size_t failing = 0, used = 0;
    pthread_mutex_lock(self->lock);
    for (const check_t *c = self->checks; c; c = c->next) {
        if (lnob_metric_value(c->gauge) > 0)
            continue;
        int n = snprintf(list + used, sizeof list - used, "%s\"%s\"", failing ? "," : "", c->name);
        if (n > 0 && used + (size_t) n < sizeof list)
            used += (size_t) n;
        else
            list[used] = '\0'; /* too many to name: the count still says so */
        failing++;
    }
    pthread_mutex_unlock(self->lock);
    snprintf(json, cap, "{\"ready\":%s,\"failing\":[%s]}\n", failing ? "false" : "true", list);
    return failing;
}

/* ---- rendering --------------------------------------------------------------- */

/* name{labels[,extra]} or name when both are empty. */
static void s_head(FILE *out, const char *name, const char *suffix, const char *labels, const char *extra)
{
    fprintf(out, "%s%s", name, suffix);
    if (*labels || *extra)
        fprintf(out, "{%s%s%s}", labels, *labels && *extra ? "," : "", extra);
    fputc(' ', out);
}

static void s_render_histogram(FILE *out, const family_t *f, const lnob_metric_t *m)
{
    uint64_t cumulative = 0;
    char le[64];
    for (size_t b = 0; b <= f->nbounds; b++) {
        cumulative += atomic_load_explicit(&m->buckets[b], memory_order_relaxed);
        if (b < f->nbounds)
            snprintf(le, sizeof le, "le=\"%g\"", f->bounds[b]);
        else
            snprintf(le, sizeof le, "le=\"+Inf\"");
        s_head(out, f->name, "_bucket", m->labels, le);
        fprintf(out, "%llu\n", (unsigned long long) cumulative);
    }
    s_head(out, f->name, "_sum", m->labels, "");
    fprintf(out, "%.6f\n", (double) atomic_load_explicit(&m->sum_us, memory_order_relaxed) / US_PER_S);
    s_head(out, f->name, "_count", m->labels, "");
    fprintf(out, "%llu\n", (unsigned long long) cumulative); /* the buckets' sum: consistent with them */
}

static void s_render_family(FILE *out, const family_t *f)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, s_type_names[f->type]);
    for (const lnob_metric_t *m = f->first; m; m = m->next) {
        if (f->type == T_HISTOGRAM) {
            s_render_histogram(out, f, m);
            continue;
        }
        s_head(out, f->name, "", m->labels, "");
        if (f->type == T_COUNTER)
            fprintf(out, "%llu\n", (unsigned long long) s_counter_value(m));
        else
            fprintf(out, "%lld\n", (long long) lnob_metric_value(m));
    }
}

char *lnob_metrics_render(const lnob_metrics_t *self, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    if (!out)
        abort(); /* out of memory: as lnob_malloc does */
    pthread_mutex_lock(self->lock);
    for (const family_t *f = self->first; f; f = f->next)
        s_render_family(out, f);
    pthread_mutex_unlock(self->lock);
    if (fclose(out) != 0 || !buf)
        abort();
    *len = size;
    return buf;
}

int lnob_metrics_find(const char *text, const char *sample, long long *value)
{
    size_t n = strlen(sample);
    for (const char *at = strstr(text, sample); at; at = strstr(at + 1, sample))
        if ((at == text || at[-1] == '\n') && at[n] == ' ') {
            *value = strtoll(at + n + 1, NULL, 10);
            return 1;
        }
    return 0;
}
