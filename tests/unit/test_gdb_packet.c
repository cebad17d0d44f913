/* test_gdb_packet.c: the GDB remote protocol framing: packets, checksums, escapes, run lengths, acks,
 * interrupts, malformed input, and the framer and hex helpers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdb/packet.h"

static struct gdb_parser *parser(void)
{
    struct gdb_parser *p = malloc(sizeof(*p));
    cr_assert_not_null(p);
    gdb_parser_init(p);
    return p;
}

/* Feeds a whole string and returns the first event (the rest stays unread). */
static enum gdb_event feed(struct gdb_parser *p, const char *s, size_t *used)
{
    enum gdb_event ev;
    size_t n = gdb_parser_feed(p, (const uint8_t *)s, strlen(s), &ev);
    if (used)
        *used = n;
    return ev;
}

Test(gdb_packet, plain_packet_with_good_checksum)
{
    struct gdb_parser *p = parser();
    size_t used;
    cr_assert_eq(feed(p, "$g#67", &used), GDB_EV_PACKET);
    cr_assert_eq(used, 5);
    cr_assert_eq(p->len, 1);
    cr_assert_str_eq((char *)p->buf, "g");
    free(p);
}

Test(gdb_packet, checksum_digits_in_upper_case)
{
    struct gdb_parser *p = parser();
    cr_assert_eq(feed(p, "$qSupported#37", NULL), GDB_EV_PACKET);
    cr_assert_eq(feed(p, "$vCont?#49", NULL), GDB_EV_PACKET);
    cr_assert_eq(feed(p, "$;#3B", NULL), GDB_EV_PACKET);
    free(p);
}

Test(gdb_packet, bad_checksum_is_reported_not_delivered)
{
    struct gdb_parser *p = parser();
    cr_assert_eq(feed(p, "$g#68", NULL), GDB_EV_BAD_CHECKSUM);
    cr_assert_eq(feed(p, "$g#67", NULL), GDB_EV_PACKET);
    free(p);
}

Test(gdb_packet, empty_packet)
{
    struct gdb_parser *p = parser();
    cr_assert_eq(feed(p, "$#00", NULL), GDB_EV_PACKET);
    cr_assert_eq(p->len, 0);
    free(p);
}

Test(gdb_packet, acks_and_interrupt_outside_packets)
{
    struct gdb_parser *p = parser();
    size_t used;
    cr_assert_eq(feed(p, "+$g#67", &used), GDB_EV_ACK);
    cr_assert_eq(used, 1);
    cr_assert_eq(feed(p, "-", NULL), GDB_EV_NACK);
    cr_assert_eq(feed(p, "\x03", NULL), GDB_EV_INTERRUPT);
    cr_assert_eq(feed(p, "x", NULL), GDB_EV_GARBAGE);
    free(p);
}

Test(gdb_packet, ack_characters_inside_a_packet_are_data)
{
    struct gdb_parser *p = parser();
    /* "+-\x03" sums to 0x2b + 0x2d + 0x03 = 0x5b */
    cr_assert_eq(feed(p, "$+-\x03#5b", NULL), GDB_EV_PACKET);
    cr_assert_eq(p->len, 3);
    cr_assert_eq(memcmp(p->buf, "+-\x03", 3), 0);
    free(p);
}

Test(gdb_packet, packet_split_across_reads)
{
    struct gdb_parser *p = parser();
    const char *parts[] = {"$", "m1", "0,4", "#", "2", "e"};
    enum gdb_event ev = GDB_EV_NONE;
    for (size_t i = 0; i < 6; i++) {
        cr_assert_eq(ev, GDB_EV_NONE, "event before the end at part %zu", i);
        ev = feed(p, parts[i], NULL);
    }
    cr_assert_eq(ev, GDB_EV_PACKET);
    cr_assert_str_eq((char *)p->buf, "m10,4");
    free(p);
}

