/* format.c - shortest round-trip doubles, JSON strings, CSV fields (lnob/format.h). */
#include "lnob/format.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

void lnob_format_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
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
