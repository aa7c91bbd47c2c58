/* silc_cut.c - a merged SILC CSV file cut into Ranges (silc_cut.h). */
#include "silc_cut.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idset.h"
#include "lnob/csv.h"
#include "lnob/mem.h"
#include "lnob/num.h"
#include "lnob/rc.h"
#include "lnob/recode.h"
#include "silc.h"

#define WHY_MAX 160
#define YEAR_MIN 1900 /* a survey year is above this and below YEAR_MAX (silc.c) */
#define YEAR_MAX 3000

/* What the first read takes of one data line. */
typedef struct {
    size_t nfields;
    int pid_ok, hh_ok, year_ok;
    int64_t pid, hh, year;
} keys_t;

/* A growing list of ids. */
typedef struct {
    int64_t *v;
    size_t n, cap;
} ids_t;

/* The ids of the ranges planned before the current one: a person's or a
 * household's. Ids in order (as files come) are told apart from them by
 * their bounds alone; the first id within the bounds builds the set. */
typedef struct {
    ids_t all;          /* every id, until the set is built */
    int64_t lo, hi;     /* bounds of every id so far */
    lnob_idset_t *set;  /* built when an id falls within the bounds */
} before_t;

/* The key fields of a line, wanted by index. */
typedef struct {
    int pid, hh, year;
} cols_t;

struct lnob_silc_cut {
    const lnob_geo_t *geo;
    size_t max_rows;
    char *line;                 /* the line being put together, LNOB_CUT_LINE_MAX */
    size_t len;
    int too_long;
    uint64_t lineno;            /* lines done */
    char why[WHY_MAX];          /* "" while the file can be cut */
    char *header;               /* the header row's bytes */
    size_t header_len;
    char *header_row;           /* re-serialised */
    cols_t col;
    size_t n_header;
    char period[16];
    uint64_t *starts;           /* each range's first line */
    size_t n_ranges, cap_ranges;
    size_t range_rows, range_bytes;
    int have_hh;
    int64_t last_hh;
    before_t before[2];         /* the ids of the ranges before the one being planned: persons, households */
    ids_t cur[2];               /* the ids of the range being planned: persons, households */
    uint64_t rows;              /* data rows: lines not blank */
    int planned;
    keys_t *slow_keys;          /* the keys a line with quotes fills (s_slow_keys) */
    /* the second read */
    lnob_silc_cut_fn fn;
    void *arg;
    uint64_t at;                /* lines done */
    size_t next;                /* the range being put together */
    char *buf;
    size_t blen, bcap;
    uint32_t brows;
};

lnob_silc_cut_t *lnob_silc_cut_new(const lnob_geo_t *geo, size_t rows)
{
    lnob_silc_cut_t *self = lnob_calloc(1, sizeof *self);
    self->geo = geo;
    self->max_rows = rows ? rows : 1;
    self->line = lnob_malloc(LNOB_CUT_LINE_MAX);
    return self;
}

void lnob_silc_cut_destroy(lnob_silc_cut_t **self_p)
{
    lnob_silc_cut_t *self = *self_p;
    if (!self)
        return;
    free(self->line);
    free(self->header);
    free(self->header_row);
    free(self->starts);
    free(self->cur[0].v), free(self->cur[1].v);
    free(self->buf);
    for (int k = 0; k < 2; k++) {
        free(self->before[k].all.v);
        lnob_idset_destroy(&self->before[k].set);
    }
    free(self);
    *self_p = NULL;
}

static void s_refuse(lnob_silc_cut_t *self, const char *why, uint64_t line)
{
    if (!*self->why)
        snprintf(self->why, sizeof self->why, "%s (line %llu)", why, (unsigned long long) line);
}

/* ---- the header ------------------------------------------------------------------ */

static int s_no_emit(void *arg, Lnob__V1__Batch *batch)
{
    (void) arg, (void) batch;
    return LNOB_OK;
}

