/* main.c - lnob-sink: stores Results in Redis and publishes them.
 *
 * Pulls Quarantine parts and Results from the aggregator, writes each to
 * Redis (store.h: one pipelined transaction per extract), then publishes
 * the Result on a PUB socket as two frames: the topic
 * "lnob.extract.<channel>.<extract id>" and the Envelope without the cells
 * flagged SUPPRESS, numbered as the publication Redis recorded (publish.h,
 * store.h; a re-run is published again with the next number, a redelivered
 * Result again with the number it had, so a subscriber drops a repeat), and
 * confirms it to the aggregator's control socket so that it stops
 * redelivering, once it has
 * read back that Redis holds every cell and quarantine row (else it drops
 * the quarantine and waits for both again). While Redis is down the sink
 * holds the message and retries once a second (the aggregator waits behind
 * the bounded queue); every call has a timeout, and a context that failed
 * is dropped and made again. A refusal is not retried: NOAUTH, WRONGPASS
 * or NOPERM (the sink's ACL user may not log in, or not run a command it
 * needs: docs/redis-acl.md) is logged once, naming the user, and the sink
 * exits LNOB_EXIT_DENIED. The loop beats to lnob run (beat.h). With its
 * metrics endpoint on (lnob/httpd.h), an idle sink PINGs Redis once a
 * second, so that /readyz says when Redis is gone before a write finds out.
 * SIGINT/SIGTERM stop it. */
#include <czmq.h>
#include <signal.h>
#include <stddef.h>

#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/exit.h"
#include "lnob/httpd.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/metrics.h"
#include "lnob/redis.h"
#include "lnob/route.h"
#include "lnob/sock.h"
#include "beat.h"
#include "lnob/keys.h"
#include "lnob/stop.h"
#include "publish.h"
#include "sink_config.h"
#include "snapshot.h"
#include "store.h"
#include "wire.h"

#define POLL_MS 500
#define RETRY_MS 1000
#define PING_MS 1000 /* an idle sink with a metrics endpoint checks Redis this often */
#define TOPIC_MAX 256
/* Answers queued to one late joiner (an extract each): a state of years of
 * both kinds fits; a peer that asks again and again without reading loses
 * the rest (its SnapshotEnd's count says so), it cannot fill our memory. */
#define SNAPSHOT_HWM 256

/* What the metrics endpoint shows of the sink (docs/operations.md). */
typedef struct {
    lnob_metrics_t *reg;
    lnob_links_t *links;
    lnob_httpd_t *http;        /* NULL with --metrics none */
    lnob_metric_t *write;      /* per Redis write (a quarantine part, or a Result with its checks) */
    lnob_metric_t *rtt;        /* PING round trips */
    lnob_metric_t *up, *errors, *waiting;
    lnob_metric_t *complete, *failed, *other, *parts, *rewrites;
    int64_t pinged_ms;
} obs_t;

typedef struct {
    const lnob_sink_cfg_t *cfg;
    zsock_t *in, *pub;
    zsock_t *snap;         /* late joiners' requests (ROUTER); NULL with --snapshot none */
    lnob_route_t control;  /* each aggregator's control socket (lnob/route.h) */
    redisContext *redis;
    lnob_beat_t *beat;     /* NULL without --heartbeat */
    lnob_wire_stats_t wire;
    uint64_t stored, published;
    uint64_t rewrites;     /* Results found incomplete in Redis, to be written again */
    obs_t obs;
} sink_t;

