/* replay_mis.h - `lnob quarantine replay` of an MIS extract.
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
 * Not for: SILC extracts (replay.h); reading Redis (quarantine.c). */
#ifndef LNOB_CLI_REPLAY_MIS_H
#define LNOB_CLI_REPLAY_MIS_H
#include <stddef.h>

#include "replay.h"

/* Writes the rejected rows rows[0..n) of the exports in sums (the metadata
 * `input_sums`: "<sha256>  <path>" lines) into the directory r->out (made
 * if missing). Returns the exit code: 0, or 1 when a file was changed or is
 * missing (nothing written from it), a copy would write over an export, or
 * rows were left out. */
int lnob_replay_mis(const lnob_replay_t *r, const char *sums, const lnob_replay_row_t *rows, size_t n);

#endif
