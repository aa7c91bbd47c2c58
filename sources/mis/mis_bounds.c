/* mis_bounds.c - what linked tables say of each other in MIS disclosure
 * control: no withheld count pinned by bounds, within a table or across,
 * and the classes a wider table shows empty (mis_tables.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"
#include "mis_tables.h"

/* ---- bounds: no withheld count pinned, within a table or across ------------ */

/* The role of each row of t to an attacker (kit/interval.h); 1 when a row
 * is withheld. */
static int s_roles(const table_t *t, uint8_t *role)
{
    int any = 0;
    memset(role, LNOB_INTERVAL_FREE, ROWS);
    for (size_t i = 0; i < t->e.n; i++) {
        const entry_t *e = &t->e.v[i];
        int withheld = e->p.state == LNOB_PROTECT_PRIMARY || e->p.state == LNOB_PROTECT_SECONDARY;
        for (int k = 0; k < e->n_rows; k++)
            if (!withheld)
                role[e->rows[k]] = LNOB_INTERVAL_PUBLISHED;
            else if (role[e->rows[k]] != LNOB_INTERVAL_PUBLISHED)
                role[e->rows[k]] = LNOB_INTERVAL_WITHHELD, any = 1;
    }
    return any;
}

/* The rows two tables share when one's persons include the other's: the
 * counts by sex, group and age, and between tables by all services the
 * numerator and denominator of mis_share3 (a person's services in a
 * place are among their services in the nation). */
static int s_linked(const table_t *t, int r)
{
    return (r < COUNT_ROWS && r != R_AGEU) || (t->all && (r == R_NUM3 || r == R_DEN3));
}

/* 1 when u's persons include t's. */
static int s_wider(const table_t *u, const table_t *t)
{
    return t->up_all == u || t->up_nat == u;
}

/* 1 when v is one of the tables that split u's persons as t does: by
 * service (up_all) or by place (up_nat). Each set covers u's persons. */
static int s_sibling(const table_t *v, const table_t *u, const table_t *t)
{
    return (t->up_all == u && v->up_all == u) || (t->up_nat == u && v->up_nat == u);
}

/* The sum of row r over the tables that split u's persons as t does, t
 * aside; INFINITY when one of them does not publish it. */
static double s_siblings(const table_t *u, const table_t *t, int r)
{
    double sum = 0;
    for (size_t i = 0; i < u->n_narrow; i++) {
        const table_t *v = u->narrow[i];
        if (v == t || !s_sibling(v, u, t) || !v->present[r])
            continue;
        if (!v->determined[r])
            return INFINITY;
        sum += (double) v->value[r];
    }
    return sum;
}

/* What other tables say of t's rows, into s (at most ROWS + 2): each
 * linked row at most the same row of a wider table and at least it less
 * the other tables it includes, at least that of a narrower one and at
 * most their sum (every person of a wider table is in one of the tables it
 * includes; not NUM3, whose services add up nationally across places); by
 * all services in a municipality,
 * the services' totals against its persons by number of services (exact
 * but for those with 5 or more: each counts between 5 and the number of
 * services). Only published rows say anything. */
static size_t s_sums(const table_t *t, lnob_interval_sum_t *s)
{
    double lo[ROWS], hi[ROWS], sum[2][ROWS], total = 0; /* sum: of the tables by service, by place */
    int known[2][ROWS], kids = 0, totals_known = 1;
    for (int r = 0; r < ROWS; r++)
        lo[r] = -INFINITY, hi[r] = INFINITY, sum[0][r] = sum[1][r] = 0, known[0][r] = known[1][r] = 1;
    for (size_t i = 0; i < t->n_near; i++) {
        const table_t *u = t->near[i];
        int wider = s_wider(u, t), narrower = s_wider(t, u);
        for (int r = 0; r < ROWS && (wider || narrower); r++) {
            if (!s_linked(t, r) || !s_linked(u, r) || !u->present[r])
                continue;
            double v = (double) u->value[r];
            if (wider && u->determined[r] && v < hi[r])
                hi[r] = v;
            if (wider && u->determined[r] && r != R_NUM3)
                lo[r] = fmax(lo[r], v - s_siblings(u, t, r));
            if (narrower && u->determined[r] && v > lo[r])
                lo[r] = v;
            if (narrower)
                known[u->up_nat == t][r] &= u->determined[r], sum[u->up_nat == t][r] += v;
        }
        if (narrower && t->all && !u->all && *t->e.v[0].mun)
            kids++, total += (double) u->value[R_T], totals_known &= u->determined[R_T];
    }
    size_t n = 0;
    for (int r = 0; r < ROWS; r++) {
        for (int k = 0; k < 2; k++)
            if (known[k][r] && sum[k][r] > 0 && sum[k][r] < hi[r] && r != R_NUM3)
                hi[r] = sum[k][r]; /* not NUM3: a person's services in several places add up nationally */
        if (lo[r] == -INFINITY && hi[r] == INFINITY)
            continue;
        memset(&s[n], 0, sizeof s[n]);
        s[n].w[r] = 1, s[n].lo = lo[r], s[n++].hi = hi[r];
    }
    if (kids && totals_known) {
        memset(&s[n], 0, 2 * sizeof s[n]);
        for (int k = 0; k < NSERV; k++)
            s[n].w[R_NS1 + k] = s[n + 1].w[R_NS1 + k] = k + 1;
        s[n + 1].w[R_NS5] = kids > NSERV ? kids : NSERV;
        s[n].lo = -INFINITY, s[n].hi = total, s[n + 1].lo = total, s[n + 1].hi = INFINITY;
        n += 2;
    }
    return n;
}

