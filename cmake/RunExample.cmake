# Runs one chapter program for CTest and checks its exit status.
# cmake -DPROGRAM=<path> -DEXPECTED_EXIT=<n> -DEXPECT_TSAN_REPORT=<ON|OFF> -P RunExample.cmake
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(EXPECT_TSAN_REPORT)
  # The program races (or inverts a lock order) on purpose: ThreadSanitizer must say so.
  if(NOT status EQUAL 66 OR NOT err MATCHES "WARNING: ThreadSanitizer")
    message(FATAL_ERROR "${PROGRAM}: expected ThreadSanitizer's report and exit status 66, got ${status}")
  endif()
elseif(NOT status STREQUAL "${EXPECTED_EXIT}")
  message(FATAL_ERROR "${PROGRAM}: exit status ${status}, expected ${EXPECTED_EXIT}")
endif()
