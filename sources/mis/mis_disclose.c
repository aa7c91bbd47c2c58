/* mis_disclose.c - disclosure control of MIS cells (mis_disclose.h). */
#include "mis_disclose.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"
#include "mis_tables.h"

/* ---- the rows of a table: the counts it can publish ------------------------ */


/* The group labels of the rows R_F .. R_A65 and R_NS1 .. R_NS5, as the cells spell them. */
static const char *const s_label[ROWS] = {
    "", "F", "M", "unknown", "DIS", "RE", "ROMA", "EGY", "ELD", "VAW", "CHI", "0-17", "18-64", "65+", "",
    "1", "2", "3", "4", "5+", "", ""};

/* An atom: one class of persons, by every attribute a row can name. */
typedef struct {
    int sex, age, dis, roma, egy, vaw, ns; /* sex 0 F 1 M 2 unknown; age 0-2, 3 unknown; ns 0-4 */
} atom_t;

/* The VULN_GROUPS bits as lnob_mis_vuln_mask() sets them: DIS, RE, ROMA,
 * EGY, ELD, VAW, CHI from bit 4 on; 0 means all. */
static int s_vulnerable(const atom_t *a, uint32_t mask)
{
    int in[7] = {a->dis, a->roma || a->egy, a->roma, a->egy, a->age == 2, a->vaw, a->age == 0};
    for (int k = 0; k < 7; k++)
        if (in[k] && (!mask || mask >> (4 + k) & 1))
            return 1;
    return 0;
}

static int s_in_row(const atom_t *a, int row, uint32_t mask)
{
    switch (row) {
    case R_T: return 1;
    case R_F: case R_M: case R_SEXU: return a->sex == row - R_F;
    case R_DIS: return a->dis;
    case R_RE: return a->roma || a->egy;
    case R_ROMA: return a->roma;
    case R_EGY: return a->egy;
    case R_ELD: return a->age == 2;
    case R_VAW: return a->vaw;
    case R_CHI: return a->age == 0;
    case R_A017: case R_A1864: case R_A65: case R_AGEU: return a->age == row - R_A017;
    case R_NUM3: return s_vulnerable(a, mask) && a->ns >= 2;
    case R_DEN3: return s_vulnerable(a, mask);
    default: return a->ns == row - R_NS1;
    }
}

/* The rows over every possible atom (VAW only with sex F: §6.4); ns_dim 1
 * for a table by one service, which has no rows by number of services. */
static uint8_t *s_rows(int ns_dim, uint32_t mask, size_t *n_atoms)
{
    atom_t *v = lnob_malloc(3 * 4 * 2 * 2 * 2 * 2 * NSERV * sizeof *v);
    size_t n = 0;
    for (int sex = 0; sex < 3; sex++)
        for (int age = 0; age < 4; age++)
            for (int bits = 0; bits < 16; bits++)
                for (int ns = 0; ns < ns_dim; ns++)
                    if (!(bits & 8) || sex == 0)
                        v[n++] = (atom_t){sex, age, bits & 1, bits >> 1 & 1, bits >> 2 & 1, bits >> 3 & 1, ns};
    uint8_t *rows = lnob_calloc(ROWS * n, 1);
    for (int r = 0; r < ROWS; r++)
        for (size_t j = 0; j < n; j++)
            rows[r * n + j] = (uint8_t) s_in_row(&v[j], r, mask);
    free(v);
    *n_atoms = n;
    return rows;
}

/* ---- cells into tables ----------------------------------------------------- */


static void s_push(entries_t *e, const entry_t *x)
{
    lnob_grow((void **) &e->v, &e->cap, e->n + 1, sizeof *e->v);
    e->v[e->n++] = *x;
}

static int s_label_row(const char *label, int from, int to)
{
    for (int r = from; r <= to; r++)
        if (!strcmp(s_label[r], label))
            return r;
    return -1;
}

