/*
 * pattern.c: string.find, match, gmatch and gsub for the sandbox: Lua 5.4's pattern language, matched by
 * backtracking over the pattern text as Lua's reference manual (section 6.4.1) describes, with every step
 * counted on a meter. The results and errors are those of Lua 5.4's own functions, which fuzz_lualib checks
 * by running both on the same arguments; only the count is new.
 */
#include "inject/pattern.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include <lauxlib.h>

#define ESC              '%'
#define SPECIALS         "^$*+?.([%-" /* a pattern without any of these is found by a plain search */
#define MAX_CAPTURES     32           /* Lua's LUA_MAXCAPTURES */
#define MAX_DEPTH        200          /* nested matches before "pattern too complex" (Lua's MAXCCALLS) */
#define BYTES_PER_STEP   8            /* bytes a back-reference or template goes through per step */
#define CAPTURE_OPEN     (-1)         /* a capture's length while it is open */
#define CAPTURE_POSITION (-2)         /* the length of a position capture, "()" */

/* One match of a pattern against a subject: where it stands and its captures. */
struct match {
    struct meter *meter;
    const char *subject, *subject_end;
    const char *pattern_end;
    int depth_left; /* nested matches still allowed */
    int level;      /* captures started */
    struct {
        const char *start;
        ptrdiff_t len; /* or CAPTURE_OPEN, CAPTURE_POSITION */
    } capture[MAX_CAPTURES];
};

static void match_init(struct match *m, const char *s, size_t ls, const char *p, size_t lp)
{
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->depth_left = MAX_DEPTH;
    m->level = 0;
}

/* Raises a Lua error as luaL_error does, after charging the steps pending. */
static int pattern_error(struct match *m, const char *fmt, ...)
{
    lua_State *L = m->meter->L;
    meter_flush(m->meter);
    va_list ap;
    va_start(ap, fmt);
    luaL_where(L, 1);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 2);
    return lua_error(L);
}

static const char *match_here(struct match *m, const char *s, const char *p);

/* Where the single-character class at p ("x", "%x", "[set]") ends: at its quantifier, if it has one. */
static const char *class_end(struct match *m, const char *p)
{
    char first = *p++;
    if (first == ESC) {
        if (p == m->pattern_end)
            pattern_error(m, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (first != '[')
        return p;
    if (*p == '^')
        p++;
    do { /* the set's first character is a member even if it is ']' */
        if (p == m->pattern_end)
            pattern_error(m, "malformed pattern (missing ']')");
        if (*p++ == ESC && p < m->pattern_end)
            p++; /* "%]" is a member, not the end */
    } while (*p != ']');
    return p + 1;
}

/* Whether byte c is in the class %cl (%a, %d, ...; upper case for the complement; any other cl is itself). */
static bool in_class(int c, int cl)
{
    bool in;
    switch (tolower(cl)) {
    case 'a':
        in = isalpha(c);
        break;
    case 'c':
        in = iscntrl(c);
        break;
    case 'd':
        in = isdigit(c);
        break;
    case 'g':
        in = isgraph(c);
        break;
    case 'l':
        in = islower(c);
        break;
    case 'p':
        in = ispunct(c);
        break;
    case 's':
        in = isspace(c);
        break;
    case 'u':
        in = isupper(c);
        break;
    case 'w':
        in = isalnum(c);
        break;
    case 'x':
        in = isxdigit(c);
        break;
    case 'z': /* deprecated: the zero byte */
        in = c == 0;
        break;
    default:
        return cl == c;
    }
    return islower(cl) ? in : !in;
}

/* Whether byte c is in the set that opens at `open` ('[') and closes at `close` (']'). */
static bool in_set(int c, const char *open, const char *close)
{
    bool member = true;
    const char *p = open + 1;
    if (*p == '^') {
        member = false;
        p++;
    }
    for (; p < close; p++) {
        if (*p == ESC) {
            p++;
            if (in_class(c, (unsigned char)*p))
                return member;
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2])
                return member;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return member;
        }
    }
    return !member;
}

/* Whether the subject's byte at s is in the single-character class p..ep. */
static bool one_matches(const struct match *m, const char *s, const char *p, const char *ep)
{
    if (s >= m->subject_end)
        return false;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.':
        return true;
    case ESC:
        return in_class(c, (unsigned char)p[1]);
    case '[':
        return in_set(c, p, ep - 1);
    default:
        return (unsigned char)*p == c;
    }
}

