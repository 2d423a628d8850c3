/* 64-bit cycle counter from SysTick: the 24-bit down-counter runs from the processor clock with
 * the full reload value, and its interrupt counts wraps (one every 2^24 cycles, 0.67 s at 25 MHz).
 * Present on every Cortex-M; QEMU models it from its virtual clock, but runs the reload and the
 * interrupt from its main loop, milliseconds late: the counter sits at 0 for a while after it is
 * enabled, and it can show a wrapped value before the wrap interrupt has run. Both are handled
 * below, so the result never goes backwards. */
#include "cortexm.h"

#define SYST_RELOAD 0x00FFFFFFu
#define SYST_CSR_ENABLE 0x1u
#define SYST_CSR_TICKINT 0x2u
#define SYST_CSR_CLKSOURCE_CPU 0x4u

static volatile uint32_t g_wraps;
static uint64_t g_last;

void SysTick_Handler(void) {
  g_wraps = g_wraps + 1u;
}

void utvm_cortexm_timer_init(void) {
  UTVM_SYST_CSR = 0;
  g_wraps = 0;
  UTVM_SYST_RVR = SYST_RELOAD;
  UTVM_SYST_CVR = 0;
  g_last = 0;
  UTVM_SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE_CPU;
  /* Wait (bounded) for the first reload; immediate on silicon. */
  for (uint32_t i = 0; i < 100000000u && UTVM_SYST_CVR == 0; ++i) {
  }
}

uint64_t utvm_cortexm_cycles(void) {
  uint32_t before, after, value;
  /* A wrap between the two reads of g_wraps (its interrupt runs at once) makes us read again. */
  do {
    before = g_wraps;
    value = UTVM_SYST_CVR;
    after = g_wraps;
  } while (before != after);
  uint64_t now = ((uint64_t)before << 24) + (uint64_t)(SYST_RELOAD - value);
  /* Wrapped, but the wrap interrupt has not run yet. */
  if (now < g_last) now += (uint64_t)1 << 24;
  if (now < g_last) now = g_last;
  g_last = now;
  return now;
}
