# The dual encoder, losses, model bundle, importers and the Embedder (engineer "model").
lowclip_add_test(NAME test_clip SOURCES nn/test_clip.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 300)
lowclip_add_test(NAME test_bundle SOURCES io/test_bundle.cpp LIBS lowclip_train TIMEOUT 300)
