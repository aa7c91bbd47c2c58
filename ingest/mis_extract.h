/* mis_extract.h - MIS extracts: the municipal exports of a run (or of a
 * drop folder round) read together, pseudonymised by the parser (mis.h),
 * as one extract of a reference year (docs/mis.md).
 * Not for: SILC (silc_extract.h) or the folder itself (watch.h). */
#ifndef LNOB_INGEST_MIS_EXTRACT_H
#define LNOB_INGEST_MIS_EXTRACT_H
#include <stddef.h>

#include "extract.h"
#include "mis.h"

/* Sends the extract of an MIS plan; writes its id to id. */
int lnob_mis_extract_send(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);
/* Parses one export (with its mapping file beside it) into emit. Returns
 * LNOB_OK, LNOB_ERR with reason and err when it cannot be read at all, or
 * emit's rc. */
int lnob_mis_extract_parse(const lnob_ingest_ctx_t *ctx, const char *path, const char *id,
                           lnob_mis_emit_fn emit, void *arg, const char **reason, char *err,
                           size_t cap);

#endif
