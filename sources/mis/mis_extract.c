/* mis_extract.c - MIS extracts from municipal exports (mis_extract.h). */
#include "mis_extract.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "mis_codes.h"
#include "lnob/num.h"
#include "lnob/version.h"
#include "mis_cache.h"
#include "mis_map.h"
#include "mis_sources.h"
#include "pseudonym.h"

/* ---- municipal MIS exports (spec §6) --------------------------------------- */

/* One pass over an MIS extract's files: scanning for the period, or sending. */
typedef struct {
    lnob_ingest_ctx_t *ctx;
    int scan;              /* 1: only find the latest start date */
    int32_t latest;        /* yyyymmdd */
    uint32_t seq;          /* batches so far, numbered across the files */
    uint32_t file;         /* 1 + the index of the export being read (Reject.file) */
    uint64_t rows_read, records;
    char changed[LNOB_ERRSTR_MAX]; /* an export changed while it was read: the extract fails */
    const lnob_plan_t *plan; /* the pass's: its kind_state */
    Lnob__V1__Carry *carry;  /* the ranges carried from the base (ExtractEnd.carry) */
    size_t n_carry, cap_carry;
    uint32_t carried;        /* batches carried */
} mis_pass_t;

/* ---- what a drop folder's extract sent, for the next one's carry ------------------ */

/* One export of an extract sent: its content (sha256s) and its batches. */
typedef struct {
    char hex[HEX_SHA256], map_hex[HEX_SHA256];
    uint32_t seq, count;
} sent_file_t;

typedef struct lnob_mis_sent {
    char id[EXTRACT_ID_CAP];
    sent_file_t *f;
    size_t n, cap;
} lnob_mis_sent_t;

void lnob_mis_sent_free(lnob_mis_sent_t **sent)
{
    if (!*sent)
        return;
    free((*sent)->f);
    free(*sent);
    *sent = NULL;
}

void lnob_mis_sent_stored(lnob_mis_state_t *st, int stored)
{
    if (stored && st->sending) {
        lnob_mis_sent_free(&st->base);
        st->base = st->sending;
        st->sending = NULL;
    }
    lnob_mis_sent_free(&st->sending);
}

/* The base's batches of an export of this very content not carried yet in
 * this pass (used[i]: the base's export i was), or NULL. */
static const sent_file_t *s_sent_find(const lnob_mis_sent_t *base, const lnob_mis_read_t *r, unsigned char *used)
{
    for (size_t i = 0; base && i < base->n; i++)
        if (!used[i] && !strcmp(base->f[i].hex, r->hex) && !strcmp(base->f[i].map_hex, r->map_hex) &&
            base->f[i].count == r->n) {
            used[i] = 1; /* two exports of the same bytes carry two ranges */
            return &base->f[i];
        }
    return NULL;
}

static void s_sent_add(lnob_mis_sent_t *s, const lnob_mis_read_t *r, uint32_t seq, uint32_t count)
{
    lnob_grow((void **) &s->f, &s->cap, s->n + 1, sizeof *s->f);
    sent_file_t *f = &s->f[s->n++];
    memcpy(f->hex, r->hex, HEX_SHA256);
    memcpy(f->map_hex, r->map_hex, HEX_SHA256);
    f->seq = seq;
    f->count = count;
}

static int s_emit_mis(void *arg, Lnob__V1__MisBatch *b)
{
    mis_pass_t *m = arg;
    if (m->scan) { /* services only: an assessment date is not a service's start */
        for (size_t i = 0; i < b->record_count && !b->needs_register; i++)
            m->latest = b->start_date[i] > m->latest ? b->start_date[i] : m->latest;
        return LNOB_OK;
    }
    b->seq = m->seq++;
    for (size_t i = 0; i < b->n_rejects; i++) /* quarantine ids are <line>-<file> */
        b->rejects[i]->file = m->file;
    m->rows_read += b->rows_read;
    m->records += b->record_count;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_MIS;
    env.mis = b;
    return lnob_ingest_send_batch(m->ctx, b->extract_id, b->seq, &env);
}

/* An export that cannot be read at all is one quarantined entry of the
 * extract (its file, its reason), sent as a batch without records. */
