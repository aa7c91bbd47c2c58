/* main.c - lnob-ingest: reads SILC extracts and pushes validated batches.
 *
 * It first groups the input files into extracts: a merged file is one; the
 * D, H, R and P UDB files of a year are one, joined (udb4.h) into merged
 * rows. For each extract: checksum it (sha256, the extract id), parse it with
 * the SILC source, push every batch to the transformers (blocking when
 * their queues are full: backpressure, not buffering), then close the
 * extract with an ExtractEnd stating how many batches were sent, or an
 * ExtractFailed when the file cannot be used at all. Then it asks the
 * aggregator (ack.h) until the extract is stored, parsing the file again
 * to send what went missing; batches the aggregator already holds are
 * never sent again, so a restarted ingester resumes (docs/delivery.md).
 * Exits 0 when every file is stored, or at SIGTERM. */
#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/clock.h"
#include "lnob/config.h"
#include "lnob/log.h"
#include "lnob/mem.h"
#include "lnob/mis_codes.h"
#include "lnob/num.h"
#include "lnob/sock.h"
#include "lnob/statfile.h"
#include "lnob/version.h"
#include "ack.h"
#include "input.h"
#include "mis.h"
#include "pseudonym.h"
#include "silc.h"
#include "udb4.h"
#include "wire.h"

#define FEED_CHUNK (1u << 20)  /* bytes fed per step, so signals are seen */
#define HEX_SHA256 (crypto_hash_sha256_BYTES * 2 + 1)
#define EXTRACT_ID_CAP 128
#define INPUTS_MAX 65536       /* bytes of an extract's input list */

/* What one extract is made of: one file, or the UDB files of one year. */
typedef struct {
    const char *file;                       /* a single file, or NULL */
    const char *const *mis;                 /* MIS exports (n_mis), or NULL */
    const char **mis_files;                 /* owned array behind mis */
    size_t n_mis;
    const char *udb[LNOB_UDB4_FILES];       /* the four-file set (P may be NULL) */
    int year;
    char source[INPUTS_MAX];                /* "D.csv + H.csv + R.csv + P.csv" */
    char inputs[INPUTS_MAX];                /* "D=D.csv\nH=H.csv..." ("" single) */
} plan_t;

typedef struct {
    lnob_strlist_t silc;    /* input files */
    lnob_strlist_t mis;     /* municipal MIS exports: together one extract */
    const char *pseudonym_key; /* the file holding the person-key secret */
    long period;            /* MIS reference year; 0: the year of the latest start date */
    const char *population; /* MIS: residents per municipality (mun_code,year,pop_1jan), or NULL */
    const char *service_set; /* MIS SERVICE_SET: services that count ("" every one present) */
    const char *vuln_groups; /* MIS VULN_GROUPS ("" all of spec §6.4) */
    const char *watch;      /* drop folder of MIS exports, or NULL */
    long watch_ms;          /* how often to look into it */
    const char *push;       /* endpoint(s) for batches */
    long batch_size;        /* accepted rows per batch */
    long hwm;               /* queue bound, messages */
    long linger_ms;         /* delivery time allowed at close */
    long drain_ms;          /* without control: time connected after the last send */
    const char *control;    /* the aggregator's control endpoint, or "none" */
    long poll_ms;           /* how often to ask for progress */
    long redeliver_ms;      /* no progress this long: send the missing batches */
    long ack_timeout_s;     /* no answer this long: give up */
    const char *run_id;     /* tag for this session */
    const char *log_level;  /* error|warn|info|debug */
    const char *instance;   /* name in log lines */
} cfg_t;

static const lnob_opt_t s_opts[] = {
    {"silc", "LNOB_INGEST_SILC", LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(cfg_t, silc),
     "SILC files to ingest: merged person-level, or the D, H, R and P UDB files of a year"},
    {"mis", "LNOB_INGEST_MIS", LNOB_OPT_LIST, NULL, 0, 0, NULL, offsetof(cfg_t, mis),
     "municipal social-care MIS exports, read together as one extract (docs/mis.md)"},
    {"pseudonym-key", "LNOB_PSEUDONYM_KEY_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,
     offsetof(cfg_t, pseudonym_key), "file with the secret key for person keys (needed with --mis)"},
    {"period", "LNOB_MIS_PERIOD", LNOB_OPT_INT, "0", 0, 2100, NULL, offsetof(cfg_t, period),
     "MIS reference year (0: the year of the latest start date)"},
    {"population", "LNOB_MIS_POPULATION", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, population),
     "CSV mun_code,year,pop_1jan: residents for mis_rate1000 (default Census 2023 where known)"},
    {"service-set", "LNOB_MIS_SERVICE_SET", LNOB_OPT_STR, "", 0, 0, NULL, offsetof(cfg_t, service_set),
     "SERVICE_SET: the service codes that count, comma-separated (default every one present)"},
    {"vuln-groups", "LNOB_MIS_VULN_GROUPS", LNOB_OPT_STR, "", 0, 0, NULL, offsetof(cfg_t, vuln_groups),
     "VULN_GROUPS: groups that make a person vulnerable (DIS,RE,ROMA,EGY,ELD,VAW,CHI; default all)"},
    {"watch", "LNOB_INGEST_WATCH", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, watch),
     "drop folder of MIS exports: take each file renamed into it, then move it to done/ or failed/"},
    {"watch-ms", "LNOB_INGEST_WATCH_MS", LNOB_OPT_INT, "200", 10, 60000, NULL,
     offsetof(cfg_t, watch_ms), "how often to look into the drop folder"},
    {"push", "LNOB_INGEST_PUSH", LNOB_OPT_STR, "@tcp://0.0.0.0:5555", 0, 0, NULL,
     offsetof(cfg_t, push), "endpoint transformers pull batches from (@bind, >connect)"},
    {"batch-size", "LNOB_BATCH_SIZE", LNOB_OPT_INT, "8192", 1, 1000000, NULL,
     offsetof(cfg_t, batch_size), "accepted rows per batch message"},
    {"hwm", "LNOB_HWM", LNOB_OPT_INT, "8", 1, 10000, NULL, offsetof(cfg_t, hwm),
     "messages queued per peer before sending waits"},
    {"linger-ms", "LNOB_LINGER_MS", LNOB_OPT_INT, "5000", 0, 3600000, NULL,
     offsetof(cfg_t, linger_ms), "how long exit waits to deliver queued batches"},
    {"control", "LNOB_INGEST_CONTROL", LNOB_OPT_STR, ">tcp://127.0.0.1:5559", 0, 0, NULL,
     offsetof(cfg_t, control), "the aggregator's control endpoint (none: send and exit, unacknowledged)"},
    {"poll-ms", "LNOB_INGEST_POLL_MS", LNOB_OPT_INT, "300", 10, 60000, NULL,
     offsetof(cfg_t, poll_ms), "how often to ask the aggregator for progress"},
    {"redeliver-ms", "LNOB_INGEST_REDELIVER_MS", LNOB_OPT_INT, "2000", 100, 3600000, NULL,
     offsetof(cfg_t, redeliver_ms), "no progress this long: send the missing batches again"},
    {"ack-timeout-s", "LNOB_INGEST_ACK_TIMEOUT_S", LNOB_OPT_INT, "600", 1, 864000, NULL,
     offsetof(cfg_t, ack_timeout_s), "no answer from the aggregator this long: give up (exit 1)"},
    {"drain-ms", "LNOB_INGEST_DRAIN_MS", LNOB_OPT_INT, "3000", 0, 3600000, NULL,
     offsetof(cfg_t, drain_ms), "with --control none: time to stay connected after the last send"},
    {"run-id", "LNOB_RUN_ID", LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(cfg_t, run_id),
     "tag carried by every message (default host-pid-time)"},
    {"log-level", "LNOB_LOG_LEVEL", LNOB_OPT_STR, "info", 0, 0, "error|warn|info|debug",
     offsetof(cfg_t, log_level), "log verbosity"},
    {"instance", "LNOB_INSTANCE", LNOB_OPT_STR, "", 0, 0, NULL, offsetof(cfg_t, instance),
     "instance name shown in log lines"},
    LNOB_OPT_END};

