/* test_trace.c: syscall and status names, and the --trace row schema, written for events built by hand. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zircon/errors.h>

#include "campaign/sha256.h"
#include "syscall/names.h"
#include "trace/trace.h"
#include "vm/events.h"

Test(names, syscall_names_and_numbers_round_trip)
{
    cr_assert_str_eq(syscall_name(19), "zx_debug_write");
    cr_assert_eq(syscall_number("zx_process_write_memory"), 10);
    cr_assert_eq(syscall_number("zx_no_such_call"), 0);
    cr_assert_null(syscall_name(0));
    cr_assert_null(syscall_name(100000));
    cr_assert_eq(syscall_nargs(16), 7); /* zx_vmar_map */
}

Test(names, statuses_by_name_and_value)
{
    zx_status_t st;
    cr_assert_str_eq(syscall_status_name(ZX_ERR_NO_MEMORY), "ZX_ERR_NO_MEMORY");
    cr_assert_str_eq(syscall_status_name(ZX_OK), "ZX_OK");
    cr_assert_null(syscall_status_name(-12345));
    cr_assert(syscall_status_from_name("ZX_ERR_BAD_STATE", &st));
    cr_assert_eq(st, ZX_ERR_BAD_STATE);
    cr_assert_not(syscall_status_from_name("ZX_ERR_NOPE", &st));
}

Test(names, return_kinds_and_actual_arguments)
{
    unsigned index;
    size_t size;
    cr_assert_eq(syscall_return_kind(21), SYSCALL_RETURNS_VALUE);  /* zx_clock_get_monotonic */
    cr_assert_eq(syscall_return_kind(7), SYSCALL_RETURNS_NOTHING); /* zx_process_exit */
    cr_assert_eq(syscall_return_kind(1), SYSCALL_RETURNS_STATUS);
    cr_assert(syscall_actual_arg(10, &index, &size));
    cr_assert_eq(index, 4);
    cr_assert_eq(size, 8);
    cr_assert_not(syscall_actual_arg(19, &index, &size));
    cr_assert(syscall_size_arg(19, &index)); /* zx_debug_write(buffer, size) */
    cr_assert_eq(index, 1);
    cr_assert(syscall_size_arg(16, &index)); /* zx_vmar_map(..., len, mapped_addr) */
    cr_assert_eq(index, 5);
    cr_assert_not(syscall_size_arg(1, &index));
}

/* Writes `events` through a trace file; returns its whole text. */
static char *trace_of(struct vm_event *events, size_t n)
{
    char path[] = "/tmp/zxvmm-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char err[256];
    struct trace *t = trace_open(path, err, sizeof(err));
    cr_assert_not_null(t, "%s", err);
    for (size_t i = 0; i < n; i++)
        trace_on_event(t, &events[i]);
    cr_assert_eq(trace_close(t), 0);
    FILE *f = fopen(path, "r");
    static char text[4096];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    text[len] = '\0';
    fclose(f);
    unlink(path);
    return text;
}

static struct process victim = {.obj = {.koid = 1026}, .name = "vic\"tim"};

