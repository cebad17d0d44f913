/* test_elf.c: the ELF64 parser against images built in memory, truncations, byte flips and random bytes. */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/elf.h"

/* The valid test image: text page at T_TEXT_VADDR, data page after it with bss, a PT_GNU_STACK. */
#define T_TEXT_VADDR   0x400000ULL
#define T_TEXT_SIZE    0x1000ULL
#define T_DATA_VADDR   (T_TEXT_VADDR + T_TEXT_SIZE)
#define T_DATA_OFFSET  0x1000ULL
#define T_DATA_FILESZ  0x100ULL
#define T_DATA_MEMSZ   0x2000ULL
#define T_ENTRY        (T_TEXT_VADDR + 0x100)
#define T_IMAGE_SIZE   (T_DATA_OFFSET + T_DATA_FILESZ)
#define T_PHNUM        3
#define T_TEXT_PH      0
#define T_DATA_PH      1
#define T_STACK_PH     2
#define T_MAX_PHDRS    (ELF_MAX_SEGMENTS + 2)
#define T_BUF_SIZE     0x2000
#define T_HEADERS_SIZE (sizeof(Elf64_Ehdr) + T_PHNUM * sizeof(Elf64_Phdr))
#define T_LO           0x10000ULL
#define T_HI           0x0000800000000000ULL
#define T_PAGE         0x1000ULL
#define T_READ_MAX     (256u << 20)
#define T_ERR_SIZE     512
#define T_RANDOM_RUNS  4000
#define T_MAX_FLIPS    8

union test_image {
    uint8_t bytes[T_BUF_SIZE];
    struct {
        Elf64_Ehdr eh;
        Elf64_Phdr ph[T_MAX_PHDRS];
    } h;
};

static char err[T_ERR_SIZE];

static void set_load(Elf64_Phdr *ph, uint64_t vaddr, uint64_t offset, uint64_t filesz, uint64_t memsz,
                     uint32_t flags)
{
    *ph = (Elf64_Phdr){.p_type = PT_LOAD,
                       .p_flags = flags,
                       .p_offset = offset,
                       .p_vaddr = vaddr,
                       .p_paddr = vaddr,
                       .p_filesz = filesz,
                       .p_memsz = memsz,
                       .p_align = T_PAGE};
}

/* Writes the valid image described above into t. */
static void make_image(union test_image *t)
{
    Elf64_Ehdr *eh = &t->h.eh;

    memset(t, 0, sizeof(*t));
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = T_ENTRY;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = T_PHNUM;
    set_load(&t->h.ph[T_TEXT_PH], T_TEXT_VADDR, 0, T_TEXT_SIZE, T_TEXT_SIZE, PF_R | PF_X);
    set_load(&t->h.ph[T_DATA_PH], T_DATA_VADDR, T_DATA_OFFSET, T_DATA_FILESZ, T_DATA_MEMSZ, PF_R | PF_W);
    t->h.ph[T_STACK_PH] = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W};
}

static int parse_range(const union test_image *t, uint64_t lo, uint64_t hi, struct elf_image *out)
{
    err[0] = '\0';
    return elf_parse(t->bytes, T_IMAGE_SIZE, lo, hi, out, err, sizeof(err));
}

static int parse(const union test_image *t, struct elf_image *out)
{
    return parse_range(t, T_LO, T_HI, out);
}

/* Asserts rejection with a message containing `needle`. */
static void expect_reject(const union test_image *t, const char *needle)
{
    struct elf_image img;

    cr_assert_eq(parse(t, &img), -EINVAL);
    cr_assert(strstr(err, needle) != NULL, "message \"%s\" lacks \"%s\"", err, needle);
}

