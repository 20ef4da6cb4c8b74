// test_exit_code.cpp: tests for call(), the mirror of subprocess.call().
#include <doctest/doctest.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "child_fixtures.hpp"
#include "exit_code.hpp"
#include "injected_failures.hpp"
#include "process_checks.hpp"

using course::call;
using course_test::Call;

TEST_CASE("a program that succeeds returns 0") {
    CHECK(call({"true"}) == 0);
}

TEST_CASE("a failing program's exit status comes back as it is") {
    CHECK(call({"false"}) == 1);
    CHECK(call({"sh", "-c", "exit 7"}) == 7);
    CHECK(call({"sh", "-c", "exit 200"}) == 200);
    CHECK(call({"sh", "-c", "exit 255"}) == 255);
}

TEST_CASE("subprocess.call(\"exit 1\", shell=True) returns 1") {
    CHECK(call({"sh", "-c", "exit 1"}) == 1);
}

TEST_CASE("a program killed by a signal returns minus the signal number") {
    CHECK(call({"sh", "-c", "kill -TERM $$"}) == -15);
    CHECK(call({"sh", "-c", "kill -KILL $$"}) == -9);
    CHECK(call({"sh", "-c", "kill -HUP $$"}) == -1);
}

TEST_CASE("a program is found in PATH, or by its path") {
    CHECK(call({"sh", "-c", "exit 2"}) == 2);
    CHECK(call({"/bin/sh", "-c", "exit 3"}) == 3);
}

TEST_CASE("arguments reach the program unchanged") {
    // `test A = B` exits 0 only if it received exactly these three arguments; a shell in
    // between would split "two words" and make it fail.
    CHECK(call({"test", "two words", "=", "two words"}) == 0);
    CHECK(call({"test", "$HOME", "=", "$HOME"}) == 0);
    CHECK(call({"test", "two words", "=", "two"}) == 1);
}

TEST_CASE("a shell that cannot find the command returns 127") {
    CHECK(call({"sh", "-c", "no-such-program-for-this-course 2>/dev/null"}) == 127);
}

TEST_CASE("a program that cannot be started throws std::system_error with the reason") {
    try {
        call({"no-such-program-for-this-course"});
        FAIL("call() returned instead of throwing");
    } catch (const std::system_error& e) {
        CHECK(e.code().value() == ENOENT);
    }
    try {
        call({"/etc/passwd"});  // there, but not a program
        FAIL("call() returned instead of throwing");
    } catch (const std::system_error& e) {
        CHECK(e.code().value() == EACCES);
    }
    CHECK(course_test::no_children_left());
}

TEST_CASE("an empty argument list is rejected") {
    CHECK_THROWS_AS(call({}), std::invalid_argument);
}

TEST_CASE("no child is left behind") {
    REQUIRE(call({"true"}) == 0);
    REQUIRE(call({"sh", "-c", "exit 4"}) == 4);
    REQUIRE(call({"sh", "-c", "kill -KILL $$"}) == -9);
    CHECK(course_test::no_children_left());
}

TEST_CASE("a wait interrupted by a signal is resumed") {
    // waitpid() returns -1 with errno EINTR when a signal handler ran meanwhile: the program
    // is still running, and call() must wait again. The failure is injected, so that it
    // happens in every run.
    {
        const course_test::FailCalls interrupted(Call::wait, EINTR, 3);
        CHECK(call({"sh", "-c", "exit 5"}) == 5);
        INFO("call() did not wait through waitpid() (or wait(), waitid())");
        CHECK(interrupted.left() == 0);
    }
    CHECK(course_test::no_children_left());
}

TEST_CASE("only the program's own child is waited for") {
    // The caller has a child of its own that has already ended: wait() or waitpid(-1, ...)
    // would reap it and report its status instead.
    course_test::ChildOfTheTest other(42);
    CHECK(call({"sh", "-c", "exit 6"}) == 6);
    INFO("call() reaped a child it did not start");
    CHECK(other.left_alone());
    CHECK(course_test::no_children_left());
}
