/* udb4.c - D, H, R and P files of one year joined into merged person rows
 * (udb4.h). */
#include "udb4.h"

#include "rejects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/mem.h"
#include "lnob/num.h"
#include "lnob/rc.h"

#define DETAIL_MAX 200
#define HH_FROM_PID 100  /* UDB convention: RB030 = household id * 100 + member */

const char *const lnob_udb4_names[LNOB_UDB4_FILES] = {"D", "H", "R", "P"};
static const char *const s_key_name[LNOB_UDB4_FILES] = {"DB030", "HB030", "RB030", "PB030"};
static const char *const s_year_name[LNOB_UDB4_FILES] = {"DB010", "HB010", "RB010", "PB010"};

/* One kept row: its fields are packed in the table's arena. */
typedef struct {
    int64_t key;      /* D, H, P: own key; R: the household */
    int64_t pid;      /* R: RB030 */
    uint64_t line;
    size_t off;       /* into the arena: the fields' lengths, then their texts (s_pack) */
    uint8_t used, dup;
} row_t;

typedef struct {
    int file;
    uint64_t line;
    const char *field, *reason;
    char *detail, *raw;
} reject_t;

/* One file's rows; everything lnob_udb4_add() touches is here, so the
 * four files can be loaded at the same time, one thread each. */
typedef struct {
    const char *source;
    char **names;
    size_t ncol;
    int key_col, year_col;
    int hh_col;       /* R: RX030 or RB040 */
    int size_col;     /* H: HX040; R: RB110; D: DB135 */
    char *arena;
    size_t len, cap;
    row_t *rows;
    size_t n, cap_rows;
    uint64_t rows_read;
    reject_t *rejects;  /* rows of this file that cannot be joined, not yet sent */
    size_t n_rejects, cap_rejects;
    const char *reason; /* a header without its key column */
    char errstr[LNOB_ERRSTR_MAX];
} table_t;

struct lnob_udb4 {
    table_t t[LNOB_UDB4_FILES];
    int year;
    const row_t *cur[LNOB_UDB4_FILES]; /* the merged row being sent */
    row_t *last[LNOB_UDB4_FILES];      /* the row of each table found last */
    size_t base[LNOB_UDB4_FILES + 1];  /* first merged column of each file */
    const char **fields;               /* the merged row */
    size_t *lens;
    uint64_t nonresponse;
    const char *reason;
    char errstr[LNOB_ERRSTR_MAX];
};

/* ---- header names ------------------------------------------------------- */

static int s_col(const char *const *names, const size_t *lens, size_t n, const char *want)
{
    size_t wl = strlen(want);
    for (size_t i = 0; i < n; i++)
        if ((lens ? lens[i] : strlen(names[i])) == wl && strncasecmp(names[i], want, wl) == 0)
            return (int) i;
    return -1;
}

static int s_has(const lnob_csv_row_t *h, const char *want)
{
    return s_col(h->fields, h->lens, h->nfields, want) >= 0;
}

int lnob_udb4_kind(const lnob_csv_row_t *header)
{
    if (s_has(header, "RB030") && (s_has(header, "DB030") || s_has(header, "HB030")))
        return LNOB_UDB4_MERGED;
    for (int f = LNOB_UDB4_P; f >= LNOB_UDB4_D; f--)
        if (s_has(header, s_key_name[f]))
            return f;
    return LNOB_UDB4_UNKNOWN;
}

static long s_long(const char *s, size_t len, int *ok)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    int64_t v = 0;
    *ok = lnob_num_int(s, len, &v) == 0;
    return (long) v;
}

static int s_field_year(const lnob_csv_row_t *row, int col)
{
    int ok;
    if (col < 0 || (size_t) col >= row->nfields)
        return -1;
    long y = s_long(row->fields[col], row->lens[col], &ok);
    return ok && y > 1900 && y < 3000 ? (int) y : -1;
}

int lnob_udb4_row_year(const lnob_csv_row_t *header, const lnob_csv_row_t *row)
{
    int kind = lnob_udb4_kind(header);
    const char *name = kind >= 0 ? s_year_name[kind] : "DB010";
    int col = s_col(header->fields, header->lens, header->nfields, name);
    if (kind == LNOB_UDB4_MERGED && col < 0)
        col = s_col(header->fields, header->lens, header->nfields, "RB010");
    return s_field_year(row, col);
}

