// test_thread_pool.cpp: tests for ThreadPool, the C++ ThreadPoolExecutor: submit, futures, exceptions, shutdown.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "executor_checks.hpp"
#include "thread_pool.hpp"

using course::ThreadPool;
using course_test::Gate;
using course_test::pool_patience;
using course_test::ready_in_time;
using course_test::Rendezvous;

namespace {

// Keeps trying to submit until the pool refuses: from then on, shutdown() has begun.
// Returns how many tasks it did manage to submit before that.
int submit_until_refused(ThreadPool& pool, std::atomic<int>& counter) {
    int accepted = 0;
    for (;;) {
        try {
            pool.submit([&counter] { ++counter; });
            ++accepted;
        } catch (const std::runtime_error&) {
            return accepted;
        }
        std::this_thread::yield();
    }
}

}  // namespace

TEST_CASE("a submitted call's result comes back through its future") {
    ThreadPool pool(2);
    std::future<int> sum = pool.submit([](int a, int b) { return a + b; }, 20, 22);
    std::future<std::string> text = pool.submit([] { return std::string("hello world!"); });
    REQUIRE(ready_in_time(sum));
    REQUIRE(ready_in_time(text));
    CHECK(sum.get() == 42);
    CHECK(text.get() == "hello world!");
}

TEST_CASE("move-only calls and arguments are accepted, and arguments are copied into the task") {
    ThreadPool pool(1);
    auto owned = std::make_unique<int>(7);
    std::future<int> moved = pool.submit([](std::unique_ptr<int> p) { return *p * 6; }, std::move(owned));
    std::string message = "copied";
    std::future<std::size_t> copied = pool.submit([](const std::string& s) { return s.size(); }, message);
    message = "changed after submit";  // the task holds its own copy
    std::future<int> callable = pool.submit([p = std::make_unique<int>(5)] { return *p; });
    REQUIRE(ready_in_time(moved));
    REQUIRE(ready_in_time(copied));
    REQUIRE(ready_in_time(callable));
    CHECK(moved.get() == 42);
    CHECK(copied.get() == 6);
    CHECK(callable.get() == 5);
}

TEST_CASE("an exception thrown by a task reaches its future") {
    ThreadPool pool(2);
    // shared_future: the test, not a worker, lets go of the exception last (see the
    // ThreadSanitizer note in the lesson, section 6).
    std::shared_future<int> failed =
        pool.submit([]() -> int { throw std::invalid_argument("not a number"); }).share();
    REQUIRE(ready_in_time(failed));
    CHECK_THROWS_WITH_AS(failed.get(), "not a number", std::invalid_argument);
    pool.shutdown();
}

TEST_CASE("a task that throws does not stop its worker") {
    ThreadPool pool(1);
    std::vector<std::shared_future<void>> failures;
    for (int i = 0; i < 3; ++i) {
        failures.push_back(pool.submit([] { throw std::runtime_error("task failed"); }).share());
    }
    std::future<int> after = pool.submit([] { return 42; });
    REQUIRE_MESSAGE(ready_in_time(after), "the only worker stopped after a task threw");
    CHECK(after.get() == 42);
    for (auto& failure : failures) CHECK_THROWS_AS(failure.get(), std::runtime_error);
    pool.shutdown();
}

TEST_CASE("n workers run n tasks at the same time") {
    constexpr std::size_t workers = 4;
    ThreadPool pool(workers);
    CHECK(pool.size() == workers);
    Rendezvous all_running(workers);
    std::vector<std::future<bool>> met;
    for (std::size_t i = 0; i < workers; ++i) {
        met.push_back(
            pool.submit([&all_running] { return all_running.arrive_and_wait_for(pool_patience); }));
    }
    for (auto& f : met) {
        REQUIRE(ready_in_time(f));
        CHECK_MESSAGE(f.get(), "the tasks did not all run at once: the pool does not use all its workers");
    }
}

TEST_CASE("the default pool has one worker per core, and at least one") {
    ThreadPool pool;
    const std::size_t expected = std::max(1u, std::thread::hardware_concurrency());
    CHECK(pool.size() == expected);
    Rendezvous all_running(expected);
    std::vector<std::future<bool>> met;
    for (std::size_t i = 0; i < expected; ++i) {
        met.push_back(
            pool.submit([&all_running] { return all_running.arrive_and_wait_for(pool_patience); }));
    }
    for (auto& f : met) {
        REQUIRE(ready_in_time(f));
        CHECK(f.get());
    }
}

