/* tap.c - a byte-level relay that copies what passes (tap.h). */
#include "tap.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lnob/mem.h"

#define MAX_PAIRS 32
#define POLL_MS 50

typedef struct {
    int a, b; /* accepted from a peer; connected to the target */
} pair_t;

struct th_tap {
    char target[108], listen[108];
    int lfd, stop[2];
    pair_t pairs[MAX_PAIRS];
    size_t n_pairs, connections;
    pthread_t th;
    int stopped;
    pthread_mutex_t mu; /* copy, len, cap, connections */
    char *copy;
    size_t len, cap;
};

static int s_unix(const char *path, int listen_it)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = listen_it ? bind(fd, (struct sockaddr *) &sa, sizeof sa) : connect(fd, (struct sockaddr *) &sa, sizeof sa);
    if (rc == 0 && listen_it)
        rc = listen(fd, 16);
    if (rc != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void s_keep(th_tap_t *self, const char *buf, size_t n)
{
    pthread_mutex_lock(&self->mu);
    lnob_grow((void **) &self->copy, &self->cap, self->len + n, 1);
    memcpy(self->copy + self->len, buf, n);
    self->len += n;
    pthread_mutex_unlock(&self->mu);
}

static int s_write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w, n -= (size_t) w;
    }
    return 0;
}

/* Moves what from has to to; -1 when the connection is over. */
static int s_relay(th_tap_t *self, int from, int to)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return -1;
    s_keep(self, buf, (size_t) n);
    return s_write_all(to, buf, (size_t) n);
}

static void s_close_pair(th_tap_t *self, size_t i)
{
    close(self->pairs[i].a);
    close(self->pairs[i].b);
    self->pairs[i] = self->pairs[--self->n_pairs];
}

static void s_accept(th_tap_t *self)
{
    int a = accept(self->lfd, NULL, NULL);
    if (a < 0)
        return;
    int b = s_unix(self->target, 0);
    if (b < 0 || self->n_pairs == MAX_PAIRS) { /* the peer reconnects later */
        close(a);
        if (b >= 0)
            close(b);
        return;
    }
    self->pairs[self->n_pairs++] = (pair_t){a, b};
    pthread_mutex_lock(&self->mu);
    self->connections++;
    pthread_mutex_unlock(&self->mu);
}

static void *s_loop(void *arg)
{
    th_tap_t *self = arg;
    for (;;) {
        struct pollfd p[2 + 2 * MAX_PAIRS];
        size_t n = 0;
        p[n++] = (struct pollfd){self->stop[0], POLLIN, 0};
        p[n++] = (struct pollfd){self->lfd, POLLIN, 0};
        for (size_t i = 0; i < self->n_pairs; i++) {
            p[n++] = (struct pollfd){self->pairs[i].a, POLLIN, 0};
            p[n++] = (struct pollfd){self->pairs[i].b, POLLIN, 0};
        }
        if (poll(p, n, POLL_MS) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        size_t polled = self->n_pairs; /* a pair accepted below waits for the next poll */
        if (p[1].revents & POLLIN)
            s_accept(self);
        for (size_t i = polled; i-- > 0;) { /* backwards: closing moves the last pair */
            short ra = p[2 + 2 * i].revents, rb = p[3 + 2 * i].revents;
            int over = 0;
            if (ra)
                over |= s_relay(self, self->pairs[i].a, self->pairs[i].b);
            if (rb && !over)
                over |= s_relay(self, self->pairs[i].b, self->pairs[i].a);
            if (over)
                s_close_pair(self, i);
        }
    }
    return NULL;
}

/* Stops the relay thread (once) and closes every connection. */
static void s_stop(th_tap_t *self)
{
    if (self->stopped)
        return;
    self->stopped = 1;
    cr_assert_eq(write(self->stop[1], "x", 1), 1);
    pthread_join(self->th, NULL);
    while (self->n_pairs)
        s_close_pair(self, 0);
}

th_tap_t *th_tap_new(const char *target_path, const char *listen_path)
{
    th_tap_t *self = lnob_calloc(1, sizeof *self);
    snprintf(self->target, sizeof self->target, "%s", target_path);
    snprintf(self->listen, sizeof self->listen, "%s", listen_path);
    unlink(listen_path);
    self->lfd = s_unix(listen_path, 1);
    cr_assert_geq(self->lfd, 0, "tap: cannot listen on %s: %s", listen_path, strerror(errno));
    cr_assert_eq(pipe(self->stop), 0);
    pthread_mutex_init(&self->mu, NULL);
    cr_assert_eq(pthread_create(&self->th, NULL, s_loop, self), 0);
    return self;
}

void th_tap_destroy(th_tap_t **p)
{
    th_tap_t *self = p ? *p : NULL;
    if (!self)
        return;
    s_stop(self);
    close(self->lfd);
    close(self->stop[0]);
    close(self->stop[1]);
    unlink(self->listen);
    pthread_mutex_destroy(&self->mu);
    free(self->copy);
    free(self);
    *p = NULL;
}

const char *th_tap_bytes(th_tap_t *self, size_t *len)
{
    s_stop(self);
    pthread_mutex_lock(&self->mu);
    *len = self->len;
    const char *copy = self->copy;
    pthread_mutex_unlock(&self->mu);
    return copy ? copy : "";
}

size_t th_tap_connections(th_tap_t *self)
{
    pthread_mutex_lock(&self->mu);
    size_t n = self->connections;
    pthread_mutex_unlock(&self->mu);
    return n;
}
