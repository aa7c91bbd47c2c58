/* transform_config.c - lnob-transform's options (transform_config.h). */
#include "transform_config.h"

#include <stddef.h>

#include "lnob/log.h"
#include "registry.h"

/* The engine's own options; each source kind adds its own (source.h). */
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
    LNOB_WORKER_OPTS(lnob_transform_cfg_t),
    LNOB_CURVE_OPTS(lnob_transform_cfg_t, curve),
    LNOB_HTTPD_OPTS(lnob_transform_cfg_t, metrics, NULL),
    LNOB_OPT_END};

const void *lnob_transform_kind_cfg(const lnob_transform_cfg_t *cfg, size_t k)
{
    return lnob_source_cfg(LNOB_PART_TRANSFORM, cfg->kinds, k);
}

const lnob_config_prog_t *lnob_transform_config(void)
{
    return lnob_source_prog(LNOB_PART_TRANSFORM, "lnob-transform", "transform", s_opts,
                            sizeof(lnob_transform_cfg_t), offsetof(lnob_transform_cfg_t, kinds));
}
