/* breakdowns.h - the breakdowns of spec §5.1, as cuts of the persons.
 *
 * A cut gives every person one code (0: in no group of that cut) and names
 * its codes. A breakdown is one cut, or two when some of its groups overlap:
 * gali's 1_2 holds the persons of 1 and 2, hhtype's HH_NODEP those of 5 to
 * 8. Inside one cut the groups are disjoint, so a group holds a person at
 * most once, and a person is in two groups of a breakdown only through its
 * two cuts. lnob_breakdowns lists them in the canonical order of the cells
 * (docs/redis-keys.md): what each is, which groups, in which order.
 * Not for: cutting or computing cells (cells.c). */
#ifndef LNOB_SILC_BREAKDOWNS_H
#define LNOB_SILC_BREAKDOWNS_H
#include <stddef.h>
#include <stdint.h>

#include "cells.h"

typedef uint32_t (*lnob_code_fn)(const lnob_person_t *p);

typedef struct {
    lnob_code_fn code;
    uint32_t n_codes;          /* codes are 0..n_codes-1 */
    const char *const *names;  /* names[code]; names[0] is unused */
} lnob_cut_t;

/* Where a breakdown's groups come from. */
typedef enum {
    LNOB_GROUPS_FIXED,          /* cuts[]: groups in cut order, then code order */
    LNOB_GROUPS_REGIONS,        /* the extract's region dictionary, ordered by name */
    LNOB_GROUPS_MUNICIPALITIES  /* the extract's municipality dictionary, by name */
} lnob_groups_from;

#define LNOB_BREAKDOWN_CUTS 2

typedef struct {
    const char *name;          /* the cells' breakdown */
    uint32_t need;             /* 0, or LNOB_HAVE_* bits of which one must be set */
    lnob_groups_from from;
    const lnob_cut_t *cuts[LNOB_BREAKDOWN_CUTS]; /* FIXED only; unused ones NULL */
} lnob_breakdown_t;

/* Every breakdown, in canonical order. */
extern const lnob_breakdown_t lnob_breakdowns[];
extern const size_t lnob_breakdown_count;

/* The cut of a REGIONS or MUNICIPALITIES breakdown over dims' dictionary;
 * its names borrow from dims. */
lnob_cut_t lnob_breakdown_dict_cut(const lnob_breakdown_t *b, const lnob_dims_t *dims);

#endif
