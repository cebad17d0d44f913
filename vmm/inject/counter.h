/* counter.h: when a fault fires, among the events that pass its filters: Linux's should_fail order. */
#ifndef ZXVMM_INJECT_COUNTER_H
#define ZXVMM_INJECT_COUNTER_H

#include <stdbool.h>
#include <stdint.h>

#include "inject/rng.h"

/* A fault's counters as the scenario gives them, and their state in one run. */
struct fault_counter {
    uint64_t nth;       /* only the nth passing event may fire (1-based); 0: any */
    int64_t times;      /* fires left: -1 unlimited (default 1 with nth, else -1) */
    uint64_t space;     /* bytes of size arguments to let pass first */
    uint64_t interval;  /* fire only on every interval-th event reaching this check; 0 or 1: each */
    double probability; /* percent, in [0, 100] (default 100) */
    /* Run state. */
    uint64_t passed;  /* events that passed the filters: the `n` of results */
    uint64_t counted; /* events that reached the interval check */
    uint64_t fired;
};

/* The counters of a fault that gives none: fires at every passing event. */
struct fault_counter counter_default(void);

/*
 * Counts one event that passed the fault's filters and decides whether the
 * fault fires, in Linux's should_fail order: (1) nth, (2) times exhausted,
 * (3) space (while the budget exceeds `size`, subtract it and do not fire),
 * (4) interval, (5) probability (one draw from `rng` in [0, 100), drawn
 * only when probability < 100). Firing decrements times (unless -1).
 */
bool counter_should_fire(struct fault_counter *c, uint64_t size, struct rng *rng);

#endif
