/* harmonise.c - Batch to sorted Run: income, breakdown codes, total order (harmonise.h). */
#include "harmonise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "household.h"
#include "lnob/mem.h"
#include "lnob/units.h"
#include "lnob/udb.h"

#define ADULT_AGE 18
#define ELDERLY_AGE 65
#define GALI_MIN_AGE 16 /* PH030 is asked of persons 16+ (spec §5.1) */

const char *const lnob_age_group_names[LNOB_AGE_GROUPS + 1] = {"", "0-17", "18-64", "65+"};
const char *const lnob_age_b_names[LNOB_AGE_B_GROUPS + 1] = {"",      "0-15",  "16-24",
                                                             "25-49", "50-64", "65+"};
/* The last age of each AGE_B group but the open one. */
static const int32_t s_age_b_last[LNOB_AGE_B_GROUPS - 1] = {15, 24, 49, 64};

uint32_t lnob_age_group(int32_t age)
{
    if (age == LNOB_AGE_NONE)
        return 0;
    return age < ADULT_AGE ? 1 : age < ELDERLY_AGE ? 2 : 3;
}

uint32_t lnob_age_b(int32_t age)
{
    if (age == LNOB_AGE_NONE)
        return 0;
    uint32_t g = 0;
    while (g < LNOB_AGE_B_GROUPS - 1 && age > s_age_b_last[g])
        g++;
    return g + 1;
}

uint32_t lnob_gali(int32_t ph030, int32_t age_int)
{
    if (age_int < GALI_MIN_AGE || ph030 < 1 || ph030 > LNOB_RUN_GALI_MAX)
        return 0;
    return (uint32_t) ph030;
}

/* Sort key of one person; idx points back into the batch columns. */
typedef struct {
    double x;
    int64_t pid;
    uint64_t line;
    size_t idx;
} sort_key_t;

static int s_cmp(const void *a, const void *b)
{
    const sort_key_t *p = a, *q = b;
    if (isnan(p->x) != isnan(q->x))
        return isnan(p->x) ? 1 : -1; /* income missing: last */
    if (p->x != q->x && !isnan(p->x))
        return p->x < q->x ? -1 : 1;
    if (p->pid != q->pid)
        return p->pid < q->pid ? -1 : 1;
    return (p->line > q->line) - (p->line < q->line);
}

/* Row i's income, when the batch has no UDB variables: the row is its own
 * household, sized by its HX050 alone (HY025 is a UDB variable). */
static lnob_hh_t s_row_household(const Lnob__V1__Batch *b, size_t i)
{
    lnob_hh_t h = {b->n_hy020 ? b->hy020[i] : NAN, NAN, b->n_hx050 ? b->hx050[i] : NAN,
                   b->n_hx090 ? b->hx090[i] : NAN, NAN, {0}, -1};
    return h;
}

static char **s_copy_dict(char **dict, size_t n)
{
    char **out = lnob_calloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = lnob_strdup(dict[i]);
    return out;
}

static Lnob__V1__Reject **s_copy_rejects(Lnob__V1__Reject **in, size_t n)
{
    Lnob__V1__Reject **out = lnob_calloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        out[i] = lnob_malloc(sizeof **out);
        lnob__v1__reject__init(out[i]);
        out[i]->source = lnob_strdup(in[i]->source);
        out[i]->line = in[i]->line;
        out[i]->file = in[i]->file;
        out[i]->kept = in[i]->kept;
        out[i]->field = lnob_strdup(in[i]->field);
        out[i]->reason = lnob_strdup(in[i]->reason);
        out[i]->detail = lnob_strdup(in[i]->detail);
        out[i]->raw = lnob_strdup(in[i]->raw);
    }
    return out;
}

/* ---- households (batches with UDB variables) ------------------------------ */

#define P_RECORD_AGE 16

/* The batch's UDB variables by lnob_udb_var; NULL when absent. */
typedef struct {
    const Lnob__V1__Var *v[LNOB_UDB_VARS];
} vars_t;

