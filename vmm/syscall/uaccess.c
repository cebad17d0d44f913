/* uaccess.c: checked copies between the VMM and a caller's user memory. */
#include "syscall/uaccess.h"

#include <string.h>

#include <zircon/errors.h>

/* Walks [va, va + len) extent by extent; calls `fn` for each physically contiguous piece when non-NULL. */
typedef void (*uaccess_piece_fn)(void *host, size_t off, size_t len, void *arg);

static zx_status_t for_each_piece(const struct pt_walk_ctx *w, uint64_t va, size_t len, bool write,
                                  uaccess_piece_fn fn, void *arg)
{
    if (len == 0)
        return ZX_OK;
    if (va + len < va)
        return ZX_ERR_INVALID_ARGS;
    size_t done = 0;
    while (done < len) {
        struct pt_walk_result r;
        uint64_t n;
        if (pt_walk_extent(w, gva(va + done), len - done, &r, &n) != 0 || !r.user || (write && !r.writable))
            return ZX_ERR_INVALID_ARGS;
        void *host = mem_ptr(w->ram, r.pa, n);
        if (!host)
            return ZX_ERR_INVALID_ARGS;
        if (fn)
            fn(host, done, n, arg);
        done += n;
    }
    return ZX_OK;
}

zx_status_t uaccess_check(const struct pt_walk_ctx *w, uint64_t va, size_t len, bool write)
{
    return for_each_piece(w, va, len, write, NULL, NULL);
}

static void piece_in(void *host, size_t off, size_t len, void *arg)
{
    memcpy((char *)arg + off, host, len);
}

static void piece_out(void *host, size_t off, size_t len, void *arg)
{
    memcpy(host, (const char *)arg + off, len);
}

zx_status_t uaccess_copy_in(const struct pt_walk_ctx *w, void *dst, uint64_t va, size_t len)
{
    zx_status_t st = uaccess_check(w, va, len, false);
    if (st != ZX_OK)
        return st;
    return for_each_piece(w, va, len, false, piece_in, dst);
}

zx_status_t uaccess_copy_out(const struct pt_walk_ctx *w, uint64_t va, const void *src, size_t len)
{
    zx_status_t st = uaccess_check(w, va, len, true);
    if (st != ZX_OK)
        return st;
    return for_each_piece(w, va, len, true, piece_out, (void *)src);
}
