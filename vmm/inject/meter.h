/* meter.h: how the sandbox's own library functions (pattern.c, tables.c) count their work against the
 * instruction budget, which otherwise reaches Lua code only (docs/faults.md, Limits). */
#ifndef ZXVMM_INJECT_METER_H
#define ZXVMM_INJECT_METER_H

#include <stdint.h>

#include <lua.h>

/*
 * Told that a library function called from Lua did `steps` more steps of
 * work (a step: about as much as one VM instruction). May raise a Lua error
 * (the budget ran out); the function must then hold nothing that the error
 * would leak.
 */
typedef void (*meter_charge_fn)(lua_State *L, uint64_t steps);

#define METER_BATCH 1024 /* steps a meter gathers before it charges them */

/* One call's count: steps gather here and reach `charge` in batches. */
struct meter {
    lua_State *L;
    meter_charge_fn charge;
    uint64_t pending;
};

/* Charges what is pending: at the end of a call, so that small calls count too. */
static inline void meter_flush(struct meter *m)
{
    if (m->pending) {
        uint64_t steps = m->pending;
        m->pending = 0;
        m->charge(m->L, steps);
    }
}

/* Counts `n` steps; at every METER_BATCH of them, charges (and may raise the budget's error). */
static inline void meter_step(struct meter *m, uint64_t n)
{
    m->pending += n;
    if (m->pending >= METER_BATCH)
        meter_flush(m);
}

/* Pushes a value holding `charge`, for the closures of a library (their first upvalue). */
static inline void meter_push_charge(lua_State *L, meter_charge_fn charge)
{
    meter_charge_fn *slot = lua_newuserdatauv(L, sizeof(*slot), 0);
    *slot = charge;
}

/* A fresh meter for a call of a closure whose first upvalue meter_push_charge made. */
static inline struct meter meter_of_call(lua_State *L)
{
    meter_charge_fn *slot = lua_touserdata(L, lua_upvalueindex(1));
    return (struct meter){L, *slot, 0};
}

#endif