Test(trace, rows_have_the_documented_fields)
{
    struct syscall_call call = {.arg = {7, 3, 99}};
    struct vm_event events[] = {
        {.kind = VM_EVENT_START, .proc = &victim, .name = victim.name, .t_ns = 5},
        {.kind = VM_EVENT_SYSCALL_BEFORE, .proc = &victim, .name = victim.name, .call = &call, .number = 19},
        {.kind = VM_EVENT_SYSCALL_AFTER,
         .proc = &victim,
         .name = victim.name,
         .t_ns = 9,
         .call = &call,
         .number = 19,
         .ret = (uint64_t)(int64_t)ZX_ERR_INVALID_ARGS,
         .dur_ns = 3},
        {.kind = VM_EVENT_SYSCALL_AFTER,
         .proc = &victim,
         .name = victim.name,
         .t_ns = 10,
         .call = &call,
         .number = 23,
         .ret = 4096},
        {.kind = VM_EVENT_EXCEPTION,
         .proc = &victim,
         .name = victim.name,
         .t_ns = 11,
         .vector = 14,
         .rip = 16,
         .cr2 = 32},
        {.kind = VM_EVENT_FAULT,
         .proc = &victim,
         .name = victim.name,
         .t_ns = 12,
         .fault_id = "f1",
         .fault_action = "fail"},
        {.kind = VM_EVENT_EXIT,
         .proc = &victim,
         .name = victim.name,
         .t_ns = 13,
         .end = PROCESS_END_EXCEPTION,
         .code = -1028},
    };
    const char *text = trace_of(events, sizeof(events) / sizeof(events[0]));
    const char *expected =
        "{\"t_ns\":5,\"event\":\"start\",\"process\":\"vic\\\"tim\",\"koid\":1026}\n"
        "{\"t_ns\":9,\"event\":\"syscall\",\"process\":\"vic\\\"tim\",\"koid\":1026,\"syscall\":\"zx_debug_"
        "write\","
        "\"number\":19,\"args\":[7,3],\"status\":\"ZX_ERR_INVALID_ARGS\",\"dur_ns\":3}\n"
        "{\"t_ns\":10,\"event\":\"syscall\",\"process\":\"vic\\\"tim\",\"koid\":1026,"
        "\"syscall\":\"zx_system_get_page_size\",\"number\":23,\"args\":[],\"ret\":4096,\"dur_ns\":0}\n"
        "{\"t_ns\":11,\"event\":\"exception\",\"process\":\"vic\\\"tim\",\"koid\":1026,\"vector\":14,"
        "\"name\":\"page fault (#PF)\",\"rip\":16,\"cr2\":32,\"error_code\":0}\n"
        "{\"t_ns\":12,\"event\":\"fault\",\"process\":\"vic\\\"tim\",\"koid\":1026,\"id\":\"f1\","
        "\"action\":\"fail\"}\n"
        "{\"t_ns\":13,\"event\":\"exit\",\"process\":\"vic\\\"tim\",\"koid\":1026,\"end\":\"exception\","
        "\"code\":-1028}\n";
    cr_assert_str_eq(text, expected);
}

Test(trace, control_and_non_ascii_bytes_are_escaped)
{
    struct process p = {.obj = {.koid = 1}, .name = "a\nb\xc3\xa9\\"};
    struct vm_event ev = {.kind = VM_EVENT_START, .proc = &p, .name = p.name};
    cr_assert_str_eq(
        trace_of(&ev, 1),
        "{\"t_ns\":0,\"event\":\"start\",\"process\":\"a\\u000ab\\u00c3\\u00a9\\\\\",\"koid\":1}\n");
}

Test(trace, numbers_of_every_length_are_written_whole)
{
    /* An unknown number shows all eight arguments. */
    struct syscall_call call = {.arg = {0, 9, 10, 99, 100, 12345, UINT64_MAX, 1000000000000000000ULL}};
    struct process p = {.obj = {.koid = 1}, .name = "p"};
    struct vm_event events[] = {
        {.kind = VM_EVENT_SYSCALL_AFTER,
         .proc = &p,
         .name = p.name,
         .t_ns = 1234567890123,
         .call = &call,
         .number = 9999,
         .ret = (uint64_t)(int64_t)-123456,
         .dur_ns = 101},
        {.kind = VM_EVENT_EXIT, .proc = &p, .name = p.name, .end = PROCESS_END_KILL, .code = INT64_MIN}};
    cr_assert_str_eq(
        trace_of(events, 2),
        "{\"t_ns\":1234567890123,\"event\":\"syscall\",\"process\":\"p\",\"koid\":1,\"syscall\":null,"
        "\"number\":9999,\"args\":[0,9,10,99,100,12345,18446744073709551615,1000000000000000000],"
        "\"status\":-123456,\"dur_ns\":101}\n"
        "{\"t_ns\":0,\"event\":\"exit\",\"process\":\"p\",\"koid\":1,\"end\":\"kill\",\"code\":-"
        "9223372036854775808}\n");
}

