/* publish.c - the published form of a Result: SUPPRESS cells withheld (publish.h). */
#include "publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/keys.h"
#include "lnob/mem.h"

#define FLAG_SUPPRESS "SUPPRESS" /* lnob_flag_name(LNOB_FLAG_SUPPRESS) */

const char *lnob_publish_topic(const Lnob__V1__Result *r, char *out, size_t cap)
{
    const char *channel = LNOB_CHANNEL_DEFAULT;
    for (size_t i = 0; i < r->n_meta; i++)
        if (!strcmp(r->meta[i]->key, "channel") && *r->meta[i]->value)
            channel = r->meta[i]->value;
    snprintf(out, cap, "lnob.extract.%s.%s", channel, r->extract_id);
    return out;
}

int lnob_publish_allowed(const Lnob__V1__Result *r)
{
    for (size_t i = 0; i < r->n_meta; i++)
        if (!strcmp(r->meta[i]->key, "disclosure"))
            return strncmp(r->meta[i]->value, "off", 3) != 0;
    return 1;
}

int lnob_publish_meta_field(const char *key)
{
    static const char *const fields[] = {
        "kind", "period", "channel", "status", "computed_ms", "code_version", "schema_version", "settings",
        "disclosure", "disclosure_small_count_max", "service_set", "vuln_groups", "population", NULL};
    for (const char *const *f = fields; *f; f++)
        if (!strcmp(*f, key))
            return 1;
    return 0;
}

void lnob_publish_cell(const Lnob__V1__Cell *cell, Lnob__V1__Cell *out)
{
    *out = *cell;
    if (strcmp(cell->flag, FLAG_SUPPRESS) != 0)
        return;
    out->has_value = 0;
    out->n = 0;
    out->weight = 0;
    out->diagnostic = "";
    out->suppressed = "";
}

uint8_t *lnob_publish_pack(const Lnob__V1__Result *r, uint64_t seq, size_t *len, size_t *withheld)
{
    Lnob__V1__Cell **kept = lnob_malloc((r->n_cells ? r->n_cells : 1) * sizeof *kept);
    size_t n = 0;
    for (size_t i = 0; i < r->n_cells; i++)
        if (strcmp(r->cells[i]->flag, FLAG_SUPPRESS) != 0)
            kept[n++] = r->cells[i];
    Lnob__V1__Result out = *r; /* borrows every field of r */
    out.n_cells = n;
    out.cells = kept;
    out.seq = seq;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RESULT;
    env.result = &out;
    uint8_t *buf = lnob_wire_pack(&env, len);
    free(kept);
    *withheld = r->n_cells - n;
    return buf;
}
