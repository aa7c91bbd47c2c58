/* main.c - lnob-sink: stores Results in Redis and publishes them.
 *
 * Pulls Quarantine parts and Results from the aggregator, writes each to
 * Redis (store.h: one pipelined transaction per extract), then publishes
 * the Result on a PUB socket as two frames: the topic
 * "lnob.extract.<extract id>" and the Envelope without the cells flagged
 * SUPPRESS (publish.h; only the first time an extract is announced, like
 * the Redis stream, which keeps its newest --stream-max entries), and
 * confirms it to the aggregator's control socket so that it stops
 * redelivering, once it has
 * read back that Redis holds every cell and quarantine row (else it drops
 * the quarantine and waits for both again). While Redis is down the sink
 * holds the message and retries once a second (the aggregator waits behind
 * the bounded queue); every call has a timeout, and a context that failed
 * is dropped and made again. A refusal is not retried: NOAUTH, WRONGPASS
 * or NOPERM (the sink's ACL user may not log in, or not run a command it
 * needs: docs/redis-acl.md) is logged once, naming the user, and the sink
 * exits LNOB_EXIT_DENIED. The loop beats to lnob run (beat.h).
 * SIGINT/SIGTERM stop it. */
#include <czmq.h>
#include <signal.h>
#include <stddef.h>

#include "lnob/config.h"
#include "lnob/exit.h"
#include "lnob/log.h"
#include "lnob/redis.h"
#include "lnob/sock.h"
#include "beat.h"
#include "publish.h"
#include "sink_config.h"
#include "store.h"
#include "wire.h"

#define POLL_MS 500
#define RETRY_MS 1000
#define TOPIC_MAX 256

typedef struct {
    const lnob_sink_cfg_t *cfg;
    zsock_t *in, *pub, *control;
    redisContext *redis;
    lnob_beat_t *beat;     /* NULL without --heartbeat */
    lnob_wire_stats_t wire;
    uint64_t stored, published;
    uint64_t rewrites;     /* Results found incomplete in Redis, to be written again */
} sink_t;

#define STOPS "; the sink stops: trying again cannot help"

/* Connects if need be. Returns LNOB_OK, LNOB_ERR (said once a second at
 * most: try again) or LNOB_DENIED (said once: stop). */
static int s_connected(sink_t *s)
{
    char err[LNOB_ERRSTR_MAX];
    if (s->redis)
        return LNOB_OK;
    int rc = lnob_redis_connect(s->cfg->redis, s->cfg->redis_password_file, &s->redis, err,
                                sizeof err);
    if (rc == LNOB_DENIED)
        lnob_error("%s" STOPS, err);
    else if (rc != LNOB_OK)
        lnob_log_once(LNOB_LOG_ERROR, "%s; retrying", err);
    return rc;
}

/* Says that Redis refused a command of the sink's user; returns LNOB_DENIED. */
static int s_refused(const sink_t *s, const char *err)
{
    char safe[LNOB_REDIS_URL_MAX], user[LNOB_ERRSTR_MAX];
    lnob_error("%s (Redis user %s at %s)" STOPS, err, lnob_redis_user(s->cfg->redis, user, sizeof user),
               lnob_redis_url_safe(s->cfg->redis, safe, sizeof safe));
    return LNOB_DENIED;
}

/* Publishes a stored Result to subscribers: topic frame + Envelope frame,
 * its SUPPRESS cells withheld. */
static void s_publish(sink_t *s, const Lnob__V1__Result *r)
{
    char topic[TOPIC_MAX];
    snprintf(topic, sizeof topic, "lnob.extract.%s", r->extract_id);
    size_t len, withheld;
    uint8_t *buf = lnob_publish_pack(r, &len, &withheld);
    zframe_t *body = zframe_new(buf, len);
    free(buf);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, topic);
    zmsg_append(msg, &body);
    if (zmsg_send(&msg, s->pub) == 0) {
        s->published++;
        lnob_info("extract %s published: %zu cells, %zu SUPPRESS cells withheld", r->extract_id,
                  r->n_cells - withheld, withheld);
    }
    zmsg_destroy(&msg);
}

