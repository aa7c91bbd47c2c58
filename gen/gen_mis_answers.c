/* gen_mis_answers.c - the known answers of the synthetic MIS exports: the
 * values of spec §6.2-6.6 computed from the generator's own records
 * (gen_mis_model.h), written as answers.csv (format in gen_mis.h).
 *
 * The steps follow the spec in its order: drop rejected rows; set the
 * unkeyed rows aside (§6.3); merge records with the same person, service
 * and start date (issue #5); keep the active ones (§6.2: not cancelled,
 * start <= 31 Dec Y, end empty or >= 1 Jan Y); then per person the flags
 * of its active records, its age on 31 Dec Y and the services it has in
 * each municipality and nationally (§6.4, §6.5). The needs-assessment
 * registers' active entries give MIS_SHARE3_REG's denominators (their
 * persons' groups from those entries alone) and count nowhere else; the
 * numerator is MIS_SHARE3's. Nothing here reads the
 * exports' bytes, so the answers do not depend on any parser. Not for:
 * lnob's own MIS indicators (those belong to transform/). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_mis_model.h"
#include "lnob/mem.h"

#define S_PERCENT 100
#define S_BAR 33         /* MIS_MUN33: 100 num >= 33 den */
#define S_NSERV_MIN 3    /* MIS_SHARE3: at least this many services */
#define S_SMALL_MAX 4    /* SMALL_CELL: 1..4 persons (§6.6) */
#define S_AGE_ELDERLY 65
#define S_AGE_CHILD_MAX 17
#define S_SEX_MALE 1
#define S_SEX_FEMALE 2
#define S_LNB_TARGETS 32 /* LNB2 target municipalities (§6.5) */
#define S_VALUE_DIGITS 12

/* Breakdown cells of §6.6, in the order written. */
enum {
    C_SEX_F, C_SEX_M,
    C_DIS, C_RE, C_ROMA, C_EGY, C_ELD, C_VAW, C_CHI,
    C_AGE_CHILD, C_AGE_ADULT, C_AGE_ELDERLY,
    C_NCELLS
};
static const char *const s_cell_breakdown[C_NCELLS] = {
    "SEX", "SEX", "GROUP", "GROUP", "GROUP", "GROUP", "GROUP", "GROUP", "GROUP",
    "AGE_GROUP", "AGE_GROUP", "AGE_GROUP"};
static const char *const s_cell_category[C_NCELLS] = {
    "F", "M", "DIS", "RE", "ROMA", "EGY", "ELD", "VAW", "CHI", "0-17", "18-64", "65+"};

/* Person flags from the group column (spec §6.1). */
#define F_DIS 1u
#define F_ROMA 2u
#define F_EGY 4u
#define F_VAW 8u

typedef struct {
    long ben[LNOB_GEN_MIS_NSERVICES];
    long all;
    long cell[C_NCELLS];
    long num3, den3; /* MIS_SHARE3 */
    long unkeyed[LNOB_GEN_MIS_NSERVICES];
    int reg;         /* 1: the municipality has a register */
    long reg_den;    /* vulnerable persons on it */
    long reg_off;    /* persons of num3 not among its vulnerable persons */
} count_t;

/* An active keyed entry on a municipality's register: whose, where, and
 * the flags of its group. */
typedef struct {
    int32_t person;
    uint8_t slot;
    unsigned flags;
    int vulnerable;   /* by the groups of all the person's entries */
} listed_t;

typedef struct {
    const lnob_gen_mis_model_t *m;
    count_t *mun; /* per slot */
    count_t nat;
    long *merged, *rejected; /* per file */
    listed_t *listed;        /* sorted by person, slot */
    size_t nlisted;
    long reg_active, reg_persons; /* active register entries; persons on any register */
    int32_t ps, pe;          /* the period, in days */
} tally_t;

/* ---- Ordering the records. ---- */

