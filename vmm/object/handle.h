/* handle.h: a process's handle table: values, rights and the objects they name (pure logic, no locking). */
#ifndef ZXVMM_OBJECT_HANDLE_H
#define ZXVMM_OBJECT_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

#include <zircon/types.h>

/* Handles per process; one more gives ZX_ERR_NO_RESOURCES. */
#define HANDLE_TABLE_CAPACITY    4096
#define HANDLE_TABLE_FIRST_SLOTS 32 /* slots a new table allocates; the array doubles as more are used */

/* Slot bits in a value: a table holds at most HANDLE_TABLE_MAX_CAPACITY handles. */
#define HANDLE_SLOT_BITS          14u
#define HANDLE_TABLE_MAX_CAPACITY (1u << HANDLE_SLOT_BITS)

/* Ends the free list threaded through free entries. */
#define HANDLE_SLOT_NONE UINT32_MAX

struct object;

struct handle_entry {
    struct object *obj; /* NULL when the slot is free */
    union {
        zx_rights_t rights; /* while live */
        uint32_t next_free; /* while free: the next free slot, or HANDLE_SLOT_NONE */
    };
    uint32_t generation; /* bumped when the slot is freed, so a stale value stays dead */
};

struct handle_table {
    struct handle_entry *entries;
    uint32_t capacity;
    uint32_t count;
    uint32_t secret;    /* per-process random mix; low two bits zero */
    uint32_t next_free; /* head of the list of freed slots, or HANDLE_SLOT_NONE when there is none */
    uint32_t used;      /* slots [used, capacity) were never handed out: on no list */
    uint32_t allocated; /* slots in `entries` (used <= allocated <= capacity); those past `used` are zeroed */
};

/*
 * Values are 32-bit, never ZX_HANDLE_INVALID, always with the low two bits
 * set (ZX_HANDLE_FIXED_BITS_MASK), and encode (slot, generation) mixed with
 * `secret`, so the same slot gives different values in two tables and a
 * closed handle's value does not name the slot's next occupant (until the
 * slot's generation wraps, after 2^16 reuses of that one slot).
 * `capacity`: 1 .. HANDLE_TABLE_MAX_CAPACITY; the low two bits of `secret`
 * are ignored. Returns 0, -EINVAL or -ENOMEM.
 */
int handle_table_init(struct handle_table *t, uint32_t capacity, uint32_t secret);

/* Frees the table's memory; the caller has taken every object out first. */
void handle_table_destroy(struct handle_table *t);

/* Adds `obj` (not NULL) with `rights`; ZX_OK and the value, ZX_ERR_NO_RESOURCES when full, or
 * ZX_ERR_NO_MEMORY when the host has no memory to grow the table. */
zx_status_t handle_table_add(struct handle_table *t, struct object *obj, zx_rights_t rights,
                             zx_handle_t *out);

/*
 * Looks a value up; ZX_OK, or ZX_ERR_BAD_HANDLE for anything not live in
 * this table. `rights` may be NULL (also for handle_table_remove).
 */
zx_status_t handle_table_get(const struct handle_table *t, zx_handle_t value, struct object **obj,
                             zx_rights_t *rights);

/*
 * Takes `remove` away from a live handle's rights, keeping its value (what a
 * zx_handle_replace to fewer rights leaves, for fault injection's revoke).
 * ZX_OK, or ZX_ERR_BAD_HANDLE.
 */
zx_status_t handle_table_restrict(struct handle_table *t, zx_handle_t value, zx_rights_t remove);

/* Removes a live handle and returns what it held; ZX_ERR_BAD_HANDLE otherwise. */
zx_status_t handle_table_remove(struct handle_table *t, zx_handle_t value, struct object **obj,
                                zx_rights_t *rights);

/*
 * Removes and returns any one live handle's object (for teardown); false
 * when the table is empty. Each call scans up from slot 0, so it costs up
 * to O(capacity): meant for teardown, not for hot paths.
 */
bool handle_table_pop(struct handle_table *t, struct object **obj);

#endif
