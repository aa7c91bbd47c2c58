/* silc_extract.c - SILC extracts from one file, merged files or four UDB files (silc_extract.h). */
#include "silc_extract.h"

#include <czmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "lnob/clock.h"
#include "lnob/log.h"
#include "lnob/statfile.h"
#include "lnob/mem.h"
#include "lnob/version.h"
#include "rejects.h"
#include "silc.h"
#include "silc_cut.h"
#include "udb4.h"

#define LOAD_POLL_MS 50 /* how often the wait for the loading threads beats */

#define DIALECTS_MAX 480 /* how the four files were read, for the notes */

/* --decimal-comma (the kind's option) */
static int s_decimal_comma(const lnob_plan_t *plan)
{
    return ((const lnob_silc_ingest_cfg_t *) plan->kind_cfg)->decimal_comma;
}

/* Whether a file of plan may be cut for the transformers (--parse-in). */
static int s_may_cut(const lnob_plan_t *plan, const char *path)
{
    const lnob_silc_ingest_cfg_t *cfg = plan->kind_cfg;
    return !strcmp(cfg->parse_in, "transform") && !cfg->decimal_comma && !lnob_statfile_kind(path);
}

static int s_emit(void *arg, Lnob__V1__Batch *batch)
{
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_BATCH;
    env.batch = batch;
    lnob_debug("batch %s #%u: %u records, %zu rejects", batch->extract_id, batch->seq,
               batch->record_count, batch->n_rejects);
    return lnob_ingest_send_batch(arg, batch->extract_id, batch->seq, &env);
}

static void s_join_summary(const lnob_udb4_t *join, char *out, size_t cap)
{
    size_t len = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        len += (size_t) snprintf(out + len, cap - len, "%s %llu rows, ", lnob_udb4_names[f],
                                 (unsigned long long) lnob_udb4_rows(join, f));
    snprintf(out + len, cap - len, "%llu households without interview (D rows, DB135 != 1)",
             (unsigned long long) lnob_udb4_nonresponse(join));
}

/* What an ExtractEnd says of the rows: the parser's counts, or a cut
 * file's (its rows parsed by the transformers: notes from their Runs). */
typedef struct {
    const char *id, *period, *header, *notes;
    uint32_t batches;
    uint64_t rows_read, records;
    int notes_from_runs;
} end_rows_t;

static end_rows_t s_parsed_rows(lnob_silc_t *p)
{
    return (end_rows_t){lnob_silc_extract_id(p), lnob_silc_period(p), lnob_silc_header(p), lnob_silc_notes(p),
                        lnob_silc_batches(p), lnob_silc_rows_read(p), lnob_silc_records(p), 0};
}

/* Sends the ExtractEnd; join is NULL for a single file, else the set's
 * join (its counts and each file's header go into the metadata). */
static int s_send_end(lnob_ingest_ctx_t *ctx, end_rows_t x, const lnob_plan_t *plan, const char *checksum,
                      size_t bytes, int64_t started, const lnob_udb4_t *join)
{
    const char *path = plan->source;
    char join_text[256] = "";
    if (join)
        s_join_summary(join, join_text, sizeof join_text);
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.inputs = (char *) plan->inputs;
    e.join = join_text;
    e.headers = join ? lnob_udb4_headers(join) : (char *) "";
    e.extract_id = (char *) x.id;
    e.run_id = (char *) ctx->cfg->run_id;
    e.channel = (char *) ctx->cfg->channel;
    e.batch_count = x.batches;
    e.rows_read = x.rows_read;
    e.record_count = x.records;
    e.source = (char *) path;
    e.checksum = (char *) checksum;
    e.period = (char *) x.period;
    e.bytes = bytes;
    e.started_ms = started;
    e.finished_ms = lnob_now_ms();
    e.code_version = LNOB_VERSION;
    lnob_ingest_end_ceiling(ctx->cfg, &e);
    e.header = (char *) x.header;
    e.notes = (char *) x.notes;
    e.notes_from_runs = x.notes_from_runs;
    if (*e.notes)
        lnob_warn("%s: %s", path, e.notes);
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    if (x.notes_from_runs)
        lnob_info("%s: extract %s sent: %u ranges of %llu rows, for the transformers to parse", path,
                  e.extract_id, e.batch_count, (unsigned long long) e.rows_read);
    else
        lnob_info("%s: extract %s sent: %llu rows read, %llu accepted, %u batches", path, e.extract_id,
                  (unsigned long long) e.rows_read, (unsigned long long) e.record_count, e.batch_count);
    int rc = lnob_ingest_send(ctx, &env);
    if (join)
        free(e.headers);
    return rc;
}

