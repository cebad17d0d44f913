/* zircon/types.h: Zircon's basic types, handle and koid constants, signals, object types and VM options. */
#ifndef ZIRCON_TYPES_H_
#define ZIRCON_TYPES_H_

#include <stddef.h>
#include <stdint.h>
#include <zircon/compiler.h>
#include <zircon/errors.h>
#include <zircon/limits.h>
#include <zircon/rights.h>
#include <zircon/time.h>

__BEGIN_CDECLS

/* Handles: 32-bit values local to a process; valid ones have the fixed bits set. */
typedef uint32_t zx_handle_t;
#define ZX_HANDLE_INVALID         ((zx_handle_t)0)
#define ZX_HANDLE_FIXED_BITS_MASK ((zx_handle_t)0x3)

/* A status: ZX_OK or one of the negative ZX_ERR_* values of <zircon/errors.h>. */
typedef int32_t zx_status_t;

/* Clock ids. */
typedef uint32_t zx_clock_t;
#define ZX_CLOCK_MONOTONIC ((zx_clock_t)0)

/*
 * Signals: the low 24 bits belong to the object, whose type gives them a
 * meaning; the top 8 are free for users. The __ZX_OBJECT_* names are the
 * generic bits the per-type names alias.
 */
typedef uint32_t zx_signals_t;
#define ZX_SIGNAL_NONE     ((zx_signals_t)0u)
#define ZX_USER_SIGNAL_ALL ((zx_signals_t)0xff000000u)

#define __ZX_OBJECT_SIGNAL_ALL    ((zx_signals_t)0x00ffffffu)
#define __ZX_OBJECT_READABLE      ((zx_signals_t)1u << 0)
#define __ZX_OBJECT_WRITABLE      ((zx_signals_t)1u << 1)
#define __ZX_OBJECT_PEER_CLOSED   ((zx_signals_t)1u << 2)
#define __ZX_OBJECT_SIGNALED      ((zx_signals_t)1u << 3)
#define __ZX_OBJECT_SIGNAL_4      ((zx_signals_t)1u << 4)
#define __ZX_OBJECT_SIGNAL_5      ((zx_signals_t)1u << 5)
#define __ZX_OBJECT_HANDLE_CLOSED ((zx_signals_t)1u << 23)

#define ZX_USER_SIGNAL_0 ((zx_signals_t)1u << 24)
#define ZX_USER_SIGNAL_1 ((zx_signals_t)1u << 25)
#define ZX_USER_SIGNAL_2 ((zx_signals_t)1u << 26)
#define ZX_USER_SIGNAL_3 ((zx_signals_t)1u << 27)
#define ZX_USER_SIGNAL_4 ((zx_signals_t)1u << 28)
#define ZX_USER_SIGNAL_5 ((zx_signals_t)1u << 29)
#define ZX_USER_SIGNAL_6 ((zx_signals_t)1u << 30)
#define ZX_USER_SIGNAL_7 ((zx_signals_t)1u << 31)

/* Raised on a wait whose handle was closed while waiting. */
#define ZX_SIGNAL_HANDLE_CLOSED __ZX_OBJECT_HANDLE_CLOSED

/* Tasks (job, process, thread): asserted once the task has terminated. */
#define ZX_TASK_TERMINATED    __ZX_OBJECT_SIGNALED
#define ZX_JOB_TERMINATED     __ZX_OBJECT_SIGNALED
#define ZX_JOB_NO_JOBS        __ZX_OBJECT_SIGNAL_4
#define ZX_JOB_NO_PROCESSES   __ZX_OBJECT_SIGNAL_5
#define ZX_PROCESS_TERMINATED __ZX_OBJECT_SIGNALED
#define ZX_THREAD_TERMINATED  __ZX_OBJECT_SIGNALED
#define ZX_THREAD_RUNNING     __ZX_OBJECT_SIGNAL_4
#define ZX_THREAD_SUSPENDED   __ZX_OBJECT_SIGNAL_5

