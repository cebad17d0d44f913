/* tables.h: the table library's loops with a step count, for the sandbox (docs/faults.md, Limits). */
#ifndef ZXVMM_INJECT_TABLES_H
#define ZXVMM_INJECT_TABLES_H

#include <lua.h>

#include "inject/meter.h"

/*
 * Sets concat, insert, move, remove and sort in the table on top of the
 * stack (the table library) to versions that tell `charge` one step per
 * element they go through (per comparison for sort). Lua's own loop in C as
 * far as their integer arguments or a __len metamethod say, where nothing
 * counts them: table.move({}, 1, 1 << 62, 2) never returns. concat,
 * insert, move and remove behave as Lua 5.4's (the same results and
 * errors). sort is a heapsort: deterministic (Lua's picks random pivots for
 * large arrays) and never worse than n log n comparisons; with an order
 * function that is not a strict weak order it leaves the elements in some
 * order instead of raising "invalid order function for sorting".
 */
void tables_open(lua_State *L, meter_charge_fn charge);

#endif
