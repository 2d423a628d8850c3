// utvm arduino-platform sketch: serves the model compiled into this sketch over utvm's link
// protocol on the board's serial port (docs/link-protocol.md). Everything else lives in src/:
// the model's generated C (src/model), its executor glue (src/utvm_glue.c), utvm's device
// runtime (src/runtime) and the Arduino port (src/port).
#include "src/port/arduino_port.h"

void setup() {
  utvm_arduino_port_init();
  utvm_arduino_serve();  // does not return
}

void loop() {}
