/* actor.h - a thread with a pipe to it, joined when it is destroyed.
 *
 * The same contract as CZMQ's zactor (the thread runs fn(pipe, arg), says
 * zsock_signal(pipe, 0) once ready, and ends when it reads "$TERM"), with
 * one difference: lnob_actor_destroy joins the thread. zactor_destroy
 * returns once the thread has signalled, while the thread may still be
 * closing its end of the pipe; a worker that then exits finds a socket
 * open, and CZMQ's exit handler sleeps 200 ms for it (zsys_shutdown). The
 * thread starts with SIGINT and SIGTERM blocked: they are the worker's
 * main loop's to see. Not for: what the thread does (links.c, curve.c). */
#ifndef LNOB_ACTOR_H
#define LNOB_ACTOR_H
#include <czmq.h>

typedef struct lnob_actor lnob_actor_t;

/* Starts fn(pipe, arg) on a thread and waits for its first signal.
 * Returns the actor, or NULL when its pipe or its thread cannot start. */
lnob_actor_t *lnob_actor_new(void (*fn)(zsock_t *pipe, void *arg), void *arg);
/* The caller's end of the pipe (send commands, zsock_wait answers). */
zsock_t *lnob_actor_pipe(lnob_actor_t *self);
/* Sends "$TERM", joins the thread, closes the pipe. NULL-safe; NULLs *self_p. */
void lnob_actor_destroy(lnob_actor_t **self_p);

#endif
