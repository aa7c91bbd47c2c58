/* lnob/log.h - level-checked logging that names the worker.
 *
 * Every line is "<time> [<worker>:<instance>] <LEVEL> message" on stderr.
 * The level is checked before formatting. lnob_log_once() logs the first
 * occurrence of a recurring failure per key and then one summary line every
 * LNOB_LOG_REPEAT_SECONDS, so a hot failure loop does not flood the log.
 * The log settings are process-wide, set once at start-up before threads. */
#ifndef LNOB_LOG_H
#define LNOB_LOG_H

typedef enum {
    LNOB_LOG_ERROR = 0,
    LNOB_LOG_WARN = 1,
    LNOB_LOG_INFO = 2,
    LNOB_LOG_DEBUG = 3
} lnob_log_level;

#define LNOB_LOG_REPEAT_SECONDS 1

/* Names the process in every line, e.g. ("transform", "2"). */
void lnob_log_init(const char *worker, const char *instance, lnob_log_level level);
/* Parses "error|warn|info|debug"; returns -1 if unknown. */
int lnob_log_parse_level(const char *name);
lnob_log_level lnob_log_get_level(void);
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
