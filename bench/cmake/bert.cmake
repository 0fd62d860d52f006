# bench_bert: tokenize + encode latency of one query, batch throughput, peak RSS, and the ratio to
# Python PyTorch (scripts/bench_bert_python.py) for the mBERT-base shape (see bench_bert.cpp).
if(NOT LOWCLIP_TORCH_ONLY)
  add_executable(bench_bert ${CMAKE_CURRENT_SOURCE_DIR}/bench_bert.cpp)
  target_link_libraries(bench_bert PRIVATE lowclip_nn lowclip_text)
  target_compile_definitions(bench_bert PRIVATE LOWCLIP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  lowclip_warnings(bench_bert)
endif()
