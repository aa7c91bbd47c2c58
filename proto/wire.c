/* wire.c - pack, send, receive and validate lnob.proto Envelopes (wire.h). */
#include "wire.h"

#include <malloc.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "lnob/keys.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/recode.h"

/* Strings repaired on their way out, since the process started: a count
 * every sending thread adds to, so atomic. */
static _Atomic uint64_t s_text_repaired;

uint64_t lnob_wire_dropped(const lnob_wire_stats_t *s)
{
    return s->oversized + s->undecodable + s->bad_version + s->bad_body + s->wrong_kind +
           s->wrong_role;
}

/* ---- counting for the metrics endpoint ----------------------------------------- */

#define TAG_WIRE_TYPE_BITS 3
#define WIRE_VARINT 0
#define WIRE_LEN 2
#define VARINT_BYTES_MAX 10

static const char *const s_kind_names[LNOB_WIRE_KINDS] = {
    [LNOB__V1__ENVELOPE__BODY_BATCH] = "batch",         [LNOB__V1__ENVELOPE__BODY_END] = "end",
    [LNOB__V1__ENVELOPE__BODY_FAILED] = "failed",       [LNOB__V1__ENVELOPE__BODY_RUN] = "run",
    [LNOB__V1__ENVELOPE__BODY_QUARANTINE] = "quarantine", [LNOB__V1__ENVELOPE__BODY_RESULT] = "result",
    [LNOB__V1__ENVELOPE__BODY_STATUS] = "status",       [LNOB__V1__ENVELOPE__BODY_PROGRESS] = "progress",
    [LNOB__V1__ENVELOPE__BODY_STORED] = "stored",       [LNOB__V1__ENVELOPE__BODY_MIS] = "mis",
    [LNOB__V1__ENVELOPE__BODY_HEARTBEAT] = "heartbeat", [LNOB__V1__ENVELOPE__BODY_RANGE] = "range",
    [LNOB__V1__ENVELOPE__BODY_SNAPSHOT] = "snapshot",   [LNOB__V1__ENVELOPE__BODY_SNAPSHOT_END] = "snapshot_end"};

const char *lnob_wire_kind_name(int body_case)
{
    return body_case > 0 && body_case < LNOB_WIRE_KINDS ? s_kind_names[body_case] : NULL;
}

void lnob_wire_sent(lnob_wire_stats_t *s, int body_case)
{
    if (body_case > 0 && body_case < LNOB_WIRE_KINDS)
        s->out[body_case]++;
}

/* A varint at *p (below end); 0 past the end or when too long. */
static uint64_t s_varint(const uint8_t **p, const uint8_t *end, int *ok)
{
    uint64_t v = 0;
    for (int shift = 0, i = 0; i < VARINT_BYTES_MAX && *p < end; i++, shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80))
            return *ok = 1, v;
    }
    return *ok = 0, 0;
}

int lnob_wire_kind(const uint8_t *data, size_t len)
{
    const uint8_t *p = data, *end = data + len;
    int ok = 1;
    while (p < end && ok) {
        uint64_t tag = s_varint(&p, end, &ok);
        uint64_t field = tag >> TAG_WIRE_TYPE_BITS, type = tag & 7;
        if (ok && type == WIRE_LEN)
            return field < LNOB_WIRE_KINDS && s_kind_names[field] ? (int) field : 0;
        if (!ok || type != WIRE_VARINT)
            return 0;
        s_varint(&p, end, &ok); /* schema_version */
    }
    return 0;
}

static uint64_t s_repaired(const void *arg)
{
    (void) arg;
    return lnob_wire_text_repaired();
}