static vars_t s_vars(const Lnob__V1__Batch *b)
{
    vars_t vs = {{0}};
    for (size_t i = 0; i < b->n_vars; i++) {
        int v = lnob_udb_find(b->vars[i]->name);
        if (v >= 0 && (lnob_udb_defs[v].kind == LNOB_UDB_CODE ? b->vars[i]->n_code : b->vars[i]->n_amount) ==
                          b->record_count)
            vs.v[v] = b->vars[i];
    }
    return vs;
}

static int s_code(const vars_t *vs, int v, size_t i)
{
    return vs->v[v] ? vs->v[v]->code[i] : LNOB_HH_NOT_COLLECTED;
}

static double s_amount(const vars_t *vs, int v, size_t i)
{
    return vs->v[v] ? vs->v[v]->amount[i] : NAN;
}

static uint32_t s_have(const vars_t *vs)
{
    static const int dep13[] = {LNOB_V_HS060, LNOB_V_HS040, LNOB_V_HS050, LNOB_V_HH050,
                                LNOB_V_HS011, LNOB_V_HS021, LNOB_V_HS031, LNOB_V_HS110,
                                LNOB_V_HD080, LNOB_V_PD020, LNOB_V_PD030, LNOB_V_PD050,
                                LNOB_V_PD060, LNOB_V_PD070, LNOB_V_PD080};
    static const int wi[] = {LNOB_V_PL032, LNOB_V_PL073, LNOB_V_PL074, LNOB_V_PL075, LNOB_V_PL076};
    uint32_t have = LNOB_HAVE_DEP13 | LNOB_HAVE_WI;
    for (size_t k = 0; k < sizeof dep13 / sizeof *dep13; k++)
        if (!vs->v[dep13[k]])
            have &= ~LNOB_HAVE_DEP13;
    for (size_t k = 0; k < sizeof wi / sizeof *wi; k++)
        if (!vs->v[wi[k]])
            have &= ~LNOB_HAVE_WI;
    if ((have & LNOB_HAVE_DEP13) && vs->v[LNOB_V_HS070] && vs->v[LNOB_V_HS080] && vs->v[LNOB_V_HS100])
        have |= LNOB_HAVE_DEP9;
    if (vs->v[LNOB_V_PH030])
        have |= LNOB_HAVE_GALI;
    if (vs->v[LNOB_V_DB100])
        have |= LNOB_HAVE_DEGURBA;
    return have;
}

/* Sum of two month counts; NaN when both are missing. */
static double s_months(int a, int b)
{
    if (a < 0 && b < 0)
        return NAN;
    return (a < 0 ? 0 : a) + (b < 0 ? 0 : b);
}

static lnob_hh_t s_household(const Lnob__V1__Batch *b, const vars_t *vs, size_t i)
{
    lnob_hh_t h = s_row_household(b, i);
    h.hy010 = s_amount(vs, LNOB_V_HY010, i);
    h.hy025 = s_amount(vs, LNOB_V_HY025, i);
    static const int items[LNOB_HH_ITEMS] = {
        LNOB_V_HS060, LNOB_V_HS040, LNOB_V_HS050, LNOB_V_HH050, LNOB_V_HS011, LNOB_V_HS021,
        LNOB_V_HS031, LNOB_V_HS110, LNOB_V_HD080, LNOB_V_HS070, LNOB_V_HS080, LNOB_V_HS100};
    for (int k = 0; k < LNOB_HH_ITEMS; k++)
        h.item[k] = s_code(vs, items[k], i);
    h.hx060 = s_code(vs, LNOB_V_HX060, i);
    return h;
}

/* Row i's age as AGE_IRP or AGE_INT (which: LNOB_AGE_*). AGE_INT is the
 * batch's age; AGE_IRP is RX020, else RB081 (the ingester carries the
 * year-of-birth fallback there), else AGE_INT (§1.3). */
static int s_age(const Lnob__V1__Batch *b, const vars_t *vs, size_t i, int which)
{
    if (which == LNOB_AGE_INT)
        return b->age[i];
    int irp = vs->v[LNOB_V_RX020] ? vs->v[LNOB_V_RX020]->code[i] : LNOB_AGE_NONE;
    int rb081 = vs->v[LNOB_V_RB081] ? vs->v[LNOB_V_RB081]->code[i] : LNOB_AGE_NONE;
    return irp != LNOB_AGE_NONE ? irp : rb081 != LNOB_AGE_NONE ? rb081 : b->age[i];
}

