/* statfile.c - .sav and .dta files as CSV rows and back, over ReadStat (lnob/statfile.h). */
#include "lnob/statfile.h"

#include <errno.h>
#include <math.h>
#include <readstat.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lnob/format.h"
#include "lnob/mem.h"

/* Integers below this magnitude are exact in a double, so "%lld" of them is
 * the number itself (2^53). */
#define S_EXACT_INT 9007199254740992.0
/* Chunk in which the writer feeds its CSV to the CSV reader. */
#define S_CSV_CHUNK 65536
/* The Stata format written: 118 is Stata 14+ (UTF-8, names up to 32 chars). */
#define S_DTA_VERSION 118

/* ---- kinds and messages -------------------------------------------------- */

lnob_statfile_kind_t lnob_statfile_kind(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return LNOB_STATFILE_NONE;
    if (strcasecmp(dot, ".sav") == 0)
        return LNOB_STATFILE_SAV;
    if (strcasecmp(dot, ".dta") == 0)
        return LNOB_STATFILE_DTA;
    return LNOB_STATFILE_NONE;
}

/* Writes "path: message" into err (if any). */
static void s_fail(char *err, size_t cap, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_fail(char *err, size_t cap, const char *path, const char *fmt, ...)
{
    if (!err || cap == 0)
        return;
    int n = snprintf(err, cap, "%s: ", path);
    if (n < 0 || (size_t) n >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, cap - (size_t) n, fmt, ap);
    va_end(ap);
}

/* Keeps ReadStat's last detailed message (its error handler's), without the
 * newline some of them end in. */
static void s_keep_detail(char *detail, size_t cap, const char *msg)
{
    snprintf(detail, cap, "%s", msg ? msg : "");
    size_t n = strlen(detail);
    while (n && (detail[n - 1] == '\n' || detail[n - 1] == ' '))
        detail[--n] = '\0';
}

/* Writes "path: <prefix><ReadStat's message for rc>[ (detail)]" into err. */
static void s_fail_readstat(char *err, size_t cap, const char *path, const char *prefix,
                            readstat_error_t rc, const char *detail)
{
    s_fail(err, cap, path, "%s%s%s%s%s", prefix, readstat_error_message(rc),
           *detail ? " (" : "", detail, *detail ? ")" : "");
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct {
    lnob_csv_row_fn fn;
    void *arg;
    int rc;                         /* callback rc, or LNOB_ERR for a bad value */
    char problem[LNOB_ERRSTR_MAX];  /* what was wrong with a value */
    char detail[LNOB_ERRSTR_MAX];   /* ReadStat's last error message */
    lnob_csv_rowbuf_t *header;      /* variable names */
    size_t nvars;                   /* variables announced */
    int header_sent;
    lnob_csv_rowbuf_t *row;         /* the record being assembled */
    long long records;              /* records handed out */
} s_reader_t;

static int s_on_variable(int index, readstat_variable_t *var, const char *labels, void *ctx)
{
    (void) labels;
    s_reader_t *r = ctx;
    if (index < 0 || (size_t) index != r->nvars) {
        snprintf(r->problem, sizeof r->problem, "variable %d announced out of order", index);
        r->rc = LNOB_ERR;
        return READSTAT_HANDLER_ABORT;
    }
    const char *name = readstat_variable_get_name(var);
    lnob_csv_rowbuf_add(r->header, name, strlen(name));
    r->nvars++;
    return READSTAT_HANDLER_OK;
}

/* Sends the header once, before the first record or at the end. */
static int s_send_header(s_reader_t *r)
{
    if (r->header_sent || r->nvars == 0)
        return LNOB_OK;
    r->header_sent = 1;
    return lnob_csv_rowbuf_emit(r->header, 1, r->fn, r->arg);
}

/* Writes numeric value v as text into out (cap >= LNOB_DOUBLE_CHARS); empty
 * for every kind of system missing. Returns the length. */
static size_t s_number_text(readstat_value_t v, char *out, size_t cap)
{
    out[0] = '\0';
    if (readstat_value_is_system_missing(v) || readstat_value_is_tagged_missing(v))
        return 0;
    if (readstat_value_type(v) == READSTAT_TYPE_FLOAT) {
        float f = readstat_float_value(v);
        if (!isfinite(f))
            return 0;
        if (f != truncf(f))
            return lnob_format_float(f, out, cap);
    }
    double d = readstat_double_value(v);
    if (!isfinite(d))
        return 0;
    if (d == trunc(d) && fabs(d) < S_EXACT_INT)
        return (size_t) snprintf(out, cap, "%lld", (long long) d);
    return lnob_format_double(d, out, cap);
}

static int s_on_value(int obs, readstat_variable_t *var, readstat_value_t value, void *ctx)
{
    s_reader_t *r = ctx;
    int index = readstat_variable_get_index(var);
    size_t have = lnob_csv_rowbuf_count(r->row);
    if (obs != r->records || index < 0 || (size_t) index != have ||
        (size_t) index >= r->nvars) {
        snprintf(r->problem, sizeof r->problem,
                 "value of variable %d of record %d out of order (expected variable %zu of "
                 "record %lld)",
                 index, obs + 1, have, r->records + 1);
        r->rc = LNOB_ERR;
        return READSTAT_HANDLER_ABORT;
    }
    if ((r->rc = s_send_header(r)) != LNOB_OK)
        return READSTAT_HANDLER_ABORT;
    if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING) {
        /* ReadStat has cut the padding and trailing spaces already */
        const char *s = readstat_string_value(value);
        lnob_csv_rowbuf_add(r->row, s ? s : "", s ? strlen(s) : 0);
    } else {
        char num[LNOB_DOUBLE_CHARS];
        lnob_csv_rowbuf_add(r->row, num, s_number_text(value, num, sizeof num));
    }
    if (have + 1 < r->nvars)
        return READSTAT_HANDLER_OK;
    r->records++;
    r->rc = lnob_csv_rowbuf_emit(r->row, (uint64_t) r->records + 1, r->fn, r->arg);
    return r->rc == LNOB_OK ? READSTAT_HANDLER_OK : READSTAT_HANDLER_ABORT;
}

static void s_on_error(const char *msg, void *ctx)
{
    s_reader_t *r = ctx;
    s_keep_detail(r->detail, sizeof r->detail, msg);
}

int lnob_statfile_read(const char *path, lnob_csv_row_fn row, void *arg, char *err,
                       size_t cap)
{
    lnob_statfile_kind_t kind = lnob_statfile_kind(path);
    if (kind == LNOB_STATFILE_NONE) {
        s_fail(err, cap, path, "not a .sav or .dta file name");
        return LNOB_ERR;
    }
    readstat_parser_t *parser = readstat_parser_init();
    if (!parser) {
        s_fail(err, cap, path, "ReadStat parser could not be made");
        return LNOB_ERR;
    }
    s_reader_t r = {.fn = row,
                    .arg = arg,
                    .rc = LNOB_OK,
                    .header = lnob_csv_rowbuf_new(),
                    .row = lnob_csv_rowbuf_new()};
    readstat_set_variable_handler(parser, s_on_variable);
    readstat_set_value_handler(parser, s_on_value);
    readstat_set_error_handler(parser, s_on_error);
    readstat_error_t rs = kind == LNOB_STATFILE_SAV ? readstat_parse_sav(parser, path, &r)
                                                     : readstat_parse_dta(parser, path, &r);
    readstat_parser_free(parser);

    int rc = LNOB_OK;
    if (r.rc != LNOB_OK) {
        rc = r.rc;
        if (*r.problem)
            s_fail(err, cap, path, "%s", r.problem);
        else
            s_fail(err, cap, path, "stopped by the row callback at record %lld", r.records);
    } else if (rs != READSTAT_OK) {
        rc = LNOB_ERR;
        FILE *f = rs == READSTAT_ERROR_OPEN ? fopen(path, "rb") : NULL;
        if (rs == READSTAT_ERROR_OPEN && !f)
            s_keep_detail(r.detail, sizeof r.detail, strerror(errno)); /* ReadStat gives no why */
        if (f)
            fclose(f);
        s_fail_readstat(err, cap, path, "", rs, r.detail);
    } else if (lnob_csv_rowbuf_count(r.row) != 0) {
        rc = LNOB_ERR;
        s_fail(err, cap, path, "the file ends inside record %lld", r.records + 1);
    } else {
        rc = s_send_header(&r);
    }
    lnob_csv_rowbuf_destroy(&r.header);
    lnob_csv_rowbuf_destroy(&r.row);
    return rc;
}

/* ---- writing ------------------------------------------------------------------ */

/* What the first pass learns of one CSV column. */
typedef struct {
    int numeric;  /* every non-empty value is a decimal number */
    size_t width; /* longest value, bytes */
    readstat_variable_t *var;
} s_column_t;

typedef struct {
    FILE *out;
    readstat_writer_t *writer;
    int pass;                 /* 1: types and widths, 2: values */
    int header_seen;          /* this pass has had its header row */
    s_column_t *cols;
    size_t ncols;             /* columns of the first pass's header */
    char **names;             /* header, owned */
    long records;
    char problem[LNOB_ERRSTR_MAX];
    char detail[LNOB_ERRSTR_MAX]; /* ReadStat's last error message */
    readstat_error_t rs;      /* first ReadStat error while writing values */
} s_writer_t;

/* 1 if s[0..len) is a decimal number [+-]digits[.digits][(e|E)[+-]digits]
 * (digits on at least one side of the point) with a finite value, put in *v. */
static int s_decimal(const char *s, size_t len, double *v)
{
    size_t i = 0, digits = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < len && s[i] == '.')
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (digits == 0)
        return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            exp_digits++;
        if (exp_digits == 0)
            return 0;
    }
    if (i != len || strlen(s) != len)
        return 0;
    *v = strtod(s, NULL);
    return isfinite(*v);
}

