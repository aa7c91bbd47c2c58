/* main.c - lnob-transform: harmonise batches, or aggregate extracts.
 *
 * --role harmonise (default; run any number side by side): pulls Batches
 * from the ingesters, turns each into a sorted Run (harmonise.h) and pushes
 * it to the aggregator; ExtractEnd and ExtractFailed are passed on as they
 * are. --role aggregate (one per pipeline): pulls Runs, holds each extract
 * until it is complete (aggregate.h), computes the indicators and pushes
 * the quarantine and the Result to the sink. Bad messages are dropped,
 * counted and logged once. SIGINT/SIGTERM stop the loop. */
#include <czmq.h>
#include <stddef.h>

#include "aggregate.h"
#include "harmonise.h"
#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/log.h"
#include "lnob/sock.h"
#include "wire.h"

#define POLL_MS 500 /* receive timeout, so signals are seen promptly */

typedef struct {
    const char *role;      /* harmonise | aggregate */
    const char *pull;      /* endpoint(s) to receive from */
    const char *push;      /* endpoint(s) to send to */
    long hwm, linger_ms;
    const char *log_level;
    const char *instance;
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"role", "LNOB_TRANSFORM_ROLE", LNOB_OPT_STR, "harmonise", 0, 0, "harmonise|aggregate",
     offsetof(cfg_t, role), "harmonise batches (any number) or aggregate extracts (one)"},
    {"pull", "LNOB_TRANSFORM_PULL", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, pull),
     "receive endpoint (default: >tcp://127.0.0.1:5555 for harmonise, @tcp://0.0.0.0:5556 for aggregate)"},
    {"push", "LNOB_TRANSFORM_PUSH", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, push),
     "send endpoint (default: >tcp://127.0.0.1:5556 for harmonise, >tcp://127.0.0.1:5557 for aggregate)"},
    {"hwm", "LNOB_HWM", LNOB_OPT_INT, "8", 1, 10000, NULL, offsetof(cfg_t, hwm),
     "messages queued per peer before sending waits"},
    {"linger-ms", "LNOB_LINGER_MS", LNOB_OPT_INT, "60000", 0, 3600000, NULL,
     offsetof(cfg_t, linger_ms), "how long exit waits to deliver queued messages"},
    {"log-level", "LNOB_LOG_LEVEL", LNOB_OPT_STR, "info", 0, 0, "error|warn|info|debug",
     offsetof(cfg_t, log_level), "log verbosity"},
    {"instance", "LNOB_INSTANCE", LNOB_OPT_STR, "", 0, 0, NULL, offsetof(cfg_t, instance),
     "instance name shown in log lines"},
    LNOB_OPT_END};

typedef struct {
    zsock_t *in, *out;
    lnob_wire_stats_t wire;
    uint64_t forwarded;
} worker_t;

/* Sends env, retrying through signals until interrupted for good. */
static int s_send(worker_t *w, lnob_env_t *env)
{
    char why[LNOB_ERRSTR_MAX];
    for (;;) {
        int rc = lnob_wire_send(zsock_resolve(w->out), env, why, sizeof why);
        if (rc == LNOB_OK) {
            w->forwarded++;
            return LNOB_OK;
        }
        if (rc != LNOB_AGAIN || zsys_interrupted) {
            lnob_error("cannot send: %s", why);
            return LNOB_ERR;
        }
    }
}

static int s_emit(void *arg, lnob_env_t *env)
{
    return s_send(arg, env);
}

