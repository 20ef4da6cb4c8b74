// test_process_pool.cpp: tests for ProcessPool, the C++ ProcessPoolExecutor: frames over pipes, crashes, no zombies.
#include <doctest/doctest.h>

#include <dirent.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "executor_checks.hpp"
#include "process_checks.hpp"
#include "process_pool.hpp"
#include "thread_states.hpp"

using course::BrokenProcessPool;
using course::ProcessPool;
using course_test::ready_in_time;

namespace {

constexpr int max_meeting = 3;

// Semaphores in memory shared with the workers (made before the pool forks them), so
// that a test can hold tasks at a gate, or prove that tasks run at the same time.
struct Signals {
    Signals() {
        sem_init(&gate, 1, 0);
        for (sem_t& s : arrived) sem_init(&s, 1, 0);
    }
    ~Signals() {
        sem_destroy(&gate);
        for (sem_t& s : arrived) sem_destroy(&s);
    }
    Signals(const Signals&) = delete;
    Signals& operator=(const Signals&) = delete;

    sem_t gate;
    std::array<sem_t, max_meeting> arrived;
    pid_t held_pid = 0;  // the worker running "hold", written before it posts arrived[0]
};

// sem_wait with the tests' patience: false instead of a hang.
bool wait_in_time(sem_t& semaphore) {
    timespec deadline{};
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += std::chrono::seconds(course_test::pool_patience).count();
    while (sem_timedwait(&semaphore, &deadline) != 0) {
        if (errno != EINTR) return false;
    }
    return true;
}

// The one function every worker runs: the payload says what to do.
//   "echo:<text>"      returns <text>
//   "upper:<text>"     returns <text> in capitals
//   "pid"              returns the worker's process id
//   "throw:<message>"  throws std::runtime_error(<message>)
//   "crash"            waits until the test posts the gate, then kills its own process with SIGKILL
//   "exit"             ends its own process with _exit(3)
//   "gate"             waits until the test posts the gate, then returns "through"
//   "hold"             writes its pid to held_pid, posts arrived[0], then does what "gate" does
//   "throw-int"        throws the int 42, which is no std::exception
//   "meet:<i>"         task i of max_meeting: returns "met" only if all of them run at once
//   anything else      returns the payload's size
std::string work(std::string_view payload, Signals& signals) {
    if (payload.rfind("echo:", 0) == 0) return std::string(payload.substr(5));
    if (payload.rfind("upper:", 0) == 0) {
        std::string text(payload.substr(6));
        for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return text;
    }
    if (payload == "pid") return std::to_string(getpid());
    if (payload.rfind("throw:", 0) == 0) throw std::runtime_error(std::string(payload.substr(6)));
    if (payload == "crash") {
        if (wait_in_time(signals.gate)) raise(SIGKILL);
        return "gate timed out";
    }
    if (payload == "exit") _exit(3);
    if (payload == "gate") return wait_in_time(signals.gate) ? "through" : "gate timed out";
    if (payload == "hold") {
        signals.held_pid = getpid();
        sem_post(&signals.arrived[0]);
        return wait_in_time(signals.gate) ? "through" : "gate timed out";
    }
    if (payload == "throw-int") throw 42;
    if (payload.rfind("meet:", 0) == 0) {
        const auto me = static_cast<std::size_t>(std::stoi(std::string(payload.substr(5))));
        for (std::size_t other = 0; other < static_cast<std::size_t>(max_meeting); ++other) {
            if (other != me) sem_post(&signals.arrived[other]);
        }
        for (int i = 0; i < max_meeting - 1; ++i) {
            if (!wait_in_time(signals.arrived[me])) return "alone";
        }
        return "met";
    }
    return std::to_string(payload.size());
}

// Each test makes its own, before the pool: the workers inherit the shared memory.
struct Fixture {
    course_test::Shared<Signals> signals;
    std::function<std::string(std::string_view)> function() {
        Signals* shared = &*signals;
        return [shared](std::string_view payload) { return work(payload, *shared); };
    }
};

// The descriptors open in this process right now.
std::set<int> open_descriptors() {
    std::set<int> fds;
    DIR* dir = opendir("/dev/fd");  // Linux: a link to /proc/self/fd; macOS has no /proc
    if (dir == nullptr) return fds;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') fds.insert(std::atoi(entry->d_name));
    }
    fds.erase(dirfd(dir));
    closedir(dir);
    return fds;
}

// Installs a handler for `sig` without SA_RESTART while it lives: a blocking call that the
// signal interrupts fails with EINTR instead of going on. Children forked meanwhile inherit it.
class InterruptingSignal {
public:
    explicit InterruptingSignal(int sig) : sig_(sig) {
        struct sigaction action {};
        action.sa_handler = [](int) {};
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        sigaction(sig_, &action, &previous_);
    }
    InterruptingSignal(const InterruptingSignal&) = delete;
    InterruptingSignal& operator=(const InterruptingSignal&) = delete;
    ~InterruptingSignal() { sigaction(sig_, &previous_, nullptr); }

private:
    int sig_;
    struct sigaction previous_ {};
};