/* Splits breakdown and group into mun, service and the last key's row. */
static int s_place(const lnob_cell_t *c, entry_t *e, int *split_row)
{
    char bd[128], grp[LNOB_GROUP_MAX];
    snprintf(bd, sizeof bd, "%s", c->breakdown);
    snprintf(grp, sizeof grp, "%s", c->group);
    char *bs = NULL, *gs = NULL;
    *split_row = R_T;
    for (char *k = strtok_r(bd, ",", &bs), *g = strtok_r(grp, ",", &gs); k && g;
         k = strtok_r(NULL, ",", &bs), g = strtok_r(NULL, ",", &gs)) {
        if (!strcmp(k, "municipality"))
            snprintf(e->mun, sizeof e->mun, "%s", g);
        else if (!strcmp(k, "service"))
            snprintf(e->service, sizeof e->service, "%s", g);
        else if (!strcmp(k, "nserv"))
            *split_row = s_label_row(g, R_NS1, R_NS5);
        else
            *split_row = s_label_row(g, R_F, R_A65);
        if (*split_row < 0)
            return -1;
    }
    return 0;
}

/* The indicators counting persons: each of their cells is in a table. */
static int s_of_persons(const char *ind)
{
    static const char *const names[] = {"mis_ben", "mis_ben_all", "mis_nserv", "mis_rate1000", "mis_share3",
                                        "mis_share3_reg", NULL};
    for (const char *const *n = names; *n; n++)
        if (!strcmp(*n, ind))
            return 1;
    return 0;
}

/* The table entry of cell c: 1, or 0 when it counts no persons
 * (mis_mun33), or -1 when it does but its breakdown is in no table. */
static int s_entry(const lnob_cell_t *c, size_t i, entry_t *e)
{
    memset(e, 0, sizeof *e);
    e->cell = i;
    int row;
    if (!s_of_persons(c->indicator))
        return 0;
    if (s_place(c, e, &row) != 0)
        return -1;
    const char *ind = c->indicator;
    uint64_t num = c->has_value && c->n ? (uint64_t) llround(c->value * (double) c->n / 100.0) : 0;
    e->n_rows = 1;
    e->value[0] = c->n;
    if (!strcmp(ind, "mis_ben") || !strcmp(ind, "mis_ben_all") || !strcmp(ind, "mis_nserv"))
        e->rows[0] = (uint8_t) row;
    else if (!strcmp(ind, "mis_rate1000"))
        e->rows[0] = R_T;
    else if (!strcmp(ind, "mis_share3"))
        e->rows[0] = R_NUM3, e->value[0] = num, e->rows[1] = R_DEN3, e->value[1] = c->n, e->n_rows = 2;
    else /* mis_share3_reg; n: the register's persons; no value: nothing of NUM3 */
        e->rows[0] = R_NUM3, e->value[0] = num, e->value[1] = c->n, e->small_other = 1, e->n_rows = c->has_value;
    return 1;
}

static int s_by_table(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    int d = strcmp(x->mun, y->mun);
    if (!d)
        d = strcmp(x->service, y->service);
    return d ? d : (x->cell > y->cell) - (x->cell < y->cell);
}

static int s_same_table(const entry_t *a, const entry_t *b)
{
    return !strcmp(a->mun, b->mun) && !strcmp(a->service, b->service);
}

/* ---- one table ------------------------------------------------------------- */


static int s_small(uint64_t v, unsigned small_max)
{
    return v >= 1 && v <= small_max;
}

/* Values and present rows from the table's cells, and a known entry for
 * each present row without a cell that is 0: a structural zero (only
 * groups with persons get a cell), or no person of unknown age (the age
 * groups sum to the total, as they nearly always do). Persons of unknown
 * age, when there are some, are a row no cell publishes: determined only
 * when the total and the age groups are (the span test), hidden when 1-4. */
