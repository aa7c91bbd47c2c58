/* csv.c - buffer-fed CSV rows with line numbers, over libcsv (lnob/csv.h). */
#include "lnob/csv.h"

#include <assert.h>
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

#define CSV_BLOCK (64u << 10) /* libcsv's field buffer grows by 64 KiB */

/* libcsv's parser states (csv.c of libcsv 3; not in its header). */
#define LIBCSV_ROW_NOT_BEGUN 0
#define LIBCSV_FIELD_BEGUN 2
/* Most bytes handed to libcsv at once, so an over-long field is seen
 * before libcsv has buffered much more than LNOB_CSV_MAX_ROW of it. The
 * steps are counted from each line's start, and the bounds are checked
 * only where a step or a line ends: points of the text, so the caller's
 * buffers never change an answer. */
#define FEED_STEP 65536
#define DETAIL_MAX 128

struct lnob_csv_rowbuf {
    char *text;               /* concatenated field texts, each NUL-terminated */
    size_t text_len, text_cap;
    size_t *offs;             /* start offset of each field in text */
    size_t *lens;             /* length of each field */
    size_t nfields, fields_cap;
    const char **ptrs;        /* field pointers handed to the callback */
    size_t ptrs_cap;
    int truncated;            /* a field of this row was cut */
    const char *flaw;         /* NULL, BAD_QUOTING or ROW_TOO_LONG */
    char flaw_detail[DETAIL_MAX];
};

/* Bytes held by the reader: a growable buffer. */
typedef struct {
    char *s;
    size_t len, cap;
} bytes_t;

