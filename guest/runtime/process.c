/* process.c: <zircon/process.h>: the handles the process received at start. */
#include <zircon/process.h>

#include "runtime.h"

static zx_handle_t startup_process = ZX_HANDLE_INVALID;
static zx_handle_t startup_vmar_root = ZX_HANDLE_INVALID;
static zx_handle_t startup_job = ZX_HANDLE_INVALID;
static zx_handle_t startup_thread = ZX_HANDLE_INVALID;

void zxguest_set_startup_handles(zx_handle_t process, zx_handle_t vmar_root, zx_handle_t job,
                                 zx_handle_t thread)
{
    startup_process = process;
    startup_vmar_root = vmar_root;
    startup_job = job;
    startup_thread = thread;
}

zx_handle_t zx_thread_self(void)
{
    return startup_thread;
}

zx_handle_t zx_process_self(void)
{
    return startup_process;
}

zx_handle_t zx_vmar_root_self(void)
{
    return startup_vmar_root;
}

zx_handle_t zx_job_default(void)
{
    return startup_job;
}
