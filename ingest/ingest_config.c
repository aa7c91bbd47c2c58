/* ingest_config.c - lnob-ingest's options (ingest_config.h). */
#include "ingest_config.h"

#include <stddef.h>

#include "deliver.h"
#include "lnob/log.h"

static const lnob_opt_t s_opts[] = {
    {"silc", "LNOB_INGEST_SILC", LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(lnob_ingest_cfg_t, silc),
     "SILC files to ingest: merged person-level, or the D, H, R and P UDB files of a year"},
    {"mis", "LNOB_INGEST_MIS", LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(lnob_ingest_cfg_t, mis),
     "municipal social-care MIS exports, read together as one extract (docs/mis.md)"},
    {"pseudonym-key", "LNOB_PSEUDONYM_KEY_FILE", LNOB_OPT_FILE, NULL, 0, 0, NULL,
     offsetof(lnob_ingest_cfg_t, pseudonym_key), "file with the secret key for person keys (needed with --mis)"},
    {"period", "LNOB_MIS_PERIOD", LNOB_OPT_INT, "0", 0, 2100, NULL, offsetof(lnob_ingest_cfg_t, period),
     "MIS reference year (0: the year of the latest start date)"},
    {"mis-sources", "LNOB_MIS_SOURCES", LNOB_OPT_FILE, NULL, 0, 0, NULL, offsetof(lnob_ingest_cfg_t, sources),
     "MIS sources table: export file name pattern = mapping file, one per line (docs/mis.md)"},
    {"population", "LNOB_MIS_POPULATION", LNOB_OPT_FILE, NULL, 0, 0, NULL, offsetof(lnob_ingest_cfg_t, population),
     "CSV mun_code,year,pop_1jan: residents for mis_rate1000 (default Census 2023 where known)"},
    {"service-set", "LNOB_MIS_SERVICE_SET", LNOB_OPT_STR, "", 0, 0, NULL, offsetof(lnob_ingest_cfg_t, service_set),
     "SERVICE_SET: the service codes that count, comma-separated (default every one present)"},
    {"vuln-groups", "LNOB_MIS_VULN_GROUPS", LNOB_OPT_STR, "", 0, 0, NULL, offsetof(lnob_ingest_cfg_t, vuln_groups),
     "VULN_GROUPS: groups that make a person vulnerable (DIS,RE,ROMA,EGY,ELD,VAW,CHI; default all)"},
    {"watch", "LNOB_INGEST_WATCH", LNOB_OPT_DIR, NULL, 0, 0, NULL, offsetof(lnob_ingest_cfg_t, watch),
     "drop folder of MIS exports: take each complete file, then move it to done/ or failed/ (docs/mis.md)"},
    {"watch-ms", "LNOB_INGEST_WATCH_MS", LNOB_OPT_INT, "200", 10, 60000, NULL,
     offsetof(lnob_ingest_cfg_t, watch_ms), "how often to look into the drop folder"},
    {"settle-ms", "LNOB_INGEST_SETTLE_MS", LNOB_OPT_INT, "5000", 0, 3600000, NULL,
     offsetof(lnob_ingest_cfg_t, settle_ms),
     "drop folder: a file without a NAME.done marker is taken once unchanged (size, mtime) this long"},
    {"decimal-comma", "LNOB_DECIMAL_COMMA", LNOB_OPT_FLAG, "0", 0, 0, NULL,
     offsetof(lnob_ingest_cfg_t, decimal_comma),
     "SILC numbers may have a decimal comma (1234,5) whatever the delimiter (always so in ';' files)"},
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
    {"combine", "LNOB_INGEST_COMBINE", LNOB_OPT_FLAG, "0", 0, 1, NULL, offsetof(lnob_ingest_cfg_t, combine),
     "merged SILC files of one year are read as one extract (the same header row in each)"},
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

const lnob_config_prog_t lnob_ingest_config = {"lnob-ingest", "ingest", s_opts, sizeof(lnob_ingest_cfg_t)};