/* Tells the aggregator the Result is in Redis, so it stops redelivering. */
static void s_confirm(sink_t *s, const Lnob__V1__Result *r)
{
    char why[LNOB_ERRSTR_MAX];
    Lnob__V1__Stored m = LNOB__V1__STORED__INIT;
    m.extract_id = r->extract_id;
    m.run_id = r->run_id;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_STORED;
    env.stored = &m;
    if (lnob_wire_send(zsock_resolve(s->control), &env, why, sizeof why) != LNOB_OK)
        lnob_log_once(LNOB_LOG_WARN, "cannot confirm to the aggregator: %s", why);
}

/* Stores a Result only over its whole quarantine, then reads back that
 * Redis holds it all. When something is missing (a Redis restarted without
 * persistence), the quarantine stream is dropped and LNOB_AGAIN returned:
 * unconfirmed, the aggregator delivers the quarantine and the Result again
 * and they are written whole. */
static int s_store_result(sink_t *s, const Lnob__V1__Result *r, int *announced, char *err, size_t cap)
{
    int complete = 0;
    int rc = strcmp(r->status, "complete") ? lnob_store_is_complete(s->redis, r->extract_id, &complete, err, cap)
                                           : LNOB_OK;
    if (rc != LNOB_OK || complete) {
        if (complete)
            lnob_warn("extract %s is stored complete; a failed result for it is not written over it",
                      r->extract_id);
        return rc;
    }
    rc = lnob_store_verify(s->redis, r, 0, err, cap);
    if (rc == LNOB_OK)
        rc = lnob_store_result(s->redis, r, s->cfg->stream_max, announced, err, cap);
    if (rc == LNOB_OK)
        rc = lnob_store_verify(s->redis, r, 1, err, cap);
    if (rc != LNOB_AGAIN)
        return rc;
    s->rewrites++;
    lnob_warn("%s; writing its quarantine and result again (rewrite %llu)", err,
              (unsigned long long) s->rewrites);
    return lnob_store_drop_quarantine(s->redis, r->extract_id, err, cap) == LNOB_OK ? LNOB_AGAIN : LNOB_ERR;
}

/* Writes one message to Redis, retrying until it is stored or we stop.
 * LNOB_AGAIN: a Result not stored, as its quarantine must come again;
 * LNOB_DENIED: Redis refused the sink's user, the sink must stop. */
static int s_store(sink_t *s, lnob_env_t *env, int *announced)
{
    char err[LNOB_ERRSTR_MAX];
    while (!zsys_interrupted) {
        lnob_beat_tick(s->beat); /* waiting on Redis is not being stuck: each call has a timeout */
        int rc = s_connected(s);
        if (rc == LNOB_DENIED)
            return rc;
        if (rc != LNOB_OK) {
            zclock_sleep(lnob_beat_wait_ms(s->cfg->heartbeat_ms, RETRY_MS));
            continue;
        }
        rc = env->body_case == LNOB__V1__ENVELOPE__BODY_QUARANTINE
                     ? lnob_store_quarantine(s->redis, env->quarantine, err, sizeof err)
                     : s_store_result(s, env->result, announced, err, sizeof err);
        if (rc == LNOB_AGAIN)
            return rc;
        if (rc == LNOB_OK) {
            if (env->body_case == LNOB__V1__ENVELOPE__BODY_RESULT)
                lnob_info("extract %s stored (%s, %zu cells%s)", env->result->extract_id,
                          env->result->status, env->result->n_cells,
                          *announced ? ", announced" : ", already announced");
            s->stored++;
            return LNOB_OK;
        }
        if (rc == LNOB_DENIED)
            return s_refused(s, err);
        lnob_log_once(LNOB_LOG_ERROR, "%s; reconnecting", err);
        redisFree(s->redis);
        s->redis = NULL;
        zclock_sleep(lnob_beat_wait_ms(s->cfg->heartbeat_ms, RETRY_MS));
    }
    return LNOB_CLOSED;
}

