/* sdmx.h - lnob cells as SDMX-CSV rows with Eurostat's dataset and
 * dimension codes.
 *
 * One table maps each indicator to its Eurostat dataflow (ilc_li02 AROP by
 * age and sex, ilc_li01 thresholds, ilc_di12 Gini, ilc_di11 S80/S20,
 * ilc_li11 RMPG, ilc_di03 mean and median, ilc_mdsd11 SMSD, ilc_lvhl11n
 * LWI, ilc_peps01n AROPE) and its fixed dimension values; another maps
 * lnob's breakdown groups to Eurostat's sex, age and geo codes. The file is
 * SDMX-CSV 2.0: several dataflows in one file, a column per component of
 * any of them, empty where a dataflow has no such component. OBS_VALUE is
 * the stored value at full precision; OBS_FLAG is `u` for low reliability;
 * suppressed and undefined cells are not written, nor are the bottom-coded
 * _BC0 ones (national tables only). docs/sdmx.md is the
 * mapping for people. Pure: writes to a FILE, reads nothing.
 * Not for: reading cells (report.c). */
#ifndef LNOB_CLI_SDMX_H
#define LNOB_CLI_SDMX_H
#include <stdio.h>

/* The header row (with its newline). */
extern const char lnob_sdmx_header[];

/* One cell as stored (docs/redis-keys.md). */
typedef struct {
    const char *indicator, *breakdown, *group, *value, *flag;
    const char *period;   /* TIME_PERIOD: the extract's survey year */
} lnob_sdmx_cell_t;

/* Writes the cell's row; returns 1, or 0 when no Eurostat dataflow here
 * carries it (indicator or breakdown not mapped, a group already written
 * under another breakdown, a national-only indicator) or it is not
 * published (SUPPRESS, no value). */
int lnob_sdmx_cell(FILE *out, const lnob_sdmx_cell_t *cell);

/* 1 when the indicator is for national tables only and never written as
 * Eurostat's: an id computed with BOTTOM_CODE_ZERO (LNOB_BC0_SUFFIX, spec
 * §1.7), whose values differ from Eurostat's by design. */
int lnob_sdmx_national_only(const char *indicator);

#endif
