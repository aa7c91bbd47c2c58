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

/* The SILC kind's own ingest options (silc_source.c: lnob_silc_ingest_opts). */
typedef struct {
    lnob_strlist_t silc; /* input files */
    int combine;         /* merged files of one year: one extract */
    int decimal_comma;   /* numbers may have a decimal comma (always in ';' files) */
    const char *parse_in; /* "transform": a plain file is cut into Ranges (silc_cut.h); "ingest" */
} lnob_silc_ingest_cfg_t;

/* Groups the --silc files of kcfg (a lnob_silc_ingest_cfg_t) into plans
 * (room for one per file); returns how many it wrote. */
size_t lnob_silc_plan(const void *kcfg, lnob_plan_t *plans);
/* LNOB_FILE_PART for one of the four UDB files of a year (its header row
 * says which; its bytes may well recur in another year's set), else
 * LNOB_FILE_INPUT (source.h file_role). */
int lnob_silc_file_role(const char *path);
/* Sends the extract of a SILC plan, whatever its shape; writes its id. */
int lnob_silc_extract_send(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);

#endif
