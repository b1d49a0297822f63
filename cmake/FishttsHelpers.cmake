include(GoogleTest)

# fishtts_module(NAME sources...): add a module's sources to the library and remember them, so that fuzz
# targets can compile an instrumented copy of just the modules they exercise.
function(fishtts_module name)
  set(abs "")
  foreach(src IN LISTS ARGN)
    list(APPEND abs "${CMAKE_CURRENT_SOURCE_DIR}/${src}")
  endforeach()
  target_sources(fishtts PRIVATE ${abs})
  set_property(GLOBAL APPEND PROPERTY FISHTTS_MODULE_${name}_SOURCES ${abs})
endfunction()

# The ctest label of a test binary, so a tier can run alone (`ctest -L unit`): LABEL when given, else server for
# test-server*, cli for the tests that run the fishtts binary, unit for the rest.
function(fishtts_test_label name given out)
  if(given)
    set(label ${given})
  elseif(name MATCHES "^test-server")
    set(label server)
  elseif(name MATCHES "^test-cli-|-cli$")
    set(label cli)
  else()
    set(label unit)
  endif()
  set(${out} ${label} PARENT_SCOPE)
endfunction()

# fishtts_add_test(test-foo [LABEL unit|parity|cli|server|...] [LIBS extra...]): tests/test-foo.cpp -> one
# GoogleTest binary, cases run by ctest under that label (fishtts_test_label).
function(fishtts_add_test name)
  cmake_parse_arguments(ARG "" "LABEL" "LIBS" ${ARGN})
  fishtts_test_label(${name} "${ARG_LABEL}" label)
  add_executable(${name} ${name}.cpp)
  target_link_libraries(${name} PRIVATE fishtts GTest::gtest GTest::gmock GTest::gtest_main ${ARG_LIBS})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/src")
  target_compile_definitions(${name} PRIVATE
    FISHTTS_FIXTURE_DIR="${FISHTTS_FIXTURE_DIR}"
    FISHTTS_CLI="$<TARGET_FILE:fishtts_cli>"
    FISHTTS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(${name} fishtts_cli)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${label})
endfunction()

# fishtts_add_c_test(test-foo [SOURCE file.c] [LIBRARY target]): a C11 program (-Wall -Wextra) that ctest runs, its
# exit code decides. Linked against the static library by default (LINKER_LANGUAGE CXX brings the C++ runtime);
# LIBRARY fishtts_shared runs the same checks through libfishtts.so's exported symbols.
function(fishtts_add_c_test name)
  cmake_parse_arguments(ARG "" "SOURCE;LIBRARY" "" ${ARGN})
  if(NOT ARG_SOURCE)
    set(ARG_SOURCE ${name}.c)
  endif()
  if(NOT ARG_LIBRARY)
    set(ARG_LIBRARY fishtts)
  endif()
  add_executable(${name} ${ARG_SOURCE})
  set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF LINKER_LANGUAGE CXX)
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARY} m)
  target_compile_definitions(${name} PRIVATE FISHTTS_FIXTURE_DIR="${FISHTTS_FIXTURE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS api)
endfunction()

# fishtts_add_fuzzer(fuzz-foo MODULES common checkpoint ...): tests/fuzz/fuzz-foo.cpp.
# With clang: a libFuzzer + ASan + UBSan binary over an instrumented copy of the modules' sources; ctest runs
# it for a bounded number of inputs from the seed corpus tests/fuzz/corpus/fuzz-foo/.
# Otherwise: the target is linked with a replay driver and ctest replays the corpus.
function(fishtts_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "MODULES;LIBS" ${ARGN})
  set(corpus "${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name}")
  if(FISHTTS_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(srcs "")
    foreach(m IN LISTS ARG_MODULES)
      get_property(msrcs GLOBAL PROPERTY FISHTTS_MODULE_${m}_SOURCES)
      list(APPEND srcs ${msrcs})
    endforeach()
    add_executable(${name} fuzz/${name}.cpp ${srcs})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}/include")
    target_compile_definitions(${name} PRIVATE $<TARGET_PROPERTY:fishtts,COMPILE_DEFINITIONS>)  # e.g. FISHTTS_VERSION
    target_link_libraries(${name} PRIVATE $<TARGET_PROPERTY:fishtts,LINK_LIBRARIES> ${ARG_LIBS})
    set(work "${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus")
    add_test(NAME ${name}
             COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                     $<TARGET_FILE:${name}> -runs=20000 -max_total_time=30 -rss_limit_mb=1024
                     -malloc_limit_mb=512 -timeout=10 ${work} ${corpus})
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ${name}-dir LABELS fuzz)
    add_test(NAME ${name}-setup COMMAND ${CMAKE_COMMAND} -E make_directory ${work})
    set_tests_properties(${name}-setup PROPERTIES FIXTURES_SETUP ${name}-dir LABELS fuzz)
  else()
    add_executable(${name} fuzz/${name}.cpp fuzz/replay_main.cpp)
    target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/src")
    target_link_libraries(${name} PRIVATE fishtts ${ARG_LIBS})
    add_test(NAME ${name} COMMAND $<TARGET_FILE:${name}> ${corpus})
    set_tests_properties(${name} PROPERTIES LABELS fuzz)
  endif()
endfunction()

# fishtts_add_bench(bench-foo): bench/bench-foo.cpp -> a Google Benchmark binary (not a test).
function(fishtts_add_bench name)
  add_executable(${name} ${name}.cpp)
  target_link_libraries(${name} PRIVATE fishtts benchmark::benchmark ${ARGN})
  target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/src")
  target_compile_definitions(${name} PRIVATE FISHTTS_FIXTURE_DIR="${FISHTTS_FIXTURE_DIR}")
endfunction()
