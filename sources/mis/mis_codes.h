/* mis_codes.h - the canonical codes of municipal MIS exports (spec §6.1)
 * and the labels they come under.
 *
 * Five tables, one place: services (HOME_CARE ...), vulnerable groups (DIS,
 * ROMA ...), record status, sex, and the canonical fields a header column
 * can stand for (record_id, municipality ...). Each entry has a canonical
 * name and labels in Albanian then English; a label matches case- and
 * diacritic-insensitively (folded as lnob_geo_fold folds names, so ë = e,
 * ç = c, punctuation = space), as does the canonical name itself. The
 * ingester reads exports with them (a per-source mapping adds labels:
 * sources/mis/mis_map.h), the transformer and the generator name codes with
 * them; docs/mis.md prints them. Not for: municipality names (lnob/geo.h). */
#ifndef LNOB_MIS_MIS_CODES_H
#define LNOB_MIS_MIS_CODES_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LNOB_MIS_SERVICE, /* values lnob_mis_service_t */
    LNOB_MIS_GROUP,   /* values lnob_mis_group_t */
    LNOB_MIS_STATUS,  /* values lnob_mis_status_t */
    LNOB_MIS_SEX,     /* values 1 male, 2 female, 9 unknown (MisBatch.sex) */
    LNOB_MIS_FIELD,   /* values lnob_mis_field_t */
    LNOB_MIS_TABLES
} lnob_mis_table_t;

typedef enum {
    LNOB_MIS_HOME_CARE,
    LNOB_MIS_DAY_CENTRE,
    LNOB_MIS_COMMUNITY_CENTRE,
    LNOB_MIS_RESIDENTIAL,
    LNOB_MIS_FOSTER_CARE,
    LNOB_MIS_SHELTER,
    LNOB_MIS_PSYCHOSOCIAL,
    LNOB_MIS_CHILD_PROTECTION,
    LNOB_MIS_SOCIAL_HOUSING,
    LNOB_MIS_ECONOMIC_AID,
    LNOB_MIS_DISABILITY_PAYMENT,
    LNOB_MIS_SERVICE_COUNT
} lnob_mis_service_t;

/* Named LNOB_MIS_GROUP_*: the group, not its flag bit (LNOB_MIS_FLAG_*). */
typedef enum {
    LNOB_MIS_GROUP_DIS,
    LNOB_MIS_GROUP_ROMA,
    LNOB_MIS_GROUP_EGY,
    LNOB_MIS_GROUP_ELD,  /* from age at the transformer: no flag */
    LNOB_MIS_GROUP_CHI,  /* from age: no flag */
    LNOB_MIS_GROUP_VAW,
    LNOB_MIS_GROUP_OTHER,
    LNOB_MIS_GROUP_COUNT
} lnob_mis_group_t;

/* MisBatch.flags bits: the §6.1 flags dis, roma, egyptian, vaw equal to 1. */
#define LNOB_MIS_FLAG_DIS 1u
#define LNOB_MIS_FLAG_ROMA 2u
#define LNOB_MIS_FLAG_EGY 4u
#define LNOB_MIS_FLAG_VAW 8u

typedef enum {
    LNOB_MIS_ACTIVE,     /* also "not given" */
    LNOB_MIS_CLOSED,     /* ended normally: the end date decides activity */
    LNOB_MIS_CANCELLED,
    LNOB_MIS_ERRONEOUS,
    LNOB_MIS_STATUS_COUNT
} lnob_mis_status_t;

/* MisBatch.status of a status: 1 for cancelled or erroneous, else 0. */
#define LNOB_MIS_STATUS_VOID(s) ((s) == LNOB_MIS_CANCELLED || (s) == LNOB_MIS_ERRONEOUS)

#define LNOB_MIS_MALE 1
#define LNOB_MIS_FEMALE 2
#define LNOB_MIS_SEX_UNKNOWN 9

typedef enum {
    LNOB_MIS_F_RECORD_ID,
    LNOB_MIS_F_MUNICIPALITY,
    LNOB_MIS_F_PERSONAL_NUMBER, /* pseudonymised, never passed on */
    LNOB_MIS_F_FIRST_NAME,      /* names: dropped */
    LNOB_MIS_F_LAST_NAME,
    LNOB_MIS_F_NAME,            /* any other name: full name, father's, mother's */
    LNOB_MIS_F_SEX,
    LNOB_MIS_F_BIRTH_DATE,
    LNOB_MIS_F_SERVICE,
    LNOB_MIS_F_GROUP,
    LNOB_MIS_F_START_DATE,
    LNOB_MIS_F_END_DATE,
    LNOB_MIS_F_STATUS,
    LNOB_MIS_F_ASSESSED,        /* needs-assessment registers: the assessment date */
    LNOB_MIS_F_IGNORE,          /* a column to leave out (mapping files) */
    LNOB_MIS_FIELD_COUNT
} lnob_mis_field_t;

/* Number of entries of table t. */
size_t lnob_mis_count(lnob_mis_table_t t);
/* Value of entry i of t (0 <= i < count): entries are in value order. */
int lnob_mis_value_at(lnob_mis_table_t t, size_t i);
/* Canonical name of a value ("HOME_CARE", "DIS", "CANCELLED", "M",
 * "record_id"), or NULL if t has no such value. */
const char *lnob_mis_name(lnob_mis_table_t t, int value);
/* Value whose canonical name is name (any case), or -1. */
int lnob_mis_value(lnob_mis_table_t t, const char *name);
/* The labels of a value, NULL-terminated, Albanian first; NULL if none. */
const char *const *lnob_mis_labels(lnob_mis_table_t t, int value);
/* Value whose label or canonical name matches text[0..len) once folded, or
 * -1 (also for text that folds to nothing). */
int lnob_mis_find(lnob_mis_table_t t, const char *text, size_t len);
/* MisBatch.flags bit of a group (0 for ELD, CHI, OTHER). */
uint32_t lnob_mis_group_flag(lnob_mis_group_t g);

/* The vulnerable groups of spec §6.4 as VULN_GROUPS names them, in this
 * order: DIS, RE (Roma or Egyptian), ROMA, EGY, ELD, VAW, CHI. */
#define LNOB_MIS_VULN_GROUPS 7
extern const char *const lnob_mis_vuln_names[LNOB_MIS_VULN_GROUPS];
/* The index of a VULN_GROUPS name (any case) in lnob_mis_vuln_names, or -1. */
int lnob_mis_vuln_index(const char *name, size_t len);
/* Every name of a comma-separated VULN_GROUPS list is known ("" is). */
int lnob_mis_vuln_valid(const char *list);

/* A source's mapping file sits beside its export: "01_fier.csv.map". */
#define LNOB_MIS_MAP_SUFFIX ".map"
/* 1 if path names a mapping file (read with its export, never an export). */
int lnob_mis_is_map(const char *path);

#endif
