// What of Arm's CMSIS a model's generated C uses, read from the sources themselves.
//
// TVM's CMSIS-NN code generator (`--target=cmsis-nn,c`) writes `<mod>_lib2.c`, which includes
// arm_nnfunctions.h and calls CMSIS-NN kernels (arm_convolve_wrapper_s8, ...); TVM's arm_cpu
// schedules include arm_nnsupportfunctions.h or arm_math.h (CMSIS-DSP) for DSP intrinsics.
// Such a model builds only with a CMSIS tree on the include path (and CMSIS-NN's sources linked
// in). scan_cmsis_use() finds those #include lines and the CMSIS-NN functions called, so a
// platform can decide before any compiler runs whether CMSIS is needed, and `utvm info` can say.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace utvm::mlf {

// The part of CMSIS a header belongs to.
enum class CmsisPart {
  kNn,    // CMSIS-NN: arm_nnfunctions.h, arm_nnsupportfunctions.h, arm_nn_types.h, ...
  kDsp,   // CMSIS-DSP: arm_math.h, arm_math_types.h, arm_common_tables.h, ... (needs Core too)
  kCore,  // CMSIS-Core: cmsis_compiler.h, cmsis_gcc.h, core_cm4.h, ...
};

// One `#include` of a CMSIS header in one of the model's files.
struct CmsisInclude {
  std::string header;  // as written, e.g. "arm_nnfunctions.h"
  std::string file;    // archive member that includes it, e.g. "codegen/host/src/default_lib2.c"
  CmsisPart part = CmsisPart::kNn;
};

struct CmsisUse {
  std::vector<CmsisInclude> includes;     // in file order; each header once per file
  std::vector<std::string> nn_functions;  // CMSIS-NN API functions called, sorted, unique
  bool uses_nn_status = false;            // code names arm_cmsis_nn_status (CMSIS-NN >= 4.0)

  bool needed() const { return !includes.empty(); }
  bool needs(CmsisPart part) const;
};

// The CMSIS part `header` (the text between <> or "") belongs to; false when it is not a CMSIS
// header (compiler headers such as arm_acle.h, arm_mve.h and arm_neon.h are not).
bool cmsis_header_part(std::string_view header, CmsisPart* part);

// Scans (member name, text) pairs of C sources and headers.
CmsisUse scan_cmsis_use(const std::vector<std::pair<std::string, const std::string*>>& files);

const char* to_string(CmsisPart part);  // "CMSIS-NN" | "CMSIS-DSP" | "CMSIS-Core"

}  // namespace utvm::mlf
