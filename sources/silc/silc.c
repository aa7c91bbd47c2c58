/* silc.c - merged person-level EU-SILC CSV: header mapping, row validation,
 * columnar batches (silc.h). */
#include "silc.h"

#include "idset.h"
#include "rejects.h"
#include "slots.h"
#include "textcache.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/csv.h"
#include "lnob/dialect.h"
#include "lnob/keys.h"
#include "lnob/mem.h"
#include "lnob/num.h"
#include "lnob/udb.h"
#include "lnob/units.h"

#define HEADER_LINE_MAX 65536   /* bytes of the header row kept for replay */
#define MAX_AGE 130
#define MAX_WEIGHT 1e9          /* RB050 above this is a data error */
#define EXTRACT_ID_MAX 96
#define FLAG_SUFFIX "_F"        /* UDB flag variables: HS060_F flags HS060 */
#define REJECTS_HARD_CAP 16     /* x batch_size: rejects held while a household is open */
#define MUN_CACHE_MAX 4096      /* distinct municipality texts remembered */
#define NUMBER_MAX 64           /* bytes of a number read with a decimal comma */
#define HEADER_SHOWN 72         /* bytes of the header as read quoted in an error */
#define SILC_ERRSTR_MAX 512     /* an error with the header as read and a hint */
#define DIALECT_NOTE_MAX 192    /* bytes of the note on how the text was read */
/* A label that did not decode cleanly (lnob_recode_text_ok). */
#define MUN_BAD_TEXT (-100)     /* s_municipality: the text is not clean */
#define BAD_TEXT_WHAT "not clean text (a NUL byte, a control character or bytes that could not be decoded)"

/* ---- columns ------------------------------------------------------------ */

typedef enum {
    C_HHID, C_PID, C_WEIGHT, C_HX090, C_HY020, C_HX050, C_SEX, C_AGE, C_AGE_IRP,
    C_REGION, C_YEAR, C_YEAR_R, C_RB110, C_DB135, C_MUN_CODE, C_MUN_NAME, C_BIRTH, C_COUNT
} col_id;

/* Header names per column, first match wins; NULL-terminated. */
static const char *const s_names[C_COUNT][4] = {
    [C_HHID] = {"DB030", "HB030", NULL},     [C_PID] = {"RB030", NULL},
    [C_WEIGHT] = {"RB050", NULL},            [C_HX090] = {"HX090", NULL},
    [C_HY020] = {"HY020", NULL},             [C_HX050] = {"HX050", NULL},
    [C_SEX] = {"RB090", NULL},               [C_AGE] = {"RX010", "RB082", NULL},
    [C_AGE_IRP] = {"RX020", NULL},           [C_REGION] = {"DB040", NULL},
    [C_YEAR] = {"DB010", NULL},              [C_YEAR_R] = {"RB010", NULL},
    [C_RB110] = {"RB110", NULL},             [C_DB135] = {"DB135", NULL},
    [C_MUN_CODE] = {"MUN_CODE", NULL},       [C_MUN_NAME] = {"MUNICIPALITY", "BASHKIA", NULL},
    [C_BIRTH] = {"RB080", NULL},
};

/* ---- state ---------------------------------------------------------------- */

typedef struct {
    int64_t *pid, *hhid, *weight;
    double *hx090, *hy020, *hx050;
    uint32_t *sex, *region, *mun;
    int32_t *age;
    uint64_t *line;
    size_t n, cap;
    char **region_dict; /* owned strings; entry 0 "" */
    size_t n_region, cap_region;
    lnob_slots_t mun_names; /* geo index -> LAU code dictionary */
    int32_t *code[LNOB_UDB_VARS];  /* further UDB variables present in the input */
    double *amount[LNOB_UDB_VARS];
    lnob_rejects_t rejects;
    uint32_t rows_read, out_of_scope;
} batch_t;

struct lnob_silc {
    lnob_silc_opts_t o;
    lnob_dialect_t *text; /* bytes to rows (feed); NULL until the first feed */
    int decimal_comma;    /* numbers may have a decimal comma: opts, or a ';' file */
    int col[C_COUNT];     /* field index of each column, -1 absent */
    int col_flag[C_COUNT];/* field index of its _F flag, -1 absent */
    int income_last;      /* the last field the income columns and their flags use */
    int var_col[LNOB_UDB_VARS];  /* field index of each UDB variable, -1 absent */
    int flag_col[LNOB_UDB_VARS]; /* field index of its _F flag, -1 absent */
    int n_vars;           /* UDB variables present: batches hold whole households */
    int kept[LNOB_UDB_VARS]; /* the variables batches hold, in the order of
                              * lnob_udb_defs: those present, and RB081 when derived */
    int n_kept;
    int64_t open_hh;      /* household of the last accepted row */
    int has_open;
    /* HX050 derived (no HX050 or HX090 column): a household with a
     * quarantined member cannot be sized, so its income goes missing */
    int derive_hx050;
    size_t open_first;    /* batch row of the open household's first row */
    int open_incomplete;  /* the open household has a quarantined member */
    int64_t pending_hh;   /* a household whose row was quarantined before any was accepted */
    int has_pending;
    uint64_t hh_incomplete; /* households so treated */
    size_t row_rejects;   /* rejects held when the current row began */
    uint32_t row_flags;   /* flagged fields of the current row so far */
    lnob_idset_t *closed; /* households finished (grouped mode) */
    const char **header;  /* header names, owned */
    size_t n_header;
    char *header_line;    /* the header row re-serialised, owned */
    int header_done;
    char period[16];
    char extract_id[EXTRACT_ID_MAX];
    batch_t b;
    lnob_textcache_t *mun_cache; /* raw municipality text -> geo result */
    lnob_textcache_t *region_cache; /* raw DB040 text -> s_region_code result */
    lnob_idset_t *seen;   /* person ids accepted so far */
    uint64_t rows_read, records;
    uint32_t batches;
    int age_from_birth;   /* some age came from RB080 (a data-quality note) */
    int irp_birth_col;    /* RB080 when AGE_IRP is derived from it, else -1 */
    int irp_from_birth;   /* some AGE_IRP came from RB080 */
    char notes[LNOB_SILC_NOTES_MAX];
    /* What the household fields of the row before gave, for rows that say
     * they share them (row->shared: a joined household's later persons):
     * each value is valid while its epoch is the current one. */
    uint64_t epoch;       /* bumped by every row that shares no field */
    uint64_t var_epoch[LNOB_UDB_VARS], income_epoch, place_epoch;
    int32_t memo_code[LNOB_UDB_VARS];
    double memo_amount[LNOB_UDB_VARS];
    double memo_hx090, memo_hy020, memo_hx050;
    int memo_mun;
    int rc;
    const char *reason;
    char errstr[SILC_ERRSTR_MAX];
};


/* 1 if the columns (-1: absent) are among the fields row shares with the
 * row before, and what they gave there was kept in this epoch. */
static int s_memo(const lnob_silc_t *self, const lnob_csv_row_t *row, uint64_t at, int c1, int c2)
{
    return at == self->epoch && c1 < (int) row->shared && c2 < (int) row->shared;
}

/* ---- small parsers -------------------------------------------------------- */

static const char *s_col_name(const lnob_silc_t *self, col_id c)
{
    return self->header[self->col[c]];
}

