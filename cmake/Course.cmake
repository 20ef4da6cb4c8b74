# The course's target kinds, one function each: test main, test binary, example, exercise, mutant.
# A chapter's CMakeLists.txt calls course_add_examples(); exercises come from exercises/info.json.

set(COURSE_TEST_BIN_DIR "${PROJECT_BINARY_DIR}/tests/bin")
# Sanitizers slow a run down several times; time limits follow.
if(COURSE_SANITIZER)
  set(COURSE_TIME_FACTOR 4)
else()
  set(COURSE_TIME_FACTOR 1)
endif()
# The .tsan variant of a test binary, which `course check --tsan` and the grader run.
set(COURSE_TSAN_TIME_FACTOR 4)

# The build's manifest, build/<preset>/course-manifest.json: what the course tool needs to
# know about this build (targets, binaries, time limits, labels, examples' exit codes), so
# that it never spells a target name or a build path itself. Each function below adds its
# entries; course_add_aggregate_targets() writes the file (file(GENERATE), so that binary
# paths come from $<TARGET_FILE>). The format is described in docs/architecture.md.
set(COURSE_MANIFEST_VERSION 1)

# _course_json(<out-var> <text>): <text> as a JSON string.
function(_course_json out text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()

# _course_manifest_build(<out-var> <target> <seconds> <test-source>): one build's entry. The
# test source is where the grader reads the names of the cases the binary must report.
function(_course_manifest_build out target seconds source)
  _course_json(name "${target}")
  _course_json(source_json "${source}")
  set(${out} "{\"target\": ${name}, \"binary\": \"$<TARGET_FILE:${target}>\", \"time_limit\": ${seconds}, \"source\": ${source_json}}"
      PARENT_SCOPE)
endfunction()
# Every test binary wraps some of its own calls at link time (the linker's --wrap sends
# the binary's calls of NAME to __wrap_NAME, which calls the original as __real_NAME):
#   - tests/support/schedule_chaos.cpp, the schedule-perturbing ("chaos") mode: the threads'
#     schedule is nudged at random before locks, after unlocks, before condition waits and
#     at thread starts, so that a test depending on an interleaving meets it in every run
#     (COURSE_CHAOS=off at run time switches it off);
#   - tests/support/injected_failures.cpp: fork, wait, read, write, pipe and a thread's start
#     fail when a test asks (EINTR, EAGAIN...), so that error paths are tested, and
#     std::thread::hardware_concurrency() can pretend to be 0.
# Linux only (GNU ld, gold and lld know --wrap); std::thread's start, hardware_concurrency()
# and std::condition_variable::wait() are wrapped where the standard library is libstdc++ or
# libc++, whose entry points for them differ.
include(CheckCXXSourceCompiles)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(COURSE_LINK_WRAPS ON)
else()
  set(COURSE_LINK_WRAPS OFF)
endif()
option(COURSE_SCHEDULE_CHAOS "Test binaries perturb their schedule at random (Linux only)" ${COURSE_LINK_WRAPS})
set(COURSE_TEST_LINK_OPTIONS "")
set(COURSE_TEST_MAIN_DEFINITIONS "")
if(COURSE_LINK_WRAPS)
  list(APPEND COURSE_TEST_MAIN_DEFINITIONS COURSE_INJECTED_FAILURES=1)
  foreach(symbol IN ITEMS fork waitpid wait waitid wait4 read __read_chk write pipe pipe2)
    list(APPEND COURSE_TEST_LINK_OPTIONS "LINKER:--wrap=${symbol}")
  endforeach()
  check_cxx_source_compiles("#include <thread>\n#ifndef __GLIBCXX__\n#error not libstdc++\n#endif\nint main() {}"
                            COURSE_HAVE_LIBSTDCXX)
  check_cxx_source_compiles("#include <thread>\n#ifndef _LIBCPP_VERSION\n#error not libc++\n#endif\nint main() {}"
                            COURSE_HAVE_LIBCXX)
  # std::condition_variable::wait(), which lives in the library's .so (wrapped for the chaos
  # mode below), has a mangled name of its own in each library.
  set(_course_condition_wait "")
  if(COURSE_HAVE_LIBSTDCXX)
    # std::thread's start and hardware_concurrency(), which live in libstdc++.so.
    list(APPEND COURSE_TEST_MAIN_DEFINITIONS COURSE_WRAP_LIBSTDCXX=1)
    list(APPEND COURSE_TEST_LINK_OPTIONS
         "LINKER:--wrap=_ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE"
         "LINKER:--wrap=_ZNSt6thread20hardware_concurrencyEv")
    set(_course_condition_wait _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE)
  elseif(COURSE_HAVE_LIBCXX)
    # libc++ starts a std::thread with a pthread_create() inlined into the program;
    # hardware_concurrency() lives in libc++.so.
    list(APPEND COURSE_TEST_MAIN_DEFINITIONS COURSE_WRAP_LIBCXX=1)
    list(APPEND COURSE_TEST_LINK_OPTIONS "LINKER:--wrap=pthread_create"
         "LINKER:--wrap=_ZNSt3__16thread20hardware_concurrencyEv")
    set(_course_condition_wait _ZNSt3__118condition_variable4waitERNS_11unique_lockINS_5mutexEEE)
  endif()
endif()
if(COURSE_SCHEDULE_CHAOS AND COURSE_LINK_WRAPS)
  list(APPEND COURSE_TEST_MAIN_DEFINITIONS COURSE_SCHEDULE_CHAOS=1)
  foreach(symbol IN ITEMS pthread_mutex_lock pthread_mutex_trylock pthread_mutex_timedlock
                          pthread_mutex_clocklock pthread_mutex_unlock
                          pthread_rwlock_rdlock pthread_rwlock_tryrdlock pthread_rwlock_timedrdlock
                          pthread_rwlock_clockrdlock pthread_rwlock_wrlock pthread_rwlock_trywrlock
                          pthread_rwlock_timedwrlock pthread_rwlock_clockwrlock pthread_rwlock_unlock
                          pthread_cond_wait pthread_cond_timedwait pthread_cond_clockwait)
    list(APPEND COURSE_TEST_LINK_OPTIONS "LINKER:--wrap=${symbol}")
  endforeach()
  if(_course_condition_wait)
    list(APPEND COURSE_TEST_LINK_OPTIONS "LINKER:--wrap=${_course_condition_wait}")
  endif()
endif()

# course_add_test_main(<target> [SANITIZER thread|address])
# doctest's main is slow to compile, so it is built once per sanitizer and linked by every test,
# with the wrapped calls above: whatever links it perturbs its schedule and can inject failures.
# Not in `all`: it is built with the first test binary that links it.
function(course_add_test_main target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SANITIZER" "")
  add_library(${target} STATIC EXCLUDE_FROM_ALL "${PROJECT_SOURCE_DIR}/tests/support/doctest_main.cpp"
                               "${PROJECT_SOURCE_DIR}/tests/support/crash_handler.cpp"
                               "${PROJECT_SOURCE_DIR}/tests/support/report_writer.cpp"
                               "${PROJECT_SOURCE_DIR}/tests/support/schedule_chaos.cpp"
                               "${PROJECT_SOURCE_DIR}/tests/support/injected_failures.cpp")
  target_link_libraries(${target} PUBLIC doctest::doctest Threads::Threads)
  # Without line information, the wrappers read as library frames in the stacks the course
  # tool shows (a deadlock's blocked threads, ThreadSanitizer's reports): the first line
  # shown stays the student's.
  set_source_files_properties("${PROJECT_SOURCE_DIR}/tests/support/schedule_chaos.cpp"
                              "${PROJECT_SOURCE_DIR}/tests/support/injected_failures.cpp"
                              PROPERTIES COMPILE_OPTIONS -g0)
  target_compile_definitions(${target} PRIVATE ${COURSE_TEST_MAIN_DEFINITIONS})
  target_link_options(${target} INTERFACE ${COURSE_TEST_LINK_OPTIONS})
  course_target_warnings(${target})
  course_target_sanitizer(${target} "${arg_SANITIZER}")
endfunction()

# course_add_precompiled_header(<target> [STUDENT] [SANITIZER thread] [HEADER <file>])
# A header of tests/support (precompiled.hpp unless HEADER says) compiled once for test
# binaries of the same flags, which then reuse it: a test file compiles in about half the
# time, which `course check` feels. Not in `all`: it is built with the first test binary that
# reuses it.
function(course_add_precompiled_header target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "STUDENT" "SANITIZER;HEADER" "")
  if(NOT arg_HEADER)
    set(arg_HEADER precompiled.hpp)
  endif()
  add_library(${target} OBJECT EXCLUDE_FROM_ALL "${PROJECT_SOURCE_DIR}/tests/support/precompiled.cpp")
  target_link_libraries(${target} PRIVATE doctest::doctest Threads::Threads)
  target_precompile_headers(${target} PRIVATE "${PROJECT_SOURCE_DIR}/tests/support/${arg_HEADER}")
  set(student "")
  if(arg_STUDENT)
    set(student STUDENT)
  endif()
  course_target_warnings(${target} ${student})
  course_target_sanitizer(${target} "${arg_SANITIZER}")
endfunction()

# _course_link_with_gold(<target>): GNU gold links a test binary in about half of ld's time,
# which a student waits for after each edit (`course check` rebuilds the exercise's tests):
# used for the course's binaries wherever it works.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=gold" COURSE_GOLD_LINKER_WORKS)
endif()
function(_course_link_with_gold target)
  if(COURSE_GOLD_LINKER_WORKS)
    target_link_options(${target} PRIVATE -fuse-ld=gold)
  endif()
endfunction()

# course_add_test_binary(<target> CHAPTER <NN> SOURCES <file>... INCLUDES <dir>... [STUDENT]
#                        [SANITIZER thread])
# A doctest binary in tests/bin/. INCLUDES come first on the include path, so a test's
# `#include "queue.hpp"` finds the exercise, the solution or a mutant as asked. A chapter of
# COURSE_PROCESS_CHAPTERS reuses the precompiled header without the thread headers. Never in
# `all`: the course tool builds an exercise's binaries when it checks it, and the presets
# build the aggregate targets of course_add_aggregate_targets().
function(course_add_test_binary target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "STUDENT" "SANITIZER;CHAPTER" "SOURCES;INCLUDES")
  if(NOT arg_CHAPTER)
    message(FATAL_ERROR "course_add_test_binary(${target}): CHAPTER is required")
  endif()
  add_executable(${target} EXCLUDE_FROM_ALL ${arg_SOURCES})
  target_include_directories(${target} BEFORE PRIVATE ${arg_INCLUDES}
                                                     "${PROJECT_SOURCE_DIR}/tests/support")
  if(arg_SANITIZER STREQUAL "thread")
    target_link_libraries(${target} PRIVATE course_test_main.tsan)
  else()
    target_link_libraries(${target} PRIVATE course_test_main)
  endif()
  set(student "")
  if(arg_STUDENT)
    set(student STUDENT)
  endif()
  course_target_warnings(${target} ${student})
  course_target_sanitizer(${target} "${arg_SANITIZER}")
  set(precompiled course_precompiled)
  if(arg_CHAPTER IN_LIST COURSE_PROCESS_CHAPTERS)
    string(APPEND precompiled .processes)
  endif()
  if(arg_STUDENT)
    string(APPEND precompiled .student)
  endif()
  if(arg_SANITIZER STREQUAL "thread")
    string(APPEND precompiled .tsan)
  endif()
  target_precompile_headers(${target} REUSE_FROM ${precompiled})
  _course_link_with_gold(${target})
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${COURSE_TEST_BIN_DIR}")
endfunction()

# _course_verdict_only(<target>): in the self-check's tree, a binary that is only run for its
# verdict (a chapter program, a solution's or stub's tests, a mutant) is built without debug
# information: the self-check builds some 400 of them, and a verdict needs no line numbers. A
# student's tree and the grader's keep -g, for crash locations. (GCC reuses a precompiled
# header made with -g in a compilation without it.)
function(_course_verdict_only target)
  if(COURSE_SELFCHECK AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -g0)
  endif()
endfunction()

# course_add_example(<source> [EXIT_CODE <n>] [NOT_TESTED] [TSAN_REPORTS])
# One chapter program: target example.NN.<stem> built from the one file, and a test that
# runs it and compares its output with the expected output at the bottom of the file (the
# notation is in cmake/RunExample.cmake). EXIT_CODE: the status the program exits with on
# purpose. TSAN_REPORTS: the program shows a race or lock-order inversion on purpose, so under
# the tsan preset the test expects ThreadSanitizer's report (and exit status 66) instead.
# Under a sanitizer the test checks the exit status only: the programs run several times
# slower there, so their timed waits and figures come out differently, ThreadSanitizer adds a
# thread of its own and copies its shadow memory on write, and its reports join the output.
function(course_add_example source)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NOT_TESTED;TSAN_REPORTS" "EXIT_CODE" "")
  get_filename_component(stem "${source}" NAME_WE)
  get_filename_component(chapter "${CMAKE_CURRENT_SOURCE_DIR}" NAME)
  string(SUBSTRING "${chapter}" 0 2 number)
  set(target example.${number}.${stem})
  course_missing_in(missing FILES "${source}")
  if(missing)
    course_describe_missing(missing "${missing}")
    message(STATUS "Left out: ${target} (this machine has no ${missing})")
    return()
  endif()
  # Anyone may build one example on its own (g++ -std=c++20 -pthread FILE): the build below
  # adds nothing but warnings, and the file may include only the standard library and the
  # system's headers, never a file of the course.
  file(STRINGS "${source}" own_includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  if(own_includes)
    message(FATAL_ERROR "${source}: ${own_includes}\nAn example builds alone: it includes the standard "
                        "library and the system's headers only, in <...>.")
  endif()
  add_executable(${target} "${source}")
  target_link_libraries(${target} PRIVATE Threads::Threads)
  _course_link_with_gold(${target})
  _course_verdict_only(${target})
  course_target_warnings(${target})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME "${stem}")
  set_property(GLOBAL APPEND PROPERTY COURSE_CHECKED_TARGETS ${target})
  set_property(GLOBAL APPEND PROPERTY COURSE_EXAMPLE_TARGETS ${target})
  set(expected 0)
  if(DEFINED arg_EXIT_CODE)
    set(expected ${arg_EXIT_CODE})
  endif()
  set(tested true)
  if(arg_NOT_TESTED)
    set(tested false)
  endif()
  set(races false)
  if(arg_TSAN_REPORTS)
    set(races true)
  endif()
  get_filename_component(source_path "${source}" ABSOLUTE)
  file(RELATIVE_PATH source_path "${PROJECT_SOURCE_DIR}" "${source_path}")
  _course_json(source_json "${source_path}")
  set(entry ",\n    {\"chapter\": \"${number}\", \"name\": \"${stem}\", \"source\": ${source_json}, ")
  string(APPEND entry "\"target\": \"${target}\", \"binary\": \"$<TARGET_FILE:${target}>\", ")
  string(APPEND entry "\"exit_code\": ${expected}, \"tested\": ${tested}, \"tsan_reports\": ${races}}")
  set_property(GLOBAL APPEND_STRING PROPERTY COURSE_MANIFEST_EXAMPLES "${entry}")
  if(arg_NOT_TESTED)
    return()
  endif()
  set(expect_tsan OFF)
  if(arg_TSAN_REPORTS AND COURSE_SANITIZER STREQUAL "thread")
    set(expect_tsan ON)
  endif()
  set(check_output ON)
  if(COURSE_SANITIZER)
    set(check_output OFF)
  endif()
  get_filename_component(source_path "${source}" ABSOLUTE)
  add_test(NAME ${target}
           COMMAND "${CMAKE_COMMAND}" -DPROGRAM=$<TARGET_FILE:${target}> -DSOURCE=${source_path}
                   -DEXPECTED_EXIT=${expected} -DEXPECT_TSAN_REPORT=${expect_tsan}
                   -DCHECK_OUTPUT=${check_output} -P "${PROJECT_SOURCE_DIR}/cmake/RunExample.cmake")
  math(EXPR limit "30 * ${COURSE_TIME_FACTOR}")
  # Alone, as a reader runs it: the self-check runs its other tests in parallel, and some
  # programs time their work or wait a set time, which no test should squeeze.
  set_tests_properties(${target} PROPERTIES LABELS "example;ch${number}" TIMEOUT ${limit} RUN_SERIAL ON)
endfunction()

# course_add_examples([EXIT_CODES <stem>=<n>...] [NOT_TESTED <stem>...] [TSAN_REPORTS <stem>...])
# Every NN_name.cpp of the calling chapter folder, through course_add_example().
function(course_add_examples)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "EXIT_CODES;NOT_TESTED;TSAN_REPORTS")
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/[0-9][0-9]_*.cpp")
  set(known "")
  foreach(source IN LISTS sources)
    get_filename_component(stem "${source}" NAME_WE)
    list(APPEND known ${stem})
    set(options "")
    foreach(pair IN LISTS arg_EXIT_CODES)
      if(pair MATCHES "^${stem}=([0-9]+)$")
        list(APPEND options EXIT_CODE ${CMAKE_MATCH_1})
      endif()
    endforeach()
    if(stem IN_LIST arg_NOT_TESTED)
      list(APPEND options NOT_TESTED)
    endif()
    if(stem IN_LIST arg_TSAN_REPORTS)
      list(APPEND options TSAN_REPORTS)
    endif()
    course_add_example("${source}" ${options})
  endforeach()
  # A misspelt name would silently drop an option: refuse it instead.
  foreach(named IN LISTS arg_EXIT_CODES arg_NOT_TESTED arg_TSAN_REPORTS)
    string(REGEX REPLACE "=.*" "" named "${named}")
    if(NOT named IN_LIST known)
      message(FATAL_ERROR "course_add_examples: no example named '${named}' in ${CMAKE_CURRENT_SOURCE_DIR}")
    endif()
  endforeach()
endfunction()

# _course_add_test(<name> <labels> <seconds> COMMAND...): a CTest test with its time limit,
# so that a deadlock is a failure and never a hang.
function(_course_add_test name labels seconds)
  add_test(NAME ${name} COMMAND ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${seconds})
endfunction()

# course_add_exercise(<NN> <name>)
# The tests of one exercise (tests/NN_topic/test_<name>.cpp), built on demand (never in `all`)
#   - against COURSE_EXERCISES_DIR: exercise.NN.name and exercise.NN.name.tsan, which the
#     course tool builds when it first checks the exercise;
#   - against solutions/, when it exists: solution.NN.name;
#   - with COURSE_SELFCHECK, the stub check and one mutant check per mutant.
function(course_add_exercise number name)
  set(dir ${COURSE_CHAPTER_${number}_DIR})
  set(files ${COURSE_EXERCISE_${name}_FILES})
  set(test_source "${PROJECT_SOURCE_DIR}/tests/${dir}/test_${name}.cpp")
  if(NOT EXISTS "${test_source}")
    message(FATAL_ERROR "exercise ${number}/${name}: no test file ${test_source}")
  endif()
  math(EXPR limit "${COURSE_EXERCISE_${name}_TIME_LIMIT} * ${COURSE_TIME_FACTOR}")
  math(EXPR tsan_limit "${limit} * ${COURSE_TSAN_TIME_FACTOR}")
  # CTest runs all of a binary's cases in one process, where the course tool and the grader
  # give each case the limit: four times the limit covers a whole run on a loaded machine (the
  # self-check runs the solutions beside mutants and the grading suite).
  math(EXPR whole_run_limit "${limit} * 4")
  set(id ${number}.${name})
  set(labels "exercise;ch${number};${name}")
  set(support "${PROJECT_SOURCE_DIR}/tests/support")
  set(solution_dir "${PROJECT_SOURCE_DIR}/solutions/${dir}")

  # A machine without a feature the exercise's tests or stub use (see
  # Portability.cmake) leaves the exercise out, and one the solution uses its solution.
  course_missing_in(missing FILES "${test_source}" INCLUDES "${COURSE_EXERCISES_DIR}/${dir}" "${support}")
  if(missing)
    course_describe_missing(missing "${missing}")
    message(STATUS "Left out: exercise ${number}/${name} (this machine has no ${missing})")
    return()
  endif()
  set(solution_missing "")
  if(EXISTS "${solution_dir}")
    course_missing_in(solution_missing FILES "${test_source}" INCLUDES "${solution_dir}" "${support}")
  endif()

  course_add_test_binary(exercise.${id} CHAPTER ${number} STUDENT SOURCES "${test_source}"
                         INCLUDES "${COURSE_EXERCISES_DIR}/${dir}")
  _course_verdict_only(exercise.${id})
  set_property(GLOBAL APPEND PROPERTY COURSE_EXERCISE_TARGETS exercise.${id})
  _course_add_test(exercise.${id} "${labels}" ${whole_run_limit} exercise.${id})
  _course_manifest_build(plain exercise.${id} ${limit} "${test_source}")
  set(builds "\"plain\": ${plain}")
  if(NOT COURSE_SANITIZER)
    course_add_test_binary(exercise.${id}.tsan CHAPTER ${number} STUDENT SANITIZER thread
                           SOURCES "${test_source}" INCLUDES "${COURSE_EXERCISES_DIR}/${dir}")
    _course_manifest_build(tsan exercise.${id}.tsan ${tsan_limit} "${test_source}")
    string(APPEND builds ", \"tsan\": ${tsan}")
  endif()

  # Tests a teacher adds at grading time, against the same exercise files.
  set(hidden_source "${COURSE_HIDDEN_TESTS_DIR}/${dir}/test_${name}.cpp")
  set(hidden_missing "")
  if(COURSE_HIDDEN_TESTS_DIR AND EXISTS "${hidden_source}")
    course_missing_in(hidden_missing FILES "${hidden_source}" INCLUDES "${COURSE_EXERCISES_DIR}/${dir}" "${support}")
    if(hidden_missing)
      course_describe_missing(hidden_missing "${hidden_missing}")
      message(STATUS "Left out: the hidden tests of ${number}/${name} (this machine has no ${hidden_missing})")
    endif()
  endif()
  if(COURSE_HIDDEN_TESTS_DIR AND EXISTS "${hidden_source}" AND NOT hidden_missing)
    course_add_test_binary(exercise.${id}.hidden CHAPTER ${number} STUDENT SOURCES "${hidden_source}"
                           INCLUDES "${COURSE_EXERCISES_DIR}/${dir}")
    _course_manifest_build(hidden exercise.${id}.hidden ${limit} "${hidden_source}")
    string(APPEND builds ", \"hidden\": ${hidden}")
    if(NOT COURSE_SANITIZER)
      course_add_test_binary(exercise.${id}.hidden.tsan CHAPTER ${number} STUDENT SANITIZER thread
                             SOURCES "${hidden_source}" INCLUDES "${COURSE_EXERCISES_DIR}/${dir}")
      _course_manifest_build(hidden_tsan exercise.${id}.hidden.tsan ${tsan_limit} "${hidden_source}")
      string(APPEND builds ", \"hidden_tsan\": ${hidden_tsan}")
    endif()
  endif()

  if(solution_missing)
    course_describe_missing(solution_missing "${solution_missing}")
    message(STATUS "Left out: solution.${id} and its mutants (this machine has no ${solution_missing})")
  elseif(EXISTS "${solution_dir}")
    course_add_test_binary(solution.${id} CHAPTER ${number} SOURCES "${test_source}" INCLUDES "${solution_dir}")
    _course_verdict_only(solution.${id})
    set_property(GLOBAL APPEND PROPERTY COURSE_CHECKED_TARGETS solution.${id})
    _course_add_test(solution.${id} "solution;ch${number};${name}" ${whole_run_limit} solution.${id})
    _course_manifest_build(solution solution.${id} ${limit} "${test_source}")
    string(APPEND builds ", \"solution\": ${solution}")
  endif()

  set(label_list "")
  foreach(label IN LISTS labels)
    string(APPEND label_list ", \"${label}\"")
  endforeach()
  string(SUBSTRING "${label_list}" 2 -1 label_list)
  set(entry ",\n    {\"chapter\": \"${number}\", \"name\": \"${name}\", \"labels\": [${label_list}],\n")
  string(APPEND entry "     \"builds\": {${builds}}}")
  set_property(GLOBAL APPEND_STRING PROPERTY COURSE_MANIFEST_EXERCISES "${entry}")

  if(NOT COURSE_SELFCHECK)
    return()
  endif()
  # The untouched stub must fail every test case, quickly.
  set_property(GLOBAL APPEND PROPERTY COURSE_SELFCHECK_TARGETS exercise.${id})
  math(EXPR budget "${limit} * 10 + 30")
  _course_add_test(stub.${id} "stub;ch${number};${name}" ${budget}
                   course-tool selftest stub --time-limit ${limit} $<TARGET_FILE:exercise.${id}>)
  if(solution_missing)
    return()  # the mutants are the solution with one mistake
  endif()
  if(NOT EXISTS "${PROJECT_SOURCE_DIR}/tests/mutants")
    message(FATAL_ERROR "The self-check needs tests/mutants/, which only the course's own repository has "
                        "(a student kit leaves it out).")
  endif()
  # Each mutant holds a diff against the solution of one of this exercise's files
  # (<file>.diff); mutants with diffs of other files belong to other exercises.
  file(GLOB mutant_dirs LIST_DIRECTORIES true "${PROJECT_SOURCE_DIR}/tests/mutants/${dir}/*")
  set(mutant_count 0)
  foreach(mutant_dir IN LISTS mutant_dirs)
    foreach(file IN LISTS files)
      if(EXISTS "${mutant_dir}/${file}.diff")
        course_add_mutant(${number} ${name} "${mutant_dir}")
        math(EXPR mutant_count "${mutant_count} + 1")
        break()
      endif()
    endforeach()
  endforeach()
  if(mutant_count EQUAL 0)
    message(FATAL_ERROR "exercise ${number}/${name} has no mutant in tests/mutants/${dir}/")
  endif()
endfunction()

# The self-check runs each mutant's tests COURSE_SELFCHECK_RUNS times (each with its own
# schedule-perturbation seed) and counts the mutant caught only if every run rejects it. CI
# keeps one run; 20 is the proof that no mutant passes by luck. Each mutant test writes its
# result to COURSE_SELFCHECK_RESULTS, which `course-tool selftest table` prints as one table.
set(COURSE_SELFCHECK_RUNS 1 CACHE STRING "Runs of each mutant's tests in the self-check; every run must catch it")
set(COURSE_SELFCHECK_RESULTS "${PROJECT_BINARY_DIR}/selfcheck-results")
if(COURSE_SELFCHECK)
  if(NOT COURSE_SELFCHECK_RUNS MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "COURSE_SELFCHECK_RUNS must be a whole number of 1 or more, not '${COURSE_SELFCHECK_RUNS}'")
  endif()
  # Results of mutants that no longer exist must not linger in the table.
  file(REMOVE_RECURSE "${COURSE_SELFCHECK_RESULTS}")
endif()

# course_add_mutant(<NN> <exercise> <mutant-dir>)
# A known-wrong version of an exercise: the solution with one mistake, kept as a diff
# (<file>.diff) so that the mistake is all a reader sees and the mutant follows every later
# change to the solution. The diffs are applied at configure time, with no fuzz: a diff
# that no longer fits the solution stops the configuration, to be made again with
#   diff -u --label solutions/NN_topic/FILE --label tests/mutants/NN_topic/MUTANT/FILE \
#     solutions/NN_topic/FILE edited-copy-of-FILE > tests/mutants/NN_topic/MUTANT/FILE.diff
# The mutated files come first on the include path, the solution's for the rest. The check
# passes when the exercise's tests reject it, in a plain run or under ThreadSanitizer (a
# race that passes by luck), or by timing out (a deadlock).
function(course_add_mutant number name mutant_dir)
  get_filename_component(mutant "${mutant_dir}" NAME)
  if(NOT EXISTS "${mutant_dir}/mistake.txt")
    message(FATAL_ERROR "${mutant_dir} has no mistake.txt (one line: the mistake it models)")
  endif()
  find_program(COURSE_PATCH patch DOC "patch, which applies the mutants' diffs (self-check only)")
  if(NOT COURSE_PATCH)
    message(FATAL_ERROR "The self-check needs the 'patch' program to make its mutants (apt-get install patch).")
  endif()
  set(dir ${COURSE_CHAPTER_${number}_DIR})
  set(solution_dir "${PROJECT_SOURCE_DIR}/solutions/${dir}")
  set(mutated_dir "${PROJECT_BINARY_DIR}/mutants/${dir}/${mutant}")
  file(REMOVE_RECURSE "${mutated_dir}")
  file(MAKE_DIRECTORY "${mutated_dir}")
  file(GLOB diffs "${mutant_dir}/*.diff")
  foreach(diff IN LISTS diffs)
    get_filename_component(file "${diff}" NAME_WLE)
    execute_process(COMMAND "${COURSE_PATCH}" --silent --fuzz=0 --no-backup-if-mismatch --reject-file=-
                            --output=${mutated_dir}/${file} "${solution_dir}/${file}" "${diff}"
                    RESULT_VARIABLE failed OUTPUT_VARIABLE why ERROR_VARIABLE why)
    if(failed)
      message(FATAL_ERROR "${diff} no longer applies to solutions/${dir}/${file}:\n${why}")
    endif()
    set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 "${diff}" "${solution_dir}/${file}")
  endforeach()
  set(test_source "${PROJECT_SOURCE_DIR}/tests/${dir}/test_${name}.cpp")
  set(includes "${mutated_dir}" "${solution_dir}")
  set(id ${number}.${name}.${mutant})
  course_add_test_binary(mutant.${id} CHAPTER ${number} STUDENT SOURCES "${test_source}" INCLUDES ${includes})
  # The ThreadSanitizer build is made only when a run needs it (the plain run passed): most
  # mutants are caught by the plain run, and building every one twice would double the
  # self-check's build.
  course_add_test_binary(mutant.${id}.tsan CHAPTER ${number} STUDENT SANITIZER thread EXCLUDE_FROM_ALL SOURCES "${test_source}"
                         INCLUDES ${includes})
  # The mutants are most of the self-check's build: without debug information a test file
  # compiles in about two thirds of the time.
  _course_verdict_only(mutant.${id})
  _course_verdict_only(mutant.${id}.tsan)
  set_property(GLOBAL APPEND PROPERTY COURSE_SELFCHECK_TARGETS mutant.${id})
  math(EXPR limit "${COURSE_EXERCISE_${name}_TIME_LIMIT} * ${COURSE_TIME_FACTOR}")
  # 5 minutes on top for building the ThreadSanitizer binary (and its test main) when needed.
  math(EXPR budget "${COURSE_SELFCHECK_RUNS} * ${limit} * (1 + ${COURSE_TSAN_TIME_FACTOR}) + 330")
  _course_add_test(mutant.${id} "mutant;ch${number};${name}" ${budget}
                   course-tool selftest mutant --time-limit ${limit} --runs ${COURSE_SELFCHECK_RUNS}
                   --mistake "${mutant_dir}/mistake.txt" --id ${id} --results "${COURSE_SELFCHECK_RESULTS}"
                   --build-dir "${PROJECT_BINARY_DIR}" --tsan-target mutant.${id}.tsan
                   $<TARGET_FILE:mutant.${id}> $<TARGET_FILE:mutant.${id}.tsan>)