/* ---- loading ------------------------------------------------------------ */

static int s_fail(table_t *t, const char *what)
{
    t->reason = "MISSING_COLUMN";
    snprintf(t->errstr, sizeof t->errstr, "%s: missing required column %s", t->source, what);
    return LNOB_ERR;
}

static int s_name(const table_t *t, const char *want)
{
    return s_col((const char *const *) t->names, NULL, t->ncol, want);
}

static int s_header(lnob_udb4_t *self, int f, const lnob_csv_row_t *row)
{
    table_t *t = &self->t[f];
    t->ncol = row->nfields;
    t->names = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *t->names);
    for (size_t i = 0; i < row->nfields; i++)
        t->names[i] = lnob_strndup(row->fields[i], row->lens[i]);
    t->key_col = s_name(t, s_key_name[f]);
    t->year_col = s_name(t, s_year_name[f]);
    t->hh_col = s_name(t, "RX030") >= 0 ? s_name(t, "RX030") : s_name(t, "RB040");
    t->size_col = s_name(t, f == LNOB_UDB4_H ? "HX040" : f == LNOB_UDB4_R ? "RB110" : "DB135");
    if (t->key_col < 0)
        return s_fail(t, s_key_name[f]);
    if (f == LNOB_UDB4_R && s_name(t, "RB050") < 0)
        return s_fail(t, "RB050");
    if (f == LNOB_UDB4_H && s_name(t, "HY020") < 0 && s_name(t, "HX090") < 0)
        return s_fail(t, "HY020 (or HX090)");
    return LNOB_OK;
}

static void s_reject(lnob_udb4_t *self, int f, const lnob_csv_row_t *row, const char *field,
                     const char *reason, const char *detail)
{
    table_t *t = &self->t[f];
    lnob_grow((void **) &t->rejects, &t->cap_rejects, t->n_rejects + 1, sizeof *t->rejects);
    reject_t *r = &t->rejects[t->n_rejects++];
    char raw[LNOB_REJECT_RAW_MAX];
    lnob_csv_format_row(row, ',', raw, sizeof raw);
    *r = (reject_t){f, row->line, field, reason, lnob_strdup(detail), lnob_strdup(raw)};
}

/* A kept row in the arena: every field's length (one byte, or LONG_FIELD
 * and four bytes), then the field texts, each followed by a NUL. The texts
 * of a CSV row usually lie that way already, so they go in one copy. */
#define LONG_FIELD 0xFF

/* Bytes of the texts of row, NULs included; *contiguous 1 if they lie one
 * after the other in memory as the arena keeps them. */
static size_t s_text_bytes(const lnob_csv_row_t *row, int *contiguous)
{
    size_t text = 0;
    *contiguous = 1;
    for (size_t i = 0; i < row->nfields; i++) {
        *contiguous &= row->fields[i] == row->fields[0] + text && row->fields[i][row->lens[i]] == '\0';
        text += row->lens[i] + 1;
    }
    return text;
}

static void s_pack(table_t *t, const lnob_csv_row_t *row)
{
    int contiguous;
    size_t text = s_text_bytes(row, &contiguous), need = t->len + text;
    for (size_t i = 0; i < row->nfields; i++)
        need += 1 + (row->lens[i] >= LONG_FIELD ? sizeof(uint32_t) : 0);
    lnob_grow((void **) &t->arena, &t->cap, need, 1);
    char *p = t->arena + t->len;
    for (size_t i = 0; i < row->nfields; i++) {
        uint32_t len = (uint32_t) row->lens[i];
        *p++ = (char) (len < LONG_FIELD ? len : LONG_FIELD);
        if (len >= LONG_FIELD)
            memcpy(p, &len, sizeof len), p += sizeof len;
    }
    if (contiguous && row->nfields)
        memcpy(p, row->fields[0], text);
    for (size_t i = 0; !contiguous && i < row->nfields; i++) {
        memcpy(p, row->fields[i], row->lens[i]);
        p[row->lens[i]] = '\0';
        p += row->lens[i] + 1;
    }
    t->len = need;
}

