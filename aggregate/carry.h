/* carry.h - extracts kept for the next one's carry.
 *
 * An MIS drop folder sends the year again each round, one new export among
 * exports it sent before. An extract whose end asks to be retained is kept
 * here once computed: its batches, decoded. The next round's end names it
 * as its base and carries ranges of its batches (ExtractEnd.carry): those
 * are taken from here, made the new extract's by the kind (its carry op,
 * source.h), and need not cross the wire again. A base is taken once: its
 * batches move into the new extract, which is then kept in its place.
 * Bounded: LNOB_CARRY_KEPT extracts at most, the oldest going first. A base
 * not held (never kept, pushed out, an aggregator restarted) leaves the
 * carried batches missing; the ingester's redelivery sends them, so a carry
 * is only ever a shortcut, never a condition of a complete extract.
 * Not for: the barrier itself (aggregate.h). */
#ifndef LNOB_AGGREGATE_CARRY_H
#define LNOB_AGGREGATE_CARRY_H
#include <stdint.h>

#include "registry.h"
#include "wire.h"

#define LNOB_CARRY_KEPT 2 /* extracts kept at once */

typedef struct lnob_carry lnob_carry_t;

lnob_carry_t *lnob_carry_new(void);
void lnob_carry_destroy(lnob_carry_t **self_p);

/* Keeps the batches runs[0..n) (seq s at runs[s]) of extract id as run
 * run_id sent them, with the kind's state of it (its compute's keep, or
 * NULL); their ownership moves here and the array is freed with them. Only an end of the same run takes from them: another sender can
 * neither take a run's base nor put one in its place. */
void lnob_carry_keep(lnob_carry_t *self, const char *id, const char *run_id, lnob_env_t **runs, uint32_t n,
                     const lnob_source_ops_t *kind, void *state);

/* Takes what end carries from its base (kept for end's run): each batch made the end's by
 * kind->carry and handed to put, which owns it then (LNOB_OK) or has freed
 * it. Returns how many put took; *missing counts the others. The base is
 * forgotten then. When every carried batch was taken, the base's state and
 * its other batches go to *base (lnob_carry_base_free); else *base is NULL
 * and they are freed. */
typedef int (*lnob_carry_put_fn)(void *arg, lnob_env_t *env);
uint32_t lnob_carry_take(lnob_carry_t *self, const Lnob__V1__ExtractEnd *end, const lnob_source_ops_t *kind,
                         lnob_carry_put_fn put, void *arg, uint32_t *missing, lnob_extract_base_t **base);
/* Frees what lnob_carry_take gave: the batches and the kind's state. */
void lnob_carry_base_free(lnob_extract_base_t **base);

#endif
