/* mem.h: guest-physical addresses, the checked guest-physical -> host translator, the frame allocator. */
#ifndef ZXVMM_MEM_H
#define ZXVMM_MEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest addresses are not pointers: distinct types so the compiler keeps them apart. */
typedef struct {
    uint64_t raw;
} gpa_t; /* guest-physical */
typedef struct {
    uint64_t raw;
} gva_t; /* guest-virtual */

static inline gpa_t gpa(uint64_t raw)
{
    return (gpa_t){raw};
}
static inline gva_t gva(uint64_t raw)
{
    return (gva_t){raw};
}

#define MEM_PAGE_SIZE 4096ULL

/* Guest RAM: one host mapping of `size` bytes backing guest-physical [0, size). */
struct guest_ram {
    uint8_t *host;
    uint64_t size;
};

/*
 * Returns the host address of guest-physical [addr, addr + len), or NULL when
 * any byte of it lies outside guest RAM (overflow-safe; len 0 is checked as 1).
 */
void *mem_ptr(const struct guest_ram *ram, gpa_t addr, uint64_t len);

/* True when [addr, addr + len) lies inside guest RAM (overflow-safe). */
bool mem_range_ok(const struct guest_ram *ram, gpa_t addr, uint64_t len);

/*
 * Reserves guest RAM lazily (MAP_NORESERVE): untouched pages cost nothing.
 * `size` must be a non-zero multiple of MEM_PAGE_SIZE. Returns 0 or -errno.
 */
int mem_ram_map(struct guest_ram *ram, uint64_t size);
void mem_ram_unmap(struct guest_ram *ram);

/*
 * Drops the host pages behind guest-physical [addr, addr + len) so they read
 * back as zero, and so that KVM forgets every translation to them (an
 * MMU-notifier event; see PLATFORM.md). Page-aligned. Returns 0 or -errno.
 */
int mem_discard(const struct guest_ram *ram, gpa_t addr, uint64_t len);

/*
 * Makes KVM forget every translation to guest-physical [addr, addr + len)
 * while keeping the contents: a read-only then read-write mprotect round trip
 * on the host pages, which raises an MMU-notifier event (PLATFORM.md: a
 * host-side page-table edit reaches the guest only this way). Page-aligned.
 * Returns 0 or -errno.
 */
int mem_invalidate(const struct guest_ram *ram, gpa_t addr, uint64_t len);

/*
 * The guest-physical frame allocator: 4 KiB frames over [0, ram size), a
 * bitmap, first fit, thread-safe. Frame 0 is never handed out, so gpa 0 can
 * mean "none".
 *
 * Free frames are always zero: guest RAM starts zero, and every owner calls
 * mem_discard on frames it wrote before mem_frames_free. So callers never
 * clear what they allocate, and an untouched frame costs no host memory.
 */
struct frame_alloc {
    pthread_mutex_t lock;
    uint64_t *bitmap; /* bit set = frame in use */
    uint64_t nframes;
    uint64_t free_count;
    uint64_t hint; /* where the next search starts */
};

/* `ram_size`: a multiple of MEM_PAGE_SIZE, at least two frames. Returns 0, -EINVAL or -ENOMEM. */
int mem_frames_init(struct frame_alloc *fa, uint64_t ram_size);
void mem_frames_destroy(struct frame_alloc *fa);

/*
 * Allocates `count` physically contiguous frames whose first frame number is
 * a multiple of `align` (a power of two, in frames; 1 for none). Returns 0 and
 * the first frame's address, or -ENOMEM. The frames' contents are not cleared.
 */
int mem_frames_alloc(struct frame_alloc *fa, uint64_t count, uint64_t align, gpa_t *out);

/* Returns `count` frames starting at `base` to the allocator. Freeing a free frame is a host bug (assert). */
void mem_frames_free(struct frame_alloc *fa, gpa_t base, uint64_t count);

uint64_t mem_frames_free_count(struct frame_alloc *fa);

#endif