/* The parse of one file: its parser, and the worker whose heartbeat goes
 * on while the file is read (a file may take longer than --silent-ms). */
typedef struct {
    lnob_silc_t *p;
    lnob_ingest_ctx_t *ctx;
} feed_t;

static int s_feed(void *arg, const char *chunk, size_t n)
{
    feed_t *f = arg;
    lnob_beat_tick(f->ctx->beat);
    return zsys_interrupted ? LNOB_CLOSED : lnob_silc_feed(f->p, chunk, n);
}

static int s_join_row(void *arg, const lnob_csv_row_t *row);

/* Parses the file into p, holding it to the sum of its first read; err
 * (and reason) are set when the file itself could not be read. */
static int s_parse(lnob_ingest_ctx_t *ctx, lnob_silc_t *p, const char *path, const lnob_input_sum_t *sum,
                   const char **reason, char *err, size_t cap)
{
    feed_t f = {p, ctx};
    int rc = lnob_statfile_kind(path) ? lnob_input_rows(path, s_join_row, p, NULL, sum, reason, err, cap)
                                      : lnob_input_read(path, s_feed, &f, NULL, sum, reason, err, cap);
    return rc == LNOB_OK ? lnob_silc_finish(p) : rc;
}

/* ---- a file cut into ranges for the transformers (silc_cut.h) ------------------ */

typedef struct {
    lnob_ingest_ctx_t *ctx;
    const lnob_plan_t *plan;
    lnob_silc_cut_t *cut;
    const char *id, *checksum;
} cut_send_t;

static int s_send_range(void *arg, uint32_t seq, uint64_t first_line, uint32_t rows, const char *data, size_t len)
{
    cut_send_t *c = arg;
    lnob_beat_tick(c->ctx->beat);
    if (zsys_interrupted)
        return LNOB_CLOSED;
    Lnob__V1__Range r = LNOB__V1__RANGE__INIT;
    size_t header_len;
    r.header.data = (uint8_t *) lnob_silc_cut_header_bytes(c->cut, &header_len);
    r.header.len = header_len;
    r.extract_id = (char *) c->id;
    r.seq = seq;
    r.run_id = (char *) c->ctx->cfg->run_id;
    r.source = (char *) c->plan->files[0];
    r.checksum = (char *) c->checksum;
    r.period = (char *) lnob_silc_cut_period(c->cut);
    r.channel = (char *) c->ctx->cfg->channel;
    r.first_line = first_line;
    r.rows = rows;
    r.data.data = (uint8_t *) data;
    r.data.len = len;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_RANGE;
    env.range = &r;
    return lnob_ingest_send_batch(c->ctx, c->id, seq, &env);
}

/* The second read of a cut file sends its ranges as planned, held to the
 * first read's sum, then the ExtractEnd. */
static int s_extract_cut(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, lnob_silc_cut_t *cut,
                         const lnob_input_sum_t *sum, int64_t started, char *id, size_t cap)
{
    const char *path = plan->files[0], *period = lnob_silc_cut_period(cut), *reason = "FILE_CHANGED";
    char err[LNOB_ERRSTR_MAX] = "";
    lnob_ingest_extract_id(ctx, id, cap, "silc", period, sum->hex);
    lnob_info("%s: cut into %u ranges for the transformers to parse", path, lnob_silc_cut_ranges(cut));
    cut_send_t c = {ctx, plan, cut, id, sum->hex};
    lnob_silc_cut_start(cut, s_send_range, &c);
    int rc = lnob_input_read(path, lnob_silc_cut_send, cut, NULL, sum, &reason, err, sizeof err);
    if (rc == LNOB_OK && (rc = lnob_silc_cut_finish(cut)) == LNOB_ERR && !*err)
        snprintf(err, sizeof err, "%.150s gave other lines on its second read than on its first", path);
    if (rc == LNOB_ERR)
        return lnob_ingest_send_failed(ctx, plan, id, reason, err, sum->hex, period);
    if (rc != LNOB_OK)
        return rc;
    end_rows_t x = {id, period, lnob_silc_cut_header_row(cut), "", lnob_silc_cut_ranges(cut),
                    lnob_silc_cut_rows(cut), 0, 1};
    return s_send_end(ctx, x, plan, sum->hex, sum->bytes, started, NULL);
}