/* The sort keys of one record, so that the comparisons need no context. */
typedef struct {
    int32_t person, start;
    uint32_t i, file;
    uint64_t line;
    uint8_t slot, service;
} sortkey_t;

static sortkey_t s_key(const lnob_gen_mis_rec_t *recs, size_t i)
{
    const lnob_gen_mis_rec_t *r = &recs[i];
    return (sortkey_t) {r->person, r->start, (uint32_t) i, r->file, r->line, r->slot, r->service};
}

#define S_CMP(a, b) (((a) > (b)) - ((a) < (b)))

/* (person, service, start), then index: the later copy is the one merged. */
static int s_dup_cmp(const void *a, const void *b)
{
    const sortkey_t *p = a, *q = b;
    int c = S_CMP(p->person, q->person);
    c = c ? c : S_CMP(p->service, q->service);
    c = c ? c : S_CMP(p->start, q->start);
    return c ? c : S_CMP(p->i, q->i);
}

/* 0 when two records are the same person, service and start date. */
static int s_dup_cmp_key(const sortkey_t *p, const sortkey_t *q)
{
    return p->person != q->person || p->service != q->service || p->start != q->start;
}

/* (person, municipality, service). */
static int s_person_cmp(const void *a, const void *b)
{
    const sortkey_t *p = a, *q = b;
    int c = S_CMP(p->person, q->person);
    c = c ? c : S_CMP(p->slot, q->slot);
    return c ? c : S_CMP(p->service, q->service);
}

/* (file, line). */
static int s_line_cmp(const void *a, const void *b)
{
    const sortkey_t *p = a, *q = b;
    const int c = S_CMP(p->file, q->file);
    return c ? c : S_CMP(p->line, q->line);
}

static int s_keyed(const lnob_gen_mis_rec_t *r)
{
    return r->kind == LNOB_GEN_MIS_GOOD || r->kind == LNOB_GEN_MIS_DUP_SAME_ID ||
           r->kind == LNOB_GEN_MIS_DUP_NEW_ID;
}

static int s_bad(const lnob_gen_mis_rec_t *r)
{
    return r->kind == LNOB_GEN_MIS_BAD_DATE || r->kind == LNOB_GEN_MIS_BAD_SERVICE ||
           r->kind == LNOB_GEN_MIS_BAD_MUN;
}

static int s_active(const tally_t *t, const lnob_gen_mis_rec_t *r)
{
    return r->status != LNOB_GEN_MIS_CANCELLED && r->start <= t->pe &&
           (r->end == LNOB_GEN_MIS_ONGOING || r->end >= t->ps);
}

/* ---- Counting. ---- */