/* The header row as silc.h maps it: the key columns, or a refusal. */
static void s_header(lnob_silc_cut_t *self, const char *s, size_t len)
{
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    if (len >= 3 && !memcmp(s, bom, 3))
        s += 3, len -= 3;
    if (!len || memchr(s, '"', len) || memchr(s, ';', len) || memchr(s, '\t', len) || !lnob_recode_utf8(s, len))
        return s_refuse(self, "the header row is not plain UTF-8 with ',' and no quotes", 1);
    self->header = lnob_strndup(s, len);
    self->header_len = len;
    lnob_silc_opts_t o = {.source = "", .checksum = "", .run_id = "", .batch_size = 1, .geo = self->geo,
                          .emit = s_no_emit, .encoding = LNOB_ENC_UTF8, .delimiter = ','};
    lnob_silc_t *p = lnob_silc_new(&o);
    lnob_silc_feed(p, s, len);
    lnob_silc_feed(p, "\n", 1);
    if (lnob_silc_key_columns(p, &self->col.pid, &self->col.hh, &self->col.year, &self->n_header) != 0)
        s_refuse(self, "the header row is refused", 1);
    else if (self->col.year < 0)
        s_refuse(self, "no year column (the period is decided by the first batch)", 1);
    else
        self->header_row = lnob_strdup(lnob_silc_header(p));
    lnob_silc_destroy(&p);
}

/* ---- a data line's keys ----------------------------------------------------------- */

static void s_key(const char *s, size_t len, int *ok, int64_t *v)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    *ok = len && lnob_num_int(s, len, v) == 0;
}

/* Field i of a line without quotes is the text between delimiters; the
 * split stops after the last key column unless width asks for the number
 * of fields (the first data row's check). */
static void s_fast_keys(const cols_t *col, const char *s, size_t len, int width, keys_t *k)
{
    const char *end = s + len;
    int last = col->pid > col->hh ? col->pid : col->hh;
    last = col->year > last ? col->year : last;
    size_t i = 0;
    for (const char *f = s;; i++) {
        const char *comma = memchr(f, ',', (size_t) (end - f));
        const char *fe = comma ? comma : end;
        if ((int) i == col->pid)
            s_key(f, (size_t) (fe - f), &k->pid_ok, &k->pid);
        if ((int) i == col->hh)
            s_key(f, (size_t) (fe - f), &k->hh_ok, &k->hh);
        if ((int) i == col->year)
            s_key(f, (size_t) (fe - f), &k->year_ok, &k->year);
        if (!comma || (!width && (int) i >= last))
            break;
        f = comma + 1;
    }
    k->nfields = i + 1;
}

/* Field idx of a row split by lnob/csv.h, as a whole number. */
static void s_row_key(const lnob_csv_row_t *row, int idx, int *ok, int64_t *v)
{
    size_t len;
    const char *f = idx >= 0 && (size_t) idx < row->nfields ? lnob_csv_field(row, idx, &len) : NULL;
    *ok = f && len && lnob_num_int(f, len, v) == 0;
}

static int s_slow_row(void *arg, const lnob_csv_row_t *row)
{
    lnob_silc_cut_t *self = arg;
    keys_t *k = self->slow_keys;
    k->nfields = row->nfields;
    s_row_key(row, self->col.pid, &k->pid_ok, &k->pid);
    s_row_key(row, self->col.hh, &k->hh_ok, &k->hh);
    s_row_key(row, self->col.year, &k->year_ok, &k->year);
    return LNOB_OK;
}

/* A line with quotes is split as the parser splits it (lnob/csv.h): by a
 * reader of its own, finished at its end, so that nothing one line leaves
 * open (a quote, the start-of-file BOM check) holds its row back. */
static void s_slow_keys(lnob_silc_cut_t *self, const char *s, size_t len, keys_t *k)
{
    lnob_csv_t *csv = lnob_csv_new(',', s_slow_row, self);
    lnob_csv_set_max_lines(csv, 1);
    self->slow_keys = k;
    lnob_csv_feed(csv, s, len);
    lnob_csv_feed(csv, "\n", 1);
    lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
}

