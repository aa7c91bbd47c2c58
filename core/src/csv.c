/* csv.c - buffer-fed CSV rows with line numbers, over libcsv (lnob/csv.h). */
#include "lnob/csv.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

struct lnob_csv_rowbuf {
    char *text;               /* concatenated field texts, each NUL-terminated */
    size_t text_len, text_cap;
    size_t *offs;             /* start offset of each field in text */
    size_t *lens;             /* length of each field */
    size_t nfields, fields_cap;
    const char **ptrs;        /* field pointers handed to the callback */
    size_t ptrs_cap;
    int truncated;            /* a field of this row was cut */
};

struct lnob_csv {
    struct csv_parser parser; /* libcsv state */
    char delim;               /* field delimiter */
    lnob_csv_row_fn fn;       /* row callback */
    void *arg;                /* callback argument */
    int rc;                   /* first non-OK callback rc */
    uint64_t line;            /* line currently being fed (1-based) */
    uint64_t row_line;        /* line on which the current row started */
    int tail;                 /* bytes seen after the last newline */
    int bom_checked;          /* BOM test done */
    char bom[3];              /* leading bytes held until the BOM test is done */
    size_t bom_len;
    lnob_csv_rowbuf_t *row;   /* the row being parsed */
};

/* ---- rows under construction ------------------------------------------------ */

lnob_csv_rowbuf_t *lnob_csv_rowbuf_new(void)
{
    return lnob_calloc(1, sizeof(lnob_csv_rowbuf_t));
}

void lnob_csv_rowbuf_destroy(lnob_csv_rowbuf_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_csv_rowbuf_t *self = *self_p;
    free(self->text);
    free(self->offs);
    free(self->lens);
    free(self->ptrs);
    free(self);
    *self_p = NULL;
}

void lnob_csv_rowbuf_add(lnob_csv_rowbuf_t *self, const char *s, size_t len)
{
    if (len > LNOB_CSV_MAX_FIELD) {
        len = LNOB_CSV_MAX_FIELD;
        self->truncated = 1;
    }
    lnob_grow((void **) &self->text, &self->text_cap, self->text_len + len + 1, 1);
    size_t fcap = self->fields_cap;
    lnob_grow((void **) &self->offs, &fcap, self->nfields + 1, sizeof(size_t));
    lnob_grow((void **) &self->lens, &self->fields_cap, self->nfields + 1, sizeof(size_t));
    if (len)
        memcpy(self->text + self->text_len, s, len);
    self->offs[self->nfields] = self->text_len;
    self->lens[self->nfields] = len;
    self->text_len += len;
    self->text[self->text_len++] = '\0';
    self->nfields++;
}

size_t lnob_csv_rowbuf_count(const lnob_csv_rowbuf_t *self)
{
    return self->nfields;
}

void lnob_csv_rowbuf_clear(lnob_csv_rowbuf_t *self)
{
    self->nfields = 0;
    self->text_len = 0;
    self->truncated = 0;
}

int lnob_csv_rowbuf_emit(lnob_csv_rowbuf_t *self, uint64_t line, lnob_csv_row_fn fn, void *arg)
{
    lnob_grow((void **) &self->ptrs, &self->ptrs_cap, self->nfields + 1, sizeof(char *));
    for (size_t i = 0; i < self->nfields; i++)
        self->ptrs[i] = self->text + self->offs[i];
    lnob_csv_row_t row = {.nfields = self->nfields,
                          .fields = self->ptrs,
                          .lens = self->lens,
                          .line = line,
                          .truncated = self->truncated};
    int rc = fn(arg, &row);
    lnob_csv_rowbuf_clear(self);
    return rc;
}

/* ---- the CSV reader ----------------------------------------------------------- */

static void s_field(void *data, size_t len, void *arg)
{
    lnob_csv_t *self = arg;
    if (self->rc == LNOB_OK)
        lnob_csv_rowbuf_add(self->row, data, len);
}

static void s_row(int term, void *arg)
{
    (void) term;
    lnob_csv_t *self = arg;
    if (self->rc != LNOB_OK || lnob_csv_rowbuf_count(self->row) == 0)
        lnob_csv_rowbuf_clear(self->row);
    else
        self->rc = lnob_csv_rowbuf_emit(self->row, self->row_line, self->fn, self->arg);
}

