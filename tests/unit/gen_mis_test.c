/* gen_mis_test.c - the synthetic MIS exports (gen/gen_mis.h): same options,
 * same bytes (in memory and on disk); every export a CSV with its own
 * delimiter and the header's field count on every row; the encodings,
 * header languages and shapes present; the generator's name tables against
 * the reference tables; and answers.csv against a recount made here from
 * the exports' bytes alone (its own header, label and date reading, and the
 * counting rules of spec §6.2-6.5), which also finds every bad row where
 * the answers put it. The same recount checks the hand-made TV7 fixture
 * (tests/data/mis_tv7), whose values are also asserted as the spec states
 * them. With --registers, the needs-assessment registers: recounted the
 * same way (MIS_SHARE3_REG from the register files' bytes, a register
 * known by its assessment-date header or by kind = register in its
 * mapping file; the recount checked first on TV7's hand-made registers),
 * holding every case they should, in the shapes and identifier rules of
 * the exports, deterministic by seed, and changing no other byte; and the
 * demo sample data/sample/mis_2024 is what the generator writes. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen_mis.h"
#include "gen_mis_model.h"
#include "lnob/csv.h"
#include "lnob/geo.h"
#include "lnob/mem.h"
#include "lnob/rc.h"
#include "rows.h"

#define YEAR 2024
#define SEED 7
#define SEED_OTHER 8
#define N_MUN 8
#define N_PERSONS 800
#define N_PERSONS_ALL 1500
#define TV7_DIR LNOB_SOURCE_DIR "/tests/data/mis_tv7/"
#define FOLD_MAX 256
#define FACT_MAX 512
#define REL_TOL 1e-9
#define PERCENT 100.0
#define BAR 33
#define NSERV_MIN 3
#define SMALL_MAX 4
#define AGE_ELDERLY 65
#define AGE_CHILD_MAX 17
#define LNB_TARGETS 32
#define SEX_MALE 1
#define SEX_FEMALE 2
#define CP1252_E_DIAERESIS 0xEB
#define NAME_MIN 5 /* bytes of a person's name */
#define N_REGISTERS 3
#define SAMPLE_DIR LNOB_SOURCE_DIR "/data/sample/mis_2024/"
#define SAMPLE_SEED 2024 /* the sample's command: docs/mis-gen.md */
#define SAMPLE_MUN 20
#define SAMPLE_PERSONS 1500
#define SAMPLE_REGISTERS 3
#define MAP_SUFFIX ".map"
#define YEAR_DIGITS 4

/* answers.csv columns. */
enum { A_IND, A_MUN, A_SERV, A_BRK, A_CAT, A_FILE, A_LINE, A_VALUE, A_NUM, A_DEN, A_DETAIL, A_N };
#define ANSWERS_HEADER                                                                         \
    "indicator,municipality,service,breakdown,category,file,line,value,numerator,denominator," \
    "detail"

/* ---- Files of a set: the generator's, or the fixture's from disk. ---- */

typedef struct {
    char *name;
    char *data;
    size_t len;
    const char *mun; /* LAU code when no FILE row names it; else NULL */
} tfile_t;

typedef struct {
    tfile_t *f; /* exports, registers included */
    size_t n;
    tfile_t *maps; /* mapping files beside them */
    size_t nmaps;
    tr_sink_t answers; /* answers.csv parsed; row 0 the header */
} tset_t;

static lnob_geo_t *geo;

static void s_setup(void)
{
    geo = lnob_geo_new();
    cr_assert_not_null(geo);
}

static void s_teardown(void)
{
    lnob_geo_destroy(&geo);
}

TestSuite(gen_mis, .init = s_setup, .fini = s_teardown);

static lnob_gen_mis_t *s_gen_reg(uint64_t seed, int municipalities, int persons, int registers)
{
    const lnob_gen_mis_opts_t o = {seed, YEAR, municipalities, persons, registers};
    lnob_gen_mis_t *g = lnob_gen_mis_new(&o, geo);
    cr_assert_not_null(g, "lnob_gen_mis_new failed");
    return g;
}

static lnob_gen_mis_t *s_gen(uint64_t seed, int municipalities, int persons)
{
    return s_gen_reg(seed, municipalities, persons, 0);
}

static int s_is_map(const char *name)
{
    const size_t n = strlen(name), k = strlen(MAP_SUFFIX);
    return n > k && !strcmp(name + n - k, MAP_SUFFIX);
}

/* Appends a file (data owned, NUL-terminated) to a list. */
static void s_add_file(tfile_t **list, size_t *n, const char *name, char *data, size_t len)
{
    *list = lnob_realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = (tfile_t) {lnob_strdup(name), data, len, NULL};
}

static void s_parse(const char *data, size_t len, char delim, tr_sink_t *out)
{
    lnob_csv_t *csv = lnob_csv_new(delim, tr_collect, out);
    cr_assert_eq(lnob_csv_feed(csv, data, len), LNOB_OK);
    cr_assert_eq(lnob_csv_finish(csv), LNOB_OK);
    lnob_csv_destroy(&csv);
}

static const char *s_cell(const tr_sink_t *s, size_t r, int c)
{
    cr_assert_lt((size_t) c, s->rows[r].nfields, "row %zu has %zu fields", r,
                 s->rows[r].nfields);
    return s->rows[r].fields[c];
}

static void s_parse_answers(const char *data, size_t len, tr_sink_t *out)
{
    cr_assert(len > strlen(ANSWERS_HEADER) && !strncmp(data, ANSWERS_HEADER, strlen(ANSWERS_HEADER)),
              "answers header differs");
    s_parse(data, len, ',', out);
    for (size_t r = 0; r < out->n; r++)
        cr_assert_eq(out->rows[r].nfields, A_N, "answers line %" PRIu64 ": %zu fields",
                     out->rows[r].line, out->rows[r].nfields);
}

static tset_t s_set_of(const lnob_gen_mis_t *g)
{
    tset_t t = {0};
    const size_t n = lnob_gen_mis_count(g) - 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *d = lnob_gen_mis_data(g, i, &len);
        char *copy = lnob_malloc(len + 1);
        memcpy(copy, d, len);
        copy[len] = '\0';
        const char *name = lnob_gen_mis_name(g, i);
        if (s_is_map(name))
            s_add_file(&t.maps, &t.nmaps, name, copy, len);
        else
            s_add_file(&t.f, &t.n, name, copy, len);
    }
    cr_assert_str_eq(lnob_gen_mis_name(g, n), LNOB_GEN_MIS_ANSWERS);
    size_t len = 0;
    const char *a = lnob_gen_mis_data(g, n, &len);
    s_parse_answers(a, len, &t.answers);
    return t;
}

/* dir/name's bytes, NUL-terminated (owned). */
static char *s_slurp_text(const char *dir, const char *name, size_t *len)
{
    char path[2048];
    snprintf(path, sizeof path, "%s%s", dir, name);
    char *data = tr_slurp(path, len);
    data = lnob_realloc(data, *len + 1);
    data[*len] = '\0';
    return data;
}

/* Adds dir/name (and dir/name.map when there is one) to the set; mun names
 * its municipality when no FILE row does. */
static void s_add_from(tset_t *t, const char *dir, const char *name, const char *mun)
{
    char map[1024], path[2048];
    size_t len = 0;
    char *data = s_slurp_text(dir, name, &len);
    s_add_file(&t->f, &t->n, name, data, len);
    t->f[t->n - 1].mun = mun;
    snprintf(map, sizeof map, "%s%s", name, MAP_SUFFIX);
    snprintf(path, sizeof path, "%s%s", dir, map);
    if (access(path, R_OK) != 0)
        return;
    data = s_slurp_text(dir, map, &len);
    s_add_file(&t->maps, &t->nmaps, map, data, len);
}


/* The files a set's FILE rows name, read from dir. */
static tset_t s_set_from(const char *dir)
{
    tset_t t = {0};
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof path, "%s%s", dir, LNOB_GEN_MIS_ANSWERS);
    char *a = tr_slurp(path, &len);
    s_parse_answers(a, len, &t.answers);
    free(a);
    for (size_t r = 1; r < t.answers.n; r++)
        if (!strcmp(s_cell(&t.answers, r, A_IND), "FILE"))
            s_add_from(&t, dir, s_cell(&t.answers, r, A_FILE), NULL);
    return t;
}

static void s_files_free(tfile_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].name);
        free(f[i].data);
    }
    free(f);
}

static void s_set_free(tset_t *t)
{
    s_files_free(t->f, t->n);
    s_files_free(t->maps, t->nmaps);
    tr_free(&t->answers);
}

/* The answers' FILE row of an export, or -1. */
static long s_file_row(const tset_t *t, const char *name)
{
    for (size_t r = 1; r < t->answers.n; r++)
        if (!strcmp(s_cell(&t->answers, r, A_IND), "FILE") &&
            !strcmp(s_cell(&t->answers, r, A_FILE), name))
            return (long) r;
    return -1;
}

/* The value of key ("delimiter") in a FILE row's shape, copied to out. */
static const char *s_shape(const tset_t *t, const char *name, const char *key, char *out,
                           size_t cap)
{
    const long r = s_file_row(t, name);
    cr_assert_geq(r, 0, "no FILE row for %s", name);
    const char *detail = s_cell(&t->answers, (size_t) r, A_DETAIL);
    char pat[64];
    snprintf(pat, sizeof pat, "%s=", key);
    const char *p = strstr(detail, pat);
    cr_assert_not_null(p, "%s: no %s in '%s'", name, key, detail);
    p += strlen(pat);
    const size_t n = strcspn(p, " ");
    snprintf(out, cap, "%.*s", (int) n, p);
    return out;
}

/* ---- Reading an export as a parser would, from its bytes only. ---- */

