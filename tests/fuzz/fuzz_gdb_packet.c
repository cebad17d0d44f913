/* fuzz_gdb_packet.c: libFuzzer entry point for the GDB packet decoder and framer on arbitrary byte streams.
 */
/*
 * Built by tests/fuzz/CMakeLists.txt (-DZXVMM_FUZZ=ON, clang); run by scripts/fuzz.sh.
 * Input: one byte of split step, then the stream gdb (or anything on the
 * socket) might send. The stream is fed in pieces of 1..step+1 bytes. Every
 * call must consume at least one byte of a non-empty piece and at most the
 * piece; a delivered packet must fit GDB_PACKET_MAX and, framed again,
 * decode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gdb_parser in, again;
static uint8_t framed[GDB_FRAMED_MAX(GDB_PACKET_MAX)];

static void check_reframe(const struct gdb_parser *p)
{
    size_t n = gdb_packet_frame(p->buf, p->len, framed, sizeof(framed));
    if (n == 0)
        abort();
    gdb_parser_init(&again);
    enum gdb_event ev;
    if (gdb_parser_feed(&again, framed, n, &ev) != n || ev != GDB_EV_PACKET || again.len != p->len ||
        memcmp(again.buf, p->buf, p->len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t step = (size_t)data[0] + 1;
    data++;
    size--;
    gdb_parser_init(&in);
    while (size > 0) {
        size_t piece = size < step ? size : step;
        enum gdb_event ev;
        size_t used = gdb_parser_feed(&in, data, piece, &ev);
        if (used == 0 || used > piece || (ev == GDB_EV_NONE && used != piece))
            abort();
        if (ev == GDB_EV_PACKET) {
            if (in.len > GDB_PACKET_MAX || in.buf[in.len] != 0)
                abort();
            check_reframe(&in);
        }
        data += used;
        size -= used;
    }
    return 0;
}
