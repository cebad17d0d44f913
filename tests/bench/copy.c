/* copy.c: the P3 floors: host memcpy and process_vm_writev into a forked child, of one buffer size. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define FILL_SRC 0xA5
#define FILL_DST 0x5A

struct bench_copy {
    size_t len;
    uint8_t *src, *dst;
    pid_t child;
    int hold_fd;     /* the child exits when this, its only writer, is closed */
    uint64_t remote; /* the child's buffer, in its address space */
};

static uint8_t *map_touched(size_t len, int fill)
{
    uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, fill, len); /* every page faulted in before anything is timed */
    return p;
}

/* The child: a touched buffer, its address to the parent, then a wait for the parent to let go. */
static void child_main(size_t len, int addr_fd, int hold_fd)
{
    uint8_t *buf = map_touched(len, FILL_DST);
    uint64_t addr = (uint64_t)(uintptr_t)buf;
    if (!buf || write(addr_fd, &addr, sizeof(addr)) != (ssize_t)sizeof(addr))
        _exit(1);
    char byte;
    while (read(hold_fd, &byte, 1) < 0 && errno == EINTR)
        ;
    _exit(0);
}

/* Forks the child before the parent's buffers exist, so no copy-on-write is left to fault in later. */
static int start_child(struct bench_copy *c)
{
    int addr_pipe[2], hold_pipe[2];
    if (pipe2(addr_pipe, O_CLOEXEC) < 0)
        return -errno;
    if (pipe2(hold_pipe, O_CLOEXEC) < 0) {
        int err = -errno;
        close(addr_pipe[0]);
        close(addr_pipe[1]);
        return err;
    }
    c->child = fork();
    if (c->child == 0) {
        close(addr_pipe[0]);
        close(hold_pipe[1]);
        child_main(c->len, addr_pipe[1], hold_pipe[0]);
    }
    int err = c->child < 0 ? -errno : 0;
    close(addr_pipe[1]);
    close(hold_pipe[0]);
    c->hold_fd = hold_pipe[1];
    if (err == 0 && read(addr_pipe[0], &c->remote, sizeof(c->remote)) != (ssize_t)sizeof(c->remote))
        err = -EPIPE;
    close(addr_pipe[0]);
    return err;
}

struct bench_copy *bench_copy_create(size_t len)
{
    struct bench_copy *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->len = len;
    c->child = -1;
    c->hold_fd = -1;
    int rc = start_child(c);
    if (rc == 0) {
        c->src = map_touched(len, FILL_SRC);
        c->dst = map_touched(len, FILL_DST);
        if (!c->src || !c->dst)
            rc = -ENOMEM;
    }
    if (rc) {
        fprintf(stderr, "zxvmm_bench: copy floors: %s\n", strerror(-rc));
        bench_copy_destroy(c);
        return NULL;
    }
    return c;
}

double bench_copy_memcpy_ns(struct bench_copy *c)
{
    double start = bench_now_ns();
    memcpy(c->dst, c->src, c->len);
    __asm__ volatile("" : : "r"(c->dst) : "memory"); /* the copy is needed */
    return bench_now_ns() - start;
}

double bench_copy_pvw_ns(struct bench_copy *c)
{
    double start = bench_now_ns();
    for (size_t done = 0; done < c->len;) {
        struct iovec local = {c->src + done, c->len - done};
        struct iovec remote = {(void *)(uintptr_t)(c->remote + done), c->len - done};
        ssize_t n = process_vm_writev(c->child, &local, 1, &remote, 1, 0);
        if (n <= 0) {
            fprintf(stderr, "zxvmm_bench: process_vm_writev: %s\n", n < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        done += (size_t)n;
    }
    return bench_now_ns() - start;
}

void bench_copy_destroy(struct bench_copy *c)
{
    if (!c)
        return;
    if (c->hold_fd >= 0)
        close(c->hold_fd);
    if (c->child > 0)
        while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
            ;
    if (c->src)
        munmap(c->src, c->len);
    if (c->dst)
        munmap(c->dst, c->len);
    free(c);
}
