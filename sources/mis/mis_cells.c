/* mis_cells.c - service-coverage indicators of spec §6 (mis_cells.h). */
#include "mis_cells.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"
#include "mis_codes.h"

#define SMALL_CELL_MAX 4        /* 1-4 persons: SMALL_CELL (§6.6) */
#define KEY_COVERAGE_PCT 5      /* unkeyed share above this: KEY_COVERAGE_LOW (§6.3) */
#define SHARE3_SERVICES 3       /* §6.5: at least 3 services */
#define MUN33_PCT 33            /* the programme bar */
#define NSERV_GROUPS 5          /* mis_nserv groups 1, 2, 3, 4, 5+ */
#define AGE_ELD 65
#define AGE_CHI 17
#define MAX_SERVICES 64         /* services of one period (a bit each) */
/* A change naming more persons than this, and than half of all, is counted afresh: cheaper. */
#define RECOUNT_MIN 1024

/* Categories a person is counted in: the total, one sex, the vulnerable
 * groups (overlapping), one age group (§6.6). */
enum {
    CAT_TOTAL, CAT_F, CAT_M, CAT_SEX_UNKNOWN, CAT_DIS, CAT_RE, CAT_ROMA, CAT_EGY, CAT_ELD, CAT_VAW,
    CAT_CHI, CAT_AGE_0_17, CAT_AGE_18_64, CAT_AGE_65, CATS
};
static const char *const s_cat_value[CATS] = {
    "", "F", "M", "unknown", "DIS", "RE", "ROMA", "EGY", "ELD", "VAW", "CHI", "0-17", "18-64", "65+"};
static const int s_cat_kind[CATS] = {0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3}; /* total sex group age */

/* Breakdown names: [base][kind]; base 0 national, 1 service, 2 municipality,
 * 3 municipality and service. */
static const char *const s_bd[4][4] = {
    {"", "sex", "group", "age_group"},
    {"service", "service,sex", "service,group", "service,age_group"},
    {"municipality", "municipality,sex", "municipality,group", "municipality,age_group"},
    {"municipality,service", "municipality,service,sex", "municipality,service,group",
     "municipality,service,age_group"},
};

typedef struct {
    uint64_t c[CATS];
} counts_t;

/* A person: the attributes of §6.3 and the categories they give. */
typedef struct {
    uint32_t cats;      /* bit per CAT_* */
    int vulnerable;     /* in at least one group (§6.4) */
    uint64_t services;  /* services received anywhere (bit per service) */
    int32_t sex_start, birth_start; /* start of the record that gave sex, birth */
    const char *sex_rec, *birth_rec;
    uint32_t sex, flags;
    int32_t birth;
} person_t;

/* An active keyed record with its person (and its key's hash, s_key_hash). */
typedef struct {
    const lnob_mis_record_t *r;
    uint32_t person;
    uint64_t hash;
} rec_t;

typedef struct {
    lnob_cell_t *v;
    size_t n, cap;
} cells_t;

/* ---- activity and persons -------------------------------------------------- */

static int s_active(const lnob_mis_record_t *r, int year)
{
    int32_t ps = year * 10000 + 101, pe = year * 10000 + 1231;
    return r->status != LNOB_MIS_STATUS_CANCELLED && r->start <= pe && (r->end == 0 || r->end >= ps);
}

/* Record ids compare as numbers when both are, else as text (§6.3 ties). */
static int s_later_id(const char *a, const char *b)
{
    char *ea, *eb;
    long long x = strtoll(a, &ea, 10), y = strtoll(b, &eb, 10);
    if (*a && *b && !*ea && !*eb)
        return x > y;
    return strcmp(a, b) > 0;
}

/* r is a better source than the one kept (start, id): latest start, then
 * the largest record id. */
static int s_better(const lnob_mis_record_t *r, int32_t start, const char *id)
{
    return !id || r->start > start || (r->start == start && s_later_id(r->record_id, id));
}

static int s_age(int32_t birth, int year)
{
    int32_t pe = year * 10000 + 1231;
    return birth ? (pe - birth) / 10000 : -1; /* completed years at PE */
}

static uint32_t s_categories(const person_t *p, int year)
{
    int age = s_age(p->birth, year);
    uint32_t c = 1u << CAT_TOTAL;
    c |= 1u << (p->sex == 2 ? CAT_F : p->sex == 1 ? CAT_M : CAT_SEX_UNKNOWN);
    c |= (p->flags & LNOB_MIS_DIS ? 1u << CAT_DIS : 0);
    c |= (p->flags & (LNOB_MIS_ROMA | LNOB_MIS_EGY) ? 1u << CAT_RE : 0);
    c |= (p->flags & LNOB_MIS_ROMA ? 1u << CAT_ROMA : 0) | (p->flags & LNOB_MIS_EGY ? 1u << CAT_EGY : 0);
    c |= (age >= AGE_ELD ? 1u << CAT_ELD : 0);
    c |= (p->flags & LNOB_MIS_VAW && p->sex == 2 ? 1u << CAT_VAW : 0);
    c |= (age >= 0 && age <= AGE_CHI ? 1u << CAT_CHI : 0);
    if (age >= 0)
        c |= 1u << (age <= AGE_CHI ? CAT_AGE_0_17 : age < AGE_ELD ? CAT_AGE_18_64 : CAT_AGE_65);
    return c;
}

