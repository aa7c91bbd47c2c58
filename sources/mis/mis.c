/* mis.c - one municipal MIS export: encoding and delimiter, header mapping,
 * row validation, person keys, columnar batches (mis.h).
 *
 * The bytes become UTF-8 rows in the export's encoding and delimiter
 * (lnob/dialect.h, the reader the SILC files share). Privacy rules, applied
 * where text leaves: the personal number is only ever hashed; a reject's
 * raw row is only its shape (digits 9, letters A) with the row's person
 * key; and every string that leaves (raw, detail, header) has anything
 * shaped like a personal number cut out. */
#include "mis.h"

#include "rejects.h"
#include "slots.h"
#include "textcache.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/csv.h"
#include "lnob/dialect.h"
#include "lnob/mem.h"
#include "mis_codes.h"

#define HEADER_LINE_MAX 65536   /* bytes of the header row kept */
#define CACHE_MAX 4096          /* distinct texts remembered per lookup */
#define NEAREST 3               /* names suggested for an unknown municipality */
#define RECORD_ID_MAX 64        /* bytes of a record id */
#define YEAR_MIN 1900
#define YEAR_MAX 2100
#define MID_YEAR 701            /* month and day of a birth date known by its year only */
#define NID_DIGITS 8
#define REMOVED "[removed]"
#define VALUE_SHAPE_MAX 64 /* bytes of a value's shape quoted in a detail */
#define NOTES_MAX 512

_Static_assert(LNOB_PSEUDONYM_HEX == LNOB_MIS_KEY_HEX, "person keys: pseudonym.h and wire.h agree");

/* ---- state ---------------------------------------------------------------- */

enum { K_MUN, K_SERVICE, K_GROUP, K_STATUS, K_SEX, K_COUNT }; /* lookup caches */

/* A lookup's answer, cached by the raw text. */
typedef struct {
    int value;          /* >= 0 found; < 0 not (LNOB_GEO_UNKNOWN or _AMBIGUOUS for places) */
    int near[NEAREST];  /* unknown municipality: the nearest ones */
    size_t n_near;
} hit_t;

typedef struct {
    char (*pk)[LNOB_PSEUDONYM_HEX + 1];
    char *ids;          /* record ids, each NUL-terminated */
    size_t n_ids, cap_ids;
    size_t *id_off;
    uint32_t *mun, *svc, *sex, *flags, *status;
    int32_t *birth, *start, *end;
    uint64_t *line;
    char **pk_ptr, **id_ptr; /* pointed into pk and ids when a batch leaves */
    size_t n, cap;
    lnob_slots_t mun_names; /* geo index -> LAU code dictionary */
    lnob_slots_t svc_names; /* service -> service code dictionary */
    lnob_rejects_t rejects;
    uint32_t rows_read;
} batch_t;

struct lnob_mis {
    lnob_mis_opts_t o;
    lnob_dialect_t *text; /* bytes to rows */
    int col[LNOB_MIS_FIELD_COUNT]; /* field index of each canonical field, -1 absent */
    char *names[LNOB_MIS_FIELD_COUNT]; /* the header names of the fields' columns */
    size_t n_header;
    char *header_line;
    int header_done;
    int mun_default, svc_default; /* for an absent column; -1 none */
    int needs_register;  /* a needs-assessment register: no service */
    int start_field;     /* LNOB_MIS_F_START_DATE, or _ASSESSED for a register */
    batch_t b;
    lnob_textcache_t *cache[K_COUNT];
    uint64_t rows_read, records, rejected, blank, no_id, bad_id, id_dropped;
    uint32_t batches;
    int rc;
    const char *reason;
    char errstr[LNOB_ERRSTR_MAX];
    char notes[NOTES_MAX];
};


typedef struct {
    const char *id;
    size_t id_len;
    int mun, svc;
    uint32_t sex, flags, status;
    int32_t birth, start, end;
} rec_t;

/* ---- privacy -------------------------------------------------------------- */

static int s_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int s_digit(char c) { return c >= '0' && c <= '9'; }
static int s_alnum(char c) { return s_alpha(c) || s_digit(c); }

/* Length of a personal number at s (a letter, eight digits, a letter,
 * spaces allowed between them) standing as a word, or 0. */
