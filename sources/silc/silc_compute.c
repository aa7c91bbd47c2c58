/* silc_compute.c - a complete SILC extract's cells and metadata (silc_source.h).
 *
 * Merges the sorted runs (k-way, so nothing is sorted again) into persons,
 * with their work-intensity statuses once the national hours table is
 * known, and computes every cell (cells.h). */
#include "silc.h"
#include "silc_source.h"

#include <czmq.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "household.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/pair.h"

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

/* A run's next person in the total order, with its key held here so the
 * merge compares cursors without reaching into the runs: x as an ordered
 * integer (a missing income last, -0 as 0), then person id, then line. */
typedef struct {
    uint64_t x;
    int64_t id;
    uint64_t line;
    const Lnob__V1__Run *run;
    size_t pos, end;       /* the next person, and the end of the run's share */
} cursor_t;

/* x's place in the order of doubles as an unsigned integer: every NaN
 * after every number, -0 and 0 the same, as x < y and x == y say. */
static uint64_t s_order_key(double x)
{
    if (isnan(x))
        return UINT64_MAX;
    uint64_t u;
    x = x == 0 ? 0.0 : x;
    memcpy(&u, &x, sizeof u);
    return u >> 63 ? ~u : u | (1ull << 63);
}

/* Points c at person pos of r (pos < r's count) and loads its key. */
static void s_at(cursor_t *c, const Lnob__V1__Run *r, size_t pos, size_t end)
{
    *c = (cursor_t){s_order_key(r->x[pos]), r->person_id[pos], r->line[pos], r, pos, end};
}

static int s_less(const cursor_t *a, const cursor_t *b)
{
    if (a->x != b->x)
        return a->x < b->x;
    if (a->id != b->id)
        return a->id < b->id;
    return a->line < b->line;
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
    const lnob_extract_view_t *x;
    uint32_t from, to;
    const lnob_pt_table_t *table;
    const lnob_hh_cfg_t *cfg;
    lwi_t *out;
} lwi_share_t;

static void *s_lwi_share(void *arg)
{
    lwi_share_t *sh = arg;
    for (uint32_t s = sh->from; s < sh->to; s++)
        s_run_lwi(sh->x->msgs[s]->run, sh->table, sh->cfg, &sh->out[s]);
    return NULL;
}

/* The LWI statuses of every run, half of the runs in a second thread (the
 * aggregator's other core is idle once the extract is complete). */
static void s_lwi_all(const lnob_extract_view_t *x, uint32_t nb, const lnob_pt_table_t *table,
                      const lnob_hh_cfg_t *cfg, lwi_t *out)
{
    lwi_share_t sh[2] = {{x, 0, nb / 2, table, cfg, out}, {x, nb / 2, nb, table, cfg, out}};
    lnob_pair_run(s_lwi_share, &sh[0], &sh[1]);
}

