/* input.h - the bytes and rows of one input file, whatever its format.
 *
 * A file is read a chunk at a time with read(2) into one buffer, so
 * resident memory stays a chunk deep for any file size, a file cut short
 * while it is read is an error rather than a SIGBUS, and its sha256 is
 * taken in the same pass. A gzip file (known by its magic bytes, whatever
 * its name) is decompressed as it is read: what is fed, hashed and counted
 * is its content, so the same rows give the same extract id packed or not.
 * A spreadsheet (xlsx/ods: zip; xls: OLE2) or a directory is refused with a
 * message that names the file. The file must stay what it was: its size,
 * mtime and inode are checked before every chunk and at the end, and a
 * second read can be held to the first one's stamp and sha256; otherwise
 * the read fails as FILE_CHANGED.
 *
 * A CSV file's chunks go to the CSV reader in the file's own encoding and
 * delimiter (lnob/dialect.h); an SPSS .sav or Stata .dta
 * file (by its extension) is read record by record through ReadStat
 * (lnob/statfile.h) into the rows its CSV twin would give. Every row, the
 * header first, goes to a row callback (lnob/csv.h), so the SILC source and
 * the UDB join never see the format.
 * Not for: validation (silc.h, udb4.h), extract ids (extract.h). */
#ifndef LNOB_KIT_INPUT_H
#define LNOB_KIT_INPUT_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/csv.h"

#define LNOB_INPUT_CHUNK (1u << 20) /* bytes fed per step, so signals are seen */
#define HEX_SHA256 65               /* a sha256 as lowercase hex, with its NUL */

/* What a file was when it was read: another stamp later means it changed. */
typedef struct {
    uint64_t dev, ino, size;
    int64_t mtime_ns;
} lnob_input_stamp_t;

/* A file's sha256 and size (of its content: decompressed for gzip), its
 * stamp when it was read, and (lnob_input_rows) how a CSV file's text was
 * read (lnob/dialect.h). */
typedef struct {
    char hex[HEX_SHA256];
    size_t bytes;
    lnob_input_stamp_t stamp;
    char delimiter;        /* ',', ';' or '\t' (0 for SPSS and Stata files) */
    char dialect[160];     /* "" for UTF-8 with commas, else lnob_dialect_describe's line */
} lnob_input_sum_t;

/* Takes chunk buf[0..n); returns LNOB_OK to go on. */
typedef int (*lnob_input_feed_fn)(void *arg, const char *chunk, size_t n);

/* Reads the content of the file at path once, LNOB_INPUT_CHUNK bytes at a
 * time, into feed unless it is NULL, and its sha256, size and stamp into
 * *sum unless sum is NULL. When expect is not NULL (a sum of an earlier
 * read) the file must still have expect's stamp and sha256. Returns LNOB_OK;
 * LNOB_ERR when the file itself could not be read, with *reason
 * ("UNREADABLE", "NOT_CSV" or "FILE_CHANGED") and err naming the file; or
 * feed's first other rc (err ""). */
int lnob_input_read(const char *path, lnob_input_feed_fn feed, void *arg, lnob_input_sum_t *sum,
                    const lnob_input_sum_t *expect, const char **reason, char *err, size_t cap);

/* Calls fn(arg, row) for every row of the file at path (a row spans one
 * line) and, when sum is not NULL, takes the whole file's sha256, size and
 * stamp (a CSV file in the same pass). When expect is not NULL the file
 * must still be what that earlier read saw (as lnob_input_read). Returns LNOB_OK, LNOB_ERR when the
 * file cannot be read (*reason and err as lnob_input_read; "UNREADABLE"
 * when ReadStat cannot read it), or the first other rc of fn (LNOB_CLOSED
 * stops early without error). err is "" unless the file itself could not be
 * read. */
int lnob_input_rows(const char *path, lnob_csv_row_fn fn, void *arg, lnob_input_sum_t *sum,
                    const lnob_input_sum_t *expect, const char **reason, char *err, size_t cap);

#endif
