/* geo.c - Albania's municipalities, qarks, LNB targets and former units,
 * parsed from the CSV tables embedded at build time, with a folded-name
 * index for matching names in any common spelling (see lnob/geo.h).
 *
 * The index is two sorted arrays of (folded key, municipality index): one of
 * the keys as folded, one with the particles "i"/"e" removed. A lookup folds
 * the name into a stack buffer and bsearches the first array, then the
 * second; it never allocates. A key that designates two municipalities is
 * stored as LNOB_GEO_AMBIGUOUS, except that municipality-level names (code,
 * name, definite form, aliases, seat town) take precedence over unit names. */
#include "lnob/geo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/csv.h"
#include "lnob/mem.h"
#include "lnob/rc.h"
#include "lnob/recode.h"

extern const unsigned char lnob_data_municipalities_csv[];
extern const size_t lnob_data_municipalities_csv_len;
extern const unsigned char lnob_data_former_units_csv[];
extern const size_t lnob_data_former_units_csv_len;
extern const unsigned char lnob_data_qarks_csv[];
extern const size_t lnob_data_qarks_csv_len;
extern const unsigned char lnob_data_lnb_targets_csv[];
extern const size_t lnob_data_lnb_targets_csv_len;

/* Longest name a lookup folds; longer inputs cannot match any key. */
#define S_NAME_MAX 256
/* Folded bytes of a name compared by lnob_geo_nearest: bounds its cost. */
#define S_NEAR_MAX 64
/* Most columns a table loader asks for. */
#define S_MAX_COLS 12

enum { S_LEVEL_MUNI = 0, S_LEVEL_UNIT = 1 };

typedef struct {
    const char *key; /* folded name, owned by the string pool */
    int idx;         /* municipality index or LNOB_GEO_AMBIGUOUS */
    int level;       /* S_LEVEL_MUNI or S_LEVEL_UNIT (build time only) */
} s_key_t;

typedef struct {
    s_key_t *v;
    size_t n, cap;
} s_keys_t;

typedef struct {
    char *iso;
    long population;
} s_qark_t;

struct lnob_geo {
    lnob_municipality_t munis[LNOB_GEO_MUNICIPALITIES];
    size_t nmunis;
    s_qark_t *qarks;
    size_t nqarks, qarks_cap;
    s_keys_t exact;    /* folded keys, sorted, unique */
    s_keys_t stripped; /* folded keys without particles, sorted, unique */
    char **pool;       /* every owned string */
    size_t npool, pool_cap;
};

/* ---- folding ---------------------------------------------------------- */

/* ASCII base letters of U+00C0..U+00FF ('\0' = separator). */
static const char s_latin1[65] = "AAAAAAACEEEEIIII"
                                 "DNOOOOO\0OUUUUYTs"
                                 "aaaaaaaceeeeiiii"
                                 "dnooooo\0ouuuuyty";
/* ASCII base letters of U+0100..U+017F (Latin Extended-A). */
static const char s_latin_ext_a[129] = "AaAaAaCcCcCcCcDd"
                                       "DdEeEeEeEeEeGgGg"
                                       "GgGgHhHhIiIiIiIi"
                                       "IiIiJjKkkLlLlLlL"
                                       "lLlNnNnNnnNnOoOo"
                                       "OoOoRrRrRrSsSsSs"
                                       "SsTtTtTtUuUuUuUu"
                                       "UuUuWwYyYZzZzZzs";

/* ASCII letter for a code point, '\0' for a separator, 1 to drop it. */
static char s_base_of(uint32_t cp)
{
    if (cp < 0x80)
        return (char) cp;
    if (cp >= 0xC0 && cp <= 0xFF)
        return s_latin1[cp - 0xC0];
    if (cp >= 0x100 && cp <= 0x17F)
        return s_latin_ext_a[cp - 0x100];
    if (cp >= 0x300 && cp <= 0x36F)
        return 1; /* combining mark (decomposed ë = e + U+0308) */
    return '\0';
}

