/* mis_records.c - MIS batches onto one national frame (mis_records.h). */
#include "mis_records.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

#define MAX_SERVICES 64

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* code is one of the comma-separated names of set ("" holds every code). */
static int s_in_set(const char *set, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = set; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, code, n))
            return 1;
        p += k + (p[k] == ',');
    }
    return !*set;
}

/* The distinct service codes of all batches that count, sorted; entry 0 "". */
static int s_services(lnob_mis_frame_t *f, const Lnob__V1__MisBatch *const *b, size_t nb,
                      const char *set)
{
    size_t n = 1, cap = 0;
    const char **v = NULL;
    lnob_grow((void **) &v, &cap, 1, sizeof *v);
    v[0] = "";
    for (size_t i = 0; i < nb; i++)
        for (size_t k = 1; k < b[i]->n_service_dict; k++) {
            size_t j = 1;
            while (j < n && strcmp(v[j], b[i]->service_dict[k]) != 0)
                j++;
            if (j < n || !s_in_set(set, b[i]->service_dict[k]))
                continue;
            lnob_grow((void **) &v, &cap, n + 1, sizeof *v);
            v[n++] = b[i]->service_dict[k];
        }
    qsort(v + 1, n - 1, sizeof *v, s_cmp_str);
    f->services = v;
    f->dims.services = v;
    f->dims.n_services = n;
    size_t len = 0;
    for (size_t j = 1; j < n && len < sizeof f->service_set; j++)
        len += (size_t) snprintf(f->service_set + len, sizeof f->service_set - len, "%s%s",
                                 j > 1 ? "," : "", v[j]);
    return n <= MAX_SERVICES ? 0 : -1;
}

static size_t s_service_index(const lnob_mis_frame_t *f, const char *code)
{
    const char **hit = bsearch(&code, f->services + 1, f->dims.n_services - 1, sizeof *f->services, s_cmp_str);
    return hit ? (size_t) (hit - f->services) : 0;
}

static void s_municipalities(lnob_mis_frame_t *f, const lnob_geo_t *geo)
{
    size_t m = lnob_geo_count(geo) + 1;
    f->municipalities = lnob_calloc(m, sizeof *f->municipalities);
    f->population = lnob_calloc(m, sizeof *f->population);
    f->target = lnob_calloc(m, sizeof *f->target);
    f->municipalities[0] = "";
    for (size_t i = 1; i < m; i++) {
        const lnob_municipality_t *x = lnob_geo_at(geo, i - 1);
        f->municipalities[i] = x->code;
        f->population[i] = x->population_2023;
        f->target[i] = x->lnb_target;
        f->dims.n_targets += x->lnb_target;
    }
    f->dims.municipalities = f->municipalities;
    f->dims.population = f->population;
    f->dims.lnb_target = f->target;
    f->dims.n_municipalities = m;
    f->dims.n_all = (int) (m - 1);
}

/* The frame's index of entry k of a batch's dictionary, looked up once
 * per entry (map[k] < 0: not yet): municipalities by LAU code (-1 when it
 * is not one of the 61), services by code (0 when not in the set). */
static long s_dict(long *map, size_t k, long (*find)(const lnob_mis_frame_t *, const lnob_geo_t *, const char *),
                   const lnob_mis_frame_t *f, const lnob_geo_t *geo, const char *const *dict)
{
    if (map[k] == LONG_MIN)
        map[k] = find(f, geo, dict[k]);
    return map[k];
}

static long s_find_mun(const lnob_mis_frame_t *f, const lnob_geo_t *geo, const char *code)
{
    (void) f;
    return lnob_geo_by_code(geo, code, strlen(code));
}

static long s_find_service(const lnob_mis_frame_t *f, const lnob_geo_t *geo, const char *code)
{
    (void) geo;
    return (long) s_service_index(f, code);
}

static long *s_unresolved(size_t n)
{
    long *map = lnob_malloc((n ? n : 1) * sizeof *map);
    for (size_t k = 0; k < n; k++)
        map[k] = LONG_MIN;
    return map;
}