static int s_mis_unreadable(mis_pass_t *m, const char *id, const char *path, const char *reason,
                            const char *detail)
{
    Lnob__V1__Reject rj = LNOB__V1__REJECT__INIT, *rjp = &rj;
    rj.source = (char *) path;
    rj.reason = (char *) reason;
    rj.detail = (char *) detail;
    rj.field = "";
    rj.raw = "";
    Lnob__V1__MisBatch b = LNOB__V1__MIS_BATCH__INIT;
    static char *empty_dict[] = {""};
    b.extract_id = (char *) id;
    b.run_id = (char *) m->ctx->cfg->run_id;
    b.source = (char *) path;
    b.rows_read = 1;
    b.n_municipality_dict = b.n_service_dict = 1;
    b.municipality_dict = b.service_dict = empty_dict;
    b.n_rejects = 1;
    b.rejects = &rjp;
    lnob_error("%s: %s: %s", path, reason, detail);
    return m->scan ? LNOB_OK : s_emit_mis(m, &b);
}


void lnob_mis_map_path(const lnob_mis_state_t *st, const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s", path, LNOB_MIS_MAP_SUFFIX);
    if (access(out, F_OK) == 0)
        return;
    const char *table = lnob_mis_sources_map_for(st->sources, path);
    snprintf(out, cap, "%s", table ? table : "");
}

/* The mapping of an export, if it has one: NULL and "" when none, NULL
 * and err when it is bad. */
static lnob_mis_map_t *s_mapping(const lnob_mis_state_t *st, const char *path, char *err, size_t cap)
{
    char map_path[PATH_MAX];
    lnob_mis_map_path(st, path, map_path, sizeof map_path);
    err[0] = '\0';
    return *map_path ? lnob_mis_map_load(map_path, err, cap) : NULL;
}

static int s_feed(void *p, const char *chunk, size_t n)
{
    return zsys_interrupted ? LNOB_CLOSED : lnob_mis_feed(p, chunk, n);
}

int lnob_mis_extract_parse(const lnob_ingest_ctx_t *ctx, const lnob_mis_state_t *st, const char *path,
                           const char *id, lnob_mis_emit_fn emit, void *arg, lnob_input_sum_t *sum,
                           const char **reason, char *err, size_t cap)
{
    *reason = "UNREADABLE";
    lnob_mis_map_t *map = s_mapping(st, path, err, cap);
    if (!map && *err) {
        *reason = "BAD_MAPPING";
        return LNOB_ERR;
    }
    lnob_mis_opts_t o = {.source = path, .extract_id = id, .run_id = ctx->cfg->run_id,
                         .batch_size = (size_t) ctx->cfg->batch_size, .geo = ctx->geo,
                         .pseudonym = st->pseudonym, .map = map, .emit = emit, .arg = arg};
    if (map) { /* the source's own [source] settings */
        const lnob_mis_source_t *src = lnob_mis_map_source(map);
        o.encoding = src->encoding;
        o.delimiter = src->delimiter;
        o.municipality = *src->municipality ? src->municipality : NULL;
        o.service = *src->service ? src->service : NULL;
        o.needs_register = src->needs_register;
    }
    lnob_mis_t *p = lnob_mis_new(&o);
    int rc = lnob_input_read(path, s_feed, p, sum, NULL, reason, err, cap);
    if (rc == LNOB_OK)
        rc = lnob_mis_finish(p);
    if (rc == LNOB_ERR && !*err) {
        *reason = lnob_mis_reason(p);
        snprintf(err, cap, "%s", lnob_mis_errstr(p));
    }
    lnob_mis_destroy(&p);
    lnob_mis_map_destroy(&map);
    return rc;
}

typedef struct {
    lnob_mis_cache_t *cache;
    lnob_mis_read_t *read;
} taking_t;

static int s_cache_add(void *arg, Lnob__V1__MisBatch *b)
{
    taking_t *t = arg;
    lnob_mis_cache_add(t->cache, t->read, b);
    return LNOB_OK;
}

