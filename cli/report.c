/* report.c - print an extract from Redis as table, JSON or CSV (report.h). */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/format.h"
#include "lnob/keys.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "registry.h"
#include "sdmx.h"
#include "store.h"

#define CELL_FIELDS LNOB_CELL_FIELDS

/* A cell as read back: field texts in the schema order (store.h). */
enum { F_EXTRACT, F_INDICATOR, F_BREAKDOWN, F_GROUP, F_VALUE, F_N, F_WEIGHT, F_FLAG, F_DIAG, F_SUPPRESSED };

int lnob_report_parse_format(const char *name)
{
    if (!strcmp(name, "table"))
        return LNOB_REPORT_TABLE;
    if (!strcmp(name, "json"))
        return LNOB_REPORT_JSON;
    if (!strcmp(name, "csv"))
        return LNOB_REPORT_CSV;
    if (!strcmp(name, "sdmx-csv"))
        return LNOB_REPORT_SDMX;
    return -1;
}

void lnob_report_begin(lnob_report_t *r)
{
    r->printed = 0;
    if (r->format == LNOB_REPORT_JSON)
        fputs("[", r->out);
    else if (r->format == LNOB_REPORT_CSV)
        fputs("extract,indicator,breakdown,group,value,n,weight,flag,diagnostic,suppressed\n", r->out);
    else if (r->format == LNOB_REPORT_SDMX)
        fputs(lnob_sdmx_header, r->out);
}

void lnob_report_end(lnob_report_t *r)
{
    if (r->format == LNOB_REPORT_JSON)
        fputs(r->printed ? "\n]\n" : "]\n", r->out);
}

/* Publication rounding of spec §0.6, for people only; a _BC0 id rounds
 * as the id it is the bottom-coded form of. */
static int s_decimals(const char *indicator)
{
    char base[64];
    size_t n = strlen(indicator) - (lnob_sdmx_national_only(indicator) ? strlen(LNOB_BC0_SUFFIX) : 0);
    snprintf(base, sizeof base, "%.*s", (int) n, indicator);
    if (!strcmp(base, "median") || !strcmp(base, "mean") || !strncmp(base, "arpt", 4))
        return 0; /* ALL amounts */
    return !strcmp(base, "qsr") ? 2 : 1;
}

static void s_table_cell(FILE *out, const char *v[CELL_FIELDS])
{
    char value[32] = "-";
    if (v[F_VALUE][0]) {
        double d = strtod(v[F_VALUE], NULL);
        int dec = s_decimals(v[F_INDICATOR]);
        double scale = pow(10, dec);
        d = (d < 0 ? -floor(-d * scale + 0.5) : floor(d * scale + 0.5)) / scale;
        snprintf(value, sizeof value, "%.*f", dec, d);
    }
    fprintf(out, "  %-15s %-13s %-9s %12s %8s %14.1f  %-8s %s%s%s\n", v[F_INDICATOR],
            v[F_BREAKDOWN][0] ? v[F_BREAKDOWN] : "national", v[F_GROUP], value, v[F_N],
            strtod(v[F_WEIGHT], NULL), v[F_FLAG], v[F_DIAG], *v[F_DIAG] && *v[F_SUPPRESSED] ? " " : "",
            v[F_SUPPRESSED]); /* why disclosure control withholds it, for the office */
}

typedef struct {
    FILE *out;
    int first;
} json_pairs_t;

/* One breakdown key and value as a JSON member. */
static void s_json_pair(void *arg, const char *k, size_t nk, const char *v, size_t nv)
{
    json_pairs_t *j = arg;
    char buf[256];
    fputs(j->first ? "" : ", ", j->out);
    j->first = 0;
    snprintf(buf, sizeof buf, "%.*s", (int) nk, k);
    lnob_format_json_string(j->out, buf);
    fputs(": ", j->out);
    snprintf(buf, sizeof buf, "%.*s", (int) nv, v);
    lnob_format_json_string(j->out, buf);
}

