/* recode_test.c - encodings to UTF-8 (lnob/recode.h): detection, BOMs,
 * Windows-1252, UTF-16, bytes that are not valid, and the same output for
 * any chunking. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/recode.h"

typedef struct {
    char *s;
    size_t n;
    size_t calls;
} out_t;

static int s_collect(void *arg, const char *utf8, size_t len)
{
    out_t *o = arg;
    cr_assert_gt(len, 0, "empty run handed out");
    o->s = realloc(o->s, o->n + len + 1);
    memcpy(o->s + o->n, utf8, len);
    o->n += len;
    o->s[o->n] = '\0';
    o->calls++;
    return LNOB_OK;
}

/* Decodes in[0..len) chunk bytes at a time (0: whole); returns the text. */
static out_t s_decode(lnob_encoding_t enc, const char *in, size_t len, size_t chunk,
                      lnob_encoding_t *used, uint64_t *subst, int *bom)
{
    out_t o = {0};
    lnob_recode_t *r = lnob_recode_new(enc, s_collect, &o);
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk)
        cr_assert_eq(lnob_recode_feed(r, in + off, len - off < chunk ? len - off : chunk), LNOB_OK);
    cr_assert_eq(lnob_recode_finish(r), LNOB_OK);
    if (used)
        *used = lnob_recode_encoding(r);
    if (subst)
        *subst = lnob_recode_substituted(r);
    if (bom)
        *bom = lnob_recode_bom(r);
    lnob_recode_destroy(&r);
    cr_assert_null(r);
    if (!o.s)
        o.s = calloc(1, 1);
    return o;
}

#define DECODE(enc, lit, chunk, used, subst, bom) s_decode((enc), (lit), sizeof(lit) - 1, (chunk), (used), (subst), (bom))

Test(recode, ascii_and_utf8_are_utf8)
{
    lnob_encoding_t e;
    uint64_t sub;
    int bom;
    out_t o = DECODE(LNOB_ENC_AUTO, "Bashkia,Gjinia\n", 0, &e, &sub, &bom);
    cr_expect_str_eq(o.s, "Bashkia,Gjinia\n");
    cr_expect_eq(e, LNOB_ENC_UTF8);
    cr_expect_eq(sub, 0);
    cr_expect_eq(bom, 0);
    free(o.s);
    o = DECODE(LNOB_ENC_AUTO, "Korçë,Datëlindja\n", 0, &e, &sub, NULL);
    cr_expect_str_eq(o.s, "Korçë,Datëlindja\n");
    cr_expect_eq(e, LNOB_ENC_UTF8);
    free(o.s);
}

Test(recode, utf8_bom_is_dropped)
{
    lnob_encoding_t e;
    int bom;
    out_t o = DECODE(LNOB_ENC_AUTO, "\xEF\xBB\xBF" "Emri\n", 0, &e, NULL, &bom);
    cr_expect_str_eq(o.s, "Emri\n");
    cr_expect_eq(e, LNOB_ENC_UTF8);
    cr_expect_eq(bom, 1);
    free(o.s);
    /* configured UTF-8 drops it too, whatever the chunking */
    o = DECODE(LNOB_ENC_UTF8, "\xEF\xBB\xBF" "Emri\n", 1, &e, NULL, &bom);
    cr_expect_str_eq(o.s, "Emri\n");
    cr_expect_eq(bom, 1);
    free(o.s);
}

Test(recode, cp1252_letters_are_detected_and_converted)
{
    lnob_encoding_t e;
    uint64_t sub;
    /* ë ç Ë Ç are single bytes EB E7 CB C7; the euro sign and curly quotes are 0x80-0x9F */
    out_t o = DECODE(LNOB_ENC_AUTO, "Kor\xE7\xEB;\xCB\xC7;\x80;\x93x\x94\n", 0, &e, &sub, NULL);
    cr_expect_str_eq(o.s, "Korçë;ËÇ;€;“x”\n");
    cr_expect_eq(e, LNOB_ENC_CP1252);
    cr_expect_eq(sub, 0, "nothing is substituted in Windows-1252");
    free(o.s);
    /* ISO-8859-1 is read as Windows-1252; undefined bytes map to C1 controls */
    o = DECODE(LNOB_ENC_CP1252, "\x81\xFF", 0, &e, NULL, NULL);
    cr_expect_str_eq(o.s, "\xC2\x81\xC3\xBF");
    cr_expect_eq(e, LNOB_ENC_CP1252);
    free(o.s);
}

Test(recode, a_configured_encoding_wins)
{
    lnob_encoding_t e;
    /* "Ã«" in Windows-1252 is the UTF-8 of ë: configured, it stays two letters */
    out_t o = DECODE(LNOB_ENC_CP1252, "\xC3\xAB", 0, &e, NULL, NULL);
    cr_expect_str_eq(o.s, "Ã«");
    cr_expect_eq(e, LNOB_ENC_CP1252);
    free(o.s);
    o = DECODE(LNOB_ENC_AUTO, "\xC3\xAB", 0, &e, NULL, NULL);
    cr_expect_str_eq(o.s, "ë");
    cr_expect_eq(e, LNOB_ENC_UTF8);
    free(o.s);
}