/* Records why a row is rejected: what is wrong, and the offending value. */
/* ---- header --------------------------------------------------------------- */

static int s_fail(lnob_silc_t *self, const char *reason, const char *what)
{
    self->reason = reason;
    size_t n = (size_t) snprintf(self->errstr, sizeof self->errstr, "%s: ", self->o.source);
    if (n < sizeof self->errstr)
        snprintf(self->errstr + n, sizeof self->errstr - n, "%s", what);
    lnob_recode_scrub(self->errstr, strlen(self->errstr));
    return LNOB_ERR;
}

/* The delimiter rows are read with: ',' for rows that come split. */
static char s_delim(const lnob_silc_t *self)
{
    char d = self->text ? lnob_dialect_delimiter(self->text) : 0;
    return d ? d : ',';
}

/* A required column is missing: says which, what the header gave, and what
 * that suggests (another delimiter, UTF-16 without a BOM). */
static int s_missing(lnob_silc_t *self, const lnob_csv_row_t *row, const char *what)
{
    char hint[200], shown[HEADER_SHOWN + 4], d[8], msg[SILC_ERRSTR_MAX];
    lnob_dialect_hint(row, s_delim(self), hint, sizeof hint);
    lnob_csv_format_row(row, s_delim(self), shown, sizeof shown);
    snprintf(msg, sizeof msg, "missing required column %s%s%s; the header as read (%zu field%s, delimiter %s): %s",
             what, *hint ? "; " : "", hint, row->nfields, row->nfields == 1 ? "" : "s",
             lnob_dialect_delim_name(s_delim(self), d), shown);
    return s_fail(self, "MISSING_COLUMN", msg);
}

/* Finds the further UDB variables and their flags among the header names. */
static void s_map_vars(lnob_silc_t *self)
{
    for (int v = 0; v < LNOB_UDB_VARS; v++)
        self->var_col[v] = self->flag_col[v] = -1;
    self->n_vars = 0;
    size_t suffix = strlen(FLAG_SUFFIX);
    for (size_t i = 0; i < self->n_header; i++) {
        const char *name = self->header[i];
        size_t len = strlen(name);
        int v = lnob_udb_find(name);
        if (v >= 0 && self->var_col[v] < 0) {
            self->var_col[v] = (int) i;
            self->n_vars++;
            if (lnob_udb_defs[v].kind == LNOB_UDB_CODE) /* grown with the other columns */
                self->b.code[v] = lnob_calloc(1, sizeof *self->b.code[v]);
            else
                self->b.amount[v] = lnob_calloc(1, sizeof *self->b.amount[v]);
        }
        if (len > suffix && len < 32 && strcasecmp(name + len - suffix, FLAG_SUFFIX) == 0) {
            char base[32];
            snprintf(base, sizeof base, "%.*s", (int) (len - suffix), name);
            v = lnob_udb_find(base);
            if (v >= 0 && self->flag_col[v] < 0)
                self->flag_col[v] = (int) i;
        }
    }
}

/* The field index of the flag of the column named name ("HY020_F"), or -1. */
static int s_flag_col(const lnob_silc_t *self, const char *name)
{
    size_t len = strlen(name), suffix = strlen(FLAG_SUFFIX);
    for (size_t i = 0; i < self->n_header; i++)
        if (strlen(self->header[i]) == len + suffix && !strncasecmp(self->header[i], name, len) &&
            !strcasecmp(self->header[i] + len, FLAG_SUFFIX))
            return (int) i;
    return -1;
}

/* Finds the flags of the core columns, and the last field income reads. */
static void s_map_flags(lnob_silc_t *self)
{
    static const col_id income[] = {C_HX090, C_HY020, C_HX050};
    for (int c = 0; c < C_COUNT; c++)
        self->col_flag[c] = self->col[c] >= 0 ? s_flag_col(self, self->header[self->col[c]]) : -1;
    self->income_last = -1;
    for (size_t k = 0; k < sizeof income / sizeof *income; k++) {
        if (self->col[income[k]] > self->income_last)
            self->income_last = self->col[income[k]];
        if (self->col_flag[income[k]] > self->income_last)
            self->income_last = self->col_flag[income[k]];
    }
}

static int s_map_header(lnob_silc_t *self, const lnob_csv_row_t *row)
{
    self->header = lnob_calloc(row->nfields, sizeof(char *));
    self->n_header = row->nfields;
    for (size_t i = 0; i < row->nfields; i++)
        self->header[i] = lnob_strndup(row->fields[i], row->lens[i]);
    for (int c = 0; c < C_COUNT; c++) {
        self->col[c] = -1;
        for (int k = 0; s_names[c][k] && self->col[c] < 0; k++)
            for (size_t i = 0; i < row->nfields; i++)
                if (strcasecmp(self->header[i], s_names[c][k]) == 0) {
                    self->col[c] = (int) i;
                    break;
                }
    }
    s_map_vars(self);
    if (self->col[C_HHID] < 0)
        return s_missing(self, row, "DB030 (or HB030)");
    if (self->col[C_PID] < 0)
        return s_missing(self, row, "RB030");
    if (self->col[C_WEIGHT] < 0)
        return s_missing(self, row, "RB050");
    /* HX050 is derived by the transformers (spec 1.4) when batches hold whole
     * households, that is with UDB variables */
    if (self->col[C_HX090] < 0 && (self->col[C_HY020] < 0 || (self->col[C_HX050] < 0 && !self->n_vars)))
        return s_missing(self, row, self->col[C_HY020] < 0
                          ? "HX090 (or HY020 and HX050)"
                          : "HX050 (derived by the modified OECD scale only from files with UDB "
                            "variables such as RX020, whose households' rows come together)");
    /* AGE_IRP (spec §1.3): RX020, else RB081, else (RB010 - 1) - RB080, as RB081 */
    if (self->n_vars && self->var_col[LNOB_V_RX020] < 0 && self->var_col[LNOB_V_RB081] < 0 &&
        self->col[C_BIRTH] >= 0) {
        self->irp_birth_col = self->col[C_BIRTH];
        self->b.code[LNOB_V_RB081] = lnob_calloc(1, sizeof *self->b.code[LNOB_V_RB081]);
    }
    self->n_kept = 0;
    for (int v = 0; v < LNOB_UDB_VARS; v++)
        if (self->b.code[v] || self->b.amount[v])
            self->kept[self->n_kept++] = v;
    /* AGE_INT (spec §1.3): RX010, else RB082, else RB010 - RB080, else RX020 */
    if (self->col[C_AGE] >= 0 || self->col[C_BIRTH] < 0)
        self->col[C_BIRTH] = -1;
    if (self->col[C_AGE] < 0 && self->col[C_BIRTH] < 0)
        self->col[C_AGE] = self->col[C_AGE_IRP];
    if (self->col[C_YEAR] < 0)
        self->col[C_YEAR] = self->col[C_YEAR_R];
    if (self->col[C_MUN_CODE] >= 0)
        self->col[C_MUN_NAME] = -1;
    self->derive_hx050 = self->col[C_HX090] < 0 && self->col[C_HX050] < 0;
    self->decimal_comma = self->o.decimal_comma || s_delim(self) == ';';
    s_map_flags(self);
    self->header_line = lnob_malloc(HEADER_LINE_MAX);
    lnob_csv_format_row(row, ',', self->header_line, HEADER_LINE_MAX);
    self->header_done = 1;
    return LNOB_OK;
}

