/* main.c - lnob-aggregate: hold each extract until it is complete, compute
 * its indicators, send them to the sink until it confirms.
 *
 * Pulls Runs (and MisBatches, ExtractEnds, ExtractFailed) from the
 * transformers; holds each extract until it is complete (aggregate.h),
 * computes the indicators and pushes the quarantine and the Result to the
 * sink. Its control socket (ROUTER) answers ingesters' Status with
 * Progress and takes the sink's Stored confirmations; unconfirmed results
 * are sent again (docs/delivery.md). Bad messages are dropped, counted and
 * logged once. The loop beats to lnob run (beat.h). SIGINT/SIGTERM stop
 * it; what it held is redelivered by its senders. */
#include <czmq.h>

#include "aggregate.h"
#include "aggregate_config.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/stop.h"
#include "registry.h"
#include "stage.h"
#include "waiting.h"

#define POLL_MS 500 /* receive timeout, so signals are seen promptly */

/* What the metrics endpoint shows besides the stage's (docs/operations.md). */
typedef struct {
    lnob_metric_t *stage;                     /* per extract */
    lnob_metric_t *collecting, *unconfirmed;  /* extracts in flight */
    lnob_metric_t *completed, *failed, *confirmed, *duplicates, *late;
    lnob_metric_t *carried, *not_carried;     /* batches an end carried (carry.h) */
} obs_t;

typedef struct {
    lnob_stage_t st;                    /* st.control: the ROUTER */
    lnob_aggregate_progress_t progress; /* reply buffer */
    lnob_waiting_t waiting;             /* ingesters to tell when an extract is stored */
    lnob_aggregate_t *agg;
    obs_t obs;
} worker_t;

static int s_emit(void *arg, const uint8_t *data, size_t len)
{
    worker_t *w = arg;
    return lnob_stage_send_bytes(&w->st, data, len);
}

/* Tells peer the Progress of extract_id in run_id. Returns its state. */
static int s_answer(worker_t *w, const lnob_peer_t *peer, const char *extract_id, const char *run_id)
{
    char why[LNOB_ERRSTR_MAX];
    lnob_aggregate_progress_t *p = &w->progress;
    lnob_aggregate_progress(w->agg, extract_id, run_id, p);
    Lnob__V1__Progress m = LNOB__V1__PROGRESS__INIT;
    m.extract_id = (char *) extract_id;
    m.run_id = (char *) run_id;
    m.state = p->state;
    m.end_seen = p->end_seen;
    m.n_have = p->n_have;
    m.have = p->have;
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_PROGRESS;
    out.progress = &m;
    if (lnob_wire_send_routed(zsock_resolve(w->st.control), peer, &out, why, sizeof why) != LNOB_OK)
        lnob_log_once(LNOB_LOG_WARN, "cannot answer a status request: %s", why);
    else
        lnob_wire_sent(&w->st.wire, LNOB__V1__ENVELOPE__BODY_PROGRESS);
    return p->state;
}

static void s_tell_stored(void *arg, const lnob_waiter_t *waiter)
{
    s_answer(arg, &waiter->peer, waiter->extract_id, waiter->run_id);
}

/* Answers a Status with Progress (and remembers who waits for the extract
 * to be stored); records a Stored confirmation and tells who waited. */
static void s_control(worker_t *w)
{
    char why[LNOB_ERRSTR_MAX];
    lnob_peer_t peer;
    lnob_env_t *env = NULL;
    int rc = lnob_wire_recv_routed(zsock_resolve(w->st.control), &peer, &env, &w->st.wire, why, sizeof why);
    if (rc == LNOB_DROP)
        lnob_log_once(LNOB_LOG_WARN, "dropped a bad control message: %s", why);
    if (rc != LNOB_OK)
        return;
    lnob_log_set_extract(lnob_wire_extract_id(env));
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_STORED) {
        lnob_aggregate_stored(w->agg, env->stored->extract_id, env->stored->run_id);
        lnob_waiting_take(&w->waiting, env->stored->extract_id, s_tell_stored, w);
    } else if (env->body_case == LNOB__V1__ENVELOPE__BODY_STATUS) {
        const Lnob__V1__Status *st = env->status;
        if (s_answer(w, &peer, st->extract_id, st->run_id) != LNOB__V1__PROGRESS__STATE__STORED)
            lnob_waiting_add(&w->waiting, st->extract_id, st->run_id, &peer);
    } else {
        w->st.wire.wrong_kind++;
        lnob_log_once(LNOB_LOG_WARN, "dropped a control message of the wrong kind");
    }
    lnob_wire_free(&env);
    lnob_log_set_extract(NULL);
}

