# Instrumented builds.
#
# LOWCLIP_SANITIZE (e.g. "address,undefined"): every target of the project is compiled and linked
# with these sanitizers; undefined behaviour stops the program (no recovery), so a test that hits it
# fails. scripts/sanitize configures such a build in build-sanitize/ and runs the whole CTest suite.
#
# LOWCLIP_BUILD_FUZZ with a compiler that has libFuzzer (clang): the project's code is compiled with
# coverage for libFuzzer and AddressSanitizer (-fsanitize=fuzzer-no-link,address), the fuzz targets
# in fuzz/ link libFuzzer itself. Third-party libraries (LibTorch, OpenCV, SQLite) are not instrumented.
set(LOWCLIP_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined (empty: none)")
if(LOWCLIP_SANITIZE)
  add_compile_options(-fsanitize=${LOWCLIP_SANITIZE} -fno-omit-frame-pointer -g)
  if(LOWCLIP_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
  add_link_options(-fsanitize=${LOWCLIP_SANITIZE})
endif()

set(LOWCLIP_HAS_LIBFUZZER OFF)
if(LOWCLIP_BUILD_FUZZ)
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer,address")
  check_cxx_source_compiles("
#include <cstdint>
#include <cstddef>
extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }" LOWCLIP_COMPILER_HAS_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  if(LOWCLIP_COMPILER_HAS_LIBFUZZER)
    set(LOWCLIP_HAS_LIBFUZZER ON)
    add_compile_options(-fsanitize=fuzzer-no-link,address -g)
    add_link_options(-fsanitize=address)
  else()
    message(STATUS "fuzz targets skipped: ${CMAKE_CXX_COMPILER_ID} does not support -fsanitize=fuzzer,address")
  endif()
endif()
