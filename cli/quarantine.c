/* quarantine.c - `lnob quarantine list|show|replay` (quarantine.h). */
#include "quarantine.h"

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lnob/config.h"
#include "lnob/csv.h"
#include "lnob/format.h"
#include "lnob/keys.h"
#include "lnob/mem.h"
#include "lnob/redis.h"
#include "registry.h"
#include "replay.h"
#include "report.h"
#include "store.h"

#define PROG "lnob quarantine"
#define DEFAULT_REDIS_URL "redis://127.0.0.1:6379/0"
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define GO_ON (-1)              /* s_parse: options fine, run the command */
#define STREAM_ID_MAX 48        /* "<ms>-<seq>": two 64-bit numbers, plus "(" */
#define XRANGE_PAGE 1000        /* stream entries per round trip */
#define LIMIT_MAX 100000000
#define CUT_MARK_LEN 3          /* lnob_csv_format_row ends a row it cut in "..." */
#define HEADER_MAX (1u << 20)   /* longest header row taken from a source file */
#define READ_CHUNK (1u << 16)   /* bytes read from a source file per step */

/* ---- options -------------------------------------------------------------- */

typedef struct {
    const char *redis;
    const char *redis_password_file;
    const char *format;
} list_cfg_t;

typedef struct {
    const char *redis;
    const char *redis_password_file;
    const char *reason;
    long limit;
    const char *format;
} show_cfg_t;

typedef struct {
    const char *redis;
    const char *redis_password_file;
    const char *out;
    const char *reason;
} replay_cfg_t;

#define OPT_REDIS(type)                                                                     \
    {"redis", "LNOB_REDIS_URL", LNOB_OPT_STR, DEFAULT_REDIS_URL, 0, 0, NULL,                \
     offsetof(type, redis),                                                                 \
     "Redis holding the extracts (redis://[user:password@]host:port/db, "                   \
     "unix:///path?db=N&user=NAME)"},                                                       \
    {"redis-password-file", "LNOB_REDIS_PASSWORD_FILE", LNOB_OPT_STR, NULL, 0, 0, NULL,     \
     offsetof(type, redis_password_file), LNOB_REDIS_PASSWORD_FILE_HELP}
#define OPT_FORMAT(type)                                                                    \
    {"format", NULL, LNOB_OPT_STR, "table", 0, 0, "table|json|csv", offsetof(type, format), \
     "output format on stdout"}
#define OPT_REASON(type)                                                                    \
    {"reason", NULL, LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(type, reason),                \
     "only rows quarantined for this reason code (e.g. MISSING_WEIGHT)"}

static const lnob_opt_t s_list_opts[] = {OPT_REDIS(list_cfg_t), OPT_FORMAT(list_cfg_t),
                                         LNOB_OPT_END};

static const lnob_opt_t s_show_opts[] = {
    OPT_REDIS(show_cfg_t),
    OPT_REASON(show_cfg_t),
    {"limit", NULL, LNOB_OPT_INT, "0", 0, LIMIT_MAX, NULL, offsetof(show_cfg_t, limit),
     "print at most this many rows, 0 for all"},
    OPT_FORMAT(show_cfg_t),
    LNOB_OPT_END};

static const lnob_opt_t s_replay_opts[] = {
    OPT_REDIS(replay_cfg_t),
    {"out", NULL, LNOB_OPT_STR, NULL, 0, 0, NULL, offsetof(replay_cfg_t, out),
     "CSV file to write (required; - for stdout); for an extract joined from the UDB files, "
     "the directory to write D.csv, H.csv, R.csv and P.csv in"},
    OPT_REASON(replay_cfg_t),
    LNOB_OPT_END};

static const char s_usage[] =
    "usage: lnob quarantine list|show|replay ...\n\n"
    "  list                           every extract in Redis with its row counts, newest first\n"
    "  show EXTRACT                   its rejected rows and the flagged fields of rows kept:\n"
    "                                 line, kept or quarantined, reason, field, detail, raw row\n"
    "  replay EXTRACT --out FILE      the rows quarantined whole under the header row, to correct and\n"
    "                                 feed back with `lnob run --silc FILE`\n"
    "  replay EXTRACT --out DIR       for an extract joined from the four UDB files: DIR/D.csv,\n"
    "                                 H.csv, R.csv, P.csv, each under its own header row, to\n"
    "                                 check with `lnob run --silc DIR/D.csv ... DIR/P.csv`;\n"
    "                                 for an MIS extract: each export's header and rejected rows\n"
    "                                 copied from the export itself (checked by its sha256)\n\n"
    "`lnob quarantine SUBCOMMAND --help` lists its options.";
