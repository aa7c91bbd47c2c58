/* input.h - the rows of one input file, whatever its format.
 *
 * A CSV file is mapped and fed to the CSV reader a chunk at a time, each
 * chunk's pages released once read, so resident memory stays a chunk deep
 * for any file size; an SPSS .sav or Stata .dta file (by its extension) is
 * read record by record through ReadStat (lnob/statfile.h) into the rows its
 * CSV twin would give. Every row, the header first, goes to a row callback
 * (lnob/csv.h), so the SILC source and the UDB join never see the format.
 * Not for: validation (silc.h, udb4.h) or checksums (main.c). */
#ifndef LNOB_INGEST_INPUT_H
#define LNOB_INGEST_INPUT_H
#include <stddef.h>

#include "lnob/csv.h"

/* Calls fn(arg, row) for every row of the file at path. Returns LNOB_OK,
 * LNOB_ERR when the file cannot be read (err says why, naming the file),
 * or the first other rc of fn (LNOB_CLOSED stops early without error). err
 * is "" unless the file itself could not be read. */
int lnob_input_rows(const char *path, lnob_csv_row_fn fn, void *arg, char *err, size_t cap);

#endif
