/* extract.c - delivery of an extract and the file helpers (extract.h). */
#include "extract.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/mis_codes.h"
#include "mis_extract.h"
#include "silc_extract.h"

/* Counts a message sent: its kind, how long the send took, and an
 * extract's rows from its end (first delivery only). */
static void s_sent(lnob_ingest_ctx_t *ctx, const lnob_env_t *env, int64_t t0)
{
    lnob_wire_sent(ctx->wire, (int) env->body_case);
    lnob_metric_observe_us(ctx->obs.send, lnob_mono_us() - t0);
    if (env->body_case != LNOB__V1__ENVELOPE__BODY_END || ctx->redelivery)
        return;
    lnob_metric_add(ctx->obs.rows_read, env->end->rows_read);
    lnob_metric_add(ctx->obs.rows_accepted, env->end->record_count);
}

/* Sends env, waiting through backpressure; LNOB_CLOSED when a signal
 * stops us, LNOB_ERR when the socket fails. */
int lnob_ingest_send(lnob_ingest_ctx_t *ctx, lnob_env_t *env)
{
    char why[LNOB_ERRSTR_MAX];
    int64_t t0 = lnob_mono_us();
    lnob_beat_tick(ctx->beat);
    for (;;) {
        int rc = lnob_wire_send(ctx->sock, env, why, sizeof why);
        if (rc == LNOB_OK) {
            s_sent(ctx, env, t0);
            return LNOB_OK;
        }
        if (zsys_interrupted)
            return LNOB_CLOSED;
        if (rc != LNOB_AGAIN) {
            lnob_error("cannot send: %s", why);
            return LNOB_ERR;
        }
        lnob_beat_tick(ctx->beat); /* waiting on a full queue is not being stuck */
    }
}

/* Sends batch seq of an extract unless the aggregator holds it already
 * (asked once per extract: a restarted ingester resumes). */
int lnob_ingest_send_batch(lnob_ingest_ctx_t *ctx, const char *extract_id, uint32_t seq, lnob_env_t *env)
{
    lnob_log_set_extract(extract_id); /* json log lines carry it from the first batch on */
    if (!ctx->redelivery) { /* rows quarantined whole: counted once, held by the aggregator or not */
        size_t n = env->body_case == LNOB__V1__ENVELOPE__BODY_MIS ? env->mis->n_rejects : env->batch->n_rejects;
        Lnob__V1__Reject **rj = env->body_case == LNOB__V1__ENVELOPE__BODY_MIS ? env->mis->rejects : env->batch->rejects;
        uint64_t whole = 0;
        for (size_t i = 0; i < n; i++)
            whole += rj[i]->kept == 0;
        lnob_metric_add(ctx->obs.rows_quarantined, whole);
    }
    if (ctx->ack && !ctx->asked) {
        ctx->asked = 1; /* resume: what does the aggregator hold already? */
        lnob_ack_query(ctx->ack, extract_id, lnob_beat_wait_ms(ctx->cfg->heartbeat_ms, (int) ctx->cfg->poll_ms));
    }
    if (ctx->ack && lnob_ack_held(ctx->ack, seq)) {
        ctx->skipped++;
        return LNOB_OK;
    }
    ctx->sent++;
    return lnob_ingest_send(ctx, env);
}

int lnob_ingest_send_failed(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, const char *extract_id,
                         const char *reason, const char *detail, const char *checksum,
                         const char *period)
{
    const char *source = plan->source;
    if (zsys_interrupted) /* the signal cut the parse short: that is no verdict on the file */
        return LNOB_CLOSED;
    if (ctx->redelivery)
        extract_id = ctx->first_id; /* never another id than the one awaited */
    Lnob__V1__ExtractFailed f = LNOB__V1__EXTRACT_FAILED__INIT;
    f.inputs = (char *) plan->inputs;
    f.extract_id = (char *) extract_id;
    f.run_id = (char *) ctx->cfg->run_id;
    f.source = (char *) source;
    f.reason = (char *) reason;
    f.detail = (char *) detail;
    f.checksum = (char *) checksum;
    f.period = (char *) period;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_FAILED;
    env.failed = &f;
    lnob_error("%s: extract %s failed: %s", source, extract_id, detail);
    return lnob_ingest_send(ctx, &env);
}

void lnob_ingest_end_ceiling(const lnob_ingest_cfg_t *cfg, Lnob__V1__ExtractEnd *end)
{
    end->has_max_reject = 1;
    end->max_reject_pct = cfg->max_reject_pct;
}

int lnob_ingest_same_content(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, const char *checksum)
{
    if (!ctx->redelivery) {
        snprintf(ctx->first_checksum, sizeof ctx->first_checksum, "%s", checksum);
        return LNOB_OK;
    }
    if (strcmp(checksum, ctx->first_checksum) == 0)
        return LNOB_OK;
    snprintf(ctx->changed, sizeof ctx->changed, "%.150s changed since it was first read (sha256 %.12s..., was %.12s...)",
             plan->source, checksum, ctx->first_checksum);
    return LNOB_ERR;
}