const lnob_mis_read_t *lnob_mis_export_read(const lnob_ingest_ctx_t *ctx, const lnob_mis_state_t *st,
                                            const char *path)
{
    char map[PATH_MAX], err[LNOB_ERRSTR_MAX];
    const char *reason;
    if (!st->cache)
        return NULL;
    lnob_mis_map_path(st, path, map, sizeof map);
    const lnob_mis_read_t *hit = lnob_mis_cache_find(st->cache, path, map);
    lnob_mis_read_t *r = hit ? NULL : lnob_mis_cache_begin(st->cache, path, map);
    if (!r)
        return hit;
    lnob_input_sum_t sum, map_sum;
    taking_t t = {st->cache, r};
    int rc = lnob_mis_extract_parse(ctx, st, path, "cache", s_cache_add, &t, &sum, &reason, err, sizeof err);
    if (rc == LNOB_OK && *map)
        rc = lnob_input_read(map, NULL, NULL, &map_sum, NULL, &reason, err, sizeof err);
    if (rc == LNOB_OK) {
        memcpy(r->hex, sum.hex, HEX_SHA256);
        r->bytes = sum.bytes;
        if (*map)
            memcpy(r->map_hex, map_sum.hex, HEX_SHA256);
    }
    return lnob_mis_cache_end(st->cache, r, rc == LNOB_OK);
}

/* Sends the batches of a cached read as the pass's, under its extract id,
 * run id and path (the cached copies are left as they were). */
static int s_send_read(mis_pass_t *m, const char *id, const lnob_mis_read_t *r)
{
    int rc = LNOB_OK;
    for (size_t i = 0; i < r->n && rc == LNOB_OK; i++) {
        Lnob__V1__MisBatch *b = r->batches[i];
        char *was_id = b->extract_id, *was_run = b->run_id;
        b->extract_id = (char *) id;
        b->run_id = (char *) m->ctx->cfg->run_id;
        rc = s_emit_mis(m, b);
        b->extract_id = was_id;
        b->run_id = was_run;
    }
    return rc;
}

/* A cached export the base sent too: its batches are named in the end as
 * carried (the aggregator that holds the base takes them from it), not
 * sent; counted as if sent. */
static void s_carry_file(mis_pass_t *m, const lnob_mis_read_t *r, const sent_file_t *from, const char *path)
{
    lnob_grow((void **) &m->carry, &m->cap_carry, m->n_carry + 1, sizeof *m->carry);
    Lnob__V1__Carry *c = &m->carry[m->n_carry++];
    lnob__v1__carry__init(c);
    c->base_seq = from->seq;
    c->count = from->count;
    c->seq = m->seq;
    c->file = m->file;
    c->source = (char *) path;
    for (size_t i = 0; i < r->n; i++) {
        m->rows_read += r->batches[i]->rows_read;
        m->records += r->batches[i]->record_count;
        lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
        env.body_case = LNOB__V1__ENVELOPE__BODY_MIS;
        env.mis = r->batches[i];
        lnob_ingest_carried(m->ctx, &env);
    }
    m->seq += from->count;
    m->carried += from->count;
}

/* Parses one export into the pass (one the drop folder's cache does not hold). */
static int s_mis_file(mis_pass_t *m, const char *id, const char *path)
{
    char err[LNOB_ERRSTR_MAX];
    const char *reason;
    int rc = lnob_mis_extract_parse(m->ctx, m->plan->kind_state, path, id, s_emit_mis, m, NULL, &reason, err,
                                    sizeof err);
    if (rc == LNOB_ERR && strcmp(reason, "FILE_CHANGED") == 0) {
        snprintf(m->changed, sizeof m->changed, "%s", err); /* not what the checksum covered */
        return LNOB_CLOSED;
    }
    return rc == LNOB_ERR ? s_mis_unreadable(m, id, path, reason, err) : rc;
}

/* Sends the plan's exports (or scans them for the period). A drop folder's
 * first delivery carries what its base sent of the same content, and
 * notes what it sends for the next one (mis_watch.c promotes it once
 * stored). */
