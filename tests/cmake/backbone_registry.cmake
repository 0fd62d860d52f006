# The image-tower registry (core/nn/backbone_registry.h): a family registered from the test alone,
# and the built-in families linked in without being referred to.
lowclip_add_test(NAME test_backbone_registry SOURCES nn/test_backbone_registry.cpp LIBS lowclip_nn TORCH_ONLY TIMEOUT 120)
