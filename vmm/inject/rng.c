/* rng.c: splitmix64, the generator behind every draw of a run, so that a seed replays it exactly. */
#include "inject/rng.h"

#define RNG_GAMMA 0x9e3779b97f4a7c15ULL

uint64_t rng_mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t rng_next(struct rng *r)
{
    r->state += RNG_GAMMA;
    return rng_mix(r->state);
}

double rng_double(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo; /* hi - lo, modulo 2^64 */
    if (span == UINT64_MAX)
        return (int64_t)rng_next(r);
    uint64_t n = span + 1, limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = rng_next(r);
    while (x >= limit);
    return (int64_t)((uint64_t)lo + x % n);
}
