# Training unit: datasets, metrics, synthetic world (test_train_data); trainer, batch sources and
# the mini demo (test_trainer); a few steps of the paper-sized model (test_train_paper_smoke).
lowclip_add_test(NAME test_train_data SOURCES train/test_train_data.cpp LIBS lowclip_train TIMEOUT 120)
lowclip_add_test(NAME test_trainer SOURCES train/test_trainer.cpp LIBS lowclip_train TIMEOUT 300)
lowclip_add_test(NAME test_train_paper_smoke SOURCES train/test_train_paper_smoke.cpp LIBS lowclip_train TIMEOUT 300)
lowclip_add_test(NAME test_distributed SOURCES train/test_distributed.cpp LIBS lowclip_train TIMEOUT 180)
# torchrun (Debian's python3-torch) restarts a group whose rank crashed; it resumes from the last
# checkpoint and ends with the weights of an uninterrupted run. Skipped without the launcher.
if(TARGET lowclip-cli)
  add_test(NAME test_distributed_torchrun_restart
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/train/torchrun_restart.sh $<TARGET_FILE:lowclip-cli>)
  set_tests_properties(test_distributed_torchrun_restart PROPERTIES TIMEOUT 240 SKIP_RETURN_CODE 77 LABELS "distributed;cli")
endif()
