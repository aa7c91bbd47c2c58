/* runid.c - random run ids (lnob/runid.h). */
#include "lnob/runid.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>

#define RUN_ID_BYTES 16

int lnob_run_id_new(char *out, size_t cap)
{
    uint8_t bits[RUN_ID_BYTES];
    char hex[2 * RUN_ID_BYTES + 1];
    if (cap < LNOB_RUN_ID_MAX || sodium_init() < 0)
        return -1;
    randombytes_buf(bits, sizeof bits);
    sodium_bin2hex(hex, sizeof hex, bits, sizeof bits);
    snprintf(out, cap, "run-%s", hex);
    return 0;
}
