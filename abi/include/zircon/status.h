/* status.h: zx_status_get_string, as Zircon's <zircon/status.h>. */
#ifndef ZIRCON_STATUS_H_
#define ZIRCON_STATUS_H_

#include <zircon/compiler.h>
#include <zircon/types.h>

__BEGIN_CDECLS

/*
 * The name of `status` as a static string: "ZX_OK", "ZX_ERR_NOT_SUPPORTED",
 * ...; "(UNKNOWN)" for a value <zircon/errors.h> does not define. (In
 * Fuchsia it lives in the vDSO; zxvmm's libzxguest implements it, so it is
 * not a syscall and never enters the VMM.)
 */
const char *zx_status_get_string(zx_status_t status);

__END_CDECLS

#endif