static size_t s_nid_at(const char *s, size_t at)
{
    if (!s_alpha(s[at]) || (at > 0 && s_alnum(s[at - 1])))
        return 0;
    size_t j = at + 1;
    int digits = 0;
    while (digits < NID_DIGITS && (s_digit(s[j]) || s[j] == ' '))
        digits += s_digit(s[j++]);
    while (s[j] == ' ')
        j++;
    if (digits != NID_DIGITS || !s_alpha(s[j]) || s_alnum(s[j + 1]))
        return 0;
    return j + 1 - at;
}

/* Cuts out, in place, whatever looks like a personal number. */
static void s_scrub(char *s)
{
    for (size_t i = 0; s[i]; i++) {
        size_t n = s_nid_at(s, i);
        if (n) {
            memcpy(s + i, REMOVED, strlen(REMOVED));
            memmove(s + i + strlen(REMOVED), s + i + n, strlen(s + i + n) + 1);
            i += strlen(REMOVED) - 1;
        }
    }
}

/* 1 if s[0..len) is shaped like a personal number. */
static int s_is_nid(const char *s, size_t len)
{
    char buf[RECORD_ID_MAX + 1];
    if (len > RECORD_ID_MAX)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (s_nid_at(buf, i))
            return 1;
    return 0;
}

/* ---- small parsers -------------------------------------------------------- */

/* The input's name of a field's column (its canonical name if absent). */
static const char *s_name(const lnob_mis_t *self, int field)
{
    return self->names[field] ? self->names[field] : lnob_mis_name(LNOB_MIS_FIELD, field);
}

/* Reads 1 to max digits at *p (< end) into *out and advances *p. */
static int s_digits(const char **p, const char *end, int min, int max, int *out)
{
    int n = 0, v = 0;
    while (*p < end && n < max && s_digit(**p)) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n >= min && !(*p < end && s_digit(**p)) ? 0 : -1;
}

static int s_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* A time of day after a date ("00:00", "00:00:00.000"), as spreadsheets add. */
static int s_time_tail(const char *p, const char *end)
{
    if (p == end)
        return 0;
    if (*p != ' ' && *p != 'T')
        return -1;
    int colon = 0;
    for (p++; p < end; p++) {
        if (!s_digit(*p) && *p != ':' && *p != '.')
            return -1;
        colon |= *p == ':';
    }
    return colon ? 0 : -1;
}

/* A date as yyyymmdd: dd.mm.yyyy, dd/mm/yyyy, yyyy-mm-dd (day and month may
 * have one digit; a time of day may follow), or with year_only a year
 * alone (yyyy0701). */
static int s_date(const char *s, size_t len, int year_only, int32_t *out)
{
    const char *p = s, *end = s + len;
    int y, m, d;
    if (s_digits(&p, end, 1, 4, &y) != 0)
        return -1;
    if (p == end && p - s == 4 && year_only) {
        m = MID_YEAR / 100;
        d = MID_YEAR % 100;
    } else if (p - s == 4 && p < end && *p == '-') {
        p++;
        if (s_digits(&p, end, 1, 2, &m) != 0 || p >= end || *p++ != '-' ||
            s_digits(&p, end, 1, 2, &d) != 0)
            return -1;
    } else if (p - s <= 2 && p < end && (*p == '.' || *p == '/')) {
        char sep = *p++;
        d = y;
        if (s_digits(&p, end, 1, 2, &m) != 0 || p >= end || *p++ != sep)
            return -1;
        if (s_digits(&p, end, 4, 4, &y) != 0)
            return -1;
    } else {
        return -1;
    }
    if (s_time_tail(p, end) != 0 || y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1 ||
        d > s_days(y, m))
        return -1;
    *out = y * 10000 + m * 100 + d;
    return 0;
}

/* ---- lookups -------------------------------------------------------------- */

typedef void (*resolve_fn)(const lnob_mis_t *self, const char *s, size_t len, hit_t *out);

/* Resolves s[0..len) with fn, remembering the answer by the exact text. */
static hit_t s_lookup(lnob_mis_t *self, int kind, const char *s, size_t len, resolve_fn fn)
{
    const hit_t *hit = lnob_textcache_get(self->cache[kind], s, len);
    if (hit)
        return *hit;
    hit_t h = {.value = -1};
    fn(self, s, len, &h);
    lnob_textcache_put(self->cache[kind], s, len, &h);
    return h;
}

