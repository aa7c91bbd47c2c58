/* gen_mis.h - deterministic synthetic municipal social-care MIS exports
 * (spec §6, issue #5) with their known answers.
 *
 * `lnob gen mis --seed S --out DIR` writes DIR/exports/ - one file per
 * municipality, or per municipality and service for one municipality in
 * 15 (one at least) - and DIR/answers.csv. The exports are what the MIS
 * ingester must read: comma, semicolon or tab; UTF-8, UTF-8 with BOM, or
 * Windows-1252 (ë as 0xEB); CRLF or LF; Albanian or English headers in one
 * of three column orders (with or without a record ID, with or without a
 * free-text notes column holding quoted delimiters, quotes and newlines);
 * dates dd.mm.yyyy, dd/mm/yyyy or yyyy-mm-dd; sex M/F, Mashkull/Femër or
 * 1/2; service and group labels in Albanian (with or without diacritics)
 * or English; municipality names official, definite, without diacritics or
 * in upper case, and on some rows a pre-2015 unit (Velipojë for Shkodër).
 * Each file's shape is stated in its FILE row of the answers. Every shape
 * value occurs at least once when --municipalities is 6 or more.
 *
 * The persons are synthetic: personal numbers "Z9" + seven digits + a
 * letter (the national shape, a letter, eight digits, a letter; the Z9
 * prefix marks them as made up), first and last names from small lists,
 * each at least five letters long and naming no place. Persons get 1-4
 * services (more often 3+ in some municipalities than in others), some in
 * two municipalities (moves); DIS, ROMA, EGY, VAW, and ELD and CHI by age,
 * in plausible shares. Records start and end across the year Y, some
 * before or after it (inactive), on its boundaries, or are cancelled. The
 * generator adds a few exact duplicates (same person, service and start
 * date, in the same file, half of them with the same record ID), unkeyed
 * rows (empty or malformed personal number; always active) and bad rows
 * (start date not a date, unknown service label, unknown municipality
 * name), and lists each bad row in the answers.
 *
 * With registers N > 0 the first N municipalities (in LAU-code order) also
 * export a needs-assessment register, NN_name_register.csv, in their own
 * shape without the service column: most of their vulnerable persons (a
 * few left off, one of them in MIS_SHARE3's numerator where there is one),
 * some who are not vulnerable, some persons with no service (new persons,
 * vulnerable and not), an adult whose groups are assessed as Other (where
 * there is one), one entry with no personal number, one cancelled and one
 * that left before the year (docs/mis-gen.md). The first N - 1 name the
 * assessment date ('Data e vlerësimit' /
 * 'Assessment date') and the exit date ('Data e daljes' / 'Exit date');
 * the last of two or more has the start and end headers instead and a
 * mapping file beside it, NN_name_register.csv.map, saying kind =
 * register. No register changes any other file's bytes.
 *
 * answers.csv is computed from the generator's own records by the rules of
 * spec §6.2-6.6 (gen_mis_answers.c), never by lnob's ingester or
 * transformer. UTF-8, comma, LF, a header, then one row per value:
 *   indicator,municipality,service,breakdown,category,file,line,value,
 *   numerator,denominator,detail
 * municipality is a LAU code, service a canonical code, file a path below
 * DIR, line the 1-based physical line on which the row starts (header =
 * line 1). Empty columns do not apply. The rows, in this order:
 *   PERIOD              value Y: answers are for 1 January - 31 December Y
 *   FILE                per file: municipality, file, value = data rows,
 *                       detail = its shape ("delimiter=; encoding=utf-8-bom
 *                       header=sq ...", docs/mis-gen.md)
 *   MIS_BEN             per municipality x service with value >= 1
 *   MIS_BEN_ALL         per municipality with a file (also when 0)
 *   MIS_BEN_ALL         the same by breakdown SEX (F, M), GROUP (DIS, RE,
 *                       ROMA, EGY, ELD, VAW, CHI) and AGE_GROUP (0-17,
 *                       18-64, 65+); cells with value >= 1
 *   MIS_BEN_NAT         per service, national distinct persons
 *   MIS_BEN_ALL_NAT     national distinct persons, and its breakdowns
 *   MIS_SHARE3          per municipality with den >= 1: value = 100 num/den
 *   MIS_SHARE3_NAT      the same, services counted across municipalities
 *   MIS_MUN33           value = municipalities with den >= 1 and
 *                       100 num >= 33 den
 *   MIS_MUN33_PCT       numerator MIS_MUN33, denominator the reporting
 *                       municipalities (den >= 1); detail "reporting"; again
 *                       with denominator 61 (detail "all") and, numerator
 *                       the LNB2 targets meeting the bar, 32 (detail "lnb")
 *   MIS_SHARE3_REG      per municipality with a register and den >= 1:
 *                       MIS_SHARE3's numerator over the vulnerable persons
 *                       on its register (their groups, sex and birth from
 *                       their active register entries alone); detail
 *                       NOT_ON_REGISTER when the numerator holds a person
 *                       with no active keyed entry on it
 *   UNKEYED_RECORDS     per municipality x service with value >= 1, then
 *                       the total (municipality and service empty)
 *   DUPLICATES_MERGED   per file with value >= 1, then the total
 *   REJECTED            per file with value >= 1, then the total
 *   REGISTER_ENTRIES_ACTIVE  with registers: active register entries,
 *                       keyed or not (a total)
 *   REGISTER_PERSONS    with registers: distinct persons with an active
 *                       keyed entry on any register (a total)
 *   REJECT              one per bad row: municipality of the file, file,
 *                       line, detail = BAD_DATE | UNKNOWN_SERVICE |
 *                       UNKNOWN_MUNICIPALITY
 * Count cells with value 1-4 have detail SMALL_CELL (spec §6.6). Ratios
 * carry numerator and denominator exactly and value to 12 significant
 * digits. Cells not listed are 0. docs/mis-gen.md has the details.
 *
 * Same options and geo tables => same bytes. Memory is O(persons). */
