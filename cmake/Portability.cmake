# What this machine's standard library and system offer of what the course uses, found by
# building a small program for each feature, and what the build does about it.
#
# The standard library. GCC's libstdc++ has all of C++20's concurrency library. LLVM's libc++
# (clang's library on macOS, and the libcxx preset's) keeps some of it in its experimental
# part, switched on by -fexperimental-library: std::jthread and <stop_token> in libc++ 17 to
# 19, std::osyncstream from 18 on. Where a feature needs that flag and builds and links with
# it, every target gets the flag.
#
# The system. A few programs and exercises use calls that Linux has and macOS has not
# (pipe2, accept4, SOCK_CLOEXEC, prctl...): the course is Linux first.
#
# Whatever is missing even so, each example program, exercise or solution build that uses it
# is left out of the build with a message saying why (course_missing_in() below tells), so
# that the rest builds. A lesson always shows the standard code.
#
# Sets:
#   COURSE_STDLIB_NAME     "libstdc++ of 20220819", "libc++ 19.1.7"
#   COURSE_STDLIB_FLAGS    the flags every target gets (-fexperimental-library or nothing)
#   COURSE_MISSING         the features missing here, by the names below
include_guard(GLOBAL)
include(CheckCXXSourceCompiles)
include(CheckCXXCompilerFlag)
include(CMakePushCheckState)
find_package(Threads REQUIRED)

# For each feature: a program that must compile and link (as the course's programs do), what
# gives its use away in a source file (matched with comments removed), and its name for people.
set(_course_library_features jthread syncstream atomic_wait latch barrier semaphore interference_size)
set(_course_system_features pipe2 accept4 sock_cloexec msg_nosignal sigtimedwait sched_getaffinity prctl)

set(_course_probe_jthread [[
#include <stop_token>
#include <thread>
int main() {
    std::stop_source source;
    std::stop_callback callback(source.get_token(), [] {});
    std::jthread worker([](std::stop_token token) { return token.stop_requested(); });
    return worker.request_stop() ? 0 : 1;
}]])
set(_course_uses_jthread "std::(jthread|stop_token|stop_source|stop_callback|nostopstate)|<stop_token>")
set(_course_text_jthread "std::jthread and <stop_token>")

set(_course_probe_syncstream [[
#include <iostream>
#include <syncstream>
int main() { std::osyncstream(std::cout) << ""; }]])
set(_course_uses_syncstream "std::(basic_)?(osyncstream|syncbuf)|<syncstream>")
set(_course_text_syncstream "std::osyncstream")

set(_course_probe_atomic_wait [[
#include <atomic>
int main() {
    std::atomic<int> value{0};
    value.wait(1);
    value.notify_all();
    std::atomic_flag flag;
    flag.notify_one();
}]])
# A condition variable has wait() and notify_one() too: only a line that names an atomic counts.
set(_course_uses_atomic_wait "atomic[^\n]*[.](wait|notify_one|notify_all)[(]|[.](wait|notify_one|notify_all)[(][^\n]*atomic")
set(_course_text_atomic_wait "std::atomic::wait and notify")

set(_course_probe_latch [[
#include <latch>
int main() { std::latch done(1); done.count_down(); done.wait(); }]])
set(_course_uses_latch "std::latch|<latch>")
set(_course_text_latch "std::latch")

set(_course_probe_barrier [[
#include <barrier>
int main() { std::barrier meet(1); meet.arrive_and_wait(); }]])
set(_course_uses_barrier "std::barrier|<barrier>")
set(_course_text_barrier "std::barrier")

set(_course_probe_semaphore [[
#include <semaphore>
int main() { std::counting_semaphore<4> slots(1); slots.acquire(); std::binary_semaphore one(1); one.release(); }]])
set(_course_uses_semaphore "std::(counting|binary)_semaphore|<semaphore>")
set(_course_text_semaphore "std::counting_semaphore")

set(_course_probe_interference_size [[
#include <cstddef>
#include <new>
struct alignas(std::hardware_destructive_interference_size) Padded { int value; };
int main() { return sizeof(Padded) >= std::hardware_constructive_interference_size ? 0 : 1; }]])
set(_course_uses_interference_size "hardware_(destructive|constructive)_interference_size")
set(_course_text_interference_size "std::hardware_destructive_interference_size")

set(_course_probe_pipe2 [[
#include <fcntl.h>
#include <unistd.h>
int main() { int ends[2]; return pipe2(ends, O_CLOEXEC); }]])
set(_course_uses_pipe2 "pipe2[ \t]*[(]")
set(_course_text_pipe2 "pipe2()")