static void s_find_mun(const lnob_mis_t *self, const char *s, size_t len, hit_t *h)
{
    h->value = lnob_geo_by_name(self->o.geo, s, len);
    if (h->value == LNOB_GEO_UNKNOWN)
        h->n_near = lnob_geo_nearest(self->o.geo, s, len, h->near, NEAREST);
}

static void s_find_service(const lnob_mis_t *self, const char *s, size_t len, hit_t *h)
{
    h->value = lnob_mis_map_find(self->o.map, LNOB_MIS_SERVICE, s, len);
}

static void s_find_status(const lnob_mis_t *self, const char *s, size_t len, hit_t *h)
{
    h->value = lnob_mis_map_find(self->o.map, LNOB_MIS_STATUS, s, len);
}

static void s_find_sex(const lnob_mis_t *self, const char *s, size_t len, hit_t *h)
{
    h->value = lnob_mis_map_find(self->o.map, LNOB_MIS_SEX, s, len);
}

static int s_group_sep(char c) { return c == ';' || c == ',' || c == '/'; }

/* The groups of a cell, split at ; , or /: their flags, or -1 with the
 * first unknown one in *bad, *bad_len. */
static int s_groups(const lnob_mis_t *self, const char *s, size_t len, const char **bad,
                    size_t *bad_len)
{
    uint32_t flags = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && !s_group_sep(s[j]))
            j++;
        const char *t = s + i;
        size_t n = j - i;
        while (n && (*t == ' ' || *t == '\t')) {
            t++;
            n--;
        }
        while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
            n--;
        if (n) {
            int g = lnob_mis_map_find(self->o.map, LNOB_MIS_GROUP, t, n);
            if (g < 0) {
                *bad = t;
                *bad_len = n;
                return -1;
            }
            flags |= lnob_mis_group_flag((lnob_mis_group_t) g);
        }
        i = j + 1;
    }
    return (int) flags;
}

static void s_find_groups(const lnob_mis_t *self, const char *s, size_t len, hit_t *h)
{
    const char *bad;
    size_t bad_len;
    h->value = s_groups(self, s, len, &bad, &bad_len);
}

/* ---- header --------------------------------------------------------------- */

static int s_fail(lnob_mis_t *self, const char *reason, const char *what)
{
    self->reason = reason;
    snprintf(self->errstr, sizeof self->errstr, "%s: %s", self->o.source, what);
    s_scrub(self->errstr);
    return LNOB_ERR;
}

static int s_defaults(lnob_mis_t *self)
{
    char what[200];
    const char *m = self->o.municipality, *s = self->o.service;
    self->mun_default = self->svc_default = -1;
    if (m && (self->mun_default = lnob_geo_by_name(self->o.geo, m, strlen(m))) < 0) {
        snprintf(what, sizeof what, "the default municipality '%.60s' is not a municipality", m);
        return s_fail(self, "BAD_DEFAULT", what);
    }
    if (s && (self->svc_default = lnob_mis_map_find(self->o.map, LNOB_MIS_SERVICE, s, strlen(s))) < 0) {
        snprintf(what, sizeof what, "the default service '%.60s' is not a known service", s);
        return s_fail(self, "BAD_DEFAULT", what);
    }
    return LNOB_OK;
}

