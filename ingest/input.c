/* input.c - the bytes and rows of one input file (input.h). */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/dialect.h"
#include "lnob/rc.h"
#include "lnob/statfile.h"

int lnob_input_map(const char *path, const char **buf, size_t *len, char *err, size_t cap)
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

/* Drops mapped pages already read, so resident memory stays one chunk
 * deep instead of growing to the file's size. */
void lnob_input_release(const char *buf, size_t off, size_t n)
{
    madvise((void *) (buf + off), n, MADV_DONTNEED);
}

int lnob_input_chunks(const char *buf, size_t len, lnob_input_feed_fn feed, void *arg)
{
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += LNOB_INPUT_CHUNK) {
        size_t n = len - off < LNOB_INPUT_CHUNK ? len - off : LNOB_INPUT_CHUNK;
        rc = feed(arg, buf + off, n);
        lnob_input_release(buf, off, n);
    }
    return rc;
}

/* ---- sha256 ------------------------------------------------------------- */

/* A file read once for its rows and its sha256: the CSV reader stops at
 * its callback's first rc other than LNOB_OK, the hash goes to the end. */
typedef struct {
    EVP_MD_CTX *md;   /* NULL: no hash wanted */
    lnob_dialect_t *csv; /* NULL: hash only */
    int rc;
} pass_t;

static int s_pass(void *arg, const char *chunk, size_t n)
{
    pass_t *p = arg;
    if (p->md)
        EVP_DigestUpdate(p->md, chunk, n);
    if (p->csv && p->rc == LNOB_OK)
        p->rc = lnob_dialect_feed(p->csv, chunk, n);
    return p->md || p->rc == LNOB_OK ? LNOB_OK : p->rc;
}

static void s_hex(EVP_MD_CTX *md, char *hex)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md, digest, &n);
    for (unsigned int i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* Reads buf[0..len) once: into csv when it is not NULL, into the hex of
 * sum when that is not NULL. Returns the CSV reader's rc. */
static int s_read(const char *buf, size_t len, lnob_dialect_t *csv, lnob_input_sum_t *sum)
{
    pass_t p = {sum ? EVP_MD_CTX_new() : NULL, csv, LNOB_OK};
    if (p.md)
        EVP_DigestInit_ex(p.md, EVP_sha256(), NULL);
    int rc = lnob_input_chunks(buf, len, s_pass, &p);
    if (p.md) {
        s_hex(p.md, sum->hex);
        sum->bytes = len;
        EVP_MD_CTX_free(p.md);
    }
    return p.rc != LNOB_OK ? p.rc : rc;
}

void lnob_input_checksum(const char *buf, size_t len, char *hex)
{
    lnob_input_sum_t sum;
    s_read(buf, len, NULL, &sum);
    memcpy(hex, sum.hex, HEX_SHA256);
}

/* ---- rows --------------------------------------------------------------- */

int lnob_input_rows(const char *path, lnob_csv_row_fn fn, void *arg, lnob_input_sum_t *sum, char *err,
                    size_t cap)
{
    const char *buf;
    size_t len;
    char why[LNOB_ERRSTR_MAX];
    err[0] = '\0';
    int stat = lnob_statfile_kind(path) != LNOB_STATFILE_NONE;
    if ((sum || !stat) && lnob_input_map(path, &buf, &len, why, sizeof why) != 0) {
        snprintf(err, cap, "%s: %s", path, why);
        return LNOB_ERR;
    }
    lnob_dialect_t *csv = stat ? NULL : lnob_dialect_new(LNOB_ENC_AUTO, 0, fn, arg);
    int rc = sum || !stat ? s_read(buf, len, csv, sum) : LNOB_OK;
    if ((sum || !stat) && buf)
        munmap((void *) buf, len);
    if (stat)
        return lnob_statfile_read(path, fn, arg, err, cap);
    if (rc == LNOB_OK)
        rc = lnob_dialect_finish(csv);
    if (sum) {
        sum->delimiter = lnob_dialect_delimiter(csv);
        sum->dialect[0] = '\0';
        if (!lnob_dialect_plain(csv))
            lnob_dialect_describe(csv, sum->dialect, sizeof sum->dialect);
    }
    lnob_dialect_destroy(&csv);
    return rc;
}
