/* server.h: zxvmm's GDB remote stub: the listening socket, one gdb at a time, and the target it drives over
 * the VM through the debug core (all-stop; threads are processes). */
#ifndef ZXVMM_GDB_SERVER_H
#define ZXVMM_GDB_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "vm/vm.h"

/* Where --gdb listens: tcp:HOST:PORT or unix:PATH. */
struct gdb_address {
    enum { GDB_ADDR_TCP, GDB_ADDR_UNIX } kind;
    char host[64];  /* tcp: a numeric IPv4 address or "localhost" */
    uint16_t port;  /* tcp: 1..65535 */
    char path[108]; /* unix: the socket's path (sun_path) */
};

/*
 * Parses a --gdb value. Returns 0, or -EINVAL with one line in `err`
 * (unknown scheme, missing or bad port, empty or too long path).
 */
int gdb_parse_address(const char *spec, struct gdb_address *out, char *err, size_t errlen);

struct gdb_server;

/*
 * Opens the listening socket and prints "zxvmm: gdb: listening on ..." on
 * stderr. A unix path may be a socket nobody listens on (left by a zxvmm
 * that was killed): it is replaced. Anything else there is refused with
 * -EADDRINUSE: a live socket, or a path that is not a socket. Returns 0, or
 * -errno with one line in `err` naming the call or the cause.
 */
int gdb_server_open(const struct gdb_address *addr, struct gdb_server **out, char *err, size_t errlen);

/* The write end of the stub's wake-up pipe, which vCPU threads and the main thread write (a seccomp filter
 * must let them). */
int gdb_server_wake_fd(const struct gdb_server *s);

/*
 * Holds every process of `vm` before its first instruction, becomes the VM's
 * host debugger and starts the server thread. `programs[i]` is the program
 * path of vm->vcpus[i] (thread names, breakpoints shared by one program's
 * processes); it must outlive the server. Call after the processes are added
 * and before vm_run. With vm->seccomp, the thread installs the gdb stub's
 * filter before it serves anything, and this waits for it. Returns 0 or
 * -errno (the thread could not start, or its filter could not be installed).
 */
int gdb_server_start(struct gdb_server *s, struct vm *vm, struct vcpu *main, const char *const programs[]);

/*
 * After vm_run: a gdb waiting for the target hears how the main process
 * ended (W with its code, X with a signal); then the connection and the
 * socket are closed, the thread joined and everything freed. Safe on a
 * server that was never started.
 */
void gdb_server_finish(struct gdb_server *s, enum vm_outcome outcome, int64_t code);

#endif