static int s_map_header(lnob_mis_t *self, const lnob_csv_row_t *row)
{
    self->n_header = row->nfields;
    for (int f = 0; f < LNOB_MIS_FIELD_COUNT; f++)
        self->col[f] = -1;
    for (size_t i = 0; i < row->nfields; i++) {
        int f = lnob_mis_map_find(self->o.map, LNOB_MIS_FIELD, row->fields[i], row->lens[i]);
        if (f >= 0 && self->col[f] < 0) {
            self->col[f] = (int) i;
            self->names[f] = lnob_strndup(row->fields[i], row->lens[i]);
            s_scrub(self->names[f]);
        }
    }
    if (s_defaults(self) != LNOB_OK)
        return LNOB_ERR;
    if (self->col[LNOB_MIS_F_PERSONAL_NUMBER] < 0)
        return s_fail(self, "MISSING_COLUMN",
                      "no personal-number column ('Nr. personal' / 'Personal number', or map one)");
    self->needs_register = self->o.needs_register > 0 ||
        (self->o.needs_register == 0 && self->col[LNOB_MIS_F_ASSESSED] >= 0 && self->col[LNOB_MIS_F_SERVICE] < 0 &&
         self->col[LNOB_MIS_F_START_DATE] < 0 && self->svc_default < 0);
    self->start_field = self->needs_register && self->col[LNOB_MIS_F_ASSESSED] >= 0 ? LNOB_MIS_F_ASSESSED
                                                                                  : LNOB_MIS_F_START_DATE;
    if (self->col[self->start_field] < 0 && self->needs_register)
        return s_fail(self, "MISSING_COLUMN",
                      "a needs-assessment register without an assessment-date column ('Data e "
                      "vlerësimit' / 'Assessment date', or map one)");
    if (self->col[self->start_field] < 0)
        return s_fail(self, "MISSING_COLUMN",
                      "no start-date column ('Data e fillimit' / 'Start date', or map one)");
    if (self->col[LNOB_MIS_F_MUNICIPALITY] < 0 && self->mun_default < 0)
        return s_fail(self, "MISSING_COLUMN",
                      "no municipality column ('Bashkia' / 'Municipality') and no default municipality");
    if (self->col[LNOB_MIS_F_SERVICE] < 0 && self->svc_default < 0 && !self->needs_register)
        return s_fail(self, "MISSING_COLUMN",
                      "no service column ('Lloji i shërbimit' / 'Service type') and no default service");
    self->header_line = lnob_malloc(HEADER_LINE_MAX);
    lnob_csv_format_row(row, ',', self->header_line, HEADER_LINE_MAX);
    s_scrub(self->header_line);
    self->header_done = 1;
    return LNOB_OK;
}

/* ---- row validation ------------------------------------------------------- */

static int s_width(const lnob_mis_t *self, const lnob_csv_row_t *row, lnob_verdict_t *v)
{
    int ok = row->nfields >= self->n_header;
    for (size_t i = self->n_header; ok && i < row->nfields; i++) {
        size_t len;
        lnob_csv_field(row, (int) i, &len);
        ok = len == 0; /* spreadsheets pad rows with empty cells */
    }
    if (ok)
        return 0;
    v->reason = "ROW_WIDTH";
    v->field = "";
    snprintf(v->detail, sizeof v->detail, "row has %zu fields, the header has %zu", row->nfields,
             self->n_header);
    return -1;
}

static int s_place(lnob_mis_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    size_t len;
    int c = self->col[LNOB_MIS_F_MUNICIPALITY];
    if (c < 0) {
        r->mun = self->mun_default;
        return 0;
    }
    const char *s = lnob_csv_field(row, c, &len);
    if (len == 0)
        return lnob_verdict_reject(v, "MISSING_FIELD", s_name(self, LNOB_MIS_F_MUNICIPALITY), "no municipality", s, 0);
    hit_t h = s_lookup(self, K_MUN, s, len, s_find_mun);
    r->mun = h.value;
    if (h.value == LNOB_GEO_AMBIGUOUS)
        return lnob_verdict_reject(v, "AMBIGUOUS_MUNICIPALITY", s_name(self, LNOB_MIS_F_MUNICIPALITY),
                        "a former unit of several municipalities; give the municipality", s, len);
    if (h.value >= 0)
        return 0;
    char what[160] = "unknown municipality; nearest:";
    for (size_t i = 0; i < h.n_near; i++) {
        size_t o = strlen(what);
        snprintf(what + o, sizeof what - o, "%s %s", i ? "," : "",
                 lnob_geo_at(self->o.geo, (size_t) h.near[i])->name);
    }
    return lnob_verdict_reject(v, "UNKNOWN_MUNICIPALITY", s_name(self, LNOB_MIS_F_MUNICIPALITY), what, s, len);
}

static int s_service(lnob_mis_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    size_t len;
    int c = self->col[LNOB_MIS_F_SERVICE];
    if (self->needs_register || c < 0) {
        r->svc = self->needs_register ? -1 : self->svc_default;
        return 0;
    }
    const char *s = lnob_csv_field(row, c, &len);
    if (len == 0)
        return lnob_verdict_reject(v, "MISSING_FIELD", s_name(self, LNOB_MIS_F_SERVICE), "no service", s, 0);
    r->svc = s_lookup(self, K_SERVICE, s, len, s_find_service).value;
    return r->svc >= 0 ? 0
                       : lnob_verdict_reject(v, "UNKNOWN_SERVICE", s_name(self, LNOB_MIS_F_SERVICE),
                                  "not a service label (docs/mis.md; or map it)", s, len);
}

