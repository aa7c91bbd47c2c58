/* format.c - shortest round-trip doubles, JSON strings, CSV fields (lnob/format.h). */
#include "lnob/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t lnob_format_double(double v, char *out, size_t cap)
{
    if (!isfinite(v))
        return (size_t) snprintf(out, cap, "null");
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return (size_t) n;
    }
    return strlen(out);
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
