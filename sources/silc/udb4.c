/* udb4.c - D, H, R and P files of one year joined into merged person rows
 * (udb4.h). */
#include "udb4.h"

#include "rejects.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lnob/clock.h"
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

#define SCAN_HEADER (-2)

/* What the first read of a file learnt of its order (lnob_udb4_scan_row). */
typedef struct {
    int key_col, hh_col;  /* -1 when absent; key_col SCAN_HEADER before the header */
    int64_t last_key;     /* the key of the last row */
    int unsorted;         /* a key went down */
    int moved;            /* R: a household is not RB030/100 */
} scan_t;

/* Rows of one file, packed: their fields in the arena (s_pack), in the
 * order they were read; and the file's rejects not yet sent. */
typedef struct {
    char *arena;
    size_t len, cap;
    row_t *rows;
    size_t n, cap_rows;
    reject_t *rejects;
    size_t n_rejects, cap_rejects;
} chunk_t;

/* One file. The thread that feeds it (lnob_udb4_add) fills stage and,
 * streaming, hands it over through slot; the join works on win, the rows
 * it has taken and not yet joined. Header, columns and rows_read are the
 * feeder's until its first hand-over, then read-only. */
typedef struct {
    const char *source;
    char **names;
    size_t ncol;
    int key_col, year_col;
    int hh_col;       /* R: RX030 or RB040 */
    int size_col;     /* H: HX040; R: RB110; D: DB135 */
    chunk_t stage, slot, win;
    int slot_full;    /* under mu: slot holds a chunk for the join */
    int ended;        /* under mu: the feeder is done (end_rc) and slot holds its last rows */
    int end_rc;
    int taken_end;    /* the join has taken the last rows */
    int64_t last_hkey;/* the household of the last row taken (order check) */
    FILE **parts;     /* spilling: the temporary file of each part, NULL while empty */
    uint64_t rows_read;
    const char *reason; /* a header without its key column */
    char errstr[LNOB_ERRSTR_MAX];
    scan_t scan;
} table_t;

