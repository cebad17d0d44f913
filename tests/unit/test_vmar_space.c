/* test_vmar_space.c: VMAR mapping lists: lookup, gap search, insert, unmap and protect, plus a model check.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include <zircon/types.h>

#include "object/vmar_space.h"

#define PAGE       ((uint64_t)ZX_PAGE_SIZE)
#define VMAR_BASE  (0x100 * PAGE)
#define VMAR_PAGES 64
#define VMAR_SIZE  (VMAR_PAGES * PAGE)
#define MAX_PIECES 16
#define PERM_R     ZX_VM_PERM_READ
#define PERM_RW    (ZX_VM_PERM_READ | ZX_VM_PERM_WRITE)
#define PERM_RX    (ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE)
#define VMO_OFFSET (0x40 * PAGE)

/* Stand-ins for VMOs: never dereferenced. */
static char fake_vmos[8];
#define VMO(i) ((void *)&fake_vmos[i])

/* What the callbacks saw, in order. */
struct record {
    struct vmar_mapping pieces[MAX_PIECES];
    size_t npieces;
    struct vmar_mapping uppers[MAX_PIECES];
    size_t nuppers;
    size_t nsplit_before_first_piece;
};

static void record_piece(void *arg, const struct vmar_mapping *piece)
{
    struct record *r = arg;
    cr_assert_lt(r->npieces, MAX_PIECES);
    if (r->npieces == 0)
        r->nsplit_before_first_piece = r->nuppers;
    r->pieces[r->npieces++] = *piece;
}

static void record_split(void *arg, const struct vmar_mapping *upper)
{
    struct record *r = arg;
    cr_assert_lt(r->nuppers, MAX_PIECES);
    r->uppers[r->nuppers++] = *upper;
}

static struct vmar_space make_space(void)
{
    struct vmar_space s;
    cr_assert_eq(vmar_space_init(&s, VMAR_BASE, VMAR_SIZE), 0);
    return s;
}

/* Maps pages [first, first + npages) of the VMAR to `vmo` from VMO_OFFSET on. */
static void map_pages(struct vmar_space *s, uint64_t first, uint64_t npages, void *vmo, uint32_t perms)
{
    struct vmar_mapping m = {.base = VMAR_BASE + first * PAGE,
                             .size = npages * PAGE,
                             .vmo = vmo,
                             .vmo_offset = VMO_OFFSET,
                             .perms = perms};
    cr_assert_eq(vmar_space_insert(s, &m), 0);
}

/* The i-th mapping in address order (NULL past the last). */
static const struct vmar_mapping *nth(const struct vmar_space *s, size_t i)
{
    const struct vmar_mapping *m = vmar_space_first(s);
    while (m && i-- > 0)
        m = vmar_space_next(s, m);
    return m;
}

static uint64_t page_addr(uint64_t page)
{
    return VMAR_BASE + page * PAGE;
}

static void assert_mapping(const struct vmar_mapping *m, uint64_t first, uint64_t npages, void *vmo,
                           uint64_t vmo_offset, uint32_t perms)
{
    cr_assert_not_null(m);
    cr_assert_eq(m->base, page_addr(first));
    cr_assert_eq(m->size, npages * PAGE);
    cr_assert_eq(m->vmo, vmo);
    cr_assert_eq(m->vmo_offset, vmo_offset);
    cr_assert_eq(m->perms, perms);
}

Test(vmar_space, insert_then_find_returns_the_mapping)
{
    struct vmar_space s = make_space();
    map_pages(&s, 4, 2, VMO(1), PERM_RW);
    map_pages(&s, 1, 1, VMO(2), PERM_R);
    assert_mapping(vmar_space_find(&s, page_addr(4)), 4, 2, VMO(1), VMO_OFFSET, PERM_RW);
    assert_mapping(vmar_space_find(&s, page_addr(6) - 1), 4, 2, VMO(1), VMO_OFFSET, PERM_RW);
    assert_mapping(vmar_space_find(&s, page_addr(1) + 1), 1, 1, VMO(2), VMO_OFFSET, PERM_R);
    cr_assert_null(vmar_space_find(&s, page_addr(6)));
    cr_assert_null(vmar_space_find(&s, page_addr(4) - 1));
    cr_assert_null(vmar_space_find(&s, 0));
    cr_assert_null(vmar_space_find(&s, UINT64_MAX));
    cr_assert_eq(s.count, 2);
    cr_assert_lt(nth(&s, 0)->base, nth(&s, 1)->base);
    vmar_space_destroy(&s);
}

Test(vmar_space, insert_overlapping_is_eexist)
{
    struct vmar_space s = make_space();
    map_pages(&s, 4, 4, VMO(1), PERM_RW);
    static const uint64_t cases[][2] = {{3, 2}, {7, 2}, {5, 1}, {2, 8}, {4, 4}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vmar_mapping m = {.base = page_addr(cases[i][0]), .size = cases[i][1] * PAGE, .vmo = VMO(2)};
        cr_assert_eq(vmar_space_insert(&s, &m), -EEXIST, "case %zu", i);
    }
    cr_assert_eq(s.count, 1);
    vmar_space_destroy(&s);
}

