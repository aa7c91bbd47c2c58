/* silc_plan.c - which SILC files make which extract (silc_extract.h). */
#include "silc_extract.h"

#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "udb4.h"

_Static_assert(LNOB_UDB4_FILES == LNOB_PLAN_SET, "a plan's set holds the four UDB files");

typedef struct {
    int kind, year, header_done;
    lnob_csv_row_t *header;   /* copy kept until the first data row */
    char **names;
} probe_t;

static int s_probe_row(void *arg, const lnob_csv_row_t *row)
{
    probe_t *p = arg;
    if (!p->header_done) {
        p->header_done = 1;
        p->kind = lnob_udb4_kind(row);
        p->names = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *p->names);
        p->header = lnob_calloc(1, sizeof *p->header);
        p->header->nfields = row->nfields;
        size_t *lens = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *lens);
        for (size_t i = 0; i < row->nfields; i++)
            p->names[i] = lnob_strndup(row->fields[i], row->lens[i]), lens[i] = row->lens[i];
        p->header->fields = (const char **) p->names;
        p->header->lens = lens;
        return LNOB_OK;
    }
    p->year = lnob_udb4_row_year(p->header, row);
    return LNOB_CLOSED;
}

/* Which file of the UDB (or merged, or unknown) path is, and the year of
 * its first data row (-1 if none). */
static void s_probe(const char *path, int *kind, int *year)
{
    probe_t p = {LNOB_UDB4_UNKNOWN, -1, 0, NULL, NULL};
    char err[LNOB_ERRSTR_MAX];
    const char *reason;
    lnob_input_rows(path, s_probe_row, &p, NULL, NULL, &reason, err, sizeof err);
    *kind = p.kind;
    *year = p.year;
    for (size_t i = 0; p.header && i < p.header->nfields; i++)
        free(p.names[i]);
    free(p.names);
    if (p.header)
        free((void *) p.header->lens);
    free(p.header);
}

static void s_plan_text(lnob_plan_t *plan)
{
    size_t s = 0, i = 0;
    plan->source[0] = plan->inputs[0] = '\0';
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (plan->files[f]) {
            s += (size_t) snprintf(plan->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, "%s%s",
                                   s ? " + " : "", plan->files[f]);
            i += (size_t) snprintf(plan->inputs + i, i < INPUTS_MAX ? INPUTS_MAX - i : 0, "%s%s=%s",
                                   i ? "\n" : "", lnob_udb4_names[f], plan->files[f]);
        }
}


/* With --combine: adds the merged file path of year to that year's plan of
 * merged files, if there is one. Returns 1 when it did. */
static int s_combine(lnob_plan_t *plans, size_t n, const char *path, int year)
{
    for (size_t k = 0; k < n; k++) {
        lnob_plan_t *p = &plans[k];
        if (p->year != year || p->form == LNOB_SILC_SET)
            continue;
        if (p->form == LNOB_SILC_FILE) { /* the year's first file becomes the first of several */
            p->files = lnob_realloc(p->files, LNOB_STRLIST_MAX * sizeof *p->files);
            p->form = LNOB_SILC_MERGED;
        }
        p->files[p->n_files++] = path;
        size_t s = strlen(p->source), i = strlen(p->inputs);
        if (i == 0)
            i = (size_t) snprintf(p->inputs, INPUTS_MAX, "%s", p->files[0]);
        snprintf(p->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, " + %s", path);
        snprintf(p->inputs + i, i < INPUTS_MAX ? INPUTS_MAX - i : 0, "\n%s", path);
        return 1;
    }
    return 0;
}

/* Groups the SILC files into extracts: a merged (or unusable) file is one;
 * UDB D/H/R/P files join the set of their year, a second file of the same
 * kind and year starting another set. Writes the plans; returns how many. */
static size_t s_plan(const lnob_strlist_t *files, int combine, lnob_plan_t *plans)
{
    size_t m = 0, *n = &m;
    for (size_t i = 0; i < files->n; i++) {
        int kind, year;
        s_probe(files->items[i], &kind, &year);
        if (kind < 0 && combine && year >= 0 && s_combine(plans, *n, files->items[i], year))
            continue;
        lnob_plan_t *p = NULL;
        for (size_t k = 0; k < *n && kind >= 0 && !p; k++)
            if (plans[k].form == LNOB_SILC_SET && plans[k].year == year && !plans[k].files[kind])
                p = &plans[k];
        if (!p) {
            p = &plans[(*n)++];
            p->kind = "silc";
            p->year = year;
            p->form = kind < 0 ? LNOB_SILC_FILE : LNOB_SILC_SET;
            p->n_files = kind < 0 ? 1 : LNOB_PLAN_SET;
            p->files = lnob_calloc(p->n_files, sizeof *p->files);
        }
        if (kind < 0) {
            p->files[0] = files->items[i];
            snprintf(p->source, sizeof p->source, "%s", p->files[0]);
            continue;
        }
        p->files[kind] = files->items[i];
        s_plan_text(p);
    }
    return m;
}

/* Several merged files of one year are several national extracts of that
 * year, each published on its own: a user who meant them as parts of one
 * survey is told so (once per year). */
static void s_warn_same_year(const lnob_plan_t *plans, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (plans[i].form != LNOB_SILC_FILE || plans[i].year < 0)
            continue;
        size_t first = i, others = 0;
        for (size_t k = 0; k < n; k++)
            if (k != i && plans[k].form == LNOB_SILC_FILE && plans[k].year == plans[i].year) {
                others++;
                first = k < first ? k : first;
            }
        if (others && first == i)
            lnob_warn("%zu merged SILC files are of %d (%s, ...): each becomes its own national "
                      "extract of %d, published on its own; to read them as one extract, give "
                      "--combine", others + 1, plans[i].year, plans[i].files[0], plans[i].year);
    }
}

int lnob_silc_file_role(const char *path)
{
    int kind, year;
    s_probe(path, &kind, &year);
    return kind >= 0 ? LNOB_FILE_PART : LNOB_FILE_INPUT;
}

size_t lnob_silc_plan(const void *kcfg, lnob_plan_t *plans)
{
    const lnob_silc_ingest_cfg_t *cfg = kcfg;
    size_t n = s_plan(&cfg->silc, cfg->combine, plans);
    s_warn_same_year(plans, n);
    return n;
}
