/* main.c - lnob-ingest: reads extracts and pushes validated batches.
 *
 * Reads the options, starts the sockets and the person-key secret, then
 * has each source kind (sources/registry.h) group its input files into
 * extracts (plans): the MIS exports of a run are one; a merged SILC file is
 * one; the D, H, R and P UDB files of a year are one. Each plan is sent and
 * then waited for until the sink has stored it (extract.h), so a restarted
 * ingester resumes (docs/delivery.md). With --watch it then serves a drop
 * folder of MIS exports (watch.h). Exits 0 when every extract is stored,
 * LNOB_EXIT_STOPPED (3) when SIGTERM/SIGINT stopped it before (lnob/exit.h;
 * with --watch a signal is the normal end: 0). */
#include <czmq.h>
#include <sodium.h>
#include <stddef.h>
#include <unistd.h>

#include "extract.h"
#include "ingest_config.h"
#include "input.h"
#include "lnob/runid.h"
#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/exit.h"
#include "lnob/httpd.h"
#include "lnob/keys.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/num.h"
#include "lnob/sock.h"
#include "lnob/stop.h"
#include "registry.h"

#define SEND_WAIT_MS 500 /* longest a send waits on a full queue before trying again */

/* The input files given, over every kind. */
static size_t s_files(const lnob_ingest_cfg_t *cfg)
{
    size_t n = 0;
    for (size_t k = 0; k < lnob_sources_n; k++)
        n += lnob_sources[k]->files(lnob_ingest_kind_cfg(cfg, k))->n;
    return n;
}

/* The kind (registry index) whose drop folder is to be watched, or -1. */
static int s_watcher(const lnob_ingest_cfg_t *cfg)
{
    for (size_t k = 0; k < lnob_sources_n; k++)
        if (lnob_sources[k]->watching && lnob_sources[k]->watching(lnob_ingest_kind_cfg(cfg, k)))
            return (int) k;
    return -1;
}

/* Groups the input files into extracts (plans), kind by kind
 * (sources/registry.h), each plan with its kind's options and state.
 * Returns an owned array of *n plans. */
static lnob_plan_t *s_plan(const lnob_ingest_cfg_t *cfg, void **state, size_t *n)
{
    lnob_plan_t *plans = lnob_calloc(s_files(cfg) + lnob_sources_n, sizeof *plans);
    *n = 0;
    for (size_t k = 0; k < lnob_sources_n; k++) {
        size_t from = *n;
        *n += lnob_sources[k]->plan(lnob_ingest_kind_cfg(cfg, k), plans + *n);
        for (size_t i = from; i < *n; i++) {
            plans[i].kind_cfg = lnob_ingest_kind_cfg(cfg, k);
            plans[i].kind_state = state[k];
        }
    }
    return plans;
}

/* Starts every kind's ingest side (its secrets, its tables) into state[k]:
 * -1 when one refuses the options, having said why. */
static int s_kinds_start(const lnob_ingest_cfg_t *cfg, void **state)
{
    for (size_t k = 0; k < lnob_sources_n; k++)
        if (lnob_sources[k]->start && lnob_sources[k]->start(lnob_ingest_kind_cfg(cfg, k), &state[k]) != 0)
            return -1;
    return 0;
}

static void s_kinds_stop(void **state)
{
    for (size_t k = 0; k < lnob_sources_n; k++)
        if (lnob_sources[k]->stop)
            lnob_sources[k]->stop(&state[k]);
}

/* 128 random bits unless --run-id names the session (lnob/runid.h). */
static int s_default_run_id(lnob_ingest_cfg_t *cfg, char *buf, size_t cap)
{
    if (cfg->run_id)
        return 0;
    cfg->run_id = buf;
    return lnob_run_id_new(buf, cap);
}

/* Without acknowledgements: linger only covers handing messages to the
 * kernel, and a peer whose queue is full when this process exits loses
 * what is still in the socket buffer. So stay connected a while. */
static void s_drain(const lnob_ingest_cfg_t *cfg)
{
    int64_t until = lnob_mono_us() + cfg->drain_ms * 1000;
    while (!zsys_interrupted && lnob_mono_us() < until)
        zclock_sleep(50);
}

/* Keeps serving metrics --metrics-linger-ms once every extract is stored
 * (beating: /healthz stays 200), or until a signal. */