Test(vmar_space, insert_outside_vmar_is_einval)
{
    struct vmar_space s = make_space();
    struct vmar_mapping below = {.base = VMAR_BASE - PAGE, .size = PAGE};
    struct vmar_mapping straddling_start = {.base = VMAR_BASE - PAGE, .size = 2 * PAGE};
    struct vmar_mapping straddling_end = {.base = page_addr(VMAR_PAGES - 1), .size = 2 * PAGE};
    struct vmar_mapping above = {.base = page_addr(VMAR_PAGES), .size = PAGE};
    struct vmar_mapping wrapping = {.base = page_addr(1), .size = UINT64_MAX};
    struct vmar_mapping empty = {.base = page_addr(1), .size = 0};
    cr_assert_eq(vmar_space_insert(&s, &below), -EINVAL);
    cr_assert_eq(vmar_space_insert(&s, &straddling_start), -EINVAL);
    cr_assert_eq(vmar_space_insert(&s, &straddling_end), -EINVAL);
    cr_assert_eq(vmar_space_insert(&s, &above), -EINVAL);
    cr_assert_eq(vmar_space_insert(&s, &wrapping), -EINVAL);
    cr_assert_eq(vmar_space_insert(&s, &empty), -EINVAL);
    cr_assert_eq(s.count, 0);
    struct vmar_mapping whole = {.base = VMAR_BASE, .size = VMAR_SIZE};
    cr_assert_eq(vmar_space_insert(&s, &whole), 0);
    vmar_space_destroy(&s);
}

Test(vmar_space, range_free_allows_ranges_adjacent_to_mappings)
{
    struct vmar_space s = make_space();
    map_pages(&s, 4, 2, VMO(1), PERM_RW);
    cr_assert(vmar_space_range_free(&s, page_addr(0), 4 * PAGE));
    cr_assert(vmar_space_range_free(&s, page_addr(6), 2 * PAGE));
    cr_assert(vmar_space_range_free(&s, VMAR_BASE, PAGE));
    cr_assert(vmar_space_range_free(&s, page_addr(VMAR_PAGES - 1), PAGE));
    vmar_space_destroy(&s);
}

Test(vmar_space, range_free_rejects_ranges_touching_a_mapping_by_one_byte)
{
    struct vmar_space s = make_space();
    map_pages(&s, 4, 2, VMO(1), PERM_RW);
    cr_assert_not(vmar_space_range_free(&s, page_addr(0), 4 * PAGE + 1));
    cr_assert_not(vmar_space_range_free(&s, page_addr(6) - 1, PAGE));
    cr_assert_not(vmar_space_range_free(&s, page_addr(0), 8 * PAGE));
    cr_assert_not(vmar_space_range_free(&s, page_addr(5), 1));
    vmar_space_destroy(&s);
}

Test(vmar_space, range_free_rejects_empty_outside_and_wrapping_ranges)
{
    struct vmar_space s = make_space();
    cr_assert_not(vmar_space_range_free(&s, page_addr(1), 0));
    cr_assert_not(vmar_space_range_free(&s, VMAR_BASE - 1, PAGE));
    cr_assert_not(vmar_space_range_free(&s, page_addr(VMAR_PAGES - 1), PAGE + 1));
    cr_assert_not(vmar_space_range_free(&s, page_addr(1), UINT64_MAX));
    cr_assert_not(vmar_space_range_free(&s, UINT64_MAX, 2));
    vmar_space_destroy(&s);
}

Test(vmar_space, find_free_returns_first_fit)
{
    struct vmar_space s = make_space();
    uint64_t out = 0;
    cr_assert_eq(vmar_space_find_free(&s, 3 * PAGE, 0, &out), 0);
    cr_assert_eq(out, VMAR_BASE);
    map_pages(&s, 0, 1, VMO(1), PERM_R);
    map_pages(&s, 3, 1, VMO(1), PERM_R);
    cr_assert_eq(vmar_space_find_free(&s, 2 * PAGE, 0, &out), 0);
    cr_assert_eq(out, page_addr(1));
    cr_assert_eq(vmar_space_find_free(&s, 3 * PAGE, 0, &out), 0);
    cr_assert_eq(out, page_addr(4));
    cr_assert_eq(vmar_space_find_free(&s, PAGE + 1, 0, &out), 0);
    cr_assert_eq(out, page_addr(1));
    vmar_space_destroy(&s);
}

Test(vmar_space, find_free_starts_at_hint)
{
    struct vmar_space s = make_space();
    map_pages(&s, 4, 4, VMO(1), PERM_R);
    uint64_t out = 0;
    cr_assert_eq(vmar_space_find_free(&s, PAGE, page_addr(2), &out), 0);
    cr_assert_eq(out, page_addr(2));
    cr_assert_eq(vmar_space_find_free(&s, PAGE, page_addr(5), &out), 0, "hint inside a mapping");
    cr_assert_eq(out, page_addr(8));
    cr_assert_eq(vmar_space_find_free(&s, PAGE, page_addr(2) + 1, &out), 0, "unaligned hint");
    cr_assert_eq(out, page_addr(3));
    cr_assert_eq(vmar_space_find_free(&s, 2 * PAGE, page_addr(3), &out), 0, "gap after hint too small");
    cr_assert_eq(out, page_addr(8));
    cr_assert_eq(vmar_space_find_free(&s, PAGE, 0, &out), 0, "hint below the VMAR");
    cr_assert_eq(out, VMAR_BASE);
    cr_assert_eq(vmar_space_find_free(&s, PAGE, page_addr(VMAR_PAGES), &out), -ENOMEM, "hint above");
    cr_assert_eq(vmar_space_find_free(&s, PAGE, UINT64_MAX, &out), -ENOMEM);
    vmar_space_destroy(&s);
}

Test(vmar_space, find_free_takes_a_gap_of_exactly_the_size)
{
    struct vmar_space s = make_space();
    map_pages(&s, 0, 2, VMO(1), PERM_R);
    map_pages(&s, 5, 1, VMO(1), PERM_R);
    map_pages(&s, 9, VMAR_PAGES - 9, VMO(1), PERM_R);
    uint64_t out = 0;
    cr_assert_eq(vmar_space_find_free(&s, 3 * PAGE, 0, &out), 0);
    cr_assert_eq(out, page_addr(2));
    cr_assert_eq(vmar_space_find_free(&s, 3 * PAGE, page_addr(3), &out), 0);
    cr_assert_eq(out, page_addr(6));
    vmar_space_destroy(&s);
}

