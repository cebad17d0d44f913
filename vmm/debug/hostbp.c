/* hostbp.c: the int3 bytes the VMM plants in processes (exec triggers, the gdb stub), one table for both. */
#include "debug/hostbp.h"

#include <zircon/errors.h>
#include <zircon/types.h>

#include "debug/debug.h"
#include "object/vmar.h"
#include "object/vmar_space.h"

/* Writes one byte of `p` with debugger privileges (code pages are read-only to the guest). */
static bool poke(struct objects *o, struct process *p, uint64_t addr, uint8_t byte, bool shared)
{
    return debug_access_memory(o, p, addr, &byte, 1, true, shared) == 1;
}

/* The entry for exactly `p` (NULL: the shared one) at `addr`, whoever planted it, or NULL. */
static struct hostbp *entry_at(struct hostbp_table *tab, const struct process *p, uint64_t addr)
{
    for (unsigned i = 0; i < tab->n; i++)
        if (tab->bp[i].proc == p && tab->bp[i].addr == addr)
            return &tab->bp[i];
    return NULL;
}

/* Whether a breakpoint `p` runs into (its own or a shared one) covers `addr`. */
static bool covers(const struct hostbp *b, const struct process *p, uint64_t addr)
{
    return b->addr == addr && (b->proc == p || b->proc == NULL);
}

static bool owner_full(const struct hostbp_table *tab, unsigned owner)
{
    unsigned n = 0;
    for (unsigned i = 0; i < tab->n; i++)
        n += (tab->bp[i].owners & owner) != 0;
    return n == (owner == HOSTBP_EXEC ? HOSTBP_MAX : HOSTBP_MAX_GDB);
}

/*
 * Plants a new entry for `owner` (`p` NULL: the shared one, through `via`).
 * The byte kept is the one a reader sees there, so a process's own entry
 * over a shared one keeps the shared one's original.
 */
static zx_status_t add(struct objects *o, struct hostbp_table *tab, struct process *p, struct process *via,
                       uint64_t addr, unsigned owner)
{
    uint8_t orig;
    if (debug_access_memory(o, via, addr, &orig, 1, false, false) != 1)
        return ZX_ERR_NOT_FOUND; /* mapped, but its page is not present */
    hostbp_hide(tab, via, addr, &orig, 1, HOSTBP_ANY);
    if (!poke(o, via, addr, HOSTBP_INT3, p == NULL))
        return ZX_ERR_NOT_FOUND;
    tab->bp[tab->n++] = (struct hostbp){.proc = p, .addr = addr, .orig = orig, .owners = (uint8_t)owner};
    return ZX_OK;
}

zx_status_t hostbp_plant(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t addr,
                         unsigned owner)
{
    struct hostbp *b = entry_at(tab, p, addr);
    if (b && (b->owners & owner))
        return ZX_OK;
    const struct vmar_mapping *m = vmar_space_find(&p->vmar.space, addr);
    if (!m)
        return ZX_ERR_NOT_FOUND;
    if (m->vmo == vmar_vdso_vmo)
        return ZX_ERR_NOT_SUPPORTED;
    if (owner == HOSTBP_EXEC && !(m->perms & ZX_VM_PERM_EXECUTE))
        return ZX_ERR_ACCESS_DENIED;
    if (owner_full(tab, owner))
        return ZX_ERR_NO_RESOURCES;
    if (b) {
        b->owners |= (uint8_t)owner; /* planted already: the int3 (or a step over it) is there */
        return ZX_OK;
    }
    return add(o, tab, p, p, addr, owner);
}

zx_status_t hostbp_plant_shared(struct objects *o, struct hostbp_table *tab, struct process *via,
                                uint64_t addr)
{
    if (entry_at(tab, NULL, addr))
        return ZX_OK;
    if (owner_full(tab, HOSTBP_GDB))
        return ZX_ERR_NO_RESOURCES;
    return add(o, tab, NULL, via, addr, HOSTBP_GDB);
}

void hostbp_remove(struct objects *o, struct hostbp_table *tab, struct hostbp *bp, unsigned owner,
                   struct process *via)
{
    bp->owners &= (uint8_t)~owner;
    if (bp->owners != 0)
        return; /* another owner keeps it planted */
    if (via)
        poke(o, via, bp->addr, bp->orig, bp->proc == NULL);
    *bp = tab->bp[--tab->n];
}

struct hostbp *hostbp_find(struct hostbp_table *tab, const struct process *p, uint64_t addr, unsigned owners)
{
    for (unsigned i = 0; i < tab->n; i++)
        if (covers(&tab->bp[i], p, addr) && (tab->bp[i].owners & owners))
            return &tab->bp[i];
    return NULL;
}

struct hostbp *hostbp_stepping(struct hostbp_table *tab, const struct process *p)
{
    for (unsigned i = 0; i < tab->n; i++)
        if (tab->bp[i].proc == p && tab->bp[i].stepping)
            return &tab->bp[i];
    return NULL;
}

size_t hostbp_hide(const struct hostbp_table *tab, const struct process *p, uint64_t va, uint8_t *buf,
                   size_t n, unsigned owners)
{
    size_t changed = 0;
    for (unsigned i = 0; i < tab->n; i++) {
        const struct hostbp *b = &tab->bp[i];
        if ((b->proc == p || b->proc == NULL) && (b->owners & owners) && b->addr >= va && b->addr - va < n) {
            buf[b->addr - va] = b->orig;
            changed++;
        }
    }
    return changed;
}

void hostbp_note_write(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t va, size_t n,
                       unsigned owners)
{
    for (unsigned i = 0; i < tab->n; i++) {
        struct hostbp *b = &tab->bp[i];
        if (b->proc != p || !(b->owners & owners) || b->addr < va || b->addr - va >= n)
            continue;
        uint8_t now;
        if (debug_access_memory(o, p, b->addr, &now, 1, false, false) != 1)
            continue;
        b->orig = now;
        if (!b->stepping) /* a step in progress runs the original; its end plants again */
            poke(o, p, b->addr, HOSTBP_INT3, false);
    }
}

void hostbp_step_begin(struct objects *o, struct hostbp *bp, struct process *p, bool guest_tf)
{
    poke(o, p, bp->addr, bp->orig, false);
    bp->stepping = true;
    bp->guest_tf = guest_tf;
}

void hostbp_step_end(struct objects *o, struct hostbp *bp, struct process *p)
{
    poke(o, p, bp->addr, HOSTBP_INT3, false);
    bp->stepping = false;
    bp->guest_tf = false;
}

void hostbp_forget(struct hostbp_table *tab, const struct process *p)
{
    for (unsigned i = tab->n; i-- > 0;)
        if (tab->bp[i].proc == p)
            tab->bp[i] = tab->bp[--tab->n];
}
