/* rows.h - what the row-reader tests share: a lnob_csv_row_fn that copies
 * every row out of the callback, assertions on the copies, and reading a
 * whole file (csv_test, statfile_test, gen_mis_test). */
#ifndef LNOB_TEST_ROWS_H
#define LNOB_TEST_ROWS_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/csv.h"

/* One row, copied out of the callback (the row is borrowed). */
typedef struct {
    size_t nfields;
    char **fields; /* each holds lens[i] bytes plus a NUL */
    size_t *lens;
    uint64_t line;
    int truncated;
    const char *flaw;  /* the row's flaw (a static text), NULL when whole */
    char detail[128];  /* its detail */
} tr_row_t;

typedef struct {
    tr_row_t *rows;
    size_t n, cap;
    size_t calls;   /* callback invocations */
    size_t stop_at; /* 1-based call that returns stop_rc; 0 = never */
    int stop_rc;
} tr_sink_t;

/* The row callback: arg is a tr_sink_t. Asserts the texts are NUL-terminated. */
int tr_collect(void *arg, const lnob_csv_row_t *row);
/* Frees the rows; the sink is empty and reusable (calls and stop kept). */
void tr_free(tr_sink_t *s);
/* Asserts row r starts on line, is neither truncated nor flawed and holds exactly the nf
 * NUL-free texts f. */
void tr_expect(const tr_sink_t *s, size_t r, uint64_t line, size_t nf, const char *const *f);
/* Asserts a and b hold the same rows: fields byte for byte, lines, flags. */
void tr_same(const tr_sink_t *a, const tr_sink_t *b, const char *what);

/* Owned bytes of the file at path (asserts it opens), their number in *len. */
char *tr_slurp(const char *path, size_t *len);

#define EXPECT_ROW(s, r, line, ...)                                                      \
    do {                                                                                 \
        const char *const f_[] = {__VA_ARGS__};                                          \
        tr_expect((s), (r), (line), sizeof f_ / sizeof f_[0], f_);                       \
    } while (0)

#endif
