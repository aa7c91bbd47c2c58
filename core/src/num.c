/* num.c - whole-field number parsing with exact fast paths (lnob/num.h). */
#include "lnob/num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Powers of ten that are exact doubles. */
static const double s_pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Fast path for plain decimals ("-1234.56"): with at most 15 digits the
 * digits are an exact integer m and 10^k is exact, so m / 10^k is the
 * correctly rounded value, as strtod gives (Clinger's fast path). Returns
 * -1 when the text is anything else. */
static int s_plain_decimal(const char *s, size_t len, double *out)
{
    size_t i = len && (s[0] == '-' || s[0] == '+');
    int64_t m = 0;
    int digits = 0, frac = -1;
    for (; i < len; i++) {
        if (s[i] == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || ++digits > 15)
            return -1;
        m = m * 10 + (s[i] - '0');
        frac += frac >= 0;
    }
    if (digits == 0)
        return -1;
    double v = (double) m / s_pow10[frac > 0 ? frac : 0];
    *out = s[0] == '-' ? -v : v;
    return 0;
}

/* s[0..len) as a C string in buf (for strtod/strtoll); -1 when empty or
 * too long for buf. */
static int s_terminate(const char *s, size_t len, char *buf, size_t cap)
{
    if (len == 0 || len >= cap)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

int lnob_num_double(const char *s, size_t len, double *out)
{
    if (s_plain_decimal(s, len, out) == 0)
        return 0;
    char buf[64], *end;
    if (s_terminate(s, len, buf, sizeof buf) != 0)
        return -1;
    errno = 0;
    *out = strtod(buf, &end);
    return (errno || end != buf + len || !isfinite(*out)) ? -1 : 0;
}

int lnob_num_int(const char *s, size_t len, int64_t *out)
{
    /* Fast path: a short run of digits, optionally signed (nearly every
     * field); anything else goes to strtoll. */
    size_t i = len && (s[0] == '-' || s[0] == '+');
    if (len > i && len - i <= 18) {
        int64_t v = 0;
        size_t k = i;
        while (k < len && s[k] >= '0' && s[k] <= '9')
            v = v * 10 + (s[k++] - '0');
        if (k == len) {
            *out = s[0] == '-' ? -v : v;
            return 0;
        }
    }
    char buf[32], *end;
    if (s_terminate(s, len, buf, sizeof buf) != 0)
        return -1;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || end != buf + len)
        return -1;
    *out = v;
    return 0;
}


int lnob_num_percent(const char *s, double *out)
{
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '%'))
        len--;
    double v;
    if (lnob_num_double(s, len, &v) != 0 || v < 0 || v > 100)
        return -1;
    *out = v;
    return 0;
}
