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
