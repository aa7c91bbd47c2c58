/* aggregate.c - the extract barrier, k-way merge and emission (aggregate.h). */
#include "aggregate.h"

#include <assert.h>
#include <math.h>
#include <czmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/clock.h"
#include "lnob/format.h"
#include "lnob/keys.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/version.h"
#include "carry.h"
#include "registry.h"

#define KEY_MAX 256
#define IDLE_MS 50 /* how often the idle callback is called while a kind computes */

/* ---- state ---------------------------------------------------------------- */

typedef struct {
    char key[KEY_MAX];     /* extract id + "|" + run id */
    lnob_env_t **runs;     /* the runs seen, sorted by seq: memory only for what arrived */
    size_t cap_runs;
    uint32_t n_runs;       /* distinct runs seen */
    lnob_env_t *end;       /* the ExtractEnd, or NULL */
    int64_t last_ms;       /* when the last message arrived */
    lnob_extract_base_t *base; /* what its end carried from, until it is computed (carry.h) */
} extract_t;

/* A finished extract: what was sent, kept until the sink confirms. */
typedef struct {
    int stored;            /* the sink confirmed */
    int64_t done_ms;       /* when it was computed, or confirmed stored */
    uint8_t **msgs;        /* packed Quarantine parts, then the Result */
    size_t *lens;
    size_t n, cap, cap_lens;
    int64_t sent_ms;       /* last (re)delivery */
} done_t;

struct lnob_aggregate {
    lnob_aggregate_emit_fn emit;
    void *arg;
    zhashx_t *pending;     /* key -> extract_t */
    zhashx_t *finished;    /* key -> done_t */
    done_t *current;       /* the one being emitted */
    lnob_geo_t *geo;       /* municipalities and populations, for MIS extracts */
    size_t max_extracts;   /* pending extracts allowed at once */
    lnob_aggregate_idle_fn idle; /* called while a kind computes, or NULL */
    void *idle_arg;
    lnob_carry_t *carry;   /* extracts kept for the next one's carry */
    lnob_aggregate_stats_t stats;
};

static void s_outbox_clear(done_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    free(d->lens);
    d->msgs = NULL;
    d->lens = NULL;
    d->n = d->cap = d->cap_lens = 0;
}

static void s_done_free(void **item)
{
    done_t *d = *item;
    if (!d)
        return;
    s_outbox_clear(d);
    free(d);
    *item = NULL;
}

/* Packs env, keeps it for redelivery and sends it. */
static int s_send(lnob_aggregate_t *self, lnob_env_t *env)
{
    done_t *d = self->current;
    size_t len;
    uint8_t *buf = lnob_wire_pack(env, &len);
    lnob_grow((void **) &d->msgs, &d->cap, d->n + 1, sizeof *d->msgs);
    lnob_grow((void **) &d->lens, &d->cap_lens, d->n + 1, sizeof *d->lens);
    d->msgs[d->n] = buf;
    d->lens[d->n++] = len;
    d->sent_ms = lnob_now_ms();
    return self->emit(self->arg, buf, len);
}

static void s_extract_free(void **item)
{
    extract_t *e = *item;
    if (!e)
        return;
    for (size_t i = 0; i < e->n_runs; i++)
        lnob_wire_free(&e->runs[i]);
    free(e->runs);
    lnob_carry_base_free(&e->base);
    lnob_wire_free(&e->end);
    free(e);
    *item = NULL;
}

lnob_aggregate_t *lnob_aggregate_new(lnob_aggregate_emit_fn emit, void *arg)
{
    lnob_aggregate_t *self = lnob_calloc(1, sizeof *self);
    self->emit = emit;
    self->arg = arg;
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_extract_free);
    self->finished = zhashx_new();
    zhashx_set_destructor(self->finished, s_done_free);
    self->geo = lnob_geo_new();
    self->max_extracts = LNOB_AGGREGATE_MAX_EXTRACTS;
    self->carry = lnob_carry_new();
    return self;
}

