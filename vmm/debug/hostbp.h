/* hostbp.h: breakpoints the VMM plants in a process for itself (exec triggers), hidden from the guest. */
#ifndef ZXVMM_DEBUG_HOSTBP_H
#define ZXVMM_DEBUG_HOSTBP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

#include "object/process.h"

#define HOSTBP_MAX  64   /* breakpoints one VM's table holds */
#define HOSTBP_INT3 0xcc /* the instruction planted */

/*
 * One planted byte. While the original instruction runs under the trap flag
 * (`stepping`), the original byte is in memory; otherwise HOSTBP_INT3 is.
 */
struct hostbp {
    const struct process *proc;
    uint64_t addr;
    uint8_t orig;  /* what the guest and its debuggers see at addr */
    bool stepping; /* the original instruction is being stepped over */
    bool guest_tf; /* ...and the thread had the trap flag set itself (its #DB is passed on) */
    bool passed;   /* the last #BP here was counted and passed on to a debugger: the next is not counted */
};

/* The VM's table (objects.host_bps; NULL while no scenario plants any). */
struct hostbp_table {
    struct hostbp bp[HOSTBP_MAX];
    unsigned n;
};

/*
 * Plants HOSTBP_INT3 at `addr` of `p` through its page tables, keeping the
 * original byte. ZX_OK (also when already planted there); ZX_ERR_NOT_FOUND
 * when nothing is mapped at addr; ZX_ERR_ACCESS_DENIED when the mapping is
 * not executable; ZX_ERR_NOT_SUPPORTED in the vDSO (shared by every
 * process); ZX_ERR_NO_RESOURCES when the table is full. Lock held.
 */
zx_status_t hostbp_plant(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t addr);

/* The breakpoint of `p` at `addr`, or NULL. */
struct hostbp *hostbp_find(struct hostbp_table *tab, const struct process *p, uint64_t addr);

/* The breakpoint `p` is stepping over, or NULL. */
struct hostbp *hostbp_stepping(struct hostbp_table *tab, const struct process *p);

/*
 * A copy of `p`'s bytes [va, va + n) in `buf` as the guest must see them:
 * the original byte wherever a breakpoint of `p` is planted. Returns how
 * many bytes it changed. (Pure: reads the table only.)
 */
size_t hostbp_hide(const struct hostbp_table *tab, const struct process *p, uint64_t va, uint8_t *buf,
                   size_t n);

/*
 * After bytes [va, va + n) of `p` were written (a debugger's write): each
 * breakpoint in the range takes the new byte as its original and is planted
 * again, so the guest cannot remove it. Lock held.
 */
void hostbp_note_write(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t va, size_t n);

/* Starts stepping over `bp`: puts the original byte back. Lock held. */
void hostbp_step_begin(struct objects *o, struct hostbp *bp, struct process *p, bool guest_tf);

/* Ends it: plants HOSTBP_INT3 again. Lock held. */
void hostbp_step_end(struct objects *o, struct hostbp *bp, struct process *p);

/* Forgets every breakpoint of `p` (its process ended; its memory is not touched). Lock held. */
void hostbp_forget(struct hostbp_table *tab, const struct process *p);

#endif
