// utvm arduino-platform sketch, project_type=mlperf_tiny: the MLPerf Tiny DUT (the runner's
// serial protocol, docs/mlperf-tiny.md) on the model compiled into this sketch, over the board's
// serial port. Everything else lives in src/: the model's generated C (src/model), its executor
// glue (src/utvm_glue.c), the DUT's settings and sample buffer (src/utvm_mlperf_config.c),
// utvm's device runtime and DUT (src/runtime) and the Arduino port (src/port).
#include "src/port/arduino_port.h"

void setup() {
  utvm_arduino_port_init();
  utvm_arduino_serve_mlperf();  // does not return
}

void loop() {}
