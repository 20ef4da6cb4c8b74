// test_capture_output.cpp: tests for run_capture(), the mirror of subprocess.run(stdout=PIPE).
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <system_error>

#include "capture_output.hpp"
#include "process_checks.hpp"

using course::run_capture;

TEST_CASE("a short output is captured") {
    const auto done = run_capture({"echo", "hello"});
    CHECK(done.returncode == 0);
    CHECK(done.output == "hello\n");
}

TEST_CASE("an output far larger than a pipe's buffer is captured whole") {
    // 65536 lines of 17 bytes: over a megabyte, sixteen times a pipe's default capacity.
    const auto done = run_capture({"sh", "-c", "yes 0123456789abcdef | head -n 65536"});
    std::string expected;
    for (int i = 0; i < 65536; ++i) expected += "0123456789abcdef\n";
    CHECK(done.returncode == 0);
    CHECK(done.output.size() == expected.size());
    CHECK(done.output == expected);
}

TEST_CASE("the exit status comes back with the output") {
    const auto done = run_capture({"sh", "-c", "echo partial; exit 3"});
    CHECK(done.returncode == 3);
    CHECK(done.output == "partial\n");
}

TEST_CASE("a program killed by a signal reads as minus the signal number") {
    const auto done = run_capture({"sh", "-c", "echo last words; kill -KILL $$"});
    CHECK(done.returncode == -9);
    CHECK(done.output == "last words\n");
}

TEST_CASE("every byte comes back, zeros included") {
    const auto done = run_capture({"printf", "a\\000b\\n"});
    CHECK(done.output == std::string("a\0b\n", 4));
}

TEST_CASE("standard error is not captured") {
    const auto done = run_capture({"sh", "-c", "echo to-stderr >&2; echo to-stdout"});
    CHECK(done.output == "to-stdout\n");
}

TEST_CASE("a program that cannot be started throws std::system_error") {
    const std::size_t before = course_test::open_descriptor_count();
    CHECK_THROWS_AS(run_capture({"no-such-program-for-this-course"}), std::system_error);
    CHECK(course_test::open_descriptor_count() == before);
}

TEST_CASE("an empty argument list is rejected") {
    CHECK_THROWS_AS(run_capture({}), std::invalid_argument);
}

TEST_CASE("no descriptor and no child is left behind") {
    const std::size_t before = course_test::open_descriptor_count();
    for (int i = 0; i < 20; ++i) REQUIRE(run_capture({"echo", "x"}).output == "x\n");
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}
