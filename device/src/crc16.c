/* CRC-16/CCITT-FALSE. Default: four bits at a time from a 32-byte table (small enough for any
 * MCU). With UTVM_CRC16_BYTE_TABLE defined (POSIX device programs), eight bytes at a time from
 * 4 KiB of tables built on first use. */
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
/* Slicing-by-8: g_crc_table[0] is the byte table, g_crc_table[k][i] the same followed by k zero
 * bytes; 4 KiB built on first use (POSIX builds only, where memory is no concern). */
static uint16_t g_crc_table[8][256];
static int g_crc_table_ready;

static void build_tables(void) {
  unsigned i, k;
  for (i = 0; i < 256; ++i) {
    uint8_t b = (uint8_t)i;
    g_crc_table[0][i] = (uint16_t)nibble_update(0, &b, 1);
  }
  for (k = 1; k < 8; ++k) {
    for (i = 0; i < 256; ++i) {
      unsigned prev = g_crc_table[k - 1][i];
      g_crc_table[k][i] = (uint16_t)(((prev << 8) & 0xffffu) ^ g_crc_table[0][prev >> 8]);
    }
  }
  g_crc_table_ready = 1;
}

uint16_t utvm_crc16_update(uint16_t crc, const uint8_t* data, size_t n) {
  unsigned c = crc;
  if (!g_crc_table_ready) build_tables();
  for (; n >= 8; n -= 8, data += 8) {
    c = g_crc_table[7][data[0] ^ (c >> 8)] ^ g_crc_table[6][data[1] ^ (c & 0xffu)] ^
        g_crc_table[5][data[2]] ^ g_crc_table[4][data[3]] ^ g_crc_table[3][data[4]] ^
        g_crc_table[2][data[5]] ^ g_crc_table[1][data[6]] ^ g_crc_table[0][data[7]];
  }
  for (; n > 0; --n, ++data)
    c = ((c << 8) & 0xffffu) ^ g_crc_table[0][(c >> 8) ^ *data];
  return (uint16_t)c;
}
#else
uint16_t utvm_crc16_update(uint16_t crc, const uint8_t* data, size_t n) {
  return (uint16_t)nibble_update(crc, data, n);
}
#endif
