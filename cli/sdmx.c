/* sdmx.c - lnob cells as SDMX-CSV 2.0 rows with Eurostat codes (sdmx.h). */
#include "sdmx.h"

#include <string.h>

#include "lnob/format.h"
#include "wire.h" /* LNOB_BC0_SUFFIX */

#define COUNTRY "AL"
#define FLOW_VERSION "1.0"

const char lnob_sdmx_header[] =
    "STRUCTURE,STRUCTURE_ID,ACTION,freq,statinfo,rskpovth,hhcomp,unit,sex,age,geo,"
    "TIME_PERIOD,OBS_VALUE,OBS_FLAG\n";

/* An indicator's dataflow and fixed dimensions ("" = not a dimension of
 * that dataflow), in Eurostat's restructured ilc tables (docs/sdmx.md).
 * by_group: the dataflow has sex and age groups; ages: the age codes it
 * publishes (NULL: every one of s_ages). */
typedef struct {
    const char *indicator, *flow, *statinfo, *rskpovth, *hhcomp, *unit;
    int by_group;
    const char *total_age; /* the age code of the whole population ("": no age dimension) */
    const char *const *ages;
} flow_t;

static const char *const s_ages_qsr[] = {"Y_GE65", NULL};        /* ILC_DI11: TOTAL, Y_LT65, Y_GE65 */
static const char *const s_ages_lwi[] = {"Y_LT18", "Y18-64", "Y_LT16", "Y16-24", "Y25-49",
                                         "Y50-64", NULL};       /* LWI covers 0-64 */

static const flow_t s_flows[] = {
    {"arpr", "ILC_LI02", "MED_EI", "B_60", "", "PC", 1, "TOTAL", NULL},
    {"arpr40", "ILC_LI02", "MED_EI", "B_40", "", "PC", 1, "TOTAL", NULL},
    {"arpr50", "ILC_LI02", "MED_EI", "B_50", "", "PC", 1, "TOTAL", NULL},
    {"arpr70", "ILC_LI02", "MED_EI", "B_70", "", "PC", 1, "TOTAL", NULL},
    {"arpt", "ILC_LI01", "MED_EI", "B_60", "A1", "NAC", 0, "", NULL},
    {"arpt40", "ILC_LI01", "MED_EI", "B_40", "A1", "NAC", 0, "", NULL},
    {"arpt50", "ILC_LI01", "MED_EI", "B_50", "A1", "NAC", 0, "", NULL},
    {"arpt70", "ILC_LI01", "MED_EI", "B_70", "A1", "NAC", 0, "", NULL},
    {"arpt_2a2c", "ILC_LI01", "MED_EI", "B_60", "A2_2CH_LT14", "NAC", 0, "", NULL},
    {"gini", "ILC_DI12", "GINI_HND", "", "", "", 0, "TOTAL", NULL},
    {"qsr", "ILC_DI11", "", "", "", "RAT", 1, "TOTAL", s_ages_qsr},
    {"rmpg", "ILC_LI11", "MED_EI", "B_60", "", "PC", 1, "TOTAL", NULL},
    {"median", "ILC_DI03", "MED_EI", "", "", "NAC", 1, "TOTAL", NULL},
    {"mean", "ILC_DI03", "MEAN_EI", "", "", "NAC", 1, "TOTAL", NULL},
    {"smsd", "ILC_MDSD11", "", "", "", "PC", 1, "TOTAL", NULL},
    {"lwi", "ILC_LVHL11N", "", "", "", "PC", 1, "Y_LT65", s_ages_lwi},
    {"arope", "ILC_PEPS01N", "", "", "", "PC", 1, "TOTAL", NULL},
};

/* lnob's age groups (both schemes) and Eurostat's codes. */
static const char *const s_ages[][2] = {
    {"0-17", "Y_LT18"}, {"18-64", "Y18-64"}, {"65+", "Y_GE65"},  {"0-15", "Y_LT16"},
    {"16-24", "Y16-24"}, {"25-49", "Y25-49"}, {"50-64", "Y50-64"},
};

static const flow_t *s_flow(const char *indicator)
{
    for (size_t i = 0; i < sizeof s_flows / sizeof s_flows[0]; i++)
        if (!strcmp(s_flows[i].indicator, indicator))
            return &s_flows[i];
    return NULL;
}

static const char *s_age(const char *group)
{
    for (size_t i = 0; i < sizeof s_ages / sizeof s_ages[0]; i++)
        if (!strcmp(s_ages[i][0], group))
            return s_ages[i][1];
    return NULL;
}

typedef struct {
    const char *sex, *age, *geo;
} dims_t;

/* 1 if dataflow f publishes age group code age. */
static int s_published(const flow_t *f, const char *age)
{
    for (const char *const *a = f->ages; a && *a; a++)
        if (!strcmp(*a, age))
            return 1;
    return f->ages == NULL;
}

/* Sex, age and geo of a breakdown group; 0 when Eurostat's dimensions do
 * not carry it. The AGE_B 65+ group is the AGE_A one: written once.
 * Regions are not: Eurostat publishes them in other (NUTS 2) tables. */
static int s_dims(const lnob_sdmx_cell_t *c, const flow_t *f, dims_t *d)
{
    const char *b = c->breakdown, *g = c->group;
    *d = (dims_t){"T", f->total_age, COUNTRY};
    if (!*b)
        return 1;
    if (!f->by_group)
        return 0;
    int sexed = !strcmp(b, "sex") || !strncmp(b, "sex_age", 7);
    if (sexed) {
        if ((g[0] != '1' && g[0] != '2') || (g[1] && g[1] != '_'))
            return 0;
        d->sex = g[0] == '1' ? "M" : "F";
        g = g[1] ? g + 2 : "";
    }
    if (!strcmp(b, "sex"))
        return 1;
    int age_b = !strcmp(b, "age_b") || !strcmp(b, "sex_age_b");
    if (!age_b && strcmp(b, "age_group") != 0 && strcmp(b, "sex_age") != 0)
        return 0;
    d->age = s_age(g);
    return d->age && !(age_b && !strcmp(g, "65+")) && s_published(f, d->age);
}

int lnob_sdmx_national_only(const char *indicator)
{
    size_t n = strlen(indicator), k = strlen(LNOB_BC0_SUFFIX);
    return n > k && !strcmp(indicator + n - k, LNOB_BC0_SUFFIX);
}

int lnob_sdmx_cell(FILE *out, const lnob_sdmx_cell_t *c)
{
    const flow_t *f = lnob_sdmx_national_only(c->indicator) ? NULL : s_flow(c->indicator);
    dims_t d;
    if (!f || !*c->value || !strcmp(c->flag, "SUPPRESS") || !s_dims(c, f, &d))
        return 0;
    const char *sex = f->by_group ? d.sex : "", *age = d.age;
    fprintf(out, "dataflow,ESTAT:%s(%s),I,A,%s,%s,%s,%s,%s,%s,", f->flow, FLOW_VERSION,
            f->statinfo, f->rskpovth, f->hhcomp, f->unit, sex, age);
    lnob_format_csv_field(out, d.geo);
    fputc(',', out);
    lnob_format_csv_field(out, c->period);
    fprintf(out, ",%s,%s\n", c->value, !strcmp(c->flag, "U") ? "u" : "");
    return 1;
}