/* The categories that make a person vulnerable: VULN_GROUPS, or every group. */
static uint32_t s_vulnerable_mask(const lnob_mis_dims_t *d)
{
    uint32_t groups = 0;
    for (int k = CAT_DIS; k <= CAT_CHI; k++)
        groups |= 1u << k;
    return d->vulnerable ? d->vulnerable : groups;
}

int lnob_mis_vuln_mask(const char *list, uint32_t *mask)
{
    *mask = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        int k = lnob_mis_vuln_index(p, n); /* in the order of CAT_DIS .. CAT_CHI */
        if (k < 0)
            return -1;
        *mask |= 1u << (CAT_DIS + k);
        p += n + (p[n] == ',');
    }
    return 0;
}

/* Takes sex, birth date and flags of one person's active records (§6.3). */
static void s_attributes(person_t *p, const lnob_mis_record_t *r)
{
    if (r->sex != LNOB_MIS_SEX_UNKNOWN && r->sex && s_better(r, p->sex_start, p->sex_rec))
        p->sex = r->sex, p->sex_start = r->start, p->sex_rec = r->record_id;
    if (r->birth && s_better(r, p->birth_start, p->birth_rec))
        p->birth = r->birth, p->birth_start = r->start, p->birth_rec = r->record_id;
    p->flags |= r->flags;
    p->services |= 1ull << r->service;
}

/* ---- persons: keys interned, records grouped ------------------------------------- */

/* A person key's hash: SipHash-2-4 (libsodium's crypto_shorthash) of the
 * whole key under a key drawn for each count afresh (and kept with the
 * counts while a drop folder's rounds change them), so no sender can pick
 * keys that collide in the table below (a key is only checked to be 64 hex
 * digits). */
static uint64_t s_key_hash(const char *key, const unsigned char *secret)
{
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, (const unsigned char *) key, strlen(key), secret);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v;
}

/* Numbers the persons in the order their keys first appear in k
 * (k[i].person), through an open-addressing table of 2^bits slots indexed
 * by k[i].hash. */
static size_t s_intern(rec_t *k, size_t nk)
{
    int bits = 4;
    while (((size_t) 1 << bits) < 2 * nk)
        bits++;
    size_t mask = ((size_t) 1 << bits) - 1, np = 0;
    uint32_t *slot = lnob_malloc((mask + 1) * sizeof *slot); /* 1 + index into k of the person's first record */
    memset(slot, 0, (mask + 1) * sizeof *slot);
    for (size_t i = 0; i < nk; i++) {
        size_t at = (size_t) (k[i].hash >> (64 - bits));
        while (slot[at] && strcmp(k[slot[at] - 1].r->key, k[i].r->key) != 0)
            at = (at + 1) & mask;
        if (!slot[at]) {
            slot[at] = (uint32_t) i + 1;
            k[i].person = (uint32_t) np++;
        } else
            k[i].person = k[slot[at] - 1].person;
    }
    free(slot);
    return np;
}

/* k grouped by person, keeping the input order within a person (a
 * counting sort: stable); start[p] .. start[p + 1] is person p's run. */
static rec_t *s_group(const rec_t *k, size_t nk, size_t np, size_t **start)
{
    size_t *at = lnob_calloc(np + 1, sizeof *at);
    rec_t *g = lnob_malloc((nk ? nk : 1) * sizeof *g);
    for (size_t i = 0; i < nk; i++)
        at[k[i].person + 1]++;
    for (size_t p = 0; p < np; p++)
        at[p + 1] += at[p];
    *start = lnob_malloc((np + 1) * sizeof **start);
    memcpy(*start, at, (np + 1) * sizeof *at);
    for (size_t i = 0; i < nk; i++)
        g[at[k[i].person]++] = k[i];
    free(at);
    return g;
}

