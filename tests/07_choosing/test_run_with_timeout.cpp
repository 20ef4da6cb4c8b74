// test_run_with_timeout.cpp: tests for run_with_timeout(), a function run in a child process that can crash or be killed at a deadline.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "process_checks.hpp"
#include "run_with_timeout.hpp"

using course::Outcome;
using course::run_with_timeout;
using namespace std::chrono_literals;

namespace {

using Kind = Outcome::Kind;

std::string name(Kind kind) {
    switch (kind) {
        case Kind::finished: return "finished";
        case Kind::failed: return "failed";
        case Kind::crashed: return "crashed";
        case Kind::timed_out: return "timed_out";
    }
    return "?";
}

// Dies of signal `sig`. The child inherits the test program's signal handlers (doctest
// catches SIGABRT and SIGTERM to report a crashing test), so the default action, which a
// program without handlers has, is restored first.
[[noreturn]] void die_of(int sig) {
    ::signal(sig, SIG_DFL);
    ::raise(sig);
    std::abort();
}

// abort(), as a failed assert() calls it.
[[noreturn]] void abort_like_a_failed_assert() {
    ::signal(SIGABRT, SIG_DFL);
    std::abort();
}

// A loop the optimiser cannot remove, and that never ends.
[[noreturn]] void spin_forever() {
    volatile unsigned long spins = 0;
    for (;;) spins = spins + 1;
}

}  // namespace

TEST_CASE("a function that returns is finished, with its value") {
    const Outcome out = run_with_timeout([] { return std::string("forty-two"); }, 10s);
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::finished);
    CHECK(out.value == "forty-two");
    CHECK(out.signal == 0);
}

TEST_CASE("the function runs in a child process, on a copy of the caller's memory") {
    int counter = 1;
    const Outcome out = run_with_timeout(
        [&counter] {
            counter = 2;
            return std::to_string(getpid());
        },
        10s);
    REQUIRE(out.kind == Kind::finished);
    CHECK(out.value != std::to_string(getpid()));
    CHECK(counter == 1);
}

TEST_CASE("a result larger than a pipe holds comes back whole") {
    // 1 MiB: the child can only write it all if the parent reads while it waits.
    const std::string big(1 << 20, 'z');
    const Outcome out = run_with_timeout([&big] { return big; }, 10s);
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::finished);
    CHECK(out.value.size() == big.size());
    CHECK(out.value == big);
}

TEST_CASE("an empty result and bytes of any value are results too") {
    CHECK(run_with_timeout([] { return std::string(); }, 10s).kind == Kind::finished);
    const std::string bytes("E\0R\xff", 4);
    const Outcome out = run_with_timeout([&bytes] { return bytes; }, 10s);
    CHECK(out.kind == Kind::finished);
    CHECK(out.value == bytes);
}

TEST_CASE("a function that never returns is timed out, and its process killed and reaped") {
    // The deadline is the subject here: the only right answer is timed_out.
    const Outcome out = run_with_timeout([]() -> std::string { spin_forever(); }, 200ms);
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::timed_out);
    CHECK_MESSAGE(course_test::no_children_left(), "the runaway child is still there (running, or a zombie)");
}

TEST_CASE("a function that aborts is reported as crashed, and the caller carries on") {
    const Outcome out = run_with_timeout([]() -> std::string { abort_like_a_failed_assert(); }, 10s);
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::crashed);
    CHECK(out.signal == SIGABRT);
}

TEST_CASE("a crash reports the signal that killed the child") {
    const Outcome out = run_with_timeout([]() -> std::string { die_of(SIGTERM); }, 10s);
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::crashed);
    CHECK(out.signal == SIGTERM);
}

TEST_CASE("an exception in the function is reported as failed, with its message") {
    const Outcome out = run_with_timeout([]() -> std::string { throw std::runtime_error("bad input"); }, 10s);
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::failed);
    CHECK(out.value == "bad input");
}

TEST_CASE("a child that exits without a result is reported as failed") {
    const Outcome out = run_with_timeout([]() -> std::string { _exit(3); }, 10s);
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::failed);
    CHECK(out.signal == 0);
}

TEST_CASE("no child and no descriptor is left behind, whatever the outcome") {
    const std::size_t before = course_test::open_descriptor_count();
    for (int round = 0; round < 3; ++round) {
        CHECK(run_with_timeout([] { return std::string("ok"); }, 10s).kind == Kind::finished);
        CHECK(run_with_timeout([]() -> std::string { throw std::runtime_error("x"); }, 10s).kind == Kind::failed);
        CHECK(run_with_timeout([]() -> std::string { die_of(SIGSEGV); }, 10s).kind == Kind::crashed);
        CHECK(run_with_timeout([]() -> std::string { spin_forever(); }, 50ms).kind == Kind::timed_out);
    }
    CHECK(course_test::open_descriptor_count() == before);
    CHECK_MESSAGE(course_test::no_children_left(), "a child was left behind (running, or a zombie)");
}
