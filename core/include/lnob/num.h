/* lnob/num.h - numbers from CSV field texts, whole field or nothing.
 *
 * The ingesters parse tens of millions of fields per extract; nearly all
 * are short integers or plain decimals. Both parsers take a fast path for
 * those that gives exactly what strtoll / strtod give (for a decimal of at
 * most 15 digits, m / 10^k with both exact is the correctly rounded value),
 * and hand anything else to the C library. Not for: locale-dependent
 * formats or thousands separators (rejected). */
#ifndef LNOB_NUM_H
#define LNOB_NUM_H
#include <stddef.h>
#include <stdint.h>

/* The whole of s[0..len) as a whole number; 0, or -1 when it is not one
 * (empty, other characters, out of range). */
int lnob_num_int(const char *s, size_t len, int64_t *out);
/* The whole of s[0..len) as a finite double; 0, or -1. */
int lnob_num_double(const char *s, size_t len, double *out);
/* A percent from 0 to 100 as an option gives it: "5", "0.5", "5%" (the
 * sign optional); 0, or -1 when s is not one. */
int lnob_num_percent(const char *s, double *out);

#endif
