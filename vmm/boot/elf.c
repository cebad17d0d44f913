/* elf.c: validation of static x86-64 ELF64 executables, and whole-file reading for the loader. */
#include "boot/elf.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Segments are mapped with 4 KiB pages (Intel SDM Vol. 3A, 4.5, 4-level paging); equals ZXVMM_PAGE_SIZE. */
#define ELF_PAGE_SIZE 0x1000ULL
#define ELF_PAGE_MASK (ELF_PAGE_SIZE - 1)

/* Prefix of every message about one program header: its index and file offset. */
#define ELF_SEG_FMT "segment %u (program header at offset 0x%" PRIx64 ")"

/* A PT_LOAD segment accepted so far, with where its program header lies (for messages). */
struct elf_load {
    struct elf_segment seg;
    unsigned index;
    uint64_t phdr_offset;
};

/* Everything elf_parse works on, so that its helpers take one argument. */
struct elf_ctx {
    const uint8_t *file;
    size_t size;
    uint64_t lo;
    uint64_t hi;
    char *err;
    size_t errlen;
    unsigned nloads;
    struct elf_load loads[ELF_MAX_SEGMENTS];
};

/* Writes one formatted line to err (when there is room for one) and returns rc. */
__attribute__((format(printf, 4, 5))) static int elf_error(char *err, size_t errlen, int rc, const char *fmt,
                                                           ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static uint64_t elf_page_down(uint64_t addr)
{
    return addr & ~ELF_PAGE_MASK;
}

/* The caller has checked that addr + ELF_PAGE_MASK does not overflow. */
static uint64_t elf_page_up(uint64_t addr)
{
    return (addr + ELF_PAGE_MASK) & ~ELF_PAGE_MASK;
}

/* e_ident: magic, class, byte order, version; then the full header must fit. */
static int elf_check_ident(const struct elf_ctx *c)
{
    const uint8_t *id = c->file;

    if (c->size < SELFMAG || memcmp(id, ELFMAG, SELFMAG) != 0)
        return elf_error(c->err, c->errlen, -EINVAL, "not an ELF file (bad magic at offset 0)");
    if (c->size < EI_NIDENT)
        return elf_error(c->err, c->errlen, -EINVAL, "truncated ELF identification: the file is %zu bytes",
                         c->size);
    if (id[EI_CLASS] != ELFCLASS64)
        return elf_error(c->err, c->errlen, -EINVAL,
                         "EI_CLASS is %u%s, expected %u (ELFCLASS64) at offset 0x%x", id[EI_CLASS],
                         id[EI_CLASS] == ELFCLASS32 ? " (ELFCLASS32, a 32-bit file)" : "", ELFCLASS64,
                         EI_CLASS);
    if (id[EI_DATA] != ELFDATA2LSB)
        return elf_error(c->err, c->errlen, -EINVAL,
                         "EI_DATA is %u%s, expected %u (ELFDATA2LSB, little-endian) at offset 0x%x",
                         id[EI_DATA], id[EI_DATA] == ELFDATA2MSB ? " (big-endian)" : "", ELFDATA2LSB,
                         EI_DATA);
    if (id[EI_VERSION] != EV_CURRENT)
        return elf_error(c->err, c->errlen, -EINVAL,
                         "EI_VERSION is %u, expected %u (EV_CURRENT) at offset 0x%x", id[EI_VERSION],
                         EV_CURRENT, EI_VERSION);
    if (c->size < sizeof(Elf64_Ehdr))
        return elf_error(c->err, c->errlen, -EINVAL,
                         "truncated ELF header: the file is %zu bytes, an ELF64 header is %zu", c->size,
                         sizeof(Elf64_Ehdr));
    return 0;
}

/* e_type must be ET_EXEC; the common wrong kinds get a message saying what they are. */
static int elf_check_type(const struct elf_ctx *c, unsigned type)
{
    const size_t off = offsetof(Elf64_Ehdr, e_type);
    const char *what = NULL;

    if (type == ET_EXEC)
        return 0;
    if (type == ET_DYN)
        what = "ET_DYN (a position-independent executable or shared library)";
    else if (type == ET_REL)
        what = "ET_REL (an object file, not linked)";
    else if (type == ET_CORE)
        what = "ET_CORE (a core dump)";
    if (what == NULL)
        return elf_error(c->err, c->errlen, -EINVAL, "e_type is %u, expected %u (ET_EXEC) at offset 0x%zx",
                         type, ET_EXEC, off);
    return elf_error(c->err, c->errlen, -EINVAL,
                     "e_type is %s at offset 0x%zx: zxvmm runs static ET_EXEC programs only", what, off);
}

/* The header fields after e_ident, and the program header table's place in the file. */
static int elf_check_ehdr(const struct elf_ctx *c, const Elf64_Ehdr *eh)
{
    uint64_t table_size = (uint64_t)eh->e_phnum * eh->e_phentsize;
    int rc = elf_check_type(c, eh->e_type);

    if (rc < 0)
        return rc;
    if (eh->e_machine != EM_X86_64)
        return elf_error(c->err, c->errlen, -EINVAL,
                         "e_machine is %u, expected %u (EM_X86_64) at offset 0x%zx", eh->e_machine, EM_X86_64,
                         offsetof(Elf64_Ehdr, e_machine));
    if (eh->e_version != EV_CURRENT)
        return elf_error(c->err, c->errlen, -EINVAL,
                         "e_version is %u, expected %u (EV_CURRENT) at offset 0x%zx", eh->e_version,
                         EV_CURRENT, offsetof(Elf64_Ehdr, e_version));
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return elf_error(c->err, c->errlen, -EINVAL, "e_phentsize is %u, expected %zu at offset 0x%zx",
                         eh->e_phentsize, sizeof(Elf64_Phdr), offsetof(Elf64_Ehdr, e_phentsize));
    if (eh->e_phnum == PN_XNUM)
        return elf_error(c->err, c->errlen, -EINVAL,
                         "e_phnum is 0x%x (PN_XNUM, extended numbering) at offset 0x%zx: not supported",
                         PN_XNUM, offsetof(Elf64_Ehdr, e_phnum));
    if (eh->e_phoff > c->size || table_size > c->size - eh->e_phoff)
        return elf_error(c->err, c->errlen, -EINVAL,
                         "program header table (e_phoff 0x%" PRIx64
                         " at offset 0x%zx, %u entries of %u bytes) "
                         "extends past the end of the file (0x%zx bytes)",
                         eh->e_phoff, offsetof(Elf64_Ehdr, e_phoff), eh->e_phnum, eh->e_phentsize, c->size);
    return 0;
}

/* The segment's page-rounded range must lie inside [lo, hi) and compute without overflow. */
static int elf_check_range(const struct elf_ctx *c, const Elf64_Phdr *ph, unsigned i, uint64_t off)
{
    uint64_t end, first, last;

    if (ph->p_memsz > UINT64_MAX - ph->p_vaddr)
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": p_vaddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64 " overflows", i, off,
                         ph->p_vaddr, ph->p_memsz);
    end = ph->p_vaddr + ph->p_memsz;
    if (end > UINT64_MAX - ELF_PAGE_MASK)
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": end 0x%" PRIx64 " overflows when rounded up to a page", i, off, end);
    first = elf_page_down(ph->p_vaddr);
    last = elf_page_up(end);
    if (first < c->lo)
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": starts at page 0x%" PRIx64
                                     ", below the lowest allowed address 0x%" PRIx64,
                         i, off, first, c->lo);
    if (last > c->hi)
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": ends at page boundary 0x%" PRIx64 ", above the allowed end 0x%" PRIx64
                                     " (exclusive)",
                         i, off, last, c->hi);
    return 0;
}

