/* mis.h - one municipal social-care (MIS) export: a push parser.
 *
 * Feed it the bytes of one export (any chunking) and it calls emit() with
 * each finished MisBatch of up to batch_size records, plus the rejects met
 * on the way. It detects the encoding (lnob/recode.h) and the delimiter
 * (comma, semicolon or tab, from the header row), maps Albanian or English
 * headers to canonical fields (lnob/mis_codes.h, plus the source's mapping:
 * mis_map.h), replaces the personal number by its person key
 * (pseudonym.h), drops names, resolves the municipality to its LAU code
 * (lnob/geo.h) and the service, group, status and sex labels to codes, and
 * quarantines a bad row with its line, field, reason and the row with
 * every identifying or unread column blanked out. Nothing identifying
 * leaves it: not in batches, rejects or error strings. docs/mis.md has the
 * formats, tables and reject reasons.
 * Not for: sockets or files (ingest/main.c), periods, activity,
 * deduplication or counting persons (transform/). */
#ifndef LNOB_MIS_MIS_H
#define LNOB_MIS_MIS_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/geo.h"
#include "lnob/recode.h"
#include "mis_map.h"
#include "pseudonym.h"
#include "wire.h"

typedef struct lnob_mis lnob_mis_t;

/* Called with each finished batch (borrowed for the call). Return LNOB_OK
 * to go on; anything else stops the parse with that rc. */
typedef int (*lnob_mis_emit_fn)(void *arg, Lnob__V1__MisBatch *batch);

typedef struct {
    const char *source;       /* file name, recorded in batches and rejects */
    const char *extract_id;   /* the caller's, copied into every batch */
    const char *run_id;       /* copied into every batch */
    size_t batch_size;        /* records per batch (and rejects held), >= 1 */
    const lnob_geo_t *geo;    /* reference tables, borrowed */
    const lnob_pseudonym_t *pseudonym; /* the person-key maker, borrowed */
    const lnob_mis_map_t *map;         /* the source's own labels, or NULL */
    lnob_encoding_t encoding; /* LNOB_ENC_AUTO (0): detected */
    char delimiter;           /* ',', ';' or '\t'; 0: detected from the header row */
    const char *municipality; /* for an export without a municipality column, or NULL */
    const char *service;      /* for an export without a service column, or NULL */
    int needs_register;       /* 1: a needs-assessment register; -1: a services export;
                                 0: detected (an assessment-date column, and neither a
                                 service nor a start-date column) */
    lnob_mis_emit_fn emit;
    void *arg;
} lnob_mis_opts_t;

/* Returns a parser; opts and everything it points to must outlive it. */
lnob_mis_t *lnob_mis_new(const lnob_mis_opts_t *opts);
/* NULL-safe; NULLs *self_p. */
void lnob_mis_destroy(lnob_mis_t **self_p);
/* Feeds bytes. Returns LNOB_OK, LNOB_ERR when the export cannot be read at
 * all (see reason and errstr), or the rc of emit. */
int lnob_mis_feed(lnob_mis_t *self, const char *buf, size_t len);
/* Ends the input and emits the last batch (at least one batch per export).
 * Same returns as feed. */
int lnob_mis_finish(lnob_mis_t *self);

/* Reason code and message of the last LNOB_ERR: EMPTY_FILE,
 * MISSING_COLUMN, BAD_DEFAULT. Never hold input values. */
const char *lnob_mis_reason(const lnob_mis_t *self);
const char *lnob_mis_errstr(const lnob_mis_t *self);
/* The header row as read, re-serialised as CSV with commas ("" until a
 * header has been accepted). */
const char *lnob_mis_header(const lnob_mis_t *self);
/* What detection found: LNOB_ENC_AUTO and 0 until decided. */
lnob_encoding_t lnob_mis_encoding(const lnob_mis_t *self);
char lnob_mis_delimiter(const lnob_mis_t *self);
/* Counters over the input so far. rows_read = records + rejected; blank
 * rows (every field empty) are skipped and counted apart. */
uint64_t lnob_mis_rows_read(const lnob_mis_t *self);
uint64_t lnob_mis_records(const lnob_mis_t *self);
uint64_t lnob_mis_rejected(const lnob_mis_t *self);
uint64_t lnob_mis_blank_rows(const lnob_mis_t *self);
/* Accepted records without a person key: the personal number was empty,
 * or malformed (spec §6.3 UNKEYED_RECORDS). */
uint64_t lnob_mis_unkeyed_empty(const lnob_mis_t *self);
uint64_t lnob_mis_unkeyed_malformed(const lnob_mis_t *self);
/* 1 once the header showed a needs-assessment register (persons assessed,
 * no services: spec §6.5 MIS_SHARE3_REG). */
int lnob_mis_is_register(const lnob_mis_t *self);
uint32_t lnob_mis_batches(const lnob_mis_t *self);
/* Data-quality notes on the export so far, one line: encoding and how it
 * was found, delimiter, unkeyed records, blank rows, substituted bytes. */
const char *lnob_mis_notes(lnob_mis_t *self);

#endif
