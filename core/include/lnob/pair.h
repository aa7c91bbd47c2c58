/* lnob/pair.h - two independent pieces of work side by side.
 *
 * For a stage's tail when the machine's other core is idle (the
 * aggregator's cells once an extract is complete): fn(second) runs in a
 * thread of its own while fn(first) runs in the caller. Results stay
 * deterministic because each piece writes only its own output, and the
 * caller combines them in a fixed order afterwards.
 * Not for: pools, queues or work that shares state. */
#ifndef LNOB_PAIR_H
#define LNOB_PAIR_H

/* Runs fn(first) here and fn(second) in a new thread, and returns when
 * both are done; without a thread to be had, runs them one after the
 * other. */
void lnob_pair_run(void *(*fn)(void *), void *first, void *second);

#endif
