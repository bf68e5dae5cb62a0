# Tool identity baked into the binary: version, git sha, build type, CUDA it was built with.
find_package(Git QUIET)
set(GPUXFER_GIT_SHA "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE _sha OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                  RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _sha)
    set(GPUXFER_GIT_SHA "${_sha}")
  endif()
endif()
configure_file(${CMAKE_SOURCE_DIR}/src/core/build_info.cpp.in
               ${CMAKE_BINARY_DIR}/generated/build_info.cpp @ONLY)
