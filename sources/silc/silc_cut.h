/* silc_cut.h - a merged SILC CSV file cut into Ranges for the transformers
 * to parse (lnob.proto Range).
 *
 * The ingester's first read of the file (its checksum) goes through the
 * cutter too, which plans the ranges: each starts at a line whose household
 * id differs from the line before, once the range before holds the batch
 * size in rows or LNOB_CUT_BYTES. The second read sends them as planned.
 * A transformer parses a range exactly as the whole file is parsed here
 * (silc.h), so only a file whose parse needs nothing across ranges is cut:
 *   - the plain form: UTF-8 throughout, ',' delimited, a line at most
 *     LNOB_CUT_LINE_MAX bytes, no '\r' but before a line end;
 *   - a header row silc.h takes, and a first data row of its width with a
 *     survey year (the period: the first row with a year decides it);
 *   - no person id and no household id in two ranges (so the duplicate
 *     and split-household checks stay whole in one range) and no household
 *     over LNOB_CUT_HARD_BYTES;
 *   - no --decimal-comma, and at least one data row.
 * Any other file is parsed in the ingester as before; the log says why.
 * Memory: the ids of the ranges planned so far (a plain array while they
 * come in order, as files have them; a set from the first that does not),
 * one line, the range table.
 * Not for: sending (silc_extract.c), parsing a range (silc_source.c). */
#ifndef LNOB_SILC_SILC_CUT_H
#define LNOB_SILC_SILC_CUT_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/geo.h"

#define LNOB_CUT_BYTES (256u << 10)     /* a range closes at the next household past this */
#define LNOB_CUT_HARD_BYTES (4u << 20)  /* a household this large: the file is not cut */
#define LNOB_CUT_LINE_MAX (64u << 10)   /* a longer line: the file is not cut */

typedef struct lnob_silc_cut lnob_silc_cut_t;

/* A cutter for a file read with geo (borrowed): ranges of at most rows
 * rows (the batch size), or LNOB_CUT_BYTES. */
lnob_silc_cut_t *lnob_silc_cut_new(const lnob_geo_t *geo, size_t rows);
/* NULL-safe; NULLs *self_p. */
void lnob_silc_cut_destroy(lnob_silc_cut_t **self_p);
/* The first read (lnob_input_feed_fn): plans the ranges. Always LNOB_OK:
 * a file that cannot be cut is read on, for its checksum. */
int lnob_silc_cut_plan(void *self, const char *chunk, size_t n);
/* After the first read: 1 when the file is cut, else 0 with *why set. */
int lnob_silc_cut_ok(lnob_silc_cut_t *self, const char **why);
/* Of a file that is cut: its period, its header row re-serialised (as
 * lnob_silc_header), the ranges planned and the data rows read (lines
 * that are not blank: the CSV reader skips those). */
const char *lnob_silc_cut_period(const lnob_silc_cut_t *self);
const char *lnob_silc_cut_header_row(const lnob_silc_cut_t *self);
uint32_t lnob_silc_cut_ranges(const lnob_silc_cut_t *self);
uint64_t lnob_silc_cut_rows(const lnob_silc_cut_t *self);

/* Called with each range of the second read: its seq, the file's line of
 * its first row, its lines and their bytes (borrowed for the call). Returns
 * LNOB_OK to go on. */
typedef int (*lnob_silc_cut_fn)(void *arg, uint32_t seq, uint64_t first_line, uint32_t rows, const char *data,
                                size_t len);
/* Starts the second read: ranges go to fn(arg, ...). */
void lnob_silc_cut_start(lnob_silc_cut_t *self, lnob_silc_cut_fn fn, void *arg);
/* The second read (lnob_input_feed_fn, arg the cutter); fn's rc. */
int lnob_silc_cut_send(void *self, const char *chunk, size_t n);
/* Ends the second read: sends the last range; fn's rc, or LNOB_ERR when
 * the file did not give the ranges planned (it changed: the read that
 * holds it to its checksum says so first). */
int lnob_silc_cut_finish(lnob_silc_cut_t *self);
/* The header row bytes as in the file (without a BOM and line end), for
 * Range.header. */
const char *lnob_silc_cut_header_bytes(const lnob_silc_cut_t *self, size_t *len);

#endif
