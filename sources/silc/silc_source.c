/* silc_source.c - the SILC kind's ops table and its transform step (silc_source.h). */
#include "silc_source.h"

#include <stddef.h>
#include <stdio.h>

#include "harmonise.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "silc_extract.h"
#include "silc_range.h"
#include "silc_replay.h"

/* The SILC kind's own transformer options: the settings of docs/settings.md. */
typedef struct {
    long lwi_strict, child_rule_half, main_share_pct, ft_hours;
    const char *pension_any, *pension_main;
    const char *age_eq, *age_wi, *age_brk;
    long bottom_code_zero;
} lnob_silc_transform_cfg_t;

static const lnob_opt_t s_transform_opts[] = {
    {"lwi-strict", "LNOB_LWI_STRICT", LNOB_OPT_INT, "0", 0, 1, NULL, offsetof(lnob_silc_transform_cfg_t, lwi_strict),
     "LWI_STRICT: 1 counts WI < 0.2 as low, 0 (spec default) WI <= 0.2"},
    {"child-rule-half", "LNOB_CHILD_RULE_HALF", LNOB_OPT_INT, "1", 0, 1, NULL,
     offsetof(lnob_silc_transform_cfg_t, child_rule_half),
     "CHILD_RULE_HALF: 1 a child lacks a personal item when half the 16+ members do, 0 when all do"},
    {"main-share-pct", "LNOB_MAIN_SHARE_PCT", LNOB_OPT_INT, "50", 1, 100, NULL,
     offsetof(lnob_silc_transform_cfg_t, main_share_pct), "MAIN_SHARE in percent of HY010 (pensions as main income)"},
    {"ft-hours", "LNOB_FT_HOURS", LNOB_OPT_INT, "35", 1, 80, NULL, offsetof(lnob_silc_transform_cfg_t, ft_hours),
     "FT_HOURS: full-time reference week for part-time months"},
    {"pension-any", "LNOB_PENSION_ANY", LNOB_OPT_STR, "PY100G,PY130G,PY080G", 0, 0, NULL,
     offsetof(lnob_silc_transform_cfg_t, pension_any), "PENSION_ANY: pensions that exclude a member from work intensity"},
    {"pension-main", "LNOB_PENSION_MAIN", LNOB_OPT_STR, "PY100G,PY110G,PY130G,PY080G", 0, 0, NULL,
     offsetof(lnob_silc_transform_cfg_t, pension_main), "PENSION_MAIN: pensions summed against MAIN_SHARE x HY010"},
    {"age-eq", "LNOB_AGE_EQ", LNOB_OPT_STR, "irp", 0, 0, "irp|int", offsetof(lnob_silc_transform_cfg_t, age_eq),
     "AGE_EQ: the age of the equivalence scale (AGE_IRP or AGE_INT, spec 1.3)"},
    {"age-wi", "LNOB_AGE_WI", LNOB_OPT_STR, "irp", 0, 0, "irp|int", offsetof(lnob_silc_transform_cfg_t, age_wi),
     "AGE_WI: the age of work intensity"},
    {"age-brk", "LNOB_AGE_BRK", LNOB_OPT_STR, "int", 0, 0, "irp|int", offsetof(lnob_silc_transform_cfg_t, age_brk),
     "AGE_BRK: the age of the breakdowns, the household type and the under-16 rule"},
    {"bottom-code-zero", "LNOB_BOTTOM_CODE_ZERO", LNOB_OPT_INT, "0", 0, 1, NULL,
     offsetof(lnob_silc_transform_cfg_t, bottom_code_zero),
     "BOTTOM_CODE_ZERO: 1 counts x < 0 as 0 in the income indicators (ids suffixed _BC0)"},
    LNOB_OPT_END};

/* The household settings from the transformer's options (docs/settings.md);
 * -1 with err when a pension list names something else. */
