/* result.c - the metadata every kind writes the same way (result.h). */
#include "result.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "lnob/clock.h"
#include "lnob/keys.h"
#include "lnob/version.h"

void lnob_meta_add(lnob_meta_t *m, const char *key, const char *value)
{
    assert(m->n < LNOB_META_MAX);
    Lnob__V1__MetaField *f = &m->fields[m->n];
    lnob__v1__meta_field__init(f);
    f->key = (char *) key;
    f->value = (char *) value;
    m->ptrs[m->n++] = f;
}

void lnob_meta_copy(lnob_meta_t *m, const char *key, const char *value)
{
    size_t len = strlen(value) + 1;
    assert(m->text_used + len <= sizeof m->text);
    char *at = m->text + m->text_used;
    memcpy(at, value, len);
    m->text_used += len;
    lnob_meta_add(m, key, at);
}

void lnob_meta_u(lnob_meta_t *m, const char *key, unsigned long long value)
{
    assert(m->n < LNOB_META_MAX);
    snprintf(m->values[m->n], sizeof m->values[0], "%llu", value);
    lnob_meta_add(m, key, m->values[m->n]);
}

void lnob_meta_common(lnob_meta_t *m, const Lnob__V1__ExtractEnd *end, uint64_t rows_read,
                      uint64_t quarantined, const char *by_reason, uint32_t parts, const char *error)
{
    lnob_meta_add(m, "status", *error ? "failed" : "complete");
    if (*error)
        lnob_meta_add(m, "error", error);
    lnob_meta_add(m, "source", end->source);
    lnob_meta_add(m, "checksum", end->checksum);
    lnob_meta_add(m, "period", end->period);
    lnob_meta_add(m, "run_id", end->run_id);
    lnob_meta_add(m, "channel", *end->channel ? end->channel : LNOB_CHANNEL_DEFAULT);
    if (*end->inputs)
        lnob_meta_add(m, "inputs", end->inputs);
    lnob_meta_u(m, "rows_read", rows_read);
    lnob_meta_u(m, "rows_accepted", rows_read - quarantined);
    lnob_meta_u(m, "rows_quarantined", quarantined);
    lnob_meta_copy(m, "rejects_by_reason", by_reason);
    lnob_meta_u(m, "quarantine_parts", parts);
    lnob_meta_u(m, "computed_ms", (unsigned long long) lnob_now_ms());
    lnob_meta_add(m, "code_version", LNOB_VERSION);
    lnob_meta_add(m, "ingest_code_version", end->code_version);
    lnob_meta_add(m, "schema_version", "1");
    lnob_meta_add(m, "header", end->header);
    if (*end->headers)
        lnob_meta_add(m, "headers", end->headers);
}

/* Sorts the counted reasons by name, so the text does not depend on
 * batching. */
static void s_sort_reasons(const char **reason, uint64_t *count, size_t n)
{
    for (size_t k = 1; k < n; k++)
        for (size_t j = k; j > 0 && strcmp(reason[j - 1], reason[j]) > 0; j--) {
            const char *r = reason[j];
            uint64_t c = count[j];
            reason[j] = reason[j - 1], count[j] = count[j - 1];
            reason[j - 1] = r, count[j - 1] = c;
        }
}

void lnob_meta_reasons(lnob_env_t *const *msgs, uint32_t n_msgs, int kept, char *out, size_t cap)
{
    const char *reason[LNOB_REASONS_MAX];
    uint64_t count[LNOB_REASONS_MAX];
    size_t n = 0, len = 0;
    for (uint32_t s = 0; s < n_msgs; s++) {
        size_t m;
        Lnob__V1__Reject **rj = lnob_wire_rejects(msgs[s], &m);
        for (size_t i = 0; i < m; i++) {
            if ((rj[i]->kept != 0) != kept)
                continue;
            const char *r = rj[i]->reason;
            size_t k = 0;
            while (k < n && strcmp(reason[k], r) != 0)
                k++;
            if (k == n && n == LNOB_REASONS_MAX)
                continue;
            if (k == n)
                reason[n] = r, count[n++] = 0;
            count[k]++;
        }
    }
    s_sort_reasons(reason, count, n);
    out[0] = '\0';
    for (size_t k = 0; k < n && len < cap; k++)
        len += (size_t) snprintf(out + len, cap - len, "%s%s=%llu", k ? " " : "", reason[k],
                                 (unsigned long long) count[k]);
}

int lnob_meta_over_ceiling(const Lnob__V1__ExtractEnd *end, uint64_t rows_read, uint64_t quarantined,
                           char *error, size_t cap)
{
    if (!end->has_max_reject || *error || rows_read == 0)
        return 0;
    double pct = 100.0 * (double) quarantined / (double) rows_read;
    if (pct <= end->max_reject_pct)
        return 0;
    snprintf(error, cap,
             "TOO_MANY_REJECTS: %llu of %llu rows read were quarantined (%.2f %%), above "
             "--max-reject-share %g %%; no cell is published, the quarantine is stored",
             (unsigned long long) quarantined, (unsigned long long) rows_read, pct, end->max_reject_pct);
    return 1;
}
