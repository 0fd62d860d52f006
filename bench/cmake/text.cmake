# bench_tokenizer: tokenizer throughput (MB/s) over the fixture sentences, single thread.
if(NOT LOWCLIP_TORCH_ONLY)
  add_executable(bench_tokenizer bench_tokenizer.cpp)
  target_link_libraries(bench_tokenizer PRIVATE lowclip_text)
  target_compile_definitions(bench_tokenizer PRIVATE LOWCLIP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  lowclip_warnings(bench_tokenizer)
endif()
