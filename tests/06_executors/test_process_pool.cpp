// test_process_pool.cpp: tests for ProcessPool, the C++ ProcessPoolExecutor: frames over pipes, crashes, no zombies.
#include <doctest/doctest.h>

#include <semaphore.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <future>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "executor_checks.hpp"
#include "process_checks.hpp"
#include "process_pool.hpp"

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
    if (payload.rfind("meet:", 0) == 0) {
        const int me = std::stoi(std::string(payload.substr(5)));
        for (int other = 0; other < max_meeting; ++other) {
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

}  // namespace

TEST_CASE("results come back through futures, each to its own task") {
    Fixture fixture;
    ProcessPool pool(2, fixture.function());
    CHECK(pool.size() == 2);
    std::vector<std::future<std::string>> results;
    for (int i = 0; i < 2000; ++i) results.push_back(pool.submit("echo:" + std::to_string(i)));
    std::future<std::string> upper = pool.submit("upper:hello world!");
    for (int i = 0; i < 2000; ++i) {
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

TEST_CASE("a worker that exits on its own is a crash too, and the other workers finish their tasks") {
    Fixture fixture;
    {
        ProcessPool pool(2, fixture.function());
        // The first task goes to one worker and waits at the gate; the exit goes to the other.
        std::future<std::string> held = pool.submit("gate");
        std::shared_future<std::string> gone = pool.submit("exit").share();
        REQUIRE(ready_in_time(gone));
        CHECK_THROWS_AS(gone.get(), BrokenProcessPool);
        sem_post(&fixture.signals->gate);
        REQUIRE(ready_in_time(held));
        CHECK(held.get() == "through");
        pool.shutdown();
    }
    CHECK(course_test::no_children_left());
}

TEST_CASE("shutdown() finishes every submitted task, reaps every worker and closes every pipe") {
    const std::size_t descriptors_before = course_test::open_descriptor_count();
    Fixture fixture;
    ProcessPool pool(3, fixture.function());
    std::vector<std::future<std::string>> results;
    for (int i = 0; i < 300; ++i) results.push_back(pool.submit("echo:" + std::to_string(i)));
    pool.shutdown(true);
    for (int i = 0; i < 300; ++i) {
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