/* A date field: *out 0 when empty and optional. */
static int s_date_field(lnob_mis_t *self, const lnob_csv_row_t *row, int field, int required,
                        int32_t *out, lnob_verdict_t *v)
{
    size_t len;
    const char *s = lnob_csv_field(row, self->col[field], &len);
    *out = 0;
    if (len == 0)
        return required ? lnob_verdict_reject(v, "MISSING_FIELD", s_name(self, field), "no date", s, 0) : 0;
    if (s_date(s, len, field == LNOB_MIS_F_BIRTH_DATE, out) == 0)
        return 0;
    char shape[VALUE_SHAPE_MAX];
    if (field == LNOB_MIS_F_BIRTH_DATE) { /* a date of birth is quoted by its shape only */
        lnob_rejects_shape(s, len, shape, sizeof shape);
        s = shape;
        len = strlen(shape);
    }
    return lnob_verdict_reject(v, "BAD_DATE", s_name(self, field),
                    field == LNOB_MIS_F_BIRTH_DATE
                        ? "not a date (dd.mm.yyyy, dd/mm/yyyy, yyyy-mm-dd or a year, 1900-2100)"
                        : "not a date (dd.mm.yyyy, dd/mm/yyyy or yyyy-mm-dd, 1900-2100)",
                    s, len);
}

static int s_dates(lnob_mis_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    if (s_date_field(self, row, self->start_field, 1, &r->start, v) ||
        s_date_field(self, row, LNOB_MIS_F_END_DATE, 0, &r->end, v) ||
        s_date_field(self, row, LNOB_MIS_F_BIRTH_DATE, 0, &r->birth, v))
        return -1;
    if (r->end && r->end < r->start) {
        size_t len;
        const char *s = lnob_csv_field(row, self->col[LNOB_MIS_F_END_DATE], &len);
        return lnob_verdict_reject(v, "DATE_ORDER", s_name(self, LNOB_MIS_F_END_DATE), "the end date is before the start date",
                        s, len);
    }
    return 0;
}

/* The person attributes and the record's status and id. */
static int s_codes(lnob_mis_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    size_t len;
    const char *s = lnob_csv_field(row, self->col[LNOB_MIS_F_SEX], &len);
    int x = len ? s_lookup(self, K_SEX, s, len, s_find_sex).value : LNOB_MIS_SEX_UNKNOWN;
    if (x < 0)
        return lnob_verdict_reject(v, "BAD_SEX", s_name(self, LNOB_MIS_F_SEX), "not a sex (M/F, Mashkull/Femër, 1/2)", s, len);
    r->sex = (uint32_t) x;
    s = lnob_csv_field(row, self->col[LNOB_MIS_F_GROUP], &len);
    x = len ? s_lookup(self, K_GROUP, s, len, s_find_groups).value : 0;
    if (x < 0) {
        const char *bad;
        size_t bad_len;
        s_groups(self, s, len, &bad, &bad_len);
        return lnob_verdict_reject(v, "UNKNOWN_GROUP", s_name(self, LNOB_MIS_F_GROUP),
                        "not a group label (docs/mis.md; or map it)", bad, bad_len);
    }
    r->flags = (uint32_t) x;
    s = lnob_csv_field(row, self->col[LNOB_MIS_F_STATUS], &len);
    x = len ? s_lookup(self, K_STATUS, s, len, s_find_status).value : LNOB_MIS_ACTIVE;
    if (x < 0)
        return lnob_verdict_reject(v, "BAD_STATUS", s_name(self, LNOB_MIS_F_STATUS),
                        "not a status (active, closed, cancelled, erroneous)", s, len);
    r->status = LNOB_MIS_STATUS_VOID(x) ? 1 : 0;
    r->id = lnob_csv_field(row, self->col[LNOB_MIS_F_RECORD_ID], &r->id_len);
    if (r->id_len > RECORD_ID_MAX)
        return lnob_verdict_reject(v, "BAD_RECORD_ID", s_name(self, LNOB_MIS_F_RECORD_ID), "a record id longer than 64 bytes",
                        r->id, 0);
    return 0;
}

