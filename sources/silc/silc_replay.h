/* silc_replay.h - `lnob quarantine replay` of a SILC extract.
 *
 * A merged file's rejected rows go to one CSV under its header row (the
 * command writes it: LNOB_REPLAY_FILE). An extract joined from the four UDB
 * files is written back as D.csv, H.csv, R.csv and P.csv in the directory
 * --out names (made if missing), each under its own header row: a file's
 * own rejected rows (rejected by the join: orphans, duplicate keys, other
 * years ...) in line order, then the D, H, R and P rows of the joined person
 * rows rejected after the join, in R line order, a household's D and H rows
 * once.
 * Not for: MIS extracts (mis_replay.h); reading Redis (cli/quarantine.c). */
#ifndef LNOB_SILC_SILC_REPLAY_H
#define LNOB_SILC_SILC_REPLAY_H
#include "source.h"

/* The kind's replay op (source.h): the exit code (0, or 1 when it wrote
 * nothing: a replay file would be one of the inputs, the metadata lacks
 * `headers`, out is "-"; or left rows out), or LNOB_REPLAY_FILE. */
int lnob_silc_replay(const lnob_replay_t *r, lnob_meta_get_fn get, const void *meta, const lnob_replay_row_t *rows,
                     size_t n);

#endif
