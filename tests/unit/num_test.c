/* num_test.c - whole-field number parsing: the fast paths give exactly what
 * strtoll and strtod give, and what is not a number is refused. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/num.h"

/* strtod on the whole text, as the reference. */
static int s_ref(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return (*s && !errno && *end == '\0' && isfinite(*out)) ? 0 : -1;
}

Test(num, random_plain_decimals_are_bit_identical_to_strtod)
{
    srand(20261129);
    char buf[40];
    for (int t = 0; t < 200000; t++) {
        int digits = 1 + rand() % 17, point = rand() % (digits + 1);
        size_t n = 0;
        if (rand() % 4 == 0)
            buf[n++] = '-';
        for (int d = 0; d < digits; d++) {
            if (d == point && rand() % 2)
                buf[n++] = '.';
            buf[n++] = (char) ('0' + rand() % 10);
        }
        buf[n] = '\0';
        double got, want;
        int rc = lnob_num_double(buf, n, &got), ref = s_ref(buf, &want);
        cr_assert_eq(rc, ref, "'%s'", buf);
        if (rc == 0)
            cr_assert(memcmp(&got, &want, sizeof got) == 0, "'%s': %.17g, strtod %.17g", buf, got, want);
    }
}

Test(num, decimals_the_fast_path_leaves_to_strtod)
{
    const char *ok[] = {"1e3", "1234567890123456.5", "0.1", "-0", ".5", "5.", "+7.25", "2.5E-3"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        double got, want;
        cr_assert_eq(lnob_num_double(ok[i], strlen(ok[i]), &got), 0, "'%s'", ok[i]);
        s_ref(ok[i], &want);
        cr_assert(memcmp(&got, &want, sizeof got) == 0, "'%s'", ok[i]);
    }
    const char *bad[] = {"", ".", "-", "1.2.3", "12a", "inf", "nan", "1e999", "1,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v;
        cr_assert_eq(lnob_num_double(bad[i], strlen(bad[i]), &v), -1, "'%s' accepted", bad[i]);
    }
}

Test(num, integers_match_strtoll_and_refuse_the_rest)
{
    struct { const char *s; int rc; long long v; } tv[] = {
        {"0", 0, 0}, {"-1", 0, -1}, {"+7", 0, 7}, {"007", 0, 7},
        {"999999999999999999", 0, 999999999999999999LL},
        {"9223372036854775807", 0, 9223372036854775807LL},
        {"9223372036854775808", -1, 0}, {"", -1, 0}, {"-", -1, 0}, {"1.0", -1, 0},
        {"12 ", -1, 0}, {"x", -1, 0},
    };
    for (size_t i = 0; i < sizeof tv / sizeof tv[0]; i++) {
        int64_t v = 0;
        cr_assert_eq(lnob_num_int(tv[i].s, strlen(tv[i].s), &v), tv[i].rc, "'%s'", tv[i].s);
        if (tv[i].rc == 0)
            cr_assert_eq(v, tv[i].v, "'%s'", tv[i].s);
    }
}

Test(num, percents_as_options_give_them)
{
    double v = -1;
    cr_expect_eq(lnob_num_percent("5", &v), 0);
    cr_expect_eq(v, 5.0);
    cr_expect_eq(lnob_num_percent("0.5%", &v), 0);
    cr_expect_eq(v, 0.5);
    cr_expect_eq(lnob_num_percent("100 %", &v), 0);
    cr_expect_eq(v, 100.0);
    cr_expect_eq(lnob_num_percent("101", &v), -1);
    cr_expect_eq(lnob_num_percent("-1", &v), -1);
    cr_expect_eq(lnob_num_percent("five", &v), -1);
    cr_expect_eq(lnob_num_percent("", &v), -1);
}
