/* http_get.c - a blocking HTTP/1.0 GET with a deadline (http_get.h). */
#include "http_get.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lnob/clock.h"
#include "lnob/httpd.h"
#include "lnob/mem.h"

#define CHUNK 4096

/* Milliseconds left before deadline_us (at least 0). */
static int s_left(int64_t deadline_us)
{
    int64_t left = (deadline_us - lnob_mono_us()) / 1000;
    return left > 0 ? (int) left : 0;
}

/* Waits for events on fd until the deadline: 1 ready, 0 timed out. */
static int s_wait(int fd, short events, int64_t deadline_us)
{
    struct pollfd p = {fd, events, 0};
    int rc;
    while ((rc = poll(&p, 1, s_left(deadline_us))) < 0 && errno == EINTR)
        ;
    return rc > 0;
}

/* A non-blocking TCP connection to addr, made within the deadline; -1 with err. */
static int s_connect(const char *addr, int64_t deadline_us, char *err, size_t cap)
{
    struct sockaddr_storage sa;
    socklen_t len;
    if (lnob_httpd_parse(addr, &sa, &len, err, cap) != 0)
        return -1;
    int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, cap, "socket: %s", strerror(errno));
        return -1;
    }
    int rc = connect(fd, (struct sockaddr *) &sa, len);
    if (rc != 0 && errno == EINPROGRESS && s_wait(fd, POLLOUT, deadline_us)) {
        socklen_t elen = sizeof rc;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &rc, &elen);
        errno = rc;
    } else if (rc != 0 && errno == EINPROGRESS) {
        errno = ETIMEDOUT;
    }
    if (rc != 0) {
        snprintf(err, cap, "%s: %s", addr, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends all of text within the deadline; -1 with err. */
static int s_send(int fd, const char *text, int64_t deadline_us, char *err, size_t cap)
{
    for (size_t sent = 0, n = strlen(text); sent < n;) {
        ssize_t k = send(fd, text + sent, n - sent, MSG_NOSIGNAL);
        if (k > 0)
            sent += (size_t) k;
        else if (k < 0 && errno != EAGAIN && errno != EINTR) {
            snprintf(err, cap, "send: %s", strerror(errno));
            return -1;
        } else if (!s_wait(fd, POLLOUT, deadline_us)) {
            snprintf(err, cap, "timed out sending the request");
            return -1;
        }
    }
    return 0;
}

/* Reads until the server closes; the owned answer in *out; -1 with err. */
static int s_read_all(int fd, int64_t deadline_us, char **out, size_t *len, char *err, size_t cap)
{
    size_t size = 0, room = 0;
    char *buf = NULL;
    for (;;) {
        lnob_grow((void **) &buf, &room, size + CHUNK + 1, 1);
        ssize_t k = recv(fd, buf + size, CHUNK, 0);
        if (k == 0)
            break;
        if (k > 0 && (size += (size_t) k) > LNOB_HTTP_GET_MAX) {
            snprintf(err, cap, "answer over %d bytes", LNOB_HTTP_GET_MAX);
            break;
        }
        if (k < 0 && errno != EAGAIN && errno != EINTR) {
            snprintf(err, cap, "recv: %s", strerror(errno));
            break;
        }
        if (k < 0 && !s_wait(fd, POLLIN, deadline_us)) {
            snprintf(err, cap, "timed out reading the answer");
            break;
        }
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return *err ? -1 : 0;
}

/* "HTTP/1.x NNN ...\r\n...\r\n\r\nbody": the status, *body moved past the head. */
static int s_parse(char *answer, char **body, char *err, size_t cap)
{
    int status = 0;
    size_t head = 0; /* the blank line that ends the head */
    while (answer[head] && strncmp(answer + head, "\r\n\r\n", 4) != 0)
        head++;
    if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1 || !answer[head] || status < 100 || status > 599) {
        snprintf(err, cap, "not an HTTP answer");
        return -1;
    }
    head += 4;
    memmove(answer, answer + head, strlen(answer + head) + 1);
    *body = answer;
    return status;
}

int lnob_http_get(const char *addr, const char *path, int timeout_ms, char **body, char *err, size_t cap)
{
    *body = NULL;
    err[0] = '\0';
    int64_t deadline = lnob_mono_us() + (int64_t) timeout_ms * 1000;
    char request[512], *answer = NULL;
    snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr);
    int fd = s_connect(addr, deadline, err, cap);
    if (fd < 0)
        return -1;
    size_t len = 0;
    int status = s_send(fd, request, deadline, err, cap) == 0 && s_read_all(fd, deadline, &answer, &len, err, cap) == 0
                         ? s_parse(answer, body, err, cap)
                         : -1;
    close(fd);
    if (status < 0)
        free(answer);
    return status;
}
