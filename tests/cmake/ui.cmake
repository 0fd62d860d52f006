# The desktop application's GUI tests (QtTest, offscreen) and a check that the Azerbaijani and
# English translations are complete.
lowclip_add_test(NAME test_ui SOURCES ui/test_ui.cpp LIBS lowclip_ui Qt6::Test QT TIMEOUT 900)
if(TARGET test_ui)
  set_target_properties(test_ui PROPERTIES AUTOMOC ON)
endif()

if(LOWCLIP_BUILD_GUI AND NOT LOWCLIP_TORCH_ONLY)
  foreach(lang az en)
    add_test(NAME test_translation_${lang}
             COMMAND ${CMAKE_COMMAND} -DTS_FILE=${PROJECT_SOURCE_DIR}/translations/lowclip_${lang}.ts
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/ui/check_translation.cmake)
  endforeach()
endif()
