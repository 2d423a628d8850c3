#include "utvm/platforms/platforms.h"

#include <unistd.h>

#include <fmt/core.h>
#include <cstdio>
#include <string>

#include "arduino/arduino_server.h"
#include "baremetal/baremetal_server.h"
#include "host/host_server.h"
#include "utvm/common/install_layout.h"
#include "utvm/project_api/server.h"
#include "zephyr/zephyr_server.h"

namespace utvm::platforms {
namespace fs = std::filesystem;

int run_platform_server(std::string_view platform, int argc, char** argv) {
  if (platform == "host") {
    host::HostHandler handler;
    return project_api::serve(handler, argc, argv);
  }
  if (platform == "baremetal") {
    baremetal::BaremetalHandler handler(fs::current_path(), install::device_sources_dir());
    return project_api::serve(handler, argc, argv);
  }
  if (platform == "zephyr") {
    zephyr::ZephyrHandler handler(fs::current_path(), install::device_sources_dir());
    return project_api::serve(handler, argc, argv);
  }
  if (platform == "arduino") {
    // utvm-avr-sim is built next to utvm (<prefix>/bin).
    arduino::ArduinoHandler handler(fs::current_path(), install::device_sources_dir(),
                                    install::bin_dir() / "utvm-avr-sim");
    return project_api::serve(handler, argc, argv);
  }
  std::fprintf(stderr,
               "utvm api-server: unknown platform '%.*s' (built-in: host, baremetal, zephyr, "
               "arduino)\n",
               static_cast<int>(platform.size()), platform.data());
  return 2;
}

}  // namespace utvm::platforms