size_t lnob_geo_fold(const char *in, size_t len, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    int pending_space = 0;
    if (cap == 0)
        return 0;
    const unsigned char *s = (const unsigned char *) in;
    while (i < len && s[i]) {
        char c = s_base_of(lnob_recode_next(s, len, &i));
        if (c == 1)
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char) (c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            pending_space = o > 0;
            continue;
        }
        if (o + 1 + (size_t) pending_space >= cap)
            break;
        if (pending_space)
            out[o++] = ' ';
        pending_space = 0;
        out[o++] = c;
    }
    out[o] = '\0';
    return o;
}

/* Copies folded s to out without the standalone tokens "i" and "e". */
static size_t s_strip_particles(const char *s, char *out)
{
    size_t o = 0;
    while (*s) {
        size_t n = strcspn(s, " ");
        int particle = n == 1 && (s[0] == 'i' || s[0] == 'e');
        if (!particle) {
            if (o)
                out[o++] = ' ';
            memcpy(out + o, s, n);
            o += n;
        }
        s += n;
        s += *s == ' ';
    }
    out[o] = '\0';
    return o;
}

/* ---- string pool and key lists ---------------------------------------- */

static char *s_keep(lnob_geo_t *self, const char *s, size_t n)
{
    lnob_grow((void **) &self->pool, &self->pool_cap, self->npool + 1, sizeof(char *));
    char *copy = lnob_strndup(s, n);
    self->pool[self->npool++] = copy;
    return copy;
}

static void s_keys_push(lnob_geo_t *self, s_keys_t *keys, const char *key, int idx, int level)
{
    lnob_grow((void **) &keys->v, &keys->cap, keys->n + 1, sizeof(s_key_t));
    keys->v[keys->n++] = (s_key_t){.key = s_keep(self, key, strlen(key)), .idx = idx, .level = level};
}

/* Adds name (raw UTF-8) as a key of municipality idx, in both forms. */
static void s_add_name(lnob_geo_t *self, const char *name, size_t len, int idx, int level)
{
    char folded[S_NAME_MAX], bare[S_NAME_MAX];
    if (lnob_geo_fold(name, len, folded, sizeof folded) == 0)
        return;
    s_keys_push(self, &self->exact, folded, idx, level);
    if (s_strip_particles(folded, bare) > 0)
        s_keys_push(self, &self->stripped, bare, idx, level);
}

static int s_key_order(const void *a, const void *b)
{
    const s_key_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->level != y->level)
        return x->level - y->level;
    return x->idx - y->idx;
}

/* Sorts keys and merges each run of equal keys into one entry: the
 * municipality of its best-level entries, or LNOB_GEO_AMBIGUOUS. */
static void s_keys_finish(s_keys_t *keys)
{
    size_t o = 0;
    qsort(keys->v, keys->n, sizeof(s_key_t), s_key_order);
    for (size_t i = 0; i < keys->n;) {
        s_key_t best = keys->v[i];
        size_t j = i + 1;
        for (; j < keys->n && strcmp(keys->v[j].key, best.key) == 0; j++)
            if (keys->v[j].level == best.level && keys->v[j].idx != best.idx)
                best.idx = LNOB_GEO_AMBIGUOUS;
        keys->v[o++] = best;
        i = j;
    }
    keys->n = o;
}

static int s_key_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const s_key_t *) elem)->key);
}

static int s_keys_find(const s_keys_t *keys, const char *key)
{
    const s_key_t *hit = bsearch(key, keys->v, keys->n, sizeof(s_key_t), s_key_cmp);
    return hit ? hit->idx : LNOB_GEO_UNKNOWN;
}

/* ---- table loading ---------------------------------------------------- */

typedef int (*s_row_fn)(lnob_geo_t *self, const char *const *f, const size_t *lens);

typedef struct {
    lnob_geo_t *geo;
    const char *const *cols; /* wanted column names, NULL-terminated */
    size_t ncols;
    size_t at[S_MAX_COLS];   /* position of each wanted column */
    size_t need;             /* fields a row must have */
    int have_header;
    s_row_fn row;
} s_table_t;

