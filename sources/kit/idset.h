/* idset.h - a set of 64-bit ids, for finding a person id seen twice.
 *
 * Extracts are nearly always sorted by person id, so ids larger than every
 * one before go to an append-only sorted array (8 bytes each, sequential
 * memory, no hashing); an id out of that order is looked up there by binary
 * search and kept in an open-addressing hash table (linear probing, at
 * most half full). A sorted 10 M-person extract costs about 80 MB and no
 * random access; a shuffled one about 16 bytes per id.
 * Not for: anything but membership (no removal, no values). */
#ifndef LNOB_KIT_IDSET_H
#define LNOB_KIT_IDSET_H
#include <stddef.h>
#include <stdint.h>

typedef struct lnob_idset lnob_idset_t;

lnob_idset_t *lnob_idset_new(void);
/* NULL-safe; NULLs *self_p. */
void lnob_idset_destroy(lnob_idset_t **self_p);
/* Adds id; returns 1 if it was new, 0 if it was already there. */
int lnob_idset_add(lnob_idset_t *self, int64_t id);
/* 1 if id is in the set. */
int lnob_idset_contains(const lnob_idset_t *self, int64_t id);
size_t lnob_idset_size(const lnob_idset_t *self);

#endif
