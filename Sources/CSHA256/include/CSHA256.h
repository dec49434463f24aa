#ifndef RHETOR_CSHA256_H
#define RHETOR_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (x86 SHA-NI), so `rhetor_sha256_blocks` may be called.
int rhetor_sha256_hw_available(void);

/// Runs the SHA-256 compression function over `blocks` 64-byte blocks at `data`, updating
/// `state` (the eight working words, as in FIPS 180-4). Only when `rhetor_sha256_hw_available()`.
void rhetor_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