static lnob_member_t s_member(const Lnob__V1__Batch *b, const vars_t *vs, size_t i, const lnob_hh_cfg_t *cfg)
{
    static const int pd[LNOB_PD_ITEMS] = {LNOB_V_PD020, LNOB_V_PD030, LNOB_V_PD050,
                                          LNOB_V_PD060, LNOB_V_PD070, LNOB_V_PD080};
    lnob_member_t m = {.pid = b->person_id[i], .sex = (int) b->sex[i]};
    m.age_eq = s_age(b, vs, i, cfg->age_eq);
    m.age_wi = s_age(b, vs, i, cfg->age_wi);
    m.age_brk = s_age(b, vs, i, cfg->age_brk);
    m.has_p = b->age[i] >= P_RECORD_AGE; /* P records: persons 16+ at the interview */
    for (int k = 0; k < LNOB_PD_ITEMS; k++) {
        m.pd[k] = s_code(vs, pd[k], i);
        m.has_p |= m.pd[k] >= 1;
    }
    m.pl032 = s_code(vs, LNOB_V_PL032, i);
    m.pl145 = s_code(vs, LNOB_V_PL145, i);
    m.ft = s_months(s_code(vs, LNOB_V_PL073, i), s_code(vs, LNOB_V_PL075, i));
    m.pt = s_months(s_code(vs, LNOB_V_PL074, i), s_code(vs, LNOB_V_PL076, i));
    int h = s_code(vs, LNOB_V_PL060, i), extra = s_code(vs, LNOB_V_PL100, i);
    m.hours = h < 0 ? NAN : h + (extra > 0 ? extra : 0);
    double pb040 = s_amount(vs, LNOB_V_PB040, i);
    m.pb040 = isnan(pb040) || pb040 <= 0 ? 0 : llround(pb040 * LNOB_WEIGHT_SCALE);
    m.py[LNOB_PY100G] = s_amount(vs, LNOB_V_PY100G, i);
    m.py[LNOB_PY110G] = s_amount(vs, LNOB_V_PY110G, i);
    m.py[LNOB_PY130G] = s_amount(vs, LNOB_V_PY130G, i);
    m.py[LNOB_PY080G] = s_amount(vs, LNOB_V_PY080G, i);
    return m;
}

/* RB220 / RB230 name a member of the household [from, to). */
static int s_parent_here(const Lnob__V1__Batch *b, const vars_t *vs, size_t i, size_t from, size_t to)
{
    double f = s_amount(vs, LNOB_V_RB220, i), mo = s_amount(vs, LNOB_V_RB230, i);
    for (size_t j = from; j < to; j++)
        if ((double) b->person_id[j] == f || (double) b->person_id[j] == mo)
            return 1;
    return 0;
}

/* Derives the status and work-intensity age (AGE_WI) of every batch row,
 * household by household (rows of one household are adjacent), and the
 * batch's part-time hours table. */
static void s_derive(const Lnob__V1__Batch *b, const vars_t *vs, const lnob_hh_cfg_t *cfg,
                     lnob_status_t *st, int *age_wi, lnob_pt_table_t *table, uint32_t *disagree)
{
    size_t n = b->record_count;
    lnob_member_t *m = lnob_malloc((n ? n : 1) * sizeof *m);
    for (size_t from = 0, to; from < n; from = to) {
        for (to = from + 1; to < n && b->household_id[to] == b->household_id[from]; to++)
            ;
        for (size_t i = from; i < to; i++) {
            m[i] = s_member(b, vs, i, cfg);
            m[i].parent_here = s_parent_here(b, vs, i, from, to);
            age_wi[i] = m[i].age_wi;
        }
        lnob_hh_t h = s_household(b, vs, from);
        lnob_hh_derive(&h, m + from, to - from, cfg, st + from);
        *disagree += (uint32_t) (to - from) * (uint32_t) lnob_hh_hx090_differs(&h, m + from, to - from);
        lnob_pt_table_add(table, m + from, to - from, cfg);
    }
    free(m);
}