static int s_table_header(s_table_t *t, const lnob_csv_row_t *row)
{
    for (size_t c = 0; c < t->ncols; c++) {
        size_t k = 0;
        while (k < row->nfields && strcmp(row->fields[k], t->cols[c]) != 0)
            k++;
        if (k == row->nfields)
            return LNOB_ERR;
        t->at[c] = k;
        if (k + 1 > t->need)
            t->need = k + 1;
    }
    t->have_header = 1;
    return LNOB_OK;
}

static int s_table_row(void *arg, const lnob_csv_row_t *row)
{
    s_table_t *t = arg;
    const char *f[S_MAX_COLS];
    size_t lens[S_MAX_COLS];
    if (!t->have_header)
        return s_table_header(t, row);
    if (row->truncated || row->nfields < t->need)
        return LNOB_ERR;
    for (size_t c = 0; c < t->ncols; c++) {
        f[c] = row->fields[t->at[c]];
        lens[c] = row->lens[t->at[c]];
    }
    return t->row(t->geo, f, lens);
}

/* Parses one embedded table, calling fn with the wanted columns per row. */
static int s_load(lnob_geo_t *self, const unsigned char *data, size_t len,
                  const char *const *cols, s_row_fn fn)
{
    s_table_t t = {.geo = self, .cols = cols, .row = fn};
    while (cols[t.ncols])
        t.ncols++;
    if (t.ncols > S_MAX_COLS)
        return LNOB_ERR;
    lnob_csv_t *csv = lnob_csv_new(',', s_table_row, &t);
    if (!csv)
        return LNOB_ERR;
    int rc = lnob_csv_feed(csv, (const char *) data, len);
    if (rc == LNOB_OK)
        rc = lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
    return rc == LNOB_OK && t.have_header ? LNOB_OK : LNOB_ERR;
}

/* Parses an empty field as 0, digits as a population, else -1. */
static long s_population(const char *s, size_t len)
{
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > 100000000L)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Index of the municipality with exactly this code, or LNOB_GEO_UNKNOWN. */
static int s_find_code(const lnob_geo_t *self, const char *code)
{
    for (size_t i = 0; i < self->nmunis; i++)
        if (strcasecmp(self->munis[i].code, code) == 0)
            return (int) i;
    return LNOB_GEO_UNKNOWN;
}

enum { M_CODE, M_NAME, M_QARK, M_QARK_ISO, M_NUTS2, M_NUTS3, M_POP };

static const char *const s_muni_cols[] = {"code", "name", "qark", "qark_iso", "nuts2",
                                          "nuts3", "population_2023", NULL};

static int s_muni_row(lnob_geo_t *self, const char *const *f, const size_t *lens)
{
    long pop = s_population(f[M_POP], lens[M_POP]);
    if (self->nmunis == LNOB_GEO_MUNICIPALITIES || pop < 0 || lens[M_CODE] == 0 ||
        s_find_code(self, f[M_CODE]) != LNOB_GEO_UNKNOWN)
        return LNOB_ERR;
    lnob_municipality_t *m = &self->munis[self->nmunis++];
    m->code = s_keep(self, f[M_CODE], lens[M_CODE]);
    m->name = s_keep(self, f[M_NAME], lens[M_NAME]);
    m->qark = s_keep(self, f[M_QARK], lens[M_QARK]);
    m->qark_iso = s_keep(self, f[M_QARK_ISO], lens[M_QARK_ISO]);
    m->nuts2 = s_keep(self, f[M_NUTS2], lens[M_NUTS2]);
    m->nuts3 = s_keep(self, f[M_NUTS3], lens[M_NUTS3]);
    m->population_2023 = pop;
    return LNOB_OK;
}

static int s_muni_order(const void *a, const void *b)
{
    return strcmp(((const lnob_municipality_t *) a)->code, ((const lnob_municipality_t *) b)->code);
}

enum { N_CODE, N_NAME, N_ASCII, N_DEFINITE, N_ALIASES, N_SEAT };