static void s_json_cell(FILE *out, const char *v[CELL_FIELDS], int first)
{
    fputs(first ? "\n  {" : ",\n  {", out);
    fputs("\"extract\": ", out);
    lnob_format_json_string(out, v[F_EXTRACT]);
    fputs(", \"indicator\": ", out);
    lnob_format_json_string(out, v[F_INDICATOR]);
    fputs(", \"breakdown\": {", out);
    json_pairs_t pairs = {out, 1};
    lnob_store_breakdown_each(v[F_BREAKDOWN], v[F_GROUP], s_json_pair, &pairs);
    fprintf(out, "}, \"value\": %s, \"n\": %s, \"weight\": %s, \"flag\": ",
            v[F_VALUE][0] ? v[F_VALUE] : "null", v[F_N][0] ? v[F_N] : "null", v[F_WEIGHT][0] ? v[F_WEIGHT] : "null");
    lnob_format_json_string(out, v[F_FLAG]);
    if (v[F_DIAG][0]) {
        fputs(", \"diagnostic\": ", out);
        lnob_format_json_string(out, v[F_DIAG]);
    }
    if (v[F_SUPPRESSED][0]) {
        fputs(", \"suppressed\": ", out);
        lnob_format_json_string(out, v[F_SUPPRESSED]);
    }
    fputs("}", out);
}

static void s_csv_field(FILE *out, const char *s, int last)
{
    lnob_format_csv_field(out, s);
    fputc(last ? '\n' : ',', out);
}

/* Prints one cell; returns 1 when SDMX-CSV left it out as national-only
 * (a _BC0 cell not withheld as SUPPRESS), else 0. */
static int s_print_cell(lnob_report_t *r, const redisReply *hash, const char *period)
{
    const char *v[CELL_FIELDS];
    for (int i = 0; i < CELL_FIELDS; i++)
        v[i] = lnob_redis_pair(hash, lnob_store_cell_fields[i]);
    if (r->withhold && !strcmp(v[F_FLAG], "SUPPRESS")) {
        if (!r->show_withheld || r->format != LNOB_REPORT_JSON)
            return 0;
        v[F_VALUE] = v[F_N] = v[F_WEIGHT] = v[F_DIAG] = v[F_SUPPRESSED] = ""; /* nothing of the value leaves */
    }
    if (r->format == LNOB_REPORT_SDMX) {
        lnob_sdmx_cell_t c = {v[F_INDICATOR], v[F_BREAKDOWN], v[F_GROUP], v[F_VALUE], v[F_FLAG], period};
        r->printed += lnob_sdmx_cell(r->out, &c);
        return lnob_sdmx_national_only(v[F_INDICATOR]);
    }
    if (r->format == LNOB_REPORT_TABLE)
        s_table_cell(r->out, v);
    else if (r->format == LNOB_REPORT_JSON)
        s_json_cell(r->out, v, r->printed == 0);
    else
        for (int i = 0; i < CELL_FIELDS; i++)
            s_csv_field(r->out, v[i], i == CELL_FIELDS - 1);
    r->printed++;
    return 0;
}

/* s_get as the kinds' report op reads metadata (source.h). */
static const char *s_meta_get(const void *meta, const char *field)
{
    return lnob_redis_pair(meta, field);
}

static void s_summary(FILE *out, const char *id, const redisReply *meta)
{
    fprintf(out, "extract %s  (%s, period %s, %s)\n", id, lnob_redis_pair(meta, "source"),
            lnob_redis_pair(meta, "period"), lnob_redis_pair(meta, "status"));
    if (!strcmp(lnob_redis_pair(meta, "status"), "failed")) {
        fprintf(out, "  error: %s\n", lnob_redis_pair(meta, "error"));
        return;
    }
    const lnob_source_ops_t *kind = lnob_source_named(lnob_redis_pair(meta, "kind"));
    if (kind && kind->report)
        kind->report(out, s_meta_get, meta);
    else
        fprintf(out, "  rows read %s, accepted %s, quarantined %s\n", lnob_redis_pair(meta, "rows_read"),
                lnob_redis_pair(meta, "rows_accepted"), lnob_redis_pair(meta, "rows_quarantined"));
    if (strcmp(lnob_redis_pair(meta, "rows_quarantined"), "0") != 0 || strcmp(lnob_redis_pair(meta, "rows_flagged"), "0") != 0)
        fprintf(out, "  quarantined rows and flagged fields: redis stream lnob:quarantine:%s\n", id);
}

