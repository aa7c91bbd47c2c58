/* interval.h - protection intervals of a table's withheld counts, by linear
 * programming (GLPK's simplex).
 *
 * The span test (protect.h) rules out recomputing a withheld count by
 * adding and subtracting published ones. An attacker also knows bounds: no
 * class of persons (atom) is negative, and a withheld count that has a
 * cell has persons, so it is at least 1. With the published counts these
 * bounds can still pin a withheld count to one value: T = 12 and VAW = 11
 * published, F and M withheld, gives 11 = VAW <= F <= T - M <= 11, so F = 11
 * and M = 1, although neither is in the span of T and VAW. lnob_interval()
 * gives each withheld row the least and the greatest value that the
 * published rows and those bounds allow (the relaxation over real atoms:
 * the whole-number interval lies inside it).
 * Not for: choosing what to withhold (protect.h and the kinds). */
#ifndef LNOB_KIT_INTERVAL_H
#define LNOB_KIT_INTERVAL_H
#include <stddef.h>
#include <stdint.h>

/* What a row is to the attacker: FREE no constraint (not in the table);
 * PUBLISHED its value is known; WITHHELD at least 1 when it has persons
 * (at least 0 otherwise), and its interval is wanted. */
enum { LNOB_INTERVAL_FREE, LNOB_INTERVAL_PUBLISHED, LNOB_INTERVAL_WITHHELD };

typedef struct {
    double lo, hi; /* hi is INFINITY when nothing bounds the row above */
} lnob_interval_t;

#define LNOB_INTERVAL_ROWS 64 /* rows of a table at most */

/* A fact from outside the table: lo <= sum over rows r of w[r] x row r <= hi
 * (lo may be -INFINITY, hi INFINITY): a count of another table that
 * bounds a row (a service's women are among the place's women), or a
 * weighted sum (a place's services against its persons by number of
 * services). The rows it names count as constrained. */
typedef struct {
    double w[LNOB_INTERVAL_ROWS];
    double lo, hi;
} lnob_interval_sum_t;

typedef struct {
    const uint8_t *rows; /* n_rows (at most 64) x n_atoms, 0 or 1 */
    size_t n_rows, n_atoms;
    const uint64_t *value; /* per row: its count */
    const uint8_t *role;   /* per row: LNOB_INTERVAL_* */
    const lnob_interval_sum_t *sums; /* n_sums of them, or NULL */
    size_t n_sums;
} lnob_interval_table_t;

/* Sets out[r] for every WITHHELD row r of t. Returns 0; -1 when the
 * published values and bounds admit no solution (the counts contradict the
 * table's atoms: a caller's model is wrong); -2 when the solver fails or
 * t has more than 64 rows. Atoms that no constrained row tells apart are
 * one variable to the solver, and atoms in a published row of 0 none. */
int lnob_interval(const lnob_interval_table_t *t, lnob_interval_t *out);

/* Sets can[j] (t->n_atoms of them) to 1 when atom j can hold persons
 * under what t publishes and its sums, 0 when it must be empty (a place
 * whose RE is its ROMA plus its EGY has nobody both Roma and Egyptian).
 * First a feasibility problem with every column at least 1/1000 (when it
 * has a solution that meets every row within 1e-6, every atom can hold
 * persons: the usual case, settled by one phase of the simplex); else one linear program over the homogenised problem:
 * the largest number of atoms at least 1 in a multiple of a solution. 0,
 * or -1 and -2 as lnob_interval. */
int lnob_interval_support(const lnob_interval_table_t *t, uint8_t *can);

/* 1 when i holds one whole number only: the row is recomputable. */
int lnob_interval_pinned(const lnob_interval_t *i);

#endif