static const char *const s_name_cols[] = {"code", "name", "name_ascii", "name_definite",
                                          "aliases", "seat_if_different", NULL};

/* Second pass over municipalities.csv (after sorting): the name keys. */
static int s_muni_names_row(lnob_geo_t *self, const char *const *f, const size_t *lens)
{
    int idx = s_find_code(self, f[N_CODE]);
    if (idx < 0)
        return LNOB_ERR;
    for (size_t c = N_CODE; c <= N_SEAT; c++) {
        if (c == N_ALIASES)
            continue;
        s_add_name(self, f[c], lens[c], idx, S_LEVEL_MUNI);
    }
    for (const char *a = f[N_ALIASES], *end = a + lens[N_ALIASES]; a < end;) {
        const char *semi = memchr(a, ';', (size_t) (end - a));
        size_t n = semi ? (size_t) (semi - a) : (size_t) (end - a);
        s_add_name(self, a, n, idx, S_LEVEL_MUNI);
        a += n + 1;
    }
    return LNOB_OK;
}

enum { U_INSTAT, U_ASCII, U_CEC, U_CODE };

static const char *const s_unit_cols[] = {"unit_instat_2011", "unit_ascii", "unit_cec_2021",
                                          "municipality_code", NULL};

static int s_unit_row(lnob_geo_t *self, const char *const *f, const size_t *lens)
{
    int idx = s_find_code(self, f[U_CODE]);
    if (idx < 0)
        return LNOB_ERR;
    for (size_t c = U_INSTAT; c <= U_CEC; c++)
        s_add_name(self, f[c], lens[c], idx, S_LEVEL_UNIT);
    return LNOB_OK;
}

static const char *const s_qark_cols[] = {"qark_iso", "population_2023", NULL};

static int s_qark_row(lnob_geo_t *self, const char *const *f, const size_t *lens)
{
    long pop = s_population(f[1], lens[1]);
    if (pop < 0)
        return LNOB_ERR;
    lnob_grow((void **) &self->qarks, &self->qarks_cap, self->nqarks + 1, sizeof(s_qark_t));
    self->qarks[self->nqarks++] = (s_qark_t){.iso = s_keep(self, f[0], lens[0]), .population = pop};
    return LNOB_OK;
}

static const char *const s_lnb_cols[] = {"code", NULL};

static int s_lnb_row(lnob_geo_t *self, const char *const *f, const size_t *lens)
{
    (void) lens;
    int idx = s_find_code(self, f[0]);
    if (idx < 0 || self->munis[idx].lnb_target)
        return LNOB_ERR;
    self->munis[idx].lnb_target = 1;
    return LNOB_OK;
}

static const s_qark_t *s_find_qark(const lnob_geo_t *self, const char *iso)
{
    for (size_t i = 0; i < self->nqarks; i++)
        if (strcasecmp(self->qarks[i].iso, iso) == 0)
            return &self->qarks[i];
    return NULL;
}

/* Every municipality's qark must be in qarks.csv. */
static int s_check_qarks(const lnob_geo_t *self)
{
    for (size_t i = 0; i < self->nmunis; i++)
        if (!s_find_qark(self, self->munis[i].qark_iso))
            return LNOB_ERR;
    return LNOB_OK;
}

static int s_build(lnob_geo_t *self)
{
    if (s_load(self, lnob_data_municipalities_csv, lnob_data_municipalities_csv_len,
               s_muni_cols, s_muni_row) != LNOB_OK ||
        self->nmunis != LNOB_GEO_MUNICIPALITIES)
        return LNOB_ERR;
    qsort(self->munis, self->nmunis, sizeof(lnob_municipality_t), s_muni_order);
    if (s_load(self, lnob_data_municipalities_csv, lnob_data_municipalities_csv_len,
               s_name_cols, s_muni_names_row) != LNOB_OK ||
        s_load(self, lnob_data_former_units_csv, lnob_data_former_units_csv_len, s_unit_cols,
               s_unit_row) != LNOB_OK ||
        s_load(self, lnob_data_qarks_csv, lnob_data_qarks_csv_len, s_qark_cols, s_qark_row) !=
            LNOB_OK ||
        s_load(self, lnob_data_lnb_targets_csv, lnob_data_lnb_targets_csv_len, s_lnb_cols,
               s_lnb_row) != LNOB_OK)
        return LNOB_ERR;
    s_keys_finish(&self->exact);
    s_keys_finish(&self->stripped);
    return s_check_qarks(self);
}

