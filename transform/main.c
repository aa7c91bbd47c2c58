/* main.c - lnob-transform: harmonise batches, or aggregate extracts.
 *
 * --role harmonise (default; run any number side by side): pulls Batches
 * from the ingesters, turns each into a sorted Run (harmonise.h) and pushes
 * it to the aggregator; ExtractEnd and ExtractFailed are passed on as they
 * are. --role aggregate (one per pipeline): pulls Runs, holds each extract
 * until it is complete (aggregate.h), computes the indicators and pushes
 * the quarantine and the Result to the sink. Its control socket (ROUTER)
 * answers ingesters' Status with Progress and takes the sink's Stored
 * confirmations; unconfirmed results are sent again (docs/delivery.md).
 * Bad messages are dropped, counted and logged once. Either loop beats to
 * lnob run (beat.h). SIGINT/SIGTERM stop the loop; what a worker held is
 * redelivered by its sender. */
#include <czmq.h>
#include <stddef.h>
#include <stdlib.h>

#include "aggregate.h"
#include "beat.h"
#include "harmonise.h"
#include "transform_config.h"
#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/httpd.h"
#include "lnob/log.h"
#include "lnob/metrics.h"
#include "lnob/sock.h"
#include "wire.h"

#define POLL_MS 500 /* receive timeout, so signals are seen promptly */

/* What the metrics endpoint shows of this worker (docs/operations.md). */
typedef struct {
    lnob_metrics_t *reg;
    lnob_links_t *links;      /* peers of the sockets */
    lnob_httpd_t *http;       /* NULL with --metrics none */
    lnob_metric_t *stage;     /* per batch (harmonise) or per extract (aggregate) */
    lnob_metric_t *collecting, *unconfirmed;        /* aggregate: extracts in flight */
    lnob_metric_t *completed, *failed, *confirmed, *duplicates, *late;
} obs_t;

typedef struct {
    zsock_t *in, *out, *control;
    lnob_wire_stats_t wire;
    uint64_t forwarded;
    lnob_aggregate_progress_t progress; /* reply buffer */
    lnob_hh_cfg_t hh;       /* household settings (harmonise) */
    lnob_beat_t *beat;      /* NULL without --heartbeat */
    int wait_ms;            /* longest one wait: POLL_MS, or the heartbeat interval if shorter */
    obs_t obs;
} worker_t;

/* The rc of one send attempt of a message of kind: LNOB_OK (counted),
 * LNOB_AGAIN to retry, or LNOB_ERR said. */
static int s_sent(worker_t *w, int rc, int kind, const char *why)
{
    if (rc == LNOB_OK) {
        w->forwarded++;
        lnob_wire_sent(&w->wire, kind);
        return LNOB_OK;
    }
    if (rc == LNOB_AGAIN && !zsys_interrupted) {
        lnob_beat_tick(w->beat); /* waiting on a full queue is not being stuck */
        return LNOB_AGAIN;
    }
    if (!zsys_interrupted)
        lnob_error("cannot send: %s", why);
    return LNOB_ERR;
}

/* Sends packed bytes, retrying through signals until interrupted for good. */
static int s_send_bytes(worker_t *w, const uint8_t *data, size_t len)
{
    char why[LNOB_ERRSTR_MAX];
    int rc;
    while ((rc = s_sent(w, lnob_wire_send_bytes(zsock_resolve(w->out), data, len, why, sizeof why),
                        lnob_wire_kind(data, len), why)) == LNOB_AGAIN)
        ;
    return rc;
}

/* Sends env without copying its packed bytes (lnob_wire_send), retrying
 * like s_send_bytes. */
static int s_send(worker_t *w, lnob_env_t *env)
{
    char why[LNOB_ERRSTR_MAX];
    int rc;
    while ((rc = s_sent(w, lnob_wire_send(zsock_resolve(w->out), env, why, sizeof why), (int) env->body_case,
                        why)) == LNOB_AGAIN)
        ;
    return rc;
}

static int s_emit(void *arg, const uint8_t *data, size_t len)
{
    return s_send_bytes(arg, data, len);
}

