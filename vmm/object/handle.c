/* handle.c: the handle table: slot allocation through a free list, and the value encoding with its checks. */
#include "object/handle.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * A value is ((generation << HANDLE_SLOT_BITS | slot) << HANDLE_FIXED_BITS
 * | ZX_HANDLE_FIXED_BITS_MASK) XOR secret. The secret's low bits are zero,
 * so the fixed bits survive the mix and no value is ZX_HANDLE_INVALID; the
 * remaining 16 bits hold the slot's generation.
 */
#define HANDLE_FIXED_BITS 2u
#define HANDLE_SLOT_MASK  (HANDLE_TABLE_MAX_CAPACITY - 1u)
#define HANDLE_GEN_BITS   (32u - HANDLE_FIXED_BITS - HANDLE_SLOT_BITS)
#define HANDLE_GEN_MASK   ((1u << HANDLE_GEN_BITS) - 1u)

static zx_handle_t handle_encode(const struct handle_table *t, uint32_t slot)
{
    uint32_t gen = t->entries[slot].generation & HANDLE_GEN_MASK;
    uint32_t raw = (gen << HANDLE_SLOT_BITS) | slot;

    return ((raw << HANDLE_FIXED_BITS) | ZX_HANDLE_FIXED_BITS_MASK) ^ t->secret;
}

/* The live slot `value` names, or HANDLE_SLOT_NONE. */
static uint32_t handle_decode(const struct handle_table *t, zx_handle_t value)
{
    if ((value & ZX_HANDLE_FIXED_BITS_MASK) != ZX_HANDLE_FIXED_BITS_MASK)
        return HANDLE_SLOT_NONE;
    uint32_t raw = (value ^ t->secret) >> HANDLE_FIXED_BITS;
    uint32_t slot = raw & HANDLE_SLOT_MASK;
    uint32_t gen = raw >> HANDLE_SLOT_BITS;
    if (slot >= t->used)
        return HANDLE_SLOT_NONE; /* never handed out */
    const struct handle_entry *e = &t->entries[slot];
    if (e->obj == NULL || (e->generation & HANDLE_GEN_MASK) != gen)
        return HANDLE_SLOT_NONE;
    return slot;
}

int handle_table_init(struct handle_table *t, uint32_t capacity, uint32_t secret)
{
    if (capacity == 0 || capacity > HANDLE_TABLE_MAX_CAPACITY)
        return -EINVAL;
    /* Slots are handed out from `used` upwards once the freed ones run out, and the array grows as they
       are, so a new table costs one small allocation, not `capacity` zeroed slots (process creation, and
       the syscall fuzzer's inputs). */
    t->allocated = capacity < HANDLE_TABLE_FIRST_SLOTS ? capacity : HANDLE_TABLE_FIRST_SLOTS;
    t->entries = calloc(t->allocated, sizeof(*t->entries));
    if (t->entries == NULL)
        return -ENOMEM;
    t->capacity = capacity;
    t->count = 0;
    t->secret = secret & ~(uint32_t)ZX_HANDLE_FIXED_BITS_MASK;
    t->next_free = HANDLE_SLOT_NONE;
    t->used = 0;
    return 0;
}

void handle_table_destroy(struct handle_table *t)
{
    free(t->entries);
    t->entries = NULL;
    t->capacity = t->allocated = 0;
    t->count = 0;
    t->next_free = HANDLE_SLOT_NONE;
    t->used = 0;
}

/* Makes room for slot `used` (doubling the array, at most to the capacity); false when the host has none. */
static bool handle_table_grow(struct handle_table *t)
{
    if (t->used < t->allocated)
        return true;
    uint32_t allocated = t->allocated * 2 < t->capacity ? t->allocated * 2 : t->capacity;
    struct handle_entry *grown = realloc(t->entries, allocated * sizeof(*grown));
    if (grown == NULL)
        return false;
    memset(&grown[t->allocated], 0, (allocated - t->allocated) * sizeof(*grown));
    t->entries = grown;
    t->allocated = allocated;
    return true;
}

zx_status_t handle_table_add(struct handle_table *t, struct object *obj, zx_rights_t rights, zx_handle_t *out)
{
    assert(obj != NULL);
    uint32_t slot = t->next_free;
    if (slot != HANDLE_SLOT_NONE)
        t->next_free = t->entries[slot].next_free;
    else if (t->used == t->capacity)
        return ZX_ERR_NO_RESOURCES;
    else if (!handle_table_grow(t))
        return ZX_ERR_NO_MEMORY;
    else
        slot = t->used++;
    struct handle_entry *e = &t->entries[slot];
    e->obj = obj;
    e->rights = rights;
    t->count++;
    *out = handle_encode(t, slot);
    return ZX_OK;
}

zx_status_t handle_table_get(const struct handle_table *t, zx_handle_t value, struct object **obj,
                             zx_rights_t *rights)
{
    uint32_t slot = handle_decode(t, value);
    if (slot == HANDLE_SLOT_NONE)
        return ZX_ERR_BAD_HANDLE;
    *obj = t->entries[slot].obj;
    if (rights != NULL)
        *rights = t->entries[slot].rights;
    return ZX_OK;
}

zx_status_t handle_table_restrict(struct handle_table *t, zx_handle_t value, zx_rights_t remove)
{
    uint32_t slot = handle_decode(t, value);
    if (slot == HANDLE_SLOT_NONE)
        return ZX_ERR_BAD_HANDLE;
    t->entries[slot].rights &= ~remove;
    return ZX_OK;
}

/* Frees a live slot: bumps its generation and pushes it on the free list. */
static void handle_free_slot(struct handle_table *t, uint32_t slot)
{
    struct handle_entry *e = &t->entries[slot];
    e->obj = NULL;
    e->generation++;
    e->next_free = t->next_free;
    t->next_free = slot;
    t->count--;
}

zx_status_t handle_table_remove(struct handle_table *t, zx_handle_t value, struct object **obj,
                                zx_rights_t *rights)
{
    uint32_t slot = handle_decode(t, value);
    if (slot == HANDLE_SLOT_NONE)
        return ZX_ERR_BAD_HANDLE;
    *obj = t->entries[slot].obj;
    if (rights != NULL)
        *rights = t->entries[slot].rights;
    handle_free_slot(t, slot);
    return ZX_OK;
}

bool handle_table_pop(struct handle_table *t, struct object **obj)
{
    if (t->count == 0)
        return false;
    for (uint32_t slot = 0; slot < t->used; slot++) {
        if (t->entries[slot].obj != NULL) {
            *obj = t->entries[slot].obj;
            handle_free_slot(t, slot);
            return true;
        }
    }
    return false;
}