set(_course_probe_accept4 [[
#include <sys/socket.h>
int main() { return accept4(0, nullptr, nullptr, 0); }]])
set(_course_uses_accept4 "accept4[ \t]*[(]")
set(_course_text_accept4 "accept4()")

set(_course_probe_sock_cloexec [[
#include <sys/socket.h>
int main() { return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); }]])
set(_course_uses_sock_cloexec "SOCK_CLOEXEC|SOCK_NONBLOCK")
set(_course_text_sock_cloexec "SOCK_CLOEXEC")

set(_course_probe_msg_nosignal [[
#include <sys/socket.h>
int main() { return static_cast<int>(send(0, "", 0, MSG_NOSIGNAL)); }]])
set(_course_uses_msg_nosignal "MSG_NOSIGNAL")
set(_course_text_msg_nosignal "MSG_NOSIGNAL")

set(_course_probe_sigtimedwait [[
#include <signal.h>
int main() { sigset_t set; sigemptyset(&set); timespec no_wait{}; return sigtimedwait(&set, nullptr, &no_wait); }]])
set(_course_uses_sigtimedwait "sigtimedwait[ \t]*[(]")
set(_course_text_sigtimedwait "sigtimedwait()")

set(_course_probe_sched_getaffinity [[
#include <sched.h>
int main() { cpu_set_t allowed; return sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0; }]])
set(_course_uses_sched_getaffinity "sched_getaffinity|CPU_COUNT")
set(_course_text_sched_getaffinity "sched_getaffinity()")

set(_course_probe_prctl [[
#include <sys/prctl.h>
int main() { return prctl(PR_SET_CHILD_SUBREAPER, 1); }]])
set(_course_uses_prctl "prctl[ \t]*[(]|<sys/prctl[.]h>")
set(_course_text_prctl "prctl()")

# The library's name, and whether -fexperimental-library is worth trying (clang 15 and later).
check_cxx_source_compiles([[
#include <version>
#if !defined(_LIBCPP_VERSION)
#error not libc++
#endif
int main() {}]] COURSE_STDLIB_IS_LIBCXX)
check_cxx_compiler_flag(-fexperimental-library COURSE_COMPILER_HAS_EXPERIMENTAL_LIBRARY)

set(COURSE_STDLIB_FLAGS "")
set(COURSE_MISSING "")
set(_course_library_summary "")
set(_course_system_missing "")
cmake_push_check_state(RESET)
set(CMAKE_REQUIRED_LIBRARIES Threads::Threads)
set(CMAKE_REQUIRED_QUIET ON)
foreach(feature IN LISTS _course_library_features _course_system_features)
  string(TOUPPER "${feature}" upper)
  check_cxx_source_compiles("${_course_probe_${feature}}" COURSE_HAS_${upper})
  if(COURSE_HAS_${upper})
    if(feature IN_LIST _course_library_features)
      list(APPEND _course_library_summary "${feature}: yes")
    endif()
    continue()
  endif()
  if(feature IN_LIST _course_library_features AND COURSE_COMPILER_HAS_EXPERIMENTAL_LIBRARY)
    set(CMAKE_REQUIRED_FLAGS -fexperimental-library)
    set(CMAKE_REQUIRED_LINK_OPTIONS -fexperimental-library)
    check_cxx_source_compiles("${_course_probe_${feature}}" COURSE_HAS_${upper}_EXPERIMENTAL)
    unset(CMAKE_REQUIRED_FLAGS)
    unset(CMAKE_REQUIRED_LINK_OPTIONS)
    if(COURSE_HAS_${upper}_EXPERIMENTAL)
      set(COURSE_STDLIB_FLAGS -fexperimental-library)
      list(APPEND _course_library_summary "${feature}: with -fexperimental-library")
      continue()
    endif()
  endif()
  list(APPEND COURSE_MISSING ${feature})
  if(feature IN_LIST _course_library_features)
    list(APPEND _course_library_summary "${feature}: MISSING")
  else()
    list(APPEND _course_system_missing "${_course_text_${feature}}")
  endif()
endforeach()
cmake_pop_check_state()

if(COURSE_STDLIB_FLAGS)
  add_compile_options(${COURSE_STDLIB_FLAGS})
  add_link_options(${COURSE_STDLIB_FLAGS})
endif()

# The library's version, from its own macro, which a built program carries as text: nothing
# is run, so that every build (a sanitizer's, a cross build) configures the same way.
if(COURSE_STDLIB_IS_LIBCXX)
  set(COURSE_STDLIB_NAME "libc++")
  set(_course_version_macro _LIBCPP_VERSION)
else()
  set(COURSE_STDLIB_NAME "libstdc++")
  set(_course_version_macro __GLIBCXX__)
