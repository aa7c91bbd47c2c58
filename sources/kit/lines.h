/* lines.h - the lines of a small settings text (a mapping file, the
 * sources table): each trimmed of blanks, blank and '#' comment lines
 * skipped, a UTF-8 byte-order mark at the start dropped, with its line
 * number for messages. lnob_lines_load() reads such a file whole; the
 * line reader itself takes a buffer. Not for: CSV (lnob/csv.h). */
#ifndef LNOB_KIT_LINES_H
#define LNOB_KIT_LINES_H
#include <stddef.h>

typedef struct {
    const char *s, *end;
    size_t line; /* 1-based number of the line last returned */
} lnob_lines_t;

/* The whole file at path (owned, NUL-terminated; its length in *len), or
 * NULL with err naming the file and why. */
char *lnob_lines_load(const char *path, size_t *len, char *err, size_t cap);
void lnob_lines_init(lnob_lines_t *it, const char *text, size_t len);
/* The next line with content: 1 with *l and *n set, 0 at the end. */
int lnob_lines_next(lnob_lines_t *it, const char **l, size_t *n);
/* s[0..*n) without spaces, tabs and CRs at either end. */
void lnob_lines_trim(const char **s, size_t *n);
/* Splits a "key = value" line at its first '=' (its last when last is 1)
 * into the key and the value, each trimmed. Returns 0, or -1 when the line
 * has no '='. */
int lnob_lines_pair(const char *s, size_t n, int last, const char **key, size_t *nk,
                    const char **value, size_t *nv);

#endif
