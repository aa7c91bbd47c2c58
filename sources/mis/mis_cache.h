/* mis_cache.h - what the drop folder has read of each export.
 *
 * Every round of the drop folder sends the year: each export taken so far
 * with the new ones. Reading, pseudonymising and checksumming all of them
 * again each round made a drop cost as much as the year (docs/BENCHMARKS.md).
 * The cache keeps, per export, what one read of it gave: its batches as the
 * parser made them (person keys already HMACs, what the wire carries
 * anyway; nothing identifying), its sha256 and size, its latest service
 * start, and its mapping file's sha256. An entry is used only while the
 * export and its mapping file are the very files it was read from,
 * unchanged: device, inode, size, mtime and ctime. A program can set mtime
 * back, never ctime, so a file written in place is read again. Bounded:
 * reads are kept while the cache holds less than its cap in bytes (counted
 * as allocated), and a file is read into it only when twice its size is
 * left; an export beyond it is read the uncached way each round.
 * Not for: the extract (mis_extract.h) or the folder (mis_watch.h). */
#ifndef LNOB_MIS_MIS_CACHE_H
#define LNOB_MIS_MIS_CACHE_H
#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "wire.h"

typedef struct lnob_mis_cache lnob_mis_cache_t;

/* One read of an export. */
typedef struct lnob_mis_read {
    char hex[HEX_SHA256];     /* the export's sha256 */
    size_t bytes;             /* its size */
    char map_hex[HEX_SHA256]; /* its mapping file's sha256; "" without one */
    int32_t latest;           /* its latest service start (yyyymmdd), 0 none */
    uint64_t rows, rejects;   /* rows read, rows rejected */
    Lnob__V1__MisBatch **batches; /* as the parser emitted them */
    size_t n;
} lnob_mis_read_t;

/* A cache of at most cap bytes; cap 0 keeps nothing. */
lnob_mis_cache_t *lnob_mis_cache_new(size_t cap);
void lnob_mis_cache_destroy(lnob_mis_cache_t **self_p);

/* The read of the export at path with its mapping file map ("" none),
 * when the cache holds one of these very files unchanged; else NULL. */
const lnob_mis_read_t *lnob_mis_cache_find(lnob_mis_cache_t *self, const char *path, const char *map);

/* A read about to be made: the files' identities are taken now. Returns
 * NULL when the cache is full (the caller reads without it). */
lnob_mis_read_t *lnob_mis_cache_begin(lnob_mis_cache_t *self, const char *path, const char *map);
/* Adds a copy of one emitted batch to read (its latest start too). */
void lnob_mis_cache_add(lnob_mis_cache_t *self, lnob_mis_read_t *read, const Lnob__V1__MisBatch *b);
/* Ends the read begun: kept when ok and both files are still what they
 * were at begin, else dropped. Returns the entry kept, or NULL. */
const lnob_mis_read_t *lnob_mis_cache_end(lnob_mis_cache_t *self, lnob_mis_read_t *read, int ok);

/* The export at from was renamed to to (with its mapping file, when it
 * sat beside it as map_to): its entry follows, its batches name the new
 * path, and the new ctime is taken, provided nothing else changed. */
void lnob_mis_cache_moved(lnob_mis_cache_t *self, const char *from, const char *to, const char *map_to);
/* Drops every entry whose path is not one of paths[0..n). */
void lnob_mis_cache_keep(lnob_mis_cache_t *self, const char *const *paths, size_t n);
/* Bytes held, entries held, reads begun so far (NULL-safe); for logs and tests. */
size_t lnob_mis_cache_bytes(const lnob_mis_cache_t *self);
size_t lnob_mis_cache_entries(const lnob_mis_cache_t *self);
size_t lnob_mis_cache_reads(const lnob_mis_cache_t *self);

#endif
