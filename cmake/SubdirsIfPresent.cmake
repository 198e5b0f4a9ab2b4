# colonies_add_subdirectories(<dir>...) adds each listed subdirectory that has a CMakeLists.txt,
# so subsystems can land one at a time without editing their parent.
macro(colonies_add_subdirectories)
  foreach(_dir ${ARGN})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${_dir}/CMakeLists.txt)
      add_subdirectory(${_dir})
    endif()
  endforeach()
endmacro()
