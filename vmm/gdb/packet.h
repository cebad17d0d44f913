/* packet.h: the GDB remote serial protocol's framing, pure: packets in (checksums, escapes, run-length
 * encoding, acks, Ctrl-C) and packets out, plus the hex helpers every command uses. No I/O, no KVM. */
#ifndef ZXVMM_GDB_PACKET_H
#define ZXVMM_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest packet payload accepted (decoded bytes); qSupported announces it as PacketSize. */
#define GDB_PACKET_MAX (64 * 1024)

/* What one call of gdb_parser_feed found. */
enum gdb_event {
    GDB_EV_NONE,         /* every byte consumed, no event yet */
    GDB_EV_PACKET,       /* a packet with a good checksum: payload in p->buf[0..p->len), NUL after it */
    GDB_EV_BAD_CHECKSUM, /* a complete packet whose checksum does not match (ack mode: answer '-') */
    GDB_EV_MALFORMED,    /* a packet that cannot be decoded: non-hex checksum, bad run length, too long */
    GDB_EV_ACK,          /* '+' outside a packet */
    GDB_EV_NACK,         /* '-' outside a packet: resend the last packet */
    GDB_EV_INTERRUPT,    /* 0x03 outside a packet (Ctrl-C) */
    GDB_EV_GARBAGE,      /* any other byte outside a packet */
};

enum gdb_parse_state {
    GDB_PS_IDLE,  /* between packets */
    GDB_PS_DATA,  /* after '$' */
    GDB_PS_ESC,   /* after '}' inside a packet */
    GDB_PS_RLE,   /* after '*' inside a packet */
    GDB_PS_CSUM1, /* after '#' */
    GDB_PS_CSUM2,
};

/*
 * An incremental decoder of the byte stream gdb sends. Escapes ('}' then the
 * byte XOR 0x20) and run lengths ('*' then a count character n: the previous
 * byte n - 29 more times) are decoded into `buf`; the checksum is the sum of
 * the bytes between '$' and '#' as sent, modulo 256. An unescaped '$' inside
 * a packet starts it again, as gdb's own reader does.
 */
struct gdb_parser {
    enum gdb_parse_state state;
    uint8_t sum;      /* running checksum of the raw bytes */
    uint8_t sent_sum; /* the checksum as received */
    bool overflow;    /* more than GDB_PACKET_MAX decoded bytes: the packet is malformed */
    bool bad;         /* a run length without a previous byte or with a forbidden count */
    size_t len;       /* decoded payload bytes */
    uint8_t buf[GDB_PACKET_MAX + 1];
};

void gdb_parser_init(struct gdb_parser *p);

/*
 * Consumes bytes of `in` up to and including the first one that completes
 * an event, which it returns in *ev (GDB_EV_NONE when all `len` bytes were
 * consumed without one). Returns the number of bytes consumed. After
 * GDB_EV_PACKET the payload stays in p->buf until the next call.
 */
size_t gdb_parser_feed(struct gdb_parser *p, const uint8_t *in, size_t len, enum gdb_event *ev);

/*
 * Frames `payload` as "$payload#xx" into `out` (capacity `cap`), escaping
 * '#', '$', '}' and '*' (so binary replies need nothing more). Returns the
 * framed length, or 0 when it does not fit.
 */
size_t gdb_packet_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/* The framed size of `payload` in the worst case (every byte escaped). */
#define GDB_FRAMED_MAX(len) (2 * (len) + 4)

/* Value of one hex digit, or -1. */
int gdb_hex_digit(uint8_t c);

/* Writes 2 * len lowercase hex digits for `bytes` into `out` (no NUL). */
void gdb_hex_encode(const uint8_t *bytes, size_t len, char *out);

/*
 * Decodes 2 * len hex digits of `hex` into `out`. Returns 0, or -1 when a
 * character is not a hex digit.
 */
int gdb_hex_decode(const char *hex, size_t len, uint8_t *out);

/*
 * Parses a big-endian hex number (at least one digit, at most 16
 * significant ones) at *s, advancing *s past it. Returns 0, or -1 (no digit,
 * or the value overflows 64 bits).
 */
int gdb_parse_hex(const char **s, uint64_t *out);

#endif
