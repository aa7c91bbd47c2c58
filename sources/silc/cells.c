/* cells.c - national and breakdown indicator cells from sorted persons (cells.h). */
#include "cells.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breakdowns.h"
#include "lnob/mem.h"
#include "lnob/pair.h"

#define MEDIAN_PERCENT 50
#define NONRESPONSE_PCT 0.0 /* HY020 is fully imputed (spec §5.3) */
#define ARPT_2A2C_FACTOR 2.1 /* ARPT60 of 2 adults + 2 children under 14 (§2.2) */

/* The poverty thresholds of §2.2, k % of the national median; the first is
 * the headline ARPT60 that RMPG and AROPE use. */
enum { HEADLINE, THRESHOLDS = 4 };
static const struct {
    int k;
    const char *arpt, *arpr;
} s_thresholds[THRESHOLDS] = {
    {60, "arpt", "arpr"}, {40, "arpt40", "arpr40"}, {50, "arpt50", "arpr50"}, {70, "arpt70", "arpr70"}};

typedef struct {
    lnob_cell_t *v;
    size_t n, cap;
} cells_t;

/* One group's columns, in national order: the first n have an income. */
typedef struct {
    double *x;
    int64_t *w;
    size_t n;              /* persons with an income (x not NaN) */
    int64_t W;             /* their weight */
    const lnob_person_t *const *p; /* every person of the group, n_all */
    size_t n_all;
    const struct status_sums *sums; /* its status sums (when the extract has statuses) */
} group_t;

/* What every group's rates need from the whole extract. */
typedef struct {
    double arpt[THRESHOLDS]; /* national, in s_thresholds order */
    double nr13_pct;       /* national share of persons missing one of the 13 SMSD items (§5.3) */
    double nr9_pct;        /* ... one of the 9 old items */
    uint32_t have;
    int lack9_missing;     /* the 9 old items are not all collected */
} ctx_t;

/* ---- BOTTOM_CODE_ZERO (spec §1.7) ---------------------------------------- */

/* Every id whose value comes from x: the thresholds and the income
 * distribution, the poverty rates, and AROPE with its seven parts and the
 * Europe-2020 AROPE, whose AROP60 component is x < ARPT60 (each part, "SMSD
 * only" too, says whether the person is AROP). Not here: smsd, msd, md,
 * smd, smsd_items, lwi, lwi_2020 (no income in them). */
#define BC0(id) {id, id LNOB_BC0_SUFFIX}
static const char *const s_income_ids[][2] = {
    BC0("arpt"), BC0("arpt40"), BC0("arpt50"), BC0("arpt70"), BC0("arpt_2a2c"),
    BC0("median"), BC0("mean"), BC0("arpr"), BC0("arpr40"), BC0("arpr50"), BC0("arpr70"),
    BC0("rmpg"), BC0("gini"), BC0("qsr"), BC0("arope"), BC0("arope_arop_only"),
    BC0("arope_smsd_only"), BC0("arope_arop_smsd"), BC0("arope_lwi_only"), BC0("arope_arop_lwi"),
    BC0("arope_smsd_lwi"), BC0("arope_all_three"), BC0("arope_2020")};

const char *lnob_cells_bc0_id(const char *id)
{
    for (size_t i = 0; i < sizeof s_income_ids / sizeof s_income_ids[0]; i++)
        if (!strcmp(s_income_ids[i][0], id))
            return s_income_ids[i][1];
    return id;
}

/* The persons as the indicators see them with BOTTOM_CODE_ZERO: a copy in
 * which x < 0 is 0 (a missing x stays NaN). The map is monotone, so the
 * copy is still sorted by x. Owned (free()). */
static lnob_person_t *s_bottom_coded(const lnob_person_t *p, size_t n)
{
    lnob_person_t *q = lnob_malloc((n ? n : 1) * sizeof *q);
    for (size_t i = 0; i < n; i++) {
        q[i] = p[i];
        if (q[i].x < 0)
            q[i].x = 0.0;
    }
    return q;
}

