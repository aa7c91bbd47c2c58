/* slots.h - a batch's dictionary of names for a small code space.
 *
 * The first row of a batch that uses code k gives it the next slot and puts
 * its name in the dictionary the Batch message carries; slot 0 is "" (no
 * value). Names are borrowed (municipality LAU codes from geo, service codes
 * from the static tables), never copied. Used for the municipality column of
 * SILC and MIS batches and the service column of MIS batches.
 * Not for: names that are not alive for the whole batch. */
#ifndef LNOB_KIT_SLOTS_H
#define LNOB_KIT_SLOTS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char **names;   /* n entries, names[0] = ""; the Batch's dict field */
    size_t n;
    int *slot;      /* code -> slot, 0 = not yet in this batch */
    size_t codes;   /* size of the code space */
} lnob_slots_t;

/* Empty dictionary for codes 0 .. codes-1. */
void lnob_slots_init(lnob_slots_t *self, size_t codes);
/* Slot of code (0 <= code < codes); name is stored the first time. */
uint32_t lnob_slots_get(lnob_slots_t *self, int code, const char *name);
/* Empties the dictionary for the next batch. */
void lnob_slots_reset(lnob_slots_t *self);
void lnob_slots_free(lnob_slots_t *self);
#endif
