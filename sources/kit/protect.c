/* protect.c - secondary suppression by exact linear algebra (protect.h). */
#include "protect.h"

#include <stdlib.h>
#include <string.h>

#include "lnob/mem.h"

#define PRIME ((1ull << 61) - 1)

__extension__ typedef unsigned __int128 u128;

/* The span of the rows added so far, as rows in echelon form: row i has
 * a 1 in column pivot[i] and 0 in the pivots of the rows before it. */
typedef struct {
    size_t cols, rank;
    uint64_t *b;                           /* LNOB_PROTECT_ROWS x cols */
    size_t pivot[LNOB_PROTECT_ROWS];
    uint64_t *v;                           /* scratch: cols */
} span_t;

static uint64_t s_mul(uint64_t a, uint64_t b)
{
    u128 p = (u128) a * b;
    uint64_t r = (uint64_t) (p & PRIME) + (uint64_t) (p >> 61);
    return r >= PRIME ? r - PRIME : r;
}

static uint64_t s_pow(uint64_t a, uint64_t e)
{
    uint64_t r = 1;
    for (; e; e >>= 1, a = s_mul(a, a))
        if (e & 1)
            r = s_mul(r, a);
    return r;
}

/* v -= f * row, modulo the prime. */
static void s_axpy(uint64_t *v, const uint64_t *row, uint64_t f, size_t cols)
{
    uint64_t neg = PRIME - f;
    for (size_t j = 0; j < cols; j++)
        if (row[j]) {
            uint64_t x = v[j] + s_mul(neg, row[j]);
            v[j] = x >= PRIME ? x - PRIME : x;
        }
}

/* Reduces v by the span; returns the first column left nonzero, or cols
 * when v lies in the span. */
static size_t s_reduce(const span_t *s, uint64_t *v)
{
    for (size_t i = 0; i < s->rank; i++)
        if (v[s->pivot[i]])
            s_axpy(v, s->b + i * s->cols, v[s->pivot[i]], s->cols);
    for (size_t j = 0; j < s->cols; j++)
        if (v[j])
            return j;
    return s->cols;
}

static void s_load(uint64_t *v, const lnob_protect_table_t *t, size_t row)
{
    for (size_t j = 0; j < t->n_atoms; j++)
        v[j] = t->rows[row * t->n_atoms + j];
}

/* Adds a row of t to the span. */
static void s_add(span_t *s, const lnob_protect_table_t *t, size_t row)
{
    uint64_t *v = s->b + s->rank * s->cols;
    s_load(v, t, row);
    size_t p = s_reduce(s, v);
    if (p == s->cols)
        return;
    uint64_t inv = s_pow(v[p], PRIME - 2);
    for (size_t j = 0; j < s->cols; j++)
        v[j] = s_mul(v[j], inv);
    s->pivot[s->rank++] = p;
}

static int s_in_span(span_t *s, const lnob_protect_table_t *t, size_t row)
{
    s_load(s->v, t, row);
    return s_reduce(s, s->v) == s->cols;
}

/* The number of hidden rows in the span. */
static int s_revealed(span_t *s, const lnob_protect_table_t *t, const uint8_t *hidden)
{
    int n = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        n += hidden[r] && s_in_span(s, t, r);
    return n;
}

/* Hidden rows: the table's, and every row of a cell withheld. */
static void s_hidden(const lnob_protect_table_t *t, const lnob_protect_cell_t *cells, size_t n, uint8_t *hidden)
{
    memcpy(hidden, t->hidden, t->n_rows);
    for (size_t i = 0; i < n; i++)
        if (cells[i].state == LNOB_PROTECT_PRIMARY || cells[i].state == LNOB_PROTECT_SECONDARY)
            for (int k = 0; k < cells[i].n_rows; k++)
                hidden[cells[i].rows[k]] = 1;
}

static void s_add_cell(span_t *s, const lnob_protect_table_t *t, const lnob_protect_cell_t *c)
{
    for (int k = 0; k < c->n_rows; k++)
        s_add(s, t, c->rows[k]);
}

static int s_published(const lnob_protect_cell_t *c)
{
    return c->state == LNOB_PROTECT_OPEN || c->state == LNOB_PROTECT_KNOWN;
}

static span_t *s_span_new(const lnob_protect_table_t *t)
{
    if (t->n_rows > LNOB_PROTECT_ROWS)
        return NULL;
    span_t *s = lnob_calloc(1, sizeof *s);
    s->cols = t->n_atoms;
    s->b = lnob_calloc((LNOB_PROTECT_ROWS + 1) * (t->n_atoms ? t->n_atoms : 1), sizeof *s->b);
    s->v = lnob_calloc(t->n_atoms ? t->n_atoms : 1, sizeof *s->v);
    return s;
}

static void s_span_free(span_t *s)
{
    free(s->b);
    free(s->v);
    free(s);
}

int lnob_protect(const lnob_protect_table_t *t, lnob_protect_cell_t *cells, size_t n)
{
    span_t *s = s_span_new(t);
    if (!s)
        return -1;
    uint8_t hidden[LNOB_PROTECT_ROWS];
    s_hidden(t, cells, n, hidden);
    for (size_t i = 0; i < n; i++)
        if (cells[i].state == LNOB_PROTECT_KNOWN)
            s_add_cell(s, t, &cells[i]);
    int added = 0;
    for (size_t i = 0; i < n; i++) {
        if (cells[i].state != LNOB_PROTECT_OPEN)
            continue;
        size_t rank = s->rank;
        s_add_cell(s, t, &cells[i]);
        if (s->rank > rank && s_revealed(s, t, hidden) > 0) {
            s->rank = rank; /* rows are only appended: dropping them undoes the add */
            cells[i].state = LNOB_PROTECT_SECONDARY;
            for (int k = 0; k < cells[i].n_rows; k++)
                hidden[cells[i].rows[k]] = 1; /* a withheld cell is never recomputable either */
            added++;
        }
    }
    s_span_free(s);
    return added;
}

static span_t *s_published_span(const lnob_protect_table_t *t, const lnob_protect_cell_t *cells, size_t n)
{
    span_t *s = s_span_new(t);
    if (s)
        for (size_t i = 0; i < n; i++)
            if (s_published(&cells[i]))
                s_add_cell(s, t, &cells[i]);
    return s;
}

int lnob_protect_determined(const lnob_protect_table_t *t, const lnob_protect_cell_t *cells, size_t n,
                            uint8_t *determined)
{
    span_t *s = s_published_span(t, cells, n);
    if (!s)
        return -1;
    for (size_t r = 0; r < t->n_rows; r++)
        determined[r] = (uint8_t) s_in_span(s, t, r);
    s_span_free(s);
    return 0;
}

int lnob_protect_check(const lnob_protect_table_t *t, const lnob_protect_cell_t *cells, size_t n)
{
    span_t *s = s_published_span(t, cells, n);
    if (!s)
        return -1;
    uint8_t hidden[LNOB_PROTECT_ROWS];
    s_hidden(t, cells, n, hidden);
    int revealed = s_revealed(s, t, hidden);
    s_span_free(s);
    return revealed;
}
