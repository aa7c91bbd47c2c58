/* gen_rng.c - xoshiro256** seeded by splitmix64 (gen_rng.h). */
#include "gen_rng.h"

#include <math.h>

#define S_DOUBLE_BITS 53
#define S_TWO_PI 6.283185307179586476925286766559

static uint64_t s_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

lnob_gen_rng_t lnob_gen_rng(uint64_t seed, uint64_t stream)
{
    lnob_gen_rng_t r;
    uint64_t state = seed ^ stream;
    for (int i = 0; i < 4; i++)
        r.s[i] = s_splitmix64(&state);
    return r;
}

static uint64_t s_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t lnob_gen_next(lnob_gen_rng_t *r)
{
    uint64_t *s = r->s;
    const uint64_t result = s_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl(s[3], 45);
    return result;
}

double lnob_gen_uniform(lnob_gen_rng_t *r)
{
    return (double) (lnob_gen_next(r) >> (64 - S_DOUBLE_BITS)) * ldexp(1.0, -S_DOUBLE_BITS);
}

int lnob_gen_int(lnob_gen_rng_t *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int) (lnob_gen_uniform(r) * (double) (hi - lo + 1));
}

int lnob_gen_chance(lnob_gen_rng_t *r, int permille)
{
    return lnob_gen_int(r, 0, LNOB_GEN_PERMILLE - 1) < permille;
}

double lnob_gen_normal(lnob_gen_rng_t *r)
{
    const double u1 = 1.0 - lnob_gen_uniform(r); /* (0, 1] so the log is finite */
    const double u2 = lnob_gen_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(S_TWO_PI * u2);
}
