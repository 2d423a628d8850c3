/* CRC-16/CCITT-FALSE. Default: four bits at a time from a 32-byte table (small enough for any
 * MCU). With UTVM_CRC16_BYTE_TABLE defined (POSIX device programs), a byte at a time from a
 * 512-byte table built on first use. */
#include "utvm/crc16.h"

static const uint16_t kCrcNibble[16] = {0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5,
                                        0x60c6, 0x70e7, 0x8108, 0x9129, 0xa14a, 0xb16b,
                                        0xc18c, 0xd1ad, 0xe1ce, 0xf1ef};

static unsigned nibble_update(unsigned c, const uint8_t* data, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i) {
    unsigned b = data[i];
    c = ((c << 4) & 0xffffu) ^ kCrcNibble[(c >> 12) ^ (b >> 4)];
    c = ((c << 4) & 0xffffu) ^ kCrcNibble[(c >> 12) ^ (b & 0x0fu)];
  }
  return c;
}

#ifdef UTVM_CRC16_BYTE_TABLE
static uint16_t g_crc_table[256];
static int g_crc_table_ready;

uint16_t utvm_crc16_update(uint16_t crc, const uint8_t* data, size_t n) {
  unsigned c = crc;
  size_t i;
  if (!g_crc_table_ready) {
    for (i = 0; i < 256; ++i) {
      uint8_t b = (uint8_t)i;
      g_crc_table[i] = (uint16_t)nibble_update(0, &b, 1);
    }
    g_crc_table_ready = 1;
  }
  for (i = 0; i < n; ++i)
    c = ((c << 8) & 0xffffu) ^ g_crc_table[(c >> 8) ^ data[i]];
  return (uint16_t)c;
}
#else
uint16_t utvm_crc16_update(uint16_t crc, const uint8_t* data, size_t n) {
  return (uint16_t)nibble_update(crc, data, n);
}
#endif
