/* silc.h - the merged person-level EU-SILC CSV source.
 *
 * A push parser: feed it the bytes of one extract (any chunking) and it
 * calls emit() with each finished Batch of up to batch_size accepted rows,
 * plus the rejects met on the way. The bytes may be in any encoding and
 * delimiter lnob/dialect.h reads (numbers with a decimal comma in a ';'
 * file or when configured); a label that is not clean text (a NUL byte,
 * undecodable bytes) is BAD_TEXT. It maps UDB header names
 * (case-insensitive), validates every row, converts RB050 to integer weight
 * units and resolves municipality names or codes to LAU codes through the
 * reference tables, so that a rejected row is quarantined here, with its
 * file, line, field, reason and raw text. Rows may also come split already
 * (lnob_silc_row: ReadStat files, or the four UDB files joined by udb4.h).
 * Not for: sockets or files (ingest/main.c), income derivation or sorting
 * (transform/). */
#ifndef LNOB_SILC_SILC_H
#define LNOB_SILC_SILC_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/csv.h"
#include "lnob/geo.h"
#include "lnob/recode.h"
#include "wire.h"

typedef struct lnob_silc lnob_silc_t;

/* Called with each finished batch (borrowed for the call). Return LNOB_OK
 * to go on; anything else stops the parse with that rc. */
typedef int (*lnob_silc_emit_fn)(void *arg, Lnob__V1__Batch *batch);

/* Where a merged column's value of the current row came from, when rows
 * are joined from several files (udb4.h): writes e.g. "H.csv line 3" or "". */
typedef void (*lnob_silc_where_fn)(void *arg, size_t field, char *buf, size_t cap);

typedef struct {
    const char *source;    /* file name recorded in rejects */
    const char *checksum;  /* hex sha256 of the whole input (extract id) */
    const char *run_id;    /* copied into every batch */
    size_t batch_size;     /* accepted rows per batch */
    const lnob_geo_t *geo; /* reference tables, borrowed */
    lnob_silc_emit_fn emit;
    void *arg;
    uint32_t file;         /* Reject.file of row rejects: 0 single file, else 1 + udb4 file */
    lnob_silc_where_fn where; /* NULL for a single file */
    void *where_arg;
    lnob_encoding_t encoding; /* of the bytes fed (lnob/recode.h); LNOB_ENC_AUTO: detected */
    int decimal_comma;     /* 1: numbers may have a decimal comma (always so in a ';' file) */
    const char *dialect_notes; /* for rows that come split: how their files were read, or NULL */
    char delimiter;        /* of the bytes fed; 0: taken from the header row (lnob/dialect.h) */
    /* A Range (silc_cut.h): the rows fed after the header are the file's
     * from this line (0: the header's line 1 is the file's), and the period
     * is the file's ("" or NULL: the first row with a year decides). */
    uint64_t first_line;
    const char *period;
    const char *channel;   /* the run's channel, in the extract id (lnob/keys.h); NULL the default */
} lnob_silc_opts_t;

#define LNOB_SILC_NOTES_MAX 640 /* bytes of an extract's notes */

/* The data-quality notes of an extract as bits (Run.silc_notes). */
#define LNOB_SILC_NOTE_AGE_BIRTH 1u /* an AGE_INT came from RB080 */
#define LNOB_SILC_NOTE_IRP_BIRTH 2u /* an AGE_IRP came from RB080 */
#define LNOB_SILC_NOTE_HX050 4u     /* HX050 derived from the members' ages */
#define LNOB_SILC_NOTE_HX090 8u     /* the file has HX090 */

/* Returns a parser; opts and the strings in it must outlive it. */
lnob_silc_t *lnob_silc_new(const lnob_silc_opts_t *opts);
/* NULL-safe; NULLs *self_p. */
void lnob_silc_destroy(lnob_silc_t **self_p);
/* Feeds bytes. Returns LNOB_OK, LNOB_ERR when the extract cannot be read
 * at all (empty, missing required column: see errstr and reason), or the
 * rc of emit. */
int lnob_silc_feed(lnob_silc_t *self, const char *buf, size_t len);
/* Takes one row already split into fields (the header first): what feed()
 * does per CSV row, for rows that come from ReadStat or from a join. */
int lnob_silc_row(lnob_silc_t *self, const lnob_csv_row_t *row);
/* Quarantines a row that never became a person row (udb4.h rejects): it
 * counts as read and rejected. Same returns as feed. */
int lnob_silc_reject(lnob_silc_t *self, uint32_t file, const char *source, uint64_t line,
                     const char *field, const char *reason, const char *detail, const char *raw);
/* Ends the input and emits the last batch. Same returns as feed. */
int lnob_silc_finish(lnob_silc_t *self);
/* Extract id ("silc-<period>-<checksum prefix>"), valid once the first data
 * row has been read or finish() was called. */
const char *lnob_silc_extract_id(const lnob_silc_t *self);
/* Survey year: DB010/RB010 of the first well-formed row that has a valid
 * one, or "unknown" if none had by the first batch (then rows with a year
 * are YEAR_MISMATCH). */
const char *lnob_silc_period(const lnob_silc_t *self);
/* Once the header row is mapped: the fields holding the person id, the
 * household id and the year, and how many fields the header has; 0, or -1
 * before (or when the header was refused). */
int lnob_silc_key_columns(const lnob_silc_t *self, int *pid, int *hh, int *year, size_t *n_header);
/* The header row as read, re-serialised as CSV ("" before it is read). */
const char *lnob_silc_header(const lnob_silc_t *self);
/* Counters over the whole input so far. */
uint64_t lnob_silc_rows_read(const lnob_silc_t *self);
uint64_t lnob_silc_records(const lnob_silc_t *self);
uint32_t lnob_silc_batches(const lnob_silc_t *self);
/* Reason code and message of the last LNOB_ERR. */
const char *lnob_silc_reason(const lnob_silc_t *self);
const char *lnob_silc_errstr(const lnob_silc_t *self);
/* Data-quality notes on the extract so far ("" when none): e.g. that ages
 * were derived from the year of birth. */
const char *lnob_silc_notes(lnob_silc_t *self);
/* The notes other than how the text was read, as LNOB_SILC_NOTE_* bits and
 * the households that could not be sized: what a Range's Run carries. */
uint32_t lnob_silc_note_bits(const lnob_silc_t *self, uint64_t *hh_incomplete);
/* Appends to notes (cap bytes, "; "-separated) what bits and hh_incomplete
 * say, as lnob_silc_notes words them: the notes of an extract whose
 * Ranges were parsed apart, from the sums of its Runs. */
void lnob_silc_notes_add(char *notes, size_t cap, uint32_t bits, uint64_t hh_incomplete);
/* The file the following rows come from (rows of several merged files of
 * one year read as one extract): named by their rejects from now on;
 * source must outlive the parser. */
void lnob_silc_source(lnob_silc_t *self, const char *source);

#endif
