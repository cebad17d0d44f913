/* zircon/errors.h: every zx_status_t value Zircon defines, with Zircon's numbers. */
#ifndef ZIRCON_ERRORS_H_
#define ZIRCON_ERRORS_H_

/* Success. Every failure is negative; positive values are never returned. */
#define ZX_OK (0)

/* Failures inside the system itself. */
#define ZX_ERR_INTERNAL            (-1) /* an unspecified internal failure */
#define ZX_ERR_NOT_SUPPORTED       (-2) /* not implemented, not supported or not enabled */
#define ZX_ERR_NO_RESOURCES        (-3) /* some non-memory resource ran out */
#define ZX_ERR_NO_MEMORY           (-4) /* memory ran out, or (2021-2023 kernel) nothing is mapped there */
/* -5 is retired (it was ZX_ERR_CALL_FAILED) and never reused. */
#define ZX_ERR_INTERNAL_INTR_RETRY (-6) /* interrupted; the vDSO retries, callers never see it */

/* The arguments are wrong. */
#define ZX_ERR_INVALID_ARGS     (-10) /* a bad pointer, option, size or combination */
#define ZX_ERR_BAD_HANDLE       (-11) /* the value names no handle of the caller */
#define ZX_ERR_WRONG_TYPE       (-12) /* the handle's object is of the wrong kind */
#define ZX_ERR_BAD_SYSCALL      (-13) /* no syscall has that number */
#define ZX_ERR_OUT_OF_RANGE     (-14) /* an argument lies outside the permitted range */
#define ZX_ERR_BUFFER_TOO_SMALL (-15) /* the caller's buffer cannot hold the answer */

/* The state of an object forbids the operation. */
#define ZX_ERR_BAD_STATE      (-20) /* the object's state does not allow it now */
#define ZX_ERR_TIMED_OUT      (-21) /* the deadline passed first */
#define ZX_ERR_SHOULD_WAIT    (-22) /* would succeed later; wait for a signal and retry */
#define ZX_ERR_CANCELED       (-23) /* an operation in progress (a wait) was cancelled */
#define ZX_ERR_PEER_CLOSED    (-24) /* the other end is gone */
#define ZX_ERR_NOT_FOUND      (-25) /* no such entity */
#define ZX_ERR_ALREADY_EXISTS (-26) /* an entity with that identity exists */
#define ZX_ERR_ALREADY_BOUND  (-27) /* the entity is owned by someone else for now */
#define ZX_ERR_UNAVAILABLE    (-28) /* the subject cannot do it now; retry later */

/* Permissions. */
#define ZX_ERR_ACCESS_DENIED (-30) /* the handle or caller lacks a needed right */

/* Input and output. */
#define ZX_ERR_IO                 (-40) /* an unspecified I/O failure */
#define ZX_ERR_IO_REFUSED         (-41) /* the device refused the request */
#define ZX_ERR_IO_DATA_INTEGRITY  (-42) /* the data failed an integrity check */
#define ZX_ERR_IO_DATA_LOSS       (-43) /* the data is unavailable, maybe for good */
#define ZX_ERR_IO_NOT_PRESENT     (-44) /* the device has gone away */
#define ZX_ERR_IO_OVERRUN         (-45) /* the device sent more than expected */
#define ZX_ERR_IO_MISSED_DEADLINE (-46) /* the transfer did not finish in time */
#define ZX_ERR_IO_INVALID         (-47) /* the device judged the data invalid */

/* File systems. */
#define ZX_ERR_BAD_PATH  (-50) /* the path is too long */
#define ZX_ERR_NOT_DIR   (-51) /* not a directory */
#define ZX_ERR_NOT_FILE  (-52) /* not a regular file */
#define ZX_ERR_FILE_BIG  (-53) /* a file-system size limit would be exceeded */
#define ZX_ERR_NO_SPACE  (-54) /* the file system or device is full */
#define ZX_ERR_NOT_EMPTY (-55) /* the directory is not empty */

/* Flow control for callbacks; no syscall returns these. */
#define ZX_ERR_STOP  (-60) /* do not call again */
#define ZX_ERR_NEXT  (-61) /* move on to the next item */
#define ZX_ERR_ASYNC (-62) /* an asynchronous worker now owns the item */

/* Networking. */
#define ZX_ERR_PROTOCOL_NOT_SUPPORTED (-70)
#define ZX_ERR_ADDRESS_UNREACHABLE    (-71)
#define ZX_ERR_ADDRESS_IN_USE         (-72)
#define ZX_ERR_NOT_CONNECTED          (-73)
#define ZX_ERR_CONNECTION_REFUSED     (-74)
#define ZX_ERR_CONNECTION_RESET       (-75)
#define ZX_ERR_CONNECTION_ABORTED     (-76)

/* Private between the kernel and the vDSO: the task was killed mid-call. */
#define ZX_ERR_INTERNAL_INTR_KILLED (-502)

#endif
