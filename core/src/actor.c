/* actor.c - a thread with a pipe, joined when destroyed (lnob/actor.h). */
#include "lnob/actor.h"

#include <pthread.h>
#include <signal.h>
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

lnob_actor_t *lnob_actor_new(void (*fn)(zsock_t *pipe, void *arg), void *arg)
{
    lnob_actor_t *self = lnob_calloc(1, sizeof *self);
    self->fn = fn;
    self->arg = arg;
    self->pipe = zsys_create_pipe(&self->theirs);
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