Test(vmar_space, find_free_without_room_is_enomem)
{
    struct vmar_space s = make_space();
    uint64_t out = 0;
    cr_assert_eq(vmar_space_find_free(&s, VMAR_SIZE + PAGE, 0, &out), -ENOMEM);
    cr_assert_eq(vmar_space_find_free(&s, UINT64_MAX, 0, &out), -ENOMEM);
    map_pages(&s, 0, 3, VMO(1), PERM_R);
    map_pages(&s, 5, VMAR_PAGES - 6, VMO(1), PERM_R);
    cr_assert_eq(vmar_space_find_free(&s, 3 * PAGE, 0, &out), -ENOMEM);
    cr_assert_eq(vmar_space_find_free(&s, 2 * PAGE, page_addr(4), &out), -ENOMEM);
    cr_assert_eq(vmar_space_find_free(&s, PAGE, page_addr(5), &out), 0);
    cr_assert_eq(out, page_addr(VMAR_PAGES - 1));
    cr_assert_eq(vmar_space_find_free(&s, 0, 0, &out), -EINVAL);
    vmar_space_destroy(&s);
}

Test(vmar_space, fully_mapped_spans_adjacent_mappings)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 2, VMO(1), PERM_R);
    map_pages(&s, 4, 1, VMO(2), PERM_RW);
    map_pages(&s, 5, 3, VMO(1), PERM_R);
    cr_assert(vmar_space_fully_mapped(&s, page_addr(2), 6 * PAGE));
    cr_assert(vmar_space_fully_mapped(&s, page_addr(3) + 1, 3 * PAGE));
    cr_assert(vmar_space_fully_mapped(&s, page_addr(4), PAGE));
    cr_assert_not(vmar_space_fully_mapped(&s, page_addr(2), 6 * PAGE + 1));
    cr_assert_not(vmar_space_fully_mapped(&s, page_addr(2) - 1, 2));
    cr_assert_not(vmar_space_fully_mapped(&s, page_addr(2), 0));
    vmar_space_destroy(&s);
}

Test(vmar_space, fully_mapped_is_false_with_a_hole)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 2, VMO(1), PERM_R);
    map_pages(&s, 5, 3, VMO(1), PERM_R);
    cr_assert_not(vmar_space_fully_mapped(&s, page_addr(2), 6 * PAGE));
    cr_assert_not(vmar_space_fully_mapped(&s, page_addr(4), PAGE));
    cr_assert_not(vmar_space_fully_mapped(&s, page_addr(3), PAGE + 1));
    cr_assert(vmar_space_fully_mapped(&s, page_addr(5), 3 * PAGE));
    vmar_space_destroy(&s);
}

Test(vmar_space, remove_whole_mapping)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 3, VMO(1), PERM_RW);
    struct record r = {0};
    cr_assert_eq(vmar_space_remove(&s, page_addr(2), 3 * PAGE, record_piece, record_split, &r), 3 * PAGE);
    cr_assert_eq(s.count, 0);
    cr_assert_eq(r.npieces, 1);
    cr_assert_eq(r.nuppers, 0);
    assert_mapping(&r.pieces[0], 2, 3, VMO(1), VMO_OFFSET, PERM_RW);
    vmar_space_destroy(&s);
}

Test(vmar_space, remove_prefix_trims_and_moves_offset)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 4, VMO(1), PERM_RW);
    struct record r = {0};
    cr_assert_eq(vmar_space_remove(&s, page_addr(0), 3 * PAGE, record_piece, record_split, &r), PAGE);
    cr_assert_eq(r.npieces, 1);
    assert_mapping(&r.pieces[0], 2, 1, VMO(1), VMO_OFFSET, PERM_RW);
    assert_mapping(vmar_space_find(&s, page_addr(3)), 3, 3, VMO(1), VMO_OFFSET + PAGE, PERM_RW);
    cr_assert_null(vmar_space_find(&s, page_addr(2)));
    cr_assert_eq(r.nuppers, 0);
    vmar_space_destroy(&s);
}

Test(vmar_space, remove_suffix_trims)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 4, VMO(1), PERM_RW);
    struct record r = {0};
    cr_assert_eq(vmar_space_remove(&s, page_addr(5), 4 * PAGE, record_piece, record_split, &r), PAGE);
    cr_assert_eq(r.npieces, 1);
    assert_mapping(&r.pieces[0], 5, 1, VMO(1), VMO_OFFSET + 3 * PAGE, PERM_RW);
    assert_mapping(vmar_space_find(&s, page_addr(2)), 2, 3, VMO(1), VMO_OFFSET, PERM_RW);
    cr_assert_null(vmar_space_find(&s, page_addr(5)));
    vmar_space_destroy(&s);
}

Test(vmar_space, remove_middle_splits_in_two)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 6, VMO(1), PERM_RX);
    struct record r = {0};
    cr_assert_eq(vmar_space_remove(&s, page_addr(4), 2 * PAGE, record_piece, record_split, &r), 2 * PAGE);
    cr_assert_eq(s.count, 2);
    assert_mapping(nth(&s, 0), 2, 2, VMO(1), VMO_OFFSET, PERM_RX);
    assert_mapping(nth(&s, 1), 6, 2, VMO(1), VMO_OFFSET + 4 * PAGE, PERM_RX);
    cr_assert_eq(r.nuppers, 1);
    assert_mapping(&r.uppers[0], 6, 2, VMO(1), VMO_OFFSET + 4 * PAGE, PERM_RX);
    cr_assert_eq(r.npieces, 1);
    assert_mapping(&r.pieces[0], 4, 2, VMO(1), VMO_OFFSET + 2 * PAGE, PERM_RX);
    cr_assert_eq(r.nsplit_before_first_piece, 1, "split is reported before the piece is dropped");
    vmar_space_destroy(&s);
}

