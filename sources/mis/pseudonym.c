/* pseudonym.c - personal numbers to keyed hashes (pseudonym.h). */
#include "pseudonym.h"

/* OpenSSL's SHA256_Init/Update/Final: the one SHA-256 API whose state is a
 * plain struct the caller places, so the keyed state stays in libsodium's
 * guarded memory (EVP keeps it on OpenSSL's heap and allocates at each copy).
 * Deprecated since OpenSSL 3.0, still supported in 3.x. */
#ifndef OPENSSL_API_COMPAT
#define OPENSSL_API_COMPAT 10101
#endif
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/secret.h"

#define KEY_HEX (2 * LNOB_PSEUDONYM_KEY_BYTES) /* hex digits of a key file */
#define KEY_FILE_MAX (KEY_HEX + 2)            /* with a CRLF */
#define NID_DIGITS 8
#define HMAC_BLOCK 64 /* SHA-256's block: HMAC pads the key to it (RFC 2104) */

struct lnob_pseudonym {
    unsigned char key[LNOB_PSEUDONYM_KEY_BYTES];
    /* SHA-256 once the key's inner and outer pads are hashed: copied for
     * each personal number, so the key is not hashed again. HMAC-SHA-256
     * as libsodium's crypto_auth_hmacsha256 computes it, with OpenSSL's
     * SHA-256, which uses the CPU's SHA extensions: 115 ns an HMAC
     * against libsodium's 390, 327 ns a person key against 527
     * (docs/BENCHMARKS.md) */
    SHA256_CTX inner, outer;
};

/* ctx after hashing key XOR pad, padded with pad to a block. */
static void s_pad(SHA256_CTX *ctx, const unsigned char *key, unsigned char pad)
{
    unsigned char block[HMAC_BLOCK];
    memset(block, pad, sizeof block);
    for (size_t i = 0; i < LNOB_PSEUDONYM_KEY_BYTES; i++)
        block[i] ^= key[i];
    SHA256_Init(ctx);
    SHA256_Update(ctx, block, sizeof block);
    sodium_memzero(block, sizeof block);
}

lnob_pseudonym_t *lnob_pseudonym_new(const uint8_t key[LNOB_PSEUDONYM_KEY_BYTES])
{
    if (sodium_init() < 0) {
        fprintf(stderr, "lnob: libsodium failed to initialise\n");
        abort();
    }
    /* guarded pages, locked out of swap where the limits allow */
    lnob_pseudonym_t *self = sodium_malloc(sizeof *self);
    if (!self) {
        fprintf(stderr, "lnob: out of memory allocating the pseudonym key\n");
        abort();
    }
    memcpy(self->key, key, sizeof self->key);
    s_pad(&self->inner, self->key, 0x36);
    s_pad(&self->outer, self->key, 0x5c);
    sodium_mprotect_readonly(self);
    return self;
}

void lnob_pseudonym_destroy(lnob_pseudonym_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_pseudonym_t *self = *self_p;
    sodium_mprotect_readwrite(self);
    sodium_memzero(self, sizeof *self); /* the key and the state made from it */
    sodium_free(self);
    *self_p = NULL;
}

/* ---- key files ---------------------------------------------------------- */

/* The key in text[0..n): 64 hex digits and an optional LF or CRLF. */
static int s_parse_key(const char *text, size_t n, uint8_t key[LNOB_PSEUDONYM_KEY_BYTES])
{
    const char *end = NULL;
    size_t bin_len = 0;
    const char *tail = text + KEY_HEX;
    size_t rest = n >= KEY_HEX ? n - KEY_HEX : 0;
    if (n < KEY_HEX || !(rest == 0 || (rest == 1 && tail[0] == '\n') ||
                         (rest == 2 && tail[0] == '\r' && tail[1] == '\n')))
        return -1;
    for (size_t i = 0; i < KEY_HEX; i++)
        if (!strchr("0123456789abcdefABCDEF", text[i]) || text[i] == '\0')
            return -1;
    if (sodium_hex2bin(key, LNOB_PSEUDONYM_KEY_BYTES, text, KEY_HEX, NULL, &bin_len, &end) != 0 ||
        bin_len != LNOB_PSEUDONYM_KEY_BYTES || end != tail)
        return -1;
    return 0;
}

