/* lnob/csv.h - a buffer-fed CSV row reader with line numbers.
 *
 * Wraps libcsv (RFC 4180 quoting, embedded delimiters and newlines, CRLF or
 * LF) and adds what our error messages need: the input line on which each
 * row starts, a field-length cap, and a re-serialised copy of the row for
 * the quarantine. It never touches files or sockets: callers feed bytes in
 * any chunking, so the parser is unit-tested and fuzzed on plain buffers.
 *
 * Memory is bounded by constants, whatever the input: a row holds at most
 * LNOB_CSV_MAX_ROW bytes of field text and LNOB_CSV_MAX_FIELDS fields, and
 * spans at most the reader's line bound (LNOB_CSV_MAX_LINES unless set). A
 * row past a bound is handed out flagged (`flaw`: ROW_TOO_LONG, or
 * BAD_QUOTING when a quote is still open past the line bound or at the end
 * of the input) with what was read of it, on its first line, and reading
 * resumes at the line after that first line: the rest of an over-long line
 * is skipped unstored, the held lines of an over-long quoted row are read
 * again as rows. One bad quote costs one row, never the rest of the file.
 * The bounds are checked where a line ends and at every 64 KiB of a line,
 * counted from its start: points of the text, so no answer depends on the
 * chunking (a field that passes LNOB_CSV_MAX_ROW but ends before the next
 * such point is only cut: FIELD_TOO_LONG).
 * Not for: type conversion or header mapping (the stages do that). */
#ifndef LNOB_CSV_H
#define LNOB_CSV_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/rc.h"

/* Longest field kept whole; longer ones are cut and the row flagged. */
#define LNOB_CSV_MAX_FIELD 65536
/* Most bytes of field text in one row, and most fields; past either the
 * row is flagged ROW_TOO_LONG and the rest of it is not stored. */
#define LNOB_CSV_MAX_ROW (1u << 20)
#define LNOB_CSV_MAX_FIELDS 8192
/* Most input lines one row may span (quoted newlines) unless the reader is
 * told otherwise (lnob_csv_set_max_lines); the held lines are at most
 * LNOB_CSV_MAX_ROW bytes too. */
#define LNOB_CSV_MAX_LINES 64

typedef struct lnob_csv lnob_csv_t;

/* One parsed row, borrowed for the duration of the callback. */
typedef struct {
    size_t nfields;        /* number of fields */
    const char **fields;   /* NUL-terminated field texts (may hold inner NULs) */
    const size_t *lens;    /* true byte lengths of the fields */
    uint64_t line;         /* 1-based input line on which the row starts (lines end at LF;
                              a row after a bare CR starts on the CR's line) */
    int truncated;         /* 1 if a field exceeded LNOB_CSV_MAX_FIELD */
    size_t shared;         /* the first `shared` fields are the previous row's, unchanged
                              (a joined household's D and H fields); 0 when not known */
    const char *flaw;      /* NULL, or the reject reason of a row read only in part:
                              "BAD_QUOTING" or "ROW_TOO_LONG" */
    const char *flaw_detail; /* what happened, naming the bound (unused when flaw is NULL) */
} lnob_csv_row_t;

/* Whether the row can be used as read: 0 when it can; 1 when it was read
 * only in part or a field was cut, with *reason set to its reject reason
 * (BAD_QUOTING, ROW_TOO_LONG or FIELD_TOO_LONG) and detail (cap bytes)
 * saying why. */
int lnob_csv_row_broken(const lnob_csv_row_t *row, const char **reason, char *detail, size_t cap);

/* Field idx of row without leading and trailing spaces and tabs, its
 * length in *len; "" when the row has no field idx (idx < 0 included). */
const char *lnob_csv_field(const lnob_csv_row_t *row, int idx, size_t *len);

/* Return LNOB_OK to continue, anything else stops the parse with that rc. */
typedef int (*lnob_csv_row_fn)(void *arg, const lnob_csv_row_t *row);

/* Returns a reader for delimiter delim that calls fn(arg, row) per row. */
lnob_csv_t *lnob_csv_new(char delim, lnob_csv_row_fn fn, void *arg);
/* NULL-safe; NULLs *self_p. */
void lnob_csv_destroy(lnob_csv_t **self_p);
/* Sets the most input lines one row may span (1: rows never span lines, a
 * quote open at the end of a line is BAD_QUOTING). Call before feeding. */
void lnob_csv_set_max_lines(lnob_csv_t *self, unsigned max_lines);
/* Feeds len bytes. A UTF-8 BOM at the very start is skipped. Returns
 * LNOB_OK, or the first non-OK rc returned by the row callback. */
int lnob_csv_feed(lnob_csv_t *self, const char *buf, size_t len);
/* Flushes a final row without a trailing newline. Same returns as feed. */
int lnob_csv_finish(lnob_csv_t *self);
/* Number of input lines seen so far: newlines fed, plus 1 if bytes follow
 * the last one (0 before any input). */
uint64_t lnob_csv_lines(const lnob_csv_t *self);

/* A row under construction, field by field, handed out as a lnob_csv_row_t:
 * the reader's own row, shared with readers of other formats that give CSV
 * rows (lnob/statfile.h). Reused from row to row. */
typedef struct lnob_csv_rowbuf lnob_csv_rowbuf_t;

/* Returns an empty row. */
lnob_csv_rowbuf_t *lnob_csv_rowbuf_new(void);
/* NULL-safe; NULLs *self_p. */
void lnob_csv_rowbuf_destroy(lnob_csv_rowbuf_t **self_p);
/* Appends a copy of the len bytes at s as the next field; one longer than
 * LNOB_CSV_MAX_FIELD is cut there and the row flagged truncated. A field
 * past LNOB_CSV_MAX_FIELDS or LNOB_CSV_MAX_ROW is not stored and the row is
 * flagged ROW_TOO_LONG. */
void lnob_csv_rowbuf_add(lnob_csv_rowbuf_t *self, const char *s, size_t len);
/* Number of fields appended since the row was last emptied. */
size_t lnob_csv_rowbuf_count(const lnob_csv_rowbuf_t *self);
/* Calls fn(arg, row) with the fields as a row starting on line, then empties
 * the row. Returns fn's rc. */
int lnob_csv_rowbuf_emit(lnob_csv_rowbuf_t *self, uint64_t line, lnob_csv_row_fn fn,
                         void *arg);
/* Empties the row without handing it out. */
void lnob_csv_rowbuf_clear(lnob_csv_rowbuf_t *self);

/* Writes the row back as one CSV line (quoting where needed, no newline)
 * into out, at most cap-1 bytes, NUL-terminated; a cut row ends in "...".
 * Returns the length written. */
size_t lnob_csv_format_row(const lnob_csv_row_t *row, char delim, char *out,
                           size_t cap);

#endif
