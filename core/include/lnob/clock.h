/* lnob/clock.h - wall-clock and monotonic time in the units lnob logs. */
#ifndef LNOB_CLOCK_H
#define LNOB_CLOCK_H
#include <stdint.h>
#include <time.h>

/* Unix time in milliseconds (for metadata timestamps). */
int64_t lnob_now_ms(void);
/* Monotonic microseconds (for durations). */
int64_t lnob_mono_us(void);
/* The wall-clock time ms from now, for pthread_cond_timedwait. */
struct timespec lnob_deadline(long ms);

#endif
