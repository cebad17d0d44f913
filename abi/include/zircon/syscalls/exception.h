/* zircon/syscalls/exception.h: exception types, the records exception channels carry, channel options. */
#ifndef ZIRCON_SYSCALLS_EXCEPTION_H_
#define ZIRCON_SYSCALLS_EXCEPTION_H_

#include <zircon/compiler.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/* Architectural exceptions (x86-64 vectors map onto these; see docs/debugging.md). */
#define ZX_EXCP_GENERAL               ((uint32_t)0x008u)
#define ZX_EXCP_FATAL_PAGE_FAULT      ((uint32_t)0x108u)
#define ZX_EXCP_UNDEFINED_INSTRUCTION ((uint32_t)0x208u)
#define ZX_EXCP_SW_BREAKPOINT         ((uint32_t)0x308u)
#define ZX_EXCP_HW_BREAKPOINT         ((uint32_t)0x408u)
#define ZX_EXCP_UNALIGNED_ACCESS      ((uint32_t)0x508u)

/* Synthetic exceptions carry this bit. */
#define ZX_EXCP_SYNTH ((uint32_t)0x8000u)

/* Sent to a process debugger channel only: a thread is about to run its first instruction. */
#define ZX_EXCP_THREAD_STARTING  ((uint32_t)0x008u | ZX_EXCP_SYNTH)
/* Sent to a process debugger channel only: a thread is exiting; its state can still be read. */
#define ZX_EXCP_THREAD_EXITING   ((uint32_t)0x108u | ZX_EXCP_SYNTH)
/* A syscall broke a policy (in zxvmm: a syscall entered from outside the vDSO). */
#define ZX_EXCP_POLICY_ERROR     ((uint32_t)0x208u | ZX_EXCP_SYNTH)
/* Sent to a job debugger channel only: a process is starting. */
#define ZX_EXCP_PROCESS_STARTING ((uint32_t)0x308u | ZX_EXCP_SYNTH)

typedef uint32_t zx_excp_type_t;

/* zx_exception_context_t.synth_code of a ZX_EXCP_POLICY_ERROR: which policy was broken. */
typedef uint32_t zx_excp_policy_code_t;
#define ZX_EXCP_POLICY_CODE_BAD_HANDLE              ((zx_excp_policy_code_t)0u)
#define ZX_EXCP_POLICY_CODE_WRONG_OBJECT            ((zx_excp_policy_code_t)1u)
#define ZX_EXCP_POLICY_CODE_VMAR_WX                 ((zx_excp_policy_code_t)2u)
#define ZX_EXCP_POLICY_CODE_NEW_ANY                 ((zx_excp_policy_code_t)3u)
#define ZX_EXCP_POLICY_CODE_NEW_VMO                 ((zx_excp_policy_code_t)4u)
#define ZX_EXCP_POLICY_CODE_NEW_CHANNEL             ((zx_excp_policy_code_t)5u)
#define ZX_EXCP_POLICY_CODE_NEW_EVENT               ((zx_excp_policy_code_t)6u)
#define ZX_EXCP_POLICY_CODE_NEW_EVENTPAIR           ((zx_excp_policy_code_t)7u)
#define ZX_EXCP_POLICY_CODE_NEW_PORT                ((zx_excp_policy_code_t)8u)
#define ZX_EXCP_POLICY_CODE_NEW_SOCKET              ((zx_excp_policy_code_t)9u)
#define ZX_EXCP_POLICY_CODE_NEW_FIFO                ((zx_excp_policy_code_t)10u)
#define ZX_EXCP_POLICY_CODE_NEW_TIMER               ((zx_excp_policy_code_t)11u)
#define ZX_EXCP_POLICY_CODE_NEW_PROCESS             ((zx_excp_policy_code_t)12u)
#define ZX_EXCP_POLICY_CODE_NEW_PROFILE             ((zx_excp_policy_code_t)13u)
#define ZX_EXCP_POLICY_CODE_NEW_PAGER               ((zx_excp_policy_code_t)14u)
#define ZX_EXCP_POLICY_CODE_AMBIENT_MARK_VMO_EXEC   ((zx_excp_policy_code_t)15u)
#define ZX_EXCP_POLICY_CODE_CHANNEL_FULL_WRITE      ((zx_excp_policy_code_t)16u)
#define ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_PACKETS   ((zx_excp_policy_code_t)17u)
#define ZX_EXCP_POLICY_CODE_BAD_SYSCALL             ((zx_excp_policy_code_t)18u) /* synth_data: the number */
#define ZX_EXCP_POLICY_CODE_PORT_TOO_MANY_OBSERVERS ((zx_excp_policy_code_t)19u)

/* True for an architectural (not synthetic) exception type. */
#define ZX_EXCP_IS_ARCH(excp) (((excp)&ZX_EXCP_SYNTH) == 0)

typedef struct zx_x86_64_exc_data {
    uint64_t vector;
    uint64_t err_code;
    uint64_t cr2;
} zx_x86_64_exc_data_t;

typedef struct zx_arm64_exc_data {
    uint32_t esr;
    uint8_t padding1[4];
    uint64_t far;
} zx_arm64_exc_data_t;

/* What the CPU said about an exception (registers are read with zx_thread_read_state). */
typedef struct zx_exception_context {
    struct {
        union {
            zx_x86_64_exc_data_t x86_64;
            struct {
                zx_arm64_exc_data_t arm_64;
                uint8_t padding1[8];
            };
        } u;
    } arch;
    uint32_t synth_code; /* a more precise cause: ZX_EXCP_POLICY_CODE_* or, for a page fault, a zx_status_t */
    uint32_t synth_data; /* with ZX_EXCP_POLICY_CODE_BAD_SYSCALL: the syscall number */
} zx_exception_context_t;

typedef struct zx_exception_header {
    uint32_t size; /* of the whole report, this field included */
    zx_excp_type_t type;
} zx_exception_header_t;

/* ZX_INFO_THREAD_EXCEPTION_REPORT. */
typedef struct zx_exception_report {
    zx_exception_header_t header;
    zx_exception_context_t context;
} zx_exception_report_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_exception_report_t) == 40, "zx_exception_report_t layout");

/* The bytes of every exception channel message (one exception handle comes with it). */
typedef struct zx_exception_info {
    zx_koid_t pid;
    zx_koid_t tid;
    zx_excp_type_t type;
    uint8_t padding1[4];
} zx_exception_info_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_exception_info_t) == 24, "zx_exception_info_t layout");

/* Options of zx_task_create_exception_channel(). */
#define ZX_EXCEPTION_CHANNEL_DEBUGGER ((uint32_t)1)

/* zx_info_thread_t.wait_exception_channel_type: the handler a thread waits on. */
#define ZX_EXCEPTION_CHANNEL_TYPE_NONE         ((uint32_t)0u)
#define ZX_EXCEPTION_CHANNEL_TYPE_DEBUGGER     ((uint32_t)1u)
#define ZX_EXCEPTION_CHANNEL_TYPE_THREAD       ((uint32_t)2u)
#define ZX_EXCEPTION_CHANNEL_TYPE_PROCESS      ((uint32_t)3u)
#define ZX_EXCEPTION_CHANNEL_TYPE_JOB          ((uint32_t)4u)
#define ZX_EXCEPTION_CHANNEL_TYPE_JOB_DEBUGGER ((uint32_t)5u)

__END_CDECLS

#endif
