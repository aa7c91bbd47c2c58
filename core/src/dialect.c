/* dialect.c - delimited text in any encoding and delimiter, as CSV rows
 * (lnob/dialect.h).
 *
 * The bytes go through three stages: the decoder (lnob/recode.h) turns
 * them into UTF-8; until the header row is complete the text is held here
 * to count the candidate delimiters in it; then the CSV reader (lnob/csv.h)
 * gives rows. Well-formed UTF-8 passes the decoder without a copy, so a
 * UTF-8 comma file costs one scan more than the CSV reader alone. */
#include "lnob/dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

#define DELIMS 3

static const char s_delims[DELIMS] = {';', '\t', ','}; /* ties go to the first */

struct lnob_dialect {
    lnob_encoding_t want_enc;
    char want_delim;
    lnob_csv_row_fn fn;
    void *arg;
    lnob_recode_t *recode;
    char *head;         /* decoded text held until the header row is whole */
    size_t n_head, cap_head, head_scan;
    int head_quoted;
    size_t delim_count[DELIMS];
    char delim;
    unsigned max_lines; /* 0: the CSV reader's default */
    lnob_csv_t *csv;
};

/* A CSV reader with the bounds asked for. */
static lnob_csv_t *s_csv_new(const lnob_dialect_t *self, char delim)
{
    lnob_csv_t *csv = lnob_csv_new(delim, self->fn, self->arg);
    if (self->max_lines)
        lnob_csv_set_max_lines(csv, self->max_lines);
    return csv;
}

void lnob_dialect_set_max_lines(lnob_dialect_t *self, unsigned max_lines)
{
    self->max_lines = max_lines;
    if (self->csv)
        lnob_csv_set_max_lines(self->csv, max_lines);
}

/* Starts the CSV reader once the delimiter is known, and hands it the text
 * held so far. */
static int s_start_csv(lnob_dialect_t *self)
{
    if (!self->delim) {
        size_t best = 0;
        self->delim = ',';
        for (size_t k = 0; k < DELIMS; k++)
            if (self->delim_count[k] > best) {
                best = self->delim_count[k];
                self->delim = s_delims[k];
            }
    }
    self->csv = s_csv_new(self, self->delim);
    int rc = self->n_head ? lnob_csv_feed(self->csv, self->head, self->n_head) : LNOB_OK;
    free(self->head);
    self->head = NULL;
    self->n_head = 0;
    return rc;
}

/* Decoded text: held and searched for the end of the header row (a newline
 * outside quotes), counting delimiters on the way, until the row is whole;
 * then straight to the CSV reader. */
static int s_text(void *arg, const char *s, size_t len)
{
    lnob_dialect_t *self = arg;
    if (self->csv)
        return lnob_csv_feed(self->csv, s, len);
    lnob_grow((void **) &self->head, &self->cap_head, self->n_head + len, 1);
    memcpy(self->head + self->n_head, s, len);
    self->n_head += len;
    int whole = 0;
    for (; self->head_scan < self->n_head && !whole; self->head_scan++) {
        char c = self->head[self->head_scan];
        if (c == '"')
            self->head_quoted = !self->head_quoted;
        else if (self->head_quoted)
            continue;
        else if (c == '\n')
            whole = 1;
        for (size_t k = 0; k < DELIMS; k++)
            self->delim_count[k] += c == s_delims[k];
    }
    return whole || self->n_head >= LNOB_DIALECT_SNIFF ? s_start_csv(self) : LNOB_OK;
}

lnob_dialect_t *lnob_dialect_new(lnob_encoding_t enc, char delim, lnob_csv_row_fn fn, void *arg)
{
    lnob_dialect_t *self = lnob_calloc(1, sizeof *self);
    self->want_enc = enc;
    self->want_delim = self->delim = delim;
    self->fn = fn;
    self->arg = arg;
    self->recode = lnob_recode_new(enc, s_text, self);
    if (delim)
        self->csv = lnob_csv_new(delim, fn, arg);
    return self;
}