/* Fixes the period and with it the extract id. */
static void s_set_period(lnob_silc_t *self, const char *period)
{
    snprintf(self->period, sizeof self->period, "%s", period);
    lnob_extract_id_make(self->extract_id, sizeof self->extract_id, "silc", self->period, self->o.checksum,
                         self->o.channel);
}

/* Parses a survey year; -1 when s is not one. */
static int s_year(const char *s, size_t len)
{
    int64_t year;
    if (lnob_num_int(s, len, &year) != 0 || year <= 1900 || year >= 3000)
        return -1;
    return (int) year;
}

/* The period is the year of the first well-formed row that carries a valid
 * one; rows before it without a year do not decide it. */
static void s_try_period(lnob_silc_t *self, const lnob_csv_row_t *row)
{
    size_t len;
    if (self->col[C_YEAR] < 0 || row->nfields != self->n_header)
        return;
    const char *y = lnob_csv_field(row, self->col[C_YEAR], &len);
    int year = s_year(y, len);
    if (year > 0) {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", year);
        s_set_period(self, buf);
    }
}

/* ---- row validation ------------------------------------------------------- */

/* Resolves a municipality field to a geo index (MUN_BAD_TEXT for text
 * that is not clean), caching by raw text. */
static int s_municipality(lnob_silc_t *self, const char *s, size_t len, int by_code)
{
    const int *hit = lnob_textcache_get(self->mun_cache, s, len);
    if (hit)
        return *hit;
    int idx = !lnob_recode_text_ok(s, len) ? MUN_BAD_TEXT
              : by_code                    ? lnob_geo_by_code(self->o.geo, s, len)
                                           : lnob_geo_by_name(self->o.geo, s, len);
    lnob_textcache_put(self->mun_cache, s, len, &idx);
    return idx;
}

/* A region code (any case) as 2 x the index of a municipality in it, + 1
 * when it is the NUTS-3 code; -1 when it is no NUTS code of Albania. */
static int s_region_code(const lnob_geo_t *geo, const char *s, size_t len)
{
    for (size_t i = 0; i < lnob_geo_count(geo); i++) {
        const lnob_municipality_t *m = lnob_geo_at(geo, i);
        if (strlen(m->nuts2) == len && !strncasecmp(m->nuts2, s, len))
            return (int) (2 * i);
        if (strlen(m->nuts3) == len && !strncasecmp(m->nuts3, s, len))
            return (int) (2 * i + 1);
    }
    return -1;
}

typedef struct {
    int64_t pid, hhid, weight;
    double hx090, hy020, hx050;
    uint32_t sex;
    int32_t age;
    int mun;
    const char *region;
    size_t region_len;
    int in_scope;
    int hh_known;         /* hhid was read (a rejected row may still name its household) */
    int32_t code[LNOB_UDB_VARS];
    double amount[LNOB_UDB_VARS];
} rec_t;

static int s_ids(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    size_t len;
    const char *s = lnob_csv_field(row, self->col[C_PID], &len);
    if (len == 0)
        return lnob_verdict_reject(v, "MISSING_ID", s_col_name(self, C_PID), "person id is empty", "", 0);
    if (lnob_num_int(s, len, &r->pid) != 0)
        return lnob_verdict_reject(v, "BAD_ID", s_col_name(self, C_PID), "person id is not a whole number", s, len);
    s = lnob_csv_field(row, self->col[C_HHID], &len);
    if (len == 0)
        return lnob_verdict_reject(v, "MISSING_ID", s_col_name(self, C_HHID), "household id is empty", "", 0);
    if (lnob_num_int(s, len, &r->hhid) != 0)
        return lnob_verdict_reject(v, "BAD_ID", s_col_name(self, C_HHID), "household id is not a whole number", s, len);
    r->hh_known = 1;
    return 0;
}

/* A decimal number: with a decimal comma too when the file may have them
 * (1234,5 reads as 1234.5, bit for bit; a number with both a comma and a
 * point is not one: no thousands separators). */
static int s_double(const lnob_silc_t *self, const char *s, size_t len, double *out)
{
    const char *comma = self->decimal_comma ? memchr(s, ',', len) : NULL;
    if (!comma)
        return lnob_num_double(s, len, out);
    char buf[NUMBER_MAX];
    size_t at = (size_t) (comma - s);
    if (len >= sizeof buf || memchr(s, '.', len) || memchr(comma + 1, ',', len - at - 1))
        return -1;
    memcpy(buf, s, len);
    buf[at] = '.';
    return lnob_num_double(buf, len, out);
}

/* What a number that s_double refused is: what, or with a decimal comma
 * in a file read without them, what to do about it. */
static const char *s_nan(const lnob_silc_t *self, const char *s, size_t len, const char *what)
{
    if (self->decimal_comma || !memchr(s, ',', len))
        return what;
    return strcmp(what, "not a number") ? "weight has a decimal comma (give --decimal-comma)"
                                        : "has a decimal comma (give --decimal-comma)";
}

static Lnob__V1__Reject *s_add_reject(lnob_silc_t *self, const lnob_csv_row_t *row, const lnob_verdict_t *v);

/* Reports a bad field of a row that is kept (spec §1.8): its value counts
 * as missing and the person leaves only what depends on it. Should the row
 * be quarantined whole after all, its flags are taken back (s_row).
 * Returns 0, the validators' "go on". */
static int s_flag(lnob_silc_t *self, const lnob_csv_row_t *row, const char *reason, const char *field,
                  const char *what, const char *s, size_t len)
{
    lnob_verdict_t v;
    lnob_verdict_reject(&v, reason, field, what, s, len);
    s_add_reject(self, row, &v)->kept = ++self->row_flags;
    return 0;
}

/* 1 unless the flag in field i says the value is not valid (spec §0.5:
 * a flag below 1, or one that is not a number); an empty flag says nothing. */
static int s_flag_ok(const lnob_csv_row_t *row, int i)
{
    size_t len;
    int64_t k;
    const char *s = lnob_csv_field(row, i, &len);
    return len == 0 || (lnob_num_int(s, len, &k) == 0 && k >= 1);
}

/* Column c's text, empty when its _F flag says the value is not valid. */
static const char *s_value(const lnob_silc_t *self, const lnob_csv_row_t *row, col_id c, size_t *len)
{
    const char *s = lnob_csv_field(row, self->col[c], len);
    if (self->col_flag[c] >= 0 && !s_flag_ok(row, self->col_flag[c]))
        *len = 0;
    return s;
}

/* A weight that is empty, flagged, not a number, not above 0 (at 5
 * decimals) or implausible is flagged and read as 0: the person is in no
 * indicator population but still a member of the household (spec §0.2,
 * §1.8). */
