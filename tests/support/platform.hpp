// platform.hpp: which test cases need Linux (they watch threads and processes through /proc), and their skip elsewhere.
#pragma once

#include <doctest/doctest.h>

namespace course_test {

/// True where the kernel shows every thread's and process's state in /proc: Linux. macOS
/// has no /proc, so a test cannot see there that a thread fell asleep in a wait, that a
/// child became a zombie, or how many threads the process has.
#if defined(__linux__)
inline constexpr bool has_proc = true;
#else
inline constexpr bool has_proc = false;
#endif

/// The description of a case skipped for that reason; the test main looks for it to tell
/// the reader why cases were skipped.
inline constexpr const char* linux_only_reason =
    "Linux only: watches threads or processes through /proc";

/// A test case decorator, `TEST_CASE("..." * course_test::linux_only())`, for a case that
/// watches thread or process states: it runs on Linux as any other case, and elsewhere it
/// is skipped (doctest counts it as skipped; the test main says why) instead of failing.
struct linux_only {
    void fill(doctest::detail::TestCase& state) const {
        if (has_proc) return;
        state.m_skip = true;
        state.m_description = linux_only_reason;
    }
};

}  // namespace course_test
