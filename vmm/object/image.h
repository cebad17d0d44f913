/* image.h: placing validated ELF images (programs, the vDSO, the shim) into guest frames and page tables. */
#ifndef ZXVMM_OBJECT_IMAGE_H
#define ZXVMM_OBJECT_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/elf.h"
#include "mem/mem.h"

struct process;
struct aspace_env;

/* Maps [va, va + size) to contiguous frames at pa with PTE flags; returns 0 or -errno. */
struct image_mapper {
    int (*map)(struct process *p, const struct aspace_env *env, uint64_t va, gpa_t pa, uint64_t size,
               uint64_t flags);
    struct process *p;
    const struct aspace_env *env;
};

/* Pages covered by a segment: from its page-aligned start to the end of its memory image. */
uint64_t image_segment_pages(const struct elf_segment *s);

/* Bytes from the first segment's page to the end of the last one's last page. */
uint64_t image_span(const struct elf_image *img);

/* Zircon's ZX_VM_PERM_* for a segment's ELF flags. */
uint32_t image_segment_perms(const struct elf_segment *s);

/* PTE flags for a segment: those of its perms on a cached mapping (vmar_pte_flags), without US unless `user`.
 */
uint64_t image_segment_pte_flags(const struct elf_segment *s, bool user);

/* Copies a segment's file bytes into fresh (zero) frames at `pa`, its first page; the rest stays zero. */
void image_copy_segment(const struct guest_ram *ram, gpa_t pa, const struct elf_segment *s,
                        const uint8_t *file);

/*
 * Loads a whole image into one contiguous run of frames (image_span bytes)
 * so it can be shared by every process. Returns 0 and the run's first frame,
 * or -ENOMEM.
 */
int image_load_shared(const struct guest_ram *ram, struct frame_alloc *frames, const struct elf_image *img,
                      const uint8_t *file, gpa_t *out);

/* Maps a shared image loaded at `pa` with each segment's permissions. */
int image_map_shared(const struct elf_image *img, gpa_t pa, bool user, const struct image_mapper *m);

#endif
