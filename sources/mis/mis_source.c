/* mis_source.c - the MIS kind's ops table and its computation (mis_source.h). */
#include "mis_source.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnob/clock.h"
#include "lnob/keys.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "mis_codes.h"
#include "mis_disclose.h"
#include "mis_extract.h"
#include "mis_records.h"
#include "mis_replay.h"
#include "mis_watch.h"
#include "mis_year.h"

#define VULN_ALL "DIS,RE,ROMA,EGY,ELD,VAW,CHI" /* spec §6.4, when VULN_GROUPS names none */

static void s_meta(lnob_meta_t *m, const Lnob__V1__ExtractEnd *end, const lnob_mis_stats_t *st,
                   const lnob_mis_frame_t *f)
{
    lnob_meta_add(m, "kind", "mis");
    lnob_meta_u(m, "records_active", st->active);
    lnob_meta_u(m, "records_unkeyed", st->unkeyed);
    lnob_meta_u(m, "duplicates_merged", st->duplicates);
    lnob_meta_u(m, "persons", st->persons);
    lnob_meta_u(m, "municipalities_reporting", st->reporting);
    lnob_meta_u(m, "register_entries_active", st->register_active);
    lnob_meta_u(m, "register_persons", st->register_persons);
    lnob_meta_copy(m, "service_set", f->service_set);
    lnob_meta_add(m, "vuln_groups", *end->vuln_groups ? end->vuln_groups : VULN_ALL);
    lnob_meta_add(m, "population", f->user_population ? "the user's file for the municipalities it names "
                                                        "(population in this hash), else Census 2023"
                                                      : "Census 2023 residents (reference table; NO_POPULATION where it has none)");
    if (*end->population)
        lnob_meta_add(m, "population_user", end->population);
    if (*end->input_sums)
        lnob_meta_add(m, "input_sums", end->input_sums);
}

/* Disclosure control of r's cells as the extract asks (docs/disclosure.md):
 * the counts withheld into *d, or r->error. */
static void s_disclose(const Lnob__V1__ExtractEnd *end, uint32_t vulnerable, lnob_memo_t *memo, lnob_result_t *r,
                       lnob_mis_disclosed_t *d)
{
    unsigned small = end->small_count_max ? end->small_count_max : LNOB_MIS_SMALL_MAX_DEFAULT;
    if (end->disclosure_off && (!*end->channel || !strcmp(end->channel, LNOB_CHANNEL_DEFAULT)))
        snprintf(r->error, sizeof r->error, "DISCLOSURE: an extract without disclosure control is not for "
                 "publication and cannot be in the channel '" LNOB_CHANNEL_DEFAULT "': give it --channel NAME");
    else if (small < LNOB_MIS_SMALL_MAX_MIN || small > LNOB_MIS_SMALL_MAX_MAX)
        snprintf(r->error, sizeof r->error, "DISCLOSURE: small_count_max %u is outside %d-%d", small,
                 LNOB_MIS_SMALL_MAX_MIN, LNOB_MIS_SMALL_MAX_MAX);
    else if (!end->disclosure_off) {
        int64_t t0 = lnob_mono_us();
        uint64_t hits[2], misses[2];
        char kept[96] = "";
        lnob_memo_counts(memo, &hits[0], &misses[0]);
        lnob_mis_disclose(r->cells, r->n_cells, vulnerable, small, memo, d, r->error, sizeof r->error);
        lnob_memo_counts(memo, &hits[1], &misses[1]);
        if (memo)
            snprintf(kept, sizeof kept, "; %llu of %llu tests answered from the memo",
                     (unsigned long long) (hits[1] - hits[0]),
                     (unsigned long long) (hits[1] - hits[0] + misses[1] - misses[0]));
        lnob_debug("mis extract %s: disclosure control in %lld ms, %llu cells withheld as small, %llu as "
                   "complements%s", end->extract_id, (long long) (lnob_mono_us() - t0) / 1000,
                   (unsigned long long) d->small, (unsigned long long) d->complement, kept);
    }
}

