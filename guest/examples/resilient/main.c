/* main.c: resilient, a fault-injection target that checks every status and recovers: it creates a VMO,
 * writes a record into it and reads it back, retrying a call that fails with a status worth retrying,
 * and reports what it did. docs/faults.md walks through it with resilient/retry.lua.
 */
#include <stdio.h>
#include <string.h>
#include <zircon/process.h>
#include <zircon/status.h>
#include <zircon/syscalls.h>

#define ATTEMPTS 3
#define VMO_SIZE 4096

static int retries;

/* Whether a failed call is worth trying again: transient shortages, not mistakes. */
static int transient(zx_status_t s)
{
    return s == ZX_ERR_NO_MEMORY || s == ZX_ERR_NO_RESOURCES || s == ZX_ERR_SHOULD_WAIT;
}

/* Runs `call` until it succeeds, fails for good, or ATTEMPTS are used; prints each failure. */
#define RETRY(name, call)                                                                                    \
    ({                                                                                                       \
        zx_status_t s_ = ZX_ERR_INTERNAL;                                                                    \
        for (int try_ = 1; try_ <= ATTEMPTS; try_++) {                                                       \
            s_ = (call);                                                                                     \
            if (s_ == ZX_OK || !transient(s_))                                                               \
                break;                                                                                       \
            printf("%s: %s, attempt %d of %d\n", name, zx_status_get_string(s_), try_, ATTEMPTS);            \
            retries++;                                                                                       \
        }                                                                                                    \
        s_;                                                                                                  \
    })

int main(void)
{
    const char record[] = "resilient record";
    char back[sizeof(record)] = "";
    zx_handle_t vmo;
    zx_status_t s = RETRY("zx_vmo_create", zx_vmo_create(VMO_SIZE, 0, &vmo));
    if (s == ZX_OK)
        s = RETRY("zx_vmo_write", zx_vmo_write(vmo, record, 0, sizeof(record)));
    if (s == ZX_OK)
        s = RETRY("zx_vmo_read", zx_vmo_read(vmo, back, 0, sizeof(back)));
    if (s != ZX_OK) {
        printf("gave up: %s\n", zx_status_get_string(s));
        return 1;
    }
    if (strcmp(back, record) != 0) {
        printf("read back \"%s\", not the record\n", back);
        return 1;
    }
    printf("stored and read back the record (%d retries)\n", retries);
    return 0;
}
