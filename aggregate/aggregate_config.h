/* aggregate_config.h - lnob-aggregate's options, as a table (lnob/config.h).
 *
 * Section [aggregate] of the configuration file. For lnob-aggregate itself
 * and for lnob config check and lnob run, which read the same file. Not
 * for: what the options do (main.c, aggregate.h). */
#ifndef LNOB_AGGREGATE_CONFIG_H
#define LNOB_AGGREGATE_CONFIG_H
#include "lnob/config.h"
#include "lnob/curve.h"
#include "lnob/httpd.h"

typedef struct {
    const char *pull;      /* runs, ends and failures from the transformers */
    const char *push;      /* quarantine and results to the sink */
    const char *control;   /* ingesters ask for progress, the sink confirms */
    long hwm, linger_ms;
    long max_extracts;     /* extracts collected at once */
    const char *log_level, *log_format;
    const char *instance;
    const char *heartbeat; /* lnob run's liveness endpoint, or "none" */
    long heartbeat_ms;
    lnob_curve_cfg_t curve;   /* keys for tcp:// links */
    lnob_httpd_cfg_t metrics; /* the HTTP endpoint (default 127.0.0.1:9102) */
} lnob_aggregate_cfg_t;

extern const lnob_config_prog_t lnob_aggregate_config;

#endif