static void s_alloc_columns(Lnob__V1__Run *r, size_t n)
{
    r->record_count = (uint32_t) n;
    r->n_x = r->n_weight = r->n_person_id = r->n_line = n;
    r->n_sex = r->n_age_group = r->n_age_b = r->n_region = r->n_municipality = n;
    r->x = lnob_malloc(n * sizeof *r->x);
    r->weight = lnob_malloc(n * sizeof *r->weight);
    r->person_id = lnob_malloc(n * sizeof *r->person_id);
    r->line = lnob_malloc(n * sizeof *r->line);
    r->sex = lnob_malloc(n * sizeof *r->sex);
    r->age_group = lnob_malloc(n * sizeof *r->age_group);
    r->age_b = lnob_malloc(n * sizeof *r->age_b);
    r->region = lnob_malloc(n * sizeof *r->region);
    r->municipality = lnob_malloc(n * sizeof *r->municipality);
    if (r->have & LNOB_HAVE_GALI) {
        r->n_gali = n;
        r->gali = lnob_malloc(n * sizeof *r->gali);
    }
    if (r->have & LNOB_HAVE_DEGURBA) {
        r->n_degurba = n;
        r->degurba = lnob_malloc(n * sizeof *r->degurba);
    }
}

/* Keys of the persons that enter the indicators; counts the rest. With
 * household statuses (st), persons without income stay (x NaN, last). */
/* Each row's equivalised income (§1.4-1.5): the statuses' x; HX090 as
 * given; with HY020 and UDB variables (whole households per batch) the
 * household's, HY025 applied and HX050 derived when absent; else HY020 /
 * HX050 of the merged file. */
static void s_incomes(const Lnob__V1__Batch *b, const vars_t *vs, const lnob_hh_cfg_t *cfg,
                      const lnob_status_t *st, double *x, uint32_t *disagree)
{
    size_t n = b->record_count;
    for (size_t i = 0; i < n && st; i++)
        x[i] = st[i].x;
    for (size_t i = 0; i < n && !st && !b->n_vars; i++) {
        lnob_hh_t h = s_row_household(b, i);
        x[i] = lnob_hh_income(&h, NULL, 0);
        *disagree += (uint32_t) lnob_hh_hx090_differs(&h, NULL, 0);
    }
    if (st || !b->n_vars)
        return;
    lnob_member_t *m = lnob_malloc((n ? n : 1) * sizeof *m);
    for (size_t from = 0, to; from < n; from = to) {
        for (to = from + 1; to < n && b->household_id[to] == b->household_id[from]; to++)
            ;
        lnob_hh_t h = s_household(b, vs, from);
        int derive = isnan(h.hx050); /* the members' ages may be needed */
        for (size_t i = from; i < to && derive; i++)
            m[i] = s_member(b, vs, i, cfg);
        size_t sized = derive ? to - from : 0;
        double v = lnob_hh_income(&h, m + from, sized);
        *disagree += (uint32_t) (to - from) * (uint32_t) lnob_hh_hx090_differs(&h, m + from, sized);
        for (size_t i = from; i < to; i++)
            x[i] = v;
    }
    free(m);
}

static size_t s_keys(const Lnob__V1__Batch *b, const lnob_status_t *st, const double *xs,
                     sort_key_t *keys, Lnob__V1__Run *r)
{
    size_t k = 0;
    for (size_t i = 0; i < b->record_count; i++) {
        double x = xs[i];
        if (isnan(x))
            r->income_missing++;
        if (isnan(x) && !st)
            continue;
        if (b->weight[i] == 0) {
            r->zero_weight++;
            continue;
        }
        keys[k++] = (sort_key_t){x, b->person_id[i], b->line[i], i};
    }
    return k;
}

