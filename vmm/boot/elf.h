/* elf.h: the ELF64 loader's parser: validates a static x86-64 ET_EXEC and lists its loadable segments. */
#ifndef ZXVMM_BOOT_ELF_H
#define ZXVMM_BOOT_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16

/* Segment permission bits, as ELF's p_flags. */
#define ELF_SEG_X 1u
#define ELF_SEG_W 2u
#define ELF_SEG_R 4u

struct elf_segment {
    uint64_t vaddr;  /* p_vaddr */
    uint64_t memsz;  /* p_memsz (>= filesz) */
    uint64_t offset; /* p_offset */
    uint64_t filesz; /* p_filesz */
    uint32_t flags;  /* ELF_SEG_* */
};

struct elf_image {
    uint64_t entry;
    unsigned nsegments; /* PT_LOAD segments with memsz > 0, sorted by vaddr */
    struct elf_segment segments[ELF_MAX_SEGMENTS];
};

/*
 * Validates `file` (`size` bytes) as a program zxvmm can run: ELF magic,
 * ELFCLASS64, little-endian, EV_CURRENT, EM_X86_64, ET_EXEC; program header
 * table inside the file with e_phentsize == sizeof(Elf64_Phdr); no PT_INTERP,
 * no PT_DYNAMIC; 1..ELF_MAX_SEGMENTS PT_LOAD segments, each with filesz <=
 * memsz, file bytes inside the file, p_vaddr congruent to p_offset modulo the
 * page size, no W+X, the whole page-rounded range inside [lo, hi) without
 * overflow, no two segments sharing a page; the entry point inside an
 * executable segment.
 *
 * Segments with p_memsz == 0 are skipped; other program header types
 * (PT_NOTE, PT_GNU_STACK, PT_TLS, ...) are ignored. Page size: 4 KiB
 * (ZXVMM_PAGE_SIZE). `hi` is exclusive, so the top page of the address space
 * cannot be used.
 *
 * Returns 0 and fills `out`, or -EINVAL and writes one line (no newline) to
 * `err` naming the field and, where it helps, its file offset, e.g.
 * "e_machine is 183, expected 62 (EM_X86_64) at offset 0x12". `err` may be
 * NULL when `errlen` is 0. Never reads outside [file, file + size).
 */
int elf_parse(const uint8_t *file, size_t size, uint64_t lo, uint64_t hi, struct elf_image *out, char *err,
              size_t errlen);

/*
 * Reads a whole file into a malloc'd buffer (at most `max` bytes; the caller
 * frees *data). Returns 0, or -errno with a line in `err` naming the file and
 * the cause: the open(2) error (-ENOENT, -EACCES, ...), -EISDIR for a
 * directory, -EINVAL for another non-regular file, -EFBIG when larger than
 * `max`, -ENOMEM, or the read(2) error.
 */
int elf_read_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err, size_t errlen);

/* The same from an open descriptor (read with pread(2) from offset 0, so it can be read again; `path`
 * names it in errors); open(2) errors aside, the same errors. */
int elf_read_fd(int fd, const char *path, size_t max, uint8_t **data, size_t *size, char *err, size_t errlen);

#endif
