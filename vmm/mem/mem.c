/* mem.c: guest RAM mapping, the checked guest-physical -> host translator and the bitmap frame allocator. */
#include "mem/mem.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MEM_PAGE_MASK  (MEM_PAGE_SIZE - 1)
#define MEM_PAGE_SHIFT 12
#define MEM_WORD_BITS  64ULL
#define MEM_WORD_FULL  UINT64_MAX

_Static_assert((1ULL << MEM_PAGE_SHIFT) == MEM_PAGE_SIZE, "page shift matches page size");

bool mem_range_ok(const struct guest_ram *ram, gpa_t addr, uint64_t len)
{
    if (ram == NULL || ram->host == NULL)
        return false;
    if (len == 0)
        len = 1;
    /* Written so that no sum can wrap: addr < size, then len <= size - addr. */
    return addr.raw < ram->size && len <= ram->size - addr.raw;
}

void *mem_ptr(const struct guest_ram *ram, gpa_t addr, uint64_t len)
{
    if (!mem_range_ok(ram, addr, len))
        return NULL;
    return ram->host + addr.raw;
}

int mem_ram_map(struct guest_ram *ram, uint64_t size)
{
    if (size == 0 || (size & MEM_PAGE_MASK) != 0 || size > SIZE_MAX)
        return -EINVAL;
    void *host =
        mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED)
        return -errno;
    /* Guest memory has no place in a VMM core dump; failure only makes dumps larger. */
    (void)madvise(host, (size_t)size, MADV_DONTDUMP);
    ram->host = host;
    ram->size = size;
    return 0;
}

void mem_ram_unmap(struct guest_ram *ram)
{
    if (ram->host != NULL)
        munmap(ram->host, (size_t)ram->size);
    ram->host = NULL;
    ram->size = 0;
}

/* The host pages behind a page-aligned guest range; NULL with *err set when it is not one. */
static void *host_pages(const struct guest_ram *ram, gpa_t addr, uint64_t len, int *err)
{
    *err = 0;
    if ((addr.raw & MEM_PAGE_MASK) != 0 || (len & MEM_PAGE_MASK) != 0)
        *err = -EINVAL;
    else if (len > 0 && mem_ptr(ram, addr, len) == NULL)
        *err = -EFAULT;
    return *err || len == 0 ? NULL : mem_ptr(ram, addr, len);
}

int mem_discard(const struct guest_ram *ram, gpa_t addr, uint64_t len)
{
    int err;
    void *host = host_pages(ram, addr, len, &err);
    if (host && madvise(host, (size_t)len, MADV_DONTNEED) != 0)
        err = -errno;
    return err;
}

int mem_invalidate(const struct guest_ram *ram, gpa_t addr, uint64_t len)
{
    int err;
    void *host = host_pages(ram, addr, len, &err);
    if (host && (mprotect(host, (size_t)len, PROT_READ) != 0 ||
                 mprotect(host, (size_t)len, PROT_READ | PROT_WRITE) != 0))
        err = -errno;
    return err;
}

/* ---- the frame allocator ---- */

/*
 * First frame in [from, end) whose bit equals `used`, or `end`. Whole words
 * that cannot contain one are skipped with a single compare.
 */
static uint64_t frame_find(const struct frame_alloc *fa, uint64_t from, uint64_t end, bool used)
{
    while (from < end) {
        uint64_t word = fa->bitmap[from / MEM_WORD_BITS];
        if (!used)
            word = ~word;
        word &= MEM_WORD_FULL << (from % MEM_WORD_BITS);
        if (word != 0) {
            uint64_t hit = from - from % MEM_WORD_BITS + (uint64_t)__builtin_ctzll(word);
            return hit < end ? hit : end;
        }
        from = from - from % MEM_WORD_BITS + MEM_WORD_BITS;
    }
    return end;
}

/* Sets (used) or clears the bits of frames [first, first + count); returns how many bits changed. */
static uint64_t frame_mark(struct frame_alloc *fa, uint64_t first, uint64_t count, bool used)
{
    uint64_t changed = 0;
    uint64_t frame = first;
    uint64_t end = first + count;
    while (frame < end) {
        uint64_t bit = frame % MEM_WORD_BITS;
        uint64_t span = MEM_WORD_BITS - bit;
        if (span > end - frame)
            span = end - frame;
        uint64_t mask = (span == MEM_WORD_BITS) ? MEM_WORD_FULL : ((1ULL << span) - 1) << bit;
        uint64_t *word = &fa->bitmap[frame / MEM_WORD_BITS];
        uint64_t next = used ? (*word | mask) : (*word & ~mask);
        changed += (uint64_t)__builtin_popcountll(*word ^ next);
        *word = next;
        frame += span;
    }
    return changed;
}

