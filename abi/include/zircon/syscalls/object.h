/* zircon/syscalls/object.h: zx_object_get_info() topics and records, and the return codes of killed tasks. */
#ifndef ZIRCON_SYSCALLS_OBJECT_H_
#define ZIRCON_SYSCALLS_OBJECT_H_

#include <zircon/types.h>

__BEGIN_CDECLS

/*
 * Topics of zx_object_get_info(). A topic whose record changed layout
 * carries a version in its top 4 bits (version 0 is the original), built
 * with __ZX_INFO_TOPIC; the record type each topic fills follows it.
 */
typedef uint32_t zx_object_info_topic_t;
#define __ZX_INFO_TOPIC(t, v) ((zx_object_info_topic_t)((t) | ((v) << 28)))

#define ZX_INFO_NONE                    ((zx_object_info_topic_t)0u)
#define ZX_INFO_HANDLE_VALID            ((zx_object_info_topic_t)1u)
#define ZX_INFO_HANDLE_BASIC            ((zx_object_info_topic_t)2u)  /* zx_info_handle_basic_t[1] */
#define ZX_INFO_PROCESS                 __ZX_INFO_TOPIC(3u, 1u)       /* zx_info_process_t[1] */
#define ZX_INFO_PROCESS_THREADS         ((zx_object_info_topic_t)4u)  /* zx_koid_t[n] */
#define ZX_INFO_VMAR                    ((zx_object_info_topic_t)7u)  /* zx_info_vmar_t[1] */
#define ZX_INFO_JOB_CHILDREN            ((zx_object_info_topic_t)8u)  /* zx_koid_t[n] */
#define ZX_INFO_JOB_PROCESSES           ((zx_object_info_topic_t)9u)  /* zx_koid_t[n] */
#define ZX_INFO_THREAD                  ((zx_object_info_topic_t)10u) /* zx_info_thread_t[1] */
#define ZX_INFO_THREAD_EXCEPTION_REPORT ((zx_object_info_topic_t)11u) /* zx_exception_report_t[1] */
#define ZX_INFO_TASK_STATS              ((zx_object_info_topic_t)12u)
#define ZX_INFO_PROCESS_MAPS            ((zx_object_info_topic_t)13u) /* zx_info_maps_t[n] */
#define ZX_INFO_THREAD_STATS            ((zx_object_info_topic_t)15u)
#define ZX_INFO_HANDLE_COUNT            ((zx_object_info_topic_t)19u)
#define ZX_INFO_JOB                     ((zx_object_info_topic_t)24u)

/* The return code a task gets when something other than itself ends it. */
#define ZX_TASK_RETCODE_SYSCALL_KILL          ((int64_t)-1024) /* zx_task_kill() */
#define ZX_TASK_RETCODE_OOM_KILL              ((int64_t)-1025) /* the out-of-memory killer */
#define ZX_TASK_RETCODE_POLICY_KILL           ((int64_t)-1026) /* a job policy */
#define ZX_TASK_RETCODE_VDSO_KILL             ((int64_t)-1027) /* the vDSO */
#define ZX_TASK_RETCODE_EXCEPTION_KILL        ((int64_t)-1028) /* an unhandled exception */
#define ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL ((int64_t)-1029) /* a critical process died */

/* ZX_INFO_HANDLE_BASIC: what a handle refers to and what it may do. */
typedef struct zx_info_handle_basic {
    zx_koid_t koid;         /* the object's id */
    zx_rights_t rights;     /* the handle's rights */
    zx_obj_type_t type;     /* ZX_OBJ_TYPE_* */
    zx_koid_t related_koid; /* a related object (parent job of a process, ...) or ZX_KOID_INVALID */
    uint32_t reserved;
    uint8_t padding1[4];
} zx_info_handle_basic_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_info_handle_basic_t) == 32, "zx_info_handle_basic_t layout");

/* Bits of zx_info_process_t.flags. */
#define ZX_INFO_PROCESS_FLAG_STARTED           (1u << 0) /* start_time is valid */
#define ZX_INFO_PROCESS_FLAG_EXITED            (1u << 1) /* return_code is valid */
#define ZX_INFO_PROCESS_FLAG_DEBUGGER_ATTACHED (1u << 2)

/* ZX_INFO_PROCESS (version 1, the current record). */
typedef struct zx_info_process {
    int64_t return_code;  /* valid once EXITED is set; a ZX_TASK_RETCODE_* value if killed */
    zx_time_t start_time; /* monotonic time the process was started; valid once STARTED is set */
    uint32_t flags;       /* ZX_INFO_PROCESS_FLAG_* */
    uint8_t padding1[4];
} zx_info_process_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_info_process_t) == 24, "zx_info_process_t layout");

/* ZX_INFO_VMAR: the range a VMAR covers. */
typedef struct zx_info_vmar {
    uintptr_t base; /* lowest address of the region */
    size_t len;     /* length in bytes */
} zx_info_vmar_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_info_vmar_t) == 16, "zx_info_vmar_t layout");

/* ZX_INFO_PROCESS_MAPS: one mapping, or one range of a mapping with its own protection. */
typedef struct zx_info_maps_mapping {
    zx_vm_option_t mmu_flags; /* ZX_VM_PERM_READ | _WRITE | _EXECUTE as the range is mapped now */
    uint8_t padding1[4];
    zx_koid_t vmo_koid;     /* the mapped VMO */
    uint64_t vmo_offset;    /* offset of `base` in the VMO */
    size_t committed_pages; /* pages of the range backed by memory */
} zx_info_maps_mapping_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_info_maps_mapping_t) == 32, "zx_info_maps_mapping_t layout");

