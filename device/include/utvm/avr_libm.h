/* Single-precision math names for avr-libc. avr-libc up to 2.1 implements only the double
 * functions (double is 32 bits on AVR) and defines the float names as macros, e.g.
 * `#define roundf round`. TVM's generated C declares each float function it calls itself
 * (`TVM_DLL float roundf(float);`), which that macro turns into a conflicting declaration of
 * `round`. c_runtime_api.h includes this header on AVR, so before any model code: it takes
 * <math.h> in first, drops the aliases and declares real float functions, which `avr_libm.c` in
 * the Arduino port defines over the double ones. A libc without the aliases is left alone. */
#ifndef UTVM_AVR_LIBM_H_
#define UTVM_AVR_LIBM_H_

#if defined(__AVR__)
#include <math.h>

#if defined(roundf) && defined(expf)
#define UTVM_AVR_LIBM_ALIASES 1

#undef acosf
#undef asinf
#undef atanf
#undef cbrtf
#undef ceilf
#undef cosf
#undef coshf
#undef expf
#undef fabsf
#undef floorf
#undef log10f
#undef logf
#undef roundf
#undef sinf
#undef sinhf
#undef tanf
#undef tanhf
#undef truncf
#undef atan2f
#undef copysignf
#undef fdimf
#undef fmaxf
#undef fminf
#undef fmodf
#undef hypotf
#undef powf

/* X(name of the double function): the float function is name##f. */
/* clang-format off */
#define UTVM_AVR_LIBM_UNARY(X)                                                    \
  X(acos) X(asin) X(atan) X(cbrt) X(ceil) X(cos) X(cosh) X(exp) X(fabs) X(floor) \
  X(log10) X(log) X(round) X(sin) X(sinh) X(tan) X(tanh) X(trunc)
#define UTVM_AVR_LIBM_BINARY(X) \
  X(atan2) X(copysign) X(fdim) X(fmax) X(fmin) X(fmod) X(hypot) X(pow)
/* clang-format on */

#define UTVM_AVR_LIBM_DECLARE_UNARY(name) float name##f(float);
#define UTVM_AVR_LIBM_DECLARE_BINARY(name) float name##f(float, float);

#ifdef __cplusplus
extern "C" {
#endif
UTVM_AVR_LIBM_UNARY(UTVM_AVR_LIBM_DECLARE_UNARY)
UTVM_AVR_LIBM_BINARY(UTVM_AVR_LIBM_DECLARE_BINARY)
#ifdef __cplusplus
}
#endif

#endif /* avr-libc's float aliases */
#endif /* __AVR__ */
#endif /* UTVM_AVR_LIBM_H_ */