/* Everything elf_parse promises about an accepted image. */
static void check_invariants(const struct elf_image *img, size_t size, uint64_t lo, uint64_t hi)
{
    bool entry_ok = false;

    cr_assert(img->nsegments >= 1 && img->nsegments <= ELF_MAX_SEGMENTS);
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segments[i];

        cr_assert(s->memsz > 0 && s->filesz <= s->memsz);
        cr_assert(s->offset <= size && s->filesz <= size - s->offset);
        cr_assert_eq(s->vaddr % T_PAGE, s->offset % T_PAGE);
        cr_assert(!((s->flags & ELF_SEG_W) && (s->flags & ELF_SEG_X)));
        cr_assert(s->vaddr / T_PAGE * T_PAGE >= lo && s->memsz <= hi - s->vaddr);
        if (i > 0) {
            const struct elf_segment *p = &img->segments[i - 1];
            cr_assert((p->vaddr + p->memsz + T_PAGE - 1) / T_PAGE <= s->vaddr / T_PAGE);
        }
        if ((s->flags & ELF_SEG_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
            entry_ok = true;
    }
    cr_assert(entry_ok);
}

Test(elf, valid_image_parses_segments_and_entry)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    cr_assert_eq(parse(&t, &img), 0, "%s", err);
    cr_assert_eq(img.entry, T_ENTRY);
    cr_assert_eq(img.nsegments, 2);
    cr_assert_eq(img.segments[0].vaddr, T_TEXT_VADDR);
    cr_assert_eq(img.segments[0].memsz, T_TEXT_SIZE);
    cr_assert_eq(img.segments[0].flags, ELF_SEG_R | ELF_SEG_X);
    cr_assert_eq(img.segments[1].vaddr, T_DATA_VADDR);
    cr_assert_eq(img.segments[1].offset, T_DATA_OFFSET);
    cr_assert_eq(img.segments[1].filesz, T_DATA_FILESZ);
    cr_assert_eq(img.segments[1].memsz, T_DATA_MEMSZ);
    cr_assert_eq(img.segments[1].flags, ELF_SEG_R | ELF_SEG_W);
}

Test(elf, segments_come_out_sorted_by_vaddr)
{
    union test_image t;
    struct elf_image img;
    Elf64_Phdr text;

    make_image(&t);
    text = t.h.ph[T_TEXT_PH];
    t.h.ph[T_TEXT_PH] = t.h.ph[T_DATA_PH];
    t.h.ph[T_DATA_PH] = text;
    cr_assert_eq(parse(&t, &img), 0, "%s", err);
    cr_assert_eq(img.segments[0].vaddr, T_TEXT_VADDR);
    cr_assert_eq(img.segments[1].vaddr, T_DATA_VADDR);
}

Test(elf, load_with_zero_memsz_is_skipped)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    set_load(&t.h.ph[T_STACK_PH], 0, 0, 0, 0, PF_R);
    cr_assert_eq(parse(&t, &img), 0, "%s", err);
    cr_assert_eq(img.nsegments, 2);
}

Test(elf, bad_magic_rejected)
{
    union test_image t;

    make_image(&t);
    t.bytes[EI_MAG1] = 'F';
    expect_reject(&t, "not an ELF file (bad magic at offset 0)");
}

Test(elf, class32_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_ident[EI_CLASS] = ELFCLASS32;
    expect_reject(&t, "EI_CLASS is 1 (ELFCLASS32");
    cr_assert(strstr(err, "at offset 0x4") != NULL, "%s", err);
}

Test(elf, big_endian_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    expect_reject(&t, "EI_DATA is 2 (big-endian)");
}

Test(elf, bad_ident_version_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_ident[EI_VERSION] = EV_NONE;
    expect_reject(&t, "EI_VERSION is 0");
}

Test(elf, bad_e_version_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_version = 2;
    expect_reject(&t, "e_version is 2, expected 1");
}

Test(elf, wrong_machine_rejected)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    t.h.eh.e_machine = EM_AARCH64;
    cr_assert_eq(parse(&t, &img), -EINVAL);
    cr_assert_str_eq(err, "e_machine is 183, expected 62 (EM_X86_64) at offset 0x12");
}

Test(elf, et_dyn_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_type = ET_DYN;
    expect_reject(&t, "e_type is ET_DYN (a position-independent executable");
    cr_assert(strstr(err, "zxvmm runs static ET_EXEC programs only") != NULL, "%s", err);
}

Test(elf, et_rel_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_type = ET_REL;
    expect_reject(&t, "e_type is ET_REL");
}

Test(elf, unknown_type_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_type = ET_NONE;
    expect_reject(&t, "e_type is 0, expected 2 (ET_EXEC) at offset 0x10");
}