/* %bxy at s (p points at x): the end of the balanced run, or NULL. */
static const char *balanced(struct match *m, const char *s, const char *p)
{
    if (p >= m->pattern_end - 1)
        pattern_error(m, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != p[0])
        return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    for (const char *q = s + 1; q < m->subject_end; q++) {
        if (*q == close) {
            if (--depth == 0) {
                meter_step(m->meter, (uint64_t)(q - s));
                return q + 1;
            }
        } else if (*q == open) {
            depth++;
        }
    }
    meter_step(m->meter, (uint64_t)(m->subject_end - s));
    return NULL;
}

/* The greedy repetitions (x*, and x+ after its first): as many as match, then one fewer at a time. */
static const char *longest_first(struct match *m, const char *s, const char *p, const char *ep)
{
    ptrdiff_t n = 0;
    while (one_matches(m, s + n, p, ep))
        n++;
    meter_step(m->meter, (uint64_t)n + 1);
    for (; n >= 0; n--) {
        const char *end = match_here(m, s + n, ep + 1);
        if (end)
            return end;
    }
    return NULL;
}

/* The lazy repetition (x-): none first, then one more at a time. */
static const char *shortest_first(struct match *m, const char *s, const char *p, const char *ep)
{
    for (;; s++) {
        const char *end = match_here(m, s, ep + 1);
        if (end)
            return end;
        if (!one_matches(m, s, p, ep))
            return NULL;
    }
}

/* A capture opening at s ("(" or the position capture "()"), for the rest of the pattern from p. */
static const char *open_capture(struct match *m, const char *s, const char *p, ptrdiff_t kind)
{
    if (m->level >= MAX_CAPTURES)
        pattern_error(m, "too many captures");
    m->capture[m->level].start = s;
    m->capture[m->level].len = kind;
    m->level++;
    const char *end = match_here(m, s, p);
    if (!end)
        m->level--;
    return end;
}

/* The innermost open capture closing at s (")"), for the rest of the pattern from p. */
static const char *close_capture(struct match *m, const char *s, const char *p)
{
    int i = m->level - 1;
    while (i >= 0 && m->capture[i].len != CAPTURE_OPEN)
        i--;
    if (i < 0)
        pattern_error(m, "invalid pattern capture");
    m->capture[i].len = s - m->capture[i].start;
    const char *end = match_here(m, s, p);
    if (!end)
        m->capture[i].len = CAPTURE_OPEN;
    return end;
}

/* %1-%9 (`digit`): the text of that closed capture again at s, or NULL. */
static const char *back_reference(struct match *m, const char *s, int digit)
{
    int i = digit - '1';
    if (i < 0 || i >= m->level || m->capture[i].len == CAPTURE_OPEN)
        pattern_error(m, "invalid capture index %%%d", i + 1);
    size_t len = (size_t)m->capture[i].len; /* a position capture's is huge: it never fits */
    if ((size_t)(m->subject_end - s) < len)
        return NULL;
    meter_step(m->meter, 1 + len / BYTES_PER_STEP);
    return memcmp(m->capture[i].start, s, len) == 0 ? s + len : NULL;
}

