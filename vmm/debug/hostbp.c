/* hostbp.c: breakpoints the VMM plants in a process for itself (exec triggers), hidden from the guest. */
#include "debug/hostbp.h"

#include <zircon/errors.h>
#include <zircon/types.h>

#include "debug/debug.h"
#include "object/vmar.h"
#include "object/vmar_space.h"

/* Writes one byte of `p` with debugger privileges (code pages are read-only to the guest). */
static bool poke(struct objects *o, struct process *p, uint64_t addr, uint8_t byte)
{
    return debug_access_memory(o, p, addr, &byte, 1, true, false) == 1;
}

zx_status_t hostbp_plant(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t addr)
{
    if (hostbp_find(tab, p, addr))
        return ZX_OK;
    const struct vmar_mapping *m = vmar_space_find(&p->vmar.space, addr);
    if (!m)
        return ZX_ERR_NOT_FOUND;
    if (m->vmo == vmar_vdso_vmo)
        return ZX_ERR_NOT_SUPPORTED;
    if (!(m->perms & ZX_VM_PERM_EXECUTE))
        return ZX_ERR_ACCESS_DENIED;
    if (tab->n == HOSTBP_MAX)
        return ZX_ERR_NO_RESOURCES;
    uint8_t orig;
    if (debug_access_memory(o, p, addr, &orig, 1, false, false) != 1)
        return ZX_ERR_NOT_FOUND; /* mapped, but its page is not present */
    if (!poke(o, p, addr, HOSTBP_INT3))
        return ZX_ERR_NOT_FOUND;
    tab->bp[tab->n++] = (struct hostbp){.proc = p, .addr = addr, .orig = orig};
    return ZX_OK;
}

struct hostbp *hostbp_find(struct hostbp_table *tab, const struct process *p, uint64_t addr)
{
    for (unsigned i = 0; i < tab->n; i++)
        if (tab->bp[i].proc == p && tab->bp[i].addr == addr)
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
                   size_t n)
{
    size_t changed = 0;
    for (unsigned i = 0; i < tab->n; i++) {
        const struct hostbp *b = &tab->bp[i];
        if (b->proc == p && b->addr >= va && b->addr - va < n) {
            buf[b->addr - va] = b->orig;
            changed++;
        }
    }
    return changed;
}

void hostbp_note_write(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t va, size_t n)
{
    for (unsigned i = 0; i < tab->n; i++) {
        struct hostbp *b = &tab->bp[i];
        if (b->proc != p || b->addr < va || b->addr - va >= n)
            continue;
        uint8_t now;
        if (debug_access_memory(o, p, b->addr, &now, 1, false, false) != 1)
            continue;
        b->orig = now;
        if (!b->stepping) /* a step in progress runs the original; its end plants again */
            poke(o, p, b->addr, HOSTBP_INT3);
    }
}

void hostbp_step_begin(struct objects *o, struct hostbp *bp, struct process *p, bool guest_tf)
{
    poke(o, p, bp->addr, bp->orig);
    bp->stepping = true;
    bp->guest_tf = guest_tf;
}

void hostbp_step_end(struct objects *o, struct hostbp *bp, struct process *p)
{
    poke(o, p, bp->addr, HOSTBP_INT3);
    bp->stepping = false;
    bp->guest_tf = false;
}

void hostbp_forget(struct hostbp_table *tab, const struct process *p)
{
    for (unsigned i = tab->n; i-- > 0;)
        if (tab->bp[i].proc == p)
            tab->bp[i] = tab->bp[--tab->n];
}
