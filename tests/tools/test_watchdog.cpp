// test_watchdog.cpp: the watchdog ends every run within its limits and leaves no process behind.
#include <doctest/doctest.h>

#include <signal.h>

#include "watchdog.hpp"

using namespace std::chrono_literals;

namespace {

course::Outcome run_shell(const std::string& script, course::Limits limits = {}) {
    course::Launch launch;
    launch.argv = {"sh", "-c", script};
    return course::run_watched(launch, limits);
}

}  // namespace

TEST_CASE("a program's exit status and output come back") {
    const auto outcome = run_shell("echo out; echo err >&2; exit 3");
    CHECK(outcome.ending == course::Ending::exited);
    CHECK(outcome.exit_code == 3);
    CHECK(outcome.output == "out\nerr\n");
}

TEST_CASE("a signal that kills the program is reported") {
    const auto outcome = run_shell("kill -SEGV $$");
    CHECK(outcome.ending == course::Ending::signaled);
    CHECK(outcome.signal == SIGSEGV);
    CHECK(course::signal_name(SIGSEGV) == "SIGSEGV");
}
