/* recode.c - UTF-8, UTF-16 and Windows-1252 input to UTF-8 (lnob/recode.h).
 *
 * Windows-1252 is a table of the 32 characters of 0x80-0x9F; 0xA0-0xFF are
 * U+00A0-U+00FF. The five bytes Windows-1252 leaves undefined map to the C1
 * controls of the same value, as in the WHATWG encoding standard, so every
 * byte has a character and nothing is refused. An incomplete sequence at the
 * end of a feed is held (at most three bytes) and completed by the next. */
#include "lnob/recode.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/mem.h"

#define BOM_MAX 3          /* longest BOM; a configured encoding holds this much */
#define CARRY_MAX 4        /* bytes of an incomplete sequence held between feeds */
#define CARRY_PEEK 8       /* bytes of the next feed joined to a held sequence */
#define REPLACEMENT 0xFFFD /* U+FFFD, for broken UTF-16 */
#define ASCII_MASK 0x8080808080808080ull /* the high bits of eight bytes */
#define SCRUB_CHAR '?'     /* what lnob_recode_scrub puts for a bad byte */

struct lnob_recode {
    lnob_encoding_t want;  /* as configured */
    lnob_encoding_t enc;   /* in use; LNOB_ENC_AUTO until decided */
    lnob_recode_fn fn;
    void *arg;
    int rc;
    int bom;
    unsigned char *head;   /* the first input, held until the encoding is decided */
    size_t n_head, head_need;
    unsigned char carry[CARRY_MAX];
    size_t n_carry;
    char *out;             /* decoded text of the current feed */
    size_t n_out, cap_out;
    uint64_t substituted;
};

static const uint16_t s_cp1252_80[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

uint32_t lnob_recode_cp1252(unsigned char b)
{
    return b >= 0x80 && b < 0xA0 ? s_cp1252_80[b - 0x80] : b;
}

/* ---- UTF-8 sequences ---------------------------------------------------- */

/* The well-formed sequence at s (Unicode Table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF): its length with *cp set; 0 if the
 * avail bytes are a valid beginning of one; -1 if s does not begin one. */
static int s_utf8_seq(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    int n;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF)
        n = 2;
    else if (b >= 0xE0 && b <= 0xEF)
        n = 3;
    else if (b >= 0xF0 && b <= 0xF4)
        n = 4;
    else
        return -1;
    if (b == 0xE0)
        lo = 0xA0;
    else if (b == 0xED)
        hi = 0x9F;
    else if (b == 0xF0)
        lo = 0x90;
    else if (b == 0xF4)
        hi = 0x8F;
    uint32_t c = b & (0x7F >> n);
    for (int k = 1; k < n; k++) {
        if ((size_t) k >= avail)
            return 0;
        if (s[k] < lo || s[k] > hi)
            return -1;
        c = (c << 6) | (s[k] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = c;
    return n;
}

uint32_t lnob_recode_next(const unsigned char *s, size_t len, size_t *i)
{
    uint32_t cp;
    int n = s_utf8_seq(s + *i, len - *i, &cp);
    if (n > 0) {
        *i += (size_t) n;
        return cp;
    }
    return lnob_recode_cp1252(s[(*i)++]);
}

/* Length of the longest prefix of s[0..len) made of whole well-formed
 * sequences: the fast path, eight ASCII bytes at a time. */
static size_t s_valid_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    uint32_t cp;
    while (i < len) {
        uint64_t w;
        while (i + sizeof w <= len && (memcpy(&w, s + i, sizeof w), (w & ASCII_MASK) == 0))
            i += sizeof w;
        while (i < len && s[i] < 0x80)
            i++;
        if (i == len)
            break;
        int n = s_utf8_seq(s + i, len - i, &cp);
        if (n <= 0)
            break;
        i += (size_t) n;
    }
    return i;
}

/* 1 if s[0..len) is well-formed UTF-8; a sequence cut by the end counts as
 * well formed unless the input ends there. */
static int s_is_utf8(const unsigned char *s, size_t len, int final)
{
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        int n = s_utf8_seq(s + i, len - i, &cp);
        if (n < 0 || (n == 0 && final))
            return 0;
        if (n == 0)
            return 1;
        i += (size_t) n;
    }
    return 1;
}

/* ---- output ------------------------------------------------------------- */

static void s_put(lnob_recode_t *self, const void *s, size_t n)
{
    lnob_grow((void **) &self->out, &self->cap_out, self->n_out + n, 1);
    memcpy(self->out + self->n_out, s, n);
    self->n_out += n;
}

static void s_put_cp(lnob_recode_t *self, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char) cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char) (0xC0 | (cp >> 6));
        u[1] = (unsigned char) (0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char) (0xE0 | (cp >> 12));
        u[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char) (0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char) (0xF0 | (cp >> 18));
        u[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
        u[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        u[3] = (unsigned char) (0x80 | (cp & 0x3F));
        n = 4;
    }
    s_put(self, u, n);
}

