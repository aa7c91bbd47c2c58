/* source.h - what a source kind is to the stages: one ops table.
 *
 * A source kind (sources/silc/, sources/mis/, ...) is everything that knows
 * one kind of input: which files make one extract, how they are read,
 * validated and sent (ingest), how a batch becomes the record message the
 * aggregator collects (transform), and how a complete extract becomes cells
 * and metadata (aggregate). It exposes that as one lnob_source_ops_t; the
 * stages (ingest/, transform/, aggregate/, sink/) call kinds only through
 * these tables, found in the registry (registry.h), and never name one.
 * Not for: the list of kinds (registry.c). */
#ifndef LNOB_SOURCES_SOURCE_H
#define LNOB_SOURCES_SOURCE_H
#include <stddef.h>
#include <stdint.h>

#include "deliver.h"
#include "replay.h"
#include "result.h"
#include "transform_config.h"
#include "wire.h"

/* How lnob run counts a file given for a kind (file_role). */
enum {
    LNOB_FILE_INPUT,     /* an input of its own, made into an extract */
    LNOB_FILE_COMPANION, /* goes with another of the kind's files (an MIS mapping file) */
    LNOB_FILE_PART       /* part of a set (a UDB file): kept even when its bytes repeat another's */
};

/* A field of a stored extract's metadata, "" when it has none (the lnob
 * command's reading of Redis). */
typedef const char *(*lnob_meta_get_fn)(const void *meta, const char *field);

/* Sends a message on (a transformer's output); LNOB_OK or the send's rc. */
typedef int (*lnob_source_send_fn)(void *arg, lnob_env_t *env);

typedef struct lnob_source_ops {
    const char *name;     /* ExtractEnd.kind and the extract ids' prefix: "silc", "mis" */
    const char *headline; /* the national cell a dashboard shows first (lnob watch): "arpr" */
    int batch_case;       /* the body the ingester sends (Envelope body case) */
    int cut_case;         /* another body of it the transformers take (SILC's Range), or 0 */
    int record_case;      /* the body the aggregator collects (the same when no harmonising) */

    /* ingest: the kind's own options (lnob/config.h), their offsets into
     * a struct of ingest_cfg_size bytes that lnob-ingest keeps for it and
     * hands to the ops below as kcfg; the first option is the list of its
     * input files. lnob run takes the ones run_opts names (NULL-terminated)
     * and passes them on to the ingester. */
    const lnob_opt_t *ingest_opts;
    size_t ingest_cfg_size;
    const char *const *run_opts;
    /* the kind's part of the first line of lnob-ingest's and lnob run's
     * --help, what it cannot go without ("--mis FILE... --pseudonym-key
     * FILE"); NULL: its files option */
    const char *usage;
    /* ingest: checks the kind's options and starts what it needs (secrets,
     * tables) in *state; -1 when they are wrong, having said why. stop
     * frees it (also after a start that failed). Either may be NULL. */
    int (*start)(const void *kcfg, void **state);
    void (*stop)(void **state);
    /* ingest: the files kcfg gives this kind (its first option's list). */
    const lnob_strlist_t *(*files)(const void *kcfg);
    /* ingest: groups the files kcfg gives this kind into plans (room for
     * one per file, plus one); returns how many it wrote. The engine then
     * sets each plan's kind_cfg and kind_state. */
    size_t (*plan)(const void *kcfg, lnob_plan_t *plans);
    /* lnob run: how it counts one of the kind's files (LNOB_FILE_*);
     * NULL: each is an input. */
    int (*file_role)(const char *path);
    /* ingest: a kind that takes its files from a drop folder: whether kcfg
     * says to watch one, and the loop that does, run once the files given
     * are stored (until a signal: LNOB_CLOSED, or a delivery error). NULL
     * for kinds that have none. */
    int (*watching)(const void *kcfg);
    int (*watch)(lnob_ingest_ctx_t *ctx, const void *kcfg, void *state);
    /* ingest: reads, validates and sends a plan's extract (deliver.h);
     * writes its id. */
    int (*send)(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap);

    /* transform: the kind's own options, as ingest_opts (NULL: none),
     * handed to settings as kcfg. */
    const lnob_opt_t *transform_opts;
    size_t transform_cfg_size;
    /* transform: the transformer's settings for this kind, checked at
     * start-up into out (settings_size bytes); -1 with err when wrong.
     * NULL when batches go on as they are (record_case == batch_case). */
    int (*settings)(const void *kcfg, void *out, char *err, size_t cap);
    void (*settings_free)(void *settings); /* what settings made besides out; NULL: nothing */
    size_t settings_size;
    /* transform: makes the record message of one batch (batch_case or
     * cut_case) and sends it; *us is the time it took. Returns send's rc. */
    int (*transform)(const lnob_env_t *batch, const void *settings, lnob_source_send_fn send, void *arg,
                     int64_t *us);

    /* aggregate: the cells and metadata of a complete extract (result.h);
     * LNOB_OK (a failed extract says why in r->error). A kind with a carry
     * op leaves x's messages as they are (the aggregator may keep them). */
    int (*compute)(const lnob_extract_view_t *x, lnob_result_t *r);
    /* aggregate: makes a record message kept from a base extract batch seq
     * of end's extract, as carry c says (ExtractEnd.carry: its file and
     * path); LNOB_OK, else it is not taken. NULL: the kind is never carried. */
    int (*carry)(lnob_env_t *env, const Lnob__V1__ExtractEnd *end, const Lnob__V1__Carry *c, uint32_t seq);
    /* aggregate: frees a state compute left in lnob_result_t.keep (kept with
     * the extract's batches, handed to the next extract's compute in
     * lnob_extract_view_t.base). NULL: the kind keeps none. */
    void (*keep_free)(void *state);

    /* lnob report: the kind's lines under an extract's first line (rows,
     * persons, ...) from its metadata. */
    void (*report)(FILE *out, lnob_meta_get_fn get, const void *meta);
    /* lnob quarantine replay: writes the extract's rejected rows rows[0..n)
     * as input to correct (kit/replay.h); returns the exit code, or
     * LNOB_REPLAY_FILE for one file under the extract's header row (the
     * command writes it). NULL: always one file. */
    int (*replay)(const lnob_replay_t *r, lnob_meta_get_fn get, const void *meta, const lnob_replay_row_t *rows,
                  size_t n);
} lnob_source_ops_t;

#endif