static int s_weight(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    size_t len;
    double w;
    const char *s = s_value(self, row, C_WEIGHT, &len);
    const char *f = s_col_name(self, C_WEIGHT);
    r->weight = 0;
    if (len == 0)
        return s_flag(self, row, "MISSING_WEIGHT", f, "weight is empty or flagged missing", "", 0);
    if (s_double(self, s, len, &w) != 0)
        return s_flag(self, row, "BAD_NUMBER", f, s_nan(self, s, len, "weight is not a number"), s, len);
    if (w < 0)
        return s_flag(self, row, "NEGATIVE_WEIGHT", f, "weight is negative", s, len);
    if (w > MAX_WEIGHT)
        return s_flag(self, row, "OUT_OF_RANGE", f, "weight is implausibly large", s, len);
    r->weight = llround(w * LNOB_WEIGHT_SCALE);
    if (r->weight == 0)
        return s_flag(self, row, "ZERO_WEIGHT", f, "weight is 0 (at 5 decimals)", s, len);
    return 0;
}

/* An amount of the income; NaN when absent, empty or flagged (missing,
 * spec §1.2) or not a number (flagged). */
static double s_money(lnob_silc_t *self, const lnob_csv_row_t *row, col_id c)
{
    size_t len;
    double x;
    if (self->col[c] < 0)
        return NAN;
    const char *s = s_value(self, row, c, &len);
    if (len == 0)
        return NAN;
    if (s_double(self, s, len, &x) != 0) {
        s_flag(self, row, "BAD_NUMBER", s_col_name(self, c), s_nan(self, s, len, "not a number"), s, len);
        return NAN;
    }
    return x;
}

/* Every income column the file has: which one makes the income is the
 * transformers' choice (spec §1.8). */
static void s_income_of(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    r->hx090 = s_money(self, row, C_HX090);
    r->hy020 = s_money(self, row, C_HY020);
    r->hx050 = s_money(self, row, C_HX050);
    if (!isnan(r->hx050) && r->hx050 < 1.0) {
        size_t len;
        const char *s = lnob_csv_field(row, self->col[C_HX050], &len);
        s_flag(self, row, "OUT_OF_RANGE", s_col_name(self, C_HX050),
               "equivalised household size is below 1", s, len);
        r->hx050 = NAN;
    }
}

static int s_income(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    if (s_memo(self, row, self->income_epoch, self->income_last, -1)) {
        r->hx090 = self->memo_hx090, r->hy020 = self->memo_hy020, r->hx050 = self->memo_hx050;
        return 0;
    }
    uint32_t flags = self->row_flags;
    s_income_of(self, row, r);
    if (self->row_flags != flags) /* flagged: each row sharing the field reports it again */
        return 0;
    self->memo_hx090 = r->hx090, self->memo_hy020 = r->hy020, self->memo_hx050 = r->hx050;
    self->income_epoch = self->epoch;
    return 0;
}

/* Age at the interview: the age column, or the survey year minus the year
 * of birth (RB080) when the file has no age (spec §1.3). -1 is an age only
 * where the age is RX020's (born after the income reference period, spec
 * §1.8). A bad age is flagged and missing. */
static int s_age(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    size_t len, ylen;
    int64_t k;
    int by_birth = self->col[C_BIRTH] >= 0;
    col_id c = by_birth ? C_BIRTH : C_AGE;
    const char *s = s_value(self, row, c, &len), *y = lnob_csv_field(row, self->col[C_YEAR], &ylen);
    int year = ylen ? s_year(y, ylen) : atoi(self->period);
    int youngest = !by_birth && self->col[C_AGE] == self->col[C_AGE_IRP] ? -1 : 0;
    r->age = LNOB_AGE_NONE;
    if (!len)
        return 0;
    if (lnob_num_int(s, len, &k) != 0)
        return s_flag(self, row, "BAD_NUMBER", s_col_name(self, c), "not a whole number", s, len);
    if (by_birth)
        k = year > 0 ? year - k : -1;
    if (k < youngest || k > MAX_AGE)
        return s_flag(self, row, "BAD_NUMBER", s_col_name(self, c),
                      by_birth ? "year of birth gives no age 0-130" : "age is not a whole number 0-130",
                      s, len);
    r->age = (int32_t) k;
    self->age_from_birth |= by_birth;
    return 0;
}

/* 1 when s[0..len) is shaped like a NUTS code: two letters, then letters
 * and digits with at least one digit ("AL09", "XK01"). */
static int s_code_shaped(const char *s, size_t len)
{
    int digits = 0;
    for (size_t i = 0; i < len; i++) {
        int alpha = ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z'), digit = s[i] >= '0' && s[i] <= '9';
        if (i < 2 ? !alpha : !alpha && !digit)
            return 0;
        digits += digit;
    }
    return len >= 3 && digits > 0;
}

/* DB040 as a NUTS-2 or NUTS-3 code of Albania (spec §5.1), spelt as the
 * tables spell it. A value shaped like a code that is none of Albania's is
 * flagged and the person is in no region cell (spec §1.8); a label of the
 * national file's own ("Qendër") is kept as it is. */
static void s_region(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    const int *hit = lnob_textcache_get(self->region_cache, r->region, r->region_len);
    int k = hit ? *hit : s_region_code(self->o.geo, r->region, r->region_len);
    if (!hit)
        lnob_textcache_put(self->region_cache, r->region, r->region_len, &k);
    if (k < 0 && !s_code_shaped(r->region, r->region_len))
        return; /* a label: passed through */
    if (k < 0) {
        s_flag(self, row, "UNKNOWN_REGION", s_col_name(self, C_REGION),
               "shaped like a NUTS code but none of Albania's NUTS-2 or NUTS-3 codes", r->region,
               r->region_len);
        r->region_len = 0;
        return;
    }
    const lnob_municipality_t *m = lnob_geo_at(self->o.geo, (size_t) k / 2);
    r->region = k % 2 ? m->nuts3 : m->nuts2;
    r->region_len = strlen(r->region);
}

static int s_codes(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    size_t len;
    int64_t k;
    const char *s = s_value(self, row, C_SEX, &len);
    r->sex = 0;
    if (len && (lnob_num_int(s, len, &k) != 0 || (k != 1 && k != 2)))
        s_flag(self, row, "BAD_CODE", s_col_name(self, C_SEX), "sex is not 1 or 2", s, len);
    else if (len)
        r->sex = (uint32_t) k;
    s_age(self, row, r);
    s = lnob_csv_field(row, self->col[C_YEAR], &len);
    if (len && s_year(s, len) < 0)
        return lnob_verdict_reject(v, "BAD_NUMBER", s_col_name(self, C_YEAR), "year is not a survey year", s, len);
    if (len && (len != strlen(self->period) || memcmp(self->period, s, len) != 0))
        return lnob_verdict_reject(v, "YEAR_MISMATCH", s_col_name(self, C_YEAR),
                        "year differs from the extract's period (first row with a year)", s, len);
    r->region = lnob_csv_field(row, self->col[C_REGION], &r->region_len);
    if (r->region_len && !lnob_recode_text_ok(r->region, r->region_len)) {
        s_flag(self, row, "BAD_TEXT", s_col_name(self, C_REGION), BAD_TEXT_WHAT, r->region, r->region_len);
        r->region_len = 0; /* the person is in no region cell (spec 1.8) */
    }
    if (r->region_len)
        s_region(self, row, r);
    return 0;
}

/* A population filter (RB110, DB135): outside [lo, hi], empty or not a
 * code (flagged) puts the row out of scope. */