/* The length of the next field from *p; moves *p past it. */
static uint32_t s_next_len(const char **p)
{
    uint32_t len = (unsigned char) *(*p)++;
    if (len == LONG_FIELD)
        memcpy(&len, *p, sizeof len), *p += sizeof len;
    return len;
}

/* Reads an id column; returns 0 and sets *out, or -1 with the reject made. */
static int s_id(lnob_udb4_t *self, int f, const lnob_csv_row_t *row, int col, int64_t *out)
{
    const table_t *t = &self->t[f];
    char detail[DETAIL_MAX];
    int ok;
    size_t len = row->lens[col];
    *out = s_long(row->fields[col], len, &ok);
    if (ok)
        return 0;
    snprintf(detail, sizeof detail, "%s id is %s: '%.60s'", col == t->key_col ? "key" : "household",
             len ? "not a whole number" : "empty", row->fields[col]);
    s_reject(self, f, row, t->names[col], len ? "BAD_ID" : "MISSING_ID", detail);
    return -1;
}

/* Checks a data row's shape, keys and year; returns 0 to keep it. */
static int s_check(lnob_udb4_t *self, int f, const lnob_csv_row_t *row, row_t *r)
{
    const table_t *t = &self->t[f];
    char detail[DETAIL_MAX];
    const char *reason;
    if (lnob_csv_row_broken(row, &reason, detail, sizeof detail))
        return s_reject(self, f, row, "", reason, detail), -1;
    if (row->nfields != t->ncol) {
        snprintf(detail, sizeof detail, "row has %zu fields, the header has %zu", row->nfields, t->ncol);
        return s_reject(self, f, row, "", "ROW_WIDTH", detail), -1;
    }
    if (s_id(self, f, row, t->key_col, &r->key) != 0)
        return -1;
    if (f == LNOB_UDB4_R) {
        r->pid = r->key;
        r->key = r->pid / HH_FROM_PID;
        if (t->hh_col >= 0 && s_id(self, f, row, t->hh_col, &r->key) != 0)
            return -1;
    }
    int year = s_field_year(row, t->year_col);
    if (t->year_col >= 0 && year != self->year) {
        snprintf(detail, sizeof detail, "year is not the extract's %d: '%.20s'", self->year,
                 row->fields[t->year_col]);
        return s_reject(self, f, row, t->names[t->year_col], "YEAR_MISMATCH", detail), -1;
    }
    return 0;
}

int lnob_udb4_add(lnob_udb4_t *self, int f, const lnob_csv_row_t *row)
{
    table_t *t = &self->t[f];
    if (!t->names)
        return s_header(self, f, row);
    t->rows_read++;
    row_t r = {.line = row->line};
    if (s_check(self, f, row, &r) != 0)
        return LNOB_OK;
    r.off = t->len;
    s_pack(t, row);
    lnob_grow((void **) &t->rows, &t->cap_rows, t->n + 1, sizeof *t->rows);
    t->rows[t->n++] = r;
    return LNOB_OK;
}

int lnob_udb4_feed_row(void *feed, const lnob_csv_row_t *row)
{
    lnob_udb4_feed_t *f = feed;
    return lnob_udb4_add(f->join, f->file, row);
}

/* ---- joining ------------------------------------------------------------- */

static int s_by_key(const void *a, const void *b)
{
    const row_t *p = a, *q = b;
    if (p->key != q->key)
        return p->key < q->key ? -1 : 1;
    return (p->line > q->line) - (p->line < q->line);
}

/* Unpacks a row's fields into fields/lens. */
static void s_unpack(const table_t *t, const row_t *r, const char **fields, size_t *lens)
{
    const char *p = t->arena + r->off;
    for (size_t i = 0; i < t->ncol; i++)
        lens[i] = s_next_len(&p);
    for (size_t i = 0; i < t->ncol; i++) {
        fields[i] = p;
        p += lens[i] + 1;
    }
}