static lnob_cell_t *s_add(cells_t *c, const char *indicator, const char *dim, const char *group,
                          const group_t *g)
{
    lnob_grow((void **) &c->v, &c->cap, c->n + 1, sizeof *c->v);
    lnob_cell_t *cell = &c->v[c->n++];
    memset(cell, 0, sizeof *cell);
    cell->indicator = indicator;
    cell->breakdown = dim;
    snprintf(cell->group, sizeof cell->group, "%s", group);
    cell->n = g->n;
    cell->weight = (double) g->W / LNOB_WEIGHT_SCALE;
    cell->flag = lnob_ind_flag(g->n, NONRESPONSE_PCT);
    cell->diagnostic = "";
    return cell;
}

static void s_set(lnob_cell_t *cell, int ok, double value, const char *diag_if_undefined)
{
    cell->has_value = ok;
    cell->value = ok ? value : 0.0;
    if (!ok) {
        cell->flag = LNOB_FLAG_SUPPRESS;
        cell->diagnostic = diag_if_undefined;
    }
}

/* A percentage cell: 100 * num / den over n persons (weights in 1e-5). */
static void s_share(cells_t *c, const char *indicator, const char *dim, const char *name,
                    const group_t *g, uint64_t n, int64_t num, int64_t den, double nr_pct)
{
    lnob_cell_t *cell = s_add(c, indicator, dim, name, g);
    cell->n = n;
    cell->weight = (double) den / LNOB_WEIGHT_SCALE;
    cell->flag = lnob_ind_flag(n, nr_pct);
    s_set(cell, den > 0, den > 0 ? 100.0 * (double) num / (double) den : 0, "EMPTY_GROUP");
}

/* AROPE's components of a person: bit 1 AROP60, 2 SMSD (or SMD), 4 LWI;
 * -1 when AROPE is missing (none is 1 and the income is missing, §4.4). */
static int s_parts(const lnob_person_t *p, const ctx_t *x, int old)
{
    int arop = !isnan(p->x) && p->x < x->arpt[HEADLINE];
    int dep = old ? p->lack9 >= 4 : p->lack13 >= 7;
    int lwi = (old ? p->lwi2020 : p->lwi) == 1;
    int parts = arop | dep << 1 | lwi << 2;
    return parts == 0 && isnan(p->x) ? -1 : parts;
}

/* The seven disjoint intersections of AROPE's components (§4.4). */
static const char *const s_part_names[8] = {
    "", "arope_arop_only", "arope_smsd_only", "arope_arop_smsd", "arope_lwi_only",
    "arope_arop_lwi", "arope_smsd_lwi", "arope_all_three"};

/* A weighted count: persons and their weight (1e-5 units). */
typedef struct {
    uint64_t n;
    int64_t w;
} count_t;

static void s_count(count_t *c, const count_t *add)
{
    c->n += add->n;
    c->w += add->w;
}

/* Numerators and denominators of every status rate of a group, summed in
 * one pass over its persons (integers: the order does not matter). */
typedef struct status_sums {
    count_t all, smsd, msd, md, smd;
    count_t lwi_pop, lwi, lwi2020_pop, lwi2020;
    count_t arope_pop, part[8];     /* part[k]: persons whose components are k */
    count_t arope2020_pop, arope2020;
} status_sums_t;

/* A person's statuses as bits, computed once per extract (they need the
 * national ARPT60), so that each cut only adds them up. */
enum {
    F_SMSD = 1 << 0, F_MSD = 1 << 1, F_MD = 1 << 2, F_SMD = 1 << 3, F_LWI_POP = 1 << 4,
    F_LWI = 1 << 5, F_LWI2020_POP = 1 << 6, F_LWI2020 = 1 << 7, F_AROPE_POP = 1 << 8,
    F_AROPE2020_POP = 1 << 9, F_AROPE2020 = 1 << 10, F_PARTS_SHIFT = 11 /* 3 bits */
};