static void s_table_rows(table_t *t)
{
    uint8_t seen[ROWS] = {0};
    for (size_t i = 0; i < t->e.n; i++)
        for (int k = 0; k < t->e.v[i].n_rows; k++) {
            seen[t->e.v[i].rows[k]] = 1;
            t->value[t->e.v[i].rows[k]] = t->e.v[i].value[k];
        }
    for (int r = 0; r < ROWS; r++)
        t->present[r] = r < COUNT_ROWS || (t->all && (r < R_NUM3 || seen[R_NUM3]));
    t->value[R_AGEU] = t->value[R_T] - t->value[R_A017] - t->value[R_A1864] - t->value[R_A65];
    for (int r = 0; r < ROWS; r++)
        if (t->present[r] && !seen[r] && (r != R_AGEU || t->value[r] == 0)) {
            entry_t z = {.cell = SIZE_MAX, .rows = {(uint8_t) r}, .n_rows = 1, .value = {t->value[r]}};
            memcpy(z.mun, t->e.v[0].mun, sizeof z.mun);
            memcpy(z.service, t->e.v[0].service, sizeof z.service);
            s_push(&t->e, &z);
        }
}

static int s_priority(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    int xt = x->rows[0] == R_T, yt = y->rows[0] == R_T;
    if (xt != yt)
        return yt - xt;
    if (x->value[0] != y->value[0])
        return x->value[0] < y->value[0] ? 1 : -1;
    return (x->cell > y->cell) - (x->cell < y->cell);
}

static uint8_t s_state(const entry_t *e, const table_t *t, unsigned small_max)
{
    int small = e->small_other && s_small(e->value[1], small_max), forced = 0;
    for (int k = 0; k < e->n_rows; k++) {
        small |= s_small(e->value[k], small_max);
        forced |= t->forced[e->rows[k]];
    }
    if (e->cell == SIZE_MAX) /* a row of 0 known to all */
        return LNOB_PROTECT_KNOWN;
    if (small)
        return LNOB_PROTECT_PRIMARY;
    return forced ? LNOB_PROTECT_SECONDARY : LNOB_PROTECT_OPEN; /* a zero too: it may say much */
}

/* 1 when the rows determined (t->determined) hold a hidden row or a row
 * of a cell withheld. */
static int s_revealed(const table_t *t, const lnob_protect_cell_t *c, const uint8_t *hidden)
{
    for (int r = 0; r < ROWS; r++)
        if (hidden[r] && t->determined[r])
            return 1;
    for (size_t i = 0; i < t->e.n; i++)
        for (int k = 0; k < c[i].n_rows; k++)
            if ((c[i].state == LNOB_PROTECT_PRIMARY || c[i].state == LNOB_PROTECT_SECONDARY) &&
                t->determined[c[i].rows[k]])
                return 1;
    return 0;
}

/* The rows of t over its atoms, without those a wider table shows empty. */
const uint8_t *lnob_mis_matrix(const table_t *t, const policy_t *p)
{
    return t->rows_own ? t->rows_own : p->rows[t->all];
}

/* ---- answers kept between rounds (kit/memo.h) ----------------------------- */

/* Begins the key of question `what` about t: with everything its matrix
 * comes from (its scope, the vulnerable groups, the atoms a wider table
 * shows empty). */
void lnob_mis_memo_key(lnob_memo_hash_t *h, char what, const table_t *t, const policy_t *p)
{
    uint8_t head[3] = {(uint8_t) what, (uint8_t) t->all, t->zero != NULL};
    lnob_memo_begin(h);
    lnob_memo_add(h, head, sizeof head);
    lnob_memo_add(h, &p->vulnerable, sizeof p->vulnerable);
    if (t->zero)
        lnob_memo_add(h, t->zero, p->atoms[t->all]);
}

/* The answer kept under k into out[0..size) and *rc: 1, or 0 when none
 * (or no memo: then k is not looked at). */
int lnob_mis_memo_recall(const policy_t *p, const lnob_memo_key_t *k, void *out, size_t size, int *rc)
{
    size_t len;
    const uint8_t *v = lnob_memo_get(p->memo, k, &len);
    if (!v || len != size + 1)
        return 0;
    memcpy(out, v, size);
    *rc = (int8_t) v[size];
    return 1;
}

