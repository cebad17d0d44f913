/* test_mem.c: the checked guest-physical translator, guest RAM mapping and discard, and the frame allocator.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"

#define KIB               1024ULL
#define MIB               (1024 * KIB)
#define GIB               (1024 * MIB)
#define PAGE              MEM_PAGE_SIZE
#define FRAMES_PER_2M     512
#define SMALL_RAM_FRAMES  64
#define SMALL_RAM         (SMALL_RAM_FRAMES * PAGE)
#define THREAD_COUNT      2
#define THREAD_ITERATIONS 20000

/* A fake guest RAM view: mem_ptr only does arithmetic on host, never dereferences it. */
static uint8_t fake_backing[SMALL_RAM];
static const struct guest_ram fake_ram = {.host = fake_backing, .size = SMALL_RAM};

Test(mem, ptr_inside_ram_is_host_plus_offset)
{
    cr_assert_eq(mem_ptr(&fake_ram, gpa(0), 1), fake_backing);
    cr_assert_eq(mem_ptr(&fake_ram, gpa(PAGE + 3), 16), fake_backing + PAGE + 3);
    cr_assert_eq(mem_ptr(&fake_ram, gpa(0), SMALL_RAM), fake_backing);
}

Test(mem, ptr_range_ending_past_ram_is_null)
{
    cr_assert_not_null(mem_ptr(&fake_ram, gpa(SMALL_RAM - 8), 8));
    cr_assert_null(mem_ptr(&fake_ram, gpa(SMALL_RAM - 8), 9));
    cr_assert_null(mem_ptr(&fake_ram, gpa(SMALL_RAM), 1));
    cr_assert_null(mem_ptr(&fake_ram, gpa(0), SMALL_RAM + 1));
}

Test(mem, ptr_len_zero_is_checked_as_one)
{
    cr_assert_not_null(mem_ptr(&fake_ram, gpa(SMALL_RAM - 1), 0));
    cr_assert_null(mem_ptr(&fake_ram, gpa(SMALL_RAM), 0));
    cr_assert(mem_range_ok(&fake_ram, gpa(SMALL_RAM - 1), 0));
    cr_assert_not(mem_range_ok(&fake_ram, gpa(SMALL_RAM), 0));
}

Test(mem, ptr_rejects_ranges_that_wrap_around)
{
    cr_assert_null(mem_ptr(&fake_ram, gpa(UINT64_MAX), 1));
    cr_assert_null(mem_ptr(&fake_ram, gpa(UINT64_MAX - 2), 4));
    cr_assert_null(mem_ptr(&fake_ram, gpa(8), UINT64_MAX));
    cr_assert_null(mem_ptr(&fake_ram, gpa(8), UINT64_MAX - 7));
    cr_assert_not(mem_range_ok(&fake_ram, gpa(PAGE), UINT64_MAX - PAGE + 2));
}

Test(mem, range_ok_on_unmapped_ram_is_false)
{
    struct guest_ram none = {0};
    cr_assert_not(mem_range_ok(&none, gpa(0), 1));
    cr_assert_not(mem_range_ok(NULL, gpa(0), 1));
    cr_assert_null(mem_ptr(&none, gpa(0), 1));
}

Test(mem, ram_map_rejects_empty_and_unaligned_sizes)
{
    struct guest_ram ram = {0};
    cr_assert_eq(mem_ram_map(&ram, 0), -EINVAL);
    cr_assert_eq(mem_ram_map(&ram, PAGE + 1), -EINVAL);
    cr_assert_null(ram.host);
}

Test(mem, ram_map_is_zeroed_lazy_and_unmap_clears)
{
    struct guest_ram ram = {0};
    cr_assert_eq(mem_ram_map(&ram, 4 * GIB), 0);
    cr_assert_eq(ram.size, 4 * GIB);
    uint8_t *last = mem_ptr(&ram, gpa(4 * GIB - 1), 1);
    cr_assert_not_null(last);
    cr_assert_eq(*last, 0);
    *last = 0x5a;
    cr_assert_eq(*last, 0x5a);
    mem_ram_unmap(&ram);
    cr_assert_null(ram.host);
    cr_assert_eq(ram.size, 0);
}