static int s_harmonise(worker_t *w, lnob_env_t **env_p)
{
    lnob_env_t *env = *env_p;
    if (env->body_case != LNOB__V1__ENVELOPE__BODY_BATCH) {
        int pass = env->body_case == LNOB__V1__ENVELOPE__BODY_END ||
                   env->body_case == LNOB__V1__ENVELOPE__BODY_FAILED;
        if (!pass)
            lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for harmonise");
        int rc = pass ? s_send(w, env) : LNOB_DROP;
        lnob_wire_free(env_p);
        return rc == LNOB_DROP ? LNOB_OK : rc;
    }
    int64_t t0 = lnob_mono_us();
    Lnob__V1__Run *run = lnob_harmonise(env->batch);
    run->transform_us = lnob_mono_us() - t0;
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    out.run = run;
    int rc = s_send(w, &out);
    lnob_debug("batch %s #%u: %u persons harmonised", run->extract_id, run->seq, run->record_count);
    lnob_harmonise_free(&run);
    lnob_wire_free(env_p);
    return rc;
}

static int s_loop(worker_t *w, lnob_aggregate_t *agg)
{
    char why[LNOB_ERRSTR_MAX];
    while (!zsys_interrupted) {
        lnob_env_t *env = NULL;
        int rc = lnob_wire_recv(zsock_resolve(w->in), &env, &w->wire, why, sizeof why);
        if (rc == LNOB_AGAIN)
            continue;
        if (rc == LNOB_DROP) {
            lnob_log_once(LNOB_LOG_WARN, "dropped a bad message (%llu so far): %s",
                          (unsigned long long) lnob_wire_dropped(&w->wire), why);
            continue;
        }
        if (rc != LNOB_OK)
            return zsys_interrupted ? LNOB_OK : rc;
        if (agg) {
            rc = lnob_aggregate_take(agg, &env);
            if (rc == LNOB_DROP)
                lnob_log_once(LNOB_LOG_INFO, "ignored a duplicate or late message");
            else if (rc != LNOB_OK)
                return rc;
        } else if (s_harmonise(w, &env) != LNOB_OK)
            return LNOB_ERR;
    }
    return LNOB_OK;
}

static void s_defaults(cfg_t *cfg)
{
    int agg = strcmp(cfg->role, "aggregate") == 0;
    if (!cfg->pull)
        cfg->pull = agg ? "@tcp://0.0.0.0:5556" : ">tcp://127.0.0.1:5555";
    if (!cfg->push)
        cfg->push = agg ? ">tcp://127.0.0.1:5557" : ">tcp://127.0.0.1:5556";
}

int main(int argc, char **argv)
{
    cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, 1, "lnob-transform",
                               "usage: lnob-transform [--role harmonise|aggregate] [--pull EP] [--push EP]",
                               err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "lnob-transform: %s\n", err);
        return 2;
    }
    s_defaults(&cfg);
    int aggregate = strcmp(cfg.role, "aggregate") == 0;
    lnob_log_init(aggregate ? "aggregate" : "transform", cfg.instance,
                  lnob_log_parse_level(cfg.log_level));
    worker_t w = {0};
    lnob_sock_opts_t in_o = {(int) cfg.hwm, 0, POLL_MS};
    lnob_sock_opts_t out_o = {(int) cfg.hwm, (int) cfg.linger_ms, -1};
    w.in = lnob_sock_new(ZMQ_PULL, cfg.pull, aggregate, &in_o, err, sizeof err);
    w.out = w.in ? lnob_sock_new(ZMQ_PUSH, cfg.push, false, &out_o, err, sizeof err) : NULL;
    if (!w.in || !w.out) {
        lnob_error("%s", err);
        zsock_destroy(&w.in);
        return 1;
    }
    lnob_aggregate_t *agg = aggregate ? lnob_aggregate_new(s_emit, &w) : NULL;
    lnob_info("started: pull %s, push %s", cfg.pull, cfg.push);
    rc = s_loop(&w, agg);
    lnob_info("stopping: %llu messages sent, %llu bad messages dropped",
              (unsigned long long) w.forwarded, (unsigned long long) lnob_wire_dropped(&w.wire));
    lnob_aggregate_destroy(&agg);
    zsock_destroy(&w.in);
    zsock_destroy(&w.out);
    return rc == LNOB_OK ? 0 : 1;
}
