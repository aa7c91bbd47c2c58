/* log.c - level-checked, worker-named logging (see lnob/log.h). */
#include "lnob/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LIMITER_SLOTS 32

typedef struct {
    const char *key;       /* format string identifying the event */
    time_t last;           /* when it was last written */
    unsigned long skipped; /* occurrences not written since */
} limiter_t;

static char s_name[64] = "lnob";
static lnob_log_level s_level = LNOB_LOG_INFO;
static limiter_t s_limiter[LIMITER_SLOTS];

static const char *s_level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void lnob_log_init(const char *worker, const char *instance, lnob_log_level level)
{
    if (instance && *instance)
        snprintf(s_name, sizeof s_name, "%s:%s", worker, instance);
    else
        snprintf(s_name, sizeof s_name, "%s", worker);
    s_level = level;
}

int lnob_log_parse_level(const char *name)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

lnob_log_level lnob_log_get_level(void)
{
    return s_level;
}

__attribute__((format(printf, 2, 0)))
static void s_vwrite(lnob_log_level level, const char *fmt, va_list ap)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%02d:%02d:%02d.%03ld [%s] %s ", tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, s_name,
                     s_level_names[level]);
    if (n < 0 || (size_t) n >= sizeof line)
        n = 0;
    vsnprintf(line + n, sizeof line - (size_t) n, fmt, ap);
    fprintf(stderr, "%s\n", line);
}

void lnob_log_write(lnob_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(level, fmt, ap);
    va_end(ap);
}

static limiter_t *s_slot(const char *key)
{
    limiter_t *free_slot = NULL;
    for (int i = 0; i < LIMITER_SLOTS; i++) {
        if (s_limiter[i].key == key)
            return &s_limiter[i];
        if (!s_limiter[i].key && !free_slot)
            free_slot = &s_limiter[i];
    }
    if (free_slot)
        free_slot->key = key;
    return free_slot;
}

void lnob_log_limited(lnob_log_level level, const char *fmt, ...)
{
    limiter_t *slot = s_slot(fmt);
    time_t now = time(NULL);
    if (slot && slot->last && now - slot->last < LNOB_LOG_REPEAT_SECONDS) {
        slot->skipped++;
        return;
    }
    if (slot && slot->skipped)
        lnob_log_write(level, "(previous message repeated %lu more times)", slot->skipped);
    va_list ap;
    va_start(ap, fmt);
    s_vwrite(level, fmt, ap);
    va_end(ap);
    if (slot) {
        slot->last = now;
        slot->skipped = 0;
    }
}