static void s_linger(const lnob_ingest_cfg_t *cfg, lnob_beat_t *beat)
{
    int64_t until = lnob_mono_us() + cfg->metrics_linger_ms * 1000;
    while (!zsys_interrupted && lnob_mono_us() < until) {
        lnob_beat_tick(beat);
        zclock_sleep(lnob_beat_wait_ms(cfg->heartbeat_ms, SEND_WAIT_MS));
    }
}

/* What the ingester opens: its sockets, beat and metrics endpoint. */
typedef struct {
    zsock_t *push;
    lnob_route_t control;    /* each aggregator's; none with --control none (lnob/route.h) */
    lnob_beat_t *beat;
    lnob_metrics_t *reg;
    lnob_links_t *links;
    lnob_httpd_t *http;      /* NULL with --metrics none */
    lnob_ingest_obs_t obs;
} workers_t;

static void s_obs_new(workers_t *w, const char *instance, const lnob_curve_t *curve, const lnob_wire_stats_t *wire)
{
    w->reg = lnob_metrics_new("ingest", instance);
    w->links = lnob_links_new(w->reg, curve);
    lnob_wire_metrics(w->reg, wire);
    lnob_ingest_obs_t *o = &w->obs;
    o->rows_read = lnob_metrics_counter(w->reg, "lnob_ingest_rows_read_total", "",
                                        "Rows read from the input files (each extract's first delivery).");
    o->rows_accepted = lnob_metrics_counter(w->reg, "lnob_ingest_rows_accepted_total", "",
                                            "Rows accepted into batches (flagged fields included).");
    o->rows_quarantined = lnob_metrics_counter(w->reg, "lnob_ingest_rows_quarantined_total", "",
                                               "Rows quarantined whole: in no cell (docs/redis-keys.md).");
    o->send = lnob_metrics_stage(w->reg, "ingest_send");
}

/* Opens the metrics, the sockets (watched), the beat and the HTTP
 * endpoint. LNOB_OK, or LNOB_ERR with the reason in err. */
static int s_open(workers_t *w, const lnob_ingest_cfg_t *cfg, int acked, const lnob_curve_t *curve,
                  const lnob_wire_stats_t *wire, char *err, size_t cap)
{
    s_obs_new(w, cfg->instance, curve, wire);
    lnob_sock_opts_t so = {(int) cfg->hwm, (int) cfg->linger_ms, -1, curve, "transform", w->links, "push"};
    lnob_sock_opts_t co = {64, 0, -1, curve, "aggregate", w->links, "control"};
    if (!(w->push = lnob_sock_new(ZMQ_PUSH, cfg->push, true, &so, err, cap)))
        return LNOB_ERR;
    if (acked && lnob_route_open(&w->control, LNOB_ROUTE_MAX, ZMQ_DEALER, cfg->control, false, &co, err, cap) != LNOB_OK)
        return LNOB_ERR;
    /* a full queue returns, so the loop can beat */
    zsock_set_sndtimeo(w->push, lnob_beat_wait_ms(cfg->heartbeat_ms, SEND_WAIT_MS));
    if (!(w->beat = lnob_beat_new(cfg->heartbeat, "ingest", cfg->heartbeat_ms, w->reg, err, cap)))
        return LNOB_ERR;
    w->http = lnob_httpd_new(&cfg->metrics, w->reg, err, cap);
    return w->http || !*err ? LNOB_OK : LNOB_ERR;
}

static void s_close(workers_t *w)
{
    lnob_beat_destroy(&w->beat);
    lnob_httpd_destroy(&w->http);
    lnob_links_destroy(&w->links); /* before the sockets it watches */
    lnob_route_close(&w->control);
    zsock_destroy(&w->push); /* lingers up to linger-ms to deliver */
    lnob_metrics_destroy(&w->reg);
}