/* Sorts one person's records with cmp: insertion (stable) when few. */
static void s_sort_run(rec_t *v, size_t n, int (*cmp)(const void *, const void *))
{
    if (n > 16) {
        qsort(v, n, sizeof *v, cmp);
        return;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(&v[j - 1], &v[j]) > 0; j--) {
            rec_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* ---- cells ------------------------------------------------------------------ */

static lnob_cell_t *s_cell(cells_t *c, const char *indicator, const char *breakdown,
                           const char *group, double value, uint64_t n)
{
    lnob_grow((void **) &c->v, &c->cap, c->n + 1, sizeof *c->v);
    lnob_cell_t *cell = &c->v[c->n++];
    memset(cell, 0, sizeof *cell);
    cell->indicator = indicator;
    cell->breakdown = breakdown;
    snprintf(cell->group, sizeof cell->group, "%s", group);
    cell->has_value = 1;
    cell->value = value;
    cell->n = n;
    cell->weight = (double) n;
    cell->flag = LNOB_FLAG_OK;
    cell->diagnostic = n >= 1 && n <= SMALL_CELL_MAX ? "SMALL_CELL" : "";
    return cell;
}

/* The count cells of one place (base, names) for every category with persons. */
static void s_count_cells(cells_t *c, const char *indicator, int base, const char *names,
                          const counts_t *k, const char *diag)
{
    char group[LNOB_GROUP_MAX];
    for (int cat = 0; cat < CATS; cat++) {
        if (cat != CAT_TOTAL && k->c[cat] == 0)
            continue;
        int kind = s_cat_kind[cat];
        snprintf(group, sizeof group, "%s%s%s", names, *names && kind ? "," : "", s_cat_value[cat]);
        lnob_cell_t *cell = s_cell(c, indicator, s_bd[base][kind], group, (double) k->c[cat], k->c[cat]);
        if (cat == CAT_TOTAL && *diag)
            cell->diagnostic = diag;
    }
}

/* Adds a person's categories to k, times one: 1 to add, UINT64_MAX (-1)
 * to take away. The sums are unsigned and wrap, so a person taken away
 * leaves them exactly as they were before the person was added. */
static void s_add_cats(counts_t *k, uint32_t cats, uint64_t one)
{
    for (int cat = 0; cat < CATS; cat++)
        k->c[cat] += (cats >> cat & 1) * one;
}
/* ---- the counts ------------------------------------------------------------------ */

/* A keyed active entry of a needs-assessment register, by (key, m). */
typedef struct {
    const char *key;
    uint32_t mun;
    uint32_t vulnerable; /* the person is in MIS_SHARE3_REG[mun]'s denominator */
} reg_t;

typedef struct {
    const lnob_mis_dims_t *d;
    size_t M, S;
    counts_t *ms, *m, *s, all;        /* distinct persons per (m,s), m, s, national */
    uint64_t *records_ms, *unkeyed_ms, *records_m, *unkeyed_m;
    uint64_t *nserv;                  /* [m][NSERV_GROUPS] */
    uint64_t nserv_nat[NSERV_GROUPS];
    uint64_t *num3, *den3, num3_nat, den3_nat;
    /* needs-assessment registers: entries and unkeyed ones per m, vulnerable
     * persons on m's register, numerator persons of m who are not among them */
    uint64_t *reg_records, *reg_unkeyed, *reg_den, *reg_outside;
    reg_t *reg;                       /* keyed active entries, by (key, m) */
    size_t n_reg;
    /* the metadata's counts (lnob_mis_stats_t) */
    uint64_t persons, duplicates, active, unkeyed, register_active, register_persons;
} acc_t;

static void s_acc_init(acc_t *a, const lnob_mis_dims_t *d)
{
    memset(a, 0, sizeof *a);
    a->d = d;
    a->M = d->n_municipalities;
    a->S = d->n_services;
    a->ms = lnob_calloc(a->M * a->S, sizeof *a->ms);
    a->m = lnob_calloc(a->M, sizeof *a->m);
    a->s = lnob_calloc(a->S, sizeof *a->s);
    a->records_ms = lnob_calloc(a->M * a->S, sizeof *a->records_ms);
    a->unkeyed_ms = lnob_calloc(a->M * a->S, sizeof *a->unkeyed_ms);
    a->records_m = lnob_calloc(a->M, sizeof *a->records_m);
    a->unkeyed_m = lnob_calloc(a->M, sizeof *a->unkeyed_m);
    a->nserv = lnob_calloc(a->M * NSERV_GROUPS, sizeof *a->nserv);
    a->num3 = lnob_calloc(a->M, sizeof *a->num3);
    a->den3 = lnob_calloc(a->M, sizeof *a->den3);
    a->reg_records = lnob_calloc(a->M, sizeof *a->reg_records);
    a->reg_unkeyed = lnob_calloc(a->M, sizeof *a->reg_unkeyed);
    a->reg_den = lnob_calloc(a->M, sizeof *a->reg_den);
    a->reg_outside = lnob_calloc(a->M, sizeof *a->reg_outside);
}

static void s_acc_free(acc_t *a)
{
    free(a->ms), free(a->m), free(a->s);
    free(a->records_ms), free(a->unkeyed_ms), free(a->records_m), free(a->unkeyed_m);
    free(a->nserv), free(a->num3), free(a->den3);
    free(a->reg_records), free(a->reg_unkeyed), free(a->reg_den), free(a->reg_outside);
    free(a->reg);
}

/* What a record is to the counts. */
enum { REC_SKIP, REC_REGISTER, REC_UNKEYED, REC_KEYED };

static int s_kind(const acc_t *a, const lnob_mis_record_t *r)
{
    if (!s_active(r, a->d->year) || r->mun >= a->M || !r->mun)
        return REC_SKIP;
    if (r->assessed)
        return REC_REGISTER;
    if (r->service >= a->S || !r->service)
        return REC_SKIP;
    return !r->key || !*r->key ? REC_UNKEYED : REC_KEYED;
}

/* A counted record (REC_UNKEYED or REC_KEYED) in the counts per place, times one. */
static void s_count_record(acc_t *a, const lnob_mis_record_t *r, int kind, uint64_t one)
{
    size_t ms = r->mun * a->S + r->service;
    uint64_t unkeyed = (kind == REC_UNKEYED) * one;
    a->records_ms[ms] += one, a->records_m[r->mun] += one;
    a->unkeyed_ms[ms] += unkeyed, a->unkeyed_m[r->mun] += unkeyed;
    a->active += one;
    a->unkeyed += unkeyed;
}

static int s_by_m_s(const void *a, const void *b)
{
    const rec_t *x = a, *y = b;
    if (x->r->mun != y->r->mun)
        return x->r->mun < y->r->mun ? -1 : 1;
    return (x->r->service > y->r->service) - (x->r->service < y->r->service);
}

static int s_by_s_start(const void *a, const void *b)
{
    const rec_t *x = a, *y = b;
    if (x->r->service != y->r->service)
        return x->r->service < y->r->service ? -1 : 1;
    return (x->r->start > y->r->start) - (x->r->start < y->r->start);
}

/* One person's records v[0..n) sharing service and start date beyond the
 * first (§6.1 duplicates: counted once, reported in the metadata). */
static uint64_t s_duplicates(rec_t *v, size_t n)
{
    uint64_t dup = 0;
    s_sort_run(v, n, s_by_s_start);
    for (size_t i = 1; i < n; i++)
        dup += v[i].r->service == v[i - 1].r->service && v[i].r->start == v[i - 1].r->start;
    return dup;
}

/* ---- needs-assessment registers (§6.5 MIS_SHARE3_REG) ------------------------ */

static int s_by_key_mun(const void *a, const void *b)
{
    const rec_t *x = a, *y = b;
    int c = strcmp(x->r->key, y->r->key);
    return c ? c : (x->r->mun > y->r->mun) - (x->r->mun < y->r->mun);
}

static int s_reg_by_key_mun(const void *a, const void *b)
{
    const reg_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->mun > y->mun) - (x->mun < y->mun);
}

/* 1 if key is one of the vulnerable persons on m's register, the
 * denominator of MIS_SHARE3_REG[m]. */
static int s_in_register_share(const acc_t *a, const char *key, uint32_t m)
{
    reg_t want = {key, m, 0};
    const reg_t *hit = bsearch(&want, a->reg, a->n_reg, sizeof *a->reg, s_reg_by_key_mun);
    return hit && hit->vulnerable;
}

/* The vulnerable persons on each municipality's register. A person's
 * groups, sex and age come from their register entries alone (§6.3 rules
 * over those entries), so the denominator is what the assessments say. */
static void s_count_register(acc_t *a, rec_t *reg, size_t n)
{
    qsort(reg, n, sizeof *reg, s_by_key_mun);
    a->reg = lnob_malloc((n ? n : 1) * sizeof *a->reg);
    a->n_reg = n;
    for (size_t i = 0, j; i < n; i = j) {
        person_t p = {.sex = LNOB_MIS_SEX_UNKNOWN};
        for (j = i; j < n && !strcmp(reg[j].r->key, reg[i].r->key); j++)
            s_attributes(&p, reg[j].r);
        int vuln = (s_categories(&p, a->d->year) & s_vulnerable_mask(a->d)) != 0;
        for (size_t k = i; k < j; k++) {
            a->reg_den[reg[k].r->mun] += vuln && (k == i || reg[k].r->mun != reg[k - 1].r->mun);
            a->reg[k] = (reg_t){reg[k].r->key, reg[k].r->mun, (uint32_t) vuln};
        }
        a->register_persons++;
    }
}

/* ---- one person's share of the counts -------------------------------------------- */

/* Distinct persons per (m, s) and m, services per person in m, and the
 * share receiving 3 or more (§6.5), for one person's records v[0..n)
 * sorted by (m, s); the registers are reg's. */
static void s_places(acc_t *a, const acc_t *reg, const rec_t *v, size_t n, const person_t *p, uint64_t one)
{
    for (size_t i = 0; i < n;) {
        size_t j = i, nserv = 0;
        uint32_t m = v[i].r->mun;
        for (; j < n && v[j].r->mun == m; j++)
            if (j == i || v[j].r->service != v[j - 1].r->service) {
                s_add_cats(&a->ms[m * a->S + v[j].r->service], p->cats, one);
                nserv++;
            }
        s_add_cats(&a->m[m], p->cats, one);
        a->nserv[m * NSERV_GROUPS + (nserv > NSERV_GROUPS ? NSERV_GROUPS : nserv) - 1] += one;
        if (p->vulnerable) {
            int three = nserv >= SHARE3_SERVICES;
            a->den3[m] += one;
            a->num3[m] += (uint64_t) three * one;
            a->reg_outside[m] += (uint64_t) (three && reg->reg_records[m] &&
                                             !s_in_register_share(reg, v[i].r->key, m)) * one;
        }
        i = j;
    }
}

/* One person's share of the national counts: per service and overall,
 * services across all municipalities (§6.5 MIS_BEN_NAT, MIS_SHARE3_NAT). */
static void s_nation(acc_t *a, const person_t *p, uint64_t one)
{
    int nserv = __builtin_popcountll(p->services);
    for (size_t s = 1; s < a->S; s++)
        if (p->services >> s & 1)
            s_add_cats(&a->s[s], p->cats, one);
    s_add_cats(&a->all, p->cats, one);
    a->nserv_nat[(nserv > NSERV_GROUPS ? NSERV_GROUPS : nserv) - 1] += one;
    if (p->vulnerable) {
        a->den3_nat += one;
        a->num3_nat += (uint64_t) (nserv >= SHARE3_SERVICES) * one;
    }
}

/* One person's share of every count, times one (s_add_cats): attributes
 * from v[0..n) in input order (§6.3), then duplicates, places and nation.
 * v is reordered. */
static void s_person(acc_t *a, const acc_t *reg, rec_t *v, size_t n, uint64_t one)
{
    person_t p = {.sex = LNOB_MIS_SEX_UNKNOWN};
    for (size_t i = 0; i < n; i++)
        s_attributes(&p, v[i].r);
    p.cats = s_categories(&p, a->d->year);
    p.vulnerable = (p.cats & s_vulnerable_mask(a->d)) != 0;
    a->persons += one;
    a->duplicates += s_duplicates(v, n) * one;
    s_sort_run(v, n, s_by_m_s);
    s_places(a, reg, v, n, &p, one);
    s_nation(a, &p, one);
}

/* The persons of k[0..nk) (their keys' hashes set), each counted times one. */
static void s_persons(acc_t *a, const acc_t *reg, rec_t *k, size_t nk, uint64_t one)
{
    size_t *start;
    size_t np = s_intern(k, nk);
    rec_t *g = s_group(k, nk, np, &start);
    for (size_t p = 0; p < np; p++)
        s_person(a, reg, g + start[p], start[p + 1] - start[p], one);
    free(g);
    free(start);
}

static const char *s_coverage(uint64_t records, uint64_t unkeyed)
{
    return 100 * unkeyed > KEY_COVERAGE_PCT * records ? "KEY_COVERAGE_LOW" : "";
}

static void s_rate_cell(cells_t *c, const acc_t *a, const char *bd, const char *group, size_t m,
                        uint64_t ben)
{
    long pop = a->d->population ? a->d->population[m] : 0;
    lnob_cell_t *cell = s_cell(c, "mis_rate1000", bd, group, pop > 0 ? 1000.0 * (double) ben / (double) pop : 0, ben);
    cell->weight = (double) pop;
    if (pop <= 0) {
        cell->has_value = 0;
        cell->diagnostic = "NO_POPULATION";
    }
}

static void s_share_cell(cells_t *c, const char *bd, const char *group, uint64_t num, uint64_t den)
{
    lnob_cell_t *cell = s_cell(c, "mis_share3", bd, group, den ? 100.0 * (double) num / (double) den : 0, den);
    if (!den) {
        cell->has_value = 0;
        cell->diagnostic = "EMPTY_GROUP";
    }
}

/* MIS_SHARE3_REG[m]: MIS_SHARE3's numerator over the vulnerable persons
 * on m's register. */
static void s_share_reg_cell(cells_t *c, const acc_t *a, size_t m)
{
    uint64_t num = a->num3[m], den = a->reg_den[m];
    lnob_cell_t *cell = s_cell(c, "mis_share3_reg", "municipality", a->d->municipalities[m],
                               den ? 100.0 * (double) num / (double) den : 0, den);
    const char *coverage = s_coverage(a->reg_records[m], a->reg_unkeyed[m]);
    if (!den)
        cell->has_value = 0, cell->diagnostic = "EMPTY_GROUP";
    else if (a->reg_outside[m])
        cell->diagnostic = "NOT_ON_REGISTER";
    else if (*coverage)
        cell->diagnostic = coverage;
}

static void s_nserv_cells(cells_t *c, const char *bd, const char *names, const uint64_t *k)
{
    static const char *const label[NSERV_GROUPS] = {"1", "2", "3", "4", "5+"};
    char group[LNOB_GROUP_MAX];
    for (int i = 0; i < NSERV_GROUPS; i++)
        if (k[i]) {
            snprintf(group, sizeof group, "%s%s%s", names, *names ? "," : "", label[i]);
            s_cell(c, "mis_nserv", bd, group, (double) k[i], k[i]);
        }
}

/* mis_mun33 and its percentage against the reporting municipalities, all
 * 61 and the LNB targets (§6.5). Returns the reporting count. */
static uint64_t s_mun33_cells(cells_t *c, const acc_t *a)
{
    uint64_t meets = 0, reporting = 0, meets_target = 0;
    for (size_t m = 1; m < a->M; m++) {
        if (!a->den3[m])
            continue;
        reporting++;
        int ok = 100 * a->num3[m] >= (uint64_t) MUN33_PCT * a->den3[m];
        meets += ok;
        meets_target += ok && a->d->lnb_target && a->d->lnb_target[m];
    }
    s_cell(c, "mis_mun33", "", "", (double) meets, reporting)->diagnostic = "";
    struct { const char *base; uint64_t num, den; } pct[] = {
        {"reporting", meets, reporting}, {"all", meets, (uint64_t) a->d->n_all},
        {"lnb_targets", meets_target, (uint64_t) a->d->n_targets}};
    for (int i = 0; i < 3; i++) {
        lnob_cell_t *cell = s_cell(c, "mis_mun33_pct", "base", pct[i].base,
                                   pct[i].den ? 100.0 * (double) pct[i].num / (double) pct[i].den : 0,
                                   pct[i].den);
        cell->has_value = pct[i].den > 0;
        cell->diagnostic = pct[i].den ? "" : "EMPTY_GROUP";
    }
    return reporting;
}

static void s_emit(cells_t *c, const acc_t *a)
{
    const lnob_mis_dims_t *d = a->d;
    char names[LNOB_GROUP_MAX];
    s_count_cells(c, "mis_ben_all", 0, "", &a->all, "");
    for (size_t s = 1; s < a->S; s++)
        if (a->s[s].c[CAT_TOTAL])
            s_count_cells(c, "mis_ben", 1, d->services[s], &a->s[s], "");
    s_share_cell(c, "", "", a->num3_nat, a->den3_nat);
    s_nserv_cells(c, "nserv", "", a->nserv_nat);
    for (size_t m = 1; m < a->M; m++) {
        if (a->reg_records[m])
            s_share_reg_cell(c, a, m);
        if (!a->records_m[m])
            continue;
        s_count_cells(c, "mis_ben_all", 2, d->municipalities[m], &a->m[m],
                      s_coverage(a->records_m[m], a->unkeyed_m[m]));
        s_rate_cell(c, a, "municipality", d->municipalities[m], m, a->m[m].c[CAT_TOTAL]);
        s_share_cell(c, "municipality", d->municipalities[m], a->num3[m], a->den3[m]);
        s_nserv_cells(c, "municipality,nserv", d->municipalities[m], &a->nserv[m * NSERV_GROUPS]);
        for (size_t s = 1; s < a->S; s++) {
            size_t ms = m * a->S + s;
            if (!a->records_ms[ms])
                continue;
            snprintf(names, sizeof names, "%s,%s", d->municipalities[m], d->services[s]);
            s_count_cells(c, "mis_ben", 3, names, &a->ms[ms], s_coverage(a->records_ms[ms], a->unkeyed_ms[ms]));
            s_rate_cell(c, a, "municipality,service", names, m, a->ms[ms].c[CAT_TOTAL]);
        }
    }
}

/* Active records: each counted per place, keyed ones (with their person)
 * into k (their index into r in at[]), register entries into reg. */
static size_t s_collect(acc_t *a, const lnob_mis_record_t *r, size_t n, rec_t *k, size_t *at, rec_t *reg,
                        size_t *n_reg)
{
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        int kind = s_kind(a, &r[i]);
        if (kind == REC_REGISTER) {
            int unkeyed = !r[i].key || !*r[i].key;
            a->register_active++;
            a->reg_records[r[i].mun]++;
            a->reg_unkeyed[r[i].mun] += unkeyed;
            if (!unkeyed)
                reg[(*n_reg)++] = (rec_t){&r[i], 0, 0};
            continue;
        }
        if (kind == REC_SKIP)
            continue;
        s_count_record(a, &r[i], kind, 1);
        if (kind == REC_KEYED) {
            at[nk] = i;
            k[nk++] = (rec_t){&r[i], 0, 0};
        }
    }
    return nk;
}

