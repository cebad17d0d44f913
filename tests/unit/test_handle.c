/* test_handle.c: the handle table: value encoding, lookups, stale and forged values, capacity and teardown.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "object/handle.h"

#define SECRET_A        0x5eed1234u
#define SECRET_B        0x0badf00cu
#define SMALL_CAPACITY  16
#define SEQUENCE_LENGTH 8
#define FORGERY_TRIALS  20000
#define FORGERY_SEED    12345u
#define LIVE_HANDLES    5
#define REUSE_ROUNDS    100

/* Distinct stand-ins for objects: the table never dereferences them. */
static char fake_objects[HANDLE_TABLE_CAPACITY];

static struct object *fake(unsigned i)
{
    return (struct object *)&fake_objects[i];
}

static struct handle_table make_table(uint32_t capacity, uint32_t secret)
{
    struct handle_table t;
    cr_assert_eq(handle_table_init(&t, capacity, secret), 0);
    return t;
}

static zx_handle_t add(struct handle_table *t, unsigned i, zx_rights_t rights)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    cr_assert_eq(handle_table_add(t, fake(i), rights, &h), ZX_OK);
    return h;
}

static int compare_handles(const void *a, const void *b)
{
    zx_handle_t x = *(const zx_handle_t *)a, y = *(const zx_handle_t *)b;
    return (x > y) - (x < y);
}

static uint32_t rand32(void)
{
    return ((uint32_t)rand() << 16) ^ (uint32_t)rand();
}

Test(handle, add_get_remove_round_trip)
{
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    zx_handle_t h = add(&t, 1, ZX_RIGHT_READ);
    struct object *obj = NULL;
    zx_rights_t rights = 0;
    cr_assert_eq(handle_table_get(&t, h, &obj, &rights), ZX_OK);
    cr_assert_eq(obj, fake(1));
    cr_assert_eq(rights, ZX_RIGHT_READ);
    obj = NULL;
    cr_assert_eq(handle_table_remove(&t, h, &obj, &rights), ZX_OK);
    cr_assert_eq(obj, fake(1));
    cr_assert_eq(t.count, 0);
    cr_assert_eq(handle_table_get(&t, h, &obj, &rights), ZX_ERR_BAD_HANDLE);
    handle_table_destroy(&t);
}

Test(handle, values_are_nonzero_with_fixed_bits_set)
{
    struct handle_table t = make_table(HANDLE_TABLE_CAPACITY, SECRET_A);
    for (unsigned i = 0; i < HANDLE_TABLE_CAPACITY; i++) {
        zx_handle_t h = add(&t, i, ZX_RIGHT_NONE);
        cr_assert_neq(h, ZX_HANDLE_INVALID);
        cr_assert_eq(h & ZX_HANDLE_FIXED_BITS_MASK, ZX_HANDLE_FIXED_BITS_MASK);
    }
    handle_table_destroy(&t);
}

Test(handle, values_are_distinct_within_a_table)
{
    static zx_handle_t seen[HANDLE_TABLE_CAPACITY];
    struct handle_table t = make_table(HANDLE_TABLE_CAPACITY, SECRET_A);
    for (unsigned i = 0; i < HANDLE_TABLE_CAPACITY; i++)
        seen[i] = add(&t, i, ZX_RIGHT_NONE);
    for (unsigned i = 0; i < HANDLE_TABLE_CAPACITY; i++) {
        struct object *obj = NULL;
        cr_assert_eq(handle_table_get(&t, seen[i], &obj, NULL), ZX_OK);
        cr_assert_eq(obj, fake(i));
    }
    qsort(seen, HANDLE_TABLE_CAPACITY, sizeof(seen[0]), compare_handles);
    for (unsigned i = 1; i < HANDLE_TABLE_CAPACITY; i++)
        cr_assert_neq(seen[i], seen[i - 1]);
    handle_table_destroy(&t);
}

