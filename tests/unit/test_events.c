/* test_events.c: the event dispatcher: process names, and times only for a sink that reads them. No KVM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "syscall/syscall.h"
#include "vm/events.h"
#include "vm/vcpu.h"

#define SEEN_MAX 8

static struct vm vm;
static struct vcpu vcpu;
static struct process proc;
static struct vm_events events;
static struct vm_event seen[SEEN_MAX]; /* what the sink was handed, in order */
static unsigned nseen;

/* Records each event; replaces every call, so that no syscall handler runs on this VM without guest RAM. */
static void record(void *ctx, struct vm_event *ev)
{
    cr_assert_lt(nseen, SEEN_MAX);
    if (ev->kind == VM_EVENT_SYSCALL_BEFORE) {
        ev->replaced = true;
        ev->ret = 7;
    }
    seen[nseen++] = *ev;
    (void)ctx;
}

/* A VM created a second ago, with one vCPU running `program` and `record` attached (timed or not). */
static void set_up(const char *program, bool timed)
{
    memset(&vm, 0, sizeof(vm));
    memset(&vcpu, 0, sizeof(vcpu));
    memset(&events, 0, sizeof(events));
    nseen = 0;
    snprintf(proc.name, sizeof(proc.name), "%s", program ? program : "kernel-name");
    vcpu.vm = &vm;
    vcpu.proc = &proc;
    vcpu.program = program;
    vm.boot_ns = syscall_host_now_ns() - 1000000000ULL;
    vm.events = &events;
    if (timed)
        cr_assert_eq(vm_events_add_timed(&events, record, NULL), 0);
    else
        cr_assert_eq(vm_events_add(&events, record, NULL), 0);
}

static void one_syscall(void)
{
    struct syscall_call call = {.caller = &proc};
    cr_assert_eq(vm_events_syscall(&vcpu, &call, 1), 7);
}

Test(events, the_process_name_is_the_program_basename)
{
    set_up("build/guest-examples/hello", false);
    vm_events_start(&vcpu);
    one_syscall();
    cr_assert_eq(nseen, 3);
    for (unsigned i = 0; i < nseen; i++)
        cr_assert_str_eq(seen[i].name, "hello");
}

Test(events, a_program_ending_in_a_slash_keeps_its_whole_name)
{
    set_up("odd/", false);
    vm_events_start(&vcpu);
    cr_assert_str_eq(seen[0].name, "odd/");
}

Test(events, without_a_program_the_kernel_name_is_used)
{
    set_up(NULL, false);
    vm_events_start(&vcpu);
    cr_assert_str_eq(seen[0].name, "kernel-name");
}

Test(events, no_times_without_a_timed_sink)
{
    set_up("hello", false);
    vm_events_start(&vcpu);
    one_syscall();
    vm_events_fault(&vcpu, "f", "fail");
    cr_assert_eq(nseen, 4);
    for (unsigned i = 0; i < nseen; i++) {
        cr_assert_eq(seen[i].t_ns, 0, "event %u", i);
        cr_assert_eq(seen[i].dur_ns, 0, "event %u", i);
    }
    cr_assert_eq(seen[2].kind, VM_EVENT_SYSCALL_AFTER);
    cr_assert_eq(seen[2].ret, 7);
}

Test(events, a_timed_sink_gets_times_since_the_vm_was_created)
{
    set_up("hello", true);
    vm_events_start(&vcpu);
    one_syscall();
    vm_events_fault(&vcpu, "f", "fail");
    cr_assert_eq(nseen, 4);
    cr_assert_geq(seen[0].t_ns, 1000000000ULL); /* the VM is a second old */
    cr_assert_eq(seen[1].kind, VM_EVENT_SYSCALL_BEFORE);
    cr_assert_eq(seen[1].t_ns, 0); /* a call's time is when it returned: its AFTER's */
    cr_assert_eq(seen[2].kind, VM_EVENT_SYSCALL_AFTER);
    cr_assert_geq(seen[2].t_ns, seen[0].t_ns);
    cr_assert_leq(seen[2].dur_ns, seen[2].t_ns - seen[0].t_ns); /* the call began after the start */
    cr_assert_geq(seen[3].t_ns, seen[2].t_ns);
}
