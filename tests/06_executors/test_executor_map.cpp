// test_executor_map.cpp: tests for map(executor, fn, inputs, chunksize): input order, all submitted first, the first failing input's exception.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "executor_checks.hpp"
#include "executor_map.hpp"
#include "thread_states.hpp"

using course_test::Gate;
using course_test::pool_patience;
using course_test::Rendezvous;

namespace {

// An executor whose tasks run only when the test says so: once `expected` tasks have been
// submitted, its own thread runs them in REVERSE order (the last input finishes first),
// then any task submitted later as it comes. If `expected` tasks never arrive (a map that
// waits for a result before submitting the rest), it gives up after the tests' patience,
// remembers that, and runs every task as it comes so that the test still ends.
class ReverseExecutor {
public:
    explicit ReverseExecutor(std::size_t expected) : runner_([this, expected] { run(expected); }) {}
    ReverseExecutor(const ReverseExecutor&) = delete;
    ReverseExecutor& operator=(const ReverseExecutor&) = delete;
    ~ReverseExecutor() {
        {
            std::scoped_lock lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        runner_.join();
    }

    template <class F>
    auto submit(F&& fn) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
        std::packaged_task<std::invoke_result_t<std::decay_t<F>>()> task(std::forward<F>(fn));
        auto future = task.get_future();
        {
            std::scoped_lock lock(mutex_);
            queue_.emplace_back(std::move(task));
            ++submitted_;
        }
        changed_.notify_all();
        return future;
    }

    std::size_t submitted() {
        std::scoped_lock lock(mutex_);
        return submitted_;
    }
    bool all_submitted_before_any_ran() {
        std::scoped_lock lock(mutex_);
        return all_arrived_;
    }

private:
    void run(std::size_t expected) {
        std::unique_lock lock(mutex_);
        all_arrived_ = changed_.wait_for(lock, pool_patience,
                                         [&] { return submitted_ >= expected || stopping_; }) &&
                       submitted_ >= expected;
        std::deque<std::packaged_task<void()>> batch;
        batch.swap(queue_);
        lock.unlock();
        for (auto it = batch.rbegin(); it != batch.rend(); ++it) (*it)();
        lock.lock();
        for (;;) {
            changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            std::packaged_task<void()> task = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            task();
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::packaged_task<void()>> queue_;
    std::size_t submitted_ = 0;
    bool all_arrived_ = false;
    bool stopping_ = false;
    std::thread runner_;  // last: started once the rest exists
};

// One thread per task (std::async): enough to show calls running at the same time.
struct ThreadPerTask {
    template <class F>
    auto submit(F&& fn) {
        return std::async(std::launch::async, std::forward<F>(fn));
    }
};

// An executor that has been shut down: refuses every task after the first `accept`.
struct RefusingExecutor {
    std::size_t accept = 0;
    ThreadPerTask inner;
    template <class F>
    auto submit(F&& fn) {
        if (accept == 0) throw std::runtime_error("cannot schedule new futures after shutdown");
        --accept;
        return inner.submit(std::forward<F>(fn));
    }
};

// Starts each task on a thread of its own the moment it is submitted, with futures that,
// unlike std::async's, do not wait in their destructor: so a map that leaves early is seen
// leaving while its tasks still run. After the first `accept` tasks it refuses, as an
// executor that has been shut down. Joins every task's thread in its destructor.
class ThreadEachExecutor {
public:
    explicit ThreadEachExecutor(std::size_t accept = static_cast<std::size_t>(-1)) : accept_(accept) {}
    ThreadEachExecutor(const ThreadEachExecutor&) = delete;
    ThreadEachExecutor& operator=(const ThreadEachExecutor&) = delete;

    template <class F>
    auto submit(F&& fn) -> std::future<std::invoke_result_t<std::decay_t<F>>> {
        std::packaged_task<std::invoke_result_t<std::decay_t<F>>()> task(std::forward<F>(fn));
        auto future = task.get_future();
        std::scoped_lock lock(mutex_);
        if (threads_.size() == accept_) {
            refused_.open();
            throw std::runtime_error("cannot schedule new futures after shutdown");
        }
        const std::size_t index = threads_.size();
        threads_.emplace_back([this, index, task = std::move(task)]() mutable {
            task();
            if (index == 0) first_stored_.open();  // the first task's result, or exception, is in its future
        });
        return future;
    }

    Gate& first_stored() { return first_stored_; }
    Gate& refused() { return refused_; }

private:
    const std::size_t accept_;
    Gate first_stored_;
    Gate refused_;
    std::mutex mutex_;
    std::vector<std::jthread> threads_;  // last: joined before the gates go
};

// Waits until one of two gates is open, or `limit` has passed; true when `wanted` opened.
bool opens_first(Gate& wanted, Gate& other, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (wanted.wait_for(std::chrono::milliseconds(1))) return true;
        if (other.wait_for(std::chrono::milliseconds(0))) return wanted.wait_for(std::chrono::milliseconds(0));
    }
    return false;
}

// Calls map() on a thread of its own, so that the test can watch it: whether it has left
// (returned or thrown) and, at that moment, whether the held task had finished.
struct MapOnAThread {
    std::atomic<pid_t> tid{0};
    Gate left;
    bool held_task_finished_when_map_left = false;
    std::exception_ptr error;
    std::jthread thread;

