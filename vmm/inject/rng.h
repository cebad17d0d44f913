/* rng.h: the run's random generator (splitmix64): scenarios' draws, math.random, per-run seeds. */
#ifndef ZXVMM_INJECT_RNG_H
#define ZXVMM_INJECT_RNG_H

#include <stdint.h>

struct rng {
    uint64_t state;
};

/* splitmix64's finaliser of `x`: a bijection that mixes every bit (docs/faults.md, the seed function). */
uint64_t rng_mix(uint64_t x);

/* A generator whose first state is `seed`. */
static inline struct rng rng_seeded(uint64_t seed)
{
    return (struct rng){seed};
}

/* The next 64 random bits (splitmix64: state += golden gamma; output = rng_mix(state)). */
uint64_t rng_next(struct rng *r);

/* A float in [0, 1) with 53 random bits. */
double rng_double(struct rng *r);

/* An integer in [lo, hi] (lo <= hi), without modulo bias. */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);

#endif
