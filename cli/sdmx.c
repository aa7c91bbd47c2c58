/* sdmx.c - lnob cells as SDMX-CSV 2.0 rows with Eurostat codes (sdmx.h). */
#include "sdmx.h"

#include <ctype.h>
#include <string.h>

#include "lnob/format.h"
#include "wire.h" /* LNOB_BC0_SUFFIX */

#define COUNTRY "AL"
#define FLOW_VERSION "1.0"

const char lnob_sdmx_header[] =
    "STRUCTURE,STRUCTURE_ID,ACTION,freq,indic_il,statinfo,hhtyp,currency,unit,sex,age,geo,"
    "TIME_PERIOD,OBS_VALUE,OBS_FLAG\n";

/* An indicator's dataflow and fixed dimensions ("" = not a dimension of
 * that dataflow). by_group: the dataflow has sex and age. */
typedef struct {
    const char *indicator, *flow, *indic_il, *statinfo, *hhtyp, *currency, *unit;
    int by_group;
    const char *total_age; /* the age code of the whole population of the rate */
} flow_t;

static const flow_t s_flows[] = {
    {"arpr", "ILC_LI02", "LI_R_MD60", "", "", "", "PC", 1, "TOTAL"},
    {"arpr40", "ILC_LI02", "LI_R_MD40", "", "", "", "PC", 1, "TOTAL"},
    {"arpr50", "ILC_LI02", "LI_R_MD50", "", "", "", "PC", 1, "TOTAL"},
    {"arpr70", "ILC_LI02", "LI_R_MD70", "", "", "", "PC", 1, "TOTAL"},
    {"arpt", "ILC_LI01", "LI_C_MD60", "", "A1", "NAC", "", 0, ""},
    {"arpt40", "ILC_LI01", "LI_C_MD40", "", "A1", "NAC", "", 0, ""},
    {"arpt50", "ILC_LI01", "LI_C_MD50", "", "A1", "NAC", "", 0, ""},
    {"arpt70", "ILC_LI01", "LI_C_MD70", "", "A1", "NAC", "", 0, ""},
    {"arpt_2a2c", "ILC_LI01", "LI_C_MD60", "", "A2_2CH_LT14", "NAC", "", 0, ""},
    {"gini", "ILC_DI12", "", "GINI_HND", "", "", "", 0, ""},
    {"qsr", "ILC_DI11", "", "", "", "", "", 1, "TOTAL"},
    {"rmpg", "ILC_LI11", "LI_GAP_MD60", "", "", "", "PC", 1, "TOTAL"},
    {"median", "ILC_DI03", "MED_E", "", "", "", "NAC", 1, "TOTAL"},
    {"mean", "ILC_DI03", "MEI_E", "", "", "", "NAC", 1, "TOTAL"},
    {"smsd", "ILC_MDSD11", "", "", "", "", "PC", 1, "TOTAL"},
    {"lwi", "ILC_LVHL11N", "", "", "", "", "PC", 1, "Y_LT65"},
    {"arope", "ILC_PEPS01N", "", "", "", "", "PC", 1, "TOTAL"},
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

/* A NUTS code of Albania as DB040 gives it (AL0, AL01, AL011...). */
static int s_nuts(const char *group)
{
    size_t n = strlen(group);
    if (n < 3 || n > 5 || strncmp(group, COUNTRY, 2) != 0)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!isalnum((unsigned char) group[i]))
            return 0;
    return 1;
}

typedef struct {
    const char *sex, *age, *geo;
} dims_t;

/* Sex, age and geo of a breakdown group; 0 when Eurostat's dimensions do
 * not carry it. The AGE_B 65+ group is the AGE_A one: written once. */
static int s_dims(const lnob_sdmx_cell_t *c, const flow_t *f, dims_t *d)
{
    const char *b = c->breakdown, *g = c->group;
    *d = (dims_t){"T", f->total_age, COUNTRY};
    if (!*b)
        return 1;
    if (!strcmp(b, "region")) {
        d->geo = g;
        return s_nuts(g);
    }
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
    return d->age && !(age_b && !strcmp(g, "65+"));
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
    const char *sex = f->by_group ? d.sex : "", *age = f->by_group ? d.age : "";
    fprintf(out, "dataflow,ESTAT:%s(%s),I,A,%s,%s,%s,%s,%s,%s,%s,", f->flow, FLOW_VERSION,
            f->indic_il, f->statinfo, f->hhtyp, f->currency, f->unit, sex, age);
    lnob_format_csv_field(out, d.geo);
    fputc(',', out);
    lnob_format_csv_field(out, c->period);
    fprintf(out, ",%s,%s\n", c->value, !strcmp(c->flag, "U") ? "u" : "");
    return 1;
}