static int s_harmonise(worker_t *w, lnob_env_t **env_p)
{
    lnob_env_t *env = *env_p;
    if (env->body_case != LNOB__V1__ENVELOPE__BODY_BATCH) {
        int pass = env->body_case == LNOB__V1__ENVELOPE__BODY_END ||
                   env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED ||
                   env->body_case == LNOB__V1__ENVELOPE__BODY_MIS; /* harmonised at the ingester */
        if (!pass) {
            w->wire.wrong_kind++;
            lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for harmonise");
        }
        int rc = pass ? s_send(w, env) : LNOB_DROP;
        lnob_wire_free(env_p);
        return rc == LNOB_DROP ? LNOB_OK : rc;
    }
    int64_t t0 = lnob_mono_us();
    Lnob__V1__Run *run = lnob_harmonise(env->batch, &w->hh);
    run->transform_us = lnob_mono_us() - t0;
    lnob_metric_observe_us(w->obs.stage, run->transform_us);
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    out.run = run;
    int rc = s_send(w, &out);
    lnob_debug("batch %s #%u: %u persons harmonised", run->extract_id, run->seq, run->record_count);
    lnob_harmonise_free(&run);
    lnob_wire_free(env_p);
    return rc;
}

/* Receives one message from in; LNOB_AGAIN when there was none. */
static int s_recv(worker_t *w, lnob_env_t **env)
{
    char why[LNOB_ERRSTR_MAX];
    int rc = lnob_wire_recv(zsock_resolve(w->in), env, &w->wire, why, sizeof why);
    if (rc == LNOB_DROP) {
        lnob_log_once(LNOB_LOG_WARN, "dropped a bad message (%llu so far): %s",
                      (unsigned long long) lnob_wire_dropped(&w->wire), why);
        return LNOB_AGAIN;
    }
    if (rc != LNOB_OK && rc != LNOB_AGAIN && zsys_interrupted)
        return LNOB_CLOSED;
    return rc;
}

static int s_harmonise_loop(worker_t *w)
{
    while (!zsys_interrupted) {
        lnob_beat_tick(w->beat);
        lnob_env_t *env = NULL;
        int rc = s_recv(w, &env);
        if (rc == LNOB_AGAIN)
            continue;
        if (rc != LNOB_OK)
            return rc == LNOB_CLOSED ? LNOB_OK : rc;
        lnob_log_set_extract(lnob_wire_extract_id(env)); /* json log lines carry it */
        rc = s_harmonise(w, &env);
        lnob_log_set_extract(NULL);
        if (rc != LNOB_OK)
            return zsys_interrupted ? LNOB_OK : LNOB_ERR;
    }
    return LNOB_OK;
}

/* Answers a Status with Progress; records a Stored confirmation. */
static void s_control(worker_t *w, lnob_aggregate_t *agg)
{
    char why[LNOB_ERRSTR_MAX];
    lnob_peer_t peer;
    lnob_env_t *env = NULL;
    int rc = lnob_wire_recv_routed(zsock_resolve(w->control), &peer, &env, &w->wire, why, sizeof why);
    if (rc == LNOB_DROP)
        lnob_log_once(LNOB_LOG_WARN, "dropped a bad control message: %s", why);
    if (rc != LNOB_OK)
        return;
    lnob_log_set_extract(lnob_wire_extract_id(env));
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_STORED) {
        lnob_aggregate_stored(agg, env->stored->extract_id, env->stored->run_id);
    } else if (env->body_case == LNOB__V1__ENVELOPE__BODY_STATUS) {
        lnob_aggregate_progress_t *p = &w->progress;
        lnob_aggregate_progress(agg, env->status->extract_id, env->status->run_id, p);
        Lnob__V1__Progress m = LNOB__V1__PROGRESS__INIT;
        m.extract_id = env->status->extract_id;
        m.run_id = env->status->run_id;
        m.state = p->state;
        m.end_seen = p->end_seen;
        m.n_have = p->n_have;
        m.have = p->have;
        lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
        out.body_case = LNOB__V1__ENVELOPE__BODY_PROGRESS;
        out.progress = &m;
        if (lnob_wire_send_routed(zsock_resolve(w->control), &peer, &out, why, sizeof why) != LNOB_OK)
            lnob_log_once(LNOB_LOG_WARN, "cannot answer a status request: %s", why);
        else
            lnob_wire_sent(&w->wire, LNOB__V1__ENVELOPE__BODY_PROGRESS);
    } else {
        w->wire.wrong_kind++;
        lnob_log_once(LNOB_LOG_WARN, "dropped a control message of the wrong kind");
    }
    lnob_wire_free(&env);
    lnob_log_set_extract(NULL);
}