/* Sends one file's extract: cut into ranges when it can be (silc_cut.h),
 * else parsed here: the batches the aggregator does not hold, then its
 * ExtractEnd or ExtractFailed; writes the extract id to id. */
static int s_extract_single(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap)
{
    int64_t started = lnob_now_ms();
    const char *path = plan->files[0], *reason = "UNREADABLE", *why = "";
    char err[LNOB_ERRSTR_MAX], checksum[HEX_SHA256];
    lnob_input_sum_t sum;
    lnob_silc_cut_t *cut = NULL;
    if (s_may_cut(plan, path))
        cut = lnob_silc_cut_new(ctx->geo, (size_t) ctx->cfg->batch_size);
    if (lnob_input_read(path, cut ? lnob_silc_cut_plan : NULL, cut, &sum, NULL, &reason, err, sizeof err) != LNOB_OK) {
        lnob_silc_cut_destroy(&cut);
        lnob_ingest_checksum_text(path, checksum);
        lnob_ingest_extract_id(ctx, id, cap, "silc", "unreadable", checksum);
        return lnob_ingest_send_failed(ctx, plan, id, reason, err, "", "unknown");
    }
    memcpy(checksum, sum.hex, sizeof checksum);
    lnob_info("%s: %zu bytes, sha256 %.16s; reading its rows", path, sum.bytes, checksum);
    if (lnob_ingest_same_content(ctx, plan, checksum) != LNOB_OK) {
        lnob_silc_cut_destroy(&cut);
        return lnob_ingest_send_failed(ctx, plan, ctx->first_id, "FILE_CHANGED", ctx->changed, checksum, "unknown");
    }
    if (cut && lnob_silc_cut_ok(cut, &why)) {
        int rc = s_extract_cut(ctx, plan, cut, &sum, started, id, cap);
        lnob_silc_cut_destroy(&cut);
        return rc;
    }
    if (cut)
        lnob_info("%s: parsed here, not cut for the transformers: %s", path, why);
    lnob_silc_cut_destroy(&cut);
    lnob_silc_opts_t o = {.source = path, .checksum = checksum, .run_id = ctx->cfg->run_id,
                          .batch_size = (size_t) ctx->cfg->batch_size, .geo = ctx->geo,
                          .emit = s_emit, .arg = ctx, .decimal_comma = s_decimal_comma(plan),
                          .channel = ctx->cfg->channel};
    lnob_silc_t *p = lnob_silc_new(&o);
    int rc = s_parse(ctx, p, path, &sum, &reason, err, sizeof err);
    snprintf(id, cap, "%s", lnob_silc_extract_id(p));
    if (rc == LNOB_ERR && *err) { /* the file could not be read, or changed */
        if (!*id)
            lnob_ingest_extract_id(ctx, id, cap, "silc", "unknown", checksum);
        const char *period = *lnob_silc_period(p) ? lnob_silc_period(p) : "unknown";
        rc = lnob_ingest_send_failed(ctx, plan, id, reason, err, checksum, period);
    } else if (rc == LNOB_ERR && !*id) {
        lnob_ingest_extract_id(ctx, id, cap, "silc", "unknown", checksum);
        rc = lnob_ingest_send_failed(ctx, plan, id, lnob_silc_reason(p), lnob_silc_errstr(p), checksum,
                           "unknown");
    } else if (rc == LNOB_ERR)
        rc = lnob_ingest_send_failed(ctx, plan, lnob_silc_extract_id(p), lnob_silc_reason(p),
                           lnob_silc_errstr(p), checksum, lnob_silc_period(p));
    else if (rc == LNOB_OK)
        rc = s_send_end(ctx, s_parsed_rows(p), plan, checksum, sum.bytes, started, NULL);
    lnob_silc_destroy(&p);
    return rc;
}

/* ---- the four UDB files of a year ----------------------------------------- */

static int s_load_row(void *feed, const lnob_csv_row_t *row)
{
    return zsys_interrupted ? LNOB_CLOSED : lnob_udb4_feed_row(feed, row);
}

static int s_join_row(void *arg, const lnob_csv_row_t *row)
{
    return zsys_interrupted ? LNOB_CLOSED : lnob_silc_row(arg, row);
}

