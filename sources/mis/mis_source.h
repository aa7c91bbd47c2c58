/* mis_source.h - the MIS source kind: municipal social-care MIS exports.
 *
 * The exports of a run (or of a drop-folder round) are one extract of a
 * reference year: read, mapped and pseudonymised by the ingester
 * (mis_extract.h, mis.h), passed on as they are by the transformers (no
 * personal number ever leaves the ingester), turned into records and
 * cells by the aggregator (mis_records.h, mis_cells.h; spec §6). Its ops
 * table is lnob_source_mis (source.h). */
#ifndef LNOB_MIS_MIS_SOURCE_H
#define LNOB_MIS_MIS_SOURCE_H
#include "source.h"

extern const lnob_source_ops_t lnob_source_mis;

/* The cells and metadata of a complete MIS extract (its MisBatches). */
int lnob_mis_compute(const lnob_extract_view_t *x, lnob_result_t *r);

#endif
