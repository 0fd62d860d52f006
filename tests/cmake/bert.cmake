# BERT text encoder (core/nn/bert): reference fixtures, loading, freezing, inference kernel.
lowclip_add_test(NAME test_bert SOURCES nn/test_bert.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 300)
