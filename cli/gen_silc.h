/* gen_silc.h - deterministic synthetic EU-SILC extract for Albania.
 *
 * Writes a merged person-level CSV with EU-SILC UDB variable names over the
 * 61 municipalities, households drawn in proportion to Census 2023
 * population, realistic household composition and a log-normal equivalised
 * income calibrated so national AROP is near 20 % and Gini near 31-34, as in
 * INSTAT's recent releases. Same options and seed => same bytes.
 * Not for: the four-file UDB form (a later issue). */
#ifndef LNOB_CLI_GEN_SILC_H
#define LNOB_CLI_GEN_SILC_H
#include <stdint.h>
#include <stdio.h>

#include "lnob/geo.h"

typedef struct {
    uint64_t households; /* number of households to write (>= 1) */
    uint64_t seed;       /* PRNG seed */
    int year;            /* survey year written to DB010/RB010 */
} lnob_gen_silc_opts_t;

/* Writes header + rows to out. Returns 0, or -1 on a write error. */
int lnob_gen_silc(FILE *out, const lnob_gen_silc_opts_t *opts, const lnob_geo_t *geo);

#endif
