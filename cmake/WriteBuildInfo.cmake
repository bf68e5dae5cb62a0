# Run at build time (cmake -P) by the target of cmake/BuildInfo.cmake. Inputs (-D):
#   BUILD_INFO_SOURCE_DIR  the project's source dir; its own repository is the only one asked
#   BUILD_INFO_GIT         the git executable, empty when none was found
#   BUILD_INFO_TEMPLATE    the configure_file template
#   BUILD_INFO_OUTPUT      the generated file
# and any other -D value the template names.
set(GPUXFER_GIT_SHA "unknown")
set(GPUXFER_GIT_DIRTY "unknown")

if(BUILD_INFO_GIT AND EXISTS "${BUILD_INFO_GIT}")
  execute_process(COMMAND "${BUILD_INFO_GIT}" rev-parse --show-toplevel
                  WORKING_DIRECTORY "${BUILD_INFO_SOURCE_DIR}"
                  OUTPUT_VARIABLE toplevel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                  RESULT_VARIABLE rc)
  set(own_repository FALSE)
  if(rc EQUAL 0 AND toplevel)
    # A release tarball unpacked inside another repository would otherwise be stamped with that
    # repository's sha; symlinks are resolved so /a -> /b does not look like two places.
    file(REAL_PATH "${toplevel}" toplevel_real)
    file(REAL_PATH "${BUILD_INFO_SOURCE_DIR}" source_real)
    if(toplevel_real STREQUAL source_real)
      set(own_repository TRUE)
    endif()
  endif()
  if(own_repository)
    execute_process(COMMAND "${BUILD_INFO_GIT}" rev-parse --short=12 HEAD
                    WORKING_DIRECTORY "${BUILD_INFO_SOURCE_DIR}"
                    OUTPUT_VARIABLE sha OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                    RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND sha MATCHES "^[0-9a-f]+$")
      set(GPUXFER_GIT_SHA "${sha}")
      # Tracked files only: build folders and scratch files are not changes to the source.
      # --no-optional-locks: reading the state must not take the index lock from a git command
      # the user runs at the same time.
      execute_process(COMMAND "${BUILD_INFO_GIT}" --no-optional-locks status --porcelain
                              --untracked-files=no
                      WORKING_DIRECTORY "${BUILD_INFO_SOURCE_DIR}"
                      OUTPUT_VARIABLE changes ERROR_QUIET RESULT_VARIABLE rc)
      if(rc EQUAL 0)
        if(changes STREQUAL "")
          set(GPUXFER_GIT_DIRTY "no")
        else()
          set(GPUXFER_GIT_DIRTY "yes")
        endif()
      endif()
    endif()
  endif()
endif()

if(GPUXFER_GIT_DIRTY STREQUAL "yes")
  set(GPUXFER_GIT_DIRTY_CPP "true")
elseif(GPUXFER_GIT_DIRTY STREQUAL "no")
  set(GPUXFER_GIT_DIRTY_CPP "false")
else()
  set(GPUXFER_GIT_DIRTY_CPP "std::nullopt")
endif()
configure_file("${BUILD_INFO_TEMPLATE}" "${BUILD_INFO_OUTPUT}" @ONLY)
