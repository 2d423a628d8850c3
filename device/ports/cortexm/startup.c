/* Reset and fault handling for Cortex-M (v7-M and v8-M.main): the vector table, the reset handler
 * that enables the FPU and sets up .data/.bss, and a HardFault handler that reports the faulting
 * PC and fault status registers over the UART before stopping. The application provides main(). */
#include <stdint.h>

#include "cortexm.h"

extern uint32_t _estack;
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss;
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void Reset_Handler(void);
void HardFault_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* C++ objects with static storage need this when linking with -nostartfiles. */
void* __dso_handle = 0;

typedef void (*utvm_vector_t)(void);

__attribute__((section(".isr_vector"), used)) const utvm_vector_t utvm_vectors[16] = {
    (utvm_vector_t)(uintptr_t)&_estack, /* initial stack pointer */
    Reset_Handler,
    Default_Handler,   /* NMI */
    HardFault_Handler, /* HardFault */
    HardFault_Handler, /* MemManage */
    HardFault_Handler, /* BusFault */
    HardFault_Handler, /* UsageFault */
    HardFault_Handler, /* SecureFault (v8-M) */
    0,
    0,
    0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
};

void Reset_Handler(void) {
#if defined(__ARM_FP)
  /* Full access to CP10/CP11 before any floating-point instruction runs. */
  UTVM_SCB_CPACR |= (0xFu << 20);
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  uint32_t* src = &_sidata;
  uint32_t* dst = &_sdata;
  while (dst < &_edata)
    *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;)
    *dst++ = 0;
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f)
    (*f)();
  utvm_cortexm_uart_init();
  utvm_cortexm_timer_init();
  main();
  utvm_cortexm_reset();
}

/* Reports from the stacked exception frame; runs on whichever stack was active. */
__attribute__((used)) static void utvm_fault_report(const uint32_t* frame) {
  utvm_cortexm_uart_puts("\n*** utvm: HardFault pc=");
  utvm_cortexm_uart_puthex(frame[6]);
  utvm_cortexm_uart_puts(" lr=");
  utvm_cortexm_uart_puthex(frame[5]);
  utvm_cortexm_uart_puts(" cfsr=");
  utvm_cortexm_uart_puthex(UTVM_SCB_CFSR);
  utvm_cortexm_uart_puts(" hfsr=");
  utvm_cortexm_uart_puthex(UTVM_SCB_HFSR);
  utvm_cortexm_uart_puts(" bfar=");
  utvm_cortexm_uart_puthex(UTVM_SCB_BFAR);
  utvm_cortexm_uart_puts("\n");
  for (;;) {
  }
}

__attribute__((naked)) void HardFault_Handler(void) {
  __asm__ volatile(
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
      "b utvm_fault_report\n\t");
}

void Default_Handler(void) {
  utvm_cortexm_uart_puts("\n*** utvm: unexpected exception\n");
  for (;;) {
  }
}

void utvm_cortexm_reset(void) {
  __asm__ volatile("dsb" ::: "memory");
  UTVM_SCB_AIRCR = UTVM_AIRCR_SYSRESETREQ;
  __asm__ volatile("dsb" ::: "memory");
  for (;;) {
  }
}