static const char s_list_usage[] =
    "usage: lnob quarantine list [--redis URL] [--format table|json|csv]";
static const char s_show_usage[] =
    "usage: lnob quarantine show EXTRACT [--reason CODE] [--limit N] [--format table|json|csv] "
    "[--redis URL]";
static const char s_replay_usage[] =
    "usage: lnob quarantine replay EXTRACT --out FILE|DIR [--reason CODE] [--redis URL]";

/* Parses a subcommand's options into cfg. When the subcommand takes an
 * EXTRACT it comes first (the option parser takes no positional words).
 * Returns GO_ON, or the exit code to return now (0 after --help). */
static int s_parse(const lnob_opt_t *table, void *cfg, int argc, char **argv, int first,
                   const char *prog, const char *usage, const char **extract)
{
    char err[256];
    if (extract) {
        *extract = NULL;
        if (first < argc && argv[first][0] != '-')
            *extract = argv[first++];
    }
    int rc = lnob_config_parse(table, cfg, argc, argv, first, prog, usage, err, sizeof err);
    if (rc == LNOB_CLOSED)
        return 0;
    if (rc != LNOB_OK) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return EXIT_USAGE;
    }
    if (extract && !*extract) {
        fprintf(stderr, "%s: say which extract (`lnob quarantine list` shows them)\n%s\n", prog,
                usage);
        return EXIT_USAGE;
    }
    return GO_ON;
}

/* ---- reading Redis -------------------------------------------------------- */

static redisContext *s_connect(const char *url, const char *password_file)
{
    char err[LNOB_ERRSTR_MAX];
    redisContext *c = NULL;
    if (lnob_redis_connect(url, password_file, &c, err, sizeof err) != LNOB_OK)
        fprintf(stderr, "%s: %s\n", PROG, err);
    return c;
}

/* Says why a command failed; r may be NULL (connection lost). */
static void s_redis_failed(const redisContext *c, const redisReply *r, const char *what)
{
    const char *why = r && r->type == REDIS_REPLY_ERROR ? r->str
                      : r                               ? "unexpected reply"
                      : c->errstr[0]                    ? c->errstr
                                                        : "no reply";
    fprintf(stderr, "%s: Redis, %s: %s\n", PROG, what, why);
}

/* A field of a HGETALL reply, or NULL if absent. */
static const char *s_find(const redisReply *hash, const char *field)
{
    for (size_t i = 0; i + 1 < hash->elements; i += 2)
        if (hash->element[i]->type == REDIS_REPLY_STRING &&
            hash->element[i + 1]->type == REDIS_REPLY_STRING &&
            !strcmp(hash->element[i]->str, field))
            return hash->element[i + 1]->str;
    return NULL;
}

static const char *s_get(const redisReply *hash, const char *field)
{
    const char *v = s_find(hash, field);
    return v ? v : "";
}

/* The extract's metadata hash (HGETALL reply, owned), or NULL after saying
 * why: Redis failed, or holds no such extract. */
static redisReply *s_load_meta(redisContext *c, const char *url, const char *id)
{
    lnob_key_t k;
    redisReply *m = redisCommand(c, "HGETALL %s", lnob_key_extract(&k, id));
    if (!m || m->type != REDIS_REPLY_ARRAY) {
        s_redis_failed(c, m, "reading the extract");
        freeReplyObject(m);
        return NULL;
    }
    if (m->elements == 0) {
        char safe[LNOB_REDIS_URL_MAX];
        lnob_redis_url_safe(url, safe, sizeof safe);
        fprintf(stderr, "%s: Redis at %s holds no extract '%s' (`lnob quarantine list --redis %s` "
                        "shows those it holds)\n",
                PROG, safe, id, safe);
        freeReplyObject(m);
        return NULL;
    }
    return m;
}

/* ---- quarantine entries ----------------------------------------------------- */

/* One rejected row, as stored in lnob:quarantine:<id>. */
typedef struct {
    uint64_t line;  /* input line where the row starts; 0 if the entry has none */
    size_t seq;     /* position in the stream, so sorting by line is stable */
    char *source;   /* owned: the file the row is from ("" when absent) */
    char *reason, *field, *detail; /* owned, "" when absent */
    char *raw;      /* owned; NULL when the entry has no raw field */
    int kept;       /* a flagged field of a row that was kept (field kept "1"): the row is
                     * in the cells, only this value counted as missing */
} entry_t;

typedef struct {
    char *reason; /* owned */
    size_t n;
} tally_t;