static int s_popcount(unsigned x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* Which breakdown cells a person is in, and whether it is vulnerable. */
static int s_cells(const lnob_gen_mis_person_t *p, unsigned flags, int year, int in[C_NCELLS])
{
    int y, mo, d;
    lnob_gen_mis_civil(p->birth, &y, &mo, &d);
    const int age = year - y; /* completed years on 31 December (§6.3) */
    memset(in, 0, sizeof(int) * C_NCELLS);
    in[C_SEX_F] = p->sex == S_SEX_FEMALE;
    in[C_SEX_M] = p->sex == S_SEX_MALE;
    in[C_DIS] = (flags & F_DIS) != 0;
    in[C_ROMA] = (flags & F_ROMA) != 0;
    in[C_EGY] = (flags & F_EGY) != 0;
    in[C_RE] = in[C_ROMA] || in[C_EGY];
    in[C_ELD] = age >= S_AGE_ELDERLY;
    in[C_VAW] = (flags & F_VAW) != 0 && p->sex == S_SEX_FEMALE;
    in[C_CHI] = age <= S_AGE_CHILD_MAX;
    in[C_AGE_CHILD] = age <= S_AGE_CHILD_MAX;
    in[C_AGE_ELDERLY] = age >= S_AGE_ELDERLY;
    in[C_AGE_ADULT] = !in[C_AGE_CHILD] && !in[C_AGE_ELDERLY];
    return in[C_DIS] || in[C_RE] || in[C_ELD] || in[C_VAW] || in[C_CHI];
}

static unsigned s_flag_of(int category)
{
    switch (category) {
    case LNOB_GEN_MIS_DIS: return F_DIS;
    case LNOB_GEN_MIS_ROMA: return F_ROMA;
    case LNOB_GEN_MIS_EGY: return F_EGY;
    case LNOB_GEN_MIS_VAW: return F_VAW;
    default: return 0;
    }
}

static int s_listed_cmp(const void *a, const void *b)
{
    const listed_t *p = a, *q = b;
    const int c = S_CMP(p->person, q->person);
    return c ? c : S_CMP(p->slot, q->slot);
}

/* 1 if person is one of the vulnerable persons on slot's register (the
 * denominator of MIS_SHARE3_REG). */
static int s_in_register_share(const tally_t *t, int32_t person, uint8_t slot)
{
    const listed_t key = {person, slot, 0, 0};
    const listed_t *hit = bsearch(&key, t->listed, t->nlisted, sizeof key, s_listed_cmp);
    return hit && hit->vulnerable;
}

/* The active register entries counted; the keyed ones listed, by person
 * and slot. */
static void s_list_entries(tally_t *t)
{
    const lnob_gen_mis_model_t *m = t->m;
    t->listed = lnob_calloc(m->nentries ? m->nentries : 1, sizeof *t->listed);
    for (size_t i = 0; i < m->nentries; i++) {
        const lnob_gen_mis_rec_t *e = &m->entries[i];
        if (!s_active(t, e))
            continue;
        t->reg_active++;
        if (s_keyed(e))
            t->listed[t->nlisted++] =
                (listed_t) {e->person, e->slot, s_flag_of(e->category), 0};
    }
    qsort(t->listed, t->nlisted, sizeof *t->listed, s_listed_cmp);
}

/* The registers: per person, vulnerable by the groups of all their active
 * keyed entries (on any register), their sex and age; each register's
 * distinct vulnerable persons. */
static void s_tally_registers(tally_t *t)
{
    const lnob_gen_mis_model_t *m = t->m;
    for (size_t f = 0; f < m->nfiles; f++)
        t->mun[m->files[f].slot].reg |= m->files[f].is_register;
    s_list_entries(t);
    for (size_t i = 0, j; i < t->nlisted; i = j) {
        unsigned flags = 0;
        for (j = i; j < t->nlisted && t->listed[j].person == t->listed[i].person; j++)
            flags |= t->listed[j].flags;
        int in[C_NCELLS];
        const int vulnerable = s_cells(&m->persons[t->listed[i].person], flags, m->year, in);
        for (size_t k = i; k < j; k++) {
            if (k == i || t->listed[k].slot != t->listed[k - 1].slot)
                t->mun[t->listed[k].slot].reg_den += vulnerable;
            t->listed[k].vulnerable = vulnerable;
        }
        t->reg_persons++;
    }
}

/* One person's persons-level contribution: its active records are
 * act[0..n), sorted by municipality then service. */
static void s_count_person(tally_t *t, const sortkey_t *act, size_t n)
{
    const lnob_gen_mis_rec_t *recs = t->m->recs;
    unsigned flags = 0, nat_mask = 0;
    for (size_t i = 0; i < n; i++) {
        flags |= s_flag_of(recs[act[i].i].category);
        nat_mask |= 1u << act[i].service;
    }
    int in[C_NCELLS];
    const int vulnerable = s_cells(&t->m->persons[act[0].person], flags, t->m->year, in);
    for (size_t i = 0; i < n;) {
        count_t *c = &t->mun[act[i].slot];
        unsigned mask = 0;
        const uint8_t slot = act[i].slot;
        for (; i < n && act[i].slot == slot; i++)
            mask |= 1u << act[i].service;
        for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
            c->ben[s] += (mask >> s) & 1u;
        c->all++;
        for (int k = 0; k < C_NCELLS; k++)
            c->cell[k] += in[k];
        c->den3 += vulnerable;
        const int num = vulnerable && s_popcount(mask) >= S_NSERV_MIN;
        c->num3 += num;
        c->reg_off += num && c->reg && !s_in_register_share(t, act[0].person, slot);
    }
    for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
        t->nat.ben[s] += (nat_mask >> s) & 1u;
    t->nat.all++;
    for (int k = 0; k < C_NCELLS; k++)
        t->nat.cell[k] += in[k];
    t->nat.den3 += vulnerable;
    t->nat.num3 += vulnerable && s_popcount(nat_mask) >= S_NSERV_MIN;
}

static void s_tally(tally_t *t)
{
    const lnob_gen_mis_model_t *m = t->m;
    sortkey_t *k = lnob_calloc(m->nrecs ? m->nrecs : 1, sizeof *k);
    size_t n = 0;
    for (size_t i = 0; i < m->nrecs; i++) {
        const lnob_gen_mis_rec_t *r = &m->recs[i];
        if (s_bad(r))
            t->rejected[r->file]++;
        else if (!s_keyed(r))
            t->mun[r->slot].unkeyed[r->service]++;
        else
            k[n++] = s_key(m->recs, i);
    }
    qsort(k, n, sizeof *k, s_dup_cmp);
    size_t na = 0;
    for (size_t j = 0; j < n; j++) {
        if (j > 0 && !s_dup_cmp_key(&k[j - 1], &k[j])) {
            t->merged[k[j].file]++;
            continue;
        }
        if (s_active(t, &m->recs[k[j].i]))
            k[na++] = k[j];
    }
    qsort(k, na, sizeof *k, s_person_cmp);
    for (size_t j = 0; j < na;) {
        size_t e = j;
        while (e < na && k[e].person == k[j].person)
            e++;
        s_count_person(t, k + j, e - j);
        j = e;
    }
    free(k);
}

/* ---- Output. ---- */

typedef struct {
    const char *indicator, *mun, *service, *breakdown, *category, *file;
    uint64_t line;  /* 0: empty */
    long value;
    long num, den;  /* den 0: a count, no ratio */
    const char *detail;
} row_t;

static void s_put(FILE *out, const row_t *r)
{
    fprintf(out, "%s,%s,%s,%s,%s,%s,", r->indicator, r->mun ? r->mun : "",
            r->service ? r->service : "", r->breakdown ? r->breakdown : "",
            r->category ? r->category : "", r->file ? r->file : "");
    if (r->line)
        fprintf(out, "%" PRIu64, r->line);
    if (r->den > 0)
        fprintf(out, ",%.*g,%ld,%ld,", S_VALUE_DIGITS,
                (double) S_PERCENT * (double) r->num / (double) r->den, r->num, r->den);
    else
        fprintf(out, ",%ld,,,", r->value);
    fprintf(out, "%s\n", r->detail ? r->detail : "");
}

/* A person count: detail SMALL_CELL when 1..4. */
static void s_count(FILE *out, row_t r)
{
    if (r.value >= 1 && r.value <= S_SMALL_MAX)
        r.detail = "SMALL_CELL";
    s_put(out, &r);
}

static void s_breakdowns(FILE *out, const char *indicator, const char *mun, const count_t *c)
{
    for (int k = 0; k < C_NCELLS; k++)
        if (c->cell[k] > 0)
            s_count(out, (row_t) {.indicator = indicator, .mun = mun,
                                  .breakdown = s_cell_breakdown[k],
                                  .category = s_cell_category[k], .value = c->cell[k]});
}

/* With registers: the active entries and the persons on any register. */
static void s_write_register_totals(FILE *out, const tally_t *t)
{
    int any = 0;
    for (size_t f = 0; f < t->m->nfiles; f++)
        any |= t->m->files[f].is_register;
    if (!any)
        return;
    s_put(out, &(row_t) {.indicator = "REGISTER_ENTRIES_ACTIVE", .value = t->reg_active});
    s_put(out, &(row_t) {.indicator = "REGISTER_PERSONS", .value = t->reg_persons});
}

static void s_write(FILE *out, const tally_t *t)
{
    const lnob_gen_mis_model_t *m = t->m;
    fputs("indicator,municipality,service,breakdown,category,file,line,value,numerator,"
          "denominator,detail\n", out);
    s_put(out, &(row_t) {.indicator = "PERIOD", .value = m->year});
    for (size_t f = 0; f < m->nfiles; f++)
        s_put(out, &(row_t) {.indicator = "FILE", .mun = m->mun[m->files[f].slot]->code,
                             .file = m->files[f].path, .value = (long) m->files[f].rows,
                             .detail = m->files[f].shape});
    for (size_t k = 0; k < m->nslots; k++)
        for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
            if (t->mun[k].ben[s] > 0)
                s_count(out, (row_t) {.indicator = "MIS_BEN", .mun = m->mun[k]->code,
                                      .service = lnob_gen_mis_service_code[s],
                                      .value = t->mun[k].ben[s]});
    unsigned char *has_file = lnob_calloc(m->nslots ? m->nslots : 1, 1);
    for (size_t f = 0; f < m->nfiles; f++)
        has_file[m->files[f].slot] |= !m->files[f].is_register;
    for (size_t k = 0; k < m->nslots; k++)
        if (has_file[k])
            s_count(out, (row_t) {.indicator = "MIS_BEN_ALL", .mun = m->mun[k]->code,
                                  .value = t->mun[k].all});
    free(has_file);
    for (size_t k = 0; k < m->nslots; k++)
        s_breakdowns(out, "MIS_BEN_ALL", m->mun[k]->code, &t->mun[k]);
    for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
        if (t->nat.ben[s] > 0)
            s_count(out, (row_t) {.indicator = "MIS_BEN_NAT",
                                  .service = lnob_gen_mis_service_code[s],
                                  .value = t->nat.ben[s]});
    s_count(out, (row_t) {.indicator = "MIS_BEN_ALL_NAT", .value = t->nat.all});
    s_breakdowns(out, "MIS_BEN_ALL_NAT", NULL, &t->nat);

    long meet = 0, meet_lnb = 0, reporting = 0;
    for (size_t k = 0; k < m->nslots; k++) {
        const count_t *c = &t->mun[k];
        if (c->den3 < 1)
            continue;
        s_put(out, &(row_t) {.indicator = "MIS_SHARE3", .mun = m->mun[k]->code, .num = c->num3,
                             .den = c->den3});
        reporting++;
        if ((long) S_PERCENT * c->num3 >= (long) S_BAR * c->den3) {
            meet++;
            meet_lnb += m->mun[k]->lnb_target != 0;
        }
    }
    if (t->nat.den3 > 0)
        s_put(out, &(row_t) {.indicator = "MIS_SHARE3_NAT", .num = t->nat.num3,
                             .den = t->nat.den3});
    s_put(out, &(row_t) {.indicator = "MIS_MUN33", .value = meet});
    if (reporting > 0)
        s_put(out, &(row_t) {.indicator = "MIS_MUN33_PCT", .num = meet, .den = reporting,
                             .detail = "reporting"});
    s_put(out, &(row_t) {.indicator = "MIS_MUN33_PCT", .num = meet,
                         .den = LNOB_GEO_MUNICIPALITIES, .detail = "all"});
    s_put(out, &(row_t) {.indicator = "MIS_MUN33_PCT", .num = meet_lnb, .den = S_LNB_TARGETS,
                         .detail = "lnb"});
    for (size_t k = 0; k < m->nslots; k++) {
        const count_t *c = &t->mun[k];
        if (c->reg && c->reg_den > 0)
            s_put(out, &(row_t) {.indicator = "MIS_SHARE3_REG", .mun = m->mun[k]->code,
                                 .num = c->num3, .den = c->reg_den,
                                 .detail = c->reg_off ? "NOT_ON_REGISTER" : NULL});
    }

    long unkeyed = 0, merged = 0, rejected = 0;
    for (size_t k = 0; k < m->nslots; k++)
        for (int s = 0; s < LNOB_GEN_MIS_NSERVICES; s++)
            if (t->mun[k].unkeyed[s] > 0) {
                s_put(out, &(row_t) {.indicator = "UNKEYED_RECORDS", .mun = m->mun[k]->code,
                                     .service = lnob_gen_mis_service_code[s],
                                     .value = t->mun[k].unkeyed[s]});
                unkeyed += t->mun[k].unkeyed[s];
            }
    s_put(out, &(row_t) {.indicator = "UNKEYED_RECORDS", .value = unkeyed});
    for (size_t f = 0; f < m->nfiles; f++)
        if (t->merged[f] > 0) {
            s_put(out, &(row_t) {.indicator = "DUPLICATES_MERGED",
                                 .mun = m->mun[m->files[f].slot]->code,
                                 .file = m->files[f].path, .value = t->merged[f]});
            merged += t->merged[f];
        }
    s_put(out, &(row_t) {.indicator = "DUPLICATES_MERGED", .value = merged});
    for (size_t f = 0; f < m->nfiles; f++)
        if (t->rejected[f] > 0) {
            s_put(out, &(row_t) {.indicator = "REJECTED", .mun = m->mun[m->files[f].slot]->code,
                                 .file = m->files[f].path, .value = t->rejected[f]});
            rejected += t->rejected[f];
        }
    s_put(out, &(row_t) {.indicator = "REJECTED", .value = rejected});
    s_write_register_totals(out, t);
}

static const char *s_reason(int kind)
{
    switch (kind) {
    case LNOB_GEN_MIS_BAD_DATE: return "BAD_DATE";
    case LNOB_GEN_MIS_BAD_SERVICE: return "UNKNOWN_SERVICE";
    default: return "UNKNOWN_MUNICIPALITY";
    }
}

static void s_write_rejects(FILE *out, const lnob_gen_mis_model_t *m)
{
    sortkey_t *k = lnob_calloc(m->nrecs ? m->nrecs : 1, sizeof *k);
    size_t n = 0;
    for (size_t i = 0; i < m->nrecs; i++)
        if (s_bad(&m->recs[i]))
            k[n++] = s_key(m->recs, i);
    qsort(k, n, sizeof *k, s_line_cmp);
    for (size_t j = 0; j < n; j++) {
        const lnob_gen_mis_file_t *f = &m->files[k[j].file];
        s_put(out, &(row_t) {.indicator = "REJECT", .mun = m->mun[f->slot]->code,
                             .file = f->path, .line = k[j].line, .value = 1,
                             .detail = s_reason(m->recs[k[j].i].kind)});
    }
    free(k);
}

int lnob_gen_mis_answers(FILE *out, const lnob_gen_mis_model_t *model)
{
    tally_t t = {.m = model};
    t.mun = lnob_calloc(model->nslots ? model->nslots : 1, sizeof *t.mun);
    t.merged = lnob_calloc(model->nfiles ? model->nfiles : 1, sizeof *t.merged);
    t.rejected = lnob_calloc(model->nfiles ? model->nfiles : 1, sizeof *t.rejected);
    t.ps = lnob_gen_mis_days(model->year, 1, 1);
    t.pe = lnob_gen_mis_days(model->year, 12, 31);
    s_tally_registers(&t);
    s_tally(&t);
    s_write(out, &t);
    s_write_rejects(out, model);
    free(t.listed);
    free(t.mun);
    free(t.merged);
    free(t.rejected);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
