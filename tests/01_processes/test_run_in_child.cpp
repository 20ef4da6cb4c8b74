// test_run_in_child.cpp: tests for run_in_child(), one call through a process, like a ProcessPoolExecutor.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "process_checks.hpp"
#include "run_in_child.hpp"

using course::run_in_child;

TEST_CASE("the function's result comes back") {
    CHECK(run_in_child([] { return std::string("hello from the child"); }) == "hello from the child");
}

TEST_CASE("the function runs in another process") {
    const std::string child_pid = run_in_child([] { return std::to_string(getpid()); });
    CHECK(child_pid != std::to_string(getpid()));
}

TEST_CASE("what the function changes stays in the child") {
    // Copy-on-write: the child writes to its own copy of the page.
    int counter = 1;
    run_in_child([&counter] {
        counter = 2;
        return std::string("changed");
    });
    CHECK(counter == 1);
}

TEST_CASE("a result larger than a pipe's buffer comes back whole") {
    const std::string big(1 << 20, 'x');
    CHECK(run_in_child([&big] { return big; }) == big);
}

TEST_CASE("an empty result is still a result") {
    CHECK(run_in_child([] { return std::string(); }).empty());
}

TEST_CASE("bytes of any value come back") {
    const std::string bytes("E\0R\xff", 4);
    CHECK(run_in_child([&bytes] { return bytes; }) == bytes);
}

TEST_CASE("an exception in the function is raised again with its message") {
    CHECK_THROWS_WITH_AS(run_in_child([]() -> std::string { throw std::runtime_error("boom"); }), "boom",
                         std::runtime_error);
}

TEST_CASE("a child killed by a signal is an error") {
    CHECK_THROWS_AS(run_in_child([] {
                        raise(SIGKILL);
                        return std::string("never");
                    }),
                    std::runtime_error);
}

TEST_CASE("a child that exits without a result is an error") {
    CHECK_THROWS_AS(run_in_child([]() -> std::string { _exit(0); }), std::runtime_error);
}

TEST_CASE("no child and no descriptor is left behind") {
    const std::size_t before = course_test::open_descriptor_count();
    for (int i = 0; i < 10; ++i) REQUIRE(run_in_child([] { return std::string("x"); }) == "x");
    CHECK_THROWS(run_in_child([]() -> std::string { throw std::runtime_error("x"); }));
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}
