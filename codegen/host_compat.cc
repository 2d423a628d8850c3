#include "utvm/codegen/host_compat.h"

namespace utvm::codegen {

namespace {

// Portable versions of the Arm ACLE intrinsics in TVM's arm_cpu (Cortex-M DSP) schedules, with
// the semantics of the Armv7E-M instructions. Defining ARM_CPU_INTRINSICS_EXIST stops the model
// source from defining its own __ror and its inline-asm __pkhbt/__pkhtb.
const char* const kArmAcleEmulation =
    R"(/* utvm: portable emulation of <arm_acle.h> for running Arm-scheduled TVM code on a host */
#ifndef UTVM_HOST_ARM_ACLE_H_
#define UTVM_HOST_ARM_ACLE_H_
#include <stdint.h>
#define ARM_CPU_INTRINSICS_EXIST
static inline uint32_t __ror(uint32_t x, uint32_t n) {
  n %= 32u;
  return n == 0u ? x : (x >> n) | (x << (32u - n));
}
static inline int32_t __sxtb16(int32_t x) {
  uint32_t u = (uint32_t)x;
  uint32_t lo = (uint32_t)(uint16_t)(int16_t)(int8_t)(u & 0xffu);
  uint32_t hi = (uint32_t)(uint16_t)(int16_t)(int8_t)((u >> 16) & 0xffu);
  return (int32_t)(lo | (hi << 16));
}
static inline int32_t __smlad(int32_t x, int32_t y, int32_t acc) {
  int32_t xl = (int16_t)((uint32_t)x & 0xffffu), xh = (int16_t)((uint32_t)x >> 16);
  int32_t yl = (int16_t)((uint32_t)y & 0xffffu), yh = (int16_t)((uint32_t)y >> 16);
  return (int32_t)((uint32_t)acc + (uint32_t)(xl * yl) + (uint32_t)(xh * yh));
}
static inline uint32_t utvm_pkhbt(uint32_t a, uint32_t b, int sh) {
  return (a & 0xffffu) | ((b << sh) & 0xffff0000u);
}
static inline uint32_t utvm_pkhtb(uint32_t a, uint32_t b, int sh) {
  uint32_t shifted = sh == 0 ? b : (uint32_t)((int32_t)b >> sh);
  return (a & 0xffff0000u) | (shifted & 0xffffu);
}
#define __pkhbt(a, b, sh) utvm_pkhbt((uint32_t)(a), (uint32_t)(b), (sh))
#define __pkhtb(a, b, sh) utvm_pkhtb((uint32_t)(a), (uint32_t)(b), (sh))
#endif
)";

}  // namespace

const char* arm_acle_emulation_header() {
  return kArmAcleEmulation;
}

bool uses_arm_acle(const mlf::Archive& archive, const mlf::Module& module) {
  for (const std::string& src : module.files.sources) {
    const std::string* text = archive.find(src);
    if (text && text->find("arm_acle.h") != std::string::npos) return true;
  }
  return false;
}

}  // namespace utvm::codegen
