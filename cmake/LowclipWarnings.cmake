# Warning flags for the project's own targets (not for third-party headers, which are SYSTEM).
function(lowclip_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

# Torch's CMake config puts its include folders on the targets as ordinary includes; mark them
# SYSTEM so their warnings do not drown ours.
function(lowclip_link_torch target visibility)
  target_link_libraries(${target} ${visibility} ${TORCH_LIBRARIES})
  target_include_directories(${target} SYSTEM ${visibility} ${TORCH_INCLUDE_DIRS})
endfunction()
