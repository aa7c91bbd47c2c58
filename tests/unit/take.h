/* take.h - a message handed to the aggregator as it would arrive: packed
 * and decoded by the wire codec first (for the aggregator's unit tests). */
#ifndef LNOB_TEST_TAKE_H
#define LNOB_TEST_TAKE_H
#include "aggregate.h"

/* lnob_aggregate_take of env after a round trip through the codec. */
int th_take(lnob_aggregate_t *a, lnob_env_t *env);
/* An aggregator's emit (lnob_aggregate_new(th_keep_result, &last)): keeps
 * the last Result it sends, decoded, in *(lnob_env_t **) arg (the caller
 * frees it); other messages are dropped. */
int th_keep_result(void *arg, const uint8_t *data, size_t len);

#endif
