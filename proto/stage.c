/* stage.c - a stage's sockets, counts, beat and metrics endpoint (stage.h). */
#include "stage.h"

#include "lnob/log.h"

void lnob_stage_obs_new(lnob_stage_t *s, const char *name, const char *instance, const lnob_curve_t *curve,
                        int wait_ms)
{
    s->reg = lnob_metrics_new(name, instance);
    s->links = lnob_links_new(s->reg, curve);
    lnob_wire_metrics(s->reg, &s->wire);
    s->wait_ms = wait_ms;
}

int lnob_stage_start(lnob_stage_t *s, const char *beat, const char *name, long beat_ms,
                     const lnob_httpd_cfg_t *http, char *err, size_t cap)
{
    for (size_t i = 0; i < s->out.n; i++) /* a full queue returns: the loop comes round to beat */
        zsock_set_sndtimeo(s->out.sock[i], s->wait_ms);
    if (!(s->beat = lnob_beat_new(beat, name, beat_ms, s->reg, err, cap)))
        return LNOB_ERR;
    s->http = lnob_httpd_new(http, s->reg, err, cap);
    return s->http || !*err ? LNOB_OK : LNOB_ERR;
}

int lnob_stage_recv(lnob_stage_t *s, lnob_env_t **env)
{
    char why[LNOB_ERRSTR_MAX];
    int rc = lnob_wire_recv(zsock_resolve(s->in), env, &s->wire, why, sizeof why);
    if (rc == LNOB_DROP) {
        lnob_log_once(LNOB_LOG_WARN, "dropped a bad message (%llu so far): %s",
                      (unsigned long long) lnob_wire_dropped(&s->wire), why);
        return LNOB_AGAIN;
    }
    if (rc != LNOB_OK && rc != LNOB_AGAIN && zsys_interrupted)
        return LNOB_CLOSED;
    return rc;
}

/* The rc of one send attempt of a message of kind: LNOB_OK (counted),
 * LNOB_AGAIN to retry, or LNOB_ERR said. */
static int s_sent(lnob_stage_t *s, int rc, int kind, const char *why)
{
    if (rc == LNOB_OK) {
        s->forwarded++;
        lnob_wire_sent(&s->wire, kind);
        return LNOB_OK;
    }
    if (rc == LNOB_AGAIN && !zsys_interrupted) {
        lnob_beat_tick(s->beat); /* waiting on a full queue is not being stuck */
        return LNOB_AGAIN;
    }
    if (!zsys_interrupted)
        lnob_error("cannot send: %s", why);
    return LNOB_ERR;
}

int lnob_stage_send_bytes(lnob_stage_t *s, const uint8_t *data, size_t len)
{
    char why[LNOB_ERRSTR_MAX];
    int rc;
    while ((rc = s_sent(s, lnob_wire_send_bytes(zsock_resolve(s->out.sock[0]), data, len, why, sizeof why),
                        lnob_wire_kind(data, len), why)) == LNOB_AGAIN)
        ;
    return rc;
}

int lnob_stage_send(lnob_stage_t *s, lnob_env_t *env)
{
    char why[LNOB_ERRSTR_MAX];
    int rc;
    while ((rc = s_sent(s, lnob_wire_send(zsock_resolve(lnob_route_for(&s->out, lnob_wire_extract_id(env))), env, why, sizeof why), (int) env->body_case,
                        why)) == LNOB_AGAIN)
        ;
    return rc;
}

void lnob_stage_report(const lnob_stage_t *s)
{
    uint64_t n = 0, bytes = 0;
    for (int k = 0; k < LNOB_WIRE_KINDS; k++)
        n += s->wire.in[k], bytes += s->wire.in_bytes[k];
    lnob_info("stopping: %llu messages received (%llu bytes), %llu sent, %llu bad messages dropped (%llu of a "
              "kind the sender's role does not send)", (unsigned long long) n, (unsigned long long) bytes,
              (unsigned long long) s->forwarded, (unsigned long long) lnob_wire_dropped(&s->wire),
              (unsigned long long) s->wire.wrong_role);
}

void lnob_stage_close(lnob_stage_t *s)
{
    lnob_beat_destroy(&s->beat);
    lnob_httpd_destroy(&s->http);
    lnob_links_destroy(&s->links); /* before the sockets it watches */
    zsock_destroy(&s->control);
    zsock_destroy(&s->in);
    lnob_route_close(&s->out);
    lnob_metrics_destroy(&s->reg);
}
