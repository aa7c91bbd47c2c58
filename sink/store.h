/* store.h - the only code that writes lnob's Redis keys.
 *
 * An extract's cells, metadata, cell list, indexes and stream entry are
 * written in one MULTI/EXEC transaction sent as a single pipeline: a reader
 * sees all of the extract or none of it, and writing costs one round trip
 * however many cells there are. Re-writing the same extract replaces the
 * same keys (stale cells are deleted in the same transaction). Every
 * complete write is a publication: it takes its channel's next number (lnob:seq:<channel>),
 * moves its channel's current pointers and adds a stream entry, in the
 * same transaction; a failed extract is recorded in its metadata hash,
 * never published. The stream keeps the newest stream_max entries (XADD
 * MAXLEN). Retention is here
 * too, as the inverse of writing: listing the extracts and removing one
 * whole, in one MULTI/EXEC under WATCH. The keys' names come from
 * lnob/keys.h, their contents are documented in docs/redis-keys.md. Not
 * for: connecting (lnob/redis.h), reading cells (cli/report.h) or choosing
 * what to remove (cli/prune.h). */
#ifndef LNOB_SINK_STORE_H
#define LNOB_SINK_STORE_H
#include <hiredis/hiredis.h>
#include <stddef.h>

#include "lnob/keys.h"
#include "wire.h"

#define LNOB_RUN_TTL_SECONDS (7 * 24 * 3600)
#define LNOB_STREAM_MAX_DEFAULT 10000 /* entries lnob:stream:extracts keeps */

/* "national" or "<breakdown>=<group>": the last part of a cell key. */
size_t lnob_store_breakdown(const Lnob__V1__Cell *cell, char *out, size_t cap);
/* A cell's breakdown keys and group values pairwise: breakdown
 * "municipality,service" with group "AL154,HOME_CARE" calls fn twice; a
 * single key takes the whole group (which may hold commas). */
typedef void (*lnob_store_pair_fn)(void *arg, const char *key, size_t key_len, const char *value,
                                   size_t value_len);
void lnob_store_breakdown_each(const char *breakdown, const char *group, lnob_store_pair_fn fn,
                               void *arg);
/* Writes the key of a cell into out. */
void lnob_store_cell_key(const char *extract_id, const Lnob__V1__Cell *cell, char *out, size_t cap);

/* Fields of a cell hash, in schema order. */
#define LNOB_CELL_FIELDS 10
extern const char *const lnob_store_cell_fields[LNOB_CELL_FIELDS];

/* The values of a cell hash, as stored (numbers in shortest round-trip
 * form; an undefined value is the empty string). */
typedef struct {
    const char *values[LNOB_CELL_FIELDS]; /* point into the buffers below or the cell */
    char value[32], n[24], weight[32];
} lnob_cell_hash_t;

void lnob_store_cell_hash(const char *extract_id, const Lnob__V1__Cell *cell, lnob_cell_hash_t *h);

/* Every call below returns LNOB_ERR with the reason in err when Redis
 * failed (the caller drops c and tries again later), or LNOB_DENIED when
 * Redis refused the user (NOAUTH, WRONGPASS, NOPERM: trying again cannot
 * help). */

/* Appends one Quarantine part (part 0 first deletes the stream). Returns
 * LNOB_OK, or an error as above. */
int lnob_store_quarantine(redisContext *c, const Lnob__V1__Quarantine *q, char *err, size_t cap);
/* Sets *complete to 1 when Redis holds extract_id as complete (a failed
 * Result never replaces one: the same content gives the same cells).
 * Returns LNOB_OK or an error as above. */
int lnob_store_is_complete(redisContext *c, const char *extract_id, int *complete, char *err, size_t cap);
typedef struct {
    unsigned long long seq; /* the publication's number; 0: not published (failed) */
    int redelivered;        /* the same Result was stored before: its number, pointers and entry stay */
} lnob_store_published_t;

/* Writes a Result (complete or failed) in one transaction. A complete one
 * is published (*out): a new one takes the number after lnob:seq:<channel>, becomes
 * the current extract of its kind, channel and period, and of its kind and
 * channel unless a later period has one, and adds a stream entry, which
 * trims the stream to its newest stream_max entries, exactly (0: never
 * trimmed). The same Result again (its confirmation was lost: same run_id
 * and computed_ms) keeps the number it had and moves nothing. */