static int s_scope_flag(lnob_silc_t *self, const lnob_csv_row_t *row, col_id c, int lo, int hi,
                        int *in_scope)
{
    size_t len;
    int64_t k = lo - 1;
    if (self->col[c] < 0)
        return 0;
    const char *s = lnob_csv_field(row, self->col[c], &len);
    if (len && lnob_num_int(s, len, &k) != 0) {
        s_flag(self, row, "BAD_CODE", s_col_name(self, c), "not a numeric code", s, len);
        k = lo - 1;
    }
    if (!len || k < lo || k > hi)
        *in_scope = 0;
    return 0;
}

/* The municipality; one that is unknown or ambiguous is flagged and the
 * person is in no municipality cell (spec §1.8). */
static int s_place(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    int by_code = self->col[C_MUN_CODE] >= 0;
    col_id c = by_code ? C_MUN_CODE : C_MUN_NAME;
    size_t len;
    r->mun = -1;
    if (self->col[c] < 0)
        return 0;
    if (s_memo(self, row, self->place_epoch, self->col[c], -1)) {
        r->mun = self->memo_mun;
        return 0;
    }
    const char *s = lnob_csv_field(row, self->col[c], &len);
    if (len)
        r->mun = s_municipality(self, s, len, by_code);
    if (r->mun == MUN_BAD_TEXT || r->mun == LNOB_GEO_AMBIGUOUS || (len && r->mun < 0)) {
        const char *reason = r->mun == MUN_BAD_TEXT        ? "BAD_TEXT"
                             : r->mun == LNOB_GEO_AMBIGUOUS ? "AMBIGUOUS_MUNICIPALITY"
                                                            : "UNKNOWN_MUNICIPALITY";
        const char *what = r->mun == MUN_BAD_TEXT ? BAD_TEXT_WHAT
                           : r->mun == LNOB_GEO_AMBIGUOUS
                               ? "names units of several municipalities; give the municipality"
                               : "not one of the 61 municipalities (nor a former unit)";
        s_flag(self, row, reason, s_col_name(self, c), what, s, len);
        r->mun = -1;
        return 0; /* each row sharing the field reports it again */
    }
    self->memo_mun = r->mun;
    self->place_epoch = self->epoch;
    return 0;
}

/* A UDB flag below 1 (or not a number: flagged) makes the value not valid
 * (spec §0.5): the flag itself travels as the code. Returns 1 when the
 * value is flagged away. */
static int s_flagged(lnob_silc_t *self, const lnob_csv_row_t *row, int v, int32_t *flag)
{
    size_t len;
    int64_t k;
    if (self->flag_col[v] < 0)
        return 0;
    const char *s = lnob_csv_field(row, self->flag_col[v], &len);
    if (len == 0)
        return 0;
    if (lnob_num_int(s, len, &k) != 0) {
        s_flag(self, row, "BAD_CODE", self->header[self->flag_col[v]], "flag is not a whole number", s, len);
        return 1;
    }
    if (k >= 1)
        return 0;
    *flag = lnob_udb_is_flag(k) ? (int32_t) k : LNOB_UDB_MISSING;
    return 1;
}

/* Variable v's code or amount; a value that is not valid is flagged and
 * travels as missing. */
static int s_var(lnob_silc_t *self, const lnob_csv_row_t *row, int v, rec_t *r)
{
    const lnob_udb_def_t *def = &lnob_udb_defs[v];
    const char *field = self->header[self->var_col[v]];
    int32_t flag = LNOB_UDB_MISSING, missing = lnob_udb_is_age(v) ? LNOB_AGE_NONE : LNOB_UDB_MISSING;
    r->code[v] = missing;
    r->amount[v] = NAN;
    if (s_flagged(self, row, v, &flag)) {
        r->code[v] = lnob_udb_is_age(v) ? LNOB_AGE_NONE : flag;
        return 0;
    }
    size_t len;
    const char *s = lnob_csv_field(row, self->var_col[v], &len);
    if (len == 0)
        return 0;
    if (def->kind == LNOB_UDB_AMOUNT) {
        if (s_double(self, s, len, &r->amount[v]) != 0) {
            r->amount[v] = NAN;
            s_flag(self, row, "BAD_NUMBER", field, s_nan(self, s, len, "not a number"), s, len);
        }
        return 0;
    }
    int64_t k;
    if (lnob_num_int(s, len, &k) != 0)
        return s_flag(self, row, "BAD_CODE", field, "not a numeric code", s, len);
    if (k >= def->lo && k <= def->hi)
        r->code[v] = (int32_t) k;
    else if (!lnob_udb_is_flag(k))
        s_flag(self, row, "BAD_CODE", field, "outside the variable's code list", s, len);
    else if (!lnob_udb_is_age(v))
        r->code[v] = (int32_t) k;
    return 0;
}

/* AGE_IRP from the year of birth when the file has neither RX020 nor
 * RB081: carried as RB081 (the survey year - 1 - RB080; -1 for a person
 * born in the survey year, spec §1.8). */
static void s_irp_from_birth(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    size_t len, ylen;
    int64_t birth;
    const char *s = lnob_csv_field(row, self->irp_birth_col, &len), *y = lnob_csv_field(row, self->col[C_YEAR], &ylen);
    int year = ylen ? s_year(y, ylen) : atoi(self->period);
    int64_t age = year - 1 - (lnob_num_int(s, len, &birth) == 0 ? birth : year + 2);
    r->code[LNOB_V_RB081] = year > 0 && age >= -1 && age <= MAX_AGE ? (int32_t) age : LNOB_AGE_NONE;
    self->irp_from_birth |= r->code[LNOB_V_RB081] != LNOB_AGE_NONE;
}

/* s_var, or what it gave for the household's row before. */
static void s_var_memo(lnob_silc_t *self, const lnob_csv_row_t *row, int v, rec_t *r)
{
    if (s_memo(self, row, self->var_epoch[v], self->var_col[v], self->flag_col[v])) {
        r->code[v] = self->memo_code[v];
        r->amount[v] = self->memo_amount[v];
        return;
    }
    uint32_t flags = self->row_flags;
    s_var(self, row, v, r);
    if (self->row_flags != flags) /* flagged: each row sharing the field reports it again */
        return;
    self->memo_code[v] = r->code[v];
    self->memo_amount[v] = r->amount[v];
    self->var_epoch[v] = self->epoch;
}

static void s_vars(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r)
{
    for (int k = 0; k < self->n_kept; k++)
        if (self->var_col[self->kept[k]] >= 0) /* not a derived RB081 */
            s_var_memo(self, row, self->kept[k], r);
    if (self->irp_birth_col >= 0)
        s_irp_from_birth(self, row, r);
}

/* RB030 identifies a person across the extract: a second row with the same
 * id would count that person twice. The first row stays; later ones go to
 * the quarantine. Checked last, so only otherwise valid rows claim an id. */
static int s_unique(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    if (lnob_idset_add(self->seen, r->pid))
        return 0;
    size_t len;
    const char *s = lnob_csv_field(row, self->col[C_PID], &len);
    return lnob_verdict_reject(v, "DUPLICATE_ID", s_col_name(self, C_PID), "person id already seen in this extract",
                    s, len);
}