/* The memo's key of question `what` about t as it publishes (role), with
 * the bounds sums[0..n_sums) from linked tables; all zero without a memo. */
static lnob_memo_key_t s_question(const fix_t *f, char what, const table_t *t, const uint8_t *role,
                                  const lnob_interval_sum_t *sums, size_t n_sums)
{
    lnob_memo_key_t k = {{0}};
    if (!f->p->memo)
        return k;
    lnob_memo_hash_t h;
    lnob_mis_memo_key(&h, what, t, f->p);
    lnob_memo_add(&h, t->value, sizeof t->value);
    lnob_memo_add(&h, role, ROWS);
    lnob_memo_add(&h, &n_sums, sizeof n_sums);
    if (n_sums)
        lnob_memo_add(&h, sums, n_sums * sizeof *sums);
    lnob_memo_end(&h, &k);
    return k;
}

/* The first withheld row of t with persons that the published rows pin,
 * with the bounds every count has and what other tables say (kit/interval.h),
 * or -1 when none; -4 when the counts contradict the table's atoms, -5 when
 * the solver fails. A row of 0 may be pinned: zeros are published (a
 * share's numerator of 0 where the published classes of 3 or more
 * services are empty). */
static int s_pinned_row(const fix_t *f, table_t *t)
{
    uint8_t role[ROWS];
    if (!s_roles(t, role))
        return -1;
    lnob_interval_sum_t *sums = lnob_calloc(ROWS + 2, sizeof *sums);
    lnob_interval_t iv[ROWS] = {0};
    lnob_interval_table_t it = {lnob_mis_matrix(t, f->p), t->all ? ROWS : COUNT_ROWS, f->p->atoms[t->all],
                                t->value, role, sums, s_sums(t, sums)};
    lnob_memo_key_t k = s_question(f, 'I', t, role, sums, it.n_sums);
    int rc;
    if (!lnob_mis_memo_recall(f->p, &k, iv, sizeof iv, &rc)) {
        rc = lnob_interval(&it, iv);
        lnob_mis_memo_keep(f->p, &k, iv, sizeof iv, rc);
    }
    free(sums);
    if (rc != 0)
        return rc == -1 ? -4 : -5;
    for (int r = 0; r < ROWS; r++)
        if (role[r] == LNOB_INTERVAL_WITHHELD)
            t->iv[r] = iv[r];
    for (int r = 0; r < ROWS; r++)
        if (role[r] == LNOB_INTERVAL_WITHHELD && t->value[r] && lnob_interval_pinned(&iv[r]))
            return r;
    return -1;
}

/* The counts that may be withheld to free a pinned row of t, the
 * smallest first (the least loss): t's own published ones, then the same
 * rows of the tables linked to it (a service's published total can pin
 * its place's). */
static size_t s_candidates(table_t *t, int pinned, ref_t **out)
{
    size_t n = 0, cap = ROWS;
    ref_t *v = lnob_malloc(cap * sizeof *v);
    for (size_t pass = 0; pass < 2; pass++) {
        size_t from = n;
        for (size_t i = 0; i < (pass == 0 ? 1 : t->n_near); i++) {
            table_t *u = pass == 0 ? t : t->near[i];
            for (int r = 0; r < ROWS; r++) {
                if (!u->present[r] || !u->value[r] || u->forced[r] || !u->determined[r] || r == R_AGEU ||
                    (u == t && r == pinned) || (pass == 1 && (!s_linked(t, r) || !s_linked(u, r))))
                    continue;
                lnob_grow((void **) &v, &cap, n + 1, sizeof *v);
                v[n++] = (ref_t){u, r};
            }
        }
        for (size_t a = from + 1; a < n; a++) /* by value within the pass */
            for (size_t b = a; b > from && v[b].t->value[v[b].row] < v[b - 1].t->value[v[b - 1].row]; b--) {
                ref_t x = v[b];
                v[b] = v[b - 1], v[b - 1] = x;
            }
    }
    *out = v;
    return n;
}