static uint16_t s_flags(const lnob_person_t *p, const ctx_t *x)
{
    int parts = s_parts(p, x, 0), old = s_parts(p, x, 1);
    unsigned f = (p->lack13 >= 7) * F_SMSD | (p->lack13 >= 5) * F_MSD | (p->lack9 >= 3) * F_MD |
                 (p->lack9 >= 4) * F_SMD | (p->lwi >= 0) * F_LWI_POP | (p->lwi == 1) * F_LWI |
                 (p->lwi2020 >= 0) * F_LWI2020_POP | (p->lwi2020 == 1) * F_LWI2020 |
                 (parts >= 0) * F_AROPE_POP | (old >= 0) * F_AROPE2020_POP | (old > 0) * F_AROPE2020;
    return (uint16_t) (f | (unsigned) (parts > 0 ? parts : 0) << F_PARTS_SHIFT);
}

/* Adds persons k (their number and weight) whose statuses are f. */
static void s_status_add(status_sums_t *t, unsigned f, const count_t *k)
{
    s_count(&t->all, k);
    if (f & F_SMSD)
        s_count(&t->smsd, k);
    if (f & F_MSD)
        s_count(&t->msd, k);
    if (f & F_MD)
        s_count(&t->md, k);
    if (f & F_SMD)
        s_count(&t->smd, k);
    if (f & F_LWI_POP)
        s_count(&t->lwi_pop, k);
    if (f & F_LWI)
        s_count(&t->lwi, k);
    if (f & F_LWI2020_POP)
        s_count(&t->lwi2020_pop, k);
    if (f & F_LWI2020)
        s_count(&t->lwi2020, k);
    if (f & F_AROPE_POP) {
        s_count(&t->arope_pop, k);
        s_count(&t->part[f >> F_PARTS_SHIFT & 7], k);
    }
    if (f & F_AROPE2020_POP)
        s_count(&t->arope2020_pop, k);
    if (f & F_AROPE2020)
        s_count(&t->arope2020, k);
}

static void s_rate(cells_t *c, const char *indicator, const char *dim, const char *name,
                   const group_t *g, const count_t *pop, const count_t *yes, double nr_pct)
{
    s_share(c, indicator, dim, name, g, pop->n, yes->w, pop->w, nr_pct);
}

/* Deprivation, LWI and AROPE rates of a group, for what the extract has. */
static void s_status_cells(cells_t *c, const char *dim, const char *name, const group_t *g,
                           const ctx_t *x)
{
    if (!(x->have & (LNOB_HAVE_DEP13 | LNOB_HAVE_DEP9 | LNOB_HAVE_WI)))
        return;
    const status_sums_t t = *g->sums;
    double nr = x->nr13_pct, nr9 = x->nr9_pct; /* each indicator its own items (§5.3) */
    int dep9 = (x->have & LNOB_HAVE_DEP9) && !x->lack9_missing;
    if (x->have & LNOB_HAVE_DEP13) {
        s_rate(c, "smsd", dim, name, g, &t.all, &t.smsd, nr);
        s_rate(c, "msd", dim, name, g, &t.all, &t.msd, nr);
    }
    if (dep9) {
        s_rate(c, "md", dim, name, g, &t.all, &t.md, nr9);
        s_rate(c, "smd", dim, name, g, &t.all, &t.smd, nr9);
    }
    if (x->have & LNOB_HAVE_WI) {
        s_rate(c, "lwi", dim, name, g, &t.lwi_pop, &t.lwi, NONRESPONSE_PCT);
        s_rate(c, "lwi_2020", dim, name, g, &t.lwi2020_pop, &t.lwi2020, NONRESPONSE_PCT);
    }
    if ((x->have & LNOB_HAVE_DEP13) && (x->have & LNOB_HAVE_WI)) {
        count_t yes = t.arope_pop;
        yes.w -= t.part[0].w;
        s_rate(c, "arope", dim, name, g, &t.arope_pop, &yes, nr);
        for (int k = 1; k < 8; k++)
            s_rate(c, s_part_names[k], dim, name, g, &t.arope_pop, &t.part[k], nr);
    }
    if (dep9 && (x->have & LNOB_HAVE_WI))
        s_rate(c, "arope_2020", dim, name, g, &t.arope2020_pop, &t.arope2020, nr9);
}