/* ---- the persons in two halves, counted side by side ---------------------------- */

/* The persons whose key hash falls in one half, counted into counters of
 * their own: the halves hold disjoint persons, so their counts add up to
 * the whole exactly, whatever the order. */
typedef struct {
    const acc_t *shared;  /* the registers, read only */
    rec_t *k;             /* this half's keyed active records, in input order */
    size_t nk;
    uint64_t one;         /* each person counted times one (s_add_cats) */
    acc_t acc;
} half_t;

static void *s_count_half(void *arg)
{
    half_t *h = arg;
    s_persons(&h->acc, h->shared, h->k, h->nk, h->one);
    return NULL;
}

static void s_add_counts(counts_t *to, const counts_t *from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int cat = 0; cat < CATS; cat++)
            to[i].c[cat] += from[i].c[cat];
}

static void s_add_u64(uint64_t *to, const uint64_t *from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        to[i] += from[i];
}

/* Adds a half's person counts into a. */
static void s_acc_add(acc_t *a, const acc_t *h)
{
    s_add_counts(a->ms, h->ms, a->M * a->S);
    s_add_counts(a->m, h->m, a->M);
    s_add_counts(a->s, h->s, a->S);
    s_add_counts(&a->all, &h->all, 1);
    s_add_u64(a->nserv, h->nserv, a->M * NSERV_GROUPS);
    s_add_u64(a->nserv_nat, h->nserv_nat, NSERV_GROUPS);
    s_add_u64(a->num3, h->num3, a->M);
    s_add_u64(a->den3, h->den3, a->M);
    s_add_u64(a->reg_outside, h->reg_outside, a->M);
    a->num3_nat += h->num3_nat;
    a->den3_nat += h->den3_nat;
    a->persons += h->persons;
    a->duplicates += h->duplicates;
}

