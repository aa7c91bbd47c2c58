/* cells.c - national and breakdown indicator cells from sorted persons (cells.h). */
#include "cells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harmonise.h"
#include "lnob/mem.h"

#define ARPT_PERCENT 60
#define MEDIAN_PERCENT 50
#define NONRESPONSE_PCT 0.0 /* HY020 is fully imputed (spec §5.3) */

typedef enum { DIM_REGION, DIM_SEX, DIM_AGE, DIM_MUN, DIM_COUNT } dim_t;
static const char *const s_dim_names[DIM_COUNT] = {"region", "sex", "age_group", "municipality"};

typedef struct {
    lnob_cell_t *v;
    size_t n, cap;
} cells_t;

/* One group's columns, in national order. */
typedef struct {
    double *x;
    int64_t *w;
    size_t n;
    int64_t W;
} group_t;

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

/* The cells every group gets; arpt60 is the national threshold. */
static void s_group_cells(cells_t *c, const char *dim, const char *name, const group_t *g,
                          double arpt60)
{
    double v = 0;
    size_t n_poor = 0;
    int some = g->n > 0;
    s_set(s_add(c, "median", dim, name, g), some,
          some ? lnob_ind_quantile(g->x, g->w, g->n, g->W, MEDIAN_PERCENT) : 0, "EMPTY_GROUP");
    s_set(s_add(c, "arpr", dim, name, g), some,
          some ? lnob_ind_arpr(g->x, g->w, g->n, g->W, arpt60) : 0, "EMPTY_GROUP");
    int ok = some && lnob_ind_rmpg(g->x, g->w, g->n, arpt60, &v, &n_poor) == 0;
    lnob_cell_t *rmpg = s_add(c, "rmpg", dim, name, g);
    rmpg->n = n_poor;
    rmpg->weight = 0;
    for (size_t i = 0; i < n_poor; i++)
        rmpg->weight += (double) g->w[i];
    rmpg->weight /= LNOB_WEIGHT_SCALE;
    rmpg->flag = lnob_ind_flag(n_poor, NONRESPONSE_PCT);
    s_set(rmpg, ok, v, "NO_POOR");
    ok = some && lnob_ind_gini(g->x, g->w, g->n, g->W, &v) == 0;
    s_set(s_add(c, "gini", dim, name, g), ok, v, "GINI_TOTAL_NONPOS");
    ok = some && lnob_ind_qsr(g->x, g->w, g->n, g->W, &v) == 0;
    s_set(s_add(c, "qsr", dim, name, g), ok, v, "QSR_BOT_NONPOS");
}

static uint32_t s_code(const lnob_person_t *p, dim_t d)
{
    switch (d) {
    case DIM_REGION: return p->region;
    case DIM_SEX: return p->sex;
    case DIM_AGE: return p->age_group;
    default: return p->mun;
    }
}

static const char *s_group_name(const lnob_dims_t *dims, dim_t d, uint32_t code, char *buf,
                                size_t cap)
{
    switch (d) {
    case DIM_REGION: return dims->regions[code];
    case DIM_SEX: snprintf(buf, cap, "%u", code); return buf;
    case DIM_AGE: return lnob_age_group_names[code];
    default: return dims->municipalities[code];
    }
}

static size_t s_codes(const lnob_dims_t *dims, dim_t d)
{
    switch (d) {
    case DIM_REGION: return dims->n_regions;
    case DIM_SEX: return 3;
    case DIM_AGE: return LNOB_AGE_GROUPS + 1;
    default: return dims->n_municipalities;
    }
}

/* A group code with its printed name, for ordering groups by name. */
typedef struct {
    char name[LNOB_GROUP_MAX];
    uint32_t code;
} named_t;

static int s_cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_t *) a)->name, ((const named_t *) b)->name);
}

/* Cuts every group of dimension d out of the national order, stably. */
static void s_dimension(cells_t *c, const lnob_person_t *p, size_t n, const lnob_dims_t *dims,
                        dim_t d, double arpt60, double *xs, int64_t *ws)
{
    size_t k = s_codes(dims, d);
    size_t *start = lnob_calloc(k + 1, sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[s_code(&p[i], d) + 1]++;
    for (size_t g = 0; g < k; g++)
        start[g + 1] += start[g];
    size_t *fill = lnob_malloc(k * sizeof *fill);
    memcpy(fill, start, k * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        size_t at = fill[s_code(&p[i], d)]++;
        xs[at] = p[i].x;
        ws[at] = p[i].w;
    }
    named_t *order = lnob_malloc(k * sizeof *order);
    size_t used = 0;
    for (uint32_t g = 1; g < k; g++) {
        if (start[g + 1] == start[g])
            continue;
        char buf[16];
        snprintf(order[used].name, LNOB_GROUP_MAX, "%s", s_group_name(dims, d, g, buf, sizeof buf));
        order[used++].code = g;
    }
    qsort(order, used, sizeof *order, s_cmp_named);
    for (size_t i = 0; i < used; i++) {
        uint32_t code = order[i].code;
        group_t g = {xs + start[code], ws + start[code], start[code + 1] - start[code], 0};
        g.W = lnob_ind_weight_sum(g.w, g.n);
        s_group_cells(c, s_dim_names[d], order[i].name, &g, arpt60);
    }
    free(order);
    free(fill);
    free(start);
}

lnob_cell_t *lnob_cells_compute(const lnob_person_t *p, size_t n, const lnob_dims_t *dims,
                                size_t *n_cells)
{
    cells_t c = {0};
    double *xs = lnob_malloc((n ? n : 1) * sizeof *xs);
    int64_t *ws = lnob_malloc((n ? n : 1) * sizeof *ws);
    for (size_t i = 0; i < n; i++) {
        xs[i] = p[i].x;
        ws[i] = p[i].w;
    }
    group_t nat = {xs, ws, n, lnob_ind_weight_sum(ws, n)};
    double median = n ? lnob_ind_quantile(xs, ws, n, nat.W, MEDIAN_PERCENT) : 0;
    double arpt60 = ARPT_PERCENT * median / 100.0;
    s_set(s_add(&c, "arpt", "", "", &nat), n > 0, arpt60, "EMPTY_GROUP");
    s_group_cells(&c, "", "", &nat, arpt60);
    for (dim_t d = 0; d < DIM_COUNT; d++)
        s_dimension(&c, p, n, dims, d, arpt60, xs, ws);
    free(xs);
    free(ws);
    *n_cells = c.n;
    return c.v;
}
