# Sanitizer flags, either for the whole build (the tsan and asan presets) or per target
# (the .tsan variants of exercise tests that `course check --tsan` and the grader run).

set(COURSE_TSAN_FLAGS -fsanitize=thread -O1 -g -fno-omit-frame-pointer)
# UBSan only logs and carries on by default; a course check wants it to stop.
set(COURSE_ASAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -O1 -g
                      -fno-omit-frame-pointer)

# course_sanitizer_flags(<kind> <out-var>): kind is thread, address or empty.
function(course_sanitizer_flags kind out)
  if(kind STREQUAL "thread")
    set(${out} ${COURSE_TSAN_FLAGS} PARENT_SCOPE)
  elseif(kind STREQUAL "address")
    set(${out} ${COURSE_ASAN_FLAGS} PARENT_SCOPE)
  elseif(kind STREQUAL "")
    set(${out} "" PARENT_SCOPE)
  else()
    message(FATAL_ERROR "Unknown sanitizer '${kind}': use thread, address or leave it empty")
  endif()
endfunction()

# course_target_sanitizer(<target> <kind>)
function(course_target_sanitizer target kind)
  course_sanitizer_flags("${kind}" flags)
  if(flags)
    target_compile_options(${target} PRIVATE ${flags})
    target_link_options(${target} PRIVATE ${flags})
  endif()
endfunction()

# The whole-build sanitizer of the tsan and asan presets.
course_sanitizer_flags("${COURSE_SANITIZER}" COURSE_GLOBAL_SANITIZER_FLAGS)
if(COURSE_GLOBAL_SANITIZER_FLAGS)
  add_compile_options(${COURSE_GLOBAL_SANITIZER_FLAGS})
  add_link_options(${COURSE_GLOBAL_SANITIZER_FLAGS})
endif()
