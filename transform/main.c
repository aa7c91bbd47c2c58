/* main.c - lnob-transform: harmonise batches into sorted runs.
 *
 * Run any number side by side. Pulls Batches from the ingesters, turns
 * each into a sorted Run (harmonise.h) and pushes it to the aggregator
 * (aggregate/); ExtractEnd, ExtractFailed and MIS batches (harmonised at
 * the ingester) are passed on as they are. Bad messages are dropped,
 * counted and logged once. The loop beats to lnob run (beat.h).
 * SIGINT/SIGTERM stop it; what it held is redelivered by its sender. */
#include <czmq.h>
#include <stddef.h>
#include <stdlib.h>

#include "harmonise.h"
#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/log.h"
#include "stage.h"
#include "transform_config.h"

#define POLL_MS 500 /* receive timeout, so signals are seen promptly */

typedef struct {
    lnob_stage_t st;
    lnob_hh_cfg_t hh;       /* household settings */
    lnob_metric_t *harmonise; /* time per batch */
} worker_t;

static int s_harmonise(worker_t *w, lnob_env_t **env_p)
{
    lnob_env_t *env = *env_p;
    if (env->body_case != LNOB__V1__ENVELOPE__BODY_BATCH) {
        int pass = env->body_case == LNOB__V1__ENVELOPE__BODY_END ||
                   env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED ||
                   env->body_case == LNOB__V1__ENVELOPE__BODY_MIS; /* harmonised at the ingester */
        if (!pass) {
            w->st.wire.wrong_kind++;
            lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for harmonise");
        }
        int rc = pass ? lnob_stage_send(&w->st, env) : LNOB_DROP;
        lnob_wire_free(env_p);
        return rc == LNOB_DROP ? LNOB_OK : rc;
    }
    int64_t t0 = lnob_mono_us();
    Lnob__V1__Run *run = lnob_harmonise(env->batch, &w->hh);
    run->transform_us = lnob_mono_us() - t0;
    lnob_metric_observe_us(w->harmonise, run->transform_us);
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    out.run = run;
    int rc = lnob_stage_send(&w->st, &out);
    lnob_debug("batch %s #%u: %u persons harmonised", run->extract_id, run->seq, run->record_count);
    lnob_harmonise_free(&run);
    lnob_wire_free(env_p);
    return rc;
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
static int s_open(worker_t *w, const lnob_transform_cfg_t *cfg, const lnob_curve_t *curve, char *err, size_t cap)
{
    lnob_stage_obs_new(&w->st, "transform", curve, lnob_beat_wait_ms(cfg->heartbeat_ms, POLL_MS));
    w->harmonise = lnob_metrics_stage(w->st.reg, "harmonise");
    lnob_links_t *l = w->st.links;
    lnob_sock_opts_t in_o = {(int) cfg->hwm, 0, w->st.wait_ms, curve, "ingest", l, "pull"};
    lnob_sock_opts_t out_o = {(int) cfg->hwm, (int) cfg->linger_ms, -1, curve, "aggregate", l, "push"};
    if (!(w->st.in = lnob_sock_new(ZMQ_PULL, cfg->pull, false, &in_o, err, cap)) ||
        !(w->st.out = lnob_sock_new(ZMQ_PUSH, cfg->push, false, &out_o, err, cap)))
        return LNOB_ERR;
    return lnob_stage_start(&w->st, cfg->heartbeat, "transform", cfg->heartbeat_ms, &cfg->metrics, err, cap);
}

int main(int argc, char **argv)
{
    lnob_transform_cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    const lnob_config_args_t args = {.argc = argc, .argv = argv, .first = 1,
                                     .usage = "usage: lnob-transform [--pull EP] [--push EP] [options]"};
    int rc = lnob_config_load(&lnob_transform_config, &cfg, &args, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    worker_t w = {0};
    if (rc != LNOB_OK || s_hh_cfg(&cfg, &w.hh, err, sizeof err) != 0) {
        fprintf(stderr, "lnob-transform: %s\n", err);
        return 2;
    }
    s_metrics_default(&cfg);
    lnob_log_start("transform", cfg.instance, cfg.log_level, cfg.log_format);
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    if (!curve || s_open(&w, &cfg, curve, err, sizeof err) != LNOB_OK) {
        int stopped = lnob_sock_open_failed(err);
        lnob_stage_close(&w.st);
        lnob_curve_destroy(&curve);
        return stopped ? 0 : 1;
    }
    lnob_info("started: pull %s, push %s", cfg.pull, cfg.push);
    rc = s_loop(&w);
    lnob_stage_report(&w.st);
    lnob_curve_report(curve);
    lnob_stage_close(&w.st);
    lnob_curve_destroy(&curve);
    return rc == LNOB_OK ? 0 : 1;
}
