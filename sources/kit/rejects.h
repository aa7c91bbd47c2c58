/* rejects.h - the rejected rows a batch carries (silc.c, mis.c).
 *
 * An owned, growing list of Reject messages that hands itself out as the
 * pointer array a protobuf-c repeated field wants, and is emptied when its
 * batch has gone. Not for: deciding what is rejected (the sources do). */
#ifndef LNOB_KIT_REJECTS_H
#define LNOB_KIT_REJECTS_H
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

/* Bytes of a rejected row kept, its NUL included: a longer row is cut and
 * ends in "..." (lnob_csv_format_row). Wide enough for a joined UDB row of
 * a few hundred variables. */
#define LNOB_REJECT_RAW_MAX 16384
/* A batch goes when its rejects hold this many bytes (a message stays far
 * below LNOB_WIRE_MAX_BYTES whatever the rows' widths). */
#define LNOB_REJECTS_BYTES_MAX (32u << 20)

/* A row's verdict while a source validates it: empty reason = accepted. */
typedef struct {
    const char *reason;
    const char *field;     /* the column at fault, or "" for the whole row */
    char detail[240];
} lnob_verdict_t;

/* Rejects the row in v: reason, field, and a detail "what: 'value'" (the
 * value, s[0..len), quoted up to 60 bytes; "what" alone when len is 0).
 * Returns -1, the validators' "rejected". */
int lnob_verdict_reject(lnob_verdict_t *v, const char *reason, const char *field, const char *what,
                        const char *s, size_t len);

typedef struct {
    Lnob__V1__Reject *v;
    Lnob__V1__Reject **ptrs;
    size_t n, cap, cap_ptrs;
    size_t bytes;           /* the rejects' texts held, and their overhead on the wire */
} lnob_rejects_t;

/* 1 when the list holds as many bytes as a batch should carry. */
static inline int lnob_rejects_full(const lnob_rejects_t *self)
{
    return self->bytes >= LNOB_REJECTS_BYTES_MAX;
}

/* Appends a reject and returns it (valid until the next add or clear).
 * field, detail and raw are copied, any byte that is not UTF-8 made a
 * '?' (lnob_recode_scrub); source and reason are borrowed and
 * must outlive the list's next clear. */
Lnob__V1__Reject *lnob_rejects_add(lnob_rejects_t *self, const char *source, uint32_t file,
                                   uint64_t line, const char *field, const char *reason,
                                   const char *detail, const char *raw);
/* Gives rj, the last reject added to self, the person key key (copied). */
void lnob_rejects_key(lnob_rejects_t *self, Lnob__V1__Reject *rj, const char *key);
/* Writes the shape of s[0..len) to out (at most cap-1 bytes, NUL-ended):
 * each digit a 9, each letter (any non-ASCII character counts as one) an
 * A, other characters as they are. What a quarantine may keep of a value
 * that could identify a person. */
void lnob_rejects_shape(const char *s, size_t len, char *out, size_t cap);
/* The rejects as a repeated field, self->n long; valid until the next add
 * or clear. */
Lnob__V1__Reject **lnob_rejects_ptrs(lnob_rejects_t *self);
/* Drops the rejects added after the first n (n <= self->n). */
void lnob_rejects_truncate(lnob_rejects_t *self, size_t n);
/* Empties the list, keeping its memory. */
void lnob_rejects_clear(lnob_rejects_t *self);
/* Frees everything; the list is empty and reusable. */
void lnob_rejects_free(lnob_rejects_t *self);

#endif