void lnob_aggregate_set_max_extracts(lnob_aggregate_t *self, size_t max)
{
    self->max_extracts = max ? max : 1;
}

size_t lnob_aggregate_finished(const lnob_aggregate_t *self)
{
    return zhashx_size(self->finished);
}

void lnob_aggregate_destroy(lnob_aggregate_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy(&(*self_p)->pending);
    zhashx_destroy(&(*self_p)->finished);
    lnob_geo_destroy(&(*self_p)->geo);
    lnob_carry_destroy(&(*self_p)->carry);
    free(*self_p);
    *self_p = NULL;
}

size_t lnob_aggregate_pending(const lnob_aggregate_t *self)
{
    return zhashx_size(self->pending);
}

const lnob_aggregate_stats_t *lnob_aggregate_stats(const lnob_aggregate_t *self)
{
    return &self->stats;
}

/* ---- emission ------------------------------------------------------------- */

static int s_cmp_reject(const void *a, const void *b)
{
    const Lnob__V1__Reject *p = *(Lnob__V1__Reject *const *) a, *q = *(Lnob__V1__Reject *const *) b;
    if (p->line != q->line)
        return (p->line > q->line) - (p->line < q->line);
    uint64_t a_seq = lnob_reject_seq(p), b_seq = lnob_reject_seq(q);
    return (a_seq > b_seq) - (a_seq < b_seq);
}

/* Emits the rejects of all runs, by input line (then file and flagged
 * field: the order of their stream ids), in parts;
 * returns parts. */
static int s_emit_quarantine(lnob_aggregate_t *self, extract_t *e, uint32_t nb, uint32_t *parts)
{
    size_t n = 0, k = 0, m;
    for (uint32_t s = 0; s < nb; s++)
        n += (lnob_wire_rejects(e->runs[s], &m), m);
    Lnob__V1__Reject **all = lnob_malloc((n ? n : 1) * sizeof *all);
    for (uint32_t s = 0; s < nb; s++) {
        Lnob__V1__Reject **r = lnob_wire_rejects(e->runs[s], &m);
        for (size_t i = 0; i < m; i++)
            all[k++] = r[i];
    }
    qsort(all, n, sizeof *all, s_cmp_reject);
    *parts = (uint32_t) ((n + LNOB_QUARANTINE_PART - 1) / LNOB_QUARANTINE_PART);
    int rc = LNOB_OK;
    for (uint32_t part = 0; part < *parts && rc == LNOB_OK; part++) {
        Lnob__V1__Quarantine q = LNOB__V1__QUARANTINE__INIT;
        q.extract_id = e->end->end->extract_id;
        q.run_id = e->end->end->run_id;
        q.part = part;
        q.parts = *parts;
        q.rejects = all + (size_t) part * LNOB_QUARANTINE_PART;
        q.n_rejects = n - (size_t) part * LNOB_QUARANTINE_PART;
        if (q.n_rejects > LNOB_QUARANTINE_PART)
            q.n_rejects = LNOB_QUARANTINE_PART;
        lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
        env.body_case = LNOB__V1__ENVELOPE__BODY_QUARANTINE;
        env.quarantine = &q;
        rc = s_send(self, &env);
    }
    free(all);
    return rc;
}

static void s_fill_cells(Lnob__V1__Cell *pb, Lnob__V1__Cell **ptrs, const lnob_cell_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        lnob__v1__cell__init(&pb[i]);
        pb[i].indicator = (char *) c[i].indicator;
        pb[i].breakdown = (char *) c[i].breakdown;
        pb[i].group = (char *) c[i].group;
        pb[i].has_value = c[i].has_value;
        pb[i].value = c[i].value;
        pb[i].n = c[i].n;
        pb[i].weight = c[i].weight;
        pb[i].flag = (char *) lnob_flag_name(c[i].flag);
        pb[i].diagnostic = (char *) c[i].diagnostic;
        pb[i].suppressed = (char *) (c[i].suppressed ? c[i].suppressed : "");
        ptrs[i] = &pb[i];
    }
}

