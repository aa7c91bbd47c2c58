/* gen_mis_model.h - the records behind the synthetic MIS exports (gen_mis.h),
 * shared by the writer (gen_mis.c) and the answer computation
 * (gen_mis_answers.c).
 *
 * A record is one data row of one export as the generator meant it: whose
 * it is, where, which service and group, its dates and status, and what
 * kind of row it is (good, duplicate, unkeyed, bad). A needs-assessment
 * register's entry is the same struct without a service: its start is the
 * assessment date, its end the exit date. The answers are computed from
 * these alone, by spec §6, so they never depend on how lnob parses the
 * bytes. Not for: anything outside the MIS generator. */
#ifndef LNOB_GEN_MIS_MODEL_H
#define LNOB_GEN_MIS_MODEL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lnob/geo.h"

/* Canonical service codes (issue #5), in this order. */
enum {
    LNOB_GEN_MIS_HOME_CARE,
    LNOB_GEN_MIS_DAY_CENTRE,
    LNOB_GEN_MIS_COMMUNITY_CENTRE,
    LNOB_GEN_MIS_RESIDENTIAL,
    LNOB_GEN_MIS_FOSTER_CARE,
    LNOB_GEN_MIS_SHELTER,
    LNOB_GEN_MIS_PSYCHOSOCIAL,
    LNOB_GEN_MIS_CHILD_PROTECTION,
    LNOB_GEN_MIS_SOCIAL_HOUSING,
    LNOB_GEN_MIS_ECONOMIC_AID,
    LNOB_GEN_MIS_DISABILITY_PAYMENT,
    LNOB_GEN_MIS_NSERVICES
};
extern const char *const lnob_gen_mis_service_code[LNOB_GEN_MIS_NSERVICES];

/* The group written in a record's Kategoria / Group column. DIS, ROMA, EGY
 * and VAW set the person's flags of spec §6.1; ELD and CHI are written only
 * for persons of that age and, like OTHER, set no flag (§6.4 takes them
 * from the age). */
enum {
    LNOB_GEN_MIS_DIS,
    LNOB_GEN_MIS_ROMA,
    LNOB_GEN_MIS_EGY,
    LNOB_GEN_MIS_VAW,
    LNOB_GEN_MIS_ELD,
    LNOB_GEN_MIS_CHI,
    LNOB_GEN_MIS_OTHER,
    LNOB_GEN_MIS_NCATEGORIES
};

typedef enum {
    LNOB_GEN_MIS_ACTIVE,   /* Aktiv / Active */
    LNOB_GEN_MIS_CLOSED,   /* Mbyllur / Closed: ended; not cancelled (§6.2) */
    LNOB_GEN_MIS_CANCELLED /* Anuluar / Cancelled: never active */
} lnob_gen_mis_status;

typedef enum {
    LNOB_GEN_MIS_GOOD,
    LNOB_GEN_MIS_DUP_SAME_ID,  /* a copy of record orig, record ID included */
    LNOB_GEN_MIS_DUP_NEW_ID,   /* a copy of record orig under a new record ID */
    LNOB_GEN_MIS_UNKEYED_EMPTY,     /* personal number empty */
    LNOB_GEN_MIS_UNKEYED_MALFORMED, /* personal number not letter, 8 digits, letter */
    LNOB_GEN_MIS_BAD_DATE,     /* start date is not a date */
    LNOB_GEN_MIS_BAD_SERVICE,  /* service label in no catalogue */
    LNOB_GEN_MIS_BAD_MUN       /* municipality name matching none */
} lnob_gen_mis_kind;

/* Dates are days since 1970-01-01; an ongoing record has this end. */
#define LNOB_GEN_MIS_ONGOING INT32_MIN

typedef struct {
    int32_t birth; /* days */
    uint8_t sex;   /* 1 male, 2 female */
    uint8_t first, last; /* indices into the name lists */
} lnob_gen_mis_person_t;

/* A service record, or a register entry (service unused, kind GOOD or
 * UNKEYED_EMPTY). */
typedef struct {
    int32_t person;     /* index into the persons */
    int32_t start, end; /* days; end LNOB_GEN_MIS_ONGOING when open */
    int32_t orig;       /* duplicates: the record copied; else -1 */
    uint32_t id;        /* record ID as written */
    uint32_t file;      /* index of its export file */
    uint64_t line;      /* 1-based line on which its row starts */
    uint8_t slot;       /* index into the municipalities drawn */
    uint8_t service, category, status, kind;
} lnob_gen_mis_rec_t;

typedef struct {
    const char *path;  /* relative to DIR */
    size_t slot;       /* its municipality */
    size_t rows;       /* data rows */
    const char *shape; /* "delimiter=... encoding=..." */
    int is_register;   /* 1: a needs-assessment register, its rows entries */
} lnob_gen_mis_file_t;

typedef struct {
    int year;
    const lnob_municipality_t *const *mun; /* the municipalities drawn, by slot */
    size_t nslots;
    const lnob_gen_mis_person_t *persons; /* those with records, then those only on a register */
    const lnob_gen_mis_rec_t *recs;
    size_t nrecs;
    const lnob_gen_mis_file_t *files;
    size_t nfiles;
    const lnob_gen_mis_rec_t *entries; /* needs-assessment register entries */
    size_t nentries;
} lnob_gen_mis_model_t;

/* The name tables the generator writes from; NULL-terminated. Exposed so
 * that the tests can check them against the reference tables. */
typedef struct {
    const char *code; /* LAU code of the municipality */
    const char *name; /* a pre-2015 unit in it, UTF-8 */
} lnob_gen_mis_unit_t;
extern const lnob_gen_mis_unit_t lnob_gen_mis_units[];
extern const char *const lnob_gen_mis_bad_municipality[]; /* resolve to no municipality */
extern const char *const lnob_gen_mis_first_male[];
extern const char *const lnob_gen_mis_first_female[];
extern const char *const lnob_gen_mis_last[];

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int32_t lnob_gen_mis_days(int y, int m, int d);
void lnob_gen_mis_civil(int32_t days, int *y, int *m, int *d);

/* Writes answers.csv (gen_mis.h) for the model to out. Returns 0, or -1 on
 * a write error. */
int lnob_gen_mis_answers(FILE *out, const lnob_gen_mis_model_t *model);

#endif
