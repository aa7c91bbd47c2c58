/* harmonise.h - one validated Batch to one sorted, analysis-ready Run.
 *
 * Derives the equivalised disposable income (HX090, or HY020 / HX050 per
 * spec §1.5), the breakdown codes of each person (spec §5.1: AGE_A 0-17,
 * 18-64, 65+ and AGE_B 0-15, 16-24, 25-49, 50-64, 65+ from AGE_INT; GALI
 * from PH030 for persons 16+; DEGURBA from DB100), leaves
 * out persons without income or with zero weight (counted), and sorts the
 * rest by (x, person id, input line): a total order, so that every later
 * sum runs in the same order whatever the batch size or the number of
 * transformers. Pure: no sockets. Not for: row validation (the ingester
 * did it) or indicators (cells.h). */
#ifndef LNOB_SILC_HARMONISE_H
#define LNOB_SILC_HARMONISE_H
#include "household.h"
#include "wire.h"

/* Age groups of the breakdowns; 0 = age missing. */
#define LNOB_AGE_GROUPS LNOB_RUN_AGE_GROUP_MAX
extern const char *const lnob_age_group_names[LNOB_AGE_GROUPS + 1];
#define LNOB_AGE_B_GROUPS LNOB_RUN_AGE_B_MAX
extern const char *const lnob_age_b_names[LNOB_AGE_B_GROUPS + 1];

/* Returns an owned Run built from batch (free with lnob_harmonise_free);
 * it borrows nothing from batch. cfg: the household settings (copied into
 * Run.settings when statuses are derived). */
Lnob__V1__Run *lnob_harmonise(const Lnob__V1__Batch *batch, const lnob_hh_cfg_t *cfg);
/* NULL-safe; NULLs *run_p. */
void lnob_harmonise_free(Lnob__V1__Run **run_p);
/* Age group 1..3 for an age in years, 0 if age < 0. */
uint32_t lnob_age_group(int32_t age);
/* AGE_B group 1..5 for an age in years, 0 if age < 0. */
uint32_t lnob_age_b(int32_t age);
/* GALI group: PH030 (1..3, or a UDB flag) of a person aged age_int; 0 when
 * the person is under 16, the age is missing or PH030 is not valid. */
uint32_t lnob_gali(int32_t ph030, int32_t age_int);

#endif