Test(elf, phoff_past_eof_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_phoff = T_IMAGE_SIZE - sizeof(Elf64_Phdr);
    expect_reject(&t, "program header table");
}

Test(elf, phdr_table_end_overflow_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_phoff = UINT64_MAX - sizeof(Elf64_Phdr);
    expect_reject(&t, "extends past the end of the file");
}

Test(elf, phnum_table_larger_than_file_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_phnum = PN_XNUM - 1;
    expect_reject(&t, "extends past the end of the file");
}

Test(elf, pn_xnum_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_phnum = PN_XNUM;
    expect_reject(&t, "PN_XNUM");
}

Test(elf, wrong_phentsize_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_phentsize = sizeof(Elf32_Phdr);
    expect_reject(&t, "e_phentsize is 32, expected 56 at offset 0x36");
}

Test(elf, pt_interp_rejected)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    t.h.ph[T_STACK_PH].p_type = PT_INTERP;
    cr_assert_eq(parse(&t, &img), -EINVAL);
    cr_assert_str_eq(
        err, "PT_INTERP at program header offset 0xb0: dynamically linked programs are not supported");
}

Test(elf, pt_dynamic_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_STACK_PH].p_type = PT_DYNAMIC;
    expect_reject(&t, "PT_DYNAMIC at program header offset 0xb0");
}

Test(elf, no_load_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_TEXT_PH].p_type = PT_NOTE;
    t.h.ph[T_DATA_PH].p_type = PT_NOTE;
    expect_reject(&t, "no PT_LOAD");
}

/* Replaces the program headers with the text segment plus `extra` read-only one-page loads. */
static void make_many_loads(union test_image *t, unsigned extra)
{
    const uint64_t base = T_TEXT_VADDR + 0x100000;

    make_image(t);
    for (unsigned i = 0; i < extra; i++)
        set_load(&t->h.ph[1 + i], base + i * T_PAGE, 0, 0, T_PAGE, PF_R);
    t->h.eh.e_phnum = (Elf64_Half)(1 + extra);
}

Test(elf, max_loads_accepted)
{
    union test_image t;
    struct elf_image img;

    make_many_loads(&t, ELF_MAX_SEGMENTS - 1);
    cr_assert_eq(parse(&t, &img), 0, "%s", err);
    cr_assert_eq(img.nsegments, ELF_MAX_SEGMENTS);
}

Test(elf, too_many_loads_rejected)
{
    union test_image t;

    make_many_loads(&t, ELF_MAX_SEGMENTS);
    expect_reject(&t, "more than 16 PT_LOAD segments");
}

Test(elf, filesz_above_memsz_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_memsz = T_DATA_FILESZ - 1;
    expect_reject(&t, "p_filesz 0x100 exceeds p_memsz 0xff");
}

Test(elf, file_bytes_past_eof_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_filesz = T_DATA_FILESZ + 1;
    expect_reject(&t, "extend past the end of the file");
}

Test(elf, offset_plus_filesz_overflow_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_offset = UINT64_MAX - T_DATA_FILESZ + 1;
    expect_reject(&t, "+ p_filesz 0x100 overflows");
}

Test(elf, vaddr_plus_memsz_overflow_rejected)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_vaddr = UINT64_MAX - T_PAGE + 1;
    cr_assert_eq(parse_range(&t, T_LO, UINT64_MAX, &img), -EINVAL);
    cr_assert(strstr(err, "+ p_memsz 0x2000 overflows") != NULL, "%s", err);
}

Test(elf, page_rounding_overflow_rejected)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_vaddr = UINT64_MAX - T_PAGE + 1;
    t.h.ph[T_DATA_PH].p_memsz = T_PAGE / 2;
    cr_assert_eq(parse_range(&t, T_LO, UINT64_MAX, &img), -EINVAL);
    cr_assert(strstr(err, "overflows when rounded up") != NULL, "%s", err);
}

Test(elf, segment_below_lo_rejected)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    cr_assert_eq(parse_range(&t, T_TEXT_VADDR + 1, T_HI, &img), -EINVAL);
    cr_assert(strstr(err, "segment 0 (program header at offset 0x40): starts at page 0x400000, below") !=
                  NULL,
              "%s", err);
}

