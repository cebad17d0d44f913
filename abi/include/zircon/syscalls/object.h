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

#define ZX_INFO_NONE            ((zx_object_info_topic_t)0u)
#define ZX_INFO_HANDLE_VALID    ((zx_object_info_topic_t)1u)
#define ZX_INFO_HANDLE_BASIC    ((zx_object_info_topic_t)2u) /* zx_info_handle_basic_t[1] */
#define ZX_INFO_PROCESS         __ZX_INFO_TOPIC(3u, 1u)      /* zx_info_process_t[1] */
#define ZX_INFO_PROCESS_THREADS ((zx_object_info_topic_t)4u) /* zx_koid_t[n] */
#define ZX_INFO_VMAR            ((zx_object_info_topic_t)7u) /* zx_info_vmar_t[1] */
#define ZX_INFO_JOB_CHILDREN    ((zx_object_info_topic_t)8u) /* zx_koid_t[n] */
#define ZX_INFO_JOB_PROCESSES   ((zx_object_info_topic_t)9u) /* zx_koid_t[n] */
#define ZX_INFO_THREAD          ((zx_object_info_topic_t)10u)
#define ZX_INFO_TASK_STATS      ((zx_object_info_topic_t)12u)
#define ZX_INFO_THREAD_STATS    ((zx_object_info_topic_t)15u)
#define ZX_INFO_HANDLE_COUNT    ((zx_object_info_topic_t)19u)
#define ZX_INFO_JOB             ((zx_object_info_topic_t)24u)

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

__END_CDECLS

#endif