static int s_flush(lnob_recode_t *self)
{
    if (self->n_out && self->rc == LNOB_OK)
        self->rc = self->fn(self->arg, self->out, self->n_out);
    self->n_out = 0;
    return self->rc;
}

/* ---- decoders: each returns the bytes consumed; unless final, an
 * incomplete sequence at the end is left unconsumed -------------------- */

/* The length of the run of ASCII bytes at s[0..len). */
static size_t s_ascii_run(const unsigned char *s, size_t len)
{
    size_t j = 0;
    while (j < len && s[j] < 0x80)
        j++;
    return j;
}

static size_t s_utf8(lnob_recode_t *self, const unsigned char *s, size_t len, int final)
{
    size_t i = 0;
    while (i < len) {
        size_t run = s_ascii_run(s + i, len - i);
        if (run) {
            s_put(self, s + i, run);
            i += run;
            continue;
        }
        uint32_t cp;
        int n = s_utf8_seq(s + i, len - i, &cp);
        if (n > 0) {
            s_put(self, s + i, (size_t) n);
            i += (size_t) n;
        } else if (n == 0 && !final) {
            break;
        } else {
            s_put_cp(self, lnob_recode_cp1252(s[i++]));
            self->substituted++;
        }
    }
    return i;
}

static size_t s_cp1252(lnob_recode_t *self, const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t run = s_ascii_run(s + i, len - i); /* as they are, in one copy */
        if (run)
            s_put(self, s + i, run);
        i += run;
        if (i < len)
            s_put_cp(self, lnob_recode_cp1252(s[i++]));
    }
    return len;
}

static size_t s_utf16(lnob_recode_t *self, const unsigned char *s, size_t len, int final)
{
    int be = self->enc == LNOB_ENC_UTF16BE;
#define UNIT(k) (be ? (uint32_t) (s[k] << 8 | s[(k) + 1]) : (uint32_t) (s[(k) + 1] << 8 | s[k]))
    size_t i = 0;
    while (i + 1 < len) {
        uint32_t u = UNIT(i), cp = u;
        size_t n = 2;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 3 >= len && !final)
                break;
            uint32_t lo = i + 3 < len ? UNIT(i + 2) : 0;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                n = 4;
            } else {
                cp = REPLACEMENT;
            }
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            cp = REPLACEMENT;
        }
        self->substituted += cp == REPLACEMENT;
        s_put_cp(self, cp);
        i += n;
    }
#undef UNIT
    if (i < len && final) { /* an odd last byte */
        s_put_cp(self, REPLACEMENT);
        self->substituted++;
        i = len;
    }
    return i;
}

static size_t s_decode(lnob_recode_t *self, const unsigned char *s, size_t len, int final)
{
    switch (self->enc) {
    case LNOB_ENC_CP1252:
        return s_cp1252(self, s, len);
    case LNOB_ENC_UTF16LE:
    case LNOB_ENC_UTF16BE:
        return s_utf16(self, s, len, final);
    default:
        return s_utf8(self, s, len, final);
    }
}

/* Decodes the held sequence, then s, holding a new incomplete end. */
static int s_run(lnob_recode_t *self, const unsigned char *s, size_t len, int final)
{
    size_t off = 0;
    if (self->n_carry) {
        unsigned char tmp[CARRY_MAX + CARRY_PEEK];
        size_t k = len < CARRY_PEEK ? len : CARRY_PEEK, m = self->n_carry + k;
        memcpy(tmp, self->carry, self->n_carry);
        if (k)
            memcpy(tmp + self->n_carry, s, k);
        size_t used = s_decode(self, tmp, m, final && k == len);
        if (used < self->n_carry) { /* all of s joined the incomplete end */
            memmove(self->carry, tmp + used, m - used);
            self->n_carry = m - used;
            return s_flush(self);
        }
        off = used - self->n_carry;
        self->n_carry = 0;
    }
    size_t used = s_decode(self, s + off, len - off, final);
    self->n_carry = len - off - used;
    memcpy(self->carry, s + off + used, self->n_carry);
    return s_flush(self);
}

/* ---- detection ---------------------------------------------------------- */

static int s_starts(const unsigned char *s, size_t n, const char *bom, size_t bom_len)
{
    return n >= bom_len && memcmp(s, bom, bom_len) == 0;
}

/* Settles the encoding from the held head (the whole input if final), then
 * decodes the head without its BOM. */
static int s_decide(lnob_recode_t *self, int final)
{
    const unsigned char *s = self->head;
    size_t n = self->n_head, skip = 0;
    lnob_encoding_t e = self->want;
    if (e == LNOB_ENC_AUTO) {
        if (s_starts(s, n, "\xEF\xBB\xBF", 3))
            e = LNOB_ENC_UTF8;
        else if (s_starts(s, n, "\xFF\xFE", 2))
            e = LNOB_ENC_UTF16LE;
        else if (s_starts(s, n, "\xFE\xFF", 2))
            e = LNOB_ENC_UTF16BE;
        else
            e = s_is_utf8(s, n, final) ? LNOB_ENC_UTF8 : LNOB_ENC_CP1252;
    }
    if (e == LNOB_ENC_UTF8 && s_starts(s, n, "\xEF\xBB\xBF", 3))
        skip = 3;
    else if ((e == LNOB_ENC_UTF16LE && s_starts(s, n, "\xFF\xFE", 2)) ||
             (e == LNOB_ENC_UTF16BE && s_starts(s, n, "\xFE\xFF", 2)))
        skip = 2;
    self->enc = e;
    self->bom = skip > 0;
    int rc = s_run(self, s + skip, n - skip, final);
    free(self->head);
    self->head = NULL;
    self->n_head = 0;
    return rc;
}