typedef struct {
    void *sock;           /* libzmq handle of the PUSH socket */
    const cfg_t *cfg;
    const lnob_geo_t *geo;
    lnob_ack_t *ack;      /* NULL without a control endpoint */
    int asked;            /* the aggregator was asked about this extract */
    uint64_t sent, skipped; /* batches */
    const lnob_pseudonym_t *pseudonym; /* person keys for MIS exports, or NULL */
} ctx_t;

/* Sends env, waiting through backpressure; fails only when interrupted. */
static int s_send(ctx_t *ctx, lnob_env_t *env)
{
    char why[LNOB_ERRSTR_MAX];
    for (;;) {
        int rc = lnob_wire_send(ctx->sock, env, why, sizeof why);
        if (rc == LNOB_OK)
            return LNOB_OK;
        if (rc != LNOB_AGAIN || zsys_interrupted) {
            lnob_error("cannot send: %s", zsys_interrupted ? "interrupted" : why);
            return LNOB_ERR;
        }
    }
}

/* Sends batch seq of an extract unless the aggregator holds it already
 * (asked once per extract: a restarted ingester resumes). */
static int s_send_batch(ctx_t *ctx, const char *extract_id, uint32_t seq, lnob_env_t *env)
{
    if (ctx->ack && !ctx->asked) {
        ctx->asked = 1; /* resume: what does the aggregator hold already? */
        lnob_ack_query(ctx->ack, extract_id, (int) ctx->cfg->poll_ms);
    }
    if (ctx->ack && lnob_ack_held(ctx->ack, seq)) {
        ctx->skipped++;
        return LNOB_OK;
    }
    ctx->sent++;
    return s_send(ctx, env);
}

static int s_emit(void *arg, Lnob__V1__Batch *batch)
{
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_BATCH;
    env.batch = batch;
    lnob_debug("batch %s #%u: %u records, %zu rejects", batch->extract_id, batch->seq,
               batch->record_count, batch->n_rejects);
    return s_send_batch(arg, batch->extract_id, batch->seq, &env);
}

static int s_send_failed(ctx_t *ctx, const plan_t *plan, const char *extract_id,
                         const char *reason, const char *detail, const char *checksum,
                         const char *period)
{
    const char *source = plan->source;
    Lnob__V1__ExtractFailed f = LNOB__V1__EXTRACT_FAILED__INIT;
    f.inputs = (char *) plan->inputs;
    f.extract_id = (char *) extract_id;
    f.run_id = (char *) ctx->cfg->run_id;
    f.source = (char *) source;
    f.reason = (char *) reason;
    f.detail = (char *) detail;
    f.checksum = (char *) checksum;
    f.period = (char *) period;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_FAILED;
    env.failed = &f;
    lnob_error("%s: extract %s failed: %s", source, extract_id, detail);
    return s_send(ctx, &env);
}

static void s_hex(const unsigned char *bin, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, bin, n);
}

/* Maps a file read-only; an empty file gives len 0 and NULL. */
static int s_map(const char *path, const char **buf, size_t *len, char *err, size_t cap)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, cap, "cannot open: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *len = (size_t) st.st_size;
    *buf = NULL;
    if (*len) {
        void *p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            snprintf(err, cap, "cannot map: %s", strerror(errno));
            close(fd);
            return -1;
        }
        madvise(p, *len, MADV_SEQUENTIAL);
        *buf = p;
    }
    close(fd);
    return 0;
}

static int s_send_end(ctx_t *ctx, lnob_silc_t *p, const plan_t *plan, const char *checksum,
                      size_t bytes, int64_t started, const char *join)
{
    const char *path = plan->source;
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.inputs = (char *) plan->inputs;
    e.join = (char *) join;
    e.extract_id = (char *) lnob_silc_extract_id(p);
    e.run_id = (char *) ctx->cfg->run_id;
    e.batch_count = lnob_silc_batches(p);
    e.rows_read = lnob_silc_rows_read(p);
    e.record_count = lnob_silc_records(p);
    e.source = (char *) path;
    e.checksum = (char *) checksum;
    e.period = (char *) lnob_silc_period(p);
    e.bytes = bytes;
    e.started_ms = started;
    e.finished_ms = lnob_now_ms();
    e.code_version = LNOB_VERSION;
    e.header = (char *) lnob_silc_header(p);
    e.notes = (char *) lnob_silc_notes(p);
    if (*e.notes)
        lnob_warn("%s: %s", path, e.notes);
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    lnob_info("%s: extract %s sent: %llu rows read, %llu accepted, %u batches", path,
              e.extract_id, (unsigned long long) e.rows_read,
              (unsigned long long) e.record_count, e.batch_count);
    return s_send(ctx, &env);
}

/* Drops mapped pages already read, so resident memory stays one chunk
 * deep instead of growing to the file's size (offsets are page-aligned). */
static void s_release(const char *buf, size_t off, size_t n)
{
    madvise((void *) (buf + off), n, MADV_DONTNEED);
}

/* sha256 of the input through OpenSSL's libcrypto, which uses the CPU's
 * SHA extensions: about 5 times libsodium's portable sha256 here, and the
 * checksum is a whole extra pass over the file (docs/BENCHMARKS.md). */
static void s_checksum(const char *buf, size_t len, char *hex)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (size_t off = 0; off < len; off += FEED_CHUNK) {
        size_t n = len - off < FEED_CHUNK ? len - off : FEED_CHUNK;
        EVP_DigestUpdate(ctx, buf + off, n);
        s_release(buf, off, n);
    }
    EVP_DigestFinal_ex(ctx, digest, &dlen);
    EVP_MD_CTX_free(ctx);
    s_hex(digest, dlen, hex);
}

