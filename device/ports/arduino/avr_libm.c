/* The float math functions utvm/avr_libm.h declares in place of avr-libc's macros, each the
 * double function of the same name (the same 32-bit type on AVR). Unused ones are dropped by
 * the linker (-ffunction-sections, --gc-sections in the Arduino AVR recipes). */
#include "utvm/avr_libm.h"

#if defined(UTVM_AVR_LIBM_ALIASES)

#define UTVM_AVR_LIBM_DEFINE_UNARY(name) \
  float name##f(float x) {               \
    return (float)name(x);               \
  }
#define UTVM_AVR_LIBM_DEFINE_BINARY(name) \
  float name##f(float x, float y) {       \
    return (float)name(x, y);             \
  }

UTVM_AVR_LIBM_UNARY(UTVM_AVR_LIBM_DEFINE_UNARY)
UTVM_AVR_LIBM_BINARY(UTVM_AVR_LIBM_DEFINE_BINARY)

#endif
