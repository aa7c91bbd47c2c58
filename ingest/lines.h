/* lines.h - the lines of a small settings text (a mapping file, the
 * sources table): each trimmed of blanks, blank and '#' comment lines
 * skipped, a UTF-8 byte-order mark at the start dropped, with its line
 * number for messages. Reads a buffer; the caller reads the file.
 * Not for: CSV (lnob/csv.h). */
#ifndef LNOB_INGEST_LINES_H
#define LNOB_INGEST_LINES_H
#include <stddef.h>

typedef struct {
    const char *s, *end;
    size_t line; /* 1-based number of the line last returned */
} lnob_lines_t;

void lnob_lines_init(lnob_lines_t *it, const char *text, size_t len);
/* The next line with content: 1 with *l and *n set, 0 at the end. */
int lnob_lines_next(lnob_lines_t *it, const char **l, size_t *n);
/* s[0..*n) without spaces, tabs and CRs at either end. */
void lnob_lines_trim(const char **s, size_t *n);

#endif
