/* harmonise.c - Batch to sorted Run: income, age group, total order (harmonise.h). */
#include "harmonise.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

#define ADULT_AGE 18
#define ELDERLY_AGE 65

const char *const lnob_age_group_names[LNOB_AGE_GROUPS + 1] = {"", "0-17", "18-64", "65+"};

uint32_t lnob_age_group(int32_t age)
{
    if (age < 0)
        return 0;
    return age < ADULT_AGE ? 1 : age < ELDERLY_AGE ? 2 : 3;
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
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->pid != q->pid)
        return p->pid < q->pid ? -1 : 1;
    return (p->line > q->line) - (p->line < q->line);
}

static double s_income(const Lnob__V1__Batch *b, size_t i)
{
    if (b->n_hx090)
        return b->hx090[i];
    return b->hy020[i] / b->hx050[i]; /* NaN when either is missing */
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
        out[i]->field = lnob_strdup(in[i]->field);
        out[i]->reason = lnob_strdup(in[i]->reason);
        out[i]->detail = lnob_strdup(in[i]->detail);
        out[i]->raw = lnob_strdup(in[i]->raw);
    }
    return out;
}

static void s_alloc_columns(Lnob__V1__Run *r, size_t n)
{
    r->record_count = (uint32_t) n;
    r->n_x = r->n_weight = r->n_person_id = r->n_line = n;
    r->n_sex = r->n_age_group = r->n_region = r->n_municipality = n;
    r->x = lnob_malloc(n * sizeof *r->x);
    r->weight = lnob_malloc(n * sizeof *r->weight);
    r->person_id = lnob_malloc(n * sizeof *r->person_id);
    r->line = lnob_malloc(n * sizeof *r->line);
    r->sex = lnob_malloc(n * sizeof *r->sex);
    r->age_group = lnob_malloc(n * sizeof *r->age_group);
    r->region = lnob_malloc(n * sizeof *r->region);
    r->municipality = lnob_malloc(n * sizeof *r->municipality);
}

/* Keys of the persons that enter the income indicators; counts the rest. */
static size_t s_keys(const Lnob__V1__Batch *b, sort_key_t *keys, Lnob__V1__Run *r)
{
    size_t k = 0;
    for (size_t i = 0; i < b->record_count; i++) {
        double x = s_income(b, i);
        if (isnan(x)) {
            r->income_missing++;
            continue;
        }
        if (b->weight[i] == 0) {
            r->zero_weight++;
            continue;
        }
        keys[k++] = (sort_key_t){x, b->person_id[i], b->line[i], i};
    }
    return k;
}

Lnob__V1__Run *lnob_harmonise(const Lnob__V1__Batch *b)
{
    Lnob__V1__Run *r = lnob_malloc(sizeof *r);
    lnob__v1__run__init(r);
    r->extract_id = lnob_strdup(b->extract_id);
    r->seq = b->seq;
    r->run_id = lnob_strdup(b->run_id);
    r->source = lnob_strdup(b->source);
    r->rows_read = b->rows_read;
    r->out_of_scope = b->out_of_scope;
    sort_key_t *keys = lnob_malloc((b->record_count ? b->record_count : 1) * sizeof *keys);
    size_t n = s_keys(b, keys, r);
    qsort(keys, n, sizeof *keys, s_cmp);
    s_alloc_columns(r, n);
    for (size_t j = 0; j < n; j++) {
        size_t i = keys[j].idx;
        r->x[j] = keys[j].x;
        r->weight[j] = b->weight[i];
        r->person_id[j] = b->person_id[i];
        r->line[j] = b->line[i];
        r->sex[j] = b->sex[i];
        r->age_group[j] = lnob_age_group(b->age[i]);
        r->region[j] = b->region[i];
        r->municipality[j] = b->municipality[i];
    }
    free(keys);
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
    free(r->x); free(r->weight); free(r->person_id); free(r->line);
    free(r->sex); free(r->age_group); free(r->region); free(r->municipality);
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