/* The file's text so far (the trace still open), into a malloc'd string. */
static char *file_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    *len = fread(text, 1, (size_t)size, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

/* Rows of `text` that are whole: each starts with {"t_ns": and ends with }\n; the text ends at a row's end.
 */
static size_t whole_rows(const char *text, size_t len)
{
    cr_assert(len == 0 || text[len - 1] == '\n', "a cut row at the end: ...%s",
              text + (len > 80 ? len - 80 : 0));
    size_t rows = 0;
    for (const char *line = text; *line; rows++) {
        const char *nl = strchr(line, '\n');
        cr_assert(strncmp(line, "{\"t_ns\":", 8) == 0 && nl[-1] == '}', "not a whole row: %.80s", line);
        line = nl + 1;
    }
    return rows;
}

Test(trace, rows_are_held_back_and_written_whole_at_every_write_and_at_close)
{
    char path[] = "/tmp/zxvmm-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char err[256];
    struct trace *t = trace_open(path, err, sizeof(err));
    cr_assert_not_null(t, "%s", err);
    struct syscall_call call = {.arg = {UINT64_MAX, 0, 12345678901234567890ULL}};
    struct vm_event ev = {.kind = VM_EVENT_SYSCALL_AFTER,
                          .proc = &victim,
                          .name = victim.name,
                          .call = &call,
                          .number = 19,
                          .ret = (uint64_t)(int64_t)-12345,
                          .dur_ns = 7};
    size_t len, seen_writes = 0, before = 0, rows = 0;
    char *text;
    /* 3000 rows of some 170 bytes, all in the same second: written only as the buffer fills. */
    for (int i = 0; i < 3000; i++) {
        ev.t_ns = 100 + (uint64_t)i;
        trace_on_event(t, &ev);
        text = file_text(path, &len);
        rows = whole_rows(text, len);
        cr_assert_leq(rows, (size_t)i + 1);
        if (len != before)
            seen_writes++;
        before = len;
        free(text);
    }
    cr_assert_geq(seen_writes, 5, "%zu writes for some 500 KiB of rows", seen_writes);
    cr_assert_lt(rows, 3000, "rows are held back until the buffer fills");
    /* A second of trace time after the last write: the rows held back go out with this one. */
    ev.t_ns = 100 + 1000000000ULL + 3000;
    trace_on_event(t, &ev);
    text = file_text(path, &len);
    cr_assert_eq(whole_rows(text, len), 3001);
    const char *last = strrchr(text, '{');
    cr_assert_str_eq(last,
                     "{\"t_ns\":1000003100,\"event\":\"syscall\",\"process\":\"vic\\\"tim\",\"koid\":1026,"
                     "\"syscall\":\"zx_debug_write\",\"number\":19,\"args\":[18446744073709551615,0],"
                     "\"status\":-12345,\"dur_ns\":7}\n");
    free(text);
    ev.t_ns++;
    trace_on_event(t, &ev);
    cr_assert_eq(trace_close(t), 0);
    text = file_text(path, &len);
    cr_assert_eq(whole_rows(text, len), 3002, "the row held back is written at close");
    free(text);
    unlink(path);
}

Test(trace, a_row_longer_than_the_buffer_is_written_whole)
{
    static char name[100 * 1024];
    memset(name, 'n', sizeof(name) - 1);
    struct process p = {.obj = {.koid = 2}, .name = "long"}; /* the row names ev.name */
    struct vm_event evs[] = {{.kind = VM_EVENT_START, .proc = &victim, .name = victim.name, .t_ns = 1},
                             {.kind = VM_EVENT_START, .proc = &p, .name = name, .t_ns = 2},
                             {.kind = VM_EVENT_START, .proc = &victim, .name = victim.name, .t_ns = 3}};
    char path[] = "/tmp/zxvmm-trace-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char err[256];
    struct trace *t = trace_open(path, err, sizeof(err));
    cr_assert_not_null(t, "%s", err);
    for (size_t i = 0; i < 3; i++)
        trace_on_event(t, &evs[i]);
    cr_assert_eq(trace_close(t), 0);
    size_t len;
    char *text = file_text(path, &len);
    cr_assert_eq(whole_rows(text, len), 3);
    cr_assert(strncmp(text, "{\"t_ns\":1,", 10) == 0);
    cr_assert_not_null(strstr(text, "}\n{\"t_ns\":2,"), "rows in order");
    cr_assert_not_null(strstr(text, "nnn\",\"koid\":2}\n{\"t_ns\":3,"), "rows in order");
    cr_assert_eq(len, strlen(name) +
                          3 * strlen("{\"t_ns\":1,\"event\":\"start\",\"process\":\"\",\"koid\":2}\n") +
                          2 * strlen("vic\\\"tim") + 2 * 3);
    free(text);
    unlink(path);
}

/* A FIFO at a fresh path, and a trace writing into it once `reader` holds it open (O_NONBLOCK). */
struct fifo_trace {
    char path[64];
    int reader;
    struct trace *t;
};

static void fifo_trace_open(struct fifo_trace *f)
{
    snprintf(f->path, sizeof(f->path), "/tmp/zxvmm-trace-%d.fifo", (int)getpid());
    unlink(f->path);
    cr_assert_eq(mkfifo(f->path, 0600), 0);
    f->reader = open(f->path, O_RDONLY | O_NONBLOCK);
    cr_assert_geq(f->reader, 0);
    char err[256];
    f->t = trace_open(f->path, err, sizeof(err));
    cr_assert_not_null(f->t, "%s", err);
}

/* `rows` rows of some 170 bytes from the vCPU `writer`, the last of them two seconds of trace time later. */
struct row_writer {
    struct trace *t;
    struct vcpu *writer;
    unsigned rows;
    bool done;
};

static void *write_rows(void *arg)
{
    struct row_writer *w = arg;
    struct syscall_call call = {.arg = {1, 2}};
    struct vm_event ev = {.kind = VM_EVENT_SYSCALL_AFTER,
                          .vcpu = w->writer,
                          .proc = &victim,
                          .name = victim.name,
                          .call = &call,
                          .number = 19};
    for (unsigned i = 0; i < w->rows; i++) {
        ev.t_ns = i + 1 < w->rows ? i : 2000000000ULL; /* the last row two seconds later: a flush */
        trace_on_event(w->t, &ev);
    }
    __atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
    return NULL;
}

Test(trace, a_pipe_nobody_reads_holds_a_running_writer_and_is_given_up_once_it_stops, .timeout = 30)
{
    struct fifo_trace f;
    fifo_trace_open(&f);
    struct vcpu v = {0};
    /* 5000 rows: more than the pipe and the trace's buffer hold. */
    struct row_writer w = {f.t, &v, 5000, false};
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, write_rows, &w), 0);
    usleep(300000);
    cr_assert_not(__atomic_load_n(&w.done, __ATOMIC_ACQUIRE), "a running writer waits for the reader");
    __atomic_store_n(&v.stop, true, __ATOMIC_RELEASE); /* the run is ending */
    pthread_join(thread, NULL);
    cr_assert_eq(trace_close(f.t), -EAGAIN, "the trace is recorded as incomplete");
    close(f.reader);
    unlink(f.path);
}

