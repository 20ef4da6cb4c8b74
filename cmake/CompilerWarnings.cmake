# Warning flags for every target; students' files get the same warnings but never -Werror.

set(COURSE_WARNINGS_COMMON
    -Wall                  # the usual suspects
    -Wextra                # and the less usual ones
    -Wpedantic             # non-standard extensions are not portable C++20
    -Wshadow               # a local hiding a member or an outer variable
    -Wnon-virtual-dtor     # a polymorphic class whose destructor is not virtual
    -Wold-style-cast       # C casts hide what kind of conversion happens
    -Wcast-align           # casts that raise the required alignment
    -Wunused               # anything declared and never used
    -Woverloaded-virtual   # an overload that hides a virtual function
    -Wconversion           # narrowing conversions that may lose data
    -Wnull-dereference     # a path that dereferences a null pointer
    -Wdouble-promotion     # float silently widened to double
    -Wformat=2             # printf-style format strings checked, including non-literal ones
    -Wimplicit-fallthrough # a switch case falling into the next without [[fallthrough]]
)
set(COURSE_WARNINGS_GCC
    -Wmisleading-indentation # indentation that suggests a block that is not there
    -Wduplicated-cond        # the same condition twice in an if/else-if chain
    -Wduplicated-branches    # if and else doing the same thing
    -Wlogical-op             # logical operators where bitwise ones were meant
)

# course_target_warnings(<target> [STUDENT])
# STUDENT marks a target built from files a student edits: an untouched stub names
# parameters it does not use yet, and a student's work in progress must still build.
function(course_target_warnings target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "STUDENT" "" "")
  set(flags ${COURSE_WARNINGS_COMMON})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND flags ${COURSE_WARNINGS_GCC})
  endif()
  if(arg_STUDENT)
    list(APPEND flags -Wno-unused-parameter)
  elseif(COURSE_WARNINGS_AS_ERRORS)
    list(APPEND flags -Werror)
  endif()
  target_compile_options(${target} PRIVATE ${flags})
endfunction()
