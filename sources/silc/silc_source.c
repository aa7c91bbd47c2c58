/* silc_source.c - the SILC kind's ops table and its transform step (silc_source.h). */
#include "silc_source.h"

#include <stdio.h>

#include "harmonise.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "silc_extract.h"

/* The household settings from the transformer's options (docs/settings.md);
 * -1 with err when a pension list names something else. */
static int s_settings(const lnob_transform_cfg_t *cfg, void *out, char *err, size_t cap)
{
    lnob_hh_cfg_t *hh = out;
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

/* A Batch harmonised into a sorted Run (harmonise.h), sent on. */
static int s_transform(const lnob_env_t *batch, const void *settings, lnob_source_send_fn send, void *arg,
                       int64_t *us)
{
    int64_t t0 = lnob_mono_us();
    Lnob__V1__Run *run = lnob_harmonise(batch->batch, settings);
    run->transform_us = *us = lnob_mono_us() - t0;
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    out.run = run;
    int rc = send(arg, &out);
    lnob_debug("batch %s #%u: %u persons harmonised", run->extract_id, run->seq, run->record_count);
    lnob_harmonise_free(&run);
    return rc;
}

static const lnob_strlist_t *s_files(const lnob_ingest_cfg_t *cfg)
{
    return &cfg->silc;
}

const lnob_source_ops_t lnob_source_silc = {
    .name = "silc",
    .batch_case = LNOB__V1__ENVELOPE__BODY_BATCH,
    .record_case = LNOB__V1__ENVELOPE__BODY_RUN,
    .files = s_files,
    .plan = lnob_silc_plan,
    .send = lnob_silc_extract_send,
    .settings = s_settings,
    .settings_size = sizeof(lnob_hh_cfg_t),
    .transform = s_transform,
    .compute = lnob_silc_compute,
};
