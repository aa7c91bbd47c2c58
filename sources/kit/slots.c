/* slots.c - a batch's dictionary of names for a small code space. */
#include "slots.h"
#include "lnob/mem.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>

void lnob_slots_init(lnob_slots_t *self, size_t codes)
{
    self->names = lnob_calloc(codes + 1, sizeof(char *));
    self->slot = lnob_calloc(codes ? codes : 1, sizeof(int));
    self->codes = codes;
    self->names[0] = "";
    self->n = 1;
}

uint32_t lnob_slots_get(lnob_slots_t *self, int code, const char *name)
{
    assert(code >= 0 && (size_t) code < self->codes);
    if (!self->slot[code]) {
        self->names[self->n] = (char *) name;
        self->slot[code] = (int) self->n++;
    }
    return (uint32_t) self->slot[code];
}

void lnob_slots_reset(lnob_slots_t *self)
{
    memset(self->slot, 0, self->codes * sizeof(int));
    self->n = 1;
}

void lnob_slots_free(lnob_slots_t *self)
{
    free(self->names);
    free(self->slot);
    self->names = NULL;
    self->slot = NULL;
}