/* The entries read from one stream, and what was seen on the way. */
typedef struct {
    entry_t *v;      /* matching entries, stream order until sorted */
    size_t n, cap;
    int more;        /* stopped at the limit with entries left */
    int whole_only;  /* read only rows quarantined whole (replay) */
    size_t skipped_kept; /* flagged fields of kept rows left out for it */
    tally_t *tally;  /* entries read per reason, in order of first sight */
    size_t n_tally, cap_tally;
} entries_t;

static void s_entries_free(entries_t *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].source);
        free(e->v[i].reason);
        free(e->v[i].field);
        free(e->v[i].detail);
        free(e->v[i].raw);
    }
    for (size_t i = 0; i < e->n_tally; i++)
        free(e->tally[i].reason);
    free(e->v);
    free(e->tally);
    memset(e, 0, sizeof *e);
}

static void s_count_reason(entries_t *e, const char *reason)
{
    for (size_t i = 0; i < e->n_tally; i++)
        if (!strcmp(e->tally[i].reason, reason)) {
            e->tally[i].n++;
            return;
        }
    lnob_grow((void **) &e->tally, &e->cap_tally, e->n_tally + 1, sizeof *e->tally);
    e->tally[e->n_tally++] = (tally_t){lnob_strdup(reason), 1};
}

/* Adds one entry's field list if its reason matches want (NULL: any). */
static void s_add_entry(entries_t *e, const redisReply *fields, const char *want)
{
    const char *line = NULL, *reason = "", *field = "", *detail = "", *raw = NULL, *source = "";
    int kept = 0;
    for (size_t k = 0; k + 1 < fields->elements; k += 2) {
        const redisReply *name = fields->element[k], *v = fields->element[k + 1];
        if (name->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (!strcmp(name->str, "line"))
            line = v->str;
        else if (!strcmp(name->str, "source"))
            source = v->str;
        else if (!strcmp(name->str, "reason"))
            reason = v->str;
        else if (!strcmp(name->str, "field"))
            field = v->str;
        else if (!strcmp(name->str, "detail"))
            detail = v->str;
        else if (!strcmp(name->str, "raw"))
            raw = v->str;
        else if (!strcmp(name->str, "kept"))
            kept = !strcmp(v->str, "1");
    }
    if (kept && e->whole_only) {
        e->skipped_kept++;
        return;
    }
    s_count_reason(e, reason);
    if (want && strcasecmp(want, reason) != 0)
        return;
    lnob_grow((void **) &e->v, &e->cap, e->n + 1, sizeof *e->v);
    entry_t *en = &e->v[e->n];
    char *end = NULL;
    en->line = line ? strtoull(line, &end, 10) : 0;
    if (!line || end == line || *end)
        en->line = 0;
    en->seq = e->n++;
    en->source = lnob_strdup(source);
    en->reason = lnob_strdup(reason);
    en->field = lnob_strdup(field);
    en->detail = lnob_strdup(detail);
    en->raw = raw ? lnob_strdup(raw) : NULL;
    en->kept = kept;
}

/* Reads the extract's quarantine stream in pages of XRANGE_PAGE, each page
 * starting after the last id seen (so the id format does not matter),
 * keeping the entries whose reason is want (NULL: all), at most limit of
 * them (0: all). Returns 0, or -1 after saying why. */
static int s_read_entries(redisContext *c, const char *id, const char *want, size_t limit,
                          entries_t *e)
{
    char start[STREAM_ID_MAX] = "-";
    lnob_key_t k;
    lnob_key_quarantine(&k, id);
    for (;;) {
        redisReply *page = redisCommand(c, "XRANGE %s %s + COUNT %d", k.s, start, XRANGE_PAGE);
        if (!page || page->type != REDIS_REPLY_ARRAY) {
            s_redis_failed(c, page, "reading the quarantine stream");
            freeReplyObject(page);
            return -1;
        }
        for (size_t i = 0; i < page->elements && !e->more; i++) {
            const redisReply *en = page->element[i];
            if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
                en->element[0]->type != REDIS_REPLY_STRING)
                continue; /* not an entry: XRANGE always gives [id, fields] */
            if (limit && e->n == limit) {
                e->more = 1;
                break;
            }
            snprintf(start, sizeof start, "(%s", en->element[0]->str);
            if (en->element[1]->type == REDIS_REPLY_ARRAY)
                s_add_entry(e, en->element[1], want);
        }
        size_t got = page->elements;
        freeReplyObject(page);
        if (got < XRANGE_PAGE || e->more)
            return 0;
    }
}

