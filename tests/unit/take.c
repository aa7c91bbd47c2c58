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

int th_keep_result(void *arg, const uint8_t *data, size_t len)
{
    lnob_env_t **last = arg;
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *env = lnob_wire_decode(data, len, &st, why, sizeof why);
    cr_assert_not_null(env, "%s", why);
    if (env->body_case != LNOB__V1__ENVELOPE__BODY_RESULT) {
        lnob_wire_free(&env);
        return LNOB_OK;
    }
    lnob_wire_free(last);
    *last = env;
    return LNOB_OK;
}
