/* lnob/recode.h - text in the encodings hand-made exports come in, as UTF-8.
 *
 * A push decoder: feed it bytes in any chunking and it hands UTF-8 to a
 * callback. It reads UTF-8 (with or without a BOM), UTF-16 with a BOM, and
 * Windows-1252, which also reads ISO-8859-1 (they differ only in 0x80-0x9F,
 * where Latin-1 has unused control codes; browsers do the same). The
 * encoding is configured, or detected from the input itself, so the answer
 * never depends on how the bytes were split: a BOM decides; else the first
 * LNOB_RECODE_SNIFF bytes (the whole input when shorter) are UTF-8 if every
 * sequence in them is well formed, Windows-1252 otherwise. In UTF-8 a byte
 * that is not part of a well-formed sequence later on is read as its
 * Windows-1252 character and counted (lnob_recode_substituted), so no input
 * is ever refused. Also the single-character decoder that name folding uses
 * (lnob_recode_next). Not for: delimiters or CSV (lnob/csv.h), comparing
 * names (lnob_geo_fold), UTF-16 without a BOM (read as bytes). */
#ifndef LNOB_RECODE_H
#define LNOB_RECODE_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/rc.h"

/* Bytes of input looked at to tell UTF-8 from Windows-1252. */
#define LNOB_RECODE_SNIFF 65536

typedef enum {
    LNOB_ENC_AUTO = 0, /* detect (the default) */
    LNOB_ENC_UTF8,
    LNOB_ENC_CP1252,   /* Windows-1252, and ISO-8859-1 read as it */
    LNOB_ENC_UTF16LE,  /* only with a BOM when detected */
    LNOB_ENC_UTF16BE
} lnob_encoding_t;

typedef struct lnob_recode lnob_recode_t;

/* Called with each run of decoded UTF-8 (borrowed for the call). Return
 * LNOB_OK to go on; anything else stops the decoder with that rc. */
typedef int (*lnob_recode_fn)(void *arg, const char *utf8, size_t len);

/* Returns a decoder for enc (LNOB_ENC_AUTO: detect) that calls fn(arg, ...).
 * A BOM of the encoding in use is dropped, never passed on. */
lnob_recode_t *lnob_recode_new(lnob_encoding_t enc, lnob_recode_fn fn, void *arg);
/* NULL-safe; NULLs *self_p. */
void lnob_recode_destroy(lnob_recode_t **self_p);
/* Feeds len bytes. Returns LNOB_OK or the first non-OK rc of fn. */
int lnob_recode_feed(lnob_recode_t *self, const char *buf, size_t len);
/* Ends the input: decides the encoding if still open and flushes what is
 * held (an incomplete sequence at the end is substituted). Same returns. */
int lnob_recode_finish(lnob_recode_t *self);
/* The encoding in use: LNOB_ENC_AUTO until detection has decided. */
lnob_encoding_t lnob_recode_encoding(const lnob_recode_t *self);
/* 1 if the input began with the BOM of the encoding in use. */
int lnob_recode_bom(const lnob_recode_t *self);
/* Bytes (or UTF-16 units) that were not valid in the encoding in use and
 * were read as Windows-1252 characters (UTF-8) or U+FFFD (UTF-16). */
uint64_t lnob_recode_substituted(const lnob_recode_t *self);

/* 1 if text[0..len) is cleanly decoded text: well-formed UTF-8 holding no
 * control character (C0, DEL or C1: a NUL, or one of the five bytes
 * Windows-1252 leaves undefined) and no U+FFFD (what broken UTF-16, or an
 * earlier program that could not decode it, leaves). For labels. */
int lnob_recode_text_ok(const char *text, size_t len);
/* 1 if text[0..len) is well-formed UTF-8 (any characters). */
int lnob_recode_utf8(const char *text, size_t len);
/* Replaces, in place, every byte of text[0..len) that is not part of a
 * well-formed UTF-8 sequence with '?'; returns how many. The last guard
 * for strings that must be UTF-8 (the wire, quarantine rows). */
size_t lnob_recode_scrub(char *text, size_t len);

/* "utf-8", "windows-1252", "utf-16le", "utf-16be" or "auto". */
const char *lnob_recode_encoding_name(lnob_encoding_t enc);
/* Parses a name, any case: auto, utf-8/utf8, windows-1252/cp1252/
 * iso-8859-1/latin1, utf-16le, utf-16be. Returns 0, or -1 if unknown. */
int lnob_recode_encoding_parse(const char *name, lnob_encoding_t *out);

/* One character of s[0..len) at *i, advancing *i: a well-formed UTF-8
 * sequence, else the single byte read as Windows-1252. For code that
 * compares text of unknown encoding (names). */
uint32_t lnob_recode_next(const unsigned char *s, size_t len, size_t *i);
/* The Unicode character of a Windows-1252 byte. */
uint32_t lnob_recode_cp1252(unsigned char b);

#endif