TEST_CASE("shutdown(true) runs every queued task before it returns") {
    ThreadPool pool(1);
    Gate gate;
    std::atomic<int> counter{0};
    std::future<bool> blocker = pool.submit([&gate] { return gate.wait_for(pool_patience); });
    std::vector<std::future<void>> queued;
    for (int i = 0; i < 100; ++i) queued.push_back(pool.submit([&counter] { ++counter; }));
    // The only worker is held at the gate until shutdown() has begun, so the 100 tasks
    // are still queued when it does.
    int late = 0;
    std::thread opener([&] {
        late = submit_until_refused(pool, counter);
        gate.open();
    });
    pool.shutdown(true);
    opener.join();
    CHECK(blocker.get());
    CHECK(counter == 100 + late);
    for (auto& f : queued) {
        REQUIRE(f.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
        CHECK_NOTHROW(f.get());
    }
}

TEST_CASE("shutdown(false) drops the queued tasks: their futures report a broken promise") {
    ThreadPool pool(1);
    Gate gate;
    std::atomic<int> counter{0};
    std::promise<void> started;
    std::future<bool> running = pool.submit([&gate, &started] {
        started.set_value();
        return gate.wait_for(pool_patience);
    });
    std::vector<std::future<void>> queued;
    for (int i = 0; i < 10; ++i) queued.push_back(pool.submit([&counter] { ++counter; }));
    // Only a task that has started is "running": wait until it has.
    REQUIRE(ready_in_time(started.get_future()));
    std::thread opener([&] {
        submit_until_refused(pool, counter);
        gate.open();
    });
    pool.shutdown(false);
    opener.join();
    CHECK_MESSAGE(running.get(), "the running task was not allowed to finish");
    CHECK(counter == 0);
    for (auto& f : queued) {
        REQUIRE(f.wait_for(std::chrono::seconds(0)) == std::future_status::ready);
        try {
            f.get();
            FAIL_CHECK("a dropped task ran, or its future reports success");
        } catch (const std::future_error& error) {
            CHECK(error.code() == std::future_errc::broken_promise);
        }
    }
}

TEST_CASE("submit after shutdown throws std::runtime_error") {
    ThreadPool pool(2);
    pool.submit([] { return 1; }).get();
    pool.shutdown();
    CHECK_THROWS_AS(pool.submit([] { return 2; }), std::runtime_error);
    pool.shutdown();  // a second shutdown is harmless
    CHECK_THROWS_AS(pool.submit([] { return 3; }), std::runtime_error);
}

TEST_CASE("the destructor waits for every submitted task, like leaving a with block") {
    std::atomic<int> counter{0};
    {
        ThreadPool pool(2);
        for (int i = 0; i < 200; ++i) pool.submit([&counter] { ++counter; });
    }
    CHECK(counter == 200);
}

TEST_CASE("several threads can submit at the same time") {
    ThreadPool pool(2);
    constexpr int submitters = 4;
    constexpr int per_submitter = 2000;
    std::vector<std::vector<std::future<int>>> futures(submitters);
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < submitters; ++t) {
            threads.emplace_back([&pool, &mine = futures[t], t] {
                for (int i = 0; i < per_submitter; ++i) {
                    mine.push_back(pool.submit([](int x) { return x; }, t * per_submitter + i));
                }
            });
        }
    }
    long long sum = 0;
    for (auto& mine : futures) {
        for (auto& f : mine) {
            REQUIRE(ready_in_time(f));
            sum += f.get();
        }
    }
    constexpr long long n = submitters * per_submitter;
    CHECK(sum == n * (n - 1) / 2);
}

TEST_CASE("a task can submit another task to the same pool") {
    ThreadPool pool(2);
    std::future<std::future<int>> outer = pool.submit([&pool] { return pool.submit([] { return 42; }); });
    REQUIRE(ready_in_time(outer));
    std::future<int> inner = outer.get();
    REQUIRE(ready_in_time(inner));
    CHECK(inner.get() == 42);
}