lnob_pseudonym_t *lnob_pseudonym_new_from_file(const char *path, char *err, size_t cap)
{
    char text[KEY_FILE_MAX + 1];
    uint8_t key[LNOB_PSEUDONYM_KEY_BYTES] = {0};
    size_t n = 0;
    lnob_pseudonym_t *self = NULL;
    if (!path || !*path) {
        snprintf(err, cap, "no pseudonym key file given (there is no default key)");
        return NULL;
    }
    int rc = lnob_secret_read(path, "pseudonym key file", text, sizeof text, &n, err, cap);
    if (rc == LNOB_OK && s_parse_key(text, n, key) != 0)
        snprintf(err, cap, "pseudonym key file %s must hold exactly %d hex digits and at most a newline",
                 path, KEY_HEX);
    else if (rc == LNOB_OK && sodium_is_zero(key, sizeof key))
        snprintf(err, cap, "pseudonym key file %s holds an all-zero key", path);
    else if (rc == LNOB_OK)
        self = lnob_pseudonym_new(key);
    sodium_memzero(key, sizeof key);
    sodium_memzero(text, sizeof text);
    return self;
}

/* ---- person keys ---------------------------------------------------------- */

static int s_space(const unsigned char *s, size_t len, size_t i, size_t *skip)
{
    *skip = 1;
    if (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r') || s[i] == 0xA0) /* 0xA0: Latin-1 no-break */
        return 1;
    *skip = 2;
    return s[i] == 0xC2 && i + 1 < len && s[i + 1] == 0xA0; /* U+00A0 in UTF-8 */
}

static int s_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int s_digit(char c) { return c >= '0' && c <= '9'; }

lnob_pseudonym_result_t lnob_pseudonym_normalise(const char *nid, size_t len, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *) nid;
    char norm[LNOB_PSEUDONYM_NID_LEN + 1];
    size_t n = 0, skip;
    int too_long = 0;
    for (size_t i = 0; i < len; i += skip) {
        if (s_space(s, len, i, &skip))
            continue;
        skip = 1;
        if (n == LNOB_PSEUDONYM_NID_LEN) {
            too_long = 1;
            break;
        }
        char c = (char) s[i];
        norm[n++] = c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
    }
    norm[n] = '\0';
    if (cap)
        out[0] = '\0';
    if (n == 0)
        return LNOB_PSEUDONYM_EMPTY;
    int ok = !too_long && n == LNOB_PSEUDONYM_NID_LEN && s_upper(norm[0]) &&
             s_upper(norm[LNOB_PSEUDONYM_NID_LEN - 1]);
    for (size_t i = 1; ok && i <= NID_DIGITS; i++)
        ok = s_digit(norm[i]);
    if (!ok)
        return LNOB_PSEUDONYM_MALFORMED;
    if (cap > n)
        memcpy(out, norm, n + 1);
    return LNOB_PSEUDONYM_OK;
}

lnob_pseudonym_result_t lnob_pseudonym_key(const lnob_pseudonym_t *self, const char *nid,
                                           size_t len, char out[LNOB_PSEUDONYM_HEX + 1])
{
    char norm[LNOB_PSEUDONYM_NID_LEN + 1];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    lnob_pseudonym_result_t r = lnob_pseudonym_normalise(nid, len, norm, sizeof norm);
    out[0] = '\0';
    if (r != LNOB_PSEUDONYM_OK)
        return r;
    SHA256_CTX st = self->inner; /* H(key ^ opad, H(key ^ ipad, norm)) */
    SHA256_Update(&st, norm, LNOB_PSEUDONYM_NID_LEN);
    SHA256_Final(mac, &st);
    st = self->outer;
    SHA256_Update(&st, mac, sizeof mac);
    SHA256_Final(mac, &st);
    sodium_memzero(&st, sizeof st);
    sodium_bin2hex(out, LNOB_PSEUDONYM_HEX + 1, mac, sizeof mac);
    return LNOB_PSEUDONYM_OK;
}
