/* input.h - the bytes and rows of one input file, whatever its format.
 *
 * A file is mapped and read a chunk at a time, each chunk's pages released
 * once read, so resident memory stays a chunk deep for any file size, and
 * its sha256 can be taken in the same pass. A CSV file's chunks go to the
 * CSV reader in the file's own encoding and delimiter (lnob/dialect.h); an SPSS .sav or Stata .dta file (by its extension) is read
 * record by record through ReadStat (lnob/statfile.h) into the rows its CSV
 * twin would give. Every row, the header first, goes to a row callback
 * (lnob/csv.h), so the SILC source and the UDB join never see the format.
 * Not for: validation (silc.h, udb4.h), extract ids (extract.h). */
#ifndef LNOB_INGEST_INPUT_H
#define LNOB_INGEST_INPUT_H
#include <stddef.h>

#include "lnob/csv.h"

#define LNOB_INPUT_CHUNK (1u << 20) /* bytes fed per step, so signals are seen */
#define HEX_SHA256 65               /* a sha256 as lowercase hex, with its NUL */

/* Maps the file at path read-only; an empty file gives len 0 and NULL.
 * Returns 0, or -1 with err saying why (without the path). */
int lnob_input_map(const char *path, const char **buf, size_t *len, char *err, size_t cap);
/* Drops mapped pages already read (off page-aligned). */
void lnob_input_release(const char *buf, size_t off, size_t n);

/* Takes chunk buf[0..n); returns LNOB_OK to go on. */
typedef int (*lnob_input_feed_fn)(void *arg, const char *chunk, size_t n);
/* Feeds buf[0..len) to feed LNOB_INPUT_CHUNK bytes at a time, releasing
 * each chunk once fed. Returns LNOB_OK or feed's first other rc. */
int lnob_input_chunks(const char *buf, size_t len, lnob_input_feed_fn feed, void *arg);
/* sha256 of buf[0..len) as hex (HEX_SHA256 bytes), releasing pages as it
 * goes; OpenSSL's, which uses the CPU's SHA extensions. */
void lnob_input_checksum(const char *buf, size_t len, char *hex);

/* A file's sha256 and size, when lnob_input_rows is asked for them, and
 * how a CSV file's text was read (lnob/dialect.h). */
typedef struct {
    char hex[HEX_SHA256];
    size_t bytes;
    char delimiter;        /* ',', ';' or '\t' (0 for SPSS and Stata files) */
    char dialect[160];     /* "" for UTF-8 with commas, else lnob_dialect_describe's line */
} lnob_input_sum_t;

/* Calls fn(arg, row) for every row of the file at path and, when sum is
 * not NULL, takes the whole file's sha256 and size (a CSV file in the same
 * pass). Returns LNOB_OK, LNOB_ERR when the file cannot be read (err says
 * why, naming the file), or the first other rc of fn (LNOB_CLOSED stops
 * early without error). err is "" unless the file itself could not be
 * read. */
int lnob_input_rows(const char *path, lnob_csv_row_fn fn, void *arg, lnob_input_sum_t *sum, char *err,
                    size_t cap);

#endif