/* ---- planning -------------------------------------------------------------------- */

static int s_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static void s_push(ids_t *ids, int64_t id)
{
    lnob_grow((void **) &ids->v, &ids->cap, ids->n + 1, sizeof *ids->v);
    ids->v[ids->n++] = id;
}

static void s_before_add(before_t *b, int64_t id)
{
    int first = !b->all.n && !b->set;
    b->lo = first || id < b->lo ? id : b->lo;
    b->hi = first || id > b->hi ? id : b->hi;
    if (b->set) {
        lnob_idset_add(b->set, id);
        return;
    }
    s_push(&b->all, id);
}

/* 1 when id is among the ids before. */
static int s_before_has(before_t *b, int64_t id)
{
    if ((!b->all.n && !b->set) || id < b->lo || id > b->hi)
        return 0;
    if (!b->set) {
        b->set = lnob_idset_new();
        for (size_t i = 0; i < b->all.n; i++)
            lnob_idset_add(b->set, b->all.v[i]);
        free(b->all.v);
        b->all = (ids_t){0};
    }
    return lnob_idset_contains(b->set, id);
}


/* A range begins at line: the ids of the one before become "before". */
static void s_begin(lnob_silc_cut_t *self, uint64_t line)
{
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < self->cur[t].n; i++)
            s_before_add(&self->before[t], self->cur[t].v[i]);
        self->cur[t].n = 0;
    }
    lnob_grow((void **) &self->starts, &self->cap_ranges, self->n_ranges + 1, sizeof *self->starts);
    self->starts[self->n_ranges++] = line;
    self->range_rows = self->range_bytes = 0;
}

static void s_first_row(lnob_silc_cut_t *self, const keys_t *k, uint64_t line)
{
    if (k->nfields != self->n_header || !k->year_ok || k->year <= YEAR_MIN || k->year >= YEAR_MAX)
        return s_refuse(self, "the first data row has no survey year (or not the header's width)", line);
    snprintf(self->period, sizeof self->period, "%lld", (long long) k->year);
    s_begin(self, line);
}

static void s_data(lnob_silc_cut_t *self, const char *s, size_t len, uint64_t line)
{
    static const char bom[3] = {(char) 0xEF, (char) 0xBB, (char) 0xBF}; /* a reader skips one at its start */
    if (memchr(s, '\r', len) || !lnob_recode_utf8(s, len) || (len >= 3 && !memcmp(s, bom, 3)))
        return s_refuse(self, "a line is not plain UTF-8 text", line);
    keys_t k = {0};
    if (memchr(s, '"', len))
        s_slow_keys(self, s, len, &k);
    else
        s_fast_keys(&self->col, s, len, line == 2, &k);
    if (line == 2)
        s_first_row(self, &k, line);
    else if (k.hh_ok && self->have_hh && k.hh != self->last_hh &&
             (self->range_rows >= self->max_rows || self->range_bytes >= LNOB_CUT_BYTES))
        s_begin(self, line);
    if (k.pid_ok && s_before_has(&self->before[0], k.pid))
        return s_refuse(self, "a person id is in two ranges", line);
    if (k.hh_ok && s_before_has(&self->before[1], k.hh))
        return s_refuse(self, "a household's rows are not together", line);
    if (k.pid_ok)
        s_push(&self->cur[0], k.pid);
    if (k.hh_ok && (!self->have_hh || k.hh != self->last_hh))
        s_push(&self->cur[1], k.hh);
    if (k.hh_ok)
        self->have_hh = 1, self->last_hh = k.hh;
    self->range_rows++;
    self->range_bytes += len + 1;
    self->rows += !s_blank(s, len); /* a line of blanks is no row to the CSV reader */
    if (self->range_bytes > LNOB_CUT_HARD_BYTES)
        s_refuse(self, "a household is larger than a range may be", line);
}

