/* server.c: the --gdb socket: one gdb at a time, packets in and out, stops reported while the target runs. */
#include "gdb/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gdb/packet.h"
#include "gdb/stub.h"
#include "gdb/target.h"

#define GDB_STOP_WAIT_NS  5000000000ULL /* how long a stop waits for every vCPU to park */
#define GDB_MAX_BAD_CSUM  8             /* consecutive bad checksums before the connection is dropped */
#define GDB_READ_CHUNK    (64 * 1024)
/* A send to a client that takes nothing checks this often (ms) whether the run ended. */
#define GDB_SEND_SLICE_MS 20

struct gdb_server {
    int listen_fd, client_fd;
    int wake[2]; /* [0] polled by the server thread, [1] written by stops and by finish */
    char unix_path[108];
    pthread_t thread;
    bool started;
    bool filter_done; /* under the VM lock: the thread has installed its seccomp filter, or failed to */
    int filter_rc;
    bool finishing; /* under the VM lock */
    bool running;   /* gdb resumed the target and waits for a stop reply (server thread only) */
    bool session_attached;
    bool send_failed; /* a reply could not be sent (the connection failed, or the run ended first) */
    unsigned bad_checksums;
    enum vm_outcome outcome;
    int64_t code;
    struct gdb_vm_target target;
    struct gdb_session session;
    struct gdb_parser parser;
    struct gdb_reply reply;
    size_t last_len;
    uint8_t last[GDB_FRAMED_MAX(GDB_PACKET_MAX)]; /* the last packet sent, for a '-' */
    uint8_t in[GDB_READ_CHUNK];
};

static int parse_tcp(const char *v, struct gdb_address *out, char *err, size_t errlen)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof(out->host)) {
        snprintf(err, errlen, "--gdb tcp:%s: expected tcp:HOST:PORT (e.g. tcp:127.0.0.1:1234)", v);
        return -EINVAL;
    }
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno || port < 1 || port > 65535) {
        snprintf(err, errlen, "--gdb tcp:%s: the port must be a number from 1 to 65535", v);
        return -EINVAL;
    }
    memcpy(out->host, v, (size_t)(colon - v));
    out->host[colon - v] = '\0';
    struct in_addr a;
    if (strcmp(out->host, "localhost") != 0 && inet_pton(AF_INET, out->host, &a) != 1) {
        snprintf(err, errlen, "--gdb tcp:%s: HOST must be a numeric IPv4 address or localhost", v);
        return -EINVAL;
    }
    out->kind = GDB_ADDR_TCP;
    out->port = (uint16_t)port;
    return 0;
}

int gdb_parse_address(const char *spec, struct gdb_address *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (strncmp(spec, "tcp:", 4) == 0)
        return parse_tcp(spec + 4, out, err, errlen);
    if (strncmp(spec, "unix:", 5) == 0) {
        size_t n = strlen(spec + 5);
        if (n == 0 || n >= sizeof(out->path)) {
            snprintf(err, errlen, "--gdb %s: the socket path must have 1 to %zu bytes", spec,
                     sizeof(out->path) - 1);
            return -EINVAL;
        }
        out->kind = GDB_ADDR_UNIX;
        memcpy(out->path, spec + 5, n + 1);
        return 0;
    }
    snprintf(err, errlen, "--gdb %s: expected tcp:HOST:PORT or unix:PATH", spec);
    return -EINVAL;
}

static int listen_tcp(const struct gdb_address *a, char *err, size_t errlen)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "--gdb: socket: %s", strerror(errno));
        return -errno;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(a->port)};
    inet_pton(AF_INET, strcmp(a->host, "localhost") == 0 ? "127.0.0.1" : a->host, &sa.sin_addr);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        snprintf(err, errlen, "--gdb tcp:%s:%u: bind: %s", a->host, a->port, strerror(e));
        close(fd);
        return -e;
    }
    return fd;
}

/*
 * What is at a unix socket path that bind found in use: 0 for a socket
 * nobody listens on (left by a zxvmm that was killed), which may be
 * replaced; otherwise -EADDRINUSE with one line in `err`.
 */
static int check_stale_socket(const struct sockaddr_un *sa, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(sa->sun_path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen,
                 "--gdb unix:%s: the path exists and is not a socket (zxvmm replaces only a socket "
                 "nobody listens on)",
                 sa->sun_path);
        return -EADDRINUSE;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = probe < 0 ? -errno : connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ? 0 : -errno;
    if (probe >= 0)
        close(probe);
    if (rc == -ECONNREFUSED)
        return 0;
    snprintf(err, errlen, "--gdb unix:%s: %s", sa->sun_path,
             rc == 0 ? "another program is listening on this socket" : strerror(-rc));
    return -EADDRINUSE;
}