// The result of a future that must have failed with a plain std::runtime_error (the task's
// error), not with BrokenProcessPool: "" when so, otherwise what happened instead.
std::string task_error_of(std::shared_future<std::string>& future) {
    try {
        future.get();
        return "a result";
    } catch (const BrokenProcessPool& broken) {
        return std::string("BrokenProcessPool: ") + broken.what();
    } catch (const std::runtime_error&) {
        return "";
    } catch (...) {
        return "an exception that is not a std::runtime_error";
    }
}

}  // namespace

TEST_CASE("results come back through futures, each to its own task") {
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    CHECK(pool.size() == 2);
    std::vector<std::future<std::string>> results;
    for (int i = 0; i < 2000; ++i) results.push_back(pool.submit("echo:" + std::to_string(i)));
    std::future<std::string> upper = pool.submit("upper:hello world!");
    for (std::size_t i = 0; i < 2000; ++i) {
        REQUIRE(ready_in_time(results[i]));
        REQUIRE(results[i].get() == std::to_string(i));
    }
    REQUIRE(ready_in_time(upper));
    CHECK(upper.get() == "HELLO WORLD!");
}

TEST_CASE("the work runs in the worker processes, not in the caller") {
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    std::set<std::string> pids;
    std::vector<std::future<std::string>> results;
    for (int i = 0; i < 20; ++i) results.push_back(pool.submit("pid"));
    for (auto& result : results) {
        REQUIRE(ready_in_time(result));
        pids.insert(result.get());
    }
    CHECK(pids.count(std::to_string(getpid())) == 0);
    CHECK(pids.size() <= 2);
}

TEST_CASE("the workers run tasks at the same time") {
    Fixture fixture;
    ProcessPool pool(max_meeting, fixture.function());
    std::vector<std::future<std::string>> met;
    for (int i = 0; i < max_meeting; ++i) met.push_back(pool.submit("meet:" + std::to_string(i)));
    for (auto& f : met) {
        REQUIRE(ready_in_time(f));
        CHECK_MESSAGE(f.get() == "met", "the tasks did not all run at once: one worker per task was expected");
    }
}

TEST_CASE("payloads of any size and any bytes travel whole") {
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    std::string big = "echo:";
    for (int i = 0; i < (1 << 20); ++i) big += static_cast<char>(i * 7);  // zeros included
    std::future<std::string> large = pool.submit(big);
    std::future<std::string> empty = pool.submit("echo:");
    std::future<std::string> binary = pool.submit(std::string("echo:\0R\xff", 8));
    REQUIRE_MESSAGE(ready_in_time(large), "a 1 MiB task got no answer: a frame spans many read() calls");
    CHECK(large.get() == big.substr(5));
    REQUIRE(ready_in_time(empty));
    CHECK(empty.get().empty());
    REQUIRE(ready_in_time(binary));
    CHECK(binary.get() == std::string("\0R\xff", 3));
}

TEST_CASE("an exception thrown by the work comes back with its message") {
    Fixture fixture;
    ProcessPool pool(1, fixture.function());
    std::shared_future<std::string> failed = pool.submit("throw:no such page").share();
    std::future<std::string> after = pool.submit("echo:still working");
    REQUIRE(ready_in_time(failed));
    CHECK_THROWS_WITH_AS(failed.get(), "no such page", std::runtime_error);
    REQUIRE(ready_in_time(after));
    CHECK(after.get() == "still working");
    pool.shutdown();
}

TEST_CASE("a worker killed by a signal fails its unfinished tasks with BrokenProcessPool") {
    Fixture fixture;
    {
        ProcessPool pool(1, fixture.function());
        std::future<std::string> before = pool.submit("echo:before");
        REQUIRE(ready_in_time(before));
        CHECK(before.get() == "before");
        std::vector<std::shared_future<std::string>> lost;
        lost.push_back(pool.submit("crash").share());
        for (int i = 0; i < 5; ++i) lost.push_back(pool.submit("echo:queued behind the crash").share());
        sem_post(&fixture.signals->gate);  // now it may crash
        for (auto& f : lost) {
            REQUIRE_MESSAGE(ready_in_time(f), "a task of the dead worker never got an answer");
            CHECK_THROWS_AS(f.get(), BrokenProcessPool);
        }
        // Like Python, a pool that lost a worker takes no new work.
        CHECK_THROWS_AS(pool.submit("echo:more"), BrokenProcessPool);
        pool.shutdown();
    }
    CHECK(course_test::no_children_left());
}