/* A kept row's field as a whole number; ok 0 when empty or not a number. */
static long s_row_long(const table_t *t, const row_t *r, int col, int *ok)
{
    *ok = 0;
    if (col < 0)
        return 0;
    const char *p = t->arena + r->off;
    size_t before = 0, len = 0;
    for (int i = 0; i < (int) t->ncol; i++) { /* the lengths, to find col's text */
        uint32_t n = s_next_len(&p);
        if (i < col)
            before += n + 1;
        else if (i == col)
            len = n;
    }
    return s_long(p + before, len, ok);
}

/* Queues a reject for a kept row (raw re-serialised from its fields). */
static void s_reject_kept(lnob_udb4_t *self, int f, const row_t *r, const char *field,
                          const char *reason, const char *detail)
{
    const table_t *t = &self->t[f];
    const char *fields[t->ncol ? t->ncol : 1];
    size_t lens[t->ncol ? t->ncol : 1];
    s_unpack(t, r, fields, lens);
    lnob_csv_row_t row = {t->ncol, fields, lens, r->line, 0, 0, NULL, NULL};
    s_reject(self, f, &row, field, reason, detail);
}

/* Sorts a table by key; second and later rows of a key are duplicates. */
static void s_sort(lnob_udb4_t *self, int f)
{
    table_t *t = &self->t[f];
    char detail[DETAIL_MAX];
    size_t sorted = 1;
    while (sorted < t->n && s_by_key(&t->rows[sorted - 1], &t->rows[sorted]) <= 0)
        sorted++;
    if (sorted < t->n) /* UDB files usually come sorted by key: then no sort */
        qsort(t->rows, t->n, sizeof *t->rows, s_by_key);
    if (f == LNOB_UDB4_R)
        return; /* a person id twice is the SILC source's DUPLICATE_ID */
    for (size_t i = 1; i < t->n; i++)
        if (t->rows[i].key == t->rows[i - 1].key) {
            t->rows[i].dup = 1;
            size_t first = i;
            while (t->rows[first].dup)
                first--;
            snprintf(detail, sizeof detail, "%s %lld already on line %llu of this file",
                     s_key_name[f], (long long) t->rows[i].key, (unsigned long long) t->rows[first].line);
            s_reject_kept(self, f, &t->rows[i], t->names[t->key_col], "DUPLICATE_KEY", detail);
        }
}

/* The first row with key, or NULL. */
static row_t *s_find(table_t *t, int64_t key)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->rows[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && t->rows[lo].key == key ? &t->rows[lo] : NULL;
}

static void s_free_rejects(table_t *t)
{
    for (size_t i = 0; i < t->n_rejects; i++) {
        free(t->rejects[i].detail);
        free(t->rejects[i].raw);
    }
    t->n_rejects = 0;
}

/* Sends the rejects queued so far, file by file. */
static int s_send_rejects(lnob_udb4_t *self, const lnob_udb4_out_t *out)
{
    int rc = LNOB_OK;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        table_t *t = &self->t[f];
        for (size_t i = 0; i < t->n_rejects && rc == LNOB_OK; i++) {
            const reject_t *r = &t->rejects[i];
            lnob_udb4_reject_t x = {r->file, t->source, r->line, r->field, r->reason, r->detail, r->raw};
            rc = out->reject(out->arg, &x);
        }
        s_free_rejects(t);
    }
    return rc;
}

static int s_send_header(lnob_udb4_t *self, const lnob_udb4_out_t *out)
{
    size_t k = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        self->base[f] = k;
        for (size_t i = 0; i < self->t[f].ncol; i++, k++) {
            self->fields[k] = self->t[f].names[i];
            self->lens[k] = strlen(self->t[f].names[i]);
        }
    }
    self->base[LNOB_UDB4_FILES] = k;
    lnob_csv_row_t h = {k, self->fields, self->lens, 1, 0, 0, NULL, NULL};
    return out->row(out->arg, &h);
}

/* Puts the fields of files [from, to) of the current row into the merged
 * row (empty when the file has no row for it). */
