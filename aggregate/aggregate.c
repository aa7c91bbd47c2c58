/* aggregate.c - the extract barrier, k-way merge and emission (aggregate.h). */
#include "aggregate.h"

#include <assert.h>
#include <math.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "household.h"
#include "lnob/clock.h"
#include "lnob/format.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/pair.h"
#include "lnob/version.h"
#include "mis_records.h"

#define KEY_MAX 256
#define META_MAX 48
#define REASONS_MAX 32  /* distinct reject reasons counted in the metadata */

/* ---- state ---------------------------------------------------------------- */

typedef struct {
    char key[KEY_MAX];     /* extract id + "|" + run id */
    lnob_env_t **runs;     /* the runs seen, sorted by seq: memory only for what arrived */
    size_t cap_runs;
    uint32_t n_runs;       /* distinct runs seen */
    lnob_env_t *end;       /* the ExtractEnd, or NULL */
    int64_t last_ms;       /* when the last message arrived */
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

/* ---- merging -------------------------------------------------------------- */

/* Maps each run's dictionary indexes to extract-wide ones. */
typedef struct {
    zhashx_t *index;       /* name -> global index + 1 */
    const char **names;    /* global names; entry 0 "" */
    size_t n, cap;
} dict_t;

static uint32_t s_dict_add(dict_t *d, const char *name)
{
    if (!*name)
        return 0;
    void *hit = zhashx_lookup(d->index, name);
    if (hit)
        return (uint32_t) ((uintptr_t) hit - 1);
    lnob_grow((void **) &d->names, &d->cap, d->n + 1, sizeof *d->names);
    d->names[d->n] = lnob_strdup(name); /* owned: the runs go before the cells are made */
    zhashx_insert(d->index, name, (void *) (uintptr_t) (d->n + 1));
    return (uint32_t) d->n++;
}

static uint32_t *s_dict_map(dict_t *d, char **names, size_t n)
{
    uint32_t *map = lnob_malloc((n ? n : 1) * sizeof *map);
    for (size_t i = 0; i < n; i++)
        map[i] = s_dict_add(d, names[i]);
    return map;
}

static void s_dict_free(dict_t *d)
{
    for (size_t i = 1; i < d->n; i++)
        free((char *) d->names[i]);
    free(d->names);
    zhashx_destroy(&d->index);
}

static void s_dict_init(dict_t *d)
{
    memset(d, 0, sizeof *d);
    d->index = zhashx_new();
    lnob_grow((void **) &d->names, &d->cap, 1, sizeof *d->names);
    d->names[0] = ""; /* slot 0 means "missing" */
    d->n = 1;
}

typedef struct {
    const Lnob__V1__Run *run;
    size_t pos;
} cursor_t;

static int s_less(const cursor_t *a, const cursor_t *b)
{
    double xa = a->run->x[a->pos], xb = b->run->x[b->pos];
    if (isnan(xa) != isnan(xb))
        return isnan(xb); /* income missing: last */
    if (xa != xb && !isnan(xa))
        return xa < xb;
    int64_t pa = a->run->person_id[a->pos], pb = b->run->person_id[b->pos];
    if (pa != pb)
        return pa < pb;
    return a->run->line[a->pos] < b->run->line[b->pos];
}

static void s_sift_down(cursor_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && s_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && s_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        cursor_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* ---- work intensity, once the national hours table is known -------------- */

/* LWI statuses of one run's persons (2 int8 per person: 2021, 2020). */
typedef struct {
    int8_t *lwi, *lwi2020;
} lwi_t;

/* A run row's place in household order. */
typedef struct {
    int64_t hh, pid;
    size_t i;
} hh_key_t;

static int s_cmp_household(const void *a, const void *b)
{
    const hh_key_t *p = a, *q = b;
    if (p->hh != q->hh)
        return p->hh < q->hh ? -1 : 1;
    return (p->pid > q->pid) - (p->pid < q->pid);
}

/* Households are whole inside a run: group its persons by household. */
static void s_run_lwi(const Lnob__V1__Run *r, const lnob_pt_table_t *t, const lnob_hh_cfg_t *cfg,
                      lwi_t *out)
{
    size_t n = r->record_count, cap = n ? n : 1;
    out->lwi = lnob_malloc(cap * 2);
    out->lwi2020 = out->lwi + cap;
    hh_key_t *key = lnob_malloc(cap * sizeof *key);
    lnob_wi_t *wi = lnob_malloc(cap * sizeof *wi);
    int *age = lnob_malloc(cap * sizeof *age);
    int8_t *a = lnob_malloc(cap * 2), *b = a + cap;
    if (r->n_hh_order == n) /* the transformer's batch order: households together already */
        for (size_t k = 0; k < n; k++)
            key[k] = (hh_key_t){r->household_id[r->hh_order[k]], r->person_id[r->hh_order[k]],
                                r->hh_order[k]};
    else {
        for (size_t i = 0; i < n; i++)
            key[i] = (hh_key_t){r->household_id[i], r->person_id[i], i};
        qsort(key, n, sizeof *key, s_cmp_household);
    }
    for (size_t from = 0, to; from < n; from = to) {
        for (to = from + 1; to < n && key[to].hh == key[from].hh; to++)
            ;
        for (size_t k = from; k < to; k++) {
            size_t i = key[k].i;
            wi[k - from] = (lnob_wi_t){(uint8_t) (r->wi_elig[i] & 1), (uint8_t) (r->wi_elig[i] >> 1 & 1),
                                       (uint8_t) r->imp_cell[i], r->mw[i], r->pt_imp[i]};
            age[k - from] = r->age_irp[i];
        }
        lnob_hh_lwi(wi, age, to - from, t, cfg, a, b);
        for (size_t k = from; k < to; k++) {
            out->lwi[key[k].i] = a[k - from];
            out->lwi2020[key[k].i] = b[k - from];
        }
    }
    free(a);
    free(age);
    free(wi);
    free(key);
}

/* The LWI statuses of runs [from, to). */
typedef struct {
    extract_t *e;
    uint32_t from, to;
    const lnob_pt_table_t *table;
    const lnob_hh_cfg_t *cfg;
    lwi_t *out;
} lwi_share_t;

static void *s_lwi_share(void *arg)
{
    lwi_share_t *sh = arg;
    for (uint32_t s = sh->from; s < sh->to; s++)
        s_run_lwi(sh->e->runs[s]->run, sh->table, sh->cfg, &sh->out[s]);
    return NULL;
}

/* The LWI statuses of every run, half of the runs in a second thread (the
 * aggregator's other core is idle once the extract is complete). */
static void s_lwi_all(extract_t *e, uint32_t nb, const lnob_pt_table_t *table,
                      const lnob_hh_cfg_t *cfg, lwi_t *out)
{
    lwi_share_t sh[2] = {{e, 0, nb / 2, table, cfg, out}, {e, nb / 2, nb, table, cfg, out}};
    lnob_pair_run(s_lwi_share, &sh[0], &sh[1]);
}

/* What the runs have in common (Run.have) and the national hours table. */
static uint32_t s_have(extract_t *e, uint32_t nb, lnob_pt_table_t *t)
{
    uint32_t have = ~0u;
    int any = 0;
    for (uint32_t s = 0; s < nb; s++) {
        const Lnob__V1__Run *r = e->runs[s]->run;
        if (!r->record_count)
            continue;
        any = 1;
        have &= r->have;
        if (r->have & LNOB_HAVE_HOUSEHOLD) {
            lnob_pt_table_t part;
            memcpy(part.wh, r->pt_wh, sizeof part.wh);
            memcpy(part.w, r->pt_w, sizeof part.w);
            lnob_pt_table_merge(t, &part);
        }
    }
    return any ? have : 0;
}

/* A person's breakdown codes and household statuses from row i of r
 * (ranges checked by the wire codec); have is what every run carries. */
static void s_person_codes(lnob_person_t *p, const Lnob__V1__Run *r, size_t i, uint32_t have)
{
    p->sex = (uint8_t) r->sex[i];
    p->age_group = (uint8_t) r->age_group[i];
    p->age_b = (uint8_t) r->age_b[i];
    if (have & LNOB_HAVE_GALI)
        p->gali = (uint8_t) r->gali[i];
    if (have & LNOB_HAVE_DEGURBA)
        p->degurba = (uint8_t) r->degurba[i];
    if (have & LNOB_HAVE_HOUSEHOLD) {
        p->hhtype = (uint8_t) r->hhtype[i];
        p->lack13 = (uint8_t) r->lack13[i];
        p->item_missing = (uint8_t) r->item_missing[i];
        p->lack9 = (int8_t) r->lack9[i];
    }
}

/* Merges the sorted runs into persons, remapping dictionary codes. */
static lnob_person_t *s_merge(extract_t *e, uint32_t nb, dict_t *regions, dict_t *muns,
                              uint32_t have, const lnob_pt_table_t *table,
                              const lnob_hh_cfg_t *cfg, size_t *n_out)
{
    lwi_t *lwi = lnob_calloc(nb ? nb : 1, sizeof *lwi);
    if (have & LNOB_HAVE_WI)
        s_lwi_all(e, nb, table, cfg, lwi);
    size_t total = 0, nh = 0;
    uint32_t **rmap = lnob_calloc(nb, sizeof *rmap), **mmap_ = lnob_calloc(nb, sizeof *mmap_);
    cursor_t *heap = lnob_malloc(nb * sizeof *heap);
    for (uint32_t s = 0; s < nb; s++) {
        const Lnob__V1__Run *r = e->runs[s]->run;
        total += r->record_count;
        rmap[s] = s_dict_map(regions, r->region_dict, r->n_region_dict);
        mmap_[s] = s_dict_map(muns, r->municipality_dict, r->n_municipality_dict);
        if (r->record_count)
            heap[nh++] = (cursor_t){r, 0};
    }
    for (size_t i = nh; i-- > 0;)
        s_sift_down(heap, nh, i);
    lnob_person_t *p = lnob_malloc((total ? total : 1) * sizeof *p);
    for (size_t k = 0; k < total; k++) {
        const Lnob__V1__Run *r = heap[0].run;
        size_t i = heap[0].pos;
        uint32_t s = r->seq;
        p[k] = (lnob_person_t){.x = r->x[i], .w = r->weight[i], .region = rmap[s][r->region[i]],
                               .mun = mmap_[s][r->municipality[i]], .lwi = -1, .lwi2020 = -1};
        s_person_codes(&p[k], r, i, have);
        if (have & LNOB_HAVE_WI) {
            p[k].lwi = lwi[s].lwi[i];
            p[k].lwi2020 = lwi[s].lwi2020[i];
        }
        if (++heap[0].pos == r->record_count)
            heap[0] = heap[--nh];
        s_sift_down(heap, nh, 0);
    }
    for (uint32_t s = 0; s < nb; s++) {
        free(rmap[s]);
        free(mmap_[s]);
        free(lwi[s].lwi);
    }
    free(lwi);
    free(rmap);
    free(mmap_);
    free(heap);
    *n_out = total;
    return p;
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

/* The rejects a run or an MIS batch carries. */
static Lnob__V1__Reject **s_rejects(const lnob_env_t *env, size_t *n)
{
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_MIS) {
        *n = env->mis->n_rejects;
        return env->mis->rejects;
    }
    *n = env->run->n_rejects;
    return env->run->rejects;
}

/* Emits the rejects of all runs, by input line (then file and flagged
 * field: the order of their stream ids), in parts;
 * returns parts. */
static int s_emit_quarantine(lnob_aggregate_t *self, extract_t *e, uint32_t nb, uint32_t *parts)
{
    size_t n = 0, k = 0, m;
    for (uint32_t s = 0; s < nb; s++)
        n += (s_rejects(e->runs[s], &m), m);
    Lnob__V1__Reject **all = lnob_malloc((n ? n : 1) * sizeof *all);
    for (uint32_t s = 0; s < nb; s++) {
        Lnob__V1__Reject **r = s_rejects(e->runs[s], &m);
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

typedef struct {
    Lnob__V1__MetaField fields[META_MAX];
    Lnob__V1__MetaField *ptrs[META_MAX];
    char values[META_MAX][64];
    size_t n;
} meta_t;

static void s_meta(meta_t *m, const char *key, const char *value)
{
    assert(m->n < META_MAX);
    Lnob__V1__MetaField *f = &m->fields[m->n];
    lnob__v1__meta_field__init(f);
    f->key = (char *) key;
    f->value = (char *) value;
    m->ptrs[m->n++] = f;
}

static void s_meta_u(meta_t *m, const char *key, unsigned long long v)
{
    snprintf(m->values[m->n], sizeof m->values[0], "%llu", v);
    s_meta(m, key, m->values[m->n]);
}

/* Counters summed over the runs. */
typedef struct {
    uint64_t rows_read, quarantined, flagged, fields_flagged, out_of_scope, income_missing;
    uint64_t zero_weight, records;
    uint64_t hx090_disagree;
    int64_t transform_us;
    char by_reason[REASONS_MAX * 32]; /* "BAD_CODE=3 ORPHAN_PERSON=1", by name: rows quarantined whole */
    char flags_by_reason[REASONS_MAX * 32]; /* flagged fields of rows kept, the same way */
} totals_t;

/* Rows quarantined whole and rows kept with flagged fields (each of those
 * has its fields' rejects together, the first one kept = 1). */
static void s_count_rows(const Lnob__V1__Reject *const *rj, size_t n, totals_t *t)
{
    for (size_t i = 0; i < n; i++) {
        t->quarantined += rj[i]->kept == 0;
        t->flagged += rj[i]->kept == 1;
        t->fields_flagged += rj[i]->kept != 0;
    }
}

/* Counts the rejects of every run by reason: those of rows quarantined
 * whole (kept 0), or the flagged fields of rows kept (kept >= 1). */
static void s_count_reasons(const extract_t *e, uint32_t nb, int kept, char *out, size_t cap)
{
    const char *reason[REASONS_MAX];
    uint64_t count[REASONS_MAX];
    size_t n = 0, len = 0;
    for (uint32_t s = 0; s < nb; s++) {
        size_t m;
        Lnob__V1__Reject **rj = s_rejects(e->runs[s], &m);
        for (size_t i = 0; i < m; i++) {
            if ((rj[i]->kept != 0) != kept)
                continue;
            const char *r = rj[i]->reason;
            size_t k = 0;
            while (k < n && strcmp(reason[k], r) != 0)
                k++;
            if (k == n && n == REASONS_MAX)
                continue;
            if (k == n)
                reason[n] = r, count[n++] = 0;
            count[k]++;
        }
    }
    for (size_t k = 1; k < n; k++) /* by name, so the text does not depend on batching */
        for (size_t j = k; j > 0 && strcmp(reason[j - 1], reason[j]) > 0; j--) {
            const char *r = reason[j];
            uint64_t c = count[j];
            reason[j] = reason[j - 1], count[j] = count[j - 1];
            reason[j - 1] = r, count[j - 1] = c;
        }
    out[0] = '\0';
    for (size_t k = 0; k < n && len < cap; k++)
        len += (size_t) snprintf(out + len, cap - len, "%s%s=%llu", k ? " " : "", reason[k],
                                 (unsigned long long) count[k]);
}

static totals_t s_totals(const extract_t *e, uint32_t nb)
{
    totals_t t = {0};
    for (uint32_t s = 0; s < nb; s++) {
        const Lnob__V1__Run *r = e->runs[s]->run;
        t.rows_read += r->rows_read;
        s_count_rows((const Lnob__V1__Reject *const *) r->rejects, r->n_rejects, &t);
        t.out_of_scope += r->out_of_scope;
        t.income_missing += r->income_missing;
        t.zero_weight += r->zero_weight;
        t.hx090_disagree += r->hx090_disagree;
        t.records += r->record_count;
        t.transform_us += r->transform_us;
    }
    s_count_reasons(e, nb, 0, t.by_reason, sizeof t.by_reason);
    s_count_reasons(e, nb, 1, t.flags_by_reason, sizeof t.flags_by_reason);
    return t;
}

/* The metadata every extract has: status, provenance, row counts, versions. */
static void s_meta_common(meta_t *m, const Lnob__V1__ExtractEnd *end, uint64_t rows_read,
                          uint64_t quarantined, const char *by_reason, uint32_t parts,
                          const char *error)
{
    s_meta(m, "status", *error ? "failed" : "complete");
    if (*error)
        s_meta(m, "error", error);
    s_meta(m, "source", end->source);
    s_meta(m, "checksum", end->checksum);
    s_meta(m, "period", end->period);
    s_meta(m, "run_id", end->run_id);
    if (*end->inputs)
        s_meta(m, "inputs", end->inputs);
    s_meta_u(m, "rows_read", rows_read);
    s_meta_u(m, "rows_accepted", rows_read - quarantined);
    s_meta_u(m, "rows_quarantined", quarantined);
    s_meta(m, "rejects_by_reason", by_reason);
    s_meta_u(m, "quarantine_parts", parts);
    s_meta_u(m, "computed_ms", (unsigned long long) lnob_now_ms());
    s_meta(m, "code_version", LNOB_VERSION);
    s_meta(m, "ingest_code_version", end->code_version);
    s_meta(m, "schema_version", "1");
    s_meta(m, "header", end->header);
    if (*end->headers)
        s_meta(m, "headers", end->headers);
}

static void s_fill_meta(meta_t *m, const Lnob__V1__ExtractEnd *end, const totals_t *t,
                        uint32_t parts, int64_t compute_us, const char *error)
{
    s_meta_common(m, end, t->rows_read, t->quarantined, t->by_reason, parts, error);
    s_meta_u(m, "bytes", end->bytes);
    s_meta_u(m, "batches", end->batch_count);
    s_meta_u(m, "rows_out_of_scope", t->out_of_scope);
    s_meta_u(m, "rows_flagged", t->flagged);
    s_meta_u(m, "fields_flagged", t->fields_flagged);
    s_meta(m, "flags_by_reason", t->flags_by_reason);
    s_meta_u(m, "persons_income_missing", t->income_missing);
    s_meta_u(m, "persons_zero_weight", t->zero_weight);
    s_meta_u(m, "persons_hx090_disagree", t->hx090_disagree);
    s_meta_u(m, "persons_in_population", t->records);
    s_meta_u(m, "ingest_started_ms", (unsigned long long) end->started_ms);
    s_meta_u(m, "ingest_finished_ms", (unsigned long long) end->finished_ms);
    s_meta_u(m, "transform_cpu_ms", (unsigned long long) (t->transform_us / 1000));
    s_meta_u(m, "aggregate_ms", (unsigned long long) (compute_us / 1000));
    if (*end->notes)
        s_meta(m, "notes", end->notes);
    if (*end->inputs)
        s_meta(m, "join", end->join);
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
        pb[i].flag = (char *) lnob_ind_flag_name(c[i].flag);
        pb[i].diagnostic = (char *) c[i].diagnostic;
        ptrs[i] = &pb[i];
    }
}

/* Where the setting that differs between two settings texts starts
 * (past the end of the shorter one when it is the other's beginning). */
static size_t s_differ_at(const char *a, const char *b)
{
    size_t i = 0, word = 0;
    for (; a[i] && a[i] == b[i]; i++)
        if (a[i] == ' ')
            word = i + 1;
    if ((!a[i] && b[i] == ' ') || (!b[i] && a[i] == ' '))
        word = i + 1; /* one has a setting more */
    return word;
}

/* The setting of text at offset at, or "(none)" past its end. */
static const char *s_setting_at(const char *text, size_t at, int *len)
{
    if (at > strlen(text))
        return *len = 6, "(none)";
    *len = (int) strcspn(text + at, " ");
    return text + at;
}

/* The household settings the transformers used (Run.settings): the same
 * in every run with statuses, else the extract cannot be trusted. Writes
 * them to text ("" when no run has statuses); returns 0, or -1 with error. */
static int s_settings(const extract_t *e, uint32_t nb, lnob_hh_cfg_t *cfg, char *text,
                      char *error, size_t cap)
{
    char why[LNOB_ERRSTR_MAX];
    *cfg = lnob_hh_defaults;
    text[0] = '\0';
    for (uint32_t s = 0; s < nb; s++) {
        const char *mine = e->runs[s]->run->settings;
        if (!*mine)
            continue;
        if (!*text)
            snprintf(text, LNOB_HH_SETTINGS_MAX, "%s", mine);
        else if (strcmp(text, mine) != 0) {
            size_t at = s_differ_at(text, mine);
            int la, lb;
            const char *sa = s_setting_at(text, at, &la), *sb = s_setting_at(mine, at, &lb);
            snprintf(error, cap, "SETTINGS_MISMATCH: transformers ran with different settings: "
                                 "'%.*s' and '%.*s'", la, sa, lb, sb);
            return -1;
        }
    }
    if (lnob_hh_cfg_parse(text, cfg, why, sizeof why) == 0)
        return 0;
    snprintf(error, cap, "BAD_SETTINGS: %.200s", why);
    return -1;
}

/* The reject ceiling the ingester sent (--max-reject-share): when more of
 * the rows read were quarantined, error says so with the counts (unless it
 * holds an error already) and 1 is returned: the extract is failed, its
 * quarantine stored, none of its cells published. */
static int s_over_ceiling(const Lnob__V1__ExtractEnd *end, uint64_t rows_read, uint64_t quarantined,
                          char *error, size_t cap)
{
    if (!end->has_max_reject || *error || rows_read == 0)
        return 0;
    double pct = 100.0 * (double) quarantined / (double) rows_read;
    if (pct <= end->max_reject_pct)
        return 0;
    snprintf(error, cap,
             "TOO_MANY_REJECTS: %llu of %llu rows read were quarantined (%.2f %%), above "
             "--max-reject-share %g %%; no cell is published, the quarantine is stored",
             (unsigned long long) quarantined, (unsigned long long) rows_read, pct, end->max_reject_pct);
    return 1;
}

/* Sends an extract's Result: its cells and metadata, or its error. */
static int s_send_result(lnob_aggregate_t *self, const Lnob__V1__ExtractEnd *end, meta_t *meta,
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
    res.meta = meta->ptrs;
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

/* ---- MIS extracts (spec §6) --------------------------------------------------- */

static int s_is_mis(const extract_t *e)
{
    return !strcmp(e->end->end->kind, "mis");
}

/* Every held message is of the kind the ExtractEnd announces. */
static int s_one_kind(const extract_t *e, uint32_t nb)
{
    int want = s_is_mis(e) ? LNOB__V1__ENVELOPE__BODY_MIS : LNOB__V1__ENVELOPE__BODY_RUN;
    for (uint32_t s = 0; s < nb; s++)
        if ((int) e->runs[s]->body_case != want)
            return 0;
    return 1;
}

static void s_mis_meta(meta_t *m, const Lnob__V1__ExtractEnd *end, const lnob_mis_stats_t *st,
                       const lnob_mis_frame_t *f, uint64_t rows_read, uint64_t quarantined,
                       uint32_t parts, const char *by_reason, const char *error)
{
    s_meta_common(m, end, rows_read, quarantined, by_reason, parts, error);
    s_meta(m, "kind", "mis");
    s_meta_u(m, "records_active", st->active);
    s_meta_u(m, "records_unkeyed", st->unkeyed);
    s_meta_u(m, "duplicates_merged", st->duplicates);
    s_meta_u(m, "persons", st->persons);
    s_meta_u(m, "municipalities_reporting", st->reporting);
    s_meta_u(m, "register_entries_active", st->register_active);
    s_meta_u(m, "register_persons", st->register_persons);
    s_meta(m, "service_set", f->service_set);
    s_meta(m, "vuln_groups", *end->vuln_groups ? end->vuln_groups : "DIS,RE,ROMA,EGY,ELD,VAW,CHI");
    s_meta(m, "population", f->user_population ? "the user's file for the municipalities it names "
                                                   "(population in this hash), else Census 2023"
                                                 : "Census 2023 residents (reference table; NO_POPULATION where it has none)");
    if (*end->population)
        s_meta(m, "population_user", end->population);
    if (*end->input_sums)
        s_meta(m, "input_sums", end->input_sums);
}

static int s_complete_mis(lnob_aggregate_t *self, extract_t *e)
{
    const Lnob__V1__ExtractEnd *end = e->end->end;
    uint32_t nb = end->batch_count, parts = 0;
    const Lnob__V1__MisBatch **b = lnob_malloc((nb ? nb : 1) * sizeof *b);
    uint64_t rows_read = 0, quarantined = 0;
    for (uint32_t s = 0; s < nb; s++) {
        b[s] = e->runs[s]->mis;
        rows_read += b[s]->rows_read;
        quarantined += b[s]->n_rejects;
    }
    char error[LNOB_ERRSTR_MAX] = "", by_reason[REASONS_MAX * 32];
    lnob_mis_frame_t f;
    lnob_mis_stats_t st = {0};
    size_t n_cells = 0;
    lnob_cell_t *cells = NULL;
    int year = atoi(end->period);
    lnob_mis_frame_opts_t fo = {year, end->population, end->service_set, end->vuln_groups};
    if (lnob_mis_frame_init(&f, b, nb, self->geo, &fo, error, sizeof error) == 0 && year > 1900)
        cells = lnob_mis_cells(f.records, f.n, &f.dims, &st, &n_cells);
    else if (!*error)
        snprintf(error, sizeof error, "NO_PERIOD: the period '%.20s' is not a year", end->period);
    if (!*error && st.persons == 0)
        snprintf(error, sizeof error, "NO_POPULATION: no active record with a person key in %d", year);
    s_over_ceiling(end, rows_read, quarantined, error, sizeof error);
    if (*error)
        n_cells = 0;
    int rc = s_emit_quarantine(self, e, nb, &parts);
    s_count_reasons(e, nb, 0, by_reason, sizeof by_reason);
    meta_t meta = {0};
    s_mis_meta(&meta, end, &st, &f, rows_read, quarantined, parts, by_reason, error);
    if (rc == LNOB_OK)
        rc = s_send_result(self, end, &meta, cells, n_cells, parts, error);
    lnob_info("mis extract %s complete: %llu persons, %zu cells, %llu quarantined", end->extract_id,
              (unsigned long long) st.persons, n_cells, (unsigned long long) quarantined);
    free(cells);
    lnob_mis_frame_free(&f);
    free(b);
    self->stats.completed++;
    return rc;
}

/* ---- SILC extracts ------------------------------------------------------------ */

/* Frees an extract's runs once its persons are merged and its quarantine
 * and totals are out. */
static void s_free_runs(extract_t *e, uint32_t nb)
{
    for (uint32_t s = 0; s < nb && s < e->n_runs; s++)
        lnob_wire_free(&e->runs[s]);
}

static int s_complete(lnob_aggregate_t *self, extract_t *e)
{
    int64_t t0 = lnob_mono_us();
    const Lnob__V1__ExtractEnd *end = e->end->end;
    uint32_t nb = end->batch_count, parts = 0;
    dict_t regions, muns;
    s_dict_init(&regions);
    s_dict_init(&muns);
    size_t n, n_cells;
    lnob_pt_table_t table = {{0}, {0}};
    uint32_t have = s_have(e, nb, &table);
    lnob_hh_cfg_t cfg;
    char settings[LNOB_HH_SETTINGS_MAX], error[LNOB_ERRSTR_MAX] = "";
    int settings_ok = s_settings(e, nb, &cfg, settings, error, sizeof error) == 0;
    int64_t t_merge = lnob_mono_us();
    lnob_person_t *persons = s_merge(e, nb, &regions, &muns, have, &table, &cfg, &n);
    lnob_dims_t dims = {regions.names, regions.n, muns.names, muns.n, have, cfg.bottom_code_zero};
    int rc = s_emit_quarantine(self, e, nb, &parts);
    totals_t t = s_totals(e, nb);
    s_free_runs(e, nb); /* all the cells need is in persons: peak memory is one of the two */
    int64_t t_cells = lnob_mono_us();
    lnob_cell_t *cells = lnob_cells_compute(persons, n, &dims, &n_cells);
    lnob_debug("extract %s: merge %lld ms, cells %lld ms", end->extract_id,
               (long long) (t_cells - t_merge) / 1000, (long long) (lnob_mono_us() - t_cells) / 1000);
    free(persons);
    if (!settings_ok || s_over_ceiling(end, t.rows_read, t.quarantined, error, sizeof error))
        n_cells = 0; /* cells from mixed settings, or from too few rows: publish none */
    else if (n == 0) { /* no indicator can be computed: do not publish empty cells */
        snprintf(error, sizeof error,
                 "NO_POPULATION: no accepted row is in the indicator population "
                 "(%llu read, %llu quarantined, %llu out of scope)",
                 (unsigned long long) t.rows_read, (unsigned long long) t.quarantined,
                 (unsigned long long) t.out_of_scope);
        n_cells = 0;
    }
    meta_t meta = {0};
    s_fill_meta(&meta, end, &t, parts, lnob_mono_us() - t0, error);
    if (*settings)
        s_meta(&meta, "settings", settings);
    if (rc == LNOB_OK)
        rc = s_send_result(self, end, &meta, cells, n_cells, parts, error);
    lnob_info("extract %s complete: %zu persons, %zu cells, %llu quarantined, %lld ms",
              end->extract_id, n, n_cells, (unsigned long long) t.quarantined,
              (long long) ((lnob_mono_us() - t0) / 1000));
    free(cells);
    s_dict_free(&regions);
    s_dict_free(&muns);
    self->stats.completed++;
    return rc;
}

static int s_fail(lnob_aggregate_t *self, const Lnob__V1__ExtractFailed *f)
{
    char error[LNOB_ERRSTR_MAX * 2];
    snprintf(error, sizeof error, "%s: %s", f->reason, f->detail);
    meta_t meta = {0};
    s_meta(&meta, "status", "failed");
    s_meta(&meta, "source", f->source);
    s_meta(&meta, "checksum", f->checksum);
    s_meta(&meta, "period", f->period);
    s_meta(&meta, "run_id", f->run_id);
    s_meta(&meta, "error", error);
    if (*f->inputs)
        s_meta(&meta, "inputs", f->inputs);
    s_meta_u(&meta, "computed_ms", (unsigned long long) lnob_now_ms());
    s_meta(&meta, "code_version", LNOB_VERSION);
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

/* An extract whose batches are not all of the kind its end announces
 * (a bad peer): it fails, nothing of it is published. */
static int s_fail_kinds(lnob_aggregate_t *self, extract_t *e)
{
    Lnob__V1__ExtractFailed f = LNOB__V1__EXTRACT_FAILED__INIT;
    const Lnob__V1__ExtractEnd *end = e->end->end;
    f.extract_id = end->extract_id;
    f.run_id = end->run_id;
    f.source = end->source;
    f.reason = "MIXED_KINDS";
    f.detail = "the extract's batches are not all of the kind its end announces";
    f.checksum = end->checksum;
    f.period = end->period;
    f.inputs = end->inputs;
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

static uint32_t s_seq(const lnob_env_t *env)
{
    return env->body_case == LNOB__V1__ENVELOPE__BODY_MIS ? env->mis->seq : env->run->seq;
}

/* Where a run of seq goes in the sorted runs (after the last, mostly). */
static size_t s_slot(const extract_t *e, uint32_t seq)
{
    size_t lo = 0, hi = e->n_runs;
    if (hi && s_seq(e->runs[hi - 1]) < seq)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_seq(e->runs[mid]) < seq)
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
    uint32_t seq = s_seq(*env_p);
    if (seq >= LNOB_AGGREGATE_MAX_BATCHES)
        return LNOB_DROP;
    size_t at = s_slot(e, seq);
    if (at < e->n_runs && s_seq(e->runs[at]) == seq) {
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

static int s_take_end(lnob_aggregate_t *self, extract_t *e, lnob_env_t **env_p)
{
    if (e->end) {
        self->stats.duplicates++;
        return LNOB_DROP;
    }
    e->end = *env_p;
    *env_p = NULL;
    return LNOB_OK;
}

static int s_maybe_complete(lnob_aggregate_t *self, extract_t *e)
{
    if (!e->end || e->n_runs < e->end->end->batch_count)
        return LNOB_OK;
    for (uint32_t s = 0; s < e->end->end->batch_count; s++)
        if (s_seq(e->runs[s]) != s)
            return LNOB_OK; /* a seq beyond batch_count filled the count */
    char key[KEY_MAX];
    snprintf(key, sizeof key, "%s", e->key);
    s_begin_done(self, key);
    int64_t t0 = lnob_mono_us();
    int rc = !s_one_kind(e, e->end->end->batch_count) ? s_fail_kinds(self, e)
             : s_is_mis(e)                            ? s_complete_mis(self, e)
                                                      : s_complete(self, e);
    self->stats.last_us = lnob_mono_us() - t0;
    zhashx_delete(self->pending, key);
    return rc;
}

int lnob_aggregate_take(lnob_aggregate_t *self, lnob_env_t **env_p)
{
    lnob_env_t *env = *env_p;
    char key[KEY_MAX];
    int rc = LNOB_DROP;
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_RUN)
        s_key(key, env->run->extract_id, env->run->run_id);
    else if (env->body_case == LNOB__V1__ENVELOPE__BODY_MIS)
        s_key(key, env->mis->extract_id, env->mis->run_id);
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
        out->have[out->n_have++] = s_seq(e->runs[s]);
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