void lnob_mis_memo_keep(const policy_t *p, const lnob_memo_key_t *k, const void *out, size_t size, int rc)
{
    if (!p->memo)
        return;
    uint8_t *v = lnob_malloc(size + 1);
    memcpy(v, out, size);
    v[size] = (uint8_t) (int8_t) rc;
    lnob_memo_put(p->memo, k, v, size + 1);
    free(v);
}

/* The span test of t's cells c (protect.h) into their states and
 * t->determined. 0 or -1. */
static int s_span_solve(table_t *t, const lnob_protect_table_t *pt, lnob_protect_cell_t *c)
{
    return lnob_protect(pt, c, t->e.n) < 0 ? -1 : lnob_protect_determined(pt, c, t->e.n, t->determined);
}

/* s_span_solve, or its answer as an earlier round found it when it asked
 * the same. */
static int s_span(table_t *t, const policy_t *p, const lnob_protect_table_t *pt, lnob_protect_cell_t *c)
{
    size_t n = t->e.n, size = n * sizeof *c + ROWS;
    if (!p->memo)
        return s_span_solve(t, pt, c);
    lnob_memo_hash_t h;
    lnob_memo_key_t k;
    lnob_mis_memo_key(&h, 'P', t, p);
    lnob_memo_add(&h, pt->hidden, ROWS);
    lnob_memo_add(&h, &n, sizeof n);
    lnob_memo_add(&h, c, n * sizeof *c);
    lnob_memo_end(&h, &k);
    uint8_t *v = lnob_malloc(size);
    int rc;
    if (lnob_mis_memo_recall(p, &k, v, size, &rc)) {
        memcpy(c, v, n * sizeof *c);
        memcpy(t->determined, v + n * sizeof *c, ROWS);
    } else {
        rc = s_span_solve(t, pt, c);
        memcpy(v, c, n * sizeof *c);
        memcpy(v + n * sizeof *c, t->determined, ROWS);
        lnob_mis_memo_keep(p, &k, v, size, rc);
    }
    free(v);
    return rc;
}

/* Decides every cell of t afresh: primary, forced and complements. */
int lnob_mis_protect_table(table_t *t, const policy_t *p)
{
    uint8_t hidden[ROWS];
    for (int r = 0; r < ROWS; r++)
        hidden[r] = t->present[r] && (s_small(t->value[r], p->small_max) || t->forced[r]);
    qsort(t->e.v, t->e.n, sizeof *t->e.v, s_priority);
    lnob_protect_cell_t *c = lnob_malloc((t->e.n ? t->e.n : 1) * sizeof *c);
    for (size_t i = 0; i < t->e.n; i++) {
        entry_t *e = &t->e.v[i];
        c[i] = (lnob_protect_cell_t){{e->rows[0], e->rows[1]}, e->n_rows, s_state(e, t, p->small_max)};
    }
    lnob_protect_table_t pt = {lnob_mis_matrix(t, p), t->all ? ROWS : COUNT_ROWS, p->atoms[t->all], hidden};
    int rc = s_span(t, p, &pt, c);
    if (rc == 0 && s_revealed(t, c, hidden))
        rc = -3; /* a hidden row in the span of what is published anyway: never publish that */
    for (size_t i = 0; i < t->e.n; i++)
        t->e.v[i].p = c[i];
    free(c);
    t->supported = 0;
    t->stamp = ++*p->clock;
    for (int r = 0; r < ROWS; r++)
        t->iv[r] = (lnob_interval_t){t->value[r] ? 1.0 : 0.0, INFINITY};
    return rc;
}

/* ---- relations between counts: sums an attacker can subtract ------------ */