static int s_validate(lnob_mis_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    if (lnob_csv_row_broken(row, &v->reason, v->detail, sizeof v->detail)) {
        v->field = "";
        return -1;
    }
    if (s_width(self, row, v) != 0)
        return -1;
    return s_place(self, row, r, v) || s_service(self, row, r, v) || s_dates(self, row, r, v) ||
           s_codes(self, row, r, v);
}

/* ---- batch building ------------------------------------------------------- */

static void s_grow_columns(batch_t *b)
{
    size_t need = b->n + 1, cap = b->cap;
    if (need <= cap)
        return;
    size_t c;
#define GROW(col) c = cap, lnob_grow((void **) &b->col, &c, need, sizeof *b->col)
    GROW(pk); GROW(id_off); GROW(mun); GROW(svc); GROW(sex); GROW(flags); GROW(status);
    GROW(birth); GROW(start); GROW(end); GROW(line); GROW(pk_ptr); GROW(id_ptr);
#undef GROW
    b->cap = c;
}

static void s_append(lnob_mis_t *self, const lnob_csv_row_t *row, const rec_t *r)
{
    batch_t *b = &self->b;
    size_t len;
    s_grow_columns(b);
    size_t i = b->n++;
    const char *nid = lnob_csv_field(row, self->col[LNOB_MIS_F_PERSONAL_NUMBER], &len);
    lnob_pseudonym_result_t k = lnob_pseudonym_key(self->o.pseudonym, nid, len, b->pk[i]);
    self->no_id += k == LNOB_PSEUDONYM_EMPTY;
    self->bad_id += k == LNOB_PSEUDONYM_MALFORMED;
    size_t id_len = r->id_len;
    if (id_len && s_is_nid(r->id, id_len)) { /* a personal number used as the record id */
        id_len = 0;
        self->id_dropped++;
    }
    lnob_grow((void **) &b->ids, &b->cap_ids, b->n_ids + id_len + 1, 1);
    memcpy(b->ids + b->n_ids, r->id, id_len);
    b->ids[b->n_ids + id_len] = '\0';
    b->id_off[i] = b->n_ids;
    b->n_ids += id_len + 1;
    b->mun[i] = lnob_slots_get(&b->mun_names, r->mun,
                               lnob_geo_at(self->o.geo, (size_t) r->mun)->code);
    b->svc[i] = r->svc < 0 ? 0 : lnob_slots_get(&b->svc_names, r->svc, lnob_mis_name(LNOB_MIS_SERVICE, r->svc));
    b->sex[i] = r->sex;
    b->flags[i] = r->flags;
    b->status[i] = r->status;
    b->birth[i] = r->birth;
    b->start[i] = r->start;
    b->end[i] = r->end;
    b->line[i] = row->line;
}

/* The row as a reject shows it: the shape of each field (digits 9,
 * letters A), so nothing in the quarantine is a date of birth, a name or a
 * personal number in clear text; the original row is in the export, at the
 * reject's line (lnob quarantine replay). */
static void s_raw(const lnob_csv_row_t *row, char *out, size_t cap)
{
    const char **fields = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *fields);
    size_t *lens = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *lens);
    char *shapes = lnob_malloc(cap), *at = shapes;
    size_t left = cap;
    for (size_t i = 0; i < row->nfields; i++) {
        lnob_rejects_shape(row->fields[i], row->lens[i], at, left);
        fields[i] = at;
        lens[i] = strlen(at);
        at += lens[i] + 1;
        left -= lens[i] + 1;
        if (left <= 1) { /* the rest of a long row is cut: the raw row is cut there anyway */
            for (size_t k = i + 1; k < row->nfields; k++)
                fields[k] = "", lens[k] = 0;
            break;
        }
    }
    lnob_csv_row_t copy = *row;
    copy.fields = fields;
    copy.lens = lens;
    lnob_csv_format_row(&copy, ',', out, cap);
    s_scrub(out);
    free(shapes);
    free(fields);
    free(lens);
}

