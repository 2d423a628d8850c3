// utvm-make-example-mlf OUT.tar [--inputs IN.npz] [--outputs OUT.npz]: writes the example model
// (a tiny float32 MLP) as a Model Library Format archive shaped like TVM's own export, and
// optionally a sample input and the outputs the model must produce for it (numpy .npz, keys
// "input" [1,4] and "output" [1,3]). The build runs it to make share/utvm/examples/.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "example_mlf.h"
#include "utvm/common/error.h"
#include "utvm/npz/npz.h"

namespace {

constexpr std::array<float, utvm::tools::kMlpInputs> kSampleInput = {0.5f, -1.0f, 2.0f, 0.25f};

utvm::npz::Array f32_array(const float* v, std::int64_t n) {
  utvm::npz::Array a{"float32", {1, n}, {}};
  a.data.resize(static_cast<std::size_t>(n) * 4);
  std::memcpy(a.data.data(), v, a.data.size());
  return a;
}

int usage(const char* argv0, int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: %s OUT.tar [--inputs IN.npz] [--outputs OUT.npz]\n"
               "Writes utvm's example model (float32 MLP 4 -> 8 -> 3, module \"default\", AOT, C "
               "interface) as a TVM Model Library Format archive; optionally a sample input and "
               "the outputs the model computes for it.\n",
               argv0);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  const char* argv0 = argc > 0 ? argv[0] : "utvm-make-example-mlf";
  std::string tar, inputs, outputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") return usage(argv0, 0);
    if ((arg == "--inputs" || arg == "--outputs") && i + 1 < argc) {
      (arg == "--inputs" ? inputs : outputs) = argv[++i];
    } else if (!arg.empty() && arg[0] != '-' && tar.empty()) {
      tar = arg;
    } else {
      return usage(argv0, static_cast<int>(utvm::ExitCode::kUsage));
    }
  }
  if (tar.empty()) return usage(argv0, static_cast<int>(utvm::ExitCode::kUsage));
  try {
    utvm::tools::write_example_mlf(tar);
    if (!inputs.empty()) {
      utvm::npz::write_npz(inputs,
                           {{"input", f32_array(kSampleInput.data(), kSampleInput.size())}});
    }
    if (!outputs.empty()) {
      const auto out = utvm::tools::reference_forward(kSampleInput);
      utvm::npz::write_npz(outputs, {{"output", f32_array(out.data(), out.size())}});
    }
  } catch (const utvm::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return static_cast<int>(utvm::ExitCode::kFailure);
  }
  return 0;
}