/* The messages the aggregator's intake takes: the record messages of
 * every source kind, and the ends. */
static int s_intake_kind(const lnob_env_t *env)
{
    return lnob_source_of_record((int) env->body_case) ||
           env->body_case == LNOB__V1__ENVELOPE__BODY_END ||
           env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED;
}

/* The aggregator's counts into its metrics, once a loop turn: a few
 * atomic stores. */
static void s_observe(worker_t *w, uint64_t *completed)
{
    const lnob_aggregate_stats_t *st = lnob_aggregate_stats(w->agg);
    const obs_t *o = &w->obs;
    if (st->completed > *completed)
        lnob_metric_observe_us(o->stage, st->last_us);
    *completed = st->completed;
    lnob_metric_set(o->completed, (int64_t) st->completed);
    lnob_metric_set(o->failed, (int64_t) st->failed);
    lnob_metric_set(o->confirmed, (int64_t) st->confirmed);
    lnob_metric_set(o->duplicates, (int64_t) st->duplicates);
    lnob_metric_set(o->late, (int64_t) st->late);
    lnob_metric_set(o->carried, (int64_t) st->carried);
    lnob_metric_set(o->not_carried, (int64_t) st->not_carried);
    lnob_metric_set(o->collecting, (int64_t) lnob_aggregate_pending(w->agg));
    lnob_metric_set(o->unconfirmed, (int64_t) (st->completed + st->failed - st->confirmed));
}

/* Takes one message from the intake. */
static int s_intake(worker_t *w)
{
    lnob_env_t *env = NULL;
    int rc = lnob_stage_recv(&w->st, &env);
    if (rc == LNOB_OK && !s_intake_kind(env)) {
        w->st.wire.wrong_kind++;
        lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for aggregate");
        lnob_wire_free(&env);
        rc = LNOB_DROP;
    } else if (rc == LNOB_OK) {
        lnob_log_set_extract(lnob_wire_extract_id(env));
        rc = lnob_aggregate_take(w->agg, &env);
        lnob_log_set_extract(NULL);
        if (rc == LNOB_DROP)
            lnob_log_once(LNOB_LOG_INFO, "ignored a duplicate or late message");
    }
    return rc == LNOB_DROP || rc == LNOB_AGAIN ? LNOB_OK : rc;
}

/* The heartbeat while an extract is computed (lnob_aggregate_set_idle). */
static void s_beat(void *arg)
{
    worker_t *w = arg;
    lnob_beat_tick(w->st.beat);
}

static int s_loop(worker_t *w)
{
    zpoller_t *poller = zpoller_new(w->st.in, w->st.control, NULL);
    int64_t next_tick = lnob_now_ms() + 1000;
    uint64_t completed = 0;
    int rc = LNOB_OK;
    while (!zsys_interrupted && rc == LNOB_OK) {
        s_observe(w, &completed);
        lnob_beat_tick(w->st.beat);
        void *which = zpoller_wait(poller, w->st.wait_ms);
        if (which == w->st.control)
            s_control(w);
        else if (which == w->st.in)
            rc = s_intake(w);
        if (rc == LNOB_OK && lnob_now_ms() >= next_tick) {
            rc = lnob_aggregate_tick(w->agg, lnob_now_ms());
            next_tick = lnob_now_ms() + 1000;
        }
    }
    zpoller_destroy(&poller);
    return zsys_interrupted ? LNOB_OK : rc;
}