Test(elf, segment_above_hi_rejected)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    cr_assert_eq(parse_range(&t, T_LO, T_DATA_VADDR + T_DATA_MEMSZ - 1, &img), -EINVAL);
    cr_assert(strstr(err, "segment 1 (program header at offset 0x78): ends at page boundary 0x403000") !=
                  NULL,
              "%s", err);
}

Test(elf, segments_exactly_filling_lo_hi_accepted)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    cr_assert_eq(parse_range(&t, T_TEXT_VADDR, T_DATA_VADDR + T_DATA_MEMSZ, &img), 0, "%s", err);
}

Test(elf, writable_and_executable_rejected)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_flags = PF_R | PF_W | PF_X;
    cr_assert_eq(parse(&t, &img), -EINVAL);
    cr_assert_str_eq(err, "segment 1 (program header at offset 0x78) is writable and executable");
}

Test(elf, segments_sharing_a_page_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_vaddr = T_TEXT_VADDR + T_TEXT_SIZE / 2;
    t.h.ph[T_DATA_PH].p_offset = T_TEXT_SIZE / 2;
    t.h.ph[T_DATA_PH].p_memsz = T_DATA_FILESZ;
    expect_reject(&t, "overlap or share a page");
}

Test(elf, overlapping_segments_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_vaddr = T_TEXT_VADDR;
    t.h.ph[T_DATA_PH].p_offset = 0;
    expect_reject(&t, "overlap or share a page");
}

Test(elf, misaligned_vaddr_and_offset_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.ph[T_DATA_PH].p_vaddr = T_DATA_VADDR + 0x10;
    expect_reject(&t, "differ modulo the page size 0x1000");
}

Test(elf, entry_in_data_segment_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_entry = T_DATA_VADDR;
    expect_reject(&t, "e_entry 0x401000 at offset 0x18 lies in no executable segment");
}

Test(elf, entry_outside_every_segment_rejected)
{
    union test_image t;

    make_image(&t);
    t.h.eh.e_entry = T_HI - 1;
    expect_reject(&t, "lies in no executable segment");
}

Test(elf, entry_on_last_text_byte_accepted)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    t.h.eh.e_entry = T_TEXT_VADDR + T_TEXT_SIZE - 1;
    cr_assert_eq(parse(&t, &img), 0, "%s", err);
}

/* Parses `len` bytes from a heap copy of exactly that size, so a sanitizer sees any overread. */
static int parse_copy(const uint8_t *bytes, size_t len, uint64_t lo, uint64_t hi, struct elf_image *out)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);
    int rc;

    cr_assert_not_null(copy);
    memcpy(copy, bytes, len);
    err[0] = '\0';
    rc = elf_parse(copy, len, lo, hi, out, err, sizeof(err));
    free(copy);
    return rc;
}

Test(elf, every_truncation_rejected_and_full_image_accepted)
{
    union test_image t;
    struct elf_image img;

    make_image(&t);
    for (size_t len = 0; len < T_IMAGE_SIZE; len++) {
        cr_assert_eq(parse_copy(t.bytes, len, T_LO, T_HI, &img), -EINVAL, "length %zu accepted", len);
        cr_assert(err[0] != '\0', "length %zu: empty message", len);
    }
    cr_assert_eq(parse_copy(t.bytes, T_IMAGE_SIZE, T_LO, T_HI, &img), 0, "%s", err);
}

Test(elf, error_buffer_may_be_absent_or_tiny)
{
    union test_image t;
    struct elf_image img;
    char tiny[4] = "xyz";

    make_image(&t);
    t.h.eh.e_machine = EM_AARCH64;
    cr_assert_eq(elf_parse(t.bytes, T_IMAGE_SIZE, T_LO, T_HI, &img, NULL, 0), -EINVAL);
    cr_assert_eq(elf_parse(t.bytes, T_IMAGE_SIZE, T_LO, T_HI, &img, tiny, sizeof(tiny)), -EINVAL);
    cr_assert_str_eq(tiny, "e_m");
}