static void s_add_reject(lnob_mis_t *self, const lnob_csv_row_t *row, lnob_verdict_t *v)
{
    char raw[LNOB_REJECT_RAW_MAX], key[LNOB_PSEUDONYM_HEX + 1];
    size_t len;
    s_raw(row, raw, sizeof raw);
    s_scrub(v->detail);
    Lnob__V1__Reject *rj = lnob_rejects_add(&self->b.rejects, self->o.source, 0, row->line,
                                            v->field ? v->field : "", v->reason, v->detail, raw);
    const char *nid = lnob_csv_field(row, self->col[LNOB_MIS_F_PERSONAL_NUMBER], &len);
    if (strcmp(v->reason, "ROW_WIDTH") != 0 &&
        lnob_pseudonym_key(self->o.pseudonym, nid, len, key) == LNOB_PSEUDONYM_OK)
        lnob_rejects_key(&self->b.rejects, rj, key);
}

static void s_reset_batch(batch_t *b)
{
    lnob_rejects_clear(&b->rejects);
    b->n = b->n_ids = 0;
    lnob_slots_reset(&b->mun_names);
    lnob_slots_reset(&b->svc_names);
    b->rows_read = 0;
}

static int s_emit(lnob_mis_t *self)
{
    batch_t *b = &self->b;
    Lnob__V1__MisBatch m = LNOB__V1__MIS_BATCH__INIT;
    for (size_t i = 0; i < b->n; i++) {
        b->pk_ptr[i] = b->pk[i];
        b->id_ptr[i] = b->ids + b->id_off[i];
    }
    m.extract_id = (char *) self->o.extract_id;
    m.seq = self->batches;
    m.record_count = (uint32_t) b->n;
    m.run_id = (char *) self->o.run_id;
    m.source = (char *) self->o.source;
    m.rows_read = b->rows_read;
    m.needs_register = self->needs_register;
    m.n_person_key = m.n_record_id = m.n_municipality = m.n_service = m.n_sex = b->n;
    m.n_birth_date = m.n_flags = m.n_start_date = m.n_end_date = m.n_status = m.n_line = b->n;
    m.person_key = b->pk_ptr;
    m.record_id = b->id_ptr;
    m.municipality = b->mun;
    m.service = b->svc;
    m.sex = b->sex;
    m.birth_date = b->birth;
    m.flags = b->flags;
    m.start_date = b->start;
    m.end_date = b->end;
    m.status = b->status;
    m.line = b->line;
    m.n_municipality_dict = b->mun_names.n;
    m.municipality_dict = b->mun_names.names;
    m.n_service_dict = b->svc_names.n;
    m.service_dict = b->svc_names.names;
    m.n_rejects = b->rejects.n;
    m.rejects = lnob_rejects_ptrs(&b->rejects);
    self->batches++;
    int rc = self->o.emit(self->o.arg, &m);
    s_reset_batch(b);
    return rc;
}

/* ---- rows ----------------------------------------------------------------- */

static int s_blank(const lnob_csv_row_t *row)
{
    for (size_t i = 0; i < row->nfields; i++) {
        size_t len;
        lnob_csv_field(row, (int) i, &len);
        if (len)
            return 0;
    }
    return 1;
}

static int s_row(void *arg, const lnob_csv_row_t *row)
{
    lnob_mis_t *self = arg;
    if (s_blank(row)) {
        self->blank += self->header_done;
        return LNOB_OK;
    }
    if (!self->header_done)
        return s_map_header(self, row);
    rec_t r = {0};
    lnob_verdict_t v = {0};
    self->rows_read++;
    self->b.rows_read++;
    if (s_validate(self, row, &r, &v) != 0) {
        s_add_reject(self, row, &v);
        self->rejected++;
    } else {
        s_append(self, row, &r);
        self->records++;
    }
    if (self->b.n >= self->o.batch_size || self->b.rejects.n >= self->o.batch_size ||
        lnob_rejects_full(&self->b.rejects))
        return s_emit(self);
    return LNOB_OK;
}

/* ---- lifecycle ------------------------------------------------------------ */

lnob_mis_t *lnob_mis_new(const lnob_mis_opts_t *opts)
{
    assert(opts && opts->source && opts->extract_id && opts->run_id && opts->geo &&
           opts->pseudonym && opts->emit && opts->batch_size >= 1);
    lnob_mis_t *self = lnob_calloc(1, sizeof *self);
    self->o = *opts;
    self->text = lnob_dialect_new(opts->encoding, opts->delimiter, s_row, self);
    for (int k = 0; k < K_COUNT; k++)
        self->cache[k] = lnob_textcache_new(sizeof(hit_t), CACHE_MAX);
    lnob_slots_init(&self->b.mun_names, LNOB_GEO_MUNICIPALITIES);
    lnob_slots_init(&self->b.svc_names, LNOB_MIS_SERVICE_COUNT);
    return self;
}

