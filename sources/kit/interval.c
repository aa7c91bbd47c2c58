/* interval.c - protection intervals by linear programming (interval.h). */
#include "interval.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>

#include "lnob/mem.h"

#define EPS 1e-6

/* 1 when row r is constrained: by its role, or named by a sum. */
static int s_constrained(const lnob_interval_table_t *t, size_t r)
{
    if (t->role[r] != LNOB_INTERVAL_FREE)
        return 1;
    for (size_t i = 0; i < t->n_sums; i++)
        if (t->sums[i].w[r] != 0)
            return 1;
    return 0;
}

/* The atoms as the constrained rows see them, into col[0..n): one column
 * per distinct set of constrained rows that an atom is in (the sum of such
 * atoms is one variable >= 0, exactly as they were), leaving out atoms in
 * no constrained row and atoms in a published row of 0 (they are 0).
 * of[j]: atom j's column, or -1 (none: free when in[j] is 0, else 0). */
static size_t s_columns(const lnob_interval_table_t *t, uint64_t *col, long *of)
{
    uint64_t live = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        live |= (uint64_t) s_constrained(t, r) << r;
    size_t n = 0;
    for (size_t j = 0; j < t->n_atoms; j++) {
        uint64_t in = 0;
        int zero = 0;
        for (size_t r = 0; r < t->n_rows; r++)
            if (live >> r & 1 && t->rows[r * t->n_atoms + j]) {
                in |= 1ull << r;
                zero |= t->role[r] == LNOB_INTERVAL_PUBLISHED && t->value[r] == 0;
            }
        size_t k = 0;
        while (k < n && col[k] != in)
            k++;
        if (in && !zero && k == n)
            col[n++] = in;
        of[j] = in && !zero ? (long) k : in ? -1 : -2;
    }
    return n;
}

static double s_coef(const lnob_interval_table_t *t, uint64_t col, const double *w)
{
    double c = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        if (col >> r & 1)
            c += w[r];
    return c;
}

/* Adds row lo*scale <= sum_k coef_k x_k - scale_var... : one GLPK row over
 * the columns' coefficients, with lambda (column `lambda`, 0: none) times
 * -bound folded in when homogenised. */
static void s_row(glp_prob *lp, const double *coef, size_t n, int lambda, double lo, double hi, int *ind,
                  double *val)
{
    int k = 0;
    for (size_t j = 0; j < n; j++)
        if (coef[j] != 0)
            ind[++k] = (int) j + 1, val[k] = coef[j];
    int i = glp_add_rows(lp, 1);
    if (!lambda) {
        glp_set_mat_row(lp, i, k, ind, val);
        int type = isinf(lo) ? GLP_UP : isinf(hi) ? GLP_LO : lo == hi ? GLP_FX : GLP_DB;
        glp_set_row_bnds(lp, i, type, isinf(lo) ? 0 : lo, isinf(hi) ? 0 : hi);
        return;
    }
    /* homogenised: lo * lambda <= a.x <= hi * lambda, as two rows when both are finite */
    if (!isinf(lo) && !isinf(hi) && lo != hi) {
        ind[k + 1] = lambda, val[k + 1] = -lo;
        glp_set_mat_row(lp, i, k + 1, ind, val);
        glp_set_row_bnds(lp, i, GLP_LO, 0, 0);
        s_row(lp, coef, n, lambda, -INFINITY, hi, ind, val);
        return;
    }
    ind[k + 1] = lambda, val[k + 1] = isinf(lo) ? -hi : -lo;
    glp_set_mat_row(lp, i, k + 1, ind, val);
    glp_set_row_bnds(lp, i, lo == hi ? GLP_FX : isinf(lo) ? GLP_UP : GLP_LO, 0, 0);
}

/* Every constraint of t over the columns col[0..n) (1..n in GLPK), each
 * homogenised by column lambda when it is not 0. */
static void s_constraints(glp_prob *lp, const lnob_interval_table_t *t, const uint64_t *col, size_t n,
                          int lambda)
{
    int *ind = lnob_malloc((n + 2) * sizeof *ind);
    double *val = lnob_malloc((n + 2) * sizeof *val), *coef = lnob_malloc((n ? n : 1) * sizeof *coef);
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->role[r] == LNOB_INTERVAL_FREE)
            continue;
        for (size_t j = 0; j < n; j++)
            coef[j] = (double) (col[j] >> r & 1);
        double v = (double) t->value[r];
        if (t->role[r] == LNOB_INTERVAL_PUBLISHED)
            s_row(lp, coef, n, lambda, v, v, ind, val);
        else
            s_row(lp, coef, n, lambda, v >= 1 ? 1.0 : 0.0, INFINITY, ind, val);
    }
    for (size_t i = 0; i < t->n_sums; i++) {
        for (size_t j = 0; j < n; j++)
            coef[j] = s_coef(t, col[j], t->sums[i].w);
        s_row(lp, coef, n, lambda, t->sums[i].lo, t->sums[i].hi, ind, val);
    }
    free(ind);
    free(val);
    free(coef);
}