static void s_obs_new(sink_t *s, const char *instance, const lnob_curve_t *curve)
{
    obs_t *o = &s->obs;
    o->reg = lnob_metrics_new("sink", instance);
    o->links = lnob_links_new(o->reg, curve);
    lnob_wire_metrics(o->reg, &s->wire);
    o->write = lnob_metrics_stage(o->reg, "redis_write");
    o->rtt = lnob_metrics_histogram(o->reg, "lnob_redis_roundtrip_seconds", "",
                                    "Redis PING round trips of the idle sink (with its metrics endpoint on).",
                                    lnob_metrics_rtt_buckets, lnob_metrics_rtt_nbuckets);
    o->up = lnob_metrics_gauge(o->reg, "lnob_redis_up", "", "1 while the sink holds a working Redis connection.");
    lnob_metrics_require(o->reg, "redis", o->up);
    o->errors = lnob_metrics_counter(o->reg, "lnob_redis_errors_total", "",
                                     "Redis connections or calls that failed (each is retried).");
    o->waiting = lnob_metrics_gauge(o->reg, "lnob_sink_waiting_messages", "",
                                    "Messages received and not yet in Redis (0 or 1: the sink holds one while it retries).");
    const char *stored = "Results stored in Redis, by the extract's status.";
    o->complete = lnob_metrics_counter(o->reg, "lnob_extracts_stored_total", "status=\"complete\"", stored);
    o->failed = lnob_metrics_counter(o->reg, "lnob_extracts_stored_total", "status=\"failed\"", stored);
    o->other = lnob_metrics_counter(o->reg, "lnob_extracts_stored_total", "status=\"other\"", stored);
    o->parts = lnob_metrics_counter(o->reg, "lnob_quarantine_parts_stored_total", "",
                                    "Quarantine parts stored in Redis.");
    o->rewrites = lnob_metrics_counter(o->reg, "lnob_sink_rewrites_total", "",
                                       "Results found incomplete in Redis after a write, written again.");
}

/* Counts one message stored. */
static void s_count_stored(const obs_t *o, const lnob_env_t *env)
{
    if (env->body_case == LNOB__V1__ENVELOPE__BODY_QUARANTINE) {
        lnob_metric_add(o->parts, 1);
        return;
    }
    const char *status = env->result->status;
    lnob_metric_add(!strcmp(status, "complete") ? o->complete : !strcmp(status, "failed") ? o->failed : o->other, 1);
}

/* Drops a Redis context that failed: it is made again, not reused. */
static void s_drop_redis(sink_t *s)
{
    redisFree(s->redis);
    s->redis = NULL;
    lnob_metric_set(s->obs.up, 0);
    lnob_metric_add(s->obs.errors, 1);
}

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
    lnob_metric_set(s->obs.up, rc == LNOB_OK);
    if (rc != LNOB_OK)
        lnob_metric_add(s->obs.errors, 1);
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
static void s_publish(sink_t *s, const Lnob__V1__Result *r, uint64_t seq)
{
    char topic[TOPIC_MAX];
    lnob_publish_topic(r, topic, sizeof topic);
    size_t len, withheld;
    uint8_t *buf = lnob_publish_pack(r, seq, &len, &withheld);
    zframe_t *body = zframe_new(buf, len);
    free(buf);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, topic);
    zmsg_append(msg, &body);
    if (zmsg_send(&msg, s->pub) == 0) {
        s->published++;
        lnob_wire_sent(&s->wire, LNOB__V1__ENVELOPE__BODY_RESULT);
        lnob_info("extract %s published as number %llu: %zu cells, %zu SUPPRESS cells withheld", r->extract_id,
                  (unsigned long long) seq, r->n_cells - withheld, withheld);
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
    if (lnob_wire_send(zsock_resolve(lnob_route_for(&s->control, r->extract_id)), &env, why, sizeof why) != LNOB_OK)
        lnob_log_once(LNOB_LOG_WARN, "cannot confirm to the aggregator: %s", why);
    else
        lnob_wire_sent(&s->wire, LNOB__V1__ENVELOPE__BODY_STORED);
}

/* Stores a Result only over its whole quarantine, then reads back that
 * Redis holds it all. When something is missing (a Redis restarted without
 * persistence), the quarantine stream is dropped and LNOB_AGAIN returned:
 * unconfirmed, the aggregator delivers the quarantine and the Result again
 * and they are written whole. */
static int s_store_result(sink_t *s, const Lnob__V1__Result *r, lnob_store_published_t *pub, char *err,
                          size_t cap)
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
        rc = lnob_store_result(s->redis, r, s->cfg->stream_max, pub, err, cap);
    if (rc == LNOB_OK)
        rc = lnob_store_verify(s->redis, r, 1, err, cap);
    if (rc != LNOB_AGAIN)
        return rc;
    s->rewrites++;
    lnob_metric_add(s->obs.rewrites, 1);
    lnob_warn("%s; writing its quarantine and result again (rewrite %llu)", err,
              (unsigned long long) s->rewrites);
    return lnob_store_drop_quarantine(s->redis, r->extract_id, err, cap) == LNOB_OK ? LNOB_AGAIN : LNOB_ERR;
}