Test(mem, discard_zeroes_the_range_and_keeps_neighbours)
{
    struct guest_ram ram = {0};
    cr_assert_eq(mem_ram_map(&ram, 8 * PAGE), 0);
    memset(ram.host, 0xab, 8 * PAGE);
    cr_assert_eq(mem_discard(&ram, gpa(2 * PAGE), 3 * PAGE), 0);
    for (uint64_t i = 0; i < 8 * PAGE; i += PAGE / 4) {
        uint8_t expect = (i >= 2 * PAGE && i < 5 * PAGE) ? 0 : 0xab;
        cr_assert_eq(ram.host[i], expect, "byte %#llx", (unsigned long long)i);
    }
    mem_ram_unmap(&ram);
}

Test(mem, discard_rejects_unaligned_and_outside_ranges)
{
    struct guest_ram ram = {0};
    cr_assert_eq(mem_ram_map(&ram, 4 * PAGE), 0);
    cr_assert_eq(mem_discard(&ram, gpa(1), PAGE), -EINVAL);
    cr_assert_eq(mem_discard(&ram, gpa(0), PAGE / 2), -EINVAL);
    cr_assert_eq(mem_discard(&ram, gpa(3 * PAGE), 2 * PAGE), -EFAULT);
    cr_assert_eq(mem_discard(&ram, gpa(UINT64_MAX - PAGE + 1), 2 * PAGE), -EFAULT);
    mem_ram_unmap(&ram);
}

/* ---- the frame allocator ---- */

static struct frame_alloc fa;

static void frames_setup(void)
{
    cr_assert_eq(mem_frames_init(&fa, SMALL_RAM), 0);
}

static void frames_teardown(void)
{
    mem_frames_destroy(&fa);
}

static uint64_t frame_of(gpa_t addr)
{
    return addr.raw / PAGE;
}

Test(frames, init_rejects_bad_sizes)
{
    struct frame_alloc bad;
    cr_assert_eq(mem_frames_init(&bad, 0), -EINVAL);
    cr_assert_eq(mem_frames_init(&bad, PAGE), -EINVAL);
    cr_assert_eq(mem_frames_init(&bad, 3 * PAGE + 1), -EINVAL);
}

Test(frames, init_counts_every_frame_but_zero_free, .init = frames_setup, .fini = frames_teardown)
{
    cr_assert_eq(mem_frames_free_count(&fa), SMALL_RAM_FRAMES - 1);
}

Test(frames, alloc_rejects_zero_count_and_bad_alignment, .init = frames_setup, .fini = frames_teardown)
{
    gpa_t out;
    cr_assert_eq(mem_frames_alloc(&fa, 0, 1, &out), -EINVAL);
    cr_assert_eq(mem_frames_alloc(&fa, 1, 0, &out), -EINVAL);
    cr_assert_eq(mem_frames_alloc(&fa, 1, 3, &out), -EINVAL);
    cr_assert_eq(mem_frames_free_count(&fa), SMALL_RAM_FRAMES - 1);
}

Test(frames, frame_zero_is_never_returned, .init = frames_setup, .fini = frames_teardown)
{
    gpa_t out;
    for (unsigned i = 0; i < SMALL_RAM_FRAMES - 1; i++) {
        cr_assert_eq(mem_frames_alloc(&fa, 1, 1, &out), 0);
        cr_assert_neq(out.raw, 0);
        cr_assert_eq(out.raw % PAGE, 0);
    }
    cr_assert_eq(mem_frames_alloc(&fa, 1, 1, &out), -ENOMEM);
}

