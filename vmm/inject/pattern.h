/* pattern.h: Lua 5.4's string pattern functions with a step count, for the sandbox (docs/faults.md, Limits).
 */
#ifndef ZXVMM_INJECT_PATTERN_H
#define ZXVMM_INJECT_PATTERN_H

#include <lua.h>

#include "inject/meter.h"

/*
 * Sets find, match, gmatch and gsub in the table on top of the stack (the
 * string library) to versions that behave as Lua 5.4's (the same results and
 * the same errors) and tell `charge` how many steps the matcher took: one
 * per pattern item tried at a subject position, per character a repetition
 * or a %b scans, and per 8 bytes a back-reference or a gsub template goes
 * through. Lua's own run in C, where nothing counts them: a pathological
 * pattern on a long subject takes years. A plain find (no special
 * characters, or `plain`) is a linear search and counts nothing, like any
 * library function whose work is bounded by the size of its arguments.
 */
void pattern_open(lua_State *L, meter_charge_fn charge);

#endif