void lnob_mis_destroy(lnob_mis_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_mis_t *self = *self_p;
    batch_t *b = &self->b;
    s_reset_batch(b);
    free(b->pk); free(b->ids); free(b->id_off); free(b->mun); free(b->svc); free(b->sex);
    free(b->flags); free(b->status); free(b->birth); free(b->start); free(b->end);
    free(b->line); free(b->pk_ptr); free(b->id_ptr);
    lnob_slots_free(&b->mun_names);
    lnob_slots_free(&b->svc_names);
    lnob_rejects_free(&b->rejects);
    for (int k = 0; k < K_COUNT; k++)
        lnob_textcache_destroy(&self->cache[k]);
    lnob_dialect_destroy(&self->text);
    for (int f = 0; f < LNOB_MIS_FIELD_COUNT; f++)
        free(self->names[f]);
    free(self->header_line);
    free(self);
    *self_p = NULL;
}

int lnob_mis_feed(lnob_mis_t *self, const char *buf, size_t len)
{
    if (self->rc == LNOB_OK)
        self->rc = lnob_dialect_feed(self->text, buf, len);
    return self->rc;
}

int lnob_mis_finish(lnob_mis_t *self)
{
    if (self->rc == LNOB_OK)
        self->rc = lnob_dialect_finish(self->text);
    if (self->rc != LNOB_OK)
        return self->rc;
    if (!self->header_done)
        return self->rc = s_fail(self, "EMPTY_FILE", "the file is empty (no header row)");
    if (self->b.rows_read || self->batches == 0)
        self->rc = s_emit(self);
    return self->rc;
}

/* ---- accessors ------------------------------------------------------------ */

const char *lnob_mis_reason(const lnob_mis_t *self) { return self->reason ? self->reason : "ERROR"; }
const char *lnob_mis_errstr(const lnob_mis_t *self) { return self->errstr; }
const char *lnob_mis_header(const lnob_mis_t *self)
{
    return self->header_done ? self->header_line : "";
}
lnob_encoding_t lnob_mis_encoding(const lnob_mis_t *self) { return lnob_dialect_encoding(self->text); }
char lnob_mis_delimiter(const lnob_mis_t *self) { return lnob_dialect_delimiter(self->text); }
uint64_t lnob_mis_rows_read(const lnob_mis_t *self) { return self->rows_read; }
uint64_t lnob_mis_records(const lnob_mis_t *self) { return self->records; }
uint64_t lnob_mis_rejected(const lnob_mis_t *self) { return self->rejected; }
uint64_t lnob_mis_blank_rows(const lnob_mis_t *self) { return self->blank; }
uint64_t lnob_mis_unkeyed_empty(const lnob_mis_t *self) { return self->no_id; }
uint64_t lnob_mis_unkeyed_malformed(const lnob_mis_t *self) { return self->bad_id; }
int lnob_mis_is_register(const lnob_mis_t *self) { return self->needs_register; }
uint32_t lnob_mis_batches(const lnob_mis_t *self) { return self->batches; }

const char *lnob_mis_notes(lnob_mis_t *self)
{
    char *n = self->notes;
    size_t cap = sizeof self->notes, o;
    lnob_dialect_describe(self->text, n, cap);
#define ADD(cond, ...)                                                                     \
    if ((cond) && (o = strlen(n)) < cap)                                                   \
    snprintf(n + o, cap - o, __VA_ARGS__)
    ADD(self->no_id || self->bad_id,
        "; %llu records unkeyed (%llu without a personal number, %llu malformed)",
        (unsigned long long) (self->no_id + self->bad_id), (unsigned long long) self->no_id,
        (unsigned long long) self->bad_id);
    ADD(self->id_dropped, "; %llu record ids shaped like personal numbers dropped",
        (unsigned long long) self->id_dropped);
    ADD(self->blank, "; %llu blank rows skipped", (unsigned long long) self->blank);
    ADD(self->needs_register, "; a needs-assessment register (%s)",
        self->o.needs_register ? "kind = register" : "an assessment date and no service");
#undef ADD
    return n;
}
