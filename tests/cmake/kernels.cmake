# CPU dispatch and int8 kernels (core/nn/kernels); once as detected and once held to AVX2.
lowclip_add_test(NAME test_kernels SOURCES nn/test_kernels.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 120)
if(TARGET test_kernels)
  add_test(NAME test_kernels_avx2 COMMAND test_kernels)
  set_tests_properties(test_kernels_avx2 PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 ENVIRONMENT "LOWCLIP_CPU_ISA=avx2")
endif()
