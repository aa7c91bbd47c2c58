/* mis_year.c - the year an MIS drop folder's rounds keep (mis_year.h). */
#include "mis_year.h"

#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

struct lnob_mis_year {
    lnob_mis_frame_t *frame;
    lnob_mis_counts_t *counts;  /* of frame */
    char *period, *service_set, *vuln_groups; /* the settings it was counted with */
    lnob_memo_t *memo;          /* its disclosure control's answers, or NULL */
};

#define MEMO_MAX 16384 /* answers kept: a year of 61 municipalities asks about 2,000 */

/* x is counted with the year's settings and the same services. */
static int s_same_settings(const lnob_mis_year_t *y, const Lnob__V1__ExtractEnd *end, const lnob_mis_frame_t *f)
{
    const lnob_mis_dims_t *a = &y->frame->dims, *b = &f->dims;
    if (strcmp(y->period, end->period) || /* the population only scales the rates: it may differ */
        strcmp(y->service_set, end->service_set) || strcmp(y->vuln_groups, end->vuln_groups) ||
        a->n_services != b->n_services)
        return 0;
    for (size_t s = 0; s < a->n_services; s++)
        if (strcmp(a->services[s], b->services[s]) != 0)
            return 0;
    return 1;
}

typedef struct {
    const Lnob__V1__MisBatch *b;
    size_t at;
} batch_at_t;

static int s_by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) ((const batch_at_t *) a)->b, y = (uintptr_t) ((const batch_at_t *) b)->b;
    return (x > y) - (x < y);
}

/* The spans of records the year's frame and f share: a batch of both (the
 * same message: carried, so alive at one address since the year was
 * counted, result.h) holds the same records in both. Returns how many,
 * or -1 when a shared batch's records differ in number or the shared
 * batches come in another order (a person's ties are taken in frame order). */
static long s_spans(const lnob_mis_frame_t *old, const lnob_mis_frame_t *f, lnob_mis_span_t *spans)
{
    batch_at_t *now = lnob_malloc((f->n_batches ? f->n_batches : 1) * sizeof *now);
    for (size_t j = 0; j < f->n_batches; j++)
        now[j] = (batch_at_t){f->batches[j], j};
    qsort(now, f->n_batches, sizeof *now, s_by_address);
    long n = 0;
    size_t last = 0;
    for (size_t i = 0; i < old->n_batches && n >= 0; i++) {
        batch_at_t want = {old->batches[i], 0};
        const batch_at_t *hit = bsearch(&want, now, f->n_batches, sizeof *now, s_by_address);
        if (!hit)
            continue; /* dropped */
        size_t len = old->batch_start[i + 1] - old->batch_start[i], j = hit->at;
        if (len != f->batch_start[j + 1] - f->batch_start[j] || (n > 0 && j <= last)) {
            n = -1;
            break;
        }
        spans[n++] = (lnob_mis_span_t){old->batch_start[i], f->batch_start[j], len};
        last = j;
    }
    free(now);
    return n;
}

lnob_mis_counts_t *lnob_mis_year_count(const lnob_extract_view_t *x, const lnob_mis_frame_t *f, int *changed)
{
    lnob_mis_year_t *y = x->base ? x->base->state : NULL;
    *changed = 0;
    if (y && y->counts && s_same_settings(y, x->end, f)) {
        lnob_mis_span_t *spans = lnob_malloc((y->frame->n_batches ? y->frame->n_batches : 1) * sizeof *spans);
        long n = s_spans(y->frame, f, spans);
        if (n >= 0 && lnob_mis_count_change(y->counts, y->frame->records, y->frame->n, f->records, f->n, spans,
                                            (size_t) n, &f->dims) == 0) {
            lnob_mis_counts_t *c = y->counts;
            y->counts = NULL;
            *changed = 1;
            free(spans);
            return c;
        }
        free(spans);
    }
    return lnob_mis_counts_new(f->records, f->n, &f->dims);
}

lnob_memo_t *lnob_mis_year_memo(const lnob_extract_view_t *x)
{
    lnob_mis_year_t *y = x->base ? x->base->state : NULL;
    lnob_memo_t *m = y ? y->memo : NULL;
    if (y)
        y->memo = NULL;
    return m ? m : x->end->retain ? lnob_memo_new(MEMO_MAX) : NULL;
}

lnob_mis_year_t *lnob_mis_year_new(const Lnob__V1__ExtractEnd *end, lnob_mis_frame_t **f, lnob_mis_counts_t **c,
                                   lnob_memo_t **memo)
{
    lnob_mis_year_t *y = lnob_calloc(1, sizeof *y);
    y->frame = *f;
    y->counts = *c;
    y->memo = *memo;
    *f = NULL;
    *c = NULL;
    *memo = NULL;
    y->period = lnob_strdup(end->period);
    y->service_set = lnob_strdup(end->service_set);
    y->vuln_groups = lnob_strdup(end->vuln_groups);
    return y;
}

void lnob_mis_year_free(void *year)
{
    lnob_mis_year_t *y = year;
    if (!y)
        return;
    lnob_mis_counts_destroy(&y->counts);
    lnob_memo_destroy(&y->memo);
    if (y->frame)
        lnob_mis_frame_free(y->frame);
    free(y->frame);
    free(y->period);
    free(y->service_set);
    free(y->vuln_groups);
    free(y);
}
