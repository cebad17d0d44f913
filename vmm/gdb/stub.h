/* stub.h: the GDB command set (GDB.md) over an abstract target: one decoded packet in, one reply out. Pure:
 * no socket, no KVM, so every command is unit-tested against a fake target. */
#ifndef ZXVMM_GDB_STUB_H
#define ZXVMM_GDB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zircon/syscalls/debug.h>

#include "gdb/packet.h"

/* GDB's own signal numbers (gdb/signals.def), which stop replies carry. */
#define GDB_SIGINT  2
#define GDB_SIGILL  4
#define GDB_SIGTRAP 5
#define GDB_SIGFPE  8
#define GDB_SIGKILL 9
#define GDB_SIGSEGV 11
#define GDB_SIGSYS  12

#define GDB_MAX_THREADS 64
#define GDB_NAME_MAX    32

/* Why the target stopped, as a stop reply tells gdb. */
struct gdb_stop {
    uint64_t koid; /* the thread (process koid) that stopped */
    int signal;    /* GDB_SIG* */
    bool swbreak;  /* a breakpoint the stub planted (rip already rewound onto it) */
    bool exited;   /* the main process ended: W (code) or X (signal) */
    bool by_signal;
    int64_t code;
    uint64_t rip, rsp, rbp;
};

struct gdb_thread_entry {
    uint64_t koid;
    char name[GDB_NAME_MAX];
};

/* What gdb asks one thread to do on resume; koid 0 is the default for every thread not named. */
struct gdb_action {
    uint64_t koid;
    bool step;
    int signal; /* 0: none; otherwise the exception takes its guest path */
};

/* A thread's registers as gdb sees them: general, x87 and SSE (the debug core's three register sets). */
struct gdb_regs {
    zx_thread_state_general_regs_t general;
    zx_thread_state_fp_regs_t fp;
    zx_thread_state_vector_regs_t vector;
};

/*
 * The target a session drives (the server implements it over the VM and the
 * debug core; tests over a fake). Called with whatever lock the server holds.
 */
struct gdb_target {
    void *ctx;
    /* The live threads, main process first; returns how many (at most `max`). */
    size_t (*threads)(void *ctx, struct gdb_thread_entry *out, size_t max);
    /* 0, or -ESRCH for a thread that is gone. */
    int (*get_regs)(void *ctx, uint64_t koid, struct gdb_regs *out);
    /* 0, -ESRCH, or -EINVAL for a rip, fs/gs base or MXCSR the debug core refuses. */
    int (*set_regs)(void *ctx, uint64_t koid, const struct gdb_regs *in);
    /* Bytes copied from the start of the range (stub breakpoints hidden); 0 when nothing is readable. */
    size_t (*read_mem)(void *ctx, uint64_t koid, uint64_t addr, uint8_t *buf, size_t len);
    size_t (*write_mem)(void *ctx, uint64_t koid, uint64_t addr, const uint8_t *buf, size_t len);
    /* Plants (insert) or removes a software breakpoint at addr: 0, -EFAULT, -ENOMEM. */
    int (*breakpoint)(void *ctx, uint64_t koid, uint64_t addr, bool insert);
    /* Resumes per the actions (non-blocking); the next stop comes later through gdb_format_stop. */
    void (*resume)(void *ctx, const struct gdb_action *actions, size_t n);
    void (*kill)(void *ctx);
    /* Removes every breakpoint and lets everything run. */
    void (*detach)(void *ctx);
    /* One line per process for `monitor processes`, NUL-terminated; returns its length. */
    size_t (*describe)(void *ctx, char *out, size_t cap);
};

/* What the server does after a packet. */
enum gdb_outcome {
    GDB_OUT_REPLY,    /* send the reply */
    GDB_OUT_NONE,     /* send nothing (k) */
    GDB_OUT_RESUMED,  /* nothing now: the stop reply comes when the target stops */
    GDB_OUT_DETACHED, /* send the reply, then close the connection */
    GDB_OUT_KILLED,   /* send the reply (if any), then close: the VM ends */
};

struct gdb_reply {
    size_t len;
    uint8_t data[GDB_PACKET_MAX];
};

struct gdb_session {
    const struct gdb_target *target;
    bool no_ack;          /* QStartNoAckMode accepted */
    uint64_t g_thread;    /* Hg: the thread registers and memory act on (0: the stopped one) */
    struct gdb_stop stop; /* the last stop, for '?' */
};

void gdb_session_init(struct gdb_session *s, const struct gdb_target *target, const struct gdb_stop *initial);

/*
 * Handles one packet (payload p[0..len), NUL after it) of a stopped target
 * and writes the reply. Unknown packets get an empty reply; malformed
 * arguments an "E.." error.
 */
enum gdb_outcome gdb_session_packet(struct gdb_session *s, const uint8_t *p, size_t len, struct gdb_reply *r);

/* Formats a stop reply (T, W or X) and remembers it for '?'. */
void gdb_session_stopped(struct gdb_session *s, const struct gdb_stop *stop, struct gdb_reply *r);

/* The GDB signal number of a ZX_EXCP_* type. */
int gdb_signal_of(uint32_t zx_exception_type);

#endif
