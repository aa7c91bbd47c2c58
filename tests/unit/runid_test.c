/* runid_test.c - run ids carry 128 random bits (lnob/runid.h). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <string.h>

#include "lnob/runid.h"

Test(runid, run_ids_are_32_hex_digits_and_never_repeat)
{
    char a[LNOB_RUN_ID_MAX], b[LNOB_RUN_ID_MAX];
    cr_assert_eq(lnob_run_id_new(a, sizeof a), 0);
    cr_assert_eq(lnob_run_id_new(b, sizeof b), 0);
    cr_assert_eq(strlen(a), 36);
    cr_assert_eq(strncmp(a, "run-", 4), 0);
    for (const char *c = a + 4; *c; c++)
        cr_assert(isxdigit((unsigned char) *c) && !isupper((unsigned char) *c), "%s", a);
    cr_assert_str_neq(a, b);
    char small[8];
    cr_assert_eq(lnob_run_id_new(small, sizeof small), -1);
}