struct lnob_udb4 {
    table_t t[LNOB_UDB4_FILES];
    int year;
    int apart;                         /* fed by other threads, each ending its file */
    size_t chunk_rows;                 /* rows per hand-over; 0: whole files */
    size_t parts;                      /* spilling: the number of parts; 0 not */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int aborted;                       /* under mu: the join gave up; feeders stop */
    const row_t *cur[LNOB_UDB4_FILES]; /* the merged row being sent */
    row_t *last[LNOB_UDB4_FILES];      /* the row of each table found last */
    size_t base[LNOB_UDB4_FILES + 1];  /* first merged column of each file */
    const char **fields;               /* the merged row */
    size_t *lens;
    uint64_t nonresponse;
    size_t peak_rows;                  /* the most rows the windows held at once */
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

/* Queues a reject of file f in c. */
static void s_reject(chunk_t *c, int f, const lnob_csv_row_t *row, const char *field, const char *reason,
                     const char *detail)
{
    lnob_grow((void **) &c->rejects, &c->cap_rejects, c->n_rejects + 1, sizeof *c->rejects);
    reject_t *r = &c->rejects[c->n_rejects++];
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

static void s_pack(chunk_t *t, const lnob_csv_row_t *row)
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
    s_reject(&self->t[f].stage, f, row, t->names[col], len ? "BAD_ID" : "MISSING_ID", detail);
    return -1;
}

/* Checks a data row's shape, keys and year; returns 0 to keep it. */
static int s_check(lnob_udb4_t *self, int f, const lnob_csv_row_t *row, row_t *r)
{
    const table_t *t = &self->t[f];
    char detail[DETAIL_MAX];
    const char *reason;
    if (lnob_csv_row_broken(row, &reason, detail, sizeof detail))
        return s_reject(&self->t[f].stage, f, row, "", reason, detail), -1;
    if (row->nfields != t->ncol) {
        snprintf(detail, sizeof detail, "row has %zu fields, the header has %zu", row->nfields, t->ncol);
        return s_reject(&self->t[f].stage, f, row, "", "ROW_WIDTH", detail), -1;
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
        return s_reject(&self->t[f].stage, f, row, t->names[t->year_col], "YEAR_MISMATCH", detail), -1;
    }
    return 0;
}

/* ---- the first read: is every file in household order? --------------------- */

/* The household a row of file f belongs to, by its key: P's person id
 * over 100, as R's (the stream needs it so; lnob_udb4_scan_row checks). */
static int64_t s_hkey(int f, int64_t key)
{
    return f == LNOB_UDB4_P ? key / HH_FROM_PID : key;
}

static void s_scan_header(scan_t *s, int f, const lnob_csv_row_t *row)
{
    s->key_col = s_col(row->fields, row->lens, row->nfields, s_key_name[f]);
    s->hh_col = -1;
    if (f == LNOB_UDB4_R) {
        s->hh_col = s_col(row->fields, row->lens, row->nfields, "RX030");
        if (s->hh_col < 0)
            s->hh_col = s_col(row->fields, row->lens, row->nfields, "RB040");
    }
    s->last_key = INT64_MIN;
}

int lnob_udb4_scan_row(void *feed, const lnob_csv_row_t *row)
{
    lnob_udb4_feed_t *fd = feed;
    int f = fd->file, ok;
    scan_t *s = &fd->join->t[f].scan;
    if (s->key_col == SCAN_HEADER) {
        s_scan_header(s, f, row);
        return LNOB_OK;
    }
    if (s->key_col < 0 || (size_t) s->key_col >= row->nfields)
        return LNOB_OK;
    int64_t key = s_long(row->fields[s->key_col], row->lens[s->key_col], &ok);
    if (!ok) /* rejected when read again: no part of the order */
        return LNOB_OK;
    if (s->hh_col >= 0 && (size_t) s->hh_col < row->nfields) {
        int64_t hh = s_long(row->fields[s->hh_col], row->lens[s->hh_col], &ok);
        s->moved |= ok && hh != key / HH_FROM_PID;
    }
    s->unsorted |= key < s->last_key;
    s->last_key = key;
    return LNOB_OK;
}

/* 1 when the first read of some file found it out of household order
 * (moved 0) or with a household that is not RB030/100 (moved 1), or had
 * no header to go by. */
static int s_scan_found(const lnob_udb4_t *self, int moved)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        const scan_t *s = &self->t[f].scan;
        if (self->t[f].source && (s->key_col == SCAN_HEADER || (moved ? s->moved : s->unsorted)))
            return 1;
    }
    return 0;
}

const char *lnob_udb4_choose(lnob_udb4_t *self, size_t input_bytes)
{
    int moved = s_scan_found(self, 1);
    if (!moved && !s_scan_found(self, 0)) {
        lnob_udb4_stream(self, LNOB_UDB4_CHUNK_ROWS);
        return "in household order: streamed";
    }
    if (!moved) {
        size_t parts = input_bytes / LNOB_UDB4_PART_BYTES + 1;
        lnob_udb4_spill(self, parts < LNOB_UDB4_PARTS_MAX ? parts : LNOB_UDB4_PARTS_MAX, LNOB_UDB4_CHUNK_ROWS);
        return "not in household order: spilled by household into temporary parts, each joined in turn";
    }
    lnob_udb4_stream(self, 0);
    return "not in a form the stream or the parts can take (a household that is not RB030/100): "
           "joined whole, in memory";
}

/* Keeps the most rows the windows held at once. */
static void s_note_peak(lnob_udb4_t *self)
{
    size_t held = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        held += self->t[f].win.n;
    self->peak_rows = held > self->peak_rows ? held : self->peak_rows;
}

/* ---- spilling: the parts of files in no order ------------------------------ */

