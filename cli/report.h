/* report.h - prints an extract's results as they are stored in Redis.
 *
 * Reads the extract's metadata hash and its cell list (one pipelined round
 * trip for all cells) and prints them as a table for people, a JSON array
 * (one object per cell), CSV, or SDMX-CSV with Eurostat's codes (sdmx.h).
 * An export (and SDMX-CSV always) leaves SUPPRESS cells out. Printing from Redis, not from memory,
 * means what you see is what dashboards read. Not for: writing. */
#ifndef LNOB_CLI_REPORT_H
#define LNOB_CLI_REPORT_H
#include <hiredis/hiredis.h>
#include <stdio.h>

typedef enum { LNOB_REPORT_TABLE, LNOB_REPORT_JSON, LNOB_REPORT_CSV, LNOB_REPORT_SDMX } lnob_report_format;

/* Parses "table|json|csv|sdmx-csv"; returns -1 if unknown. */
int lnob_report_parse_format(const char *name);

/* One report over one or more extracts. */
typedef struct {
    FILE *out;                 /* cells (and, for table, the summary) */
    FILE *info;                /* the summary for json/csv, which keep out clean */
    lnob_report_format format;
    int printed;               /* cells printed so far */
    int withhold;              /* a public output: SUPPRESS cells left out, and an
                                  extract not for publication refused */
    int public_keys;           /* read the extract's public twin (lnob/keys.h): lnob serve */
    int show_withheld;         /* with withhold: SUPPRESS cells printed (JSON) with value,
                                  n and weight null, so a page can say "withheld" */
} lnob_report_t;

#define LNOB_REPORT_NOT_PUBLIC (-2)

/* Starts and ends a report (JSON brackets, CSV header). */
void lnob_report_begin(lnob_report_t *r);
void lnob_report_end(lnob_report_t *r);
/* Prints one extract. Returns 0, or -1 with a message in err if Redis does
 * not hold the extract, or LNOB_REPORT_NOT_PUBLIC (with a message) when a
 * public output is asked of an extract computed without disclosure control
 * (docs/disclosure.md). */
int lnob_report_extract(lnob_report_t *r, redisContext *c, const char *extract_id, char *err,
                        size_t cap);

#endif