/* The series besides the stage's (docs/operations.md lists them). */
static void s_obs_new(worker_t *w, const char *instance, const lnob_curve_t *curve, int wait_ms)
{
    lnob_stage_obs_new(&w->st, "aggregate", instance, curve, wait_ms);
    obs_t *o = &w->obs;
    lnob_metrics_t *reg = w->st.reg;
    o->stage = lnob_metrics_stage(reg, "aggregate");
    const char *inflight = "Extracts in flight at the aggregator: collecting batches, or computed and not "
                           "yet confirmed stored by the sink.";
    o->collecting = lnob_metrics_gauge(reg, "lnob_extracts_in_flight", "state=\"collecting\"", inflight);
    o->unconfirmed = lnob_metrics_gauge(reg, "lnob_extracts_in_flight", "state=\"unconfirmed\"", inflight);
    const char *done = "Extracts the aggregator finished, by outcome (failed: the ingester's or its own verdict).";
    o->completed = lnob_metrics_counter(reg, "lnob_extracts_total", "outcome=\"complete\"", done);
    o->failed = lnob_metrics_counter(reg, "lnob_extracts_total", "outcome=\"failed\"", done);
    o->confirmed = lnob_metrics_counter(reg, "lnob_extracts_confirmed_total", "",
                                        "Extracts the sink confirmed stored.");
    o->duplicates = lnob_metrics_counter(reg, "lnob_aggregate_duplicates_total", "",
                                         "Runs or ends received twice (redelivery), dropped.");
    o->late = lnob_metrics_counter(reg, "lnob_aggregate_late_total", "",
                                   "Messages for an extract already finished, dropped.");
    const char *carried = "Batches an extract's end carried from an extract sent before (an MIS drop "
                          "folder's previous round): taken from the one kept here, or not held and left "
                          "to the ingester's redelivery.";
    o->carried = lnob_metrics_counter(reg, "lnob_aggregate_carried_batches_total", "outcome=\"taken\"", carried);
    o->not_carried = lnob_metrics_counter(reg, "lnob_aggregate_carried_batches_total", "outcome=\"not_held\"",
                                          carried);
}

/* Opens the metrics, the sockets (watched), the beat and the HTTP
 * endpoint. LNOB_OK, or LNOB_ERR with the reason in err. */
static int s_open(worker_t *w, const lnob_aggregate_cfg_t *cfg, const lnob_curve_t *curve, char *err, size_t cap)
{
    s_obs_new(w, cfg->instance, curve, lnob_beat_wait_ms(cfg->heartbeat_ms, POLL_MS));
    lnob_links_t *l = w->st.links;
    lnob_sock_opts_t in_o = {(int) cfg->hwm, 0, w->st.wait_ms, curve, "transform", l, "pull"};
    lnob_sock_opts_t out_o = {(int) cfg->hwm, (int) cfg->linger_ms, -1, curve, "sink", l, "push"};
    lnob_sock_opts_t ctl_o = {(int) cfg->hwm * 16, 0, 0, curve, "ingest,sink", l, "control"};
    if (!(w->st.in = lnob_sock_new(ZMQ_PULL, cfg->pull, true, &in_o, err, cap)) ||
        lnob_route_open(&w->st.out, 1, ZMQ_PUSH, cfg->push, false, &out_o, err, cap) != LNOB_OK ||
        !(w->st.control = lnob_sock_new(ZMQ_ROUTER, cfg->control, true, &ctl_o, err, cap)))
        return LNOB_ERR;
    return lnob_stage_start(&w->st, cfg->heartbeat, "aggregate", cfg->heartbeat_ms, &cfg->metrics, err, cap);
}

static void s_close(worker_t *w)
{
    lnob_stage_close(&w->st);
    free(w->progress.have);
}

int main(int argc, char **argv)
{
    lnob_aggregate_cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    const lnob_config_args_t args = {.argc = argc, .argv = argv, .first = 1,
                                     .usage = "usage: lnob-aggregate [--pull EP] [--push EP] [--control EP]"};
    int rc = lnob_config_load(&lnob_aggregate_config, &cfg, &args, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "lnob-aggregate: %s\n", err);
        return 2;
    }
    lnob_log_start("aggregate", cfg.instance, cfg.log_level, cfg.log_format);
    lnob_stop_bound(LNOB_STOP_GRACE_S);
    if (lnob_mem_reuse(LNOB_MEM_KEEP_BYTES) != 0) /* each extract's work reuses the pages of the last */
        lnob_warn("malloc refused to keep freed memory: each extract's pages are faulted in afresh");
    worker_t w = {0};
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    if (!curve || s_open(&w, &cfg, curve, err, sizeof err) != LNOB_OK) {
        int stopped = lnob_sock_open_failed(err);
        s_close(&w);
        lnob_curve_destroy(&curve);
        return stopped ? 0 : 1;
    }
    w.agg = lnob_aggregate_new(s_emit, &w);
    lnob_aggregate_set_idle(w.agg, s_beat, &w);
    lnob_aggregate_set_max_extracts(w.agg, (size_t) cfg.max_extracts);
    lnob_info("started: pull %s, push %s, control %s", cfg.pull, cfg.push, cfg.control);
    rc = s_loop(&w);
    lnob_stage_report(&w.st);
    lnob_curve_report(curve);
    lnob_aggregate_destroy(&w.agg);
    s_close(&w);
    lnob_curve_destroy(&curve);
    return rc == LNOB_OK ? 0 : 1;
}