/* One spilled row: then len bytes of its packed fields. */
typedef struct {
    int64_t key, pid;
    uint64_t line;
    uint64_t len;
} spill_t;

static size_t s_part(const lnob_udb4_t *self, int f, int64_t key)
{
    uint64_t h = (uint64_t) s_hkey(f, key) * 0x9E3779B97F4A7C15ull;
    return (size_t) ((h >> 32) % self->parts);
}

/* A temporary file, unlinked at once: nothing stays behind, even after a crash. */
static FILE *s_tmp(void)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/lnob-join-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *fp = fdopen(fd, "w+");
    if (!fp)
        close(fd);
    return fp;
}

static int s_spill_fail(table_t *t, const char *what)
{
    t->reason = "SPILL_FAILED";
    snprintf(t->errstr, sizeof t->errstr, "%s: cannot %s a temporary part of the join (TMPDIR): %s", t->source,
             what, strerror(errno));
    return LNOB_ERR;
}

/* Writes the row last packed in the stage to its part. */
static int s_spill(lnob_udb4_t *self, int f, const row_t *r)
{
    table_t *t = &self->t[f];
    size_t k = s_part(self, f, r->key);
    if (!t->parts[k] && !(t->parts[k] = s_tmp()))
        return s_spill_fail(t, "make");
    spill_t x = {r->key, r->pid, r->line, t->stage.len - r->off};
    if (fwrite(&x, sizeof x, 1, t->parts[k]) != 1 ||
        fwrite(t->stage.arena + r->off, 1, (size_t) x.len, t->parts[k]) != x.len)
        return s_spill_fail(t, "write");
    t->stage.len = r->off;
    return LNOB_OK;
}

/* Reads part k of every file into its window. */
static int s_load_part(lnob_udb4_t *self, size_t k)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        table_t *t = &self->t[f];
        FILE *fp = t->parts ? t->parts[k] : NULL;
        spill_t x;
        if (!fp)
            continue;
        if (fflush(fp) != 0 || fseek(fp, 0, SEEK_SET) != 0)
            return s_spill_fail(t, "read");
        while (fread(&x, sizeof x, 1, fp) == 1) {
            chunk_t *w = &t->win;
            lnob_grow((void **) &w->arena, &w->cap, w->len + x.len, 1);
            lnob_grow((void **) &w->rows, &w->cap_rows, w->n + 1, sizeof *w->rows);
            if (fread(w->arena + w->len, 1, (size_t) x.len, fp) != x.len)
                return s_spill_fail(t, "read");
            w->rows[w->n++] = (row_t){.key = x.key, .pid = x.pid, .line = x.line, .off = w->len};
            w->len += x.len;
        }
        if (ferror(fp))
            return s_spill_fail(t, "read");
        fclose(fp);
        t->parts[k] = NULL;
    }
    s_note_peak(self);
    return LNOB_OK;
}

/* ---- feeding: the reading threads' side ------------------------------------ */

#define WAIT_MS 50 /* a wait for the other side wakes this often (the join beats then) */

static void s_wait(lnob_udb4_t *self)
{
    struct timespec ts = lnob_deadline(WAIT_MS);
    pthread_cond_timedwait(&self->cv, &self->mu, &ts);
}

static void s_chunk_clear(chunk_t *c)
{
    c->len = c->n = c->n_rejects = 0;
}

/* Hands the stage to the join (end: with the file's end and rc), waiting
 * while the join has not taken the one before. LNOB_CLOSED when the join
 * gave up. */
static int s_hand_over(lnob_udb4_t *self, table_t *t, int end, int rc)
{
    pthread_mutex_lock(&self->mu);
    while (t->slot_full && !self->aborted)
        s_wait(self);
    int aborted = self->aborted;
    if (!aborted) {
        chunk_t spare = t->slot; /* taken and emptied: its buffers are the next stage's */
        t->slot = t->stage;
        t->stage = spare;
        s_chunk_clear(&t->stage);
        t->slot_full = 1;
        t->ended = end;
        t->end_rc = rc;
        pthread_cond_broadcast(&self->cv);
    }
    pthread_mutex_unlock(&self->mu);
    return aborted ? LNOB_CLOSED : LNOB_OK;
}