void lnob_wire_metrics(lnob_metrics_t *m, const lnob_wire_stats_t *s)
{
    char labels[64];
    for (int k = 1; k < LNOB_WIRE_KINDS; k++) {
        if (!s_kind_names[k] || k == LNOB__V1__ENVELOPE__BODY_HEARTBEAT)
            continue; /* beats go to lnob run, uncounted */
        snprintf(labels, sizeof labels, "kind=\"%s\"", s_kind_names[k]);
        lnob_metrics_counter_at(m, "lnob_messages_received_total", labels,
                                "Valid messages received, by kind.", &s->in[k]);
        lnob_metrics_counter_at(m, "lnob_message_bytes_received_total", labels,
                                "Bytes of the valid messages received, by kind.", &s->in_bytes[k]);
        lnob_metrics_counter_at(m, "lnob_messages_sent_total", labels, "Messages sent, by kind.", &s->out[k]);
    }
    static const char *const reasons[] = {"oversized", "undecodable", "bad_version", "bad_body",
                                          "wrong_kind", "wrong_role"};
    const _Atomic uint64_t *counts[] = {&s->oversized, &s->undecodable, &s->bad_version, &s->bad_body,
                                        &s->wrong_kind, &s->wrong_role};
    for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++) {
        snprintf(labels, sizeof labels, "reason=\"%s\"", reasons[r]);
        lnob_metrics_counter_at(m, "lnob_messages_dropped_total", labels,
                                "Messages dropped, by reason (docs/wire.md).", counts[r]);
    }
    lnob_metrics_counter_fn(m, "lnob_wire_text_repaired_total", "",
                            "Strings that were not UTF-8, repaired before sending (a bug upstream).",
                            s_repaired, NULL);
}

/* ---- who may send what ----------------------------------------------------- */

#define KIND(k) (1u << LNOB__V1__ENVELOPE__BODY_##k)

/* The kinds each role sends (lnob.proto's arrows). */
static const struct {
    const char *role;
    uint32_t kinds;
} s_senders[] = {
    {"ingest", KIND(BATCH) | KIND(END) | KIND(FAILED) | KIND(MIS) | KIND(STATUS) | KIND(RANGE)},
    {"transform", KIND(END) | KIND(FAILED) | KIND(RUN) | KIND(MIS)},
    {"aggregate", KIND(FAILED) | KIND(QUARANTINE) | KIND(RESULT) | KIND(PROGRESS)},
    {"sink", KIND(STORED) | KIND(RESULT) | KIND(SNAPSHOT_END)},
    {"dashboard", KIND(SNAPSHOT)},
};

int lnob_wire_role_sends(const char *role, int body_case)
{
    for (size_t i = 0; i < sizeof s_senders / sizeof s_senders[0]; i++)
        if (!strcmp(role, s_senders[i].role))
            return body_case > 0 && body_case < 32 && (s_senders[i].kinds & (1u << body_case));
    return 0;
}

/* ---- text: UTF-8 only -------------------------------------------------- */

/* 1 if string s is not UTF-8; with repair, it is made UTF-8 in place
 * (lnob_recode_scrub). */
static size_t s_bad_string(char *s, int repair)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    return repair ? lnob_recode_scrub(s, len) > 0 : !lnob_recode_utf8(s, len);
}

/* Every string field of msg and of the messages in it, the set member of
 * a oneof only: how many are not UTF-8 (with repair: were repaired);
 * *first names the first such field. */
static size_t s_scrub(ProtobufCMessage *msg, int repair, const char **first)
{
    size_t repaired = 0;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *at = (char *) msg + f->offset;
        size_t n = 1, before = repaired;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *) ((const char *) msg + f->quantifier_offset) != f->id)
                continue;
        }
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        void **items = (void **) at;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *) ((const char *) msg + f->quantifier_offset);
            items = *(void ***) at;
        }
        for (size_t k = 0; k < n; k++) {
            if (f->type == PROTOBUF_C_TYPE_STRING)
                repaired += s_bad_string(items[k], repair);
            else if (items[k])
                repaired += s_scrub(items[k], repair, first);
        }
        if (repaired > before && !*first && f->type == PROTOBUF_C_TYPE_STRING)
            *first = f->name;
    }
    return repaired;
}

/* ---- body validation -------------------------------------------------- */