int lnob_store_result(redisContext *c, const Lnob__V1__Result *r, long stream_max, lnob_store_published_t *out,
                      char *err, size_t cap);
/* Checks what Redis holds of a Result's extract against its metadata: the
 * quarantine stream must hold rows_quarantined entries and, with cells = 1,
 * the cell list n_cells keys (a Redis restarted without persistence loses
 * some). Returns LNOB_OK, LNOB_AGAIN when something is missing (what, in
 * err), or an error as above. */
int lnob_store_verify(redisContext *c, const Lnob__V1__Result *r, int cells, char *err, size_t cap);
/* Deletes an extract's quarantine stream, so that a redelivered quarantine
 * is written whole again (Redis refuses entry ids below the stream's top
 * one, so a partly lost stream cannot be filled in). */
int lnob_store_drop_quarantine(redisContext *c, const char *extract_id, char *err, size_t cap);

/* ---- retention ------------------------------------------------------------ */

/* Every extract id that has a metadata hash (SCAN MATCH lnob:extract:*
 * TYPE hash: failed extracts too, which lnob:extracts does not index),
 * sorted, each once, in *ids (owned: free each and the array). Returns
 * LNOB_OK, or an error as above. */
int lnob_store_scan_ids(redisContext *c, char ***ids, size_t *n, char *err, size_t cap);

/* An extract as its metadata hash describes it; strings owned. */
typedef struct {
    char *id;
    char *kind;            /* "silc" when the metadata names none */
    char *channel;         /* "official" when the metadata names none */
    char *period, *status; /* "" when absent */
    long long computed_ms; /* 0 when absent */
} lnob_store_extract_t;

/* Every extract that has a metadata hash, sorted by id, in *out (owned:
 * lnob_store_extracts_free). Returns LNOB_OK, or an error as above. */
int lnob_store_extracts(redisContext *c, lnob_store_extract_t **out, size_t *n, char *err,
                        size_t cap);
/* Frees n extracts and NULLs *list; accepts NULL. */
void lnob_store_extracts_free(lnob_store_extract_t **list, size_t n);

/* One extract to remove. */
typedef struct {
    const char *id;
    long long computed_ms; /* remove only while its metadata holds this (-1: whatever it holds) */
    const char *successor; /* the current pointers that name id name this next: the newest complete
                              extract of its kind, channel and period that stays (NULL or "": none) */
    int dry_run;           /* count what would go, remove nothing */
} lnob_store_removal_t;

typedef struct {
    int found;   /* Redis held the extract's metadata hash (else nothing was done) */
    int changed; /* its computed_ms was not the one asked for: stored again, left alone */
    size_t keys; /* keys removed, or (dry run) that would be */
    int current; /* its period's current pointer named it: LNOB_STORE_CURRENT_* */
    lnob_key_t pointer; /* that pointer's name */
} lnob_store_removed_t;

enum { LNOB_STORE_CURRENT_UNTOUCHED, LNOB_STORE_CURRENT_MOVED, LNOB_STORE_CURRENT_DELETED };

/* Removes every key of one extract in one MULTI/EXEC: its cells (those its
 * cell list names), metadata hash, cell list, indicator set and quarantine
 * stream are deleted; it leaves lnob:extracts, and its input files leave
 * the lnob:run: hash its metadata names (where they still map to it);
 * the current pointers that name the extract move to the successor (without
 * one, its period leaves lnob:periods:<kind>:<channel>, and the channel's
 * latest pointer goes to the current extract of the period before, or is
 * deleted). The extract's keys are WATCHed while they are read: a sink
 * writing the same extract meanwhile aborts the transaction, and it is read
 * and tried again, so the extract is removed whole or not at all, never
 * half of an old and half of a new write. Entries of lnob:stream:extracts
 * and lnob:indicators stay (docs/redis-keys.md, "Retention"). Fills *out;
 * returns LNOB_OK (see out->found, out->changed), or an error as above. */
int lnob_store_remove(redisContext *c, const lnob_store_removal_t *what, lnob_store_removed_t *out,
                      char *err, size_t cap);

#endif