static void s_disclosure_meta(lnob_meta_t *m, const Lnob__V1__ExtractEnd *end, const lnob_mis_disclosed_t *d)
{
    char text[160];
    if (end->disclosure_off) {
        lnob_meta_add(m, "disclosure", "off: NOT FOR PUBLICATION (--no-disclosure-control): exact counts, "
                                       "small ones included");
        return;
    }
    unsigned small = end->small_count_max ? end->small_count_max : LNOB_MIS_SMALL_MAX_DEFAULT;
    snprintf(text, sizeof text, "on: counts of 1-%u persons withheld (SMALL_COUNT), and the cells that would "
             "reveal them (COMPLEMENT); docs/disclosure.md", small);
    lnob_meta_copy(m, "disclosure", text); /* text is on this thread's stack */
    lnob_meta_u(m, "disclosure_small_count_max", small);
    lnob_meta_u(m, "cells_withheld_small", d->small);
    lnob_meta_u(m, "cells_withheld_complement", d->complement);
}

/* The cells of frame f into r, counted from the year x carries from when
 * it can (mis_year.h); returns the counts (NULL: too many services). */
static lnob_mis_counts_t *s_cells(const lnob_extract_view_t *x, const lnob_mis_frame_t *f, lnob_mis_stats_t *st,
                                  lnob_result_t *r, int *changed)
{
    int64_t t0 = lnob_mono_us();
    lnob_mis_counts_t *c = lnob_mis_year_count(x, f, changed);
    if (c)
        r->cells = lnob_mis_counts_cells(c, st, &r->n_cells);
    lnob_debug("mis extract %s: %s in %lld ms", x->end->extract_id,
               *changed ? "counted again only the persons its changed batches name" : "counted afresh",
               (long long) (lnob_mono_us() - t0) / 1000);
    return c;
}

int lnob_mis_compute(const lnob_extract_view_t *x, lnob_result_t *r)
{
    const Lnob__V1__ExtractEnd *end = x->end;
    uint32_t nb = x->n;
    const Lnob__V1__MisBatch **b = lnob_malloc((nb ? nb : 1) * sizeof *b);
    uint64_t rows_read = 0, quarantined = 0;
    for (uint32_t s = 0; s < nb; s++) {
        b[s] = x->msgs[s]->mis;
        rows_read += b[s]->rows_read;
        quarantined += b[s]->n_rejects;
    }
    char by_reason[LNOB_REASONS_TEXT];
    lnob_mis_frame_t *f = lnob_calloc(1, sizeof *f);
    lnob_mis_stats_t st = {0};
    int year = atoi(end->period);
    lnob_mis_frame_opts_t fo = {year, end->population, end->service_set, end->vuln_groups};
    lnob_mis_counts_t *c = NULL;
    lnob_memo_t *memo = lnob_mis_year_memo(x);
    int changed = 0;
    if (lnob_mis_frame_init(f, b, nb, x->geo, &fo, r->error, sizeof r->error) == 0 && year > 1900)
        c = s_cells(x, f, &st, r, &changed);
    else if (!*r->error)
        snprintf(r->error, sizeof r->error, "NO_PERIOD: the period '%.20s' is not a year", end->period);
    if (!*r->error && st.persons == 0)
        snprintf(r->error, sizeof r->error, "NO_POPULATION: no active record with a person key in %d", year);
    lnob_mis_disclosed_t disclosed = {0};
    if (!*r->error)
        s_disclose(end, f->dims.vulnerable, memo, r, &disclosed);
    lnob_meta_over_ceiling(end, rows_read, quarantined, r->error, sizeof r->error);
    if (*r->error)
        r->n_cells = 0;
    lnob_meta_reasons(x->msgs, nb, 0, by_reason, sizeof by_reason);
    lnob_meta_common(&r->meta, end, rows_read, quarantined, by_reason, x->parts, r->error);
    s_meta(&r->meta, end, &st, f);
    s_disclosure_meta(&r->meta, end, &disclosed);
    if (changed) /* the counts of that extract, the persons of the batches that changed counted again */
        lnob_meta_add(&r->meta, "counted_from", end->base_extract_id);
    lnob_info("mis extract %s complete: %llu persons, %zu cells, %llu quarantined", end->extract_id,
              (unsigned long long) st.persons, r->n_cells, (unsigned long long) quarantined);
    if (c && end->retain) /* the next round counts from here */
        r->keep = lnob_mis_year_new(end, &f, &c, &memo);
    lnob_memo_destroy(&memo);
    lnob_mis_counts_destroy(&c);
    if (f)
        lnob_mis_frame_free(f);
    free(f);
    free(b);
    return LNOB_OK;
}