/* Every v[i] < limit: dictionary indexes, breakdown codes. */
static int s_below(const uint32_t *v, size_t n, size_t limit)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] >= limit)
            return 0;
    return 1;
}

static const char *s_check_batch(const Lnob__V1__Batch *b)
{
    size_t n = b->record_count;
    if (!b->extract_id || !*b->extract_id)
        return "batch without extract_id";
    if (b->n_person_id != n || b->n_household_id != n || b->n_weight != n ||
        b->n_sex != n || b->n_age != n || b->n_line != n || b->n_region != n ||
        b->n_municipality != n)
        return "batch column lengths differ from record_count";
    int some = b->n_hx090 == n || b->n_hy020 == n;
    if (!some || (b->n_hx090 && b->n_hx090 != n) || (b->n_hy020 && b->n_hy020 != n) ||
        (b->n_hx050 && b->n_hx050 != n))
        return "batch income columns inconsistent";
    if (!s_below(b->region, n, b->n_region_dict) ||
        !s_below(b->municipality, n, b->n_municipality_dict))
        return "batch dictionary index out of range";
    for (size_t v = 0; v < b->n_vars; v++) {
        const Lnob__V1__Var *var = b->vars[v];
        if (!var->name || !*var->name)
            return "batch variable without a name";
        if (var->n_code + var->n_amount != n || (var->n_code && var->n_amount))
            return "batch variable length differs from record_count";
    }
    return NULL;
}

/* A person key is empty (unkeyed) or 64 lowercase hex digits. */
static int s_keys_ok(char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(keys[i]);
        if (len && (len != LNOB_MIS_KEY_HEX || strspn(keys[i], "0123456789abcdef") != len))
            return 0;
    }
    return 1;
}

static const char *s_check_mis(const Lnob__V1__MisBatch *b)
{
    size_t n = b->record_count;
    if (!*b->extract_id)
        return "mis batch without extract_id";
    if (b->n_person_key != n || b->n_record_id != n || b->n_municipality != n || b->n_service != n ||
        b->n_sex != n || b->n_birth_date != n || b->n_flags != n || b->n_start_date != n ||
        b->n_end_date != n || b->n_status != n || b->n_line != n)
        return "mis batch column lengths differ from record_count";
    if (!s_below(b->municipality, n, b->n_municipality_dict) || !s_below(b->service, n, b->n_service_dict))
        return "mis batch dictionary index out of range";
    for (size_t i = 0; i < n; i++) {
        if (!b->municipality[i] || (!b->service[i] && !b->needs_register))
            return "mis batch record without municipality or service";
        if (b->service[i] && b->needs_register)
            return "mis register entry with a service";
    }
    if (!s_keys_ok(b->person_key, n))
        return "mis batch person key is not 64 hex digits";
    return NULL;
}

/* The household columns of a run: all record_count long, or all empty. */
static int s_household_ok(const Lnob__V1__Run *r)
{
    int have = (r->have & LNOB_HAVE_HOUSEHOLD) != 0;
    size_t n = have ? r->record_count : 0;
    return r->n_household_id == n && r->n_age_irp == n && r->n_lack13 == n &&
           r->n_item_missing == n && r->n_lack9 == n && r->n_hhtype == n && r->n_wi_elig == n &&
           r->n_imp_cell == n && r->n_mw == n && r->n_pt_imp == n &&
           r->n_pt_wh == (have ? LNOB_PT_TABLE_CELLS : 0) && r->n_pt_w == r->n_pt_wh;
}

/* Length of a column that is there when the run has that bit. */
static size_t s_if(const Lnob__V1__Run *r, uint32_t bit)
{
    return (r->have & bit) ? r->record_count : 0;
}

