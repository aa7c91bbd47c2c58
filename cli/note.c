/* note.c - lnob run's own lines on stderr, as text or JSON (note.h). */
#include "note.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NOTE_MAX 2048
#define TEXT_PREFIX "lnob: "

void lnob_note(lnob_log_level level, const char *fmt, ...)
{
    char msg[NOTE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lnob_log_get_format() == LNOB_LOG_JSON)
        lnob_log_write(level, "%s", msg);
    else
        fprintf(stderr, TEXT_PREFIX "%s\n", msg);
}

void lnob_note_lines(lnob_log_level level, const char *text, size_t len)
{
    if (lnob_log_get_format() != LNOB_LOG_JSON) {
        fwrite(text, 1, len, stderr);
        return;
    }
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
        size_t skip = n >= strlen(TEXT_PREFIX) && !strncmp(p, TEXT_PREFIX, strlen(TEXT_PREFIX))
                          ? strlen(TEXT_PREFIX) : 0;
        if (n > skip)
            lnob_log_write(level, "%.*s", (int) (n - skip), p + skip);
        p += n + 1;
    }
}
