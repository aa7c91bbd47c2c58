/* lnob/dialect.h - the rows of a delimited text file in any of the dialects
 * hand-made exports come in.
 *
 * A push reader for every delimited input (merged SILC files, the UDB
 * files, MIS exports): feed it the file's bytes in any chunking; they are
 * decoded to UTF-8 (lnob/recode.h: UTF-8 with or without a BOM, UTF-16
 * LE/BE with a BOM, Windows-1252 and ISO-8859-1), the delimiter is taken
 * from the header row unless given (the most frequent of ';', tab and ','
 * outside quotes; ties go in that order, none at all is ','), and each row
 * goes to a callback (lnob/csv.h). So every row handed out is UTF-8. Also
 * the hint for a header row that lacks the expected columns. Not for:
 * header names or values (the sources), ReadStat files (lnob/statfile.h). */
#ifndef LNOB_DIALECT_H
#define LNOB_DIALECT_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/csv.h"
#include "lnob/recode.h"

/* Decoded bytes searched for the end of the header row before the
 * delimiter is decided without it. */
#define LNOB_DIALECT_SNIFF 65536

typedef struct lnob_dialect lnob_dialect_t;

/* Returns a reader: enc LNOB_ENC_AUTO and delim 0 are detected. Rows go to
 * fn(arg, row), the header first. */
lnob_dialect_t *lnob_dialect_new(lnob_encoding_t enc, char delim, lnob_csv_row_fn fn, void *arg);
/* NULL-safe; NULLs *self_p. */
void lnob_dialect_destroy(lnob_dialect_t **self_p);
/* The most input lines a row may span (lnob_csv_set_max_lines; 1 for SILC
 * files, whose rows never span lines). Call before feeding. */
void lnob_dialect_set_max_lines(lnob_dialect_t *self, unsigned max_lines);
/* Feeds len bytes. Returns LNOB_OK or the first other rc of fn. */
int lnob_dialect_feed(lnob_dialect_t *self, const char *buf, size_t len);
/* Ends the input, handing out the last row. Same returns. */
int lnob_dialect_finish(lnob_dialect_t *self);

/* What is in use: LNOB_ENC_AUTO and 0 until decided. */
lnob_encoding_t lnob_dialect_encoding(const lnob_dialect_t *self);
char lnob_dialect_delimiter(const lnob_dialect_t *self);
/* Bytes not valid in the encoding in use (lnob_recode_substituted). */
uint64_t lnob_dialect_substituted(const lnob_dialect_t *self);
/* 1 when the text was the plain form: UTF-8 with ',' and every byte valid. */
int lnob_dialect_plain(const lnob_dialect_t *self);
/* One line for an extract's notes: "encoding windows-1252 (detected);
 * delimiter ';' (detected)", plus the substituted bytes when there were
 * any. Returns out. */
const char *lnob_dialect_describe(const lnob_dialect_t *self, char *out, size_t cap);

/* "','", "';'", "tab", or "'x'" for another delimiter. */
const char *lnob_dialect_delim_name(char delim, char buf[8]);
/* For a header row that lacks a required column: writes what the header
 * as read suggests ("" when nothing): NUL bytes in it (UTF-16 without a
 * BOM), or one field holding another likely delimiter. Returns out. */
const char *lnob_dialect_hint(const lnob_csv_row_t *header, char delim, char *out, size_t cap);

#endif