/* Median, mean and the poverty rates against the national thresholds. */
static void s_level_cells(cells_t *c, const char *dim, const char *name, const group_t *g,
                          const ctx_t *x, const lnob_ind_moments_t *m)
{
    int some = g->n > 0;
    s_set(s_add(c, "median", dim, name, g), some,
          some ? lnob_ind_quantile(g->x, g->w, g->n, g->W, MEDIAN_PERCENT) : 0, "EMPTY_GROUP");
    s_set(s_add(c, "mean", dim, name, g), some, m->mean, "EMPTY_GROUP");
    for (int t = 0; t < THRESHOLDS; t++)
        s_set(s_add(c, s_thresholds[t].arpr, dim, name, g), some,
              some ? lnob_ind_arpr(g->x, g->w, g->n, g->W, x->arpt[t]) : 0, "EMPTY_GROUP");
}

/* The cells every group gets; thresholds are national. */
static void s_group_cells(cells_t *c, const char *dim, const char *name, const group_t *g,
                          const ctx_t *x)
{
    double arpt60 = x->arpt[HEADLINE];
    double v = 0;
    size_t n_poor = 0;
    int some = g->n > 0;
    lnob_ind_moments_t m = {0, 0, 0};
    if (some)
        lnob_ind_moments(g->x, g->w, g->n, g->W, &m); /* mean and Gini: one walk */
    s_level_cells(c, dim, name, g, x, &m);
    int ok = some && lnob_ind_rmpg(g->x, g->w, g->n, arpt60, &v, &n_poor) == 0;
    lnob_cell_t *rmpg = s_add(c, "rmpg", dim, name, g);
    rmpg->n = n_poor;
    rmpg->weight = 0;
    for (size_t i = 0; i < n_poor; i++)
        rmpg->weight += (double) g->w[i];
    rmpg->weight /= LNOB_WEIGHT_SCALE;
    rmpg->flag = lnob_ind_flag(n_poor, NONRESPONSE_PCT);
    s_set(rmpg, ok, v, "NO_POOR");
    s_set(s_add(c, "gini", dim, name, g), some && m.gini_ok, m.gini, "GINI_TOTAL_NONPOS");
    ok = some && lnob_ind_qsr(g->x, g->w, g->n, g->W, &v) == 0;
    s_set(s_add(c, "qsr", dim, name, g), ok, v, "QSR_BOT_NONPOS");
    s_status_cells(c, dim, name, g, x);
}

/* A group over columns in national order; persons without income are last. */
static group_t s_group(double *x, int64_t *w, const lnob_person_t **p, size_t n_all,
                       const status_sums_t *sums)
{
    size_t n = n_all;
    while (n > 0 && isnan(x[n - 1]))
        n--;
    group_t g = {x, w, n, lnob_ind_weight_sum(w, n), p, n_all, sums};
    return g;
}

/* ---- cutting groups out of the national order ---------------------------- */

/* The persons in national order, then regrouped by one cut: bucket k of
 * the cut is [start[k], start[k + 1]), each bucket in national order. */
typedef struct {
    double *x;
    int64_t *w;
    const lnob_person_t **p;
    size_t *start, *fill;
    size_t cap_start, cap_fill;
    const uint16_t *combo;  /* each person's combination of statuses (NULL without statuses) */
    const uint16_t *combo_flags; /* the status bits of each combination */
    size_t n_combos;
    count_t *acc;           /* persons per bucket and combination in the last cut */
    size_t cap_acc;
    status_sums_t *sums;    /* per bucket of the last cut */
    size_t cap_sums;
} scratch_t;

/* The status sums of each bucket from its persons per combination: a
 * handful of combinations instead of a dozen tests per person and cut. */
static void s_status_sums(scratch_t *s, size_t k)
{
    size_t nc = s->combo ? s->n_combos : 0;
    lnob_grow((void **) &s->sums, &s->cap_sums, k, sizeof *s->sums);
    memset(s->sums, 0, k * sizeof *s->sums);
    for (size_t code = 0; code < k; code++)
        for (size_t c = 0; c < nc; c++)
            if (s->acc[code * nc + c].n)
                s_status_add(&s->sums[code], s->combo_flags[c], &s->acc[code * nc + c]);
}