static int s_on_header(s_writer_t *w, const lnob_csv_row_t *row)
{
    w->ncols = row->nfields;
    w->cols = lnob_calloc(row->nfields, sizeof *w->cols);
    w->names = lnob_calloc(row->nfields, sizeof *w->names);
    for (size_t i = 0; i < row->nfields; i++) {
        w->cols[i].numeric = 1;
        w->cols[i].width = 1;
        w->names[i] = lnob_strndup(row->fields[i], row->lens[i]);
    }
    return LNOB_OK;
}

/* Puts the record's values into the ReadStat row and writes it. */
static int s_write_record(s_writer_t *w, const lnob_csv_row_t *row)
{
    readstat_error_t rs = readstat_begin_row(w->writer);
    for (size_t i = 0; i < row->nfields && rs == READSTAT_OK; i++) {
        const s_column_t *c = &w->cols[i];
        double v;
        if (!c->numeric)
            rs = readstat_insert_string_value(w->writer, c->var, row->fields[i]);
        else if (row->lens[i] != 0 && s_decimal(row->fields[i], row->lens[i], &v))
            rs = readstat_insert_double_value(w->writer, c->var, v);
        else
            rs = readstat_insert_missing_value(w->writer, c->var);
    }
    if (rs == READSTAT_OK)
        rs = readstat_end_row(w->writer);
    if (rs == READSTAT_OK)
        return LNOB_OK;
    w->rs = rs;
    snprintf(w->problem, sizeof w->problem, "line %llu: ", (unsigned long long) row->line);
    return LNOB_ERR;
}