/* Reads the FIFO to its end; returns how many rows came, each checked to be whole. */
static void *drain(void *arg)
{
    struct fifo_trace *f = arg;
    fcntl(f->reader, F_SETFL, 0); /* blocking from now on: read() waits for rows, 0 at the writer's close */
    static char text[4 << 20];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof(text) && (n = read(f->reader, text + len, sizeof(text) - len)) > 0)
        len += (size_t)n;
    return (void *)(uintptr_t)whole_rows(text, len);
}

Test(trace, a_pipe_whose_reader_reads_gets_every_row, .timeout = 30)
{
    struct fifo_trace f;
    fifo_trace_open(&f);
    pthread_t reader;
    cr_assert_eq(pthread_create(&reader, NULL, drain, &f), 0);
    /* A running vCPU's rows wait for the reader however slow it is; the last row comes two seconds of trace
     * time later, so it writes out all the rows held back, and close has none left to write. */
    struct vcpu v = {0};
    struct row_writer w = {f.t, &v, 5001, false};
    write_rows(&w);
    cr_assert_eq(trace_close(f.t), 0);
    void *rows;
    pthread_join(reader, &rows);
    cr_assert_eq((uintptr_t)rows, 5001);
    close(f.reader);
    unlink(f.path);
}

Test(trace, a_file_that_cannot_be_created_is_refused_naming_path_and_cause)
{
    char err[256];
    cr_assert_null(trace_open("/nonexistent-dir/t.jsonl", err, sizeof(err)));
    cr_assert_str_eq(err,
                     "--trace /nonexistent-dir/t.jsonl: cannot create the file: No such file or directory");
}

Test(sha256, known_digests)
{
    char hex[65];
    sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char a[1000];
    memset(a, 'a', sizeof(a));
    sha256_hex(a, 56, hex); /* the padding spills into a second block */
    cr_assert_str_eq(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    sha256_hex(a, sizeof(a), hex);
    cr_assert_str_eq(hex, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}
