/* memo.c - a bounded memory of results by input digest (memo.h). */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

typedef struct {
    lnob_memo_key_t key;
    void *v; /* NULL: a free slot */
    size_t len;
} slot_t;

struct lnob_memo {
    slot_t *slot;
    size_t cap, n, max; /* cap: a power of two, at least twice max */
    uint64_t hits, misses;
};

void lnob_memo_begin(lnob_memo_hash_t *h)
{
    crypto_generichash_init(&h->s, NULL, 0, LNOB_MEMO_KEY_BYTES);
}

void lnob_memo_add(lnob_memo_hash_t *h, const void *p, size_t len)
{
    crypto_generichash_update(&h->s, p, len);
}

void lnob_memo_end(lnob_memo_hash_t *h, lnob_memo_key_t *k)
{
    crypto_generichash_final(&h->s, k->b, sizeof k->b);
}

lnob_memo_t *lnob_memo_new(size_t max)
{
    lnob_memo_t *m = lnob_calloc(1, sizeof *m);
    m->max = max ? max : 1;
    for (m->cap = 2; m->cap < 2 * m->max; m->cap *= 2)
        ;
    m->slot = lnob_calloc(m->cap, sizeof *m->slot);
    return m;
}

static void s_clear(lnob_memo_t *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slot[i].v);
        m->slot[i].v = NULL;
    }
    m->n = 0;
}

void lnob_memo_destroy(lnob_memo_t **m)
{
    if (!*m)
        return;
    s_clear(*m);
    free((*m)->slot);
    free(*m);
    *m = NULL;
}

/* The slot of k, or the free slot where it would go (linear probing: the
 * table is at most half full). */
static slot_t *s_find(const lnob_memo_t *m, const lnob_memo_key_t *k)
{
    uint64_t h;
    memcpy(&h, k->b, sizeof h); /* a digest: its bytes are already spread */
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
        if (!m->slot[i].v || !memcmp(&m->slot[i].key, k, sizeof *k))
            return &m->slot[i];
}

const void *lnob_memo_get(lnob_memo_t *m, const lnob_memo_key_t *k, size_t *len)
{
    if (!m)
        return NULL;
    const slot_t *s = s_find(m, k);
    if (!s->v) {
        m->misses++;
        return NULL;
    }
    m->hits++;
    *len = s->len;
    return s->v;
}

void lnob_memo_put(lnob_memo_t *m, const lnob_memo_key_t *k, const void *v, size_t len)
{
    if (!m)
        return;
    slot_t *s = s_find(m, k);
    if (!s->v && m->n == m->max) { /* full: start afresh rather than track ages */
        s_clear(m);
        s = s_find(m, k);
    }
    if (!s->v)
        m->n++;
    free(s->v);
    s->key = *k;
    s->v = lnob_malloc(len ? len : 1);
    memcpy(s->v, v, len);
    s->len = len;
}

void lnob_memo_counts(const lnob_memo_t *m, uint64_t *hits, uint64_t *misses)
{
    *hits = m ? m->hits : 0;
    *misses = m ? m->misses : 0;
}