/* The pattern from p matched at s: the end of the match, or NULL. Tail items loop; the others recurse. */
static const char *match_here(struct match *m, const char *s, const char *p)
{
    if (m->depth_left-- == 0)
        pattern_error(m, "pattern too complex");
    for (;;) {
        meter_step(m->meter, 1);
        if (p == m->pattern_end)
            break;
        switch (*p) {
        case '(':
            if (p[1] == ')')
                s = open_capture(m, s, p + 2, CAPTURE_POSITION);
            else
                s = open_capture(m, s, p + 1, CAPTURE_OPEN);
            goto out;
        case ')':
            s = close_capture(m, s, p + 1);
            goto out;
        case '$':
            if (p + 1 != m->pattern_end)
                break; /* a '$' before the end is itself */
            if (s != m->subject_end)
                s = NULL;
            goto out;
        case ESC:
            if (p[1] == 'b') {
                s = balanced(m, s, p + 2);
                if (!s)
                    goto out;
                p += 4;
                continue;
            }
            if (p[1] == 'f') {
                p += 2;
                if (*p != '[')
                    pattern_error(m, "missing '[' after '%%f' in pattern");
                const char *ep = class_end(m, p);
                int before = s == m->subject ? 0 : (unsigned char)s[-1];
                int at = s < m->subject_end ? (unsigned char)*s : 0;
                if (in_set(before, p, ep - 1) || !in_set(at, p, ep - 1)) {
                    s = NULL;
                    goto out;
                }
                p = ep;
                continue;
            }
            if (isdigit((unsigned char)p[1])) {
                s = back_reference(m, s, (unsigned char)p[1]);
                if (!s)
                    goto out;
                p += 2;
                continue;
            }
            break; /* %x: a class */
        }
        /* A single-character class, maybe with a quantifier after it at ep. */
        const char *ep = class_end(m, p);
        if (!one_matches(m, s, p, ep)) {
            if (*ep == '*' || *ep == '?' || *ep == '-') {
                p = ep + 1; /* none is enough */
                continue;
            }
            s = NULL;
            goto out;
        }
        switch (*ep) {
        case '?': {
            const char *end = match_here(m, s + 1, ep + 1);
            if (end) {
                s = end;
                goto out;
            }
            p = ep + 1;
            continue;
        }
        case '+':
            s = longest_first(m, s + 1, p, ep);
            goto out;
        case '*':
            s = longest_first(m, s, p, ep);
            goto out;
        case '-':
            s = shortest_first(m, s, p, ep);
            goto out;
        default:
            s++;
            p = ep;
            continue;
        }
    }
out:
    m->depth_left++;
    return s;
}

/*
 * Capture i of the match s..e (the whole match when there are no captures and i is 0): its length with its
 * text in *text, or CAPTURE_POSITION with the position pushed.
 */
static ptrdiff_t capture_at(struct match *m, int i, const char *s, const char *e, const char **text)
{
    if (i >= m->level) {
        if (i != 0)
            pattern_error(m, "invalid capture index %%%d", i + 1);
        *text = s;
        return e - s;
    }
    ptrdiff_t len = m->capture[i].len;
    *text = m->capture[i].start;
    if (len == CAPTURE_OPEN)
        pattern_error(m, "unfinished capture");
    if (len == CAPTURE_POSITION)
        lua_pushinteger(m->meter->L, (lua_Integer)(m->capture[i].start - m->subject) + 1);
    return len;
}

static void push_capture(struct match *m, int i, const char *s, const char *e)
{
    const char *text;
    ptrdiff_t len = capture_at(m, i, s, e, &text);
    if (len != CAPTURE_POSITION)
        lua_pushlstring(m->meter->L, text, (size_t)len);
}

/* Pushes the captures of the match s..e (the whole match if it has none; nothing for a find, whose s is
 * NULL) and returns how many. */
static int push_captures(struct match *m, const char *s, const char *e)
{
    int n = m->level == 0 && s ? 1 : m->level;
    luaL_checkstack(m->meter->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        push_capture(m, i, s, e);
    return n;
}

/* A 1-based start position (negative from the end) as an offset: 0 for anything before the subject, and
 * past `len` for a start after its end. */
static size_t start_offset(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos - 1;
    if (pos == 0 || pos < -(lua_Integer)len)
        return 0;
    return len + (size_t)pos;
}

static bool has_specials(const char *p, size_t lp)
{
    for (size_t i = 0; i < lp; i++)
        if (p[i] && strchr(SPECIALS, p[i]))
            return true;
    return false;
}

/* string.find (find) and string.match. */
static int find_or_match(lua_State *L, bool find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *at = memmem(s + init, ls - init, p, lp);
        if (!at) {
            luaL_pushfail(L);
            return 1;
        }
        lua_pushinteger(L, (lua_Integer)(at - s) + 1);
        lua_pushinteger(L, (lua_Integer)(at - s + (ptrdiff_t)lp));
        return 2;
    }
    struct meter meter = meter_of_call(L);
    struct match m = {.meter = &meter};
    bool anchored = *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    match_init(&m, s, ls, p, lp);
    for (const char *from = s + init;; from++) {
        m.level = 0;
        const char *end = match_here(&m, from, p);
        if (end) {
            meter_flush(&meter);
            if (!find)
                return push_captures(&m, from, end);
            lua_pushinteger(L, (lua_Integer)(from - s) + 1);
            lua_pushinteger(L, (lua_Integer)(end - s));
            return 2 + push_captures(&m, NULL, NULL);
        }
        if (anchored || from == m.subject_end)
            break;
    }
    meter_flush(&meter);
    luaL_pushfail(L);
    return 1;
}

