/* memaccess_stress.c: test guest racing memory-access calls against kill, unmap and protect of the target:
 * `memaccess_stress ROLE [ARG]`; the victim is the first --spawn, the main process is the writer. */
#include <stdlib.h>

#include "memaccess.h"

#define READY_MAGIC     0x5245414459ULL
#define STOP_MAGIC      0x53544f50ULL
#define NOT_YET         1ULL
#define PROGRESS_BASE   (NOT_YET + 1) /* progress holds PROGRESS_BASE + the rounds done */
#define RC_SETUP_FAILED 1
#define AREA_SIZE       (2 * MA_PAGE)
#define TAIL_CALLS      50 /* calls made after the first BAD_STATE, which must all be BAD_STATE too */
#define RUN_LIMIT_NS    ZX_SEC(60)
#define REMAP_AT        MA_FIXED_A
#define KILL_AFTER_MAX  1000

/* In the victim; the writer and the killer reach them by link address. */
static volatile uint64_t ready = NOT_YET;
static volatile uint64_t stop = NOT_YET;
static volatile uint64_t progress = NOT_YET;
static uint8_t area[AREA_SIZE] __attribute__((aligned(MA_PAGE)));
static uint8_t src[AREA_SIZE], back[AREA_SIZE];

static uint64_t addr_of(const volatile void *p)
{
    return (uint64_t)(uintptr_t)p;
}

/* Victim: touches its area until killed (or told to stop). */
static int role_victim(char *arg)
{
    (void)arg;
    ready = READY_MAGIC;
    while (stop != STOP_MAGIC) {
        (void)*(volatile uint8_t *)area;
        zx_nanosleep(zx_deadline_after(MA_POLL_NS));
    }
    return 0;
}

/* Victim: maps one VMO at REMAP_AT and keeps protecting, unprotecting, unmapping and remapping it until
 * STOP (or until killed). */
static int role_remapper(char *arg)
{
    (void)arg;
    zx_handle_t vmo = ZX_HANDLE_INVALID, vmar = zx_vmar_root_self();
    if (ma_map(AREA_SIZE, MA_RW, ZX_CACHE_POLICY_CACHED, REMAP_AT, &vmo) == 0)
        return RC_SETUP_FAILED;
    ready = READY_MAGIC;
    while (stop != STOP_MAGIC) {
        zx_vaddr_t at = 0;
        zx_status_t s = zx_vmar_protect(vmar, 0, REMAP_AT, AREA_SIZE);
        if (s == ZX_OK)
            s = zx_vmar_protect(vmar, MA_RW, REMAP_AT, AREA_SIZE);
        if (s == ZX_OK)
            s = zx_vmar_unmap(vmar, REMAP_AT, AREA_SIZE);
        if (s == ZX_OK)
            s = zx_vmar_map(vmar, MA_RW | ZX_VM_SPECIFIC, REMAP_AT - ZXVMM_USER_BASE, vmo, 0, AREA_SIZE, &at);
        if (s != ZX_OK)
            return RC_SETUP_FAILED;
    }
    return 0;
}

/* Killer: once the writer has recorded `arg` iterations in the victim, kills the victim. */
static int role_killer(char *arg)
{
    uint64_t after = arg ? strtoul(arg, NULL, 10) % KILL_AFTER_MAX : 0;
    zx_handle_t victim = ma_first_sibling();
    uint64_t seen = 0;
    size_t actual = 0;
    do {
        if (zx_process_read_memory(victim, addr_of(&progress), &seen, sizeof(seen), &actual) != ZX_OK)
            return 0; /* already gone */
        zx_nanosleep(zx_deadline_after(MA_POLL_NS));
    } while (seen < after + PROGRESS_BASE);
    return zx_task_kill(victim) == ZX_OK ? 0 : RC_SETUP_FAILED;
}

/* The writer's tally. */
struct tally {
    uint64_t calls, ok, no_memory, bad_state, unexpected, torn, revived;
    zx_status_t first_unexpected;
    uint8_t last_written; /* the fill of the last successful write (0: the VMO's initial zeroes) */
};

static void count(struct tally *t, zx_status_t s, bool no_memory_allowed)
{
    t->calls++;
    if (s == ZX_OK)
        t->ok++;
    else if (s == ZX_ERR_BAD_STATE)
        t->bad_state++;
    else if (s == ZX_ERR_NO_MEMORY && no_memory_allowed)
        t->no_memory++;
    else if (t->unexpected++ == 0)
        t->first_unexpected = s;
    if (t->bad_state && s != ZX_ERR_BAD_STATE)
        t->revived++;
}

