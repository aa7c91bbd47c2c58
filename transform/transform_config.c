/* transform_config.c - lnob-transform's options (transform_config.h). */
#include "transform_config.h"

#include <stddef.h>

#include "lnob/log.h"

static const lnob_opt_t s_opts[] = {
    {"pull", "LNOB_TRANSFORM_PULL", LNOB_OPT_STR, ">tcp://127.0.0.1:5555", 0, 0, NULL,
     offsetof(lnob_transform_cfg_t, pull), "where batches come from (the ingesters)"},
    {"push", "LNOB_TRANSFORM_PUSH", LNOB_OPT_STR, ">tcp://127.0.0.1:5556", 0, 0, NULL,
     offsetof(lnob_transform_cfg_t, push),
     "where runs go: the aggregator; several aggregators separated by '|', each extract to one of them by its id"},
    {"hwm", "LNOB_HWM", LNOB_OPT_INT, "8", 1, 10000, NULL, offsetof(lnob_transform_cfg_t, hwm),
     "messages queued per peer before sending waits"},
    {"linger-ms", "LNOB_LINGER_MS", LNOB_OPT_INT, "1000", 0, 3600000, NULL,
     offsetof(lnob_transform_cfg_t, linger_ms), "how long exit waits to deliver queued messages"},
    {"lwi-strict", "LNOB_LWI_STRICT", LNOB_OPT_INT, "0", 0, 1, NULL, offsetof(lnob_transform_cfg_t, lwi_strict),
     "LWI_STRICT: 1 counts WI < 0.2 as low, 0 (spec default) WI <= 0.2"},
    {"child-rule-half", "LNOB_CHILD_RULE_HALF", LNOB_OPT_INT, "1", 0, 1, NULL,
     offsetof(lnob_transform_cfg_t, child_rule_half),
     "CHILD_RULE_HALF: 1 a child lacks a personal item when half the 16+ members do, 0 when all do"},
    {"main-share-pct", "LNOB_MAIN_SHARE_PCT", LNOB_OPT_INT, "50", 1, 100, NULL,
     offsetof(lnob_transform_cfg_t, main_share_pct), "MAIN_SHARE in percent of HY010 (pensions as main income)"},
    {"ft-hours", "LNOB_FT_HOURS", LNOB_OPT_INT, "35", 1, 80, NULL, offsetof(lnob_transform_cfg_t, ft_hours),
     "FT_HOURS: full-time reference week for part-time months"},
    {"pension-any", "LNOB_PENSION_ANY", LNOB_OPT_STR, "PY100G,PY130G,PY080G", 0, 0, NULL,
     offsetof(lnob_transform_cfg_t, pension_any), "PENSION_ANY: pensions that exclude a member from work intensity"},
    {"pension-main", "LNOB_PENSION_MAIN", LNOB_OPT_STR, "PY100G,PY110G,PY130G,PY080G", 0, 0, NULL,
     offsetof(lnob_transform_cfg_t, pension_main), "PENSION_MAIN: pensions summed against MAIN_SHARE x HY010"},
    {"age-eq", "LNOB_AGE_EQ", LNOB_OPT_STR, "irp", 0, 0, "irp|int", offsetof(lnob_transform_cfg_t, age_eq),
     "AGE_EQ: the age of the equivalence scale (AGE_IRP or AGE_INT, spec 1.3)"},
    {"age-wi", "LNOB_AGE_WI", LNOB_OPT_STR, "irp", 0, 0, "irp|int", offsetof(lnob_transform_cfg_t, age_wi),
     "AGE_WI: the age of work intensity"},
    {"age-brk", "LNOB_AGE_BRK", LNOB_OPT_STR, "int", 0, 0, "irp|int", offsetof(lnob_transform_cfg_t, age_brk),
     "AGE_BRK: the age of the breakdowns, the household type and the under-16 rule"},
    {"bottom-code-zero", "LNOB_BOTTOM_CODE_ZERO", LNOB_OPT_INT, "0", 0, 1, NULL,
     offsetof(lnob_transform_cfg_t, bottom_code_zero),
     "BOTTOM_CODE_ZERO: 1 counts x < 0 as 0 in the income indicators (ids suffixed _BC0)"},
    LNOB_WORKER_OPTS(lnob_transform_cfg_t),
    LNOB_CURVE_OPTS(lnob_transform_cfg_t, curve),
    LNOB_HTTPD_OPTS(lnob_transform_cfg_t, metrics, NULL),
    LNOB_OPT_END};

const lnob_config_prog_t lnob_transform_config = {"lnob-transform", "transform", s_opts,
                                                  sizeof(lnob_transform_cfg_t)};