Test(elf, header_byte_flips_never_break_invariants)
{
    static const uint8_t masks[] = {0x01, 0x10, 0x80, 0xff};
    union test_image t;
    struct elf_image img;
    unsigned accepted = 0, rejected = 0;

    make_image(&t);
    for (size_t off = 0; off < T_HEADERS_SIZE; off++) {
        for (size_t m = 0; m < sizeof(masks); m++) {
            t.bytes[off] ^= masks[m];
            if (parse_copy(t.bytes, T_IMAGE_SIZE, T_LO, T_HI, &img) == 0) {
                check_invariants(&img, T_IMAGE_SIZE, T_LO, T_HI);
                accepted++;
            } else {
                cr_assert(err[0] != '\0', "byte 0x%zx mask 0x%x: empty message", off, masks[m]);
                rejected++;
            }
            t.bytes[off] ^= masks[m];
        }
    }
    /* Magic bytes must fail; padding such as e_shoff or p_paddr must not matter. */
    cr_assert_gt(rejected, 0);
    cr_assert_gt(accepted, 0);
}

static uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* Mode 0: random bytes; 1: a valid ELF header then random; 2: the valid image with a few random header bytes.
 */
static size_t random_buffer(uint8_t *buf, uint64_t *rng, unsigned mode)
{
    union test_image t;
    size_t len = (size_t)(xorshift64(rng) % (T_BUF_SIZE / 4));

    make_image(&t);
    for (size_t i = 0; i < T_BUF_SIZE; i++)
        buf[i] = (uint8_t)xorshift64(rng);
    if (mode == 1)
        memcpy(buf, t.bytes, len < sizeof(Elf64_Ehdr) ? len : sizeof(Elf64_Ehdr));
    if (mode == 2) {
        unsigned nflips = 1 + (unsigned)(xorshift64(rng) % T_MAX_FLIPS);

        memcpy(buf, t.bytes, T_IMAGE_SIZE);
        for (unsigned i = 0; i < nflips; i++)
            buf[xorshift64(rng) % T_HEADERS_SIZE] = (uint8_t)xorshift64(rng);
        len = T_IMAGE_SIZE;
    }
    return len;
}

Test(elf, random_buffers_never_crash)
{
    static uint8_t buf[T_BUF_SIZE];
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    struct elf_image img;
    unsigned accepted = 0;

    for (unsigned i = 0; i < T_RANDOM_RUNS; i++) {
        size_t len = random_buffer(buf, &rng, i % 3);
        uint64_t hi = (i & 4) ? UINT64_MAX : T_HI;

        if (parse_copy(buf, len, 0, hi, &img) == 0) {
            check_invariants(&img, len, 0, hi);
            accepted++;
        } else {
            cr_assert(err[0] != '\0');
        }
    }
    cr_assert_gt(accepted, 0, "no mutated image was ever accepted: the mutation is too coarse");
}

Test(elf, host_binary_rejected)
{
    uint8_t *data;
    size_t size;
    struct elf_image img;

    cr_assert_eq(elf_read_file("/proc/self/exe", T_READ_MAX, &data, &size, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(elf_parse(data, size, T_LO, T_HI, &img, err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "ET_DYN") != NULL || strstr(err, "PT_INTERP") != NULL, "%s", err);
    free(data);
}

/* A fresh temporary directory, in buf. */
static void make_temp_dir(char *buf, size_t len)
{
    snprintf(buf, len, "%s/zxvmm-elf-XXXXXX", P_tmpdir);
    cr_assert_not_null(mkdtemp(buf));
}

Test(elf, read_missing_file_names_it)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];
    uint8_t *data;
    size_t size;

    make_temp_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/missing", dir);
    cr_assert_eq(elf_read_file(path, T_READ_MAX, &data, &size, err, sizeof(err)), -ENOENT);
    cr_assert(strstr(err, path) != NULL, "%s", err);
    cr_assert_null(data);
    rmdir(dir);
}

Test(elf, read_directory_names_it)
{
    char dir[PATH_MAX];
    uint8_t *data;
    size_t size;

    make_temp_dir(dir, sizeof(dir));
    cr_assert_eq(elf_read_file(dir, T_READ_MAX, &data, &size, err, sizeof(err)), -EISDIR);
    cr_assert(strstr(err, dir) != NULL && strstr(err, "directory") != NULL, "%s", err);
    rmdir(dir);
}