/* One round: write the area (fill i), record progress, read the area back and check it is not torn. */
static void round_trip(struct tally *t, zx_handle_t victim, uint64_t area_at, uint64_t i,
                       bool no_memory_allowed)
{
    size_t actual = 0;
    uint8_t fill = (uint8_t)(i % UINT8_MAX + 1);
    memset(src, fill, sizeof(src));
    zx_status_t s = zx_process_write_memory(victim, area_at, src, sizeof(src), &actual);
    count(t, s, no_memory_allowed);
    if (s == ZX_OK && actual != sizeof(src) && t->unexpected++ == 0)
        t->first_unexpected = ZX_OK;
    if (s == ZX_OK)
        t->last_written = fill;
    uint64_t p = i + PROGRESS_BASE;
    count(t, zx_process_write_memory(victim, addr_of(&progress), &p, sizeof(p), &actual), false);
    s = zx_process_read_memory(victim, area_at, back, sizeof(back), &actual);
    count(t, s, no_memory_allowed);
    if (s == ZX_OK && (actual != sizeof(back) || !ma_all(back, sizeof(back), t->last_written)))
        t->torn++;
}

static void print_tally(const struct tally *t)
{
    printf("unexpected=%llu\n", (unsigned long long)t->unexpected);
    if (t->unexpected)
        printf("first_unexpected=%d\n", t->first_unexpected);
    printf("torn=%llu\nrevived=%llu\n", (unsigned long long)t->torn, (unsigned long long)t->revived);
    printf("counts calls=%llu ok=%llu no_memory=%llu bad_state=%llu\n", (unsigned long long)t->calls,
           (unsigned long long)t->ok, (unsigned long long)t->no_memory, (unsigned long long)t->bad_state);
}

/* Writer: rounds until `rounds` are done, or the victim has been dead for TAIL_CALLS calls. */
static struct tally write_rounds(zx_handle_t victim, uint64_t area_at, uint64_t rounds,
                                 bool no_memory_allowed)
{
    struct tally t = {0};
    zx_time_t limit = zx_deadline_after(RUN_LIMIT_NS);
    for (uint64_t i = 0; i < rounds && zx_clock_get_monotonic() < limit; i++) {
        round_trip(&t, victim, area_at, i, no_memory_allowed);
        if (t.bad_state >= TAIL_CALLS)
            break;
    }
    return t;
}

static zx_handle_t victim_ready(void)
{
    zx_handle_t victim = ma_first_sibling();
    uint64_t v = 0;
    size_t actual = 0;
    while (victim != ZX_HANDLE_INVALID && v != READY_MAGIC &&
           zx_process_read_memory(victim, addr_of(&ready), &v, sizeof(v), &actual) == ZX_OK)
        zx_nanosleep(zx_deadline_after(MA_POLL_NS));
    return victim;
}

/* Main: writes to a `victim` that a `killer` kills; the rounds end once the kill is seen. */
static int role_writer_kill(char *arg)
{
    (void)arg;
    zx_handle_t victim = victim_ready();
    struct tally t = write_rounds(victim, addr_of(area), UINT64_MAX, false);
    print_tally(&t);
    printf("saw_ok=%d\nsaw_bad_state=%d\n", t.ok > 0, t.bad_state > 0);
    printf("victim_killed=%d\n", ma_wait_exit(victim) == ZX_TASK_RETCODE_SYSCALL_KILL);
    return 0;
}

/* Main: writes `arg` rounds to a `remapper`, then stops it (unless something killed it). */
static int role_writer_remap(char *arg)
{
    uint64_t rounds = arg ? strtoul(arg, NULL, 10) : 0;
    zx_handle_t victim = victim_ready();
    struct tally t = write_rounds(victim, REMAP_AT, rounds, true);
    uint64_t stop_value = STOP_MAGIC;
    size_t actual = 0;
    zx_status_t s = zx_process_write_memory(victim, addr_of(&stop), &stop_value, sizeof(stop_value), &actual);
    print_tally(&t);
    int64_t rc = ma_wait_exit(victim);
    printf("victim_end=%s\n", rc == 0 && s == ZX_OK                                         ? "stopped"
                              : rc == ZX_TASK_RETCODE_SYSCALL_KILL && s == ZX_ERR_BAD_STATE ? "killed"
                                                                                            : "other");
    return 0;
}

static const struct {
    const char *name;
    int (*run)(char *arg);
} roles[] = {
    {"victim", role_victim},           {"remapper", role_remapper},         {"killer", role_killer},
    {"writer_kill", role_writer_kill}, {"writer_remap", role_writer_remap}, {NULL, NULL},
};

int main(int argc, char **argv)
{
    if (argc >= 2) {
        for (size_t i = 0; roles[i].name; i++)
            if (strcmp(roles[i].name, argv[1]) == 0)
                return roles[i].run(argc > 2 ? argv[2] : NULL);
    }
    printf("usage: memaccess_stress victim|remapper|killer N|writer_kill|writer_remap N\n");
    return GUEST_USAGE_RETCODE;
}
