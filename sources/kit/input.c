/* input.c - the bytes and rows of one input file (input.h). */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lnob/mem.h"
#include "lnob/dialect.h"
#include "lnob/rc.h"
#include "lnob/statfile.h"

#define GZIP_WBITS (16 + MAX_WBITS) /* zlib: a gzip header and trailer, the largest window */
#define NS_PER_S 1000000000LL

/* Content that is not delimited text, by its first bytes. */
static const struct {
    const char *magic;
    size_t len;
    const char *what;
} s_refused[] = {
    {"PK\x03\x04", 4, " is a zip file (an xlsx or ods spreadsheet?): save it as CSV (UTF-8)"},
    {"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, " is an Excel 97-2003 workbook (xls): save it as CSV (UTF-8)"},
};

/* One read of one file. */
typedef struct {
    const char *path;
    int fd;
    lnob_input_stamp_t stamp;  /* what the file must stay */
    uint64_t raw;              /* file bytes read */
    EVP_MD_CTX *md;            /* NULL: no sha256 wanted */
    size_t content;            /* content bytes (decompressed for gzip) */
    int checked;               /* the content's first bytes were checked */
    int gz;                    /* gzip: inflated as read */
    int gz_end;                /* the last gzip member ended */
    z_stream z;
    char *in, *out;            /* the read buffer; the inflated one */
    lnob_input_feed_fn feed;
    void *arg;
    int feed_rc;               /* feed's first rc other than LNOB_OK */
    const char *reason;        /* NULL, or why the file could not be read */
    char *err;
    size_t cap;
} reader_t;

/* ---- the file and its stamp ---------------------------------------------- */

static void s_stamp(const struct stat *st, lnob_input_stamp_t *s)
{
    *s = (lnob_input_stamp_t){(uint64_t) st->st_dev, (uint64_t) st->st_ino, (uint64_t) st->st_size,
                              (int64_t) st->st_mtim.tv_sec * NS_PER_S + st->st_mtim.tv_nsec};
}

static int s_same(const lnob_input_stamp_t *a, const lnob_input_stamp_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

/* Fails the read: reason, and err naming the file, what happened and (when
 * not NULL) why. Returns LNOB_ERR. */
static int s_fail(reader_t *r, const char *reason, const char *what, const char *why)
{
    if (r->reason)
        return LNOB_ERR;
    r->reason = reason;
    snprintf(r->err, r->cap, "%.180s%s%s%s", r->path, what, why ? ": " : "", why ? why : "");
    return LNOB_ERR;
}

/* Whether the file (by its descriptor, and by its name when by_name) is
 * still what r->stamp says. */
static int s_unchanged(reader_t *r, int by_name)
{
    struct stat st;
    lnob_input_stamp_t now;
    if (fstat(r->fd, &st) != 0)
        return s_fail(r, "UNREADABLE", ": cannot stat", strerror(errno));
    s_stamp(&st, &now);
    if (!s_same(&now, &r->stamp))
        return s_fail(r, "FILE_CHANGED", " changed while it was read (size, mtime or inode)", NULL);
    if (by_name && (stat(r->path, &st) != 0 || (uint64_t) st.st_ino != now.ino || (uint64_t) st.st_dev != now.dev))
        return s_fail(r, "FILE_CHANGED", " was replaced while it was read (another inode)", NULL);
    return LNOB_OK;
}

/* Opens the file: a regular file, and (expect) the one read before. */
static int s_open(reader_t *r, const lnob_input_sum_t *expect)
{
    struct stat st;
    r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return s_fail(r, "UNREADABLE", ": cannot open", strerror(errno));
    if (fstat(r->fd, &st) != 0)
        return s_fail(r, "UNREADABLE", ": cannot stat", strerror(errno));
    if (S_ISDIR(st.st_mode))
        return s_fail(r, "UNREADABLE", " is a directory", NULL);
    if (!S_ISREG(st.st_mode))
        return s_fail(r, "UNREADABLE", " is not a regular file", NULL);
    s_stamp(&st, &r->stamp);
    if (expect && !s_same(&r->stamp, &expect->stamp))
        return s_fail(r, "FILE_CHANGED", " changed since it was first read (size, mtime or inode)", NULL);
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return LNOB_OK;
}

/* ---- content ------------------------------------------------------------- */

/* Content bytes: checked at the start, hashed, fed (until feed stops). */
static int s_content(reader_t *r, const char *buf, size_t n)
{
    for (size_t k = 0; !r->checked && k < sizeof s_refused / sizeof s_refused[0]; k++)
        if (n >= s_refused[k].len && memcmp(buf, s_refused[k].magic, s_refused[k].len) == 0)
            return s_fail(r, "NOT_CSV", s_refused[k].what, NULL);
    r->checked = 1;
    r->content += n;
    if (r->md)
        EVP_DigestUpdate(r->md, buf, n);
    if (r->feed && r->feed_rc == LNOB_OK)
        r->feed_rc = r->feed(r->arg, buf, n);
    return r->feed_rc == LNOB_OK || r->md ? LNOB_OK : r->feed_rc;
}

/* Inflates gzip bytes into content; a new member may follow the last. */
static int s_inflate(reader_t *r, const char *buf, size_t n)
{
    r->z.next_in = (Bytef *) buf;
    r->z.avail_in = (uInt) n;
    for (;;) {
        if (r->gz_end && r->z.avail_in > 0) {
            inflateReset(&r->z);
            r->gz_end = 0;
        }
        r->z.next_out = (Bytef *) r->out;
        r->z.avail_out = LNOB_INPUT_CHUNK;
        int zr = inflate(&r->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END)
            r->gz_end = 1;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return s_fail(r, "UNREADABLE", ": not valid gzip data", r->z.msg ? r->z.msg : "zlib error");
        size_t made = LNOB_INPUT_CHUNK - r->z.avail_out;
        if (made && s_content(r, r->out, made) != LNOB_OK)
            return LNOB_ERR;
        if ((r->z.avail_in == 0 && r->z.avail_out > 0) || (zr == Z_BUF_ERROR && made == 0))
            return LNOB_OK;
    }
}

/* File bytes: the first say whether the file is gzip. */
static int s_bytes(reader_t *r, const char *buf, size_t n)
{
    if (r->raw == 0 && n >= 2 && (unsigned char) buf[0] == 0x1f && (unsigned char) buf[1] == 0x8b) {
        if (inflateInit2(&r->z, GZIP_WBITS) != Z_OK)
            return s_fail(r, "UNREADABLE", ": cannot start zlib", NULL);
        r->gz = 1;
        r->out = lnob_malloc(LNOB_INPUT_CHUNK);
    }
    r->raw += n;
    if (r->raw > r->stamp.size)
        return s_fail(r, "FILE_CHANGED", " changed while it was read (it grew)", NULL);
    return r->gz ? s_inflate(r, buf, n) : s_content(r, buf, n);
}

/* Reads the file to its end (or until feed stops and no hash is wanted). */
static int s_loop(reader_t *r)
{
    for (;;) {
        if (r->raw && s_unchanged(r, 0) != LNOB_OK)
            return LNOB_ERR;
        ssize_t n = read(r->fd, r->in, LNOB_INPUT_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return s_fail(r, "UNREADABLE", ": cannot read", strerror(errno));
        if (n == 0)
            break;
        int rc = s_bytes(r, r->in, (size_t) n);
        if (rc != LNOB_OK)
            return rc;
    }
    if (r->raw < r->stamp.size)
        return s_fail(r, "FILE_CHANGED", " changed while it was read (it was cut short)", NULL);
    if (r->gz && !r->gz_end)
        return s_fail(r, "UNREADABLE", ": the gzip data ends early", NULL);
    return s_unchanged(r, 1);
}

static void s_hex(EVP_MD_CTX *md, char *hex)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md, digest, &n);
    for (unsigned int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

int lnob_input_read(const char *path, lnob_input_feed_fn feed, void *arg, lnob_input_sum_t *sum,
                    const lnob_input_sum_t *expect, const char **reason, char *err, size_t cap)
{
    reader_t r = {.path = path, .fd = -1, .feed = feed, .arg = arg, .err = err, .cap = cap};
    err[0] = '\0';
    r.md = sum || expect ? EVP_MD_CTX_new() : NULL;
    if (r.md)
        EVP_DigestInit_ex(r.md, EVP_sha256(), NULL);
    r.in = lnob_malloc(LNOB_INPUT_CHUNK);
    int rc = s_open(&r, expect);
    if (rc == LNOB_OK)
        rc = s_loop(&r);
    lnob_input_sum_t got = {.bytes = r.content, .stamp = r.stamp};
    if (r.md)
        s_hex(r.md, got.hex);
    if (rc == LNOB_OK && expect && strcmp(got.hex, expect->hex) != 0)
        rc = s_fail(&r, "FILE_CHANGED", " changed since it was first read (another sha256)", NULL);
    if (sum)
        *sum = got;
    if (r.gz)
        inflateEnd(&r.z);
    EVP_MD_CTX_free(r.md);
    free(r.in);
    free(r.out);
    if (r.fd >= 0)
        close(r.fd);
    if (r.reason)
        *reason = r.reason;
    return r.reason ? LNOB_ERR : rc != LNOB_OK ? rc : r.feed_rc;
}

/* ---- rows --------------------------------------------------------------- */

static int s_csv_feed(void *text, const char *chunk, size_t n)
{
    return lnob_dialect_feed(text, chunk, n);
}

int lnob_input_rows(const char *path, lnob_csv_row_fn fn, void *arg, lnob_input_sum_t *sum,
                    const lnob_input_sum_t *expect, const char **reason, char *err, size_t cap)
{
    err[0] = '\0';
    if (lnob_statfile_kind(path) != LNOB_STATFILE_NONE) {
        if (sum && lnob_input_read(path, NULL, NULL, sum, NULL, reason, err, cap) != LNOB_OK)
            return LNOB_ERR;
        int rc = lnob_statfile_read(path, fn, arg, err, cap);
        if (rc == LNOB_ERR && *err)
            *reason = "UNREADABLE";
        if (rc == LNOB_OK && expect) /* ReadStat reads by itself: the file is held to expect after */
            rc = lnob_input_read(path, NULL, NULL, NULL, expect, reason, err, cap);
        return rc;
    }
    lnob_dialect_t *text = lnob_dialect_new(LNOB_ENC_AUTO, 0, fn, arg);
    lnob_dialect_set_max_lines(text, 1); /* SILC rows never span lines */
    int rc = lnob_input_read(path, s_csv_feed, text, sum, expect, reason, err, cap);
    if (rc == LNOB_OK)
        rc = lnob_dialect_finish(text);
    if (sum) {
        sum->delimiter = lnob_dialect_delimiter(text);
        sum->dialect[0] = '\0';
        if (!lnob_dialect_plain(text))
            lnob_dialect_describe(text, sum->dialect, sizeof sum->dialect);
    }
    lnob_dialect_destroy(&text);
    return rc;
}