static int s_parse(lnob_silc_t *p, const char *buf, size_t len)
{
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += FEED_CHUNK) {
        if (zsys_interrupted)
            return LNOB_CLOSED;
        size_t n = len - off < FEED_CHUNK ? len - off : FEED_CHUNK;
        rc = lnob_silc_feed(p, buf + off, n);
        s_release(buf, off, n);
    }
    return rc == LNOB_OK ? lnob_silc_finish(p) : rc;
}

/* An extract id from its kind, period and checksum (as the SILC source
 * makes them): "silc-2023-683dff889fe09848". */
static void s_id(char *id, size_t cap, const char *kind, const char *period, const char *checksum)
{
    snprintf(id, cap, "%s-%s-%.16s", kind, period, checksum);
}

static int s_join_row(void *arg, const lnob_csv_row_t *row);

/* Parses an SPSS or Stata file row by row; err is set when ReadStat fails. */
static int s_parse_rows(lnob_silc_t *p, const char *path, char *err, size_t cap)
{
    int rc = lnob_input_rows(path, s_join_row, p, err, cap);
    return rc == LNOB_OK ? lnob_silc_finish(p) : rc;
}

/* Sends one file's extract: the batches the aggregator does not hold, then
 * its ExtractEnd or ExtractFailed; writes the extract id to id. */
static int s_send_single(ctx_t *ctx, const plan_t *plan, char *id, size_t cap)
{
    int64_t started = lnob_now_ms();
    const char *buf, *path = plan->file;
    size_t len;
    char err[LNOB_ERRSTR_MAX], checksum[HEX_SHA256];
    unsigned char digest[crypto_hash_sha256_BYTES];
    if (s_map(path, &buf, &len, err, sizeof err) != 0) {
        crypto_hash_sha256(digest, (const unsigned char *) path, strlen(path));
        s_hex(digest, sizeof digest, checksum);
        s_id(id, cap, "silc", "unreadable", checksum);
        return s_send_failed(ctx, plan, id, "UNREADABLE", err, "", "unknown");
    }
    s_checksum(buf, len, checksum);
    lnob_silc_opts_t o = {.source = path, .checksum = checksum, .run_id = ctx->cfg->run_id,
                          .batch_size = (size_t) ctx->cfg->batch_size, .geo = ctx->geo,
                          .emit = s_emit, .arg = ctx};
    lnob_silc_t *p = lnob_silc_new(&o);
    err[0] = '\0';
    int rc = lnob_statfile_kind(path) ? s_parse_rows(p, path, err, sizeof err) : s_parse(p, buf, len);
    snprintf(id, cap, "%s", lnob_silc_extract_id(p));
    if (rc == LNOB_ERR && *err) { /* ReadStat could not read the file */
        if (!*id)
            s_id(id, cap, "silc", "unknown", checksum);
        const char *period = *lnob_silc_period(p) ? lnob_silc_period(p) : "unknown";
        rc = s_send_failed(ctx, plan, id, "UNREADABLE", err, checksum, period);
    } else if (rc == LNOB_ERR && !*id) {
        s_id(id, cap, "silc", "unknown", checksum);
        rc = s_send_failed(ctx, plan, id, lnob_silc_reason(p), lnob_silc_errstr(p), checksum,
                           "unknown");
    } else if (rc == LNOB_ERR)
        rc = s_send_failed(ctx, plan, lnob_silc_extract_id(p), lnob_silc_reason(p),
                           lnob_silc_errstr(p), checksum, lnob_silc_period(p));
    else if (rc == LNOB_OK)
        rc = s_send_end(ctx, p, plan, checksum, len, started, "");
    lnob_silc_destroy(&p);
    if (buf)
        munmap((void *) buf, len);
    return rc;
}

/* ---- the four UDB files of a year ----------------------------------------- */

typedef struct {
    lnob_udb4_t *join;
    int file;
} loader_t;

static int s_load_row(void *arg, const lnob_csv_row_t *row)
{
    loader_t *l = arg;
    return zsys_interrupted ? LNOB_CLOSED : lnob_udb4_add(l->join, l->file, row);
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

/* One file of a set, loaded by its own thread: its checksum, then (when
 * join is set) its rows. */
typedef struct {
    const char *path;
    lnob_udb4_t *join;      /* NULL: checksum only */
    int file;
    char hex[HEX_SHA256];
    size_t bytes;
    int rc;                 /* LNOB_OK; LNOB_ERR with err (or the join's errstr) */
    char err[LNOB_ERRSTR_MAX];
} load_t;

static void *s_load_file(void *arg)
{
    load_t *l = arg;
    const char *buf;
    char why[LNOB_ERRSTR_MAX];
    l->rc = LNOB_ERR;
    if (s_map(l->path, &buf, &l->bytes, why, sizeof why) != 0) {
        snprintf(l->err, sizeof l->err, "%.120s: %.120s", l->path, why);
        return NULL;
    }
    s_checksum(buf, l->bytes, l->hex);
    if (buf)
        munmap((void *) buf, l->bytes);
    loader_t ld = {l->join, l->file};
    l->rc = l->join ? lnob_input_rows(l->path, s_load_row, &ld, l->err, sizeof l->err) : LNOB_OK;
    return NULL;
}

/* Checksums the files of the set, and loads them into join unless it is
 * NULL: each file in a thread of its own (checksum and CSV parsing are
 * most of the ingester's work, and the files are independent). The set's
 * checksum is the sha256 of the files' sha256s, D to P. Returns LNOB_OK,
 * or the first file's error with reason and err. */
static int s_load_set(const plan_t *plan, lnob_udb4_t *join, char *checksum, size_t *bytes,
                      const char **reason, char *err, size_t cap)
{
    load_t l[LNOB_UDB4_FILES];
    pthread_t th[LNOB_UDB4_FILES];
    int started[LNOB_UDB4_FILES] = {0};
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        l[f] = (load_t){.path = plan->udb[f], .join = join, .file = f};
        if (plan->udb[f])
            started[f] = pthread_create(&th[f], NULL, s_load_file, &l[f]) == 0;
        if (plan->udb[f] && !started[f])
            s_load_file(&l[f]); /* no thread to be had: load it here */
    }
    char all[LNOB_UDB4_FILES * HEX_SHA256] = "";
    int rc = LNOB_OK;
    *bytes = 0;
    for (int f = 0; f < LNOB_UDB4_FILES; f++) {
        if (started[f])
            pthread_join(th[f], NULL);
        if (!plan->udb[f] || rc != LNOB_OK)
            continue;
        rc = l[f].rc;
        if (rc == LNOB_ERR && join && *lnob_udb4_errstr(join)) {
            *reason = lnob_udb4_reason(join);
            snprintf(err, cap, "%s", lnob_udb4_errstr(join));
        } else if (rc == LNOB_ERR) {
            *reason = "UNREADABLE";
            snprintf(err, cap, "%s", l[f].err);
        }
        strcat(all, l[f].hex);
        *bytes += l[f].bytes;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *) all, strlen(all));
    s_hex(digest, sizeof digest, checksum);
    return rc;
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

