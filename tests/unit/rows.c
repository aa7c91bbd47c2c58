/* rows.c - copied-out rows and assertions on them (rows.h). */
#include "rows.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"
#include "lnob/rc.h"

int tr_collect(void *arg, const lnob_csv_row_t *row)
{
    tr_sink_t *s = arg;
    s->calls++;
    lnob_grow((void **) &s->rows, &s->cap, s->n + 1, sizeof *s->rows);
    tr_row_t *r = &s->rows[s->n++];
    r->nfields = row->nfields;
    r->line = row->line;
    r->truncated = row->truncated;
    r->flaw = row->flaw;
    snprintf(r->detail, sizeof r->detail, "%s", row->flaw ? row->flaw_detail : "");
    r->fields = lnob_calloc(row->nfields + 1, sizeof(char *));
    r->lens = lnob_calloc(row->nfields + 1, sizeof(size_t));
    for (size_t i = 0; i < row->nfields; i++) {
        /* the readers promise NUL-terminated texts */
        cr_assert_eq(row->fields[i][row->lens[i]], '\0', "field %zu not NUL-terminated", i);
        r->lens[i] = row->lens[i];
        r->fields[i] = lnob_malloc(row->lens[i] + 1);
        memcpy(r->fields[i], row->fields[i], row->lens[i] + 1);
    }
    if (s->stop_at && s->calls == s->stop_at)
        return s->stop_rc;
    return LNOB_OK;
}

void tr_free(tr_sink_t *s)
{
    for (size_t r = 0; r < s->n; r++) {
        for (size_t i = 0; i < s->rows[r].nfields; i++)
            free(s->rows[r].fields[i]);
        free(s->rows[r].fields);
        free(s->rows[r].lens);
    }
    free(s->rows);
    s->rows = NULL;
    s->n = s->cap = 0;
}

void tr_expect(const tr_sink_t *s, size_t r, uint64_t line, size_t nf, const char *const *f)
{
    cr_assert_lt(r, s->n, "row %zu missing (only %zu rows)", r, s->n);
    const tr_row_t *row = &s->rows[r];
    cr_expect_eq(row->line, line, "row %zu: line %llu, expected %llu", r,
                 (unsigned long long) row->line, (unsigned long long) line);
    cr_assert_eq(row->nfields, nf, "row %zu: %zu fields, expected %zu", r, row->nfields, nf);
    for (size_t i = 0; i < nf; i++) {
        cr_expect_eq(row->lens[i], strlen(f[i]), "row %zu field %zu: len %zu, expected %zu", r,
                     i, row->lens[i], strlen(f[i]));
        cr_expect_str_eq(row->fields[i], f[i], "row %zu field %zu", r, i);
    }
    cr_expect_eq(row->truncated, 0, "row %zu unexpectedly truncated", r);
    cr_expect_null(row->flaw, "row %zu unexpectedly flawed: %s", r, row->flaw);
}

void tr_same(const tr_sink_t *a, const tr_sink_t *b, const char *what)
{
    cr_assert_eq(a->n, b->n, "%s: %zu rows vs %zu", what, a->n, b->n);
    for (size_t r = 0; r < a->n; r++) {
        const tr_row_t *x = &a->rows[r], *y = &b->rows[r];
        cr_expect_eq(x->line, y->line, "%s: row %zu line %llu vs %llu", what, r,
                     (unsigned long long) x->line, (unsigned long long) y->line);
        cr_expect_eq(x->truncated, y->truncated, "%s: row %zu truncated", what, r);
        cr_expect_eq(x->flaw, y->flaw, "%s: row %zu flaw", what, r);
        cr_expect_str_eq(x->detail, y->detail, "%s: row %zu flaw detail", what, r);
        cr_assert_eq(x->nfields, y->nfields, "%s: row %zu: %zu fields vs %zu", what, r,
                     x->nfields, y->nfields);
        for (size_t i = 0; i < x->nfields; i++) {
            cr_expect_eq(x->lens[i], y->lens[i], "%s: row %zu field %zu len", what, r, i);
            cr_expect(x->lens[i] == y->lens[i] && memcmp(x->fields[i], y->fields[i], x->lens[i]) == 0,
                      "%s: row %zu field %zu: '%s' vs '%s'", what, r, i, x->fields[i], y->fields[i]);
        }
    }
}

char *tr_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        lnob_grow((void **) &buf, &cap, n + 4096, 1);
        got = fread(buf + n, 1, 4096, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}
