/* extract.c - a plan's extract sent until it is stored (extract.h). */
#include "extract.h"

#include <czmq.h>
#include <stdio.h>

#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "registry.h"

/* Sends the plan's extract through its kind; writes its id. */
static int s_send_extract(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap)
{
    const lnob_source_ops_t *kind = lnob_source_named(plan->kind);
    if (!kind) { /* a kind's plan names a kind the registry does not list: a bug, said plainly */
        snprintf(id, cap, "%s", "");
        lnob_error("%s: no source kind '%s' in the registry", plan->source, plan->kind);
        return LNOB_ERR;
    }
    return kind->send(ctx, plan, id, cap);
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

/* An extract sent and not yet known to be stored. */
typedef struct {
    const lnob_plan_t *plan;
    char id[EXTRACT_ID_CAP];
    char checksum[HEX_SHA256]; /* its content as first sent (a redelivery must match) */
} flight_t;

/* Sends a plan's extract; what its wait needs is kept in f. */
static int s_depart(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, flight_t *f)
{
    ctx->asked = 0;
    ctx->redelivery = 0;
    ctx->first_checksum[0] = '\0';
    if (ctx->ack)
        lnob_ack_reset(ctx->ack);
    f->plan = plan;
    int rc = s_send_extract(ctx, plan, f->id, sizeof f->id);
    snprintf(f->checksum, sizeof f->checksum, "%s", ctx->first_checksum);
    return rc;
}

/* Waits until f's extract is stored, sending again what goes missing. */
static int s_land(lnob_ingest_ctx_t *ctx, const flight_t *f)
{
    snprintf(ctx->first_id, sizeof ctx->first_id, "%s", f->id);
    snprintf(ctx->first_checksum, sizeof ctx->first_checksum, "%s", f->checksum);
    ctx->asked = 1; /* from now on the answers of s_await decide */
    ctx->redelivery = 0;
    lnob_ack_reset(ctx->ack);
    lnob_log_set_extract(f->id);
    int rc = s_await(ctx, f->plan, f->id);
    if (rc == LNOB_OK)
        lnob_info("%s: extract %s stored", f->plan->source, f->id);
    lnob_log_set_extract(NULL);
    return rc;
}

int lnob_ingest_plans_run(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plans, size_t n, size_t in_flight)
{
    flight_t *f = lnob_calloc(in_flight ? in_flight : 1, sizeof *f);
    size_t cap = in_flight ? in_flight : 1, head = 0, count = 0;
    int rc = LNOB_OK;
    for (size_t i = 0; i < n && rc == LNOB_OK; i++) {
        if (count == cap && ctx->ack) { /* the window is full: the oldest must land first */
            rc = s_land(ctx, &f[head]);
            head = (head + 1) % cap, count--;
        }
        if (rc != LNOB_OK)
            break;
        flight_t *slot = &f[(head + count) % cap];
        rc = s_depart(ctx, &plans[i], slot);
        count += ctx->ack != NULL;
    }
    for (; rc == LNOB_OK && count; head = (head + 1) % cap, count--)
        rc = s_land(ctx, &f[head]);
    free(f);
    return rc;
}

int lnob_ingest_plan_run(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan)
{
    return lnob_ingest_plans_run(ctx, plan, 1, 1);
}