static int s_by_line(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Entries in input-line order, whatever order the stream holds them in. */
static void s_sort(entries_t *e)
{
    if (e->n)
        qsort(e->v, e->n, sizeof *e->v, s_by_line);
}

/* Says that no entry matched want, and which reasons the extract has. */
static void s_no_match(const entries_t *e, const char *id, const char *want)
{
    if (!e->n_tally) {
        fprintf(stderr, "%s: extract %s has no quarantined rows\n", PROG, id);
        return;
    }
    fprintf(stderr, "%s: extract %s has no rows quarantined for %s; its reasons:", PROG, id, want);
    for (size_t i = 0; i < e->n_tally; i++)
        fprintf(stderr, "%s %s (%zu)", i ? "," : "", e->tally[i].reason, e->tally[i].n);
    fputc('\n', stderr);
}

/* Warns when the stream does not hold what the metadata counted (trimmed,
 * deleted, or written by a run that failed half-way): an entry for each row
 * quarantined whole and for each flagged field of a row kept. */
static void s_check_count(redisContext *c, const redisReply *meta, const char *id)
{
    const char *want = s_find(meta, "rows_quarantined"), *flags = s_find(meta, "fields_flagged");
    long long entries = want ? strtoll(want, NULL, 10) + (flags ? strtoll(flags, NULL, 10) : 0) : 0;
    lnob_key_t k;
    redisReply *r = redisCommand(c, "XLEN %s", lnob_key_quarantine(&k, id));
    if (want && r && r->type == REDIS_REPLY_INTEGER && entries != r->integer)
        fprintf(stderr, "%s: warning: the metadata of %s counts %s quarantined rows and %s "
                        "flagged fields but %s holds %lld entries\n",
                PROG, id, want, flags ? flags : "0", k.s, r->integer);
    freeReplyObject(r);
}

/* ---- list ------------------------------------------------------------------- */

enum { L_SOURCE, L_PERIOD, L_STATUS, L_READ, L_ACCEPTED, L_QUARANTINED, L_COMPUTED, L_ERROR,
       L_FIELDS };
static const char *const s_list_fields[L_FIELDS] = {
    "source", "period", "status", "rows_read", "rows_accepted", "rows_quarantined", "computed_ms",
    "error"};

typedef struct {
    char *id;                 /* owned */
    char *v[L_FIELDS];        /* owned, "" when absent */
    long long computed_ms;
} listed_t;

static int s_newest_first(const void *a, const void *b)
{
    const listed_t *x = a, *y = b;
    if (x->computed_ms != y->computed_ms)
        return x->computed_ms > y->computed_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Reads the listed fields of each extract in one pipeline; an extract
 * deleted since the SCAN is left out. Returns how many were kept in out. */
static long s_read_listed(redisContext *c, char **ids, size_t n, listed_t *out)
{
    lnob_key_t k;
    for (size_t i = 0; i < n; i++)
        redisAppendCommand(c, "HMGET %s %s %s %s %s %s %s %s %s", lnob_key_extract(&k, ids[i]),
                           s_list_fields[0], s_list_fields[1], s_list_fields[2], s_list_fields[3],
                           s_list_fields[4], s_list_fields[5], s_list_fields[6], s_list_fields[7]);
    size_t kept = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **) &r) != REDIS_OK) {
            s_redis_failed(c, NULL, "reading the extracts");
            return -1; /* the context is in error: the caller drops it */
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements != L_FIELDS) {
            if (!rc)
                s_redis_failed(c, r, "reading the extracts");
            rc = -1;
        } else if (r->element[L_STATUS]->type == REDIS_REPLY_STRING) {
            listed_t *l = &out[kept++];
            l->id = lnob_strdup(ids[i]);
            for (int f = 0; f < L_FIELDS; f++)
                l->v[f] = lnob_strdup(r->element[f]->type == REDIS_REPLY_STRING ? r->element[f]->str
                                                                                : "");
            l->computed_ms = strtoll(l->v[L_COMPUTED], NULL, 10);
        }
        freeReplyObject(r);
    }
    return rc ? -1 : (long) kept;
}

/* A metadata count as a JSON number, or null when it is not one. */
static void s_json_count(FILE *out, const char *v)
{
    if (*v && strspn(v, "0123456789") == strlen(v))
        fputs(v, out);
    else
        fputs("null", out);
}

static void s_stored_at(long long ms, char *out, size_t cap)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, cap, "-");
}

