/* udb4.h - the four cross-sectional UDB files of one year joined into
 * merged person rows.
 *
 * Eurostat's user database splits a year into D (household register), H
 * (household data), R (personal register) and P (personal data: persons
 * 16+). This module holds the rows of the four files (fed one by one, as
 * CSV or ReadStat rows), joins them by the UDB keys (DB030 = HB030;
 * RX030, else RB040, else RB030/100 -> household; PB030 = RB030) and hands
 * the SILC source one merged row per R person, households together, with
 * the columns of D, H, R and P side by side. Rows that cannot be joined -
 * a second row with the same key, a P row without an R row, a person whose
 * household is missing from D or H, an H row without persons, a household
 * whose HX040 differs from its current members in R, a year that differs
 * from the extract's - go to reject() with their own file, line and reason,
 * so the run goes on for everything else. No files or sockets.
 *
 * Memory. Files in household order (as UDB files come: D and H by their
 * key, R and P by the person id, whose household is the id over 100) are
 * joined as a stream: one thread per file feeds its rows, handing them
 * over a chunk at a time, and the join takes from each file just enough
 * to join every household below the lowest one a file may still hold; so
 * a year of any size is joined in a few chunks of memory. A first read of
 * the files (lnob_udb4_scan_row) tells whether they are in that order; if
 * one is not, the rows are spilled by household into temporary parts that
 * are joined one at a time (lnob_udb4_spill), so memory stays bounded too.
 * Not for: validating values (sources/silc/silc.c does that on the merged rows). */
#ifndef LNOB_SILC_UDB4_H
#define LNOB_SILC_UDB4_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/csv.h"

typedef enum { LNOB_UDB4_D, LNOB_UDB4_H, LNOB_UDB4_R, LNOB_UDB4_P, LNOB_UDB4_FILES } lnob_udb4_file;

/* lnob_udb4_kind() answers for files that are not one of the four. */
#define LNOB_UDB4_MERGED (-2)  /* the merged person-level form */
#define LNOB_UDB4_UNKNOWN (-1)

/* "D", "H", "R", "P". */
extern const char *const lnob_udb4_names[LNOB_UDB4_FILES];

/* Which file a header row (the variable names) belongs to. */
int lnob_udb4_kind(const lnob_csv_row_t *header);
/* The survey year of a data row of a file of that kind (DB010, HB010,
 * RB010, PB010, or for a merged file DB010/RB010), or -1. */
int lnob_udb4_row_year(const lnob_csv_row_t *header, const lnob_csv_row_t *row);

typedef struct lnob_udb4 lnob_udb4_t;

/* A row that cannot be joined. raw is the row as in its own file. */
typedef struct {
    int file;              /* lnob_udb4_file */
    const char *source;    /* that file's path */
    uint64_t line;
    const char *field, *reason, *detail, *raw;
} lnob_udb4_reject_t;

typedef struct {
    int (*row)(void *arg, const lnob_csv_row_t *row);  /* header first, then persons */
    int (*reject)(void *arg, const lnob_udb4_reject_t *r);
    void *arg;
    int (*idle)(void *arg); /* optional: called while the join waits for a feeder;
                             * another rc than LNOB_OK stops the join with it */
} lnob_udb4_out_t;

/* source[f]: the path of file f, NULL when absent (only P may be). year:
 * the extract's survey year (rows of another year are rejected). The
 * strings must outlive the join. */
lnob_udb4_t *lnob_udb4_new(const char *const source[LNOB_UDB4_FILES], int year);
/* NULL-safe; NULLs *self_p. */
void lnob_udb4_destroy(lnob_udb4_t **self_p);
/* Adds one row of file f; its first row is the header. Returns LNOB_OK,
 * LNOB_ERR when the header lacks a key column (see errstr), or, streaming,
 * LNOB_CLOSED when the join was aborted. Calls for different files may run
 * at the same time (one thread per file); calls for one file must not. */
