# CMake toolchain file for Debian's arm-none-eabi-gcc (package gcc-arm-none-eabi) with
# newlib-nano (package libnewlib-arm-none-eabi). CPU flags come from the board data, not from here.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

find_program(UTVM_ARM_GCC arm-none-eabi-gcc REQUIRED)
get_filename_component(_utvm_arm_bin ${UTVM_ARM_GCC} DIRECTORY)
set(CMAKE_C_COMPILER ${_utvm_arm_bin}/arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER ${_utvm_arm_bin}/arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER ${_utvm_arm_bin}/arm-none-eabi-gcc)
set(CMAKE_OBJCOPY ${_utvm_arm_bin}/arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE ${_utvm_arm_bin}/arm-none-eabi-size CACHE FILEPATH "")

# The compiler checks would try to link a hosted program; a static library needs no startup code.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
