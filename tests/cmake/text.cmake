# Tokenizer and vocabulary builder (core/text), and the tokenize/vocab CLI commands.
lowclip_add_test(NAME test_tokenizer SOURCES text/test_tokenizer.cpp LIBS lowclip_text TIMEOUT 120)
lowclip_add_test(NAME test_vocab_builder SOURCES text/test_vocab_builder.cpp LIBS lowclip_text TIMEOUT 120)
# Runs lowclip-cli tokenize/vocab on temporary files and checks their output.
lowclip_add_test(NAME test_cli_text SOURCES text/test_cli_text.cpp LIBS lowclip_text TIMEOUT 120)
if(TARGET test_cli_text)
  target_compile_definitions(test_cli_text PRIVATE LOWCLIP_CLI_PATH="$<TARGET_FILE:lowclip-cli>")
  add_dependencies(test_cli_text lowclip-cli)
endif()