static char s_detect_delim(const tfile_t *f)
{
    const char *end = memchr(f->data, '\n', f->len);
    cr_assert_not_null(end, "%s: no line end", f->name);
    size_t n[3] = {0, 0, 0};
    static const char cand[3] = {',', ';', '\t'};
    for (const char *p = f->data; p < end; p++)
        for (int k = 0; k < 3; k++)
            n[k] += *p == cand[k];
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (n[k] > n[best])
            best = k;
    cr_assert_gt(n[best], 0, "%s: no delimiter in the header", f->name);
    return cand[best];
}

static void s_fold(const char *s, char *out)
{
    lnob_geo_fold(s, strlen(s), out, FOLD_MAX);
}

/* Index of the folded s among the folded labels of table (rows of up to
 * three labels; NULL ends a row's list), or -1. */
#define LABELS 3
static int s_label(const char *s, const char *const (*table)[LABELS], int n)
{
    char a[FOLD_MAX], b[FOLD_MAX];
    s_fold(s, a);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < LABELS && table[i][k]; k++) {
            s_fold(table[i][k], b);
            if (!strcmp(a, b))
                return i;
        }
    return -1;
}

/* Written independently of the generator: the catalogue of issue #5, the
 * English labels of docs/mis-gen.md. */
static const char *const s_services[LNOB_GEN_MIS_NSERVICES][LABELS] = {
    {"Kujdes në shtëpi", "Home care", NULL},
    {"Qendër ditore", "Day centre", NULL},
    {"Qendër komunitare", "Community centre", NULL},
    {"Qendër rezidenciale", "Residential centre", NULL},
    {"Kujdestari familjare", "Foster care", NULL},
    {"Strehëz", "Shelter", NULL},
    {"Këshillim psiko-social", "Psycho-social counselling", NULL},
    {"Mbrojtje e fëmijëve", "Child protection", NULL},
    {"Strehim social", "Social housing", NULL},
    {"Ndihmë ekonomike", "Economic aid", NULL},
    {"Pagesë për aftësi të kufizuara", "Disability payment", NULL}};
static const char *const s_service_codes[LNOB_GEN_MIS_NSERVICES] = {
    "HOME_CARE",   "DAY_CENTRE", "COMMUNITY_CENTRE", "RESIDENTIAL",    "FOSTER_CARE",
    "SHELTER",     "PSYCHOSOCIAL", "CHILD_PROTECTION", "SOCIAL_HOUSING", "ECONOMIC_AID",
    "DISABILITY_PAYMENT"};
enum { G_DIS, G_ROMA, G_EGY, G_VAW, G_ELD, G_CHI, G_OTHER, G_N };
static const char *const s_groups[G_N][LABELS] = {
    {"Person me aftësi të kufizuara", "PAK", "Person with disability"},
    {"Rom", "Roma", NULL},
    {"Egjiptian", "Egyptian", NULL},
    {"Viktimë e dhunës në familje", "Victim of domestic violence", NULL},
    {"I moshuar", "Elderly", NULL},
    {"Fëmijë", "Child", NULL},
    {"Tjetër", "Other", NULL}};
enum {
    C_ID, C_MUN, C_PN, C_SEX, C_BIRTH, C_SERVICE, C_GROUP, C_START, C_END, C_STATUS, C_ASSESSED,
    C_EXIT, C_N
};
static const char *const s_columns[C_N][LABELS] = {
    {"ID", NULL, NULL},
    {"Bashkia", "Municipality", NULL},
    {"Nr. personal", "Personal number", NULL},
    {"Gjinia", "Sex", NULL},
    {"Datëlindja", "Date of birth", NULL},
    {"Lloji i shërbimit", "Service type", NULL},
    {"Kategoria", "Group", NULL},
    {"Data e fillimit", "Start date", NULL},
    {"Data e mbarimit", "End date", NULL},
    {"Statusi", "Status", NULL},
    {"Data e vlerësimit", "Assessment date", NULL}, /* registers (docs/mis.md) */
    {"Data e daljes", "Exit date", NULL}};
static const char *const s_sexes[2][LABELS] = {{"M", "Mashkull", "1"}, {"F", "Femër", "2"}};
enum { ST_ACTIVE, ST_CLOSED, ST_CANCELLED, ST_N };
static const char *const s_statuses[ST_N][LABELS] = {
    {"Aktiv", "Active", NULL},
    {"Mbyllur", "Closed", NULL},
    {"Anuluar", "Cancelled", "Anulluar"}}; /* TV7's Pukë register spells it Anulluar */

/* 1 when a status label says cancelled; asserts it is a status. */
static int s_cancelled(const char *status, const char *file, uint64_t line)
{
    const int st = s_label(status, s_statuses, ST_N);
    cr_assert_geq(st, 0, "%s line %" PRIu64 ": status '%s'", file, line, status);
    return st == ST_CANCELLED;
}

static int s_digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* dd.mm.yyyy, dd/mm/yyyy or yyyy-mm-dd as yyyymmdd; -1 if not a date. */
static long s_date(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (strlen(s) != 10)
        return -1;
    if (s[4] == '-' && s[7] == '-') {
        y = s_digits(s, 4), m = s_digits(s + 5, 2), d = s_digits(s + 8, 2);
    } else if ((s[2] == '.' && s[5] == '.') || (s[2] == '/' && s[5] == '/')) {
        d = s_digits(s, 2), m = s_digits(s + 3, 2), y = s_digits(s + 6, 4);
    } else {
        return -1;
    }
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return -1;
    return (long) y * 10000 + m * 100 + d;
}

/* Trimmed, inner spaces dropped, upper case; 1 if a letter, 8 digits, a letter. */
static int s_person_key(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++)
        if (*s != ' ')
            out[n++] = *s >= 'a' && *s <= 'z' ? (char) (*s - 'a' + 'A') : *s;
    out[n] = '\0';
    if (n != 10 || out[0] < 'A' || out[0] > 'Z' || out[9] < 'A' || out[9] > 'Z')
        return 0;
    return s_digits(out + 1, 8) >= 0;
}

/* One data row as read: a service record, or a register entry (service
 * and group -1, its groups in flags, start the assessment date). */
typedef struct {
    char pn[32];
    int keyed, mun, service, group, sex, birth_year, cancelled;
    unsigned flags;  /* register entries: 1 << G_* of each group shown */
    long start, end; /* yyyymmdd; end 0 when empty */
    size_t file;
    uint64_t line;
    int vulnerable;  /* register entries: the person, by the entries */
    int served, vulnerable_served; /* ... has records; vulnerable by them */
} trec_t;

/* What a register holds, per municipality: the cases the generator
 * promises (gen_mis.h). */
enum {
    RC_UNKEYED,        /* active entries without a personal number */
    RC_CANCELLED,      /* cancelled entries */
    RC_GONE,           /* entries that ended before the year */
    RC_NEW_VULNERABLE, /* persons with no record, vulnerable */
    RC_NEW_OTHER,      /* persons with no record, not vulnerable */
    RC_NOT_VULNERABLE, /* persons with records, not vulnerable by the register */
    RC_ASSESSED_OTHER, /* vulnerable by their records, not by the register */
    RC_OFF,            /* persons of MIS_SHARE3's numerator not among its vulnerable persons */
    RC_N
};

typedef struct {
    trec_t *r;
    size_t n, cap;
    trec_t *e; /* register entries; after the recount the active keyed ones by pn, m */
    size_t ne, ecap;
    char **facts;
    size_t nfacts, facts_cap;
    int file_mun[LNOB_GEO_MUNICIPALITIES]; /* municipalities with an export */
    int reg_mun[LNOB_GEO_MUNICIPALITIES];  /* ... with a register */
    long cases[LNOB_GEO_MUNICIPALITIES][RC_N];
    int *mun_of;                           /* per export, its municipality */
} recount_t;

static void s_fact(recount_t *rc, const char *s)
{
    lnob_grow((void **) &rc->facts, &rc->facts_cap, rc->nfacts + 1, sizeof *rc->facts);
    rc->facts[rc->nfacts++] = lnob_strdup(s);
}

/* 1 if export f is a needs-assessment register: an assessment date and no
 * service, or a mapping file beside it saying kind = register. */
static int s_register_file(const tset_t *t, const tfile_t *f, const int *col)
{
    if (col[C_ASSESSED] >= 0 && col[C_SERVICE] < 0)
        return 1;
    char map[1024];
    snprintf(map, sizeof map, "%s%s", f->name, MAP_SUFFIX);
    for (size_t i = 0; i < t->nmaps; i++)
        if (!strcmp(t->maps[i].name, map))
            return strstr(t->maps[i].data, "kind = register") != NULL;
    return 0;
}

/* The groups of a cell ("A/B": several), as 1 << G_*; 0 when empty. */
static unsigned s_group_flags(const char *cell, const char *file, uint64_t line)
{
    unsigned flags = 0;
    char buf[FOLD_MAX];
    snprintf(buf, sizeof buf, "%s", cell);
    for (char *save = NULL, *g = strtok_r(buf, "/", &save); g; g = strtok_r(NULL, "/", &save)) {
        const int k = s_label(g, s_groups, G_N);
        cr_assert_geq(k, 0, "%s line %" PRIu64 ": group '%s'", file, line, g);
        flags |= 1u << k;
    }
    return flags;
}

/* The year of a birth date: a full date or the year alone. */
static int s_birth_year(const char *s)
{
    if (strlen(s) == YEAR_DIGITS)
        return s_digits(s, YEAR_DIGITS);
    const long d = s_date(s);
    return d < 0 ? -1 : (int) (d / 10000);
}

