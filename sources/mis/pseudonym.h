/* pseudonym.h - personal numbers to person keys (spec §6.1).
 *
 * A person key is HMAC-SHA-256 (RFC 2104; the MAC of libsodium's
 * crypto_auth_hmacsha256, computed with OpenSSL's SHA-256), under one
 * secret 32-byte key, of the normalised national personal number, as 64
 * lowercase hex characters. Every MIS ingester must use the same key, or the
 * same person gets different keys in different files and is counted twice.
 * Normalising: leading and trailing whitespace trimmed, inner spaces
 * dropped (ASCII whitespace and the no-break space), ASCII letters
 * upper-cased. A normalised number must have the shape of an Albanian
 * personal number (NID): a letter, eight digits, a letter (J12345678K);
 * anything else is malformed and gets no key (§6.3: the record is kept,
 * unkeyed). The secret key lives in memory from libsodium's guarded
 * allocator, is never copied into messages, logs or error strings, and is
 * wiped by destroy. Key files: docs/mis.md.
 * Not for: reading exports (mis.h); keys of anything but persons. */
#ifndef LNOB_MIS_PSEUDONYM_H
#define LNOB_MIS_PSEUDONYM_H
#include <stddef.h>
#include <stdint.h>

#define LNOB_PSEUDONYM_KEY_BYTES 32 /* the secret key */
#define LNOB_PSEUDONYM_HEX 64       /* characters of a person key */
#define LNOB_PSEUDONYM_NID_LEN 10   /* a normalised personal number */

typedef struct lnob_pseudonym lnob_pseudonym_t;

/* What lnob_pseudonym_key made of a personal number. */
typedef enum {
    LNOB_PSEUDONYM_OK = 0,    /* keyed */
    LNOB_PSEUDONYM_EMPTY,     /* nothing but whitespace: unkeyed */
    LNOB_PSEUDONYM_MALFORMED  /* not letter, 8 digits, letter: unkeyed */
} lnob_pseudonym_result_t;

/* Returns a pseudonymiser holding a copy of key (the caller wipes its
 * own). Aborts if libsodium cannot be initialised. */
lnob_pseudonym_t *lnob_pseudonym_new(const uint8_t key[LNOB_PSEUDONYM_KEY_BYTES]);
/* Reads the secret key from the file at path: a regular file holding
 * exactly 64 hex digits, optionally followed by one newline (LF or CRLF),
 * with no permission for group or others (chmod 600), not all zeros.
 * Returns the pseudonymiser, or NULL with err (cap bytes) saying why; err
 * names the file, never its content. */
lnob_pseudonym_t *lnob_pseudonym_new_from_file(const char *path, char *err, size_t cap);
/* Wipes the key; NULL-safe; NULLs *self_p. */
void lnob_pseudonym_destroy(lnob_pseudonym_t **self_p);
/* Writes the person key of the personal number nid[0..len) to out as 64
 * lowercase hex and a NUL, or "" when the result is not OK. Thread-safe
 * (the object is read only). */
lnob_pseudonym_result_t lnob_pseudonym_key(const lnob_pseudonym_t *self, const char *nid,
                                           size_t len, char out[LNOB_PSEUDONYM_HEX + 1]);
/* Normalises nid[0..len) into out (cap bytes, NUL-terminated) as above and
 * returns what lnob_pseudonym_key would: out holds the normalised number
 * when OK, else "". */
lnob_pseudonym_result_t lnob_pseudonym_normalise(const char *nid, size_t len, char *out,
                                                 size_t cap);

#endif