/* Joins the set and sends it like a single file's extract. */
static int s_send_set(ctx_t *ctx, const plan_t *plan, char *id, size_t cap)
{
    int64_t started = lnob_now_ms();
    char err[LNOB_ERRSTR_MAX], checksum[HEX_SHA256], period[16], join_text[256];
    const char *reason = "MISSING_FILE";
    size_t bytes;
    snprintf(period, sizeof period, "%d", plan->year);
    if (plan->year < 0)
        snprintf(period, sizeof period, "unknown");
    int missing = !plan->udb[LNOB_UDB4_D] || !plan->udb[LNOB_UDB4_H] || !plan->udb[LNOB_UDB4_R];
    lnob_udb4_t *join = missing ? NULL : lnob_udb4_new(plan->udb, plan->year);
    int64_t t_load = lnob_mono_us();
    int rc = s_load_set(plan, join, checksum, &bytes, &reason, err, sizeof err);
    lnob_debug("%s: files read in %lld ms", plan->source, (long long) (lnob_mono_us() - t_load) / 1000);
    s_id(id, cap, "silc", period, checksum);
    for (int f = 0; f < LNOB_UDB4_P && missing && rc == LNOB_OK; f++)
        if (!plan->udb[f]) {
            snprintf(err, sizeof err, "the UDB files of %s (%.150s) have no %s file", period,
                     plan->source, lnob_udb4_names[f]);
            rc = LNOB_ERR;
        }
    if (rc == LNOB_ERR) {
        lnob_udb4_destroy(&join);
        return s_send_failed(ctx, plan, id, reason, err, checksum, period);
    }
    lnob_silc_opts_t o = {.source = plan->udb[LNOB_UDB4_R], .checksum = checksum,
                          .run_id = ctx->cfg->run_id, .batch_size = (size_t) ctx->cfg->batch_size,
                          .geo = ctx->geo, .emit = s_emit, .arg = ctx,
                          .file = LNOB_UDB4_R + 1, .where = s_join_where, .where_arg = join};
    lnob_silc_t *p = lnob_silc_new(&o);
    lnob_udb4_out_t out = {s_join_row, s_join_reject, p};
    if (rc == LNOB_OK)
        rc = lnob_udb4_join(join, &out);
    if (rc == LNOB_OK)
        rc = lnob_silc_finish(p);
    lnob_debug("%s: read, joined, validated and sent in %lld ms", plan->source,
               (long long) (lnob_mono_us() - t_load) / 1000);
    s_join_summary(join, join_text, sizeof join_text);
    if (*lnob_silc_extract_id(p))
        snprintf(id, cap, "%s", lnob_silc_extract_id(p));
    if (rc == LNOB_ERR)
        rc = s_send_failed(ctx, plan, id, *lnob_udb4_errstr(join) ? lnob_udb4_reason(join) : lnob_silc_reason(p),
                           *lnob_udb4_errstr(join) ? lnob_udb4_errstr(join) : lnob_silc_errstr(p), checksum, period);
    else if (rc == LNOB_OK)
        rc = s_send_end(ctx, p, plan, checksum, bytes, started, join_text);
    lnob_silc_destroy(&p);
    lnob_udb4_destroy(&join);
    return rc;
}

/* ---- municipal MIS exports (spec §6) --------------------------------------- */

/* One pass over an MIS extract's files: scanning for the period, or sending. */
typedef struct {
    ctx_t *ctx;
    int scan;              /* 1: only find the latest start date */
    int32_t latest;        /* yyyymmdd */
    uint32_t seq;          /* batches so far, numbered across the files */
    uint32_t file;         /* 1 + the index of the export being read (Reject.file) */
    uint64_t rows_read, records;
} mis_pass_t;

static int s_emit_mis(void *arg, Lnob__V1__MisBatch *b)
{
    mis_pass_t *m = arg;
    if (m->scan) {
        for (size_t i = 0; i < b->record_count; i++)
            m->latest = b->start_date[i] > m->latest ? b->start_date[i] : m->latest;
        return LNOB_OK;
    }
    b->seq = m->seq++;
    for (size_t i = 0; i < b->n_rejects; i++) /* quarantine ids are <line>-<file> */
        b->rejects[i]->file = m->file;
    m->rows_read += b->rows_read;
    m->records += b->record_count;
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_MIS;
    env.mis = b;
    return s_send_batch(m->ctx, b->extract_id, b->seq, &env);
}

/* An export that cannot be read at all is one quarantined entry of the
 * extract (its file, its reason), sent as a batch without records. */
static int s_mis_unreadable(mis_pass_t *m, const char *id, const char *path, const char *reason,
                            const char *detail)
{
    Lnob__V1__Reject rj = LNOB__V1__REJECT__INIT, *rjp = &rj;
    rj.source = (char *) path;
    rj.reason = (char *) reason;
    rj.detail = (char *) detail;
    rj.field = "";
    rj.raw = "";
    Lnob__V1__MisBatch b = LNOB__V1__MIS_BATCH__INIT;
    static char *empty_dict[] = {""};
    b.extract_id = (char *) id;
    b.run_id = (char *) m->ctx->cfg->run_id;
    b.source = (char *) path;
    b.rows_read = 1;
    b.n_municipality_dict = b.n_service_dict = 1;
    b.municipality_dict = b.service_dict = empty_dict;
    b.n_rejects = 1;
    b.rejects = &rjp;
    lnob_error("%s: %s: %s", path, reason, detail);
    return m->scan ? LNOB_OK : s_emit_mis(m, &b);
}


/* The mapping file beside an export, if there is one: NULL and "" when
 * none, NULL and err when it is bad. */
static lnob_mis_map_t *s_sidecar(const char *path, char *err, size_t cap)
{
    char map_path[PATH_MAX];
    const char *buf;
    size_t len;
    snprintf(map_path, sizeof map_path, "%s%s", path, LNOB_MIS_MAP_SUFFIX);
    err[0] = '\0';
    if (access(map_path, F_OK) != 0 || s_map(map_path, &buf, &len, err, cap) != 0)
        return NULL;
    lnob_mis_map_t *m = lnob_mis_map_new();
    if (lnob_mis_map_parse(m, map_path, buf ? buf : "", len) != 0) {
        snprintf(err, cap, "%s", lnob_mis_map_errstr(m));
        lnob_mis_map_destroy(&m);
    }
    if (buf)
        munmap((void *) buf, len);
    return m;
}

/* Parses one export (with its mapping file) into emit. Returns LNOB_OK,
 * LNOB_ERR with reason and err when it cannot be read at all, or emit's rc. */
