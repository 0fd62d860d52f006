# The desktop application's GUI tests (QtTest, offscreen) and a check that the Azerbaijani and
# English translations are complete. test_ui drives the real engine with a tiny demo model.
lowclip_add_test(NAME test_ui SOURCES ui/test_ui.cpp LIBS lowclip_ui Qt6::Test QT TIMEOUT 900)
if(TARGET test_ui)
  set_target_properties(test_ui PROPERTIES AUTOMOC ON)
  lowclip_forbid_torch(test_ui)
endif()
# GUI tests that need no trained model run against a small fake engine (tests/ui/fake_engine.h).
lowclip_add_test(NAME test_ui_fake SOURCES ui/test_ui_fake.cpp ui/fake_engine.h LIBS lowclip_ui Qt6::Test QT TIMEOUT 300)
if(TARGET test_ui_fake)
  set_target_properties(test_ui_fake PROPERTIES AUTOMOC ON)
  lowclip_forbid_torch(test_ui_fake)
endif()

if(LOWCLIP_BUILD_GUI AND NOT LOWCLIP_TORCH_ONLY)
  foreach(lang az en)
    add_test(NAME test_translation_${lang}
             COMMAND ${CMAKE_COMMAND} -DTS_FILE=${PROJECT_SOURCE_DIR}/translations/lowclip_${lang}.ts
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/ui/check_translation.cmake)
  endforeach()
endif()
# The main window's search, browsing, relevance marks, keyboard, small windows and desktop
# integration, against the fake engine.
lowclip_add_test(NAME test_ui_search SOURCES ui/test_ui_search.cpp ui/fake_engine.h LIBS lowclip_ui Qt6::Test QT TIMEOUT 300)
if(TARGET test_ui_search)
  set_target_properties(test_ui_search PROPERTIES AUTOMOC ON)
  lowclip_forbid_torch(test_ui_search)
endif()

# The desktop search provider (GNOME Shell and KRunner over D-Bus) in a private session bus,
# against a tiny demo library built by lowclip-cli.
if(TARGET lowclip-search-provider AND TARGET lowclip-cli)
  add_test(NAME test_search_provider
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ui/test_search_provider.sh $<TARGET_FILE:lowclip-search-provider>
                   $<TARGET_FILE:lowclip-cli> ${CMAKE_CURRENT_BINARY_DIR}/search-provider-test)
  set_tests_properties(test_search_provider PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()
