/* aggregate_config.c - lnob-aggregate's options (aggregate_config.h). */
#include "aggregate_config.h"

#include <stddef.h>

#include "lnob/log.h"

static const lnob_opt_t s_opts[] = {
    {"pull", "LNOB_AGGREGATE_PULL", LNOB_OPT_STR, "@tcp://127.0.0.1:5556", 0, 0, NULL,
     offsetof(lnob_aggregate_cfg_t, pull), "where the transformers send runs, ends and failures"},
    {"push", "LNOB_AGGREGATE_PUSH", LNOB_OPT_STR, ">tcp://127.0.0.1:5557", 0, 0, NULL,
     offsetof(lnob_aggregate_cfg_t, push), "where the quarantine and results go (the sink)"},
    {"control", "LNOB_AGGREGATE_CONTROL", LNOB_OPT_STR, "@tcp://127.0.0.1:5559", 0, 0, NULL,
     offsetof(lnob_aggregate_cfg_t, control), "where ingesters ask for progress and the sink confirms"},
    {"hwm", "LNOB_HWM", LNOB_OPT_INT, "8", 1, 10000, NULL, offsetof(lnob_aggregate_cfg_t, hwm),
     "messages queued per peer before sending waits"},
    {"max-extracts", "LNOB_AGGREGATE_MAX_EXTRACTS", LNOB_OPT_INT, "16", 1, 4096, NULL,
     offsetof(lnob_aggregate_cfg_t, max_extracts),
     "extracts collected at once; a message of one more is dropped until one finishes"},
    {"linger-ms", "LNOB_LINGER_MS", LNOB_OPT_INT, "1000", 0, 3600000, NULL,
     offsetof(lnob_aggregate_cfg_t, linger_ms), "how long exit waits to deliver queued messages"},
    LNOB_WORKER_OPTS(lnob_aggregate_cfg_t),
    LNOB_CURVE_OPTS(lnob_aggregate_cfg_t, curve),
    LNOB_HTTPD_OPTS(lnob_aggregate_cfg_t, metrics, "127.0.0.1:9102"),
    LNOB_OPT_END};

const lnob_config_prog_t lnob_aggregate_config = {"lnob-aggregate", "aggregate", s_opts,
                                                  sizeof(lnob_aggregate_cfg_t)};
