/* utvm's Arduino port: what the sketch (project.ino) calls. The link runs over the board's first
 * serial port at UTVM_BAUD (utvm_config.h, written by create-project): on AVR boards through the
 * USART0 registers with an interrupt-driven receive ring (port_avr.c), on other Arduino cores
 * through HardwareSerial `Serial` (port_serial.cpp). Time is a free-running hardware counter on
 * AVR (Timer1, 0.5 us at 16 MHz) and micros() elsewhere. No heap. */
#ifndef UTVM_ARDUINO_PORT_H_
#define UTVM_ARDUINO_PORT_H_

#ifdef __cplusplus
extern "C" {
#endif

/* Sets up the UART and the timer; call once from setup(). */
void utvm_arduino_port_init(void);

/* Serves the generated utvm_model over the link; does not return (a dead link or a RESET request
 * resets the board). */
void utvm_arduino_serve(void);

/* project_type=mlperf_tiny: runs the MLPerf Tiny DUT (utvm/mlperf_dut.h) on utvm_model instead of
 * the link, at UTVM_BAUD; does not return (main_mlperf.c). */
void utvm_arduino_serve_mlperf(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* UTVM_ARDUINO_PORT_H_ */
