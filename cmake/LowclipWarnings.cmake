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

# Precompiled Torch headers (LOWCLIP_PCH): one precompiled <torch/torch.h>, built once by
# lowclip_torch_pch, reused by every source file that includes Torch (directly or through the project's
# Torch headers). Such a unit then skips most of the ~10 s (CPU) of parsing Torch's headers; the other
# units of the same target are compiled without it (loading the 0.5 GB header would only cost them).

# True (in `out`) when `src` includes Torch, directly or through the project's Torch headers.
function(lowclip_source_uses_torch out src)
  set(${out} FALSE PARENT_SCOPE)
  if(NOT IS_ABSOLUTE "${src}")
    set(src ${CMAKE_CURRENT_SOURCE_DIR}/${src})
  endif()
  if(src MATCHES "\\.(cpp|cc)$" AND EXISTS ${src})
    file(STRINGS ${src} hits REGEX "#include [<\"](torch/|ATen/|c10/|core/nn/|core/io/bundle|core/train/(trainer|demo|batch_sources|evaluate|paper)\\.h|core/app/fine_tune)")
    if(hits)
      set(${out} TRUE PARENT_SCOPE)
    endif()
  endif()
endfunction()

# Gives the Torch-including sources of `target` the precompiled headers.
function(lowclip_torch_pch target)
  if(NOT LOWCLIP_PCH OR NOT TARGET lowclip_torch_pch)
    return()
  endif()
  get_target_property(srcs ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  set(any FALSE)
  foreach(src ${srcs})
    if(NOT IS_ABSOLUTE "${src}")
      set(src ${dir}/${src})
    endif()
    lowclip_source_uses_torch(uses ${src})
    if(uses)
      set(any TRUE)
    elseif(src MATCHES "\\.(cpp|cc)$")
      set_source_files_properties(${src} TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  if(any)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_precompile_headers(${target} REUSE_FROM lowclip_torch_pch_exe)
    else()
      target_precompile_headers(${target} REUSE_FROM lowclip_torch_pch)
    endif()
  endif()
endfunction()

# lowclip_torch_pch for every executable and library of the current folder.
function(lowclip_torch_pch_for_folder)
  get_property(targets DIRECTORY PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "EXECUTABLE" OR type STREQUAL "STATIC_LIBRARY")
      lowclip_torch_pch(${t})
    endif()
  endforeach()
endfunction()
