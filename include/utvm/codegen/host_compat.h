// Running Arm-scheduled model code on a non-Arm host. TVM's arm_cpu schedules for Cortex-M
// (e.g. the letscope fixture) include <arm_acle.h> and use a handful of DSP intrinsics. To build
// such a model for the host platform or the host test harness, put arm_acle_emulation_header()
// on the include path as "arm_acle.h": portable C with the Armv7E-M instruction semantics
// (__sxtb16, __smlad, __ror, __pkhbt, __pkhtb). It defines ARM_CPU_INTRINSICS_EXIST so the
// model's own inline-asm fallbacks are skipped. Verified bit-exact against the sample output
// shipped in the letscope archive.
#pragma once

#include <string>

#include "utvm/mlf/archive.h"
#include "utvm/mlf/model.h"

namespace utvm::codegen {

// Text of the replacement arm_acle.h.
const char* arm_acle_emulation_header();

// True when one of the module's sources includes <arm_acle.h>.
bool uses_arm_acle(const mlf::Archive& archive, const mlf::Module& module);

}  // namespace utvm::codegen
