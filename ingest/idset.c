/* idset.c - open-addressing set of 64-bit ids (idset.h). */
#include "idset.h"

#include <stdlib.h>

#include "lnob/mem.h"

#define FIRST_CAP 1024

struct lnob_idset {
    uint64_t *slots; /* id + 1 after mixing, 0 = empty */
    size_t cap, n;
    int has_max;     /* the one id that maps to 0 below */
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

int lnob_idset_add(lnob_idset_t *self, int64_t id)
{
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

size_t lnob_idset_size(const lnob_idset_t *self)
{
    return self->n;
}
