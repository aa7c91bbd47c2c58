/* mis_tables.h - the tables of MIS disclosure control, shared by the two
 * sources that work on them: mis_disclose.c (cells into tables, the span
 * test of one table, the relations between counts, the extract) and
 * mis_bounds.c (what linked tables say: the intervals no withheld count may
 * be pinned by, the classes a wider table shows empty, the links).
 * Internal to the kind: nothing outside sources/mis/ includes it.
 * Not for: the policy's entry point (mis_disclose.h). */
#ifndef LNOB_MIS_MIS_TABLES_H
#define LNOB_MIS_MIS_TABLES_H
#include <stddef.h>
#include <stdint.h>

#include "interval.h"
#include "memo.h"
#include "protect.h"

/* The rows of a table: the counts it can publish. */
enum {
    R_T, R_F, R_M, R_SEXU, R_DIS, R_RE, R_ROMA, R_EGY, R_ELD, R_VAW, R_CHI, R_A017, R_A1864, R_A65,
    R_AGEU, R_NS1, R_NS2, R_NS3, R_NS4, R_NS5, R_NUM3, R_DEN3, ROWS
};
#define COUNT_ROWS (R_AGEU + 1) /* the rows of a table by one service */
#define NSERV 5

/* One cell's place in a table. */
typedef struct {
    size_t cell;               /* index into the cells; SIZE_MAX a structural zero */
    char mun[16], service[32]; /* "" national, all services */
    uint8_t rows[2], n_rows;
    uint64_t value[2];         /* the counts of its rows */
    int small_other;           /* value[1] is a denominator of its own (the register's), in no row */
    lnob_protect_cell_t p;
} entry_t;

typedef struct {
    entry_t *v;
    size_t n, cap;
} entries_t;

typedef struct table table_t;
struct table {
    entries_t e;
    int all;                 /* by all services: the rows by number of services and share3 */
    uint64_t value[ROWS];
    uint8_t present[ROWS];   /* rows the table publishes or withholds */
    uint8_t forced[ROWS];    /* rows hidden for a known sum (the relation rule) */
    uint8_t determined[ROWS];
    /* the tables whose persons include this one's: its place by all services
     * (a table by one service), the nation's of the same scope (municipal) */
    table_t *up_all, *up_nat;
    table_t **narrow;        /* the tables whose up_all or up_nat this one is, in array order */
    size_t n_narrow;
    table_t **near;          /* the wider and the narrower ones, in array order */
    size_t n_near;
    uint8_t *zero;           /* per atom: empty because a wider table says so, or NULL */
    uint8_t *rows_own;       /* the policy's rows with the zero atoms taken out, or NULL */
    uint8_t *can;            /* per atom: may hold persons, as this table publishes */
    int supported;           /* can is of the table as it is */
    lnob_interval_t iv[ROWS]; /* the withheld rows' intervals at the last check (lo 0 or 1, hi
                                 INFINITY before one) */
    unsigned long stamp;     /* the clock when it last changed */
    unsigned long checked;   /* the clock when its intervals were last found safe, 0 never */
};

typedef struct {
    const uint8_t *rows[2]; /* [0] by one service, [1] by all */
    size_t atoms[2];
    unsigned small_max;
    uint32_t vulnerable;    /* the VULN_GROUPS mask the rows were made with */
    unsigned long *clock;   /* ticks at every change of a table */
    lnob_memo_t *memo;      /* answers of earlier rounds, or NULL */
} policy_t;

/* One count of a relation: a row of a table. */
typedef struct {
    table_t *t;
    int row;
} ref_t;

typedef struct {
    const policy_t *p;
    int changed, unresolved;
    table_t *t; /* every table, wider ones before narrower (s_tables) */
    size_t n;
} fix_t;

/* ---- mis_disclose.c --------------------------------------------------------- */

/* Decides every cell of t afresh: primary, forced and complements. 0, -1
 * (too many rows) or -3 (a withheld count in the span of what is published). */
int lnob_mis_protect_table(table_t *t, const policy_t *p);

/* The rows of t over its atoms, without those a wider table shows empty. */
const uint8_t *lnob_mis_matrix(const table_t *t, const policy_t *p);

/* Answers kept in p->memo: the key of question `what` about t begun
 * (its matrix's inputs; the caller adds the rest), an answer recalled (1)
 * or not (0), an answer kept. */
void lnob_mis_memo_key(lnob_memo_hash_t *h, char what, const table_t *t, const policy_t *p);
int lnob_mis_memo_recall(const policy_t *p, const lnob_memo_key_t *k, void *out, size_t size, int *rc);
void lnob_mis_memo_keep(const policy_t *p, const lnob_memo_key_t *k, const void *out, size_t size, int rc);

/* ---- mis_bounds.c ----------------------------------------------------------- */

/* Links each table of t[0..n) (in place order: the nation's first, each
 * place's by all services first) to its wider ones and back. */
void lnob_mis_link(table_t *t, size_t n);

/* Gives every table the classes its wider tables show empty, protecting
 * again each that changes. 0, or -3, -4, -5 (mis_disclose.c's s_why). */
int lnob_mis_zeros(fix_t *f);

/* Frees every withheld count that bounds pin, in each table that it or a
 * linked one changed since its last check. 0, or -2 to -5. */
int lnob_mis_bounds(fix_t *f);

#endif
