/* symbols.c: looking addresses up in a program's ELF symbol table (SHT_SYMTAB and its string table). */
#include "boot/symbols.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

/* The symbol table and its string table, each inside the file. */
struct symbols_table {
    const uint8_t *file;
    size_t size;
    uint64_t sym_off, nsyms;
    uint64_t str_off, str_size;
};

static bool symbols_range_ok(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

/* Finds SHT_SYMTAB and the string table its sh_link names. */
static bool symbols_open(const uint8_t *file, size_t size, struct symbols_table *t)
{
    Elf64_Ehdr eh;
    if (size < sizeof(eh) || memcmp(file, ELFMAG, SELFMAG) != 0 || file[EI_CLASS] != ELFCLASS64)
        return false;
    memcpy(&eh, file, sizeof(eh));
    if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
        !symbols_range_ok(size, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
        return false;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh, str;
        memcpy(&sh, file + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
        if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_link >= eh.e_shnum)
            continue;
        memcpy(&str, file + eh.e_shoff + (uint64_t)sh.sh_link * sizeof(str), sizeof(str));
        if (!symbols_range_ok(size, sh.sh_offset, sh.sh_size) ||
            !symbols_range_ok(size, str.sh_offset, str.sh_size))
            return false;
        *t = (struct symbols_table){file,          size,       sh.sh_offset, sh.sh_size / sizeof(Elf64_Sym),
                                    str.sh_offset, str.sh_size};
        return true;
    }
    return false;
}

static Elf64_Sym symbols_at(const struct symbols_table *t, uint64_t i)
{
    Elf64_Sym sym;
    memcpy(&sym, t->file + t->sym_off + i * sizeof(sym), sizeof(sym));
    return sym;
}

/* The symbol's name, or NULL when st_name is outside the string table or not NUL-terminated there. */
static const char *symbols_name(const struct symbols_table *t, const Elf64_Sym *sym)
{
    if (sym->st_name >= t->str_size)
        return NULL;
    const char *s = (const char *)t->file + t->str_off + sym->st_name;
    return memchr(s, '\0', t->str_size - sym->st_name) ? s : NULL;
}

bool symbols_lookup(const uint8_t *file, size_t size, uint64_t addr, char *name, size_t namelen,
                    uint64_t *offset)
{
    struct symbols_table t;
    if (!symbols_open(file, size, &t))
        return false;
    for (uint64_t i = 0; i < t.nsyms; i++) {
        Elf64_Sym sym = symbols_at(&t, i);
        unsigned type = ELF64_ST_TYPE(sym.st_info);
        if ((type != STT_FUNC && type != STT_OBJECT) || sym.st_size == 0 || addr < sym.st_value ||
            addr - sym.st_value >= sym.st_size)
            continue;
        const char *s = symbols_name(&t, &sym);
        if (!s || !*s)
            continue;
        snprintf(name, namelen, "%s", s);
        *offset = addr - sym.st_value;
        return true;
    }
    return false;
}

bool symbols_find(const uint8_t *file, size_t size, const char *name, uint64_t *value)
{
    struct symbols_table t;
    if (!symbols_open(file, size, &t))
        return false;
    for (uint64_t i = 0; i < t.nsyms; i++) {
        Elf64_Sym sym = symbols_at(&t, i);
        const char *s = symbols_name(&t, &sym);
        if (s && strcmp(s, name) == 0) {
            *value = sym.st_value;
            return true;
        }
    }
    return false;
}
