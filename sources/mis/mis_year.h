/* mis_year.h - the year an MIS drop folder's rounds keep between them.
 *
 * Each round of a drop folder is an extract of the whole year in which an
 * export or two changed; the batches of the others are carried from the
 * round before, which the aggregator kept (docs/wire.md "Carried
 * batches"). With those batches it keeps this: the round's frame (its
 * records on the national frame) and its counts. The next round then
 * counts again only the persons its new and its dropped batches name
 * (lnob_mis_count_change), not the year. Anything else counts afresh, with
 * the same result: another period, SERVICE_SET or VULN_GROUPS (the
 * population may differ), another service list, a register export added
 * or dropped, the kept exports in another order, a change naming most
 * persons, a carried batch that is not the one kept. It keeps the answers
 * of the round's disclosure control too (mis_disclose.h), for the next.
 * Not for: the counting (mis_cells.h) or the keeping (aggregate/carry.h). */
#ifndef LNOB_MIS_MIS_YEAR_H
#define LNOB_MIS_MIS_YEAR_H
#include "memo.h"
#include "mis_cells.h"
#include "mis_records.h"
#include "result.h"

typedef struct lnob_mis_year lnob_mis_year_t;

/* The counts of frame f of extract x: changed from the year x carries
 * from (x->base's state, taken) when it can, else afresh; *changed says
 * which. The counts point into f: keep them together (lnob_mis_year_new).
 * NULL when f has too many services. */
lnob_mis_counts_t *lnob_mis_year_count(const lnob_extract_view_t *x, const lnob_mis_frame_t *f, int *changed);

/* The disclosure answers x's base kept (taken from it), or for an extract
 * to be kept (end->retain), a new memo; NULL when neither. */
lnob_memo_t *lnob_mis_year_memo(const lnob_extract_view_t *x);

/* The year to keep after extract end: takes *f, *c and *memo (all set
 * NULL; memo may be NULL). */
lnob_mis_year_t *lnob_mis_year_new(const Lnob__V1__ExtractEnd *end, lnob_mis_frame_t **f, lnob_mis_counts_t **c,
                                   lnob_memo_t **memo);
/* Frees a year (the kind's keep_free, source.h). */
void lnob_mis_year_free(void *year);

#endif