/* n bytes as 2n lowercase hex digits and a NUL. */
static void s_hex(const unsigned char *bin, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, bin, n);
}

/* sha256 of a short text (a path, a set's file checksums one after the
 * other) as hex; libsodium's, as the text is far too short to matter. */
void lnob_ingest_checksum_text(const char *text, char *hex)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *) text, strlen(text));
    s_hex(digest, sizeof digest, hex);
}

/* An extract id from its kind, period and checksum (as the SILC source
 * makes them): "silc-2023-683dff889fe09848". */
void lnob_ingest_extract_id(char *id, size_t cap, const char *kind, const char *period, const char *checksum)
{
    snprintf(id, cap, "%s-%s-%.16s", kind, period, checksum);
}

static int s_send_extract(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap)
{
    if (plan->mis)
        return lnob_mis_extract_send(ctx, plan, id, cap);
    if (plan->merged)
        return lnob_silc_extract_merged(ctx, plan, id, cap);
    return plan->file ? lnob_silc_extract_single(ctx, plan, id, cap) : lnob_silc_extract_set(ctx, plan, id, cap);
}

/* Asks the aggregator until the extract is stored; when it makes no
 * progress for redeliver-ms, sends again what it does not hold. */
static int s_await(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, const char *id)
{
    const lnob_ingest_cfg_t *cfg = ctx->cfg;
    int64_t now = lnob_now_ms(), changed = now, answered = now;
    uint64_t last = UINT64_MAX;
    char again[EXTRACT_ID_CAP];
    int poll_ms = lnob_beat_wait_ms(cfg->heartbeat_ms, (int) cfg->poll_ms);
    while (!zsys_interrupted) {
        lnob_beat_tick(ctx->beat);
        int64_t asked = lnob_now_ms();
        int ok = lnob_ack_query(ctx->ack, id, poll_ms);
        now = lnob_now_ms();
        if (ok && lnob_ack_state(ctx->ack) == LNOB__V1__PROGRESS__STATE__STORED)
            return LNOB_OK;
        if (ok) {
            answered = now;
            if (lnob_ack_signature(ctx->ack) != last) {
                last = lnob_ack_signature(ctx->ack);
                changed = now;
            } else if (lnob_ack_state(ctx->ack) != LNOB__V1__PROGRESS__STATE__COMPUTED &&
                       now - changed >= cfg->redeliver_ms) {
                lnob_warn("%s: extract %s made no progress for %ld ms; sending what is missing",
                          plan->source, id, cfg->redeliver_ms);
                ctx->redelivery = 1; /* the content is checked again before any of it is sent */
                int rc = s_send_extract(ctx, plan, again, sizeof again);
                ctx->redelivery = 0;
                if (rc != LNOB_OK)
                    return rc;
                changed = lnob_now_ms();
            }
        } else if (now - answered > cfg->ack_timeout_s * 1000) {
            lnob_error("%s: no answer from the aggregator at %s for %ld s; giving up", plan->source,
                       cfg->control, cfg->ack_timeout_s);
            return LNOB_ERR;
        }
        int64_t rest = poll_ms - (lnob_now_ms() - asked); /* told at once when it is stored */
        if (rest > 0 && lnob_ack_listen(ctx->ack, id, (int) rest) &&
            lnob_ack_state(ctx->ack) == LNOB__V1__PROGRESS__STATE__STORED)
            return LNOB_OK;
    }
    return LNOB_CLOSED;
}

int lnob_ingest_plan_run(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan)
{
    char id[EXTRACT_ID_CAP];
    ctx->asked = 0;
    ctx->redelivery = 0;
    if (ctx->ack)
        lnob_ack_reset(ctx->ack);
    int rc = s_send_extract(ctx, plan, id, sizeof id);
    snprintf(ctx->first_id, sizeof ctx->first_id, "%s", id);
    lnob_log_set_extract(id);
    if (rc == LNOB_OK && ctx->ack) {
        ctx->asked = 1; /* from now on the answers of s_await decide */
        rc = s_await(ctx, plan, id);
        if (rc == LNOB_OK)
            lnob_info("%s: extract %s stored", plan->source, id);
    }
    lnob_log_set_extract(NULL);
    return rc;
}

/* A plan for MIS exports: all of them one extract. */
void lnob_ingest_plan_mis(lnob_plan_t *p, const char *const *files, size_t n)
{
    size_t s = 0, k = 0;
    p->mis = p->mis_files = lnob_calloc(n + 1, sizeof *p->mis_files);
    p->n_mis = 0;
    for (size_t i = 0; i < n; i++)
        if (!lnob_mis_is_map(files[i]))
            p->mis_files[p->n_mis++] = files[i];
    files = p->mis_files;
    n = p->n_mis;
    for (size_t i = 0; i < n; i++) {
        s += (size_t) snprintf(p->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, "%s%s",
                               i ? " + " : "", files[i]);
        k += (size_t) snprintf(p->inputs + k, k < INPUTS_MAX ? INPUTS_MAX - k : 0, "%s%s",
                               i ? "\n" : "", files[i]);
    }
}