static int s_on_csv_row(void *arg, const lnob_csv_row_t *row)
{
    s_writer_t *w = arg;
    unsigned long long line = (unsigned long long) row->line;
    int header = !w->header_seen;
    w->header_seen = 1;
    if (row->truncated) {
        snprintf(w->problem, sizeof w->problem, "line %llu: a field longer than %d bytes", line,
                 LNOB_CSV_MAX_FIELD);
        return LNOB_ERR;
    }
    if (header && w->pass == 1)
        return s_on_header(w, row);
    if (row->nfields != w->ncols) {
        snprintf(w->problem, sizeof w->problem, "line %llu: %zu fields, the header has %zu",
                 line, row->nfields, w->ncols);
        return LNOB_ERR;
    }
    if (header)
        return LNOB_OK; /* the second pass's header, read in the first */
    if (w->pass == 2)
        return s_write_record(w, row);
    for (size_t i = 0; i < row->nfields; i++) {
        s_column_t *c = &w->cols[i];
        double v;
        if (row->lens[i] > c->width)
            c->width = row->lens[i];
        if (c->numeric && row->lens[i] != 0 && !s_decimal(row->fields[i], row->lens[i], &v))
            c->numeric = 0;
    }
    w->records++;
    return LNOB_OK;
}

/* Feeds csv from its start through one pass. Returns LNOB_OK or LNOB_ERR
 * with w->problem set. */
static int s_csv_pass(s_writer_t *w, FILE *csv, const char *what)
{
    if (fseek(csv, 0, SEEK_SET) != 0) {
        snprintf(w->problem, sizeof w->problem, "the CSV input cannot be re-read: %s",
                 strerror(errno));
        return LNOB_ERR;
    }
    w->header_seen = 0;
    lnob_csv_t *parser = lnob_csv_new(',', s_on_csv_row, w);
    char *buf = lnob_malloc(S_CSV_CHUNK);
    int rc = LNOB_OK;
    size_t n;
    while (rc == LNOB_OK && (n = fread(buf, 1, S_CSV_CHUNK, csv)) > 0)
        rc = lnob_csv_feed(parser, buf, n);
    if (rc == LNOB_OK)
        rc = lnob_csv_finish(parser);
    if (rc == LNOB_OK && ferror(csv)) {
        snprintf(w->problem, sizeof w->problem, "reading the CSV input (%s)", what);
        rc = LNOB_ERR;
    }
    free(buf);
    lnob_csv_destroy(&parser);
    return rc;
}