static int s_join_reject(void *arg, const lnob_udb4_reject_t *r)
{
    return lnob_silc_reject(arg, (uint32_t) r->file + 1, r->source, r->line, r->field, r->reason,
                            r->detail, r->raw);
}

static void s_join_where(void *arg, size_t field, char *buf, size_t cap)
{
    lnob_udb4_where(arg, field, buf, cap);
}

/* One file of a set, read by its own thread: first its checksum and
 * order (join's scan), then its rows into join, held to that first read. */
typedef struct {
    const char *path;
    lnob_udb4_t *join;      /* NULL: checksum only (the set cannot be joined) */
    int file;
    int feeding;            /* the second read: rows into join */
    lnob_input_sum_t sum;   /* of the first read */
    int rc;                 /* LNOB_OK; LNOB_ERR with err (or the join's errstr) */
    const char *reason;     /* why the file could not be read */
    char err[LNOB_ERRSTR_MAX];
    atomic_int done;        /* the thread has finished */
} load_t;

static void *s_read_file(void *arg)
{
    load_t *l = arg;
    lnob_udb4_feed_t ld = {l->join, l->file};
    if (l->feeding) {
        l->rc = lnob_input_rows(l->path, s_load_row, &ld, NULL, &l->sum, &l->reason, l->err, sizeof l->err);
        lnob_udb4_end(l->join, l->file, l->rc);
    } else if (l->join)
        l->rc = lnob_input_rows(l->path, lnob_udb4_scan_row, &ld, &l->sum, NULL, &l->reason, l->err,
                                sizeof l->err);
    else
        l->rc = lnob_input_read(l->path, NULL, NULL, &l->sum, NULL, &l->reason, l->err, sizeof l->err);
    atomic_store(&l->done, 1);
    return NULL;
}

/* Starts a thread for each file of the set. When no thread is to be had,
 * the first read is made here; a feeder cannot be (the join waits for it
 * in this thread), so its file fails. */
static void s_start_reads(load_t *l, pthread_t *th, int *started)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        started[f] = 0;
        atomic_store(&l[f].done, 0);
        if (l[f].path)
            started[f] = pthread_create(&th[f], NULL, s_read_file, &l[f]) == 0;
        if (!l[f].path || started[f])
            continue;
        if (!l[f].feeding) {
            s_read_file(&l[f]);
            continue;
        }
        l[f].rc = LNOB_ERR;
        l[f].reason = "UNREADABLE";
        snprintf(l[f].err, sizeof l[f].err, "%s: no thread could be started to read it", l[f].path);
        lnob_udb4_end(l[f].join, l[f].file, LNOB_ERR);
    }
}

/* Waits for the reading threads, the heartbeat going on meanwhile (a
 * year's files may take longer to read than --silent-ms). */
static void s_await_reads(load_t *l, pthread_t *th, const int *started, lnob_beat_t *beat)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        while (started[f] && !atomic_load(&l[f].done)) {
            lnob_beat_tick(beat);
            zclock_sleep(LOAD_POLL_MS);
        }
        if (started[f])
            pthread_join(th[f], NULL);
    }
}

/* How the files of a set were read, for the extract's notes ("" when
 * every one was UTF-8 with commas); 1 if one of them was ';'-separated
 * (its numbers may have a decimal comma). */
static int s_set_dialects(const load_t *l, char *notes, size_t cap)
{
    int semicolon = 0;
    size_t o = 0;
    notes[0] = '\0';
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        semicolon |= l[f].sum.delimiter == ';';
        if (l[f].path && l[f].sum.dialect[0] && o < cap)
            o += (size_t) snprintf(notes + o, cap - o, "%s%s: %s", o ? "; " : "", lnob_udb4_names[f],
                                   l[f].sum.dialect);
    }
    return semicolon;
}

/* The first file's error of a read of the set: LNOB_OK, or LNOB_ERR with
 * reason and err (a header the join refused speaks through the join). */
static int s_read_error(const load_t *l, const lnob_udb4_t *join, const char **reason, char *err, size_t cap)
{
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        if (!l[f].path || l[f].rc == LNOB_OK || l[f].rc == LNOB_CLOSED)
            continue;
        if (join && *lnob_udb4_errstr(join)) {
            *reason = lnob_udb4_reason(join);
            snprintf(err, cap, "%s", lnob_udb4_errstr(join));
        } else {
            *reason = l[f].reason;
            snprintf(err, cap, "%s", l[f].err);
        }
        return LNOB_ERR;
    }
    return LNOB_OK;
}