static int s_mis_pass(mis_pass_t *m, const lnob_plan_t *plan, const char *id)
{
    int rc = LNOB_OK;
    lnob_mis_state_t *st = plan->kind_state;
    const lnob_mis_sent_t *base = st->base && !m->scan && !m->ctx->redelivery && strcmp(st->base->id, id) &&
                                          lnob_ingest_same_aggregator(m->ctx, st->base->id, id)
                                      ? st->base : NULL;
    lnob_mis_sent_t *sending = NULL;
    unsigned char *used = lnob_calloc(base ? base->n + 1 : 1, 1);
    if (st->cache && !m->scan) {
        sending = lnob_calloc(1, sizeof *sending);
        snprintf(sending->id, sizeof sending->id, "%s", id);
    }
    m->plan = plan;
    for (size_t i = 0; i < plan->n_files && rc == LNOB_OK; i++) {
        m->file = (uint32_t) i + 1;
        uint32_t first = m->seq;
        const lnob_mis_read_t *r = lnob_mis_export_read(m->ctx, st, plan->files[i]); /* once a pass */
        const sent_file_t *from = r ? s_sent_find(base, r, used) : NULL;
        if (r && m->scan)
            m->latest = r->latest > m->latest ? r->latest : m->latest;
        else if (from)
            s_carry_file(m, r, from, plan->files[i]);
        else if (r) /* this very read: another lookup could read the file again and free r */
            rc = s_send_read(m, id, r);
        else
            rc = s_mis_file(m, id, plan->files[i]);
        if (sending && r)
            s_sent_add(sending, r, first, m->seq - first);
    }
    if (sending && !m->ctx->redelivery) {
        lnob_mis_sent_free(&st->sending);
        st->sending = sending;
    } else
        lnob_mis_sent_free(&sending);
    free(used);
    return rc;
}

/* The population file's rows of the year as "AL153=10000;AL346=4000". */
typedef struct {
    const lnob_geo_t *geo;
    int year, cols[3];     /* mun_code, year, pop_1jan */
    int header_done;
    char *out;
    size_t cap, len;
    char err[LNOB_ERRSTR_MAX];
} pop_t;

static int s_pop_row(void *arg, const lnob_csv_row_t *row)
{
    pop_t *p = arg;
    static const char *const names[3] = {"mun_code", "year", "pop_1jan"};
    size_t len[3];
    if (!p->header_done) {
        p->header_done = 1;
        for (int c = 0; c < 3; c++) {
            p->cols[c] = -1;
            for (size_t i = 0; i < row->nfields; i++)
                if (!strcmp(lnob_csv_field(row, (int) i, &len[0]), names[c]))
                    p->cols[c] = (int) i;
            if (p->cols[c] < 0)
                return snprintf(p->err, sizeof p->err, "no column %s", names[c]), LNOB_ERR;
        }
        return LNOB_OK;
    }
    const char *code = lnob_csv_field(row, p->cols[0], &len[0]);
    const char *year = lnob_csv_field(row, p->cols[1], &len[1]);
    const char *pop = lnob_csv_field(row, p->cols[2], &len[2]);
    int64_t y, n;
    if (lnob_num_int(year, len[1], &y) != 0 || y != p->year)
        return LNOB_OK;
    if (lnob_geo_by_code(p->geo, code, len[0]) < 0 || lnob_num_int(pop, len[2], &n) != 0 || n <= 0)
        return snprintf(p->err, sizeof p->err, "line %llu: not a LAU code and a positive count",
                        (unsigned long long) row->line), LNOB_ERR;
    p->len += (size_t) snprintf(p->out + p->len, p->len < p->cap ? p->cap - p->len : 0, "%s%.*s=%lld",
                                p->len ? ";" : "", (int) len[0], code, (long long) n);
    return LNOB_OK;
}

/* Reads the user's population file for the year; -1 with err. */
static int s_population(const lnob_ingest_ctx_t *ctx, const lnob_mis_ingest_cfg_t *mc, int year, char *out,
                        size_t cap, char *err, size_t errcap)
{
    pop_t p = {.geo = ctx->geo, .year = year, .out = out, .cap = cap};
    out[0] = '\0';
    if (!mc->population)
        return 0;
    const char *reason;
    int rc = lnob_input_rows(mc->population, s_pop_row, &p, NULL, NULL, &reason, err, errcap);
    if (rc == LNOB_ERR && !*err)
        snprintf(err, errcap, "%.120s: %.120s", mc->population, p.err);
    return rc == LNOB_OK && p.len < cap ? 0 : -1;
}

