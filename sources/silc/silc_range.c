/* silc_range.c - one Range parsed and harmonised into its Run (silc_range.h). */
#include "silc_range.h"

#include <stdio.h>
#include <string.h>

#include "harmonise.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/rc.h"
#include "silc.h"

/* The parser's batch size for a range: never reached, so the range's rows
 * and rejects go as one batch, at the end (its rejects are bounded by the
 * range's bytes: silc_cut.h). */
#define RANGE_BATCH ((size_t) 1 << 40)

typedef struct {
    const Lnob__V1__Range *r;
    const lnob_silc_settings_t *st;
    lnob_source_send_fn send;
    void *arg;
    lnob_silc_t *p;
    unsigned batches;
} range_t;

/* The range's one batch (the parser's batch size is the range's rows):
 * harmonised into the Run of the range's seq. */
static int s_emit(void *arg, Lnob__V1__Batch *batch)
{
    range_t *x = arg;
    if (x->batches++) /* more rejects than one message holds: not sent as two with one seq */
        return LNOB_ERR;
    batch->seq = x->r->seq;
    Lnob__V1__Run *run = lnob_harmonise(batch, &x->st->hh);
    run->silc_notes = lnob_silc_note_bits(x->p, &run->hh_incomplete);
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    out.run = run;
    int rc = x->send(x->arg, &out);
    lnob_debug("batch %s #%u: %u persons harmonised (a range of %u rows parsed)", run->extract_id, run->seq,
               run->record_count, x->r->rows);
    lnob_harmonise_free(&run);
    return rc;
}

/* The extract cannot be completed from this range: the aggregator fails it. */
static int s_failed(const range_t *x, const char *reason, const char *detail)
{
    Lnob__V1__ExtractFailed f = LNOB__V1__EXTRACT_FAILED__INIT;
    f.extract_id = x->r->extract_id;
    f.run_id = x->r->run_id;
    f.source = x->r->source;
    f.reason = (char *) reason;
    f.detail = (char *) detail;
    f.checksum = x->r->checksum;
    f.period = x->r->period;
    f.channel = x->r->channel;
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_FAILED;
    out.failed = &f;
    lnob_warn("extract %s: range %u (line %llu on): %s: %s", f.extract_id, x->r->seq,
              (unsigned long long) x->r->first_line, reason, detail);
    return x->send(x->arg, &out);
}

int lnob_silc_range(const lnob_env_t *env, const lnob_silc_settings_t *settings, lnob_source_send_fn send,
                    void *arg, int64_t *us)
{
    int64_t t0 = lnob_mono_us();
    const Lnob__V1__Range *r = env->range;
    range_t x = {r, settings, send, arg, NULL, 0};
    lnob_silc_opts_t o = {.source = r->source, .checksum = r->checksum, .run_id = r->run_id,
                          .batch_size = RANGE_BATCH, .geo = settings->geo, .emit = s_emit, .arg = &x,
                          .encoding = LNOB_ENC_UTF8, .delimiter = ',', .first_line = r->first_line,
                          .period = r->period, .channel = r->channel};
    x.p = lnob_silc_new(&o);
    if (strcmp(lnob_silc_extract_id(x.p), r->extract_id) != 0) { /* an ingester that names ids otherwise */
        lnob_silc_destroy(&x.p);
        return s_failed(&x, "EXTRACT_ID", "the range's extract id is not the one its period, checksum and "
                                          "channel make here: the ingester and this transformer differ in version");
    }
    int rc = lnob_silc_feed(x.p, (const char *) r->header.data, r->header.len);
    if (rc == LNOB_OK)
        rc = lnob_silc_feed(x.p, "\n", 1);
    if (rc == LNOB_OK)
        rc = lnob_silc_feed(x.p, (const char *) r->data.data, r->data.len);
    if (rc == LNOB_OK)
        rc = lnob_silc_finish(x.p);
    *us = lnob_mono_us() - t0;
    if (rc == LNOB_ERR && x.batches > 1)
        rc = s_failed(&x, "RANGE_TOO_LARGE", "its rows' rejects do not fit in one message");
    else if (rc == LNOB_ERR && !x.batches)
        rc = s_failed(&x, lnob_silc_reason(x.p), lnob_silc_errstr(x.p));
    lnob_silc_destroy(&x.p);
    return rc;
}
