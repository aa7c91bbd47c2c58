/* lnob/units.h - the fixed-point units shared by the wire and the math.
 *
 * RB050 has at most 5 decimals, so weights travel and accumulate as int64
 * in units of 1e-5 (spec §0.3): wi = llround(RB050 * LNOB_WEIGHT_SCALE). */
#ifndef LNOB_UNITS_H
#define LNOB_UNITS_H

#define LNOB_WEIGHT_SCALE 100000

#endif
