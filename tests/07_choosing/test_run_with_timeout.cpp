// test_run_with_timeout.cpp: tests for run_with_timeout(), a function run in a child process that can crash or be killed at a deadline.
#include <doctest/doctest.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "bounded_sync.hpp"
#include "process_checks.hpp"
#include "run_with_timeout.hpp"
#include "thread_states.hpp"

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

// Spins for up to `limit`, then returns "late": long enough to be killed at a short
// deadline, short enough that a wrong run_with_timeout that never kills it still ends.
std::string spin_then_return(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    volatile unsigned long spins = 0;
    while (std::chrono::steady_clock::now() < until) spins = spins + 1;
    return "late";
}

// The descriptors open in this process right now.
std::set<int> open_descriptors() {
    std::set<int> fds;
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return fds;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') fds.insert(std::atoi(entry->d_name));
    }
    fds.erase(dirfd(dir));
    closedir(dir);
    return fds;
}

// Registered with atexit() once: writes a byte to `exit_witness` when a process other
// than the test's own runs the exit handlers, which only exit() does, never _exit().
int exit_witness = -1;
pid_t test_process = 0;
void witness_exit() {
    if (exit_witness >= 0 && getpid() != test_process) {
        [[maybe_unused]] const ssize_t n = write(exit_witness, "x", 1);
    }
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

TEST_CASE("an exception that is not a std::exception is reported as failed, not as a crash") {
    // Should it escape in the child, it would come out here, in the child's copy of this
    // test: the child then aborts, and the outcome reads as a crash.
    const pid_t caller = getpid();
    Outcome out;
    try {
        out = run_with_timeout([]() -> std::string { throw 42; }, 10s);
    } catch (...) {
        if (getpid() != caller) abort_like_a_failed_assert();
        throw;
    }
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::failed);
    CHECK(out.signal == 0);
}

// Installs a handler for SIGUSR1 (without SA_RESTART) and keeps sending that signal to
// the thread that made it, every 5 ms, until stop() or `limit`: each one interrupts
// whatever that thread waits in (poll() and read() fail with EINTR).
class Interrupter {
public:
    explicit Interrupter(std::chrono::milliseconds limit) {
        struct sigaction quiet {};
        quiet.sa_handler = [](int) {};
        sigemptyset(&quiet.sa_mask);
        sigaction(SIGUSR1, &quiet, &previous_);
        thread_ = std::thread([this, target = pthread_self(), limit] {
            const auto until = std::chrono::steady_clock::now() + limit;
            while (!stopped_.load()) {
                if (std::chrono::steady_clock::now() > until) {
                    gave_up_ = true;
                    return;
                }
                pthread_kill(target, SIGUSR1);
                std::this_thread::sleep_for(5ms);
            }
        });
    }
    Interrupter(const Interrupter&) = delete;
    Interrupter& operator=(const Interrupter&) = delete;
    ~Interrupter() { stop(); }
    // Stops the signals; true when they were still coming (the limit had not passed).
    bool stop() {
        stopped_ = true;
        if (thread_.joinable()) thread_.join();
        sigaction(SIGUSR1, &previous_, nullptr);
        return !gave_up_.load();
    }

private:
    struct sigaction previous_ {};
    std::atomic<bool> stopped_{false};
    std::atomic<bool> gave_up_{false};
    std::thread thread_;
};

TEST_CASE("signals during the wait do not end it: the result still comes") {
    Interrupter signals(course_test::patience);
    const Outcome out = run_with_timeout([] { return spin_then_return(200ms); }, 10s);
    signals.stop();
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::finished);
    CHECK(out.value == "late");
}

TEST_CASE("the deadline is one deadline: signals during the wait do not push it back") {
    // A wait restarted at every interruption never ends while the signals keep coming.
    Interrupter signals(course_test::patience);
    const Outcome out = run_with_timeout([] { return spin_then_return(std::chrono::seconds(8)); }, 300ms);
    const bool still_coming = signals.stop();
    INFO("outcome: " << name(out.kind));
    CHECK(out.kind == Kind::timed_out);
    CHECK_MESSAGE(still_coming, "the 300 ms deadline did not come while signals kept interrupting the wait");
    CHECK(course_test::no_children_left());
}

TEST_CASE("the child ends with _exit(): it runs none of the caller's exit handlers") {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0);
    test_process = getpid();
    exit_witness = fds[1];
    static const bool registered = std::atexit(witness_exit) == 0;
    REQUIRE(registered);
    const Outcome out = run_with_timeout([] { return std::string("ok"); }, 10s);
    exit_witness = -1;
    close(fds[1]);
    char byte = 0;
    const ssize_t n = read(fds[0], &byte, 1);
    close(fds[0]);
    CHECK(out.kind == Kind::finished);
    CHECK_MESSAGE(n <= 0, "the child ran the caller's exit handlers: it ended with exit(), not _exit()");
}

TEST_CASE("it reaps its own child, never another child of the caller") {
    // The caller has a child of its own, ended and waiting to be reaped: waiting for
    // "any child" would take that one in the place of the function's.
    const pid_t own_child = fork();
    REQUIRE(own_child >= 0);
    if (own_child == 0) _exit(7);
    REQUIRE(course_test::becomes_zombie(own_child, course_test::patience));
    const Outcome out = run_with_timeout([] { return std::string("mine"); }, 10s);
    CHECK(out.kind == Kind::finished);
    CHECK(out.value == "mine");
    int status = 0;
    CHECK_MESSAGE(waitpid(own_child, &status, WNOHANG) == own_child, "run_with_timeout reaped a child that was not its own");
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 7));
    CHECK(course_test::no_children_left());
}

TEST_CASE("the pipe is close-on-exec: a program started meanwhile does not inherit it") {
    // Seen from inside the child: every descriptor it has that the caller did not have
    // before the call (the pipe's write end) must be close-on-exec.
    const std::set<int> before = open_descriptors();
    const Outcome out = run_with_timeout(
        [&before] {
            for (const int fd : open_descriptors()) {
                if (before.count(fd) == 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) == 0) {
                    return "descriptor " + std::to_string(fd) + " is not close-on-exec";
                }
            }
            return std::string("all close-on-exec");
        },
        10s);
    CHECK(out.kind == Kind::finished);
    CHECK(out.value == "all close-on-exec");
}
