/* silc_extract.h - SILC extracts: one merged file, or the D, H, R and P
 * UDB files of a year joined (udb4.h), each read as CSV, SPSS or Stata,
 * parsed by the SILC source (silc.h) and sent batch by batch.
 * Not for: MIS exports (mis_extract.h). */
#ifndef LNOB_INGEST_SILC_EXTRACT_H
#define LNOB_INGEST_SILC_EXTRACT_H
#include <stddef.h>

#include "extract.h"

/* Sends the extract of a single-file plan; writes its id to id. */
int lnob_silc_extract_single(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);
/* Sends the extract of a four-file plan (the files loaded in a thread
 * each); writes its id to id. */
int lnob_silc_extract_set(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);

/* Sends the extract of merged files of one year read as one (--combine):
 * each file's rows under the first file's header row, which every file
 * must repeat; writes its id to id. */
int lnob_silc_extract_merged(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);

#endif