/* The file bytes, the vaddr/offset congruence and the permissions of one PT_LOAD. */
static int elf_check_load_fields(const struct elf_ctx *c, const Elf64_Phdr *ph, unsigned i, uint64_t off)
{
    if (ph->p_filesz > UINT64_MAX - ph->p_offset)
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": p_offset 0x%" PRIx64 " + p_filesz 0x%" PRIx64 " overflows", i, off,
                         ph->p_offset, ph->p_filesz);
    if (ph->p_offset + ph->p_filesz > c->size)
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": file bytes [0x%" PRIx64 ", 0x%" PRIx64
                                     ") extend past the end of the file (0x%zx bytes)",
                         i, off, ph->p_offset, ph->p_offset + ph->p_filesz, c->size);
    if ((ph->p_vaddr & ELF_PAGE_MASK) != (ph->p_offset & ELF_PAGE_MASK))
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": p_vaddr 0x%" PRIx64 " and p_offset 0x%" PRIx64
                                     " differ modulo the page size 0x%llx",
                         i, off, ph->p_vaddr, ph->p_offset, ELF_PAGE_SIZE);
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return elf_error(c->err, c->errlen, -EINVAL, ELF_SEG_FMT " is writable and executable", i, off);
    return 0;
}

/* Validates one PT_LOAD and records it; segments with nothing in memory are skipped. */
static int elf_add_load(struct elf_ctx *c, const Elf64_Phdr *ph, unsigned i, uint64_t off)
{
    struct elf_load *load;
    int rc;

    if (ph->p_filesz > ph->p_memsz)
        return elf_error(c->err, c->errlen, -EINVAL,
                         ELF_SEG_FMT ": p_filesz 0x%" PRIx64 " exceeds p_memsz 0x%" PRIx64, i, off,
                         ph->p_filesz, ph->p_memsz);
    if (ph->p_memsz == 0)
        return 0;
    rc = elf_check_load_fields(c, ph, i, off);
    if (rc == 0)
        rc = elf_check_range(c, ph, i, off);
    if (rc < 0)
        return rc;
    if (c->nloads == ELF_MAX_SEGMENTS)
        return elf_error(c->err, c->errlen, -EINVAL, ELF_SEG_FMT ": more than %d PT_LOAD segments", i, off,
                         ELF_MAX_SEGMENTS);
    load = &c->loads[c->nloads++];
    load->seg = (struct elf_segment){
        .vaddr = ph->p_vaddr,
        .memsz = ph->p_memsz,
        .offset = ph->p_offset,
        .filesz = ph->p_filesz,
        .flags = ph->p_flags & (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X),
    };
    load->index = i;
    load->phdr_offset = off;
    return 0;
}

