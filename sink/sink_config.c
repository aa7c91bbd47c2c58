/* sink_config.c - lnob-sink's options (sink_config.h). */
#include "sink_config.h"

#include <stddef.h>

#include "lnob/log.h"
#include "lnob/redis.h"
#include "store.h" /* LNOB_STREAM_MAX_DEFAULT */

#define S_TEXT(x) #x
#define S_NUMBER_TEXT(x) S_TEXT(x)
#define STREAM_MAX_DEFAULT S_NUMBER_TEXT(LNOB_STREAM_MAX_DEFAULT) /* the option's default is text */
#define STREAM_MAX_LIMIT 100000000

static const lnob_opt_t s_opts[] = {
    {"pull", "LNOB_SINK_PULL", LNOB_OPT_STR, "@tcp://127.0.0.1:5557", 0, 0, NULL,
     offsetof(lnob_sink_cfg_t, pull), "endpoint the aggregator pushes results to"},
    {"pub", "LNOB_SINK_PUB", LNOB_OPT_STR, "@tcp://127.0.0.1:5558", 0, 0, NULL, offsetof(lnob_sink_cfg_t, pub),
     "endpoint dashboards subscribe to (topic lnob.extract.<channel>.<id>)"},
    {"snapshot", "LNOB_SINK_SNAPSHOT", LNOB_OPT_STR, "none", 0, 0, NULL, offsetof(lnob_sink_cfg_t, snapshot),
     "endpoint where a dashboard that joins late asks for the current extracts of a channel, then follows PUB "
     "(docs/dashboards.md; e.g. @tcp://0.0.0.0:5560); none: not served"},
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, "redis://127.0.0.1:6379", 0, 0, NULL,
     offsetof(lnob_sink_cfg_t, redis),
     "Redis URL: redis://[user:password@]host:port/db or unix:///path?db=N&user=NAME"},
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,
     offsetof(lnob_sink_cfg_t, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP},
    {"control", "LNOB_SINK_CONTROL", LNOB_OPT_STR, ">tcp://127.0.0.1:5559", 0, 0, NULL,
     offsetof(lnob_sink_cfg_t, control),
     "the aggregator's control endpoint, told when a result is stored; several aggregators separated by '|', "
     "in the transformers' --push order"},
    {"hwm", "LNOB_HWM", LNOB_OPT_INT, "8", 1, 10000, NULL, offsetof(lnob_sink_cfg_t, hwm),
     "messages queued before the aggregator waits"},
    {"stream-max", "LNOB_STREAM_MAX", LNOB_OPT_INT, STREAM_MAX_DEFAULT, 0, STREAM_MAX_LIMIT, NULL,
     offsetof(lnob_sink_cfg_t, stream_max),
     "entries lnob:stream:extracts keeps, the newest (exact trim on each XADD; 0: never trimmed)"},
    {"linger-ms", "LNOB_LINGER_MS", LNOB_OPT_INT, "1000", 0, 3600000, NULL,
     offsetof(lnob_sink_cfg_t, linger_ms), "how long exit waits to deliver published messages"},
    LNOB_WORKER_OPTS(lnob_sink_cfg_t),
    LNOB_CURVE_OPTS(lnob_sink_cfg_t, curve),
    LNOB_HTTPD_OPTS(lnob_sink_cfg_t, metrics, "127.0.0.1:9103"),
    LNOB_OPT_END};

const lnob_config_prog_t lnob_sink_config = {"lnob-sink", "sink", s_opts, sizeof(lnob_sink_cfg_t)};
