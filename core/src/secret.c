/* secret.c - a secret read from an owner-only file (lnob/secret.h). */
#include "lnob/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads at most cap bytes of fd; returns the count, or -1. */
static ssize_t s_read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        n += (size_t) r;
    }
    return (ssize_t) n;
}

int lnob_secret_read(const char *path, const char *what, char *buf, size_t cap, size_t *len,
                     char *err, size_t errcap)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errcap, "%s %s: %s", what, path, strerror(errno));
        return LNOB_ERR;
    }
    ssize_t n = -1;
    if (fstat(fd, &st) != 0)
        snprintf(err, errcap, "%s %s: %s", what, path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        snprintf(err, errcap, "%s %s is not a regular file", what, path);
    else if (st.st_mode & (S_IRWXG | S_IRWXO))
        snprintf(err, errcap, "%s %s is open to group or others (mode %04o): chmod 600 it", what,
                 path, (unsigned) (st.st_mode & 07777));
    else if ((n = s_read_all(fd, buf, cap)) < 0)
        snprintf(err, errcap, "%s %s: %s", what, path, strerror(errno));
    close(fd);
    if (n < 0)
        return LNOB_ERR;
    *len = (size_t) n;
    return LNOB_OK;
}
