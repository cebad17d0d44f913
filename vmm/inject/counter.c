/* counter.c: the should_fail order of Linux's fault injection, per fault and per run. */
#include "inject/counter.h"

struct fault_counter counter_default(void)
{
    return (struct fault_counter){.times = -1, .probability = 100};
}

bool counter_should_fire(struct fault_counter *c, uint64_t size, struct rng *rng)
{
    c->passed++;
    if (c->nth != 0 && c->passed != c->nth)
        return false;
    if (c->times == 0)
        return false;
    if (c->space > size) {
        c->space -= size;
        return false;
    }
    if (c->interval > 1 && ++c->counted % c->interval != 0)
        return false;
    if (c->probability < 100 && !(rng_double(rng) * 100 < c->probability))
        return false;
    if (c->times > 0)
        c->times--;
    c->fired++;
    return true;
}
