# lowclip_forbid_torch(TARGET): the target's sources cannot include Torch headers (ATen, c10,
# torch/csrc): cmake/no-torch shadows c10's root macro headers, which every Torch header includes,
# with an #error. Checked once at configure time, so the guard cannot silently stop working.
set(LOWCLIP_NO_TORCH_DIR ${CMAKE_CURRENT_LIST_DIR}/no-torch)

if(NOT DEFINED LOWCLIP_NO_TORCH_GUARD_WORKS)
  set(_probe ${CMAKE_BINARY_DIR}/CMakeFiles/lowclip_no_torch_probe.cpp)
  file(WRITE ${_probe} "#include <ATen/core/Tensor.h>\nint main() { return 0; }\n")
  try_compile(_torch_got_through ${CMAKE_BINARY_DIR}/CMakeFiles/lowclip_no_torch_probe
    SOURCES ${_probe}
    CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${LOWCLIP_NO_TORCH_DIR};${TORCH_INCLUDE_DIRS}"
    CXX_STANDARD 17)
  if(_torch_got_through)
    message(FATAL_ERROR "cmake/no-torch does not stop Torch headers with this LibTorch: the Qt targets would not be guarded")
  endif()
  set(LOWCLIP_NO_TORCH_GUARD_WORKS ON CACHE INTERNAL "cmake/no-torch stops Torch headers")
endif()

function(lowclip_forbid_torch target)
  target_include_directories(${target} BEFORE PRIVATE ${LOWCLIP_NO_TORCH_DIR})
endfunction()
