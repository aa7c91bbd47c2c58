/* take.h - a message handed to the aggregator as it would arrive: packed
 * and decoded by the wire codec first (for the aggregator's unit tests). */
#ifndef LNOB_TEST_TAKE_H
#define LNOB_TEST_TAKE_H
#include "aggregate.h"

/* lnob_aggregate_take of env after a round trip through the codec. */
int th_take(lnob_aggregate_t *a, lnob_env_t *env);

#endif
