/* gen_rng.h - the generators' deterministic random streams.
 *
 * xoshiro256** (Blackman & Vigna) seeded through splitmix64 from a seed
 * xored with a stream constant, so each stream of a generator is
 * independent and the same (seed, stream) gives the same numbers on every
 * host. The values are plain value types: copy one to fork a stream.
 * Not for: cryptography, or anything outside the synthetic data generators. */
#ifndef LNOB_GEN_RNG_H
#define LNOB_GEN_RNG_H
#include <stdint.h>

#define LNOB_GEN_PERMILLE 1000

typedef struct {
    uint64_t s[4];
} lnob_gen_rng_t;

/* The stream `stream` of seed `seed`. */
lnob_gen_rng_t lnob_gen_rng(uint64_t seed, uint64_t stream);
/* Next 64 random bits. */
uint64_t lnob_gen_next(lnob_gen_rng_t *r);
/* Uniform in [0, 1), 53 bits. */
double lnob_gen_uniform(lnob_gen_rng_t *r);
/* Uniform integer in [lo, hi]; lo when hi <= lo. */
int lnob_gen_int(lnob_gen_rng_t *r, int lo, int hi);
/* 1 with probability permille / 1000. */
int lnob_gen_chance(lnob_gen_rng_t *r, int permille);
/* Standard normal (Box-Muller, cosine branch only: one draw per call). */
double lnob_gen_normal(lnob_gen_rng_t *r);

#endif