/* One stable counting pass: linear in persons and codes, nothing sorted. */
static void s_cut(scratch_t *s, const lnob_person_t *p, size_t n, const lnob_cut_t *cut)
{
    size_t k = cut->n_codes;
    lnob_grow((void **) &s->start, &s->cap_start, k + 1, sizeof *s->start);
    lnob_grow((void **) &s->fill, &s->cap_fill, k, sizeof *s->fill);
    memset(s->start, 0, (k + 1) * sizeof *s->start);
    for (size_t i = 0; i < n; i++) {
        uint32_t code = cut->code(&p[i]);
        assert(code < k); /* the wire codec checked the ranges */
        s->start[code + 1]++;
    }
    for (size_t g = 0; g < k; g++)
        s->start[g + 1] += s->start[g];
    memcpy(s->fill, s->start, k * sizeof *s->fill);
    size_t nc = s->combo ? s->n_combos : 0;
    lnob_grow((void **) &s->acc, &s->cap_acc, k * nc + 1, sizeof *s->acc);
    memset(s->acc, 0, (k * nc + 1) * sizeof *s->acc);
    for (size_t i = 0; i < n; i++) {
        uint32_t code = cut->code(&p[i]);
        size_t at = s->fill[code]++;
        s->x[at] = p[i].x;
        s->w[at] = p[i].w;
        s->p[at] = &p[i];
        if (nc) {
            count_t *a = &s->acc[code * nc + s->combo[i]];
            a->n++;
            a->w += p[i].w;
        }
    }
    s_status_sums(s, k);
}

/* The cells of bucket code of the last cut, named name; none when empty. */
static void s_bucket_cells(cells_t *c, const scratch_t *s, const char *dim, uint32_t code,
                           const char *name, const ctx_t *x)
{
    size_t from = s->start[code], to = s->start[code + 1];
    if (from == to)
        return;
    group_t g = s_group(s->x + from, s->w + from, s->p + from, to - from, &s->sums[code]);
    s_group_cells(c, dim, name, &g, x);
}

/* A group code with its name, for ordering a dictionary's groups by name. */
typedef struct {
    const char *name;
    uint32_t code;
} named_t;

static int s_cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_t *) a)->name, ((const named_t *) b)->name);
}

/* A breakdown whose groups are a dictionary's entries, ordered by name. */
static void s_by_name(cells_t *c, scratch_t *s, const lnob_person_t *p, size_t n,
                      const char *dim, const lnob_cut_t *cut, const ctx_t *x)
{
    s_cut(s, p, n, cut);
    named_t *order = lnob_malloc(cut->n_codes * sizeof *order);
    size_t used = 0;
    for (uint32_t g = 1; g < cut->n_codes; g++)
        order[used++] = (named_t){cut->names[g], g};
    qsort(order, used, sizeof *order, s_cmp_named);
    for (size_t i = 0; i < used; i++)
        s_bucket_cells(c, s, dim, order[i].code, order[i].name, x);
    free(order);
}

/* Every group of breakdown b that has persons, in its canonical order. */
static void s_breakdown(cells_t *c, scratch_t *s, const lnob_person_t *p, size_t n,
                        const lnob_breakdown_t *b, const lnob_dims_t *dims, const ctx_t *x)
{
    if (b->need && !(x->have & b->need))
        return;
    if (b->from != LNOB_GROUPS_FIXED) {
        lnob_cut_t cut = lnob_breakdown_dict_cut(b, dims);
        s_by_name(c, s, p, n, b->name, &cut, x);
        return;
    }
    for (int k = 0; k < LNOB_BREAKDOWN_CUTS && b->cuts[k]; k++) {
        s_cut(s, p, n, b->cuts[k]);
        for (uint32_t code = 1; code < b->cuts[k]->n_codes; code++)
            s_bucket_cells(c, s, b->name, code, b->cuts[k]->names[code], x);
    }
}

