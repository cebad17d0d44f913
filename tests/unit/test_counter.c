/* test_counter.c: the fault counters in Linux's should_fail order (nth, times, space, interval,
 * probability), each on its own and in combination. No KVM. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "inject/counter.h"

/* Which of `events` events (size `size` each) fire, as a bit string: "0010". */
static const char *fires(struct fault_counter c, int events, uint64_t size, uint64_t seed)
{
    static char out[128];
    struct rng rng = rng_seeded(seed);
    for (int i = 0; i < events; i++)
        out[i] = counter_should_fire(&c, size, &rng) ? '1' : '0';
    out[events] = '\0';
    return out;
}

Test(counter, default_fires_at_every_event)
{
    cr_assert_str_eq(fires(counter_default(), 5, 0, 1), "11111");
}

Test(counter, nth_fires_only_at_the_nth_passing_event_once)
{
    struct fault_counter c = counter_default();
    c.nth = 3;
    c.times = 1;
    cr_assert_str_eq(fires(c, 6, 0, 1), "001000");
}

Test(counter, times_limits_the_firings)
{
    struct fault_counter c = counter_default();
    c.times = 2;
    cr_assert_str_eq(fires(c, 5, 0, 1), "11000");
    c.times = 0;
    cr_assert_str_eq(fires(c, 3, 0, 1), "000");
}

Test(counter, space_lets_its_budget_of_sizes_pass_first)
{
    struct fault_counter c = counter_default();
    c.space = 250;
    /* 250 > 100: 150 left; 150 > 100: 50 left; 50 > 100 is false: fire. */
    cr_assert_str_eq(fires(c, 4, 100, 1), "0011");
}

Test(counter, interval_fires_on_every_nth_counted_event)
{
    struct fault_counter c = counter_default();
    c.interval = 3;
    cr_assert_str_eq(fires(c, 9, 0, 1), "001001001");
}

Test(counter, interval_counts_only_events_past_space)
{
    struct fault_counter c = counter_default();
    c.space = 2;
    c.interval = 2;
    /* Event 1 spends space (2 > 1: 1 left); from event 2 on (1 > 1 is false) events reach the interval
     * check, counted 1, 2, 3, ...: the 2nd and 4th counted (events 3 and 5) fire. */
    cr_assert_str_eq(fires(c, 6, 1, 1), "001010");
}

Test(counter, times_is_checked_before_space_and_interval)
{
    struct fault_counter c = counter_default();
    c.times = 1;
    c.interval = 2;
    cr_assert_str_eq(fires(c, 6, 0, 1), "010000");
}

Test(counter, probability_zero_never_fires_and_hundred_always)
{
    struct fault_counter c = counter_default();
    c.probability = 0;
    cr_assert_str_eq(fires(c, 8, 0, 1), "00000000");
    c.probability = 100;
    cr_assert_str_eq(fires(c, 8, 0, 1), "11111111");
}

Test(counter, probability_draws_from_the_seed_reproducibly)
{
    struct fault_counter c = counter_default();
    c.probability = 50;
    char first[128];
    snprintf(first, sizeof(first), "%s", fires(c, 64, 0, 99));
    cr_assert_str_eq(fires(c, 64, 0, 99), first);
    int ones = 0;
    for (int i = 0; first[i]; i++)
        ones += first[i] == '1';
    cr_assert(ones > 16 && ones < 48, "50%% fired %d of 64", ones);
    /* The same draws by hand: fire when the draw in [0, 100) is below 50. */
    struct rng rng = rng_seeded(99);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(first[i] == '1', rng_double(&rng) * 100 < 50, "event %d", i);
}

Test(counter, nth_counts_passing_events_and_records_fired)
{
    struct fault_counter c = counter_default();
    c.nth = 2;
    c.times = 1;
    struct rng rng = rng_seeded(1);
    cr_assert_not(counter_should_fire(&c, 0, &rng));
    cr_assert(counter_should_fire(&c, 0, &rng));
    cr_assert_eq(c.passed, 2);
    cr_assert_eq(c.fired, 1);
    cr_assert_eq(c.times, 0);
}