static void s_fill(lnob_udb4_t *self, int from, int to)
{
    for (int f = from; f < to; f++) {
        const table_t *t = &self->t[f];
        size_t b = self->base[f];
        if (self->cur[f])
            s_unpack(t, self->cur[f], self->fields + b, self->lens + b);
        else
            for (size_t i = 0; i < t->ncol; i++)
                self->fields[b + i] = "", self->lens[b + i] = 0;
    }
}

/* Sends one person: the household's D and H fields are in place already;
 * adds the person's R and P fields. After the household's first person,
 * the row says its D and H fields are the previous row's. */
static int s_send_person(lnob_udb4_t *self, const lnob_udb4_out_t *out, int first)
{
    s_fill(self, LNOB_UDB4_R, LNOB_UDB4_FILES);
    lnob_csv_row_t row = {self->base[LNOB_UDB4_FILES], self->fields, self->lens,
                          self->cur[LNOB_UDB4_R]->line, 0, first ? 0 : self->base[LNOB_UDB4_R], NULL, NULL};
    return out->row(out->arg, &row);
}

/* The first row of t with key, trying the row after *last first: the
 * households and persons come in key order, as the tables are sorted, so
 * a join nearly never searches. */
static row_t *s_find_after(table_t *t, row_t **last, int64_t key)
{
    if (!t->names || t->n == 0)
        return NULL;
    row_t *next = *last ? *last + 1 : t->rows;
    while (next < t->rows + t->n && next->dup)
        next++;
    if (next < t->rows + t->n && next->key == key)
        return *last = next;
    if (next < t->rows + t->n && next->key > key && (!*last || (*last)->key < key))
        return NULL; /* sorted: key would sit between *last and next */
    row_t *r = s_find(t, key);
    return r ? (*last = r) : NULL;
}

/* Current members of a household in R: rows with RB110 1-4 (all rows
 * when the file has no RB110). */
static long s_members(const lnob_udb4_t *self, const row_t *r, size_t n)
{
    const table_t *t = &self->t[LNOB_UDB4_R];
    long members = 0;
    for (size_t i = 0; i < n; i++) {
        int ok;
        long status = s_row_long(t, &r[i], t->size_col, &ok);
        members += t->size_col < 0 || (ok && status >= 1 && status <= 4);
    }
    return members;
}

/* Why the persons of household r[0..n) cannot be joined; NULL if they can. */
static const char *s_household_problem(lnob_udb4_t *self, const row_t *r, size_t n, const row_t *d,
                                       const row_t *h, char *detail, const char **field)
{
    const table_t *ht = &self->t[LNOB_UDB4_H];
    int ok;
    *field = self->t[LNOB_UDB4_R].hh_col >= 0 ? self->t[LNOB_UDB4_R].names[self->t[LNOB_UDB4_R].hh_col] : "RB030";
    if (!d || !h) {
        snprintf(detail, DETAIL_MAX, "household %lld has no row in the %s file (%s)", (long long) r->key,
                 d ? "H" : "D", self->t[d ? LNOB_UDB4_H : LNOB_UDB4_D].source);
        return "ORPHAN_HOUSEHOLD";
    }
    long size = s_row_long(ht, h, ht->size_col, &ok), members = s_members(self, r, n);
    if (!ok || size == members)
        return NULL;
    *field = "HX040";
    snprintf(detail, DETAIL_MAX, "household %lld: HX040 is %ld (%s line %llu) but the R file has %ld current members",
             (long long) r->key, size, ht->source, (unsigned long long) h->line, members);
    return "HOUSEHOLD_SIZE";
}

/* A household that cannot be joined: its D and H rows and each person's
 * R and P rows go to the quarantine with the reason, so that nothing of it
 * is lost and a replay has the whole household. */
static void s_reject_household(lnob_udb4_t *self, row_t *r, size_t n, row_t *d, row_t *h,
                               const char *why, const char *detail, const char *field)
{
    table_t *ht = &self->t[LNOB_UDB4_H], *pt = &self->t[LNOB_UDB4_P];
    if (d)
        s_reject_kept(self, LNOB_UDB4_D, d, self->t[LNOB_UDB4_D].names[self->t[LNOB_UDB4_D].key_col],
                      why, detail);
    if (h)
        s_reject_kept(self, LNOB_UDB4_H, h, strcmp(why, "HOUSEHOLD_SIZE") ? ht->names[ht->key_col] : "HX040",
                      why, detail);
    for (size_t i = 0; i < n; i++) {
        s_reject_kept(self, LNOB_UDB4_R, &r[i], field, why, detail);
        row_t *p = s_find_after(pt, &self->last[LNOB_UDB4_P], r[i].pid);
        if (p && !p->used) { /* once, if two R rows name the person */
            p->used = 1;
            s_reject_kept(self, LNOB_UDB4_P, p, pt->names[pt->key_col], why, detail);
        }
    }
}

