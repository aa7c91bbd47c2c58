/* input.c - rows of a CSV input file, mapped and fed in chunks (input.h). */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnob/rc.h"
#include "lnob/statfile.h"

#define FEED_CHUNK (1u << 20)

static int s_csv(const char *buf, size_t len, lnob_csv_row_fn fn, void *arg)
{
    lnob_csv_t *csv = lnob_csv_new(',', fn, arg);
    int rc = LNOB_OK;
    for (size_t off = 0; off < len && rc == LNOB_OK; off += FEED_CHUNK) {
        size_t n = len - off < FEED_CHUNK ? len - off : FEED_CHUNK;
        rc = lnob_csv_feed(csv, buf + off, n);
        madvise((void *) (buf + off), n, MADV_DONTNEED);
    }
    if (rc == LNOB_OK)
        rc = lnob_csv_finish(csv);
    lnob_csv_destroy(&csv);
    return rc;
}

int lnob_input_rows(const char *path, lnob_csv_row_fn fn, void *arg, char *err, size_t cap)
{
    err[0] = '\0';
    if (lnob_statfile_kind(path) != LNOB_STATFILE_NONE)
        return lnob_statfile_read(path, fn, arg, err, cap);
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, cap, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return LNOB_ERR;
    }
    size_t len = (size_t) st.st_size;
    void *p = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(err, cap, "%s: cannot map: %s", path, strerror(errno));
        return LNOB_ERR;
    }
    if (len)
        madvise(p, len, MADV_SEQUENTIAL);
    int rc = s_csv(p, len, fn, arg);
    if (p)
        munmap(p, len);
    return rc;
}
