/* lnob/log.h - level-checked logging that names the worker.
 *
 * Every line goes to stderr in one write, in one of two formats:
 *   text: "<ts> [<worker>:<instance>] <LEVEL> message"
 *   json: {"ts":"<ts>","level":"info","worker":"transform","instance":"2",
 *          "extract":"silc-2023-...","msg":"message"}
 * <ts> is ISO-8601 UTC with milliseconds (2026-12-04T22:41:07.123Z). In
 * json, instance and extract are null when there is none, and every string
 * is escaped (bytes that are not UTF-8 become U+FFFD). The extract is the
 * one the calling thread named with lnob_log_set_extract(). The level is
 * checked before formatting. lnob_log_once() logs the first occurrence of
 * a recurring failure per key and then one summary line every
 * LNOB_LOG_REPEAT_SECONDS, so a hot failure loop does not flood the log.
 * The log settings (names, level, format) are process-wide, set once at
 * start-up before threads; the extract is per thread. */
#ifndef LNOB_LOG_H
#define LNOB_LOG_H
#include <stddef.h>
#include <time.h>

typedef enum {
    LNOB_LOG_ERROR = 0,
    LNOB_LOG_WARN = 1,
    LNOB_LOG_INFO = 2,
    LNOB_LOG_DEBUG = 3
} lnob_log_level;

typedef enum {
    LNOB_LOG_TEXT = 0,
    LNOB_LOG_JSON = 1
} lnob_log_format;

#define LNOB_LOG_REPEAT_SECONDS 1
/* The choices of every program's --log-format option. */
#define LNOB_LOG_FORMATS "text|json"
/* Room for a timestamp: "2026-12-04T22:41:07.123Z" and a NUL. */
#define LNOB_LOG_TS_MAX 32
/* The least room lnob_log_line() needs. */
#define LNOB_LOG_LINE_MIN 256
/* Longest extract id a line carries; a longer one is cut. */
#define LNOB_LOG_EXTRACT_MAX 128

/* Names the process in every line, e.g. ("transform", "2"). */
void lnob_log_init(const char *worker, const char *instance, lnob_log_level level);
/* Parses "error|warn|info|debug"; returns -1 if unknown. */
int lnob_log_parse_level(const char *name);
lnob_log_level lnob_log_get_level(void);
/* Parses "text|json"; returns -1 if unknown. */
int lnob_log_parse_format(const char *name);
void lnob_log_set_format(lnob_log_format format);
lnob_log_format lnob_log_get_format(void);
/* lnob_log_init() and lnob_log_set_format() from option values (names as
 * the option tables admit them; an unknown name keeps the default). */
void lnob_log_start(const char *worker, const char *instance, const char *level,
                    const char *format);

/* The extract the calling thread works on (copied; NULL or "" for none):
 * json lines carry it until it is changed. Thread-local. */
void lnob_log_set_extract(const char *extract_id);
/* The calling thread's extract, "" for none. */
const char *lnob_log_extract(void);

/* Writes *ts as ISO-8601 UTC with milliseconds into out (cap >=
 * LNOB_LOG_TS_MAX); returns the length. */
size_t lnob_log_timestamp(const struct timespec *ts, char *out, size_t cap);
/* One log line of msg at level, stamped *ts, in the process's format and
 * names and with the calling thread's extract, into out (cap >=
 * LNOB_LOG_LINE_MIN; NUL-terminated, no newline; a long message is cut, a
 * json line stays valid: a field that does not fit is left out). Returns
 * the length. What lnob_log_write() writes; for tests. */
size_t lnob_log_line(char *out, size_t cap, lnob_log_level level, const struct timespec *ts,
                     const char *msg);

void lnob_log_write(lnob_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Logs through a rate limiter keyed by the format string address. */
void lnob_log_limited(lnob_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define lnob_log(lvl, ...)                                                     \
    do {                                                                       \
        if ((lvl) <= lnob_log_get_level())                                     \
            lnob_log_write((lvl), __VA_ARGS__);                                \
    } while (0)
#define lnob_error(...) lnob_log(LNOB_LOG_ERROR, __VA_ARGS__)
#define lnob_warn(...) lnob_log(LNOB_LOG_WARN, __VA_ARGS__)
#define lnob_info(...) lnob_log(LNOB_LOG_INFO, __VA_ARGS__)
#define lnob_debug(...) lnob_log(LNOB_LOG_DEBUG, __VA_ARGS__)
/* A recurring failure: first one logged, repeats summarised once a second. */
#define lnob_log_once(lvl, ...)                                                \
    do {                                                                       \
        if ((lvl) <= lnob_log_get_level())                                     \
            lnob_log_limited((lvl), __VA_ARGS__);                              \
    } while (0)

#endif