static int s_household(lnob_udb4_t *self, const lnob_udb4_out_t *out, row_t *r, size_t n)
{
    row_t *d = s_find_after(&self->t[LNOB_UDB4_D], &self->last[LNOB_UDB4_D], r->key);
    row_t *h = s_find_after(&self->t[LNOB_UDB4_H], &self->last[LNOB_UDB4_H], r->key);
    char detail[DETAIL_MAX];
    const char *field;
    const char *why = s_household_problem(self, r, n, d, h, detail, &field);
    if (d)
        d->used = 1;
    if (h)
        h->used = 1;
    if (why) {
        s_reject_household(self, r, n, d, h, why, detail, field);
        return s_send_rejects(self, out);
    }
    int rc = LNOB_OK;
    for (size_t i = 0; i < n && rc == LNOB_OK; i++) {
        row_t *p = s_find_after(&self->t[LNOB_UDB4_P], &self->last[LNOB_UDB4_P], r[i].pid);
        if (p)
            p->used = 1;
        int first = !self->cur[LNOB_UDB4_D];
        if (first) {
            self->cur[LNOB_UDB4_D] = d, self->cur[LNOB_UDB4_H] = h;
            s_fill(self, LNOB_UDB4_D, LNOB_UDB4_R);
        }
        self->cur[LNOB_UDB4_R] = &r[i], self->cur[LNOB_UDB4_P] = p;
        rc = s_send_person(self, out, first);
    }
    memset(self->cur, 0, sizeof self->cur);
    return rc;
}

/* Rows of D, H and P that no person used. */
static void s_leftovers(lnob_udb4_t *self)
{
    char detail[DETAIL_MAX];
    table_t *d = &self->t[LNOB_UDB4_D], *h = &self->t[LNOB_UDB4_H], *p = &self->t[LNOB_UDB4_P];
    for (size_t i = 0; i < h->n; i++)
        if (!h->rows[i].used && !h->rows[i].dup) {
            snprintf(detail, DETAIL_MAX, "no person of household %lld in the R file (%s)",
                     (long long) h->rows[i].key, self->t[LNOB_UDB4_R].source);
            s_reject_kept(self, LNOB_UDB4_H, &h->rows[i], h->names[h->key_col], "ORPHAN_HOUSEHOLD", detail);
        }
    for (size_t i = 0; i < p->n; i++)
        if (!p->rows[i].used && !p->rows[i].dup) {
            snprintf(detail, DETAIL_MAX, "no person %lld in the R file (%s)", (long long) p->rows[i].key,
                     self->t[LNOB_UDB4_R].source);
            s_reject_kept(self, LNOB_UDB4_P, &p->rows[i], p->names[p->key_col], "ORPHAN_PERSON", detail);
        }
    for (size_t i = 0; i < d->n; i++) {
        int ok;
        const row_t *r = &d->rows[i];
        if (r->used || r->dup)
            continue;
        if (s_find(h, r->key)) /* its H row is an orphan too (above) */
            snprintf(detail, DETAIL_MAX, "no person of household %lld in the R file (%s)", (long long) r->key,
                     self->t[LNOB_UDB4_R].source);
        else if (s_row_long(d, r, d->size_col, &ok) != 1 || !ok) {
            self->nonresponse++;
            continue;
        } else
            snprintf(detail, DETAIL_MAX, "interview accepted (DB135 = 1) but household %lld has no row in the H file",
                     (long long) r->key);
        s_reject_kept(self, LNOB_UDB4_D, r, d->names[d->key_col], "ORPHAN_HOUSEHOLD", detail);
    }
}

