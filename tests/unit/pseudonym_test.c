/* pseudonym_test.c - person keys (sources/mis/pseudonym.h): the HMAC against
 * libsodium's streaming API and a value computed outside C, normalisation,
 * the personal-number shape, and key files (format, permissions, errors
 * that never show the key). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pseudonym.h"

/* HMAC-SHA-256 of "J12345678K" under the key 00 01 02 ... 1f, computed with
 * Python's hmac module: an implementation other than libsodium's. */
#define KAT_0_31 "caa22f7ae5c8cfbbb9f6c0a5a9d547c69611e2faf58901bdd716715f38d73e0e"
#define KEY_HEX_0_31 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static uint8_t s_key[LNOB_PSEUDONYM_KEY_BYTES];

static void s_setup(void)
{
    cr_assert_geq(sodium_init(), 0);
    for (int i = 0; i < LNOB_PSEUDONYM_KEY_BYTES; i++)
        s_key[i] = (uint8_t) i;
}

TestSuite(pseudonym, .init = s_setup);

/* The expected key, computed here with libsodium's streaming HMAC API. */
static void s_expected(const uint8_t *key, const char *norm, char out[LNOB_PSEUDONYM_HEX + 1])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, LNOB_PSEUDONYM_KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *) norm, strlen(norm));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, LNOB_PSEUDONYM_HEX + 1, mac, sizeof mac);
}

#define KEY(p, lit, out) lnob_pseudonym_key((p), (lit), strlen(lit), (out))

Test(pseudonym, hmac_of_the_normalised_number_as_lowercase_hex)
{
    lnob_pseudonym_t *p = lnob_pseudonym_new(s_key);
    char out[LNOB_PSEUDONYM_HEX + 1], want[LNOB_PSEUDONYM_HEX + 1];
    cr_assert_eq(KEY(p, "J12345678K", out), LNOB_PSEUDONYM_OK);
    cr_expect_str_eq(out, KAT_0_31);
    s_expected(s_key, "J12345678K", want);
    cr_expect_str_eq(out, want);
    cr_expect_eq(strlen(out), 64);
    for (size_t i = 0; i < 64; i++)
        cr_expect(strchr("0123456789abcdef", out[i]) != NULL, "char %zu", i);
    s_expected(s_key, "A00000000Z", want);
    cr_assert_eq(KEY(p, "a00000000z", out), LNOB_PSEUDONYM_OK);
    cr_expect_str_eq(out, want);
    lnob_pseudonym_destroy(&p);
    cr_expect_null(p);
    lnob_pseudonym_destroy(&p);
}

Test(pseudonym, normalisation_trims_drops_spaces_and_upper_cases)
{
    lnob_pseudonym_t *p = lnob_pseudonym_new(s_key);
    static const char *const same[] = {" j1234 5678k ", "J12345678K", "j12345678k", "\tJ 1234 5678 K\r\n",
                                       "J12345678K\xC2\xA0", "\xC2\xA0J1234\xC2\xA0" "5678k"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char out[LNOB_PSEUDONYM_HEX + 1], norm[16];
        cr_expect_eq(KEY(p, same[i], out), LNOB_PSEUDONYM_OK, "case %zu", i);
        cr_expect_str_eq(out, KAT_0_31, "case %zu", i);
        cr_expect_eq(lnob_pseudonym_normalise(same[i], strlen(same[i]), norm, sizeof norm),
                     LNOB_PSEUDONYM_OK);
        cr_expect_str_eq(norm, "J12345678K", "case %zu", i);
    }
    lnob_pseudonym_destroy(&p);
}

Test(pseudonym, malformed_and_empty_numbers_get_no_key)
{
    lnob_pseudonym_t *p = lnob_pseudonym_new(s_key);
    static const char *const bad[] = {"J1234567K", "J123456789K", "123456789K", "J12345678",
                                      "JJ2345678K", "J12345678KX", "J1234-5678K", "Ë12345678K",
                                      "J12345678\xC3\x8B", "J1234567OK", "0"};
    char out[LNOB_PSEUDONYM_HEX + 1];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(out, "x");
        cr_expect_eq(KEY(p, bad[i], out), LNOB_PSEUDONYM_MALFORMED, "'%s'", bad[i]);
        cr_expect_str_eq(out, "", "'%s'", bad[i]);
    }
    static const char *const empty[] = {"", " ", "\t \r\n", "\xC2\xA0"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        strcpy(out, "x");
        cr_expect_eq(KEY(p, empty[i], out), LNOB_PSEUDONYM_EMPTY, "case %zu", i);
        cr_expect_str_eq(out, "");
    }
    lnob_pseudonym_destroy(&p);
}

Test(pseudonym, different_keys_give_different_pseudonyms)
{
    uint8_t other[LNOB_PSEUDONYM_KEY_BYTES];
    memcpy(other, s_key, sizeof other);
    other[31] ^= 1;
    lnob_pseudonym_t *a = lnob_pseudonym_new(s_key), *b = lnob_pseudonym_new(other);
    char ka[LNOB_PSEUDONYM_HEX + 1], kb[LNOB_PSEUDONYM_HEX + 1];
    KEY(a, "J12345678K", ka);
    KEY(b, "J12345678K", kb);
    cr_expect_str_neq(ka, kb);
    KEY(b, "J12345678L", ka);
    cr_expect_str_neq(ka, kb, "different numbers, same key");
    lnob_pseudonym_destroy(&a);
    lnob_pseudonym_destroy(&b);
}