endif()
set(_course_version_dir "${CMAKE_BINARY_DIR}/CMakeFiles/course_stdlib_version")
file(WRITE "${_course_version_dir}/version.cpp" "#include <version>
#define COURSE_TEXT(x) #x
#define COURSE_VALUE(x) COURSE_TEXT(x)
const char* volatile course_stdlib_version = \"COURSE_STDLIB_VERSION[\" COURSE_VALUE(${_course_version_macro}) \"]\";
int main() { return course_stdlib_version[0] == 0; }
")
try_compile(_course_version_built "${_course_version_dir}/build" SOURCES "${_course_version_dir}/version.cpp"
            CXX_STANDARD 20 COPY_FILE "${_course_version_dir}/version.bin")
if(_course_version_built)
  file(STRINGS "${_course_version_dir}/version.bin" _course_version REGEX "COURSE_STDLIB_VERSION\\[[0-9]+\\]"
       LIMIT_COUNT 1)
  if(_course_version MATCHES "COURSE_STDLIB_VERSION\\[([0-9]+)\\]")
    set(_course_version "${CMAKE_MATCH_1}")
    if(COURSE_STDLIB_IS_LIBCXX AND _course_version MATCHES "^([0-9]+)([0-9][0-9])([0-9][0-9])$")
      # _LIBCPP_VERSION is MMmmpp: 190107 is 19.1.7.
      math(EXPR _course_minor "${CMAKE_MATCH_2}")
      math(EXPR _course_patch "${CMAKE_MATCH_3}")
      string(APPEND COURSE_STDLIB_NAME " ${CMAKE_MATCH_1}.${_course_minor}.${_course_patch}")
    elseif(NOT COURSE_STDLIB_IS_LIBCXX)
      # __GLIBCXX__ is the date of the release.
      string(APPEND COURSE_STDLIB_NAME " of ${_course_version}")
    endif()
  endif()
endif()

list(JOIN _course_library_summary ", " _course_library_summary)
message(STATUS "Standard library: ${COURSE_STDLIB_NAME} (${_course_library_summary})")
if(_course_system_missing)
  list(JOIN _course_system_missing ", " _course_system_missing)
  message(STATUS "Linux calls this system does not have: ${_course_system_missing}")
endif()
if(COURSE_MISSING)
  message(WARNING "Some of what the course uses is missing here, so the example programs and "
                  "exercises that use it are left out of this build, each named below with what "
                  "it lacks. Everything builds on Linux with GCC's library: on macOS, in the dev "
                  "container (see \"Your machine\" in README.md).")
endif()

# course_missing_in(<out-var> FILES <file>... [INCLUDES <dir>...])
# The features of COURSE_MISSING that the files use, directly or through the headers they
# include with #include "..." (looked up beside the including file, then in INCLUDES). Empty
# when nothing is missing: the usual case, which costs nothing.
function(course_missing_in out)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "FILES;INCLUDES")
  set(${out} "" PARENT_SCOPE)
  if(NOT COURSE_MISSING)
    return()
  endif()
  set(pending ${arg_FILES})
  set(seen "")
  set(used "")
  while(pending)
    list(POP_FRONT pending file)
    if(file IN_LIST seen OR NOT EXISTS "${file}")
      continue()
    endif()
    list(APPEND seen "${file}")
    file(READ "${file}" text)
    string(REGEX REPLACE "//[^\n]*" "" text "${text}")
    foreach(feature IN LISTS COURSE_MISSING)
      if(text MATCHES "${_course_uses_${feature}}")
        list(APPEND used ${feature})
      endif()
    endforeach()
    get_filename_component(here "${file}" DIRECTORY)
    string(REGEX MATCHALL "#[ \t]*include[ \t]*\"[^\"]+\"" includes "${text}")
    foreach(include IN LISTS includes)
      string(REGEX REPLACE ".*\"([^\"]+)\"" "\\1" name "${include}")
      foreach(dir IN ITEMS "${here}" ${arg_INCLUDES})
        if(EXISTS "${dir}/${name}")
          list(APPEND pending "${dir}/${name}")
          break()
        endif()
      endforeach()
    endforeach()
  endwhile()
  list(REMOVE_DUPLICATES used)
  set(${out} ${used} PARENT_SCOPE)
endfunction()

# course_describe_missing(<out-var> <feature>...): "std::jthread and <stop_token>, pipe2()".
function(course_describe_missing out)
  set(texts "")
  foreach(feature IN LISTS ARGN)
    list(APPEND texts "${_course_text_${feature}}")
  endforeach()
  list(JOIN texts ", " texts)
  set(${out} "${texts}" PARENT_SCOPE)
endfunction()
