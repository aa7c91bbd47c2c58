/* fuzz_wire.c - libFuzzer target: the wire decoder (proto/wire.h).
 * Whatever decodes and validates must pack again and decode again to an
 * envelope of the same size. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lnob_wire_stats_t st = {0};
    char why[256];
    lnob_env_t *env = lnob_wire_decode(data, size, &st, why, sizeof why);
    if (lnob_wire_dropped(&st) + (env != NULL) != 1)
        abort();
    if (!env)
        return 0;
    size_t len;
    uint8_t *buf = lnob_wire_pack(env, &len);
    lnob_env_t *again = lnob_wire_decode(buf, len, &st, why, sizeof why);
    if (!again || lnob__v1__envelope__get_packed_size(again) != len)
        abort();
    lnob_wire_free(&again);
    lnob_wire_free(&env);
    free(buf);
    return 0;
}