TEST_CASE("a worker that dies on its own breaks the pool: every unfinished task fails, the other workers are killed" * course_test::linux_only()) {
    // Python's ProcessPoolExecutor: once a worker is gone, every future not finished yet,
    // running or pending, on any worker, fails with BrokenProcessPool, and the remaining
    // workers are terminated. The task held on the other worker is never let through.
    Fixture fixture;
    {
        ProcessPool pool(2, fixture.function());
        std::future<std::string> before = pool.submit("echo:before");
        REQUIRE(ready_in_time(before));
        CHECK(before.get() == "before");
        std::shared_future<std::string> held = pool.submit("hold").share();
        REQUIRE_MESSAGE(wait_in_time(fixture.signals->arrived[0]), "the held task never started");
        const pid_t held_pid = fixture.signals->held_pid;
        // The worker with fewer unfinished tasks, the other one, takes this task and exits.
        std::shared_future<std::string> gone = pool.submit("exit").share();
        REQUIRE(ready_in_time(gone));
        CHECK_THROWS_AS(gone.get(), BrokenProcessPool);
        REQUIRE_MESSAGE(ready_in_time(held), "the task running on the other worker was not failed");
        CHECK_THROWS_AS(held.get(), BrokenProcessPool);
        CHECK_MESSAGE(course_test::state_settles_on(
                          '?', [held_pid] { return course_test::process_state(held_pid); }, course_test::patience),
                      "the other worker was left running (or unreaped) after the pool broke");
        CHECK_THROWS_AS(pool.submit("echo:more"), BrokenProcessPool);
        pool.shutdown();
    }
    sem_post(&fixture.signals->gate);  // lets go of a worker that a wrong pool left running
    CHECK(course_test::no_children_left());
}

TEST_CASE("an exception that is not a std::exception comes back as the task's error") {
    Fixture fixture;
    ProcessPool pool(1, fixture.function());
    std::shared_future<std::string> failed = pool.submit("throw-int").share();
    std::shared_future<std::string> after = pool.submit("echo:still working").share();
    REQUIRE(ready_in_time(failed));
    CHECK(task_error_of(failed) == "");
    REQUIRE(ready_in_time(after));
    CHECK(after.get() == "still working");
    pool.shutdown();
}

TEST_CASE("a task goes to the worker with the fewest unfinished tasks: an idle one, not the busy one") {
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    std::future<std::string> held = pool.submit("gate");  // one worker is busy until the end
    for (int i = 0; i < 6; ++i) {
        std::future<std::string> quick = pool.submit("echo:" + std::to_string(i));
        REQUIRE_MESSAGE(ready_in_time(quick), "task " << i << " went to the busy worker, while the other one was idle");
        CHECK(quick.get() == std::to_string(i));
    }
    sem_post(&fixture.signals->gate);
    REQUIRE(ready_in_time(held));
    CHECK(held.get() == "through");
}

TEST_CASE("several threads can submit at the same time") {
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    constexpr std::size_t submitters = 3;
    constexpr std::size_t per_submitter = 300;
    std::vector<std::vector<std::future<std::string>>> futures(submitters);
    {
        std::vector<std::jthread> threads;
        for (std::size_t t = 0; t < submitters; ++t) {
            threads.emplace_back([&pool, &mine = futures[t], t] {
                for (std::size_t i = 0; i < per_submitter; ++i) mine.push_back(pool.submit("echo:" + std::to_string(t) + "/" + std::to_string(i)));
            });
        }
    }
    for (std::size_t t = 0; t < submitters; ++t) {
        for (std::size_t i = 0; i < per_submitter; ++i) {
            REQUIRE(ready_in_time(futures[t][i]));
            REQUIRE(futures[t][i].get() == std::to_string(t) + "/" + std::to_string(i));
        }
    }
}

TEST_CASE("a signal that interrupts an idle worker's read() is no reason to stop" * course_test::linux_only()) {
    // A worker waits for its next task in read(); a signal with a handler (and without
    // SA_RESTART) makes that read() fail with EINTR, which only means: read again.
    const InterruptingSignal usr1(SIGUSR1);
    Fixture fixture;
    ProcessPool pool(1, fixture.function());
    std::future<std::string> pid_text = pool.submit("pid");
    REQUIRE(ready_in_time(pid_text));
    const pid_t worker = std::stoi(pid_text.get());
    for (int i = 0; i < 3; ++i) {
        // Asleep: waiting in read() for its next task. (A worker that a signal stopped is
        // not; the submit below then tells what went wrong.)
        if (!course_test::process_falls_asleep(worker, course_test::patience)) break;
        ::kill(worker, SIGUSR1);
    }
    std::shared_future<std::string> after = pool.submit("echo:after the signals").share();
    REQUIRE(ready_in_time(after));
    CHECK_MESSAGE(task_error_of(after) == "a result", "a worker interrupted by a signal stopped serving");
    pool.shutdown();
    CHECK(course_test::no_children_left());
}

