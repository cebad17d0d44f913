/* trace.c: the JSON Lines trace writer: the strace of zxvmm. */
#include "trace/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscall/names.h"
#include "syscall/uaccess.h"
#include "vm/vcpu.h"
#include "x86_64/cpu.h"

/*
 * Rows are formatted by hand into `buf` (no stdio on the hot path) and
 * written with write(2) in whole rows: when the next row would not fit, when
 * TRACE_FLUSH_NS of trace time passed since the last write, and at close. So
 * a VMM killed or crashed mid-run leaves every row up to the last write
 * whole, and none cut.
 */
#define TRACE_BUF_SIZE   (64 * 1024)
#define TRACE_FLUSH_NS   1000000000ULL /* at most a second of rows held back */
#define TRACE_ROW_MAX    4096          /* a row longer than this (long names) is written on its own */
#define TRACE_POLL_MS    10            /* a pipe that takes no bytes is polled in slices, to see a stop */
#define TRACE_STALL_NS   100000000ULL  /* once stopping, a pipe that took nothing for this long is given up */
#define TRACE_STALL_TEXT "100 ms"      /* TRACE_STALL_NS, for the message */

struct trace {
    int fd;
    pthread_mutex_t lock; /* one row at a time, whichever vCPU reports it */
    int error;            /* the first write error (errno), 0 while none */
    uint64_t flushed_ns;  /* t_ns of the row that triggered the last write */
    size_t len;           /* bytes in buf */
    char *row;            /* the row being formatted (TRACE_ROW_MAX, grown as needed) */
    size_t row_len, row_cap;
    char buf[TRACE_BUF_SIZE];
};

