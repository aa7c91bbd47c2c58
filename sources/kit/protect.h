/* protect.h - secondary suppression of one table by exact linear algebra.
 *
 * A table is described by its rows: the counts it can publish, each a 0/1
 * vector over the table's atoms (disjoint classes of persons: a count is
 * the number of persons in the atoms its row names). A cell publishes one
 * or two rows (a count publishes its own; a share publishes its numerator
 * and, through its n, its denominator). Some rows are hidden: small counts
 * that must stay undetermined (primary suppression). Given the cells in
 * order of publication priority, lnob_protect() publishes each cell that
 * leaves every hidden row outside the linear span of the published rows
 * and suppresses the others (secondary suppression: the GAUSS rule of
 * Langsrud's GaussSuppression, greedy in the caller's order). A row is
 * determined by the published ones exactly when it lies in their span over
 * the rationals; the span is computed modulo the prime 2^61 - 1, which
 * gives the rational rank exactly because no minor of a 0/1 matrix of at
 * most LNOB_PROTECT_ROWS rows reaches the prime (Hadamard's bound).
 * Not for: which rows and cells a table has (the kinds build them:
 * sources/mis/mis_disclose.c), bounds or inequalities (only exact
 * recomputation by adding and subtracting is ruled out here; interval.h
 * checks the bounds). */
#ifndef LNOB_KIT_PROTECT_H
#define LNOB_KIT_PROTECT_H
#include <stddef.h>
#include <stdint.h>

#define LNOB_PROTECT_ROWS 32 /* rows of one table at most: the rank stays exact */
#define LNOB_PROTECT_CELL_ROWS 2

/* A cell's state: OPEN to be decided; KNOWN published whatever happens (a
 * structural zero); PRIMARY withheld for its own small count; SECONDARY
 * withheld so that no PRIMARY can be recomputed (set by lnob_protect, or by
 * the caller to force one). */
typedef enum { LNOB_PROTECT_OPEN, LNOB_PROTECT_KNOWN, LNOB_PROTECT_PRIMARY, LNOB_PROTECT_SECONDARY } lnob_protect_state;

typedef struct {
    uint8_t rows[LNOB_PROTECT_CELL_ROWS]; /* row indexes */
    uint8_t n_rows;                       /* 1 or 2 */
    uint8_t state;                        /* lnob_protect_state */
} lnob_protect_cell_t;

typedef struct {
    const uint8_t *rows; /* n_rows x n_atoms, 0 or 1 */
    size_t n_rows, n_atoms;
    const uint8_t *hidden; /* per row: 1 when it must stay undetermined */
} lnob_protect_table_t;

/* Decides every OPEN cell of cells[0..n), in that order: KNOWN stays
 * published, PRIMARY and SECONDARY withheld. A cell is withheld when its
 * rows would determine a hidden row or a row of a cell withheld before,
 * so no withheld cell can be recomputed. Returns the number of cells
 * it made SECONDARY, or -1 when the table has more than LNOB_PROTECT_ROWS
 * rows (a caller's bug). */
int lnob_protect(const lnob_protect_table_t *t, lnob_protect_cell_t *cells, size_t n);

/* Sets determined[r] (t->n_rows of them) to 1 when row r is determined by
 * the cells published (OPEN and KNOWN), else 0. Returns 0, or -1 as
 * lnob_protect. */
int lnob_protect_determined(const lnob_protect_table_t *t, const lnob_protect_cell_t *cells, size_t n,
                            uint8_t *determined);

/* The hidden rows, and the rows of cells withheld, that the cells
 * published (OPEN and KNOWN) determine: 0 when the table is safe. -1 as
 * lnob_protect. */
int lnob_protect_check(const lnob_protect_table_t *t, const lnob_protect_cell_t *cells, size_t n);

#endif