/* The breakdown codes index the aggregator's group buckets. */
static int s_codes_ok(const Lnob__V1__Run *r)
{
    size_t n = r->record_count;
    return r->n_age_b == n && r->n_gali == s_if(r, LNOB_HAVE_GALI) &&
           r->n_degurba == s_if(r, LNOB_HAVE_DEGURBA) &&
           s_below(r->sex, n, LNOB_RUN_SEX_MAX + 1) &&
           s_below(r->age_group, n, LNOB_RUN_AGE_GROUP_MAX + 1) &&
           s_below(r->age_b, n, LNOB_RUN_AGE_B_MAX + 1) &&
           s_below(r->gali, r->n_gali, LNOB_RUN_GALI_MAX + 1) &&
           s_below(r->degurba, r->n_degurba, LNOB_RUN_DEGURBA_MAX + 1) &&
           s_below(r->hhtype, r->n_hhtype, LNOB_RUN_HHTYPE_MAX + 1);
}

/* hh_order is empty, or a permutation of 0..n-1 (each index once). */
static int s_order_ok(const uint32_t *v, size_t len, size_t n)
{
    if (len == 0)
        return 1;
    if (len != n)
        return 0;
    uint8_t *seen = calloc(n ? n : 1, 1);
    int ok = seen != NULL;
    for (size_t i = 0; i < n && ok; i++) {
        ok = v[i] < n && !seen[v[i]];
        if (ok)
            seen[v[i]] = 1;
    }
    free(seen);
    return ok;
}

static const char *s_check_run(const Lnob__V1__Run *r)
{
    size_t n = r->record_count;
    if (!r->extract_id || !*r->extract_id)
        return "run without extract_id";
    if (r->n_x != n || r->n_weight != n || r->n_person_id != n || r->n_line != n ||
        r->n_sex != n || r->n_age_group != n || r->n_region != n || r->n_municipality != n)
        return "run column lengths differ from record_count";
    if (!s_household_ok(r))
        return "run household columns inconsistent";
    if (!s_below(r->imp_cell, r->n_imp_cell, LNOB_PT_TABLE_CELLS + 1))
        return "run imputation cell out of range";
    if (!s_order_ok(r->hh_order, r->n_hh_order, n))
        return "run household order is not a permutation of its persons";
    if (!s_codes_ok(r))
        return "run breakdown code out of range or column missing";
    if (!s_below(r->region, n, r->n_region_dict) ||
        !s_below(r->municipality, n, r->n_municipality_dict))
        return "run dictionary index out of range";
    return NULL;
}

/* Fields this schema does not know mean another schema: refuse them rather
 * than carry bytes nobody checked (protobuf-c would even re-pack a field
 * numbered 0 that it then cannot read back). */
static int s_unknown(const void *msg)
{
    return msg && ((const ProtobufCMessage *) msg)->n_unknown_fields > 0;
}

static int s_unknown_in(void *const *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_unknown(msgs[i]))
            return 1;
    return 0;
}

static int s_has_unknown(const lnob_env_t *e)
{
    if (s_unknown(e))
        return 1;
    switch (e->body_case) {
    case LNOB__V1__ENVELOPE__BODY_BATCH:
        return s_unknown(e->batch) || s_unknown_in((void *const *) e->batch->rejects, e->batch->n_rejects) ||
               s_unknown_in((void *const *) e->batch->vars, e->batch->n_vars);
    case LNOB__V1__ENVELOPE__BODY_RUN:
        return s_unknown(e->run) || s_unknown_in((void *const *) e->run->rejects, e->run->n_rejects);
    case LNOB__V1__ENVELOPE__BODY_QUARANTINE:
        return s_unknown(e->quarantine) ||
               s_unknown_in((void *const *) e->quarantine->rejects, e->quarantine->n_rejects);
    case LNOB__V1__ENVELOPE__BODY_RESULT:
        return s_unknown(e->result) || s_unknown_in((void *const *) e->result->cells, e->result->n_cells) ||
               s_unknown_in((void *const *) e->result->meta, e->result->n_meta);
    case LNOB__V1__ENVELOPE__BODY_END:
        return s_unknown(e->end) || s_unknown_in((void *const *) e->end->carry, e->end->n_carry);
    case LNOB__V1__ENVELOPE__BODY_FAILED:
        return s_unknown(e->failed);
    case LNOB__V1__ENVELOPE__BODY_STATUS:
        return s_unknown(e->status);
    case LNOB__V1__ENVELOPE__BODY_PROGRESS:
        return s_unknown(e->progress);
    case LNOB__V1__ENVELOPE__BODY_STORED:
        return s_unknown(e->stored);
    case LNOB__V1__ENVELOPE__BODY_MIS:
        return s_unknown(e->mis) || s_unknown_in((void *const *) e->mis->rejects, e->mis->n_rejects);
    case LNOB__V1__ENVELOPE__BODY_HEARTBEAT:
        return s_unknown(e->heartbeat);
    case LNOB__V1__ENVELOPE__BODY_RANGE:
        return s_unknown(e->range);
    case LNOB__V1__ENVELOPE__BODY_SNAPSHOT:
        return s_unknown(e->snapshot);
    case LNOB__V1__ENVELOPE__BODY_SNAPSHOT_END:
        return s_unknown(e->snapshot_end);
    default:
        return 0;
    }
}

