# Training unit: datasets, metrics, synthetic world (test_train_data); trainer, batch sources and
# the mini demo (test_trainer); a few steps of the paper-sized model (test_train_paper_smoke).
lowclip_add_test(NAME test_train_data SOURCES train/test_train_data.cpp LIBS lowclip_train TIMEOUT 120)
lowclip_add_test(NAME test_trainer SOURCES train/test_trainer.cpp LIBS lowclip_train TIMEOUT 300)
lowclip_add_test(NAME test_train_paper_smoke SOURCES train/test_train_paper_smoke.cpp LIBS lowclip_train TIMEOUT 300)
lowclip_add_test(NAME test_distributed SOURCES train/test_distributed.cpp LIBS lowclip_train TIMEOUT 180)
