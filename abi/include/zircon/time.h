/* zircon/time.h: Zircon's time types and overflow-safe (saturating) time arithmetic. */
#ifndef ZIRCON_TIME_H_
#define ZIRCON_TIME_H_

#include <stdint.h>
#include <zircon/compiler.h>

__BEGIN_CDECLS

typedef int64_t zx_time_t;     /* absolute time in ns, normally on the monotonic clock */
typedef int64_t zx_duration_t; /* a span of time in ns */
typedef int64_t zx_ticks_t;    /* a span of time in hardware ticks */

#define ZX_TIME_INFINITE      INT64_MAX
#define ZX_TIME_INFINITE_PAST INT64_MIN

/*
 * Arithmetic on times and durations that saturates instead of wrapping: a
 * result above INT64_MAX becomes ZX_TIME_INFINITE, one below INT64_MIN
 * becomes ZX_TIME_INFINITE_PAST. Names follow Zircon's
 * zx_<first>_<operation>_<second> pattern.
 */
static inline zx_time_t zx_time_add_duration(zx_time_t time, zx_duration_t duration)
{
    zx_time_t sum;
    if (__builtin_add_overflow(time, duration, &sum))
        return duration < 0 ? ZX_TIME_INFINITE_PAST : ZX_TIME_INFINITE;
    return sum;
}

static inline zx_time_t zx_time_sub_duration(zx_time_t time, zx_duration_t duration)
{
    zx_time_t difference;
    if (__builtin_sub_overflow(time, duration, &difference))
        return duration < 0 ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
    return difference;
}

static inline zx_duration_t zx_time_sub_time(zx_time_t time1, zx_time_t time2)
{
    zx_duration_t difference;
    if (__builtin_sub_overflow(time1, time2, &difference))
        return time2 < 0 ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
    return difference;
}

static inline zx_duration_t zx_duration_add_duration(zx_duration_t dur1, zx_duration_t dur2)
{
    return zx_time_add_duration(dur1, dur2);
}

static inline zx_duration_t zx_duration_sub_duration(zx_duration_t dur1, zx_duration_t dur2)
{
    return zx_time_sub_duration(dur1, dur2);
}

static inline zx_duration_t zx_duration_mul_int64(zx_duration_t duration, int64_t multiplier)
{
    zx_duration_t product;
    if (__builtin_mul_overflow(duration, multiplier, &product))
        return (duration < 0) == (multiplier < 0) ? ZX_TIME_INFINITE : ZX_TIME_INFINITE_PAST;
    return product;
}

/* Nanoseconds per unit (zxvmm names, not Zircon's), for the conversions below. */
#define ZXVMM_NSEC_PER_USEC ((int64_t)1000)
#define ZXVMM_NSEC_PER_MSEC ((int64_t)1000000)
#define ZXVMM_NSEC_PER_SEC  ((int64_t)1000000000)
#define ZXVMM_NSEC_PER_MIN  ((int64_t)60 * ZXVMM_NSEC_PER_SEC)
#define ZXVMM_NSEC_PER_HOUR ((int64_t)3600 * ZXVMM_NSEC_PER_SEC)

static inline int64_t zx_nsec_from_duration(zx_duration_t n)
{
    return n;
}

static inline zx_duration_t zx_duration_from_nsec(int64_t n)
{
    return n;
}

static inline zx_duration_t zx_duration_from_usec(int64_t n)
{
    return zx_duration_mul_int64(ZXVMM_NSEC_PER_USEC, n);
}

static inline zx_duration_t zx_duration_from_msec(int64_t n)
{
    return zx_duration_mul_int64(ZXVMM_NSEC_PER_MSEC, n);
}

static inline zx_duration_t zx_duration_from_sec(int64_t n)
{
    return zx_duration_mul_int64(ZXVMM_NSEC_PER_SEC, n);
}

static inline zx_duration_t zx_duration_from_min(int64_t n)
{
    return zx_duration_mul_int64(ZXVMM_NSEC_PER_MIN, n);
}

static inline zx_duration_t zx_duration_from_hour(int64_t n)
{
    return zx_duration_mul_int64(ZXVMM_NSEC_PER_HOUR, n);
}

/*
 * Unit macros. With a constant argument they expand to a constant
 * expression (usable in initialisers and static assertions); with a
 * run-time argument they saturate like the functions above.
 */
#define ZX_NSEC(n) (__builtin_constant_p(n) ? ((zx_duration_t)(n)) : zx_duration_from_nsec(n))
#define ZX_USEC(n)                                                                                           \
    (__builtin_constant_p(n) ? ((zx_duration_t)(ZXVMM_NSEC_PER_USEC * (n))) : zx_duration_from_usec(n))
#define ZX_MSEC(n)                                                                                           \
    (__builtin_constant_p(n) ? ((zx_duration_t)(ZXVMM_NSEC_PER_MSEC * (n))) : zx_duration_from_msec(n))
#define ZX_SEC(n)                                                                                            \
    (__builtin_constant_p(n) ? ((zx_duration_t)(ZXVMM_NSEC_PER_SEC * (n))) : zx_duration_from_sec(n))
#define ZX_MIN(n)                                                                                            \
    (__builtin_constant_p(n) ? ((zx_duration_t)(ZXVMM_NSEC_PER_MIN * (n))) : zx_duration_from_min(n))
#define ZX_HOUR(n)                                                                                           \
    (__builtin_constant_p(n) ? ((zx_duration_t)(ZXVMM_NSEC_PER_HOUR * (n))) : zx_duration_from_hour(n))

__END_CDECLS

#endif