static int s_validate(lnob_silc_t *self, const lnob_csv_row_t *row, rec_t *r, lnob_verdict_t *v)
{
    if (lnob_csv_row_broken(row, &v->reason, v->detail, sizeof v->detail)) {
        v->field = "";
        return -1;
    }
    if (row->nfields != self->n_header) {
        v->reason = "ROW_WIDTH";
        v->field = "";
        snprintf(v->detail, sizeof v->detail, "row has %zu fields, the header has %zu",
                 row->nfields, self->n_header);
        return -1;
    }
    r->in_scope = 1;
    /* what cannot place the row rejects it whole; any other bad field is
     * flagged and the row kept (spec §1.8) */
    if (s_ids(self, row, r, v) || s_weight(self, row, r) || s_income(self, row, r) ||
        s_codes(self, row, r, v) || s_scope_flag(self, row, C_RB110, 1, 4, &r->in_scope) ||
        s_scope_flag(self, row, C_DB135, 1, 1, &r->in_scope) || s_place(self, row, r))
        return -1;
    s_vars(self, row, r);
    return s_unique(self, row, r, v);
}

/* ---- batch building ------------------------------------------------------- */

static uint32_t s_region_slot(batch_t *b, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 1; i < b->n_region; i++)
        if (strlen(b->region_dict[i]) == len && memcmp(b->region_dict[i], s, len) == 0)
            return (uint32_t) i;
    lnob_grow((void **) &b->region_dict, &b->cap_region, b->n_region + 1, sizeof(char *));
    b->region_dict[b->n_region] = lnob_strndup(s, len);
    return (uint32_t) b->n_region++;
}

static uint32_t s_mun_slot(lnob_silc_t *self, int mun)
{
    if (mun < 0)
        return 0;
    return lnob_slots_get(&self->b.mun_names, mun, lnob_geo_at(self->o.geo, (size_t) mun)->code);
}

static void s_grow_columns(batch_t *b)
{
    size_t need = b->n + 1, cap = b->cap;
    if (need <= cap)
        return;
    size_t c;
#define GROW(col) c = cap, lnob_grow((void **) &b->col, &c, need, sizeof *b->col)
    GROW(pid); GROW(hhid); GROW(weight); GROW(hx090); GROW(hy020); GROW(hx050);
    GROW(sex); GROW(region); GROW(mun); GROW(age); GROW(line);
    for (int v = 0; v < LNOB_UDB_VARS; v++) {
        if (b->code[v])
            GROW(code[v]);
        if (b->amount[v])
            GROW(amount[v]);
    }
#undef GROW
    b->cap = c;
}

static void s_append(lnob_silc_t *self, const rec_t *r, uint64_t line)
{
    batch_t *b = &self->b;
    s_grow_columns(b);
    size_t i = b->n++;
    b->pid[i] = r->pid;
    b->hhid[i] = r->hhid;
    b->weight[i] = r->weight;
    b->hx090[i] = r->hx090;
    b->hy020[i] = r->hy020;
    b->hx050[i] = r->hx050;
    b->sex[i] = r->sex;
    b->age[i] = r->age;
    b->line[i] = line;
    b->region[i] = s_region_slot(b, r->region, r->region_len);
    b->mun[i] = s_mun_slot(self, r->mun);
    for (int k = 0; k < self->n_kept; k++) {
        int v = self->kept[k];
        if (b->code[v])
            b->code[v][i] = r->code[v];
        else
            b->amount[v][i] = r->amount[v];
    }
}

static void s_where(lnob_silc_t *self, const char *field, Lnob__V1__Reject *rj);

static Lnob__V1__Reject *s_add_reject(lnob_silc_t *self, const lnob_csv_row_t *row, const lnob_verdict_t *v)
{
    char raw[LNOB_REJECT_RAW_MAX];
    lnob_csv_format_row(row, ',', raw, sizeof raw);
    Lnob__V1__Reject *rj = lnob_rejects_add(&self->b.rejects, self->o.source, self->o.file, row->line,
                                            v->field ? v->field : "", v->reason, v->detail, raw);
    s_where(self, v->field, rj);
    return rj;
}

/* With joined files: says which file and line the bad value came from. */
static void s_where(lnob_silc_t *self, const char *field, Lnob__V1__Reject *rj)
{
    char where[160];
    for (size_t i = 0; self->o.where && i < self->n_header; i++)
        if (self->header[i] == field) {
            self->o.where(self->o.where_arg, i, where, sizeof where);
            if (where[0]) {
                char *d = lnob_malloc(strlen(rj->detail) + strlen(where) + 4);
                sprintf(d, "%s (%s)", rj->detail, where);
                free(rj->detail);
                rj->detail = d;
                self->b.rejects.bytes += strlen(where) + 3; /* as lnob_rejects_truncate counts it */
            }
            return;
        }
}

static void s_reset_batch(batch_t *b)
{
    for (size_t i = 1; i < b->n_region; i++)
        free(b->region_dict[i]);
    b->n_region = 1;
    lnob_slots_reset(&b->mun_names);
    lnob_rejects_clear(&b->rejects);
    b->n = 0;
    b->rows_read = b->out_of_scope = 0;
}

/* Sends the batch as it is, and numbers the next. */
static int s_send(lnob_silc_t *self)
{
    batch_t *b = &self->b;
    Lnob__V1__Batch m = LNOB__V1__BATCH__INIT;
    if (self->extract_id[0] == '\0')
        s_set_period(self, "unknown");
    m.extract_id = self->extract_id;
    m.seq = self->batches;
    m.record_count = (uint32_t) b->n;
    m.run_id = (char *) self->o.run_id;
    m.source = (char *) self->o.source;
    m.rows_read = b->rows_read;
    m.out_of_scope = b->out_of_scope;
    m.n_person_id = m.n_household_id = m.n_weight = m.n_sex = m.n_age = m.n_line = b->n;
    m.n_region = m.n_municipality = b->n;
    m.person_id = b->pid;
    m.household_id = b->hhid;
    m.weight = b->weight;
    m.sex = b->sex;
    m.age = b->age;
    m.line = b->line;
    m.region = b->region;
    m.municipality = b->mun;
    m.n_hx090 = self->col[C_HX090] >= 0 ? b->n : 0;
    m.hx090 = b->hx090;
    m.n_hy020 = self->col[C_HY020] >= 0 ? b->n : 0;
    m.n_hx050 = self->col[C_HX050] >= 0 ? b->n : 0;
    m.hy020 = b->hy020;
    m.hx050 = b->hx050;
    m.n_region_dict = b->n_region;
    m.region_dict = b->region_dict;
    m.n_municipality_dict = b->mun_names.n;
    m.municipality_dict = b->mun_names.names;
    col_id mc = self->col[C_MUN_CODE] >= 0 ? C_MUN_CODE : C_MUN_NAME;
    m.municipality_field = self->col[mc] >= 0 ? (char *) s_col_name(self, mc) : "";
    m.n_rejects = b->rejects.n;
    m.rejects = lnob_rejects_ptrs(&b->rejects);
    Lnob__V1__Var vars[LNOB_UDB_VARS], *var_ptrs[LNOB_UDB_VARS];
    for (int v = 0; v < LNOB_UDB_VARS; v++) {
        if (self->var_col[v] < 0 && !(v == LNOB_V_RB081 && self->irp_birth_col >= 0))
            continue;
        Lnob__V1__Var *x = &vars[m.n_vars];
        lnob__v1__var__init(x);
        x->name = (char *) lnob_udb_defs[v].name;
        x->n_code = b->code[v] ? b->n : 0;
        x->code = b->code[v];
        x->n_amount = b->amount[v] ? b->n : 0;
        x->amount = b->amount[v];
        var_ptrs[m.n_vars++] = x;
    }
    m.vars = var_ptrs;
    self->batches++;
    return self->o.emit(self->o.arg, &m);
}

