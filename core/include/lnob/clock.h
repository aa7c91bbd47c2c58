/* lnob/clock.h - wall-clock and monotonic time in the units lnob logs. */
#ifndef LNOB_CLOCK_H
#define LNOB_CLOCK_H
#include <stdint.h>

/* Unix time in milliseconds (for metadata timestamps). */
int64_t lnob_now_ms(void);
/* Monotonic microseconds (for durations). */
int64_t lnob_mono_us(void);

#endif