static void s_alloc_household(Lnob__V1__Run *r, size_t n)
{
    r->n_household_id = r->n_age_irp = r->n_lack13 = r->n_item_missing = r->n_lack9 = n;
    r->n_hhtype = r->n_wi_elig = r->n_imp_cell = r->n_mw = r->n_pt_imp = n;
    r->household_id = lnob_malloc((n ? n : 1) * sizeof *r->household_id);
    r->age_irp = lnob_malloc((n ? n : 1) * sizeof *r->age_irp);
    r->lack13 = lnob_malloc((n ? n : 1) * sizeof *r->lack13);
    r->item_missing = lnob_malloc((n ? n : 1) * sizeof *r->item_missing);
    r->lack9 = lnob_malloc((n ? n : 1) * sizeof *r->lack9);
    r->hhtype = lnob_malloc((n ? n : 1) * sizeof *r->hhtype);
    r->wi_elig = lnob_malloc((n ? n : 1) * sizeof *r->wi_elig);
    r->imp_cell = lnob_malloc((n ? n : 1) * sizeof *r->imp_cell);
    r->mw = lnob_malloc((n ? n : 1) * sizeof *r->mw);
    r->pt_imp = lnob_malloc((n ? n : 1) * sizeof *r->pt_imp);
    r->n_pt_wh = r->n_pt_w = LNOB_PT_CELLS;
    r->pt_wh = lnob_calloc(LNOB_PT_CELLS, sizeof *r->pt_wh);
    r->pt_w = lnob_calloc(LNOB_PT_CELLS, sizeof *r->pt_w);
}

static void s_set_household(Lnob__V1__Run *r, size_t j, const lnob_status_t *st, int64_t hh,
                            int age_wi)
{
    r->household_id[j] = hh;
    r->age_irp[j] = age_wi; /* the field's name is the default: AGE_WI = AGE_IRP */
    r->lack13[j] = st->lack13;
    r->item_missing[j] = st->item_missing;
    r->lack9[j] = st->lack9;
    r->hhtype[j] = st->hhtype;
    r->wi_elig[j] = (uint32_t) (st->wi.elig | st->wi.elig2020 << 1);
    r->imp_cell[j] = st->wi.imp_cell;
    r->mw[j] = st->wi.mw;
    r->pt_imp[j] = st->wi.pt_imp;
}

/* Row i of the batch as person j of the run: keys and breakdown codes
 * (ages as AGE_BRK says). */
static void s_set_person(Lnob__V1__Run *r, size_t j, const Lnob__V1__Batch *b, const vars_t *vs,
                         size_t i, int age_brk)
{
    int age = s_age(b, vs, i, age_brk);
    r->weight[j] = b->weight[i];
    r->person_id[j] = b->person_id[i];
    r->line[j] = b->line[i];
    r->sex[j] = b->sex[i];
    r->age_group[j] = lnob_age_group(age);
    r->age_b[j] = lnob_age_b(age);
    r->region[j] = b->region[i];
    r->municipality[j] = b->municipality[i];
    if (r->have & LNOB_HAVE_GALI)
        r->gali[j] = lnob_gali(s_code(vs, LNOB_V_PH030, i), age);
    if (r->have & LNOB_HAVE_DEGURBA) {
        int db100 = s_code(vs, LNOB_V_DB100, i);
        r->degurba[j] = db100 >= 1 && db100 <= LNOB_RUN_DEGURBA_MAX ? (uint32_t) db100 : 0;
    }
}

/* The run's persons in batch order (households together), so that the
 * aggregator finishes work intensity household by household without
 * sorting (Run.hh_order). */
static void s_household_order(Lnob__V1__Run *r, const sort_key_t *keys, size_t n, size_t rows)
{
    uint32_t *at = lnob_malloc((rows ? rows : 1) * sizeof *at);
    for (size_t i = 0; i < rows; i++)
        at[i] = UINT32_MAX;
    for (size_t j = 0; j < n; j++)
        at[keys[j].idx] = (uint32_t) j;
    r->hh_order = lnob_malloc((n ? n : 1) * sizeof *r->hh_order);
    r->n_hh_order = 0;
    for (size_t i = 0; i < rows; i++)
        if (at[i] != UINT32_MAX)
            r->hh_order[r->n_hh_order++] = at[i];
    free(at);
}

