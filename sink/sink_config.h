/* sink_config.h - lnob-sink's options, as a table (lnob/config.h).
 *
 * Its flags, environment variables, defaults, and its section [sink] of
 * the configuration file: for lnob-sink itself and for lnob config check
 * and lnob run, which read the same file. Not for: what the options do
 * (main.c). */
#ifndef LNOB_SINK_CONFIG_H
#define LNOB_SINK_CONFIG_H
#include "lnob/config.h"
#include "lnob/curve.h"
#include "lnob/httpd.h"

typedef struct {
    const char *pull;
    const char *pub;
    const char *snapshot; /* late joiners' ROUTER endpoint, or "none" */
    const char *redis;
    const char *redis_password_file;
    const char *control;
    long hwm, linger_ms;
    long stream_max; /* entries lnob:stream:extracts keeps; 0: all */
    const char *log_level, *log_format;
    const char *instance;
    const char *heartbeat; /* lnob run's liveness endpoint, or "none" */
    long heartbeat_ms;
    lnob_curve_cfg_t curve; /* keys for tcp:// links */
    lnob_httpd_cfg_t metrics; /* the HTTP endpoint */
} lnob_sink_cfg_t;

extern const lnob_config_prog_t lnob_sink_config;

#endif
