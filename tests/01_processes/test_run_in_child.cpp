// test_run_in_child.cpp: tests for run_in_child(), one call through a process, like a ProcessPoolExecutor.
#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "bounded_waits.hpp"
#include "child_fixtures.hpp"
#include "injected_failures.hpp"
#include "process_checks.hpp"
#include "run_in_child.hpp"

extern char** environ;

using course::run_in_child;
using course_test::Call;

namespace {

/// Notes, in memory the child shares, every process in which it is destroyed other than
/// the one that made it: a child unwinding through the caller's frames destroys it there.
struct Witness {
    course_test::Shared<std::atomic<int>>& destroyed_elsewhere;
    pid_t owner = getpid();
    ~Witness() {
        if (getpid() != owner) destroyed_elsewhere->fetch_add(1);
    }
};

/// run_in_child(fn) from inside a frame of the caller's that holds a Witness.
std::string call_with_witness(course_test::Shared<std::atomic<int>>& destroyed_elsewhere,
                              const std::function<std::string()>& fn) {
    const Witness witness{destroyed_elsewhere};
    return run_in_child(fn);
}

}  // namespace

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
    CHECK_THROWS_WITH_AS(run_in_child([]() -> std::string { throw std::invalid_argument("bad"); }), "bad",
                         std::runtime_error);
}

TEST_CASE("an exception of any other type is an error too, and stays in the child") {
    // The child must not let it unwind into the caller's code, which it would then run as
    // if it were the caller: the witness in the caller's frame would be destroyed there.
    course_test::Shared<std::atomic<int>> destroyed_elsewhere(0);
    CHECK_THROWS_AS(call_with_witness(destroyed_elsewhere, []() -> std::string { throw 42; }),
                    std::runtime_error);
    INFO("an exception that is not a std::exception left the function in the child");
    CHECK(destroyed_elsewhere->load() == 0);
    CHECK(course_test::no_children_left());
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
    CHECK_THROWS_AS(run_in_child([]() -> std::string { _exit(3); }), std::runtime_error);
}

TEST_CASE("no child and no descriptor is left behind") {
    const std::size_t before = course_test::open_descriptor_count();
    for (int i = 0; i < 10; ++i) REQUIRE(run_in_child([] { return std::string("x"); }) == "x");
    CHECK_THROWS(run_in_child([]() -> std::string { throw std::runtime_error("x"); }));
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}

TEST_CASE("the child ends with _exit(): what the caller had buffered is written once") {
    course_test::UnflushedFile log("written once by the parent\n");
    CHECK(run_in_child([] { return std::string("done"); }) == "done");
    INFO("the child flushed the caller's stdio buffers: end it with _exit(), not exit()");
    CHECK(log.contents() == "written once by the parent\n");
}

TEST_CASE("reads and the wait interrupted by a signal are resumed") {
    const std::size_t before = course_test::open_descriptor_count();
    {
        const course_test::FailCalls read_interrupted(Call::read, EINTR, 2);
        const course_test::FailCalls wait_interrupted(Call::wait, EINTR, 2);
        CHECK(run_in_child([] { return std::string("through"); }) == "through");
    }
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}

TEST_CASE("only the call's own child is waited for") {
    course_test::ChildOfTheTest other(42);
    CHECK(run_in_child([] { return std::string("mine"); }) == "mine");
    INFO("run_in_child() reaped a child it did not start");
    CHECK(other.left_alone());
}

TEST_CASE("no pipe or no child: std::system_error, and nothing left open") {
    const std::size_t before = course_test::open_descriptor_count();
    {
        const course_test::FailCalls no_pipe(Call::pipe, EMFILE);
        try {
            run_in_child([] { return std::string("never"); });
            FAIL("run_in_child() returned although it had no pipe");
        } catch (const std::system_error& e) {
            CHECK(e.code().value() == EMFILE);
        }
    }
    {
        const course_test::FailCalls no_child(Call::fork, EAGAIN);
        try {
            run_in_child([] { return std::string("never"); });
            FAIL("run_in_child() returned although it had no child");
        } catch (const std::system_error& e) {
            CHECK(e.code().value() == EAGAIN);
        }
    }
    INFO("a pipe end was left open on the way out");
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}

TEST_CASE("a program the function leaves running does not hold the result open") {
    // The function starts a shell that leaves `sleep` running in the background, with its
    // output sent elsewhere. A copy of the pipe's write end that was not close-on-exec
    // (O_CLOEXEC) lives on in `sleep`, and the caller would wait for it as long as it runs.
    course_test::BackgroundSleeper sleeper;
    const std::string script = sleeper.command();
    const auto result = course_test::returns_within(course_test::patience, [script] {
        return run_in_child([script] {
            const char* args[] = {"sh", "-c", script.c_str(), nullptr};
            pid_t shell = 0;
            if (posix_spawnp(&shell, "sh", nullptr, nullptr, const_cast<char* const*>(args), environ) == 0) {
                waitpid(shell, nullptr, 0);
            }
            return std::string("started it");
        });
    });
    sleeper.stop();  // frees a run_in_child() still waiting, when the test fails
    INFO("run_in_child() waited for a program its child left running: create the pipe with O_CLOEXEC");
    REQUIRE(result.has_value());
    CHECK(*result == "started it");
}
