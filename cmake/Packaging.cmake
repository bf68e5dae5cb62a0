# What `cmake --install` puts on a node and how CPack packs it: a Debian package (`cpack -G DEB`)
# with its debug symbols in a separate -dbgsym package, and a relocatable tarball (`cpack -G TGZ`)
# whose tree is the same, relative to wherever it is unpacked.
#
# Every destination is relative (GNUInstallDirs), so the tarball works from any folder and the
# .deb lands under /usr. The installed binaries carry no RPATH: cudart is static; the driver,
# NVML, cuBLAS/cuBLASLt and NCCL are dlopen'ed (docs/deploy.md), so gpuxfer needs only the C/C++
# runtime. gpuxfer-mpi (multi-rank runs) links libmpi, from the system's search path.
#
# Two Debian packages (components): gpuxfer (the binary, man page, completions, docs; its
# Depends stays free of MPI and CUDA) and, where MPI was found, gpuxfer-mpi (the MPI binary; its
# Depends is gpuxfer of the same version plus what dpkg-shlibdeps reads: the MPI library). The
# tarball holds both.

include(GNUInstallDirs)

find_program(GPUXFER_GZIP gzip REQUIRED)

# Debian policy: man pages and changelogs are installed compressed with `gzip -9n` (-n: no name
# or time stamp inside, so the bytes depend only on the text and packages are reproducible).
function(gpuxfer_gzip_file target source output)
  add_custom_command(
    OUTPUT "${output}"
    COMMAND "${GPUXFER_GZIP}" -9n -c "${source}" > "${output}"
    DEPENDS "${source}"
    COMMENT "gzip -9n ${source}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${output}")
endfunction()

set(gpuxfer_pkg_dir "${PROJECT_BINARY_DIR}/packaging")
file(MAKE_DIRECTORY "${gpuxfer_pkg_dir}")
gpuxfer_gzip_file(gpuxfer_man_page "${PROJECT_SOURCE_DIR}/docs/man/gpuxfer.1" "${gpuxfer_pkg_dir}/gpuxfer.1.gz")
gpuxfer_gzip_file(gpuxfer_changelog "${PROJECT_SOURCE_DIR}/CHANGELOG.md" "${gpuxfer_pkg_dir}/changelog.gz")

set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME gpuxfer)
install(TARGETS gpuxfer RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT gpuxfer)
if(TARGET gpuxfer-mpi)
  install(TARGETS gpuxfer-mpi RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT mpi)
endif()
install(FILES "${gpuxfer_pkg_dir}/gpuxfer.1.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# Where bash-completion and Debian's zsh look for the completions of installed commands.
install(FILES "${PROJECT_SOURCE_DIR}/completions/gpuxfer.bash"
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME gpuxfer)
install(FILES "${PROJECT_SOURCE_DIR}/completions/_gpuxfer"
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/zsh/vendor-completions)
# share/doc/gpuxfer: copyright in Debian's machine-readable format (it points to
# /usr/share/common-licenses/Apache-2.0, as Debian policy asks instead of a copy of LICENSE),
# the upstream changelog as changelog.gz, and the README with the docs pages it links to.
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/packaging/copyright"
              "${gpuxfer_pkg_dir}/changelog.gz"
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The pages README.md links to (docs/*.md; the man page is installed above).
file(GLOB gpuxfer_doc_pages "${PROJECT_SOURCE_DIR}/docs/*.md")
install(FILES ${gpuxfer_doc_pages} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

set(CPACK_PACKAGE_NAME gpuxfer)
set(CPACK_PACKAGE_VENDOR "gpuxfer")
set(CPACK_PACKAGE_CONTACT "gpuxfer maintainers <maintainers@gpuxfer.dev>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "gpuxfer measures how fast data moves between GPUs, between host and GPU, and how fast each GPU computes, on NVIDIA machines. Every figure is verified and reported as a table or as versioned JSON; compare, check and report act on saved results without a GPU.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_SOURCE_GENERATOR "")

# Debian: Depends comes from dpkg-shlibdeps reading the binary's NEEDED entries, never by hand,
# so it follows what the binary really links. Libraries that no dpkg package owns (a CUDA
# toolkit installed from NVIDIA's runfile or wheels) cannot be named and are left out: CPack
# runs dpkg-shlibdeps with --ignore-missing-info.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The installed binary is stripped and its DWARF goes to gpuxfer-dbgsym (a .ddeb, found by the
# binary's build id under /usr/lib/debug/.build-id). CPackDeb does the split itself, so the
# generic CPACK_STRIP_FILES stays off for DEB: it would strip before the split and leave the
# debug package empty.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)

# One .deb per component: gpuxfer, and gpuxfer-mpi where MPI was found (each with its -dbgsym).
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_GPUXFER_PACKAGE_NAME gpuxfer)
set(CPACK_DEBIAN_GPUXFER_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}\n ${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_COMPONENTS_ALL gpuxfer)
if(TARGET gpuxfer-mpi)
  list(APPEND CPACK_COMPONENTS_ALL mpi)
  set(CPACK_DEBIAN_MPI_PACKAGE_NAME gpuxfer-mpi)
  set(CPACK_DEBIAN_MPI_PACKAGE_DEPENDS "gpuxfer (= ${PROJECT_VERSION})")
  set(CPACK_DEBIAN_MPI_PACKAGE_SECTION utils)
  set(CPACK_DEBIAN_MPI_DESCRIPTION
      "gpuxfer for MPI launchers: one rank per GPU across hosts\n gpuxfer-mpi is gpuxfer with multi-process runs on MPI (mpirun or srun, one rank per GPU, one merged report; transfers between ranks by CUDA IPC and NCCL). `mpirun -np N gpuxfer bench` hands over to it.")
endif()

# Tarball: one top-level folder gpuxfer-<version>-Linux/ holding bin/, share/; stripped too (no
# debug package exists for it; the symbols stay in the build tree's binary).
set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY ON)

# Settings that differ per generator are applied when cpack runs that generator.
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_SOURCE_DIR}/cmake/CPackOptions.cmake")

include(CPack)
