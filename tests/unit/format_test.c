/* format_test.c - how lnob writes values as text (lnob/format.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/format.h"

/* What a writer of format.h writes for s; owned. */
static char *s_written(void (*write)(FILE *, const char *), const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    write(f, s);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

static char *s_csv(const char *s)
{
    return s_written(lnob_format_csv_field, s);
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

/* Both writers give the same bytes: escapes, UTF-8 kept, bad bytes U+FFFD. */
Test(format, json_string_escapes_and_repairs)
{
    static const char *const cases[][2] = {
        {"", "\"\""},
        {"Tiran\xC3\xAB", "\"Tiran\xC3\xAB\""},
        {"a\"b\\c", "\"a\\\"b\\\\c\""},
        {"\n\r\t\x01\x1f", "\"\\n\\r\\t\\u0001\\u001f\""},
        {"bad\xFF", "\"bad\\ufffd\""},
        {"cut\xC3", "\"cut\\ufffd\""},
        {"\xED\xA0\x80", "\"\\ufffd\\ufffd\\ufffd\""}, /* a UTF-16 surrogate is not UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = s_written(lnob_format_json_string, cases[i][0]), buf[64];
        cr_expect_str_eq(got, cases[i][1], "input %zu", i);
        cr_expect_eq(lnob_format_json_buf(buf, sizeof buf, cases[i][0]), strlen(cases[i][1]));
        cr_expect_str_eq(buf, cases[i][1], "input %zu", i);
        free(got);
    }
    char small[8];
    cr_assert_eq(lnob_format_json_buf(small, sizeof small, "\xC3\xAB\xC3\xAB\xC3\xAB"), 6);
    cr_assert_str_eq(small, "\"\xC3\xAB\xC3\xAB\"", "cut before a whole character");
}
