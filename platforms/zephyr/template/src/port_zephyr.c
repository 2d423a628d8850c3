/* port.h for Zephyr: the link runs over the chosen console UART (zephyr,console), received by the
 * UART interrupt into a ring buffer and sent by polling; time is the kernel's cycle counter
 * extended to 64 bits; RESET is a cold reboot. */
#include <stddef.h>
#include <stdint.h>

#include <zephyr/device.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>
#include <zephyr/sys/reboot.h>
#include <zephyr/sys/ring_buffer.h>

#include "utvm/port.h"

static const struct device* const g_uart = DEVICE_DT_GET(DT_CHOSEN(zephyr_console));

/* Large enough for a link frame plus slack, so bursts arriving while the model runs survive. */
RING_BUF_DECLARE(g_rx_ring, 2048);
static K_SEM_DEFINE(g_rx_sem, 0, 1);

static void uart_isr(const struct device* dev, void* user_data) {
  (void)user_data;
  while (uart_irq_update(dev) && uart_irq_is_pending(dev)) {
    if (!uart_irq_rx_ready(dev)) continue;
    uint8_t buf[32];
    int n = uart_fifo_read(dev, buf, sizeof buf);
    if (n <= 0) break;
    ring_buf_put(&g_rx_ring, buf, (uint32_t)n); /* a full ring drops bytes; the link retries */
    k_sem_give(&g_rx_sem);
  }
}

int utvm_zephyr_port_init(void) {
  if (!device_is_ready(g_uart)) return -1;
  uart_irq_callback_user_data_set(g_uart, uart_isr, NULL);
  uart_irq_rx_enable(g_uart);
  /* A byte that arrived before the RX interrupt was enabled raises no interrupt on some UARTs (the
   * CMSDK UART of the MPS2 boards flags RX only for a byte received while RXINTEN is set, and holds
   * every later byte until that one is read), so the host's first HELLO, sent while the board
   * boots, would block the line for good. Drain what is there once, with interrupts locked as in
   * the ISR; anything later raises the interrupt. */
  unsigned int key = irq_lock();
  uint8_t buf[32];
  int n;
  while ((n = uart_fifo_read(g_uart, buf, sizeof buf)) > 0) {
    ring_buf_put(&g_rx_ring, buf, (uint32_t)n);
  }
  irq_unlock(key);
  if (!ring_buf_is_empty(&g_rx_ring)) k_sem_give(&g_rx_sem);
  return 0;
}

int utvm_port_read(uint8_t* buf, size_t n) {
  if (n == 0) return 0;
  for (;;) {
    uint32_t got = ring_buf_get(&g_rx_ring, buf, (uint32_t)n);
    if (got > 0) return (int)got;
    k_sem_take(&g_rx_sem, K_FOREVER);
  }
}

int utvm_port_write(const uint8_t* buf, size_t n) {
  for (size_t i = 0; i < n; ++i)
    uart_poll_out(g_uart, buf[i]);
  return 0;
}

uint64_t utvm_port_time_ns(void) {
  /* k_cycle_get_32 wraps; extend it (the link asks for the time at least once per inference,
   * far more often than the 32-bit counter wraps at MCU clock rates). */
  static uint32_t last;
  static uint64_t high;
  unsigned int key = irq_lock();
  uint32_t now = k_cycle_get_32();
  if (now < last) high += (uint64_t)1 << 32;
  last = now;
  uint64_t cycles = high | now;
  irq_unlock(key);
  uint64_t hz = (uint64_t)sys_clock_hw_cycles_per_sec();
  if (hz == 0) return k_uptime_get() * 1000000ull;
  return cycles / hz * 1000000000ull + cycles % hz * 1000000000ull / hz;
}

void utvm_port_reset(void) {
  sys_reboot(SYS_REBOOT_COLD);
}