/* The first read of the set: each file's checksum and (join set) order,
 * a thread per file (checksum and CSV parsing are most of the ingester's
 * work, and the files are independent). The set's checksum is the sha256
 * of the files' sha256s, D to P. Returns LNOB_OK, or the first file's
 * error with reason and err. */
static int s_scan_set(const lnob_plan_t *plan, load_t *l, lnob_beat_t *beat, char *checksum, size_t *bytes,
                      const char **reason, char *err, size_t cap)
{
    pthread_t th[LNOB_UDB4_FILES];
    int started[LNOB_UDB4_FILES];
    s_start_reads(l, th, started);
    s_await_reads(l, th, started, beat);
    char all[LNOB_UDB4_FILES * HEX_SHA256] = "";
    *bytes = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (plan->files[f]) {
            strcat(all, l[f].sum.hex);
            *bytes += l[f].sum.bytes;
        }
    lnob_ingest_checksum_text(all, checksum);
    return s_read_error(l, NULL, reason, err, cap);
}

static int s_join_idle(void *arg)
{
    lnob_ingest_ctx_t *ctx = arg;
    lnob_beat_tick(ctx->beat);
    return zsys_interrupted ? LNOB_CLOSED : LNOB_OK;
}

typedef struct {
    lnob_silc_t *p;
    lnob_ingest_ctx_t *ctx;
} join_out_t;

static int s_join_out_row(void *arg, const lnob_csv_row_t *row)
{
    join_out_t *jo = arg;
    lnob_beat_tick(jo->ctx->beat); /* a long join between two batches still beats */
    return s_join_row(jo->p, row);
}

static int s_join_out_reject(void *arg, const lnob_udb4_reject_t *r)
{
    return s_join_reject(((join_out_t *) arg)->p, r);
}

static int s_join_out_idle(void *arg)
{
    return s_join_idle(((join_out_t *) arg)->ctx);
}

/* The second read of the set, joined as it is read: the files feed the
 * join from their threads (streamed when all are in household order) and
 * the join sends to p. Returns as lnob_udb4_join, or a file's error with
 * reason and err. */
static int s_join_set(lnob_ingest_ctx_t *ctx, load_t *l, lnob_udb4_t *join, lnob_silc_t *p, size_t bytes,
                      const char **reason, char *err, size_t cap)
{
    const char *how = lnob_udb4_choose(join, bytes);
    lnob_info("%s: the files are %s", l[LNOB_UDB4_R].path, how);
    pthread_t th[LNOB_UDB4_FILES];
    int started[LNOB_UDB4_FILES];
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        l[f].feeding = 1, l[f].rc = LNOB_OK;
    s_start_reads(l, th, started);
    join_out_t jo = {p, ctx};
    lnob_udb4_out_t out = {s_join_out_row, s_join_out_reject, &jo, s_join_out_idle};
    int rc = lnob_udb4_join(join, &out);
    if (rc != LNOB_OK)
        lnob_udb4_abort(join);
    s_await_reads(l, th, started, ctx->beat);
    if (s_read_error(l, join, reason, err, cap) != LNOB_OK)
        return LNOB_ERR;
    return rc;
}