static int s_mis_parse(const ctx_t *ctx, const char *path, const char *id, lnob_mis_emit_fn emit,
                       void *arg, const char **reason, char *err, size_t cap)
{
    const char *buf;
    size_t len;
    *reason = "UNREADABLE";
    if (s_map(path, &buf, &len, err, cap) != 0)
        return LNOB_ERR;
    lnob_mis_map_t *map = s_sidecar(path, err, cap);
    if (!map && *err) {
        *reason = "BAD_MAPPING";
        if (buf)
            munmap((void *) buf, len);
        return LNOB_ERR;
    }
    lnob_mis_opts_t o = {.source = path, .extract_id = id, .run_id = ctx->cfg->run_id,
                         .batch_size = (size_t) ctx->cfg->batch_size, .geo = ctx->geo,
                         .pseudonym = ctx->pseudonym, .map = map, .emit = emit, .arg = arg};
    if (map) { /* the source's own [source] settings */
        const lnob_mis_source_t *src = lnob_mis_map_source(map);
        o.encoding = src->encoding;
        o.delimiter = src->delimiter;
        o.municipality = *src->municipality ? src->municipality : NULL;
        o.service = *src->service ? src->service : NULL;
    }
    lnob_mis_t *p = lnob_mis_new(&o);
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += FEED_CHUNK)
        rc = zsys_interrupted ? LNOB_CLOSED
                              : lnob_mis_feed(p, buf + off, len - off < FEED_CHUNK ? len - off : FEED_CHUNK);
    if (rc == LNOB_OK)
        rc = lnob_mis_finish(p);
    if (rc == LNOB_ERR) {
        *reason = lnob_mis_reason(p);
        snprintf(err, cap, "%s", lnob_mis_errstr(p));
    }
    lnob_mis_destroy(&p);
    lnob_mis_map_destroy(&map);
    if (buf)
        munmap((void *) buf, len);
    return rc;
}

/* Parses one export into the pass. */
static int s_mis_file(mis_pass_t *m, const char *id, const char *path)
{
    char err[LNOB_ERRSTR_MAX];
    const char *reason;
    int rc = s_mis_parse(m->ctx, path, id, s_emit_mis, m, &reason, err, sizeof err);
    return rc == LNOB_ERR ? s_mis_unreadable(m, id, path, reason, err) : rc;
}

static int s_mis_pass(mis_pass_t *m, const plan_t *plan, const char *id)
{
    int rc = LNOB_OK;
    for (size_t i = 0; i < plan->n_mis && rc == LNOB_OK; i++) {
        m->file = (uint32_t) i + 1;
        rc = s_mis_file(m, id, plan->mis[i]);
    }
    return rc;
}

/* The population file's rows of the year as "AL153=10000;AL346=4000". */
typedef struct {
    const lnob_geo_t *geo;
    int year, cols[3];     /* mun_code, year, pop_1jan */
    int header_done;
    char *out;
    size_t cap, len;
    char err[LNOB_ERRSTR_MAX];
} pop_t;

static int s_pop_row(void *arg, const lnob_csv_row_t *row)
{
    pop_t *p = arg;
    static const char *const names[3] = {"mun_code", "year", "pop_1jan"};
    size_t len[3];
    if (!p->header_done) {
        p->header_done = 1;
        for (int c = 0; c < 3; c++) {
            p->cols[c] = -1;
            for (size_t i = 0; i < row->nfields; i++)
                if (!strcmp(lnob_csv_field(row, (int) i, &len[0]), names[c]))
                    p->cols[c] = (int) i;
            if (p->cols[c] < 0)
                return snprintf(p->err, sizeof p->err, "no column %s", names[c]), LNOB_ERR;
        }
        return LNOB_OK;
    }
    const char *code = lnob_csv_field(row, p->cols[0], &len[0]);
    const char *year = lnob_csv_field(row, p->cols[1], &len[1]);
    const char *pop = lnob_csv_field(row, p->cols[2], &len[2]);
    int64_t y, n;
    if (lnob_num_int(year, len[1], &y) != 0 || y != p->year)
        return LNOB_OK;
    if (lnob_geo_by_code(p->geo, code, len[0]) < 0 || lnob_num_int(pop, len[2], &n) != 0 || n <= 0)
        return snprintf(p->err, sizeof p->err, "line %llu: not a LAU code and a positive count",
                        (unsigned long long) row->line), LNOB_ERR;
    p->len += (size_t) snprintf(p->out + p->len, p->len < p->cap ? p->cap - p->len : 0, "%s%.*s=%lld",
                                p->len ? ";" : "", (int) len[0], code, (long long) n);
    return LNOB_OK;
}

/* Reads the user's population file for the year; -1 with err. */
static int s_population(const ctx_t *ctx, int year, char *out, size_t cap, char *err, size_t errcap)
{
    pop_t p = {.geo = ctx->geo, .year = year, .out = out, .cap = cap};
    out[0] = '\0';
    if (!ctx->cfg->population)
        return 0;
    int rc = lnob_input_rows(ctx->cfg->population, s_pop_row, &p, err, errcap);
    if (rc == LNOB_ERR && !*err)
        snprintf(err, errcap, "%.120s: %.120s", ctx->cfg->population, p.err);
    return rc == LNOB_OK && p.len < cap ? 0 : -1;
}

static int s_send_mis_end(ctx_t *ctx, const plan_t *plan, const mis_pass_t *m, const char *id,
                          const char *checksum, const char *period, size_t bytes, int64_t started,
                          const char *population)
{
    Lnob__V1__ExtractEnd e = LNOB__V1__EXTRACT_END__INIT;
    e.population = (char *) population;
    e.service_set = (char *) ctx->cfg->service_set;
    e.vuln_groups = (char *) ctx->cfg->vuln_groups;
    e.extract_id = (char *) id;
    e.run_id = (char *) ctx->cfg->run_id;
    e.batch_count = m->seq;
    e.rows_read = m->rows_read;
    e.record_count = m->records;
    e.source = (char *) plan->source;
    e.inputs = (char *) plan->inputs;
    e.checksum = (char *) checksum;
    e.period = (char *) period;
    e.bytes = bytes;
    e.started_ms = started;
    e.finished_ms = lnob_now_ms();
    e.code_version = LNOB_VERSION;
    e.kind = "mis";
    lnob_env_t env = LNOB__V1__ENVELOPE__INIT;
    env.body_case = LNOB__V1__ENVELOPE__BODY_END;
    env.end = &e;
    lnob_info("%s: mis extract %s sent: %llu rows read, %llu records, %u batches", plan->source, id,
              (unsigned long long) e.rows_read, (unsigned long long) e.record_count, e.batch_count);
    return s_send(ctx, &env);
}

/* Checksums the exports (sha256 of their sha256s, in the order given). */
static void s_mis_checksum(const plan_t *plan, char *checksum, size_t *bytes)
{
    char *all = lnob_calloc(plan->n_mis + 1, HEX_SHA256);
    unsigned char digest[crypto_hash_sha256_BYTES];
    *bytes = 0;
    for (size_t i = 0; i < plan->n_mis; i++) {
        const char *buf;
        size_t len;
        char err[LNOB_ERRSTR_MAX], one[HEX_SHA256] = "unreadable";
        if (s_map(plan->mis[i], &buf, &len, err, sizeof err) == 0) {
            s_checksum(buf, len, one);
            if (buf)
                munmap((void *) buf, len);
            *bytes += len;
        }
        strcat(all, one);
    }
    crypto_hash_sha256(digest, (const unsigned char *) all, strlen(all));
    s_hex(digest, sizeof digest, checksum);
    free(all);
}