endfunction()

# course_add_aggregate_targets(): called once, after every chapter and test. `all` holds the
# example programs and the course tool, of which the dev preset (the quick start) builds the
# tool alone: `course run` builds a chapter's programs and `course check` an exercise's tests
# when they are first needed. Beside it:
#   course_checked    the example programs and the solutions' tests: what the sanitizer
#                     presets build and run (a student's exercise binaries are not needed);
#   course_examples   the example programs: what `cmake --workflow --preset examples` builds
#                     and runs against the output at the end of each file;
#   course_exercises  every exercise's test binary, against the student's files: what
#                     `ctest --preset exercises` runs (the course tool builds one at a time);
#   course_selfcheck  with COURSE_SELFCHECK, course_checked, the stub and mutant binaries,
#                     the course tool with its own tests, the grading suite and the pool
#                     benchmark: what the selfcheck preset builds and runs.
function(course_add_aggregate_targets)
  get_property(checked GLOBAL PROPERTY COURSE_CHECKED_TARGETS)
  add_custom_target(course_checked)
  add_dependencies(course_checked ${checked})
  foreach(kind IN ITEMS examples exercises)
    string(TOUPPER "${kind}" upper)
    string(REGEX REPLACE "S$" "" upper "${upper}")
    get_property(targets GLOBAL PROPERTY COURSE_${upper}_TARGETS)
    add_custom_target(course_${kind})
    if(targets)
      add_dependencies(course_${kind} ${targets})
    endif()
  endforeach()
  if(COURSE_SELFCHECK)
    get_property(selfcheck GLOBAL PROPERTY COURSE_SELFCHECK_TARGETS)
    add_custom_target(course_selfcheck)
    add_dependencies(course_selfcheck ${selfcheck} ${checked})
    foreach(tool IN ITEMS course-tool tools.tests grading.tests pool_benchmark)
      if(TARGET ${tool})
        add_dependencies(course_selfcheck ${tool})
      endif()
    endforeach()
  endif()
  _course_write_manifest()
