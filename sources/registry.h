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
/* Appends every kind's own options of stage to out (lnob_config_append),
 * each kind's offsets moved to base + its part; returns the rows now in out. */
size_t lnob_source_opts(lnob_part_stage stage, lnob_opt_t *out, size_t n, size_t cap, size_t base);
/* A stage's whole table in all (room for LNOB_OPTS_MAX + 1 rows): the
 * engine's options, then every kind's own of stage, their parts at base
 * (the offset of the parts area in the stage's config). Made once: a
 * table already filled is left as it is. */
void lnob_source_table(lnob_part_stage stage, lnob_opt_t *all, const lnob_opt_t *engine, size_t base);

/* "--silc, --mis": each kind's files option, for a usage message. */
void lnob_source_file_flags(char *out, size_t cap);

/* The kind of an ExtractEnd.kind ("" is SILC, the first kind lnob had);
 * NULL when there is none of that name. */
const lnob_source_ops_t *lnob_source_named(const char *name);
/* The kind whose aggregator collects body_case; NULL when none does. */
const lnob_source_ops_t *lnob_source_of_record(int body_case);

#endif
