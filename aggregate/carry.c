/* carry.c - extracts kept for the next one's carry (carry.h). */
#include "carry.h"

#include <stdlib.h>
#include <string.h>

#include "lnob/clock.h"
#include "lnob/mem.h"

typedef struct {
    char *id;             /* NULL: an empty slot */
    char *run_id;         /* the run that sent it: only that run's ends take from it */
    lnob_env_t **runs;    /* seq s at runs[s]; NULL once taken */
    uint32_t n;
    const lnob_source_ops_t *kind;
    void *state;          /* the kind's (kind->keep_free), or NULL */
    int64_t kept_us;
} kept_t;

struct lnob_carry {
    kept_t slot[LNOB_CARRY_KEPT];
};

static void s_clear(kept_t *k)
{
    for (uint32_t s = 0; s < k->n; s++)
        lnob_wire_free(&k->runs[s]);
    free(k->runs);
    if (k->state)
        k->kind->keep_free(k->state);
    free(k->id);
    free(k->run_id);
    memset(k, 0, sizeof *k);
}

lnob_carry_t *lnob_carry_new(void)
{
    return lnob_calloc(1, sizeof(lnob_carry_t));
}

void lnob_carry_destroy(lnob_carry_t **self_p)
{
    if (!*self_p)
        return;
    for (int i = 0; i < LNOB_CARRY_KEPT; i++)
        s_clear(&(*self_p)->slot[i]);
    free(*self_p);
    *self_p = NULL;
}

static int s_is(const kept_t *k, const char *id, const char *run_id)
{
    return k->id && !strcmp(k->id, id) && !strcmp(k->run_id, run_id);
}

void lnob_carry_keep(lnob_carry_t *self, const char *id, const char *run_id, lnob_env_t **runs, uint32_t n,
                     const lnob_source_ops_t *kind, void *state)
{
    kept_t *to = &self->slot[0];
    for (int i = 0; i < LNOB_CARRY_KEPT; i++) { /* the same extract, an empty slot, or the oldest */
        kept_t *k = &self->slot[i];
        if (s_is(k, id, run_id)) {
            to = k;
            break;
        }
        if (!k->id || (to->id && k->kept_us < to->kept_us))
            to = k;
    }
    s_clear(to);
    to->id = lnob_strdup(id);
    to->run_id = lnob_strdup(run_id);
    to->runs = runs;
    to->n = n;
    to->kind = kind;
    to->state = kind->keep_free ? state : NULL;
    to->kept_us = lnob_mono_us();
}

static kept_t *s_find(lnob_carry_t *self, const char *id, const char *run_id)
{
    for (int i = 0; i < LNOB_CARRY_KEPT; i++)
        if (s_is(&self->slot[i], id, run_id))
            return &self->slot[i];
    return NULL;
}

uint32_t lnob_carry_take(lnob_carry_t *self, const Lnob__V1__ExtractEnd *end, const lnob_source_ops_t *kind,
                         lnob_carry_put_fn put, void *arg, uint32_t *missing, lnob_extract_base_t **base_p)
{
    kept_t *base = kind && kind->carry ? s_find(self, end->base_extract_id, end->run_id) : NULL;
    uint32_t taken = 0;
    *missing = 0;
    *base_p = NULL;
    for (size_t i = 0; i < end->n_carry; i++) {
        const Lnob__V1__Carry *c = end->carry[i];
        for (uint32_t j = 0; j < c->count; j++) {
            uint32_t from = c->base_seq + j;
            lnob_env_t *env = base && from < base->n ? base->runs[from] : NULL;
            if (!env || lnob_wire_seq(env) != from || kind->carry(env, end, c, c->seq + j) != LNOB_OK) {
                (*missing)++;
                continue;
            }
            base->runs[from] = NULL;
            if (put(arg, env) == LNOB_OK)
                taken++;
            else
                (*missing)++;
        }
    }
    if (base && !*missing) { /* the rest goes with the extract until it is computed */
        lnob_extract_base_t *b = lnob_calloc(1, sizeof *b);
        *b = (lnob_extract_base_t){base->kind == kind ? base->state : NULL, base->kind, base->runs, base->n};
        if (base->kind != kind && base->state) /* another kind's state is not this one's to read */
            base->kind->keep_free(base->state);
        base->runs = NULL, base->n = 0, base->state = NULL;
        *base_p = b;
    }
    if (base)
        s_clear(base);
    return taken;
}

void lnob_carry_base_free(lnob_extract_base_t **base_p)
{
    lnob_extract_base_t *b = *base_p;
    if (!b)
        return;
    const lnob_source_ops_t *kind = b->kind;
    if (b->state)
        kind->keep_free(b->state);
    for (uint32_t s = 0; s < b->n; s++)
        lnob_wire_free(&b->gone[s]);
    free(b->gone);
    free(b);
    *base_p = NULL;
}
