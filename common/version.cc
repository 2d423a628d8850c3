#include "utvm/common/version.h"

namespace utvm {
const char* version() {
  return UTVM_VERSION;
}
}  // namespace utvm
