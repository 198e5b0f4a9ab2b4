# Fuzzing support. COLONIES_BUILD_FUZZERS instruments the build for libFuzzer with AddressSanitizer
# and UndefinedBehaviorSanitizer (clang only; scripts/fuzz.sh configures build-fuzz/ that way and
# builds only the `fuzzers` target, so just the libraries the targets link get compiled).
# colonies_add_fuzzer(<name> SOURCES ... DEPS ...) declares one target, fed from
# tests/fuzz/corpus/<name>/. In the ordinary test build the same sources are linked with a replay
# driver instead and run over that corpus as the ctest `fuzz_replay_<name>` (label unit), so
# committed seeds and crash reproducers keep being checked by every build, g++ included.
# See docs/fuzzing.md.

if(COLONIES_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR CMAKE_CXX_COMPILER_VERSION VERSION_LESS 16)
    message(FATAL_ERROR "COLONIES_BUILD_FUZZERS needs clang >= 16 with libFuzzer (Debian: clang-16 "
                        "libclang-rt-16-dev); scripts/fuzz.sh configures build-fuzz/ with it. Found "
                        "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}.")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # libstdc++ 12 only declares std::expected when __cpp_concepts >= 202002L. Clang 16 implements
  # the feature that guard stands for (P0848, conditionally trivial special members) but still
  # reports 201907L, so without this it would see no std::expected at all. Fuzz build only.
  add_compile_options(-Wno-builtin-macro-redefined -U__cpp_concepts -D__cpp_concepts=202002L)
  add_custom_target(fuzzers)
endif()

function(colonies_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})
  if(NOT IS_DIRECTORY ${corpus})
    message(FATAL_ERROR "fuzz target ${name}: seed corpus ${corpus} is missing")
  endif()
  if(COLONIES_BUILD_FUZZERS)
    add_executable(fuzz_${name} ${ARG_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE ${ARG_DEPS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    add_dependencies(fuzzers fuzz_${name})
  endif()
  if(COLONIES_BUILD_TESTS)
    add_executable(fuzz_${name}_replay ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cpp)
    target_link_libraries(fuzz_${name}_replay PRIVATE ${ARG_DEPS})
    add_test(NAME fuzz_replay_${name} COMMAND fuzz_${name}_replay ${corpus})
    set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS unit TIMEOUT 120)
  endif()
endfunction()
