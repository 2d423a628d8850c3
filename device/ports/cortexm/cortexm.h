/* Internal interface of the Cortex-M port: core registers, the UART driver and the cycle timer.
 * Board facts (UART base address, clock) arrive as compile definitions generated from
 * platforms/baremetal/boards.json: UTVM_UART_BASE, UTVM_CPU_CLOCK_HZ and UTVM_TIMER_SYSTICK or
 * UTVM_TIMER_DWT. Nothing here allocates memory or uses the C library. */
#ifndef UTVM_PORTS_CORTEXM_CORTEXM_H_
#define UTVM_PORTS_CORTEXM_CORTEXM_H_

#include <stddef.h>
#include <stdint.h>

#ifndef UTVM_CPU_CLOCK_HZ
#define UTVM_CPU_CLOCK_HZ 25000000u
#endif

#define UTVM_REG32(addr) (*(volatile uint32_t*)(uintptr_t)(addr))

/* System control block (architecture-defined addresses, same on v7-M and v8-M). */
#define UTVM_SCB_CPACR UTVM_REG32(0xE000ED88u)
#define UTVM_SCB_AIRCR UTVM_REG32(0xE000ED0Cu)
#define UTVM_SCB_CFSR UTVM_REG32(0xE000ED28u)
#define UTVM_SCB_HFSR UTVM_REG32(0xE000ED2Cu)
#define UTVM_SCB_MMFAR UTVM_REG32(0xE000ED34u)
#define UTVM_SCB_BFAR UTVM_REG32(0xE000ED38u)
#define UTVM_AIRCR_SYSRESETREQ (0x05FA0000u | 0x4u)

/* SysTick */
#define UTVM_SYST_CSR UTVM_REG32(0xE000E010u)
#define UTVM_SYST_RVR UTVM_REG32(0xE000E014u)
#define UTVM_SYST_CVR UTVM_REG32(0xE000E018u)

/* DWT cycle counter and the debug enable bit that powers it. */
#define UTVM_DEMCR UTVM_REG32(0xE000EDFCu)
#define UTVM_DWT_CTRL UTVM_REG32(0xE0001000u)
#define UTVM_DWT_CYCCNT UTVM_REG32(0xE0001004u)

/* UART driver (one implementation per UART kind, e.g. uart_cmsdk.c). Polled, no interrupts. */
void utvm_cortexm_uart_init(void);
void utvm_cortexm_uart_putc(uint8_t c);
/* Blocks until a byte arrives. */
uint8_t utvm_cortexm_uart_getc(void);
/* Returns the next received byte, or -1 at once when none is waiting. */
int utvm_cortexm_uart_try_getc(void);
void utvm_cortexm_uart_puts(const char* s);
/* Writes "0x" and 8 hex digits. */
void utvm_cortexm_uart_puthex(uint32_t v);

/* Free-running 64-bit cycle counter at UTVM_CPU_CLOCK_HZ (timer_systick.c or timer_dwt.c). */
void utvm_cortexm_timer_init(void);
uint64_t utvm_cortexm_cycles(void);

/* Requests a system reset through AIRCR; does not return. */
void utvm_cortexm_reset(void) __attribute__((noreturn));

#endif /* UTVM_PORTS_CORTEXM_CORTEXM_H_ */