/* Counts the persons of k[0..nk) (hashes set) into a times one, in two
 * halves by key hash, the second in a thread of its own (in this one when
 * none can start). */
static void s_count_persons(acc_t *a, const rec_t *k, size_t nk, uint64_t one)
{
    half_t h[2] = {{.shared = a, .one = one}, {.shared = a, .one = one}};
    size_t in[2] = {0, 0};
    for (size_t i = 0; i < nk; i++)
        in[k[i].hash & 1]++; /* the table uses the top bits */
    for (int i = 0; i < 2; i++) {
        h[i].k = lnob_malloc((in[i] ? in[i] : 1) * sizeof *h[i].k);
        s_acc_init(&h[i].acc, a->d);
    }
    for (size_t i = 0; i < nk; i++) {
        half_t *to = &h[k[i].hash & 1];
        to->k[to->nk++] = k[i];
    }
    pthread_t th;
    int threaded = pthread_create(&th, NULL, s_count_half, &h[1]) == 0;
    s_count_half(&h[0]);
    if (threaded)
        pthread_join(th, NULL);
    else
        s_count_half(&h[1]);
    for (int i = 0; i < 2; i++) {
        s_acc_add(a, &h[i].acc);
        s_acc_free(&h[i].acc);
        free(h[i].k);
    }
}

