/* symbols.h: a program's ELF symbol table, for naming code addresses in crash reports (name+0xOFF). */
#ifndef ZXVMM_BOOT_SYMBOLS_H
#define ZXVMM_BOOT_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Finds the function or object symbol of the ELF64 `file` (`size` bytes) that
 * contains `addr`: value <= addr < value + size (symbols of size 0, such as
 * assembly labels, are not used). Writes its name (cut to fit) to `name` and
 * addr - value to *offset. Returns false when the file has no symbol table
 * (stripped) or no symbol contains addr. Every offset and index is checked
 * against `size`: a hostile file gives false, never a read outside it.
 */
bool symbols_lookup(const uint8_t *file, size_t size, uint64_t addr, char *name, size_t namelen,
                    uint64_t *offset);

/* The value of the symbol named `name`; false when there is none. (For tests and tools.) */
bool symbols_find(const uint8_t *file, size_t size, const char *name, uint64_t *value);

#endif
