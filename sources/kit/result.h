/* result.h - what a source kind's computation gives the aggregator.
 *
 * The aggregator (aggregate/) collects an extract's record messages until
 * every seq is there, sends its quarantine, and then asks the extract's
 * kind (sources/registry.h) to compute it: the kind reads the extract view
 * and fills a result: its cells, its metadata fields (the meta hash of
 * docs/redis-keys.md) and its error ("" when complete). The aggregator
 * puts that into the Result message. Also the metadata every kind writes
 * the same way: status, provenance, row counts and versions; the rejects
 * counted by reason; the reject ceiling (--max-reject-share).
 * Not for: the wire form (wire.h) or the collecting (aggregate.h). */
#ifndef LNOB_KIT_RESULT_H
#define LNOB_KIT_RESULT_H
#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "lnob/geo.h"
#include "lnob/rc.h"
#include "wire.h"

#define LNOB_META_MAX 48
#define LNOB_REASONS_MAX 32   /* distinct reject reasons counted in the metadata */
#define LNOB_REASONS_TEXT (LNOB_REASONS_MAX * 32)

/* The extract an extract carries batches from (ExtractEnd.base_extract_id,
 * aggregate/carry.h), when the aggregator kept it and took every carried
 * batch from it: the kind's state of it (lnob_result_t.keep), which the
 * kind may take (setting it NULL). Every batch the base had stays alive
 * until the carrying extract is computed, at the same address: the
 * carried ones among its messages, the others here. */
typedef struct {
    void *state;        /* of the kind below, which frees it; NULL when none */
    const void *kind;   /* the base's source kind (lnob_source_ops_t): the state is only for it */
    lnob_env_t **gone;  /* by the base's seq: the batches not carried, NULL where carried */
    uint32_t n;
} lnob_extract_base_t;

/* The complete extract a kind computes: its ExtractEnd and its record
 * messages by seq (Run, MisBatch: the kind's record_case). The kind may
 * free a message (lnob_wire_free, which NULLs it) once it has what it
 * needs from it; the aggregator frees the rest. */
typedef struct {
    const Lnob__V1__ExtractEnd *end;
    lnob_env_t **msgs;      /* end->batch_count of them */
    uint32_t n;
    uint32_t parts;         /* Quarantine messages the aggregator sent */
    const lnob_geo_t *geo;  /* municipalities and their populations */
    int64_t started_us;     /* lnob_mono_us() when the aggregator began the extract (its quarantine
                               included): the kind's aggregate_ms counts from here */
    lnob_extract_base_t *base; /* the extract it carries from, or NULL */
} lnob_extract_view_t;

#define LNOB_META_TEXT 8192   /* bytes of the values lnob_meta_copy keeps */

/* Metadata fields: keys are static strings; values are borrowed from the
 * ExtractEnd (alive until the Result is sent) or copied into the fields
 * (lnob_meta_u, lnob_meta_copy). */
typedef struct {
    Lnob__V1__MetaField fields[LNOB_META_MAX];
    Lnob__V1__MetaField *ptrs[LNOB_META_MAX];
    char values[LNOB_META_MAX][64];
    char text[LNOB_META_TEXT];
    size_t text_used;
    size_t n;
} lnob_meta_t;

/* A kind's answer, filled in place (it holds pointers into itself). */
typedef struct {
    lnob_cell_t *cells;     /* owned (free()), n_cells of them; none when failed */
    size_t n_cells;
    lnob_meta_t meta;
    char error[LNOB_ERRSTR_MAX]; /* "REASON: detail", or "" when complete */
    void *keep;             /* the kind's state of this extract for the next one that carries from it
                               (kept with its batches when its end asks: source.h keep_free), or NULL */
} lnob_result_t;

void lnob_meta_add(lnob_meta_t *m, const char *key, const char *value);
/* Adds a copy of value (at most LNOB_META_TEXT bytes in all: the kinds'
 * texts are bounded: reasons LNOB_REASONS_TEXT, settings). */
void lnob_meta_copy(lnob_meta_t *m, const char *key, const char *value);
void lnob_meta_u(lnob_meta_t *m, const char *key, unsigned long long value);
/* The metadata every extract has: status (and error), provenance, row
 * counts, the rejects by reason, versions and header. */
void lnob_meta_common(lnob_meta_t *m, const Lnob__V1__ExtractEnd *end, uint64_t rows_read,
                      uint64_t quarantined, const char *by_reason, uint32_t parts, const char *error);
/* Counts the rejects of msgs[0..n) by reason, by name: those of rows
 * quarantined whole (kept 0), or the flagged fields of rows kept (kept
 * 1): "BAD_CODE=3 ORPHAN_PERSON=1". */
void lnob_meta_reasons(lnob_env_t *const *msgs, uint32_t n, int kept, char *out, size_t cap);
/* The reject ceiling the ingester sent: when more of the rows read were
 * quarantined, error says so with the counts (unless it holds an error
 * already) and 1 is returned: the extract is failed, its quarantine
 * stored, none of its cells published. */
int lnob_meta_over_ceiling(const Lnob__V1__ExtractEnd *end, uint64_t rows_read, uint64_t quarantined,
                           char *error, size_t cap);

#endif
