// Test helper for the MLPerf Tiny tests: writes a small synthetic dataset in the MLCommons
// runner's layout (y_labels.csv without a header + one .bin per sample) and the same samples as
// .npz inputs for `utvm run`, then labels it from the outputs `utvm run` produced.
//   mlperf_dataset make DIR COUNT SEED INPUT_NAME
//     DIR/kws01/sample_NNNN.bin: 490 random int8 bytes; DIR/npz/sample_NNNN.npz: the same as
//     INPUT_NAME, int8 [1, 49, 10, 1].
//   mlperf_dataset label DIR COUNT CLASSES OUT_DIR
//     Reads OUT_DIR/sample_NNNN.npz (output_0), takes its argmax (lowest index on a tie, as the
//     runner), labels even samples with it and odd ones with the next class, writes
//     DIR/kws01/y_labels.csv and prints the Top-1 a correct device must score ("50.0"); also
//     DIR/exact/y_labels.csv (the same samples, as ../kws01/...) labelled with the argmax alone,
//     on which a device that agrees with the host on every sample scores 100.0.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "utvm/npz/npz.h"

namespace fs = std::filesystem;

namespace {

std::string sample_name(int i) {
  return fmt::format("sample_{:04d}", i);
}

int make(const fs::path& dir, int count, unsigned seed, const std::string& input) {
  fs::create_directories(dir / "kws01");
  fs::create_directories(dir / "npz");
  std::mt19937 rng(seed);
  for (int i = 0; i < count; ++i) {
    std::string bytes(490, '\0');
    for (auto& b : bytes)
      b = static_cast<char>(rng());
    std::ofstream(dir / "kws01" / (sample_name(i) + ".bin"), std::ios::binary) << bytes;
    utvm::npz::Array a{"int8", {1, 49, 10, 1}, bytes};
    utvm::npz::write_npz(dir / "npz" / (sample_name(i) + ".npz"), {{input, a}});
  }
  return 0;
}

int label(const fs::path& dir, int count, int classes, const fs::path& outputs) {
  std::ofstream csv(dir / "kws01" / "y_labels.csv");
  fs::create_directories(dir / "exact");
  std::ofstream exact(dir / "exact" / "y_labels.csv");
  int correct = 0;
  for (int i = 0; i < count; ++i) {
    const auto arrays = utvm::npz::read_npz(outputs / (sample_name(i) + ".npz"), 1 << 20);
    if (arrays.empty() || arrays[0].second.dtype != "int8") {
      std::fprintf(stderr, "%s: no int8 output_0\n", sample_name(i).c_str());
      return 1;
    }
    const std::string& data = arrays[0].second.data;
    int best = 0;
    for (int k = 1; k < static_cast<int>(data.size()); ++k)
      if (static_cast<signed char>(data[k]) > static_cast<signed char>(data[best])) best = k;
    const int truth = i % 2 == 0 ? best : (best + 1) % classes;
    correct += truth == best;
    csv << sample_name(i) << ".bin, " << classes << ", " << truth << "\n";
    exact << "../kws01/" << sample_name(i) << ".bin, " << classes << ", " << best << "\n";
  }
  std::printf("%.1f\n", 100.0 * correct / count);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "make" && argc == 6)
    return make(argv[2], std::atoi(argv[3]), static_cast<unsigned>(std::atoi(argv[4])), argv[5]);
  if (cmd == "label" && argc == 6)
    return label(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argv[5]);
  std::fprintf(stderr,
               "usage: mlperf_dataset make DIR COUNT SEED INPUT_NAME | label DIR COUNT CLASSES "
               "OUT_DIR\n");
  return 2;
}
