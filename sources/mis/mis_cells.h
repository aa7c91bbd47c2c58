/* mis_cells.h - the service-coverage indicators of spec §6 from MIS records.
 *
 * Input: every record of a period's municipal exports, pseudonymised (the
 * person key is an HMAC, never a personal number). Keeps the active records
 * (§6.2), counts distinct persons by municipality, service and nationally,
 * with each person's sex, age at the end of the year and vulnerable groups
 * taken as §6.3-6.4 say, and produces the cells of §6.5 (mis_ben,
 * mis_ben_all, mis_rate1000, mis_nserv, mis_share3, mis_mun33,
 * mis_mun33_pct) with the breakdowns of §6.6 (sex, group, age group) and the
 * diagnostics SMALL_CELL, KEY_COVERAGE_LOW, NO_POPULATION; with the
 * municipalities' needs-assessment registers, also mis_share3_reg (§6.5
 * MIS_SHARE3_REG: the vulnerable persons on the register as denominator,
 * NOT_ON_REGISTER when the numerator holds persons who are not among them).
 * Pure: no I/O.
 * Not for: parsing exports (sources/mis/mis.c) or SILC cells (cells.h). */
#ifndef LNOB_MIS_MIS_CELLS_H
#define LNOB_MIS_MIS_CELLS_H
#include <stddef.h>
#include <stdint.h>

#include "cell.h"

/* Vulnerable-group flags of a record (MisBatch.flags). */
#define LNOB_MIS_DIS 1u
#define LNOB_MIS_ROMA 2u
#define LNOB_MIS_EGY 4u
#define LNOB_MIS_VAW 8u

#define LNOB_MIS_SEX_UNKNOWN 9
#define LNOB_MIS_STATUS_CANCELLED 1

/* One record (spec §6.1). Dates are yyyymmdd. */
typedef struct {
    const char *key;       /* 64 hex chars; "" when unkeyed (§6.3) */
    const char *record_id; /* "" when none */
    uint32_t mun;          /* index into lnob_mis_dims_t.municipalities, >= 1 */
    uint32_t service;      /* index into lnob_mis_dims_t.services, >= 1 */
    uint32_t sex;          /* 1 male, 2 female, 9 unknown */
    int32_t birth;         /* 0 unknown */
    uint32_t flags;        /* LNOB_MIS_* */
    int32_t start, end;    /* end 0: ongoing */
    uint32_t status;       /* 0 active, LNOB_MIS_STATUS_CANCELLED */
    uint32_t assessed;     /* 1: a needs-assessment register entry (service 0,
                              start the assessment date) */
} lnob_mis_record_t;

typedef struct {
    int year;                            /* the reference period: calendar year */
    const char *const *municipalities;   /* LAU codes; entry 0 "" */
    const long *population;              /* residents per entry; 0 unknown */
    const int *lnb_target;               /* 1 for an LNB target municipality */
    size_t n_municipalities;
    int n_targets;                       /* LNB target municipalities in all (32) */
    int n_all;                           /* municipalities in all (61) */
    const char *const *services;         /* canonical codes; entry 0 "" */
    size_t n_services;
    uint32_t vulnerable;                 /* VULN_GROUPS as lnob_mis_vuln_mask() makes it; 0 all */
} lnob_mis_dims_t;

/* The groups of §6.4 named in list ("DIS,RE,ELD,VAW,CHI"; also ROMA, EGY)
 * as a mask for lnob_mis_dims_t.vulnerable; "" all. Returns 0, or -1 when
 * a name is not one of them. */
int lnob_mis_vuln_mask(const char *list, uint32_t *mask);

/* What the metadata reports about the records. */
typedef struct {
    uint64_t records, active, duplicates, unkeyed, persons, reporting;
    uint64_t register_active, register_persons; /* needs-assessment register entries */
} lnob_mis_stats_t;

/* Computes all MIS cells of the year. Returns an owned array (free()) of
 * *n_cells cells and fills *stats. The cell's breakdown names its keys
 * joined by ',' ("municipality,service,sex") and its group their values
 * in the same order ("AL154,HOME_CARE,F"). */
lnob_cell_t *lnob_mis_cells(const lnob_mis_record_t *records, size_t n,
                            const lnob_mis_dims_t *dims, lnob_mis_stats_t *stats,
                            size_t *n_cells);

/* The year's counts, kept from one computation to the next: a drop
 * folder's rounds change a few exports of a year, and only the persons
 * those name need counting again. */
typedef struct lnob_mis_counts lnob_mis_counts_t;

/* Counts records[0..n) (borrowed: the counts keep pointers to the
 * register entries' keys). NULL when dims has too many services. */
lnob_mis_counts_t *lnob_mis_counts_new(const lnob_mis_record_t *records, size_t n, const lnob_mis_dims_t *dims);
void lnob_mis_counts_destroy(lnob_mis_counts_t **c);
/* The cells of c (as lnob_mis_cells) and its stats. */
lnob_cell_t *lnob_mis_counts_cells(const lnob_mis_counts_t *c, lnob_mis_stats_t *stats, size_t *n_cells);

/* Records [from, from + n) of the records counted before are records
 * [to, to + n) now: the same records (an export's batch carried). */
typedef struct {
    size_t from, to, n;
} lnob_mis_span_t;

/* Moves c from old[0..n_old) (the records it counted) to cur[0..n_cur)
 * with the same settings and services (dims, cur's): the records the
 * spans kept[0..n_kept) move (in order and apart in both) stay counted, every other old one is taken away and every
 * other cur one added; only the persons a record taken away or added
 * names are counted again, from all their records. The result is the
 * counts lnob_mis_counts_new gives cur, exactly. Returns 0, or -1 with c
 * unchanged when it cannot, or would not gain: a record taken away or
 * added is a register entry (that changes every person's MIS_SHARE3_REG
 * standing), the dims differ in places, services, year or groups, the
 * spans are out of range or order, or the change names more than half of
 * the persons (and more than a thousand): counting afresh is cheaper. */
int lnob_mis_count_change(lnob_mis_counts_t *c, const lnob_mis_record_t *old, size_t n_old,
                          const lnob_mis_record_t *cur, size_t n_cur, const lnob_mis_span_t *kept,
                          size_t n_kept, const lnob_mis_dims_t *dims);

#endif
