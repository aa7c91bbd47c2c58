/* idset.c - open-addressing set of 64-bit ids (idset.h). */
#include "idset.h"

#include <stdlib.h>

#include "lnob/mem.h"

#define FIRST_CAP 1024

struct lnob_idset {
    int64_t *sorted;    /* ids that arrived in increasing order */
    size_t n_sorted, cap_sorted;
    uint64_t *slots;    /* the others, as id + 1; 0 = empty */
    size_t cap, n;      /* n counts every id, both parts */
    int has_max;        /* INT64_MAX + 1 wraps to 0: kept aside */
};

lnob_idset_t *lnob_idset_new(void)
{
    lnob_idset_t *self = lnob_calloc(1, sizeof *self);
    self->cap = FIRST_CAP;
    self->slots = lnob_calloc(self->cap, sizeof *self->slots);
    return self;
}

void lnob_idset_destroy(lnob_idset_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->slots);
    free((*self_p)->sorted);
    free(*self_p);
    *self_p = NULL;
}

static uint64_t s_mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* Inserts key (never 0); returns 1 if new. */
static int s_put(uint64_t *slots, size_t cap, uint64_t key)
{
    for (size_t i = s_mix(key) & (cap - 1);; i = (i + 1) & (cap - 1)) {
        if (slots[i] == key)
            return 0;
        if (slots[i] == 0) {
            slots[i] = key;
            return 1;
        }
    }
}

static void s_grow(lnob_idset_t *self)
{
    size_t cap = self->cap * 2;
    uint64_t *slots = lnob_calloc(cap, sizeof *slots);
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i])
            s_put(slots, cap, self->slots[i]);
    free(self->slots);
    self->slots = slots;
    self->cap = cap;
}

static int s_in_sorted(const lnob_idset_t *self, int64_t id)
{
    size_t lo = 0, hi = self->n_sorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->sorted[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < self->n_sorted && self->sorted[lo] == id;
}

int lnob_idset_add(lnob_idset_t *self, int64_t id)
{
    if (self->n_sorted == 0 || id > self->sorted[self->n_sorted - 1]) {
        lnob_grow((void **) &self->sorted, &self->cap_sorted, self->n_sorted + 1, sizeof *self->sorted);
        self->sorted[self->n_sorted++] = id; /* above all sorted ones and all others */
        self->n++;
        return 1;
    }
    if (s_in_sorted(self, id))
        return 0;
    uint64_t key = (uint64_t) id + 1;
    if (key == 0) {
        int added = !self->has_max;
        self->has_max = 1;
        self->n += (size_t) added;
        return added;
    }
    if (2 * (self->n + 1) > self->cap)
        s_grow(self);
    int added = s_put(self->slots, self->cap, key);
    self->n += (size_t) added;
    return added;
}

int lnob_idset_contains(const lnob_idset_t *self, int64_t id)
{
    if (self->n_sorted == 0 || id > self->sorted[self->n_sorted - 1])
        return 0;
    if (s_in_sorted(self, id))
        return 1;
    uint64_t key = (uint64_t) id + 1;
    if (key == 0)
        return self->has_max;
    if (self->cap == 0)
        return 0;
    for (size_t i = s_mix(key) & (self->cap - 1);; i = (i + 1) & (self->cap - 1)) {
        if (self->slots[i] == key)
            return 1;
        if (self->slots[i] == 0)
            return 0;
    }
}

size_t lnob_idset_size(const lnob_idset_t *self)
{
    return self->n;
}