static int s_emit(lnob_silc_t *self)
{
    int rc = s_send(self);
    s_reset_batch(&self->b);
    return rc;
}

/* Sends the rejects held as a batch of their own (one row read for each
 * row quarantined whole) and
 * keeps the records: a household still open stays whole in one batch. */
static int s_emit_rejects(lnob_silc_t *self)
{
    batch_t *b = &self->b;
    size_t n = b->n;
    uint32_t rows = b->rows_read, out = b->out_of_scope, rejected = 0;
    for (size_t i = 0; i < b->rejects.n; i++) /* a kept row's flags are no row of their own */
        rejected += b->rejects.v[i].kept == 0;
    b->n = 0, b->rows_read = rejected, b->out_of_scope = 0;
    int rc = s_send(self);
    b->n = n, b->rows_read = rows - rejected, b->out_of_scope = out;
    lnob_rejects_clear(&b->rejects);
    return rc;
}

/* ---- rows ----------------------------------------------------------------- */

/* With UDB variables, a batch holds whole households: a household's rows
 * must be together in the file. When an accepted row starts a household,
 * a full batch is sent first (its rc in *rc); a row of a household that
 * was already closed is rejected. */
static int s_household(lnob_silc_t *self, const lnob_csv_row_t *row, const rec_t *r,
                       lnob_verdict_t *v, int *rc)
{
    if (!self->n_vars || !r->in_scope || (self->has_open && r->hhid == self->open_hh))
        return 0;
    if (lnob_idset_contains(self->closed, r->hhid)) {
        size_t len;
        const char *s = lnob_csv_field(row, self->col[C_HHID], &len);
        return lnob_verdict_reject(v, "HOUSEHOLD_SPLIT", s_col_name(self, C_HHID),
                        "rows of this household are not together; sort the file by household", s, len);
    }
    if (self->has_open)
        lnob_idset_add(self->closed, self->open_hh);
    self->open_hh = r->hhid;
    self->has_open = 1;
    if (self->b.n >= self->o.batch_size)
        *rc = s_emit(self);
    self->open_first = self->b.n;
    self->open_incomplete = self->has_pending && self->pending_hh == r->hhid;
    self->hh_incomplete += self->open_incomplete;
    return 0;
}

/* 1 when HX050 may have to be derived from the members' ages (the file
 * has HY020 but no HX050; spec §1.8: an HX090 that is not valid falls back
 * to HY020 / HX050). */
static int s_sized_here(const lnob_silc_t *self)
{
    return self->col[C_HX050] < 0 && self->col[C_HY020] >= 0;
}

/* A quarantined row of household r->hhid, when HX050 is derived: the
 * household's members cannot all be counted (spec 1.4), so its persons'
 * income goes missing (spec 1.2), those already in the batch included. A
 * second row of a person already accepted is not a member more. */
static void s_member_lost(lnob_silc_t *self, const rec_t *r, const char *reason)
{
    if (!s_sized_here(self) || !r->hh_known || !strcmp(reason, "DUPLICATE_ID"))
        return;
    if (!self->has_open || r->hhid != self->open_hh) {
        self->pending_hh = r->hhid;
        self->has_pending = 1;
        return;
    }
    self->hh_incomplete += !self->open_incomplete;
    self->open_incomplete = 1;
    for (size_t i = self->open_first; i < self->b.n; i++)
        self->b.hy020[i] = NAN;
}

/* Rejects enough for a batch of their own (with UDB variables a batch of
 * records goes only between households, so they go without the records). */
static int s_rejects_full(const lnob_silc_t *self)
{
    const lnob_rejects_t *r = &self->b.rejects;
    return r->n >= REJECTS_HARD_CAP * self->o.batch_size || lnob_rejects_full(r);
}

static int s_row(void *arg, const lnob_csv_row_t *given)
{
    lnob_silc_t *self = arg;
    if (!self->header_done)
        return s_map_header(self, given);
    lnob_csv_row_t shifted = *given, *row = &shifted; /* a Range's rows: the file's lines */
    if (self->o.first_line)
        shifted.line += self->o.first_line - 2;
    if (self->extract_id[0] == '\0')
        s_try_period(self, row);
    rec_t r;
    lnob_verdict_t v = {0};
    self->epoch += row->shared == 0;
    self->rows_read++;
    self->b.rows_read++;
    r.hh_known = 0;
    self->row_rejects = self->b.rejects.n;
    self->row_flags = 0;
    int rc = LNOB_OK;
    if (s_validate(self, row, &r, &v) != 0 || s_household(self, row, &r, &v, &rc) != 0) {
        /* the row's one record replaces its flags; no later row reuses
         * what its fields gave */
        lnob_rejects_truncate(&self->b.rejects, self->row_rejects);
        self->epoch++;
        s_add_reject(self, row, &v);
        s_member_lost(self, &r, v.reason);
    } else if (!r.in_scope)
        self->b.out_of_scope++;
    else {
        if (s_sized_here(self) && self->open_incomplete)
            r.hy020 = NAN; /* income missing: the household cannot be sized */
        s_append(self, &r, row->line);
        self->records++;
    }
    if (rc != LNOB_OK)
        return rc;
    size_t cap = self->o.batch_size;
    if (self->n_vars) /* whole households: full batches go at the next household */
        return s_rejects_full(self) ? s_emit_rejects(self) : LNOB_OK;
    if (self->b.n >= cap || self->b.rejects.n >= cap || lnob_rejects_full(&self->b.rejects))
        return s_emit(self);
    return LNOB_OK;
}

/* ---- lifecycle ------------------------------------------------------------ */

lnob_silc_t *lnob_silc_new(const lnob_silc_opts_t *opts)
{
    lnob_silc_t *self = lnob_calloc(1, sizeof *self);
    self->o = *opts;
    self->irp_birth_col = -1;
    self->epoch = 1; /* no memo holds epoch 1 before a row set it */
    self->mun_cache = lnob_textcache_new(sizeof(int), MUN_CACHE_MAX);
    self->region_cache = lnob_textcache_new(sizeof(int), MUN_CACHE_MAX);
    self->seen = lnob_idset_new();
    self->closed = lnob_idset_new();
    self->b.region_dict = lnob_calloc(1, sizeof(char *));
    self->b.region_dict[0] = "";
    self->b.cap_region = 1;
    self->b.n_region = 1;
    lnob_slots_init(&self->b.mun_names, LNOB_GEO_MUNICIPALITIES);
    if (opts->period && *opts->period)
        s_set_period(self, opts->period);
    return self;
}

