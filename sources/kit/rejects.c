/* rejects.c - the rejected rows a batch carries (rejects.h). */
#include "rejects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"
#include "lnob/recode.h"

/* Bytes a reject costs on the wire beyond its texts (numbers, tags, the
 * file and line a source may add to its detail later). */
#define REJECT_OVERHEAD 96

#define VALUE_QUOTE_MAX 60 /* bytes of an offending value quoted in a detail */

int lnob_verdict_reject(lnob_verdict_t *v, const char *reason, const char *field, const char *what,
                        const char *s, size_t len)
{
    v->reason = reason;
    v->field = field;
    if (len)
        snprintf(v->detail, sizeof v->detail, "%s: '%.*s'", what,
                 (int) (len > VALUE_QUOTE_MAX ? VALUE_QUOTE_MAX : len), s);
    else
        snprintf(v->detail, sizeof v->detail, "%s", what);
    return -1;
}

/* An owned copy of s that is UTF-8: rows are decoded, but a value quoted
 * in a detail or a row cut at LNOB_REJECT_RAW_MAX may end in half a
 * character, and rows read by ReadStat are as the file had them. */
static char *s_text(const char *s)
{
    char *t = lnob_strdup(s);
    lnob_recode_scrub(t, strlen(t));
    return t;
}

/* What a reject counts for in self->bytes. */
static size_t s_bytes(const Lnob__V1__Reject *rj)
{
    return strlen(rj->source) + strlen(rj->field) + strlen(rj->reason) + strlen(rj->detail) +
           strlen(rj->raw) + strlen(rj->person_key) + REJECT_OVERHEAD;
}

Lnob__V1__Reject *lnob_rejects_add(lnob_rejects_t *self, const char *source, uint32_t file,
                                   uint64_t line, const char *field, const char *reason,
                                   const char *detail, const char *raw)
{
    lnob_grow((void **) &self->v, &self->cap, self->n + 1, sizeof *self->v);
    Lnob__V1__Reject *rj = &self->v[self->n++];
    lnob__v1__reject__init(rj);
    rj->source = (char *) source;
    rj->file = file;
    rj->line = line;
    rj->field = s_text(field);
    rj->reason = (char *) reason;
    rj->detail = s_text(detail);
    rj->raw = s_text(raw);
    self->bytes += s_bytes(rj);
    return rj;
}

void lnob_rejects_key(lnob_rejects_t *self, Lnob__V1__Reject *rj, const char *key)
{
    rj->person_key = lnob_strdup(key);
    self->bytes += strlen(key);
}

void lnob_rejects_shape(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char) s[i];
        if ((c & 0xC0) == 0x80)
            continue; /* the rest of a UTF-8 character already shown */
        int letter = ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
        out[n++] = c >= '0' && c <= '9' ? '9' : letter ? 'A' : (char) c;
    }
    out[n] = '\0';
}

void lnob_rejects_truncate(lnob_rejects_t *self, size_t n)
{
    for (; self->n > n; self->n--) {
        Lnob__V1__Reject *rj = &self->v[self->n - 1];
        self->bytes -= s_bytes(rj);
        free(rj->field);
        free(rj->detail);
        free(rj->raw);
        if (rj->person_key != protobuf_c_empty_string)
            free(rj->person_key);
    }
}

Lnob__V1__Reject **lnob_rejects_ptrs(lnob_rejects_t *self)
{
    lnob_grow((void **) &self->ptrs, &self->cap_ptrs, self->n ? self->n : 1, sizeof *self->ptrs);
    for (size_t i = 0; i < self->n; i++)
        self->ptrs[i] = &self->v[i];
    return self->ptrs;
}

void lnob_rejects_clear(lnob_rejects_t *self)
{
    for (size_t i = 0; i < self->n; i++) {
        free(self->v[i].field);
        free(self->v[i].detail);
        free(self->v[i].raw);
        if (self->v[i].person_key != protobuf_c_empty_string)
            free(self->v[i].person_key);
    }
    self->n = 0;
    self->bytes = 0;
}

void lnob_rejects_free(lnob_rejects_t *self)
{
    lnob_rejects_clear(self);
    free(self->v);
    free(self->ptrs);
    *self = (lnob_rejects_t){0};
}