/* The kinds the aggregator's intake takes. */
static int s_aggregate_kind(const lnob_env_t *env)
{
    return env->body_case == LNOB__V1__ENVELOPE__BODY_RUN ||
           env->body_case == LNOB__V1__ENVELOPE__BODY_MIS ||
           env->body_case == LNOB__V1__ENVELOPE__BODY_END ||
           env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED;
}

/* The aggregator's counts into its metrics, once a loop turn: a few
 * atomic stores. */
static void s_observe(worker_t *w, const lnob_aggregate_t *agg, uint64_t *completed)
{
    const lnob_aggregate_stats_t *st = lnob_aggregate_stats(agg);
    const obs_t *o = &w->obs;
    if (st->completed > *completed)
        lnob_metric_observe_us(o->stage, st->last_us);
    *completed = st->completed;
    lnob_metric_set(o->completed, (int64_t) st->completed);
    lnob_metric_set(o->failed, (int64_t) st->failed);
    lnob_metric_set(o->confirmed, (int64_t) st->confirmed);
    lnob_metric_set(o->duplicates, (int64_t) st->duplicates);
    lnob_metric_set(o->late, (int64_t) st->late);
    lnob_metric_set(o->collecting, (int64_t) lnob_aggregate_pending(agg));
    lnob_metric_set(o->unconfirmed, (int64_t) (st->completed + st->failed - st->confirmed));
}

static int s_aggregate_loop(worker_t *w, lnob_aggregate_t *agg)
{
    zpoller_t *poller = zpoller_new(w->in, w->control, NULL);
    int64_t next_tick = lnob_now_ms() + 1000;
    uint64_t completed = 0;
    int rc = LNOB_OK;
    while (!zsys_interrupted && rc == LNOB_OK) {
        s_observe(w, agg, &completed);
        lnob_beat_tick(w->beat);
        void *which = zpoller_wait(poller, w->wait_ms);
        if (which == w->control)
            s_control(w, agg);
        else if (which == w->in) {
            lnob_env_t *env = NULL;
            rc = s_recv(w, &env);
            if (rc == LNOB_OK && !s_aggregate_kind(env)) {
                w->wire.wrong_kind++;
                lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for aggregate");
                lnob_wire_free(&env);
                rc = LNOB_DROP;
            } else if (rc == LNOB_OK) {
                lnob_log_set_extract(lnob_wire_extract_id(env));
                rc = lnob_aggregate_take(agg, &env);
                lnob_log_set_extract(NULL);
                if (rc == LNOB_DROP)
                    lnob_log_once(LNOB_LOG_INFO, "ignored a duplicate or late message");
            }
            rc = rc == LNOB_DROP || rc == LNOB_AGAIN ? LNOB_OK : rc;
        }
        if (rc == LNOB_OK && lnob_now_ms() >= next_tick) {
            rc = lnob_aggregate_tick(agg, lnob_now_ms());
            next_tick = lnob_now_ms() + 1000;
        }
    }
    zpoller_destroy(&poller);
    return zsys_interrupted ? LNOB_OK : rc;
}

/* The metrics endpoint by role and instance, unless given. */
static void s_metrics_default(lnob_transform_cfg_t *cfg)
{
    int agg = strcmp(cfg->role, "aggregate") == 0;
    if (cfg->metrics.addr)
        return;
    char *end;
    long instance = strtol(cfg->instance, &end, 10); /* harmonise: one port per instance */
    int numbered = *cfg->instance && !*end && instance >= 0 && instance <= LNOB_METRICS_INSTANCE_MAX;
    snprintf(cfg->metrics_default, sizeof cfg->metrics_default, "127.0.0.1:%d",
             agg ? LNOB_METRICS_PORT_AGGREGATE : LNOB_METRICS_PORT_TRANSFORM + (numbered ? (int) instance : 0));
    cfg->metrics.addr = cfg->metrics_default;
}

