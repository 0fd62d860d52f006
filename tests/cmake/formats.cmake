lowclip_add_test(NAME test_formats SOURCES io/test_formats.cpp LIBS lowclip_formats TORCH_ONLY)
# The crafted-zip tests deflate their own bombs and checksum their records with zlib.
if(TARGET test_formats)
  find_package(ZLIB REQUIRED)
  target_link_libraries(test_formats PRIVATE ZLIB::ZLIB)
endif()