static int listen_unix(const struct gdb_address *a, char *err, size_t errlen)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "--gdb: socket: %s", strerror(errno));
        return -errno;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, a->path, strlen(a->path) + 1);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
    if (rc == -EADDRINUSE) {
        if ((rc = check_stale_socket(&sa, err, errlen)) != 0) {
            close(fd);
            return rc;
        }
        rc = unlink(sa.sun_path) == 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : -errno;
    }
    if (rc != 0 || listen(fd, 1) != 0) {
        int e = rc ? -rc : errno;
        snprintf(err, errlen, "--gdb unix:%s: bind: %s", a->path, strerror(e));
        close(fd);
        return -e;
    }
    return fd;
}

int gdb_server_open(const struct gdb_address *addr, struct gdb_server **out, char *err, size_t errlen)
{
    struct gdb_server *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "--gdb: out of host memory");
        return -ENOMEM;
    }
    s->client_fd = -1;
    if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "--gdb: pipe: %s", strerror(errno));
        free(s);
        return -EMFILE;
    }
    s->listen_fd =
        addr->kind == GDB_ADDR_TCP ? listen_tcp(addr, err, errlen) : listen_unix(addr, err, errlen);
    if (s->listen_fd < 0) {
        int rc = s->listen_fd;
        close(s->wake[0]);
        close(s->wake[1]);
        free(s);
        return rc;
    }
    if (addr->kind == GDB_ADDR_TCP) {
        fprintf(stderr, "zxvmm: gdb: listening on tcp:%s:%u; processes held until gdb attaches\n", addr->host,
                addr->port);
    } else {
        memcpy(s->unix_path, addr->path, sizeof(s->unix_path));
        fprintf(stderr, "zxvmm: gdb: listening on unix:%s; processes held until gdb attaches\n", addr->path);
    }
    *out = s;
    return 0;
}

/* Whether the run has ended and the server is being finished (then nothing more waits for the client). */
static bool is_finishing(struct gdb_server *s)
{
    pthread_mutex_lock(&s->target.vm->lock);
    bool finishing = s->finishing;
    pthread_mutex_unlock(&s->target.vm->lock);
    return finishing;
}

/*
 * Sends all of buf. A client that takes nothing (its socket buffer full: it
 * stopped reading) is waited for in slices of GDB_SEND_SLICE_MS, and given up
 * once the run ends, so that --timeout and a kill still end zxvmm. Bytes that
 * could not all be sent (that, or a broken connection) set s->send_failed:
 * the connection is then dropped before anything more of its input is served.
 */
static void send_all(struct gdb_server *s, const uint8_t *buf, size_t len)
{
    size_t off = 0;
    while (off < len && !s->send_failed) {
        ssize_t n = send(s->client_fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {s->client_fd, POLLOUT, 0};
            s->send_failed = (poll(&p, 1, GDB_SEND_SLICE_MS) < 0 && errno != EINTR) || is_finishing(s);
        } else if (n == 0 || errno != EINTR) {
            s->send_failed = true;
        }
    }
}

/* Frames and sends one reply; keeps it for a resend. */
static void send_packet(struct gdb_server *s, const uint8_t *payload, size_t len)
{
    s->last_len = gdb_packet_frame(payload, len, s->last, sizeof(s->last));
    send_all(s, s->last, s->last_len);
}

static void send_raw(struct gdb_server *s, char c)
{
    send_all(s, (const uint8_t *)&c, 1);
}

/* Ends the connection: a gdb that leaves (or is dropped) leaves the guest running without breakpoints. */
static void drop_client(struct gdb_server *s, const char *why)
{
    struct vm *vm = s->target.vm;
    if (why)
        fprintf(stderr, "zxvmm: gdb: %s; connection closed, processes run on\n", why);
    pthread_mutex_lock(&vm->lock);
    if (s->target.attached)
        gdb_target_detach(&s->target);
    pthread_mutex_unlock(&vm->lock);
    close(s->client_fd);
    s->client_fd = -1;
    s->running = false;
    s->session_attached = false;
}

/* The first valid packet attaches: every process stops (they are held already at entry). */
static void attach(struct gdb_server *s)
{
    struct vm *vm = s->target.vm;
    struct gdb_stop stop;
    pthread_mutex_lock(&vm->lock);
    s->target.attached = true;
    gdb_target_stop_all(&s->target);
    gdb_target_wait_stopped(&s->target, GDB_STOP_WAIT_NS);
    gdb_target_stop_reply(&s->target, GDB_SIGTRAP, &stop);
    pthread_mutex_unlock(&vm->lock);
    gdb_session_init(&s->session, &s->target.ops, &stop);
    s->session_attached = true;
}

