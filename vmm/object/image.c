/* image.c: placing validated ELF images into guest frames and page tables. */
#include "object/image.h"

#include <errno.h>
#include <string.h>

#include <zircon/types.h>

#include "object/vmar.h"
#include "x86_64/paging.h"

static uint64_t page_floor(uint64_t v)
{
    return v & ~(MEM_PAGE_SIZE - 1);
}
static uint64_t page_ceil(uint64_t v)
{
    return (v + MEM_PAGE_SIZE - 1) & ~(MEM_PAGE_SIZE - 1);
}

uint64_t image_segment_pages(const struct elf_segment *s)
{
    return (page_ceil(s->vaddr + s->memsz) - page_floor(s->vaddr)) / MEM_PAGE_SIZE;
}

uint64_t image_span(const struct elf_image *img)
{
    if (img->nsegments == 0)
        return 0;
    const struct elf_segment *last = &img->segments[img->nsegments - 1];
    return page_ceil(last->vaddr + last->memsz) - page_floor(img->segments[0].vaddr);
}

uint32_t image_segment_perms(const struct elf_segment *s)
{
    return ((s->flags & ELF_SEG_R) ? ZX_VM_PERM_READ : 0) | ((s->flags & ELF_SEG_W) ? ZX_VM_PERM_WRITE : 0) |
           ((s->flags & ELF_SEG_X) ? ZX_VM_PERM_EXECUTE : 0);
}

uint64_t image_segment_pte_flags(const struct elf_segment *s, bool user)
{
    uint64_t flags = vmar_pte_flags(image_segment_perms(s), ZX_CACHE_POLICY_CACHED);
    return user ? flags : flags & ~PTE_US;
}

void image_copy_segment(const struct guest_ram *ram, gpa_t pa, const struct elf_segment *s,
                        const uint8_t *file)
{
    uint64_t len = image_segment_pages(s) * MEM_PAGE_SIZE;
    uint8_t *dst = mem_ptr(ram, pa, len); /* zero already: free frames are */
    memcpy(dst + (s->vaddr - page_floor(s->vaddr)), file + s->offset, s->filesz);
}

int image_load_shared(const struct guest_ram *ram, struct frame_alloc *frames, const struct elf_image *img,
                      const uint8_t *file, gpa_t *out)
{
    uint64_t span = image_span(img);
    if (span == 0)
        return -EINVAL;
    int rc = mem_frames_alloc(frames, span / MEM_PAGE_SIZE, 1, out);
    if (rc)
        return rc;
    uint64_t base = page_floor(img->segments[0].vaddr);
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segments[i];
        image_copy_segment(ram, gpa(out->raw + page_floor(s->vaddr) - base), s, file);
    }
    return 0;
}

int image_map_shared(const struct elf_image *img, gpa_t pa, bool user, const struct image_mapper *m)
{
    uint64_t base = page_floor(img->segments[0].vaddr);
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segments[i];
        uint64_t va = page_floor(s->vaddr);
        int rc = m->map(m->p, m->env, va, gpa(pa.raw + va - base), image_segment_pages(s) * MEM_PAGE_SIZE,
                        image_segment_pte_flags(s, user));
        if (rc)
            return rc;
    }
    return 0;
}