static void s_print_listed(FILE *out, int format, const listed_t *l, size_t n)
{
    if (format == LNOB_REPORT_JSON) {
        fputs("[", out);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ",\n  {\"extract\": " : "\n  {\"extract\": ", out);
            lnob_format_json_string(out, l[i].id);
            for (int f = L_SOURCE; f <= L_STATUS; f++) {
                fprintf(out, ", \"%s\": ", s_list_fields[f]);
                lnob_format_json_string(out, l[i].v[f]);
            }
            for (int f = L_READ; f <= L_COMPUTED; f++) {
                fprintf(out, ", \"%s\": ", s_list_fields[f]);
                s_json_count(out, l[i].v[f]);
            }
            if (l[i].v[L_ERROR][0]) {
                fputs(", \"error\": ", out);
                lnob_format_json_string(out, l[i].v[L_ERROR]);
            }
            fputs("}", out);
        }
        fputs(n ? "\n]\n" : "]\n", out);
        return;
    }
    if (format == LNOB_REPORT_CSV) {
        fputs("extract,source,period,status,rows_read,rows_accepted,rows_quarantined,computed_ms,"
              "error\n",
              out);
        for (size_t i = 0; i < n; i++) {
            lnob_format_csv_field(out, l[i].id);
            for (int f = 0; f < L_FIELDS; f++) {
                fputc(',', out);
                lnob_format_csv_field(out, l[i].v[f]);
            }
            fputc('\n', out);
        }
        return;
    }
    int w_id = (int) strlen("extract"), w_period = (int) strlen("period");
    for (size_t i = 0; i < n; i++) {
        int a = (int) strlen(l[i].id), b = (int) strlen(l[i].v[L_PERIOD]);
        w_id = a > w_id ? a : w_id;
        w_period = b > w_period ? b : w_period;
    }
    fprintf(out, "%-*s  %-*s  %-8s  %8s  %8s  %11s  %-19s  %s\n", w_id, "extract", w_period,
            "period", "status", "read", "accepted", "quarantined", "stored", "source");
    for (size_t i = 0; i < n; i++) {
        char at[32];
        s_stored_at(l[i].computed_ms, at, sizeof at);
        const char *const *v = (const char *const *) l[i].v;
        fprintf(out, "%-*s  %-*s  %-8s  %8s  %8s  %11s  %-19s  %s\n", w_id, l[i].id, w_period,
                v[L_PERIOD], v[L_STATUS], *v[L_READ] ? v[L_READ] : "-",
                *v[L_ACCEPTED] ? v[L_ACCEPTED] : "-", *v[L_QUARANTINED] ? v[L_QUARANTINED] : "-",
                at, v[L_SOURCE]);
        if (*v[L_ERROR])
            fprintf(out, "%-*s  error: %s\n", w_id, "", v[L_ERROR]);
    }
}

static int s_list(int argc, char **argv, int first)
{
    list_cfg_t cfg = {0};
    int code = s_parse(s_list_opts, &cfg, argc, argv, first, PROG " list", s_list_usage, NULL);
    if (code != GO_ON)
        return code;
    redisContext *c = s_connect(cfg.redis, cfg.redis_password_file);
    if (!c)
        return EXIT_FAILED;
    char **ids = NULL, err[LNOB_ERRSTR_MAX];
    size_t found = 0;
    long n = lnob_store_scan_ids(c, &ids, &found, err, sizeof err) == LNOB_OK ? (long) found : -1;
    if (n < 0) /* SCAN, not lnob:extracts, so that failed extracts are listed too */
        fprintf(stderr, "%s: %s\n", PROG, err);
    listed_t *l = n > 0 ? lnob_calloc((size_t) n, sizeof *l) : NULL;
    long kept = n > 0 ? s_read_listed(c, ids, (size_t) n, l) : n;
    if (kept >= 0) {
        if (kept > 1)
            qsort(l, (size_t) kept, sizeof *l, s_newest_first);
        s_print_listed(stdout, lnob_report_parse_format(cfg.format), l, (size_t) kept);
        char safe[LNOB_REDIS_URL_MAX];
        if (kept == 0)
            fprintf(stderr, "%s: Redis at %s holds no extracts\n", PROG,
                    lnob_redis_url_safe(cfg.redis, safe, sizeof safe));
    }
    for (long i = 0; i < n; i++) {
        free(ids[i]);
        if (l && l[i].id) {
            free(l[i].id);
            for (int f = 0; f < L_FIELDS; f++)
                free(l[i].v[f]);
        }
    }
    free(ids);
    free(l);
    redisFree(c);
    return kept >= 0 ? 0 : EXIT_FAILED;
}

/* ---- show ------------------------------------------------------------------- */

