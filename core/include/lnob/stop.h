/* lnob/stop.h - a worker told to stop stops within a bound.
 *
 * A worker's loops look at zsys_interrupted, which SIGINT and SIGTERM set
 * (CZMQ's handler). A loop busy in one long step does not look: an
 * aggregator computing a large extract once outlived the lnob run that
 * started it, which had been killed, so its PR_SET_PDEATHSIG SIGTERM came
 * and went unseen. lnob_stop_bound() keeps CZMQ's behaviour (the flag) and
 * arms an alarm at the first signal: a process still running grace_s
 * seconds later is ended by SIGALRM (its default action). Whatever it was
 * doing is redone: unacknowledged work is redelivered, and Redis discards
 * a transaction whose EXEC never came.
 * Not for: lnob run and lnob serve, which stop their own way. */
#ifndef LNOB_STOP_H
#define LNOB_STOP_H

#define LNOB_STOP_GRACE_S 10 /* as long as lnob run waits for a worker to stop */

/* Installs the SIGINT/SIGTERM handler (after zsys_init(), so that CZMQ
 * does not install its own over it). */
void lnob_stop_bound(unsigned grace_s);

#endif
