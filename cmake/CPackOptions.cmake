# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE in cmake/Packaging.cmake).
if(CPACK_GENERATOR STREQUAL "TGZ")
  # The tarball has no debug package, so its binary is stripped at install time. DEB keeps
  # CPACK_STRIP_FILES off: CPackDeb strips after moving the DWARF into gpuxfer-dbgsym.
  set(CPACK_STRIP_FILES ON)
endif()