static void s_print_entries(FILE *out, int format, const char *id, const redisReply *meta,
                            const entries_t *e)
{
    if (format == LNOB_REPORT_JSON) {
        fputs("[", out);
        for (size_t i = 0; i < e->n; i++) {
            const entry_t *en = &e->v[i];
            fputs(i ? ",\n  {\"extract\": " : "\n  {\"extract\": ", out);
            lnob_format_json_string(out, id);
            fputs(", \"source\": ", out);
            lnob_format_json_string(out, en->source);
            fprintf(out, ", \"line\": %llu, \"reason\": ", (unsigned long long) en->line);
            lnob_format_json_string(out, en->reason);
            fputs(", \"field\": ", out);
            lnob_format_json_string(out, en->field);
            fputs(", \"detail\": ", out);
            lnob_format_json_string(out, en->detail);
            fputs(", \"raw\": ", out);
            if (en->raw)
                lnob_format_json_string(out, en->raw);
            else
                fputs("null", out);
            fprintf(out, ", \"kept\": %s}", en->kept ? "true" : "false");
        }
        fputs(e->n ? "\n]\n" : "]\n", out);
        return;
    }
    if (format == LNOB_REPORT_CSV) {
        fputs("extract,line,reason,field,detail,raw,source,kept\n", out);
        for (size_t i = 0; i < e->n; i++) {
            const entry_t *en = &e->v[i];
            lnob_format_csv_field(out, id);
            fprintf(out, ",%llu,", (unsigned long long) en->line);
            const char *v[] = {en->reason, en->field, en->detail, en->raw ? en->raw : "", en->source};
            for (size_t f = 0; f < 5; f++) {
                lnob_format_csv_field(out, v[f]);
                fputc(',', out);
            }
            fprintf(out, "%d\n", en->kept);
        }
        return;
    }
    fprintf(out, "extract %s  (%s, period %s, %s): %s rows quarantined, %s rows kept with "
                 "flagged fields\n", id, s_get(meta, "source"), s_get(meta, "period"),
            s_get(meta, "status"),
            *s_get(meta, "rows_quarantined") ? s_get(meta, "rows_quarantined") : "no",
            *s_get(meta, "rows_flagged") ? s_get(meta, "rows_flagged") : "no");
    if (!e->n)
        return;
    int w_line = (int) strlen("line"), w_reason = (int) strlen("reason");
    int w_field = (int) strlen("field"), w_detail = (int) strlen("detail");
    for (size_t i = 0; i < e->n; i++) {
        char buf[24];
        int a = snprintf(buf, sizeof buf, "%llu", (unsigned long long) e->v[i].line);
        int b = (int) strlen(e->v[i].reason), f = (int) strlen(e->v[i].field);
        int d = (int) strlen(e->v[i].detail);
        w_line = a > w_line ? a : w_line;
        w_reason = b > w_reason ? b : w_reason;
        w_field = f > w_field ? f : w_field;
        w_detail = d > w_detail ? d : w_detail;
    }
    int joined = *s_get(meta, "inputs") != '\0'; /* rows of several files: name each */
    if (joined)
        fprintf(out, "  file: ");
    fprintf(out, "  %*s  %-11s  %-*s  %-*s  %-*s  %s\n", w_line, "line", "row", w_reason, "reason",
            w_field, "field", w_detail, "detail", "raw");
    for (size_t i = 0; i < e->n; i++) {
        const entry_t *en = &e->v[i];
        if (joined)
            fprintf(out, "  %s:", en->source);
        fprintf(out, "  %*llu  %-11s  %-*s  %-*s  %-*s  %s\n", w_line, (unsigned long long) en->line,
                en->kept ? "kept" : "quarantined", w_reason, en->reason, w_field, en->field,
                w_detail, en->detail, en->raw ? en->raw : "-");
    }
}

/* A failed extract whose rows were never read (a missing column, an
 * unreadable file) has no quarantine; one that failed after reading (no
 * accepted row: NO_POPULATION) has. */
static int s_unread(redisReply *meta)
{
    return !strcmp(s_get(meta, "status"), "failed") && !*s_get(meta, "rows_read");
}