Test(vmar_space, remove_across_mappings_and_holes_reports_each_piece)
{
    struct vmar_space s = make_space();
    map_pages(&s, 1, 3, VMO(1), PERM_R);  /* trimmed to page 1 */
    map_pages(&s, 5, 1, VMO(2), PERM_RW); /* removed whole */
    map_pages(&s, 6, 2, VMO(3), PERM_RX); /* removed whole, adjacent to the previous */
    map_pages(&s, 9, 3, VMO(4), PERM_R);  /* page 9 removed */
    map_pages(&s, 20, 1, VMO(5), PERM_R); /* untouched */
    struct record r = {0};
    cr_assert_eq(vmar_space_remove(&s, page_addr(2), 8 * PAGE, record_piece, record_split, &r), 6 * PAGE);
    cr_assert_eq(r.npieces, 4);
    cr_assert_eq(r.nuppers, 0);
    assert_mapping(&r.pieces[0], 2, 2, VMO(1), VMO_OFFSET + PAGE, PERM_R);
    assert_mapping(&r.pieces[1], 5, 1, VMO(2), VMO_OFFSET, PERM_RW);
    assert_mapping(&r.pieces[2], 6, 2, VMO(3), VMO_OFFSET, PERM_RX);
    assert_mapping(&r.pieces[3], 9, 1, VMO(4), VMO_OFFSET, PERM_R);
    cr_assert_eq(s.count, 3);
    assert_mapping(nth(&s, 0), 1, 1, VMO(1), VMO_OFFSET, PERM_R);
    assert_mapping(nth(&s, 1), 10, 2, VMO(4), VMO_OFFSET + PAGE, PERM_R);
    assert_mapping(nth(&s, 2), 20, 1, VMO(5), VMO_OFFSET, PERM_R);
    vmar_space_destroy(&s);
}

Test(vmar_space, remove_with_nothing_mapped_is_zero)
{
    struct vmar_space s = make_space();
    struct record r = {0};
    cr_assert_eq(vmar_space_remove(&s, page_addr(0), VMAR_SIZE, record_piece, record_split, &r), 0);
    map_pages(&s, 2, 1, VMO(1), PERM_R);
    map_pages(&s, 5, 1, VMO(1), PERM_R);
    cr_assert_eq(vmar_space_remove(&s, page_addr(3), 2 * PAGE, record_piece, record_split, &r), 0);
    cr_assert_eq(vmar_space_remove(&s, page_addr(2), 0, record_piece, record_split, &r), 0);
    cr_assert_eq(r.npieces + r.nuppers, 0);
    cr_assert_eq(s.count, 2);
    cr_assert_eq(vmar_space_remove(&s, page_addr(2), UINT64_MAX, NULL, NULL, NULL), -EINVAL);
    cr_assert_eq(s.count, 2);
    vmar_space_destroy(&s);
}

Test(vmar_space, protect_whole_mapping)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 3, VMO(1), PERM_RW);
    struct record r = {0};
    cr_assert_eq(vmar_space_protect(&s, page_addr(2), 3 * PAGE, PERM_R, record_piece, record_split, &r), 0);
    cr_assert_eq(s.count, 1);
    assert_mapping(nth(&s, 0), 2, 3, VMO(1), VMO_OFFSET, PERM_R);
    cr_assert_eq(r.npieces, 1);
    cr_assert_eq(r.nuppers, 0);
    assert_mapping(&r.pieces[0], 2, 3, VMO(1), VMO_OFFSET, PERM_R);
    vmar_space_destroy(&s);
}

Test(vmar_space, protect_middle_makes_three_pieces)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 6, VMO(1), PERM_RW);
    struct record r = {0};
    cr_assert_eq(vmar_space_protect(&s, page_addr(4), 2 * PAGE, PERM_R, record_piece, record_split, &r), 0);
    cr_assert_eq(s.count, 3);
    assert_mapping(nth(&s, 0), 2, 2, VMO(1), VMO_OFFSET, PERM_RW);
    assert_mapping(nth(&s, 1), 4, 2, VMO(1), VMO_OFFSET + 2 * PAGE, PERM_R);
    assert_mapping(nth(&s, 2), 6, 2, VMO(1), VMO_OFFSET + 4 * PAGE, PERM_RW);
    cr_assert_eq(r.nuppers, 2, "two new mappings, two references");
    cr_assert_eq(r.npieces, 1);
    assert_mapping(&r.pieces[0], 4, 2, VMO(1), VMO_OFFSET + 2 * PAGE, PERM_R);
    vmar_space_destroy(&s);
}

Test(vmar_space, protect_across_two_adjacent_mappings)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 3, VMO(1), PERM_RW);
    map_pages(&s, 5, 3, VMO(2), PERM_RX);
    struct record r = {0};
    cr_assert_eq(vmar_space_protect(&s, page_addr(3), 4 * PAGE, PERM_R, record_piece, record_split, &r), 0);
    cr_assert_eq(s.count, 4);
    assert_mapping(nth(&s, 0), 2, 1, VMO(1), VMO_OFFSET, PERM_RW);
    assert_mapping(nth(&s, 1), 3, 2, VMO(1), VMO_OFFSET + PAGE, PERM_R);
    assert_mapping(nth(&s, 2), 5, 2, VMO(2), VMO_OFFSET, PERM_R);
    assert_mapping(nth(&s, 3), 7, 1, VMO(2), VMO_OFFSET + 2 * PAGE, PERM_RX);
    cr_assert_eq(r.nuppers, 2);
    cr_assert_eq(r.npieces, 2);
    vmar_space_destroy(&s);
}

