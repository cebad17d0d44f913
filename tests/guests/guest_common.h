/* guest_common.h: helpers for the object-model test guests: status names, key=value lines, siblings. */
#ifndef ZXVMM_TEST_GUEST_COMMON_H
#define ZXVMM_TEST_GUEST_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/syscalls.h>

#define GUEST_USAGE_RETCODE 2
#define GUEST_MAX_KOIDS     16
#define GUEST_UNMAPPED_ADDR 0x7000000000ULL /* free user address: never mapped by the tests */

/* The statuses the object-model tests expect, by name (the host tests compare names, not numbers). */
#define GUEST_STATUS(name)                                                                                   \
    {                                                                                                        \
        name, #name                                                                                          \
    }
static const struct {
    zx_status_t status;
    const char *name;
} guest_status_names[] = {
    GUEST_STATUS(ZX_OK),
    GUEST_STATUS(ZX_ERR_NOT_SUPPORTED),
    GUEST_STATUS(ZX_ERR_NO_RESOURCES),
    GUEST_STATUS(ZX_ERR_NO_MEMORY),
    GUEST_STATUS(ZX_ERR_INVALID_ARGS),
    GUEST_STATUS(ZX_ERR_BAD_HANDLE),
    GUEST_STATUS(ZX_ERR_WRONG_TYPE),
    GUEST_STATUS(ZX_ERR_BAD_SYSCALL),
    GUEST_STATUS(ZX_ERR_OUT_OF_RANGE),
    GUEST_STATUS(ZX_ERR_BUFFER_TOO_SMALL),
    GUEST_STATUS(ZX_ERR_BAD_STATE),
    GUEST_STATUS(ZX_ERR_TIMED_OUT),
    GUEST_STATUS(ZX_ERR_CANCELED),
    GUEST_STATUS(ZX_ERR_NOT_FOUND),
    GUEST_STATUS(ZX_ERR_ALREADY_EXISTS),
    GUEST_STATUS(ZX_ERR_ACCESS_DENIED),
    GUEST_STATUS(ZX_ERR_SHOULD_WAIT),
    GUEST_STATUS(ZX_ERR_PEER_CLOSED),
    GUEST_STATUS(ZX_ERR_ALREADY_BOUND),
};

/* The ZX_ERR_* name of a status, or NULL for one not in the table. */
static inline const char *guest_status_name(zx_status_t s)
{
    for (size_t i = 0; i < sizeof(guest_status_names) / sizeof(guest_status_names[0]); i++)
        if (guest_status_names[i].status == s)
            return guest_status_names[i].name;
    return NULL;
}

/* Prints "key=NAME" (and the number when the name is not one of the above). */
static inline void guest_put_status(const char *key, zx_status_t s)
{
    const char *name = guest_status_name(s);
    if (name == NULL)
        printf("%s=ZX_ERR_OTHER(%d)\n", key, s);
    else
        printf("%s=%s\n", key, name);
}

/* An address the compiler cannot reason about. */
static inline void *guest_opaque(uint64_t addr)
{
    volatile uint64_t v = addr;
    return (void *)(uintptr_t)v;
}

/* The koid of `handle`'s object, or ZX_KOID_INVALID. */
static inline zx_koid_t guest_koid(zx_handle_t handle)
{
    zx_info_handle_basic_t info;
    if (zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) != ZX_OK)
        return ZX_KOID_INVALID;
    return info.koid;
}

/* The rights of `handle`, or 0. */
static inline zx_rights_t guest_rights(zx_handle_t handle)
{
    zx_info_handle_basic_t info;
    if (zx_object_get_info(handle, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) != ZX_OK)
        return 0;
    return info.rights;
}

/* The koid of the first process in the job that is not the caller, or ZX_KOID_INVALID. */
static inline zx_koid_t guest_sibling_koid(void)
{
    zx_koid_t koids[GUEST_MAX_KOIDS];
    size_t actual = 0;
    if (zx_object_get_info(zx_job_default(), ZX_INFO_JOB_PROCESSES, koids, sizeof(koids), &actual, NULL) !=
        ZX_OK)
        return ZX_KOID_INVALID;
    zx_koid_t self = guest_koid(zx_process_self());
    for (size_t i = 0; i < actual; i++)
        if (koids[i] != self)
            return koids[i];
    return ZX_KOID_INVALID;
}

/* A handle to the first sibling process with the job handle's rights, or ZX_HANDLE_INVALID. */
static inline zx_handle_t guest_sibling(void)
{
    zx_handle_t h = ZX_HANDLE_INVALID;
    zx_koid_t koid = guest_sibling_koid();
    if (koid == ZX_KOID_INVALID ||
        zx_object_get_child(zx_job_default(), koid, ZX_RIGHT_SAME_RIGHTS, &h) != ZX_OK)
        return ZX_HANDLE_INVALID;
    return h;
}

/* Defines the function of case `name`. */
#define GUEST_CASE(name) static void case_##name(char **args __attribute__((unused)))

/* One named case of a test guest; `args` are the words after the case name, NULL-terminated. */
struct guest_case {
    const char *name;
    void (*run)(char **args);
};

/* Runs the case named `name` from a table ending in {NULL}; returns 0, or GUEST_USAGE_RETCODE if unknown. */
static inline int guest_run_case(const struct guest_case *cases, const char *name, char **args)
{
    for (const struct guest_case *c = cases; c->name; c++) {
        if (strcmp(c->name, name) == 0) {
            c->run(args);
            return 0;
        }
    }
    printf("unknown case %s\n", name);
    return GUEST_USAGE_RETCODE;
}

#endif