Test(recode, utf16_with_bom)
{
    lnob_encoding_t e;
    uint64_t sub;
    int bom;
    /* "Kë\n" and U+1F600 (a surrogate pair) */
    static const char le[] = "\xFF\xFE" "K\0\xEB\0\n\0" "\x3D\xD8\x00\xDE";
    static const char be[] = "\xFE\xFF" "\0K\0\xEB\0\n" "\xD8\x3D\xDE\x00";
    for (size_t chunk = 0; chunk < 4; chunk++) {
        out_t o = s_decode(LNOB_ENC_AUTO, le, sizeof le - 1, chunk, &e, &sub, &bom);
        cr_expect_str_eq(o.s, "Kë\n\xF0\x9F\x98\x80", "chunk %zu", chunk);
        cr_expect_eq(e, LNOB_ENC_UTF16LE);
        cr_expect_eq(bom, 1);
        cr_expect_eq(sub, 0);
        free(o.s);
        o = s_decode(LNOB_ENC_AUTO, be, sizeof be - 1, chunk, &e, &sub, NULL);
        cr_expect_str_eq(o.s, "Kë\n\xF0\x9F\x98\x80", "chunk %zu", chunk);
        cr_expect_eq(e, LNOB_ENC_UTF16BE);
        free(o.s);
    }
    /* a lone surrogate and an odd last byte become U+FFFD, counted */
    out_t o = DECODE(LNOB_ENC_AUTO, "\xFF\xFE" "\x00\xDC" "A", 0, &e, &sub, NULL);
    cr_expect_str_eq(o.s, "\xEF\xBF\xBD\xEF\xBF\xBD");
    cr_expect_eq(sub, 2);
    free(o.s);
}

Test(recode, bad_utf8_after_the_sniff_window_reads_as_cp1252)
{
    size_t n = LNOB_RECODE_SNIFF + 10;
    char *in = malloc(n);
    memset(in, 'a', n);
    memcpy(in + 5, "ë", 2);   /* valid UTF-8 inside the window */
    in[n - 3] = '\xEB';      /* a Windows-1252 ë after it */
    lnob_encoding_t e;
    uint64_t sub;
    for (size_t chunk = 0; chunk < 3; chunk++) {
        out_t o = s_decode(LNOB_ENC_AUTO, in, n, chunk ? chunk * 4093 : 0, &e, &sub, NULL);
        cr_expect_eq(e, LNOB_ENC_UTF8);
        cr_expect_eq(sub, 1);
        cr_expect_eq(o.n, n + 1, "ë twice as 2 bytes");
        cr_expect(memcmp(o.s + n - 3, "ë", 2) == 0);
        free(o.s);
    }
    free(in);
}

Test(recode, overlongs_surrogates_and_cut_sequences_are_not_utf8)
{
    lnob_encoding_t e;
    static const char *const bad[] = {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                      "ab\xC3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out_t o = s_decode(LNOB_ENC_AUTO, bad[i], strlen(bad[i]), 0, &e, NULL, NULL);
        cr_expect_eq(e, LNOB_ENC_CP1252, "case %zu", i);
        free(o.s);
    }
    /* configured UTF-8: a sequence cut by the end of input is substituted */
    uint64_t sub;
    out_t o = DECODE(LNOB_ENC_UTF8, "ab\xC3", 1, &e, &sub, NULL);
    cr_expect_str_eq(o.s, "abÃ");
    cr_expect_eq(sub, 1);
    free(o.s);
}

Test(recode, any_chunking_gives_the_same_text)
{
    static const char in[] = "Bashkia;Kategoria\nKor\xE7\xEB;\"Rom/F\xEBmij\xEB\"\r\n";
    out_t whole = DECODE(LNOB_ENC_AUTO, in, 0, NULL, NULL, NULL);
    for (size_t chunk = 1; chunk < sizeof in; chunk++) {
        out_t o = DECODE(LNOB_ENC_AUTO, in, chunk, NULL, NULL, NULL);
        cr_expect_str_eq(o.s, whole.s, "chunk %zu", chunk);
        free(o.s);
    }
    static const char u8[] = "Shkodër;Qendër ditore;€\n";
    out_t w8 = DECODE(LNOB_ENC_UTF8, u8, 0, NULL, NULL, NULL);
    for (size_t chunk = 1; chunk < sizeof u8; chunk++) {
        out_t o = DECODE(LNOB_ENC_UTF8, u8, chunk, NULL, NULL, NULL);
        cr_expect_str_eq(o.s, w8.s, "chunk %zu", chunk);
        free(o.s);
    }
    cr_expect_str_eq(w8.s, u8);
    free(whole.s);
    free(w8.s);
}

static int s_stop(void *arg, const char *utf8, size_t len)
{
    (void) utf8;
    (void) len;
    ++*(int *) arg;
    return LNOB_AGAIN;
}