/* Writes the valid image to dir/prog and returns its path in path. */
static void write_image_file(const char *dir, char *path, size_t len)
{
    union test_image t;
    int fd;

    make_image(&t);
    snprintf(path, len, "%s/prog", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, t.bytes, T_IMAGE_SIZE), (ssize_t)T_IMAGE_SIZE);
    close(fd);
}

Test(elf, read_file_returns_its_bytes)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];
    union test_image t;
    uint8_t *data;
    size_t size;

    make_temp_dir(dir, sizeof(dir));
    write_image_file(dir, path, sizeof(path));
    make_image(&t);
    cr_assert_eq(elf_read_file(path, T_IMAGE_SIZE, &data, &size, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(size, T_IMAGE_SIZE);
    cr_assert_arr_eq(data, t.bytes, T_IMAGE_SIZE);
    free(data);
    unlink(path);
    rmdir(dir);
}

Test(elf, read_file_larger_than_max_rejected)
{
    char dir[PATH_MAX], path[PATH_MAX + 16];
    uint8_t *data;
    size_t size;

    make_temp_dir(dir, sizeof(dir));
    write_image_file(dir, path, sizeof(path));
    cr_assert_eq(elf_read_file(path, T_IMAGE_SIZE - 1, &data, &size, err, sizeof(err)), -EFBIG);
    cr_assert(strstr(err, path) != NULL, "%s", err);
    unlink(path);
    rmdir(dir);
}

/* A static Linux program (glibc's crt1.o adds .note.ABI-tag) is named as such, with where to go instead. */
Test(elf, linux_program_with_a_gnu_abi_tag_is_named)
{
    union test_image t;
    make_image(&t);
    const uint64_t note_off = 0x800;
    const struct {
        Elf64_Nhdr nh;
        char name[4];
        uint32_t desc[4];
    } note = {{4, 16, NT_GNU_ABI_TAG}, "GNU", {0, 3, 2, 0}};
    memcpy(t.bytes + note_off, &note, sizeof(note));
    t.h.ph[T_STACK_PH] = (Elf64_Phdr){
        .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = note_off, .p_filesz = sizeof(note), .p_align = 4};
    expect_reject(&t, "a Linux program");
    cr_assert(strstr(err, "zxguest SDK") != NULL, "%s", err);
}

Test(elf, other_notes_are_accepted)
{
    union test_image t;
    make_image(&t);
    const uint64_t note_off = 0x800;
    const struct {
        Elf64_Nhdr nh;
        char name[4];
        uint32_t desc[2];
    } note = {{4, 8, NT_GNU_BUILD_ID}, "GNU", {1, 2}};
    memcpy(t.bytes + note_off, &note, sizeof(note));
    t.h.ph[T_STACK_PH] = (Elf64_Phdr){
        .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = note_off, .p_filesz = sizeof(note), .p_align = 4};
    struct elf_image img;
    cr_assert_eq(parse(&t, &img), 0, "%s", err);
}

Test(elf, read_fd_reads_the_whole_file_again_and_again)
{
    uint8_t *a, *b;
    size_t asize, bsize;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    cr_assert(fd >= 0);
    cr_assert_eq(elf_read_fd(fd, "exe", T_READ_MAX, &a, &asize, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(elf_read_fd(fd, "exe", T_READ_MAX, &b, &bsize, err, sizeof(err)), 0, "%s", err);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(asize, (size_t)st.st_size);
    cr_assert_eq(bsize, asize);
    cr_assert_eq(memcmp(a, "\177ELF", 4), 0);
    cr_assert_eq(memcmp(a, b, asize), 0);
    free(a);
    free(b);
    close(fd);
}

Test(elf, read_fd_refuses_what_read_file_refuses)
{
    uint8_t *data;
    size_t size;
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    cr_assert(fd >= 0);
    cr_assert_eq(elf_read_fd(fd, "exe", 16, &data, &size, err, sizeof(err)), -EFBIG);
    cr_assert_null(data);
    cr_assert(strstr(err, "larger than the limit") != NULL, "%s", err);
    close(fd);
    int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert_eq(elf_read_fd(dir, "/", T_READ_MAX, &data, &size, err, sizeof(err)), -EISDIR);
    close(dir);
    cr_assert_eq(elf_read_fd(-1, "nothing", T_READ_MAX, &data, &size, err, sizeof(err)), -EBADF);
}
