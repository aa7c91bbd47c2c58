/* sdmx_test.c - SDMX-CSV rows: Eurostat dataflows and codes per indicator
 * and breakdown group, flags, and the cells that are not written. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdmx.h"

/* The row lnob_sdmx_cell writes for a cell ("" when it writes none). */
static char *s_row(const char *indicator, const char *breakdown, const char *group,
                   const char *value, const char *flag)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    lnob_sdmx_cell_t c = {indicator, breakdown, group, value, flag, "2023"};
    int n = lnob_sdmx_cell(f, &c);
    fclose(f);
    cr_assert_eq(n, len > 0, "returned %d for %zu bytes", n, len);
    return buf;
}

static void s_expect(const char *indicator, const char *breakdown, const char *group,
                     const char *flag, const char *want)
{
    char *got = s_row(indicator, breakdown, group, "12.345678901234567", flag);
    cr_assert_str_eq(got, want, "%s %s=%s", indicator, breakdown, group);
    free(got);
}

Test(sdmx, header_lists_every_component_once)
{
    cr_assert_str_eq(lnob_sdmx_header, "STRUCTURE,STRUCTURE_ID,ACTION,freq,statinfo,rskpovth,hhcomp,"
                                       "unit,sex,age,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n");
}

#define V "12.345678901234567"

Test(sdmx, indicators_go_to_their_eurostat_dataflows_at_full_precision)
{
    s_expect("arpr", "", "", "OK", "dataflow,ESTAT:ILC_LI02(1.0),I,A,MED_EI,B_60,,PC,T,TOTAL,AL,2023," V ",\n");
    s_expect("arpr40", "", "", "OK", "dataflow,ESTAT:ILC_LI02(1.0),I,A,MED_EI,B_40,,PC,T,TOTAL,AL,2023," V ",\n");
    s_expect("arpr70", "", "", "OK", "dataflow,ESTAT:ILC_LI02(1.0),I,A,MED_EI,B_70,,PC,T,TOTAL,AL,2023," V ",\n");
    s_expect("arpt", "", "", "OK", "dataflow,ESTAT:ILC_LI01(1.0),I,A,MED_EI,B_60,A1,NAC,,,AL,2023," V ",\n");
    s_expect("arpt50", "", "", "OK", "dataflow,ESTAT:ILC_LI01(1.0),I,A,MED_EI,B_50,A1,NAC,,,AL,2023," V ",\n");
    s_expect("arpt_2a2c", "", "", "OK",
             "dataflow,ESTAT:ILC_LI01(1.0),I,A,MED_EI,B_60,A2_2CH_LT14,NAC,,,AL,2023," V ",\n");
    s_expect("gini", "", "", "OK", "dataflow,ESTAT:ILC_DI12(1.0),I,A,GINI_HND,,,,,TOTAL,AL,2023," V ",\n");
    s_expect("qsr", "", "", "OK", "dataflow,ESTAT:ILC_DI11(1.0),I,A,,,,RAT,T,TOTAL,AL,2023," V ",\n");
    s_expect("rmpg", "", "", "OK", "dataflow,ESTAT:ILC_LI11(1.0),I,A,MED_EI,B_60,,PC,T,TOTAL,AL,2023," V ",\n");
    s_expect("median", "", "", "OK", "dataflow,ESTAT:ILC_DI03(1.0),I,A,MED_EI,,,NAC,T,TOTAL,AL,2023," V ",\n");
    s_expect("mean", "", "", "OK", "dataflow,ESTAT:ILC_DI03(1.0),I,A,MEAN_EI,,,NAC,T,TOTAL,AL,2023," V ",\n");
    s_expect("smsd", "", "", "OK", "dataflow,ESTAT:ILC_MDSD11(1.0),I,A,,,,PC,T,TOTAL,AL,2023," V ",\n");
    s_expect("lwi", "", "", "OK", "dataflow,ESTAT:ILC_LVHL11N(1.0),I,A,,,,PC,T,Y_LT65,AL,2023," V ",\n");
    s_expect("arope", "", "", "OK", "dataflow,ESTAT:ILC_PEPS01N(1.0),I,A,,,,PC,T,TOTAL,AL,2023," V ",\n");
}