/* ---- counts kept, and changed -------------------------------------------------- */

struct lnob_mis_counts {
    acc_t acc;
    unsigned char secret[crypto_shorthash_KEYBYTES]; /* the key hashes' (s_key_hash) */
    uint64_t *hash;       /* by record: its key's hash (keyed counted records only) */
    size_t n;             /* records counted from */
};

lnob_mis_counts_t *lnob_mis_counts_new(const lnob_mis_record_t *records, size_t n, const lnob_mis_dims_t *dims)
{
    if (dims->n_services > MAX_SERVICES)
        return NULL;
    if (sodium_init() < 0)
        abort();
    lnob_mis_counts_t *c = lnob_calloc(1, sizeof *c);
    randombytes_buf(c->secret, sizeof c->secret);
    c->n = n;
    c->hash = lnob_calloc(n ? n : 1, sizeof *c->hash);
    s_acc_init(&c->acc, dims);
    rec_t *k = lnob_malloc((n ? n : 1) * sizeof *k), *reg = lnob_malloc((n ? n : 1) * sizeof *reg);
    size_t *at = lnob_malloc((n ? n : 1) * sizeof *at);
    size_t n_reg = 0, nk = s_collect(&c->acc, records, n, k, at, reg, &n_reg);
    s_count_register(&c->acc, reg, n_reg);
    for (size_t i = 0; i < nk; i++) /* the hash once a record: the half, then the table's slot */
        c->hash[at[i]] = k[i].hash = s_key_hash(k[i].r->key, c->secret);
    s_count_persons(&c->acc, k, nk, 1);
    free(k);
    free(reg);
    free(at);
    return c;
}

