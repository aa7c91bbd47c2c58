/* main.c - lnob-transform: turn batches into the records the aggregator takes.
 *
 * Run any number side by side. Pulls batches from the ingesters and has
 * their source kind (sources/registry.h) turn each into its record message
 * (a SILC Batch into a sorted Run), pushed to the aggregator (aggregate/),
 * or with several aggregators to the one of its extract (lnob/route.h);
 * ExtractEnd, ExtractFailed and the batches of a kind that needs no
 * transforming (MIS, pseudonymised at the ingester) go on as they are.
 * Bad messages are dropped, counted and logged once. The loop beats to
 * lnob run (beat.h).
 * SIGINT/SIGTERM stop it; what it held is redelivered by its sender. */
#include <czmq.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/stop.h"
#include "registry.h"
#include "stage.h"
#include "transform_config.h"

#define POLL_MS 500 /* receive timeout, so signals are seen promptly */

typedef struct {
    lnob_stage_t st;
    void *settings[LNOB_SOURCES_MAX]; /* each kind's settings (source.h), by registry order */
    lnob_metric_t *harmonise; /* time per batch */
} worker_t;

/* Sends a kind's record message on (lnob_source_send_fn). */
static int s_send(void *arg, lnob_env_t *env)
{
    return lnob_stage_send(arg, env);
}

/* The kind whose batch env is, and its settings; NULL for any other message. */
static const lnob_source_ops_t *s_kind(const worker_t *w, const lnob_env_t *env, const void **settings)
{
    for (size_t k = 0; k < lnob_sources_n; k++)
        if (lnob_sources[k]->batch_case == (int) env->body_case ||
            (lnob_sources[k]->cut_case && lnob_sources[k]->cut_case == (int) env->body_case)) {
            *settings = w->settings[k];
            return lnob_sources[k];
        }
    return NULL;
}

static int s_harmonise(worker_t *w, lnob_env_t **env_p)
{
    lnob_env_t *env = *env_p;
    const void *settings = NULL;
    const lnob_source_ops_t *kind = s_kind(w, env, &settings);
    if (!kind || !kind->transform) {
        int pass = kind || env->body_case == LNOB__V1__ENVELOPE__BODY_END ||
                   env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED;
        if (!pass) {
            w->st.wire.wrong_kind++;
            lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for harmonise");
        }
        int rc = pass ? lnob_stage_send(&w->st, env) : LNOB_DROP;
        lnob_wire_free(env_p);
        return rc == LNOB_DROP ? LNOB_OK : rc;
    }
    int64_t us = 0;
    int rc = kind->transform(env, settings, s_send, &w->st, &us);
    lnob_metric_observe_us(w->harmonise, us);
    lnob_wire_free(env_p);
    return rc;
}

/* Each kind's settings from the options, checked: -1 with err. */
static int s_settings(worker_t *w, const lnob_transform_cfg_t *cfg, char *err, size_t cap)
{
    for (size_t k = 0; k < lnob_sources_n; k++) {
        const lnob_source_ops_t *kind = lnob_sources[k];
        if (!kind->settings)
            continue;
        w->settings[k] = lnob_calloc(1, kind->settings_size);
        if (kind->settings(lnob_transform_kind_cfg(cfg, k), w->settings[k], err, cap) != 0)
            return -1;
    }
    return 0;
}

static void s_settings_free(worker_t *w)
{
    for (size_t k = 0; k < lnob_sources_n; k++) {
        if (w->settings[k] && lnob_sources[k]->settings_free)
            lnob_sources[k]->settings_free(w->settings[k]);
        free(w->settings[k]);
    }
}

static int s_loop(worker_t *w)
{
    while (!zsys_interrupted) {
        lnob_beat_tick(w->st.beat);
        lnob_env_t *env = NULL;
        int rc = lnob_stage_recv(&w->st, &env);
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

/* The metrics endpoint by instance, unless given: one port per instance. */
static void s_metrics_default(lnob_transform_cfg_t *cfg)
{
    if (cfg->metrics.addr)
        return;
    char *end;
    long instance = strtol(cfg->instance, &end, 10);
    int numbered = *cfg->instance && !*end && instance >= 0 && instance <= LNOB_METRICS_INSTANCE_MAX;
    snprintf(cfg->metrics_default, sizeof cfg->metrics_default, "127.0.0.1:%d",
             LNOB_METRICS_PORT_TRANSFORM + (numbered ? (int) instance : 0));
    cfg->metrics.addr = cfg->metrics_default;
}

/* Opens the metrics, the sockets (watched), the beat and the HTTP
 * endpoint. LNOB_OK, or LNOB_ERR with the reason in err. */
static int s_open(worker_t *w, const lnob_transform_cfg_t *cfg, const lnob_curve_t *curve, char *err, size_t cap)
{
    lnob_stage_obs_new(&w->st, "transform", cfg->instance, curve, lnob_beat_wait_ms(cfg->heartbeat_ms, POLL_MS));
    w->harmonise = lnob_metrics_stage(w->st.reg, "harmonise");
    lnob_links_t *l = w->st.links;
    lnob_sock_opts_t in_o = {(int) cfg->hwm, 0, w->st.wait_ms, curve, "ingest", l, "pull"};
    lnob_sock_opts_t out_o = {(int) cfg->hwm, (int) cfg->linger_ms, -1, curve, "aggregate", l, "push"};
    if (!(w->st.in = lnob_sock_new(ZMQ_PULL, cfg->pull, false, &in_o, err, cap)) ||
        lnob_route_open(&w->st.out, LNOB_ROUTE_MAX, ZMQ_PUSH, cfg->push, false, &out_o, err, cap) != LNOB_OK)
        return LNOB_ERR;
    return lnob_stage_start(&w->st, cfg->heartbeat, "transform", cfg->heartbeat_ms, &cfg->metrics, err, cap);
}

int main(int argc, char **argv)
{
    lnob_transform_cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    const lnob_config_args_t args = {.argc = argc, .argv = argv, .first = 1,
                                     .usage = "usage: lnob-transform [--pull EP] [--push EP] [options]"};
    int rc = lnob_config_load(lnob_transform_config(), &cfg, &args, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    worker_t w = {0};
    if (rc != LNOB_OK || s_settings(&w, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "lnob-transform: %s\n", err);
        s_settings_free(&w);
        return 2;
    }
    s_metrics_default(&cfg);
    lnob_log_start("transform", cfg.instance, cfg.log_level, cfg.log_format);
    lnob_stop_bound(LNOB_STOP_GRACE_S);
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    if (!curve || s_open(&w, &cfg, curve, err, sizeof err) != LNOB_OK) {
        int stopped = lnob_sock_open_failed(err);
        lnob_stage_close(&w.st);
        lnob_curve_destroy(&curve);
        s_settings_free(&w);
        return stopped ? 0 : 1;
    }
    lnob_info("started: pull %s, push %s", cfg.pull, cfg.push);
    rc = s_loop(&w);
    lnob_stage_report(&w.st);
    lnob_curve_report(curve);
    lnob_stage_close(&w.st);
    lnob_curve_destroy(&curve);
    s_settings_free(&w);
    return rc == LNOB_OK ? 0 : 1;
}