/* A relation: a determined sum (the parent) of counts (the children). The
 * children withheld and undetermined must not be one alone, nor sum to
 * small_max persons or fewer, nor to the sum of their least values (each
 * has a cell, so at least 1; more when its table's interval says so) or of
 * their greatest: then each is pinned. Else the smallest determined
 * child with persons is hidden too, or, when none is left, the parent
 * (hide: a row of the parent side). */
static int s_relation(fix_t *f, int parent_determined, const ref_t *hide, const ref_t *child, size_t n)
{
    uint64_t sum = 0;
    double lo = 0, hi = 0;
    size_t k = 0;
    const ref_t *partner = NULL;
    for (size_t i = 0; i < n && parent_determined; i++) {
        const table_t *t = child[i].t;
        int r = child[i].row;
        if (!t->present[r] || t->value[r] == 0)
            continue;
        if (!t->determined[r])
            k++, sum += t->value[r], lo += ceil(t->iv[r].lo - 1e-6), hi += floor(t->iv[r].hi + 1e-6);
        else if (r != R_AGEU && !t->forced[r] && (!partner || t->value[r] < partner->t->value[partner->row]))
            partner = &child[i];
    }
    /* each child lies in [lo_i, hi_i] (its table's interval, or at least 1): the sum pins
     * them all when it is the sum of the lows or of the highs */
    if (!parent_determined || k == 0 || (k >= 2 && sum > f->p->small_max && (double) sum > lo && (double) sum < hi))
        return 0;
    const ref_t *r = partner ? partner : hide;
    if (!r || r->t->forced[r->row] || r->t->value[r->row] == 0 || r->row == R_AGEU) {
        f->unresolved++;
        return 0;
    }
    r->t->forced[r->row] = 1;
    f->changed = 1;
    return lnob_mis_protect_table(r->t, f->p);
}

/* Within a table: the total is its sexes, its age groups (with the persons
 * of unknown age) and, by all services, its persons by number of services. */
static int s_table_relations(fix_t *f, table_t *t)
{
    static const int split[3][5] = {{R_F, R_M, R_SEXU, -1}, {R_A017, R_A1864, R_A65, R_AGEU, -1},
                                    {R_NS1, R_NS2, R_NS3, R_NS4, R_NS5}};
    ref_t parent = {t, R_T}, child[5];
    int rc = 0;
    for (int s = 0; s < (t->all ? 3 : 2) && rc == 0; s++) {
        size_t n = 0;
        for (int i = 0; i < 5 && split[s][i] >= 0; i++)
            child[n++] = (ref_t){t, split[s][i]};
        rc = s_relation(f, t->determined[R_T], &parent, child, n);
    }
    return rc;
}

/* Across municipalities: a national count of one service (or all) is the
 * sum of the municipal ones, less the persons served in two or more. The
 * relation is protected where that gap is small_max persons or fewer, so
 * that subtracting gives a withheld count or nearly. Not for the persons
 * by number of services: a person's services nationally add up across
 * municipalities. v[0..n): the scope's tables, the national one first. */
static int s_columns(fix_t *f, table_t *const *v, size_t n)
{
    static const int extra[] = {R_NUM3, R_DEN3};
    if (*v[0]->e.v[0].mun)
        return 0; /* no national table */
    ref_t *child = lnob_malloc((n ? n : 1) * sizeof *child);
    int rc = 0, rows = COUNT_ROWS + (v[0]->all ? 2 : 0);
    for (int k = 0; k < rows && rc == 0; k++) {
        int r = k < COUNT_ROWS ? k : extra[k - COUNT_ROWS];
        uint64_t sum = 0;
        for (size_t i = 1; i < n; i++) {
            child[i - 1] = (ref_t){v[i], r};
            sum += v[i]->present[r] ? v[i]->value[r] : 0;
        }
        ref_t nat = {v[0], r};
        int holds = v[0]->value[r] <= sum && sum - v[0]->value[r] <= f->p->small_max;
        rc = s_relation(f, holds && v[0]->present[r] && v[0]->determined[r], &nat, child, n - 1);
    }
    free(child);
    return rc;
}

