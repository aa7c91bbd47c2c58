/* log_test.c - log lines as text and as JSON (lnob/log.h).
 *
 * JSON lines are read back with a small strict parser of flat objects
 * (string or null values; escapes and surrogate pairs decoded), so the test
 * checks what a consumer would read, not the bytes we meant to write. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnob/log.h"
#include "lnob/recode.h"

#define FIELDS_MAX 16
#define VALUE_MAX 8192

/* ---- a strict reader of flat JSON objects ------------------------------- */

typedef struct {
    char key[FIELDS_MAX][64];
    char value[FIELDS_MAX][VALUE_MAX];
    int is_null[FIELDS_MAX];
    int n;
} object_t;

static size_t s_put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80)
        return out[0] = (char) cp, 1;
    if (cp < 0x800)
        return out[0] = (char) (0xC0 | cp >> 6), out[1] = (char) (0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000)
        return out[0] = (char) (0xE0 | cp >> 12), out[1] = (char) (0x80 | ((cp >> 6) & 0x3F)),
               out[2] = (char) (0x80 | (cp & 0x3F)), 3;
    return out[0] = (char) (0xF0 | cp >> 18), out[1] = (char) (0x80 | ((cp >> 12) & 0x3F)),
           out[2] = (char) (0x80 | ((cp >> 6) & 0x3F)), out[3] = (char) (0x80 | (cp & 0x3F)), 4;
}

static int s_hex4(const char **p, unsigned *cp)
{
    char hex[5] = {0};
    for (int i = 0; i < 4; i++)
        if (!strchr("0123456789abcdefABCDEF", hex[i] = (*p)[i]) || !hex[i])
            return -1;
    *cp = (unsigned) strtoul(hex, NULL, 16);
    *p += 4;
    return 0;
}

/* Reads a JSON string at *p into out (UTF-8); -1 on anything invalid. */
static int s_string(const char **p, char *out, size_t cap)
{
    size_t n = 0;
    if (*(*p)++ != '"')
        return -1;
    while (**p != '"') {
        unsigned char c = (unsigned char) *(*p)++;
        if (c < 0x20 || n + 4 >= cap)
            return -1; /* raw control characters are not JSON */
        if (c != '\\') {
            out[n++] = (char) c;
            continue;
        }
        char e = *(*p)++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            out[n++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
            continue;
        }
        unsigned cp, lo;
        if (e != 'u' || s_hex4(p, &cp) != 0)
            return -1;
        if (cp >= 0xD800 && cp < 0xDC00) {
            if ((*p)[0] != '\\' || (*p)[1] != 'u' || (*p += 2, s_hex4(p, &lo)) != 0 || lo < 0xDC00 ||
                lo > 0xDFFF)
                return -1;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        n += s_put_utf8(out + n, cp);
    }
    (*p)++;
    out[n] = '\0';
    return lnob_recode_utf8(out, n) ? 0 : -1;
}

/* Parses text as one flat object and nothing else; -1 if it is not. */
static int s_object(const char *text, object_t *o)
{
    const char *p = text;
    o->n = 0;
    if (*p++ != '{')
        return -1;
    while (*p != '}') {
        if (o->n && *p++ != ',')
            return -1;
        if (o->n == FIELDS_MAX || s_string(&p, o->key[o->n], sizeof o->key[o->n]) != 0 || *p++ != ':')
            return -1;
        o->is_null[o->n] = !strncmp(p, "null", 4);
        if (o->is_null[o->n])
            p += 4;
        else if (s_string(&p, o->value[o->n], sizeof o->value[o->n]) != 0)
            return -1;
        o->n++;
    }
    return p[1] == '\0' ? 0 : -1;
}

/* The value of key (NULL for null); asserts it is there. */
static const char *s_get(const object_t *o, const char *key)
{
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->key[i], key))
            return o->is_null[i] ? NULL : o->value[i];
    cr_assert_fail("no key %s", key);
    return NULL;
}

/* ---- the lines ---------------------------------------------------------- */

static const struct timespec s_when = {1796424067, 123456789}; /* 2026-12-04 22:41:07.123 UTC */

static void s_reset(void)
{
    lnob_log_init("lnob", "", LNOB_LOG_INFO);
    lnob_log_set_format(LNOB_LOG_TEXT);
    lnob_log_set_extract(NULL);
}

TestSuite(log, .init = s_reset);

Test(log, timestamp_is_iso8601_utc_with_milliseconds)
{
    char ts[LNOB_LOG_TS_MAX];
    cr_assert_eq(lnob_log_timestamp(&s_when, ts, sizeof ts), 24);
    cr_assert_str_eq(ts, "2026-12-04T22:41:07.123Z");
    struct timespec epoch = {0, 999999999};
    lnob_log_timestamp(&epoch, ts, sizeof ts);
    cr_assert_str_eq(ts, "1970-01-01T00:00:00.999Z");
}

/* The layout after the timestamp is what tests and operators grep. */
Test(log, text_line_keeps_its_layout)
{
    char line[1024];
    lnob_log_init("transform", "1", LNOB_LOG_DEBUG);
    lnob_log_set_extract("silc-2023-683dff889fe09848"); /* text lines do not show it */
    lnob_log_line(line, sizeof line, LNOB_LOG_DEBUG, &s_when, "batch x #3: 10 persons harmonised");
    cr_assert_str_eq(line, "2026-12-04T22:41:07.123Z [transform:1] DEBUG batch x #3: 10 persons harmonised");
    lnob_log_init("sink", "", LNOB_LOG_INFO);
    lnob_log_line(line, sizeof line, LNOB_LOG_WARN, &s_when, "hello");
    cr_assert_str_eq(line, "2026-12-04T22:41:07.123Z [sink] WARN hello");
}

