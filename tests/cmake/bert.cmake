# BERT text encoder (core/nn/bert): reference fixtures, loading, freezing, inference kernel.
lowclip_add_test(NAME test_bert SOURCES nn/test_bert.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 300)
# The same tests with the dispatch held to AVX2 (the float32 AVX2 kernel against at::linear).
if(TARGET test_bert)
  add_test(NAME test_bert_avx2 COMMAND test_bert)
  set_tests_properties(test_bert_avx2 PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT "LOWCLIP_CPU_ISA=avx2")
endif()