static ssize_t s_on_bytes(const void *data, size_t len, void *ctx)
{
    s_writer_t *w = ctx;
    return fwrite(data, 1, len, w->out) == len ? (ssize_t) len : -1;
}

static void s_on_write_error(const char *msg, void *ctx)
{
    s_writer_t *w = ctx;
    s_keep_detail(w->detail, sizeof w->detail, msg);
}

/* Declares the variables and starts the file. Returns LNOB_OK, or LNOB_ERR
 * with w->problem and w->rs set. */
static int s_begin(s_writer_t *w, lnob_statfile_kind_t kind, time_t stamp)
{
    readstat_writer_t *wr = w->writer;
    readstat_set_data_writer(wr, s_on_bytes);
    readstat_writer_set_error_handler(wr, s_on_write_error);
    readstat_writer_set_file_timestamp(wr, stamp);
    for (size_t i = 0; i < w->ncols; i++) {
        s_column_t *c = &w->cols[i];
        c->var = c->numeric ? readstat_add_variable(wr, w->names[i], READSTAT_TYPE_DOUBLE, 0)
                            : readstat_add_variable(wr, w->names[i], READSTAT_TYPE_STRING,
                                                    c->width);
    }
    readstat_error_t rs;
    if (kind == LNOB_STATFILE_SAV) {
        readstat_writer_set_compression(wr, READSTAT_COMPRESS_ROWS);
        rs = readstat_begin_writing_sav(wr, w, w->records);
    } else {
        readstat_writer_set_file_format_version(wr, S_DTA_VERSION);
        rs = readstat_begin_writing_dta(wr, w, w->records);
    }
    if (rs == READSTAT_OK)
        rs = readstat_validate_metadata(wr);
    for (size_t i = 0; i < w->ncols && rs == READSTAT_OK; i++) {
        rs = readstat_validate_variable(wr, w->cols[i].var);
        if (rs != READSTAT_OK)
            snprintf(w->problem, sizeof w->problem, "column %zu \"%.64s\": ", i + 1,
                     w->names[i]);
    }
    w->rs = rs;
    return rs == READSTAT_OK ? LNOB_OK : LNOB_ERR;
}

int lnob_statfile_write_csv(FILE *csv, const char *out_path, time_t stamp, char *err,
                            size_t cap)
{
    lnob_statfile_kind_t kind = lnob_statfile_kind(out_path);
    if (kind == LNOB_STATFILE_NONE) {
        s_fail(err, cap, out_path, "not a .sav or .dta file name");
        return LNOB_ERR;
    }
    s_writer_t w = {.pass = 1};
    int rc = s_csv_pass(&w, csv, "first pass");
    if (rc == LNOB_OK && w.ncols == 0) {
        snprintf(w.problem, sizeof w.problem, "the CSV input has no header row");
        rc = LNOB_ERR;
    }
    if (rc == LNOB_OK && !(w.out = fopen(out_path, "wb"))) {
        snprintf(w.problem, sizeof w.problem, "cannot create: %s", strerror(errno));
        rc = LNOB_ERR;
    }
    if (rc == LNOB_OK && !(w.writer = readstat_writer_init())) {
        snprintf(w.problem, sizeof w.problem, "ReadStat writer could not be made");
        rc = LNOB_ERR;
    }
    if (rc == LNOB_OK)
        rc = s_begin(&w, kind, stamp);
    if (rc == LNOB_OK) {
        w.pass = 2;
        rc = s_csv_pass(&w, csv, "second pass");
    }
    if (rc == LNOB_OK && (w.rs = readstat_end_writing(w.writer)) != READSTAT_OK)
        rc = LNOB_ERR;
    if (w.writer)
        readstat_writer_free(w.writer);
    if (w.out && fclose(w.out) != 0 && rc == LNOB_OK) {
        snprintf(w.problem, sizeof w.problem, "closing: %s", strerror(errno));
        rc = LNOB_ERR;
    }
    if (rc != LNOB_OK) {
        if (w.rs != READSTAT_OK)
            s_fail_readstat(err, cap, out_path, w.problem, w.rs, w.detail);
        else
            s_fail(err, cap, out_path, "%s", w.problem);
        if (w.out)
            remove(out_path);
    }
    for (size_t i = 0; i < w.ncols && w.names; i++)
        free(w.names[i]);
    free(w.names);
    free(w.cols);
    return rc;
}