lnob_csv_t *lnob_csv_new(char delim, lnob_csv_row_fn fn, void *arg)
{
    lnob_csv_t *self = lnob_calloc(1, sizeof *self);
    self->row = lnob_csv_rowbuf_new();
    if (csv_init(&self->parser, 0) != 0) {
        lnob_csv_destroy(&self);
        return NULL;
    }
    csv_set_delim(&self->parser, (unsigned char) delim);
    self->delim = delim;
    self->fn = fn;
    self->arg = arg;
    self->line = 1;
    return self;
}

void lnob_csv_destroy(lnob_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_csv_t *self = *self_p;
    csv_free(&self->parser);
    lnob_csv_rowbuf_destroy(&self->row);
    free(self);
    *self_p = NULL;
}

/* Feeds line by line so the row callback knows the line a row started on:
 * a row starts on a line that begins while libcsv has no row begun. */
static void s_parse(lnob_csv_t *self, const char *buf, size_t len)
{
    while (len > 0 && self->rc == LNOB_OK) {
        const char *nl = memchr(buf, '\n', len);
        size_t chunk = nl ? (size_t) (nl - buf) + 1 : len;
        if (lnob_csv_rowbuf_count(self->row) == 0 && self->parser.pstate == 0 && !self->tail)
            self->row_line = self->line;
        csv_parse(&self->parser, buf, chunk, s_field, s_row, self);
        self->tail = nl == NULL;
        if (nl)
            self->line++;
        buf += chunk;
        len -= chunk;
    }
}

/* Holds the first bytes until it is known whether they are a UTF-8 BOM,
 * however the input is split. Returns how many bytes of buf it consumed. */
static size_t s_bom(lnob_csv_t *self, const char *buf, size_t len)
{
    static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
    size_t used = 0;
    while (!self->bom_checked && used < len) {
        self->bom[self->bom_len++] = buf[used++];
        if (memcmp(self->bom, bom, self->bom_len) != 0) {
            self->bom_checked = 1;
            s_parse(self, self->bom, self->bom_len);
        } else if (self->bom_len == 3) {
            self->bom_checked = 1;
        }
    }
    return used;
}

int lnob_csv_feed(lnob_csv_t *self, const char *buf, size_t len)
{
    size_t used = s_bom(self, buf, len);
    s_parse(self, buf + used, len - used);
    return self->rc;
}

int lnob_csv_finish(lnob_csv_t *self)
{
    if (!self->bom_checked) {
        self->bom_checked = 1;
        s_parse(self, self->bom, self->bom_len);
    }
    if (self->rc == LNOB_OK)
        csv_fini(&self->parser, s_field, s_row, self);
    return self->rc;
}

uint64_t lnob_csv_lines(const lnob_csv_t *self)
{
    return self->line - 1 + (self->tail ? 1 : 0);
}

static int s_needs_quotes(const char *s, size_t n, char delim)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return 1;
    return 0;
}

/* Appends c to out if it fits below cap-1; counts what did not fit. */
static void s_put(char *out, size_t cap, size_t *o, size_t *lost, char c)
{
    if (*o + 1 < cap)
        out[(*o)++] = c;
    else
        (*lost)++;
}

const char *lnob_csv_field(const lnob_csv_row_t *row, int idx, size_t *len)
{
    if (idx < 0 || (size_t) idx >= row->nfields) {
        *len = 0;
        return "";
    }
    const char *s = row->fields[idx];
    size_t n = row->lens[idx];
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    *len = n;
    return s;
}

size_t lnob_csv_format_row(const lnob_csv_row_t *row, char delim, char *out, size_t cap)
{
    size_t o = 0, lost = 0;
    if (cap < 4)
        return 0;
    for (size_t f = 0; f < row->nfields && !lost; f++) {
        const char *s = row->fields[f];
        size_t n = row->lens[f];
        int q = s_needs_quotes(s, n, delim);
        if (f)
            s_put(out, cap, &o, &lost, delim);
        if (q)
            s_put(out, cap, &o, &lost, '"');
        for (size_t i = 0; i < n && !lost; i++) {
            char c = s[i] ? s[i] : ' '; /* NULs would cut strings downstream */
            if (c == '"')
                s_put(out, cap, &o, &lost, '"');
            s_put(out, cap, &o, &lost, c);
        }
        if (q)
            s_put(out, cap, &o, &lost, '"');
    }
    if (lost) {
        o = o < cap - 4 ? o : cap - 4;
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return o;
}