/* zx_info_maps_t.type: what an entry describes (not object types). */
typedef uint32_t zx_info_maps_type_t;
#define ZX_INFO_MAPS_TYPE_NONE    ((zx_info_maps_type_t)0u)
#define ZX_INFO_MAPS_TYPE_ASPACE  ((zx_info_maps_type_t)1u)
#define ZX_INFO_MAPS_TYPE_VMAR    ((zx_info_maps_type_t)2u)
#define ZX_INFO_MAPS_TYPE_MAPPING ((zx_info_maps_type_t)3u)

/* ZX_INFO_PROCESS_MAPS: one node of the address space / VMAR / mapping tree, in depth-first pre-order. */
typedef struct zx_info_maps {
    char name[ZX_MAX_NAME_LEN]; /* the node's name, or empty */
    zx_vaddr_t base;            /* lowest address */
    size_t size;                /* bytes */
    size_t depth;               /* 0 for the address space, 1 for the root VMAR, ... */
    zx_info_maps_type_t type;   /* which member of u is valid */
    uint8_t padding1[4];
    union {
        zx_info_maps_mapping_t mapping; /* ZX_INFO_MAPS_TYPE_MAPPING */
    } u;
} zx_info_maps_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_info_maps_t) == 96, "zx_info_maps_t layout");

/* ZX_INFO_THREAD: zx_info_thread_t.state; ZX_THREAD_STATE_BASIC() strips the blocking reason. */
#define ZX_THREAD_STATE_NEW               ((uint32_t)0x0000u)
#define ZX_THREAD_STATE_RUNNING           ((uint32_t)0x0001u)
#define ZX_THREAD_STATE_SUSPENDED         ((uint32_t)0x0002u)
#define ZX_THREAD_STATE_BLOCKED           ((uint32_t)0x0003u)
#define ZX_THREAD_STATE_DYING             ((uint32_t)0x0004u)
#define ZX_THREAD_STATE_DEAD              ((uint32_t)0x0005u)
#define ZX_THREAD_STATE_BLOCKED_EXCEPTION ((uint32_t)0x0103u)
#define ZX_THREAD_STATE_BLOCKED_SLEEPING  ((uint32_t)0x0203u)
#define ZX_THREAD_STATE_BLOCKED_FUTEX     ((uint32_t)0x0303u)
#define ZX_THREAD_STATE_BLOCKED_PORT      ((uint32_t)0x0403u)
#define ZX_THREAD_STATE_BLOCKED_CHANNEL   ((uint32_t)0x0503u)
#define ZX_THREAD_STATE_BLOCKED_WAIT_ONE  ((uint32_t)0x0603u)
#define ZX_THREAD_STATE_BLOCKED_WAIT_MANY ((uint32_t)0x0703u)
#define ZX_THREAD_STATE_BLOCKED_INTERRUPT ((uint32_t)0x0803u)
#define ZX_THREAD_STATE_BLOCKED_PAGER     ((uint32_t)0x0903u)
#define ZX_THREAD_STATE_BASIC(n)          ((n)&0xff)

#define ZX_CPU_SET_MAX_CPUS      512
#define ZX_CPU_SET_BITS_PER_WORD 64
typedef struct zx_cpu_set {
    uint64_t mask[ZX_CPU_SET_MAX_CPUS / ZX_CPU_SET_BITS_PER_WORD];
} zx_cpu_set_t;

/* ZX_INFO_THREAD. */
typedef struct zx_info_thread {
    uint32_t state;                       /* ZX_THREAD_STATE_* */
    uint32_t wait_exception_channel_type; /* ZX_EXCEPTION_CHANNEL_TYPE_*, while BLOCKED_EXCEPTION */
    zx_cpu_set_t cpu_affinity_mask;       /* zxvmm: the one CPU its vCPU is, bit 0 */
} zx_info_thread_t;
ZXVMM_STATIC_ASSERT(sizeof(zx_info_thread_t) == 72, "zx_info_thread_t layout");

/* Properties of zx_object_get_property() and zx_object_set_property(). */
#define ZX_PROP_NAME               ((uint32_t)3u)  /* char[ZX_MAX_NAME_LEN]: processes and threads */
#define ZX_PROP_EXCEPTION_STATE    ((uint32_t)16u) /* uint32_t: ZX_EXCEPTION_STATE_* */
#define ZX_PROP_EXCEPTION_STRATEGY ((uint32_t)17u) /* uint32_t: ZX_EXCEPTION_STRATEGY_* */

/* ZX_PROP_EXCEPTION_STATE: what closing the last exception handle does. */
#define ZX_EXCEPTION_STATE_TRY_NEXT    ((uint32_t)0u) /* pass it to the next handler */
#define ZX_EXCEPTION_STATE_HANDLED     ((uint32_t)1u) /* resume the thread */
#define ZX_EXCEPTION_STATE_THREAD_EXIT ((uint32_t)2u) /* end the thread (zxvmm: its process) */

/* ZX_PROP_EXCEPTION_STRATEGY: when a process debugger sees an exception. */
#define ZX_EXCEPTION_STRATEGY_FIRST_CHANCE  ((uint32_t)0u) /* before the thread and process handlers */
#define ZX_EXCEPTION_STRATEGY_SECOND_CHANCE ((uint32_t)1u) /* also after the process handler */

__END_CDECLS

#endif