/* Reads register fi of municipality file_mun: its entries to rc->e. */
static void s_read_register(const tfile_t *f, size_t fi, const tr_sink_t *rows, const int *col,
                            int file_mun, recount_t *rc)
{
    static const int need[] = {C_MUN, C_PN, C_SEX, C_BIRTH, C_GROUP, C_STATUS};
    for (size_t k = 0; k < sizeof need / sizeof *need; k++)
        cr_assert_geq(col[need[k]], 0, "%s: no column %s", f->name, s_columns[need[k]][0]);
    const int start = col[C_ASSESSED] >= 0 ? C_ASSESSED : C_START;
    const int end = col[C_EXIT] >= 0 ? C_EXIT : C_END;
    cr_assert_geq(col[start], 0, "%s: no assessment date", f->name);
    rc->reg_mun[file_mun] = 1;
    for (size_t r = 1; r < rows->n; r++) {
        const tr_row_t *row = &rows->rows[r];
        cr_assert_eq(row->nfields, rows->rows[0].nfields, "%s line %" PRIu64 ": %zu fields",
                     f->name, row->line, row->nfields);
        char **v = row->fields;
        const int mun = lnob_geo_by_name(geo, v[col[C_MUN]], row->lens[col[C_MUN]]);
        cr_assert_eq(mun, file_mun, "%s line %" PRIu64 ": '%s'", f->name, row->line, v[col[C_MUN]]);
        lnob_grow((void **) &rc->e, &rc->ecap, rc->ne + 1, sizeof *rc->e);
        trec_t *x = &rc->e[rc->ne++];
        memset(x, 0, sizeof *x);
        x->keyed = s_person_key(v[col[C_PN]], x->pn, sizeof x->pn);
        x->mun = mun;
        x->service = x->group = -1;
        x->flags = s_group_flags(v[col[C_GROUP]], f->name, row->line);
        const int sex = s_label(v[col[C_SEX]], s_sexes, 2);
        cr_assert_geq(sex, 0, "%s line %" PRIu64 ": sex '%s'", f->name, row->line, v[col[C_SEX]]);
        x->sex = sex == 0 ? SEX_MALE : SEX_FEMALE;
        x->birth_year = s_birth_year(v[col[C_BIRTH]]);
        cr_assert_geq(x->birth_year, 0, "%s line %" PRIu64 ": birth", f->name, row->line);
        x->start = s_date(v[col[start]]);
        x->end = col[end] >= 0 && *v[col[end]] ? s_date(v[col[end]]) : 0;
        cr_assert(x->start >= 0 && x->end >= 0, "%s line %" PRIu64 ": dates", f->name, row->line);
        x->cancelled = s_cancelled(v[col[C_STATUS]], f->name, row->line);
        x->file = fi;
        x->line = row->line;
    }
}

/* Reads export fi; good rows to rc->r, bad rows as REJECT facts; a
 * register's entries to rc->e. */
static void s_read_export(const tset_t *t, size_t fi, recount_t *rc, long *rejected)
{
    const tfile_t *f = &t->f[fi];
    tr_sink_t rows = {0};
    s_parse(f->data, f->len, s_detect_delim(f), &rows);
    cr_assert_geq(rows.n, 1, "%s: no header", f->name);
    int col[C_N];
    for (int c = 0; c < C_N; c++)
        col[c] = -1;
    for (size_t i = 0; i < rows.rows[0].nfields; i++) {
        const int c = s_label(rows.rows[0].fields[i], s_columns, C_N);
        if (c >= 0)
            col[c] = (int) i;
    }
    const long fr = f->mun ? -1 : s_file_row(t, f->name);
    cr_assert(f->mun || fr >= 0, "%s: no FILE row", f->name);
    const char *code = f->mun ? f->mun : s_cell(&t->answers, (size_t) fr, A_MUN);
    const int file_mun = lnob_geo_by_code(geo, code, strlen(code));
    cr_assert_geq(file_mun, 0, "%s: FILE municipality %s", f->name, code);
    rc->mun_of[fi] = file_mun;
    if (s_register_file(t, f, col)) {
        s_read_register(f, fi, &rows, col, file_mun, rc);
        tr_free(&rows);
        return;
    }
    for (int c = C_MUN; c <= C_STATUS; c++)
        cr_assert_geq(col[c], 0, "%s: no column %s", f->name, s_columns[c][0]);
    rc->file_mun[file_mun] = 1;
    for (size_t r = 1; r < rows.n; r++) {
        const tr_row_t *row = &rows.rows[r];
        cr_assert_eq(row->nfields, rows.rows[0].nfields, "%s line %" PRIu64 ": %zu fields, header %zu",
                     f->name, row->line, row->nfields, rows.rows[0].nfields);
        char **v = row->fields;
        const char *reason = NULL;
        const int mun = lnob_geo_by_name(geo, v[col[C_MUN]], row->lens[col[C_MUN]]);
        const int service = s_label(v[col[C_SERVICE]], s_services, LNOB_GEN_MIS_NSERVICES);
        const long start = s_date(v[col[C_START]]);
        if (start < 0)
            reason = "BAD_DATE";
        else if (service < 0)
            reason = "UNKNOWN_SERVICE";
        else if (mun < 0)
            reason = "UNKNOWN_MUNICIPALITY";
        if (reason) {
            char fact[FACT_MAX];
            snprintf(fact, sizeof fact, "REJECT %s %" PRIu64 " %s", f->name, row->line, reason);
            s_fact(rc, fact);
            (*rejected)++;
            continue;
        }
        cr_assert_eq(mun, file_mun, "%s line %" PRIu64 ": '%s' is not %s", f->name, row->line,
                     v[col[C_MUN]], code);
        lnob_grow((void **) &rc->r, &rc->cap, rc->n + 1, sizeof *rc->r);
        trec_t *x = &rc->r[rc->n++];
        memset(x, 0, sizeof *x);
        x->keyed = s_person_key(v[col[C_PN]], x->pn, sizeof x->pn);
        x->mun = mun;
        x->service = service;
        x->group = s_label(v[col[C_GROUP]], s_groups, G_N);
        cr_assert_geq(x->group, 0, "%s line %" PRIu64 ": group '%s'", f->name, row->line,
                      v[col[C_GROUP]]);
        const int sex = s_label(v[col[C_SEX]], s_sexes, 2);
        cr_assert_geq(sex, 0, "%s line %" PRIu64 ": sex '%s'", f->name, row->line, v[col[C_SEX]]);
        x->sex = sex == 0 ? SEX_MALE : SEX_FEMALE;
        const long birth = s_date(v[col[C_BIRTH]]);
        cr_assert_geq(birth, 0, "%s line %" PRIu64 ": birth '%s'", f->name, row->line,
                      v[col[C_BIRTH]]);
        x->birth_year = (int) (birth / 10000);
        x->start = start;
        x->end = *v[col[C_END]] ? s_date(v[col[C_END]]) : 0;
        cr_assert_geq(x->end, 0, "%s line %" PRIu64 ": end '%s'", f->name, row->line,
                      v[col[C_END]]);
        x->cancelled = s_cancelled(v[col[C_STATUS]], f->name, row->line);
        x->file = fi;
        x->line = row->line;
    }
    tr_free(&rows);
}

/* ---- The recount (spec §6.2-6.5). ---- */

static int s_cmp_dup(const void *a, const void *b)
{
    const trec_t *p = a, *q = b;
    int c = strcmp(p->pn, q->pn);
    if (!c)
        c = (p->service > q->service) - (p->service < q->service);
    if (!c)
        c = (p->start > q->start) - (p->start < q->start);
    if (!c)
        c = (p->file > q->file) - (p->file < q->file);
    if (!c)
        c = (p->line > q->line) - (p->line < q->line);
    return c;
}

