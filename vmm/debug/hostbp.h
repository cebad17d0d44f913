/* hostbp.h: the int3 bytes the VMM plants in processes (exec triggers, the gdb stub), one table for both. */
#ifndef ZXVMM_DEBUG_HOSTBP_H
#define ZXVMM_DEBUG_HOSTBP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/types.h>

#include "object/process.h"

#define HOSTBP_MAX     64   /* exec triggers' breakpoints one VM's table holds */
#define HOSTBP_MAX_GDB 256  /* the gdb stub's */
#define HOSTBP_INT3    0xcc /* the instruction planted */

/*
 * Who planted a byte; one byte planted by both is one entry with both bits,
 * and stays planted until neither wants it.
 */
enum hostbp_owner {
    /* A scenario's exec trigger: its #BP is the exec event, and the run loop steps over it (vcpu.c). */
    HOSTBP_EXEC = 1u << 0,
    /* The gdb stub: its #BP is a stop for gdb, which steps over it itself. */
    HOSTBP_GDB = 1u << 1,
};
#define HOSTBP_ANY (HOSTBP_EXEC | HOSTBP_GDB)

/*
 * One planted byte. While the original instruction runs under the trap flag
 * (`stepping`, exec triggers only), the original byte is in memory;
 * otherwise HOSTBP_INT3 is.
 */
struct hostbp {
    struct process *proc; /* NULL: in the shared vDSO, at `addr` in every process (gdb's only) */
    uint64_t addr;
    uint8_t orig;   /* what the guest and its debuggers see at addr */
    uint8_t owners; /* enum hostbp_owner bits, never 0 */
    bool stepping;  /* the original instruction is being stepped over */
    bool guest_tf;  /* ...and the thread had the trap flag set itself (its #DB is passed on) */
    bool passed;    /* the last #BP here was counted and passed on to a debugger: the next is not counted */
};

/*
 * One VM's table: objects.host_bps when a scenario has exec triggers (NULL
 * while none), which the gdb stub then uses too; without one, the gdb stub
 * keeps its own (gdb/target.h). Room for every owner's limit at once.
 */
struct hostbp_table {
    struct hostbp bp[HOSTBP_MAX + HOSTBP_MAX_GDB];
    unsigned n;
};

/*
 * Plants HOSTBP_INT3 at `addr` of `p` through its page tables for `owner`
 * (one enum hostbp_owner bit), keeping the original byte; over a byte
 * another owner planted, `owner` joins that entry. ZX_OK (also when `owner`
 * planted there already); ZX_ERR_NOT_FOUND when nothing is mapped at addr;
 * ZX_ERR_NOT_SUPPORTED in the vDSO (shared by every process: see
 * hostbp_plant_shared); ZX_ERR_NO_RESOURCES when `owner` has its limit
 * planted. HOSTBP_EXEC also gets ZX_ERR_ACCESS_DENIED when the mapping is not
 * executable (a debugger may plant where it likes). Lock held.
 */
zx_status_t hostbp_plant(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t addr,
                         unsigned owner);

/*
 * Plants the gdb stub's (HOSTBP_GDB) breakpoint at `addr` in the shared
 * vDSO, through `via`'s page tables: one entry with no process, seen at
 * that address by every process. ZX_OK (also when planted already);
 * ZX_ERR_NO_RESOURCES when the stub has its limit planted; ZX_ERR_NOT_FOUND
 * when the byte cannot be read or written. Lock held.
 */
zx_status_t hostbp_plant_shared(struct objects *o, struct hostbp_table *tab, struct process *via,
                                uint64_t addr);

/*
 * Drops `owner`'s claim on `bp`. When no owner is left, the original byte
 * goes back, written through `via` (`bp`'s process, or any process for a
 * shared one; NULL when none is left to write through), and the entry
 * leaves the table (the entry last in it takes its place). Lock held.
 */
void hostbp_remove(struct objects *o, struct hostbp_table *tab, struct hostbp *bp, unsigned owner,
                   struct process *via);

/* The breakpoint any of `owners` planted at `addr` that `p` runs into (its own or a shared one), or NULL. */
struct hostbp *hostbp_find(struct hostbp_table *tab, const struct process *p, uint64_t addr, unsigned owners);

/* The breakpoint `p` is stepping over, or NULL. */
struct hostbp *hostbp_stepping(struct hostbp_table *tab, const struct process *p);

/*
 * A copy of `p`'s bytes [va, va + n) in `buf` as a reader must see them:
 * the original byte wherever any of `owners` planted a breakpoint `p` runs
 * into. Returns how many bytes it changed. (Pure: reads the table only.)
 */
size_t hostbp_hide(const struct hostbp_table *tab, const struct process *p, uint64_t va, uint8_t *buf,
                   size_t n, unsigned owners);

/*
 * After bytes [va, va + n) of `p` were written (a debugger's write): each
 * breakpoint of `p` in the range that any of `owners` planted takes the new
 * byte as its original (for all its owners) and is planted again, so the
 * writer cannot remove it. Lock held.
 */
void hostbp_note_write(struct objects *o, struct hostbp_table *tab, struct process *p, uint64_t va, size_t n,
                       unsigned owners);

/* Starts stepping over `bp`: puts the original byte back. Lock held. */
void hostbp_step_begin(struct objects *o, struct hostbp *bp, struct process *p, bool guest_tf);

/* Ends it: plants HOSTBP_INT3 again. Lock held. */
void hostbp_step_end(struct objects *o, struct hostbp *bp, struct process *p);

/* Forgets every breakpoint of `p`, whoever planted it (its process ended; its memory is not touched). Lock
 * held. */
void hostbp_forget(struct hostbp_table *tab, const struct process *p);

#endif
