// utvm-make-example-mlf OUT.tar: writes the example model (a tiny float32 MLP) as a Model Library
// Format archive shaped like TVM's own export. The build runs it to make
// share/utvm/examples/example_mlp.tar for `make demo` and the tests.
#include <cstdio>
#include <exception>
#include <string>

#include "example_mlf.h"
#include "utvm/common/error.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
    std::fprintf(stderr,
                 "usage: %s OUT.tar\n"
                 "Writes utvm's example model (float32 MLP 4 -> 8 -> 3, module \"default\", AOT, "
                 "C interface) as a TVM Model Library Format archive.\n",
                 argc > 0 ? argv[0] : "utvm-make-example-mlf");
    return argc == 2 ? 0 : static_cast<int>(utvm::ExitCode::kUsage);
  }
  try {
    utvm::tools::write_example_mlf(argv[1]);
  } catch (const utvm::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(utvm::ExitCode::kFailure);
  }
  return 0;
}
