/* keys_test.c - the Redis key names (lnob/keys.h) as docs/redis-keys.md
 * documents them, and the metadata keys told from the others. */
#include <criterion/criterion.h>
#include <string.h>

#include "lnob/keys.h"

Test(keys, each_name_as_documented)
{
    lnob_key_t k;
    cr_assert_str_eq(lnob_key_extract(&k, "silc-2023-ab"), "lnob:extract:silc-2023-ab");
    cr_assert_str_eq(lnob_key_cells(&k, "silc-2023-ab"), "lnob:extract:silc-2023-ab:cells");
    cr_assert_str_eq(lnob_key_indicators(&k, "silc-2023-ab"), "lnob:extract:silc-2023-ab:indicators");
    cr_assert_str_eq(lnob_key_cell(&k, "silc-2023-ab", "arpr", "sex=2"), "lnob:cell:silc-2023-ab:arpr:sex=2");
    cr_assert_str_eq(lnob_key_quarantine(&k, "mis-2024-cd"), "lnob:quarantine:mis-2024-cd");
    cr_assert_str_eq(lnob_key_run(&k, "run-00ff"), "lnob:run:run-00ff");
    cr_assert_str_eq(lnob_key_current(&k, "mis", "official", "2024"), "lnob:current:mis:official:2024");
    cr_assert_str_eq(lnob_key_current(&k, "silc", "trial", NULL), "lnob:current:silc:trial");
    cr_assert_str_eq(lnob_key_periods(&k, "silc", "official"), "lnob:periods:silc:official");
    cr_assert_str_eq(lnob_key_seq(&k, "official"), "lnob:seq:official");
    cr_assert_str_eq(LNOB_KEY_EXTRACTS, "lnob:extracts");
    cr_assert_str_eq(LNOB_KEY_INDICATORS, "lnob:indicators");
    cr_assert_str_eq(LNOB_KEY_STREAM, "lnob:stream:extracts");
}

Test(keys, the_builder_returns_its_buffer_and_cuts_what_does_not_fit)
{
    lnob_key_t k;
    cr_assert_eq(lnob_key_run(&k, "r"), k.s);
    char id[2 * LNOB_KEY_MAX];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    cr_assert_eq(strlen(lnob_key_extract(&k, id)), LNOB_KEY_MAX - 1);
}

Test(keys, only_a_metadata_key_names_an_extract)
{
    cr_assert_str_eq(lnob_key_extract_id("lnob:extract:silc-2023-ab"), "silc-2023-ab");
    cr_assert_null(lnob_key_extract_id("lnob:extract:silc-2023-ab:cells"));
    cr_assert_null(lnob_key_extract_id("lnob:extract:"));
    cr_assert_null(lnob_key_extract_id("lnob:extracts"));
    cr_assert_null(lnob_key_extract_id("lnob:quarantine:silc-2023-ab"));
}

Test(keys, an_extract_id_names_its_channel_unless_official)
{
    char id[96];
    const char *sum = "683dff889fe09848aa00";
    cr_assert_str_eq(lnob_extract_id_make(id, sizeof id, "silc", "2023", sum, NULL), "silc-2023-683dff889fe09848");
    cr_assert_str_eq(lnob_extract_id_make(id, sizeof id, "silc", "2023", sum, "official"), "silc-2023-683dff889fe09848");
    cr_assert_str_eq(lnob_extract_id_make(id, sizeof id, "mis", "2024", sum, "trial_2"),
                     "mis-2024-683dff889fe09848-trial_2");
}

Test(keys, a_channel_name_is_short_lower_case_and_starts_with_a_letter)
{
    const char *good[] = {"official", "trial", "t", "a_1", "abcdefghijklmnopqrstuvwxyz012345"};
    const char *bad[] = {"", "Official", "1trial", "_x", "tri-al", "tri:al", "tri.al", "a b",
                         "abcdefghijklmnopqrstuvwxyz0123456"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_expect(lnob_channel_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect(!lnob_channel_valid(bad[i]), "%s", bad[i]);
}

Test(keys, the_public_twin_of_a_key_is_under_lnob_pub)
{
    lnob_key_t k, t;
    cr_assert_str_eq(lnob_key_twin(&t, lnob_key_cell(&k, "mis-2024-x", "mis_ben", "municipality=AL111")),
                     "lnob:pub:cell:mis-2024-x:mis_ben:municipality=AL111");
    cr_assert_str_eq(lnob_key_twin(&t, lnob_key_current(&k, "silc", "official", NULL)),
                     "lnob:pub:current:silc:official");
    cr_assert_str_eq(lnob_key_twin(&t, "lnob:extracts"), LNOB_KEY_PUB_EXTRACTS);
    cr_assert_str_eq(lnob_key_twin(&t, "lnob:stream:extracts"), LNOB_KEY_PUB_STREAM);
}
