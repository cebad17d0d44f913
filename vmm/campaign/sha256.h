/* sha256.h: SHA-256 (FIPS 180-4) of a buffer, for the stdout_sha256 field of result rows. */
#ifndef ZXVMM_CAMPAIGN_SHA256_H
#define ZXVMM_CAMPAIGN_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* The digest of data[0..len) as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