/* A channel is "" (the default) or a name (lnob/keys.h): it becomes part
 * of extract ids and Redis keys. */
static int s_bad_channel(const char *channel)
{
    return *channel && !lnob_channel_valid(channel);
}

/* A Range names its extract, period and header, and holds whole lines. */
static const char *s_check_range(const Lnob__V1__Range *r)
{
    if (!*r->extract_id || !*r->period || !r->header.len)
        return "range without extract_id, period or header";
    if (!r->rows || !r->data.len || r->data.data[r->data.len - 1] != '\n')
        return "range without whole lines";
    return NULL;
}

/* An end's carried ranges: within its batches and the base's, in seq
 * order and none over another, and a base to take them from. */
static const char *s_check_end(const Lnob__V1__ExtractEnd *e)
{
    if (!*e->extract_id)
        return "end without extract_id";
    if (e->n_carry && (!*e->base_extract_id || !strcmp(e->base_extract_id, e->extract_id)))
        return "end carrying batches without another extract to take them from";
    uint64_t next = 0; /* the first seq the next range may start at */
    for (size_t i = 0; i < e->n_carry; i++) {
        const Lnob__V1__Carry *c = e->carry[i];
        if (!c->count || (uint64_t) c->seq + c->count > e->batch_count ||
            (uint64_t) c->base_seq + c->count > UINT32_MAX || !*c->source)
            return "end carrying a range outside its batches";
        if (c->seq < next)
            return "end carrying ranges out of order or over one another";
        next = (uint64_t) c->seq + c->count;
    }
    return NULL;
}

static const char *s_check_body(const lnob_env_t *e)
{
    const char *first = NULL;
    if (s_has_unknown(e))
        return "fields unknown to schema version 1";
    if (s_scrub((ProtobufCMessage *) &e->base, 0, &first))
        return "a string field is not UTF-8";
    switch (e->body_case) {
    case LNOB__V1__ENVELOPE__BODY_BATCH:
        return s_check_batch(e->batch);
    case LNOB__V1__ENVELOPE__BODY_RUN:
        return s_check_run(e->run);
    case LNOB__V1__ENVELOPE__BODY_END:
        return s_bad_channel(e->end->channel) ? "end of a channel that is not a name" : s_check_end(e->end);
    case LNOB__V1__ENVELOPE__BODY_FAILED:
        if (s_bad_channel(e->failed->channel))
            return "failed of a channel that is not a name";
        return *e->failed->extract_id ? NULL : "failed without extract_id";
    case LNOB__V1__ENVELOPE__BODY_QUARANTINE:
        return *e->quarantine->extract_id ? NULL : "quarantine without extract_id";
    case LNOB__V1__ENVELOPE__BODY_RESULT:
        return *e->result->extract_id ? NULL : "result without extract_id";
    case LNOB__V1__ENVELOPE__BODY_STATUS:
        return *e->status->extract_id ? NULL : "status without extract_id";
    case LNOB__V1__ENVELOPE__BODY_PROGRESS:
        return *e->progress->extract_id ? NULL : "progress without extract_id";
    case LNOB__V1__ENVELOPE__BODY_STORED:
        return *e->stored->extract_id ? NULL : "stored without extract_id";
    case LNOB__V1__ENVELOPE__BODY_MIS:
        return s_check_mis(e->mis);
    case LNOB__V1__ENVELOPE__BODY_HEARTBEAT:
        return e->heartbeat->pid ? NULL : "heartbeat without pid";
    case LNOB__V1__ENVELOPE__BODY_RANGE:
        return s_bad_channel(e->range->channel) ? "range of a channel that is not a name" : s_check_range(e->range);
    case LNOB__V1__ENVELOPE__BODY_SNAPSHOT: /* the channel is checked where it is used */
    case LNOB__V1__ENVELOPE__BODY_SNAPSHOT_END:
        return NULL;
    default:
        return "envelope without body";
    }
}

