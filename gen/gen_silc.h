/* gen_silc.h - deterministic synthetic EU-SILC extract for Albania.
 *
 * Writes households over the 61 municipalities, drawn in proportion to
 * Census 2023 population, with realistic composition and a log-normal
 * equivalised income calibrated so national AROP is near 20 % and Gini near
 * 31-34, as in INSTAT's recent releases, in one of three formats: basic, a
 * merged person-level CSV with the core UDB columns; full, the same rows
 * with the deprivation, work, pension, GALI and urbanisation variables of
 * the full indicator set (gen_silc_full.h); udb4, the full set as the four
 * UDB files D, H, R, P (P: persons 16+). The basic columns are the same
 * bytes in all three; same options and seed => same bytes.
 *
 * Calibration through lnob (`lnob gen silc --format full --households N
 * --seed S --out /tmp/g.csv && lnob run --silc /tmp/g.csv --format csv`,
 * national cells), measured 2026-11-29:
 *   N 20,000 S 1:   arpr 19.29 gini 32.42 smsd 34.84 smd 33.68 lwi 9.08 arope 41.47
 *   N 20,000 S 2:   arpr 19.43 gini 32.21 smsd 35.14 smd 33.90 lwi 9.13 arope 41.81
 *   N 100,000 S 42: arpr 19.21 gini 32.41 smsd 35.40 smd 34.31 lwi 9.34 arope 42.16
 * INSTAT SILC 2023 (data/reference/silc_published.csv): AROP 19.7, SMSD
 * 34.8, very low work intensity 9.3 (INSTAT's 18-64; lnob's lwi counts
 * persons 0-64, spec §4.3), AROPE 42.1. The udb4 files of a seed give the
 * cells of its full file. */
#ifndef LNOB_GEN_SILC_H
#define LNOB_GEN_SILC_H
#include <stdint.h>
#include <stdio.h>

#include "lnob/geo.h"

typedef enum {
    LNOB_GEN_BASIC, /* merged person rows, the core columns */
    LNOB_GEN_FULL,  /* merged person rows with the full variable set */
    LNOB_GEN_UDB4   /* the full set as the four UDB files D, H, R, P */
} lnob_gen_format;

/* The four files of LNOB_GEN_UDB4, in this order; their letters. */
enum { LNOB_GEN_D, LNOB_GEN_H, LNOB_GEN_R, LNOB_GEN_P, LNOB_GEN_UDB4_FILES };
#define LNOB_GEN_UDB4_LETTERS "DHRP"

typedef struct {
    uint64_t households; /* number of households to write (>= 1) */
    uint64_t seed;       /* PRNG seed */
    int year;            /* survey year written to DB010/RB010 */
    lnob_gen_format format;
} lnob_gen_silc_opts_t;

/* Writes header + rows of a merged format (basic or full) to out. Returns
 * 0, or -1 on a write error or when opts->format is LNOB_GEN_UDB4. */
int lnob_gen_silc(FILE *out, const lnob_gen_silc_opts_t *opts, const lnob_geo_t *geo);
/* Writes the four UDB files (opts->format LNOB_GEN_UDB4) to out[LNOB_GEN_D]
 * ... out[LNOB_GEN_P]; the caller opens and closes them. Returns 0, or -1
 * on a write error or another format. */
int lnob_gen_silc_udb4(FILE *const out[LNOB_GEN_UDB4_FILES], const lnob_gen_silc_opts_t *opts,
                       const lnob_geo_t *geo);

#endif