static int s_settings(const void *kcfg, void *out, char *err, size_t cap)
{
    const lnob_silc_transform_cfg_t *cfg = kcfg;
    lnob_silc_settings_t *st = out;
    lnob_hh_cfg_t *hh = &st->hh;
    st->geo = lnob_geo_new(); /* for the rows of Ranges */
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

static void s_settings_free(void *settings)
{
    lnob_geo_destroy(&((lnob_silc_settings_t *) settings)->geo);
}

/* A Batch harmonised into a sorted Run; a Range parsed first (silc_range.h). */
static int s_transform(const lnob_env_t *batch, const void *settings, lnob_source_send_fn send, void *arg,
                       int64_t *us)
{
    if (batch->body_case == LNOB__V1__ENVELOPE__BODY_RANGE)
        return lnob_silc_range(batch, settings, send, arg, us);
    int64_t t0 = lnob_mono_us();
    Lnob__V1__Run *run = lnob_harmonise(batch->batch, &((const lnob_silc_settings_t *) settings)->hh);
    run->transform_us = *us = lnob_mono_us() - t0;
    lnob_env_t out = LNOB__V1__ENVELOPE__INIT;
    out.body_case = LNOB__V1__ENVELOPE__BODY_RUN;
    out.run = run;
    int rc = send(arg, &out);
    lnob_debug("batch %s #%u: %u persons harmonised", run->extract_id, run->seq, run->record_count);
    lnob_harmonise_free(&run);
    return rc;
}

static const lnob_opt_t s_ingest_opts[] = {
    {"silc", "LNOB_INGEST_SILC", LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(lnob_silc_ingest_cfg_t, silc),
     "SILC files to ingest: merged person-level, or the D, H, R and P UDB files of a year"},
    {"combine", "LNOB_INGEST_COMBINE", LNOB_OPT_FLAG, "0", 0, 1, NULL, offsetof(lnob_silc_ingest_cfg_t, combine),
     "merged SILC files of one year are read as one extract (the same header row in each)"},
    {"decimal-comma", "LNOB_DECIMAL_COMMA", LNOB_OPT_FLAG, "0", 0, 0, NULL,
     offsetof(lnob_silc_ingest_cfg_t, decimal_comma),
     "SILC numbers may have a decimal comma (1234,5) whatever the delimiter (always so in ';' files)"},
    {"parse-in", "LNOB_SILC_PARSE_IN", LNOB_OPT_STR, "ingest", 0, 0, "ingest|transform",
     offsetof(lnob_silc_ingest_cfg_t, parse_in),
     "where a merged SILC file's rows are parsed: here, or (transform) cut into ranges for the "
     "transformers to parse when its form allows; for transformers on more cores or hosts (docs/scaling.md)"},
    LNOB_OPT_END};

static const char *const s_run_opts[] = {"silc", "combine", "decimal-comma", "parse-in", NULL};

static const lnob_strlist_t *s_files(const void *kcfg)
{
    return &((const lnob_silc_ingest_cfg_t *) kcfg)->silc;
}

/* lnob report's line of a SILC extract. */
static void s_report(FILE *out, lnob_meta_get_fn get, const void *meta)
{
    fprintf(out, "  rows read %s, accepted %s (kept with flagged fields %s), quarantined %s, "
                 "out of scope %s; persons in the income population %s (income missing %s, "
                 "zero weight %s)\n",
            get(meta, "rows_read"), get(meta, "rows_accepted"), get(meta, "rows_flagged"),
            get(meta, "rows_quarantined"), get(meta, "rows_out_of_scope"),
            get(meta, "persons_in_population"), get(meta, "persons_income_missing"),
            get(meta, "persons_zero_weight"));
}

const lnob_source_ops_t lnob_source_silc = {
    .name = "silc",
    .headline = "arpr",
    .batch_case = LNOB__V1__ENVELOPE__BODY_BATCH,
    .cut_case = LNOB__V1__ENVELOPE__BODY_RANGE,
    .record_case = LNOB__V1__ENVELOPE__BODY_RUN,
    .ingest_opts = s_ingest_opts,
    .ingest_cfg_size = sizeof(lnob_silc_ingest_cfg_t),
    .run_opts = s_run_opts,
    .files = s_files,
    .file_role = lnob_silc_file_role,
    .plan = lnob_silc_plan,
    .send = lnob_silc_extract_send,
    .transform_opts = s_transform_opts,
    .transform_cfg_size = sizeof(lnob_silc_transform_cfg_t),
    .settings = s_settings,
    .settings_free = s_settings_free,
    .settings_size = sizeof(lnob_silc_settings_t),
    .transform = s_transform,
    .compute = lnob_silc_compute,
    .report = s_report,
    .replay = lnob_silc_replay,
};