/* Joins the set and sends it like a single file's extract. */
static int s_extract_set(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap)
{
    int64_t started = lnob_now_ms();
    char err[LNOB_ERRSTR_MAX] = "", checksum[HEX_SHA256], period[16];
    const char *reason = "MISSING_FILE";
    size_t bytes;
    snprintf(period, sizeof period, "%d", plan->year);
    if (plan->year < 0)
        snprintf(period, sizeof period, "unknown");
    int missing = !plan->files[LNOB_UDB4_D] || !plan->files[LNOB_UDB4_H] || !plan->files[LNOB_UDB4_R];
    lnob_udb4_t *join = missing ? NULL : lnob_udb4_new(plan->files, plan->year);
    load_t l[LNOB_UDB4_FILES];
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        l[f] = (load_t){.path = plan->files[f], .join = join, .file = f, .reason = "UNREADABLE"};
    int64_t t_load = lnob_mono_us();
    int rc = s_scan_set(plan, l, ctx->beat, checksum, &bytes, &reason, err, sizeof err);
    lnob_debug("%s: first read in %lld ms", plan->source, (long long) (lnob_mono_us() - t_load) / 1000);
    lnob_ingest_extract_id(ctx, id, cap, "silc", period, checksum);
    if (rc == LNOB_OK && lnob_ingest_same_content(ctx, plan, checksum) != LNOB_OK) {
        lnob_udb4_destroy(&join);
        return lnob_ingest_send_failed(ctx, plan, id, "FILE_CHANGED", ctx->changed, checksum, period);
    }
    for (int f = 0; f < LNOB_UDB4_P && missing && rc == LNOB_OK; f++)
        if (!plan->files[f]) {
            snprintf(err, sizeof err, "the UDB files of %s (%.150s) have no %s file", period,
                     plan->source, lnob_udb4_names[f]);
            rc = LNOB_ERR;
        }
    if (rc == LNOB_ERR) {
        lnob_udb4_destroy(&join);
        return lnob_ingest_send_failed(ctx, plan, id, reason, err, checksum, period);
    }
    char dialects[DIALECTS_MAX];
    int semicolon = s_set_dialects(l, dialects, sizeof dialects);
    lnob_silc_opts_t o = {.source = plan->files[LNOB_UDB4_R], .checksum = checksum,
                          .run_id = ctx->cfg->run_id, .batch_size = (size_t) ctx->cfg->batch_size,
                          .geo = ctx->geo, .emit = s_emit, .arg = ctx,
                          .file = LNOB_UDB4_R + 1, .where = s_join_where, .where_arg = join,
                          .decimal_comma = s_decimal_comma(plan) || semicolon, .dialect_notes = dialects,
                          .channel = ctx->cfg->channel};
    lnob_silc_t *p = lnob_silc_new(&o);
    err[0] = '\0';
    rc = s_join_set(ctx, l, join, p, bytes, &reason, err, sizeof err);
    if (rc == LNOB_OK)
        rc = lnob_silc_finish(p);
    lnob_debug("%s: read, joined, validated and sent in %lld ms", plan->source,
               (long long) (lnob_mono_us() - t_load) / 1000);
    if (*lnob_silc_extract_id(p))
        snprintf(id, cap, "%s", lnob_silc_extract_id(p));
    if (rc == LNOB_ERR && !*err) { /* the join's or the parser's own error */
        int joined = *lnob_udb4_errstr(join) != '\0';
        reason = joined ? lnob_udb4_reason(join) : lnob_silc_reason(p);
        snprintf(err, sizeof err, "%s", joined ? lnob_udb4_errstr(join) : lnob_silc_errstr(p));
    }
    if (rc == LNOB_ERR)
        rc = lnob_ingest_send_failed(ctx, plan, id, reason, err, checksum, period);
    else if (rc == LNOB_OK)
        rc = s_send_end(ctx, s_parsed_rows(p), plan, checksum, bytes, started, join);
    lnob_silc_destroy(&p);
    lnob_udb4_destroy(&join);
    return rc;
}


/* ---- merged files of one year read as one (--combine) ------------------------ */

/* The row feed of one of them: the first file's rows as they are; a later
 * file's header row is checked against the first's and left out. */
typedef struct {
    lnob_silc_t *p;
    lnob_ingest_ctx_t *ctx;
    int first_file, header_seen, mismatch;
} merged_feed_t;

static int s_merged_row(void *arg, const lnob_csv_row_t *row)
{
    merged_feed_t *f = arg;
    lnob_beat_tick(f->ctx->beat); /* at most one beat an interval: a clock read per row */
    if (zsys_interrupted)
        return LNOB_CLOSED;
    if (f->first_file || f->header_seen)
        return lnob_silc_row(f->p, row);
    f->header_seen = 1;
    char *text = lnob_malloc(LNOB_REJECT_RAW_MAX);
    lnob_csv_format_row(row, ',', text, LNOB_REJECT_RAW_MAX);
    f->mismatch = strcmp(text, lnob_silc_header(f->p)) != 0;
    free(text);
    return f->mismatch ? LNOB_ERR : LNOB_OK;
}

/* The files' checksum: the sha256 of their sha256s, in the order given;
 * each file's sum in sums[i]. */
static int s_merged_checksum(const lnob_plan_t *plan, lnob_input_sum_t *sums, char *checksum, size_t *bytes,
                             const char **reason, char *err, size_t cap)
{
    char *all = lnob_calloc(plan->n_files + 1, HEX_SHA256);
    int rc = LNOB_OK;
    *bytes = 0;
    for (size_t i = 0; i < plan->n_files && rc == LNOB_OK; i++) {
        rc = lnob_input_read(plan->files[i], NULL, NULL, &sums[i], NULL, reason, err, cap);
        strcat(all, rc == LNOB_OK ? sums[i].hex : "unreadable");
        *bytes += sums[i].bytes;
    }
    lnob_ingest_checksum_text(all, checksum);
    free(all);
    return rc;
}

