/* zircon/process.h: the handles a program received at start, as kept by the guest runtime. */
#ifndef ZIRCON_PROCESS_H_
#define ZIRCON_PROCESS_H_

#include <zircon/types.h>

__BEGIN_CDECLS

/*
 * Accessors implemented by the language runtime (libzxguest), not by the
 * vDSO. Each returns the handle the process was started with, or
 * ZX_HANDLE_INVALID if it received none. Closing the handle makes later
 * calls return a stale value.
 */
zx_handle_t zx_process_self(void);   /* this process */
zx_handle_t zx_vmar_root_self(void); /* this process's root VMAR */
zx_handle_t zx_job_default(void);    /* the job new processes are created in */
zx_handle_t zx_thread_self(void);    /* the calling thread (ZX_DEFAULT_THREAD_RIGHTS) */

__END_CDECLS

#endif