Test(handle, values_differ_between_tables_with_different_secrets)
{
    struct handle_table a = make_table(SMALL_CAPACITY, SECRET_A);
    struct handle_table b = make_table(SMALL_CAPACITY, SECRET_B);
    for (unsigned i = 0; i < SEQUENCE_LENGTH; i++) {
        zx_handle_t ha = add(&a, i, ZX_RIGHT_NONE);
        zx_handle_t hb = add(&b, i, ZX_RIGHT_NONE);
        cr_assert_neq(ha, hb, "step %u gave 0x%x in both tables", i, ha);
        struct object *obj;
        cr_assert_eq(handle_table_get(&b, ha, &obj, NULL), ZX_ERR_BAD_HANDLE);
        cr_assert_eq(handle_table_get(&a, hb, &obj, NULL), ZX_ERR_BAD_HANDLE);
    }
    handle_table_destroy(&a);
    handle_table_destroy(&b);
}

Test(handle, removed_value_is_bad_handle)
{
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    zx_handle_t h = add(&t, 1, ZX_RIGHT_READ);
    struct object *obj;
    cr_assert_eq(handle_table_remove(&t, h, &obj, NULL), ZX_OK);
    cr_assert_eq(handle_table_get(&t, h, &obj, NULL), ZX_ERR_BAD_HANDLE);
    cr_assert_eq(handle_table_remove(&t, h, &obj, NULL), ZX_ERR_BAD_HANDLE);
    handle_table_destroy(&t);
}

Test(handle, removed_value_stays_bad_after_slot_reuse)
{
    /* Capacity one forces every add into the same slot. */
    struct handle_table t = make_table(1, SECRET_A);
    zx_handle_t old = add(&t, 1, ZX_RIGHT_READ);
    struct object *obj;
    cr_assert_eq(handle_table_remove(&t, old, &obj, NULL), ZX_OK);
    for (unsigned round = 0; round < REUSE_ROUNDS; round++) {
        zx_handle_t now = add(&t, 2, ZX_RIGHT_WRITE);
        cr_assert_neq(now, old);
        cr_assert_eq(handle_table_get(&t, old, &obj, NULL), ZX_ERR_BAD_HANDLE);
        cr_assert_eq(handle_table_remove(&t, old, &obj, NULL), ZX_ERR_BAD_HANDLE);
        cr_assert_eq(handle_table_get(&t, now, &obj, NULL), ZX_OK);
        cr_assert_eq(obj, fake(2));
        cr_assert_eq(handle_table_remove(&t, now, &obj, NULL), ZX_OK);
    }
    handle_table_destroy(&t);
}

Test(handle, invalid_handle_is_bad_handle)
{
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    add(&t, 1, ZX_RIGHT_READ);
    struct object *obj;
    cr_assert_eq(handle_table_get(&t, ZX_HANDLE_INVALID, &obj, NULL), ZX_ERR_BAD_HANDLE);
    cr_assert_eq(handle_table_remove(&t, ZX_HANDLE_INVALID, &obj, NULL), ZX_ERR_BAD_HANDLE);
    cr_assert_eq(t.count, 1);
    handle_table_destroy(&t);
}

Test(handle, live_value_without_fixed_bits_is_bad_handle)
{
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    zx_handle_t h = add(&t, 1, ZX_RIGHT_READ);
    struct object *obj;
    for (zx_handle_t low = 0; low < ZX_HANDLE_FIXED_BITS_MASK; low++) {
        zx_handle_t forged = (h & ~ZX_HANDLE_FIXED_BITS_MASK) | low;
        cr_assert_eq(handle_table_get(&t, forged, &obj, NULL), ZX_ERR_BAD_HANDLE);
    }
    handle_table_destroy(&t);
}