/* ---- public API ----------------------------------------------------------- */

lnob_recode_t *lnob_recode_new(lnob_encoding_t enc, lnob_recode_fn fn, void *arg)
{
    lnob_recode_t *self = lnob_calloc(1, sizeof *self);
    self->want = enc;
    self->fn = fn;
    self->arg = arg;
    self->head_need = enc == LNOB_ENC_AUTO ? LNOB_RECODE_SNIFF : BOM_MAX;
    self->head = lnob_malloc(self->head_need);
    return self;
}

void lnob_recode_destroy(lnob_recode_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_recode_t *self = *self_p;
    free(self->head);
    free(self->out);
    free(self);
    *self_p = NULL;
}

int lnob_recode_feed(lnob_recode_t *self, const char *buf, size_t len)
{
    const unsigned char *s = (const unsigned char *) buf;
    if (self->rc != LNOB_OK || len == 0)
        return self->rc;
    if (self->enc == LNOB_ENC_AUTO) {
        size_t k = self->head_need - self->n_head;
        k = k < len ? k : len;
        memcpy(self->head + self->n_head, s, k);
        self->n_head += k;
        s += k;
        len -= k;
        if (self->n_head < self->head_need || s_decide(self, 0) != LNOB_OK)
            return self->rc;
    }
    if (self->enc == LNOB_ENC_UTF8 && !self->n_carry && len) {
        /* well-formed UTF-8 goes to fn as it is, without a copy */
        size_t ok = s_valid_prefix(s, len);
        if (ok && (self->rc = self->fn(self->arg, (const char *) s, ok)) != LNOB_OK)
            return self->rc;
        s += ok;
        len -= ok;
    }
    return len ? s_run(self, s, len, 0) : self->rc;
}

int lnob_recode_finish(lnob_recode_t *self)
{
    if (self->rc != LNOB_OK)
        return self->rc;
    if (self->enc == LNOB_ENC_AUTO)
        return s_decide(self, 1);
    static const unsigned char none[1];
    return self->n_carry ? s_run(self, none, 0, 1) : self->rc;
}

/* ---- decoded text ------------------------------------------------------- */

int lnob_recode_text_ok(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *) text;
    for (size_t i = 0; i < len;) {
        if (s[i] >= 0x20 && s[i] < 0x7F) { /* printable ASCII, most labels */
            i++;
            continue;
        }
        uint32_t cp;
        int n = s_utf8_seq(s + i, len - i, &cp);
        if (n <= 0 || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == REPLACEMENT)
            return 0;
        i += (size_t) n;
    }
    return 1;
}

int lnob_recode_utf8(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *) text;
    return s_valid_prefix(s, len) == len;
}

size_t lnob_recode_scrub(char *text, size_t len)
{
    unsigned char *s = (unsigned char *) text;
    size_t bad = 0;
    for (size_t i = s_valid_prefix(s, len); i < len;) {
        uint32_t cp;
        int n = s_utf8_seq(s + i, len - i, &cp);
        if (n > 0) {
            i += (size_t) n;
            continue;
        }
        s[i++] = SCRUB_CHAR;
        bad++;
    }
    return bad;
}

lnob_encoding_t lnob_recode_encoding(const lnob_recode_t *self) { return self->enc; }
int lnob_recode_bom(const lnob_recode_t *self) { return self->bom; }
uint64_t lnob_recode_substituted(const lnob_recode_t *self) { return self->substituted; }

static const struct {
    const char *name;
    lnob_encoding_t enc;
} s_names[] = {
    {"auto", LNOB_ENC_AUTO},           {"utf-8", LNOB_ENC_UTF8},
    {"windows-1252", LNOB_ENC_CP1252}, {"utf-16le", LNOB_ENC_UTF16LE},
    {"utf-16be", LNOB_ENC_UTF16BE},    {"utf8", LNOB_ENC_UTF8},
    {"cp1252", LNOB_ENC_CP1252},       {"iso-8859-1", LNOB_ENC_CP1252},
    {"latin1", LNOB_ENC_CP1252},       {"latin-1", LNOB_ENC_CP1252},
};

const char *lnob_recode_encoding_name(lnob_encoding_t enc)
{
    for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++)
        if (s_names[i].enc == enc)
            return s_names[i].name;
    return "?";
}

int lnob_recode_encoding_parse(const char *name, lnob_encoding_t *out)
{
    for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++)
        if (strcasecmp(s_names[i].name, name) == 0) {
            *out = s_names[i].enc;
            return 0;
        }
    return -1;
}
