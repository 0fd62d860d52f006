# core/util: UTF-8 and atomic file and folder replacement. Only lowclip_util: they run in the
# LOWCLIP_TORCH_ONLY build too.
lowclip_add_test(NAME test_utf8 SOURCES util/test_utf8.cpp LIBS lowclip_util TORCH_ONLY TIMEOUT 60)
lowclip_add_test(NAME test_atomic_file SOURCES util/test_atomic_file.cpp LIBS lowclip_util TORCH_ONLY TIMEOUT 60)
lowclip_add_test(NAME test_json_config SOURCES util/test_json_config.cpp LIBS lowclip_util TORCH_ONLY TIMEOUT 60)
lowclip_add_test(NAME test_stderr_filter SOURCES util/test_stderr_filter.cpp LIBS lowclip_util TORCH_ONLY TIMEOUT 60)
