/* lnob/format.h - how lnob writes values as text, in one place.
 *
 * Doubles are written in the shortest form that reads back to the same bits
 * (so Redis, JSON and CSV hold full precision and compare bit for bit);
 * strings are escaped for JSON or quoted for CSV. Not for: parsing. */
#ifndef LNOB_FORMAT_H
#define LNOB_FORMAT_H
#include <stddef.h>
#include <stdio.h>

/* Enough for any double in shortest round-trip form. */
#define LNOB_DOUBLE_CHARS 32

/* Writes v into out (cap >= LNOB_DOUBLE_CHARS); NaN/inf are written as
 * "null". Returns the length. */
size_t lnob_format_double(double v, char *out, size_t cap);
/* The same for a float: the fewest significant digits, from 6 (FLT_DIG) up,
 * that read back (strtof) to the same float, so a Stata float 0.1 is "0.1",
 * not its double expansion 0.100000001490116. */
size_t lnob_format_float(float v, char *out, size_t cap);
/* Writes s as a JSON string literal, quotes included: quotes, backslashes
 * and control characters escaped, bytes that are not well-formed UTF-8
 * written as U+FFFD (\ufffd), so the result is always valid JSON. */
void lnob_format_json_string(FILE *out, const char *s);
/* The same into out (cap >= 3), NUL-terminated; a string too long for out
 * is cut before a whole character and still closed. Returns the length. */
size_t lnob_format_json_buf(char *out, size_t cap, const char *s);
/* Writes s as one CSV field (RFC 4180): as is, or in double quotes with
 * inner quotes doubled when it holds a comma, a quote, CR or LF. */
void lnob_format_csv_field(FILE *out, const char *s);

#endif