void lnob_dialect_destroy(lnob_dialect_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_dialect_t *self = *self_p;
    lnob_recode_destroy(&self->recode);
    lnob_csv_destroy(&self->csv);
    free(self->head);
    free(self);
    *self_p = NULL;
}

int lnob_dialect_feed(lnob_dialect_t *self, const char *buf, size_t len)
{
    return lnob_recode_feed(self->recode, buf, len);
}

int lnob_dialect_finish(lnob_dialect_t *self)
{
    int rc = lnob_recode_finish(self->recode);
    if (rc == LNOB_OK && !self->csv)
        rc = s_start_csv(self);
    return rc == LNOB_OK ? lnob_csv_finish(self->csv) : rc;
}

lnob_encoding_t lnob_dialect_encoding(const lnob_dialect_t *self)
{
    return lnob_recode_encoding(self->recode);
}

char lnob_dialect_delimiter(const lnob_dialect_t *self) { return self->csv ? self->delim : 0; }

uint64_t lnob_dialect_substituted(const lnob_dialect_t *self)
{
    return lnob_recode_substituted(self->recode);
}

int lnob_dialect_plain(const lnob_dialect_t *self)
{
    return lnob_dialect_encoding(self) == LNOB_ENC_UTF8 && lnob_dialect_delimiter(self) == ',' &&
           !lnob_dialect_substituted(self);
}

const char *lnob_dialect_delim_name(char delim, char buf[8])
{
    if (delim == '\t')
        return "tab";
    snprintf(buf, 8, "'%c'", delim ? delim : ',');
    return buf;
}

const char *lnob_dialect_describe(const lnob_dialect_t *self, char *out, size_t cap)
{
    char d[8];
    lnob_encoding_t enc = lnob_dialect_encoding(self);
    uint64_t sub = lnob_dialect_substituted(self);
    int n = snprintf(out, cap, "encoding %s%s (%s); delimiter %s (%s)", lnob_recode_encoding_name(enc),
                     lnob_recode_bom(self->recode) ? " with BOM" : "",
                     self->want_enc == LNOB_ENC_AUTO ? "detected" : "configured",
                     lnob_dialect_delim_name(self->delim, d), self->want_delim ? "configured" : "detected");
    if (sub && n > 0 && (size_t) n < cap)
        snprintf(out + n, cap - (size_t) n, "; %llu bytes not valid in %s read as %s", (unsigned long long) sub,
                 lnob_recode_encoding_name(enc), enc == LNOB_ENC_UTF8 ? "Windows-1252" : "U+FFFD");
    return out;
}

/* ---- hints -------------------------------------------------------------- */

/* The other delimiter the single field of a header holds most often, or 0. */
static char s_other_delim(const char *s, size_t n, char delim)
{
    static const char cands[] = {';', '\t', ',', '|'};
    size_t best = 0;
    char d = 0;
    for (size_t k = 0; k < sizeof cands; k++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            c += s[i] == cands[k];
        if (cands[k] != delim && c > best) {
            best = c;
            d = cands[k];
        }
    }
    return d;
}

const char *lnob_dialect_hint(const lnob_csv_row_t *header, char delim, char *out, size_t cap)
{
    char d[8];
    out[0] = '\0';
    for (size_t f = 0; f < header->nfields; f++) {
        const char *s = header->fields[f];
        size_t n = header->lens[f];
        if (n && memchr(s, '\0', n)) {
            snprintf(out, cap, "NUL bytes in the header: the file looks like UTF-16%s without a BOM; "
                     "save it as UTF-8, or as UTF-16 with a BOM", s[0] ? " LE" : " BE");
            return out;
        }
    }
    if (header->nfields == 1) {
        char other = s_other_delim(header->fields[0], header->lens[0], delim);
        const char *name = other ? lnob_dialect_delim_name(other, d) : "";
        if (other)
            snprintf(out, cap, "the header is one field holding %s: the file looks %s-separated%s", name,
                     name, other == '|' ? " (lnob reads ',', ';' and tab)" : "");
    }
    return out;
}
