/* udb4.h - the four cross-sectional UDB files of one year joined into
 * merged person rows.
 *
 * Eurostat's user database splits a year into D (household register), H
 * (household data), R (personal register) and P (personal data: persons
 * 16+). This module holds the rows of the four files (fed one by one, as
 * CSV or ReadStat rows), joins them by the UDB keys (DB030 = HB030;
 * RX030, else RB040, else RB030/100 -> household; PB030 = RB030) and hands
 * the SILC source one merged row per R person, households together, with
 * the columns of D, H, R and P side by side. Rows that cannot be joined -
 * a second row with the same key, a P row without an R row, a person whose
 * household is missing from D or H, an H row without persons, a household
 * whose HX040 differs from its current members in R, a year that differs
 * from the extract's - go to reject() with their own file, line and reason,
 * so the run goes on for everything else. Pure: no files or sockets.
 * Not for: validating values (sources/silc/silc.c does that on the merged rows). */
#ifndef LNOB_SILC_UDB4_H
#define LNOB_SILC_UDB4_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/csv.h"

typedef enum { LNOB_UDB4_D, LNOB_UDB4_H, LNOB_UDB4_R, LNOB_UDB4_P, LNOB_UDB4_FILES } lnob_udb4_file;

/* lnob_udb4_kind() answers for files that are not one of the four. */
#define LNOB_UDB4_MERGED (-2)  /* the merged person-level form */
#define LNOB_UDB4_UNKNOWN (-1)

/* "D", "H", "R", "P". */
extern const char *const lnob_udb4_names[LNOB_UDB4_FILES];

/* Which file a header row (the variable names) belongs to. */
int lnob_udb4_kind(const lnob_csv_row_t *header);
/* The survey year of a data row of a file of that kind (DB010, HB010,
 * RB010, PB010, or for a merged file DB010/RB010), or -1. */
int lnob_udb4_row_year(const lnob_csv_row_t *header, const lnob_csv_row_t *row);

typedef struct lnob_udb4 lnob_udb4_t;

/* A row that cannot be joined. raw is the row as in its own file. */
typedef struct {
    int file;              /* lnob_udb4_file */
    const char *source;    /* that file's path */
    uint64_t line;
    const char *field, *reason, *detail, *raw;
} lnob_udb4_reject_t;

typedef struct {
    int (*row)(void *arg, const lnob_csv_row_t *row);  /* header first, then persons */
    int (*reject)(void *arg, const lnob_udb4_reject_t *r);
    void *arg;
} lnob_udb4_out_t;

/* source[f]: the path of file f, NULL when absent (only P may be). year:
 * the extract's survey year (rows of another year are rejected). The
 * strings must outlive the join. */
lnob_udb4_t *lnob_udb4_new(const char *const source[LNOB_UDB4_FILES], int year);
/* NULL-safe; NULLs *self_p. */
void lnob_udb4_destroy(lnob_udb4_t **self_p);
/* Adds one row of file f; its first row is the header. Returns LNOB_OK, or
 * LNOB_ERR when the header lacks a key column (see errstr). Calls for
 * different files may run at the same time (one thread per file); calls
 * for one file must not. */
int lnob_udb4_add(lnob_udb4_t *self, int file, const lnob_csv_row_t *row);
/* The rows of one file for a row reader (lnob/csv.h, input.h): pass a
 * lnob_udb4_feed_t as the callback's argument. */
typedef struct {
    lnob_udb4_t *join;
    int file;
} lnob_udb4_feed_t;
int lnob_udb4_feed_row(void *feed, const lnob_csv_row_t *row);
/* Joins and sends everything to out. Returns LNOB_OK, LNOB_ERR (see
 * errstr) or the first other rc of out. */
int lnob_udb4_join(lnob_udb4_t *self, const lnob_udb4_out_t *out);
/* While a merged row is out: "H.csv line 3" for the file that field (a
 * merged column index) came from; "" for R fields and absent P rows. */
void lnob_udb4_where(const lnob_udb4_t *self, size_t field, char *buf, size_t cap);
/* Each file's header row, owned: one CSV row per file that has one, in
 * the order D, H, R, P, its letter first, then its column names as read
 * ("D,DB010,DB030\nH,HB010,HB030,HY020\n..."). The merged rows hold these
 * columns in this order. */
char *lnob_udb4_headers(const lnob_udb4_t *self);
/* Rows of file f kept so far (header not counted). */
uint64_t lnob_udb4_rows(const lnob_udb4_t *self, int file);
/* D rows of households that gave no interview (no H row, DB135 != 1). */
uint64_t lnob_udb4_nonresponse(const lnob_udb4_t *self);
const char *lnob_udb4_reason(const lnob_udb4_t *self);
const char *lnob_udb4_errstr(const lnob_udb4_t *self);

#endif