Test(handle, random_values_are_bad_handles)
{
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    zx_handle_t live[LIVE_HANDLES];
    for (unsigned i = 0; i < LIVE_HANDLES; i++)
        live[i] = add(&t, i, ZX_RIGHT_READ);
    srand(FORGERY_SEED);
    unsigned tried = 0;
    while (tried < FORGERY_TRIALS) {
        zx_handle_t v = rand32();
        /* Half the trials keep the fixed bits so the slot and generation checks are reached. */
        if (tried % 2)
            v |= ZX_HANDLE_FIXED_BITS_MASK;
        bool issued = false;
        for (unsigned i = 0; i < LIVE_HANDLES; i++)
            issued |= v == live[i];
        if (issued)
            continue;
        struct object *obj;
        cr_assert_eq(handle_table_get(&t, v, &obj, NULL), ZX_ERR_BAD_HANDLE, "0x%x", v);
        tried++;
    }
    handle_table_destroy(&t);
}

Test(handle, full_table_gives_no_resources_until_one_is_removed)
{
    static zx_handle_t values[HANDLE_TABLE_CAPACITY];
    struct handle_table t = make_table(HANDLE_TABLE_CAPACITY, SECRET_A);
    for (unsigned i = 0; i < HANDLE_TABLE_CAPACITY; i++)
        values[i] = add(&t, i, ZX_RIGHT_NONE);
    zx_handle_t h = ZX_HANDLE_INVALID;
    cr_assert_eq(handle_table_add(&t, fake(0), ZX_RIGHT_NONE, &h), ZX_ERR_NO_RESOURCES);
    struct object *obj;
    cr_assert_eq(handle_table_remove(&t, values[HANDLE_TABLE_CAPACITY / 2], &obj, NULL), ZX_OK);
    cr_assert_eq(handle_table_add(&t, fake(1), ZX_RIGHT_NONE, &h), ZX_OK);
    cr_assert_eq(handle_table_add(&t, fake(2), ZX_RIGHT_NONE, &h), ZX_ERR_NO_RESOURCES);
    handle_table_destroy(&t);
}

Test(handle, rights_are_kept_per_handle)
{
    static const zx_rights_t rights_of[] = {ZX_RIGHT_READ, ZX_RIGHT_WRITE | ZX_RIGHT_TRANSFER, ZX_RIGHT_NONE,
                                            ZX_RIGHT_EXECUTE | ZX_RIGHT_DUPLICATE};
    enum { N = sizeof(rights_of) / sizeof(rights_of[0]) };
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    zx_handle_t h[N];
    for (unsigned i = 0; i < N; i++)
        h[i] = add(&t, 0, rights_of[i]);
    for (unsigned i = 0; i < N; i++) {
        struct object *obj;
        zx_rights_t rights = ~rights_of[i];
        cr_assert_eq(handle_table_get(&t, h[i], &obj, &rights), ZX_OK);
        cr_assert_eq(rights, rights_of[i]);
    }
    handle_table_destroy(&t);
}

Test(handle, pop_drains_every_handle_exactly_once)
{
    static unsigned popped[SMALL_CAPACITY];
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    zx_handle_t gone = ZX_HANDLE_INVALID;
    for (unsigned i = 0; i < SMALL_CAPACITY; i++) {
        zx_handle_t h = add(&t, i, ZX_RIGHT_NONE);
        if (i == SMALL_CAPACITY / 2)
            gone = h;
    }
    struct object *obj;
    cr_assert_eq(handle_table_remove(&t, gone, &obj, NULL), ZX_OK);
    unsigned n = 0;
    while (handle_table_pop(&t, &obj)) {
        unsigned i = (unsigned)((char *)obj - fake_objects);
        cr_assert_lt(i, SMALL_CAPACITY);
        popped[i]++;
        n++;
    }
    cr_assert_eq(n, SMALL_CAPACITY - 1);
    cr_assert_eq(t.count, 0);
    for (unsigned i = 0; i < SMALL_CAPACITY; i++)
        cr_assert_eq(popped[i], i == SMALL_CAPACITY / 2 ? 0u : 1u, "object %u", i);
    cr_assert_not(handle_table_pop(&t, &obj));
    handle_table_destroy(&t);
}