struct lnob_csv {
    struct csv_parser parser; /* libcsv state */
    char delim;               /* field delimiter */
    lnob_csv_row_fn fn;       /* row callback */
    void *arg;                /* callback argument */
    int rc;                   /* first non-OK callback rc */
    uint64_t line;            /* line currently being fed (1-based) */
    uint64_t row_line;        /* line on which the current row started */
    unsigned row_lines;       /* lines the current row has begun on so far */
    unsigned max_lines;       /* most lines a row may span */
    int tail;                 /* bytes seen after the last newline */
    size_t col;               /* bytes read of the current line */
    int skip;                 /* skipping the rest of a rejected row's first line */
    int bom_checked;          /* BOM test done */
    char bom[3];              /* leading bytes held until the BOM test is done */
    size_t bom_len;
    lnob_csv_rowbuf_t *row;   /* the row being parsed */
    bytes_t hold;             /* raw bytes of the current row from its second line on */
    bytes_t again;            /* bytes to read again before the caller's next ones */
    size_t again_off;         /* how much of again has been read */
    bytes_t spare;            /* a broken row's held lines until they join again */
    int rebuild;              /* spare waits to go in front of again */
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

/* Flags the row as read only in part (the first flaw stays). */
static void s_flaw(lnob_csv_rowbuf_t *self, const char *reason, const char *detail)
{
    if (self->flaw)
        return;
    self->flaw = reason;
    snprintf(self->flaw_detail, sizeof self->flaw_detail, "%s", detail);
}

static void s_too_long_detail(char *detail, size_t cap)
{
    snprintf(detail, cap, "the row has more than %d fields or %u bytes", LNOB_CSV_MAX_FIELDS, LNOB_CSV_MAX_ROW);
}

static void s_too_long(lnob_csv_rowbuf_t *self)
{
    char detail[DETAIL_MAX];
    s_too_long_detail(detail, sizeof detail);
    s_flaw(self, "ROW_TOO_LONG", detail);
}

void lnob_csv_rowbuf_add(lnob_csv_rowbuf_t *self, const char *s, size_t len)
{
    if (len > LNOB_CSV_MAX_FIELD) {
        len = LNOB_CSV_MAX_FIELD;
        self->truncated = 1;
    }
    if (self->nfields >= LNOB_CSV_MAX_FIELDS || self->text_len + len + 1 > LNOB_CSV_MAX_ROW) {
        s_too_long(self);
        return;
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
    self->flaw = NULL;
    self->flaw_detail[0] = '\0';
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
                          .truncated = self->truncated,
                          .flaw = self->flaw,
                          .flaw_detail = self->flaw_detail};
    int rc = fn(arg, &row);
    lnob_csv_rowbuf_clear(self);
    return rc;
}

int lnob_csv_row_broken(const lnob_csv_row_t *row, const char **reason, char *detail, size_t cap)
{
    if (row->flaw) {
        *reason = row->flaw;
        snprintf(detail, cap, "%s", row->flaw_detail);
        return 1;
    }
    if (row->truncated) {
        *reason = "FIELD_TOO_LONG";
        snprintf(detail, cap, "a field is longer than %d bytes", LNOB_CSV_MAX_FIELD);
        return 1;
    }
    return 0;
}

/* ---- the CSV reader ----------------------------------------------------------- */

static void s_bytes_add(bytes_t *b, const char *s, size_t n)
{
    if (n == 0)
        return;
    lnob_grow((void **) &b->s, &b->cap, b->len + n, 1);
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

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
    self->row_lines = 1;
    self->hold.len = 0;
    if (self->rc != LNOB_OK || (lnob_csv_rowbuf_count(self->row) == 0 && !self->row->flaw))
        lnob_csv_rowbuf_clear(self->row);
    else
        self->rc = lnob_csv_rowbuf_emit(self->row, self->row_line, self->fn, self->arg);
    /* a row that begins before this line ends (after a bare CR) begins on
     * it; one that begins on a later line is placed by s_step */
    self->row_line = self->line;
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
    /* libcsv grows a field's buffer by this much at a time: 128 bytes by
     * default, thousands of copies for a field near LNOB_CSV_MAX_ROW */
    csv_set_blk_size(&self->parser, CSV_BLOCK);
    self->delim = delim;
    self->fn = fn;
    self->arg = arg;
    self->line = 1;
    self->row_lines = 1;
    self->max_lines = LNOB_CSV_MAX_LINES;
    return self;
}

void lnob_csv_set_max_lines(lnob_csv_t *self, unsigned max_lines)
{
    assert(max_lines >= 1);
    self->max_lines = max_lines;
}

void lnob_csv_destroy(lnob_csv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_csv_t *self = *self_p;
    csv_free(&self->parser);
    lnob_csv_rowbuf_destroy(&self->row);
    free(self->hold.s);
    free(self->again.s);
    free(self->spare.s);
    free(self);
    *self_p = NULL;
}

static int s_open_quote(const lnob_csv_t *self)
{
    return self->parser.pstate == LIBCSV_FIELD_BEGUN && self->parser.quoted;
}

/* Hands out the current row, flagged reason, with what was read of it, and
 * arranges for reading to resume at the line after its first line: the
 * rest of that first line is skipped when the row broke on it (mid_line),
 * the held later lines are read again. */
static void s_break(lnob_csv_t *self, const char *reason, const char *detail, int mid_line)
{
    struct csv_parser *p = &self->parser;
    while (!mid_line && p->entry_pos && (p->entry_buf[p->entry_pos - 1] == '\n' ||
                                         p->entry_buf[p->entry_pos - 1] == '\r'))
        p->entry_pos--; /* the line end is not part of an open field */
    bytes_t held = self->hold;
    self->hold = self->spare;
    self->hold.len = 0;
    self->spare = held;
    self->rebuild = 1;
    self->skip = mid_line && self->row_lines == 1;
    self->row->flaw = NULL; /* this reason, whatever the row's fields said */
    s_flaw(self->row, reason, detail);
    uint64_t first = self->row_line; /* handing the row out moves row_line on */
    csv_fini(p, s_field, s_row, self);
    if (!self->skip) {
        self->line = first + 1;
        self->tail = 0;
        self->col = 0;
    }
}

/* After a piece of input: breaks the row if it passed a bound. ended says
 * the piece ended a line. */
static void s_check(lnob_csv_t *self, int ended)
{
    if (self->rc != LNOB_OK || self->parser.pstate == LIBCSV_ROW_NOT_BEGUN)
        return;
    char detail[DETAIL_MAX];
    int quoted_lines = self->row_lines > 1;
    if (self->row->flaw || self->parser.entry_pos + self->row->text_len > LNOB_CSV_MAX_ROW ||
        self->hold.len > LNOB_CSV_MAX_ROW) {
        if (quoted_lines)
            snprintf(detail, sizeof detail, "a quoted field is still open after %u bytes", LNOB_CSV_MAX_ROW);
        else
            s_too_long_detail(detail, sizeof detail);
        s_break(self, quoted_lines ? "BAD_QUOTING" : "ROW_TOO_LONG", detail, !ended);
        return;
    }
    if (!ended)
        return;
    if (++self->row_lines <= self->max_lines)
        return;
    if (self->max_lines == 1)
        snprintf(detail, sizeof detail, "a quote is left open at the end of the line");
    else
        snprintf(detail, sizeof detail, "a quoted field is still open after %u lines", self->max_lines);
    self->row_lines--; /* the line that ended is the row's last */
    s_break(self, "BAD_QUOTING", detail, 0);
}

/* Reads one piece of buf (to its first newline, at most to the line's next
 * FEED_STEP) and returns its length. A row starts on a line that begins
 * while libcsv has no row begun. */
static size_t s_step(lnob_csv_t *self, const char *buf, size_t len)
{
    size_t room = FEED_STEP - self->col % FEED_STEP;
    size_t most = len < room ? len : room;
    const char *nl = memchr(buf, '\n', most);
    size_t n = nl ? (size_t) (nl - buf) + 1 : most;
    self->col = nl ? 0 : self->col + n;
    if (self->skip) {
        self->skip = self->tail = nl == NULL;
        self->line += nl != NULL;
        return n;
    }
    if (lnob_csv_rowbuf_count(self->row) == 0 && self->parser.pstate == LIBCSV_ROW_NOT_BEGUN && !self->tail) {
        self->row_line = self->line;
        self->row_lines = 1;
    }
    if (self->row_lines > 1)
        s_bytes_add(&self->hold, buf, n);
    csv_parse(&self->parser, buf, n, s_field, s_row, self);
    self->tail = nl == NULL;
    if (nl)
        self->line++;
    if (nl || self->col % FEED_STEP == 0)
        s_check(self, nl != NULL);
    return n;
}

/* Puts a broken row's held lines in front of what is still to be read again. */
static void s_rebuild(lnob_csv_t *self)
{
    if (self->again_off < self->again.len)
        s_bytes_add(&self->spare, self->again.s + self->again_off, self->again.len - self->again_off);
    bytes_t t = self->again;
    self->again = self->spare;
    self->spare = t;
    self->spare.len = 0;
    self->again_off = 0;
    self->rebuild = 0;
}

/* Reads the bytes to read again, then buf. */
static void s_parse(lnob_csv_t *self, const char *buf, size_t len)
{
    while (self->rc == LNOB_OK) {
        if (self->again_off < self->again.len)
            self->again_off += s_step(self, self->again.s + self->again_off, self->again.len - self->again_off);
        else if (len) {
            size_t n = s_step(self, buf, len);
            buf += n;
            len -= n;
        } else
            break;
        if (self->rebuild)
            s_rebuild(self);
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
    /* a quote still open at the end: that row is broken, its held lines are rows again */
    while (self->rc == LNOB_OK && s_open_quote(self)) {
        s_break(self, "BAD_QUOTING", "a quote is still open at the end of the file", 0);
        s_rebuild(self);
        s_parse(self, NULL, 0);
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
