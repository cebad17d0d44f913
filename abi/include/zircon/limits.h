/* zircon/limits.h: Zircon's page-size constants for the architectures zxvmm's headers support. */
#ifndef ZIRCON_LIMITS_H_
#define ZIRCON_LIMITS_H_

#include <stdint.h>

/* The base page size; programs should prefer zx_system_get_page_size(). */
#define ZX_PAGE_SHIFT ((uint32_t)12u)
#define ZX_PAGE_SIZE  ((uintptr_t)(1u << ZX_PAGE_SHIFT))
#define ZX_PAGE_MASK  (ZX_PAGE_SIZE - 1u)

/* Bounds on what zx_system_get_page_size() may return on this architecture. */
#if defined(__x86_64__) || defined(__i386__)
#define ZX_MIN_PAGE_SHIFT ((uint32_t)12u)
#define ZX_MAX_PAGE_SHIFT ((uint32_t)21u)
#elif defined(__aarch64__)
#define ZX_MIN_PAGE_SHIFT ((uint32_t)12u)
#define ZX_MAX_PAGE_SHIFT ((uint32_t)16u)
#else
#error "zircon/limits.h: unsupported architecture"
#endif

#define ZX_MIN_PAGE_SIZE ((uintptr_t)(1u << ZX_MIN_PAGE_SHIFT))
#define ZX_MAX_PAGE_SIZE ((uintptr_t)(1u << ZX_MAX_PAGE_SHIFT))

#endif
