/* mis_extract.h - MIS extracts: the municipal exports of a run (or of a
 * drop folder round) read together, pseudonymised by the parser (mis.h),
 * as one extract of a reference year (docs/mis.md).
 * Not for: SILC (sources/silc/) or the drop folder itself (mis_watch.h). */
#ifndef LNOB_MIS_MIS_EXTRACT_H
#define LNOB_MIS_MIS_EXTRACT_H
#include <stddef.h>

#include "deliver.h"
#include "mis.h"

/* The plan of MIS exports files[0..n) (mapping files left out): all of
 * them one extract. */
void lnob_mis_plan_files(lnob_plan_t *p, const char *const *files, size_t n);
/* The MIS kind's own ingest options (mis_source.c). */
typedef struct {
    lnob_strlist_t mis;      /* the exports: together one extract */
    const char *pseudonym_key; /* the file holding the person-key secret */
    long period;             /* reference year; 0: the year of the latest start date */
    const char *sources;     /* the sources table (mis_sources.h), or NULL */
    const char *population;  /* residents per municipality (mun_code,year,pop_1jan), or NULL */
    const char *service_set; /* SERVICE_SET: services that count ("" every one present) */
    const char *vuln_groups; /* VULN_GROUPS ("" all of spec §6.4) */
    long small_count_max;    /* disclosure control: counts 1..this withheld (mis_disclose.h) */
    int no_disclosure;       /* disclosure control off: NOT FOR PUBLICATION, never official */
    const char *watch;       /* drop folder (mis_watch.h), or NULL */
    long watch_ms;           /* how often to look into it */
    long settle_ms;          /* a file without a NAME.done marker: unchanged this long */
    long watch_cache_mb;     /* the drop folder's memory of the exports read (mis_cache.h) */
} lnob_mis_ingest_cfg_t;

/* What the kind starts with: the person keys, the sources table (or NULL),
 * and with a drop folder the exports read so far (or NULL), what the last
 * stored extract sent (its base for the next one's carry) and what the
 * one in flight sends. */
typedef struct {
    struct lnob_pseudonym *pseudonym;
    struct lnob_mis_sources *sources;
    struct lnob_mis_cache *cache;
    struct lnob_mis_sent *base, *sending;
} lnob_mis_state_t;

/* The drop folder's round was stored (its extract becomes the base of the
 * next round's carry: ExtractEnd.carry), or it was not (nothing changes). */
void lnob_mis_sent_stored(lnob_mis_state_t *st, int stored);
void lnob_mis_sent_free(struct lnob_mis_sent **sent);

/* The --mis files of kcfg as one plan (none when there are none); returns
 * how many it wrote. */
size_t lnob_mis_plan(const void *kcfg, lnob_plan_t *plans);
/* Checks the MIS options (service set, groups) and reads the person-key
 * secret (when there are exports or a drop folder: a start-up error when
 * missing, never a default) and the sources table into a lnob_mis_state_t
 * at *state; -1 when one is wrong, having said why. lnob_mis_stop frees it. */
int lnob_mis_start(const void *kcfg, void **state);
void lnob_mis_stop(void **state);
/* Sends the extract of an MIS plan; writes its id to id. */
int lnob_mis_extract_send(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);
/* Parses one export (with its mapping file beside it) into emit, taking
 * its sha256 into *sum unless sum is NULL. Returns LNOB_OK, LNOB_ERR with
 * reason and err when it cannot be read at all, or emit's rc. */
int lnob_mis_extract_parse(const lnob_ingest_ctx_t *ctx, const lnob_mis_state_t *st, const char *path, const char *id,
                           lnob_mis_emit_fn emit, void *arg, lnob_input_sum_t *sum, const char **reason,
                           char *err, size_t cap);
/* The read of one export held by the drop folder's cache (mis_cache.h),
 * made now when it holds none of this very file; NULL without a cache,
 * when it is full, or when the export cannot be read (the caller reads it
 * the uncached way, which says why). */
const struct lnob_mis_read *lnob_mis_export_read(const lnob_ingest_ctx_t *ctx, const lnob_mis_state_t *st,
                                                 const char *path);
/* The mapping file an export is read with: the one beside it, else the
 * sources table's; "" when none. */
void lnob_mis_map_path(const lnob_mis_state_t *st, const char *path, char *out, size_t cap);

#endif