static int s_cmp_person(const void *a, const void *b)
{
    const trec_t *p = a, *q = b;
    int c = strcmp(p->pn, q->pn);
    if (!c)
        c = (p->mun > q->mun) - (p->mun < q->mun);
    return c;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

enum { K_F, K_M, K_DIS, K_RE, K_ROMA, K_EGY, K_ELD, K_VAW, K_CHI, K_A0, K_A18, K_A65, K_N };
static const char *const s_cells[K_N] = {
    "SEX F", "SEX M", "GROUP DIS", "GROUP RE", "GROUP ROMA", "GROUP EGY", "GROUP ELD",
    "GROUP VAW", "GROUP CHI", "AGE_GROUP 0-17", "AGE_GROUP 18-64", "AGE_GROUP 65+"};

typedef struct {
    long ben[LNOB_GEN_MIS_NSERVICES], all, cell[K_N], num3, den3;
    long unkeyed[LNOB_GEN_MIS_NSERVICES];
    long reg_den; /* vulnerable persons on the register */
} tcount_t;

/* The active keyed register entries of person pn on m's register (rc->e
 * sorted by pn, m): the first, and their number in *n. */
static trec_t *s_listed(const recount_t *rc, const char *pn, int m, size_t *n)
{
    *n = 0;
    if (rc->ne == 0)
        return rc->e;
    size_t lo = 0, hi = rc->ne;
    while (lo < hi) { /* the first entry not before (pn, m) */
        const size_t mid = (lo + hi) / 2;
        const int c = strcmp(rc->e[mid].pn, pn);
        if (c < 0 || (c == 0 && rc->e[mid].mun < m))
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo + *n < rc->ne && !strcmp(rc->e[lo + *n].pn, pn) && rc->e[lo + *n].mun == m)
        (*n)++;
    return rc->e + lo;
}

/* Notes on person pn's register entries in m that the person has records
 * and whether they make the person vulnerable. */
static void s_mark_served(recount_t *rc, const char *pn, int m, int vulnerable)
{
    size_t n;
    trec_t *e = s_listed(rc, pn, m, &n);
    for (size_t i = 0; i < n; i++)
        e[i].served = 1, e[i].vulnerable_served = vulnerable;
}

static int s_pop(unsigned x)
{
    int n = 0;
    for (; x; x >>= 1)
        n += (int) (x & 1u);
    return n;
}

static void s_add_person(const trec_t *r, size_t n, int year, tcount_t *mun, tcount_t *nat,
                         recount_t *rc)
{
    unsigned dis = 0, roma = 0, egy = 0, vaw = 0, all = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(r[i].sex, r[0].sex, "%s: sex differs between records", r[0].pn);
        cr_assert_eq(r[i].birth_year, r[0].birth_year, "%s: birth differs", r[0].pn);
        dis |= r[i].group == G_DIS;
        roma |= r[i].group == G_ROMA;
        egy |= r[i].group == G_EGY;
        vaw |= r[i].group == G_VAW;
        all |= 1u << r[i].service;
    }
    const int age = year - r[0].birth_year;
    int in[K_N] = {0};
    in[K_F] = r[0].sex == SEX_FEMALE;
    in[K_M] = r[0].sex == SEX_MALE;
    in[K_DIS] = (int) dis;
    in[K_ROMA] = (int) roma;
    in[K_EGY] = (int) egy;
    in[K_RE] = roma || egy;
    in[K_ELD] = in[K_A65] = age >= AGE_ELDERLY;
    in[K_VAW] = vaw && r[0].sex == SEX_FEMALE;
    in[K_CHI] = in[K_A0] = age <= AGE_CHILD_MAX;
    in[K_A18] = !in[K_A0] && !in[K_A65];
    const int vul = in[K_DIS] || in[K_RE] || in[K_ELD] || in[K_VAW] || in[K_CHI];
    for (size_t i = 0; i < n;) {
        unsigned mask = 0;
        const int m = r[i].mun;
        for (; i < n && r[i].mun == m; i++)
            mask |= 1u << r[i].service;
        for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
            mun[m].ben[s] += (mask >> s) & 1u;
        mun[m].all++;
        for (int k = 0; k < K_N; k++)
            mun[m].cell[k] += in[k];
        mun[m].den3 += vul;
        mun[m].num3 += vul && s_pop(mask) >= NSERV_MIN;
        size_t listed;
        const trec_t *entry = s_listed(rc, r[0].pn, m, &listed);
        rc->cases[m][RC_OFF] += rc->reg_mun[m] && vul && s_pop(mask) >= NSERV_MIN &&
                                !(listed && entry->vulnerable);
    }
    for (int m = 0; m < LNOB_GEO_MUNICIPALITIES; m++)
        if (rc->reg_mun[m])
            s_mark_served(rc, r[0].pn, m, vul);
    for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
        nat->ben[s] += (all >> s) & 1u;
    nat->all++;
    for (int k = 0; k < K_N; k++)
        nat->cell[k] += in[k];
    nat->den3 += vul;
    nat->num3 += vul && s_pop(all) >= NSERV_MIN;
}

#define FACT(rc, ...)                                 \
    do {                                              \
        char f_[FACT_MAX];                            \
        snprintf(f_, sizeof f_, __VA_ARGS__);         \
        s_fact((rc), f_);                             \
    } while (0)

static const char *s_code(int mun)
{
    return lnob_geo_at(geo, (size_t) mun)->code;
}

/* 1 if a person with these groups, sex and birth year is vulnerable
 * (spec §6.4, every group). */
static int s_vulnerable(unsigned flags, int sex, int birth_year, int year)
{
    const int age = year - birth_year;
    return (flags & (1u << G_DIS | 1u << G_ROMA | 1u << G_EGY)) ||
           ((flags & 1u << G_VAW) && sex == SEX_FEMALE) || age >= AGE_ELDERLY ||
           age <= AGE_CHILD_MAX;
}

/* The registers: the entries' cases, then the active keyed ones kept in
 * rc->e by (pn, m), each with whether its person is vulnerable by those
 * entries alone; vulnerable persons per register. Returns the active
 * entries; the distinct persons in *persons. */
static long s_recount_registers(recount_t *rc, int year, long ps, long pe, tcount_t *mun,
                                long *persons)
{
    size_t na = 0;
    for (size_t i = 0; i < rc->ne; i++) {
        const trec_t *x = &rc->e[i];
        rc->cases[x->mun][RC_CANCELLED] += x->cancelled;
        rc->cases[x->mun][RC_GONE] += x->end && x->end < ps;
        if (x->cancelled || x->start > pe || (x->end && x->end < ps))
            continue;
        rc->cases[x->mun][RC_UNKEYED] += !x->keyed;
        if (x->keyed)
            rc->e[na++] = *x;
    }
    long active = (long) na;
    for (int m = 0; m < LNOB_GEO_MUNICIPALITIES; m++)
        active += rc->cases[m][RC_UNKEYED];
    rc->ne = na;
    if (na > 0)
        qsort(rc->e, na, sizeof *rc->e, s_cmp_person);
    *persons = 0;
    for (size_t i = 0, j; i < na; i = j) {
        unsigned flags = 0;
        for (j = i; j < na && !strcmp(rc->e[j].pn, rc->e[i].pn); j++) {
            cr_assert(rc->e[j].sex == rc->e[i].sex && rc->e[j].birth_year == rc->e[i].birth_year,
                      "%s: sex or birth differs between entries", rc->e[i].pn);
            flags |= rc->e[j].flags;
        }
        const int vul = s_vulnerable(flags, rc->e[i].sex, rc->e[i].birth_year, year);
        for (size_t k = i; k < j; k++) {
            rc->e[k].vulnerable = vul;
            mun[rc->e[k].mun].reg_den += vul && (k == i || rc->e[k].mun != rc->e[k - 1].mun);
        }
        (*persons)++;
    }
    return active;
}

/* The cases of persons on the registers, once the records are counted. */
static void s_register_cases(recount_t *rc)
{
    for (size_t i = 0; i < rc->ne; i++) {
        const trec_t *x = &rc->e[i];
        if (i > 0 && !strcmp(x->pn, rc->e[i - 1].pn) && x->mun == rc->e[i - 1].mun)
            continue;
        long *c = rc->cases[x->mun];
        c[RC_NEW_VULNERABLE] += !x->served && x->vulnerable;
        c[RC_NEW_OTHER] += !x->served && !x->vulnerable;
        c[RC_NOT_VULNERABLE] += x->served && !x->vulnerable;
        c[RC_ASSESSED_OTHER] += x->served && x->vulnerable_served && !x->vulnerable;
    }
}

/* Every fact the answers should state, from the exports' bytes; year from
 * the PERIOD row. */
static void s_recount(const tset_t *t, recount_t *rc)
{
    memset(rc, 0, sizeof *rc);
    cr_assert_str_eq(s_cell(&t->answers, 1, A_IND), "PERIOD");
    const int year = atoi(s_cell(&t->answers, 1, A_VALUE));
    const long ps = (long) year * 10000 + 101, pe = (long) year * 10000 + 1231;
    long *rejected = lnob_calloc(t->n ? t->n : 1, sizeof *rejected);
    long *merged = lnob_calloc(t->n ? t->n : 1, sizeof *merged);
    rc->mun_of = lnob_calloc(t->n ? t->n : 1, sizeof *rc->mun_of);
    for (size_t fi = 0; fi < t->n; fi++)
        s_read_export(t, fi, rc, &rejected[fi]);
    tcount_t mun[LNOB_GEO_MUNICIPALITIES] = {0}, nat = {0};
    long reg_persons = 0;
    const long reg_active = s_recount_registers(rc, year, ps, pe, mun, &reg_persons);
    size_t nk = 0;
    long unkeyed = 0;
    for (size_t i = 0; i < rc->n; i++) {
        if (rc->r[i].keyed) {
            rc->r[nk++] = rc->r[i];
        } else {
            mun[rc->r[i].mun].unkeyed[rc->r[i].service]++;
            unkeyed++;
        }
    }
    qsort(rc->r, nk, sizeof *rc->r, s_cmp_dup);
    size_t na = 0;
    for (size_t i = 0; i < nk; i++) {
        const trec_t *x = &rc->r[i];
        if (i > 0 && !strcmp(x->pn, rc->r[i - 1].pn) && x->service == rc->r[i - 1].service &&
            x->start == rc->r[i - 1].start) {
            merged[x->file]++;
            continue;
        }
        if (!x->cancelled && x->start <= pe && (x->end == 0 || x->end >= ps))
            rc->r[na++] = *x;
    }
    qsort(rc->r, na, sizeof *rc->r, s_cmp_person);
    for (size_t i = 0; i < na;) {
        size_t e = i;
        while (e < na && !strcmp(rc->r[e].pn, rc->r[i].pn))
            e++;
        s_add_person(rc->r + i, e - i, year, mun, &nat, rc);
        i = e;
    }
    s_register_cases(rc);
    long meet = 0, meet_lnb = 0, reporting = 0, dups = 0, rej = 0;
    for (int m = 0; m < LNOB_GEO_MUNICIPALITIES; m++) {
        for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++) {
            if (mun[m].ben[s])
                FACT(rc, "MIS_BEN %s %s %ld", s_code(m), s_service_codes[s], mun[m].ben[s]);
            if (mun[m].unkeyed[s])
                FACT(rc, "UNKEYED_RECORDS %s %s %ld", s_code(m), s_service_codes[s],
                     mun[m].unkeyed[s]);
        }
        if (rc->file_mun[m])
            FACT(rc, "MIS_BEN_ALL %s %ld", s_code(m), mun[m].all);
        for (int k = 0; k < K_N; k++)
            if (mun[m].cell[k])
                FACT(rc, "MIS_BEN_ALL %s %s %ld", s_code(m), s_cells[k], mun[m].cell[k]);
        if (rc->reg_mun[m] && mun[m].reg_den > 0)
            FACT(rc, "MIS_SHARE3_REG %s %ld/%ld%s", s_code(m), mun[m].num3, mun[m].reg_den,
                 rc->cases[m][RC_OFF] ? " NOT_ON_REGISTER" : "");
        if (mun[m].den3 == 0)
            continue;
        FACT(rc, "MIS_SHARE3 %s %ld/%ld", s_code(m), mun[m].num3, mun[m].den3);
        reporting++;
        if (100 * mun[m].num3 >= BAR * mun[m].den3) {
            meet++;
            meet_lnb += lnob_geo_at(geo, (size_t) m)->lnb_target;
        }
    }
    for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
        if (nat.ben[s])
            FACT(rc, "MIS_BEN_NAT %s %ld", s_service_codes[s], nat.ben[s]);
    FACT(rc, "MIS_BEN_ALL_NAT %ld", nat.all);
    for (int k = 0; k < K_N; k++)
        if (nat.cell[k])
            FACT(rc, "MIS_BEN_ALL_NAT %s %ld", s_cells[k], nat.cell[k]);
    if (nat.den3)
        FACT(rc, "MIS_SHARE3_NAT %ld/%ld", nat.num3, nat.den3);
    FACT(rc, "MIS_MUN33 %ld", meet);
    if (reporting)
        FACT(rc, "MIS_MUN33_PCT %ld/%ld reporting", meet, reporting);
    FACT(rc, "MIS_MUN33_PCT %ld/%d all", meet, LNOB_GEO_MUNICIPALITIES);
    FACT(rc, "MIS_MUN33_PCT %ld/%d lnb", meet_lnb, LNB_TARGETS);
    FACT(rc, "UNKEYED_RECORDS %ld", unkeyed);
    for (size_t fi = 0; fi < t->n; fi++) {
        if (merged[fi])
            FACT(rc, "DUPLICATES_MERGED %s %s %ld", s_code(rc->mun_of[fi]), t->f[fi].name,
                 merged[fi]);
        if (rejected[fi])
            FACT(rc, "REJECTED %s %s %ld", s_code(rc->mun_of[fi]), t->f[fi].name, rejected[fi]);
        dups += merged[fi];
        rej += rejected[fi];
    }
    FACT(rc, "DUPLICATES_MERGED %ld", dups);
    FACT(rc, "REJECTED %ld", rej);
    int any_register = 0;
    for (int m = 0; m < LNOB_GEO_MUNICIPALITIES; m++)
        any_register |= rc->reg_mun[m];
    if (any_register) {
        FACT(rc, "REGISTER_ENTRIES_ACTIVE %ld", reg_active);
        FACT(rc, "REGISTER_PERSONS %ld", reg_persons);
    }
    free(merged);
    free(rejected);
}

