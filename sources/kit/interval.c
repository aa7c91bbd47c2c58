/* interval.c - protection intervals by linear programming (interval.h). */
#include "interval.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>

#include "lnob/mem.h"

#define EPS 1e-6

#define MAX_ROWS 64

/* The atoms as the constrained rows see them, into col[0..n): one column
 * per distinct set of constrained rows that an atom is in (the sum of such
 * atoms is one variable >= 0, exactly as they were), leaving out atoms in
 * no constrained row and atoms in a published row of 0 (they are 0). */
static size_t s_columns(const lnob_interval_table_t *t, uint64_t *col)
{
    size_t n = 0;
    for (size_t j = 0; j < t->n_atoms; j++) {
        uint64_t in = 0;
        int zero = 0;
        for (size_t r = 0; r < t->n_rows; r++)
            if (t->role[r] != LNOB_INTERVAL_FREE && t->rows[r * t->n_atoms + j]) {
                in |= 1ull << r;
                zero |= t->role[r] == LNOB_INTERVAL_PUBLISHED && t->value[r] == 0;
            }
        size_t k = 0;
        while (k < n && col[k] != in)
            k++;
        if (in && !zero && k == n)
            col[n++] = in;
    }
    return n;
}

/* The problem: one column per col[] (>= 0), one row per constrained row. */
static glp_prob *s_problem(const lnob_interval_table_t *t, const uint64_t *col, size_t n)
{
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, (int) n);
    for (size_t j = 0; j < n; j++)
        glp_set_col_bnds(lp, (int) j + 1, GLP_LO, 0.0, 0.0);
    int *ind = lnob_malloc((n + 1) * sizeof *ind);
    double *val = lnob_malloc((n + 1) * sizeof *val);
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->role[r] == LNOB_INTERVAL_FREE)
            continue;
        int k = 0;
        for (size_t j = 0; j < n; j++)
            if (col[j] >> r & 1)
                ind[++k] = (int) j + 1, val[k] = 1.0;
        int i = glp_add_rows(lp, 1);
        glp_set_mat_row(lp, i, k, ind, val);
        double v = (double) t->value[r];
        if (t->role[r] == LNOB_INTERVAL_PUBLISHED)
            glp_set_row_bnds(lp, i, GLP_FX, v, v);
        else
            glp_set_row_bnds(lp, i, GLP_LO, v >= 1 ? 1.0 : 0.0, 0.0);
    }
    free(ind);
    free(val);
    return lp;
}

/* The optimum of row r's sum in direction dir (GLP_MIN or GLP_MAX) into
 * *x. 0, -1 infeasible, -2 the solver failed. */
static int s_bound(glp_prob *lp, const uint64_t *col, size_t n, size_t r, int dir, double *x)
{
    for (size_t j = 0; j < n; j++)
        glp_set_obj_coef(lp, (int) j + 1, (double) (col[j] >> r & 1));
    glp_set_obj_dir(lp, dir);
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    if (glp_simplex(lp, &parm) != 0)
        return -2;
    switch (glp_get_status(lp)) {
    case GLP_OPT: *x = glp_get_obj_val(lp); return 0;
    case GLP_UNBND: *x = INFINITY; return 0;
    case GLP_NOFEAS: return -1;
    default: return -2;
    }
}

/* With no column left every row is 0: feasible when no withheld row has persons. */
static int s_all_zero(const lnob_interval_table_t *t, lnob_interval_t *out)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        if (t->role[r] == LNOB_INTERVAL_FREE)
            continue;
        if (t->value[r] != 0)
            return -1;
        out[r].lo = out[r].hi = 0;
    }
    return 0;
}

int lnob_interval(const lnob_interval_table_t *t, lnob_interval_t *out)
{
    if (t->n_rows > MAX_ROWS)
        return -2;
    uint64_t *col = lnob_malloc((t->n_atoms ? t->n_atoms : 1) * sizeof *col);
    size_t n = s_columns(t, col);
    if (n == 0) {
        free(col);
        return s_all_zero(t, out);
    }
    glp_prob *lp = s_problem(t, col, n);
    int rc = 0;
    for (size_t r = 0; r < t->n_rows && rc == 0; r++) {
        if (t->role[r] != LNOB_INTERVAL_WITHHELD)
            continue;
        rc = s_bound(lp, col, n, r, GLP_MIN, &out[r].lo);
        if (rc == 0)
            rc = s_bound(lp, col, n, r, GLP_MAX, &out[r].hi);
    }
    glp_delete_prob(lp);
    glp_free_env(); /* GLPK's per-thread memory: no other code here uses it */
    free(col);
    return rc;
}

int lnob_interval_pinned(const lnob_interval_t *i)
{
    return isfinite(i->hi) && floor(i->hi + EPS) <= ceil(i->lo - EPS);
}