Test(recode, the_callback_rc_stops_it)
{
    int calls = 0;
    lnob_recode_t *r = lnob_recode_new(LNOB_ENC_UTF8, s_stop, &calls);
    cr_expect_eq(lnob_recode_feed(r, "abcdef", 6), LNOB_AGAIN);
    cr_expect_eq(lnob_recode_feed(r, "abcdef", 6), LNOB_AGAIN);
    cr_expect_eq(lnob_recode_finish(r), LNOB_AGAIN);
    cr_expect_eq(calls, 1);
    lnob_recode_destroy(&r);
    lnob_recode_destroy(&r);
}

Test(recode, names_and_single_characters)
{
    lnob_encoding_t e;
    cr_expect_eq(lnob_recode_encoding_parse("UTF8", &e), 0);
    cr_expect_eq(e, LNOB_ENC_UTF8);
    cr_expect_eq(lnob_recode_encoding_parse("iso-8859-1", &e), 0);
    cr_expect_eq(e, LNOB_ENC_CP1252);
    cr_expect_eq(lnob_recode_encoding_parse("Latin1", &e), 0);
    cr_expect_eq(e, LNOB_ENC_CP1252);
    cr_expect_eq(lnob_recode_encoding_parse("auto", &e), 0);
    cr_expect_eq(e, LNOB_ENC_AUTO);
    cr_expect_eq(lnob_recode_encoding_parse("ebcdic", &e), -1);
    cr_expect_str_eq(lnob_recode_encoding_name(LNOB_ENC_CP1252), "windows-1252");
    cr_expect_str_eq(lnob_recode_encoding_name(LNOB_ENC_UTF16BE), "utf-16be");
    const unsigned char s[] = "\xC3\xAB\xEB\x9A";
    size_t i = 0;
    cr_expect_eq(lnob_recode_next(s, 4, &i), 0xEB);
    cr_expect_eq(i, 2);
    cr_expect_eq(lnob_recode_next(s, 4, &i), 0xEB);
    cr_expect_eq(lnob_recode_next(s, 4, &i), 0x161);
    cr_expect_eq(i, 4);
    cr_expect_eq(lnob_recode_cp1252(0x80), 0x20AC);
    cr_expect_eq(lnob_recode_cp1252('A'), 'A');
}

/* Well-formed UTF-8 is handed out without a copy: the fast path of every
 * UTF-8 input (the merged SILC file of millions of rows). */
static int s_same_pointer(void *arg, const char *utf8, size_t len)
{
    const char **expect = arg;
    cr_expect_eq(utf8, expect[0], "handed out in place");
    cr_expect_eq(len, (size_t) (expect[1] - expect[0]));
    return LNOB_OK;
}

Test(recode, well_formed_utf8_is_handed_out_in_place)
{
    static const char in[] = "DB030,RB030,DB040\n1,101,Qend\xC3\xABr\n1,102,Durr\xC3\xABs\n";
    const char *expect[2] = {in, in + sizeof in - 1};
    lnob_recode_t *r = lnob_recode_new(LNOB_ENC_UTF8, s_same_pointer, expect);
    cr_assert_eq(lnob_recode_feed(r, "\xEF\xBB\xBF", 3), LNOB_OK); /* the BOM decides */
    cr_assert_eq(lnob_recode_feed(r, in, sizeof in - 1), LNOB_OK);
    cr_assert_eq(lnob_recode_finish(r), LNOB_OK);
    lnob_recode_destroy(&r);
}

Test(recode, clean_text)
{
    cr_expect_eq(lnob_recode_text_ok("Qend\xC3\xABr", 7), 1);
    cr_expect_eq(lnob_recode_text_ok("", 0), 1);
    cr_expect_eq(lnob_recode_text_ok("A\0L01", 5), 0, "NUL");
    cr_expect_eq(lnob_recode_text_ok("Qend\xEBr", 6), 0, "not UTF-8");
    cr_expect_eq(lnob_recode_text_ok("Qend\xEF\xBF\xBDr", 8), 0, "U+FFFD");
    cr_expect_eq(lnob_recode_text_ok("Qend\xC2\x81r", 7), 0, "C1 control (an undefined Windows-1252 byte)");
    cr_expect_eq(lnob_recode_text_ok("a\tb", 3), 0, "C0 control");
    cr_expect_eq(lnob_recode_text_ok("\xC3", 1), 0, "cut sequence");
}

Test(recode, scrub_makes_any_bytes_utf8_in_place)
{
    char s[] = "Qend\xEBr \xC3\xAB \xC3 \xED\xA0\x80 \xF0\x9F\x98\x80";
    cr_expect_eq(lnob_recode_scrub(s, sizeof s - 1), 5);
    cr_expect_str_eq(s, "Qend?r \xC3\xAB ? ??? \xF0\x9F\x98\x80");
    char ok[] = "Durr\xC3\xABs";
    cr_expect_eq(lnob_recode_scrub(ok, sizeof ok - 1), 0);
    cr_expect_str_eq(ok, "Durr\xC3\xABs");
}