/* ELF notes are 4-byte aligned (System V gABI, "Note Section"). */
#define ELF_NOTE_ALIGN    4u
#define ELF_NOTE_GNU_NAME "GNU"

static uint64_t elf_note_align(uint64_t n)
{
    return (n + ELF_NOTE_ALIGN - 1) & ~(uint64_t)(ELF_NOTE_ALIGN - 1);
}

/*
 * True when a PT_NOTE holds the "GNU" NT_GNU_ABI_TAG note (.note.ABI-tag) that
 * glibc's start files put into every Linux program; SDK programs carry no notes.
 */
static bool elf_has_gnu_abi_tag(const struct elf_ctx *c, const Elf64_Phdr *ph)
{
    if (ph->p_offset > c->size || ph->p_filesz > c->size - ph->p_offset)
        return false;
    uint64_t pos = ph->p_offset, end = ph->p_offset + ph->p_filesz;
    while (end - pos >= sizeof(Elf64_Nhdr)) {
        Elf64_Nhdr nh;
        memcpy(&nh, c->file + pos, sizeof(nh));
        pos += sizeof(nh);
        uint64_t name = elf_note_align(nh.n_namesz), desc = elf_note_align(nh.n_descsz);
        if (name > end - pos || desc > end - pos - name)
            return false;
        if (nh.n_type == NT_GNU_ABI_TAG && nh.n_namesz == sizeof(ELF_NOTE_GNU_NAME) &&
            memcmp(c->file + pos, ELF_NOTE_GNU_NAME, sizeof(ELF_NOTE_GNU_NAME)) == 0)
            return true;
        pos += name + desc;
    }
    return false;
}

/* A Linux program is named as such before any of its fields is found wanting. */
static int elf_check_not_linux(const struct elf_ctx *c, const Elf64_Ehdr *eh)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        uint64_t off = eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);
        Elf64_Phdr ph;

        memcpy(&ph, c->file + off, sizeof(ph));
        if (ph.p_type == PT_NOTE && elf_has_gnu_abi_tag(c, &ph))
            return elf_error(c->err, c->errlen, -EINVAL,
                             "a Linux program (PT_NOTE at program header offset 0x%" PRIx64
                             " holds a GNU ABI tag): zxvmm runs guest programs built with the zxguest "
                             "SDK (see docs/sdk.md)",
                             off);
    }
    return 0;
}

/* Walks the program header table: rejects dynamic linking, collects PT_LOADs. */
static int elf_scan_phdrs(struct elf_ctx *c, const Elf64_Ehdr *eh)
{
    int lrc = elf_check_not_linux(c, eh);
    if (lrc < 0)
        return lrc;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        uint64_t off = eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);
        Elf64_Phdr ph;
        int rc = 0;

        memcpy(&ph, c->file + off, sizeof(ph));
        if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC)
            return elf_error(c->err, c->errlen, -EINVAL,
                             "%s at program header offset 0x%" PRIx64
                             ": dynamically linked programs are not supported",
                             ph.p_type == PT_INTERP ? "PT_INTERP" : "PT_DYNAMIC", off);
        if (ph.p_type == PT_LOAD)
            rc = elf_add_load(c, &ph, i, off);
        if (rc < 0)
            return rc;
    }
    if (c->nloads == 0)
        return elf_error(c->err, c->errlen, -EINVAL, "no PT_LOAD segment with p_memsz > 0: nothing to load");
    return 0;
}

