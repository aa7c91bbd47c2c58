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
    cr_assert_str_eq(lnob_key_latest(&k, "mis", "2024"), "lnob:mis:latest:2024");
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