Test(frames, alloc_returns_distinct_frames_and_free_allows_reuse, .init = frames_setup,
     .fini = frames_teardown)
{
    bool seen[SMALL_RAM_FRAMES] = {false};
    gpa_t out;
    for (unsigned i = 0; i < SMALL_RAM_FRAMES - 1; i++) {
        cr_assert_eq(mem_frames_alloc(&fa, 1, 1, &out), 0);
        cr_assert_not(seen[frame_of(out)], "frame %llu handed out twice", (unsigned long long)frame_of(out));
        seen[frame_of(out)] = true;
    }
    mem_frames_free(&fa, gpa(17 * PAGE), 1);
    cr_assert_eq(mem_frames_alloc(&fa, 1, 1, &out), 0);
    cr_assert_eq(out.raw, 17 * PAGE);
}

Test(frames, contiguous_run_skips_holes_too_small, .init = frames_setup, .fini = frames_teardown)
{
    gpa_t out;
    cr_assert_eq(mem_frames_alloc(&fa, SMALL_RAM_FRAMES - 1, 1, &out), 0);
    mem_frames_free(&fa, gpa(3 * PAGE), 2);  /* a two-frame hole at 3..4 */
    mem_frames_free(&fa, gpa(20 * PAGE), 3); /* a three-frame hole at 20..22 */
    cr_assert_eq(mem_frames_alloc(&fa, 3, 1, &out), 0);
    cr_assert_eq(frame_of(out), 20, "a 3-frame run cannot fit the 2-frame hole");
    cr_assert_eq(mem_frames_alloc(&fa, 2, 1, &out), 0);
    cr_assert_eq(frame_of(out), 3);
    cr_assert_eq(mem_frames_free_count(&fa), 0);
}

Test(frames, search_wraps_around_from_the_hint, .init = frames_setup, .fini = frames_teardown)
{
    gpa_t low, high, out;
    cr_assert_eq(mem_frames_alloc(&fa, 4, 1, &low), 0);
    cr_assert_eq(mem_frames_alloc(&fa, SMALL_RAM_FRAMES - 5, 1, &high), 0);
    mem_frames_free(&fa, low, 4);
    cr_assert_eq(mem_frames_alloc(&fa, 4, 1, &out), 0);
    cr_assert_eq(out.raw, low.raw);
}

Test(frames, free_count_tracks_alloc_and_free, .init = frames_setup, .fini = frames_teardown)
{
    gpa_t a, b;
    cr_assert_eq(mem_frames_alloc(&fa, 5, 1, &a), 0);
    cr_assert_eq(mem_frames_alloc(&fa, 7, 1, &b), 0);
    cr_assert_eq(mem_frames_free_count(&fa), SMALL_RAM_FRAMES - 1 - 12);
    mem_frames_free(&fa, a, 5);
    cr_assert_eq(mem_frames_free_count(&fa), SMALL_RAM_FRAMES - 1 - 7);
    mem_frames_free(&fa, b, 7);
    cr_assert_eq(mem_frames_free_count(&fa), SMALL_RAM_FRAMES - 1);
}

Test(frames, exhaustion_returns_enomem_until_something_is_freed, .init = frames_setup,
     .fini = frames_teardown)
{
    gpa_t all, out;
    cr_assert_eq(mem_frames_alloc(&fa, SMALL_RAM_FRAMES, 1, &out), -ENOMEM, "frame 0 is not available");
    cr_assert_eq(mem_frames_alloc(&fa, SMALL_RAM_FRAMES - 1, 1, &all), 0);
    cr_assert_eq(frame_of(all), 1);
    cr_assert_eq(mem_frames_alloc(&fa, 1, 1, &out), -ENOMEM);
    cr_assert_eq(mem_frames_free_count(&fa), 0);
    mem_frames_free(&fa, gpa(40 * PAGE), 2);
    cr_assert_eq(mem_frames_alloc(&fa, 3, 1, &out), -ENOMEM);
    cr_assert_eq(mem_frames_alloc(&fa, 2, 1, &out), 0);
    cr_assert_eq(frame_of(out), 40);
}

