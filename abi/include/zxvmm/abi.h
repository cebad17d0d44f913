/* zxvmm/abi.h: the guest <-> VMM contract of zxvmm ABI v2, used unchanged by both sides. */
#ifndef ZXVMM_ABI_H
#define ZXVMM_ABI_H

#define ZXVMM_ABI_VERSION 2 /* 2: threads, exceptions and debugging (SEMANTICS.md section 7) */

/*
 * I/O ports. The vDSO's `out %eax` is a 4-byte access, which the CPU permits
 * only when the TSS I/O permission bitmap opens all four ports it covers
 * (SDM Vol. 1 §19.5.2): the bitmap opens exactly ZXVMM_PORT_SYSCALL ..
 * ZXVMM_PORT_SYSCALL + 3 to CPL3; any other port raises #GP in the guest. The
 * kernel shim runs at CPL0 and reaches ZXVMM_PORT_EXCEPTION, outside that
 * window, without the bitmap.
 */
#define ZXVMM_PORT_SYSCALL       0xE0 /* `out %eax`: eax holds the syscall number */
#define ZXVMM_PORT_SYSCALL_WIDTH 4
#define ZXVMM_PORT_EXCEPTION     0xE8 /* `out %eax`: rsp -> frame (vector first); eax untouched */

/*
 * Syscall register convention (Zircon's order): number in eax, arguments in
 * rdi, rsi, rdx, r10, r8, r9, then r12 and r13 for a seventh and eighth; the
 * result in rax. Every other register is preserved. The VMM accepts the
 * hypercall only when rip lies inside the vDSO mapping.
 *
 * ZXVMM_SYSCALLS(X) lists every syscall the vDSO exports as
 * X(number, name, argument count). Numbers are stable and never reused.
 */
#define ZXVMM_SYSCALLS(X)                                                                                    \
    X(1, zx_handle_close, 1)                                                                                 \
    X(2, zx_handle_duplicate, 3)                                                                             \
    X(3, zx_handle_replace, 3)                                                                               \
    X(4, zx_object_get_info, 6)                                                                              \
    X(5, zx_object_get_child, 4)                                                                             \
    X(6, zx_object_wait_one, 4)                                                                              \
    X(7, zx_process_exit, 1)                                                                                 \
    X(8, zx_task_kill, 1)                                                                                    \
    X(9, zx_process_read_memory, 5)                                                                          \
    X(10, zx_process_write_memory, 5)                                                                        \
    X(11, zx_vmo_create, 3)                                                                                  \
    X(12, zx_vmo_read, 4)                                                                                    \
    X(13, zx_vmo_write, 4)                                                                                   \
    X(14, zx_vmo_get_size, 2)                                                                                \
    X(15, zx_vmo_set_cache_policy, 2)                                                                        \
    X(16, zx_vmar_map, 7)                                                                                    \
    X(17, zx_vmar_unmap, 3)                                                                                  \
    X(18, zx_vmar_protect, 4)                                                                                \
    X(19, zx_debug_write, 2)                                                                                 \
    X(20, zx_nanosleep, 1)                                                                                   \
    X(21, zx_clock_get_monotonic, 0)                                                                         \
    X(22, zx_deadline_after, 1)                                                                              \
    X(23, zx_system_get_page_size, 0)                                                                        \
    X(24, zx_task_create_exception_channel, 3)                                                               \
    X(25, zx_channel_read, 8)                                                                                \
    X(26, zx_exception_get_thread, 2)                                                                        \
    X(27, zx_exception_get_process, 2)                                                                       \
    X(28, zx_object_get_property, 4)                                                                         \
    X(29, zx_object_set_property, 4)                                                                         \
    X(30, zx_thread_read_state, 4)                                                                           \
    X(31, zx_thread_write_state, 4)                                                                          \
    X(32, zx_task_suspend, 2)                                                                                \
    X(33, zx_task_suspend_token, 2)

#define ZXVMM_SYSCALL_COUNT 34 /* one past the highest number */

/*
 * Guest-virtual layout of every process. The user range is the root VMAR.
 * The vDSO is an ET_EXEC image linked at ZXVMM_VDSO_BASE (below 2 GiB, in
 * reach of the small code model); programs link against it with
 * --just-symbols. The SDK's linker script places programs at
 * ZXVMM_PROGRAM_BASE; the loader accepts any user address that does not
 * collide with the vDSO or the stack.
 */
#define ZXVMM_PAGE_SIZE     0x1000ULL
#define ZXVMM_USER_BASE     0x0000000001000000ULL
#define ZXVMM_USER_END      0x00007ffffefff000ULL /* exclusive */
#define ZXVMM_VDSO_BASE     0x0000000001000000ULL
#define ZXVMM_VDSO_MAX_SIZE 0x0000000000100000ULL
#define ZXVMM_PROGRAM_BASE  0x0000000020000000ULL
#define ZXVMM_STACK_TOP     0x00007ff000000000ULL /* exclusive; a guard page lies below the stack */
#define ZXVMM_STACK_SIZE    0x0000000000040000ULL /* 256 KiB */

/*
 * The kernel shim: a supervisor-only image linked at ZXVMM_SHIM_BASE. Its
 * exception stub for vector v (0..31) starts at
 * ZXVMM_SHIM_BASE + v * ZXVMM_SHIM_VECTOR_STRIDE. Each stub pushes a zero
 * error code when the CPU pushes none, then the vector, and executes
 * `out %eax, $ZXVMM_PORT_EXCEPTION` leaving eax (and every general register
 * but rsp) as the interrupted code had it; at that moment rsp points at a
 * struct zxvmm_exception_frame, whose `vector` names the exception. The VMM
 * never returns into a stub: it resumes the interrupted code by setting the
 * registers (PLATFORM.md).
 */
#define ZXVMM_SHIM_BASE          0xffffffff80000000ULL
#define ZXVMM_SHIM_MAX_SIZE      0x0000000000010000ULL
#define ZXVMM_SHIM_VECTOR_STRIDE 32
#define ZXVMM_SHIM_VECTORS       32

#ifndef __ASSEMBLER__
#include <stdint.h>

struct zxvmm_exception_frame {
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip; /* pushed by the CPU from here on */
    uint64_t cs;
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;
};
_Static_assert(sizeof(struct zxvmm_exception_frame) == 56, "exception frame layout");

/*
 * What a process finds at start: rip = the program's entry point,
 * rdi = the guest-virtual address of a struct zxvmm_boot_info placed at the
 * top of its stack (with the argument strings, argv[] and the device tree
 * blob), rsp 16-byte aligned below it, all other registers zero.
 */
#define ZXVMM_BOOT_MAGIC 0x31544f4f424d5658ULL /* "XVMBOOT1" */

struct zxvmm_boot_info {
    uint64_t magic;       /* ZXVMM_BOOT_MAGIC */
    uint32_t abi_version; /* ZXVMM_ABI_VERSION */
    uint32_t argc;
    uint64_t argv; /* char *argv[argc + 1], NULL-terminated */
    uint64_t fdt;  /* the device tree blob (read-only view for the guest) */
    uint64_t fdt_size;
    uint32_t process_self; /* starting handles; ZX_HANDLE_INVALID where absent */
    uint32_t vmar_root_self;
    uint32_t job_default;
    uint32_t thread_self;
    uint64_t stack_base; /* lowest address of the stack mapping */
    uint64_t stack_size;
};
_Static_assert(sizeof(struct zxvmm_boot_info) == 72, "boot info layout");
#endif

#endif
