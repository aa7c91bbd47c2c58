/* mis_disclose.h - disclosure control of an MIS extract's cells
 * (docs/disclosure.md).
 *
 * Primary suppression: a count of 1 to small_max persons, and a rate or
 * share whose numerator or denominator is one, gets flag SUPPRESS, reason
 * SMALL_COUNT. Secondary suppression: within each published table (a
 * place, national or a municipality, by one service or all: its total,
 * sex, group and age splits, and for all services the persons by number
 * of services and the numerator and denominator of mis_share3), further
 * cells get SUPPRESS, reason COMPLEMENT, until no withheld count can be
 * recomputed by adding and subtracting published ones (kit/protect.h);
 * and where a known sum holds withheld counts (a total and its splits, a
 * national count and the municipal ones, a place's services and its
 * persons by number of services), they are never one alone nor sum to
 * small_max persons or fewer, nor to their number; and no withheld count
 * is pinned to one value by the published ones with the bounds every
 * count has (kit/interval.h), in its table or with the tables linked to it
 * (a place by all services and its services, the nation and its places:
 * classes a wider table shows empty, rows bounded by the linked rows): a
 * further count is withheld until none is.
 * The value stays in the cell
 * (the internal store keeps it); every public output leaves SUPPRESS
 * cells out. Pure: no I/O.
 * Not for: SILC cells (their SUPPRESS is spec §5.3, cells.c). */
#ifndef LNOB_MIS_MIS_DISCLOSE_H
#define LNOB_MIS_MIS_DISCLOSE_H
#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "memo.h"

#define LNOB_MIS_SMALL_MAX_DEFAULT 4 /* counts 1-4 are withheld */
#define LNOB_MIS_SMALL_MAX_MIN 2     /* below this a person could subtract themself */
#define LNOB_MIS_SMALL_MAX_MAX 99

typedef struct {
    uint64_t small, complement; /* cells withheld for each reason */
} lnob_mis_disclosed_t;

/* Applies the policy to cells[0..n) in place, vulnerable the VULN_GROUPS
 * mask (lnob_mis_dims_t.vulnerable, 0 all). memo, when not NULL, holds the
 * answers of earlier calls (the span tests and linear programs of tables
 * asked the same) and takes this call's: a drop folder's next round then
 * solves only the tables its export changes, with the same result as
 * without it. Returns 0, or -1 with err set (then no cell may be
 * published). */
int lnob_mis_disclose(lnob_cell_t *cells, size_t n, uint32_t vulnerable, unsigned small_max, lnob_memo_t *memo,
                      lnob_mis_disclosed_t *out, char *err, size_t errlen);

#endif
