/* lnob/geo.h - Albania's local-government reference tables and name matching.
 *
 * Holds the 61 municipalities (bashki, LAU codes), their qarks and NUTS
 * regions, Census 2023 populations where known, the 32 LNB2 target
 * municipalities, and the 383 pre-2015 units (communes) mapped to today's
 * municipality. The tables are the CSV files of data/reference/, embedded in
 * the binary at build time, so every host resolves names the same way.
 * Names match in any common spelling: definite or indefinite form, with or
 * without ë/ç, any case, hyphens or not, the particles "i"/"e" optional,
 * aliases and exonyms from the table, and former unit names.
 * Not for: survey logic; this is reference data only. */
#ifndef LNOB_GEO_H
#define LNOB_GEO_H
#include <stddef.h>

#define LNOB_GEO_MUNICIPALITIES 61
#define LNOB_GEO_UNKNOWN (-1)   /* no municipality matches the name */
#define LNOB_GEO_AMBIGUOUS (-2) /* the name is a unit of several municipalities */

typedef struct lnob_geo lnob_geo_t;

/* One municipality; borrowed from the lnob_geo_t that returned it. */
typedef struct {
    const char *code;       /* Eurostat LAU code, e.g. "AL154" */
    const char *name;       /* official indefinite name, UTF-8, e.g. "Shkodër" */
    const char *qark;       /* qark name, e.g. "Shkodër" */
    const char *qark_iso;   /* e.g. "AL-10" */
    const char *nuts2;      /* "AL01" | "AL02" | "AL03" */
    const char *nuts3;      /* e.g. "AL015" */
    long population_2023;   /* Census 2023 residents, or 0 where the table has none */
    int lnb_target;         /* 1 if one of the 32 LNB2 target municipalities */
} lnob_municipality_t;

/* Builds the tables from the embedded CSV files. Returns NULL only if the
 * embedded data is corrupt (a build error). */
lnob_geo_t *lnob_geo_new(void);
/* NULL-safe; NULLs *self_p. */
void lnob_geo_destroy(lnob_geo_t **self_p);
/* Number of municipalities (61). */
size_t lnob_geo_count(const lnob_geo_t *self);
/* Municipality i, 0 <= i < count, in LAU code order. */
const lnob_municipality_t *lnob_geo_at(const lnob_geo_t *self, size_t i);
/* Index of the municipality with this LAU code (case-insensitive, spaces
 * trimmed), or LNOB_GEO_UNKNOWN. */
int lnob_geo_by_code(const lnob_geo_t *self, const char *code, size_t len);
/* Index of the municipality a name designates, or LNOB_GEO_UNKNOWN, or
 * LNOB_GEO_AMBIGUOUS. A municipality's own name wins over a unit of the same
 * name (Klos, Kolonjë). Accepts UTF-8 or single-byte Windows-1252/Latin-1. */
int lnob_geo_by_name(const lnob_geo_t *self, const char *name, size_t len);
/* The k municipalities whose names (any form the matching knows: official,
 * definite, aliases, former units) are nearest to name, nearest first:
 * edit distance between folded names, ties in LAU code order. Writes up to
 * k indexes to idx and returns how many (0 only for an empty name). For
 * saying what an unknown name may have meant; it does not match. */
size_t lnob_geo_nearest(const lnob_geo_t *self, const char *name, size_t len, int *idx, size_t k);
/* Census 2023 population of a qark by ISO code ("AL-10"), or 0. */
long lnob_geo_qark_population(const lnob_geo_t *self, const char *qark_iso);
/* Folds a name for matching into out (cap bytes, NUL-terminated): lower
 * case ASCII, ë/ç (UTF-8 or Latin-1) to e/c, other accents dropped,
 * hyphens/punctuation to single spaces, trimmed. Returns the length. */
size_t lnob_geo_fold(const char *in, size_t len, char *out, size_t cap);

#endif