static int s_cells(lnob_report_t *r, redisContext *c, const char *id, const char *period,
                   char *err, size_t cap)
{
    lnob_key_t k;
    const char *key = lnob_key_cells(&k, id);
    redisReply *list = redisCommand(c, "LRANGE %s 0 -1", r->public_keys ? lnob_key_public(&k) : key);
    if (!list || list->type != REDIS_REPLY_ARRAY) {
        snprintf(err, cap, "cannot read the cell list of %s", id);
        freeReplyObject(list);
        return -1;
    }
    for (size_t i = 0; i < list->elements; i++)
        redisAppendCommand(c, "HGETALL %s", list->element[i]->str);
    if (r->format == LNOB_REPORT_TABLE && list->elements)
        fprintf(r->out, "  %-15s %-13s %-9s %12s %8s %14s  %-8s %s\n", "indicator", "breakdown",
                "group", "value", "n", "weight", "flag", "diagnostic, withheld as");
    int rc = 0;
    size_t national_only = 0;
    for (size_t i = 0; i < list->elements; i++) {
        redisReply *h = NULL;
        if (redisGetReply(c, (void **) &h) != REDIS_OK || h->type != REDIS_REPLY_ARRAY) {
            snprintf(err, cap, "cannot read cell %s", list->element[i]->str);
            rc = -1;
        } else if (rc == 0)
            national_only += (size_t) s_print_cell(r, h, period);
        freeReplyObject(h);
    }
    freeReplyObject(list);
    if (rc == 0 && national_only)
        fprintf(r->info, "lnob: %s: %zu cells computed with BOTTOM_CODE_ZERO (ids ending in %s) "
                         "are not in the SDMX-CSV: they are for national tables only, Eurostat's "
                         "datasets do not bottom-code incomes (docs/sdmx.md)\n",
                id, national_only, LNOB_BC0_SUFFIX);
    return rc;
}

int lnob_report_extract(lnob_report_t *r, redisContext *c, const char *id, char *err, size_t cap)
{
    lnob_key_t k;
    const char *key = lnob_key_extract(&k, id);
    redisReply *meta = redisCommand(c, "HGETALL %s", r->public_keys ? lnob_key_public(&k) : key);
    if (!meta || meta->type != REDIS_REPLY_ARRAY || meta->elements == 0) {
        snprintf(err, cap, "Redis holds no extract %s", id);
        freeReplyObject(meta);
        return -1;
    }
    int not_public = !strncmp(lnob_redis_pair(meta, "disclosure"), "off", 3);
    if (not_public && r->withhold) {
        snprintf(err, cap, "extract %s is NOT FOR PUBLICATION: it was computed without disclosure control "
                           "(docs/disclosure.md)", id);
        freeReplyObject(meta);
        return LNOB_REPORT_NOT_PUBLIC;
    }
    s_summary(r->format == LNOB_REPORT_TABLE ? r->out : r->info, id, meta);
    if (not_public)
        fprintf(r->format == LNOB_REPORT_TABLE ? r->out : r->info,
                "  NOT FOR PUBLICATION: computed without disclosure control, small counts exact\n");
    int failed = !strcmp(lnob_redis_pair(meta, "status"), "failed");
    char period[32];
    snprintf(period, sizeof period, "%s", lnob_redis_pair(meta, "period"));
    freeReplyObject(meta);
    if (failed)
        return 0;
    int rc = s_cells(r, c, id, period, err, cap);
    if (r->format == LNOB_REPORT_TABLE)
        fputs("\n", r->out);
    return rc;
}
