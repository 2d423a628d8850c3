/* The only platform shims the device runtime and link need. Each port (device/ports/posix,
 * device/ports/cortexm, ...) implements these four functions; nothing else in device/src
 * touches hardware or the OS. */
#ifndef UTVM_PORT_H_
#define UTVM_PORT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Blocks until at least one byte arrives; stores up to n bytes in buf. Returns the number of
 * bytes stored (>= 1), or < 0 when the link is dead (EOF, I/O error). */
int utvm_port_read(uint8_t* buf, size_t n);

/* Writes all n bytes (blocking). Returns 0 on success, < 0 when the link is dead. */
int utvm_port_write(const uint8_t* buf, size_t n);

/* A monotonic clock in nanoseconds (ports without one may count cycles and scale). */
uint64_t utvm_port_time_ns(void);

/* Called after the link acknowledged a RESET command. A microcontroller port lets the UART finish
 * sending that acknowledgement (its last bytes may still be in the shift register), then resets
 * the chip and does not return; a port that returns gets a cleared session (inputs/outputs zeroed,
 * workspace freed) and the link keeps serving. */
void utvm_port_reset(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_PORT_H_ */
