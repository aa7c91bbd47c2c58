/* replay_mis.c - the rejected rows of an MIS extract, copied from its
 * exports after their checksums (replay_mis.h). */
#include "mis_replay.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "lnob/mem.h"

#define PROG LNOB_REPLAY_PROG
#define EXIT_FAILED LNOB_REPLAY_FAILED
#define SHA_HEX 64
#define READ_CHUNK (1u << 16)
/* A quoted row may span lines (docs/mis.md); one longer than this is
 * copied as its first line only, as the ingester rejected it. */
#define ROW_LINES_MAX 64
#define ROW_BYTES_MAX (1u << 20)

/* One export of the extract: its path and sha256 as ingested. */
typedef struct {
    char path[4096];
    char hex[SHA_HEX + 1];
} sum_t;

/* The sha256 of the file at path as hex, of its content (decompressed
 * when gzipped, as the ingester takes it); -1 when it cannot be read. */
static int s_sha256(const char *path, char *hex)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return -1;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char *buf = lnob_malloc(READ_CHUNK), out[crypto_hash_sha256_BYTES];
    int n;
    while ((n = gzread(f, buf, READ_CHUNK)) > 0)
        crypto_hash_sha256_update(&st, buf, (size_t) n);
    gzclose(f);
    free(buf);
    if (n < 0)
        return -1;
    crypto_hash_sha256_final(&st, out);
    sodium_bin2hex(hex, SHA_HEX + 1, out, sizeof out);
    return 0;
}

/* Parses the "<sha256>  <path>" lines of sums; returns an owned array. */
static sum_t *s_parse_sums(const char *sums, size_t *n)
{
    sum_t *v = NULL;
    size_t cap = 0;
    *n = 0;
    for (const char *p = sums; *p;) {
        size_t len = strcspn(p, "\n");
        if (len > SHA_HEX + 2 && p[SHA_HEX] == ' ' && p[SHA_HEX + 1] == ' ') {
            lnob_grow((void **) &v, &cap, *n + 1, sizeof *v);
            sum_t *s = &v[(*n)++];
            memcpy(s->hex, p, SHA_HEX);
            s->hex[SHA_HEX] = '\0';
            snprintf(s->path, sizeof s->path, "%.*s", (int) (len - SHA_HEX - 2), p + SHA_HEX + 2);
        }
        p += len + (p[len] == '\n');
    }
    return v;
}

/* ---- copying rows ---------------------------------------------------------- */

/* Reads a file a code unit at a time: bytes, or 16-bit units of UTF-16
 * (told by its byte order mark), so that quotes and newlines are found in
 * any encoding the MIS reader takes. */
typedef struct {
    gzFile f;
    int unit;         /* 1 or 2 bytes */
    int big_endian;   /* UTF-16BE */
} units_t;

static void s_units_open(units_t *u, gzFile f)
{
    int a = gzgetc(f), b = gzgetc(f);
    u->f = f;
    u->unit = (a == 0xFF && b == 0xFE) || (a == 0xFE && b == 0xFF) ? 2 : 1;
    u->big_endian = a == 0xFE;
    gzrewind(f);
}

/* The next unit's value and bytes (b[0..u->unit)); -1 at the end. */
static long s_unit(const units_t *u, unsigned char b[2])
{
    for (int i = 0; i < u->unit; i++) {
        int c = gzgetc(u->f);
        if (c < 0)
            return -1;
        b[i] = (unsigned char) c;
    }
    if (u->unit == 1)
        return b[0];
    return u->big_endian ? (b[0] << 8) | b[1] : (b[1] << 8) | b[0];
}

/* A row being copied: its bytes until it is known to be whole. */
typedef struct {
    unsigned char *buf;
    size_t len, cap, first_line; /* bytes of its first line, newline included */
    int lines, quotes_open;
} row_t;

static void s_row_add(row_t *r, const unsigned char *b, int n)
{
    if (r->len + (size_t) n > ROW_BYTES_MAX)
        return; /* past the bound only its first line is written */
    lnob_grow((void **) &r->buf, &r->cap, r->len + (size_t) n, 1);
    memcpy(r->buf + r->len, b, (size_t) n);
    r->len += (size_t) n;
}

/* Copies line 1 and every line in want[0..n) (ascending) of in to out,
 * each wanted row whole: to the newline where its quotes close, within
 * ROW_LINES_MAX lines; a row that does not close (BAD_QUOTING) is its
 * first line. Returns how many wanted rows were found. */
static size_t s_copy_rows(gzFile in, FILE *out, const uint64_t *want, size_t n)
{
    units_t u;
    s_units_open(&u, in);
    row_t row = {0};
    uint64_t line = 1;
    size_t next = 0, found = 0;
    int copying = 1; /* line 1, the header */
    unsigned char b[2];
    for (long c; (c = s_unit(&u, b)) >= 0;) {
        if (copying) {
            s_row_add(&row, b, u.unit);
            row.quotes_open ^= c == '"';
        }
        if (c != '\n')
            continue;
        line++;
        if (copying) {
            row.lines++;
            if (!row.first_line)
                row.first_line = row.len;
            int whole = !row.quotes_open || row.lines >= ROW_LINES_MAX || row.len >= ROW_BYTES_MAX;
            if (whole) {
                fwrite(row.buf, 1, row.quotes_open || row.len >= ROW_BYTES_MAX ? row.first_line : row.len,
                       out);
                row = (row_t){row.buf, 0, row.cap, 0, 0, 0};
                copying = 0;
            }
        }
        while (next < n && want[next] < line)
            next++; /* a line inside a row already copied */
        if (!copying && next < n && want[next] == line) {
            copying = 1;
            found++;
            next++;
        }
    }
    if (copying && row.len) /* the last row, without a newline */
        fwrite(row.buf, 1, row.quotes_open && row.first_line ? row.first_line : row.len, out);
    free(row.buf);
    return found;
}