void lnob_silc_destroy(lnob_silc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_silc_t *self = *self_p;
    batch_t *b = &self->b;
    s_reset_batch(b);
    free(b->pid); free(b->hhid); free(b->weight); free(b->hx090); free(b->hy020);
    free(b->hx050); free(b->sex); free(b->region); free(b->mun); free(b->age); free(b->line);
    free(b->region_dict);
    lnob_slots_free(&b->mun_names);
    lnob_rejects_free(&b->rejects);
    for (size_t i = 0; i < self->n_header; i++)
        free((char *) self->header[i]);
    free(self->header);
    free(self->header_line);
    lnob_textcache_destroy(&self->mun_cache);
    lnob_textcache_destroy(&self->region_cache);
    lnob_idset_destroy(&self->seen);
    lnob_idset_destroy(&self->closed);
    for (int v = 0; v < LNOB_UDB_VARS; v++) {
        free(b->code[v]);
        free(b->amount[v]);
    }
    lnob_dialect_destroy(&self->text);
    free(self);
    *self_p = NULL;
}

int lnob_silc_feed(lnob_silc_t *self, const char *buf, size_t len)
{
    if (!self->text) {
        self->text = lnob_dialect_new(self->o.encoding, self->o.delimiter, s_row, self);
        lnob_dialect_set_max_lines(self->text, 1); /* SILC rows never span lines */
    }
    if (self->rc == LNOB_OK)
        self->rc = lnob_dialect_feed(self->text, buf, len);
    return self->rc;
}

int lnob_silc_row(lnob_silc_t *self, const lnob_csv_row_t *row)
{
    if (self->rc == LNOB_OK)
        self->rc = s_row(self, row);
    return self->rc;
}

int lnob_silc_reject(lnob_silc_t *self, uint32_t file, const char *source, uint64_t line,
                     const char *field, const char *reason, const char *detail, const char *raw)
{
    batch_t *b = &self->b;
    if (self->rc != LNOB_OK)
        return self->rc;
    lnob_rejects_add(&b->rejects, source, file, line, field, reason, detail, raw);
    self->rows_read++;
    b->rows_read++;
    if (s_rejects_full(self))
        self->rc = self->n_vars ? s_emit_rejects(self) : s_emit(self);
    return self->rc;
}

int lnob_silc_finish(lnob_silc_t *self)
{
    if (self->rc == LNOB_OK && self->text)
        self->rc = lnob_dialect_finish(self->text);
    if (self->rc != LNOB_OK)
        return self->rc;
    if (!self->header_done) {
        self->rc = s_fail(self, "EMPTY_FILE", "the file is empty (no header row)");
        return self->rc;
    }
    if (self->b.rows_read || self->batches == 0)
        self->rc = s_emit(self);
    return self->rc;
}

int lnob_silc_key_columns(const lnob_silc_t *self, int *pid, int *hh, int *year, size_t *n_header)
{
    if (!self->header_done)
        return -1;
    *pid = self->col[C_PID], *hh = self->col[C_HHID], *year = self->col[C_YEAR], *n_header = self->n_header;
    return 0;
}

const char *lnob_silc_extract_id(const lnob_silc_t *self) { return self->extract_id; }
const char *lnob_silc_period(const lnob_silc_t *self) { return self->period; }
const char *lnob_silc_header(const lnob_silc_t *self)
{
    return self->header_line ? self->header_line : "";
}
uint64_t lnob_silc_rows_read(const lnob_silc_t *self) { return self->rows_read; }
uint64_t lnob_silc_records(const lnob_silc_t *self) { return self->records; }
uint32_t lnob_silc_batches(const lnob_silc_t *self) { return self->batches; }
const char *lnob_silc_reason(const lnob_silc_t *self) { return self->reason ? self->reason : "ERROR"; }
const char *lnob_silc_errstr(const lnob_silc_t *self) { return self->errstr; }
/* Appends "; " and the formatted note to the notes (the first without). */
static void s_note(char *notes, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void s_note(char *notes, size_t cap, const char *fmt, ...)
{
    size_t o = strlen(notes);
    if (o + 2 >= cap)
        return;
    if (o)
        o += (size_t) snprintf(notes + o, cap - o, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(notes + o, cap - o, fmt, ap);
    va_end(ap);
}

/* How the file's text was read, unless it was the plain UTF-8 comma form. */
static void s_dialect_note(lnob_silc_t *self)
{
    char d[DIALECT_NOTE_MAX];
    if (self->text && !lnob_dialect_plain(self->text))
        s_note(self->notes, sizeof self->notes, "%s", lnob_dialect_describe(self->text, d, sizeof d));
    if (self->o.dialect_notes && *self->o.dialect_notes)
        s_note(self->notes, sizeof self->notes, "%s", self->o.dialect_notes);
    if (self->decimal_comma)
        s_note(self->notes, sizeof self->notes, "numbers read with a decimal comma where they have one");
}

uint32_t lnob_silc_note_bits(const lnob_silc_t *self, uint64_t *hh_incomplete)
{
    *hh_incomplete = self->hh_incomplete;
    return (self->age_from_birth ? LNOB_SILC_NOTE_AGE_BIRTH : 0) |
           (self->irp_from_birth ? LNOB_SILC_NOTE_IRP_BIRTH : 0) |
           (self->header_done && self->derive_hx050 ? LNOB_SILC_NOTE_HX050 : 0) |
           (self->col[C_HX090] >= 0 ? LNOB_SILC_NOTE_HX090 : 0);
}

void lnob_silc_notes_add(char *notes, size_t cap, uint32_t bits, uint64_t hh_incomplete)
{
    uint32_t ages = bits & (LNOB_SILC_NOTE_AGE_BIRTH | LNOB_SILC_NOTE_IRP_BIRTH);
    if (ages == (LNOB_SILC_NOTE_AGE_BIRTH | LNOB_SILC_NOTE_IRP_BIRTH))
        s_note(notes, cap, "AGE_INT is RB010 - RB080 and AGE_IRP is RB010 - 1 - RB080 (no RX010, RB082, RX020 or "
                           "RB081; spec 1.3)");
    else if (ages == LNOB_SILC_NOTE_IRP_BIRTH)
        s_note(notes, cap, "AGE_IRP is RB010 - 1 - RB080 (no RX020 or RB081; spec 1.3)");
    else if (ages == LNOB_SILC_NOTE_AGE_BIRTH)
        s_note(notes, cap, "AGE_INT is RB010 - RB080 (no RX010 or RB082; spec 1.3)");
    if (bits & LNOB_SILC_NOTE_HX050)
        s_note(notes, cap, "HX050 derived by the modified OECD scale from the members' ages (no HX050; spec 1.4)");
    if (hh_incomplete)
        s_note(notes, cap, "%llu households with a quarantined member could not be sized: their income "
                           "counts as missing (spec 1.2)%s", (unsigned long long) hh_incomplete,
               bits & LNOB_SILC_NOTE_HX090 ? " unless their HX090 is valid (spec 1.8)" : "");
}

const char *lnob_silc_notes(lnob_silc_t *self)
{
    self->notes[0] = '\0';
    s_dialect_note(self);
    uint64_t hh;
    uint32_t bits = lnob_silc_note_bits(self, &hh);
    lnob_silc_notes_add(self->notes, sizeof self->notes, bits, hh);
    return self->notes;
}

void lnob_silc_source(lnob_silc_t *self, const char *source)
{
    self->o.source = source;
}