static int str_find(lua_State *L)
{
    return find_or_match(L, true);
}

static int str_match(lua_State *L)
{
    return find_or_match(L, false);
}

/* What a gmatch iterator keeps between calls (its subject and pattern are its upvalues 2 and 3). */
struct gmatch {
    const char *next;     /* where the next search starts */
    const char *last_end; /* the end of the last match: an empty match there does not count */
    const char *pattern;
    struct match m; /* its depth carries over from call to call, as Lua's does */
};

static int gmatch_next(lua_State *L)
{
    struct gmatch *g = lua_touserdata(L, lua_upvalueindex(4));
    struct meter meter = meter_of_call(L);
    g->m.meter = &meter;
    for (const char *from = g->next; from <= g->m.subject_end; from++) {
        g->m.level = 0;
        const char *end = match_here(&g->m, from, g->pattern);
        if (end && end != g->last_end) {
            g->next = g->last_end = end;
            meter_flush(&meter);
            return push_captures(&g->m, from, end);
        }
    }
    meter_flush(&meter);
    return 0;
}

static int str_gmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    if (init > ls)
        init = ls + 1; /* nothing to find */
    lua_settop(L, 2);
    struct gmatch *g = lua_newuserdatauv(L, sizeof(*g), 0);
    match_init(&g->m, s, ls, p, lp);
    g->next = s + init;
    g->last_end = NULL;
    g->pattern = p;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_pushcclosure(L, gmatch_next, 4); /* the charge, the subject, the pattern, the state */
    return 1;
}

/* Appends gsub's replacement string (argument 3) for the match s..e: "%0"-"%9" are captures, "%%" is '%'. */
static void add_template(struct match *m, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = m->meter->L;
    size_t len;
    const char *t = lua_tolstring(L, 3, &len);
    meter_step(m->meter, 1 + len / BYTES_PER_STEP);
    const char *esc;
    while ((esc = memchr(t, ESC, len)) != NULL) {
        luaL_addlstring(b, t, (size_t)(esc - t));
        char c = esc[1]; /* the string's terminating zero after a final '%' */
        if (c == ESC) {
            luaL_addchar(b, ESC);
        } else if (c == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)c)) {
            const char *text;
            ptrdiff_t n = capture_at(m, c - '1', s, e, &text);
            if (n == CAPTURE_POSITION)
                luaL_addvalue(b);
            else
                luaL_addlstring(b, text, (size_t)n);
        } else {
            pattern_error(m, "invalid use of '%c' in replacement string", ESC);
        }
        len -= (size_t)(esc + 2 - t);
        t = esc + 2;
    }
    luaL_addlstring(b, t, len);
}

/* Appends the replacement of the match s..e as `kind` (argument 3's type) gives it; false when a function or
 * table gave nil or false, which keeps the match's own text. */
static bool add_replacement(struct match *m, luaL_Buffer *b, const char *s, const char *e, int kind)
{
    lua_State *L = m->meter->L;
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (kind == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_template(m, b, s, e);
        return true;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return false;
    }
    if (!lua_isstring(L, -1))
        pattern_error(m, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return true;
}

static int str_gsub(lua_State *L)
{
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int kind = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(
        L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
        "string/function/table");
    struct meter meter = meter_of_call(L);
    struct match m = {.meter = &meter};
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    bool anchored = *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    match_init(&m, src, ls, p, lp);
    const char *last_end = NULL;
    lua_Integer n = 0;
    bool changed = false;
    while (n < max) {
        m.level = 0;
        const char *end = match_here(&m, src, p);
        if (end && end != last_end) {
            n++;
            changed = add_replacement(&m, &b, src, end, kind) || changed;
            src = last_end = end;
        } else if (src < m.subject_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchored)
            break;
    }
    meter_flush(&meter);
    if (changed) {
        luaL_addlstring(&b, src, (size_t)(m.subject_end - src));
        luaL_pushresult(&b);
    } else {
        lua_pushvalue(L, 1);
    }
    lua_pushinteger(L, n);
    return 2;
}

void pattern_open(lua_State *L, meter_charge_fn charge)
{
    static const luaL_Reg fns[] = {
        {"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch}, {"gsub", str_gsub}, {NULL, NULL}};
    meter_push_charge(L, charge);
    luaL_setfuncs(L, fns, 1);
}