/* Sends the next stop gdb has not heard of, once everything has stopped; true when one was sent. */
static bool report_event(struct gdb_server *s)
{
    struct vm *vm = s->target.vm;
    struct gdb_stop stop;
    pthread_mutex_lock(&vm->lock);
    bool found = gdb_target_take_event(&s->target, &stop);
    if (found) {
        gdb_target_stop_all(&s->target);
        gdb_target_wait_stopped(&s->target, GDB_STOP_WAIT_NS);
    }
    pthread_mutex_unlock(&vm->lock);
    if (!found)
        return false;
    gdb_session_stopped(&s->session, &stop, &s->reply);
    send_packet(s, s->reply.data, s->reply.len);
    s->running = false;
    return true;
}

static void interrupt(struct gdb_server *s)
{
    struct vm *vm = s->target.vm;
    struct gdb_stop stop;
    pthread_mutex_lock(&vm->lock);
    gdb_target_stop_all(&s->target);
    gdb_target_wait_stopped(&s->target, GDB_STOP_WAIT_NS);
    gdb_target_stop_reply(&s->target, GDB_SIGINT, &stop);
    pthread_mutex_unlock(&vm->lock);
    if (report_event(s))
        return; /* a thread stopped by itself meanwhile: that is the stop */
    gdb_session_stopped(&s->session, &stop, &s->reply);
    send_packet(s, s->reply.data, s->reply.len);
    s->running = false;
}

/* One good packet: attach if needed, run the command under the VM lock, reply. Returns false to drop. */
static bool handle_packet(struct gdb_server *s)
{
    struct vm *vm = s->target.vm;
    if (!s->session.no_ack || !s->session_attached)
        send_raw(s, '+');
    if (!s->session_attached)
        attach(s);
    if (s->running)
        return true; /* gdb only sends Ctrl-C while the target runs; anything else waits for the stop */
    pthread_mutex_lock(&vm->lock);
    enum gdb_outcome out = gdb_session_packet(&s->session, s->parser.buf, s->parser.len, &s->reply);
    pthread_mutex_unlock(&vm->lock);
    switch (out) {
    case GDB_OUT_REPLY:
        send_packet(s, s->reply.data, s->reply.len);
        return true;
    case GDB_OUT_NONE:
        return true;
    case GDB_OUT_RESUMED:
        s->running = true;
        report_event(s); /* a stop gdb has not heard of yet comes at once */
        return true;
    case GDB_OUT_DETACHED:
        send_packet(s, s->reply.data, s->reply.len);
        drop_client(s, NULL);
        return false;
    case GDB_OUT_KILLED:
        if (s->reply.len)
            send_packet(s, s->reply.data, s->reply.len);
        close(s->client_fd);
        s->client_fd = -1;
        return false;
    }
    return true;
}

/* Feeds what gdb sent to the parser; returns false when the connection was closed. */
static bool handle_input(struct gdb_server *s, const uint8_t *in, size_t len)
{
    while (len > 0) {
        if (s->send_failed) {
            drop_client(s, is_finishing(s) ? NULL : "a reply could not be sent");
            return false;
        }
        enum gdb_event ev;
        size_t used = gdb_parser_feed(&s->parser, in, len, &ev);
        in += used;
        len -= used;
        switch (ev) {
        case GDB_EV_PACKET:
            s->bad_checksums = 0;
            if (!handle_packet(s))
                return false;
            break;
        case GDB_EV_BAD_CHECKSUM:
            if (s->session.no_ack || ++s->bad_checksums > GDB_MAX_BAD_CSUM) {
                drop_client(s, "packets with bad checksums");
                return false;
            }
            send_raw(s, '-');
            break;
        case GDB_EV_NACK:
            if (s->last_len)
                send_all(s, s->last, s->last_len);
            break;
        case GDB_EV_INTERRUPT:
            if (s->running)
                interrupt(s);
            break;
        case GDB_EV_MALFORMED:
        case GDB_EV_GARBAGE:
            drop_client(s, "malformed input from the client");
            return false;
        case GDB_EV_ACK:
        case GDB_EV_NONE:
            break;
        }
    }
    return true;
}

static void accept_client(struct gdb_server *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (s->client_fd >= 0) {
        fprintf(stderr, "zxvmm: gdb: a second connection was refused (one gdb at a time)\n");
        close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)); /* fails harmlessly on a unix socket */
    s->client_fd = fd;
    s->send_failed = false;
    s->bad_checksums = 0;
    s->last_len = 0;
    s->session.no_ack = false;
    gdb_parser_init(&s->parser);
}

