/* cells.h - every indicator cell of one extract, from its sorted persons.
 *
 * Input: the extract's income population, sorted once by (x, person id,
 * line), with each person's breakdown codes. Output: the cells of the
 * national level and of each breakdown of spec §5.1 (docs/redis-keys.md
 * lists them and their groups), in a canonical order. Breakdown rates use
 * the national thresholds ARPT40/50/60/70; median, mean, Gini and S80/S20
 * use the group's own distribution (spec §2.2-2.7). Groups are cut from
 * the national order by stable bucket passes, so nothing is sorted twice;
 * where groups of one breakdown overlap (gali 1 and 1_2, hhtype 5 and
 * HH_NODEP) the overlapping ones come from a second pass, so each group
 * holds a person at most once. Pure: no I/O.
 * Not for: wire or Redis encoding (aggregate/, sink/). */
#ifndef LNOB_SILC_CELLS_H
#define LNOB_SILC_CELLS_H
#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "indicators.h"
#include "wire.h" /* LNOB_HAVE_*: what the persons carry (Run.have) */

/* One person of the income population. Breakdown codes are 0 when the
 * person is in no group of that breakdown (wire.h gives their ranges). */
typedef struct {
    double x;           /* equivalised disposable income */
    int64_t w;          /* RB050 in units of 1e-5, > 0 */
    uint16_t region;    /* index into lnob_dims_t.regions; 0 missing (at most
                         * LNOB_CELLS_CODES_MAX codes: 32 bytes a person) */
    uint16_t mun;       /* index into lnob_dims_t.municipalities; 0 none */
    uint8_t sex;        /* 1, 2 */
    uint8_t age_group;  /* AGE_A 1..3 (harmonise.h) */
    uint8_t age_b;      /* AGE_B 1..5 (harmonise.h) */
    uint8_t gali;       /* PH030 1..3, persons 16+ (LNOB_HAVE_GALI) */
    uint8_t degurba;    /* DB100 1..3 (LNOB_HAVE_DEGURBA) */
    /* household statuses (used when lnob_dims_t.have says they exist) */
    uint8_t hhtype;     /* 5..16 (household.h) */
    uint8_t lack13;     /* SMSD items lacking */
    uint8_t item_missing; /* LNOB_ITEMS_MISSING13 | LNOB_ITEMS_MISSING9 (wire.h) */
    int8_t lack9;       /* old items lacking, -1 not collected */
    int8_t lwi, lwi2020;/* 1, 0, or -1 outside the LWI population */
} lnob_person_t;

/* The most region (or municipality) codes one extract may have, "missing"
 * included: an extract with more fails (TOO_MANY_CODES). */
#define LNOB_CELLS_CODES_MAX 65536

/* Names of the breakdown codes; entry 0 of each list means "missing". */
typedef struct {
    const char *const *regions;
    size_t n_regions;
    const char *const *municipalities;
    size_t n_municipalities;
    uint32_t have;      /* LNOB_HAVE_* */
    int bottom_code_zero; /* BOTTOM_CODE_ZERO (spec §1.7): x < 0 counts as 0 in every
                           * indicator computed from income, and their ids end in
                           * LNOB_BC0_SUFFIX (lnob_cells_bc0_id) */
} lnob_dims_t;


/* Computes all cells. persons are sorted by (x, person id, line) with the
 * persons whose income is missing (x NaN) last: income indicators use the
 * others, the deprivation, LWI and AROPE rates everyone. With
 * dims->bottom_code_zero the cells are computed on a copy of the persons in
 * which x < 0 is 0 (still sorted by x), and the ids computed from x carry
 * the suffix. Returns an owned array (free()) of *n_cells cells. */
lnob_cell_t *lnob_cells_compute(const lnob_person_t *persons, size_t n, const lnob_dims_t *dims,
                                size_t *n_cells);

/* The id an indicator has when computed with BOTTOM_CODE_ZERO: for one
 * computed from income (the thresholds, median, mean, the poverty rates,
 * rmpg, gini, qsr, and AROPE with its parts, which use AROP60) the static
 * string id + LNOB_BC0_SUFFIX; for any other (deprivation, LWI) id itself. */
const char *lnob_cells_bc0_id(const char *id);

#endif
