/* ingest_config.c - lnob-ingest's options (ingest_config.h). */
#include "ingest_config.h"

#include <stddef.h>

#include "deliver.h"
#include "lnob/keys.h"
#include "lnob/log.h"
#include "registry.h"

/* The engine's own options; each source kind adds its own (source.h). */
static const lnob_opt_t s_opts[] = {
    {"push", "LNOB_INGEST_PUSH", LNOB_OPT_STR, "@tcp://127.0.0.1:5555", 0, 0, NULL,
     offsetof(lnob_ingest_cfg_t, push), "endpoint transformers pull batches from (@bind, >connect)"},
    {"batch-size", "LNOB_BATCH_SIZE", LNOB_OPT_INT, "8192", 1, 1000000, NULL,
     offsetof(lnob_ingest_cfg_t, batch_size), "accepted rows per batch message"},
    {"hwm", "LNOB_HWM", LNOB_OPT_INT, "8", 1, 10000, NULL, offsetof(lnob_ingest_cfg_t, hwm),
     "messages queued per peer before sending waits"},
    {"linger-ms", "LNOB_LINGER_MS", LNOB_OPT_INT, "1000", 0, 3600000, NULL,
     offsetof(lnob_ingest_cfg_t, linger_ms), "how long exit waits to deliver queued batches"},
    {"control", "LNOB_INGEST_CONTROL", LNOB_OPT_STR, ">tcp://127.0.0.1:5559", 0, 0, NULL,
     offsetof(lnob_ingest_cfg_t, control),
     "the aggregator's control endpoint; several aggregators separated by '|', in the transformers' --push order "
     "(none: send and exit, unacknowledged)"},
    {"in-flight", "LNOB_INGEST_IN_FLIGHT", LNOB_OPT_INT, "0", 0, 64, NULL, offsetof(lnob_ingest_cfg_t, in_flight),
     "extracts sent and not yet stored at once, the next sent while the ones before are computed "
     "(0: one per aggregator in --control)"},
    {"poll-ms", "LNOB_INGEST_POLL_MS", LNOB_OPT_INT, "300", 10, 60000, NULL,
     offsetof(lnob_ingest_cfg_t, poll_ms), "how often to ask the aggregator for progress"},
    {"redeliver-ms", "LNOB_INGEST_REDELIVER_MS", LNOB_OPT_INT, "2000", 100, 3600000, NULL,
     offsetof(lnob_ingest_cfg_t, redeliver_ms), "no progress this long: send the missing batches again"},
    {"ack-timeout-s", "LNOB_INGEST_ACK_TIMEOUT_S", LNOB_OPT_INT, "600", 1, 864000, NULL,
     offsetof(lnob_ingest_cfg_t, ack_timeout_s), "no answer from the aggregator this long: give up (exit 1)"},
    {"drain-ms", "LNOB_INGEST_DRAIN_MS", LNOB_OPT_INT, "3000", 0, 3600000, NULL,
     offsetof(lnob_ingest_cfg_t, drain_ms), "with --control none: time to stay connected after the last send"},
    {"run-id", "LNOB_RUN_ID", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(lnob_ingest_cfg_t, run_id),
     "tag carried by every message (default run-<128 random bits in hex>)"},
    {"channel", "LNOB_CHANNEL", LNOB_OPT_STR, LNOB_CHANNEL_DEFAULT, 0, 0, NULL, offsetof(lnob_ingest_cfg_t, channel),
     LNOB_CHANNEL_HELP},
    {"max-reject-share", "LNOB_MAX_REJECT_SHARE", LNOB_OPT_STR, "5", 0, 0, NULL,
     offsetof(lnob_ingest_cfg_t, max_reject_share),
     "percent of an extract's rows that may be quarantined (0-100, '%' optional); above it the extract fails"},
    LNOB_WORKER_OPTS(lnob_ingest_cfg_t),
    LNOB_CURVE_OPTS(lnob_ingest_cfg_t, curve),
    LNOB_HTTPD_OPTS(lnob_ingest_cfg_t, metrics, "127.0.0.1:9101"),
    {"metrics-linger-ms", "LNOB_METRICS_LINGER_MS", LNOB_OPT_INT, "0", 0, 3600000, NULL,
     offsetof(lnob_ingest_cfg_t, metrics_linger_ms),
     "after the last extract is stored, keep the metrics endpoint up this long (a scrape of the final counts)"},
    LNOB_OPT_END};

const void *lnob_ingest_kind_cfg(const lnob_ingest_cfg_t *cfg, size_t k)
{
    return lnob_source_cfg(LNOB_PART_INGEST, cfg->kinds, k);
}

const lnob_config_prog_t *lnob_ingest_config(void)
{
    return lnob_source_prog(LNOB_PART_INGEST, "lnob-ingest", "ingest", s_opts, sizeof(lnob_ingest_cfg_t),
                            offsetof(lnob_ingest_cfg_t, kinds));
}
