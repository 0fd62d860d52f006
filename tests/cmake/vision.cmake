# core/vision: decoding, metadata, preprocessing, augmentation. The test writes its own images with
# OpenCV, libheif (HEVC encoder), exiv2 (EXIF tags) and, when present, libjpeg (a CMYK JPEG).
lowclip_add_test(NAME test_vision SOURCES vision/test_vision.cpp
                 LIBS lowclip_vision PkgConfig::EXIV2 PkgConfig::HEIF TIMEOUT 300)
if(TARGET test_vision)
  find_package(JPEG QUIET)
  if(JPEG_FOUND)
    target_link_libraries(test_vision PRIVATE JPEG::JPEG)
    target_compile_definitions(test_vision PRIVATE LOWCLIP_TEST_HAVE_LIBJPEG=1)
  endif()
endif()
# Crafted headers (repeated TIFF tags, overflowing and decoder-exceeding sizes); zlib fixes PNG CRCs.
lowclip_add_test(NAME test_decode_hostile SOURCES vision/test_decode_hostile.cpp LIBS lowclip_vision TIMEOUT 120)
if(TARGET test_decode_hostile)
  find_package(ZLIB REQUIRED)
  target_link_libraries(test_decode_hostile PRIVATE ZLIB::ZLIB)
endif()
