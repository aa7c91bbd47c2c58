/* transform_config.h - lnob-transform's options, as a table (lnob/config.h).
 *
 * Section [transform] of the configuration file (the source kinds'
 * options among them: the SILC settings). For lnob-transform
 * itself and for lnob config check and lnob run, which read the same file.
 * Not for: what the options do (main.c, the kinds' settings). */
#ifndef LNOB_TRANSFORM_CONFIG_H
#define LNOB_TRANSFORM_CONFIG_H
#include <stddef.h>

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
    lnob_curve_cfg_t curve; /* keys for tcp:// links */
    lnob_httpd_cfg_t metrics; /* the HTTP endpoint (default: by instance) */
    char metrics_default[LNOB_HTTPD_ADDR_MAX];
    /* each source kind's own options (source.h transform_opts), one part
     * per kind in registry order: lnob_transform_kind_cfg */
    _Alignas(LNOB_CONFIG_PART_ALIGN) unsigned char kinds[LNOB_CONFIG_PARTS_BYTES];
} lnob_transform_cfg_t;

/* lnob-transform: the engine's options, then each source kind's own
 * (source.h transform_opts), in registry order. The table is made at the
 * first call (from the main thread). */
const lnob_config_prog_t *lnob_transform_config(void);
/* The part of cfg that holds the options of kind k (registry order). */
const void *lnob_transform_kind_cfg(const lnob_transform_cfg_t *cfg, size_t k);

#endif
