/* silc_source.h - the SILC source kind: EU-SILC survey extracts.
 *
 * One merged person-level file, merged files of one year read as one, or
 * the four UDB files of a year: planned and sent by the ingester
 * (silc_extract.h), parsed and validated there (silc.h, udb4.h),
 * harmonised into sorted runs by the transformers (harmonise.h), merged and
 * computed by the aggregator (silc_compute.c, cells.h). Its ops table is
 * lnob_source_silc (source.h). */
#ifndef LNOB_SILC_SILC_SOURCE_H
#define LNOB_SILC_SILC_SOURCE_H
#include "source.h"

extern const lnob_source_ops_t lnob_source_silc;

/* The cells and metadata of a complete SILC extract (its Runs). */
int lnob_silc_compute(const lnob_extract_view_t *x, lnob_result_t *r);

#endif