int lnob_udb4_join(lnob_udb4_t *self, const lnob_udb4_out_t *out)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (self->t[f].source && !self->t[f].names) {
            self->reason = "EMPTY_FILE";
            snprintf(self->errstr, sizeof self->errstr, "%s: the file is empty (no header row)",
                     self->t[f].source);
            return LNOB_ERR;
        }
    size_t cols = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        s_sort(self, f);
        cols += self->t[f].ncol;
    }
    self->fields = lnob_calloc(cols, sizeof *self->fields);
    self->lens = lnob_calloc(cols, sizeof *self->lens);
    int rc = s_send_header(self, out);
    if (rc == LNOB_OK)
        rc = s_send_rejects(self, out);
    table_t *r = &self->t[LNOB_UDB4_R];
    for (size_t i = 0, j; i < r->n && rc == LNOB_OK; i = j) {
        for (j = i + 1; j < r->n && r->rows[j].key == r->rows[i].key; j++)
            ;
        rc = s_household(self, out, &r->rows[i], j - i);
    }
    if (rc != LNOB_OK)
        return rc;
    s_leftovers(self);
    return s_send_rejects(self, out);
}

/* ---- lifecycle and accessors ---------------------------------------------- */

lnob_udb4_t *lnob_udb4_new(const char *const source[LNOB_UDB4_FILES], int year)
{
    lnob_udb4_t *self = lnob_calloc(1, sizeof *self);
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        self->t[f].source = source[f];
    self->year = year;
    return self;
}

void lnob_udb4_destroy(lnob_udb4_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_udb4_t *self = *self_p;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        table_t *t = &self->t[f];
        for (size_t i = 0; i < t->ncol; i++)
            free(t->names[i]);
        free(t->names);
        free(t->arena);
        free(t->rows);
        s_free_rejects(t);
        free(t->rejects);
    }
    free(self->fields);
    free(self->lens);
    free(self);
    *self_p = NULL;
}

void lnob_udb4_where(const lnob_udb4_t *self, size_t field, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (field >= self->base[f] && field < self->base[f + 1] && f != LNOB_UDB4_R && self->cur[f])
            snprintf(buf, cap, "%s line %llu", self->t[f].source,
                     (unsigned long long) self->cur[f]->line);
}

char *lnob_udb4_headers(const lnob_udb4_t *self)
{
    size_t cap = 1;
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        for (size_t i = 0; i < self->t[f].ncol; i++) /* room for every name quoted */
            cap += 2 * strlen(self->t[f].names[i]) + 3;
    cap += LNOB_UDB4_FILES * (2 * 1 + 3 + 1); /* each file's letter, quoted, and a newline */
    char *out = lnob_malloc(cap);
    size_t len = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        const table_t *t = &self->t[f];
        if (!t->names)
            continue;
        const char *fields[t->ncol + 1];
        size_t lens[t->ncol + 1];
        fields[0] = lnob_udb4_names[f], lens[0] = 1;
        for (size_t i = 0; i < t->ncol; i++)
            fields[i + 1] = t->names[i], lens[i + 1] = strlen(t->names[i]);
        lnob_csv_row_t row = {t->ncol + 1, fields, lens, 1, 0, 0, NULL, NULL};
        len += lnob_csv_format_row(&row, ',', out + len, cap - len);
        out[len++] = '\n';
    }
    out[len] = '\0';
    return out;
}

uint64_t lnob_udb4_rows(const lnob_udb4_t *self, int file) { return self->t[file].rows_read; }
uint64_t lnob_udb4_nonresponse(const lnob_udb4_t *self) { return self->nonresponse; }
/* The first file's error (file order), else the join's. */
static const table_t *s_failed(const lnob_udb4_t *self)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (self->t[f].reason)
            return &self->t[f];
    return NULL;
}

const char *lnob_udb4_reason(const lnob_udb4_t *self)
{
    const table_t *t = s_failed(self);
    return t ? t->reason : self->reason ? self->reason : "ERROR";
}

const char *lnob_udb4_errstr(const lnob_udb4_t *self)
{
    const table_t *t = s_failed(self);
    return t ? t->errstr : self->errstr;
}