/* The series of either role (docs/operations.md lists them). */
static void s_obs_new(worker_t *w, int aggregate, const lnob_curve_t *curve)
{
    obs_t *o = &w->obs;
    o->reg = lnob_metrics_new(aggregate ? "aggregate" : "transform");
    o->links = lnob_links_new(o->reg, curve);
    lnob_wire_metrics(o->reg, &w->wire);
    o->stage = lnob_metrics_stage(o->reg, aggregate ? "aggregate" : "harmonise");
    if (!aggregate)
        return;
    const char *inflight = "Extracts in flight at the aggregator: collecting batches, or computed and not "
                           "yet confirmed stored by the sink.";
    o->collecting = lnob_metrics_gauge(o->reg, "lnob_extracts_in_flight", "state=\"collecting\"", inflight);
    o->unconfirmed = lnob_metrics_gauge(o->reg, "lnob_extracts_in_flight", "state=\"unconfirmed\"", inflight);
    const char *done = "Extracts the aggregator finished, by outcome (failed: the ingester's or its own verdict).";
    o->completed = lnob_metrics_counter(o->reg, "lnob_extracts_total", "outcome=\"complete\"", done);
    o->failed = lnob_metrics_counter(o->reg, "lnob_extracts_total", "outcome=\"failed\"", done);
    o->confirmed = lnob_metrics_counter(o->reg, "lnob_extracts_confirmed_total", "",
                                        "Extracts the sink confirmed stored.");
    o->duplicates = lnob_metrics_counter(o->reg, "lnob_aggregate_duplicates_total", "",
                                         "Runs or ends received twice (redelivery), dropped.");
    o->late = lnob_metrics_counter(o->reg, "lnob_aggregate_late_total", "",
                                   "Messages for an extract already finished, dropped.");
}

static void s_obs_destroy(obs_t *o)
{
    lnob_httpd_destroy(&o->http);
    lnob_links_destroy(&o->links); /* before the sockets it watches */
}

/* The household settings from the options; -1 with err when a pension
 * list names something else. */
static int s_hh_cfg(const lnob_transform_cfg_t *cfg, lnob_hh_cfg_t *hh, char *err, size_t cap)
{
    *hh = lnob_hh_defaults;
    hh->lwi_strict = (int) cfg->lwi_strict;
    hh->child_rule_half = (int) cfg->child_rule_half;
    hh->main_share = (double) cfg->main_share_pct / 100.0;
    hh->ft_hours = (double) cfg->ft_hours;
    hh->age_eq = lnob_hh_age_var(cfg->age_eq); /* the option table allows irp|int only */
    hh->age_wi = lnob_hh_age_var(cfg->age_wi);
    hh->age_brk = lnob_hh_age_var(cfg->age_brk);
    hh->bottom_code_zero = (int) cfg->bottom_code_zero;
    if (lnob_hh_pension_set(cfg->pension_any, &hh->pension_any) == 0 &&
        lnob_hh_pension_set(cfg->pension_main, &hh->pension_main) == 0)
        return 0;
    snprintf(err, cap, "--pension-any and --pension-main take names from PY100G,PY110G,PY130G,PY080G");
    return -1;
}

/* Opens the metrics, the sockets (watched), the beat and the HTTP
 * endpoint. LNOB_OK, or LNOB_ERR with the reason in err. */