static const lnob_opt_t s_ingest_opts[] = {
    {"mis", "LNOB_INGEST_MIS", LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(lnob_mis_ingest_cfg_t, mis),
     "municipal social-care MIS exports, read together as one extract (docs/mis.md)"},
    {"pseudonym-key", "LNOB_PSEUDONYM_KEY_FILE", LNOB_OPT_FILE, NULL, 0, 0, NULL,
     offsetof(lnob_mis_ingest_cfg_t, pseudonym_key), "file with the secret key for person keys (needed with --mis)"},
    {"period", "LNOB_MIS_PERIOD", LNOB_OPT_INT, "0", 0, 2100, NULL, offsetof(lnob_mis_ingest_cfg_t, period),
     "MIS reference year (0: the year of the latest start date)"},
    {"mis-sources", "LNOB_MIS_SOURCES", LNOB_OPT_FILE, NULL, 0, 0, NULL, offsetof(lnob_mis_ingest_cfg_t, sources),
     "MIS sources table: export file name pattern = mapping file, one per line (docs/mis.md)"},
    {"population", "LNOB_MIS_POPULATION", LNOB_OPT_FILE, NULL, 0, 0, NULL,
     offsetof(lnob_mis_ingest_cfg_t, population),
     "CSV mun_code,year,pop_1jan: residents for mis_rate1000 (default Census 2023 where known)"},
    {"service-set", "LNOB_MIS_SERVICE_SET", LNOB_OPT_STR, "", 0, 0, NULL,
     offsetof(lnob_mis_ingest_cfg_t, service_set),
     "SERVICE_SET: the service codes that count, comma-separated (default every one present)"},
    {"vuln-groups", "LNOB_MIS_VULN_GROUPS", LNOB_OPT_STR, "", 0, 0, NULL,
     offsetof(lnob_mis_ingest_cfg_t, vuln_groups),
     "VULN_GROUPS: groups that make a person vulnerable (DIS,RE,ROMA,EGY,ELD,VAW,CHI; default all)"},
    {"small-count-max", "LNOB_MIS_SMALL_COUNT_MAX", LNOB_OPT_INT, "4", LNOB_MIS_SMALL_MAX_MIN,
     LNOB_MIS_SMALL_MAX_MAX, NULL, offsetof(lnob_mis_ingest_cfg_t, small_count_max),
     "disclosure control: counts of 1..N persons are withheld with the cells that would reveal them "
     "(docs/disclosure.md)"},
    {"no-disclosure-control", "LNOB_MIS_NO_DISCLOSURE_CONTROL", LNOB_OPT_FLAG, "0", 0, 0, NULL,
     offsetof(lnob_mis_ingest_cfg_t, no_disclosure),
     "publish exact small counts: the extract is marked NOT FOR PUBLICATION and needs a --channel "
     "other than official"},
    {"watch", "LNOB_INGEST_WATCH", LNOB_OPT_DIR, NULL, 0, 0, NULL, offsetof(lnob_mis_ingest_cfg_t, watch),
     "drop folder of MIS exports: take each complete file, then move it to done/ or failed/ (docs/mis.md)"},
    {"watch-ms", "LNOB_INGEST_WATCH_MS", LNOB_OPT_INT, "200", 10, 60000, NULL,
     offsetof(lnob_mis_ingest_cfg_t, watch_ms), "how often to look into the drop folder"},
    {"settle-ms", "LNOB_INGEST_SETTLE_MS", LNOB_OPT_INT, "5000", 0, 3600000, NULL,
     offsetof(lnob_mis_ingest_cfg_t, settle_ms),
     "drop folder: a file without a NAME.done marker is taken once unchanged (size, mtime) this long"},
    {"watch-cache-mb", "LNOB_INGEST_WATCH_CACHE_MB", LNOB_OPT_INT, "512", 0, 65536, NULL,
     offsetof(lnob_mis_ingest_cfg_t, watch_cache_mb),
     "drop folder: memory for the exports already read, so a round reads only new or changed ones (0: none)"},
    LNOB_OPT_END};