const char *lnob_wire_extract_id(const lnob_env_t *e)
{
    switch (e->body_case) {
    case LNOB__V1__ENVELOPE__BODY_BATCH: return e->batch->extract_id;
    case LNOB__V1__ENVELOPE__BODY_RUN: return e->run->extract_id;
    case LNOB__V1__ENVELOPE__BODY_END: return e->end->extract_id;
    case LNOB__V1__ENVELOPE__BODY_FAILED: return e->failed->extract_id;
    case LNOB__V1__ENVELOPE__BODY_QUARANTINE: return e->quarantine->extract_id;
    case LNOB__V1__ENVELOPE__BODY_RESULT: return e->result->extract_id;
    case LNOB__V1__ENVELOPE__BODY_STATUS: return e->status->extract_id;
    case LNOB__V1__ENVELOPE__BODY_PROGRESS: return e->progress->extract_id;
    case LNOB__V1__ENVELOPE__BODY_STORED: return e->stored->extract_id;
    case LNOB__V1__ENVELOPE__BODY_MIS: return e->mis->extract_id;
    case LNOB__V1__ENVELOPE__BODY_RANGE: return e->range->extract_id;
    default: return "";
    }
}

const char *lnob_wire_run_id(const lnob_env_t *e)
{
    switch (e->body_case) {
    case LNOB__V1__ENVELOPE__BODY_BATCH: return e->batch->run_id;
    case LNOB__V1__ENVELOPE__BODY_RUN: return e->run->run_id;
    case LNOB__V1__ENVELOPE__BODY_END: return e->end->run_id;
    case LNOB__V1__ENVELOPE__BODY_FAILED: return e->failed->run_id;
    case LNOB__V1__ENVELOPE__BODY_QUARANTINE: return e->quarantine->run_id;
    case LNOB__V1__ENVELOPE__BODY_RESULT: return e->result->run_id;
    case LNOB__V1__ENVELOPE__BODY_STATUS: return e->status->run_id;
    case LNOB__V1__ENVELOPE__BODY_PROGRESS: return e->progress->run_id;
    case LNOB__V1__ENVELOPE__BODY_STORED: return e->stored->run_id;
    case LNOB__V1__ENVELOPE__BODY_MIS: return e->mis->run_id;
    case LNOB__V1__ENVELOPE__BODY_RANGE: return e->range->run_id;
    default: return "";
    }
}

/* The record messages: the rows of an extract, numbered by seq. */
uint32_t lnob_wire_seq(const lnob_env_t *e)
{
    switch (e->body_case) {
    case LNOB__V1__ENVELOPE__BODY_BATCH: return e->batch->seq;
    case LNOB__V1__ENVELOPE__BODY_RUN: return e->run->seq;
    case LNOB__V1__ENVELOPE__BODY_MIS: return e->mis->seq;
    case LNOB__V1__ENVELOPE__BODY_RANGE: return e->range->seq;
    default: return 0;
    }
}