/* Sends an extract's Result: its cells and metadata, or its error. */
static int s_send_result(lnob_aggregate_t *self, const Lnob__V1__ExtractEnd *end, const lnob_meta_t *meta,
                         const lnob_cell_t *cells, size_t n_cells, uint32_t parts, const char *error)
{
    Lnob__V1__Cell *pb = lnob_malloc((n_cells ? n_cells : 1) * sizeof *pb);
    Lnob__V1__Cell **ptrs = lnob_malloc((n_cells ? n_cells : 1) * sizeof *ptrs);
    s_fill_cells(pb, ptrs, cells, n_cells);
    Lnob__V1__Result res = LNOB__V1__RESULT__INIT;
    res.extract_id = end->extract_id;
    res.run_id = end->run_id;
    res.status = *error ? "failed" : "complete";
    res.error = (char *) error;
    res.n_meta = meta->n;
    res.meta = (Lnob__V1__MetaField **) meta->ptrs;
    res.n_cells = n_cells;
    res.cells = ptrs;
    res.quarantine_parts = parts;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RESULT;
    env.result = &res;
    int rc = s_send(self, &env);
    free(pb);
    free(ptrs);
    return rc;
}

/* Every held message is of the kind the ExtractEnd announces. */
static int s_one_kind(const extract_t *e, uint32_t nb, const lnob_source_ops_t *kind)
{
    for (uint32_t s = 0; s < nb; s++)
        if ((int) e->runs[s]->body_case != kind->record_case)
            return 0;
    return 1;
}

/* A kind's computation of one extract, run in a thread of its own. */
typedef struct {
    const lnob_source_ops_t *kind;
    const lnob_extract_view_t *x;
    lnob_result_t *r;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done; /* under mu */
} job_t;