    template <class Call>
    MapOnAThread(Call call, const std::atomic<bool>& held_task_finished)
        : thread([this, call, &held_task_finished] {
              tid = course_test::current_thread_id();
              try {
                  call();
              } catch (...) {
                  error = std::current_exception();
              }
              held_task_finished_when_map_left = held_task_finished.load();
              left.open();
          }) {}

    // True once map() is asleep (waiting for a future, as it must while a task runs), or
    // has left, whichever comes first; false if neither happened within the patience.
    bool asleep_or_gone() {
        while (tid.load() == 0) std::this_thread::yield();
        const auto deadline = std::chrono::steady_clock::now() + pool_patience;
        int asleep_in_a_row = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            if (left.wait_for(std::chrono::milliseconds(0))) return true;
            asleep_in_a_row = course_test::thread_state(tid.load()) == 'S' ? asleep_in_a_row + 1 : 0;
            if (asleep_in_a_row >= 2) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return false;
    }
};

}  // namespace

TEST_CASE("results come in input order, although the last input finishes first") {
    const std::vector<int> inputs = {1, 2, 3, 4, 5, 6};
    ReverseExecutor executor(inputs.size());
    const std::vector<std::string> results =
        course::map(executor, [](const int& x) { return std::to_string(x * 10); }, inputs);
    CHECK(results == std::vector<std::string>{"10", "20", "30", "40", "50", "60"});
}

TEST_CASE("every task is submitted before the first result is awaited") {
    const std::vector<int> inputs = {1, 2, 3, 4};
    ReverseExecutor executor(inputs.size());
    const std::vector<int> results = course::map(executor, [](int x) { return x * x; }, inputs);
    CHECK_MESSAGE(executor.all_submitted_before_any_ran(),
                  "map waited for a result before submitting the rest: the calls run one at a time");
    CHECK(results == std::vector<int>{1, 4, 9, 16});
}

TEST_CASE("the calls run at the same time on an executor with enough threads") {
    const std::vector<int> inputs = {0, 1, 2, 3};
    ThreadPerTask executor;
    Rendezvous all_running(inputs.size());
    const std::vector<bool> met = course::map(
        executor, [&all_running](int) { return all_running.arrive_and_wait_for(pool_patience); },
        inputs);
    CHECK(met == std::vector<bool>(inputs.size(), true));
}

TEST_CASE("the first failing input's exception is rethrown, after every task has run") {
    const std::vector<int> inputs = {0, 1, 2, 3, 4, 5};
    std::atomic<int> calls{0};
    auto check = [&calls](int x) {
        ++calls;
        if (x == 2 || x == 4) throw std::invalid_argument("bad input " + std::to_string(x));
        return x;
    };
    {
        // Runs the inputs backwards: input 4 fails first in time, input 2 first in order.
        ReverseExecutor executor(inputs.size());
        CHECK_THROWS_WITH_AS(course::map(executor, check, inputs), "bad input 2", std::invalid_argument);
        CHECK(calls == 6);
    }
}

TEST_CASE("the first failing input's exception wins whatever its type, and a later one's type changes nothing") {
    const std::vector<int> inputs = {0, 1, 2, 3};
    auto check = [](int x) {
        if (x == 1) throw std::invalid_argument("bad input 1");
        if (x == 3) throw 3;  // not a std::exception, and the first to fail in time
        return x;
    };
    {
        ReverseExecutor executor(inputs.size());
        CHECK_THROWS_WITH_AS(course::map(executor, check, inputs), "bad input 1", std::invalid_argument);
    }
    auto odd_first = [](int x) {
        if (x == 1) throw 1;
        if (x == 3) throw std::invalid_argument("bad input 3");
        return x;
    };
    ReverseExecutor executor(inputs.size());
    CHECK_THROWS_AS(course::map(executor, odd_first, inputs), int);
}

TEST_CASE("map leaves only once every task has finished, also when a task failed" * course_test::linux_only()) {
    // Input 0 fails at once; input 1 is held until map is seen waiting for it. A map that
    // rethrew at the first failure would leave while input 1 still runs on its inputs.
    const std::vector<int> inputs = {0, 1, 2};
    Gate release;
    std::atomic<bool> held_finished{false};
    ThreadEachExecutor executor;
    auto fn = [&](int x) {
        if (x == 0) throw std::runtime_error("input 0 failed");
        if (x == 1) {
            release.wait_for(pool_patience);
            held_finished = true;
        }
        return x;
    };
    MapOnAThread mapper([&] { course::map(executor, fn, inputs); }, held_finished);
    if (opens_first(executor.first_stored(), mapper.left, pool_patience)) CHECK(mapper.asleep_or_gone());
    release.open();
    REQUIRE(mapper.left.wait_for(pool_patience));
    CHECK_MESSAGE(mapper.held_task_finished_when_map_left,
                  "map left at the first failure while another task was still running on the caller's inputs");
    REQUIRE(mapper.error != nullptr);
    CHECK_THROWS_WITH_AS(std::rethrow_exception(mapper.error), "input 0 failed", std::runtime_error);
}

TEST_CASE("map leaves only once every task has finished, also when submit() throws" * course_test::linux_only()) {
    // The executor accepts two tasks and refuses the third. Input 0 is held until map is
    // seen waiting for it: a map that rethrew at once would leave it running on the inputs.
    const std::vector<int> inputs = {0, 1, 2, 3};
    Gate release;
    std::atomic<bool> held_finished{false};
    ThreadEachExecutor executor(2);
    auto fn = [&](int x) {
        if (x == 0) {
            release.wait_for(pool_patience);
            held_finished = true;
        }
        return x;
    };
    MapOnAThread mapper([&] { course::map(executor, fn, inputs); }, held_finished);
    if (opens_first(executor.refused(), mapper.left, pool_patience)) CHECK(mapper.asleep_or_gone());
    release.open();
    REQUIRE(mapper.left.wait_for(pool_patience));
    CHECK_MESSAGE(mapper.held_task_finished_when_map_left,
                  "map left when submit() threw, while an accepted task was still running on the caller's inputs");
    REQUIRE(mapper.error != nullptr);
    CHECK_THROWS_AS(std::rethrow_exception(mapper.error), std::runtime_error);
}

TEST_CASE("chunksize groups the inputs: one task per chunk, the results still in order") {
    std::vector<int> inputs;
    for (int i = 0; i < 10; ++i) inputs.push_back(i);
    ReverseExecutor executor(4);
    const std::vector<int> results = course::map(executor, [](int x) { return x + 100; }, inputs, 3);
    CHECK(executor.submitted() == 4);  // chunks 0-2, 3-5, 6-8 and 9
    std::vector<int> expected;
    for (int i = 0; i < 10; ++i) expected.push_back(i + 100);
    CHECK(results == expected);
}

TEST_CASE("an empty input submits nothing and gives an empty result; chunksize 0 is an error") {
    ReverseExecutor executor(0);
    const std::vector<int> none;
    CHECK(course::map(executor, [](int x) { return x; }, none).empty());
    CHECK(executor.submitted() == 0);
    CHECK_THROWS_AS(course::map(executor, [](int x) { return x; }, std::vector<int>{1}, 0), std::invalid_argument);
}

TEST_CASE("an executor that refuses a task makes map throw, once the accepted tasks have run") {
    std::atomic<int> calls{0};
    RefusingExecutor executor{2, {}};
    const std::vector<int> inputs = {1, 2, 3, 4};
    CHECK_THROWS_AS(course::map(executor, [&calls](int x) { return ++calls + x; }, inputs), std::runtime_error);
    CHECK(calls == 2);
}
