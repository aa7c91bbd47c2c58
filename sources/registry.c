/* registry.c - the list of source kinds (registry.h). */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
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

static const lnob_opt_t *s_opts(lnob_part_stage stage, size_t k, size_t *size)
{
    const lnob_source_ops_t *s = lnob_sources[k];
    *size = stage == LNOB_PART_INGEST ? s->ingest_cfg_size : s->transform_cfg_size;
    return stage == LNOB_PART_INGEST ? s->ingest_opts : s->transform_opts;
}

size_t lnob_source_part(lnob_part_stage stage, size_t k)
{
    size_t at = 0, size;
    for (size_t j = 0; j < k; j++) {
        s_opts(stage, j, &size);
        at += (size + LNOB_CONFIG_PART_ALIGN - 1) / LNOB_CONFIG_PART_ALIGN * LNOB_CONFIG_PART_ALIGN;
    }
    s_opts(stage, k, &size);
    if (at + size > LNOB_CONFIG_PARTS_BYTES) {
        fprintf(stderr, "lnob: the source kinds' options need more than LNOB_CONFIG_PARTS_BYTES\n");
        abort();
    }
    return at;
}

const void *lnob_source_cfg(lnob_part_stage stage, const unsigned char *parts, size_t k)
{
    return parts + lnob_source_part(stage, k);
}

const lnob_config_prog_t *lnob_source_prog(lnob_part_stage stage, const char *prog, const char *section,
                                           const lnob_opt_t *engine, size_t cfg_size, size_t parts_at)
{
    static lnob_opt_t all[2][LNOB_OPTS_MAX + 1];
    static lnob_config_prog_t progs[2];
    lnob_opt_t *t = all[stage];
    if (!t[0].name) {
        size_t n = lnob_config_append(t, 0, LNOB_OPTS_MAX + 1, engine, 0);
        for (size_t k = 0; k < lnob_sources_n; k++) {
            size_t size;
            const lnob_opt_t *own = s_opts(stage, k, &size);
            if (own)
                n = lnob_config_append(t, n, LNOB_OPTS_MAX + 1, own, parts_at + lnob_source_part(stage, k));
        }
        progs[stage] = (lnob_config_prog_t){prog, section, t, cfg_size};
    }
    return &progs[stage];
}

void lnob_source_list(char *out, size_t cap, int flags)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < lnob_sources_n && len < cap; k++) {
        const char *sep = !k ? "" : flags || k + 1 < lnob_sources_n ? ", " : " or ";
        len += (size_t) snprintf(out + len, cap - len, "%s%s%s", sep, flags ? "--" : "",
                                 flags ? lnob_sources[k]->ingest_opts[0].name : lnob_sources[k]->name);
    }
}

void lnob_source_usage(char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t k = 0; k < lnob_sources_n && len < cap; k++) {
        const lnob_source_ops_t *s = lnob_sources[k];
        if (s->usage)
            len += (size_t) snprintf(out + len, cap - len, "%s[%s]", k ? " " : "", s->usage);
        else
            len += (size_t) snprintf(out + len, cap - len, "%s[--%s FILE...]", k ? " " : "",
                                     s->ingest_opts[0].name);
    }
}
