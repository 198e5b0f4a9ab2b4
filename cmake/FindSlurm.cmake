# FindSlurm: libslurm headers and library (Debian: libslurm-dev; no pkg-config file, no CMake
# config, so it is found by hand and linked as plain -lslurm).
# Defines the imported target Slurm::Slurm and
#   Slurm_VERSION            the headers' release, "22.5.8" (SLURM_VERSION_NUMBER)
#   Slurm_API_VERSION_TRIPLE the linked library's libtool version "38.0.0", from the real file name of
#                            libslurm.so; libslurm's slurm_api_version() reports the same numbers at
#                            run time, which is how the executor notices a library from another
#                            release (struct layouts change between releases).
find_path(Slurm_INCLUDE_DIR NAMES slurm/slurm.h)
find_library(Slurm_LIBRARY NAMES slurm)

if(Slurm_INCLUDE_DIR AND EXISTS "${Slurm_INCLUDE_DIR}/slurm/slurm_version.h")
  file(STRINGS "${Slurm_INCLUDE_DIR}/slurm/slurm_version.h" _slurm_version_line REGEX "#define SLURM_VERSION_NUMBER ")
  string(REGEX MATCH "0x[0-9a-fA-F]+" _slurm_hex "${_slurm_version_line}")
  if(_slurm_hex)
    math(EXPR _slurm_major "(${_slurm_hex} >> 16) & 255")
    math(EXPR _slurm_minor "(${_slurm_hex} >> 8) & 255")
    math(EXPR _slurm_micro "${_slurm_hex} & 255")
    set(Slurm_VERSION "${_slurm_major}.${_slurm_minor}.${_slurm_micro}")
  endif()
endif()
if(Slurm_LIBRARY)
  get_filename_component(_slurm_real "${Slurm_LIBRARY}" REALPATH)
  string(REGEX MATCH "\\.so\\.([0-9]+)\\.([0-9]+)\\.([0-9]+)$" _slurm_so "${_slurm_real}")
  if(_slurm_so)
    set(Slurm_API_VERSION_TRIPLE "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}.${CMAKE_MATCH_3}")
    set(Slurm_API_SONAME_MAJOR ${CMAKE_MATCH_1})
    set(Slurm_API_AGE ${CMAKE_MATCH_2})
    set(Slurm_API_REVISION ${CMAKE_MATCH_3})
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Slurm
  REQUIRED_VARS Slurm_LIBRARY Slurm_INCLUDE_DIR Slurm_API_VERSION_TRIPLE
  VERSION_VAR Slurm_VERSION
  REASON_FAILURE_MESSAGE "install libslurm-dev (scripts/install-deps.sh), or configure with -DCOLONIES_WITH_SLURM=OFF")

if(Slurm_FOUND AND NOT TARGET Slurm::Slurm)
  add_library(Slurm::Slurm UNKNOWN IMPORTED)
  set_target_properties(Slurm::Slurm PROPERTIES
    IMPORTED_LOCATION "${Slurm_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Slurm_INCLUDE_DIR}")
endif()
mark_as_advanced(Slurm_INCLUDE_DIR Slurm_LIBRARY)
