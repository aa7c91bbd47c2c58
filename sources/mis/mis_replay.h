/* mis_replay.h - `lnob quarantine replay` of an MIS extract.
 *
 * The quarantine of an MIS extract keeps no personal data in clear text,
 * only each rejected row's file, line and shape (docs/mis.md), so the rows
 * to correct are read again from the exports themselves: each export named
 * by the extract's metadata `input_sums` is checked against its sha256
 * first (a changed file would give other rows at those lines), then its
 * first line (the header) and its rejected rows are copied byte for byte
 * (of its content: a gzipped export is written decompressed),
 * a quoted row over several lines whole, into OUT/<the export's name>: the
 * same encoding, delimiter and mapping file apply to the copy.
 * Not for: SILC extracts (silc_replay.h); reading Redis (cli/quarantine.c). */
#ifndef LNOB_MIS_MIS_REPLAY_H
#define LNOB_MIS_MIS_REPLAY_H
#include <stddef.h>

#include "source.h"

/* The kind's replay op (source.h): writes the rejected rows rows[0..n) of
 * the exports the metadata's `input_sums` lists ("<sha256>  <path>" lines)
 * into the directory r->out (made if missing). Returns the exit code: 0, or
 * 1 when a file was changed or is missing (nothing written from it), a
 * copy would write over an export, or rows were left out. */
int lnob_mis_replay(const lnob_replay_t *r, lnob_meta_get_fn get, const void *meta, const lnob_replay_row_t *rows,
                    size_t n);

#endif
