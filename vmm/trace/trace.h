/* trace.h: the --trace writer: one JSON Lines row per event the dispatcher reports (docs/faults.md). */
#ifndef ZXVMM_TRACE_TRACE_H
#define ZXVMM_TRACE_TRACE_H

#include <stddef.h>
#include <stdio.h>

#include "vm/events.h"

struct trace;

/*
 * Creates (or truncates) the trace file at `path`. Returns the writer, or
 * NULL with one line in `err` naming the path and the cause.
 */
struct trace *trace_open(const char *path, char *err, size_t errlen);

/* The file's descriptor, which the seccomp filters let every thread write. */
int trace_fd(const struct trace *t);

/* The dispatcher sink: writes one row per event, whole, whatever the thread. It reads `t_ns` and `dur_ns`:
 * add it with vm_events_add_timed. */
void trace_on_event(void *trace, struct vm_event *ev);

/* Writes the rows held back, taking the row lock (vCPU threads may still report); returns 0, or -errno when a
 * write failed. For a run abandoned with its threads still going (struct vm_holder), in place of trace_close.
 */
int trace_flush(struct trace *t);

/* What a failure trace_flush or trace_close returned means, for a message: its reader stopped taking rows
 * (-EAGAIN), or the system's text for the errno. */
const char *trace_error_text(int rc);

/* Flushes and closes the file; returns 0, or -errno when a write failed (the trace is then incomplete). */
int trace_close(struct trace *t);

/* Writes `s` as a JSON string (quoted; control characters and bytes >= 0x80 escaped as \u00XX). */
void trace_json_string(FILE *f, const char *s);

#endif
