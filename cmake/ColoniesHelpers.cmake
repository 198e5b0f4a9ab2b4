# colonies_add_library(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# creates the static library colonies_<name> with the alias colonies::<name>. Include paths are
# rooted at the repository top, so headers are included as "core/model/process.hpp".
function(colonies_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(colonies_${name} STATIC ${ARG_SOURCES})
  add_library(colonies::${name} ALIAS colonies_${name})
  target_include_directories(colonies_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(colonies_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# colonies_add_test(<name> LABELS ... SOURCES ... DEPS ...) builds one gtest binary and registers
# its tests with ctest through gtest_discover_tests so each case is its own ctest entry.
function(colonies_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${name} TEST_LIST ${name}_TESTS
    PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
  # Labels are set after discovery from an include file of our own: gtest_discover_tests flattens
  # a list-valued property and would keep only the first label.
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
  file(WRITE ${labels_file}
    "if(DEFINED ${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
endfunction()
