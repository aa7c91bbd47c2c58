/* silc_range.h - a transformer's side of a cut SILC file: one Range
 * (silc_cut.h) parsed and validated as the ingester parses a whole file
 * (silc.h), from the range's first line and with the file's period, and
 * harmonised into the Run of its seq, which also carries the range's part
 * of the extract's notes (Run.silc_notes, Run.hh_incomplete).
 * Not for: cutting (silc_cut.h), harmonising (harmonise.h). */
#ifndef LNOB_SILC_SILC_RANGE_H
#define LNOB_SILC_SILC_RANGE_H
#include <stdint.h>

#include "household.h"
#include "lnob/geo.h"
#include "source.h"

/* What a SILC transformer works with: the household settings (first, as
 * harmonise.h takes them) and the reference tables a range's rows need. */
typedef struct {
    lnob_hh_cfg_t hh;
    lnob_geo_t *geo; /* owned */
} lnob_silc_settings_t;

/* Parses, validates and harmonises the Range of env and sends its Run (or,
 * when the range cannot be parsed as one batch, an ExtractFailed) through
 * send; *us is the time it took. Returns send's rc. */
int lnob_silc_range(const lnob_env_t *env, const lnob_silc_settings_t *settings, lnob_source_send_fn send,
                    void *arg, int64_t *us);

#endif