int lnob_udb4_add(lnob_udb4_t *self, int file, const lnob_csv_row_t *row);
/* The rows of one file for a row reader (lnob/csv.h, input.h): pass a
 * lnob_udb4_feed_t as the callback's argument. */
typedef struct {
    lnob_udb4_t *join;
    int file;
} lnob_udb4_feed_t;
int lnob_udb4_feed_row(void *feed, const lnob_csv_row_t *row);
/* The first read of a file, for its order only (pass a lnob_udb4_feed_t). */
int lnob_udb4_scan_row(void *feed, const lnob_csv_row_t *row);
#define LNOB_UDB4_CHUNK_ROWS 8192          /* rows (or rejects) a feeder hands over at a time */
#define LNOB_UDB4_PART_BYTES (32u << 20)   /* input bytes per spilled part */
#define LNOB_UDB4_PARTS_MAX 64             /* 4 open temporary files each */
/* After the first read: chooses how the files, then fed by other threads,
 * are joined, and says so for the log. Streamed when every file is in
 * household order (and each R row's household is its RB030 over 100);
 * else spilled (lnob_udb4_spill) into one part per LNOB_UDB4_PART_BYTES of
 * input_bytes; else (a household that is not RB030/100, so P rows cannot
 * be placed by their own key) whole, in memory. */
const char *lnob_udb4_choose(lnob_udb4_t *self, size_t input_bytes);
/* Says the files are fed by other threads while lnob_udb4_join runs, each
 * calling lnob_udb4_end when its file is done; chunk_rows > 0 streams
 * (hand-overs of that many rows or rejects: files must be sorted), 0 hands
 * each file over whole. Call before any row is added. Without this call,
 * every row is added before the join, in any thread. */
void lnob_udb4_stream(lnob_udb4_t *self, size_t chunk_rows);
/* As lnob_udb4_stream, for files in no order: each feeder writes its rows
 * to parts by household (temporary files in TMPDIR, else /tmp, unlinked
 * as they are made) and hands over only its rejects; once all files are
 * read, the join reads one part of each file at a time, sorts and joins
 * it. Memory is then one part, whatever the order. */
void lnob_udb4_spill(lnob_udb4_t *self, size_t parts, size_t chunk_rows);
/* The feeder of file f is done: rc LNOB_OK at its end, or its error (the
 * join then stops with it). Waits, bounded by the join, for room. */
void lnob_udb4_end(lnob_udb4_t *self, int file, int rc);
/* Stops the feeders: their lnob_udb4_add returns LNOB_CLOSED. For a join
 * that failed while feeders still run. */
void lnob_udb4_abort(lnob_udb4_t *self);
/* Joins and sends everything to out. Returns LNOB_OK, LNOB_ERR (see
 * errstr), a feeder's error rc, or the first other rc of out. */
int lnob_udb4_join(lnob_udb4_t *self, const lnob_udb4_out_t *out);
/* While a merged row is out: "H.csv line 3" for the file that field (a
 * merged column index) came from; "" for R fields and absent P rows. */
void lnob_udb4_where(const lnob_udb4_t *self, size_t field, char *buf, size_t cap);
/* Each file's header row, owned: one CSV row per file that has one, in
 * the order D, H, R, P, its letter first, then its column names as read
 * ("D,DB010,DB030\nH,HB010,HB030,HY020\n..."). The merged rows hold these
 * columns in this order. */
char *lnob_udb4_headers(const lnob_udb4_t *self);
/* Rows of file f kept so far (header not counted). */
uint64_t lnob_udb4_rows(const lnob_udb4_t *self, int file);
/* The most rows the join held at once, in all files (its memory). */
size_t lnob_udb4_peak_rows(const lnob_udb4_t *self);
/* D rows of households that gave no interview (no H row, DB135 != 1). */
uint64_t lnob_udb4_nonresponse(const lnob_udb4_t *self);
const char *lnob_udb4_reason(const lnob_udb4_t *self);
const char *lnob_udb4_errstr(const lnob_udb4_t *self);

#endif
