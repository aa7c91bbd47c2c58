/* memo.c - a bounded memory of results by input digest (memo.h), over
 * CZMQ's zhashx with the digest in hex as the key. */
#include "memo.h"

#include <czmq.h>
#include <string.h>

#include "lnob/mem.h"

typedef struct {
    size_t len;
    uint8_t v[];
} blob_t;

struct lnob_memo {
    zhashx_t *map; /* hex digest -> owned blob_t */
    size_t max;
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

static void s_free_blob(void **item)
{
    free(*item);
    *item = NULL;
}

lnob_memo_t *lnob_memo_new(size_t max)
{
    lnob_memo_t *m = lnob_calloc(1, sizeof *m);
    m->map = zhashx_new();
    zhashx_set_destructor(m->map, s_free_blob);
    m->max = max ? max : 1;
    return m;
}

void lnob_memo_destroy(lnob_memo_t **m)
{
    if (!*m)
        return;
    zhashx_destroy(&(*m)->map);
    free(*m);
    *m = NULL;
}

static void s_hex(const lnob_memo_key_t *k, char hex[2 * LNOB_MEMO_KEY_BYTES + 1])
{
    sodium_bin2hex(hex, 2 * LNOB_MEMO_KEY_BYTES + 1, k->b, sizeof k->b);
}

const void *lnob_memo_get(lnob_memo_t *m, const lnob_memo_key_t *k, size_t *len)
{
    if (!m)
        return NULL;
    char hex[2 * LNOB_MEMO_KEY_BYTES + 1];
    s_hex(k, hex);
    const blob_t *b = zhashx_lookup(m->map, hex);
    if (!b) {
        m->misses++;
        return NULL;
    }
    m->hits++;
    *len = b->len;
    return b->v;
}

void lnob_memo_put(lnob_memo_t *m, const lnob_memo_key_t *k, const void *v, size_t len)
{
    if (!m)
        return;
    char hex[2 * LNOB_MEMO_KEY_BYTES + 1];
    s_hex(k, hex);
    if (!zhashx_lookup(m->map, hex) && zhashx_size(m->map) >= m->max)
        zhashx_purge(m->map); /* full: start afresh rather than track ages */
    blob_t *b = lnob_malloc(sizeof *b + (len ? len : 1));
    b->len = len;
    memcpy(b->v, v, len);
    zhashx_update(m->map, hex, b); /* replaces (and frees) one kept under k */
}

void lnob_memo_counts(const lnob_memo_t *m, uint64_t *hits, uint64_t *misses)
{
    *hits = m ? m->hits : 0;
    *misses = m ? m->misses : 0;
}
