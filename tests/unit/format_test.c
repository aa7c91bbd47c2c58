/* format_test.c - how lnob writes values as text (lnob/format.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

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