/* Other objects. */
#define ZX_EVENT_SIGNALED      __ZX_OBJECT_SIGNALED
#define ZX_EVENT_SIGNAL_MASK   (ZX_USER_SIGNAL_ALL | __ZX_OBJECT_SIGNALED)
#define ZX_CHANNEL_READABLE    __ZX_OBJECT_READABLE
#define ZX_CHANNEL_WRITABLE    __ZX_OBJECT_WRITABLE
#define ZX_CHANNEL_PEER_CLOSED __ZX_OBJECT_PEER_CLOSED
#define ZX_TIMER_SIGNALED      __ZX_OBJECT_SIGNALED
#define ZX_VMO_ZERO_CHILDREN   __ZX_OBJECT_SIGNALED

/* Kernel object ids: 63-bit, never reused; ids below ZX_KOID_FIRST are reserved. */
typedef uint64_t zx_koid_t;
#define ZX_KOID_INVALID ((uint64_t)0)
#define ZX_KOID_KERNEL  ((uint64_t)1)
#define ZX_KOID_FIRST   ((uint64_t)1024)

/* Addresses and offsets. */
typedef uintptr_t zx_vaddr_t; /* virtual address in some address space */
typedef uintptr_t zx_paddr_t; /* physical address */
typedef uint64_t zx_off_t;    /* offset into an object */

/* Longest kernel object name (process, thread, VMO), including the terminating NUL. */
#define ZX_MAX_NAME_LEN ((size_t)32u)

/* Object types, as reported by ZX_INFO_HANDLE_BASIC. Values are ABI; gaps are retired types. */
typedef uint32_t zx_obj_type_t;
#define ZX_OBJ_TYPE_NONE          ((zx_obj_type_t)0u)
#define ZX_OBJ_TYPE_PROCESS       ((zx_obj_type_t)1u)
#define ZX_OBJ_TYPE_THREAD        ((zx_obj_type_t)2u)
#define ZX_OBJ_TYPE_VMO           ((zx_obj_type_t)3u)
#define ZX_OBJ_TYPE_CHANNEL       ((zx_obj_type_t)4u)
#define ZX_OBJ_TYPE_EVENT         ((zx_obj_type_t)5u)
#define ZX_OBJ_TYPE_PORT          ((zx_obj_type_t)6u)
#define ZX_OBJ_TYPE_INTERRUPT     ((zx_obj_type_t)9u)
#define ZX_OBJ_TYPE_PCI_DEVICE    ((zx_obj_type_t)11u)
#define ZX_OBJ_TYPE_DEBUGLOG      ((zx_obj_type_t)12u)
#define ZX_OBJ_TYPE_SOCKET        ((zx_obj_type_t)14u)
#define ZX_OBJ_TYPE_RESOURCE      ((zx_obj_type_t)15u)
#define ZX_OBJ_TYPE_EVENTPAIR     ((zx_obj_type_t)16u)
#define ZX_OBJ_TYPE_JOB           ((zx_obj_type_t)17u)
#define ZX_OBJ_TYPE_VMAR          ((zx_obj_type_t)18u)
#define ZX_OBJ_TYPE_FIFO          ((zx_obj_type_t)19u)
#define ZX_OBJ_TYPE_GUEST         ((zx_obj_type_t)20u)
#define ZX_OBJ_TYPE_VCPU          ((zx_obj_type_t)21u)
#define ZX_OBJ_TYPE_TIMER         ((zx_obj_type_t)22u)
#define ZX_OBJ_TYPE_IOMMU         ((zx_obj_type_t)23u)
#define ZX_OBJ_TYPE_BTI           ((zx_obj_type_t)24u)
#define ZX_OBJ_TYPE_PROFILE       ((zx_obj_type_t)25u)
#define ZX_OBJ_TYPE_PMT           ((zx_obj_type_t)26u)
#define ZX_OBJ_TYPE_SUSPEND_TOKEN ((zx_obj_type_t)27u)
#define ZX_OBJ_TYPE_PAGER         ((zx_obj_type_t)28u)
#define ZX_OBJ_TYPE_EXCEPTION     ((zx_obj_type_t)29u)
#define ZX_OBJ_TYPE_CLOCK         ((zx_obj_type_t)30u)
#define ZX_OBJ_TYPE_STREAM        ((zx_obj_type_t)31u)
#define ZX_OBJ_TYPE_MSI           ((zx_obj_type_t)32u)
#define ZX_OBJ_TYPE_LOG           ZX_OBJ_TYPE_DEBUGLOG /* older name */
#define ZX_OBJ_TYPE_UPPER_BOUND   ((zx_obj_type_t)64u) /* the ABI promises fewer types than this */

