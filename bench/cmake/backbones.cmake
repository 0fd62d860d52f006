# bench_backbones: eval forward latency/throughput of every backbone preset on CPU (or --device),
# and a training step of the small resnet_tiny configuration (see bench_backbones.cpp).
add_executable(bench_backbones ${CMAKE_CURRENT_SOURCE_DIR}/bench_backbones.cpp)
target_link_libraries(bench_backbones PRIVATE lowclip_nn)
lowclip_warnings(bench_backbones)