int main(int argc, char **argv)
{
    lnob_ingest_cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX], run_id[128], kinds[128], usage[192];
    lnob_source_usage(kinds, sizeof kinds);
    snprintf(usage, sizeof usage, "usage: lnob-ingest %s [--push ENDPOINT] [options]", kinds);
    const lnob_config_args_t args = {.argc = argc, .argv = argv, .first = 1, .usage = usage};
    int rc = lnob_config_load(lnob_ingest_config(), &cfg, &args, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    int watcher = rc == LNOB_OK ? s_watcher(&cfg) : -1;
    if (rc == LNOB_OK && s_files(&cfg) == 0 && watcher < 0) {
        char flags[160];
        lnob_source_list(flags, sizeof flags, 1);
        snprintf(err, sizeof err, "give at least one input file (%.160s), or --watch DIR", flags);
    }
    if (rc != LNOB_OK || (s_files(&cfg) == 0 && watcher < 0)) {
        fprintf(stderr, "lnob-ingest: %s\n", err);
        return 2;
    }
    lnob_log_start("ingest", cfg.instance, cfg.log_level, cfg.log_format);
    lnob_stop_bound(LNOB_STOP_GRACE_S);
    if (!lnob_channel_valid(cfg.channel)) {
        lnob_error("--channel: '%s' is not a channel name (" LNOB_CHANNEL_RULE ")", cfg.channel);
        return 2;
    }
    if (lnob_num_percent(cfg.max_reject_share, &cfg.max_reject_pct) != 0) {
        lnob_error("--max-reject-share: '%s' is not a percent from 0 to 100", cfg.max_reject_share);
        return 2;
    }
    if (s_default_run_id(&cfg, run_id, sizeof run_id) != 0 || sodium_init() < 0) {
        lnob_error("libsodium failed to initialise");
        return 1;
    }
    lnob_ingest_ctx_t ctx = {.cfg = &cfg, .plan_run = lnob_ingest_plan_run};
    void *state[LNOB_SOURCES_MAX] = {0};
    if (s_kinds_start(&cfg, state) != 0) {
        s_kinds_stop(state);
        return 2;
    }
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    int acked = strcmp(cfg.control, "none") != 0;
    lnob_wire_stats_t wire = {0};
    workers_t w = {0};
    if (!curve || s_open(&w, &cfg, acked, curve, &wire, err, sizeof err) != LNOB_OK) {
        int stopped = lnob_sock_open_failed(err);
        s_close(&w);
        lnob_curve_destroy(&curve);
        s_kinds_stop(state);
        return stopped ? LNOB_EXIT_STOPPED : 1;
    }
    lnob_geo_t *geo = lnob_geo_new();
    ctx.sock = zsock_resolve(w.push);
    ctx.geo = geo;
    ctx.beat = w.beat;
    ctx.wire = &wire;
    ctx.obs = w.obs;
    ctx.ack = acked ? lnob_ack_new(&w.control, cfg.run_id, &wire) : NULL;
    rc = LNOB_OK;
    size_t n_plans;
    lnob_plan_t *plans = s_plan(&cfg, state, &n_plans);
    size_t in_flight = cfg.in_flight ? (size_t) cfg.in_flight : acked ? w.control.n : 1;
    rc = lnob_ingest_plans_run(&ctx, plans, n_plans, in_flight);
    for (size_t i = 0; i < n_plans; i++) {
        free(plans[i].files);
    }
    free(plans);
    if (rc == LNOB_OK && watcher >= 0)
        rc = acked ? lnob_sources[watcher]->watch(&ctx, lnob_ingest_kind_cfg(&cfg, (size_t) watcher), state[watcher])
                   : LNOB_ERR;
    if (watcher >= 0 && !acked)
        lnob_error("--watch needs the aggregator's --control endpoint: a file moves to done/ only when stored");
    lnob_geo_destroy(&geo);
    s_kinds_stop(state);
    if (rc == LNOB_OK && !acked)
        s_drain(&cfg);
    int stopped = rc == LNOB_CLOSED || zsys_interrupted;
    if (rc == LNOB_OK && !stopped && w.http)
        s_linger(&cfg, w.beat);
    lnob_ack_destroy(&ctx.ack);
    s_close(&w); /* the push socket lingers up to linger-ms to deliver */
    lnob_curve_report(curve);
    lnob_curve_destroy(&curve);
    if (stopped && watcher >= 0) {
        lnob_info("stopped by a signal; files not yet stored stay in the drop folder");
        return LNOB_EXIT_OK; /* a folder server's normal end */
    }
    if (stopped) {
        /* not done: whoever started it must not take this for "stored" */
        lnob_warn("stopped by a signal before every file was stored; a restart resumes where this one was");
        return LNOB_EXIT_STOPPED;
    }
    if (rc != LNOB_OK)
        lnob_error("stopped before every file was stored");
    return rc == LNOB_OK ? LNOB_EXIT_OK : LNOB_EXIT_ERR;
}