Test(log, json_line_reads_back)
{
    char line[4096];
    object_t o;
    lnob_log_init("aggregate", "", LNOB_LOG_INFO);
    lnob_log_set_format(LNOB_LOG_JSON);
    lnob_log_set_extract("silc-2023-683dff889fe09848");
    lnob_log_line(line, sizeof line, LNOB_LOG_INFO, &s_when, "extract x complete");
    cr_assert_eq(s_object(line, &o), 0, "%s", line);
    cr_assert_eq(o.n, 6);
    cr_assert_str_eq(s_get(&o, "ts"), "2026-12-04T22:41:07.123Z");
    cr_assert_str_eq(s_get(&o, "level"), "info");
    cr_assert_str_eq(s_get(&o, "worker"), "aggregate");
    cr_assert_null(s_get(&o, "instance"));
    cr_assert_str_eq(s_get(&o, "extract"), "silc-2023-683dff889fe09848");
    cr_assert_str_eq(s_get(&o, "msg"), "extract x complete");
    lnob_log_init("transform", "2", LNOB_LOG_INFO);
    lnob_log_set_extract(NULL);
    lnob_log_line(line, sizeof line, LNOB_LOG_ERROR, &s_when, "x");
    cr_assert_eq(s_object(line, &o), 0, "%s", line);
    cr_assert_str_eq(s_get(&o, "instance"), "2");
    cr_assert_str_eq(s_get(&o, "level"), "error");
    cr_assert_null(s_get(&o, "extract"));
}

/* Quotes, backslashes, control characters and UTF-8 come back as they
 * were; bytes that are not UTF-8 come back as U+FFFD. */
Test(log, json_escapes_every_string)
{
    char line[4096];
    object_t o;
    lnob_log_set_format(LNOB_LOG_JSON);
    lnob_log_init("ingest", "a\"b", LNOB_LOG_INFO);
    lnob_log_set_extract("id\\with\nnewline");
    const char *msg = "say \"hi\" \\ tab\there \x01\x1f Tiran\xC3\xAB \xF0\x9F\x98\x80 bad\xFF\xC3(end";
    lnob_log_line(line, sizeof line, LNOB_LOG_WARN, &s_when, msg);
    cr_assert_eq(s_object(line, &o), 0, "%s", line);
    cr_assert_str_eq(s_get(&o, "instance"), "a\"b");
    cr_assert_str_eq(s_get(&o, "extract"), "id\\with\nnewline");
    cr_assert_str_eq(s_get(&o, "msg"),
                     "say \"hi\" \\ tab\there \x01\x1f Tiran\xC3\xAB \xF0\x9F\x98\x80 bad"
                     "\xEF\xBF\xBD\xEF\xBF\xBD(end");
    cr_assert_null(strchr(line, '\n'), "one line");
}

/* A message longer than the line is cut inside its string: still JSON. */
Test(log, json_long_message_stays_valid)
{
    char line[LNOB_LOG_LINE_MIN], msg[4096];
    object_t o;
    lnob_log_set_format(LNOB_LOG_JSON);
    for (size_t i = 0; i + 2 < sizeof msg; i += 2)
        memcpy(msg + i, "\xC3\xAB", 2); /* ë: cutting between its bytes would break UTF-8 */
    msg[sizeof msg - 2] = '\0';
    size_t n = lnob_log_line(line, sizeof line, LNOB_LOG_INFO, &s_when, msg);
    cr_assert_eq(n, strlen(line));
    cr_assert_lt(n, sizeof line);
    cr_assert_eq(s_object(line, &o), 0, "%s", line);
    cr_assert_gt(strlen(s_get(&o, "msg")), 100);
}

static void *s_other_thread(void *arg)
{
    lnob_log_set_extract("theirs");
    snprintf(arg, LNOB_LOG_EXTRACT_MAX, "%s", lnob_log_extract());
    return NULL;
}

Test(log, extract_is_per_thread)
{
    char seen[LNOB_LOG_EXTRACT_MAX];
    lnob_log_set_extract("mine");
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, s_other_thread, seen), 0);
    pthread_join(th, NULL);
    cr_assert_str_eq(seen, "theirs");
    cr_assert_str_eq(lnob_log_extract(), "mine");
}

/* What lnob_log_write puts on stderr: one line, ending in a newline. */
Test(log, write_puts_one_json_line_on_stderr)
{
    char path[] = "/tmp/lnob-log-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    lnob_log_start("sink", "", "info", "json");
    lnob_info("stored %d cells", 42);
    lnob_debug("not shown at info");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char buf[4096] = "";
    ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    cr_assert_gt(got, 0);
    cr_assert_eq(buf[got - 1], '\n');
    buf[got - 1] = '\0';
    object_t o;
    cr_assert_eq(s_object(buf, &o), 0, "%s", buf);
    cr_assert_str_eq(s_get(&o, "msg"), "stored 42 cells");
    cr_assert_str_eq(s_get(&o, "worker"), "sink");
}

Test(log, parses_level_and_format_names)
{
    cr_assert_eq(lnob_log_parse_format("text"), LNOB_LOG_TEXT);
    cr_assert_eq(lnob_log_parse_format("json"), LNOB_LOG_JSON);
    cr_assert_eq(lnob_log_parse_format("JSON"), -1);
    cr_assert_eq(lnob_log_parse_level("debug"), LNOB_LOG_DEBUG);
    cr_assert_eq(lnob_log_parse_level("loud"), -1);
}