int lnob_udb4_add(lnob_udb4_t *self, int f, const lnob_csv_row_t *row)
{
    table_t *t = &self->t[f];
    if (!t->names)
        return s_header(self, f, row);
    t->rows_read++;
    row_t r = {.line = row->line};
    if (s_check(self, f, row, &r) == 0) {
        r.off = t->stage.len;
        s_pack(&t->stage, row);
        if (self->parts && s_spill(self, f, &r) != LNOB_OK)
            return LNOB_ERR;
        if (!self->parts) {
            lnob_grow((void **) &t->stage.rows, &t->stage.cap_rows, t->stage.n + 1, sizeof *t->stage.rows);
            t->stage.rows[t->stage.n++] = r;
        }
    }
    if (self->chunk_rows && t->stage.n + t->stage.n_rejects >= self->chunk_rows)
        return s_hand_over(self, t, 0, LNOB_OK);
    return LNOB_OK;
}

int lnob_udb4_feed_row(void *feed, const lnob_csv_row_t *row)
{
    lnob_udb4_feed_t *f = feed;
    return lnob_udb4_add(f->join, f->file, row);
}

void lnob_udb4_stream(lnob_udb4_t *self, size_t chunk_rows)
{
    self->apart = 1;
    self->chunk_rows = chunk_rows;
}

void lnob_udb4_spill(lnob_udb4_t *self, size_t parts, size_t chunk_rows)
{
    lnob_udb4_stream(self, chunk_rows);
    self->parts = parts ? parts : 1;
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        self->t[f].parts = lnob_calloc(self->parts, sizeof *self->t[f].parts);
}

void lnob_udb4_end(lnob_udb4_t *self, int f, int rc)
{
    s_hand_over(self, &self->t[f], 1, rc);
}

void lnob_udb4_abort(lnob_udb4_t *self)
{
    pthread_mutex_lock(&self->mu);
    self->aborted = 1;
    pthread_cond_broadcast(&self->cv);
    pthread_mutex_unlock(&self->mu);
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
    const char *p = t->win.arena + r->off;
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
    const char *p = t->win.arena + r->off;
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
    s_reject(&self->t[f].win, f, &row, field, reason, detail);
}

/* Sorts a table by key; second and later rows of a key are duplicates. */
static void s_sort(lnob_udb4_t *self, int f)
{
    table_t *t = &self->t[f];
    char detail[DETAIL_MAX];
    size_t sorted = 1;
    while (sorted < t->win.n && s_by_key(&t->win.rows[sorted - 1], &t->win.rows[sorted]) <= 0)
        sorted++;
    if (sorted < t->win.n) /* UDB files usually come sorted by key: then no sort */
        qsort(t->win.rows, t->win.n, sizeof *t->win.rows, s_by_key);
    if (f == LNOB_UDB4_R)
        return; /* a person id twice is the SILC source's DUPLICATE_ID */
    for (size_t i = 1; i < t->win.n; i++)
        if (t->win.rows[i].key == t->win.rows[i - 1].key) {
            t->win.rows[i].dup = 1;
            size_t first = i;
            while (t->win.rows[first].dup)
                first--;
            snprintf(detail, sizeof detail, "%s %lld already on line %llu of this file",
                     s_key_name[f], (long long) t->win.rows[i].key, (unsigned long long) t->win.rows[first].line);
            s_reject_kept(self, f, &t->win.rows[i], t->names[t->key_col], "DUPLICATE_KEY", detail);
        }
}