Test(sdmx, groups_become_sex_and_age_codes)
{
    s_expect("arope", "sex", "2", "OK", "dataflow,ESTAT:ILC_PEPS01N(1.0),I,A,,,,PC,F,TOTAL,AL,2023," V ",\n");
    s_expect("arope", "age_group", "0-17", "OK",
             "dataflow,ESTAT:ILC_PEPS01N(1.0),I,A,,,,PC,T,Y_LT18,AL,2023," V ",\n");
    s_expect("arope", "age_b", "16-24", "OK",
             "dataflow,ESTAT:ILC_PEPS01N(1.0),I,A,,,,PC,T,Y16-24,AL,2023," V ",\n");
    s_expect("arpr", "sex_age", "1_65+", "OK",
             "dataflow,ESTAT:ILC_LI02(1.0),I,A,MED_EI,B_60,,PC,M,Y_GE65,AL,2023," V ",\n");
    s_expect("arpr", "sex_age_b", "2_0-15", "OK",
             "dataflow,ESTAT:ILC_LI02(1.0),I,A,MED_EI,B_60,,PC,F,Y_LT16,AL,2023," V ",\n");
    s_expect("qsr", "sex_age", "2_65+", "OK", "dataflow,ESTAT:ILC_DI11(1.0),I,A,,,,RAT,F,Y_GE65,AL,2023," V ",\n");
    s_expect("lwi", "age_group", "0-17", "OK",
             "dataflow,ESTAT:ILC_LVHL11N(1.0),I,A,,,,PC,T,Y_LT18,AL,2023," V ",\n");
}

Test(sdmx, low_reliability_is_flagged_u)
{
    s_expect("smsd", "", "", "U", "dataflow,ESTAT:ILC_MDSD11(1.0),I,A,,,,PC,T,TOTAL,AL,2023," V ",u\n");
}

Test(sdmx, suppressed_undefined_unmapped_and_repeated_cells_are_not_written)
{
    s_expect("arpr", "", "", "SUPPRESS", "");
    s_expect("arpr", "age_b", "65+", "OK", "");      /* the age_group 65+ cell is the same */
    s_expect("arpr", "sex_age_b", "1_65+", "OK", "");
    s_expect("arpr", "municipality", "AL154", "OK", "");
    s_expect("arpr", "region", "AL02", "OK", "");    /* NUTS 2 rows are Eurostat's other tables */
    s_expect("qsr", "age_group", "0-17", "OK", "");  /* ilc_di11: TOTAL, Y_LT65, Y_GE65 only */
    s_expect("qsr", "age_b", "25-49", "OK", "");
    s_expect("lwi", "age_group", "65+", "OK", "");   /* work intensity covers 0-64 */
    s_expect("gini", "sex", "1", "OK", "");          /* ilc_di12 has no sex */
    s_expect("arpt", "sex", "1", "OK", "");
    s_expect("arope_smsd_only", "", "", "OK", "");
    s_expect("smsd_items", "items_lacking", "3", "OK", "");
    char *none = s_row("arpr", "", "", "", "OK");
    cr_assert_str_eq(none, "");
    free(none);
}

/* Ids computed with BOTTOM_CODE_ZERO (spec §1.7) are for national tables
 * only: never written under Eurostat's codes, published or not. */
Test(sdmx, bottom_coded_cells_are_national_only_and_not_written)
{
    s_expect("arpr_BC0", "", "", "OK", "");
    s_expect("gini_BC0", "", "", "OK", "");
    s_expect("arope_BC0", "sex", "2", "OK", "");
    cr_assert(lnob_sdmx_national_only("median_BC0"));
    cr_assert(lnob_sdmx_national_only("arope_2020_BC0"));
    cr_assert_not(lnob_sdmx_national_only("median"));
    cr_assert_not(lnob_sdmx_national_only("smsd"));
    cr_assert_not(lnob_sdmx_national_only("_BC0"));
}
