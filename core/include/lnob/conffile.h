/* lnob/conffile.h - a configuration file read into entries.
 *
 * The file is INI, read by libinih: "[section]" lines, "key = value" lines
 * (or "key: value"), comments on lines of their own starting with '#' or
 * ';', and after a value a ';' preceded by a space. Spaces around keys and
 * values are dropped; quotes are not special. Leading spaces are dropped
 * before inih sees a line, so an indented line is an ordinary line (never
 * inih's continuation of the value above). Each entry keeps its section,
 * key, value, the value's words (split at spaces and tabs) and its line, in
 * file order. What inih cannot read (a line that is neither a section nor
 * key = value, a line longer than inih's buffer) is kept as a problem
 * naming file and line; the rest of the file is still read.
 * Not for: what keys mean, sections and precedence (lnob/config.h). */
#ifndef LNOB_CONFFILE_H
#define LNOB_CONFFILE_H
#include <stddef.h>

typedef struct lnob_conffile lnob_conffile_t;

typedef struct {
    const char *section;      /* "" before the first [section] line */
    const char *key;
    const char *value;        /* "" when empty */
    const char *const *words; /* value split at spaces and tabs */
    size_t n_words;
    unsigned line;            /* 1-based */
} lnob_conffile_entry_t;

/* Reads the file at path. Returns an owned file (see lnob_conffile_problem
 * for what could not be read in it), or NULL with the reason in err when
 * the file cannot be opened. */
lnob_conffile_t *lnob_conffile_load(const char *path, char *err, size_t cap);
/* The same from text[0..len), named name in messages. */
lnob_conffile_t *lnob_conffile_parse(const char *name, const char *text, size_t len);
/* NULL-safe; NULLs *self_p. Entries' strings go with it. */
void lnob_conffile_destroy(lnob_conffile_t **self_p);

/* The path (or name) the file was read from. */
const char *lnob_conffile_path(const lnob_conffile_t *self);
size_t lnob_conffile_count(const lnob_conffile_t *self);
/* Entry i (< count), borrowed. */
const lnob_conffile_entry_t *lnob_conffile_entry(const lnob_conffile_t *self, size_t i);
/* Problem i ("FILE:LINE: what"), borrowed; NULL past the last. */
const char *lnob_conffile_problem(const lnob_conffile_t *self, size_t i);

#endif
