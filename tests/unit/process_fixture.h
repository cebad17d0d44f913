/* process_fixture.h: a process built without KVM, for unit tests that call its syscall handlers directly. */
#ifndef ZXVMM_TESTS_PROCESS_FIXTURE_H
#define ZXVMM_TESTS_PROCESS_FIXTURE_H

#include <pthread.h>

#include <zircon/types.h>

#include "boot/options.h"
#include "mem/mem.h"
#include "object/object.h"
#include "object/process.h"
#include "syscall/syscall.h"

struct process_fixture {
    struct guest_ram ram;
    struct frame_alloc frames;
    struct aspace_env env;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct objects objects;
    struct syscall_env sys; /* what a handler called for `proc` gets */
    struct process proc;    /* running, with an empty root VMAR */
    zx_handle_t self;       /* the process itself, with ZX_DEFAULT_PROCESS_RIGHTS */
};

/* Builds the process and all it stands on: 32 MiB of RAM, a handle table with room for 16 handles, syscalls
 * under the boot options `boot` (which must outlive the fixture). */
void process_fixture_setup(struct process_fixture *f, const struct boot_options *boot);

/* Takes it all down again; VMOs still mapped or held by a handle lose that reference. */
void process_fixture_teardown(struct process_fixture *f);

#endif
