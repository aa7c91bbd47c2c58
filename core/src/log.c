/* log.c - level-checked, worker-named logging, as text or JSON lines (see lnob/log.h). */
#include "lnob/log.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lnob/format.h"

#define LIMITER_SLOTS 32
#define NAME_MAX_LEN 64
#define MSG_MAX 2048
#define LINE_MAX_LEN (4 * MSG_MAX) /* a json line: the message escaped, and the fields */

typedef struct {
    const char *key;       /* format string identifying the event */
    time_t last;           /* when it was last written */
    unsigned long skipped; /* occurrences not written since */
} limiter_t;

/* Process-wide, set once at start-up (lnob/log.h). */
static char s_worker[NAME_MAX_LEN] = "lnob";
static char s_instance[NAME_MAX_LEN] = "";
static lnob_log_level s_level = LNOB_LOG_INFO;
static lnob_log_format s_format = LNOB_LOG_TEXT;
static limiter_t s_limiter[LIMITER_SLOTS];
/* Per thread: the extract its lines are about. */
static _Thread_local char s_extract[LNOB_LOG_EXTRACT_MAX];

static const char *const s_level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
static const char *const s_level_keys[] = {"error", "warn", "info", "debug"};
static const char *const s_format_names[] = {"text", "json"};

void lnob_log_init(const char *worker, const char *instance, lnob_log_level level)
{
    snprintf(s_worker, sizeof s_worker, "%s", worker);
    snprintf(s_instance, sizeof s_instance, "%s", instance ? instance : "");
    s_level = level;
}

static int s_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int lnob_log_parse_level(const char *name)
{
    return s_index(s_level_keys, 4, name);
}

lnob_log_level lnob_log_get_level(void)
{
    return s_level;
}

int lnob_log_parse_format(const char *name)
{
    return s_index(s_format_names, 2, name);
}

void lnob_log_set_format(lnob_log_format format)
{
    s_format = format;
}

lnob_log_format lnob_log_get_format(void)
{
    return s_format;
}

void lnob_log_start(const char *worker, const char *instance, const char *level,
                    const char *format)
{
    int l = lnob_log_parse_level(level), f = lnob_log_parse_format(format);
    lnob_log_init(worker, instance, l < 0 ? LNOB_LOG_INFO : (lnob_log_level) l);
    s_format = f < 0 ? LNOB_LOG_TEXT : (lnob_log_format) f;
}

void lnob_log_set_extract(const char *extract_id)
{
    snprintf(s_extract, sizeof s_extract, "%s", extract_id ? extract_id : "");
}

const char *lnob_log_extract(void)
{
    return s_extract;
}

size_t lnob_log_timestamp(const struct timespec *ts, char *out, size_t cap)
{
    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    unsigned ms = (unsigned) (ts->tv_nsec / 1000000) % 1000u;
    int m = snprintf(out + n, cap - n, ".%03uZ", ms);
    return m < 0 ? n : n + (size_t) m < cap ? n + (size_t) m : cap - 1;
}

/* Appends ,"key": and s as a JSON string (null when s is empty) to
 * out[*n..cap), or nothing when they do not fit. */
static void s_json_field(char *out, size_t cap, size_t *n, const char *key, const char *s)
{
    size_t room = cap - *n;
    int k = snprintf(out + *n, room, ",\"%s\":%s", key, *s ? "" : "null");
    if (k < 0 || (size_t) k + (*s ? 3 : 1) > room) {
        out[*n] = '\0';
        return;
    }
    *n += (size_t) k;
    if (*s)
        *n += lnob_format_json_buf(out + *n, cap - *n, s);
}

/* {"ts":...,"msg":...}: the message comes last so that a long one is cut
 * inside its own string, and the closing brace always has room. */
static size_t s_json_line(char *out, size_t cap, lnob_log_level level, const char *ts,
                          const char *msg)
{
    assert(cap >= LNOB_LOG_LINE_MIN);
    size_t n = (size_t) snprintf(out, cap, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, s_level_keys[level]);
    s_json_field(out, cap - 1, &n, "worker", s_worker);
    s_json_field(out, cap - 1, &n, "instance", s_instance);
    s_json_field(out, cap - 1, &n, "extract", s_extract);
    s_json_field(out, cap - 1, &n, "msg", msg);
    out[n++] = '}';
    out[n] = '\0';
    return n;
}

size_t lnob_log_line(char *out, size_t cap, lnob_log_level level, const struct timespec *ts,
                     const char *msg)
{
    char stamp[LNOB_LOG_TS_MAX];
    lnob_log_timestamp(ts, stamp, sizeof stamp);
    if (s_format == LNOB_LOG_JSON)
        return s_json_line(out, cap, level, stamp, msg);
    int n = *s_instance ? snprintf(out, cap, "%s [%s:%s] %s %s", stamp, s_worker, s_instance,
                                   s_level_names[level], msg)
                        : snprintf(out, cap, "%s [%s] %s %s", stamp, s_worker, s_level_names[level], msg);
    return n < 0 ? 0 : (size_t) n < cap ? (size_t) n : cap - 1;
}

__attribute__((format(printf, 2, 0)))
static void s_vwrite(lnob_log_level level, const char *fmt, va_list ap)
{
    char msg[MSG_MAX], line[LINE_MAX_LEN + 1];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = lnob_log_line(line, sizeof line - 1, level, &ts, msg);
    line[n++] = '\n';
    fwrite(line, 1, n, stderr); /* one write: lines of processes sharing stderr do not mix */
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