Test(frames, alignment_of_2mib_runs_is_honoured)
{
    struct frame_alloc big;
    cr_assert_eq(mem_frames_init(&big, 64 * MIB), 0);
    gpa_t small, huge, huge2;
    cr_assert_eq(mem_frames_alloc(&big, 3, 1, &small), 0);
    cr_assert_eq(mem_frames_alloc(&big, FRAMES_PER_2M, FRAMES_PER_2M, &huge), 0);
    cr_assert_eq(huge.raw % (2 * MIB), 0);
    cr_assert_eq(huge.raw, 2 * MIB, "frame 0 is reserved, so the first aligned run starts at 2 MiB");
    cr_assert_eq(mem_frames_alloc(&big, 1, FRAMES_PER_2M, &huge2), 0);
    cr_assert_eq(huge2.raw, 4 * MIB);
    cr_assert_eq(mem_frames_alloc(&big, 1, 1ULL << 20, &huge2), -ENOMEM, "no frame but 0 has this alignment");
    mem_frames_destroy(&big);
}

Test(frames, large_ram_skips_full_words)
{
    struct frame_alloc big;
    const uint64_t ram = 64 * GIB;
    const uint64_t nframes = ram / PAGE;
    cr_assert_eq(mem_frames_init(&big, ram), 0);
    gpa_t first, last, next;
    cr_assert_eq(mem_frames_alloc(&big, nframes - 2, 1, &first), 0);
    cr_assert_eq(mem_frames_alloc(&big, 1, 1, &last), 0);
    cr_assert_eq(frame_of(last), nframes - 1);
    cr_assert_eq(mem_frames_alloc(&big, 1, 1, &next), -ENOMEM);
    mem_frames_free(&big, gpa(PAGE * (nframes / 2)), FRAMES_PER_2M);
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(mem_frames_alloc(&big, 1, 1, &next), 0);
        mem_frames_free(&big, next, 1);
    }
    cr_assert_eq(mem_frames_alloc(&big, FRAMES_PER_2M, FRAMES_PER_2M, &next), 0);
    cr_assert_eq(frame_of(next), nframes / 2);
    cr_assert_eq(mem_frames_free_count(&big), 0);
    mem_frames_destroy(&big);
}

static int churn_failures;

static void *churn(void *arg)
{
    (void)arg;
    for (int i = 0; i < THREAD_ITERATIONS; i++) {
        gpa_t out;
        uint64_t count = 1 + (unsigned)i % 3;
        if (mem_frames_alloc(&fa, count, 1, &out) != 0) {
            __atomic_add_fetch(&churn_failures, 1, __ATOMIC_RELAXED);
            continue;
        }
        mem_frames_free(&fa, out, count);
    }
    return NULL;
}

Test(frames, concurrent_alloc_and_free_keep_accounting, .init = frames_setup, .fini = frames_teardown)
{
    pthread_t threads[THREAD_COUNT];
    for (int i = 0; i < THREAD_COUNT; i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, churn, NULL), 0);
    for (int i = 0; i < THREAD_COUNT; i++)
        pthread_join(threads[i], NULL);
    cr_assert_eq(churn_failures, 0);
    cr_assert_eq(mem_frames_free_count(&fa), SMALL_RAM_FRAMES - 1);
    gpa_t all;
    cr_assert_eq(mem_frames_alloc(&fa, SMALL_RAM_FRAMES - 1, 1, &all), 0, "no frame was leaked as used");
}

#ifndef NDEBUG
Test(frames, freeing_a_free_frame_asserts, .init = frames_setup, .fini = frames_teardown, .signal = SIGABRT)
{
    mem_frames_free(&fa, gpa(5 * PAGE), 1);
}
#else
Test(frames, freeing_a_free_frame_leaves_the_count_alone, .init = frames_setup, .fini = frames_teardown)
{
    mem_frames_free(&fa, gpa(5 * PAGE), 1);
    cr_assert_eq(mem_frames_free_count(&fa), SMALL_RAM_FRAMES - 1);
}
#endif
