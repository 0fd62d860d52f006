# bench_library: HNSW at 1M vectors (build, memory, latency, recall), catalog rescan, end-to-end indexing.
if(NOT LOWCLIP_TORCH_ONLY)
  add_executable(bench_library bench_library.cpp)
  target_link_libraries(bench_library PRIVATE lowclip_library lowclip_train lowclip_bundle)
  target_compile_definitions(bench_library PRIVATE LOWCLIP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  lowclip_warnings(bench_library)
endif()