/* Persons lacking exactly k of the 13 items, k = 0..13 (§3.2), national. */
static void s_items_distribution(cells_t *c, const group_t *g, const ctx_t *x)
{
    int64_t w[14] = {0}, den = 0;
    for (size_t i = 0; i < g->n_all; i++) {
        w[g->p[i]->lack13 > 13 ? 13 : g->p[i]->lack13] += g->p[i]->w;
        den += g->p[i]->w;
    }
    for (int k = 0; k <= 13; k++) {
        char name[8];
        snprintf(name, sizeof name, "%d", k);
        s_share(c, "smsd_items", "items_lacking", name, g, g->n_all, w[k], den, x->nr13_pct);
    }
}

static ctx_t s_context(const lnob_person_t *p, size_t n, const lnob_dims_t *dims)
{
    ctx_t x = {{0}, 0, 0, dims->have, 0};
    size_t missing13 = 0, missing9 = 0;
    for (size_t i = 0; i < n; i++) {
        missing13 += (p[i].item_missing & LNOB_ITEMS_MISSING13) != 0;
        missing9 += (p[i].item_missing & LNOB_ITEMS_MISSING9) != 0;
        x.lack9_missing |= p[i].lack9 < 0;
    }
    x.nr13_pct = n ? 100.0 * (double) missing13 / (double) n : 0;
    x.nr9_pct = n ? 100.0 * (double) missing9 / (double) n : 0;
    return x;
}

/* The national thresholds ARPT_k = k*M/100.0 and the 2-adult-2-child ARPT60. */
static void s_thresholds_cells(cells_t *c, const group_t *nat, ctx_t *x)
{
    int some = nat->n > 0;
    double median = some ? lnob_ind_quantile(nat->x, nat->w, nat->n, nat->W, MEDIAN_PERCENT) : 0;
    for (int t = 0; t < THRESHOLDS; t++) {
        x->arpt[t] = s_thresholds[t].k * median / 100.0;
        s_set(s_add(c, s_thresholds[t].arpt, "", "", nat), some, x->arpt[t], "EMPTY_GROUP");
    }
    s_set(s_add(c, "arpt_2a2c", "", "", nat), some, ARPT_2A2C_FACTOR * x->arpt[HEADLINE],
          "EMPTY_GROUP");
}

#define FLAG_VALUES (1u << (F_PARTS_SHIFT + 3))

/* Numbers the distinct status combinations of the persons (*combo per
 * person, *flags per combination) and sums the national ones into all.
 * Returns how many there are. */
static size_t s_combinations(const lnob_person_t *p, size_t n, const ctx_t *x, uint16_t **combo,
                             uint16_t **flags, status_sums_t *all)
{
    uint16_t *slot = lnob_calloc(FLAG_VALUES, sizeof *slot); /* flag value -> 1 + combination */
    size_t k = 0;
    *combo = lnob_malloc((n ? n : 1) * sizeof **combo);
    *flags = lnob_malloc(FLAG_VALUES * sizeof **flags);
    for (size_t i = 0; i < n; i++) {
        uint16_t f = s_flags(&p[i], x);
        if (!slot[f]) {
            (*flags)[k] = f;
            slot[f] = (uint16_t) ++k;
        }
        (*combo)[i] = (uint16_t) (slot[f] - 1);
        count_t one = {1, p[i].w};
        s_status_add(all, f, &one);
    }
    free(slot);
    return k;
}

/* Scratch columns over the persons in national order. */
static void s_scratch_init(scratch_t *s, const lnob_person_t *p, size_t n)
{
    s->x = lnob_malloc((n ? n : 1) * sizeof *s->x);
    s->w = lnob_malloc((n ? n : 1) * sizeof *s->w);
    s->p = lnob_malloc((n ? n : 1) * sizeof *s->p);
    for (size_t i = 0; i < n; i++) {
        s->x[i] = p[i].x;
        s->w[i] = p[i].w;
        s->p[i] = &p[i];
    }
}

static void s_scratch_free(scratch_t *s)
{
    free(s->x);
    free(s->w);
    free(s->p);
    free(s->start);
    free(s->fill);
    free(s->sums);
    free(s->acc);
}

/* One thread's share of the breakdowns, [from, to), into cells of its own.
 * The first share cuts in the national scratch (the national group is done
 * with it by then), the second in scratch of its own with the same status
 * combinations: two scratch columns per person at most. */