Test(handle, init_rejects_bad_capacity)
{
    struct handle_table t;
    cr_assert_eq(handle_table_init(&t, 0, SECRET_A), -EINVAL);
    cr_assert_eq(handle_table_init(&t, HANDLE_TABLE_MAX_CAPACITY + 1, SECRET_A), -EINVAL);
    cr_assert_eq(handle_table_init(&t, HANDLE_TABLE_MAX_CAPACITY, SECRET_A), 0);
    handle_table_destroy(&t);
}

Test(handle, restrict_takes_rights_away_and_keeps_the_value)
{
    struct handle_table t = make_table(SMALL_CAPACITY, SECRET_A);
    zx_handle_t h = add(&t, 0, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    cr_assert_eq(handle_table_restrict(&t, h, ZX_RIGHT_WRITE), ZX_OK);
    struct object *obj;
    zx_rights_t rights;
    cr_assert_eq(handle_table_get(&t, h, &obj, &rights), ZX_OK);
    cr_assert_eq(obj, fake(0));
    cr_assert_eq(rights, ZX_RIGHT_READ);
    cr_assert_eq(handle_table_restrict(&t, h ^ 0x100, ZX_RIGHT_READ), ZX_ERR_BAD_HANDLE);
    cr_assert_eq(handle_table_restrict(&t, ZX_HANDLE_INVALID, ZX_RIGHT_READ), ZX_ERR_BAD_HANDLE);
    handle_table_remove(&t, h, &obj, NULL);
    handle_table_destroy(&t);
}

Test(handle, a_new_table_allocates_few_slots_and_grows_keeping_every_handle)
{
    static zx_handle_t values[HANDLE_TABLE_CAPACITY];
    struct handle_table t = make_table(HANDLE_TABLE_CAPACITY, SECRET_A);
    cr_assert_eq(t.allocated, HANDLE_TABLE_FIRST_SLOTS, "a new table is small");
    for (unsigned i = 0; i < HANDLE_TABLE_CAPACITY; i++) {
        values[i] = add(&t, i, (zx_rights_t)i);
        cr_assert_leq(t.allocated, HANDLE_TABLE_CAPACITY);
        cr_assert_geq(t.allocated, t.used);
    }
    cr_assert_eq(t.allocated, HANDLE_TABLE_CAPACITY);
    for (unsigned i = 0; i < HANDLE_TABLE_CAPACITY; i++) {
        struct object *obj;
        zx_rights_t rights;
        cr_assert_eq(handle_table_get(&t, values[i], &obj, &rights), ZX_OK, "handle %u after growing", i);
        cr_assert_eq(obj, fake(i));
        cr_assert_eq(rights, (zx_rights_t)i);
    }
    handle_table_destroy(&t);
}

Test(handle, a_value_naming_a_slot_never_handed_out_is_bad_handle)
{
    struct handle_table t = make_table(HANDLE_TABLE_CAPACITY, SECRET_A);
    zx_handle_t first = add(&t, 0, ZX_RIGHT_NONE);
    /* The same encoding for a slot past the allocated ones: the next values this table would give. */
    struct handle_table twin = make_table(HANDLE_TABLE_CAPACITY, SECRET_A);
    zx_handle_t later[HANDLE_TABLE_FIRST_SLOTS + 2];
    for (unsigned i = 0; i < HANDLE_TABLE_FIRST_SLOTS + 2; i++)
        later[i] = add(&twin, i, ZX_RIGHT_NONE);
    cr_assert_eq(later[0], first, "tables with one secret encode alike");
    struct object *obj;
    for (unsigned i = 1; i < HANDLE_TABLE_FIRST_SLOTS + 2; i++)
        cr_assert_eq(handle_table_get(&t, later[i], &obj, NULL), ZX_ERR_BAD_HANDLE, "slot %u", i);
    handle_table_destroy(&twin);
    handle_table_destroy(&t);
}
