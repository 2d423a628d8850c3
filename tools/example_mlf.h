// The example model utvm ships: a tiny float32 MLP (4 inputs -> dense 8 + relu -> dense 3),
// written as a Model Library Format archive in exactly the shape TVM >= 0.13 exports an AOT,
// C-interface, non-USMP build (metadata version 7, module "default").
//
// Promises: the archive is reproducible byte for byte (fixed weights, fixed timestamps, fixed
// member order); reference_forward() computes what the archive's C code computes, with the same
// float operations in the same order.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace utvm::tools {

inline constexpr int kMlpInputs = 4;
inline constexpr int kMlpHidden = 8;
inline constexpr int kMlpOutputs = 3;

struct MlpWeights {
  std::array<float, kMlpHidden * kMlpInputs> w1;  // nn.dense layout: [units][inputs]
  std::array<float, kMlpHidden> b1;
  std::array<float, kMlpOutputs * kMlpHidden> w2;  // [units][inputs]
  std::array<float, kMlpOutputs> b2;
};

// The deterministic weights embedded in the generated C.
const MlpWeights& example_mlp_weights();

// The model's output for `input`, computed the way default_lib1.c computes it.
std::array<float, kMlpOutputs> reference_forward(const std::array<float, kMlpInputs>& input);

struct MlfMember {
  std::string path;  // relative, no "./" prefix; a trailing '/' marks a directory
  std::string content;
};

// Every member of the archive, directories included, in the order the tar holds them.
std::vector<MlfMember> example_mlf_members();

// Writes the archive (a PAX tar like Python's tarfile writes for TVM) to `out`, atomically.
void write_example_mlf(const std::filesystem::path& out);

}  // namespace utvm::tools