Test(gdb_packet, two_packets_in_one_read)
{
    struct gdb_parser *p = parser();
    const char *s = "$g#67$?#3f";
    size_t used;
    cr_assert_eq(feed(p, s, &used), GDB_EV_PACKET);
    cr_assert_eq(used, 5);
    cr_assert_eq(feed(p, s + used, NULL), GDB_EV_PACKET);
    cr_assert_str_eq((char *)p->buf, "?");
    free(p);
}

Test(gdb_packet, escapes_are_decoded_checksum_over_raw_bytes)
{
    struct gdb_parser *p = parser();
    /* "X0,1:" then '}' 0x5d ('}' ^ 0x20 = ']' escapes '}' itself) */
    uint8_t raw[] = "$X0,1:}]#00";
    uint8_t sum = 0;
    for (size_t i = 1; raw[i] != '#'; i++)
        sum = (uint8_t)(sum + raw[i]);
    static const char digits[] = "0123456789abcdef";
    raw[sizeof(raw) - 3] = (uint8_t)digits[sum >> 4];
    raw[sizeof(raw) - 2] = (uint8_t)digits[sum & 0xf];
    enum gdb_event ev;
    gdb_parser_feed(p, raw, sizeof(raw) - 1, &ev);
    cr_assert_eq(ev, GDB_EV_PACKET);
    cr_assert_eq(p->len, 6);
    cr_assert_eq(p->buf[5], '}');
    free(p);
}

Test(gdb_packet, run_length_expands_previous_byte)
{
    struct gdb_parser *p = parser();
    /* "0* " is '0' then 32 - 29 = 3 more: "0000" */
    uint8_t sum = (uint8_t)('0' + '*' + ' ');
    char s[16];
    snprintf(s, sizeof(s), "$0* #%02x", sum);
    cr_assert_eq(feed(p, s, NULL), GDB_EV_PACKET);
    cr_assert_str_eq((char *)p->buf, "0000");
    free(p);
}

Test(gdb_packet, run_length_without_previous_byte_is_malformed)
{
    struct gdb_parser *p = parser();
    uint8_t sum = (uint8_t)('*' + ' ');
    char s[16];
    snprintf(s, sizeof(s), "$* #%02x", sum);
    cr_assert_eq(feed(p, s, NULL), GDB_EV_MALFORMED);
    free(p);
}

Test(gdb_packet, run_length_with_unprintable_count_is_malformed)
{
    struct gdb_parser *p = parser();
    uint8_t sum = (uint8_t)('0' + '*' + 0x10);
    char s[16];
    snprintf(s, sizeof(s), "$0*\x10#%02x", sum);
    cr_assert_eq(feed(p, s, NULL), GDB_EV_MALFORMED);
    free(p);
}

Test(gdb_packet, escape_left_open_at_the_end_is_malformed)
{
    struct gdb_parser *p = parser();
    uint8_t sum = (uint8_t)('a' + '}');
    char s[16];
    snprintf(s, sizeof(s), "$a}#%02x", sum);
    cr_assert_eq(feed(p, s, NULL), GDB_EV_MALFORMED);
    free(p);
}

Test(gdb_packet, non_hex_checksum_is_malformed)
{
    struct gdb_parser *p = parser();
    cr_assert_eq(feed(p, "$g#zz", NULL), GDB_EV_MALFORMED);
    cr_assert_eq(feed(p, "$g#6z", NULL), GDB_EV_MALFORMED);
    cr_assert_eq(feed(p, "$g#67", NULL), GDB_EV_PACKET);
    free(p);
}

Test(gdb_packet, dollar_inside_a_packet_starts_it_again)
{
    struct gdb_parser *p = parser();
    cr_assert_eq(feed(p, "$mgarbage$g#67", NULL), GDB_EV_PACKET);
    cr_assert_str_eq((char *)p->buf, "g");
    free(p);
}