Test(vmar_space, protect_that_changes_nothing_leaves_the_mapping_whole)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 6, VMO(1), PERM_RW);
    struct record r = {0};
    cr_assert_eq(vmar_space_protect(&s, page_addr(4), 2 * PAGE, PERM_RW, record_piece, record_split, &r), 0);
    cr_assert_eq(s.count, 1);
    assert_mapping(nth(&s, 0), 2, 6, VMO(1), VMO_OFFSET, PERM_RW);
    cr_assert_eq(r.npieces, 0, "nothing changed");
    cr_assert_eq(r.nuppers, 0, "nothing split");
    vmar_space_destroy(&s);
}

Test(vmar_space, protecting_a_piece_back_joins_the_mapping_again)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 6, VMO(1), PERM_RW);
    cr_assert_eq(vmar_space_protect(&s, page_addr(4), 2 * PAGE, PERM_R, NULL, NULL, NULL), 0);
    cr_assert_eq(s.count, 3);
    cr_assert_eq(vmar_space_protect(&s, page_addr(4), PAGE, PERM_RW, NULL, NULL, NULL), 0);
    cr_assert_eq(s.count, 3);
    assert_mapping(nth(&s, 0), 2, 3, VMO(1), VMO_OFFSET, PERM_RW);
    assert_mapping(nth(&s, 1), 5, 1, VMO(1), VMO_OFFSET + 3 * PAGE, PERM_R);
    assert_mapping(nth(&s, 2), 6, 2, VMO(1), VMO_OFFSET + 4 * PAGE, PERM_RW);
    cr_assert_eq(vmar_space_protect(&s, page_addr(2), 6 * PAGE, PERM_R, NULL, NULL, NULL), 0);
    cr_assert_eq(s.count, 1);
    assert_mapping(nth(&s, 0), 2, 6, VMO(1), VMO_OFFSET, PERM_R);
    vmar_space_destroy(&s);
}

Test(vmar_space, pieces_of_one_mapping_count_as_one_whole)
{
    struct vmar_space s = make_space();
    map_pages(&s, 2, 6, VMO(1), PERM_RW);
    map_pages(&s, 8, 2, VMO(1), PERM_RW); /* adjacent, but another mapping */
    cr_assert_eq(vmar_space_protect(&s, page_addr(3), PAGE, PERM_R, NULL, NULL, NULL), 0);
    cr_assert_eq(vmar_space_protect(&s, page_addr(5), PAGE, PERM_R, NULL, NULL, NULL), 0);
    cr_assert_eq(s.count, 6);
    for (uint64_t p = 2; p < 8; p++)
        cr_assert_eq(vmar_space_whole_last(&s, vmar_space_find(&s, page_addr(p))), page_addr(8) - 1,
                     "page %lu", (unsigned long)p);
    cr_assert_eq(vmar_space_whole_last(&s, vmar_space_find(&s, page_addr(8))), page_addr(10) - 1);
    cr_assert_eq(vmar_space_remove(&s, page_addr(6), PAGE, NULL, NULL, NULL), (int64_t)PAGE);
    cr_assert_eq(vmar_space_whole_last(&s, vmar_space_find(&s, page_addr(2))), page_addr(6) - 1,
                 "an unmap ends the whole at the gap");
    cr_assert_eq(vmar_space_whole_last(&s, vmar_space_find(&s, page_addr(7))), page_addr(8) - 1);
    vmar_space_destroy(&s);
}

/* A VMAR whose last byte is the last byte of the 64-bit space. */
#define TOP_PAGES 16
#define TOP_BASE  (0 - TOP_PAGES * PAGE)

Test(vmar_space, ranges_ending_at_the_top_of_the_address_space)
{
    struct vmar_space s;
    cr_assert_eq(vmar_space_init(&s, TOP_BASE, TOP_PAGES * PAGE), 0);
    struct vmar_mapping top = {.base = 0 - 2 * PAGE, .size = 2 * PAGE, .vmo = VMO(1), .perms = PERM_RW};
    cr_assert(vmar_space_range_free(&s, top.base, top.size));
    cr_assert_eq(vmar_space_insert(&s, &top), 0);
    cr_assert_eq(vmar_space_find(&s, UINT64_MAX), nth(&s, 0));
    cr_assert_not(vmar_space_range_free(&s, UINT64_MAX, 1));
    cr_assert(vmar_space_fully_mapped(&s, 0 - PAGE, PAGE));
    uint64_t out = 0;
    cr_assert_eq(vmar_space_find_free(&s, 2 * PAGE, 0 - 3 * PAGE, &out), -ENOMEM);
    cr_assert_eq(vmar_space_find_free(&s, PAGE, 0 - PAGE, &out), -ENOMEM);
    struct record r = {0};
    cr_assert_eq(vmar_space_protect(&s, 0 - PAGE, PAGE, PERM_R, record_piece, record_split, &r), 0);
    cr_assert_eq(s.count, 2);
    cr_assert_eq(vmar_space_find(&s, UINT64_MAX)->perms, PERM_R);
    cr_assert_eq(vmar_space_find(&s, UINT64_MAX)->vmo_offset, PAGE);
    cr_assert_eq(vmar_space_remove(&s, 0 - 2 * PAGE, 2 * PAGE, NULL, NULL, NULL), 2 * PAGE);
    cr_assert_eq(s.count, 0);
    cr_assert_eq(vmar_space_find_free(&s, TOP_PAGES * PAGE, 0, &out), 0);
    cr_assert_eq(out, TOP_BASE);
    cr_assert_neq(vmar_space_init(&s, TOP_BASE, (TOP_PAGES + 1) * PAGE), 0);
    vmar_space_destroy(&s);
}

