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

/* The kind of an ExtractEnd.kind ("" is SILC, the first kind lnob had);
 * NULL when there is none of that name. */
const lnob_source_ops_t *lnob_source_named(const char *name);
/* The kind whose aggregator collects body_case; NULL when none does. */
const lnob_source_ops_t *lnob_source_of_record(int body_case);

#endif
