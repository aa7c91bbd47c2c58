/* lnob/udb.h - the EU-SILC UDB variables lnob reads beyond the core columns.
 *
 * One table names every household (H), personal register (R) and personal
 * (P) variable the full indicator set uses (spec §1-5), with its kind and
 * code list, so the ingester (which validates them) and the transformer
 * (which derives statuses from them) agree on names in one place. Codes
 * travel as int32: the code itself, or a UDB flag when the value is not
 * valid (LNOB_UDB_MISSING -1 also for an empty field, -2, -3, and
 * LNOB_UDB_NOT_COLLECTED -7, which is also what a variable absent from the
 * input reads as). Amounts travel as double, NaN when missing. The ages
 * RX020 and RB081 are the exception: -1 is an age there (born after the
 * income reference period, spec §1.8), so they travel as the age or
 * LNOB_AGE_NONE, never a flag.
 * Not for: the core columns (ids, RB050, income, age, sex, region,
 * municipality: sources/silc/silc.c). */
#ifndef LNOB_UDB_H
#define LNOB_UDB_H
#include <stddef.h>
#include <stdint.h>

#define LNOB_UDB_MISSING (-1)
#define LNOB_UDB_NOT_COLLECTED (-7)
/* An age that is missing or invalid (the ages RX020 and RB081, and the age
 * columns of the wire: -1 is a valid AGE_IRP). */
#define LNOB_AGE_NONE INT32_MIN

typedef enum { LNOB_UDB_CODE, LNOB_UDB_AMOUNT } lnob_udb_kind;

typedef enum {
    /* household (H, D) */
    LNOB_V_HY010, LNOB_V_HY025, LNOB_V_HS060, LNOB_V_HS040, LNOB_V_HS050, LNOB_V_HH050,
    LNOB_V_HS011, LNOB_V_HS021, LNOB_V_HS031, LNOB_V_HS110, LNOB_V_HD080, LNOB_V_HS070,
    LNOB_V_HS080, LNOB_V_HS100, LNOB_V_HX060, LNOB_V_DB100,
    /* personal register (R) */
    LNOB_V_RB220, LNOB_V_RB230, LNOB_V_RX020, LNOB_V_RB081,
    /* personal (P) */
    LNOB_V_PB040, LNOB_V_PD020, LNOB_V_PD030, LNOB_V_PD050, LNOB_V_PD060, LNOB_V_PD070,
    LNOB_V_PD080, LNOB_V_PL032, LNOB_V_PL145, LNOB_V_PL060, LNOB_V_PL100, LNOB_V_PL073,
    LNOB_V_PL074, LNOB_V_PL075, LNOB_V_PL076, LNOB_V_PY100G, LNOB_V_PY110G, LNOB_V_PY130G,
    LNOB_V_PY080G, LNOB_V_PH030,
    LNOB_UDB_VARS
} lnob_udb_var;

typedef struct {
    const char *name; /* UDB name, upper case */
    lnob_udb_kind kind;
    int lo, hi;       /* code list (codes) or plausible range (amounts: unused) */
} lnob_udb_def_t;

extern const lnob_udb_def_t lnob_udb_defs[LNOB_UDB_VARS];

/* The variable of a header name (case-insensitive), or -1. */
int lnob_udb_find(const char *name);
/* 1 if code is a UDB flag value (-1, -2, -3, -7). */
int lnob_udb_is_flag(long long code);
/* 1 if variable v is an age whose -1 is a value (RX020, RB081). */
static inline int lnob_udb_is_age(int v)
{
    return v == LNOB_V_RX020 || v == LNOB_V_RB081;
}

#endif
