/* transform_config.h - lnob-transform's options, as a table (lnob/config.h).
 *
 * One table, two programs as the configuration file knows them: the
 * harmonising transformer (section [transform], --role harmonise) and the
 * aggregator (section [aggregate], --role aggregate). They differ in their
 * role, which the section fixes, and in the defaults of pull and push. For
 * lnob-transform itself and for lnob config check and lnob run, which read
 * the same file. Not for: what the options do (main.c, household.h). */
#ifndef LNOB_TRANSFORM_CONFIG_H
#define LNOB_TRANSFORM_CONFIG_H
#include "lnob/config.h"
#include "lnob/curve.h"
#include "lnob/httpd.h"

typedef struct {
    const char *role;      /* harmonise | aggregate */
    const char *pull;      /* endpoint(s) to receive from */
    const char *push;      /* endpoint(s) to send to */
    const char *control;   /* aggregate: acknowledgement endpoint */
    long hwm, linger_ms;
    long max_extracts;     /* aggregate: extracts collected at once */
    const char *log_level, *log_format;
    const char *instance;
    const char *heartbeat; /* lnob run's liveness endpoint, or "none" */
    long heartbeat_ms;
    long lwi_strict, child_rule_half, main_share_pct, ft_hours; /* docs/settings.md */
    const char *pension_any, *pension_main;
    const char *age_eq, *age_wi, *age_brk;
    long bottom_code_zero;
    lnob_curve_cfg_t curve; /* keys for tcp:// links */
    lnob_httpd_cfg_t metrics; /* the HTTP endpoint (default: by role and instance) */
    char metrics_default[LNOB_HTTPD_ADDR_MAX];
} lnob_transform_cfg_t;

/* --role harmonise, section [transform]. */
extern const lnob_config_prog_t lnob_transform_config;
/* --role aggregate, section [aggregate]. */
extern const lnob_config_prog_t lnob_aggregate_config;

#endif
