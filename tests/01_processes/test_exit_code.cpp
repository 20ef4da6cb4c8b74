// test_exit_code.cpp: tests for call(), the mirror of subprocess.call().
#include <doctest/doctest.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "exit_code.hpp"
#include "process_checks.hpp"

using course::call;

TEST_CASE("a program that succeeds returns 0") {
    CHECK(call({"true"}) == 0);
}

TEST_CASE("a failing program's exit status comes back as it is") {
    CHECK(call({"false"}) == 1);
    CHECK(call({"sh", "-c", "exit 7"}) == 7);
    CHECK(call({"sh", "-c", "exit 255"}) == 255);
}

TEST_CASE("subprocess.call(\"exit 1\", shell=True) returns 1") {
    CHECK(call({"sh", "-c", "exit 1"}) == 1);
}

TEST_CASE("a program killed by a signal returns minus the signal number") {
    CHECK(call({"sh", "-c", "kill -TERM $$"}) == -15);
    CHECK(call({"sh", "-c", "kill -KILL $$"}) == -9);
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

TEST_CASE("a program that cannot be started throws std::system_error") {
    try {
        call({"no-such-program-for-this-course"});
        FAIL("call() returned instead of throwing");
    } catch (const std::system_error& e) {
        CHECK(e.code().value() == ENOENT);
    }
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
