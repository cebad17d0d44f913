/* vmar.h: a process's root VMAR: its mappings and the page-table entries that show them. */
#ifndef ZXVMM_OBJECT_VMAR_H
#define ZXVMM_OBJECT_VMAR_H

#include <stdbool.h>
#include <stdint.h>

#include <zircon/types.h>

#include "object/object.h"
#include "object/vmar_space.h"

struct process;
struct vmo;

struct vmar {
    struct object obj;
    struct process *proc;
    struct vmar_space space;
    bool dead;    /* its process has died: every operation is ZX_ERR_BAD_STATE */
    bool mapping; /* a vmar_map is writing entries and may have let the lock go: other syscalls wait */
};

/*
 * Stand-ins for the `vmo` of mappings the VMM makes itself: program segments
 * and the stack (frames owned by the process), and the vDSO (shared frames,
 * never unmapped or re-protected: ZX_ERR_ACCESS_DENIED).
 */
extern struct vmo *const vmar_internal_vmo;
extern struct vmo *const vmar_vdso_vmo;

void vmar_init(struct vmar *v, struct objects *o, struct process *p);

/* Records a VMM-made mapping (already in the page tables). Returns 0 or -errno. */
int vmar_record(struct vmar *v, uint64_t base, uint64_t size, struct vmo *kind, uint32_t perms);

/*
 * Maps VMO bytes [vmo_offset, vmo_offset + len) at [addr, addr + len), which
 * must be free; installs every page's entry now (ABI v1 commits at map time)
 * with the VMO's cache policy; takes a reference on the VMO. `max_perms`
 * bounds later protects. ZX_ERR_NO_MEMORY
 * when a page table can't be had (nothing is left mapped). A long map asks
 * objects.process_stopping every VMAR_STOP_CHECK_PAGES pages and returns
 * ZX_ERR_CANCELED once the process or the run is stopping (the mapping is
 * gone from the list; entries already written are left for the teardown that
 * follows). Between those pages it lets a waiting syscall have the lock
 * (objects_yield), with `v->mapping` set and the mapping already recorded
 * and holding its VMO references. Lock held.
 */
zx_status_t vmar_map(struct objects *o, struct vmar *v, uint64_t addr, uint64_t len, struct vmo *vmo,
                     uint64_t vmo_offset, uint32_t perms, uint32_t max_perms);

/* True when [base, base + len) touches the vDSO mapping. */
bool vmar_touches_vdso(const struct vmar *v, uint64_t base, uint64_t len);

/*
 * Unmaps whatever lies in [base, base + len): clears the entries, makes the
 * guest forget them, drops VMO references. Returns the bytes unmapped, or
 * ZX_ERR_NO_MEMORY (nothing changed). The list changes first; then a long
 * unmap, like a long map, lets a waiting syscall have the lock every
 * VMAR_STOP_CHECK_PAGES pages (with `v->mapping` set) and, once the process
 * or the run is stopping, leaves the entries still to clear for the teardown
 * that follows (the references are dropped all the same). Lock held.
 */
int64_t vmar_unmap(struct objects *o, struct vmar *v, uint64_t base, uint64_t len);

/*
 * Sets perms on [base, base + len), every byte of which is mapped; same
 * guarantees as unmap, stop checks included (a stopping process keeps some
 * old entries). Lock held.
 */
zx_status_t vmar_protect(struct objects *o, struct vmar *v, uint64_t base, uint64_t len, uint32_t perms);

/*
 * Drops every mapping and its VMO references and marks the VMAR dead (its
 * process died). Costs one step per mapping, not per page: the entries stay
 * in the process's page tables, which are freed whole right after. Lock held.
 */
void vmar_teardown(struct objects *o, struct vmar *v);

/*
 * The leaf flags for a mapping's perms and a cache policy (SEMANTICS.md
 * section 5). Without any permission: PTE_KEPT and no PTE_P, so the guest
 * faults but the memory-access calls still reach the frame.
 */
uint64_t vmar_pte_flags(uint32_t perms, uint32_t cache_policy);

#endif