/*
 * The randomized check: a page-granular reference model (who maps each page,
 * at which VMO offset, with which perms) driven by the same random insert,
 * remove and protect calls as the space, compared page by page after each.
 */
#define MODEL_PAGES   48
#define MODEL_OPS     6000
#define MODEL_SEED    20240601u
#define MODEL_VMOS    4
#define MODEL_MAX_RUN 8
#define MODEL_SLACK   2 /* ranges may start this many pages outside the VMAR */
#define MODEL_OFFSETS 32

struct model_page {
    void *vmo; /* NULL: unmapped */
    uint64_t offset;
    uint32_t perms;
};

struct model {
    struct vmar_space s;
    struct model_page pages[MODEL_PAGES];
};

/* A random run of pages, possibly reaching outside the VMAR: [first, first + n). */
struct run {
    int64_t first;
    int64_t n;
};

static struct run random_run(void)
{
    struct run r = {.first = rand() % (MODEL_PAGES + 2 * MODEL_SLACK) - MODEL_SLACK,
                    .n = 1 + rand() % MODEL_MAX_RUN};
    return r;
}

static bool run_inside(struct run r)
{
    return r.first >= 0 && r.first + r.n <= MODEL_PAGES;
}

static uint64_t run_base(struct run r)
{
    return (uint64_t)((int64_t)VMAR_BASE + r.first * (int64_t)PAGE);
}

static bool model_page_mapped(const struct model *m, int64_t p)
{
    return p >= 0 && p < MODEL_PAGES && m->pages[p].vmo != NULL;
}

static void model_insert(struct model *m, struct run r)
{
    static const uint32_t perms_choice[] = {PERM_R, PERM_RW, PERM_RX};
    struct vmar_mapping map = {.base = run_base(r),
                               .size = (uint64_t)r.n * PAGE,
                               .vmo = VMO(1 + rand() % MODEL_VMOS),
                               .vmo_offset = (uint64_t)(rand() % MODEL_OFFSETS) * PAGE,
                               .perms = perms_choice[rand() % 3]};
    int expected = 0;
    for (int64_t p = r.first; p < r.first + r.n; p++)
        expected = model_page_mapped(m, p) ? -EEXIST : expected;
    if (!run_inside(r))
        expected = -EINVAL;
    cr_assert_eq(vmar_space_range_free(&m->s, map.base, map.size), expected == 0);
    cr_assert_eq(vmar_space_insert(&m->s, &map), expected);
    if (expected != 0)
        return;
    for (int64_t p = 0; p < r.n; p++)
        m->pages[r.first + p] = (struct model_page){map.vmo, map.vmo_offset + (uint64_t)p * PAGE, map.perms};
}

/* Every page of `piece` must agree with the model as it was before the operation. */
static void model_check_piece(const struct model *m, const struct vmar_mapping *piece)
{
    cr_assert_eq(piece->base % PAGE, 0);
    cr_assert_eq(piece->size % PAGE, 0);
    for (uint64_t off = 0; off < piece->size; off += PAGE) {
        int64_t p = (int64_t)((piece->base + off - VMAR_BASE) / PAGE);
        cr_assert(model_page_mapped(m, p));
        cr_assert_eq(m->pages[p].vmo, piece->vmo);
        cr_assert_eq(m->pages[p].offset, piece->vmo_offset + off);
    }
}

static void model_remove(struct model *m, struct run r)
{
    struct record rec = {0};
    int64_t expected = 0;
    for (int64_t p = r.first; p < r.first + r.n; p++)
        expected += model_page_mapped(m, p) ? (int64_t)PAGE : 0;
    int64_t got =
        vmar_space_remove(&m->s, run_base(r), (uint64_t)r.n * PAGE, record_piece, record_split, &rec);
    cr_assert_eq(got, expected);
    int64_t reported = 0;
    for (size_t i = 0; i < rec.npieces; i++) {
        model_check_piece(m, &rec.pieces[i]);
        reported += (int64_t)rec.pieces[i].size;
    }
    cr_assert_eq(reported, expected);
    cr_assert_leq(rec.nuppers, 1);
    for (int64_t p = r.first; p < r.first + r.n; p++)
        if (p >= 0 && p < MODEL_PAGES)
            m->pages[p].vmo = NULL;
}

static void model_protect(struct model *m, struct run r)
{
    bool mapped = run_inside(r);
    for (int64_t p = r.first; p < r.first + r.n; p++)
        mapped = mapped && model_page_mapped(m, p);
    cr_assert_eq(vmar_space_fully_mapped(&m->s, run_base(r), (uint64_t)r.n * PAGE), mapped);
    if (!mapped)
        return;
    uint32_t perms = rand() % 2 ? PERM_R : PERM_RW;
    uint64_t to_change = 0; /* bytes whose perms differ: the only ones reported */
    for (int64_t p = r.first; p < r.first + r.n; p++)
        to_change += m->pages[p].perms != perms ? PAGE : 0;
    struct record rec = {0};
    cr_assert_eq(
        vmar_space_protect(&m->s, run_base(r), (uint64_t)r.n * PAGE, perms, record_piece, record_split, &rec),
        0);
    uint64_t changed = 0;
    for (size_t i = 0; i < rec.npieces; i++) {
        model_check_piece(m, &rec.pieces[i]);
        cr_assert_eq(rec.pieces[i].perms, perms);
        changed += rec.pieces[i].size;
    }
    cr_assert_eq(changed, to_change);
    cr_assert_leq(rec.nuppers, 2);
    for (int64_t p = r.first; p < r.first + r.n; p++)
        m->pages[p].perms = perms;
}