/* Writes one message to Redis, retrying until it is stored or we stop.
 * LNOB_AGAIN: a Result not stored, as its quarantine must come again;
 * LNOB_DENIED: Redis refused the sink's user, the sink must stop. */
static int s_store(sink_t *s, lnob_env_t *env, lnob_store_published_t *pub)
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
        int64_t t0 = lnob_mono_us();
        rc = env->body_case == LNOB__V1__ENVELOPE__BODY_QUARANTINE
                     ? lnob_store_quarantine(s->redis, env->quarantine, err, sizeof err)
                     : s_store_result(s, env->result, pub, err, sizeof err);
        if (rc == LNOB_AGAIN)
            return rc;
        if (rc == LNOB_OK) {
            int64_t took = lnob_mono_us() - t0;
            lnob_metric_observe_us(s->obs.write, took);
            s_count_stored(&s->obs, env);
            if (env->body_case == LNOB__V1__ENVELOPE__BODY_RESULT)
                lnob_info("extract %s stored (%s, %zu cells; publication %llu%s) in %lld ms",
                          env->result->extract_id, env->result->status, env->result->n_cells, pub->seq,
                          pub->redelivered ? ", delivered again" : "", (long long) took / 1000);
            s->stored++;
            return LNOB_OK;
        }
        if (rc == LNOB_DENIED)
            return s_refused(s, err);
        lnob_log_once(LNOB_LOG_ERROR, "%s; reconnecting", err);
        s_drop_redis(s);
        zclock_sleep(lnob_beat_wait_ms(s->cfg->heartbeat_ms, RETRY_MS));
    }
    return LNOB_CLOSED;
}

/* With the metrics endpoint on, an idle sink checks Redis once a
 * PING_MS (reconnecting when it had lost it), so that /readyz and
 * lnob_redis_up follow Redis. Returns LNOB_DENIED when Redis refuses the
 * sink's user, else LNOB_OK. */
static int s_ping(sink_t *s)
{
    int64_t now = lnob_mono_us() / 1000;
    if (!s->obs.http || now - s->obs.pinged_ms < PING_MS)
        return LNOB_OK;
    s->obs.pinged_ms = now;
    int rc = s_connected(s);
    if (rc != LNOB_OK)
        return rc == LNOB_DENIED ? rc : LNOB_OK;
    int64_t t0 = lnob_mono_us();
    redisReply *r = redisCommand(s->redis, "PING");
    int ok = r && r->type == REDIS_REPLY_STATUS;
    if (ok)
        lnob_metric_observe_us(s->obs.rtt, lnob_mono_us() - t0);
    else
        lnob_log_once(LNOB_LOG_ERROR, "Redis did not answer PING: %s; reconnecting",
                      r && r->type == REDIS_REPLY_ERROR ? r->str : s->redis->errstr);
    if (r)
        freeReplyObject(r);
    if (!ok)
        s_drop_redis(s);
    return LNOB_OK;
}

/* Sends one message of frames to a ROUTER peer; a peer gone or too far
 * behind loses it (the SnapshotEnd's count tells it). */