static void s_recount_free(recount_t *rc)
{
    for (size_t i = 0; i < rc->nfacts; i++)
        free(rc->facts[i]);
    free(rc->facts);
    free(rc->r);
    free(rc->e);
    free(rc->mun_of);
}

/* The answers' rows as facts (PERIOD, FILE and MIS_RATE1000 left out);
 * checks the ratio values and the SMALL_CELL details on the way. */
static void s_answer_facts(const tset_t *t, recount_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t r = 1; r < t->answers.n; r++) {
        const char *const *c = (const char *const *) t->answers.rows[r].fields;
        const char *ind = c[A_IND];
        if (!strcmp(ind, "PERIOD") || !strcmp(ind, "FILE") || !strcmp(ind, "MIS_RATE1000"))
            continue;
        char fact[FACT_MAX];
        int n = snprintf(fact, sizeof fact, "%s", ind);
        if (!strcmp(ind, "REJECT")) {
            FACT(out, "REJECT %s %s %s", c[A_FILE], c[A_LINE], c[A_DETAIL]);
            continue;
        }
        for (int k = A_MUN; k <= A_FILE; k++)
            if (*c[k])
                n += snprintf(fact + n, sizeof fact - (size_t) n, " %s", c[k]);
        if (*c[A_DEN]) {
            const double want = PERCENT * atof(c[A_NUM]) / atof(c[A_DEN]);
            cr_expect(fabs(atof(c[A_VALUE]) - want) <= REL_TOL * fabs(want),
                      "answers line %" PRIu64 ": value %s, 100 x %s / %s", t->answers.rows[r].line,
                      c[A_VALUE], c[A_NUM], c[A_DEN]);
            n += snprintf(fact + n, sizeof fact - (size_t) n, " %s/%s", c[A_NUM], c[A_DEN]);
        } else {
            n += snprintf(fact + n, sizeof fact - (size_t) n, " %s", c[A_VALUE]);
        }
        if (!strcmp(ind, "MIS_MUN33_PCT") || (!strcmp(ind, "MIS_SHARE3_REG") && *c[A_DETAIL]))
            snprintf(fact + n, sizeof fact - (size_t) n, " %s", c[A_DETAIL]);
        if (!strncmp(ind, "MIS_BEN", strlen("MIS_BEN"))) {
            const long v = atol(c[A_VALUE]);
            cr_expect_eq(!strcmp(c[A_DETAIL], "SMALL_CELL"), v >= 1 && v <= SMALL_MAX,
                         "answers line %" PRIu64 ": %ld with detail '%s'",
                         t->answers.rows[r].line, v, c[A_DETAIL]);
        }
        s_fact(out, fact);
    }
}