static int s_show(int argc, char **argv, int first)
{
    show_cfg_t cfg = {0};
    const char *id;
    int code = s_parse(s_show_opts, &cfg, argc, argv, first, PROG " show", s_show_usage, &id);
    if (code != GO_ON)
        return code;
    redisContext *c = s_connect(cfg.redis, cfg.redis_password_file);
    if (!c)
        return EXIT_FAILED;
    redisReply *meta = s_load_meta(c, cfg.redis, id);
    entries_t e = {0};
    int ok = meta && s_read_entries(c, id, cfg.reason, (size_t) cfg.limit, &e) == 0;
    if (ok) {
        s_sort(&e);
        s_print_entries(stdout, lnob_report_parse_format(cfg.format), id, meta, &e);
        if (s_unread(meta))
            fprintf(stderr, "%s: extract %s failed (%s): no row of it was read\n", PROG, id,
                    s_get(meta, "error"));
        else if (!e.n)
            s_no_match(&e, id, cfg.reason);
        if (e.more)
            fprintf(stderr, "%s: showing the first %zu rows (--limit 0 shows all)\n", PROG, e.n);
        s_check_count(c, meta, id);
    }
    s_entries_free(&e);
    freeReplyObject(meta);
    redisFree(c);
    return ok ? 0 : EXIT_FAILED;
}

/* ---- replay: the header row ------------------------------------------------- */

typedef struct {
    char *row; /* owned, re-serialised; NULL until the first row is parsed */
    int cut;   /* longer than HEADER_MAX */
} first_row_t;

static int s_first_row(void *arg, const lnob_csv_row_t *row)
{
    first_row_t *f = arg;
    f->row = lnob_malloc(HEADER_MAX);
    size_t n = lnob_csv_format_row(row, ',', f->row, HEADER_MAX);
    f->cut = row->truncated || n + CUT_MARK_LEN + 1 >= HEADER_MAX;
    return LNOB_CLOSED; /* the rest of the file is only hashed */
}

/* Reads path: its first CSV row into f, its sha256 into hex. Returns 0, or
 * -1 if the file cannot be read (errno-free message in err). */
static int s_read_source(const char *path, first_row_t *f, char hex[HEX_SHA256], char *err,
                         size_t cap)
{
    FILE *in = sodium_init() < 0 ? NULL : fopen(path, "rb");
    if (!in) {
        snprintf(err, cap, "cannot be opened");
        return -1;
    }
    lnob_csv_t *csv = lnob_csv_new(',', s_first_row, f);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    char *buf = lnob_malloc(READ_CHUNK);
    size_t n;
    while ((n = fread(buf, 1, READ_CHUNK, in)) > 0) {
        crypto_hash_sha256_update(&st, (const unsigned char *) buf, n);
        if (!f->row)
            lnob_csv_feed(csv, buf, n);
    }
    int failed = ferror(in);
    if (!f->row && !failed)
        lnob_csv_finish(csv);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, HEX_SHA256, digest, sizeof digest);
    free(buf);
    lnob_csv_destroy(&csv);
    fclose(in);
    if (failed)
        snprintf(err, cap, "could not be read to the end");
    return failed ? -1 : 0;
}

/* The first row of the extract's source file, owned, if that file still
 * has the extract's checksum: a changed file may have changed its columns,
 * and a wrong header silently moves values between columns. NULL with the
 * reason (completing "its source file ... ") in why otherwise. */
static char *s_header_from_source(const redisReply *meta, char *why, size_t cap)
{
    const char *source = s_get(meta, "source"), *checksum = s_get(meta, "checksum");
    first_row_t f = {0};
    char hex[HEX_SHA256];
    if (!*source)
        snprintf(why, cap, "is not recorded");
    else if (s_read_source(source, &f, hex, why, cap) == 0) {
        if (*checksum && strcmp(hex, checksum) != 0)
            snprintf(why, cap, "has changed since it was ingested (its sha256 differs)");
        else if (!f.row)
            snprintf(why, cap, "has no header row");
        else if (f.cut)
            snprintf(why, cap, "has a header row longer than %u bytes", HEADER_MAX);
        else
            return f.row;
    }
    free(f.row);
    return NULL;
}

/* The extract's header row as CSV, owned: the metadata field `header`, else
 * the first row of the source file. NULL after saying why. */
static char *s_header(const redisReply *meta, const char *id)
{
    const char *header = s_find(meta, "header");
    if (header && *header)
        return lnob_strdup(header);
    char why[128];
    char *row = s_header_from_source(meta, why, sizeof why);
    if (!row)
        fprintf(stderr,
                "%s: cannot write the header row of %s: Redis holds none for it (no `header` "
                "field) and its source file '%s' %s; restore that file as it was ingested and "
                "run this again\n",
                PROG, id, s_get(meta, "source"), why);
    return row;
}

/* ---- replay ------------------------------------------------------------------- */