/* One batch's records onto the frame. */
static int s_batch(lnob_mis_frame_t *f, const Lnob__V1__MisBatch *b, const lnob_geo_t *geo,
                   char *err, size_t cap)
{
    long *mun = s_unresolved(b->n_municipality_dict), *svc = s_unresolved(b->n_service_dict);
    int rc = 0;
    for (size_t i = 0; i < b->record_count && rc == 0; i++) {
        long m = s_dict(mun, b->municipality[i], s_find_mun, f, geo, (const char *const *) b->municipality_dict);
        if (m < 0) {
            snprintf(err, cap, "%s: municipality code %.20s is not one of the 61", b->source,
                     b->municipality_dict[b->municipality[i]]);
            rc = -1;
            break;
        }
        long service = b->needs_register ? 0 : s_dict(svc, b->service[i], s_find_service, f, geo,
                                                      (const char *const *) b->service_dict);
        if (!service && !b->needs_register)
            continue; /* not in the service set */
        lnob_mis_record_t *r = &f->records[f->n++];
        *r = (lnob_mis_record_t){b->person_key[i], b->record_id[i], (uint32_t) m + 1, (uint32_t) service,
                                 b->sex[i], b->birth_date[i], b->flags[i], b->start_date[i],
                                 b->end_date[i], b->status[i], b->needs_register};
    }
    free(mun);
    free(svc);
    return rc;
}

/* The user's residents ("AL153=10000;AL346=4000") over the Census figures. */
static int s_population(lnob_mis_frame_t *f, const lnob_geo_t *geo, const char *text, char *err,
                        size_t cap)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ";");
        const char *eq = memchr(p, '=', n);
        char *end;
        long pop = eq ? strtol(eq + 1, &end, 10) : -1;
        int m = eq ? lnob_geo_by_code(geo, p, (size_t) (eq - p)) : -1;
        if (m < 0 || pop <= 0 || end != p + n) {
            snprintf(err, cap, "BAD_POPULATION: '%.*s' is not LAU_CODE=residents", (int) (n < 40 ? n : 40), p);
            return -1;
        }
        f->population[m + 1] = pop;
        f->user_population++;
        p += n + (p[n] == ';');
    }
    return 0;
}

static const char *s_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The frame's order of batches: by file name (not its folder: a drop
 * folder moves an export into done/), then first line, then seq. */
static int s_by_file_line(const void *a, const void *b)
{
    const Lnob__V1__MisBatch *x = *(const Lnob__V1__MisBatch *const *) a, *y = *(const Lnob__V1__MisBatch *const *) b;
    int c = strcmp(s_base_name(x->source), s_base_name(y->source));
    if (c)
        return c;
    uint64_t lx = x->n_line ? x->line[0] : 0, ly = y->n_line ? y->line[0] : 0;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

int lnob_mis_frame_init(lnob_mis_frame_t *f, const Lnob__V1__MisBatch *const *batches, size_t nb,
                        const lnob_geo_t *geo, const lnob_mis_frame_opts_t *o, char *err, size_t cap)
{
    memset(f, 0, sizeof *f);
    f->dims.year = o->year;
    if (lnob_mis_vuln_mask(o->vuln_groups, &f->dims.vulnerable) != 0) {
        snprintf(err, cap, "BAD_SETTINGS: VULN_GROUPS '%.60s' names a group other than "
                           "DIS, RE, ROMA, EGY, ELD, VAW, CHI", o->vuln_groups);
        return -1;
    }
    size_t total = 0;
    for (size_t i = 0; i < nb; i++)
        total += batches[i]->record_count;
    f->records = lnob_malloc((total ? total : 1) * sizeof *f->records);
    s_municipalities(f, geo);
    if (s_population(f, geo, o->population, err, cap) != 0)
        return -1;
    if (s_services(f, batches, nb, o->service_set) != 0) {
        snprintf(err, cap, "more than %d services in one period", MAX_SERVICES - 1);
        return -1;
    }
    f->batches = lnob_malloc((nb ? nb : 1) * sizeof *f->batches);
    memcpy(f->batches, batches, nb * sizeof *batches);
    qsort(f->batches, nb, sizeof *f->batches, s_by_file_line);
    f->n_batches = nb;
    f->batch_start = lnob_malloc((nb + 1) * sizeof *f->batch_start);
    for (size_t i = 0; i < nb; i++) {
        f->batch_start[i] = f->n;
        if (s_batch(f, f->batches[i], geo, err, cap) != 0)
            return -1;
    }
    f->batch_start[nb] = f->n;
    return 0;
}

void lnob_mis_frame_free(lnob_mis_frame_t *f)
{
    free(f->records);
    free(f->municipalities);
    free(f->services);
    free(f->population);
    free(f->target);
    free(f->batches);
    free(f->batch_start);
    memset(f, 0, sizeof *f);
}
