/* mis_extract.h - MIS extracts: the municipal exports of a run (or of a
 * drop folder round) read together, pseudonymised by the parser (mis.h),
 * as one extract of a reference year (docs/mis.md).
 * Not for: SILC (sources/silc/) or the drop folder itself (ingest/watch.h). */
#ifndef LNOB_MIS_MIS_EXTRACT_H
#define LNOB_MIS_MIS_EXTRACT_H
#include <stddef.h>

#include "deliver.h"
#include "mis.h"

/* The plan of MIS exports files[0..n) (mapping files left out): all of
 * them one extract. */
void lnob_mis_plan_files(lnob_plan_t *p, const char *const *files, size_t n);
/* The --mis files of cfg as one plan (none when there are none); returns
 * how many it wrote. */
size_t lnob_mis_plan(const lnob_ingest_cfg_t *cfg, lnob_plan_t *plans);
/* Checks the MIS options (service set, groups) and reads the person-key
 * secret (when there are exports or a drop folder: a start-up error when
 * missing, never a default) and the sources table into ctx; -1 when one
 * is wrong, having said why. lnob_mis_stop frees them. */
int lnob_mis_start(const lnob_ingest_cfg_t *cfg, lnob_ingest_ctx_t *ctx);
void lnob_mis_stop(lnob_ingest_ctx_t *ctx);
/* Sends the extract of an MIS plan; writes its id to id. */
int lnob_mis_extract_send(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);
/* Parses one export (with its mapping file beside it) into emit. Returns
 * LNOB_OK, LNOB_ERR with reason and err when it cannot be read at all, or
 * emit's rc. */
int lnob_mis_extract_parse(const lnob_ingest_ctx_t *ctx, const char *path, const char *id,
                           lnob_mis_emit_fn emit, void *arg, const char **reason, char *err,
                           size_t cap);

#endif
