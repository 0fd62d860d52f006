lowclip_add_test(NAME test_vector_index SOURCES library/test_vector_index.cpp LIBS lowclip_library TIMEOUT 120)
lowclip_add_test(NAME test_library SOURCES library/test_library.cpp LIBS lowclip_library TIMEOUT 300)
lowclip_add_test(NAME test_library_bundle SOURCES library/test_library_bundle.cpp LIBS lowclip_library TIMEOUT 300)