static int s_open(worker_t *w, const lnob_transform_cfg_t *cfg, int aggregate, const lnob_curve_t *curve, char *err,
                  size_t cap)
{
    s_obs_new(w, aggregate, curve);
    lnob_links_t *l = w->obs.links;
    lnob_sock_opts_t in_o = {(int) cfg->hwm, 0, w->wait_ms, curve, aggregate ? "transform" : "ingest", l, "pull"};
    lnob_sock_opts_t out_o = {(int) cfg->hwm, (int) cfg->linger_ms, -1, curve, aggregate ? "sink" : "aggregate",
                              l, "push"};
    lnob_sock_opts_t ctl_o = {(int) cfg->hwm * 16, 0, 0, curve, "ingest,sink", l, "control"};
    if (!(w->in = lnob_sock_new(ZMQ_PULL, cfg->pull, aggregate, &in_o, err, cap)) ||
        !(w->out = lnob_sock_new(ZMQ_PUSH, cfg->push, false, &out_o, err, cap)))
        return LNOB_ERR;
    if (aggregate && !(w->control = lnob_sock_new(ZMQ_ROUTER, cfg->control, true, &ctl_o, err, cap)))
        return LNOB_ERR;
    zsock_set_sndtimeo(w->out, w->wait_ms); /* a full queue returns: the loop comes round to beat */
    w->beat = lnob_beat_new(cfg->heartbeat, aggregate ? "aggregate" : "transform", cfg->heartbeat_ms, w->obs.reg,
                            err, cap);
    if (!w->beat)
        return LNOB_ERR;
    w->obs.http = lnob_httpd_new(&cfg->metrics, w->obs.reg, err, cap);
    return w->obs.http || !*err ? LNOB_OK : LNOB_ERR;
}

static void s_close(worker_t *w)
{
    lnob_beat_destroy(&w->beat);
    s_obs_destroy(&w->obs);
    zsock_destroy(&w->control);
    zsock_destroy(&w->in);
    zsock_destroy(&w->out);
    lnob_metrics_destroy(&w->obs.reg);
}

int main(int argc, char **argv)
{
    lnob_transform_cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    /* the role decides the section of the configuration file read */
    const char *role = lnob_config_peek(argc, argv, 1, "role", "LNOB_TRANSFORM_ROLE");
    int aggregate = role && strcmp(role, "aggregate") == 0;
    const lnob_config_args_t args = {
        .argc = argc, .argv = argv, .first = 1,
        .usage = "usage: lnob-transform [--role harmonise|aggregate] [--pull EP] [--push EP]"};
    int rc = lnob_config_load(aggregate ? &lnob_aggregate_config : &lnob_transform_config, &cfg, &args,
                              err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    lnob_hh_cfg_t hh;
    if (rc != LNOB_OK || s_hh_cfg(&cfg, &hh, err, sizeof err) != 0) {
        fprintf(stderr, "lnob-transform: %s\n", err);
        return 2;
    }
    s_metrics_default(&cfg);
    lnob_log_start(aggregate ? "aggregate" : "transform", cfg.instance, cfg.log_level,
                   cfg.log_format);
    worker_t w = {.hh = hh, .wait_ms = lnob_beat_wait_ms(cfg.heartbeat_ms, POLL_MS)};
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    if (!curve || s_open(&w, &cfg, aggregate, curve, err, sizeof err) != LNOB_OK) {
        int stopped = lnob_sock_open_failed(err);
        s_close(&w);
        lnob_curve_destroy(&curve);
        return stopped ? 0 : 1;
    }
    lnob_aggregate_t *agg = aggregate ? lnob_aggregate_new(s_emit, &w) : NULL;
    if (agg)
        lnob_aggregate_set_max_extracts(agg, (size_t) cfg.max_extracts);
    if (aggregate)
        lnob_info("started: pull %s, push %s, control %s", cfg.pull, cfg.push, cfg.control);
    else
        lnob_info("started: pull %s, push %s", cfg.pull, cfg.push);
    rc = aggregate ? s_aggregate_loop(&w, agg) : s_harmonise_loop(&w);
    lnob_info("stopping: %llu messages sent, %llu bad messages dropped (%llu of a kind the sender's role "
              "does not send)", (unsigned long long) w.forwarded, (unsigned long long) lnob_wire_dropped(&w.wire),
              (unsigned long long) w.wire.wrong_role);
    lnob_curve_report(curve);
    lnob_aggregate_destroy(&agg);
    free(w.progress.have);
    s_close(&w);
    lnob_curve_destroy(&curve);
    return rc == LNOB_OK ? 0 : 1;
}
