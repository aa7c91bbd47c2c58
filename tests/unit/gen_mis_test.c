/* gen_mis_test.c - the synthetic MIS exports (cli/gen_mis.h): same options,
 * same bytes (in memory and on disk); every export a CSV with its own
 * delimiter and the header's field count on every row; the encodings,
 * header languages and shapes present; the generator's name tables against
 * the reference tables; and answers.csv against a recount made here from
 * the exports' bytes alone (its own header, label and date reading, and the
 * counting rules of spec §6.2-6.5), which also finds every bad row where
 * the answers put it. The same recount checks the hand-made TV7 fixture
 * (tests/data/mis_tv7), whose values are also asserted as the spec states
 * them. */
#include <criterion/criterion.h>
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
} tfile_t;

typedef struct {
    tfile_t *f; /* exports */
    size_t n;
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

static lnob_gen_mis_t *s_gen(uint64_t seed, int municipalities, int persons)
{
    const lnob_gen_mis_opts_t o = {seed, YEAR, municipalities, persons, 0};
    lnob_gen_mis_t *g = lnob_gen_mis_new(&o, geo);
    cr_assert_not_null(g, "lnob_gen_mis_new failed");
    return g;
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
    t.n = lnob_gen_mis_count(g) - 1;
    t.f = lnob_calloc(t.n, sizeof *t.f);
    for (size_t i = 0; i < t.n; i++) {
        size_t len = 0;
        const char *d = lnob_gen_mis_data(g, i, &len);
        t.f[i].name = lnob_strdup(lnob_gen_mis_name(g, i));
        t.f[i].data = lnob_malloc(len + 1);
        memcpy(t.f[i].data, d, len);
        t.f[i].len = len;
    }
    cr_assert_str_eq(lnob_gen_mis_name(g, t.n), LNOB_GEN_MIS_ANSWERS);
    size_t len = 0;
    const char *a = lnob_gen_mis_data(g, t.n, &len);
    s_parse_answers(a, len, &t.answers);
    return t;
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
        t.n += !strcmp(s_cell(&t.answers, r, A_IND), "FILE");
    t.f = lnob_calloc(t.n ? t.n : 1, sizeof *t.f);
    for (size_t r = 1, k = 0; r < t.answers.n; r++) {
        if (strcmp(s_cell(&t.answers, r, A_IND), "FILE") != 0)
            continue;
        t.f[k].name = lnob_strdup(s_cell(&t.answers, r, A_FILE));
        snprintf(path, sizeof path, "%s%s", dir, t.f[k].name);
        t.f[k].data = tr_slurp(path, &t.f[k].len);
        k++;
    }
    return t;
}

static void s_set_free(tset_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->f[i].name);
        free(t->f[i].data);
    }
    free(t->f);
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
enum { C_ID, C_MUN, C_PN, C_SEX, C_BIRTH, C_SERVICE, C_GROUP, C_START, C_END, C_STATUS, C_N };
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
    {"Statusi", "Status", NULL}};
static const char *const s_sexes[2][LABELS] = {{"M", "Mashkull", "1"}, {"F", "Femër", "2"}};
enum { ST_ACTIVE, ST_CLOSED, ST_CANCELLED, ST_N };
static const char *const s_statuses[ST_N][LABELS] = {
    {"Aktiv", "Active", NULL}, {"Mbyllur", "Closed", NULL}, {"Anuluar", "Cancelled", NULL}};

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

/* One data row as read. */
typedef struct {
    char pn[32];
    int keyed, mun, service, group, sex, birth_year, cancelled;
    long start, end; /* yyyymmdd; end 0 when empty */
    size_t file;
    uint64_t line;
} trec_t;

typedef struct {
    trec_t *r;
    size_t n, cap;
    char **facts;
    size_t nfacts, facts_cap;
    int file_mun[LNOB_GEO_MUNICIPALITIES]; /* municipalities with a file */
    int *mun_of;                           /* per export, its municipality */
} recount_t;

static void s_fact(recount_t *rc, const char *s)
{
    lnob_grow((void **) &rc->facts, &rc->facts_cap, rc->nfacts + 1, sizeof *rc->facts);
    rc->facts[rc->nfacts++] = lnob_strdup(s);
}

/* Reads export fi; good rows to rc->r, bad rows as REJECT facts. */
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
    for (int c = C_MUN; c < C_N; c++)
        cr_assert_geq(col[c], 0, "%s: no column %s", f->name, s_columns[c][0]);
    const long fr = s_file_row(t, f->name);
    cr_assert_geq(fr, 0, "%s: no FILE row", f->name);
    const char *code = s_cell(&t->answers, (size_t) fr, A_MUN);
    const int file_mun = lnob_geo_by_code(geo, code, strlen(code));
    cr_assert_geq(file_mun, 0, "%s: FILE municipality %s", f->name, code);
    rc->file_mun[file_mun] = 1;
    rc->mun_of[fi] = file_mun;
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
        const int st = s_label(v[col[C_STATUS]], s_statuses, ST_N);
        cr_assert_geq(st, 0, "%s line %" PRIu64 ": status '%s'", f->name, row->line,
                      v[col[C_STATUS]]);
        x->cancelled = st == ST_CANCELLED;
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
} tcount_t;

static int s_pop(unsigned x)
{
    int n = 0;
    for (; x; x >>= 1)
        n += (int) (x & 1u);
    return n;
}

static void s_add_person(const trec_t *r, size_t n, int year, tcount_t *mun, tcount_t *nat)
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
    }
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
        s_add_person(rc->r + i, e - i, year, mun, &nat);
        i = e;
    }
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
    free(merged);
    free(rejected);
}

static void s_recount_free(recount_t *rc)
{
    for (size_t i = 0; i < rc->nfacts; i++)
        free(rc->facts[i]);
    free(rc->facts);
    free(rc->r);
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
        if (!strcmp(ind, "MIS_MUN33_PCT"))
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
                                       {SEED, YEAR, N_MUN, LNOB_GEN_MIS_PERSONS_MAX + 1, 0}};
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
