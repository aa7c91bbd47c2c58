/* registry.c - the list of source kinds (registry.h). */
#include "registry.h"

#include <string.h>

extern const lnob_source_ops_t lnob_source_mis;
extern const lnob_source_ops_t lnob_source_silc;

/* MIS first: a run's exports are one extract, planned before the SILC files. */
const lnob_source_ops_t *const lnob_sources[] = {&lnob_source_mis, &lnob_source_silc};
const size_t lnob_sources_n = sizeof lnob_sources / sizeof lnob_sources[0];
_Static_assert(sizeof lnob_sources / sizeof lnob_sources[0] <= LNOB_SOURCES_MAX, "LNOB_SOURCES_MAX");

#define DEFAULT_KIND "silc" /* an ExtractEnd without a kind */

const lnob_source_ops_t *lnob_source_named(const char *name)
{
    if (!*name)
        name = DEFAULT_KIND;
    for (size_t i = 0; i < lnob_sources_n; i++)
        if (!strcmp(lnob_sources[i]->name, name))
            return lnob_sources[i];
    return NULL;
}

const lnob_source_ops_t *lnob_source_of_record(int body_case)
{
    for (size_t i = 0; i < lnob_sources_n; i++)
        if (lnob_sources[i]->record_case == body_case)
            return lnob_sources[i];
    return NULL;
}
