/* take.c - a message handed to the aggregator as it would arrive (take.h). */
#include "take.h"

#include <criterion/criterion.h>
#include <stdlib.h>

int th_take(lnob_aggregate_t *a, lnob_env_t *env)
{
    size_t len;
    uint8_t *buf = lnob_wire_pack(env, &len);
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *got = lnob_wire_decode(buf, len, &st, why, sizeof why);
    free(buf);
    cr_assert_not_null(got, "%s", why);
    return lnob_aggregate_take(a, &got);
}