static uint64_t align_up(uint64_t value, uint64_t align)
{
    return (value + align - 1) & ~(align - 1);
}

/*
 * First aligned run of `count` free frames starting in [from, limit) and
 * ending at or before nframes; returns nframes when there is none.
 */
static uint64_t frame_find_run(const struct frame_alloc *fa, uint64_t from, uint64_t limit, uint64_t count,
                               uint64_t align)
{
    uint64_t start = from;
    for (;;) {
        start = frame_find(fa, start, fa->nframes, false);
        start = align_up(start, align);
        if (start >= limit || start > fa->nframes || count > fa->nframes - start)
            return fa->nframes;
        uint64_t used = frame_find(fa, start, start + count, true);
        if (used == start + count)
            return start;
        start = used + 1;
    }
}

int mem_frames_init(struct frame_alloc *fa, uint64_t ram_size)
{
    if (ram_size < 2 * MEM_PAGE_SIZE || (ram_size & MEM_PAGE_MASK) != 0)
        return -EINVAL;
    uint64_t nframes = ram_size >> MEM_PAGE_SHIFT;
    uint64_t nwords = (nframes + MEM_WORD_BITS - 1) / MEM_WORD_BITS;
    uint64_t *bitmap = calloc(nwords, sizeof(*bitmap));
    if (bitmap == NULL)
        return -ENOMEM;
    int err = pthread_mutex_init(&fa->lock, NULL);
    if (err != 0) {
        free(bitmap);
        return -err;
    }
    fa->bitmap = bitmap;
    fa->nframes = nframes;
    fa->hint = 1;
    /* Bits past the last frame read as used, so word scans need no end test. */
    if (nframes % MEM_WORD_BITS != 0)
        bitmap[nwords - 1] = MEM_WORD_FULL << (nframes % MEM_WORD_BITS);
    frame_mark(fa, 0, 1, true); /* frame 0 stands for "none" */
    fa->free_count = nframes - 1;
    return 0;
}

void mem_frames_destroy(struct frame_alloc *fa)
{
    pthread_mutex_destroy(&fa->lock);
    free(fa->bitmap);
    fa->bitmap = NULL;
    fa->nframes = 0;
    fa->free_count = 0;
}

int mem_frames_alloc(struct frame_alloc *fa, uint64_t count, uint64_t align, gpa_t *out)
{
    if (count == 0 || align == 0 || (align & (align - 1)) != 0)
        return -EINVAL;
    if (align >= fa->nframes)
        return -ENOMEM; /* only frame 0 would be aligned, and it is never free */
    int ret = -ENOMEM;
    pthread_mutex_lock(&fa->lock);
    if (count <= fa->free_count) {
        /* Next fit from the hint, then wrap around to the frames before it. */
        uint64_t start = frame_find_run(fa, fa->hint, fa->nframes, count, align);
        if (start == fa->nframes)
            start = frame_find_run(fa, 0, fa->hint, count, align);
        if (start != fa->nframes) {
            frame_mark(fa, start, count, true);
            fa->free_count -= count;
            fa->hint = (start + count < fa->nframes) ? start + count : 1;
            *out = gpa(start << MEM_PAGE_SHIFT);
            ret = 0;
        }
    }
    pthread_mutex_unlock(&fa->lock);
    return ret;
}

void mem_frames_free(struct frame_alloc *fa, gpa_t base, uint64_t count)
{
    uint64_t first = base.raw >> MEM_PAGE_SHIFT;
    bool valid =
        (base.raw & MEM_PAGE_MASK) == 0 && first != 0 && first < fa->nframes && count <= fa->nframes - first;
    assert(valid);
    if (!valid)
        return;
    pthread_mutex_lock(&fa->lock);
    assert(frame_find(fa, first, first + count, false) == first + count);
    /* Counting cleared bits keeps free_count right even if a double free slips past NDEBUG. */
    fa->free_count += frame_mark(fa, first, count, false);
    pthread_mutex_unlock(&fa->lock);
}

uint64_t mem_frames_free_count(struct frame_alloc *fa)
{
    pthread_mutex_lock(&fa->lock);
    uint64_t free_count = fa->free_count;
    pthread_mutex_unlock(&fa->lock);
    return free_count;
}
