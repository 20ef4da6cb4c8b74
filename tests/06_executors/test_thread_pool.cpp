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
#include "thread_states.hpp"

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

TEST_CASE("an exception that is not a std::exception reaches its future too") {
    ThreadPool pool(1);
    std::shared_future<int> failed = pool.submit([]() -> int { throw 42; }).share();
    REQUIRE(ready_in_time(failed));
    CHECK_THROWS_AS(failed.get(), int);
    std::future<int> after = pool.submit([] { return 7; });
    REQUIRE_MESSAGE(ready_in_time(after), "the worker stopped after a task threw an int");
    CHECK(after.get() == 7);
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

TEST_CASE("a call is invoked once, as an rvalue, with its arguments as rvalues") {
    // Callable only as an rvalue, like a task that hands over what it owns.
    struct GiveAway {
        std::unique_ptr<int> owned;
        int operator()(std::unique_ptr<int> extra) && { return *owned + *extra; }
    };
    ThreadPool pool(1);
    std::future<int> sum = pool.submit(GiveAway{std::make_unique<int>(40)}, std::make_unique<int>(2));
    REQUIRE(ready_in_time(sum));
    CHECK(sum.get() == 42);
}

TEST_CASE("queued calls start in the order they were submitted") {
    std::vector<int> order;  // only the pool's one worker touches it until shutdown()
    Gate gate;
    ThreadPool pool(1);
    pool.submit([&gate] { gate.wait_for(pool_patience); });
    for (int i = 0; i < 10; ++i) pool.submit([&order, i] { order.push_back(i); });
    gate.open();
    pool.shutdown();
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("a free worker takes the next queued task, even while a task waits for one submitted after it") {
    // Python's ThreadPoolExecutor with two workers: task A waits for the future of task B,
    // submitted after A; the second worker runs B, and A finishes. A pool whose worker
    // took several queued tasks at once would keep B behind A, while the other worker
    // runs out of work and sits idle: A would wait for B in vain.
    Gate release;
    Rendezvous both_busy(2);
    std::shared_future<int> awaited;  // B's future, set before the workers are let go
    ThreadPool pool(2);
    std::vector<std::future<void>> busy;
    for (int i = 0; i < 2; ++i) {
        busy.push_back(pool.submit([&] {
            both_busy.count_down();
            release.wait_for(pool_patience);
        }));
    }
    REQUIRE_MESSAGE(both_busy.wait_for(pool_patience), "the two workers never ran two tasks at once");
    std::future<bool> a = pool.submit([&awaited] { return awaited.wait_for(pool_patience) == std::future_status::ready; });
    awaited = pool.submit([] { return 42; }).share();
    std::vector<std::future<int>> more;
    for (int i = 0; i < 3; ++i) more.push_back(pool.submit([i] { return i; }));
    release.open();
    REQUIRE(ready_in_time(a));
    CHECK_MESSAGE(a.get(), "task A waited for task B in vain: B sat behind A while a worker was free");
    CHECK(awaited.get() == 42);
    for (auto& f : more) REQUIRE(ready_in_time(f));
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

TEST_CASE("shutdown() called from two threads at once returns in each only when every worker is joined" * course_test::linux_only()) {
    Gate gate;
    ThreadPool pool(2);
    std::shared_future<bool> held = pool.submit([&gate] { return gate.wait_for(pool_patience); }).share();
    std::atomic<pid_t> callers[2] = {0, 0};
    bool joined_when_returned[2] = {false, false};
    std::exception_ptr errors[2];
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 2; ++t) {
            threads.emplace_back([&, t, mine = held] {
                callers[t] = course_test::current_thread_id();
                try {
                    pool.shutdown();
                    joined_when_returned[t] = mine.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            });
        }
        // Both calls are under way, waiting for the held task, before it may end.
        for (auto& caller : callers) {
            while (caller.load() == 0) std::this_thread::yield();
            course_test::thread_falls_asleep(caller.load(), course_test::patience);
        }
        gate.open();
    }
    for (int t = 0; t < 2; ++t) {
        INFO("caller " << t);
        CHECK_MESSAGE(errors[t] == nullptr, "shutdown() threw when called from two threads at once");
        CHECK_MESSAGE(joined_when_returned[t], "shutdown() returned while a task was still running");
    }
    CHECK(held.get());
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
            threads.emplace_back([&pool, &mine = futures[static_cast<std::size_t>(t)], t] {
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