TEST_CASE("the pool reaps its own workers, never a child of the program's" * course_test::linux_only()) {
    // The program has a child of its own, already ended and waiting to be reaped. A pool
    // that waited for "any child" would reap it in the place of one of its workers.
    const pid_t own_child = fork();
    REQUIRE(own_child >= 0);
    if (own_child == 0) _exit(7);
    REQUIRE(course_test::becomes_zombie(own_child, course_test::patience));
    {
        Fixture fixture;
        ProcessPool pool(2, fixture.function());
        std::future<std::string> result = pool.submit("echo:x");
        REQUIRE(ready_in_time(result));
        pool.shutdown();
    }
    int status = 0;
    CHECK_MESSAGE(waitpid(own_child, &status, WNOHANG) == own_child, "the pool reaped a child that was not its own");
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 7));
    CHECK(course_test::no_children_left());
}

TEST_CASE("every descriptor the pool opens is close-on-exec") {
    // A program started meanwhile by another thread (posix_spawn, exec) must inherit none
    // of the pool's pipes: holding a task pipe's write end, it would keep a worker from
    // ever seeing end of file.
    const std::set<int> before = open_descriptors();
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    for (const int fd : open_descriptors()) {
        if (before.count(fd) != 0) continue;
        INFO("descriptor " << fd);
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    }
    pool.shutdown();
}

TEST_CASE("a worker ends with _exit(): the caller's unflushed output is not written again") {
    // Output buffered in this process (not yet written) is copied into every worker by
    // fork(). A worker that ended with exit() would flush its copy too.
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::FILE* out = fdopen(fds[1], "w");
    REQUIRE(out != nullptr);
    REQUIRE(std::setvbuf(out, nullptr, _IOFBF, 4096) == 0);
    std::fputs("once", out);
    {
        Fixture fixture;
        ProcessPool pool(2, fixture.function());
        std::future<std::string> result = pool.submit("echo:x");
        REQUIRE(ready_in_time(result));
        pool.shutdown();
    }
    std::fclose(out);  // writes "once" and closes the write end
    std::string written;
    char buffer[256];
    for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) written.append(buffer, static_cast<std::size_t>(n));
    close(fds[0]);
    CHECK(written == "once");
}

TEST_CASE("shutdown() finishes every submitted task, reaps every worker and closes every pipe") {
    const std::size_t descriptors_before = course_test::open_descriptor_count();
    Fixture fixture;
    ProcessPool pool(3, fixture.function());
    std::vector<std::future<std::string>> results;
    for (int i = 0; i < 300; ++i) results.push_back(pool.submit("echo:" + std::to_string(i)));
    pool.shutdown(true);
    for (std::size_t i = 0; i < 300; ++i) {
        REQUIRE(results[i].wait_for(std::chrono::seconds(0)) == std::future_status::ready);
        CHECK(results[i].get() == std::to_string(i));
    }
    CHECK_MESSAGE(course_test::no_children_left(), "a worker was not reaped: it is left as a zombie");
    // The wake-up pipe may live until the destructor; the workers' pipes may not.
    CHECK(course_test::open_descriptor_count() <= descriptors_before + 2);
}

TEST_CASE("the destructor shuts down and reaps, with tasks still waiting") {
    const std::size_t descriptors_before = course_test::open_descriptor_count();
    {
        Fixture fixture;
        ProcessPool pool(2, fixture.function());
        std::future<std::string> held = pool.submit("gate");
        for (int i = 0; i < 100; ++i) pool.submit("echo:x");
        sem_post(&fixture.signals->gate);
    }
    CHECK_MESSAGE(course_test::no_children_left(), "a worker was not reaped: it is left as a zombie");
    CHECK(course_test::open_descriptor_count() == descriptors_before);
}

TEST_CASE("submit after shutdown throws std::runtime_error") {
    Fixture fixture;
    ProcessPool pool(1, fixture.function());
    pool.shutdown();
    CHECK_THROWS_AS(pool.submit("echo:late"), std::runtime_error);
    pool.shutdown();  // a second shutdown is harmless
    CHECK(course_test::no_children_left());
}

TEST_CASE("shutdown(false) stops the workers at once, and still reaps them") {
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    std::future<std::string> held = pool.submit("gate");  // never let through
    pool.shutdown(false);
    REQUIRE(held.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
    try {
        held.get();
        FAIL_CHECK("a task killed at shutdown(false) reported a result");
    } catch (const std::future_error& error) {
        CHECK(error.code() == std::future_errc::broken_promise);
    }
    CHECK(course_test::no_children_left());
}