struct trace *trace_open(const char *path, char *err, size_t errlen)
{
    struct trace *t = calloc(1, sizeof(*t));
    char *row = malloc(TRACE_ROW_MAX);
    if (!t || !row) {
        snprintf(err, errlen, "--trace %s: out of host memory", path);
        free(t);
        free(row);
        return NULL;
    }
    t->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (t->fd < 0) {
        snprintf(err, errlen, "--trace %s: cannot create the file: %s", path, strerror(errno));
        free(row);
        free(t);
        return NULL;
    }
    /* A pipe or FIFO is written without blocking, so that a reader that stops reading cannot hold a writer
     * that is being stopped (write_out). */
    struct stat st;
    if (fstat(t->fd, &st) == 0 && !S_ISREG(st.st_mode))
        (void)fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
    t->row = row;
    t->row_cap = TRACE_ROW_MAX;
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

int trace_fd(const struct trace *t)
{
    return t->fd;
}

/*
 * Writes `len` bytes at `p` whole (retrying short writes); records the first
 * error. `writer` is the vCPU whose event is being written (NULL: the main
 * thread, after the run). A pipe that takes no bytes is waited for while the
 * writer runs on; once it is being stopped (or after the run), a pipe that
 * took nothing for TRACE_STALL_NS is given up, recorded as EAGAIN.
 */
static void write_out(struct trace *t, const char *p, size_t len, const struct vcpu *writer)
{
    uint64_t stalled_since = 0;
    while (len > 0 && t->error == 0) {
        ssize_t n = write(t->fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            stalled_since = 0;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            uint64_t now = syscall_host_now_ns();
            if (writer && !vcpu_stop_requested(writer))
                stalled_since = 0;
            else if (stalled_since == 0)
                stalled_since = now;
            else if (now - stalled_since >= TRACE_STALL_NS) {
                t->error = EAGAIN;
                break;
            }
            struct pollfd pfd = {.fd = t->fd, .events = POLLOUT};
            (void)poll(&pfd, 1, TRACE_POLL_MS);
            continue;
        }
        t->error = n < 0 ? errno : EIO;
    }
}

static void flush_buf(struct trace *t, const struct vcpu *writer)
{
    write_out(t, t->buf, t->len, writer);
    t->len = 0;
}

int trace_flush(struct trace *t)
{
    if (!t)
        return 0;
    pthread_mutex_lock(&t->lock);
    flush_buf(t, NULL);
    int error = t->error;
    pthread_mutex_unlock(&t->lock);
    return -error;
}

const char *trace_error_text(int rc)
{
    return rc == -EAGAIN ? "its reader took nothing for " TRACE_STALL_TEXT " once the run was ending"
                         : strerror(-rc);
}

int trace_close(struct trace *t)
{
    if (!t)
        return 0;
    flush_buf(t, NULL);
    int error = t->error;
    if (close(t->fd) != 0 && error == 0)
        error = errno;
    pthread_mutex_destroy(&t->lock);
    free(t->row);
    free(t);
    return -error;
}

/* ---- the row being formatted ---- */

/* Makes room for `n` more bytes of the row; false (and the error recorded) when the host is out of memory. */
static bool grow_row(struct trace *t, size_t n)
{
    size_t cap = t->row_cap * 2 > t->row_len + n ? t->row_cap * 2 : t->row_len + n;
    char *grown = realloc(t->row, cap);
    if (!grown) {
        if (t->error == 0)
            t->error = ENOMEM;
        return false;
    }
    t->row = grown;
    t->row_cap = cap;
    return true;
}

static inline void put_bytes(struct trace *t, const char *p, size_t n)
{
    if (__builtin_expect(t->row_len + n > t->row_cap, 0) && !grow_row(t, n))
        return;
    memcpy(t->row + t->row_len, p, n);
    t->row_len += n;
}

/* A string literal: its length is known where it is written, so the copy is a few moves. */
#define PUT_LIT(t, lit) put_bytes((t), "" lit, sizeof(lit) - 1)

static void put_str(struct trace *t, const char *s)
{
    put_bytes(t, s, strlen(s));
}

/* "00" to "99": a number is written two digits a division. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static void put_u64(struct trace *t, uint64_t v)
{
    char digits[20];
    size_t i = sizeof(digits);
    for (; v >= 100; v /= 100) {
        i -= 2;
        memcpy(digits + i, digit_pairs + v % 100 * 2, 2);
    }
    if (v >= 10) {
        i -= 2;
        memcpy(digits + i, digit_pairs + v * 2, 2);
    } else {
        digits[--i] = (char)('0' + v);
    }
    put_bytes(t, digits + i, sizeof(digits) - i);
}

static void put_i64(struct trace *t, int64_t v)
{
    if (v < 0) {
        PUT_LIT(t, "-");
        put_u64(t, (uint64_t)0 - (uint64_t)v);
        return;
    }
    put_u64(t, (uint64_t)v);
}

/* The bytes a JSON string does not hold as they are ('"', '\\', control characters, 0x7f and up), and the
 * terminating NUL: the bytes that stop put_json's scan. */
static const bool json_stop[256] = {[0 ... 0x1f] = true, ['"'] = true, ['\\'] = true, [0x7f ... 0xff] = true};

/* `s` as a JSON string, escaped as trace_json_string escapes it. */
static void put_json(struct trace *t, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    PUT_LIT(t, "\"");
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        const unsigned char *run = p;
        while (!json_stop[*p])
            p++;
        put_bytes(t, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            put_bytes(t, esc, sizeof(esc));
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf]};
            put_bytes(t, esc, sizeof(esc));
        }
        p++;
    }
    PUT_LIT(t, "\"");
}

void trace_json_string(FILE *f, const char *s)
{
    putc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            putc(*p, f);
    }
    putc('"', f);
}

static const char *end_name(enum process_end end)
{
    switch (end) {
    case PROCESS_END_EXIT:
        return "exit";
    case PROCESS_END_KILL:
        return "kill";
    case PROCESS_END_EXCEPTION:
        return "exception";
    case PROCESS_END_VMM_ERROR:
        return "vmm_error";
    case PROCESS_END_NONE:
        break;
    }
    return "none";
}