Lnob__V1__Run *lnob_harmonise(const Lnob__V1__Batch *b, const lnob_hh_cfg_t *cfg)
{
    Lnob__V1__Run *r = lnob_malloc(sizeof *r);
    lnob__v1__run__init(r);
    r->extract_id = lnob_strdup(b->extract_id);
    r->seq = b->seq;
    r->run_id = lnob_strdup(b->run_id);
    r->source = lnob_strdup(b->source);
    r->rows_read = b->rows_read;
    r->out_of_scope = b->out_of_scope;
    size_t cap = b->record_count ? b->record_count : 1;
    vars_t vs = s_vars(b);
    r->have = s_have(&vs);
    int household = (r->have & LNOB_HAVE_HOUSEHOLD) != 0;
    lnob_status_t *st = household ? lnob_malloc(cap * sizeof *st) : NULL;
    int *age_wi = household ? lnob_malloc(cap * sizeof *age_wi) : NULL;
    lnob_pt_table_t table = {{0}, {0}};
    if (st)
        s_derive(b, &vs, cfg, st, age_wi, &table, &r->hx090_disagree);
    r->settings = lnob_malloc(LNOB_HH_SETTINGS_MAX); /* AGE_BRK matters to every input */
    lnob_hh_cfg_format(cfg, r->settings, LNOB_HH_SETTINGS_MAX);
    sort_key_t *keys = lnob_malloc(cap * sizeof *keys);
    double *x = lnob_malloc(cap * sizeof *x);
    s_incomes(b, &vs, cfg, st, x, &r->hx090_disagree);
    size_t n = s_keys(b, st, x, keys, r);
    free(x);
    qsort(keys, n, sizeof *keys, s_cmp);
    s_alloc_columns(r, n);
    if (st) {
        s_alloc_household(r, n);
        memcpy(r->pt_wh, table.wh, sizeof table.wh);
        memcpy(r->pt_w, table.w, sizeof table.w);
    }
    for (size_t j = 0; j < n; j++) {
        size_t i = keys[j].idx;
        r->x[j] = keys[j].x;
        s_set_person(r, j, b, &vs, i, cfg->age_brk);
        if (st)
            s_set_household(r, j, &st[i], b->household_id[i], age_wi[i]);
    }
    if (st)
        s_household_order(r, keys, n, b->record_count);
    free(keys);
    free(st);
    free(age_wi);
    r->n_region_dict = b->n_region_dict;
    r->region_dict = s_copy_dict(b->region_dict, b->n_region_dict);
    r->n_municipality_dict = b->n_municipality_dict;
    r->municipality_dict = s_copy_dict(b->municipality_dict, b->n_municipality_dict);
    r->n_rejects = b->n_rejects;
    r->rejects = s_copy_rejects(b->rejects, b->n_rejects);
    return r;
}

static void s_free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void lnob_harmonise_free(Lnob__V1__Run **run_p)
{
    if (!run_p || !*run_p)
        return;
    Lnob__V1__Run *r = *run_p;
    free(r->extract_id);
    free(r->run_id);
    free(r->source);
    if (r->settings != protobuf_c_empty_string)
        free(r->settings);
    free(r->x); free(r->weight); free(r->person_id); free(r->line);
    free(r->sex); free(r->age_group); free(r->age_b); free(r->gali); free(r->degurba);
    free(r->region); free(r->municipality);
    free(r->household_id); free(r->age_irp); free(r->lack13); free(r->item_missing);
    free(r->lack9); free(r->hhtype); free(r->wi_elig); free(r->imp_cell); free(r->mw);
    free(r->pt_imp); free(r->pt_wh); free(r->pt_w); free(r->hh_order);
    s_free_strings(r->region_dict, r->n_region_dict);
    s_free_strings(r->municipality_dict, r->n_municipality_dict);
    for (size_t i = 0; i < r->n_rejects; i++) {
        Lnob__V1__Reject *j = r->rejects[i];
        free(j->source); free(j->field); free(j->reason); free(j->detail); free(j->raw);
        free(j);
    }
    free(r->rejects);
    free(r);
    *run_p = NULL;
}