/* The main process ended: a gdb waiting for a stop hears W or X. */
static void tell_exit(struct gdb_server *s)
{
    if (s->client_fd < 0 || !s->running || s->target.killed)
        return;
    struct gdb_stop st = {.exited = true, .code = s->code};
    if (s->outcome != VM_MAIN_EXITED) {
        st.by_signal = true;
        st.signal = s->outcome != VM_MAIN_EXCEPTION ? GDB_SIGKILL
                    : s->target.main_signal         ? s->target.main_signal
                                                    : GDB_SIGSEGV;
    }
    gdb_session_stopped(&s->session, &st, &s->reply);
    send_packet(s, s->reply.data, s->reply.len);
}

/* The gdb stub's seccomp filter, on this thread, when the VM has filters; gdb_server_start waits for it. */
static int install_filter(struct gdb_server *s)
{
    pthread_setname_np(pthread_self(), "zxvmm-gdb"); /* its role, in /proc */
    const struct vm_seccomp_config *base = s->target.vm->seccomp;
    if (!base)
        return 0;
    struct vm_seccomp_config cfg = *base;
    cfg.gdb_listen_fd = s->listen_fd;
    cfg.gdb_wake_fd = s->wake[0];
    int rc = vm_seccomp_install(VM_SECCOMP_GDB, &cfg);
    if (rc != 0)
        fprintf(stderr, "zxvmm: seccomp: cannot install the gdb stub thread's filter: %s\n", strerror(-rc));
    return rc;
}

static void *server_main(void *arg)
{
    struct gdb_server *s = arg;
    struct vm *vm = s->target.vm;
    int rc = install_filter(s);
    pthread_mutex_lock(&vm->lock);
    s->filter_rc = rc;
    s->filter_done = true;
    pthread_cond_broadcast(&vm->cond);
    pthread_mutex_unlock(&vm->lock);
    if (rc != 0)
        return NULL;
    for (;;) {
        if (is_finishing(s))
            break;
        struct pollfd fds[3] = {
            {s->wake[0], POLLIN, 0}, {s->listen_fd, POLLIN, 0}, {s->client_fd, POLLIN, 0}};
        if (poll(fds, s->client_fd >= 0 ? 3 : 2, -1) < 0)
            continue;
        if (fds[0].revents) {
            uint8_t drain[64];
            while (read(s->wake[0], drain, sizeof(drain)) > 0) {
            }
            if (s->running)
                report_event(s);
        }
        if (fds[1].revents)
            accept_client(s);
        if (s->client_fd >= 0 && fds[2].revents) {
            ssize_t n = recv(s->client_fd, s->in, sizeof(s->in), 0);
            if (n <= 0)
                drop_client(s, s->session_attached ? "the client went away" : NULL);
            else
                handle_input(s, s->in, (size_t)n);
        }
    }
    tell_exit(s);
    return NULL;
}

int gdb_server_start(struct gdb_server *s, struct vm *vm, struct vcpu *main, const char *const programs[])
{
    gdb_target_init(&s->target, vm, main, programs, s->wake[1]);
    pthread_mutex_lock(&vm->lock);
    gdb_target_stop_all(&s->target);
    debug_set_host_debugger(&vm->objects, &s->target.hook);
    pthread_mutex_unlock(&vm->lock);
    int rc = pthread_create(&s->thread, NULL, server_main, s);
    if (rc)
        return -rc;
    s->started = true;
    pthread_mutex_lock(&vm->lock);
    while (!s->filter_done)
        pthread_cond_wait(&vm->cond, &vm->lock);
    rc = s->filter_rc;
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

int gdb_server_wake_fd(const struct gdb_server *s)
{
    return s->wake[1];
}

void gdb_server_finish(struct gdb_server *s, enum vm_outcome outcome, int64_t code)
{
    if (!s)
        return;
    if (s->started) {
        struct vm *vm = s->target.vm;
        pthread_mutex_lock(&vm->lock);
        s->finishing = true;
        s->outcome = outcome;
        s->code = code;
        debug_set_host_debugger(&vm->objects, NULL);
        pthread_mutex_unlock(&vm->lock);
        uint8_t b = 1;
        if (write(s->wake[1], &b, 1) < 0) {
            /* the pipe is full: the thread is awake anyway */
        }
        pthread_join(s->thread, NULL);
    }
    if (s->client_fd >= 0)
        close(s->client_fd);
    close(s->listen_fd);
    close(s->wake[0]);
    close(s->wake[1]);
    if (s->unix_path[0])
        unlink(s->unix_path);
    free(s);
}