/* find_free against the model: the lowest run of free pages at or above the hint. */
static void model_check_find_free(const struct model *m, struct run r)
{
    int64_t start = r.first < 0 ? 0 : r.first;
    int64_t expected = -1;
    for (int64_t p = start; expected < 0 && p + r.n <= MODEL_PAGES; p++) {
        bool free_run = true;
        for (int64_t q = p; q < p + r.n; q++)
            free_run = free_run && !model_page_mapped(m, q);
        expected = free_run ? p : -1;
    }
    uint64_t out = 0;
    int rc = vmar_space_find_free(&m->s, (uint64_t)r.n * PAGE, run_base(r), &out);
    if (expected < 0) {
        cr_assert_eq(rc, -ENOMEM);
        return;
    }
    cr_assert_eq(rc, 0);
    cr_assert_eq(out, page_addr((uint64_t)expected));
}

static void model_compare(const struct model *m)
{
    size_t count = 0;
    const struct vmar_mapping *prev = NULL;
    for (const struct vmar_mapping *cur = vmar_space_first(&m->s); cur;
         prev = cur, cur = vmar_space_next(&m->s, cur)) {
        count++;
        cr_assert_neq(cur->size, 0);
        if (prev)
            cr_assert_leq(prev->base + prev->size, cur->base);
        if (prev && prev->id == cur->id && prev->base + prev->size == cur->base)
            cr_assert_neq(prev->perms, cur->perms, "pieces of one mapping left unjoined");
    }
    cr_assert_eq(count, m->s.count);
    cr_assert_null(vmar_space_find(&m->s, VMAR_BASE - 1));
    cr_assert_null(vmar_space_find(&m->s, page_addr(MODEL_PAGES)));
    for (int64_t p = 0; p < MODEL_PAGES; p++) {
        uint64_t addr = page_addr((uint64_t)p);
        const struct vmar_mapping *found = vmar_space_find(&m->s, addr + PAGE / 2);
        const struct model_page *want = &m->pages[p];
        if (want->vmo == NULL) {
            cr_assert_null(found, "page %ld", (long)p);
            continue;
        }
        cr_assert_not_null(found, "page %ld", (long)p);
        cr_assert_eq(found->vmo, want->vmo, "page %ld", (long)p);
        cr_assert_eq(found->vmo_offset + (addr - found->base), want->offset, "page %ld", (long)p);
        cr_assert_eq(found->perms, want->perms, "page %ld", (long)p);
    }
}

Test(vmar_space, random_operations_match_a_page_model)
{
    static struct model m;
    cr_assert_eq(vmar_space_init(&m.s, VMAR_BASE, MODEL_PAGES * PAGE), 0);
    srand(MODEL_SEED);
    for (unsigned op = 0; op < MODEL_OPS; op++) {
        struct run r = random_run();
        switch (rand() % 3) {
        case 0:
            model_insert(&m, r);
            break;
        case 1:
            model_remove(&m, r);
            break;
        default:
            model_protect(&m, r);
            break;
        }
        model_compare(&m);
        model_check_find_free(&m, random_run());
    }
    vmar_space_destroy(&m.s);
}

/* The balanced tree at scale: a VMAR of BIG_PAGES pages holding up to BIG_COUNT mappings. */
#define BIG_COUNT 100000
#define BIG_PAGES (4 * BIG_COUNT)

static struct vmar_space make_big_space(void)
{
    struct vmar_space s;
    cr_assert_eq(vmar_space_init(&s, VMAR_BASE, (uint64_t)BIG_PAGES * PAGE), 0);
    return s;
}

/* Inserts one-page mappings at pages 2*i for i in a shuffled order of [0, BIG_COUNT). */
static void insert_shuffled(struct vmar_space *s)
{
    static uint32_t order[BIG_COUNT];
    for (uint32_t i = 0; i < BIG_COUNT; i++)
        order[i] = i;
    uint32_t x = 12345;
    for (uint32_t i = BIG_COUNT - 1; i > 0; i--) {
        x = x * 1103515245u + 12345u;
        uint32_t j = x % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < BIG_COUNT; i++) {
        struct vmar_mapping m = {.base = page_addr(2ULL * order[i]), .size = PAGE, .vmo = VMO(1)};
        cr_assert_eq(vmar_space_insert(s, &m), 0, "insert %u", order[i]);
    }
}

Test(vmar_space, many_mappings_inserted_in_any_order_are_kept_in_address_order)
{
    struct vmar_space s = make_big_space();
    insert_shuffled(&s);
    cr_assert_eq(s.count, BIG_COUNT);
    size_t n = 0;
    for (const struct vmar_mapping *m = vmar_space_first(&s); m; m = vmar_space_next(&s, m), n++)
        cr_assert_eq(m->base, page_addr(2ULL * n), "mapping %zu", n);
    cr_assert_eq(n, BIG_COUNT);
    vmar_space_destroy(&s);
}

