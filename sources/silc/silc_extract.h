/* silc_extract.h - SILC extracts: one merged file, merged files of a year
 * read as one, or the D, H, R and P UDB files of a year joined (udb4.h),
 * each read as CSV, SPSS or Stata, parsed by the SILC source (silc.h) and
 * sent batch by batch (deliver.h). silc_plan.c groups the files given into
 * these plans. Not for: MIS exports (sources/mis/). */
#ifndef LNOB_SILC_SILC_EXTRACT_H
#define LNOB_SILC_SILC_EXTRACT_H
#include <stddef.h>

#include "deliver.h"

/* A SILC plan's form (lnob_plan_t.form): one file; merged files of one
 * year read as one (--combine); the UDB set of a year (files D, H, R, P,
 * LNOB_PLAN_SET slots, P may be NULL). */
enum { LNOB_SILC_FILE, LNOB_SILC_MERGED, LNOB_SILC_SET };

/* Groups the --silc files of cfg into plans (room for one per file);
 * returns how many it wrote. */
size_t lnob_silc_plan(const lnob_ingest_cfg_t *cfg, lnob_plan_t *plans);
/* Sends the extract of a SILC plan, whatever its shape; writes its id. */
int lnob_silc_extract_send(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);

#endif