typedef struct {
    const lnob_person_t *p;
    size_t n;
    const lnob_dims_t *dims;
    const ctx_t *x;
    scratch_t *national;
    int own;                   /* cut in scratch of its own */
    size_t from, to;
    cells_t c;
} share_t;

static void *s_share_run(void *arg)
{
    share_t *sh = arg;
    scratch_t own = {0}, *s = sh->national;
    if (sh->own) {
        s_scratch_init(&own, sh->p, sh->n);
        own.combo = s->combo;
        own.combo_flags = s->combo_flags;
        own.n_combos = s->n_combos;
        s = &own;
    }
    for (size_t b = sh->from; b < sh->to; b++)
        s_breakdown(&sh->c, s, sh->p, sh->n, &lnob_breakdowns[b], sh->dims, sh->x);
    if (sh->own)
        s_scratch_free(&own);
    return NULL;
}

/* The passes over every person breakdown b makes for an extract that has
 * have: one per cut, none when it does not apply. */
static size_t s_passes(const lnob_breakdown_t *b, uint32_t have)
{
    if (b->need && !(have & b->need))
        return 0;
    return b->cuts[1] ? 2 : 1;
}

/* The breakdown that starts the second half of the passes, so that the
 * halves cost about the same. */
static size_t s_middle(uint32_t have)
{
    size_t passes = 0, half = 0, b = 0;
    for (size_t i = 0; i < lnob_breakdown_count; i++)
        passes += s_passes(&lnob_breakdowns[i], have);
    for (; b < lnob_breakdown_count && 2 * half < passes; b++)
        half += s_passes(&lnob_breakdowns[b], have);
    return b;
}

/* The breakdown cells in canonical order, the two halves computed side by
 * side (the aggregator's other core is idle by then). */
static void s_breakdowns(cells_t *c, const lnob_person_t *p, size_t n, const lnob_dims_t *dims,
                         const ctx_t *x, scratch_t *national)
{
    size_t mid = s_middle(x->have);
    share_t sh[2] = {{p, n, dims, x, national, 0, 0, mid, {0}},
                     {p, n, dims, x, national, 1, mid, lnob_breakdown_count, {0}}};
    lnob_pair_run(s_share_run, &sh[0], &sh[1]);
    for (int k = 0; k < 2; k++) {
        lnob_grow((void **) &c->v, &c->cap, c->n + sh[k].c.n, sizeof *c->v);
        if (sh[k].c.n)
            memcpy(c->v + c->n, sh[k].c.v, sh[k].c.n * sizeof *c->v);
        c->n += sh[k].c.n;
        free(sh[k].c.v);
    }
}

lnob_cell_t *lnob_cells_compute(const lnob_person_t *p, size_t n, const lnob_dims_t *dims,
                                size_t *n_cells)
{
    /* every cell below sees the bottom-coded incomes, and is renamed at the end */
    lnob_person_t *coded = dims->bottom_code_zero ? s_bottom_coded(p, n) : NULL;
    if (coded)
        p = coded;
    cells_t c = {0};
    scratch_t s = {0};
    s_scratch_init(&s, p, n);
    status_sums_t all = {0};
    group_t nat = s_group(s.x, s.w, s.p, n, &all);
    ctx_t x = s_context(p, n, dims);
    s_thresholds_cells(&c, &nat, &x);
    uint16_t *combo = NULL, *combo_flags = NULL;
    if (x.have & (LNOB_HAVE_DEP13 | LNOB_HAVE_DEP9 | LNOB_HAVE_WI))
        s.n_combos = s_combinations(p, n, &x, &combo, &combo_flags, &all);
    s.combo = combo;
    s.combo_flags = combo_flags;
    s_group_cells(&c, "", "", &nat, &x);
    if (x.have & LNOB_HAVE_DEP13)
        s_items_distribution(&c, &nat, &x);
    s_breakdowns(&c, p, n, dims, &x, &s);
    s_scratch_free(&s);
    free(combo);
    free(combo_flags);
    for (size_t i = 0; coded && i < c.n; i++)
        c.v[i].indicator = lnob_cells_bc0_id(c.v[i].indicator);
    free(coded);
    *n_cells = c.n;
    return c.v;
}
