// test_watchdog.cpp: the watchdog ends every run within its limits and leaves no process behind.
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "platform_calls.hpp"
#include "watchdog.hpp"

using namespace std::chrono_literals;

namespace {

course::Outcome run_shell(const std::string& script, course::Limits limits = {}) {
    course::Launch launch;
    launch.argv = {"sh", "-c", script};
    return course::run_watched(launch, limits);
}

/// True when the process with this PID runs no more: killed and reaped, or, where the
/// sweep reaches the process group only, killed and left to init, which may keep it a
/// zombie (as `ps` shows).
bool gone(const std::string& pid_text) {
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    if (kill(pid, 0) == -1 && errno == ESRCH) return true;
    if (course::platform::sweeps_escaped_processes()) return false;
    FILE* ps = popen(("ps -o stat= -p " + pid_text).c_str(), "r");
    if (ps == nullptr) return false;
    char state[16] = "";
    const bool listed = std::fscanf(ps, "%15s", state) == 1;
    pclose(ps);
    return listed && state[0] == 'Z';
}

/// A test case decorator for a case that needs a child subreaper (Linux's platform layer):
/// elsewhere it is skipped, with a note saying why.
struct needs_subreaper {
    void fill(doctest::detail::TestCase& state) const {
        if (course::platform::sweeps_escaped_processes()) return;
        state.m_skip = true;
        state.m_description = "needs a child subreaper (Linux): the POSIX platform layer sweeps the process group only";
        std::fprintf(stderr, "note: skipped \"%s\": %s\n", state.m_name, state.m_description);
    }
};

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TEST_CASE("a program's exit status and output come back") {
    const auto outcome = run_shell("echo out; echo err >&2; exit 3");
    CHECK(outcome.ending == course::Ending::exited);
    CHECK(outcome.exit_code == 3);
    CHECK(outcome.output == "out\nerr\n");
    CHECK(outcome.stray_processes == 0);
}

TEST_CASE("a signal that kills the program is reported") {
    const auto outcome = run_shell("kill -SEGV $$");
    CHECK(outcome.ending == course::Ending::signaled);
    CHECK(outcome.signal == SIGSEGV);
    CHECK(course::signal_name(SIGSEGV) == "SIGSEGV");
}

TEST_CASE("a program still running at the wall-clock limit is stopped") {
    course::Limits limits;
    limits.wall = 300ms;
    const auto outcome = run_shell("exec sleep 100", limits);
    CHECK(outcome.ending == course::Ending::timed_out);
}

TEST_CASE("a child left running in the program's group is killed") {
    const auto outcome = run_shell("sleep 100 & echo $!");
    CHECK(outcome.ending == course::Ending::exited);
    CHECK(outcome.stray_processes == 1);
    CHECK(gone(first_line(outcome.output)));
}

TEST_CASE("a child that escaped with setsid is killed" * needs_subreaper()) {
    const auto outcome = run_shell("setsid sleep 100 & echo $!");
    CHECK(outcome.stray_processes == 1);
    CHECK(gone(first_line(outcome.output)));
}

TEST_CASE("a double-forked daemon in its own session is killed" * needs_subreaper()) {
    // The middle shell exits at once, so the sleep is an orphan in another session.
    const auto outcome = run_shell("setsid sh -c 'sleep 100 & echo $!'; exit 0");
    CHECK(outcome.stray_processes >= 1);
    CHECK(gone(first_line(outcome.output)));
}

TEST_CASE("output beyond the limit is cut") {
    course::Limits limits;
    limits.output_bytes = 1000;
    const auto outcome = run_shell("head -c 5000 /dev/zero", limits);
    CHECK(outcome.ending == course::Ending::exited);
    CHECK(outcome.output.size() == 1000);
    CHECK(outcome.output_truncated);
}

TEST_CASE("writing more than the file limit stops the program") {
    course::Limits limits;
    limits.file_bytes = 1 << 20;
    const auto outcome = run_shell("exec head -c 3000000 /dev/zero", limits);
    CHECK(outcome.ending == course::Ending::output_limit);
}

TEST_CASE("a busy loop is stopped by the CPU limit") {
    course::Limits limits;
    limits.cpu = 1s;
    limits.wall = 30s;
    const auto outcome = run_shell("while :; do :; done", limits);
    CHECK(outcome.ending == course::Ending::cpu_limit);
}

TEST_CASE("a program that cannot be started is reported as such") {
    course::Launch launch;
    launch.argv = {"/no/such/program"};
    const auto outcome = course::run_watched(launch, {});
    CHECK(outcome.ending == course::Ending::not_started);
    CHECK(outcome.start_error.find("No such file") != std::string::npos);
}

TEST_CASE("the report stream is descriptor 3 and is kept apart from the output") {
    course::Launch launch;
    launch.argv = {"sh", "-c", "echo '{\"event\":\"done\"}' >&3; echo printed; test \"$COURSE_REPORT_FD\" = 3"};
    launch.report_stream = true;
    const auto outcome = course::run_watched(launch, {});
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.report == "{\"event\":\"done\"}\n");
    CHECK(outcome.output == "printed\n");
}

TEST_CASE("without a report stream, descriptor 3 is closed") {
    const auto outcome = run_shell("echo x >&3");
    CHECK(outcome.exit_code != 0);
}

TEST_CASE("stdin is empty") {
    const auto outcome = run_shell("cat");
    CHECK(outcome.ending == course::Ending::exited);
    CHECK(outcome.output.empty());
}

TEST_CASE("the stacks of a program that hangs are captured when gdb is installed") {
    REQUIRE_MESSAGE(std::system("command -v gdb >/dev/null 2>&1") == 0, "gdb is part of the course's install line");
    course::Launch launch;
    launch.argv = {"sleep", "100"};
    launch.stacks_on_timeout = true;
    course::Limits limits;
    limits.wall = 500ms;
    const auto outcome = course::run_watched(launch, limits);
    CHECK(outcome.ending == course::Ending::timed_out);
    CHECK(outcome.stacks.find("Thread 1") != std::string::npos);
}