static void s_send_to(void *sock, const lnob_peer_t *peer, const char *topic, const uint8_t *bytes, size_t len)
{
    zmq_send(sock, peer->id, peer->len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(sock, bytes, len, ZMQ_DONTWAIT);
}

static void s_send_end(sink_t *s, const lnob_peer_t *peer, const char *channel, const lnob_snapshot_t *snap,
                       const char *error)
{
    Lnob__V1__SnapshotEnd end = LNOB__V1__SNAPSHOT_END__INIT;
    end.channel = (char *) channel;
    end.seq = snap->seq;
    end.extracts = (uint32_t) snap->n;
    end.error = (char *) error;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_SNAPSHOT_END;
    env.snapshot_end = &end;
    size_t len;
    uint8_t *buf = lnob_wire_pack(&env, &len);
    s_send_to(zsock_resolve(s->snap), peer, LNOB_SNAPSHOT_END_TOPIC, buf, len);
    lnob_wire_sent(&s->wire, LNOB__V1__ENVELOPE__BODY_SNAPSHOT_END);
    free(buf);
}

/* Answers one late joiner: the channel's current extracts, then the end
 * with the channel's number (snapshot.h). */
static int s_serve_snapshot(sink_t *s)
{
    char why[LNOB_ERRSTR_MAX] = "";
    lnob_peer_t peer;
    lnob_env_t *env = NULL;
    void *sock = zsock_resolve(s->snap);
    if (lnob_wire_recv_routed(sock, &peer, &env, &s->wire, why, sizeof why) != LNOB_OK)
        return LNOB_OK; /* a bad or foreign request is dropped and counted */
    int asked = env->body_case == LNOB__V1__ENVELOPE__BODY_SNAPSHOT;
    const char *channel = asked && *env->snapshot->channel ? env->snapshot->channel : LNOB_CHANNEL_DEFAULT;
    lnob_snapshot_t snap = {0};
    int rc = LNOB_OK;
    if (!asked || !lnob_channel_valid(channel))
        snprintf(why, sizeof why, "not a snapshot request of a channel (" LNOB_CHANNEL_RULE ")");
    else if ((rc = s_connected(s)) == LNOB_OK)
        rc = lnob_snapshot_read(s->redis, channel, &snap, why, sizeof why);
    else
        snprintf(why, sizeof why, "Redis is not reachable");
    for (size_t i = 0; rc == LNOB_OK && !*why && i < snap.n; i++)
        s_send_to(sock, &peer, snap.items[i].topic, snap.items[i].bytes, snap.items[i].len);
    s_send_end(s, &peer, *why ? "" : channel, &snap, why);
    if (*why)
        lnob_log_once(LNOB_LOG_WARN, "a snapshot was asked for and not sent: %s", why);
    else
        lnob_info("snapshot of channel %s sent: %zu extracts at number %llu", channel, snap.n, snap.seq);
    lnob_snapshot_free(&snap);
    lnob_wire_free(&env);
    if (rc != LNOB_OK)
        s_drop_redis(s); /* a refusal (NOPERM: an ACL without the snapshot's reads) is said, not fatal */
    return LNOB_OK;
}

/* Waits for a message from the aggregator (1) or the wait's end (0),
 * answering the late joiners that ask meanwhile. LNOB_DENIED when Redis
 * refused the sink's user. */
static int s_wait(sink_t *s, int *ready)
{
    zmq_pollitem_t items[2] = {{zsock_resolve(s->in), 0, ZMQ_POLLIN, 0},
                               {s->snap ? zsock_resolve(s->snap) : NULL, 0, ZMQ_POLLIN, 0}};
    int n = zmq_poll(items, s->snap ? 2 : 1, lnob_beat_wait_ms(s->cfg->heartbeat_ms, POLL_MS));
    *ready = n > 0 && (items[0].revents & ZMQ_POLLIN);
    if (n > 0 && s->snap && (items[1].revents & ZMQ_POLLIN))
        return s_serve_snapshot(s);
    return LNOB_OK;
}

static int s_loop(sink_t *s)
{
    char why[LNOB_ERRSTR_MAX];
    while (!zsys_interrupted) {
        lnob_beat_tick(s->beat);
        int ready = 0;
        if (s_wait(s, &ready) == LNOB_DENIED)
            return LNOB_DENIED;
        if (!ready) {
            lnob_wire_trim(&s->wire);
            if (s_ping(s) == LNOB_DENIED)
                return LNOB_DENIED;
            continue;
        }
        lnob_env_t *env = NULL;
        int rc = lnob_wire_recv(zsock_resolve(s->in), &env, &s->wire, why, sizeof why);
        if (rc == LNOB_AGAIN && s_ping(s) == LNOB_DENIED)
            return LNOB_DENIED;
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
        lnob_store_published_t pub = {0};
        int kind_ok = env->body_case == LNOB__V1__ENVELOPE__BODY_RESULT ||
                      env->body_case == LNOB__V1__ENVELOPE__BODY_QUARANTINE;
        lnob_metric_set(s->obs.waiting, kind_ok);
        int stored = kind_ok ? s_store(s, env, &pub) : LNOB_DROP;
        lnob_metric_set(s->obs.waiting, 0);
        if (!kind_ok) {
            s->wire.wrong_kind++;
            lnob_log_once(LNOB_LOG_WARN, "dropped a message of the wrong kind for the sink");
        } else if (stored == LNOB_OK && env->body_case == LNOB__V1__ENVELOPE__BODY_RESULT) {
            s_confirm(s, env->result);
            if (pub.seq)
                s_publish(s, env->result, pub.seq);
        }
        lnob_wire_free(&env);
        if (stored == LNOB_DENIED)
            return stored;
        lnob_log_set_extract(NULL);
    }
    return LNOB_OK;
}

/* Opens the metrics, the sockets (pull and control watched), the beat
 * and the HTTP endpoint. LNOB_OK, or LNOB_ERR with the reason in err. */
static int s_open(sink_t *s, const lnob_sink_cfg_t *cfg, const lnob_curve_t *curve, char *err, size_t cap)
{
    s_obs_new(s, cfg->instance, curve);
    lnob_links_t *l = s->obs.links;
    lnob_sock_opts_t in_o = {(int) cfg->hwm, 0, lnob_beat_wait_ms(cfg->heartbeat_ms, POLL_MS), curve, "aggregate",
                             l, "pull"};
    lnob_sock_opts_t pub_o = {1000, (int) cfg->linger_ms, -1, curve, "dashboard", NULL, NULL};
    lnob_sock_opts_t ctl_o = {1000, 0, -1, curve, "aggregate", l, "control"};
    lnob_sock_opts_t snap_o = {SNAPSHOT_HWM, (int) cfg->linger_ms, -1, curve, "dashboard", NULL, NULL};
    int snap = strcmp(cfg->snapshot, "none") != 0;
    if (!(s->in = lnob_sock_new(ZMQ_PULL, cfg->pull, true, &in_o, err, cap)) ||
        !(s->pub = lnob_sock_new(ZMQ_PUB, cfg->pub, true, &pub_o, err, cap)) ||
        (snap && !(s->snap = lnob_sock_new(ZMQ_ROUTER, cfg->snapshot, true, &snap_o, err, cap))) ||
        lnob_route_open(&s->control, LNOB_ROUTE_MAX, ZMQ_DEALER, cfg->control, false, &ctl_o, err, cap) != LNOB_OK ||
        !(s->beat = lnob_beat_new(cfg->heartbeat, "sink", cfg->heartbeat_ms, s->obs.reg, err, cap)))
        return LNOB_ERR;
    s->obs.http = lnob_httpd_new(&cfg->metrics, s->obs.reg, err, cap);
    return s->obs.http || !*err ? LNOB_OK : LNOB_ERR;
}

static void s_close(sink_t *s)
{
    redisFree(s->redis);
    s->redis = NULL;
    lnob_beat_destroy(&s->beat);
    lnob_httpd_destroy(&s->obs.http);
    lnob_links_destroy(&s->obs.links); /* before the sockets it watches */
    zsock_destroy(&s->in);
    zsock_destroy(&s->pub);
    zsock_destroy(&s->snap);
    lnob_route_close(&s->control);
    lnob_metrics_destroy(&s->obs.reg);
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
    lnob_stop_bound(LNOB_STOP_GRACE_S);
    if (lnob_mem_reuse(LNOB_MEM_KEEP_BYTES) != 0) /* each extract's work reuses the pages of the last */
        lnob_warn("malloc refused to keep freed memory: each extract's pages are faulted in afresh");
    signal(SIGPIPE, SIG_IGN); /* a dead Redis is an error reply, not our death */
    sink_t s = {.cfg = &cfg};
    lnob_curve_t *curve = lnob_curve_new(&cfg.curve, err, sizeof err);
    if (!curve || s_open(&s, &cfg, curve, err, sizeof err) != LNOB_OK) {
        int stopped = lnob_sock_open_failed(err);
        s_close(&s);
        lnob_curve_destroy(&curve);
        return stopped ? LNOB_EXIT_OK : LNOB_EXIT_ERR;
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
    s_close(&s);
    lnob_curve_destroy(&curve);
    return rc == LNOB_OK ? LNOB_EXIT_OK : rc == LNOB_DENIED ? LNOB_EXIT_DENIED : LNOB_EXIT_ERR;
}