/* Withholds candidate c and keeps it withheld when its table can hide it
 * and, when `pinned` is a row of t (not -1), that row is then free.
 * Returns 0 kept, -2 undone, or an error of s_pinned_row. */
static int s_try(fix_t *f, const ref_t *c, table_t *t, int pinned)
{
    c->t->forced[c->row] = 1;
    int rc = lnob_mis_protect_table(c->t, f->p) == 0 ? 0 : -2;
    if (rc == 0 && pinned >= 0) {
        int still = s_pinned_row(f, t);
        if (still < -1)
            return still;
        rc = still == pinned ? -2 : 0;
    }
    if (rc == -2) { /* no help, or that row cannot be hidden (-3) */
        c->t->forced[c->row] = 0;
        lnob_mis_protect_table(c->t, f->p);
    }
    return rc;
}

/* Row `pinned` of t is pinned: withholds the first candidate whose
 * withholding frees it, or when none does alone, the first that can be
 * withheld (so that each call hides one more row). Returns 0, -2 when
 * nothing is left to withhold, or an error of s_pinned_row. */
static int s_unpin(fix_t *f, table_t *t, int pinned)
{
    ref_t *c;
    size_t n = s_candidates(t, pinned, &c);
    int rc = -2;
    f->changed = 1;
    for (size_t i = 0; i < n && rc == -2; i++)
        rc = s_try(f, &c[i], t, pinned);
    for (size_t i = 0; i < n && rc == -2; i++) /* none frees it alone: hide the first that can be */
        rc = s_try(f, &c[i], t, -1);
    free(c);
    return rc;
}

/* The clock when t or a table whose rows bound t's last changed: wider,
 * narrower, or splitting a wider one as t does (s_siblings). */
static unsigned long s_changed(const table_t *t)
{
    unsigned long at = t->stamp;
    const table_t *up[2] = {t->up_all, t->up_nat};
    for (size_t i = 0; i < t->n_near; i++)
        if (t->near[i]->stamp > at)
            at = t->near[i]->stamp;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; up[k] && i < up[k]->n_narrow; i++)
            if (s_sibling(up[k]->narrow[i], up[k], t) && up[k]->narrow[i]->stamp > at)
                at = up[k]->narrow[i]->stamp;
    return at;
}

/* Every table that it or a linked one changed since its last check (what
 * one publishes bounds the rows of those linked to it): no withheld row
 * pinned. */
int lnob_mis_bounds(fix_t *f)
{
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        table_t *t = &f->t[i];
        if (t->checked && s_changed(t) <= t->checked)
            continue;
        unsigned long now = *f->p->clock;
        int pinned = s_pinned_row(f, t);
        if (pinned < -1)
            return pinned;
        if (pinned >= 0)
            rc = s_unpin(f, t, pinned);
        else
            t->checked = now;
    }
    return rc;
}

/* ---- classes a wider table shows empty --------------------------------------- */

/* u->can as u publishes now (kit/interval.h's support). 0, -4 or -5. */
static int s_support(const fix_t *f, table_t *u)
{
    if (u->supported)
        return 0;
    uint8_t role[ROWS];
    s_roles(u, role);
    lnob_interval_table_t it = {lnob_mis_matrix(u, f->p), u->all ? ROWS : COUNT_ROWS, f->p->atoms[u->all],
                                u->value, role, NULL, 0};
    if (!u->can)
        u->can = lnob_calloc(f->p->atoms[u->all], 1);
    lnob_memo_key_t k = s_question(f, 'S', u, role, NULL, 0);
    int rc;
    if (!lnob_mis_memo_recall(f->p, &k, u->can, f->p->atoms[u->all], &rc)) {
        rc = lnob_interval_support(&it, u->can);
        lnob_mis_memo_keep(f->p, &k, u->can, f->p->atoms[u->all], rc);
    }
    for (size_t j = 0; u->zero && j < f->p->atoms[u->all]; j++)
        u->can[j] &= !u->zero[j]; /* taken out of its rows: in none, but empty */
    u->supported = rc == 0;
    return rc == 0 ? 0 : rc == -1 ? -4 : -5;
}

/* 1 when class c (atom c of a table by one service, atoms c x NSERV ..
 * of one by all) has nobody in u. */
