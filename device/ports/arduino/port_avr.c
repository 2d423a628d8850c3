/* port.h for classic AVR Arduino boards (ATmega328P, ATmega2560, ...), straight on avr-libc's
 * registers so it needs nothing from the Arduino core:
 *  - USART0 at UTVM_BAUD (double speed), transmit polled, receive into a ring filled by the
 *    USART0 receive interrupt, so bytes arriving while the link computes a CRC are not lost;
 *  - Timer1 free-running at F_CPU/8, extended to 32+16 bits by its overflow interrupt;
 *  - RESET: wait until the last byte left the shift register, then a watchdog reset (the
 *    watchdog is switched off again first thing after reset, in .init3).
 * UCSR0A is written once, read-modify-write, at init (see there). */
#if defined(__AVR__)

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/wdt.h>
#include <stdint.h>

#include "arduino_port.h"
#include "utvm/link.h"
#include "utvm/model.h"
#include "utvm/port.h"
#include "utvm_config.h"

#ifndef F_CPU
#error "F_CPU must be set (the Arduino build sets it from the board)"
#endif

/* The first USART is USART0 on the Mega and the Uno; some parts name it without the 0. */
#if !defined(UDR0) && defined(UDR)
#define UDR0 UDR
#define UCSR0A UCSRA
#define UCSR0B UCSRB
#define UCSR0C UCSRC
#define UBRR0 UBRR
#define U2X0 U2X
#define RXEN0 RXEN
#define TXEN0 TXEN
#define RXCIE0 RXCIE
#define UDRE0 UDRE
#define TXC0 TXC
#define UCSZ00 UCSZ0
#define UCSZ01 UCSZ1
#endif

#if defined(USART0_RX_vect)
#define UTVM_USART_RX_VECT USART0_RX_vect
#define UTVM_USART_UDRE_VECT USART0_UDRE_vect
#elif defined(USART_RX_vect)
#define UTVM_USART_RX_VECT USART_RX_vect
#define UTVM_USART_UDRE_VECT USART_UDRE_vect
#else
#error "no USART receive interrupt vector for this AVR part"
#endif
#if !defined(UDRIE0) && defined(UDRIE)
#define UDRIE0 UDRIE
#endif

/* Power of two, at most 256. */
#define RX_RING 64u

static volatile uint8_t g_ring[RX_RING];
static volatile uint8_t g_head; /* written by the ISR */
static volatile uint8_t g_tail; /* written by the reader */
static volatile uint16_t g_timer_high;

static uint8_t g_link_rx[UTVM_LINK_RX_BYTES];

/* A watchdog reset leaves the watchdog running; stop it before main() and the Arduino init. */
void utvm_avr_wdt_off(void) __attribute__((naked, used, section(".init3")));
void utvm_avr_wdt_off(void) {
  MCUSR = 0;
  wdt_disable();
}

ISR(UTVM_USART_RX_VECT) {
  uint8_t c = UDR0;
  uint8_t next = (uint8_t)((g_head + 1u) & (RX_RING - 1u));
  if (next != g_tail) { /* full: drop (the host resends frames it gets no answer to) */
    g_ring[g_head] = c;
    g_head = next;
  }
}

/* Transmission is polled; this only runs if simavr delivers the UDRE interrupt that init
 * provokes (see there), and it keeps the interrupt off. */
ISR(UTVM_USART_UDRE_VECT) {
  UCSR0B &= (uint8_t) ~(1u << UDRIE0);
}

ISR(TIMER1_OVF_vect) {
  ++g_timer_high;
}

void utvm_arduino_port_init(void) {
  uint16_t ubrr = (uint16_t)((F_CPU + 4ul * UTVM_BAUD) / (8ul * UTVM_BAUD) - 1ul);
  uint8_t sreg = SREG;
  cli();
  /* Read-modify-write: simavr stores a plain write of UCSR0A whole, so writing U2X alone
   * would clear its UDRE flag and transmission would never start. */
  UCSR0A |= (uint8_t)(1u << U2X0);
  UBRR0 = ubrr;
  UCSR0C = (uint8_t)((1u << UCSZ01) | (1u << UCSZ00)); /* 8N1 */
  UCSR0B = (uint8_t)((1u << RXEN0) | (1u << TXEN0) | (1u << RXCIE0));
  /* simavr (1.6) clears "data register empty" when the Arduino core's init() writes UCSR0B = 0
   * and sets it again only when a byte was sent or the UDRE interrupt gets enabled: a polled
   * transmitter would wait forever. Enabling that interrupt for a moment (interrupts are off
   * here) sets the flag; on hardware the flag is already set and nothing happens. */
  UCSR0B |= (uint8_t)(1u << UDRIE0);
  UCSR0B &= (uint8_t) ~(1u << UDRIE0);
  TCCR1A = 0;
  TCCR1B = (uint8_t)(1u << CS11); /* normal mode, clk/8 */
  TCNT1 = 0;
  TIFR1 = (uint8_t)(1u << TOV1);
  TIMSK1 = (uint8_t)(1u << TOIE1);
  SREG = sreg;
  sei();
}

int utvm_port_read(uint8_t* buf, size_t n) {
  size_t got = 0;
  if (n == 0) return 0;
  while (g_head == g_tail) {
    /* No effect on hardware. simavr answers reads of the status register while its receive
     * FIFO is empty with XON, its only "send more" signal to whoever feeds the UART. */
    (void)UCSR0A;
  }
  while (got < n && g_head != g_tail) {
    buf[got++] = g_ring[g_tail];
    g_tail = (uint8_t)((g_tail + 1u) & (RX_RING - 1u));
  }
  return (int)got;
}

int utvm_port_write(const uint8_t* buf, size_t n) {
  size_t i;
  for (i = 0; i < n; ++i) {
    while (!(UCSR0A & (1u << UDRE0))) {
    }
    UDR0 = buf[i];
  }
  return 0;
}

uint64_t utvm_port_time_ns(void) {
  uint16_t high, low;
  uint8_t sreg = SREG;
  cli();
  high = g_timer_high;
  low = TCNT1;
  /* An overflow that happened since interrupts went off is not counted yet. */
  if ((TIFR1 & (1u << TOV1)) && low < 0x8000u) ++high;
  SREG = sreg;
  /* The 32-bit tick count wraps after 2^32 * 8 / F_CPU s (35 min at 16 MHz), longer than any
   * run the link times. F_CPU is a whole number of MHz on every Arduino AVR board. */
  return ((((uint64_t)high << 16) | low) * 8000ull) / (uint64_t)(F_CPU / 1000000ul);
}

void utvm_port_reset(void) {
  /* Let the acknowledgement out: once UDR0 is empty, the last byte is in the shift register;
   * two character times (20 bits) later it has left. (TXC0 would race: clearing it after the
   * byte already left would wait forever.) */
  uint64_t until;
  while (!(UCSR0A & (1u << UDRE0))) {
  }
  until = utvm_port_time_ns() + 20ull * 1000000000ull / UTVM_BAUD + 100000ull;
  while (utvm_port_time_ns() < until) {
  }
  cli();
  wdt_enable(WDTO_15MS);
  for (;;) {
  }
}

void utvm_arduino_serve(void) {
  utvm_link_serve(utvm_models, utvm_num_models, g_link_rx, sizeof g_link_rx);
  /* A UART never reports a dead link; should serve return, start over cleanly. */
  utvm_port_reset();
}

#endif /* __AVR__ */