/* One whole line (without its '\n'; a CRLF's '\r' still on it). */
static void s_line(lnob_silc_cut_t *self, const char *s, size_t len)
{
    uint64_t line = ++self->lineno;
    if (self->too_long)
        return s_refuse(self, "a line is too long", line);
    if (len && s[len - 1] == '\r')
        len--;
    if (line == 1)
        s_header(self, s, len);
    else if (*self->why)
        ;
    else
        s_data(self, s, len, line);
}

int lnob_silc_cut_plan(void *arg, const char *chunk, size_t n)
{
    lnob_silc_cut_t *self = arg;
    while (n && !*self->why) {
        const char *nl = memchr(chunk, '\n', n);
        size_t take = nl ? (size_t) (nl - chunk) : n;
        if (!self->too_long && self->len + take <= LNOB_CUT_LINE_MAX)
            memcpy(self->line + self->len, chunk, take), self->len += take;
        else
            self->too_long = 1;
        if (nl) {
            s_line(self, self->line, self->len);
            self->len = 0, self->too_long = 0;
            take++;
        }
        chunk += take, n -= take;
    }
    return LNOB_OK;
}

int lnob_silc_cut_ok(lnob_silc_cut_t *self, const char **why)
{
    if (!self->planned) {
        self->planned = 1;
        if (self->len || self->too_long) /* the last line, without a line end */
            s_line(self, self->line, self->len);
        if (!*self->why && !self->rows)
            s_refuse(self, "no data rows", self->lineno);
    }
    *why = self->why;
    return !*self->why;
}

const char *lnob_silc_cut_period(const lnob_silc_cut_t *self) { return self->period; }
const char *lnob_silc_cut_header_row(const lnob_silc_cut_t *self) { return self->header_row; }
uint32_t lnob_silc_cut_ranges(const lnob_silc_cut_t *self) { return (uint32_t) self->n_ranges; }
uint64_t lnob_silc_cut_rows(const lnob_silc_cut_t *self) { return self->rows; }

const char *lnob_silc_cut_header_bytes(const lnob_silc_cut_t *self, size_t *len)
{
    *len = self->header_len;
    return self->header;
}

/* ---- sending --------------------------------------------------------------------- */

void lnob_silc_cut_start(lnob_silc_cut_t *self, lnob_silc_cut_fn fn, void *arg)
{
    self->fn = fn, self->arg = arg;
    self->at = 0, self->next = 0, self->blen = 0, self->brows = 0;
}

static void s_keep(lnob_silc_cut_t *self, const char *s, size_t n)
{
    lnob_grow((void **) &self->buf, &self->bcap, self->blen + n + 1, 1);
    memcpy(self->buf + self->blen, s, n);
    self->blen += n;
}

/* Sends the range put together; its first line is the plan's. */
static int s_flush(lnob_silc_cut_t *self)
{
    if (self->next >= self->n_ranges)
        return LNOB_ERR;
    int rc = self->fn(self->arg, (uint32_t) self->next, self->starts[self->next], self->brows, self->buf,
                      self->blen);
    self->next++, self->blen = 0, self->brows = 0;
    return rc;
}

int lnob_silc_cut_send(void *arg, const char *chunk, size_t n)
{
    lnob_silc_cut_t *self = arg;
    int rc = LNOB_OK;
    while (n && rc == LNOB_OK) {
        const char *nl = memchr(chunk, '\n', n);
        size_t take = nl ? (size_t) (nl - chunk) + 1 : n;
        if (self->at >= 1) /* line 1 is the header, sent with every range */
            s_keep(self, chunk, take);
        if (nl) {
            self->at++;
            self->brows += self->at >= 2;
            if (self->next + 1 < self->n_ranges && self->at + 1 == self->starts[self->next + 1])
                rc = s_flush(self);
        }
        chunk += take, n -= take;
    }
    return rc;
}

int lnob_silc_cut_finish(lnob_silc_cut_t *self)
{
    if (self->blen && self->buf[self->blen - 1] != '\n') { /* the last line had no line end */
        s_keep(self, "\n", 1);
        self->brows++;
    }
    if (!self->brows || self->next + 1 != self->n_ranges)
        return LNOB_ERR;
    return s_flush(self);
}
