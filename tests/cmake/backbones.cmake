# Image backbones (core/nn: efficientnet, resnet, vit, swin): fixtures, name maps, presets.
lowclip_add_test(NAME test_backbones SOURCES nn/test_backbones.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 300)