Lnob__V1__Reject **lnob_wire_rejects(const lnob_env_t *e, size_t *n)
{
    switch (e->body_case) {
    case LNOB__V1__ENVELOPE__BODY_BATCH: return *n = e->batch->n_rejects, e->batch->rejects;
    case LNOB__V1__ENVELOPE__BODY_RUN: return *n = e->run->n_rejects, e->run->rejects;
    case LNOB__V1__ENVELOPE__BODY_MIS: return *n = e->mis->n_rejects, e->mis->rejects;
    default: return *n = 0, NULL;
    }
}

/* ---- decode / free ---------------------------------------------------- */

lnob_env_t *lnob_wire_decode(const uint8_t *data, size_t len, lnob_wire_stats_t *stats,
                             char *why, size_t cap)
{
    stats->received++;
    if (len > LNOB_WIRE_MAX_BYTES) {
        stats->oversized++;
        snprintf(why, cap, "oversized message (%zu bytes)", len);
        return NULL;
    }
    lnob_env_t *env = lnob__v1__envelope__unpack(NULL, len, data);
    if (!env) {
        stats->undecodable++;
        snprintf(why, cap, "undecodable message (%zu bytes): truncated or not lnob.v1", len);
        return NULL;
    }
    if (env->schema_version != LNOB_SCHEMA_VERSION) {
        stats->bad_version++;
        snprintf(why, cap, "unknown schema version %u (expected %u)", env->schema_version,
                 LNOB_SCHEMA_VERSION);
        lnob_wire_free(&env);
        return NULL;
    }
    const char *bad = s_check_body(env);
    if (bad) {
        stats->bad_body++;
        snprintf(why, cap, "%s", bad);
        lnob_wire_free(&env);
        return NULL;
    }
    return env;
}

void lnob_wire_free(lnob_env_t **env_p)
{
    if (!env_p || !*env_p)
        return;
    lnob__v1__envelope__free_unpacked(*env_p, NULL);
    *env_p = NULL;
}

uint64_t lnob_wire_text_repaired(void)
{
    return s_text_repaired;
}

/* ---- send / receive --------------------------------------------------- */

uint8_t *lnob_wire_pack(lnob_env_t *env, size_t *len)
{
    const char *first = NULL;
    size_t repaired = s_scrub(&env->base, 1, &first);
    if (repaired) {
        s_text_repaired += repaired;
        lnob_log_once(LNOB_LOG_WARN, "wire: %zu strings that were not UTF-8 repaired before sending "
                      "('?' for each bad byte), the first in field %s (%llu so far)", repaired, first ? first : "?",
                      (unsigned long long) s_text_repaired);
    }
    env->schema_version = LNOB_SCHEMA_VERSION;
    *len = lnob__v1__envelope__get_packed_size(env);
    uint8_t *buf = lnob_malloc(*len ? *len : 1);
    lnob__v1__envelope__pack(env, buf);
    return buf;
}

/* The rc of a failed send, with why. */
static int s_send_failed(int err, char *why, size_t cap)
{
    if (err == EINTR || err == EAGAIN) {
        snprintf(why, cap, "send interrupted");
        return LNOB_AGAIN;
    }
    snprintf(why, cap, "zmq_send: %s", zmq_strerror(err));
    return err == ETERM ? LNOB_CLOSED : LNOB_ERR;
}

int lnob_wire_send_bytes(void *sock, const uint8_t *data, size_t len, char *why, size_t cap)
{
    if (zmq_send(sock, data, len, 0) >= 0)
        return LNOB_OK;
    return s_send_failed(errno, why, cap);
}

static void s_free_packed(void *data, void *hint)
{
    (void) hint;
    free(data);
}

/* The packed bytes go to ZeroMQ as they are (no copy): it frees them once
 * sent, or zmq_msg_close does when the send fails. */