endfunction()

# _course_write_manifest(): build/<preset>/course-manifest.json, from what the functions
# above recorded.
function(_course_write_manifest)
  get_property(exercises GLOBAL PROPERTY COURSE_MANIFEST_EXERCISES)
  get_property(examples GLOBAL PROPERTY COURSE_MANIFEST_EXAMPLES)
  # Each entry starts with ",\n": drop the first comma.
  foreach(list IN ITEMS exercises examples)
    if(${list})
      string(SUBSTRING "${${list}}" 1 -1 ${list})
    endif()
  endforeach()
  set(support "")
  foreach(target IN ITEMS course_test_main course_precompiled.student course_precompiled.processes.student
                          course_test_main.tsan course_precompiled.student.tsan
                          course_precompiled.processes.student.tsan)
    if(TARGET ${target})
      string(APPEND support ", \"${target}\"")
    endif()
  endforeach()
  if(support)
    string(SUBSTRING "${support}" 2 -1 support)
  endif()
  foreach(path IN ITEMS PROJECT_SOURCE_DIR PROJECT_BINARY_DIR COURSE_EXERCISES_DIR COURSE_HIDDEN_TESTS_DIR
                        COURSE_SANITIZER)
    _course_json(${path}_json "${${path}}")
  endforeach()
  # The headers every test includes besides the exercise's: the course's test support and
  # doctest's. The grader refuses a submission that redefines a name they use.
  set(header_dirs "")
  foreach(dir IN ITEMS "${PROJECT_SOURCE_DIR}/tests/support"
                       "$<TARGET_PROPERTY:doctest::doctest,INTERFACE_INCLUDE_DIRECTORIES>")
    _course_json(dir_json "${dir}")
    list(APPEND header_dirs "${dir_json}")
  endforeach()
  list(JOIN header_dirs ", " header_dirs)
  file(GENERATE OUTPUT "${PROJECT_BINARY_DIR}/course-manifest.json" CONTENT "{
  \"manifest_version\": ${COURSE_MANIFEST_VERSION},
  \"source_dir\": ${PROJECT_SOURCE_DIR_json},
  \"build_dir\": ${PROJECT_BINARY_DIR_json},
  \"exercises_dir\": ${COURSE_EXERCISES_DIR_json},
  \"hidden_tests_dir\": ${COURSE_HIDDEN_TESTS_DIR_json},
  \"sanitizer\": ${COURSE_SANITIZER_json},
  \"tsan_time_factor\": ${COURSE_TSAN_TIME_FACTOR},
  \"support_targets\": [${support}],
  \"test_header_dirs\": [${header_dirs}],
  \"exercises\": [${exercises}
  ],
  \"examples\": [${examples}
  ]
}
")
endfunction()