/* Within a place: its services' totals sum to its persons by number of
 * services, weighted (1 x NS1 + 2 x NS2 + ...), exactly when nobody has 5
 * or more, or the place has at most 5 services. v[0]: its table by all
 * services, v[1..n): by each service. */
static int s_services(fix_t *f, table_t *const *v, size_t n)
{
    table_t *a = v[0];
    if (!a->all || n < 2)
        return 0;
    int determined = a->value[R_NS5] == 0 || n - 1 <= NSERV;
    ref_t smallest = {a, -1}, *child = lnob_malloc(n * sizeof *child);
    for (int r = R_NS1; r <= R_NS5; r++) {
        determined &= a->determined[r];
        if (a->value[r] && !a->forced[r] && (smallest.row < 0 || a->value[r] < a->value[smallest.row]))
            smallest.row = r;
    }
    for (size_t i = 1; i < n; i++)
        child[i - 1] = (ref_t){v[i], R_T};
    int rc = s_relation(f, determined, smallest.row < 0 ? NULL : &smallest, child, n - 1);
    free(child);
    return rc;
}

/* ---- the extract ------------------------------------------------------------ */

static int s_by_scope(const void *a, const void *b)
{
    const table_t *x = *(table_t *const *) a, *y = *(table_t *const *) b;
    int d = strcmp(x->e.v[0].service, y->e.v[0].service);
    return d ? d : strcmp(x->e.v[0].mun, y->e.v[0].mun);
}

/* The entries grouped into tables, each with its structural zeros. */
static table_t *s_tables(entries_t *all, size_t *n_tables)
{
    qsort(all->v, all->n, sizeof *all->v, s_by_table);
    table_t *t = lnob_calloc(all->n ? all->n : 1, sizeof *t);
    size_t n = 0;
    for (size_t i = 0; i < all->n; i++) {
        if (i == 0 || !s_same_table(&all->v[i], &all->v[i - 1]))
            t[n++].all = !*all->v[i].service;
        s_push(&t[n - 1].e, &all->v[i]);
    }
    for (size_t i = 0; i < n; i++)
        s_table_rows(&t[i]);
    *n_tables = n;
    return t;
}

/* The runs of v[0..n) that keep(a, b) holds together, each given to fn. */
static int s_runs(fix_t *f, table_t **v, size_t n, int (*same)(const table_t *, const table_t *),
                  int (*fn)(fix_t *, table_t *const *, size_t))
{
    int rc = 0;
    for (size_t i = 0, j; i < n && rc == 0; i = j) {
        for (j = i + 1; j < n && same(v[i], v[j]); j++)
            ;
        rc = fn(f, v + i, j - i);
    }
    return rc;
}

static int s_same_service(const table_t *a, const table_t *b)
{
    return !strcmp(a->e.v[0].service, b->e.v[0].service);
}

static int s_same_place(const table_t *a, const table_t *b)
{
    return !strcmp(a->e.v[0].mun, b->e.v[0].mun);
}

/* Every relation once over the tables. */
static int s_relation_pass(fix_t *f, table_t **by_place, table_t **by_scope)
{
    int rc = 0;
    f->unresolved = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++)
        rc = s_table_relations(f, &f->t[i]);
    if (rc == 0)
        rc = s_runs(f, by_scope, f->n, s_same_service, s_columns);
    if (rc == 0)
        rc = s_runs(f, by_place, f->n, s_same_place, s_services);
    return rc;
}

/* Applies every relation until none changes a table: each change hides a
 * row not hidden before, so it ends. t[0..n) is in place order (by all
 * services first), by_scope the same tables in scope order. */
static int s_relations(table_t *t, table_t **by_place, table_t **by_scope, size_t n, const policy_t *p)
{
    fix_t f = {p, 1, 0, t, n};
    int rc = 0;
    while (f.changed && rc == 0) {
        f.changed = f.unresolved = 0;
        rc = lnob_mis_zeros(&f);
        if (rc == 0)
            rc = s_relation_pass(&f, by_place, by_scope);
        if (rc == 0)
            rc = lnob_mis_bounds(&f);
        if (rc == 0 && !f.changed) /* once more, each count judged by the interval just found */
            rc = s_relation_pass(&f, by_place, by_scope);
    }
    return rc == 0 && f.unresolved ? -2 : rc;
}

