# bench_train: training throughput (pairs/s) of the paper-sized model (mBERT-base + EfficientNet-B0)
# on the CPU; compare with scripts/bench_train_python.py.
if(NOT LOWCLIP_TORCH_ONLY)
  add_executable(bench_train bench_train.cpp)
  target_link_libraries(bench_train PRIVATE lowclip_train)
  lowclip_warnings(bench_train)
endif()
