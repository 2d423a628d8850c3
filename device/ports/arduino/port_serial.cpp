// port.h for Arduino cores that are not AVR (SAM, mbed nRF52/STM32, RP2040, Spresense, ...):
// the link runs over HardwareSerial `Serial` at UTVM_BAUD, time is micros() extended to 64 bits.
// These boards are built with arduino-cli and its own core; AVR boards use port_avr.c instead.
#if !defined(__AVR__)

#include <Arduino.h>

#include "arduino_port.h"
#include "utvm/link.h"
#include "utvm/model.h"
#include "utvm/port.h"
#include "utvm_config.h"

namespace {
uint8_t g_link_rx[UTVM_LINK_RX_BYTES];
uint32_t g_last_us = 0;
uint64_t g_wraps = 0;
}  // namespace

extern "C" {

void utvm_arduino_port_init(void) {
  Serial.begin(UTVM_BAUD);
  while (!Serial) {
    // native-USB boards: wait for the host to open the port
  }
}

int utvm_port_read(uint8_t* buf, size_t n) {
  if (n == 0) return 0;
  while (Serial.available() <= 0) {
  }
  size_t got = 0;
  while (got < n && Serial.available() > 0) {
    int c = Serial.read();
    if (c < 0) break;
    buf[got++] = static_cast<uint8_t>(c);
  }
  return static_cast<int>(got);
}

int utvm_port_write(const uint8_t* buf, size_t n) {
  while (n > 0) {
    size_t w = Serial.write(buf, n);
    buf += w;
    n -= w;
  }
  return 0;
}

uint64_t utvm_port_time_ns(void) {
  uint32_t now = micros();
  if (now < g_last_us) ++g_wraps;
  g_last_us = now;
  return ((g_wraps << 32) | now) * 1000ull;
}

void utvm_port_reset(void) {
  Serial.flush();
  // No portable reset across these cores: the link clears its session and keeps serving.
}

void utvm_arduino_serve(void) {
  for (;;) {
    utvm_link_serve(&utvm_model, g_link_rx, sizeof g_link_rx);
  }
}

}  // extern "C"

#endif  // !__AVR__
