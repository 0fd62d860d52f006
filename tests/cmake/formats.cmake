lowclip_add_test(NAME test_formats SOURCES io/test_formats.cpp LIBS lowclip_formats TORCH_ONLY)
