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
