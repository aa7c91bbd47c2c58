/* memo.h - a bounded memory of results by the digest of their inputs.
 *
 * A drop folder's rounds differ by an export or two, so most of a round's
 * disclosure control solves the same tables as the round before. A memo
 * keeps each answer under a BLAKE2b digest of everything the answer
 * depends on (libsodium's crypto_generichash, 256 bits: no two inputs
 * meet), so the next round reads it instead of solving again, with the
 * same result bit for bit. At most max entries: when full, it starts
 * afresh. One owner at a time: not for sharing between threads. The map
 * is CZMQ's zhashx, keyed by the digest in hex.
 * Not for: deciding what an answer depends on (the caller names every
 * input in the key). */
#ifndef LNOB_KIT_MEMO_H
#define LNOB_KIT_MEMO_H
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

typedef struct lnob_memo lnob_memo_t;

#define LNOB_MEMO_KEY_BYTES 32

typedef struct {
    uint8_t b[LNOB_MEMO_KEY_BYTES];
} lnob_memo_key_t;

/* A key in the making: begin, add each input (its bytes as they are, so
 * only plain data without padding), end. */
typedef struct {
    crypto_generichash_state s;
} lnob_memo_hash_t;

void lnob_memo_begin(lnob_memo_hash_t *h);
void lnob_memo_add(lnob_memo_hash_t *h, const void *p, size_t len);
void lnob_memo_end(lnob_memo_hash_t *h, lnob_memo_key_t *k);

/* A memo of at most max entries (at least 1). */
lnob_memo_t *lnob_memo_new(size_t max);
void lnob_memo_destroy(lnob_memo_t **m);

/* The answer kept under k (owned by m, valid until the next put), its
 * length in *len; NULL when there is none. m may be NULL: none. */
const void *lnob_memo_get(lnob_memo_t *m, const lnob_memo_key_t *k, size_t *len);

/* Keeps a copy of v[0..len) under k. m may be NULL: nothing kept. v must
 * not point into m (an answer lnob_memo_get gave): it may be freed first. */
void lnob_memo_put(lnob_memo_t *m, const lnob_memo_key_t *k, const void *v, size_t len);

/* Answers read and kept since m was made (for logs and tests). */
void lnob_memo_counts(const lnob_memo_t *m, uint64_t *hits, uint64_t *misses);

#endif