/* What the runs have in common (Run.have) and the national hours table. */
static uint32_t s_have(const lnob_extract_view_t *x, uint32_t nb, lnob_pt_table_t *t)
{
    uint32_t have = ~0u;
    int any = 0;
    for (uint32_t s = 0; s < nb; s++) {
        const Lnob__V1__Run *r = x->msgs[s]->run;
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

/* One share of the merge: from each run s the persons before cut[s]
 * (the first share) or from it on (the second), merged into out. The two
 * shares of an extract split the total order at one person (s_pivot), so
 * each writes its own part of the persons and the result is the one merge
 * would give. */
typedef struct {
    const lnob_extract_view_t *x;
    uint32_t nb, have;
    uint32_t **rmap, **mmap_;
    const lwi_t *lwi;
    const size_t *cut;
    int second;
    lnob_person_t *out;
} share_t;

static void *s_merge_share(void *arg)
{
    const share_t *sh = arg;
    size_t nh = 0, total = 0;
    cursor_t *heap = lnob_malloc((sh->nb ? sh->nb : 1) * sizeof *heap);
    for (uint32_t s = 0; s < sh->nb; s++) {
        const Lnob__V1__Run *r = sh->x->msgs[s]->run;
        size_t from = sh->second ? sh->cut[s] : 0, to = sh->second ? r->record_count : sh->cut[s];
        if (from < to) {
            s_at(&heap[nh++], r, from, to);
            total += to - from;
        }
    }
    for (size_t i = nh; i-- > 0;)
        s_sift_down(heap, nh, i);
    for (size_t k = 0; k < total; k++) {
        const Lnob__V1__Run *r = heap[0].run;
        size_t i = heap[0].pos;
        uint32_t s = r->seq;
        lnob_person_t *p = &sh->out[k];
        *p = (lnob_person_t){.x = r->x[i], .w = r->weight[i], .region = (uint16_t) sh->rmap[s][r->region[i]],
                             .mun = (uint16_t) sh->mmap_[s][r->municipality[i]], .lwi = -1, .lwi2020 = -1};
        s_person_codes(p, r, i, sh->have);
        if (sh->have & LNOB_HAVE_WI) {
            p->lwi = sh->lwi[s].lwi[i];
            p->lwi2020 = sh->lwi[s].lwi2020[i];
        }
        if (++heap[0].pos == heap[0].end)
            heap[0] = heap[--nh];
        else
            s_at(&heap[0], r, heap[0].pos, heap[0].end);
        s_sift_down(heap, nh, 0);
    }
    free(heap);
    return NULL;
}

static int s_cmp_cursor(const void *a, const void *b)
{
    return s_less(a, b) ? -1 : s_less(b, a);
}

/* A person near the median of the total order: the median of the runs'
 * middle persons (runs are slices of the file, so each is spread over the
 * whole distribution). Its run is NULL when every run is empty. */
static cursor_t s_pivot(const lnob_extract_view_t *x, uint32_t nb)
{
    cursor_t *mid = lnob_malloc((nb ? nb : 1) * sizeof *mid), pivot = {0};
    size_t n = 0;
    for (uint32_t s = 0; s < nb; s++) {
        const Lnob__V1__Run *r = x->msgs[s]->run;
        if (r->record_count)
            s_at(&mid[n++], r, r->record_count / 2, r->record_count);
    }
    qsort(mid, n, sizeof *mid, s_cmp_cursor);
    if (n)
        pivot = mid[n / 2];
    free(mid);
    return pivot;
}

/* How many persons of r come before the pivot in the total order. */
static size_t s_before_pivot(const Lnob__V1__Run *r, const cursor_t *pivot)
{
    size_t lo = 0, hi = r->record_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        cursor_t c;
        s_at(&c, r, mid, 0);
        if (s_less(&c, pivot))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Merges the sorted runs into persons, remapping dictionary codes: the
 * persons before the pivot in one thread, the others in a second (the
 * aggregator's other core is idle once the extract is complete). */
static lnob_person_t *s_merge(const lnob_extract_view_t *x, uint32_t nb, dict_t *regions, dict_t *muns,
                              uint32_t have, const lnob_pt_table_t *table,
                              const lnob_hh_cfg_t *cfg, size_t *n_out)
{
    lwi_t *lwi = lnob_calloc(nb ? nb : 1, sizeof *lwi);
    if (have & LNOB_HAVE_WI)
        s_lwi_all(x, nb, table, cfg, lwi);
    size_t total = 0, first = 0;
    uint32_t **rmap = lnob_calloc(nb ? nb : 1, sizeof *rmap), **mmap_ = lnob_calloc(nb ? nb : 1, sizeof *mmap_);
    size_t *cut = lnob_malloc((nb ? nb : 1) * sizeof *cut);
    cursor_t pivot = s_pivot(x, nb);
    for (uint32_t s = 0; s < nb; s++) {
        const Lnob__V1__Run *r = x->msgs[s]->run;
        total += r->record_count;
        rmap[s] = s_dict_map(regions, r->region_dict, r->n_region_dict);
        mmap_[s] = s_dict_map(muns, r->municipality_dict, r->n_municipality_dict);
        first += cut[s] = pivot.run ? s_before_pivot(r, &pivot) : r->record_count;
    }
    lnob_person_t *p = NULL;
    if (regions->n > LNOB_CELLS_CODES_MAX || muns->n > LNOB_CELLS_CODES_MAX)
        total = 0; /* the codes would not fit the persons: the caller fails the extract */
    else {
        p = lnob_malloc((total ? total : 1) * sizeof *p);
        share_t sh[2] = {{x, nb, have, rmap, mmap_, lwi, cut, 0, p},
                         {x, nb, have, rmap, mmap_, lwi, cut, 1, p + first}};
        lnob_pair_run(s_merge_share, &sh[0], &sh[1]);
    }
    for (uint32_t s = 0; s < nb; s++) {
        free(rmap[s]);
        free(mmap_[s]);
        free(lwi[s].lwi);
    }
    free(lwi);
    free(rmap);
    free(mmap_);
    free(cut);
    *n_out = total;
    return p;
}

/* ---- totals and metadata ------------------------------------------------------ */

/* Counters summed over the runs. */
typedef struct {
    uint64_t rows_read, quarantined, flagged, fields_flagged, out_of_scope, income_missing;
    uint64_t zero_weight, records;
    uint64_t hx090_disagree;
    uint32_t note_bits;     /* a cut file's notes, from its Runs (silc.h) */
    uint64_t hh_incomplete;
    int64_t transform_us;
    char by_reason[LNOB_REASONS_TEXT]; /* "BAD_CODE=3 ORPHAN_PERSON=1", by name: rows quarantined whole */
    char flags_by_reason[LNOB_REASONS_TEXT]; /* flagged fields of rows kept, the same way */
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
static totals_t s_totals(const lnob_extract_view_t *x, uint32_t nb)
{
    totals_t t = {0};
    for (uint32_t s = 0; s < nb; s++) {
        const Lnob__V1__Run *r = x->msgs[s]->run;
        t.rows_read += r->rows_read;
        s_count_rows((const Lnob__V1__Reject *const *) r->rejects, r->n_rejects, &t);
        t.out_of_scope += r->out_of_scope;
        t.income_missing += r->income_missing;
        t.zero_weight += r->zero_weight;
        t.hx090_disagree += r->hx090_disagree;
        t.note_bits |= r->silc_notes;
        t.hh_incomplete += r->hh_incomplete;
        t.records += r->record_count;
        t.transform_us += r->transform_us;
    }
    lnob_meta_reasons(x->msgs, nb, 0, t.by_reason, sizeof t.by_reason);
    lnob_meta_reasons(x->msgs, nb, 1, t.flags_by_reason, sizeof t.flags_by_reason);
    return t;
}

/* The metadata every extract has: status, provenance, row counts, versions. */
static void s_fill_meta(lnob_meta_t *m, const Lnob__V1__ExtractEnd *end, const totals_t *t,
                        uint32_t parts, int64_t compute_us, const char *error)
{
    lnob_meta_common(m, end, t->rows_read, t->quarantined, t->by_reason, parts, error);
    lnob_meta_u(m, "bytes", end->bytes);
    lnob_meta_u(m, "batches", end->batch_count);
    lnob_meta_u(m, "rows_out_of_scope", t->out_of_scope);
    lnob_meta_u(m, "rows_flagged", t->flagged);
    lnob_meta_u(m, "fields_flagged", t->fields_flagged);
    lnob_meta_copy(m, "flags_by_reason", t->flags_by_reason);
    lnob_meta_u(m, "persons_income_missing", t->income_missing);
    lnob_meta_u(m, "persons_zero_weight", t->zero_weight);
    lnob_meta_u(m, "persons_hx090_disagree", t->hx090_disagree);
    lnob_meta_u(m, "persons_in_population", t->records);
    lnob_meta_u(m, "ingest_started_ms", (unsigned long long) end->started_ms);
    lnob_meta_u(m, "ingest_finished_ms", (unsigned long long) end->finished_ms);
    lnob_meta_u(m, "transform_cpu_ms", (unsigned long long) (t->transform_us / 1000));
    lnob_meta_u(m, "aggregate_ms", (unsigned long long) (compute_us / 1000));
    char notes[LNOB_SILC_NOTES_MAX];
    snprintf(notes, sizeof notes, "%s", end->notes);
    if (end->notes_from_runs) /* its rows were parsed range by range: their notes together */
        lnob_silc_notes_add(notes, sizeof notes, t->note_bits, t->hh_incomplete);
    if (*notes)
        lnob_meta_copy(m, "notes", notes);
    if (*end->inputs)
        lnob_meta_add(m, "join", end->join);
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
static int s_settings(const lnob_extract_view_t *x, uint32_t nb, lnob_hh_cfg_t *cfg, char *text,
                      char *error, size_t cap)
{
    char why[LNOB_ERRSTR_MAX];
    *cfg = lnob_hh_defaults;
    text[0] = '\0';
    for (uint32_t s = 0; s < nb; s++) {
        const char *mine = x->msgs[s]->run->settings;
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

/* ---- the extract ---------------------------------------------------------------- */

/* Frees the runs once the persons are merged and the totals are out: all
 * the cells need is in the persons, so peak memory is one of the two. The
 * runs are many small blocks that malloc keeps for itself when freed, while
 * the cells' arrays are mapped afresh: given back to the system, their
 * pages are not counted twice (10 M persons: peak 1,156 -> 921 MB). */
static void s_free_runs(const lnob_extract_view_t *x)
{
    for (uint32_t s = 0; s < x->n; s++)
        lnob_wire_free(&x->msgs[s]);
    malloc_trim(0);
}

/* An extract whose cells cannot be published says why in r->error. */
static void s_verdict(const lnob_extract_view_t *x, const totals_t *t, int settings_ok, size_t n, lnob_result_t *r)
{
    if (!settings_ok || *r->error || /* mixed settings, or too many codes (said already) */
        lnob_meta_over_ceiling(x->end, t->rows_read, t->quarantined, r->error, sizeof r->error))
        r->n_cells = 0; /* cells from mixed settings, or from too few rows: publish none */
    else if (n == 0) { /* no indicator can be computed: do not publish empty cells */
        snprintf(r->error, sizeof r->error,
                 "NO_POPULATION: no accepted row is in the indicator population "
                 "(%llu read, %llu quarantined, %llu out of scope)",
                 (unsigned long long) t->rows_read, (unsigned long long) t->quarantined,
                 (unsigned long long) t->out_of_scope);
        r->n_cells = 0;
    }
}

int lnob_silc_compute(const lnob_extract_view_t *x, lnob_result_t *r)
{
    int64_t t0 = x->started_us; /* the quarantine's packing included, as before the kinds */
    const Lnob__V1__ExtractEnd *end = x->end;
    uint32_t nb = x->n;
    dict_t regions, muns;
    s_dict_init(&regions);
    s_dict_init(&muns);
    size_t n;
    lnob_pt_table_t table = {{0}, {0}};
    uint32_t have = s_have(x, nb, &table);
    lnob_hh_cfg_t cfg;
    char settings[LNOB_HH_SETTINGS_MAX];
    int settings_ok = s_settings(x, nb, &cfg, settings, r->error, sizeof r->error) == 0;
    int64_t t_merge = lnob_mono_us();
    lnob_person_t *persons = s_merge(x, nb, &regions, &muns, have, &table, &cfg, &n);
    lnob_dims_t dims = {regions.names, regions.n, muns.names, muns.n, have, cfg.bottom_code_zero};
    totals_t t = s_totals(x, nb);
    s_free_runs(x);
    int64_t t_cells = lnob_mono_us();
    if (persons)
        r->cells = lnob_cells_compute(persons, n, &dims, &r->n_cells);
    else
        snprintf(r->error, sizeof r->error, "TOO_MANY_CODES: %zu region and %zu municipality codes; an extract may "
                 "have at most %d of each", regions.n - 1, muns.n - 1, LNOB_CELLS_CODES_MAX - 1);
    lnob_debug("extract %s: merge %lld ms, cells %lld ms", end->extract_id,
               (long long) (t_cells - t_merge) / 1000, (long long) (lnob_mono_us() - t_cells) / 1000);
    free(persons);
    s_verdict(x, &t, settings_ok, n, r);
    s_fill_meta(&r->meta, end, &t, x->parts, lnob_mono_us() - t0, r->error);
    if (*settings)
        lnob_meta_copy(&r->meta, "settings", settings);
    lnob_info("extract %s complete: %zu persons, %zu cells, %llu quarantined, %lld ms",
              end->extract_id, n, r->n_cells, (unsigned long long) t.quarantined,
              (long long) ((lnob_mono_us() - t0) / 1000));
    s_dict_free(&regions);
    s_dict_free(&muns);
    return LNOB_OK;
}