/* The exports of a run as one MIS extract of one reference year. */
static int s_send_mis(ctx_t *ctx, const plan_t *plan, char *id, size_t cap)
{
    int64_t started = lnob_now_ms();
    char checksum[HEX_SHA256], period[16];
    size_t bytes;
    s_mis_checksum(plan, checksum, &bytes);
    mis_pass_t m = {.ctx = ctx, .scan = 1};
    int rc = ctx->cfg->period ? LNOB_OK : s_mis_pass(&m, plan, "scan");
    snprintf(period, sizeof period, "%ld", ctx->cfg->period ? ctx->cfg->period : (long) (m.latest / 10000));
    s_id(id, cap, "mis", period, checksum);
    if (rc != LNOB_OK)
        return rc;
    if (!ctx->cfg->period && m.latest == 0)
        return s_send_failed(ctx, plan, id, "NO_PERIOD",
                             "no record with a start date: give the year with --period", checksum, "unknown");
    char population[INPUTS_MAX], err[LNOB_ERRSTR_MAX];
    if (s_population(ctx, atoi(period), population, sizeof population, err, sizeof err) != 0)
        return s_send_failed(ctx, plan, id, "BAD_POPULATION", err, checksum, period);
    m = (mis_pass_t){.ctx = ctx};
    rc = s_mis_pass(&m, plan, id);
    return rc == LNOB_OK ? s_send_mis_end(ctx, plan, &m, id, checksum, period, bytes, started, population)
                         : rc;
}

static int s_send_extract(ctx_t *ctx, const plan_t *plan, char *id, size_t cap)
{
    if (plan->mis)
        return s_send_mis(ctx, plan, id, cap);
    return plan->file ? s_send_single(ctx, plan, id, cap) : s_send_set(ctx, plan, id, cap);
}

/* Asks the aggregator until the extract is stored; when it makes no
 * progress for redeliver-ms, sends again what it does not hold. */
static int s_await(ctx_t *ctx, const plan_t *plan, const char *id)
{
    const cfg_t *cfg = ctx->cfg;
    int64_t now = lnob_now_ms(), changed = now, answered = now;
    uint64_t last = UINT64_MAX;
    char again[EXTRACT_ID_CAP];
    while (!zsys_interrupted) {
        int64_t asked = lnob_now_ms();
        int ok = lnob_ack_query(ctx->ack, id, (int) cfg->poll_ms);
        now = lnob_now_ms();
        if (ok && lnob_ack_state(ctx->ack) == LNOB__V1__PROGRESS__STATE__STORED)
            return LNOB_OK;
        if (ok) {
            answered = now;
            if (lnob_ack_signature(ctx->ack) != last) {
                last = lnob_ack_signature(ctx->ack);
                changed = now;
            } else if (lnob_ack_state(ctx->ack) != LNOB__V1__PROGRESS__STATE__COMPUTED &&
                       now - changed >= cfg->redeliver_ms) {
                lnob_warn("%s: extract %s made no progress for %ld ms; sending what is missing",
                          plan->source, id, cfg->redeliver_ms);
                int rc = s_send_extract(ctx, plan, again, sizeof again);
                if (rc != LNOB_OK)
                    return rc;
                changed = lnob_now_ms();
            }
        } else if (now - answered > cfg->ack_timeout_s * 1000) {
            lnob_error("%s: no answer from the aggregator at %s for %ld s; giving up", plan->source,
                       cfg->control, cfg->ack_timeout_s);
            return LNOB_ERR;
        }
        int64_t rest = cfg->poll_ms - (lnob_now_ms() - asked);
        if (rest > 0)
            zclock_sleep((int) rest);
    }
    return LNOB_CLOSED;
}

static int s_ingest_plan(ctx_t *ctx, const plan_t *plan)
{
    char id[EXTRACT_ID_CAP];
    ctx->asked = 0;
    if (ctx->ack)
        lnob_ack_reset(ctx->ack);
    int rc = s_send_extract(ctx, plan, id, sizeof id);
    if (rc == LNOB_OK && ctx->ack) {
        ctx->asked = 1; /* from now on the answers of s_await decide */
        rc = s_await(ctx, plan, id);
        if (rc == LNOB_OK)
            lnob_info("%s: extract %s stored", plan->source, id);
    }
    return rc;
}

/* ---- planning: which files make which extract ------------------------------ */

typedef struct {
    int kind, year, header_done;
    lnob_csv_row_t *header;   /* copy kept until the first data row */
    char **names;
} probe_t;

static int s_probe_row(void *arg, const lnob_csv_row_t *row)
{
    probe_t *p = arg;
    if (!p->header_done) {
        p->header_done = 1;
        p->kind = lnob_udb4_kind(row);
        p->names = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *p->names);
        p->header = lnob_calloc(1, sizeof *p->header);
        p->header->nfields = row->nfields;
        size_t *lens = lnob_calloc(row->nfields ? row->nfields : 1, sizeof *lens);
        for (size_t i = 0; i < row->nfields; i++)
            p->names[i] = lnob_strndup(row->fields[i], row->lens[i]), lens[i] = row->lens[i];
        p->header->fields = (const char **) p->names;
        p->header->lens = lens;
        return LNOB_OK;
    }
    p->year = lnob_udb4_row_year(p->header, row);
    return LNOB_CLOSED;
}

/* Which file of the UDB (or merged, or unknown) path is, and the year of
 * its first data row (-1 if none). */
static void s_probe(const char *path, int *kind, int *year)
{
    probe_t p = {LNOB_UDB4_UNKNOWN, -1, 0, NULL, NULL};
    char err[LNOB_ERRSTR_MAX];
    lnob_input_rows(path, s_probe_row, &p, err, sizeof err);
    *kind = p.kind;
    *year = p.year;
    for (size_t i = 0; p.header && i < p.header->nfields; i++)
        free(p.names[i]);
    free(p.names);
    if (p.header)
        free((void *) p.header->lens);
    free(p.header);
}

static void s_plan_text(plan_t *plan)
{
    size_t s = 0, i = 0;
    plan->source[0] = plan->inputs[0] = '\0';
    for (int f = 0; f < LNOB_UDB4_FILES; f++)
        if (plan->udb[f]) {
            s += (size_t) snprintf(plan->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, "%s%s",
                                   s ? " + " : "", plan->udb[f]);
            i += (size_t) snprintf(plan->inputs + i, i < INPUTS_MAX ? INPUTS_MAX - i : 0, "%s%s=%s",
                                   i ? "\n" : "", lnob_udb4_names[f], plan->udb[f]);
        }
}

