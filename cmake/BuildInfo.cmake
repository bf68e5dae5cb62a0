# Tool identity baked into the binary: version, git sha and dirty state, build type, compiler,
# CUDA it was built with. The git facts are read at build time, on every build, by
# cmake/WriteBuildInfo.cmake: a sha taken at configure time goes stale after the next commit or
# edit. configure_file in that script rewrites the generated source only when a fact changed, so
# an unchanged stamp recompiles and relinks nothing.
find_package(Git QUIET)
set(GPUXFER_BUILD_INFO_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/WriteBuildInfo.cmake)

# gpuxfer_add_build_info(<target> TEMPLATE <file.in> OUTPUT <file> [VALUES NAME=value ...])
# Adds the ALL target <target> that writes OUTPUT from TEMPLATE. The template sees
# @GPUXFER_GIT_SHA@ (12 hex or "unknown"), @GPUXFER_GIT_DIRTY@ ("yes", "no" or "unknown"),
# @GPUXFER_GIT_DIRTY_CPP@ (true, false or std::nullopt) and each NAME of VALUES.
function(gpuxfer_add_build_info target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TEMPLATE;OUTPUT" "VALUES")
  set(defines "")
  foreach(pair IN LISTS arg_VALUES)
    list(APPEND defines "-D${pair}")
  endforeach()
  add_custom_target(${target} ALL
    COMMAND ${CMAKE_COMMAND}
            -DBUILD_INFO_SOURCE_DIR=${PROJECT_SOURCE_DIR}
            -DBUILD_INFO_GIT=${GIT_EXECUTABLE}
            -DBUILD_INFO_TEMPLATE=${arg_TEMPLATE}
            -DBUILD_INFO_OUTPUT=${arg_OUTPUT}
            ${defines}
            -P ${GPUXFER_BUILD_INFO_SCRIPT}
    BYPRODUCTS ${arg_OUTPUT}
    COMMENT "Reading the git sha and dirty state"
    VERBATIM)
endfunction()