/* The keyed state copied for each number gives libsodium's HMAC: eight
 * random keys, one byte of each set to 00, ff or a pad's own value (36,
 * 5c), 2,000 numbers each, the state reused. */
Test(pseudonym, every_key_and_number_gives_libsodiums_hmac)
{
    uint8_t key[LNOB_PSEUDONYM_KEY_BYTES];
    char nid[LNOB_PSEUDONYM_NID_LEN + 1], out[LNOB_PSEUDONYM_HEX + 1], want[LNOB_PSEUDONYM_HEX + 1];
    for (int k = 0; k < 8; k++) {
        randombytes_buf(key, sizeof key);
        key[k % LNOB_PSEUDONYM_KEY_BYTES] = (uint8_t) (k == 0 ? 0x00 : k == 1 ? 0xff : k == 2 ? 0x36 : 0x5c);
        lnob_pseudonym_t *p = lnob_pseudonym_new(key);
        for (unsigned i = 0; i < 2000; i++) {
            snprintf(nid, sizeof nid, "%c%08u%c", 'A' + i % 26, i * 48271u % 100000000u, 'Z' - i % 26);
            cr_assert_eq(KEY(p, nid, out), LNOB_PSEUDONYM_OK);
            s_expected(key, nid, want);
            cr_assert_str_eq(out, want, "key %d, number %s", k, nid);
        }
        lnob_pseudonym_destroy(&p);
    }
}

/* ---- key files ---------------------------------------------------------------- */

/* Writes a key file with this content and mode; returns its path (static). */
static const char *s_key_file(const char *content, size_t len, mode_t mode)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/lnob_pseudonym_test_XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, len), (ssize_t) len);
    cr_assert_eq(fchmod(fd, mode), 0);
    close(fd);
    return path;
}

#define KEY_FILE(lit, mode) s_key_file((lit), sizeof(lit) - 1, (mode))

Test(pseudonym, key_file_of_64_hex_digits)
{
    static const char *const ok[] = {KEY_HEX_0_31, KEY_HEX_0_31 "\n", KEY_HEX_0_31 "\r\n",
                                     "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *path = s_key_file(ok[i], strlen(ok[i]), 0600);
        char err[256] = "", out[LNOB_PSEUDONYM_HEX + 1];
        lnob_pseudonym_t *p = lnob_pseudonym_new_from_file(path, err, sizeof err);
        cr_assert_not_null(p, "case %zu: %s", i, err);
        KEY(p, "J12345678K", out);
        cr_expect_str_eq(out, KAT_0_31, "case %zu", i);
        lnob_pseudonym_destroy(&p);
        unlink(path);
    }
    const char *path = KEY_FILE(KEY_HEX_0_31, 0400);
    char err[256] = "";
    lnob_pseudonym_t *p = lnob_pseudonym_new_from_file(path, err, sizeof err);
    cr_expect_not_null(p, "read-only for the owner is fine: %s", err);
    lnob_pseudonym_destroy(&p);
    unlink(path);
}

Test(pseudonym, bad_key_files_are_refused_without_showing_the_key)
{
    struct {
        const char *content;
        mode_t mode;
        const char *why;
    } cases[] = {
        {KEY_HEX_0_31, 0640, "is open to group or others (mode 0640): chmod 600 it"},
        {KEY_HEX_0_31, 0604, "is open to group or others (mode 0604)"},
        {KEY_HEX_0_31 "\n\n", 0600, "must hold exactly 64 hex digits"},
        {KEY_HEX_0_31 " ", 0600, "must hold exactly 64 hex digits"},
        {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", 0600,
         "must hold exactly 64 hex digits"},
        {"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g", 0600,
         "must hold exactly 64 hex digits"},
        {"00010203 405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600,
         "must hold exactly 64 hex digits"},
        {"", 0600, "must hold exactly 64 hex digits"},
        {"0000000000000000000000000000000000000000000000000000000000000000\n", 0600,
         "holds an all-zero key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = s_key_file(cases[i].content, strlen(cases[i].content), cases[i].mode);
        char err[256] = "";
        lnob_pseudonym_t *p = lnob_pseudonym_new_from_file(path, err, sizeof err);
        cr_expect_null(p, "case %zu accepted", i);
        cr_expect(strstr(err, path) != NULL, "case %zu: err names the file: %s", i, err);
        cr_expect(strstr(err, cases[i].why) != NULL, "case %zu: %s", i, err);
        cr_expect(strstr(err, "0102030405") == NULL, "case %zu: err shows the key: %s", i, err);
        lnob_pseudonym_destroy(&p);
        unlink(path);
    }
    char err[256] = "";
    cr_expect_null(lnob_pseudonym_new_from_file("/nonexistent/lnob.key", err, sizeof err));
    cr_expect_str_eq(err, "pseudonym key file /nonexistent/lnob.key: No such file or directory");
    cr_expect_null(lnob_pseudonym_new_from_file("/tmp", err, sizeof err));
    cr_expect_str_eq(err, "pseudonym key file /tmp is not a regular file");
    cr_expect_null(lnob_pseudonym_new_from_file(NULL, err, sizeof err));
    cr_expect_str_eq(err, "no pseudonym key file given (there is no default key)");
    cr_expect_null(lnob_pseudonym_new_from_file("", err, sizeof err));
}