static int s_protect_all(table_t *t, size_t n, const policy_t *p)
{
    table_t **by_place = lnob_malloc((n ? n : 1) * sizeof *by_place);
    table_t **by_scope = lnob_malloc((n ? n : 1) * sizeof *by_scope);
    int rc = 0;
    lnob_mis_link(t, n);
    for (size_t i = 0; i < n; i++) {
        by_place[i] = by_scope[i] = &t[i];
        if (rc == 0)
            rc = lnob_mis_protect_table(&t[i], p);
    }
    qsort(by_scope, n, sizeof *by_scope, s_by_scope);
    if (rc == 0)
        rc = s_relations(t, by_place, by_scope, n, p);
    free(by_place);
    free(by_scope);
    return rc;
}

static void s_mark(lnob_cell_t *cells, const table_t *t, size_t n, lnob_mis_disclosed_t *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < t[i].e.n; k++) {
            const entry_t *e = &t[i].e.v[k];
            if (e->cell == SIZE_MAX || e->p.state == LNOB_PROTECT_OPEN || e->p.state == LNOB_PROTECT_KNOWN)
                continue;
            int small = e->p.state == LNOB_PROTECT_PRIMARY;
            cells[e->cell].flag = LNOB_FLAG_SUPPRESS;
            cells[e->cell].suppressed = small ? "SMALL_COUNT" : "COMPLEMENT";
            out->small += (uint64_t) small;
            out->complement += (uint64_t) !small;
        }
}

static const char *s_why(int rc)
{
    switch (rc) {
    case -2: return "a withheld count could not be widened: nothing is left to withhold beside it";
    case -3: return "a table's published cells determine a withheld one";
    case -4: return "a table's counts contradict its classes of persons (the protection model does not fit)";
    case -5: return "the linear programming solver failed on a table";
    default: return "a table has more rows than the exact rank test takes";
    }
}

int lnob_mis_disclose(lnob_cell_t *cells, size_t n, uint32_t vulnerable, unsigned small_max, lnob_memo_t *memo,
                      lnob_mis_disclosed_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    unsigned long clock = 0;
    policy_t p = {.small_max = small_max, .vulnerable = vulnerable, .clock = &clock, .memo = memo};
    uint8_t *rows[2] = {s_rows(1, vulnerable, &p.atoms[0]), s_rows(NSERV, vulnerable, &p.atoms[1])};
    p.rows[0] = rows[0], p.rows[1] = rows[1];
    entries_t all = {0};
    entry_t e;
    for (size_t i = 0; i < n; i++) {
        int in = s_entry(&cells[i], i, &e);
        if (in > 0)
            s_push(&all, &e);
        else if (in < 0) { /* a breakdown this module does not know: never published unprotected */
            snprintf(err, errlen, "DISCLOSURE: the cell %s %s=%s is in no table", cells[i].indicator,
                     cells[i].breakdown, cells[i].group);
            free(all.v);
            free(rows[0]);
            free(rows[1]);
            return -1;
        }
    }
    size_t n_tables;
    table_t *t = s_tables(&all, &n_tables);
    int rc = s_protect_all(t, n_tables, &p);
    if (rc == 0)
        s_mark(cells, t, n_tables, out);
    else
        snprintf(err, errlen, "DISCLOSURE: %s", s_why(rc));
    for (size_t i = 0; i < n_tables; i++)
        free(t[i].e.v), free(t[i].zero), free(t[i].rows_own), free(t[i].can), free(t[i].narrow), free(t[i].near);
    free(t);
    free(all.v);
    free(rows[0]);
    free(rows[1]);
    return rc;
}
