/* 64-bit cycle counter from the DWT cycle counter (CYCCNT, 32 bits), for cores that have it
 * (Cortex-M3/M4/M7/M33 silicon; QEMU 7.2 does not model the DWT, so the MPS2 boards use SysTick).
 * The high word is extended in software: call at least once per 2^32 cycles. */
#include "cortexm.h"

#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL_CYCCNTENA 0x1u

static uint32_t g_last;
static uint32_t g_high;

void utvm_cortexm_timer_init(void) {
  UTVM_DEMCR |= DEMCR_TRCENA;
  UTVM_DWT_CYCCNT = 0;
  UTVM_DWT_CTRL |= DWT_CTRL_CYCCNTENA;
  g_last = 0;
  g_high = 0;
}

uint64_t utvm_cortexm_cycles(void) {
  uint32_t now = UTVM_DWT_CYCCNT;
  if (now < g_last) ++g_high;
  g_last = now;
  return ((uint64_t)g_high << 32) | now;
}
