// utvm-example-server: the example (loopback) platform's Project API server process.
#include <filesystem>

#include "example_server.h"

int main(int argc, char** argv) {
  utvm::platforms::example::ExampleHandler handler(std::filesystem::current_path());
  return utvm::project_api::serve(handler, argc, argv);
}
