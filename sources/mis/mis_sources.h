/* mis_sources.h - the MIS sources table: which mapping file reads which
 * export, by the export's file name.
 *
 * One table for all the municipalities' exports, so that a mapping file
 * need not be dropped beside every export (a drop folder gets a new file
 * name every month):
 *
 *     # export file name pattern = mapping file (relative to this table)
 *     fier_*.csv  = maps/fier.map
 *     *_puke.csv  = maps/puke.map
 *
 * Patterns are fnmatch(3) globs on the export's base name, any case, tried in order:
 * the first match wins. A mapping file beside the export
 * (export.csv.map) wins over the table. The table is parsed from a buffer;
 * lnob_mis_sources_check() then reads every mapping file it names, so that
 * a bad one stops the ingester at start-up with its file and line.
 * Not for: the mapping files' own format (mis_map.h). */
#ifndef LNOB_MIS_MIS_SOURCES_H
#define LNOB_MIS_MIS_SOURCES_H
#include <stddef.h>

typedef struct lnob_mis_sources lnob_mis_sources_t;

/* Parses a table's text; name (for messages) is its path and dir the
 * folder relative mapping paths start from. Returns the table, or NULL
 * with err naming the line. */
lnob_mis_sources_t *lnob_mis_sources_parse(const char *name, const char *dir, const char *text,
                                           size_t len, char *err, size_t cap);
/* Reads and parses every mapping file the table names. Returns 0, or -1
 * with err naming the mapping file (and its line). */
int lnob_mis_sources_check(const lnob_mis_sources_t *self, char *err, size_t cap);
/* Reads the table at path, parses it (mapping paths relative to its
 * folder) and checks it: the table, or NULL with err. */
lnob_mis_sources_t *lnob_mis_sources_load(const char *path, char *err, size_t cap);
/* NULL-safe; NULLs *self_p. */
void lnob_mis_sources_destroy(lnob_mis_sources_t **self_p);
/* The mapping file for the export at path (its base name matched), or
 * NULL when no pattern matches. */
const char *lnob_mis_sources_map_for(const lnob_mis_sources_t *self, const char *path);
/* Rows of the table. */
size_t lnob_mis_sources_count(const lnob_mis_sources_t *self);

#endif
