/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor; check value of
 * "123456789" is 0x29B1), the checksum of utvm's link frames. Nibble-table implementation:
 * 32 bytes of table, no heap. */
#ifndef UTVM_CRC16_H_
#define UTVM_CRC16_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UTVM_CRC16_INIT 0xFFFFu

/* Continues crc over n bytes of data; start with UTVM_CRC16_INIT. */
uint16_t utvm_crc16_update(uint16_t crc, const uint8_t* data, size_t n);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_CRC16_H_ */