static int s_class_empty(const table_t *u, size_t c)
{
    size_t k = u->all ? NSERV : 1;
    for (size_t j = c * k; j < (c + 1) * k; j++)
        if (u->can[j])
            return 0;
    return 1;
}

/* t's atoms whose class a wider table shows empty (every person keeps
 * their sex, age and groups in every table), and its rows without them. */
static int s_take_zeros(const fix_t *f, table_t *t, uint8_t *zero)
{
    size_t atoms = f->p->atoms[t->all];
    int any = 0;
    for (size_t j = 0; j < atoms; j++)
        any |= zero[j];
    if ((t->zero != NULL) == any && (!any || !memcmp(zero, t->zero, atoms))) {
        free(zero);
        return 0;
    }
    free(t->zero);
    free(t->rows_own);
    t->zero = any ? zero : NULL;
    t->rows_own = NULL;
    if (!any)
        free(zero);
    else {
        t->rows_own = lnob_malloc(ROWS * atoms);
        memcpy(t->rows_own, f->p->rows[t->all], ROWS * atoms);
        for (size_t r = 0; r < ROWS; r++)
            for (size_t j = 0; j < atoms; j++)
                if (zero[j])
                    t->rows_own[r * atoms + j] = 0;
    }
    return 1;
}

/* Gives every table the classes its wider tables show empty, wider ones
 * first (the order of f->t), protecting again each that changes. */
int lnob_mis_zeros(fix_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        table_t *t = &f->t[i], *up[2] = {t->up_all, t->up_nat};
        int rc = 0;
        for (int k = 0; k < 2 && rc == 0; k++)
            if (up[k])
                rc = s_support(f, up[k]);
        if (rc != 0)
            return rc;
        size_t atoms = f->p->atoms[t->all];
        uint8_t *zero = lnob_calloc(atoms, 1);
        for (size_t j = 0; j < atoms; j++)
            for (int k = 0; k < 2; k++)
                if (up[k] && s_class_empty(up[k], t->all ? j / NSERV : j))
                    zero[j] = 1;
        if (s_take_zeros(f, t, zero)) {
            f->changed = 1;
            if ((rc = lnob_mis_protect_table(t, f->p)) != 0)
                return rc;
        }
    }
    return 0;
}

static void s_push_table(table_t ***v, size_t *n, table_t *t)
{
    size_t cap = *n; /* grown to the next power of two as needed */
    if ((*n & (*n - 1)) == 0) {
        cap = *n ? 2 * *n : 1;
        *v = lnob_realloc(*v, cap * sizeof **v);
    }
    (*v)[(*n)++] = t;
}

static int s_by_service(const void *key, const void *table)
{
    return strcmp(key, ((const table_t *) table)->e.v[0].service);
}

/* Links each table to its wider ones (table_t.up_all, up_nat) and back
 * (narrow), and lists each one's near tables. t[0..n) is in place order
 * (s_by_table): the nation's first, each place's by all services first. */
void lnob_mis_link(table_t *t, size_t n)
{
    size_t nation = 0;
    while (nation < n && !*t[nation].e.v[0].mun)
        nation++;
    for (size_t i = 0, place = 0; i < n; i++) {
        const entry_t *a = &t[i].e.v[0];
        if (strcmp(a->mun, t[place].e.v[0].mun) != 0)
            place = i;
        if (*a->service && !*t[place].e.v[0].service)
            t[i].up_all = &t[place];
        if (*a->mun)
            t[i].up_nat = bsearch(a->service, t, nation, sizeof *t, s_by_service);
    }
    for (size_t i = 0; i < n; i++) /* in array order, so each list is too */
        for (int k = 0; k < 2; k++) {
            table_t *up = k ? t[i].up_nat : t[i].up_all;
            if (up)
                s_push_table(&up->narrow, &up->n_narrow, &t[i]);
        }
    for (size_t i = 0; i < n; i++) {
        table_t *up[2] = {t[i].up_all, t[i].up_nat};
        if (up[0] && up[1] && up[1] < up[0])
            up[0] = t[i].up_nat, up[1] = t[i].up_all;
        for (size_t j = 0, k = 0; j < t[i].n_narrow || k < 2;) { /* merged by address: array order */
            while (k < 2 && !up[k])
                k++;
            table_t *u = j < t[i].n_narrow ? t[i].narrow[j] : NULL;
            if (k < 2 && (!u || up[k] < u))
                s_push_table(&t[i].near, &t[i].n_near, up[k++]);
            else if (u)
                s_push_table(&t[i].near, &t[i].n_near, u), j++;
        }
    }
}

