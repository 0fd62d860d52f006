# The checkpoint-reading helpers shared by core/nn (shapeOf, indicesUnder, requireWeight, HF BERT names).
lowclip_add_test(NAME test_state_dict SOURCES nn/test_state_dict.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 60)
lowclip_add_test(NAME test_allocation_budget SOURCES nn/test_allocation_budget.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 120)
