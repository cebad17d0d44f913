/* packet.c: GDB remote protocol framing: the incremental packet decoder, the framer and hex helpers. */
#include "gdb/packet.h"

#include <string.h>

#define GDB_ESCAPE     '}'
#define GDB_ESCAPE_XOR 0x20
#define GDB_RLE        '*'
#define GDB_RLE_BIAS   29  /* a count character n repeats the previous byte n - 29 more times */
#define GDB_RLE_MIN    ' ' /* the smallest printable count: 3 more */
#define GDB_RLE_MAX    '~'
#define GDB_INTERRUPT  0x03

void gdb_parser_init(struct gdb_parser *p)
{
    p->state = GDB_PS_IDLE;
    p->len = 0;
    p->buf[0] = 0;
}

static void start_packet(struct gdb_parser *p)
{
    p->state = GDB_PS_DATA;
    p->sum = 0;
    p->len = 0;
    p->overflow = false;
    p->bad = false;
}

static void put_byte(struct gdb_parser *p, uint8_t c)
{
    if (p->len >= GDB_PACKET_MAX) {
        p->overflow = true;
        return;
    }
    p->buf[p->len++] = c;
}

/* A run-length count character: the previous decoded byte, n - 29 more times. */
static void put_run(struct gdb_parser *p, uint8_t n)
{
    if (p->len == 0 || n < GDB_RLE_MIN || n > GDB_RLE_MAX || n == '#' || n == '$') {
        p->bad = true;
        return;
    }
    uint8_t prev = p->buf[p->len - 1];
    for (int i = 0; i < n - GDB_RLE_BIAS; i++)
        put_byte(p, prev);
}

static enum gdb_event idle_byte(struct gdb_parser *p, uint8_t c)
{
    switch (c) {
    case '$':
        start_packet(p);
        return GDB_EV_NONE;
    case '+':
        return GDB_EV_ACK;
    case '-':
        return GDB_EV_NACK;
    case GDB_INTERRUPT:
        return GDB_EV_INTERRUPT;
    default:
        return GDB_EV_GARBAGE;
    }
}

/* A byte inside "$...#": raw bytes count in the checksum whatever they decode to. */
static void data_byte(struct gdb_parser *p, uint8_t c)
{
    if (c == '$') {
        start_packet(p);
        return;
    }
    if (c == '#') {
        p->bad = p->bad || p->state != GDB_PS_DATA; /* an escape or run length left unfinished */
        p->state = GDB_PS_CSUM1;
        return;
    }
    p->sum = (uint8_t)(p->sum + c);
    switch (p->state) {
    case GDB_PS_ESC:
        put_byte(p, c ^ GDB_ESCAPE_XOR);
        p->state = GDB_PS_DATA;
        break;
    case GDB_PS_RLE:
        put_run(p, c);
        p->state = GDB_PS_DATA;
        break;
    default:
        if (c == GDB_ESCAPE)
            p->state = GDB_PS_ESC;
        else if (c == GDB_RLE)
            p->state = GDB_PS_RLE;
        else
            put_byte(p, c);
        break;
    }
}

/* A checksum digit; returns the event when the packet is complete. */
static enum gdb_event checksum_byte(struct gdb_parser *p, uint8_t c)
{
    int d = gdb_hex_digit(c);
    if (p->state == GDB_PS_CSUM1) {
        p->sent_sum = (uint8_t)((d < 0 ? 0 : d) << 4);
        p->bad = p->bad || d < 0;
        p->state = GDB_PS_CSUM2;
        return GDB_EV_NONE;
    }
    p->state = GDB_PS_IDLE;
    p->buf[p->len < GDB_PACKET_MAX ? p->len : GDB_PACKET_MAX] = 0;
    if (d < 0 || p->bad || p->overflow)
        return GDB_EV_MALFORMED;
    p->sent_sum = (uint8_t)(p->sent_sum | d);
    return p->sent_sum == p->sum ? GDB_EV_PACKET : GDB_EV_BAD_CHECKSUM;
}

size_t gdb_parser_feed(struct gdb_parser *p, const uint8_t *in, size_t len, enum gdb_event *ev)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t c = in[i];
        enum gdb_event e = GDB_EV_NONE;
        switch (p->state) {
        case GDB_PS_IDLE:
            e = idle_byte(p, c);
            break;
        case GDB_PS_CSUM1:
        case GDB_PS_CSUM2:
            e = checksum_byte(p, c);
            break;
        default:
            data_byte(p, c);
            break;
        }
        if (e != GDB_EV_NONE) {
            *ev = e;
            return i + 1;
        }
    }
    *ev = GDB_EV_NONE;
    return len;
}

static bool needs_escape(uint8_t c)
{
    return c == '#' || c == '$' || c == GDB_ESCAPE || c == GDB_RLE;
}

size_t gdb_packet_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = payload[i];
        if (n + 2 + 3 > cap)
            return 0;
        if (needs_escape(c)) {
            out[n++] = GDB_ESCAPE;
            sum = (uint8_t)(sum + GDB_ESCAPE);
            c ^= GDB_ESCAPE_XOR;
        }
        out[n++] = c;
        sum = (uint8_t)(sum + c);
    }
    if (n + 3 > cap)
        return 0;
    out[n++] = '#';
    out[n++] = (uint8_t)digits[sum >> 4];
    out[n++] = (uint8_t)digits[sum & 0xf];
    return n;
}

int gdb_hex_digit(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void gdb_hex_encode(const uint8_t *bytes, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
}

int gdb_hex_decode(const char *hex, size_t len, uint8_t *out)
{
    for (size_t i = 0; i < len; i++) {
        int hi = gdb_hex_digit((uint8_t)hex[2 * i]),
            lo = hi < 0 ? -1 : gdb_hex_digit((uint8_t)hex[2 * i + 1]);
        if (lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int gdb_parse_hex(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    int d = gdb_hex_digit((uint8_t)*p);
    if (d < 0)
        return -1;
    for (; (d = gdb_hex_digit((uint8_t)*p)) >= 0; p++) {
        if (v >> 60)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    *s = p;
    *out = v;
    return 0;
}
