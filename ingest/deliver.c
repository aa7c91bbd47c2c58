/* deliver.c - sending an extract's messages, and its ids (deliver.h). */
#include "deliver.h"

#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "lnob/clock.h"
#include "lnob/keys.h"
#include "lnob/log.h"
#include "lnob/mem.h"

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
/* Counts a batch's rows quarantined whole, once: on its first delivery,
 * held by the aggregator, sent or carried. */
static void s_count_rejects(lnob_ingest_ctx_t *ctx, const lnob_env_t *env)
{
    if (ctx->redelivery)
        return;
    size_t n;
    Lnob__V1__Reject **rj = lnob_wire_rejects(env, &n);
    uint64_t whole = 0;
    for (size_t i = 0; i < n; i++)
        whole += rj[i]->kept == 0;
    lnob_metric_add(ctx->obs.rows_quarantined, whole);
}

int lnob_ingest_same_aggregator(const lnob_ingest_ctx_t *ctx, const char *a, const char *b)
{
    return ctx->ack && lnob_ack_same_aggregator(ctx->ack, a, b);
}

void lnob_ingest_carried(lnob_ingest_ctx_t *ctx, const lnob_env_t *env)
{
    s_count_rejects(ctx, env);
}

int lnob_ingest_send_batch(lnob_ingest_ctx_t *ctx, const char *extract_id, uint32_t seq, lnob_env_t *env)
{
    lnob_log_set_extract(extract_id); /* json log lines carry it from the first batch on */
    s_count_rejects(ctx, env);
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
    f.channel = (char *) ctx->cfg->channel;
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

/* An extract id from its kind, period, checksum and the run's channel (as
 * the SILC parser makes them): "silc-2023-683dff889fe09848". */
void lnob_ingest_extract_id(const lnob_ingest_ctx_t *ctx, char *id, size_t cap, const char *kind, const char *period,
                            const char *checksum)
{
    lnob_extract_id_make(id, cap, kind, period, checksum, ctx->cfg->channel);
}

