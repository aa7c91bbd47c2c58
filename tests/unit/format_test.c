/* format_test.c - how lnob writes values as text (lnob/format.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/format.h"

/* What lnob_format_csv_field writes for s; owned. */
static char *s_csv(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    lnob_format_csv_field(f, s);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

Test(format, csv_field_is_quoted_only_when_it_must_be)
{
    static const char *const cases[][2] = {
        {"", ""},
        {"Tiranë", "Tiranë"},
        {"a b", "a b"},
        {"2023,90,9001", "\"2023,90,9001\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r", "\"cr\r\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = s_csv(cases[i][0]);
        cr_assert_str_eq(got, cases[i][1], "input %zu", i);
        free(got);
    }
}

/* Floats come out in their own shortest form, not their double expansion. */
Test(format, float_shortest_round_trip)
{
    static const struct {
        float v;
        const char *want;
    } cases[] = {
        {0.1f, "0.1"}, {1234.56f, "1234.56"}, {-2.5f, "-2.5"}, {16777216.0f, "16777216"},
        {123456.789f, "123456.79"}, {3.4028235e38f, "3.4028235e+38"}, {1e-45f, "1.4013e-45"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[LNOB_DOUBLE_CHARS];
        size_t n = lnob_format_float(cases[i].v, out, sizeof out);
        cr_expect_str_eq(out, cases[i].want, "case %zu", i);
        cr_expect_eq(n, strlen(cases[i].want), "case %zu", i);
        cr_expect_eq(strtof(out, NULL), cases[i].v, "case %zu does not read back", i);
    }
    char out[LNOB_DOUBLE_CHARS];
    lnob_format_float(NAN, out, sizeof out);
    cr_expect_str_eq(out, "null");
}