/* The first row with key, or NULL. */
static row_t *s_find(table_t *t, int64_t key)
{
    size_t lo = 0, hi = t->win.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->win.rows[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->win.n && t->win.rows[lo].key == key ? &t->win.rows[lo] : NULL;
}

static void s_free_rejects(chunk_t *c)
{
    for (size_t i = 0; i < c->n_rejects; i++) {
        free(c->rejects[i].detail);
        free(c->rejects[i].raw);
    }
    c->n_rejects = 0;
}

static void s_chunk_free(chunk_t *c)
{
    s_free_rejects(c);
    free(c->arena);
    free(c->rows);
    free(c->rejects);
}

/* Sends the rejects queued so far, file by file. */
static int s_send_rejects(lnob_udb4_t *self, const lnob_udb4_out_t *out)
{
    int rc = LNOB_OK;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        table_t *t = &self->t[f];
        for (size_t i = 0; i < t->win.n_rejects && rc == LNOB_OK; i++) {
            const reject_t *r = &t->win.rejects[i];
            lnob_udb4_reject_t x = {r->file, t->source, r->line, r->field, r->reason, r->detail, r->raw};
            rc = out->reject(out->arg, &x);
        }
        s_free_rejects(&t->win);
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
    if (!t->names || t->win.n == 0)
        return NULL;
    row_t *next = *last ? *last + 1 : t->win.rows;
    while (next < t->win.rows + t->win.n && next->dup)
        next++;
    if (next < t->win.rows + t->win.n && next->key == key)
        return *last = next;
    if (next < t->win.rows + t->win.n && next->key > key && (!*last || (*last)->key < key))
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
    for (size_t i = 0; i < h->win.n; i++)
        if (!h->win.rows[i].used && !h->win.rows[i].dup) {
            snprintf(detail, DETAIL_MAX, "no person of household %lld in the R file (%s)",
                     (long long) h->win.rows[i].key, self->t[LNOB_UDB4_R].source);
            s_reject_kept(self, LNOB_UDB4_H, &h->win.rows[i], h->names[h->key_col], "ORPHAN_HOUSEHOLD", detail);
        }
    for (size_t i = 0; i < p->win.n; i++)
        if (!p->win.rows[i].used && !p->win.rows[i].dup) {
            snprintf(detail, DETAIL_MAX, "no person %lld in the R file (%s)", (long long) p->win.rows[i].key,
                     self->t[LNOB_UDB4_R].source);
            s_reject_kept(self, LNOB_UDB4_P, &p->win.rows[i], p->names[p->key_col], "ORPHAN_PERSON", detail);
        }
    for (size_t i = 0; i < d->win.n; i++) {
        int ok;
        const row_t *r = &d->win.rows[i];
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

/* ---- the join's side: taking rows, joining what is complete ----------------- */

/* Appends chunk c of file f to its window; c is left empty. Streaming,
 * the rows must come in household order (the first read found them so). */
static int s_append(lnob_udb4_t *self, int f, chunk_t *c)
{
    table_t *t = &self->t[f];
    chunk_t *w = &t->win;
    int rc = LNOB_OK;
    if (c->len) {
        lnob_grow((void **) &w->arena, &w->cap, w->len + c->len, 1);
        memcpy(w->arena + w->len, c->arena, c->len);
    }
    lnob_grow((void **) &w->rows, &w->cap_rows, w->n + c->n, sizeof *w->rows);
    for (size_t i = 0; i < c->n; i++) {
        row_t r = c->rows[i];
        r.off += w->len;
        w->rows[w->n++] = r;
        int64_t h = s_hkey(f, r.key);
        if (self->chunk_rows && !self->parts && h < t->last_hkey && rc == LNOB_OK) {
            self->reason = "FILE_CHANGED";
            snprintf(self->errstr, sizeof self->errstr,
                     "%s: line %llu is out of household order, though the file's first read found it in order",
                     t->source, (unsigned long long) r.line);
            rc = LNOB_ERR;
        }
        t->last_hkey = h > t->last_hkey ? h : t->last_hkey;
    }
    w->len += c->len;
    if (c->n_rejects) {
        lnob_grow((void **) &w->rejects, &w->cap_rejects, w->n_rejects + c->n_rejects, sizeof *w->rejects);
        memcpy(w->rejects + w->n_rejects, c->rejects, c->n_rejects * sizeof *c->rejects);
        w->n_rejects += c->n_rejects;
    }
    s_chunk_clear(c);
    s_note_peak(self);
    return rc;
}

/* Takes file f's next rows, waiting for them (out's idle called between
 * waits). LNOB_OK; else the feeder's rc, idle's, or LNOB_ERR (errstr). */
static int s_pull(lnob_udb4_t *self, int f, const lnob_udb4_out_t *out)
{
    table_t *t = &self->t[f];
    int rc = LNOB_OK;
    pthread_mutex_lock(&self->mu);
    while (!t->slot_full && rc == LNOB_OK) {
        s_wait(self);
        if (!t->slot_full && out->idle) {
            pthread_mutex_unlock(&self->mu);
            rc = out->idle(out->arg);
            pthread_mutex_lock(&self->mu);
        }
    }
    if (rc == LNOB_OK) {
        rc = s_append(self, f, &t->slot);
        t->slot_full = 0;
        t->taken_end = t->ended;
        if (rc == LNOB_OK && t->ended)
            rc = t->end_rc;
        pthread_cond_broadcast(&self->cv);
    }
    pthread_mutex_unlock(&self->mu);
    return rc;
}

/* Fed in this thread, before the join: each file's rows are all there. */
static void s_end_all(lnob_udb4_t *self)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (self->t[f].source && !self->t[f].ended)
            s_hand_over(self, &self->t[f], 1, LNOB_OK);
}

/* Rows of t's window whose household is at most k (the window is in
 * household order when k is not INT64_MAX). */
static size_t s_at_most(const table_t *t, int f, int64_t k)
{
    if (k == INT64_MAX)
        return t->win.n;
    size_t lo = 0, hi = t->win.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_hkey(f, t->win.rows[mid].key) <= k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The households up to which every file's rows are all taken: *k; returns
 * -1 when some file has a row of a household up to *k to join, else the
 * file whose next rows are needed first. */
static int s_bound(const lnob_udb4_t *self, int64_t *k)
{
    int need = -1;
    *k = INT64_MAX;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        const table_t *t = &self->t[f];
        if (!t->source || t->taken_end)
            continue;
        int64_t kf = INT64_MIN; /* nothing taken yet: every household may follow */
        if (t->win.n) {
            int64_t last = s_hkey(f, t->win.rows[t->win.n - 1].key);
            kf = last == INT64_MIN ? last : last - 1; /* rows of the last household may follow */
        }
        if (kf < *k)
            *k = kf, need = f;
    }
    if (!self->chunk_rows) /* whole files, in no known order: all of them first */
        return need;
    for (int f = 0; f < LNOB_UDB4_FILES && need >= 0; f++)
        if (self->t[f].source && s_at_most(&self->t[f], f, *k))
            need = -1;
    return need;
}

/* Drops the first n rows of t's window (joined and sent). */
static void s_drop(table_t *t, size_t n)
{
    chunk_t *w = &t->win;
    if (n == w->n) { /* all of it (whole or spilled: rows sorted out of arena order) */
        w->n = w->len = 0;
        return;
    }
    size_t from = w->rows[n].off; /* streaming, rows lie in arena order */
    memmove(w->arena, w->arena + from, w->len - from);
    w->len -= from;
    memmove(w->rows, w->rows + n, (w->n - n) * sizeof *w->rows);
    w->n -= n;
    for (size_t i = 0; i < w->n; i++)
        w->rows[i].off -= from;
}

/* Joins and sends the households up to k, and drops them. */
static int s_window(lnob_udb4_t *self, const lnob_udb4_out_t *out, int64_t k)
{
    size_t all[LNOB_UDB4_FILES];
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        table_t *t = &self->t[f];
        all[f] = t->win.n;
        t->win.n = s_at_most(t, f, k);
        s_sort(self, f);
    }
    memset(self->last, 0, sizeof self->last);
    int rc = LNOB_OK;
    table_t *r = &self->t[LNOB_UDB4_R];
    for (size_t i = 0, j; i < r->win.n && rc == LNOB_OK; i = j) {
        for (j = i + 1; j < r->win.n && r->win.rows[j].key == r->win.rows[i].key; j++)
            ;
        rc = s_household(self, out, &r->win.rows[i], j - i);
    }
    if (rc == LNOB_OK) {
        s_leftovers(self);
        rc = s_send_rejects(self, out);
    }
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        size_t done = self->t[f].win.n;
        self->t[f].win.n = all[f];
        s_drop(&self->t[f], done);
    }
    memset(self->last, 0, sizeof self->last);
    return rc;
}

