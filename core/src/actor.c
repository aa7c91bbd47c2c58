/* actor.c - a thread with a pipe, joined when destroyed (lnob/actor.h). */
#include "lnob/actor.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "lnob/mem.h"

struct lnob_actor {
    zsock_t *pipe, *theirs; /* our end, the thread's end */
    void (*fn)(zsock_t *pipe, void *arg);
    void *arg;
    pthread_t thread;
};

static void *s_run(void *p)
{
    lnob_actor_t *self = p;
    self->fn(self->theirs, self->arg);
    zsock_destroy(&self->theirs); /* before the join returns */
    return NULL;
}

/* The two ends of an actor's pipe: PAIR sockets over inproc, as CZMQ's
 * zsys_create_pipe makes them, except that a bind or connect a signal
 * interrupts (libzmq returns EINTR when one lands in its command check) is
 * tried again: zsys_create_pipe asserts there, and a worker told to stop
 * while it started aborted. Returns our end, or NULL. */
static zsock_t *s_pipe(zsock_t **theirs)
{
    zsock_t *ours = zsock_new(ZMQ_PAIR), *back = zsock_new(ZMQ_PAIR);
    int rc = ours && back ? 0 : -1;
    char ep[64];
    if (rc == 0) {
        zsock_set_sndhwm(ours, (int) zsys_pipehwm());
        zsock_set_sndhwm(back, (int) zsys_pipehwm());
        snprintf(ep, sizeof ep, "inproc://lnob-actor-%p", (void *) ours);
        while ((rc = zsock_bind(ours, "%s", ep)) == -1 && errno == EINTR)
            ;
    }
    if (rc == 0)
        while ((rc = zsock_connect(back, "%s", ep)) == -1 && errno == EINTR)
            ;
    if (rc != 0) {
        zsock_destroy(&ours);
        zsock_destroy(&back);
    }
    *theirs = back;
    return ours;
}

lnob_actor_t *lnob_actor_new(void (*fn)(zsock_t *pipe, void *arg), void *arg)
{
    lnob_actor_t *self = lnob_calloc(1, sizeof *self);
    self->fn = fn;
    self->arg = arg;
    self->pipe = s_pipe(&self->theirs);
    if (!self->pipe) {
        free(self);
        return NULL;
    }
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&self->thread, NULL, s_run, self);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        zsock_destroy(&self->theirs);
        zsock_destroy(&self->pipe);
        free(self);
        return NULL;
    }
    zsock_wait(self->pipe);
    return self;
}

zsock_t *lnob_actor_pipe(lnob_actor_t *self)
{
    return self->pipe;
}

void lnob_actor_destroy(lnob_actor_t **self_p)
{
    lnob_actor_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    zstr_send(self->pipe, "$TERM");
    pthread_join(self->thread, NULL);
    zsock_destroy(&self->pipe);
    free(self);
    *self_p = NULL;
}