static void *s_job(void *arg)
{
    job_t *j = arg;
    lnob_log_set_extract(j->x->end->extract_id); /* json log lines carry it in this thread too */
    j->kind->compute(j->x, j->r);
    lnob_log_set_extract(NULL);
    pthread_mutex_lock(&j->mu);
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

/* Has the kind compute x into r. With an idle callback the computation
 * runs in a thread while this one calls idle first and then every IDLE_MS
 * until it is done (the worker's heartbeat: a 10 M-person extract computes
 * for seconds, longer on a busy machine, and a silent worker is taken for a
 * stuck one); its end wakes this thread at once. */
static void s_compute(lnob_aggregate_t *self, const lnob_source_ops_t *kind, const lnob_extract_view_t *x,
                      lnob_result_t *r)
{
    job_t j = {.kind = kind, .x = x, .r = r};
    pthread_t th;
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    int threaded = self->idle && pthread_create(&th, NULL, s_job, &j) == 0;
    if (!threaded)
        kind->compute(x, r);
    for (int done = !threaded; !done;) {
        self->idle(self->idle_arg);
        pthread_mutex_lock(&j.mu);
        if (!j.done) {
            struct timespec ts = lnob_deadline(IDLE_MS);
            pthread_cond_timedwait(&j.cv, &j.mu, &ts);
        }
        done = j.done;
        pthread_mutex_unlock(&j.mu);
    }
    if (threaded)
        pthread_join(th, NULL);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
}

void lnob_aggregate_set_idle(lnob_aggregate_t *self, lnob_aggregate_idle_fn idle, void *arg)
{
    self->idle = idle;
    self->idle_arg = arg;
}

/* Sends the extract's quarantine, then has its kind compute its cells and
 * metadata (source.h), and sends them as its Result; *keep is the kind's
 * state of it (lnob_result_t.keep). */
static int s_complete(lnob_aggregate_t *self, extract_t *e, const lnob_source_ops_t *kind, void **keep)
{
    const Lnob__V1__ExtractEnd *end = e->end->end;
    uint32_t parts = 0;
    int64_t started = lnob_mono_us();
    int rc = s_emit_quarantine(self, e, end->batch_count, &parts);
    lnob_result_t *r = lnob_calloc(1, sizeof *r);
    lnob_extract_view_t x = {end, e->runs, end->batch_count, parts, self->geo, started, e->base};
    s_compute(self, kind, &x, r);
    lnob_carry_base_free(&e->base);
    *keep = r->keep;
    if (rc == LNOB_OK)
        rc = s_send_result(self, end, &r->meta, r->cells, r->n_cells, parts, r->error);
    free(r->cells);
    free(r);
    self->stats.completed++;
    return rc;
}


static int s_fail(lnob_aggregate_t *self, const Lnob__V1__ExtractFailed *f)
{
    char error[LNOB_ERRSTR_MAX * 2];
    snprintf(error, sizeof error, "%s: %s", f->reason, f->detail);
    lnob_meta_t meta = {0};
    lnob_meta_add(&meta, "status", "failed");
    lnob_meta_add(&meta, "source", f->source);
    lnob_meta_add(&meta, "checksum", f->checksum);
    lnob_meta_add(&meta, "period", f->period);
    lnob_meta_add(&meta, "run_id", f->run_id);
    lnob_meta_add(&meta, "channel", *f->channel ? f->channel : LNOB_CHANNEL_DEFAULT);
    lnob_meta_add(&meta, "error", error);
    if (*f->inputs)
        lnob_meta_add(&meta, "inputs", f->inputs);
    lnob_meta_u(&meta, "computed_ms", (unsigned long long) lnob_now_ms());
    lnob_meta_add(&meta, "code_version", LNOB_VERSION);
    Lnob__V1__Result res = LNOB__V1__RESULT__INIT;
    res.extract_id = f->extract_id;
    res.run_id = f->run_id;
    res.status = "failed";
    res.error = error;
    res.n_meta = meta.n;
    res.meta = meta.ptrs;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RESULT;
    env.result = &res;
    lnob_warn("extract %s failed: %s", f->extract_id, error);
    self->stats.failed++;
    return s_send(self, &env);
}

/* An extract whose batches are not all of the kind its end announces, or
 * whose end names no kind this aggregator knows (a bad peer, or a newer
 * ingester): it fails, nothing of it is published. */
static int s_fail_kinds(lnob_aggregate_t *self, extract_t *e, const lnob_source_ops_t *kind)
{
    Lnob__V1__ExtractFailed f = LNOB__V1__EXTRACT_FAILED__INIT;
    const Lnob__V1__ExtractEnd *end = e->end->end;
    f.extract_id = end->extract_id;
    f.run_id = end->run_id;
    f.source = end->source;
    f.reason = kind ? "MIXED_KINDS" : "UNKNOWN_KIND";
    f.detail = kind ? "the extract's batches are not all of the kind its end announces"
                    : "the extract's end names a source kind this aggregator does not know";
    f.checksum = end->checksum;
    f.period = end->period;
    f.inputs = end->inputs;
    f.channel = end->channel;
    return s_fail(self, &f);
}


/* ---- intake --------------------------------------------------------------- */

static void s_prune(lnob_aggregate_t *self, int64_t now_ms);

/* Starts the finished record that s_send fills (the table pruned first, so
 * that a flood of short extracts cannot grow it between two ticks). */
static void s_begin_done(lnob_aggregate_t *self, const char *key)
{
    s_prune(self, lnob_now_ms());
    done_t *d = lnob_calloc(1, sizeof *d);
    d->done_ms = lnob_now_ms();
    zhashx_insert(self->finished, key, d);
    self->current = d;
}

static void s_key(char *key, const char *extract_id, const char *run_id)
{
    snprintf(key, KEY_MAX, "%s|%s", extract_id, run_id);
}

/* The pending extract of key, started if there is room (else NULL). */
static extract_t *s_extract(lnob_aggregate_t *self, const char *key)
{
    extract_t *e = zhashx_lookup(self->pending, key);
    if (!e && zhashx_size(self->pending) >= self->max_extracts) {
        self->stats.refused++;
        lnob_log_once(LNOB_LOG_ERROR, "%zu extracts are being collected, the most allowed "
                      "(--max-extracts); a message of another (%s) is dropped until one finishes",
                      zhashx_size(self->pending), key);
        return NULL;
    }
    if (!e) {
        e = lnob_calloc(1, sizeof *e);
        snprintf(e->key, sizeof e->key, "%s", key);
        zhashx_insert(self->pending, key, e);
    }
    e->last_ms = lnob_now_ms();
    return e;
}

/* Where a run of seq goes in the sorted runs (after the last, mostly). */
static size_t s_slot(const extract_t *e, uint32_t seq)
{
    size_t lo = 0, hi = e->n_runs;
    if (hi && lnob_wire_seq(e->runs[hi - 1]) < seq)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lnob_wire_seq(e->runs[mid]) < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Keeps a run in seq order. What a run costs is what arrived: never the
 * room its seq declares (a 42-byte Run with seq 16777215 once took 128 MB). */
static int s_take_run(lnob_aggregate_t *self, extract_t *e, lnob_env_t **env_p)
{
    uint32_t seq = lnob_wire_seq(*env_p);
    if (seq >= LNOB_AGGREGATE_MAX_BATCHES)
        return LNOB_DROP;
    size_t at = s_slot(e, seq);
    if (at < e->n_runs && lnob_wire_seq(e->runs[at]) == seq) {
        self->stats.duplicates++;
        return LNOB_DROP;
    }
    lnob_grow((void **) &e->runs, &e->cap_runs, (size_t) e->n_runs + 1, sizeof *e->runs);
    memmove(e->runs + at + 1, e->runs + at, (e->n_runs - at) * sizeof *e->runs);
    e->runs[at] = *env_p;
    e->n_runs++;
    *env_p = NULL;
    return LNOB_OK;
}

typedef struct {
    lnob_aggregate_t *self;
    extract_t *e;
} carry_to_t;

static int s_put_carried(void *arg, lnob_env_t *env)
{
    carry_to_t *to = arg;
    if (s_take_run(to->self, to->e, &env) == LNOB_OK)
        return LNOB_OK;
    lnob_wire_free(&env); /* the batch itself came first */
    return LNOB_DROP;
}

/* The batches an end carries from its base, taken from the kept ones
 * (carry.h); those not held come by the ingester's redelivery. */
static void s_take_carried(lnob_aggregate_t *self, extract_t *e)
{
    const Lnob__V1__ExtractEnd *end = e->end->end;
    carry_to_t to = {self, e};
    uint32_t missing;
    uint32_t taken = lnob_carry_take(self->carry, end, lnob_source_named(end->kind), s_put_carried, &to, &missing,
                                     &e->base);
    self->stats.carried += taken;
    self->stats.not_carried += missing;
    if (missing)
        lnob_info("extract %s: %u batches carried from %s, %u not held here: they come by redelivery",
                  end->extract_id, taken, end->base_extract_id, missing);
    else
        lnob_info("extract %s: %u batches carried from %s", end->extract_id, taken, end->base_extract_id);
}

static int s_take_end(lnob_aggregate_t *self, extract_t *e, lnob_env_t **env_p)
{
    if (e->end) {
        self->stats.duplicates++;
        return LNOB_DROP;
    }
    e->end = *env_p;
    *env_p = NULL;
    if (e->end->end->n_carry)
        s_take_carried(self, e);
    return LNOB_OK;
}

/* An extract whose end asks it: its batches kept for the next one's carry,
 * with the kind's state of it (else that is freed). */
static void s_keep(lnob_aggregate_t *self, extract_t *e, const lnob_source_ops_t *kind, void *state)
{
    const Lnob__V1__ExtractEnd *end = e->end->end;
    if (!end->retain || !kind || !kind->carry) {
        if (state)
            kind->keep_free(state);
        return;
    }
    lnob_carry_keep(self->carry, end->extract_id, end->run_id, e->runs, e->n_runs, kind, state);
    e->runs = NULL;
    e->n_runs = 0;
    e->cap_runs = 0;
}

static int s_maybe_complete(lnob_aggregate_t *self, extract_t *e)
{
    if (!e->end || e->n_runs < e->end->end->batch_count)
        return LNOB_OK;
    for (uint32_t s = 0; s < e->end->end->batch_count; s++)
        if (lnob_wire_seq(e->runs[s]) != s)
            return LNOB_OK; /* a seq beyond batch_count filled the count */
    char key[KEY_MAX];
    snprintf(key, sizeof key, "%s", e->key);
    s_begin_done(self, key);
    int64_t t0 = lnob_mono_us();
    const lnob_source_ops_t *kind = lnob_source_named(e->end->end->kind);
    int one_kind = kind && s_one_kind(e, e->end->end->batch_count, kind);
    void *state = NULL;
    int rc = one_kind ? s_complete(self, e, kind, &state) : s_fail_kinds(self, e, kind);
    if (one_kind && e->n_runs == e->end->end->batch_count)
        s_keep(self, e, kind, state);
    else if (state)
        kind->keep_free(state);
    self->stats.last_us = lnob_mono_us() - t0;
    zhashx_delete(self->pending, key);
    return rc;
}

int lnob_aggregate_take(lnob_aggregate_t *self, lnob_env_t **env_p)
{
    lnob_env_t *env = *env_p;
    char key[KEY_MAX];
    int rc = LNOB_DROP;
    if (lnob_source_of_record((int) env->body_case))
        s_key(key, lnob_wire_extract_id(env), lnob_wire_run_id(env));
    else if (env->body_case == LNOB__V1__ENVELOPE__BODY_END)
        s_key(key, env->end->extract_id, env->end->run_id);
    else if (env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED)
        s_key(key, env->failed->extract_id, env->failed->run_id);
    else {
        lnob_wire_free(env_p);
        return LNOB_DROP;
    }
    if (zhashx_lookup(self->finished, key)) {
        self->stats.late++;
        lnob_wire_free(env_p);
        return LNOB_DROP;
    }
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED) {
        s_begin_done(self, key);
        rc = s_fail(self, env->failed);
        zhashx_delete(self->pending, key);
        lnob_wire_free(env_p);
        return rc;
    }
    extract_t *e = s_extract(self, key);
    if (!e || (env->body_case == LNOB__V1__ENVELOPE__BODY_END &&
               env->end->batch_count > LNOB_AGGREGATE_MAX_BATCHES)) {
        lnob_wire_free(env_p);
        return LNOB_DROP;
    }
    rc = env->body_case == LNOB__V1__ENVELOPE__BODY_END ? s_take_end(self, e, env_p)
                                                      : s_take_run(self, e, env_p);
    lnob_wire_free(env_p); /* no-op when taken */
    if (rc != LNOB_OK)
        return rc;
    return s_maybe_complete(self, e);
}

/* ---- acknowledgements ------------------------------------------------------ */

int lnob_aggregate_stored(lnob_aggregate_t *self, const char *extract_id, const char *run_id)
{
    char key[KEY_MAX];
    s_key(key, extract_id, run_id);
    done_t *d = zhashx_lookup(self->finished, key);
    if (!d)
        return LNOB_DROP;
    if (!d->stored) {
        lnob_debug("extract %s confirmed stored", extract_id);
        self->stats.confirmed++;
        d->done_ms = lnob_now_ms();
    }
    d->stored = 1;
    s_outbox_clear(d);
    return LNOB_OK;
}

void lnob_aggregate_progress(const lnob_aggregate_t *self, const char *extract_id,
                             const char *run_id, lnob_aggregate_progress_t *out)
{
    char key[KEY_MAX];
    s_key(key, extract_id, run_id);
    out->state = LNOB__V1__PROGRESS__STATE__UNKNOWN;
    out->end_seen = 0;
    out->n_have = 0;
    done_t *d = zhashx_lookup(self->finished, key);
    if (d) {
        out->state = d->stored ? LNOB__V1__PROGRESS__STATE__STORED : LNOB__V1__PROGRESS__STATE__COMPUTED;
        out->end_seen = 1;
        return;
    }
    const extract_t *e = zhashx_lookup(self->pending, key);
    if (!e)
        return;
    out->state = LNOB__V1__PROGRESS__STATE__COLLECTING;
    out->end_seen = e->end != NULL;
    lnob_grow((void **) &out->have, &out->cap_have, e->n_runs ? e->n_runs : 1, sizeof *out->have);
    for (size_t s = 0; s < e->n_runs; s++)
        out->have[out->n_have++] = lnob_wire_seq(e->runs[s]);
}

/* The key of the oldest confirmed extract, or of any confirmed longer
 * ago than the TTL; NULL when none may go. */
static const char *s_prunable(lnob_aggregate_t *self, int64_t now_ms)
{
    const char *oldest = NULL;
    int64_t oldest_ms = INT64_MAX;
    int full = zhashx_size(self->finished) > LNOB_AGGREGATE_FINISHED_MAX;
    for (done_t *d = zhashx_first(self->finished); d; d = zhashx_next(self->finished)) {
        if (!d->stored)
            continue;
        if (now_ms - d->done_ms > LNOB_AGGREGATE_FINISHED_TTL_MS)
            return zhashx_cursor(self->finished);
        if (full && d->done_ms < oldest_ms) {
            oldest_ms = d->done_ms;
            oldest = zhashx_cursor(self->finished);
        }
    }
    return oldest;
}

/* Forgets confirmed extracts past the TTL or the size bound. */
static void s_prune(lnob_aggregate_t *self, int64_t now_ms)
{
    char key[KEY_MAX];
    for (const char *k; (k = s_prunable(self, now_ms));) {
        snprintf(key, sizeof key, "%s", k);
        zhashx_delete(self->finished, key);
        self->stats.forgotten++;
    }
}

/* Names the extract of a key ("extract_id|run_id") for the log lines
 * about it. */
static void s_log_extract(const char *key)
{
    char id[KEY_MAX];
    snprintf(id, sizeof id, "%.*s", (int) strcspn(key, "|"), key);
    lnob_log_set_extract(id);
}

int lnob_aggregate_tick(lnob_aggregate_t *self, int64_t now_ms)
{
    s_prune(self, now_ms);
    for (done_t *d = zhashx_first(self->finished); d; d = zhashx_next(self->finished)) {
        if (d->stored || now_ms - d->sent_ms < LNOB_AGGREGATE_RESEND_MS)
            continue;
        s_log_extract(zhashx_cursor(self->finished));
        lnob_info("extract %s: no confirmation from the sink; sending its result again",
                  (const char *) zhashx_cursor(self->finished));
        lnob_log_set_extract(NULL);
        d->sent_ms = now_ms;
        for (size_t i = 0; i < d->n; i++) {
            int rc = self->emit(self->arg, d->msgs[i], d->lens[i]);
            if (rc != LNOB_OK)
                return rc;
        }
    }
    for (extract_t *e = zhashx_first(self->pending); e; e = zhashx_next(self->pending))
        if (now_ms - e->last_ms > LNOB_AGGREGATE_IDLE_MS) {
            s_log_extract(e->key);
            lnob_warn("extract %s: abandoned after %d min without a message",
                      e->key, LNOB_AGGREGATE_IDLE_MS / 60000);
            lnob_log_set_extract(NULL);
            zhashx_delete(self->pending, e->key); /* safe: the loop ends here */
            break;
        }
    return LNOB_OK;
}