/* Asserts the answers state exactly what the recount finds. */
static void s_check_answers(const tset_t *t)
{
    recount_t rc, ans;
    s_recount(t, &rc);
    s_answer_facts(t, &ans);
    qsort(rc.facts, rc.nfacts, sizeof *rc.facts, s_cmp_str);
    qsort(ans.facts, ans.nfacts, sizeof *ans.facts, s_cmp_str);
    size_t i = 0, j = 0;
    int diffs = 0;
    while ((i < rc.nfacts || j < ans.nfacts) && diffs < 10) {
        const int c = i == rc.nfacts ? 1 : j == ans.nfacts ? -1 : strcmp(rc.facts[i], ans.facts[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        diffs++;
        if (c < 0)
            cr_log_error("recounted, not in the answers: %s", rc.facts[i++]);
        else
            cr_log_error("in the answers, not recounted: %s", ans.facts[j++]);
    }
    cr_assert_eq(diffs, 0, "answers and recount differ (%zu facts recounted, %zu answered)",
                 rc.nfacts, ans.nfacts);
    cr_log_info("%zu facts agree", rc.nfacts);
    s_recount_free(&rc);
    s_recount_free(&ans);
}

/* 1 if the answers state the fact, e.g. "MIS_SHARE3 AL153 2/3". */
static int s_has_fact(const tset_t *t, const char *fact)
{
    recount_t ans;
    s_answer_facts(t, &ans);
    int found = 0;
    for (size_t i = 0; i < ans.nfacts && !found; i++)
        found = !strcmp(ans.facts[i], fact);
    s_recount_free(&ans);
    return found;
}

/* ---- Tests. ---- */

Test(gen_mis, rejects_bad_options)
{
    const lnob_gen_mis_opts_t bad[] = {{SEED, YEAR, 0, N_PERSONS, 0},
                                       {SEED, YEAR, LNOB_GEO_MUNICIPALITIES + 1, N_PERSONS, 0},
                                       {SEED, YEAR, N_MUN, 0, 0},
                                       {SEED, YEAR, N_MUN, LNOB_GEN_MIS_PERSONS_MAX + 1, 0},
                                       {SEED, YEAR, N_MUN, N_PERSONS, -1},
                                       {SEED, YEAR, N_MUN, N_PERSONS, N_MUN + 1}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_null(lnob_gen_mis_new(&bad[i], geo), "options %zu accepted", i);
    const lnob_gen_mis_opts_t ok = {SEED, YEAR, N_MUN, N_PERSONS, 0};
    cr_assert_null(lnob_gen_mis_new(&ok, NULL));
}

static void s_same(const lnob_gen_mis_t *a, const lnob_gen_mis_t *b, int *same)
{
    *same = lnob_gen_mis_count(a) == lnob_gen_mis_count(b);
    for (size_t i = 0; *same && i < lnob_gen_mis_count(a); i++) {
        size_t la = 0, lb = 0;
        const char *da = lnob_gen_mis_data(a, i, &la), *db = lnob_gen_mis_data(b, i, &lb);
        *same = !strcmp(lnob_gen_mis_name(a, i), lnob_gen_mis_name(b, i)) && la == lb &&
                !memcmp(da, db, la);
    }
}

Test(gen_mis, same_options_same_bytes)
{
    lnob_gen_mis_t *a = s_gen(SEED, N_MUN, N_PERSONS), *b = s_gen(SEED, N_MUN, N_PERSONS);
    int same = 0;
    s_same(a, b, &same);
    cr_assert(same, "same options, different files");
    lnob_gen_mis_t *c = s_gen(SEED_OTHER, N_MUN, N_PERSONS);
    s_same(a, c, &same);
    cr_assert(!same, "different seeds, same files");
    lnob_gen_mis_destroy(&a);
    lnob_gen_mis_destroy(&b);
    lnob_gen_mis_destroy(&c);
    cr_assert_null(a);
    lnob_gen_mis_destroy(NULL);
}

/* On disk: the same bytes as in memory, below DIR/exports and DIR. */
Test(gen_mis, write_puts_the_same_bytes_on_disk)
{
    lnob_gen_mis_t *g = s_gen(SEED, N_MUN, N_PERSONS);
    char dir[] = "/tmp/lnob_gen_mis_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char err[512] = "";
    cr_assert_eq(lnob_gen_mis_write(g, dir, err, sizeof err), 0, "%s", err);
    char path[1024];
    for (size_t i = 0; i < lnob_gen_mis_count(g); i++) {
        size_t want = 0, got = 0;
        const char *data = lnob_gen_mis_data(g, i, &want);
        snprintf(path, sizeof path, "%s/%s", dir, lnob_gen_mis_name(g, i));
        char *disk = tr_slurp(path, &got);
        cr_assert(got == want && !memcmp(disk, data, want), "%s differs", path);
        free(disk);
        cr_assert_eq(unlink(path), 0);
    }
    snprintf(path, sizeof path, "%s/%s", dir, LNOB_GEN_MIS_EXPORTS);
    cr_assert_eq(rmdir(path), 0, "%s: files left over", path);
    cr_assert_eq(rmdir(dir), 0);
    lnob_gen_mis_destroy(&g);
}

/* Each export: the delimiter of its header is the one its FILE row states,
 * every row has the header's field count, and the FILE row counts them. */
Test(gen_mis, exports_parse_with_their_own_delimiter)
{
    lnob_gen_mis_t *g = s_gen(SEED, N_MUN, N_PERSONS);
    tset_t t = s_set_of(g);
    static const char *const names[] = {",comma", ";semicolon", "\ttab"};
    size_t seen[3] = {0, 0, 0};
    for (size_t i = 0; i < t.n; i++) {
        char want[32];
        s_shape(&t, t.f[i].name, "delimiter", want, sizeof want);
        const char d = s_detect_delim(&t.f[i]);
        for (int k = 0; k < 3; k++)
            if (names[k][0] == d) {
                cr_assert_str_eq(names[k] + 1, want, "%s", t.f[i].name);
                seen[k]++;
            }
        tr_sink_t rows = {0};
        s_parse(t.f[i].data, t.f[i].len, d, &rows);
        for (size_t r = 0; r < rows.n; r++) {
            cr_assert_eq(rows.rows[r].nfields, rows.rows[0].nfields, "%s line %" PRIu64,
                         t.f[i].name, rows.rows[r].line);
            cr_assert_eq(rows.rows[r].truncated, 0);
        }
        const long fr = s_file_row(&t, t.f[i].name);
        cr_assert_eq(atol(s_cell(&t.answers, (size_t) fr, A_VALUE)), (long) rows.n - 1,
                     "%s: FILE row says %s rows, read %zu", t.f[i].name,
                     s_cell(&t.answers, (size_t) fr, A_VALUE), rows.n - 1);
        tr_free(&rows);
    }
    for (int k = 0; k < 3; k++)
        cr_expect_gt(seen[k], 0, "no file delimited by %s", names[k] + 1);
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

/* 1 if the bytes are valid UTF-8. */
static int s_utf8(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = p[i] < 0x80 ? 1 : (p[i] & 0xE0) == 0xC0 ? 2 : (p[i] & 0xF0) == 0xE0 ? 3 : 0;
        if (k == 0 || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

Test(gen_mis, encodings_as_stated)
{
    lnob_gen_mis_t *g = s_gen(SEED, N_MUN, N_PERSONS);
    tset_t t = s_set_of(g);
    size_t bom = 0, cp1252 = 0, plain = 0;
    for (size_t i = 0; i < t.n; i++) {
        const unsigned char *p = (const unsigned char *) t.f[i].data;
        const size_t n = t.f[i].len;
        char enc[32];
        s_shape(&t, t.f[i].name, "encoding", enc, sizeof enc);
        const int has_bom = n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3);
        cr_assert_eq(has_bom, !strcmp(enc, "utf-8-bom"), "%s: BOM %d, encoding %s", t.f[i].name,
                     has_bom, enc);
        if (!strcmp(enc, "windows-1252")) {
            cr_assert_not_null(memchr(p, CP1252_E_DIAERESIS, n), "%s: no 0xEB", t.f[i].name);
            cr_assert(!s_utf8(p, n), "%s: valid UTF-8", t.f[i].name);
            cp1252++;
        } else {
            cr_assert(s_utf8(p, n), "%s: not UTF-8", t.f[i].name);
            bom += has_bom;
            plain += !has_bom;
        }
    }
    cr_assert(bom > 0 && cp1252 > 0 && plain > 0, "BOM %zu, Windows-1252 %zu, UTF-8 %zu", bom,
              cp1252, plain);
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

/* Albanian and English headers, CRLF and LF, and every other shape value. */
Test(gen_mis, shapes_cover_every_value)
{
    lnob_gen_mis_t *g = s_gen(SEED, N_MUN, N_PERSONS);
    tset_t t = s_set_of(g);
    size_t sq = 0, en = 0, crlf = 0, lf = 0;
    for (size_t i = 0; i < t.n; i++) {
        const char *nl = memchr(t.f[i].data, '\n', t.f[i].len);
        char head[FOLD_MAX];
        lnob_geo_fold(t.f[i].data, (size_t) (nl - t.f[i].data), head, sizeof head);
        sq += strstr(head, "nr personal") && strstr(head, "datelindja");
        en += strstr(head, "personal number") && strstr(head, "date of birth");
        crlf += nl > t.f[i].data && nl[-1] == '\r';
        lf += nl > t.f[i].data && nl[-1] != '\r';
    }
    cr_assert(sq > 0 && en > 0, "Albanian headers %zu, English %zu", sq, en);
    cr_assert(crlf > 0 && lf > 0, "CRLF %zu, LF %zu", crlf, lf);
    static const char *const want[] = {
        "encoding=utf-8 ", "encoding=utf-8-bom", "encoding=windows-1252", "header=sq",
        "header=en", "columns=A", "columns=B", "columns=C", "dates=dd.mm.yyyy",
        "dates=dd/mm/yyyy", "dates=yyyy-mm-dd", "sex=M/F", "sex=Mashkull/Femër", "sex=1/2",
        "labels=sq ", "labels=sq-ascii", "labels=en", "names=official", "names=definite",
        "names=ascii", "names=upper", "quoting=all", "quoting=minimal",
        "personal_numbers=lower", "personal_numbers=upper", "per=service", "per=municipality"};
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        int found = 0;
        for (size_t r = 1; r < t.answers.n && !found; r++)
            found = !strcmp(s_cell(&t.answers, r, A_IND), "FILE") &&
                    strstr(s_cell(&t.answers, r, A_DETAIL), want[k]);
        cr_expect(found, "no file with %s", want[k]);
    }
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

/* The spellings the generator draws from resolve as it means them: units
 * to their municipality, bad names and persons' names to none. */
Test(gen_mis, name_tables_agree_with_the_reference_tables)
{
    for (const lnob_gen_mis_unit_t *u = lnob_gen_mis_units; u->code; u++) {
        const int want = lnob_geo_by_code(geo, u->code, strlen(u->code));
        cr_assert_geq(want, 0, "%s", u->code);
        cr_expect_eq(lnob_geo_by_name(geo, u->name, strlen(u->name)), want, "%s is not %s",
                     u->name, u->code);
    }
    const char *const *lists[] = {lnob_gen_mis_bad_municipality, lnob_gen_mis_first_male,
                                  lnob_gen_mis_first_female, lnob_gen_mis_last};
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++)
        for (const char *const *n = lists[l]; *n; n++) {
            cr_expect_eq(lnob_geo_by_name(geo, *n, strlen(*n)), LNOB_GEO_UNKNOWN,
                         "%s names a place", *n);
            cr_expect(l == 0 || strlen(*n) >= NAME_MIN, "%s: short names make false hits "
                                                        "in the no-identifier scan", *n);
        }
}

/* Every kind of fault is there, and its rows are where the answers say. */
Test(gen_mis, faults_present)
{
    lnob_gen_mis_t *g = s_gen(SEED, N_MUN, N_PERSONS);
    tset_t t = s_set_of(g);
    static const char *const reasons[] = {"BAD_DATE", "UNKNOWN_SERVICE", "UNKNOWN_MUNICIPALITY"};
    size_t n[3] = {0, 0, 0};
    long dups = -1, unkeyed = -1;
    for (size_t r = 1; r < t.answers.n; r++) {
        const char *ind = s_cell(&t.answers, r, A_IND);
        for (int k = 0; k < 3; k++)
            n[k] += !strcmp(ind, "REJECT") && !strcmp(s_cell(&t.answers, r, A_DETAIL), reasons[k]);
        if (!*s_cell(&t.answers, r, A_FILE) && !*s_cell(&t.answers, r, A_MUN)) {
            if (!strcmp(ind, "DUPLICATES_MERGED"))
                dups = atol(s_cell(&t.answers, r, A_VALUE));
            if (!strcmp(ind, "UNKEYED_RECORDS"))
                unkeyed = atol(s_cell(&t.answers, r, A_VALUE));
        }
    }
    for (int k = 0; k < 3; k++)
        cr_expect_gt(n[k], 0, "no %s row", reasons[k]);
    cr_expect_gt(dups, 0, "no duplicates");
    cr_expect_gt(unkeyed, 0, "no unkeyed rows");
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

static void s_check_generated(uint64_t seed, int municipalities, int persons)
{
    lnob_gen_mis_t *g = s_gen(seed, municipalities, persons);
    tset_t t = s_set_of(g);
    s_check_answers(&t);
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

Test(gen_mis, answers_match_a_recount_from_the_bytes)
{
    s_check_generated(SEED, N_MUN, N_PERSONS);
}

Test(gen_mis, answers_match_a_recount_all_municipalities)
{
    s_check_generated(SEED_OTHER, LNOB_GEO_MUNICIPALITIES, N_PERSONS_ALL);
}

/* The TV7 fixture: the recount agrees with its hand-made answers, and they
 * hold the values of spec §7 TV7 (M01 = AL153 Pukë, M02 = AL346 Pustec). */
Test(gen_mis, tv7_fixture)
{
    tset_t t = s_set_from(TV7_DIR);
    cr_assert_eq(t.n, 2, "%zu exports", t.n);
    s_check_answers(&t);
    static const char *const spec[] = {
        "MIS_BEN_ALL AL153 3", "MIS_BEN_ALL AL346 4", "MIS_BEN_ALL_NAT 6",
        "MIS_BEN AL153 COMMUNITY_CENTRE 2", "MIS_BEN AL346 DISABILITY_PAYMENT 2",
        "MIS_BEN AL346 ECONOMIC_AID 1", "MIS_SHARE3 AL153 2/3", "MIS_SHARE3 AL346 1/4",
        "MIS_SHARE3_NAT 4/6", "MIS_MUN33 1", "MIS_MUN33_PCT 1/2 reporting",
        "MIS_BEN_ALL AL153 SEX F 2", "MIS_BEN_ALL AL346 SEX F 3", "MIS_BEN_ALL AL153 GROUP RE 2",
        "MIS_BEN_ALL AL346 GROUP DIS 2", "MIS_BEN_ALL AL346 GROUP VAW 1",
        "DUPLICATES_MERGED 0", "UNKEYED_RECORDS 0", "REJECTED 0"};
    for (size_t k = 0; k < sizeof spec / sizeof *spec; k++)
        cr_expect(s_has_fact(&t, spec[k]), "answers lack '%s'", spec[k]);
    /* MIS_RATE1000 against the fixture's population file. */
    size_t len = 0;
    char *pop = tr_slurp(TV7_DIR "pop_municipality.csv", &len);
    tr_sink_t p = {0};
    s_parse(pop, len, ',', &p);
    free(pop);
    size_t rates = 0;
    for (size_t r = 1; r < t.answers.n; r++) {
        if (strcmp(s_cell(&t.answers, r, A_IND), "MIS_RATE1000") != 0)
            continue;
        const char *code = s_cell(&t.answers, r, A_MUN);
        for (size_t k = 1; k < p.n; k++)
            if (!strcmp(p.rows[k].fields[0], code)) {
                cr_assert_str_eq(s_cell(&t.answers, r, A_DEN), p.rows[k].fields[2]);
                rates++;
            }
        char fact[FACT_MAX];
        snprintf(fact, sizeof fact, "MIS_BEN_ALL %s %s", code, s_cell(&t.answers, r, A_NUM));
        cr_expect(s_has_fact(&t, fact), "rate numerator: '%s' not answered", fact);
        const double want = 1000.0 * atof(s_cell(&t.answers, r, A_NUM)) /
                            atof(s_cell(&t.answers, r, A_DEN));
        cr_expect(fabs(atof(s_cell(&t.answers, r, A_VALUE)) - want) <= REL_TOL * want);
    }
    cr_assert_eq(rates, 2, "MIS_RATE1000 rows: %zu", rates);
    tr_free(&p);
    s_set_free(&t);
}

/* ---- Needs-assessment registers (--registers). ---- */

/* The answers' text without the rows registers add: their FILE rows,
 * MIS_SHARE3_REG and the register totals (owned). */
static char *s_without_register_rows(const char *text, size_t len)
{
    static const char *const added[] = {"MIS_SHARE3_REG,", "REGISTER_ENTRIES_ACTIVE,",
                                        "REGISTER_PERSONS,"};
    char *out = lnob_malloc(len + 1);
    size_t n = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const size_t k = nl ? (size_t) (nl - p) + 1 : (size_t) (end - p);
        int drop = !strncmp(p, "FILE,", 5) && memmem(p, k, "register=", 9) != NULL;
        for (size_t i = 0; i < sizeof added / sizeof *added; i++)
            drop |= !strncmp(p, added[i], strlen(added[i]));
        if (!drop) {
            memcpy(out + n, p, k);
            n += k;
        }
        p += k;
    }
    out[n] = '\0';
    return out;
}

/* Index of file name in g, or -1. */
static long s_file_index(const lnob_gen_mis_t *g, const char *name)
{
    for (size_t i = 0; i < lnob_gen_mis_count(g); i++)
        if (!strcmp(lnob_gen_mis_name(g, i), name))
            return (long) i;
    return -1;
}

/* --registers 0 is the set without the option; with registers every file
 * of that set is there byte for byte, and the answers only gain the rows
 * of the registers. */
Test(gen_mis, registers_add_files_and_rows_and_change_nothing_else)
{
    const lnob_gen_mis_opts_t without = {
        .seed = SEED, .year = YEAR, .municipalities = N_MUN, .persons = N_PERSONS};
    lnob_gen_mis_t *a = lnob_gen_mis_new(&without, geo);
    lnob_gen_mis_t *zero = s_gen_reg(SEED, N_MUN, N_PERSONS, 0);
    lnob_gen_mis_t *reg = s_gen_reg(SEED, N_MUN, N_PERSONS, N_REGISTERS);
    int same = 0;
    s_same(a, zero, &same);
    cr_assert(same, "--registers 0 changed the set");
    const size_t na = lnob_gen_mis_count(a);
    cr_assert_eq(lnob_gen_mis_count(reg), na + N_REGISTERS + 1, "a register each and one map");
    for (size_t i = 0; i + 1 < na; i++) {
        const long j = s_file_index(reg, lnob_gen_mis_name(a, i));
        cr_assert_geq(j, 0, "%s is gone", lnob_gen_mis_name(a, i));
        size_t la = 0, lr = 0;
        const char *da = lnob_gen_mis_data(a, i, &la);
        const char *dr = lnob_gen_mis_data(reg, (size_t) j, &lr);
        cr_assert(la == lr && !memcmp(da, dr, la), "%s changed", lnob_gen_mis_name(a, i));
    }
    size_t la = 0, lr = 0;
    const char *da = lnob_gen_mis_data(a, na - 1, &la);
    const char *dr = lnob_gen_mis_data(reg, lnob_gen_mis_count(reg) - 1, &lr);
    char *kept = s_without_register_rows(dr, lr);
    cr_assert(lr > la, "no answer rows added");
    cr_assert(strlen(kept) == la && !memcmp(kept, da, la),
              "the answers changed beyond the register rows");
    free(kept);
    lnob_gen_mis_destroy(&a);
    lnob_gen_mis_destroy(&zero);
    lnob_gen_mis_destroy(&reg);
}

Test(gen_mis, registers_same_seed_same_bytes)
{
    lnob_gen_mis_t *a = s_gen_reg(SEED, N_MUN, N_PERSONS, N_REGISTERS);
    lnob_gen_mis_t *b = s_gen_reg(SEED, N_MUN, N_PERSONS, N_REGISTERS);
    lnob_gen_mis_t *c = s_gen_reg(SEED_OTHER, N_MUN, N_PERSONS, N_REGISTERS);
    int same = 0;
    s_same(a, b, &same);
    cr_assert(same, "same options, different files");
    s_same(a, c, &same);
    cr_assert(!same, "different seeds, same files");
    lnob_gen_mis_destroy(&a);
    lnob_gen_mis_destroy(&b);
    lnob_gen_mis_destroy(&c);
}

static size_t s_count_rows(const tset_t *t, const char *indicator)
{
    size_t n = 0;
    for (size_t r = 1; r < t->answers.n; r++)
        n += !strcmp(s_cell(&t->answers, r, A_IND), indicator);
    return n;
}

/* The answers, register rows included, against the recount; one
 * MIS_SHARE3_REG row per register. */
static void s_check_registers(uint64_t seed, int municipalities, int persons, int registers)
{
    lnob_gen_mis_t *g = s_gen_reg(seed, municipalities, persons, registers);
    tset_t t = s_set_of(g);
    s_check_answers(&t);
    cr_assert_eq(s_count_rows(&t, "MIS_SHARE3_REG"), (size_t) registers);
    cr_assert_eq(s_count_rows(&t, "REGISTER_ENTRIES_ACTIVE"), 1);
    cr_assert_eq(t.nmaps, registers > 1 ? 1u : 0u);
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

Test(gen_mis, register_answers_match_a_recount_from_the_bytes)
{
    s_check_registers(SEED, N_MUN, N_PERSONS, N_REGISTERS);
    s_check_registers(SEED_OTHER, N_MUN, N_PERSONS, 1);
}

Test(gen_mis, register_answers_match_a_recount_every_municipality)
{
    s_check_registers(SEED_OTHER, LNOB_GEO_MUNICIPALITIES, N_PERSONS_ALL, LNOB_GEO_MUNICIPALITIES);
}

/* Each register holds what gen_mis.h promises: one unkeyed, one cancelled
 * and one gone entry; persons with no service, vulnerable and not; persons
 * with services who are not vulnerable; and a person of the numerator left
 * off (so NOT_ON_REGISTER occurs), as read from the bytes. */
Test(gen_mis, registers_hold_every_case)
{
    lnob_gen_mis_t *g = s_gen_reg(SEED, N_MUN, N_PERSONS, N_REGISTERS);
    tset_t t = s_set_of(g);
    recount_t rc;
    s_recount(&t, &rc);
    int registers = 0;
    long assessed_other = 0;
    for (int m = 0; m < LNOB_GEO_MUNICIPALITIES; m++) {
        if (!rc.reg_mun[m])
            continue;
        registers++;
        const long *c = rc.cases[m];
        cr_expect_eq(c[RC_UNKEYED], 1, "%s: %ld unkeyed", s_code(m), c[RC_UNKEYED]);
        cr_expect_eq(c[RC_CANCELLED], 1, "%s: %ld cancelled", s_code(m), c[RC_CANCELLED]);
        cr_expect_eq(c[RC_GONE], 1, "%s: %ld gone before the year", s_code(m), c[RC_GONE]);
        cr_expect_geq(c[RC_NEW_VULNERABLE], 1, "%s: no new vulnerable person", s_code(m));
        cr_expect_geq(c[RC_NEW_OTHER], 1, "%s: no new person in no group", s_code(m));
        cr_expect_geq(c[RC_NOT_VULNERABLE], 1, "%s: no beneficiary in no group", s_code(m));
        cr_expect_geq(c[RC_OFF], 1, "%s: nobody of the numerator left off", s_code(m));
        assessed_other += c[RC_ASSESSED_OTHER];
    }
    cr_assert_eq(registers, N_REGISTERS);
    cr_expect_geq(assessed_other, 1, "no one assessed as Other against their records");
    s_recount_free(&rc);
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

/* The names of the lists, folded. */
static size_t s_folded_names(char names[][FOLD_MAX], size_t cap)
{
    const char *const *lists[] = {lnob_gen_mis_first_male, lnob_gen_mis_first_female,
                                  lnob_gen_mis_last};
    size_t n = 0;
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++)
        for (const char *const *x = lists[l]; *x && n < cap; x++)
            s_fold(*x, names[n++]);
    return n;
}

/* Row r of a register: personal numbers of the national shape with the
 * Z9 prefix (or none), names in the name columns only. Returns 1 when the
 * personal number is empty. */
static int s_check_register_row(const tfile_t *f, const tr_sink_t *rows, size_t r,
                                char names[][FOLD_MAX], size_t nnames)
{
    const tr_row_t *head = &rows->rows[0], *row = &rows->rows[r];
    cr_assert_eq(row->nfields, head->nfields, "%s line %" PRIu64, f->name, row->line);
    int empty = 0;
    for (size_t i = 0; i < row->nfields; i++) {
        char h[FOLD_MAX], v[FOLD_MAX], key[32];
        s_fold(head->fields[i], h);
        s_fold(row->fields[i], v);
        if (!strcmp(h, "nr personal") || !strcmp(h, "personal number")) {
            empty = !*row->fields[i];
            cr_assert(empty || (s_person_key(row->fields[i], key, sizeof key) && key[0] == 'Z' &&
                                key[1] == '9'),
                      "%s line %" PRIu64 ": personal number '%s'", f->name, row->line,
                      row->fields[i]);
            continue;
        }
        if (!strcmp(h, "emri") || !strcmp(h, "mbiemri") || !strcmp(h, "first name") ||
            !strcmp(h, "last name"))
            continue;
        for (size_t k = 0; k < nnames; k++)
            cr_assert(!strstr(v, names[k]), "%s line %" PRIu64 ": a name in '%s'", f->name,
                      row->line, row->fields[i]);
    }
    return empty;
}

/* Each register: the delimiter, encoding and row count its FILE row
 * states; the assessment-date header, or the start-date header and a
 * mapping file saying kind = register; the identifier rules of the
 * exports, and one entry without a personal number. */
Test(gen_mis, registers_keep_the_shapes_and_identifier_rules)
{
    lnob_gen_mis_t *g = s_gen_reg(SEED, N_MUN, N_PERSONS, N_REGISTERS);
    tset_t t = s_set_of(g);
    static char names[128][FOLD_MAX];
    const size_t nnames = s_folded_names(names, sizeof names / sizeof *names);
    size_t by_header = 0, by_map = 0;
    for (size_t i = 0; i < t.n; i++) {
        const tfile_t *f = &t.f[i];
        char form[16], enc[32], delim[16];
        const char *detail = s_cell(&t.answers, (size_t) s_file_row(&t, f->name), A_DETAIL);
        if (!strstr(detail, "register="))
            continue;
        s_shape(&t, f->name, "register", form, sizeof form);
        s_shape(&t, f->name, "encoding", enc, sizeof enc);
        s_shape(&t, f->name, "delimiter", delim, sizeof delim);
        const char d = s_detect_delim(f);
        cr_assert_eq(d, !strcmp(delim, "comma") ? ',' : !strcmp(delim, "tab") ? '\t' : ';', "%s",
                     f->name);
        cr_assert_eq(f->len >= 3 && !memcmp(f->data, "\xEF\xBB\xBF", 3),
                     !strcmp(enc, "utf-8-bom"), "%s: BOM and %s", f->name, enc);
        cr_assert_eq(!s_utf8((const unsigned char *) f->data, f->len),
                     !strcmp(enc, "windows-1252"), "%s: bytes and %s", f->name, enc);
        tr_sink_t rows = {0};
        s_parse(f->data, f->len, d, &rows);
        cr_assert_eq(atol(s_cell(&t.answers, (size_t) s_file_row(&t, f->name), A_VALUE)),
                     (long) rows.n - 1, "%s: rows", f->name);
        char head[FOLD_MAX * 4];
        const char *nl = memchr(f->data, '\n', f->len);
        lnob_geo_fold(f->data, (size_t) (nl - f->data), head, sizeof head);
        const int assessed = strstr(head, "data e vleresimit") || strstr(head, "assessment date");
        cr_assert_eq(assessed, !strcmp(form, "header"), "%s: %s", f->name, head);
        cr_assert(!strstr(head, "sherbimit") && !strstr(head, "service type"), "%s", f->name);
        char map[1024];
        snprintf(map, sizeof map, "%s%s", f->name, MAP_SUFFIX);
        size_t maps = 0;
        for (size_t k = 0; k < t.nmaps; k++)
            maps += !strcmp(t.maps[k].name, map) && strstr(t.maps[k].data, "kind = register");
        cr_assert_eq(maps, !strcmp(form, "map") ? 1u : 0u, "%s: mapping file", f->name);
        size_t unkeyed = 0;
        for (size_t r = 1; r < rows.n; r++)
            unkeyed += (size_t) s_check_register_row(f, &rows, r, names, nnames);
        cr_assert_eq(unkeyed, 1, "%s: %zu entries without a personal number", f->name, unkeyed);
        by_header += !strcmp(form, "header");
        by_map += !strcmp(form, "map");
        tr_free(&rows);
    }
    cr_assert_eq(by_header, N_REGISTERS - 1);
    cr_assert_eq(by_map, 1);
    s_set_free(&t);
    lnob_gen_mis_destroy(&g);
}

/* 1 if the recount found the fact. */
static int s_recounted(const recount_t *rc, const char *fact)
{
    for (size_t i = 0; i < rc->nfacts; i++)
        if (!strcmp(rc->facts[i], fact))
            return 1;
    return 0;
}

/* The recount on TV7 with its two hand-made registers (one known by its
 * header, one by its mapping file) gives their hand-computed answers. */
Test(gen_mis, tv7_registers_recount_to_the_hand_made_answers)
{
    tset_t t = s_set_from(TV7_DIR);
    s_add_from(&t, TV7_DIR, "registers/01_puke_register.csv", "AL153");
    s_add_from(&t, TV7_DIR, "registers/02_pustec_register.csv", "AL346");
    cr_assert_eq(t.nmaps, 1);
    recount_t rc;
    s_recount(&t, &rc);
    size_t len = 0;
    char *text = s_slurp_text(TV7_DIR, "answers_registers.csv", &len);
    tr_sink_t hand = {0};
    s_parse(text, len, ',', &hand);
    free(text);
    size_t rows = 0;
    for (size_t r = 1; r < hand.n; r++) {
        char **c = hand.rows[r].fields;
        cr_assert_str_eq(c[A_IND], "MIS_SHARE3_REG");
        char fact[FACT_MAX];
        snprintf(fact, sizeof fact, "MIS_SHARE3_REG %s %s/%s%s", c[A_MUN], c[A_NUM], c[A_DEN],
                 strstr(c[A_DETAIL], "NOT_ON_REGISTER") ? " NOT_ON_REGISTER" : "");
        cr_expect(s_recounted(&rc, fact), "not recounted: %s", fact);
        rows++;
    }
    cr_assert_eq(rows, 2);
    cr_expect(s_recounted(&rc, "REGISTER_ENTRIES_ACTIVE 10"), "7 + 5 entries, K10, K11 not");
    cr_expect(s_recounted(&rc, "REGISTER_PERSONS 8"), "K1 K3 K5 K6 K7 K8 K9 K12");
    cr_expect(s_recounted(&rc, "MIS_SHARE3 AL153 2/3"), "the registers change no other cell");
    tr_free(&hand);
    s_recount_free(&rc);
    s_set_free(&t);
}

/* data/sample/mis_2024 (the demo's exports) is what the command in
 * docs/mis-gen.md writes, byte for byte, and nothing else. */
Test(gen_mis, the_demo_sample_is_what_the_generator_writes)
{
    lnob_gen_mis_t *g = s_gen_reg(SAMPLE_SEED, SAMPLE_MUN, SAMPLE_PERSONS, SAMPLE_REGISTERS);
    for (size_t i = 0; i < lnob_gen_mis_count(g); i++) {
        size_t want = 0, got = 0;
        const char *data = lnob_gen_mis_data(g, i, &want);
        char *disk = s_slurp_text(SAMPLE_DIR, lnob_gen_mis_name(g, i), &got);
        cr_expect(got == want && !memcmp(disk, data, want), "%s differs from the generator's",
                  lnob_gen_mis_name(g, i));
        free(disk);
    }
    DIR *d = opendir(SAMPLE_DIR LNOB_GEN_MIS_EXPORTS);
    cr_assert_not_null(d);
    size_t files = 0;
    for (struct dirent *e; (e = readdir(d));)
        files += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(files, lnob_gen_mis_count(g) - 1,
                 "files in the sample that the generator does not write");
    lnob_gen_mis_destroy(&g);
}