static glp_prob *s_problem(const lnob_interval_table_t *t, const uint64_t *col, size_t n)
{
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, (int) n);
    for (size_t j = 0; j < n; j++)
        glp_set_col_bnds(lp, (int) j + 1, GLP_LO, 0.0, 0.0);
    s_constraints(lp, t, col, n, 0);
    return lp;
}

/* Solves lp; 0 with the status in *status, or -2 when the solver fails. */
static int s_solve(glp_prob *lp, int *status)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    if (glp_simplex(lp, &parm) != 0)
        return -2;
    *status = glp_get_status(lp);
    return 0;
}

/* The optimum of row r's sum in direction dir (GLP_MIN or GLP_MAX) into
 * *x. 0, -1 infeasible, -2 the solver failed. */
static int s_bound(glp_prob *lp, const uint64_t *col, size_t n, size_t r, int dir, double *x)
{
    for (size_t j = 0; j < n; j++)
        glp_set_obj_coef(lp, (int) j + 1, (double) (col[j] >> r & 1));
    glp_set_obj_dir(lp, dir);
    int status;
    if (s_solve(lp, &status) != 0)
        return -2;
    switch (status) {
    case GLP_OPT: *x = glp_get_obj_val(lp); return 0;
    case GLP_UNBND: *x = INFINITY; return 0;
    case GLP_NOFEAS: return -1;
    default: return -2;
    }
}

/* With no column left every row is 0: feasible when no constrained row
 * needs persons. */
static int s_all_zero(const lnob_interval_table_t *t, lnob_interval_t *out)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->role[r] == LNOB_INTERVAL_FREE)
            continue;
        if (t->value[r] != 0)
            return -1;
        if (out)
            out[r].lo = out[r].hi = 0;
    }
    for (size_t i = 0; i < t->n_sums; i++)
        if (t->sums[i].lo > EPS || t->sums[i].hi < -EPS)
            return -1;
    return 0;
}

/* A table's columns (s_columns), for the solver. */
typedef struct {
    uint64_t *col;
    long *of;
    size_t n;
} columns_t;

static int s_columns_new(const lnob_interval_table_t *t, columns_t *c)
{
    if (t->n_rows > LNOB_INTERVAL_ROWS)
        return -2;
    c->col = lnob_malloc((t->n_atoms ? t->n_atoms : 1) * sizeof *c->col);
    c->of = lnob_malloc((t->n_atoms ? t->n_atoms : 1) * sizeof *c->of);
    c->n = s_columns(t, c->col, c->of);
    return 0;
}

static void s_columns_free(columns_t *c)
{
    free(c->col);
    free(c->of);
}

int lnob_interval(const lnob_interval_table_t *t, lnob_interval_t *out)
{
    columns_t cs;
    if (s_columns_new(t, &cs) != 0)
        return -2;
    const uint64_t *col = cs.col;
    size_t n = cs.n;
    int rc = 0;
    if (n == 0)
        rc = s_all_zero(t, out);
    else {
        glp_prob *lp = s_problem(t, col, n);
        for (size_t r = 0; r < t->n_rows && rc == 0; r++) {
            if (t->role[r] != LNOB_INTERVAL_WITHHELD)
                continue;
            rc = s_bound(lp, col, n, r, GLP_MIN, &out[r].lo);
            if (rc == 0)
                rc = s_bound(lp, col, n, r, GLP_MAX, &out[r].hi);
        }
        glp_delete_prob(lp);
        glp_free_env(); /* GLPK's per-thread memory: no other code here uses it */
    }
    s_columns_free(&cs);
    return rc;
}

/* The problem with every column at least FULL_MIN: feasible only when
 * every atom can hold persons. That is the usual case, and this phase one
 * of the simplex settles it far sooner than the support problem below,
 * which decides the rest. */
#define FULL_MIN 1e-3
#define FULL_SLACK 1e-6 /* a row met within this of its value, absolutely (s_holds) */

static glp_prob *s_full_problem(const lnob_interval_table_t *t, const uint64_t *col, size_t n)
{
    glp_prob *lp = s_problem(t, col, n);
    for (size_t j = 0; j < n; j++)
        glp_set_col_bnds(lp, (int) j + 1, GLP_LO, FULL_MIN, 0.0);
    return lp;
}

/* 1 when x[0..n) (the columns) meets every constraint of t within
 * FULL_SLACK and every column holds at least half of FULL_MIN. GLPK takes
 * a row as met within 1e-7 of its value relatively, so for a count of
 * 100,000 within 0.01, more than FULL_MIN: a class that must be empty could
 * pass. Its phase one found such problems infeasible at every size tried
 * (counts of 30 to 3 x 10^10), but the answer decides what is published,
 * so it is checked here absolutely. */