#ifndef LNOB_GEN_MIS_H
#define LNOB_GEN_MIS_H
#include <stddef.h>
#include <stdint.h>

#include "lnob/geo.h"

#define LNOB_GEN_MIS_EXPORTS "exports"     /* subdirectory of DIR for the exports */
#define LNOB_GEN_MIS_ANSWERS "answers.csv" /* the answer file in DIR */
#define LNOB_GEN_MIS_PERSONS_MAX 2500000 /* about everyone: Albania had 2.4 M residents in the 2023 census */

typedef struct {
    uint64_t seed;      /* PRNG seed */
    int year;           /* reference year Y of the answers */
    int municipalities; /* 1..61, drawn by the seed */
    int persons;        /* 1..LNOB_GEN_MIS_PERSONS_MAX */
    int registers;      /* 0..municipalities: how many also export a register */
} lnob_gen_mis_opts_t;

typedef struct lnob_gen_mis lnob_gen_mis_t;

/* Generates every file in memory. Returns an owned set, or NULL when an
 * option is out of range or geo is NULL. */
lnob_gen_mis_t *lnob_gen_mis_new(const lnob_gen_mis_opts_t *opts, const lnob_geo_t *geo);
/* NULL-safe; NULLs *self_p. */
void lnob_gen_mis_destroy(lnob_gen_mis_t **self_p);
/* Number of files: the exports (registers last), the registers' mapping
 * files, then the answers (the last one). */
size_t lnob_gen_mis_count(const lnob_gen_mis_t *self);
/* Path of file i relative to DIR ("exports/07_shkoder.csv",
 * "exports/03_puke_register.csv.map", "answers.csv"); borrowed. */
const char *lnob_gen_mis_name(const lnob_gen_mis_t *self, size_t i);
/* Bytes of file i (borrowed) and their number in *len. */
const char *lnob_gen_mis_data(const lnob_gen_mis_t *self, size_t i, size_t *len);
/* Writes every file below dir, which must exist; creates dir/exports.
 * Returns 0, or -1 with the reason in err (cap bytes). */
int lnob_gen_mis_write(const lnob_gen_mis_t *self, const char *dir, char *err, size_t cap);

#endif