/* ---- public API ------------------------------------------------------- */

lnob_geo_t *lnob_geo_new(void)
{
    lnob_geo_t *self = lnob_calloc(1, sizeof *self);
    if (s_build(self) != LNOB_OK)
        lnob_geo_destroy(&self);
    return self;
}

void lnob_geo_destroy(lnob_geo_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    lnob_geo_t *self = *self_p;
    for (size_t i = 0; i < self->npool; i++)
        free(self->pool[i]);
    free(self->pool);
    free(self->qarks);
    free(self->exact.v);
    free(self->stripped.v);
    free(self);
    *self_p = NULL;
}

size_t lnob_geo_count(const lnob_geo_t *self)
{
    return self->nmunis;
}

const lnob_municipality_t *lnob_geo_at(const lnob_geo_t *self, size_t i)
{
    return i < self->nmunis ? &self->munis[i] : NULL;
}

int lnob_geo_by_code(const lnob_geo_t *self, const char *code, size_t len)
{
    char buf[16];
    while (len > 0 && (*code == ' ' || *code == '\t')) {
        code++;
        len--;
    }
    while (len > 0 && (code[len - 1] == ' ' || code[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return LNOB_GEO_UNKNOWN;
    memcpy(buf, code, len);
    buf[len] = '\0';
    return s_find_code(self, buf);
}

int lnob_geo_by_name(const lnob_geo_t *self, const char *name, size_t len)
{
    char folded[S_NAME_MAX], bare[S_NAME_MAX];
    if (len >= S_NAME_MAX || lnob_geo_fold(name, len, folded, sizeof folded) == 0)
        return LNOB_GEO_UNKNOWN;
    int idx = s_keys_find(&self->exact, folded);
    if (idx != LNOB_GEO_UNKNOWN)
        return idx;
    if (s_strip_particles(folded, bare) == 0)
        return LNOB_GEO_UNKNOWN;
    return s_keys_find(&self->stripped, bare);
}

/* Levenshtein distance between a and b (b at most S_NEAR_MAX bytes). */
static size_t s_distance(const char *a, const char *b, size_t nb)
{
    size_t row[S_NEAR_MAX + 1];
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

size_t lnob_geo_nearest(const lnob_geo_t *self, const char *name, size_t len, int *idx, size_t k)
{
    char folded[S_NEAR_MAX + 1];
    size_t best[LNOB_GEO_MUNICIPALITIES], nf = lnob_geo_fold(name, len, folded, sizeof folded);
    if (nf == 0)
        return 0;
    for (size_t m = 0; m < self->nmunis; m++)
        best[m] = SIZE_MAX;
    for (size_t i = 0; i < self->exact.n; i++) {
        const s_key_t *key = &self->exact.v[i];
        if (key->idx < 0)
            continue;
        size_t d = s_distance(key->key, folded, nf);
        if (d < best[key->idx])
            best[key->idx] = d;
    }
    size_t n = 0;
    for (; n < k && n < self->nmunis; n++) { /* selection: k is small */
        size_t pick = 0;
        for (size_t m = 1; m < self->nmunis; m++)
            if (best[m] < best[pick])
                pick = m;
        idx[n] = (int) pick;
        best[pick] = SIZE_MAX;
    }
    return n;
}

long lnob_geo_qark_population(const lnob_geo_t *self, const char *qark_iso)
{
    const s_qark_t *q = qark_iso ? s_find_qark(self, qark_iso) : NULL;
    return q ? q->population : 0;
}