/* s_get as the kinds' replay op reads metadata (source.h). */
static const char *s_meta_get(const void *meta, const char *field)
{
    return s_get(meta, field);
}

/* Hands the entries to the extract's kind (its replay op, source.h), or
 * with header to the one-file writer (kit/replay.h). Returns the exit code,
 * or LNOB_REPLAY_FILE when the kind leaves them to one file. */
static int s_replay_rows(const replay_cfg_t *cfg, const char *id, const redisReply *meta,
                         const lnob_source_ops_t *kind, const char *header, const entries_t *e)
{
    lnob_replay_row_t *rows = lnob_calloc(e->n ? e->n : 1, sizeof *rows);
    for (size_t i = 0; i < e->n; i++)
        rows[i] = (lnob_replay_row_t){e->v[i].line, e->v[i].source, e->v[i].reason, e->v[i].raw};
    char run[64];
    snprintf(run, sizeof run, "--%s", kind && kind->ingest_opts ? kind->ingest_opts[0].name : "FILE");
    lnob_replay_t r = {id, cfg->out, cfg->reason, s_get(meta, "source"), run};
    int code = header ? lnob_replay_file(&r, header, rows, e->n)
               : kind && kind->replay ? kind->replay(&r, s_meta_get, meta, rows, e->n)
               : LNOB_REPLAY_FILE;
    free(rows);
    return code;
}

static int s_replay(int argc, char **argv, int first)
{
    replay_cfg_t cfg = {0};
    const char *id;
    int code = s_parse(s_replay_opts, &cfg, argc, argv, first, PROG " replay", s_replay_usage, &id);
    if (code != GO_ON)
        return code;
    if (!cfg.out) {
        fprintf(stderr, "%s replay: say where to write the rows: --out FILE (a directory for "
                        "an extract joined from UDB files or an MIS extract)\n", PROG);
        return EXIT_USAGE;
    }
    redisContext *c = s_connect(cfg.redis, cfg.redis_password_file);
    if (!c)
        return EXIT_FAILED;
    redisReply *meta = s_load_meta(c, cfg.redis, id);
    entries_t e = {.whole_only = 1}; /* a kept row is in the cells: nothing to replay */
    char *header = NULL;
    code = EXIT_FAILED;
    if (!meta)
        ;
    else if (s_unread(meta))
        fprintf(stderr, "%s: extract %s failed (%s): no row of it was read, so there is nothing "
                        "to replay; fix the file and run it again\n",
                PROG, id, s_get(meta, "error"));
    else if (s_read_entries(c, id, cfg.reason, 0, &e) != 0)
        ;
    else if (!e.n && e.skipped_kept && !e.n_tally)
        fprintf(stderr, "%s: extract %s has no rows quarantined whole; its %zu flagged fields "
                        "belong to rows that were kept and are in the cells (`%s show %s` "
                        "lists them)\n", PROG, id, e.skipped_kept, PROG, id);
    else if (!e.n)
        s_no_match(&e, id, cfg.reason);
    else {
        const lnob_source_ops_t *kind = lnob_source_named(s_get(meta, "kind"));
        s_check_count(c, meta, id);
        code = s_replay_rows(&cfg, id, meta, kind, NULL, &e);
        if (code == LNOB_REPLAY_FILE) { /* one file under the extract's header row */
            code = EXIT_FAILED;
            if ((header = s_header(meta, id)) != NULL) {
                s_sort(&e);
                code = s_replay_rows(&cfg, id, meta, kind, header, &e);
            }
        }
    }
    if (code == 0 && e.skipped_kept)
        fprintf(stderr, "%s: replayed the rows quarantined whole; the %zu flagged fields of rows "
                        "that were kept are not replayed (those rows are in the cells)\n",
                PROG, e.skipped_kept);
    free(header);
    s_entries_free(&e);
    freeReplyObject(meta);
    redisFree(c);
    return code;
}

/* ---- dispatch --------------------------------------------------------------- */

int lnob_cli_quarantine(int argc, char **argv, int first)
{
    if (first >= argc) {
        fprintf(stderr, "%s\n", s_usage);
        return EXIT_USAGE;
    }
    const char *sub = argv[first];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
        puts(s_usage);
        return 0;
    }
    if (!strcmp(sub, "list"))
        return s_list(argc, argv, first + 1);
    if (!strcmp(sub, "show"))
        return s_show(argc, argv, first + 1);
    if (!strcmp(sub, "replay"))
        return s_replay(argc, argv, first + 1);
    fprintf(stderr, "%s: unknown subcommand '%s'\n%s\n", PROG, sub, s_usage);
    return EXIT_USAGE;
}
