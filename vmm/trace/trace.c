/* trace.c: the JSON Lines trace writer: the strace of zxvmm. */
#include "trace/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "syscall/names.h"
#include "syscall/uaccess.h"
#include "x86_64/cpu.h"

struct trace {
    FILE *f;
    pthread_mutex_t lock; /* one row at a time, whichever vCPU reports it */
    int error;            /* the first write error (errno), 0 while none */
};

struct trace *trace_open(const char *path, char *err, size_t errlen)
{
    struct trace *t = calloc(1, sizeof(*t));
    if (!t) {
        snprintf(err, errlen, "--trace %s: out of host memory", path);
        return NULL;
    }
    t->f = fopen(path, "w");
    if (!t->f) {
        snprintf(err, errlen, "--trace %s: cannot create the file: %s", path, strerror(errno));
        free(t);
        return NULL;
    }
    pthread_mutex_init(&t->lock, NULL);
    return t;
}

int trace_fd(const struct trace *t)
{
    return fileno(t->f);
}

int trace_close(struct trace *t)
{
    if (!t)
        return 0;
    int error = t->error;
    if (fclose(t->f) != 0 && error == 0)
        error = errno;
    pthread_mutex_destroy(&t->lock);
    free(t);
    return -error;
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

static void write_syscall(FILE *f, const struct vm_event *ev)
{
    const char *name = syscall_name(ev->number);
    fputs(",\"syscall\":", f);
    if (name)
        trace_json_string(f, name);
    else
        fputs("null", f);
    fprintf(f, ",\"number\":%" PRIu32 ",\"args\":[", ev->number);
    unsigned nargs = name ? syscall_nargs(ev->number) : SYSCALL_MAX_ARGS;
    for (unsigned i = 0; i < nargs; i++)
        fprintf(f, "%s%" PRIu64, i ? "," : "", ev->call->arg[i]);
    putc(']', f);
    enum syscall_return kind = name ? syscall_return_kind(ev->number) : SYSCALL_RETURNS_STATUS;
    if (kind == SYSCALL_RETURNS_STATUS) {
        const char *st = syscall_status_name((zx_status_t)(int64_t)ev->ret);
        if (st)
            fprintf(f, ",\"status\":\"%s\"", st);
        else
            fprintf(f, ",\"status\":%" PRId64, (int64_t)ev->ret);
    } else if (kind == SYSCALL_RETURNS_VALUE) {
        fprintf(f, ",\"ret\":%" PRIu64, ev->ret);
    }
    uint64_t actual;
    if (vm_event_actual(ev, &actual))
        fprintf(f, ",\"actual\":%" PRIu64, actual);
    if (ev->replaced)
        fputs(",\"replaced\":true", f);
    fprintf(f, ",\"dur_ns\":%" PRIu64, ev->dur_ns);
}

static void write_event(FILE *f, const struct vm_event *ev)
{
    static const char *const kinds[] = {
        [VM_EVENT_START] = "start",         [VM_EVENT_EXIT] = "exit",   [VM_EVENT_SYSCALL_AFTER] = "syscall",
        [VM_EVENT_EXCEPTION] = "exception", [VM_EVENT_FAULT] = "fault", [VM_EVENT_EXEC] = "exec"};
    fprintf(f, "{\"t_ns\":%" PRIu64 ",\"event\":\"%s\",\"process\":", ev->t_ns, kinds[ev->kind]);
    trace_json_string(f, ev->name);
    fprintf(f, ",\"koid\":%" PRIu64, (uint64_t)ev->proc->obj.koid);
    switch (ev->kind) {
    case VM_EVENT_EXIT:
        fprintf(f, ",\"end\":\"%s\",\"code\":%" PRId64, end_name(ev->end), ev->code);
        break;
    case VM_EVENT_SYSCALL_AFTER:
        write_syscall(f, ev);
        break;
    case VM_EVENT_EXCEPTION:
        fprintf(f, ",\"vector\":%u,\"name\":", ev->vector);
        trace_json_string(f, x86_exception_name(ev->vector));
        fprintf(f, ",\"rip\":%" PRIu64 ",\"cr2\":%" PRIu64 ",\"error_code\":%" PRIu64, ev->rip, ev->cr2,
                ev->error_code);
        break;
    case VM_EVENT_EXEC:
        fprintf(f, ",\"addr\":%" PRIu64, ev->rip);
        break;
    case VM_EVENT_FAULT:
        fputs(",\"id\":", f);
        trace_json_string(f, ev->fault_id);
        fputs(",\"action\":", f);
        trace_json_string(f, ev->fault_action);
        break;
    default:
        break;
    }
    fputs("}\n", f);
}

void trace_on_event(void *ctx, struct vm_event *ev)
{
    struct trace *t = ctx;
    if (ev->kind == VM_EVENT_SYSCALL_BEFORE)
        return; /* a syscall is one row, written when it is done */
    pthread_mutex_lock(&t->lock);
    write_event(t->f, ev);
    if (ferror(t->f) && t->error == 0)
        t->error = errno ? errno : EIO;
    pthread_mutex_unlock(&t->lock);
}