/* ---- one export ------------------------------------------------------------- */

static int s_by_line(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

/* The distinct data lines of s's rows, ascending (owned), in *k; rows
 * without a line are counted in *no_line. */
static uint64_t *s_lines_of(const sum_t *s, const lnob_replay_row_t *rows, size_t n, size_t *k,
                            size_t *no_line)
{
    uint64_t *lines = lnob_calloc(n ? n : 1, sizeof *lines);
    *k = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(rows[i].source, s->path) && rows[i].line > 1)
            lines[(*k)++] = rows[i].line;
        else if (!strcmp(rows[i].source, s->path))
            (*no_line)++;
    qsort(lines, *k, sizeof *lines, s_by_line);
    size_t u = 0;
    for (size_t i = 0; i < *k; i++)
        if (!u || lines[u - 1] != lines[i])
            lines[u++] = lines[i];
    *k = u;
    return lines;
}

/* Writes the rows of one export into dir. Returns 0, or 1 after saying why. */
static int s_replay_export(const lnob_replay_t *r, const sum_t *s, const lnob_replay_row_t *rows, size_t n,
                           size_t *no_line)
{
    size_t k;
    uint64_t *lines = s_lines_of(s, rows, n, &k, no_line);
    char hex[SHA_HEX + 1], to[8192];
    const char *base = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
    snprintf(to, sizeof to, "%s/%s", r->out, base);
    int code = 0;
    if (k == 0)
        ;
    else if (s_sha256(s->path, hex) != 0) {
        fprintf(stderr, "%s: cannot read %s (%s): its %zu rejected rows are not replayed\n", PROG,
                s->path, strerror(errno), k);
        code = EXIT_FAILED;
    } else if (strcmp(hex, s->hex) != 0) {
        fprintf(stderr, "%s: FILE_CHANGED: %s is not the file extract %s read (sha256 %.16s..., "
                        "was %.16s...): its %zu rejected rows are not replayed\n",
                PROG, s->path, r->id, hex, s->hex, k);
        code = EXIT_FAILED;
    } else if (lnob_replay_same_file(to, s->path)) {
        fprintf(stderr, "%s: %s is an export of the extract: not writing over it\n", PROG, to);
        code = EXIT_FAILED;
    } else {
        int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* personal data: the owner's */
        gzFile in = gzopen(s->path, "rb");
        FILE *out = in && fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (!out && fd >= 0)
            close(fd);
        size_t found = out ? s_copy_rows(in, out, lines, k) : 0;
        if (!out || fclose(out) != 0) {
            fprintf(stderr, "%s: cannot write %s: %s\n", PROG, to, strerror(errno));
            code = EXIT_FAILED;
        } else
            fprintf(stderr, "%s: wrote the header and %zu rejected rows of %s to %s\n", PROG, found,
                    s->path, to);
        if (out && found < k) {
            fprintf(stderr, "%s: %zu rejected rows of %s are past its end\n", PROG, k - found, s->path);
            code = EXIT_FAILED;
        }
        if (in)
            gzclose(in);
    }
    free(lines);
    return code;
}

int lnob_mis_replay(const lnob_replay_t *r, lnob_meta_get_fn get, const void *meta, const lnob_replay_row_t *rows,
                    size_t n)
{
    const char *sums = get(meta, "input_sums");
    size_t n_sums, no_line = 0, known = 0;
    sum_t *s = s_parse_sums(sums, &n_sums);
    if (!n_sums) {
        fprintf(stderr, "%s: extract %s has no input_sums (stored before lnob kept them): run its "
                        "exports again into the same Redis, then replay\n", PROG, r->id);
        free(s);
        return EXIT_FAILED;
    }
    if (mkdir(r->out, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot make %s: %s\n", PROG, r->out, strerror(errno));
        free(s);
        return EXIT_FAILED;
    }
    int code = 0;
    for (size_t i = 0; i < n_sums; i++)
        code |= s_replay_export(r, &s[i], rows, n, &no_line);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n_sums; j++)
            known += !strcmp(rows[i].source, s[j].path);
    if (no_line) /* an export that could not be read at all: one entry, line 0 or 1 */
        fprintf(stderr, "%s: %zu entries concern a whole export (no row to replay)\n", PROG, no_line);
    if (known < n)
        fprintf(stderr, "%s: %zu entries name a file the extract does not list: left out\n", PROG,
                n - known);
    if (!code)
        fprintf(stderr, "%s: correct the rows, then check them with lnob run --mis %s/* and the "
                        "extract's --pseudonym-key and --period (a new extract of its own)\n",
                PROG, r->out);
    free(s);
    return code || no_line || known < n ? EXIT_FAILED : 0;
}