int lnob_wire_send(void *sock, lnob_env_t *env, char *why, size_t cap)
{
    size_t len;
    uint8_t *buf = lnob_wire_pack(env, &len);
    zmq_msg_t msg;
    if (zmq_msg_init_data(&msg, buf, len, s_free_packed, NULL) != 0) {
        free(buf);
        snprintf(why, cap, "zmq_msg_init_data: %s", zmq_strerror(errno));
        return LNOB_ERR;
    }
    if (zmq_msg_send(&msg, sock, 0) >= 0)
        return LNOB_OK;
    int err = errno;
    zmq_msg_close(&msg);
    return s_send_failed(err, why, cap);
}

void lnob_wire_trim(lnob_wire_stats_t *stats)
{
    if (stats->trim_pending) {
        stats->trim_pending = 0;
        malloc_trim(0);
    }
}

int lnob_wire_recv(void *sock, lnob_env_t **env_p, lnob_wire_stats_t *stats, char *why,
                   size_t cap)
{
    lnob_wire_trim(stats); /* the caller is done with the large message before this call */
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, 0) < 0) {
        int err = errno;
        zmq_msg_close(&msg);
        snprintf(why, cap, "zmq_msg_recv: %s", zmq_strerror(err));
        if (err == EINTR || err == EAGAIN)
            return LNOB_AGAIN;
        return err == ETERM ? LNOB_CLOSED : LNOB_ERR;
    }
    stats->trim_pending = zmq_msg_size(&msg) >= LNOB_WIRE_TRIM_BYTES;
    /* A multi-part message is not ours: drain and drop it whole. */
    int more = zmq_msg_more(&msg);
    if (more) {
        stats->received++;
        stats->bad_body++;
        snprintf(why, cap, "multi-part message");
        *env_p = NULL;
    } else {
        *env_p = lnob_wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), stats, why, cap);
        const char *role = *env_p ? zmq_msg_gets(&msg, "User-Id") : NULL; /* set by our ZAP handler */
        if (role && !lnob_wire_role_sends(role, (*env_p)->body_case)) {
            stats->wrong_role++;
            snprintf(why, cap, "a peer of role %s may not send a message of kind %d", role,
                     (int) (*env_p)->body_case);
            lnob_wire_free(env_p);
        } else if (*env_p && (int) (*env_p)->body_case < LNOB_WIRE_KINDS) {
            stats->in[(*env_p)->body_case]++;
            stats->in_bytes[(*env_p)->body_case] += zmq_msg_size(&msg);
        }
    }
    zmq_msg_close(&msg);
    while (more) {
        zmq_msg_init(&msg);
        more = zmq_msg_recv(&msg, sock, 0) >= 0 && zmq_msg_more(&msg);
        zmq_msg_close(&msg);
    }
    if (!*env_p)
        return LNOB_DROP;
    return LNOB_OK;
}

int lnob_wire_recv_routed(void *sock, lnob_peer_t *peer, lnob_env_t **env_p,
                          lnob_wire_stats_t *stats, char *why, size_t cap)
{
    int n = zmq_recv(sock, peer->id, sizeof peer->id, 0);
    if (n < 0) {
        int err = errno;
        snprintf(why, cap, "zmq_recv: %s", zmq_strerror(err));
        if (err == EINTR || err == EAGAIN)
            return LNOB_AGAIN;
        return err == ETERM ? LNOB_CLOSED : LNOB_ERR;
    }
    peer->len = (size_t) n < sizeof peer->id ? (size_t) n : sizeof peer->id;
    int more = 0;
    size_t sz = sizeof more;
    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz);
    if (!more) {
        stats->received++;
        stats->bad_body++;
        snprintf(why, cap, "routed message without a body");
        *env_p = NULL;
        return LNOB_DROP;
    }
    return lnob_wire_recv(sock, env_p, stats, why, cap);
}

int lnob_wire_send_routed(void *sock, const lnob_peer_t *peer, lnob_env_t *env, char *why,
                          size_t cap)
{
    if (zmq_send(sock, peer->id, peer->len, ZMQ_SNDMORE) < 0) {
        snprintf(why, cap, "zmq_send: %s", zmq_strerror(errno));
        return LNOB_ERR;
    }
    return lnob_wire_send(sock, env, why, cap);
}