static int s_loop(sink_t *s)
{
    char why[LNOB_ERRSTR_MAX];
    while (!zsys_interrupted) {
        lnob_beat_tick(s->beat);
        lnob_env_t *env = NULL;
        int rc = lnob_wire_recv(zsock_resolve(s->in), &env, &s->wire, why, sizeof why);
        if (rc == LNOB_AGAIN)
            continue;
        if (rc == LNOB_DROP) {
            lnob_log_once(LNOB_LOG_WARN, "dropped a bad message (%llu so far): %s",
                          (unsigned long long) lnob_wire_dropped(&s->wire), why);
            continue;
        }
        if (rc != LNOB_OK)
            return zsys_interrupted ? LNOB_OK : rc;
        lnob_log_set_extract(lnob_wire_extract_id(env)); /* json log lines carry it */
        int announced = 0;
        int kind_ok = env->body_case == LNOB__V1__ENVELOPE__BODY_RESULT ||
                      env->body_case == LNOB__V1__ENVELOPE__BODY_QUARANTINE;
        int stored = kind_ok ? s_store(s, env, &announced) : LNOB_DROP;
        if (!kind_ok) {
            s->wire.wrong_kind++;
            lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for the sink");
        } else if (stored == LNOB_OK && env->body_case == LNOB__V1__ENVELOPE__BODY_RESULT) {
            s_confirm(s, env->result);
            if (announced)
                s_publish(s, env->result);
        }
        lnob_wire_free(&env);
        if (stored == LNOB_DENIED)
            return stored;
        lnob_log_set_extract(NULL);
    }
    return LNOB_OK;
}

int main(int argc, char **argv)
{
    lnob_sink_cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX];
    const lnob_config_args_t args = {.argc = argc, .argv = argv, .first = 1,
                                     .usage = "usage: lnob-sink [--pull EP] [--pub EP] [--redis URL]"};
    int rc = lnob_config_load(&lnob_sink_config, &cfg, &args, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "lnob-sink: %s\n", err);
        return LNOB_EXIT_CONFIG;
    }
    lnob_log_start("sink", cfg.instance, cfg.log_level, cfg.log_format);
    signal(SIGPIPE, SIG_IGN); /* a dead Redis is an error reply, not our death */
    sink_t s = {.cfg = &cfg};
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    lnob_sock_opts_t in_o = {(int) cfg.hwm, 0, lnob_beat_wait_ms(cfg.heartbeat_ms, POLL_MS), curve, "aggregate"};
    lnob_sock_opts_t pub_o = {1000, (int) cfg.linger_ms, -1, curve, "dashboard"};
    s.in = curve ? lnob_sock_new(ZMQ_PULL, cfg.pull, true, &in_o, err, sizeof err) : NULL;
    lnob_sock_opts_t ctl_o = {1000, 0, -1, curve, "aggregate"};
    s.pub = s.in ? lnob_sock_new(ZMQ_PUB, cfg.pub, true, &pub_o, err, sizeof err) : NULL;
    s.control = s.pub ? lnob_sock_new(ZMQ_DEALER, cfg.control, false, &ctl_o, err, sizeof err) : NULL;
    if (s.control)
        s.beat = lnob_beat_new(cfg.heartbeat, "sink", cfg.heartbeat_ms, err, sizeof err);
    if (!s.in || !s.pub || !s.control || (!s.beat && *err)) {
        lnob_error("%s", err);
        zsock_destroy(&s.in);
        zsock_destroy(&s.pub);
        zsock_destroy(&s.control);
        lnob_curve_destroy(&curve);
        return LNOB_EXIT_ERR;
    }
    char safe[LNOB_REDIS_URL_MAX];
    lnob_info("started: pull %s, pub %s, control %s, redis %s", cfg.pull, cfg.pub, cfg.control,
              lnob_redis_url_safe(cfg.redis, safe, sizeof safe));
    rc = s_connected(&s) == LNOB_DENIED ? LNOB_DENIED : s_loop(&s);
    lnob_info("stopping: %llu messages stored, %llu results published, %llu bad messages dropped "
              "(%llu of a kind the sender's role does not send)",
              (unsigned long long) s.stored, (unsigned long long) s.published,
              (unsigned long long) lnob_wire_dropped(&s.wire), (unsigned long long) s.wire.wrong_role);
    lnob_curve_report(curve);
    redisFree(s.redis);
    lnob_beat_destroy(&s.beat);
    zsock_destroy(&s.in);
    zsock_destroy(&s.pub);
    zsock_destroy(&s.control);
    lnob_curve_destroy(&curve);
    return rc == LNOB_OK ? LNOB_EXIT_OK : rc == LNOB_DENIED ? LNOB_EXIT_DENIED : LNOB_EXIT_ERR;
}