/* A plan for MIS exports: all of them one extract. */
static void s_plan_mis(plan_t *p, const char *const *files, size_t n)
{
    size_t s = 0, k = 0;
    p->mis = p->mis_files = lnob_calloc(n + 1, sizeof *p->mis_files);
    p->n_mis = 0;
    for (size_t i = 0; i < n; i++)
        if (!lnob_mis_is_map(files[i]))
            p->mis_files[p->n_mis++] = files[i];
    files = p->mis_files;
    n = p->n_mis;
    for (size_t i = 0; i < n; i++) {
        s += (size_t) snprintf(p->source + s, s < INPUTS_MAX ? INPUTS_MAX - s : 0, "%s%s",
                               i ? " + " : "", files[i]);
        k += (size_t) snprintf(p->inputs + k, k < INPUTS_MAX ? INPUTS_MAX - k : 0, "%s%s",
                               i ? "\n" : "", files[i]);
    }
}

/* Groups the input files into extracts: the MIS exports are one; a
 * merged (or unusable) SILC file is one; UDB D/H/R/P files join the set of
 * their year, a second file of the same kind and year starting another
 * set. Returns an owned array of *n plans. */
static plan_t *s_plan(const lnob_strlist_t *files, const lnob_strlist_t *mis, size_t *n)
{
    plan_t *plans = lnob_calloc(files->n + 1, sizeof *plans);
    *n = 0;
    if (mis->n) /* the MIS exports of a run: one extract (mapping files go with theirs) */
        s_plan_mis(&plans[(*n)++], mis->items, mis->n);
    for (size_t i = 0; i < files->n; i++) {
        int kind, year;
        s_probe(files->items[i], &kind, &year);
        plan_t *p = NULL;
        for (size_t k = 0; k < *n && kind >= 0 && !p; k++)
            if (!plans[k].file && !plans[k].mis && plans[k].year == year && !plans[k].udb[kind])
                p = &plans[k];
        if (!p) {
            p = &plans[(*n)++];
            p->year = year;
        }
        if (kind < 0) {
            p->file = files->items[i];
            snprintf(p->source, sizeof p->source, "%s", p->file);
            continue;
        }
        p->udb[kind] = files->items[i];
        s_plan_text(p);
    }
    return plans;
}

/* ---- the drop folder (--watch DIR) ---------------------------------------- */

/* A file to take: not hidden, not being written (.tmp, .part), not ours. */
static int s_takeable(const char *dir, const char *name)
{
    static const char *const skip[] = {".tmp", ".part", ".reason", LNOB_MIS_MAP_SUFFIX};
    char path[PATH_MAX];
    struct stat st;
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (n > strlen(skip[i]) && !strcmp(name + n - strlen(skip[i]), skip[i]))
            return 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int s_cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The takeable files of dir, sorted by name (owned array of owned names). */
static size_t s_list(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    size_t n = 0, cap = 0;
    *out = NULL;
    for (struct dirent *e; d && (e = readdir(d));)
        if (s_takeable(dir, e->d_name)) {
            lnob_grow((void **) out, &cap, n + 1, sizeof **out);
            (*out)[n++] = lnob_strdup(e->d_name);
        }
    if (d)
        closedir(d);
    if (n)
        qsort(*out, n, sizeof **out, s_cmp_name);
    return n;
}

static void s_free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Moves dir/name into dir/sub/ (replacing a file of that name). */
static int s_move(const char *dir, const char *name, const char *sub)
{
    char from[PATH_MAX], to[PATH_MAX];
    snprintf(to, sizeof to, "%s/%s", dir, sub);
    mkdir(to, 0700);
    snprintf(from, sizeof from, "%s/%s", dir, name);
    snprintf(to, sizeof to, "%s/%s/%s", dir, sub, name);
    if (rename(from, to) == 0)
        return 0;
    lnob_error("%s: cannot move into %s/: %s", from, sub, strerror(errno));
    return -1;
}

static int s_count_only(void *arg, Lnob__V1__MisBatch *b)
{
    (void) arg;
    (void) b;
    return LNOB_OK;
}

/* An export that cannot be read at all goes to failed/ with a reason file. */
static int s_check_export(const ctx_t *ctx, const char *dir, const char *name)
{
    char path[PATH_MAX], err[LNOB_ERRSTR_MAX];
    const char *reason;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (s_mis_parse(ctx, path, "check", s_count_only, NULL, &reason, err, sizeof err) == LNOB_OK)
        return 0;
    lnob_error("%s: %s: %s; moved to failed/", path, reason, err);
    if (s_move(dir, name, "failed") == 0) {
        snprintf(path, sizeof path, "%s/failed/%s.reason", dir, name);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%s: %s\n", reason, err);
            fclose(f);
        }
    }
    return -1;
}

/* The set of one round: the exports already done, a new one replacing
 * the done one of its name, then the new ones; paths owned. */
static size_t s_round_set(const char *dir, char **fresh, size_t n_fresh, char ***paths)
{
    char done_dir[PATH_MAX], **done;
    snprintf(done_dir, sizeof done_dir, "%s/done", dir);
    size_t n_done = s_list(done_dir, &done), n = 0;
    *paths = lnob_calloc(n_done + n_fresh + 1, sizeof **paths);
    for (size_t i = 0; i < n_done; i++) {
        if (bsearch(&done[i], fresh, n_fresh, sizeof *fresh, s_cmp_name))
            continue; /* replaced by a new export of the same name */
        (*paths)[n] = lnob_malloc(strlen(done_dir) + strlen(done[i]) + 2);
        sprintf((*paths)[n++], "%s/%s", done_dir, done[i]);
    }
    for (size_t i = 0; i < n_fresh; i++) {
        (*paths)[n] = lnob_malloc(strlen(dir) + strlen(fresh[i]) + 2);
        sprintf((*paths)[n++], "%s/%s", dir, fresh[i]);
    }
    s_free_list(done, n_done);
    return n;
}

/* One look into the drop folder: when exports arrived, the MIS extract of
 * every export taken so far (done/) with the new ones is computed and
 * stored, then the new ones move to done/. The state is the folder: a
 * restart takes the files still outside done/ again. */
static int s_watch_round(ctx_t *ctx, const char *dir)
{
    char **fresh;
    size_t n_fresh = s_list(dir, &fresh), n_good = 0;
    for (size_t i = 0; i < n_fresh; i++)
        if (s_check_export(ctx, dir, fresh[i]) == 0)
            fresh[n_good++] = fresh[i];
        else
            free(fresh[i]);
    int rc = LNOB_OK;
    if (n_good) {
        char **paths;
        size_t n = s_round_set(dir, fresh, n_good, &paths);
        plan_t *plan = lnob_calloc(1, sizeof *plan);
        s_plan_mis(plan, (const char *const *) paths, n);
        rc = s_ingest_plan(ctx, plan);
        for (size_t i = 0; i < n_good && rc == LNOB_OK; i++) {
            char map[NAME_MAX + 8], sub[PATH_MAX + NAME_MAX + 16];
            snprintf(map, sizeof map, "%.*s%s", NAME_MAX, fresh[i], LNOB_MIS_MAP_SUFFIX);
            snprintf(sub, sizeof sub, "%.*s/%s", PATH_MAX, dir, map);
            s_move(dir, fresh[i], "done");
            if (access(sub, F_OK) == 0) /* its mapping file goes with it */
                s_move(dir, map, "done");
        }
        if (rc == LNOB_OK)
            lnob_info("%s: %zu new export(s) taken; %zu in all", dir, n_good, n);
        free(plan->mis_files);
        free(plan);
        s_free_list(paths, n);
    }
    s_free_list(fresh, n_good);
    return rc;
}

