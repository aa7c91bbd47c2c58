/* mis_map.h - a municipality's own names for MIS columns and codes.
 *
 * The built-in labels (lnob/mis_codes.h) cover the usual Albanian and
 * English headers and values; a per-source mapping file adds the rest.
 * Its text, UTF-8 or Windows-1252:
 *
 *     # comment lines (# first) and blank lines are skipped
 *     Nr. i dosjes = record_id
 *     [service]
 *     Shërbim ambulator = DAY_CENTRE
 *     [group]
 *     Jetim = CHI
 *
 * One `label = CANONICAL` per line, split at the last '='; sections
 * [columns] (the first, when none is named), [service], [group], [status],
 * [sex] name the table; a [source] section sets how the export is read:
 * `encoding = windows-1252` (utf-8, utf-16le, utf-16be, iso-8859-1),
 * `delimiter = ;` (or comma, semicolon, tab), `municipality = Fier` and
 * `service = HOME_CARE` for an export without that column, `kind =
 * register` or `kind = services` to say what the export is (docs/mis.md lists the canonical names). Labels match folded, like the
 * built-in ones, and are looked up before them. Parsed from a buffer: the
 * caller reads the file. Not for: header detection or row parsing (mis.h). */
#ifndef LNOB_MIS_MIS_MAP_H
#define LNOB_MIS_MIS_MAP_H
#include <stddef.h>

#include "mis_codes.h"
#include "lnob/recode.h"

typedef struct lnob_mis_map lnob_mis_map_t;

/* A source's [source] settings; unset fields are 0 or "". */
typedef struct {
    lnob_encoding_t encoding;  /* LNOB_ENC_AUTO: detected */
    char delimiter;            /* 0: detected */
    char municipality[128];    /* a default municipality name or code */
    char service[64];          /* a default service code */
    int needs_register;        /* kind: 1 register, -1 services, 0 not said (detected) */
} lnob_mis_source_t;

/* Returns an empty map. */
lnob_mis_map_t *lnob_mis_map_new(void);
/* NULL-safe; NULLs *self_p. */
void lnob_mis_map_destroy(lnob_mis_map_t **self_p);
/* Adds the entries of a mapping file's text; name (the file, for messages)
 * is borrowed for the call. Returns LNOB_OK, or LNOB_ERR at the first bad
 * line (unknown section or canonical name, no '=', an empty label, a label
 * given two meanings) with errstr naming file and line; the map then holds
 * the lines before it and should be discarded. */
int lnob_mis_map_parse(lnob_mis_map_t *self, const char *name, const char *text, size_t len);
/* Reads the mapping file at path and parses it: the map, or NULL with err
 * (the file and line for a bad line, or why it cannot be read). */
lnob_mis_map_t *lnob_mis_map_load(const char *path, char *err, size_t cap);
/* The [source] settings read so far. */
const lnob_mis_source_t *lnob_mis_map_source(const lnob_mis_map_t *self);
/* Message of the last LNOB_ERR. */
const char *lnob_mis_map_errstr(const lnob_mis_map_t *self);
/* Entries added so far. */
size_t lnob_mis_map_count(const lnob_mis_map_t *self);
/* The value text[0..len) stands for in table t: the map's entry if it has
 * one (self may be NULL), else the built-in label's, else -1. */
int lnob_mis_map_find(const lnob_mis_map_t *self, lnob_mis_table_t t, const char *text, size_t len);

#endif
