/* registry.h - the source kinds the stages know, found by name or message.
 *
 * The only list of kinds is registry.c: adding a kind is one folder under
 * sources/ and one line there. Not for: what a kind does (source.h). */
#ifndef LNOB_SOURCES_REGISTRY_H
#define LNOB_SOURCES_REGISTRY_H
#include <stddef.h>

#include "source.h"

#define LNOB_SOURCES_MAX 16 /* kinds a build may have */

/* The kinds, in the order the ingester plans their files. */
extern const lnob_source_ops_t *const lnob_sources[];
extern const size_t lnob_sources_n;

/* The stages whose options the kinds add to (source.h ingest_opts,
 * transform_opts). */
typedef enum { LNOB_PART_INGEST, LNOB_PART_TRANSFORM } lnob_part_stage;

/* Where kind k's own options of stage start within the parts area of the
 * stage's config struct (LNOB_CONFIG_PARTS_BYTES): the kinds' structs in
 * registry order, each aligned. Aborts when they do not fit (a build
 * problem). */
size_t lnob_source_part(lnob_part_stage stage, size_t k);
/* Kind k's own options of stage within a config's parts area (parts). */
const void *lnob_source_cfg(lnob_part_stage stage, const unsigned char *parts, size_t k);
/* A stage's program as its configuration knows it (lnob/config.h): name,
 * section, the engine's options, then every kind's own of stage, their parts
 * at parts_at (the offset of the parts area in the stage's cfg_size-byte
 * config). Made once, at the first call (from the main thread). */
const lnob_config_prog_t *lnob_source_prog(lnob_part_stage stage, const char *prog, const char *section,
                                           const lnob_opt_t *engine, size_t cfg_size, size_t parts_at);

/* Every kind, for a message: with flags its files option ("--mis,
 * --silc"), else its name ("mis or silc"). */
void lnob_source_list(char *out, size_t cap, int flags);
/* "[--mis FILE... --pseudonym-key FILE] [--silc FILE...]": every kind's
 * usage (lnob_source_ops_t.usage), for the first line of a --help. */
void lnob_source_usage(char *out, size_t cap);

/* The kind of an ExtractEnd.kind ("" is SILC, the first kind lnob had);
 * NULL when there is none of that name. */
const lnob_source_ops_t *lnob_source_named(const char *name);
/* The kind whose aggregator collects body_case; NULL when none does. */
const lnob_source_ops_t *lnob_source_of_record(int body_case);

#endif
