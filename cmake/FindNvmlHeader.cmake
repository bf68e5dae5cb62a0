# NVML is loaded at run time (dlopen), so only its header is needed to build. The CUDA toolkit
# usually ships nvml.h; where it does not, scripts/setup.sh installs the PyPI package
# nvidia-nvml-dev, whose header lives in site-packages/nvidia/<cu*>/include.
set(_nvml_hints ${CUDAToolkit_INCLUDE_DIRS})
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
  execute_process(
    COMMAND ${Python3_EXECUTABLE} -c "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    OUTPUT_VARIABLE _site OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_site)
    file(GLOB _nvml_pip_dirs "${_site}/nvidia/*/include" "${_site}/nvidia/nvml/include")
    list(APPEND _nvml_hints ${_nvml_pip_dirs})
  endif()
endif()
find_path(NVML_INCLUDE_DIR nvml.h HINTS ${_nvml_hints} ENV NVML_INCLUDE_DIR)
if(NOT NVML_INCLUDE_DIR)
  message(FATAL_ERROR "nvml.h not found: run scripts/setup.sh (installs the PyPI package "
                      "nvidia-nvml-dev) or set NVML_INCLUDE_DIR")
endif()
message(STATUS "nvml.h: ${NVML_INCLUDE_DIR}")
