# bench_vision: decode + preprocess + EfficientNet-B0 forward over a folder of photos (see bench_vision.cpp).
if(NOT LOWCLIP_TORCH_ONLY)
  add_executable(bench_vision ${CMAKE_CURRENT_SOURCE_DIR}/bench_vision.cpp)
  target_link_libraries(bench_vision PRIVATE lowclip_vision lowclip_nn Threads::Threads)
  target_compile_definitions(bench_vision PRIVATE LOWCLIP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  lowclip_warnings(bench_vision)
endif()