static int s_send_mis_end(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, const mis_pass_t *m, const char *id,
                          const char *checksum, const char *period, size_t bytes, int64_t started,
                          const char *population, const char *sums)
{
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.population = (char *) population;
    e.input_sums = (char *) sums;
    const lnob_mis_ingest_cfg_t *mc = plan->kind_cfg;
    e.service_set = (char *) mc->service_set;
    e.vuln_groups = (char *) mc->vuln_groups;
    e.disclosure_off = mc->no_disclosure != 0;
    e.small_count_max = (uint32_t) mc->small_count_max;
    e.extract_id = (char *) id;
    e.run_id = (char *) ctx->cfg->run_id;
    e.channel = (char *) ctx->cfg->channel;
    e.batch_count = m->seq;
    e.rows_read = m->rows_read;
    e.record_count = m->records;
    e.source = (char *) plan->source;
    e.inputs = (char *) plan->inputs;
    e.checksum = (char *) checksum;
    e.period = (char *) period;
    e.bytes = bytes;
    e.started_ms = started;
    e.finished_ms = lnob_now_ms();
    e.code_version = LNOB_VERSION;
    lnob_ingest_end_ceiling(ctx->cfg, &e);
    e.kind = "mis";
    const lnob_mis_state_t *st = plan->kind_state;
    Lnob__V1__Carry **carry = lnob_malloc((m->n_carry ? m->n_carry : 1) * sizeof *carry);
    for (size_t i = 0; i < m->n_carry; i++)
        carry[i] = &m->carry[i];
    e.n_carry = m->n_carry;
    e.carry = carry;
    e.base_extract_id = m->n_carry ? st->base->id : "";
    e.retain = st->cache != NULL; /* a drop folder: the next round carries from this one */
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    if (m->carried)
        lnob_info("%s: mis extract %s sent: %llu rows read, %llu records, %u batches, %u of them carried from %s",
                  plan->source, id, (unsigned long long) e.rows_read, (unsigned long long) e.record_count,
                  e.batch_count, m->carried, e.base_extract_id);
    else
        lnob_info("%s: mis extract %s sent: %llu rows read, %llu records, %u batches", plan->source, id,
                  (unsigned long long) e.rows_read, (unsigned long long) e.record_count, e.batch_count);
    int rc = lnob_ingest_send(ctx, &env);
    free(carry);
    return rc;
}

/* The sha256 of a file as hex ("unreadable" when it cannot be read);
 * adds its size to *bytes. */
static void s_file_checksum(const char *path, char *hex, size_t *bytes)
{
    char err[LNOB_ERRSTR_MAX];
    const char *reason;
    lnob_input_sum_t sum;
    snprintf(hex, HEX_SHA256, "unreadable");
    if (lnob_input_read(path, NULL, NULL, &sum, NULL, &reason, err, sizeof err) != LNOB_OK)
        return;
    memcpy(hex, sum.hex, HEX_SHA256);
    *bytes += sum.bytes;
}

/* Checksums the exports with their mapping files (sha256 of their
 * sha256s, in the order given): a corrected mapping makes a new extract.
 * sums gets each export's "<sha256>  <path>" line (owned). */
static void s_mis_checksum(const lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *checksum,
                           size_t *bytes, char **sums)
{
    char *all = lnob_calloc(2 * plan->n_files + 1, HEX_SHA256);
    char map_path[PATH_MAX];
    size_t map_bytes = 0, len = 0, cap = 0;
    *bytes = 0;
    *sums = NULL;
    for (size_t i = 0; i < plan->n_files; i++) {
        char one[HEX_SHA256], map_one[HEX_SHA256] = "";
        const lnob_mis_read_t *r = lnob_mis_export_read(ctx, plan->kind_state, plan->files[i]);
        if (r) { /* the drop folder's cache: this very file, read before */
            memcpy(one, r->hex, HEX_SHA256);
            memcpy(map_one, r->map_hex, HEX_SHA256);
            *bytes += r->bytes;
        } else {
            s_file_checksum(plan->files[i], one, bytes);
            lnob_mis_map_path(plan->kind_state, plan->files[i], map_path, sizeof map_path);
            if (*map_path)
                s_file_checksum(map_path, map_one, &map_bytes);
        }
        strcat(all, one);
        strcat(all, map_one);
        size_t line = strlen(one) + strlen(plan->files[i]) + 4;
        lnob_grow((void **) sums, &cap, len + line, 1);
        len += (size_t) snprintf(*sums + len, line, "%s  %s\n", one, plan->files[i]);
    }
    lnob_ingest_checksum_text(all, checksum);
    free(all);
}