static int s_holds(const lnob_interval_table_t *t, const uint64_t *col, size_t n, const double *x)
{
    for (size_t j = 0; j < n; j++)
        if (!(x[j] >= FULL_MIN / 2))
            return 0;
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->role[r] == LNOB_INTERVAL_FREE)
            continue;
        double v = 0, want = (double) t->value[r];
        for (size_t j = 0; j < n; j++)
            v += (double) (col[j] >> r & 1) * x[j];
        if (t->role[r] == LNOB_INTERVAL_PUBLISHED ? fabs(v - want) > FULL_SLACK
                                                   : v < (want >= 1 ? 1.0 : 0.0) - FULL_SLACK)
            return 0;
    }
    for (size_t i = 0; i < t->n_sums; i++) {
        double v = 0;
        for (size_t j = 0; j < n; j++)
            v += s_coef(t, col[j], t->sums[i].w) * x[j];
        if (v < t->sums[i].lo - FULL_SLACK || v > t->sums[i].hi + FULL_SLACK)
            return 0;
    }
    return 1;
}

/* 1 when the full problem has a solution that s_holds; 0 otherwise (or
 * when the solver fails: the support problem decides then). */
static int s_full(const lnob_interval_table_t *t, const uint64_t *col, size_t n)
{
    glp_prob *lp = s_full_problem(t, col, n);
    int status, full = 0;
    if (s_solve(lp, &status) == 0 && status == GLP_OPT) {
        double *x = lnob_malloc(n * sizeof *x);
        for (size_t j = 0; j < n; j++)
            x[j] = glp_get_col_prim(lp, (int) j + 1);
        full = s_holds(t, col, n, x);
        free(x);
    }
    glp_delete_prob(lp);
    return full;
}

/* The homogenised problem: x (1..n) as t's, t (n+1..2n) in [0, 1] with
 * t <= x, lambda (2n+1) >= 1; maximise the sum of t. */
static glp_prob *s_support_problem(const lnob_interval_table_t *t, const uint64_t *col, size_t n)
{
    glp_prob *lp = glp_create_prob();
    int lambda = (int) (2 * n + 1);
    glp_add_cols(lp, lambda);
    for (size_t j = 0; j < n; j++) {
        glp_set_col_bnds(lp, (int) j + 1, GLP_LO, 0.0, 0.0);
        glp_set_col_bnds(lp, (int) (n + j) + 1, GLP_DB, 0.0, 1.0);
        glp_set_obj_coef(lp, (int) (n + j) + 1, 1.0);
    }
    glp_set_col_bnds(lp, lambda, GLP_LO, 1.0, 0.0);
    s_constraints(lp, t, col, n, lambda);
    for (size_t j = 0; j < n; j++) {
        int ind[3] = {0, (int) j + 1, (int) (n + j) + 1};
        double val[3] = {0, 1.0, -1.0};
        int i = glp_add_rows(lp, 1);
        glp_set_mat_row(lp, i, 2, ind, val);
        glp_set_row_bnds(lp, i, GLP_LO, 0.0, 0.0);
    }
    glp_set_obj_dir(lp, GLP_MAX);
    return lp;
}

int lnob_interval_support(const lnob_interval_table_t *t, uint8_t *can)
{
    columns_t cs;
    if (s_columns_new(t, &cs) != 0)
        return -2;
    const uint64_t *col = cs.col;
    const long *of = cs.of;
    size_t n = cs.n;
    int rc = 0, status = GLP_OPT;
    double *x = lnob_calloc(n ? n : 1, sizeof *x);
    if (n == 0)
        rc = s_all_zero(t, NULL);
    else {
        int full = s_full(t, col, n);
        glp_prob *lp = full ? NULL : s_support_problem(t, col, n);
        if (!full)
            rc = s_solve(lp, &status);
        if (!full && rc == 0 && status != GLP_OPT)
            rc = status == GLP_NOFEAS ? -1 : -2;
        for (size_t j = 0; j < n && rc == 0; j++)
            x[j] = full ? 1.0 : glp_get_col_prim(lp, (int) (n + j) + 1);
        if (lp)
            glp_delete_prob(lp);
        glp_free_env();
    }
    for (size_t j = 0; j < t->n_atoms; j++) /* -2: in no constrained row, so nothing bounds it */
        can[j] = of[j] == -2 || (of[j] >= 0 && x[of[j]] > 0.5);
    free(x);
    s_columns_free(&cs);
    return rc;
}

int lnob_interval_pinned(const lnob_interval_t *i)
{
    return isfinite(i->hi) && floor(i->hi + EPS) <= ceil(i->lo - EPS);
}
