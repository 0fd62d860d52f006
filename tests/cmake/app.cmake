# The application service (core/app) and the CLI commands that adapt it.
lowclip_add_test(NAME test_workspace SOURCES app/test_workspace.cpp LIBS lowclip_app TIMEOUT 600)
lowclip_add_test(NAME test_cli_workspace SOURCES app/test_cli_workspace.cpp LIBS lowclip_app TIMEOUT 300)
if(TARGET test_cli_workspace)
  target_compile_definitions(test_cli_workspace PRIVATE LOWCLIP_CLI_PATH="$<TARGET_FILE:lowclip-cli>")
  add_dependencies(test_cli_workspace lowclip-cli)
endif()