static void write_syscall(struct trace *t, const struct vm_event *ev)
{
    const char *name = syscall_name(ev->number);
    PUT_LIT(t, ",\"syscall\":");
    if (name)
        put_json(t, name);
    else
        PUT_LIT(t, "null");
    PUT_LIT(t, ",\"number\":");
    put_u64(t, ev->number);
    PUT_LIT(t, ",\"args\":[");
    unsigned nargs = name ? syscall_nargs(ev->number) : SYSCALL_MAX_ARGS;
    for (unsigned i = 0; i < nargs; i++) {
        if (i)
            PUT_LIT(t, ",");
        put_u64(t, ev->call->arg[i]);
    }
    PUT_LIT(t, "]");
    enum syscall_return kind = name ? syscall_return_kind(ev->number) : SYSCALL_RETURNS_STATUS;
    if (kind == SYSCALL_RETURNS_STATUS) {
        const char *st = syscall_status_name((zx_status_t)(int64_t)ev->ret);
        PUT_LIT(t, ",\"status\":");
        if (st) {
            PUT_LIT(t, "\"");
            put_str(t, st);
            PUT_LIT(t, "\"");
        } else {
            put_i64(t, (int64_t)ev->ret);
        }
    } else if (kind == SYSCALL_RETURNS_VALUE) {
        PUT_LIT(t, ",\"ret\":");
        put_u64(t, ev->ret);
    }
    uint64_t actual;
    if (vm_event_actual(ev, &actual)) {
        PUT_LIT(t, ",\"actual\":");
        put_u64(t, actual);
    }
    if (ev->replaced)
        PUT_LIT(t, ",\"replaced\":true");
    PUT_LIT(t, ",\"dur_ns\":");
    put_u64(t, ev->dur_ns);
}

static void write_event(struct trace *t, const struct vm_event *ev)
{
    static const char *const kinds[] = {
        [VM_EVENT_START] = "start",         [VM_EVENT_EXIT] = "exit",   [VM_EVENT_SYSCALL_AFTER] = "syscall",
        [VM_EVENT_EXCEPTION] = "exception", [VM_EVENT_FAULT] = "fault", [VM_EVENT_EXEC] = "exec"};
    PUT_LIT(t, "{\"t_ns\":");
    put_u64(t, ev->t_ns);
    PUT_LIT(t, ",\"event\":\"");
    put_str(t, kinds[ev->kind]);
    PUT_LIT(t, "\",\"process\":");
    put_json(t, ev->name);
    PUT_LIT(t, ",\"koid\":");
    put_u64(t, (uint64_t)ev->proc->obj.koid);
    switch (ev->kind) {
    case VM_EVENT_EXIT:
        PUT_LIT(t, ",\"end\":\"");
        put_str(t, end_name(ev->end));
        PUT_LIT(t, "\",\"code\":");
        put_i64(t, ev->code);
        break;
    case VM_EVENT_SYSCALL_AFTER:
        write_syscall(t, ev);
        break;
    case VM_EVENT_EXCEPTION:
        PUT_LIT(t, ",\"vector\":");
        put_u64(t, ev->vector);
        PUT_LIT(t, ",\"name\":");
        put_json(t, x86_exception_name(ev->vector));
        PUT_LIT(t, ",\"rip\":");
        put_u64(t, ev->rip);
        PUT_LIT(t, ",\"cr2\":");
        put_u64(t, ev->cr2);
        PUT_LIT(t, ",\"error_code\":");
        put_u64(t, ev->error_code);
        break;
    case VM_EVENT_EXEC:
        PUT_LIT(t, ",\"addr\":");
        put_u64(t, ev->rip);
        break;
    case VM_EVENT_FAULT:
        PUT_LIT(t, ",\"id\":");
        put_json(t, ev->fault_id);
        PUT_LIT(t, ",\"action\":");
        put_json(t, ev->fault_action);
        break;
    default:
        break;
    }
    PUT_LIT(t, "}\n");
}

void trace_on_event(void *ctx, struct vm_event *ev)
{
    struct trace *t = ctx;
    if (ev->kind == VM_EVENT_SYSCALL_BEFORE)
        return; /* a syscall is one row, written when it is done */
    pthread_mutex_lock(&t->lock);
    t->row_len = 0;
    write_event(t, ev);
    if (t->len + t->row_len > sizeof(t->buf))
        flush_buf(t, ev->vcpu);
    if (t->row_len > sizeof(t->buf)) {
        write_out(t, t->row, t->row_len, ev->vcpu); /* too long to hold: on its own, after what came before */
    } else {
        memcpy(t->buf + t->len, t->row, t->row_len);
        t->len += t->row_len;
    }
    if (ev->t_ns >= t->flushed_ns + TRACE_FLUSH_NS) { /* rows of other vCPUs may come slightly out of order */
        flush_buf(t, ev->vcpu);
        t->flushed_ns = ev->t_ns;
    }
    pthread_mutex_unlock(&t->lock);
}