void lnob_mis_counts_destroy(lnob_mis_counts_t **c_p)
{
    lnob_mis_counts_t *c = *c_p;
    if (!c)
        return;
    s_acc_free(&c->acc);
    free(c->hash);
    free(c);
    *c_p = NULL;
}

lnob_cell_t *lnob_mis_counts_cells(const lnob_mis_counts_t *c, lnob_mis_stats_t *stats, size_t *n_cells)
{
    const acc_t *a = &c->acc;
    cells_t cells = {0};
    *stats = (lnob_mis_stats_t){c->n, a->active, a->duplicates, a->unkeyed, a->persons, 0,
                                a->register_active, a->register_persons};
    stats->reporting = s_mun33_cells(&cells, a);
    s_emit(&cells, a);
    *n_cells = cells.n;
    return cells.v;
}

/* A set of key hashes: open addressing, kept at most half full; 0 stands
 * for itself beside the table. */
typedef struct {
    uint64_t *v;
    size_t mask, n;
    int zero;
} hashset_t;

static void s_set_init(hashset_t *h, size_t cap)
{
    memset(h, 0, sizeof *h);
    h->v = lnob_calloc(cap, sizeof *h->v);
    h->mask = cap - 1;
}

static size_t s_set_slot(const hashset_t *h, uint64_t x)
{
    size_t at = (size_t) (x >> 7) & h->mask;
    while (h->v[at] && h->v[at] != x)
        at = (at + 1) & h->mask;
    return at;
}

static int s_set_has(const hashset_t *h, uint64_t x)
{
    return x ? h->v[s_set_slot(h, x)] == x : h->zero;
}

static void s_set_add(hashset_t *h, uint64_t x)
{
    if (!x || s_set_has(h, x)) {
        h->zero |= !x;
        return;
    }
    if (2 * (h->n + 1) > h->mask + 1) {
        hashset_t bigger;
        s_set_init(&bigger, 2 * (h->mask + 1));
        bigger.zero = h->zero;
        for (size_t j = 0; j <= h->mask; j++)
            if (h->v[j])
                s_set_add(&bigger, h->v[j]);
        free(h->v);
        *h = bigger;
    }
    h->v[s_set_slot(h, x)] = x;
    h->n++;
}

/* The keyed counted records of r[0..n) whose key hash is in touched, each
 * counted times one as persons (every record of a person has the hash). */
static void s_recount(acc_t *a, const lnob_mis_record_t *r, const uint64_t *hash, size_t n,
                      const hashset_t *touched, uint64_t one)
{
    size_t nk = 0, cap = 0;
    rec_t *k = NULL;
    for (size_t i = 0; i < n; i++)
        if (s_set_has(touched, hash[i]) && s_kind(a, &r[i]) == REC_KEYED) {
            lnob_grow((void **) &k, &cap, nk + 1, sizeof *k);
            k[nk++] = (rec_t){&r[i], 0, hash[i]};
        }
    s_count_persons(a, k, nk, one);
    free(k);
}

/* Marks the records the spans keep: in old (from) or in cur (to). */
static uint8_t *s_kept(const lnob_mis_span_t *kept, size_t n_kept, size_t n, int cur)
{
    uint8_t *in = lnob_calloc(n ? n : 1, 1);
    for (size_t i = 0; i < n_kept; i++)
        memset(in + (cur ? kept[i].to : kept[i].from), 1, kept[i].n);
    return in;
}

/* A span is in range, and the records gone and added hold no register
 * entry (a register changes every person's MIS_SHARE3_REG standing). */
static int s_change_ok(const acc_t *a, const lnob_mis_record_t *old, const uint8_t *old_kept, size_t n_old,
                       const lnob_mis_record_t *cur, const uint8_t *cur_kept, size_t n_cur)
{
    for (size_t i = 0; i < n_old; i++)
        if (!old_kept[i] && s_kind(a, &old[i]) == REC_REGISTER)
            return 0;
    for (size_t i = 0; i < n_cur; i++)
        if (!cur_kept[i] && s_kind(a, &cur[i]) == REC_REGISTER)
            return 0;
    return 1;
}

