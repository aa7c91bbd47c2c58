/* transform_config.h - lnob-transform's options, as a table (lnob/config.h).
 *
 * Section [transform] of the configuration file. For lnob-transform
 * itself and for lnob config check and lnob run, which read the same file.
 * Not for: what the options do (main.c, household.h). */
#ifndef LNOB_TRANSFORM_CONFIG_H
#define LNOB_TRANSFORM_CONFIG_H
#include "lnob/config.h"
#include "lnob/curve.h"
#include "lnob/httpd.h"

typedef struct {
    const char *pull;      /* endpoint(s) to receive from */
    const char *push;      /* endpoint(s) to send to */
    long hwm, linger_ms;
    const char *log_level, *log_format;
    const char *instance;
    const char *heartbeat; /* lnob run's liveness endpoint, or "none" */
    long heartbeat_ms;
    long lwi_strict, child_rule_half, main_share_pct, ft_hours; /* docs/settings.md */
    const char *pension_any, *pension_main;
    const char *age_eq, *age_wi, *age_brk;
    long bottom_code_zero;
    lnob_curve_cfg_t curve; /* keys for tcp:// links */
    lnob_httpd_cfg_t metrics; /* the HTTP endpoint (default: by instance) */
    char metrics_default[LNOB_HTTPD_ADDR_MAX];
} lnob_transform_cfg_t;

extern const lnob_config_prog_t lnob_transform_config;

#endif