static const char *const s_run_opts[] = {"mis", "pseudonym-key", "period", "mis-sources", "population",
                                         "small-count-max", "no-disclosure-control", NULL};

static const lnob_strlist_t *s_files(const void *kcfg)
{
    return &((const lnob_mis_ingest_cfg_t *) kcfg)->mis;
}

/* A mapping file goes with its export (source.h file_role). */
static int s_file_role(const char *path)
{
    return lnob_mis_is_map(path) ? LNOB_FILE_COMPANION : LNOB_FILE_INPUT;
}

static int s_watching(const void *kcfg)
{
    return ((const lnob_mis_ingest_cfg_t *) kcfg)->watch != NULL;
}

/* Replaces a string protobuf-c unpacked (never its shared ""). */
static void s_set(char **field, const char *v)
{
    if (*field != protobuf_c_empty_string)
        free(*field);
    *field = lnob_strdup(v);
}

/* A batch kept from the base made batch seq of end's extract (the carry
 * op, source.h): its ids, and the file and path its records and rejects
 * name in this extract. */
static int s_carry(lnob_env_t *env, const Lnob__V1__ExtractEnd *end, const Lnob__V1__Carry *c, uint32_t seq)
{
    if (env->body_case != LNOB__V1__ENVELOPE__BODY_MIS)
        return LNOB_ERR;
    Lnob__V1__MisBatch *b = env->mis;
    s_set(&b->extract_id, end->extract_id);
    s_set(&b->run_id, end->run_id);
    s_set(&b->source, c->source);
    b->seq = seq;
    for (size_t i = 0; i < b->n_rejects; i++) {
        b->rejects[i]->file = c->file;
        s_set(&b->rejects[i]->source, c->source);
    }
    return LNOB_OK;
}

/* lnob report's lines of an MIS extract. */
static void s_report(FILE *out, lnob_meta_get_fn get, const void *meta)
{
    fprintf(out, "  rows read %s, accepted %s, quarantined %s; active records %s (%s without a "
                 "person key, %s duplicates merged); persons %s; municipalities reporting %s\n"
                 "  services counted: %s\n",
            get(meta, "rows_read"), get(meta, "rows_accepted"), get(meta, "rows_quarantined"),
            get(meta, "records_active"), get(meta, "records_unkeyed"), get(meta, "duplicates_merged"),
            get(meta, "persons"), get(meta, "municipalities_reporting"), get(meta, "service_set"));
    if (atol(get(meta, "register_entries_active")) > 0)
        fprintf(out, "  needs-assessment registers: %s active entries, %s persons (mis_share3_reg: "
                     "the vulnerable persons on the register as denominator)\n",
                get(meta, "register_entries_active"), get(meta, "register_persons"));
}

const lnob_source_ops_t lnob_source_mis = {
    .name = "mis",
    .headline = "mis_ben_all",
    .batch_case = LNOB__V1__ENVELOPE__BODY_MIS,
    .record_case = LNOB__V1__ENVELOPE__BODY_MIS, /* harmonised at the ingester: batches go on as they are */
    .ingest_opts = s_ingest_opts,
    .ingest_cfg_size = sizeof(lnob_mis_ingest_cfg_t),
    .run_opts = s_run_opts,
    .usage = "--mis FILE... --pseudonym-key FILE",
    .start = lnob_mis_start,
    .stop = lnob_mis_stop,
    .files = s_files,
    .file_role = s_file_role,
    .watching = s_watching,
    .watch = lnob_mis_watch,
    .plan = lnob_mis_plan,
    .send = lnob_mis_extract_send,
    .compute = lnob_mis_compute,
    .carry = s_carry,
    .keep_free = lnob_mis_year_free,
    .report = s_report,
    .replay = lnob_mis_replay,
};