/* The exports of a run as one MIS extract of one reference year. */
int lnob_mis_extract_send(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap)
{
    int64_t started = lnob_now_ms();
    char checksum[HEX_SHA256], period[16], *sums;
    size_t bytes;
    s_mis_checksum(ctx, plan, checksum, &bytes, &sums);
    if (lnob_ingest_same_content(ctx, plan, checksum) != LNOB_OK) {
        free(sums);
        return lnob_ingest_send_failed(ctx, plan, ctx->first_id, "FILE_CHANGED", ctx->changed, checksum, "unknown");
    }
    mis_pass_t m = {.ctx = ctx, .scan = 1};
    const lnob_mis_ingest_cfg_t *mc = plan->kind_cfg;
    int rc = mc->period ? LNOB_OK : s_mis_pass(&m, plan, "scan");
    snprintf(period, sizeof period, "%ld", mc->period ? mc->period : (long) (m.latest / 10000));
    lnob_ingest_extract_id(ctx, id, cap, "mis", period, checksum);
    char population[INPUTS_MAX], err[LNOB_ERRSTR_MAX];
    if (*m.changed)
        rc = lnob_ingest_send_failed(ctx, plan, id, "FILE_CHANGED", m.changed, checksum, period);
    else if (rc != LNOB_OK)
        ;
    else if (!mc->period && m.latest == 0)
        rc = lnob_ingest_send_failed(ctx, plan, id, "NO_PERIOD",
                                     "no record with a start date: give the year with --period",
                                     checksum, "unknown");
    else if (s_population(ctx, mc, atoi(period), population, sizeof population, err, sizeof err) != 0)
        rc = lnob_ingest_send_failed(ctx, plan, id, "BAD_POPULATION", err, checksum, period);
    else {
        m = (mis_pass_t){.ctx = ctx};
        rc = s_mis_pass(&m, plan, id);
        if (*m.changed)
            rc = lnob_ingest_send_failed(ctx, plan, id, "FILE_CHANGED", m.changed, checksum, period);
        else if (rc == LNOB_OK)
            rc = s_send_mis_end(ctx, plan, &m, id, checksum, period, bytes, started, population, sums);
    }
    free(m.carry);
    free(sums);
    return rc;
}

/* A plan for MIS exports: all of them one extract. */
void lnob_mis_plan_files(lnob_plan_t *p, const char *const *files, size_t n)
{
    size_t s = 0, k = 0;
    p->kind = "mis";
    p->files = lnob_calloc(n + 1, sizeof *p->files);
    p->n_files = 0;
    for (size_t i = 0; i < n; i++)
        if (!lnob_mis_is_map(files[i]))
            p->files[p->n_files++] = files[i];
    files = p->files;
    n = p->n_files;
    for (size_t i = 0; i < n; i++) {
        s += (size_t) snprintf(p->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, "%s%s",
                               i ? " + " : "", files[i]);
        k += (size_t) snprintf(p->inputs + k, k < INPUTS_MAX ? INPUTS_MAX - k : 0, "%s%s",
                               i ? "\n" : "", files[i]);
    }
}

size_t lnob_mis_plan(const void *kcfg, lnob_plan_t *plans)
{
    const lnob_mis_ingest_cfg_t *cfg = kcfg;
    if (!cfg->mis.n) /* the MIS exports of a run: one extract (mapping files go with theirs) */
        return 0;
    lnob_mis_plan_files(plans, cfg->mis.items, cfg->mis.n);
    return 1;
}