static int s_watch(ctx_t *ctx, const char *dir)
{
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/done", dir);
    if (mkdir(sub, 0700) != 0 && errno != EEXIST) {
        lnob_error("%s: %s", sub, strerror(errno));
        return LNOB_ERR;
    }
    lnob_info("watching %s for MIS exports (every %ld ms)", dir, ctx->cfg->watch_ms);
    int rc = LNOB_OK;
    while (!zsys_interrupted && rc == LNOB_OK) {
        rc = s_watch_round(ctx, dir);
        if (rc == LNOB_OK)
            zclock_sleep((int) ctx->cfg->watch_ms);
    }
    return zsys_interrupted ? LNOB_CLOSED : rc;
}

/* SERVICE_SET and VULN_GROUPS name known codes: checked at start-up. */
static int s_mis_settings_ok(const cfg_t *cfg)
{
    for (const char *p = cfg->service_set; *p;) {
        size_t n = strcspn(p, ",");
        char code[64];
        snprintf(code, sizeof code, "%.*s", (int) (n < 63 ? n : 63), p);
        if (lnob_mis_value(LNOB_MIS_SERVICE, code) < 0) {
            lnob_error("--service-set: '%s' is not a service code (docs/mis.md lists them)", code);
            return 0;
        }
        p += n + (p[n] == ',');
    }
    if (lnob_mis_vuln_valid(cfg->vuln_groups))
        return 1;
    lnob_error("--vuln-groups: '%s' names a group other than DIS, RE, ROMA, EGY, ELD, VAW, CHI",
               cfg->vuln_groups);
    return 0;
}

/* The person-key secret for MIS exports: a start-up error when missing,
 * never a default (docs/mis.md). */
static lnob_pseudonym_t *s_pseudonym(const cfg_t *cfg)
{
    char err[LNOB_ERRSTR_MAX];
    if (!cfg->pseudonym_key) {
        lnob_error("--mis needs the person-key secret: --pseudonym-key FILE or LNOB_PSEUDONYM_KEY_FILE "
                   "(docs/mis.md says how to make one)");
        return NULL;
    }
    lnob_pseudonym_t *p = lnob_pseudonym_new_from_file(cfg->pseudonym_key, err, sizeof err);
    if (!p)
        lnob_error("%s", err);
    return p;
}

static void s_default_run_id(cfg_t *cfg, char *buf, size_t cap)
{
    if (cfg->run_id)
        return;
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(buf, cap, "%s-%d-%lld", host, (int) getpid(), (long long) lnob_now_ms());
    cfg->run_id = buf;
}

/* Without acknowledgements: linger only covers handing messages to the
 * kernel, and a peer whose queue is full when this process exits loses
 * what is still in the socket buffer. So stay connected a while. */
static void s_drain(const cfg_t *cfg)
{
    int64_t until = lnob_mono_us() + cfg->drain_ms * 1000;
    while (!zsys_interrupted && lnob_mono_us() < until)
        zclock_sleep(50);
}

int main(int argc, char **argv)
{
    cfg_t cfg = {0};
    char err[LNOB_ERRSTR_MAX], run_id[128];
    int rc = lnob_config_parse(s_opts, &cfg, argc, argv, 1, "lnob-ingest",
                               "usage: lnob-ingest [--silc FILE...] [--mis FILE...] [--watch DIR] [--push ENDPOINT] [options]",
                               err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK || (cfg.silc.n + cfg.mis.n == 0 && !cfg.watch)) {
        fprintf(stderr, "lnob-ingest: %s\n",
                rc != LNOB_OK ? err : "give at least one --silc or --mis FILE, or --watch DIR");
        return 2;
    }
    lnob_log_init("ingest", cfg.instance, lnob_log_parse_level(cfg.log_level));
    s_default_run_id(&cfg, run_id, sizeof run_id);
    if (sodium_init() < 0) {
        lnob_error("libsodium failed to initialise");
        return 1;
    }
    lnob_pseudonym_t *pseudonym = NULL;
    if ((cfg.mis.n || cfg.watch) && (!s_mis_settings_ok(&cfg) || !(pseudonym = s_pseudonym(&cfg))))
        return 2;
    lnob_sock_opts_t so = {(int) cfg.hwm, (int) cfg.linger_ms, -1};
    zsock_t *sock = lnob_sock_new(ZMQ_PUSH, cfg.push, true, &so, err, sizeof err);
    if (!sock) {
        lnob_error("%s", err);
        return 1;
    }
    int acked = strcmp(cfg.control, "none") != 0;
    lnob_sock_opts_t co = {64, 0, -1};
    zsock_t *control = acked ? lnob_sock_new(ZMQ_DEALER, cfg.control, false, &co, err, sizeof err) : NULL;
    if (acked && !control) {
        lnob_error("%s", err);
        zsock_destroy(&sock);
        return 1;
    }
    lnob_geo_t *geo = lnob_geo_new();
    ctx_t ctx = {.sock = zsock_resolve(sock), .cfg = &cfg, .geo = geo, .pseudonym = pseudonym};
    ctx.ack = acked ? lnob_ack_new(zsock_resolve(control), cfg.run_id) : NULL;
    rc = LNOB_OK;
    size_t n_plans;
    plan_t *plans = s_plan(&cfg.silc, &cfg.mis, &n_plans);
    for (size_t i = 0; i < n_plans && rc == LNOB_OK; i++)
        rc = s_ingest_plan(&ctx, &plans[i]);
    for (size_t i = 0; i < n_plans; i++)
        free(plans[i].mis_files);
    free(plans);
    if (rc == LNOB_OK && cfg.watch)
        rc = acked ? s_watch(&ctx, cfg.watch) : LNOB_ERR;
    if (cfg.watch && !acked)
        lnob_error("--watch needs the aggregator's --control endpoint: a file moves to done/ only when stored");
    lnob_geo_destroy(&geo);
    lnob_pseudonym_destroy(&pseudonym);
    if (rc == LNOB_OK && !acked)
        s_drain(&cfg);
    lnob_ack_destroy(&ctx.ack);
    zsock_destroy(&control);
    zsock_destroy(&sock); /* lingers up to linger-ms to deliver */
    if (rc == LNOB_CLOSED || zsys_interrupted) {
        lnob_info("stopped by a signal; a restart resumes where this one was");
        return 0;
    }
    if (rc != LNOB_OK)
        lnob_error("stopped before every file was stored");
    return rc == LNOB_OK ? 0 : 1;
}
