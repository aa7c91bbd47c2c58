/* lnob/statfile.h - SPSS .sav and Stata .dta files as CSV rows, over ReadStat.
 *
 * The reader turns a .sav or .dta into the rows a CSV of the same data would
 * give (lnob/csv.h: header, then one row per record, the same line numbers),
 * so the CSV-based stages read statistical files unchanged. It streams one
 * record at a time. The writer does the reverse from a CSV table, for test
 * twins and `lnob gen silc`. ReadStat does the file formats; this module only
 * decides how a value is written as text.
 * Not for: value labels, variable labels, formats or other metadata (they are
 * not read); SAS, SPSS .por or .zsav files. */
#ifndef LNOB_STATFILE_H
#define LNOB_STATFILE_H
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "lnob/csv.h"
#include "lnob/rc.h"

typedef enum {
    LNOB_STATFILE_NONE = 0, /* not a statistical file: read it as CSV */
    LNOB_STATFILE_SAV,      /* SPSS system file, ".sav" */
    LNOB_STATFILE_DTA       /* Stata file, ".dta" */
} lnob_statfile_kind_t;

/* The kind of file path names, from its extension alone (case-insensitive);
 * LNOB_STATFILE_NONE (0) for anything else. */
lnob_statfile_kind_t lnob_statfile_kind(const char *path);

/* Reads the .sav or .dta at path and calls row(arg, r) first with the header
 * (the variable names, line 1), then once per record k (1-based, line k+1),
 * every row holding one field per variable. Field texts are what a CSV of the
 * same data holds:
 *   - a number with an integer value below 2^53 in magnitude as an integer
 *     ("-1", "2023"), any other as the shortest text that reads back to it
 *     (lnob_format_double; a Stata float as lnob_format_float);
 *   - system-missing (SPSS sysmis, Stata . and .a to .z): empty. SPSS
 *     user-defined missing values are data here (UDB flag codes such as -1):
 *     they are written as their value;
 *   - a string as stored, in UTF-8, trailing spaces cut; one longer than
 *     LNOB_CSV_MAX_FIELD is cut and the row flagged truncated.
 * The row and its texts are borrowed for the callback only. A file with no
 * variables gives no rows. Records are read one at a time, so rows before a
 * fault in the file have been delivered when the fault is found. Returns
 * LNOB_OK; the first non-OK rc the callback returned (the read stops there);
 * or LNOB_ERR when the file cannot be opened, is not a well-formed file of its
 * kind or ends early (err, if not NULL, then holds at most cap-1 bytes naming
 * path and ReadStat's reason). */
int lnob_statfile_read(const char *path, lnob_csv_row_fn row, void *arg, char *err,
                       size_t cap);

/* Writes the comma-separated table csv holds (a header row of variable names,
 * then records) as a .sav or .dta file at out_path, the kind chosen by its
 * extension. A column whose every non-empty value is a finite decimal number
 * ([+-]digits[.digits][e[+-]digits]) becomes a numeric (double) variable, an
 * empty value system-missing; any other column a string variable as wide as
 * its longest value (at least 1 byte). Read back, a numeric field comes out in
 * the reader's form above ("1.50" as "1.5", "+7" as "7"). Stata files are
 * format 118 (Stata 14+, UTF-8, string variables up to 2045 bytes); SPSS
 * files are row-compressed. stamp is the creation time written into the file:
 * pass a fixed value for the same bytes from the same table.
 * csv is read twice from its start (types and widths, then values), so it
 * must be seekable (a file, tmpfile(), fmemopen()); it stays open. Returns
 * LNOB_OK, or LNOB_ERR with err as for the reader (a ragged row, a field cut
 * by the CSV reader, a name ReadStat refuses, a write error); out_path is
 * then removed. */
int lnob_statfile_write_csv(FILE *csv, const char *out_path, time_t stamp, char *err,
                            size_t cap);

#endif
