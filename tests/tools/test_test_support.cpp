// test_test_support.cpp: the test binaries' wrapped calls: failures on demand, the schedule seed.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>
#include <thread>

#include "injected_failures.hpp"
#include "schedule_chaos.hpp"

using course_test::Call;
using course_test::FailCalls;

TEST_CASE("an armed read fails with the error asked for, then reads normally") {
    REQUIRE(course_test::can_inject_failures(Call::read));
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], "x", 1) == 1);
    char byte = 0;
    {
        const FailCalls interrupted(Call::read, EINTR, 2);
        errno = 0;
        CHECK(read(fds[0], &byte, 1) == -1);
        CHECK(errno == EINTR);
        CHECK(interrupted.left() == 1);
        CHECK(read(fds[0], &byte, 1) == -1);
        CHECK(interrupted.left() == 0);
        CHECK(read(fds[0], &byte, 1) == 1);  // the failures did not consume the byte
        CHECK(byte == 'x');
    }
    close(fds[0]);
    close(fds[1]);
}

TEST_CASE("skipped calls go through before the armed failures") {
    const FailCalls refused(Call::pipe, EMFILE, 1, 1);
    int first[2];
    int second[2];
    REQUIRE(pipe(first) == 0);
    errno = 0;
    CHECK(pipe2(second, 0) == -1);
    CHECK(errno == EMFILE);
    close(first[0]);
    close(first[1]);
}

TEST_CASE("a failure left armed is disarmed at the end of its scope") {
    {
        const FailCalls unused(Call::write, EIO, 5);
        CHECK(unused.left() == 5);
    }
    CHECK(course_test::failures_left(Call::write) == 0);
}

TEST_CASE("a child process is never failed on the test's behalf") {
    const FailCalls refused(Call::fork, EAGAIN, 1, 1);  // the first fork goes through
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // In the child the armed failure is not ours: this fork must succeed.
        const pid_t grandchild = fork();
        if (grandchild == 0) _exit(0);
        int ignored = 0;
        if (grandchild > 0) waitpid(grandchild, &ignored, 0);
        _exit(grandchild > 0 ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    errno = 0;
    CHECK(fork() == -1);  // the test process's second fork fails
    CHECK(errno == EAGAIN);
}

TEST_CASE("a thread start can be refused as the system refuses one") {
    REQUIRE(course_test::can_inject_failures(Call::thread));
    const FailCalls refused(Call::thread, EAGAIN);
    bool ran = false;
    try {
        std::thread thread([&ran] { ran = true; });
        thread.join();
        FAIL("the thread started");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::resource_unavailable_try_again);
    }
    CHECK_FALSE(ran);
    std::thread next([&ran] { ran = true; });  // only one start was refused
    next.join();
    CHECK(ran);
}

TEST_CASE("hardware_concurrency() can pretend to know nothing") {
    REQUIRE(course_test::can_pretend_hardware());
    const unsigned real = std::thread::hardware_concurrency();
    {
        const course_test::PretendHardwareConcurrency unknown(0);
        CHECK(std::thread::hardware_concurrency() == 0);
    }
    CHECK(std::thread::hardware_concurrency() == real);
}

TEST_CASE("the schedule's first event names its seed, which the environment can set") {
    const course_chaos::Schedule schedule = course_chaos::current_schedule();
    const char* mode = std::getenv("COURSE_CHAOS");
    const bool off = mode != nullptr && (std::string(mode) == "off" || std::string(mode) == "0");
    CHECK(schedule.enabled == !off);
    if (schedule.enabled) {
        CHECK(course_chaos::schedule_event() ==
              R"({"event":"schedule","seed":)" + std::to_string(schedule.seed) + "}");
        if (const char* seed = std::getenv("COURSE_CHAOS_SEED")) {
            CHECK(std::to_string(schedule.seed) == seed);
        }
    } else {
        CHECK(course_chaos::schedule_event() == R"({"event":"schedule","chaos":"off"})");
    }
}
