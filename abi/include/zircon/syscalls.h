/* zircon/syscalls.h: the syscalls of zxvmm ABI v2, declared with Zircon's exact signatures. */
#ifndef ZIRCON_SYSCALLS_H_
#define ZIRCON_SYSCALLS_H_

#include <zircon/syscalls/debug.h>
#include <zircon/syscalls/exception.h>
#include <zircon/syscalls/object.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/*
 * Every function below lives in the vDSO. Unless a comment says otherwise
 * each returns ZX_OK or a negative ZX_ERR_* status; the checks and their
 * order are listed per syscall in docs/syscalls/<name>.md.
 */

/* Handles. */

/* Closes handle; ZX_HANDLE_INVALID is accepted and ignored (ZX_OK), like free(NULL). */
zx_status_t zx_handle_close(zx_handle_t handle);

/* New handle to the same object with rights (a subset, or ZX_RIGHT_SAME_RIGHTS); needs DUPLICATE. */
zx_status_t zx_handle_duplicate(zx_handle_t handle, zx_rights_t rights, zx_handle_t *out);

/* Like duplicate but needs no right, and handle is consumed even when the call fails. */
zx_status_t zx_handle_replace(zx_handle_t handle, zx_rights_t rights, zx_handle_t *out);

/* Objects. */

/* Waits until any of signals is asserted on handle or deadline (monotonic) passes; needs WAIT. */
zx_status_t zx_object_wait_one(zx_handle_t handle, zx_signals_t signals, zx_time_t deadline,
                               zx_signals_t *observed);

/* Copies the record(s) of topic into buffer; actual/avail (may be NULL) count records. */
zx_status_t zx_object_get_info(zx_handle_t handle, uint32_t topic, void *buffer, size_t buffer_size,
                               size_t *actual, size_t *avail);

/* Handle to the child of handle (a job's process, ...) with id koid; needs ENUMERATE. */
zx_status_t zx_object_get_child(zx_handle_t handle, uint64_t koid, zx_rights_t rights, zx_handle_t *out);

/* Tasks. */

/* Ends the calling process with retcode (seen through ZX_INFO_PROCESS); never returns. */
__NO_RETURN void zx_process_exit(int64_t retcode);

/* Kills the task; its return code becomes ZX_TASK_RETCODE_SYSCALL_KILL; needs DESTROY. */
zx_status_t zx_task_kill(zx_handle_t handle);

/* Reads up to buffer_size (1..64 MiB) bytes at vaddr of another process; *actual gets the count. */
zx_status_t zx_process_read_memory(zx_handle_t handle, zx_vaddr_t vaddr, void *buffer, size_t buffer_size,
                                   size_t *actual);

/* Writes up to buffer_size (1..64 MiB) bytes at vaddr of another process; *actual gets the count. */
zx_status_t zx_process_write_memory(zx_handle_t handle, zx_vaddr_t vaddr, const void *buffer,
                                    size_t buffer_size, size_t *actual);

/* Reads (or writes) the property (ZX_PROP_*) of handle; needs GET_PROPERTY (SET_PROPERTY). */
zx_status_t zx_object_get_property(zx_handle_t handle, uint32_t property, void *value, size_t value_size);
zx_status_t zx_object_set_property(zx_handle_t handle, uint32_t property, const void *value,
                                   size_t value_size);

/* Debugging: exceptions, threads, suspension (SEMANTICS.md section 7). */

/* A read-only channel receiving the exceptions of a job, process or thread; options 0 or DEBUGGER. */
zx_status_t zx_task_create_exception_channel(zx_handle_t handle, uint32_t options, zx_handle_t *out);

/* Takes the next message of a channel: its bytes and handles; needs READ. */
zx_status_t zx_channel_read(zx_handle_t handle, uint32_t options, void *bytes, zx_handle_t *handles,
                            uint32_t num_bytes, uint32_t num_handles, uint32_t *actual_bytes,
                            uint32_t *actual_handles);

/* A handle to the thread (process) that raised an exception, with the channel's task rights. */
zx_status_t zx_exception_get_thread(zx_handle_t handle, zx_handle_t *out);
zx_status_t zx_exception_get_process(zx_handle_t handle, zx_handle_t *out);

/* Reads (writes) one register set (ZX_THREAD_STATE_*) of a suspended or excepted thread. */
zx_status_t zx_thread_read_state(zx_handle_t handle, uint32_t kind, void *buffer, size_t buffer_size);
zx_status_t zx_thread_write_state(zx_handle_t handle, uint32_t kind, const void *buffer, size_t buffer_size);

/* Suspends a thread or process until the returned token is closed; needs WRITE. */
zx_status_t zx_task_suspend_token(zx_handle_t handle, zx_handle_t *token);
/* The older name of zx_task_suspend_token. */
zx_status_t zx_task_suspend(zx_handle_t handle, zx_handle_t *token);

/* Virtual memory objects. */

/* Creates a zero-filled VMO of size bytes, rounded up to whole pages. */
zx_status_t zx_vmo_create(uint64_t size, uint32_t options, zx_handle_t *out);

/* Reads exactly buffer_size bytes at offset (note the argument order); needs READ. */
zx_status_t zx_vmo_read(zx_handle_t handle, void *buffer, uint64_t offset, size_t buffer_size);

/* Writes exactly buffer_size bytes at offset (note the argument order); needs WRITE. */
zx_status_t zx_vmo_write(zx_handle_t handle, const void *buffer, uint64_t offset, size_t buffer_size);

/* Stores the VMO's size in bytes (a multiple of the page size) in *size. */
zx_status_t zx_vmo_get_size(zx_handle_t handle, uint64_t *size);

/* Sets the VMO's ZX_CACHE_POLICY_*; only allowed while it has no pages, mappings or children. */
zx_status_t zx_vmo_set_cache_policy(zx_handle_t handle, uint32_t cache_policy);

/* Virtual memory address regions. */

/* Maps len bytes of vmo from vmo_offset into the VMAR; *mapped_addr gets the address. */
zx_status_t zx_vmar_map(zx_handle_t handle, zx_vm_option_t options, size_t vmar_offset, zx_handle_t vmo,
                        uint64_t vmo_offset, size_t len, zx_vaddr_t *mapped_addr);

/* Unmaps [addr, addr + len); addr and len page-aligned, len non-zero. */
zx_status_t zx_vmar_unmap(zx_handle_t handle, zx_vaddr_t addr, size_t len);

/* Changes the ZX_VM_PERM_* of the mappings in [addr, addr + len). */
zx_status_t zx_vmar_protect(zx_handle_t handle, zx_vm_option_t options, zx_vaddr_t addr, size_t len);

/* Miscellany. */

/* Writes to the debug console; Zircon writes at most 256 bytes per call and drops the rest. */
zx_status_t zx_debug_write(const char *buffer, size_t buffer_size);

/* Sleeps until deadline on the monotonic clock; a deadline <= 0 only yields. Always ZX_OK. */
zx_status_t zx_nanosleep(zx_time_t deadline);

/* Nanoseconds on the monotonic clock since boot. Cannot fail. */
zx_time_t zx_clock_get_monotonic(void);

/* The monotonic time nanoseconds from now, saturating at ZX_TIME_INFINITE(_PAST). Cannot fail. */
zx_time_t zx_deadline_after(zx_duration_t nanoseconds);

/* The system's base page size in bytes, a power of two fixed at boot. Cannot fail. */
uint32_t zx_system_get_page_size(void);

__END_CDECLS

#endif
