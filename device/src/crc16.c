/* CRC-16/CCITT-FALSE, four bits at a time. */
#include "utvm/crc16.h"

static const uint16_t kCrcNibble[16] = {0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5,
                                        0x60c6, 0x70e7, 0x8108, 0x9129, 0xa14a, 0xb16b,
                                        0xc18c, 0xd1ad, 0xe1ce, 0xf1ef};

uint16_t utvm_crc16_update(uint16_t crc, const uint8_t* data, size_t n) {
  unsigned c = crc;
  size_t i;
  for (i = 0; i < n; ++i) {
    unsigned b = data[i];
    c = ((c << 4) & 0xffffu) ^ kCrcNibble[(c >> 12) ^ (b >> 4)];
    c = ((c << 4) & 0xffffu) ^ kCrcNibble[(c >> 12) ^ (b & 0x0fu)];
  }
  return (uint16_t)c;
}
