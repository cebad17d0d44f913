/* zircon/compiler.h: the few compiler helpers the other Zircon headers of zxvmm rely on. */
#ifndef ZIRCON_COMPILER_H_
#define ZIRCON_COMPILER_H_

/*
 * C linkage for C++ users. Zircon spells these __BEGIN_CDECLS/__END_CDECLS;
 * each is defined only when absent so that a libc that already provides
 * them keeps its own definition.
 */
#ifndef __BEGIN_CDECLS
#ifdef __cplusplus
#define __BEGIN_CDECLS extern "C" {
#define __END_CDECLS   }
#else
#define __BEGIN_CDECLS
#define __END_CDECLS
#endif
#endif

/* Marks a function that never returns to its caller (zx_process_exit). */
#ifndef __NO_RETURN
#define __NO_RETURN __attribute__((__noreturn__))
#endif

/*
 * zxvmm helper, not a Zircon name: a compile-time check that also works
 * under -std=c99 -pedantic (where a bare _Static_assert draws a warning)
 * and in C++.
 */
#ifdef __cplusplus
#define ZXVMM_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define ZXVMM_STATIC_ASSERT(cond, msg) __extension__ _Static_assert(cond, msg)
#endif

#endif
