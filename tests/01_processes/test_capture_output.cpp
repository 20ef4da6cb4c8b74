// test_capture_output.cpp: tests for run_capture(), the mirror of subprocess.run(stdout=PIPE).
#include <doctest/doctest.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

#include "bounded_waits.hpp"
#include "capture_output.hpp"
#include "child_fixtures.hpp"
#include "injected_failures.hpp"
#include "process_checks.hpp"

using course::run_capture;
using course_test::Call;

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

TEST_CASE("no output is an empty string") {
    const auto done = run_capture({"true"});
    CHECK(done.returncode == 0);
    CHECK(done.output.empty());
}

TEST_CASE("every byte comes back, zeros included") {
    const auto done = run_capture({"printf", "a\\000b\\n"});
    CHECK(done.output == std::string("a\0b\n", 4));
}

TEST_CASE("standard error is not captured") {
    const auto done = run_capture({"sh", "-c", "echo to-stderr >&2; echo to-stdout"});
    CHECK(done.output == "to-stdout\n");
}

TEST_CASE("arguments reach the program unchanged") {
    const auto done = run_capture({"printf", "[%s]", "two words", "$HOME"});
    CHECK(done.output == "[two words][$HOME]");
}

TEST_CASE("a program that cannot be started throws std::system_error") {
    const std::size_t before = course_test::open_descriptor_count();
    try {
        run_capture({"no-such-program-for-this-course"});
        FAIL("run_capture() returned instead of throwing");
    } catch (const std::system_error& e) {
        CHECK(e.code().value() == ENOENT);
    }
    INFO("a pipe end was left open on the way out");
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
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

TEST_CASE("reads interrupted by a signal are resumed, and nothing is lost") {
    // read() returns -1 with errno EINTR when a signal handler ran meanwhile: nothing was
    // read, and the output goes on. The first two reads are made to fail that way.
    const std::size_t before = course_test::open_descriptor_count();
    {
        const course_test::FailCalls interrupted(Call::read, EINTR, 2);
        const auto done = run_capture({"printf", "one\\ntwo\\nthree\\n"});
        CHECK(done.output == "one\ntwo\nthree\n");
        CHECK(done.returncode == 0);
    }
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}

TEST_CASE("a wait interrupted by a signal is resumed") {
    {
        const course_test::FailCalls interrupted(Call::wait, EINTR, 2);
        const auto done = run_capture({"sh", "-c", "echo done; exit 4"});
        CHECK(done.output == "done\n");
        CHECK(done.returncode == 4);
    }
    CHECK(course_test::no_children_left());
}

TEST_CASE("only the program's own child is waited for") {
    course_test::ChildOfTheTest other(42);
    const auto done = run_capture({"sh", "-c", "echo mine; exit 6"});
    CHECK(done.returncode == 6);
    CHECK(done.output == "mine\n");
    INFO("run_capture() reaped a child it did not start");
    CHECK(other.left_alone());
}

TEST_CASE("a program left running in the background does not hold the output open") {
    // The shell prints a line, starts `sleep` in the background with its output sent
    // elsewhere, and exits. Its standard output is then closed, so the output is complete;
    // but a copy of the pipe's write end that was not close-on-exec (O_CLOEXEC) lives on
    // in `sleep`, and read() would wait for it for as long as it runs.
    course_test::BackgroundSleeper sleeper;
    const std::string script = "echo started; " + sleeper.command();
    const auto done = course_test::returns_within(course_test::patience, [script] {
        return run_capture({"sh", "-c", script});
    });
    sleeper.stop();  // frees a run_capture() still waiting, when the test fails
    INFO("run_capture() waited for a program its child left running: create the pipe with O_CLOEXEC");
    REQUIRE(done.has_value());
    CHECK(done->output == "started\n");
    CHECK(done->returncode == 0);
}

TEST_CASE("no pipe: std::system_error, and no child") {
    const std::size_t before = course_test::open_descriptor_count();
    {
        const course_test::FailCalls no_pipe(Call::pipe, EMFILE);
        try {
            run_capture({"echo", "never"});
            FAIL("run_capture() returned although it had no pipe");
        } catch (const std::system_error& e) {
            CHECK(e.code().value() == EMFILE);
        }
    }
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}
