/*
 * tables.c: table.concat, insert, move, remove and sort for the sandbox, each counting on a meter the
 * elements it goes through. The first four take the same arguments, give the same results and raise the
 * same errors as Lua 5.4's (fuzz_lualib compares them); sort is a heapsort of its own (tables.h).
 */
#include "inject/tables.h"

#include <limits.h>
#include <stdbool.h>

#include <lauxlib.h>

/* What a value must allow to stand for a table: a table does; anything else needs these metamethods. */
enum { TABLE_READ = 1, TABLE_WRITE = 2, TABLE_LENGTH = 4 };

/* Whether the metatable `depth` slots below the top, once `key` is pushed, has the field `key`. */
static bool has_field(lua_State *L, const char *key, int depth)
{
    lua_pushstring(L, key);
    return lua_rawget(L, -depth) != LUA_TNIL;
}

/* Argument `arg` must be a table or have a metatable with the metamethods `what` needs; else the same
 * "table expected" error as Lua's. */
static void check_table(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) == LUA_TTABLE)
        return;
    int pushed = 1;
    if (lua_getmetatable(L, arg) && (!(what & TABLE_READ) || has_field(L, "__index", ++pushed)) &&
        (!(what & TABLE_WRITE) || has_field(L, "__newindex", ++pushed)) &&
        (!(what & TABLE_LENGTH) || has_field(L, "__len", ++pushed))) {
        lua_pop(L, pushed);
        return;
    }
    luaL_checktype(L, arg, LUA_TTABLE);
}

/* The length (#, with __len) of argument `arg`, after checking it allows `what` as well. */
static lua_Integer table_length(lua_State *L, int arg, int what)
{
    check_table(L, arg, what | TABLE_LENGTH);
    return luaL_len(L, arg);
}

/* dst[to] = src[from], for the arguments at stack indices src and dst. */
static void copy_element(lua_State *L, int src, lua_Integer from, int dst, lua_Integer to)
{
    lua_geti(L, src, from);
    lua_seti(L, dst, to);
}

/* table.insert(t, [pos,] value) */
static int tab_insert(lua_State *L)
{
    lua_Integer end = table_length(L, 1, TABLE_READ | TABLE_WRITE);
    lua_Integer pos;
    end = (lua_Integer)((lua_Unsigned)end + 1); /* the first empty slot, wrapping as Lua's does */
    switch (lua_gettop(L)) {
    case 2:
        pos = end;
        break;
    case 3: {
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)end, 2, "position out of bounds");
        struct meter meter = meter_of_call(L);
        for (lua_Integer i = end; i > pos; i--) {
            meter_step(&meter, 1);
            copy_element(L, 1, i - 1, 1, i);
        }
        meter_flush(&meter);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

/* table.remove(t [, pos]) */
static int tab_remove(lua_State *L)
{
    lua_Integer size = table_length(L, 1, TABLE_READ | TABLE_WRITE);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) /* Lua 5.4 names argument 1 here */
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 1, "position out of bounds");
    lua_geti(L, 1, pos);
    struct meter meter = meter_of_call(L);
    for (; pos < size; pos++) {
        meter_step(&meter, 1);
        copy_element(L, 1, pos + 1, 1, pos);
    }
    meter_flush(&meter);
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

/* table.move(a1, f, e, t [, a2]) */
static int tab_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int dst = !lua_isnoneornil(L, 5) ? 5 : 1;
    check_table(L, 1, TABLE_READ);
    check_table(L, dst, TABLE_WRITE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        struct meter meter = meter_of_call(L);
        /* Upwards unless the ranges overlap with the destination above the source. */
        bool upwards = t > e || t <= f || (dst != 1 && !lua_compare(L, 1, dst, LUA_OPEQ));
        for (lua_Integer i = 0; i < n; i++) {
            meter_step(&meter, 1);
            lua_Integer k = upwards ? i : n - 1 - i;
            copy_element(L, 1, f + k, dst, t + k);
        }
        meter_flush(&meter);
    }
    lua_pushvalue(L, dst);
    return 1;
}

/* Appends t[i] (argument 1), which must be a string or a number. */
static void add_element(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1), i);
    luaL_addvalue(b);
}

/* table.concat(t [, sep [, i [, j]]]) */
static int tab_concat(lua_State *L)
{
    lua_Integer last = table_length(L, 1, TABLE_READ);
    size_t seplen;
    const char *sep = luaL_optlstring(L, 2, "", &seplen);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    struct meter meter = meter_of_call(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (; i < last; i++) {
        meter_step(&meter, 1);
        add_element(L, &b, i);
        luaL_addlstring(&b, sep, seplen);
    }
    if (i == last)
        add_element(L, &b, i);
    meter_flush(&meter);
    luaL_pushresult(&b);
    return 1;
}

/* Whether the value at stack index a sorts before the one at b: by the order function (argument 2) if there
 * is one, else by '<'. */
static bool sorts_before(struct meter *meter, lua_State *L, int a, int b)
{
    meter_step(meter, 1);
    if (lua_isnil(L, 2))
        return lua_compare(L, a, b, LUA_OPLT);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, a);
    lua_pushvalue(L, b);
    lua_call(L, 2, 1);
    bool before = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return before;
}

/* Lets t[root] (argument 1) sink into the heap t[root..end] until neither child sorts after it. */
static void sift_down(struct meter *meter, lua_State *L, lua_Integer root, lua_Integer end)
{
    lua_geti(L, 1, root);
    int sinking = lua_gettop(L);
    for (lua_Integer child = 2 * root; child <= end; child = 2 * root) {
        lua_geti(L, 1, child);
        if (child < end) {
            lua_geti(L, 1, child + 1);
            if (sorts_before(meter, L, sinking + 1, sinking + 2)) {
                child++;
                lua_remove(L, sinking + 1);
            } else {
                lua_pop(L, 1);
            }
        }
        if (!sorts_before(meter, L, sinking, sinking + 1)) {
            lua_pop(L, 1);
            break;
        }
        lua_seti(L, 1, root); /* the larger child moves up */
        root = child;
    }
    lua_seti(L, 1, root);
}

/* table.sort(t [, comp]) */
static int tab_sort(lua_State *L)
{
    lua_Integer n = table_length(L, 1, TABLE_READ | TABLE_WRITE);
    if (n <= 1)
        return 0;
    luaL_argcheck(L, n < INT_MAX, 1, "array too big");
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    struct meter meter = meter_of_call(L);
    for (lua_Integer root = n / 2; root >= 1; root--)
        sift_down(&meter, L, root, n);
    for (lua_Integer end = n; end > 1; end--) {
        lua_geti(L, 1, 1);
        copy_element(L, 1, end, 1, 1);
        lua_seti(L, 1, end); /* the largest left goes last */
        sift_down(&meter, L, 1, end - 1);
    }
    meter_flush(&meter);
    return 0;
}

void tables_open(lua_State *L, meter_charge_fn charge)
{
    static const luaL_Reg fns[] = {{"concat", tab_concat}, {"insert", tab_insert}, {"move", tab_move},
                                   {"remove", tab_remove}, {"sort", tab_sort},     {NULL, NULL}};
    meter_push_charge(L, charge);
    luaL_setfuncs(L, fns, 1);
}