Test(gdb_packet, too_long_packet_is_malformed_and_the_next_one_parses)
{
    struct gdb_parser *p = parser();
    size_t n = GDB_PACKET_MAX + 10;
    char *s = malloc(n + 5);
    cr_assert_not_null(s);
    s[0] = '$';
    memset(s + 1, 'a', n);
    memcpy(s + 1 + n, "#00", 4);
    cr_assert_eq(feed(p, s, NULL), GDB_EV_MALFORMED);
    cr_assert_eq(feed(p, "$g#67", NULL), GDB_EV_PACKET);
    free(s);
    free(p);
}

Test(gdb_packet, largest_packet_is_accepted)
{
    struct gdb_parser *p = parser();
    size_t n = GDB_PACKET_MAX;
    char *s = malloc(n + 5);
    cr_assert_not_null(s);
    s[0] = '$';
    memset(s + 1, 'a', n);
    uint8_t sum = (uint8_t)(n * 'a');
    snprintf(s + 1 + n, 4, "#%02x", sum);
    cr_assert_eq(feed(p, s, NULL), GDB_EV_PACKET);
    cr_assert_eq(p->len, n);
    free(s);
    free(p);
}

Test(gdb_packet, frame_adds_checksum)
{
    uint8_t out[16];
    size_t n = gdb_packet_frame((const uint8_t *)"OK", 2, out, sizeof(out));
    cr_assert_eq(n, 6);
    cr_assert_eq(memcmp(out, "$OK#9a", 6), 0);
}

Test(gdb_packet, frame_escapes_special_bytes_and_round_trips)
{
    const uint8_t payload[] = {'l', '#', '$', '}', '*', 0, 0xff};
    uint8_t out[GDB_FRAMED_MAX(sizeof(payload))];
    size_t n = gdb_packet_frame(payload, sizeof(payload), out, sizeof(out));
    cr_assert_gt(n, 0);
    for (size_t i = 1; i + 3 < n; i++)
        cr_assert(out[i] != '#' && out[i] != '$' && out[i] != '*', "unescaped byte 0x%02x at %zu", out[i], i);
    struct gdb_parser *p = parser();
    enum gdb_event ev;
    cr_assert_eq(gdb_parser_feed(p, out, n, &ev), n);
    cr_assert_eq(ev, GDB_EV_PACKET);
    cr_assert_eq(p->len, sizeof(payload));
    cr_assert_eq(memcmp(p->buf, payload, sizeof(payload)), 0);
    free(p);
}

Test(gdb_packet, frame_refuses_a_small_buffer)
{
    uint8_t out[5];
    cr_assert_eq(gdb_packet_frame((const uint8_t *)"OK", 2, out, sizeof(out)), 0);
    cr_assert_eq(gdb_packet_frame((const uint8_t *)"", 0, out, 3), 0);
}

Test(gdb_packet, hex_encode_and_decode)
{
    const uint8_t bytes[] = {0x00, 0x7f, 0xab, 0xff};
    char hex[9] = {0};
    gdb_hex_encode(bytes, 4, hex);
    cr_assert_str_eq(hex, "007fabff");
    uint8_t back[4];
    cr_assert_eq(gdb_hex_decode("007FABff", 4, back), 0);
    cr_assert_eq(memcmp(back, bytes, 4), 0);
    cr_assert_eq(gdb_hex_decode("0g", 1, back), -1);
    cr_assert_eq(gdb_hex_decode("0", 1, back), -1);
}

Test(gdb_packet, parse_hex_numbers)
{
    const char *s = "7ffe1000,40";
    uint64_t v;
    cr_assert_eq(gdb_parse_hex(&s, &v), 0);
    cr_assert_eq(v, 0x7ffe1000);
    cr_assert_eq(*s, ',');
    s = "ffffffffffffffff";
    cr_assert_eq(gdb_parse_hex(&s, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
}

Test(gdb_packet, parse_hex_refuses_empty_and_overflow)
{
    const char *s = ",4", *start = s;
    uint64_t v = 42;
    cr_assert_eq(gdb_parse_hex(&s, &v), -1);
    cr_assert_eq(s, start);
    cr_assert_eq(v, 42);
    s = "10000000000000000";
    cr_assert_eq(gdb_parse_hex(&s, &v), -1);
}