Test(vmar_space, many_mappings_are_each_found_and_the_gaps_are_free)
{
    struct vmar_space s = make_big_space();
    insert_shuffled(&s);
    for (uint64_t i = 0; i < BIG_COUNT; i++) {
        const struct vmar_mapping *m = vmar_space_find(&s, page_addr(2 * i) + PAGE - 1);
        cr_assert_not_null(m, "page %lu", (unsigned long)(2 * i));
        cr_assert_eq(m->base, page_addr(2 * i));
        cr_assert_null(vmar_space_find(&s, page_addr(2 * i + 1)));
        cr_assert(vmar_space_range_free(&s, page_addr(2 * i + 1), PAGE));
        cr_assert_eq(vmar_space_from(&s, page_addr(2 * i + 1)), vmar_space_find(&s, page_addr(2 * i + 2)));
    }
    vmar_space_destroy(&s);
}

Test(vmar_space, overlapping_inserts_are_refused_among_many)
{
    struct vmar_space s = make_big_space();
    insert_shuffled(&s);
    uint64_t mid = 2 * (BIG_COUNT / 2);
    struct vmar_mapping same = {.base = page_addr(mid), .size = PAGE, .vmo = VMO(2)};
    struct vmar_mapping over_next = {.base = page_addr(mid + 1), .size = 2 * PAGE, .vmo = VMO(2)};
    struct vmar_mapping over_prev = {.base = page_addr(mid - 1), .size = 2 * PAGE, .vmo = VMO(2)};
    struct vmar_mapping covering = {.base = page_addr(mid - 5), .size = 20 * PAGE, .vmo = VMO(2)};
    cr_assert_eq(vmar_space_insert(&s, &same), -EEXIST);
    cr_assert_eq(vmar_space_insert(&s, &over_next), -EEXIST);
    cr_assert_eq(vmar_space_insert(&s, &over_prev), -EEXIST);
    cr_assert_eq(vmar_space_insert(&s, &covering), -EEXIST);
    cr_assert_eq(s.count, BIG_COUNT);
    vmar_space_destroy(&s);
}

Test(vmar_space, unaligned_mappings_are_refused)
{
    struct vmar_space s = make_space();
    struct vmar_mapping base_off = {.base = page_addr(1) + 1, .size = PAGE, .vmo = VMO(1)};
    struct vmar_mapping size_off = {.base = page_addr(1), .size = PAGE + 1, .vmo = VMO(1)};
    cr_assert_eq(vmar_space_insert(&s, &base_off), -EINVAL);
    cr_assert_eq(vmar_space_insert(&s, &size_off), -EINVAL);
    cr_assert_eq(s.count, 0);
    vmar_space_destroy(&s);
}

Test(vmar_space, find_free_among_many_takes_the_lowest_gap_that_fits)
{
    struct vmar_space s = make_big_space();
    /* BIG_COUNT pages mapped back to back from page 0, but for holes of 1 page at 1000 and 3 pages at 70000.
     */
    for (uint64_t i = 0; i < BIG_COUNT; i++) {
        if (i == 1000 || (i >= 70000 && i < 70003))
            continue;
        struct vmar_mapping m = {.base = page_addr(i), .size = PAGE, .vmo = VMO(1)};
        cr_assert_eq(vmar_space_insert(&s, &m), 0);
    }
    uint64_t out = 0;
    cr_assert_eq(vmar_space_find_free(&s, PAGE, VMAR_BASE, &out), 0);
    cr_assert_eq(out, page_addr(1000));
    cr_assert_eq(vmar_space_find_free(&s, 2 * PAGE, VMAR_BASE, &out), 0);
    cr_assert_eq(out, page_addr(70000));
    cr_assert_eq(vmar_space_find_free(&s, PAGE, page_addr(1001), &out), 0);
    cr_assert_eq(out, page_addr(70000));
    cr_assert_eq(vmar_space_find_free(&s, PAGE, page_addr(70002), &out), 0, "a hint inside a hole");
    cr_assert_eq(out, page_addr(70002));
    cr_assert_eq(vmar_space_find_free(&s, 4 * PAGE, VMAR_BASE, &out), 0);
    cr_assert_eq(out, page_addr(BIG_COUNT), "after the last mapping");
    cr_assert_eq(vmar_space_find_free(&s, (uint64_t)(BIG_PAGES - BIG_COUNT) * PAGE, VMAR_BASE, &out), 0);
    cr_assert_eq(out, page_addr(BIG_COUNT));
    cr_assert_eq(vmar_space_find_free(&s, (uint64_t)(BIG_PAGES - BIG_COUNT + 1) * PAGE, VMAR_BASE, &out),
                 -ENOMEM);
    vmar_space_destroy(&s);
}

Test(vmar_space, removing_among_many_keeps_the_rest_ordered_and_found)
{
    struct vmar_space s = make_big_space();
    insert_shuffled(&s);
    /* Every other mapping (pages 0, 4, 8, ...), one by one, then one range over a stretch of the rest. */
    for (uint64_t i = 0; i < BIG_COUNT; i += 2)
        cr_assert_eq(vmar_space_remove(&s, page_addr(2 * i), PAGE, NULL, NULL, NULL), (int64_t)PAGE);
    cr_assert_eq(s.count, BIG_COUNT / 2);
    cr_assert_eq(vmar_space_remove(&s, page_addr(0), page_addr(4000) - VMAR_BASE, NULL, NULL, NULL),
                 (int64_t)(1000 * PAGE), "pages 2, 6, ..., 3998");
    cr_assert_eq(s.count, BIG_COUNT / 2 - 1000);
    uint64_t expect = 4002;
    for (const struct vmar_mapping *m = vmar_space_first(&s); m; m = vmar_space_next(&s, m), expect += 4)
        cr_assert_eq(m->base, page_addr(expect));
    cr_assert_eq(expect, 2 * BIG_COUNT + 2);
    cr_assert_null(vmar_space_find(&s, page_addr(8000)));
    cr_assert_not_null(vmar_space_find(&s, page_addr(8002)));
    vmar_space_destroy(&s);
}