/* Feeds the rows of every file to p, each file held to the sum of its
 * first read; *at is then the number of files begun. */
static int s_merged_rows(const lnob_plan_t *plan, const lnob_input_sum_t *sums, merged_feed_t *f, size_t *at,
                         const char **reason, char *err, size_t cap)
{
    int rc = LNOB_OK;
    for (*at = 0; *at < plan->n_files && rc == LNOB_OK; (*at)++) {
        const char *path = plan->files[*at];
        lnob_input_sum_t now;
        *f = (merged_feed_t){f->p, f->ctx, *at == 0, 0, 0};
        lnob_silc_source(f->p, path);
        rc = lnob_input_rows(path, s_merged_row, f, &now, NULL, reason, err, cap);
        if (rc == LNOB_OK && strcmp(now.hex, sums[*at].hex) != 0) {
            *reason = "FILE_CHANGED";
            snprintf(err, cap, "%.150s changed while it was read (sha256 %.12s..., was %.12s...)", path,
                     now.hex, sums[*at].hex);
            rc = LNOB_ERR;
        }
    }
    return rc;
}

static int s_extract_merged(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap)
{
    int64_t started = lnob_now_ms();
    char err[LNOB_ERRSTR_MAX] = "", checksum[HEX_SHA256], period[16];
    const char *reason = "UNREADABLE";
    size_t bytes, at = 0;
    lnob_input_sum_t *sums = lnob_calloc(plan->n_files, sizeof *sums);
    snprintf(period, sizeof period, "%d", plan->year);
    int rc = s_merged_checksum(plan, sums, checksum, &bytes, &reason, err, sizeof err);
    lnob_ingest_extract_id(ctx, id, cap, "silc", period, checksum);
    if (rc == LNOB_OK && lnob_ingest_same_content(ctx, plan, checksum) != LNOB_OK) {
        free(sums);
        return lnob_ingest_send_failed(ctx, plan, ctx->first_id, "FILE_CHANGED", ctx->changed, checksum, period);
    }
    if (rc != LNOB_OK) {
        free(sums);
        return lnob_ingest_send_failed(ctx, plan, id, reason, err, checksum, period);
    }
    lnob_silc_opts_t o = {.source = plan->files[0], .checksum = checksum, .run_id = ctx->cfg->run_id,
                          .batch_size = (size_t) ctx->cfg->batch_size, .geo = ctx->geo,
                          .emit = s_emit, .arg = ctx, .channel = ctx->cfg->channel};
    lnob_silc_t *p = lnob_silc_new(&o);
    merged_feed_t f = {p, ctx, 1, 0, 0};
    rc = s_merged_rows(plan, sums, &f, &at, &reason, err, sizeof err);
    if (rc == LNOB_OK)
        rc = lnob_silc_finish(p);
    if (*lnob_silc_extract_id(p))
        snprintf(id, cap, "%s", lnob_silc_extract_id(p));
    if (rc == LNOB_ERR && f.mismatch) {
        reason = "HEADER_MISMATCH";
        snprintf(err, sizeof err, "%.70s does not have the header row of %.70s: files read as one "
                 "extract (--combine) need the same columns in one order", plan->files[at - 1], plan->files[0]);
    }
    if (rc == LNOB_ERR)
        rc = lnob_ingest_send_failed(ctx, plan, id, *err ? reason : lnob_silc_reason(p),
                                     *err ? err : lnob_silc_errstr(p), checksum, period);
    else if (rc == LNOB_OK)
        rc = s_send_end(ctx, s_parsed_rows(p), plan, checksum, bytes, started, NULL);
    lnob_silc_destroy(&p);
    free(sums);
    return rc;
}

int lnob_silc_extract_send(lnob_ingest_ctx_t *ctx, const lnob_plan_t *plan, char *id, size_t cap)
{
    if (plan->form == LNOB_SILC_MERGED)
        return s_extract_merged(ctx, plan, id, cap);
    return plan->form == LNOB_SILC_FILE ? s_extract_single(ctx, plan, id, cap) : s_extract_set(ctx, plan, id, cap);
}