/* The spans lie in range, in order and apart in both (the order of a
 * person's records decides ties, §6.3). */
static int s_spans_ok(const lnob_mis_span_t *kept, size_t n_kept, size_t n_old, size_t n_cur)
{
    for (size_t i = 0; i < n_kept; i++) {
        if (kept[i].from > n_old || kept[i].n > n_old - kept[i].from || kept[i].to > n_cur ||
            kept[i].n > n_cur - kept[i].to)
            return 0;
        if (i && (kept[i].from < kept[i - 1].from + kept[i - 1].n || kept[i].to < kept[i - 1].to + kept[i - 1].n))
            return 0;
    }
    return 1;
}

/* The records of r[0..n) the spans do not keep, counted per place times one. */
static void s_count_changed(acc_t *a, const lnob_mis_record_t *r, const uint8_t *kept, size_t n, uint64_t one)
{
    for (size_t i = 0; i < n; i++) {
        int kind = kept[i] ? REC_SKIP : s_kind(a, &r[i]);
        if (kind == REC_KEYED || kind == REC_UNKEYED)
            s_count_record(a, &r[i], kind, one);
    }
}

/* The persons the records of r[0..n) the spans do not keep name: their hashes into set. */
static void s_touch(hashset_t *set, const acc_t *a, const lnob_mis_record_t *r, const uint8_t *kept,
                    const uint64_t *hash, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!kept[i] && s_kind(a, &r[i]) == REC_KEYED)
            s_set_add(set, hash[i]);
}

/* The key hashes of cur's records: those the spans keep from c, the others made. */
static uint64_t *s_hashes(const lnob_mis_counts_t *c, const lnob_mis_record_t *cur, const uint8_t *kept, size_t n_cur,
                          const lnob_mis_span_t *spans, size_t n_spans)
{
    uint64_t *hash = lnob_calloc(n_cur ? n_cur : 1, sizeof *hash);
    for (size_t i = 0; i < n_spans; i++)
        memcpy(hash + spans[i].to, c->hash + spans[i].from, spans[i].n * sizeof *hash);
    for (size_t i = 0; i < n_cur; i++)
        if (!kept[i] && s_kind(&c->acc, &cur[i]) == REC_KEYED)
            hash[i] = s_key_hash(cur[i].key, c->secret);
    return hash;
}

/* dims frames the records as c's did: the same places, services, year and groups. */
static int s_same_frame(const acc_t *a, const lnob_mis_dims_t *dims)
{
    if (dims->n_municipalities != a->M || dims->n_services != a->S || dims->year != a->d->year ||
        dims->vulnerable != a->d->vulnerable)
        return 0;
    for (size_t s = 0; s < a->S; s++)
        if (strcmp(dims->services[s], a->d->services[s]) != 0)
            return 0;
    for (size_t m = 0; m < a->M; m++)
        if (strcmp(dims->municipalities[m], a->d->municipalities[m]) != 0)
            return 0;
    return 1;
}

int lnob_mis_count_change(lnob_mis_counts_t *c, const lnob_mis_record_t *old, size_t n_old,
                          const lnob_mis_record_t *cur, size_t n_cur, const lnob_mis_span_t *kept,
                          size_t n_kept, const lnob_mis_dims_t *dims)
{
    acc_t *a = &c->acc;
    if (n_old != c->n || !s_same_frame(a, dims) || !s_spans_ok(kept, n_kept, n_old, n_cur))
        return -1;
    uint8_t *old_kept = s_kept(kept, n_kept, n_old, 0), *cur_kept = s_kept(kept, n_kept, n_cur, 1);
    uint64_t *hash = NULL;
    hashset_t touched = {0}; /* the persons a record taken away or added names */
    int ok = s_change_ok(a, old, old_kept, n_old, cur, cur_kept, n_cur);
    if (ok) {
        hash = s_hashes(c, cur, cur_kept, n_cur, kept, n_kept);
        s_set_init(&touched, 64);
        s_touch(&touched, a, old, old_kept, c->hash, n_old);
        s_touch(&touched, a, cur, cur_kept, hash, n_cur);
        ok = touched.n <= RECOUNT_MIN || touched.n <= a->persons / 2; /* else afresh is cheaper */
    }
    if (ok) {
        s_recount(a, old, c->hash, n_old, &touched, UINT64_MAX); /* as they were: taken away */
        s_count_changed(a, old, old_kept, n_old, UINT64_MAX);
        a->d = dims;
        s_count_changed(a, cur, cur_kept, n_cur, 1);
        s_recount(a, cur, hash, n_cur, &touched, 1); /* as they are now */
        free(c->hash);
        c->hash = hash;
        hash = NULL;
        c->n = n_cur;
    }
    free(hash);
    free(touched.v);
    free(old_kept);
    free(cur_kept);
    return ok ? 0 : -1;
}

lnob_cell_t *lnob_mis_cells(const lnob_mis_record_t *records, size_t n,
                            const lnob_mis_dims_t *dims, lnob_mis_stats_t *stats, size_t *n_cells)
{
    memset(stats, 0, sizeof *stats);
    stats->records = n;
    *n_cells = 0;
    lnob_mis_counts_t *c = lnob_mis_counts_new(records, n, dims);
    if (!c)
        return NULL;
    lnob_cell_t *cells = lnob_mis_counts_cells(c, stats, n_cells);
    lnob_mis_counts_destroy(&c);
    return cells;
}