/* Insertion sort by vaddr (at most ELF_MAX_SEGMENTS entries), then no page may be shared. */
static int elf_sort_and_check_overlap(struct elf_ctx *c)
{
    for (unsigned i = 1; i < c->nloads; i++) {
        struct elf_load key = c->loads[i];
        unsigned j = i;

        for (; j > 0 && c->loads[j - 1].seg.vaddr > key.seg.vaddr; j--)
            c->loads[j] = c->loads[j - 1];
        c->loads[j] = key;
    }
    for (unsigned i = 1; i < c->nloads; i++) {
        const struct elf_load *a = &c->loads[i - 1], *b = &c->loads[i];

        if (elf_page_up(a->seg.vaddr + a->seg.memsz) > elf_page_down(b->seg.vaddr))
            return elf_error(c->err, c->errlen, -EINVAL,
                             ELF_SEG_FMT " [0x%" PRIx64 ", 0x%" PRIx64 ") and segment %u [0x%" PRIx64
                                         ", 0x%" PRIx64 ") overlap or share a page",
                             a->index, a->phdr_offset, a->seg.vaddr, a->seg.vaddr + a->seg.memsz, b->index,
                             b->seg.vaddr, b->seg.vaddr + b->seg.memsz);
    }
    return 0;
}

/* The entry point must lie inside an executable segment's [vaddr, vaddr + memsz). */
static int elf_check_entry(const struct elf_ctx *c, uint64_t entry)
{
    for (unsigned i = 0; i < c->nloads; i++) {
        const struct elf_segment *s = &c->loads[i].seg;

        if ((s->flags & ELF_SEG_X) && entry >= s->vaddr && entry - s->vaddr < s->memsz)
            return 0;
    }
    return elf_error(c->err, c->errlen, -EINVAL,
                     "e_entry 0x%" PRIx64 " at offset 0x%zx lies in no executable segment", entry,
                     offsetof(Elf64_Ehdr, e_entry));
}

int elf_parse(const uint8_t *file, size_t size, uint64_t lo, uint64_t hi, struct elf_image *out, char *err,
              size_t errlen)
{
    struct elf_ctx c = {.file = file, .size = size, .lo = lo, .hi = hi, .err = err, .errlen = errlen};
    Elf64_Ehdr eh;
    int rc = elf_check_ident(&c);

    if (rc < 0)
        return rc;
    memcpy(&eh, file, sizeof(eh));
    rc = elf_check_ehdr(&c, &eh);
    if (rc == 0)
        rc = elf_scan_phdrs(&c, &eh);
    if (rc == 0)
        rc = elf_sort_and_check_overlap(&c);
    if (rc == 0)
        rc = elf_check_entry(&c, eh.e_entry);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    out->entry = eh.e_entry;
    out->nsegments = c.nloads;
    for (unsigned i = 0; i < c.nloads; i++)
        out->segments[i] = c.loads[i].seg;
    return 0;
}

/* Reads exactly `len` bytes from offset 0 (fewer if the file shrank meanwhile) into a new buffer. */
static int elf_read_all(int fd, const char *path, size_t len, uint8_t **data, size_t *size, char *err,
                        size_t errlen)
{
    uint8_t *buf = malloc(len > 0 ? len : 1);
    size_t got = 0;

    if (buf == NULL)
        return elf_error(err, errlen, -ENOMEM, "%s: cannot allocate %zu bytes", path, len);
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;

            free(buf);
            return elf_error(err, errlen, -e, "cannot read %s: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    *data = buf;
    *size = got;
    return 0;
}

int elf_read_fd(int fd, const char *path, size_t max, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    struct stat st;
    int rc;

    *data = NULL;
    *size = 0;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        elf_error(err, errlen, rc, "cannot stat %s: %s", path, strerror(-rc));
    } else if (S_ISDIR(st.st_mode)) {
        rc = elf_error(err, errlen, -EISDIR, "%s is a directory, not a program", path);
    } else if (!S_ISREG(st.st_mode)) {
        rc = elf_error(err, errlen, -EINVAL, "%s is not a regular file", path);
    } else if ((uint64_t)st.st_size > max) {
        rc = elf_error(err, errlen, -EFBIG, "%s is %jd bytes, larger than the limit of %zu", path,
                       (intmax_t)st.st_size, max);
    } else {
        rc = elf_read_all(fd, path, (size_t)st.st_size, data, size, err, errlen);
    }
    return rc;
}

int elf_read_file(const char *path, size_t max, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO must not hang; fstat rejects it right after. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    *data = NULL;
    *size = 0;
    if (fd < 0) {
        int e = errno;

        return elf_error(err, errlen, -e, "cannot open %s: %s", path, strerror(e));
    }
    int rc = elf_read_fd(fd, path, max, data, size, err, errlen);
    close(fd);
    return rc;
}
