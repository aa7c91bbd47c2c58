/* format.c - shortest round-trip doubles, JSON strings, CSV fields (lnob/format.h). */
#include "lnob/format.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/recode.h"

#define JSON_CHAR_MAX 8 /* the longest form of one character: \uXXXX, and a NUL */

/* Writes v with the fewest significant digits, from the type's DIG up to its
 * DECIMAL_DIG, that read back to the same value: as a float when as_float. */
static size_t s_shortest(double v, int as_float, char *out, size_t cap)
{
    if (!isfinite(v))
        return (size_t) snprintf(out, cap, "null");
    int lo = as_float ? FLT_DIG : DBL_DIG;
    int hi = as_float ? FLT_DECIMAL_DIG : DBL_DECIMAL_DIG;
    for (int prec = lo; prec <= hi; prec++) {
        int n = snprintf(out, cap, "%.*g", prec, v);
        if (as_float ? strtof(out, NULL) == (float) v : strtod(out, NULL) == v)
            return (size_t) n;
    }
    return strlen(out);
}

size_t lnob_format_double(double v, char *out, size_t cap)
{
    return s_shortest(v, 0, out, cap);
}

size_t lnob_format_float(float v, char *out, size_t cap)
{
    return s_shortest(v, 1, out, cap);
}

/* The JSON form of the character at s[*i], advancing *i past it, into out
 * (at least JSON_CHAR_MAX bytes); returns its length. A byte that is not
 * part of a well-formed UTF-8 sequence becomes U+FFFD, so the output is
 * always valid JSON. */
static size_t s_json_char(const unsigned char *s, size_t len, size_t *i, char *out)
{
    size_t at = *i;
    unsigned char c = s[at];
    if (c >= 0x80) {
        lnob_recode_next(s, len, i);
        if (*i - at == 1)
            return (size_t) snprintf(out, JSON_CHAR_MAX, "\\ufffd");
        memcpy(out, s + at, *i - at);
        return *i - at;
    }
    (*i)++;
    switch (c) {
    case '"': return (size_t) snprintf(out, JSON_CHAR_MAX, "\\\"");
    case '\\': return (size_t) snprintf(out, JSON_CHAR_MAX, "\\\\");
    case '\n': return (size_t) snprintf(out, JSON_CHAR_MAX, "\\n");
    case '\r': return (size_t) snprintf(out, JSON_CHAR_MAX, "\\r");
    case '\t': return (size_t) snprintf(out, JSON_CHAR_MAX, "\\t");
    default:
        if (c < 0x20)
            return (size_t) snprintf(out, JSON_CHAR_MAX, "\\u%04x", c);
        out[0] = (char) c;
        return 1;
    }
}

void lnob_format_json_string(FILE *out, const char *s)
{
    const unsigned char *u = (const unsigned char *) s;
    size_t len = strlen(s);
    char ch[JSON_CHAR_MAX];
    fputc('"', out);
    for (size_t i = 0; i < len;)
        fwrite(ch, 1, s_json_char(u, len, &i, ch), out);
    fputc('"', out);
}

size_t lnob_format_json_buf(char *out, size_t cap, const char *s)
{
    assert(cap >= 3);
    const unsigned char *u = (const unsigned char *) s;
    size_t len = strlen(s), n = 0;
    char ch[JSON_CHAR_MAX];
    out[n++] = '"';
    for (size_t i = 0; i < len;) {
        size_t k = s_json_char(u, len, &i, ch);
        if (n + k + 2 > cap)
            break; /* cut before a whole character: the string stays valid */
        memcpy(out + n, ch, k);
        n += k;
    }
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

void lnob_format_csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}