/* zx_vmo_create() options. */
#define ZX_VMO_RESIZABLE   ((uint32_t)1u << 1)
#define ZX_VMO_DISCARDABLE ((uint32_t)1u << 2)

/* Cache policies for zx_vmo_set_cache_policy(). */
#define ZX_CACHE_POLICY_CACHED          ((uint32_t)0u)
#define ZX_CACHE_POLICY_UNCACHED        ((uint32_t)1u)
#define ZX_CACHE_POLICY_UNCACHED_DEVICE ((uint32_t)2u)
#define ZX_CACHE_POLICY_WRITE_COMBINING ((uint32_t)3u)
#define ZX_CACHE_POLICY_MASK            ((uint32_t)3u)

/* Options of zx_vmar_map(), zx_vmar_protect() and zx_vmar_allocate(). */
typedef uint32_t zx_vm_option_t;
#define ZX_VM_PERM_READ                    ((zx_vm_option_t)(1u << 0))
#define ZX_VM_PERM_WRITE                   ((zx_vm_option_t)(1u << 1))
#define ZX_VM_PERM_EXECUTE                 ((zx_vm_option_t)(1u << 2))
#define ZX_VM_COMPACT                      ((zx_vm_option_t)(1u << 3))
#define ZX_VM_SPECIFIC                     ((zx_vm_option_t)(1u << 4))
#define ZX_VM_SPECIFIC_OVERWRITE           ((zx_vm_option_t)(1u << 5))
#define ZX_VM_CAN_MAP_SPECIFIC             ((zx_vm_option_t)(1u << 6))
#define ZX_VM_CAN_MAP_READ                 ((zx_vm_option_t)(1u << 7))
#define ZX_VM_CAN_MAP_WRITE                ((zx_vm_option_t)(1u << 8))
#define ZX_VM_CAN_MAP_EXECUTE              ((zx_vm_option_t)(1u << 9))
#define ZX_VM_MAP_RANGE                    ((zx_vm_option_t)(1u << 10))
#define ZX_VM_REQUIRE_NON_RESIZABLE        ((zx_vm_option_t)(1u << 11))
#define ZX_VM_ALLOW_FAULTS                 ((zx_vm_option_t)(1u << 12))
#define ZX_VM_OFFSET_IS_UPPER_LIMIT        ((zx_vm_option_t)(1u << 13))
#define ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED ((zx_vm_option_t)(1u << 14))

/* Alignment requests: log2 of the alignment in bits 24..31 (10 = 1 KiB .. 32 = 4 GiB). */
#define ZX_VM_ALIGN_BASE  24
#define ZX_VM_ALIGN_1KB   ((zx_vm_option_t)(10u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_2KB   ((zx_vm_option_t)(11u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_4KB   ((zx_vm_option_t)(12u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_8KB   ((zx_vm_option_t)(13u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_16KB  ((zx_vm_option_t)(14u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_32KB  ((zx_vm_option_t)(15u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_64KB  ((zx_vm_option_t)(16u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_128KB ((zx_vm_option_t)(17u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_256KB ((zx_vm_option_t)(18u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_512KB ((zx_vm_option_t)(19u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_1MB   ((zx_vm_option_t)(20u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_2MB   ((zx_vm_option_t)(21u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_4MB   ((zx_vm_option_t)(22u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_8MB   ((zx_vm_option_t)(23u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_16MB  ((zx_vm_option_t)(24u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_32MB  ((zx_vm_option_t)(25u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_64MB  ((zx_vm_option_t)(26u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_128MB ((zx_vm_option_t)(27u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_256MB ((zx_vm_option_t)(28u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_512MB ((zx_vm_option_t)(29u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_1GB   ((zx_vm_option_t)(30u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_2GB   ((zx_vm_option_t)(31u << ZX_VM_ALIGN_BASE))
#define ZX_VM_ALIGN_4GB   ((zx_vm_option_t)(32u << ZX_VM_ALIGN_BASE))

__END_CDECLS

#endif