/* Takes each file's first rows, with its header; checks every file had one. */
static int s_start(lnob_udb4_t *self, const lnob_udb4_out_t *out)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        int rc = self->t[f].source ? s_pull(self, f, out) : LNOB_OK;
        if (rc != LNOB_OK)
            return rc;
    }
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (self->t[f].source && !self->t[f].names) {
            self->reason = "EMPTY_FILE";
            snprintf(self->errstr, sizeof self->errstr, "%s: the file is empty (no header row)",
                     self->t[f].source);
            return LNOB_ERR;
        }
    size_t cols = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        cols += self->t[f].ncol;
    self->fields = lnob_calloc(cols ? cols : 1, sizeof *self->fields);
    self->lens = lnob_calloc(cols ? cols : 1, sizeof *self->lens);
    int rc = s_send_header(self, out);
    return rc == LNOB_OK ? s_send_rejects(self, out) : rc;
}

int lnob_udb4_join(lnob_udb4_t *self, const lnob_udb4_out_t *out)
{
    if (!self->apart)
        s_end_all(self);
    int rc = s_start(self, out);
    while (rc == LNOB_OK) {
        int64_t k;
        int need = s_bound(self, &k);
        if (need >= 0) {
            rc = s_pull(self, need, out);
            if (rc == LNOB_OK && self->parts) /* rejects only: the rows went to the parts */
                rc = s_send_rejects(self, out);
            continue;
        }
        rc = s_window(self, out, k);
        if (k == INT64_MAX)
            break;
    }
    for (size_t k = 0; k < self->parts && rc == LNOB_OK; k++) {
        rc = s_load_part(self, k);
        if (rc == LNOB_OK)
            rc = s_window(self, out, INT64_MAX);
    }
    return rc;
}

/* ---- lifecycle and accessors ---------------------------------------------- */

lnob_udb4_t *lnob_udb4_new(const char *const source[LNOB_UDB4_FILES], int year)
{
    lnob_udb4_t *self = lnob_calloc(1, sizeof *self);
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        self->t[f].source = source[f];
        self->t[f].last_hkey = INT64_MIN;
        self->t[f].scan.key_col = SCAN_HEADER;
    }
    self->year = year;
    pthread_mutex_init(&self->mu, NULL);
    pthread_cond_init(&self->cv, NULL);
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
        s_chunk_free(&t->stage);
        s_chunk_free(&t->slot);
        s_chunk_free(&t->win);
        for (size_t k = 0; t->parts && k < self->parts; k++)
            if (t->parts[k])
                fclose(t->parts[k]);
        free(t->parts);
    }
    pthread_mutex_destroy(&self->mu);
    pthread_cond_destroy(&self->cv);
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
size_t lnob_udb4_peak_rows(const lnob_udb4_t *self) { return self->peak_rows; }
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
