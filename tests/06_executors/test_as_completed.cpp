// test_as_completed.cpp: tests for done(), AsCompleted / as_completed() and wait(), on futures the test fulfils in a chosen order.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "as_completed.hpp"
#include "executor_checks.hpp"

using course::AsCompleted;
using course::done;
using course::ReturnWhen;
using course_test::Gate;

namespace {

// n promises the test fulfils one at a time, in the order it chooses. If the code under
// test blocks where it should not (it waits for a future nobody has fulfilled yet), a
// rescuer thread fulfils every remaining promise, in index order, after the tests'
// patience: the wrong code then returns with a wrong answer instead of hanging.
class Promises {
public:
    explicit Promises(std::size_t n) : promises_(n), fulfilled_(n, false) {
        for (auto& p : promises_) shared_.push_back(p.get_future().share());
        rescuer_ = std::thread([this] {
            if (finished_.wait_for(course_test::pool_patience)) return;
            for (std::size_t i = 0; i < promises_.size(); ++i) fulfil(i);
        });
    }
    Promises(const Promises&) = delete;
    Promises& operator=(const Promises&) = delete;
    ~Promises() {
        finished_.open();
        rescuer_.join();
    }

    void fulfil(std::size_t i) {
        std::scoped_lock lock(mutex_);
        if (fulfilled_[i]) return;
        fulfilled_[i] = true;
        promises_[i].set_value(static_cast<int>(i));
    }
    void fail(std::size_t i) {
        std::scoped_lock lock(mutex_);
        if (fulfilled_[i]) return;
        fulfilled_[i] = true;
        promises_[i].set_exception(std::make_exception_ptr(std::runtime_error("task failed")));
    }
    // The futures, as the executor would hand them out (shared: readable by every check).
    const std::vector<std::shared_future<int>>& futures() const { return shared_; }

private:
    std::mutex mutex_;
    std::vector<std::promise<int>> promises_;
    std::vector<bool> fulfilled_;
    std::vector<std::shared_future<int>> shared_;
    Gate finished_;
    std::thread rescuer_;
};

// Opens a gate when the scope ends, even through an exception.
struct OpenOnExit {
    Gate& gate;
    ~OpenOnExit() { gate.open(); }
};

}  // namespace

TEST_CASE("done() is false for an unfinished future, true once it has a value or an exception") {
    std::promise<int> value;
    std::promise<int> failure;
    std::future<int> f = value.get_future();
    std::shared_future<int> g = failure.get_future().share();
    CHECK_FALSE(done(f));
    CHECK_FALSE(done(g));
    value.set_value(1);
    failure.set_exception(std::make_exception_ptr(std::runtime_error("x")));
    CHECK(done(f));
    CHECK(done(g));
    CHECK(f.get() == 1);  // done() took nothing away
}

TEST_CASE("done() never waits for the result") {
    std::promise<int> promise;
    std::future<int> future = promise.get_future();
    Gate asked;
    // Sets the value once done() has answered, or after the tests' patience if done() waits.
    std::jthread setter([&] {
        asked.wait_for(course_test::pool_patience);
        promise.set_value(7);
    });
    const OpenOnExit open_anyway{asked};  // whatever done() does, the setter is let go
    const bool answer = done(future);
    CHECK_MESSAGE(!answer, "done() waited until the value was there instead of answering at once");
}

TEST_CASE("next() hands out the futures in the order they finish, not the order they were made") {
    Promises tasks(4);
    AsCompleted finished(tasks.futures());
    CHECK(finished.remaining() == 4);
    for (std::size_t i : {2, 0, 3, 1}) {
        tasks.fulfil(i);
        CHECK(finished.next() == i);
    }
    CHECK(finished.remaining() == 0);
    CHECK_THROWS_AS(finished.next(), std::out_of_range);
}

TEST_CASE("next() waits for a future that finishes later, on another thread") {
    Promises tasks(3);
    tasks.fulfil(1);
    AsCompleted finished(tasks.futures());
    CHECK(finished.next() == 1);
    Gate go;
    std::jthread worker([&] {
        go.wait_for(course_test::pool_patience);
        tasks.fulfil(2);
    });
    go.open();
    CHECK(finished.next() == 2);
    tasks.fulfil(0);
    CHECK(finished.next() == 0);
}

TEST_CASE("next_for() gives up when nothing finishes in time, and finds it later") {
    Promises tasks(2);
    AsCompleted finished(tasks.futures());
    CHECK_FALSE(finished.next_for(std::chrono::milliseconds(20)).has_value());
    CHECK(finished.remaining() == 2);
    tasks.fulfil(1);
    const std::optional<std::size_t> index = finished.next_for(course_test::pool_patience);
    REQUIRE(index.has_value());
    CHECK(*index == 1);
}

TEST_CASE("as_completed() lists every index exactly once, while another thread finishes them") {
    Promises tasks(5);
    tasks.fulfil(3);
    Gate started;
    std::jthread rest([&] {
        started.wait_for(course_test::pool_patience);
        for (std::size_t i : {4, 0, 1, 2}) tasks.fulfil(i);
    });
    started.open();
    std::vector<std::size_t> order = course::as_completed(tasks.futures());
    std::sort(order.begin(), order.end());
    CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4});
}

TEST_CASE("wait(FIRST_COMPLETED) returns as soon as one future is done") {
    Promises tasks(3);
    tasks.fulfil(1);
    const course::DoneAndNotDone split = course::wait(tasks.futures(), ReturnWhen::first_completed);
    CHECK(split.done == std::vector<std::size_t>{1});
    CHECK(split.not_done == std::vector<std::size_t>{0, 2});
}

TEST_CASE("wait(FIRST_EXCEPTION) returns at the first failure, not at the first success") {
    Promises tasks(4);
    tasks.fulfil(0);
    Gate go;
    std::jthread worker([&] {
        go.wait_for(course_test::pool_patience);
        tasks.fail(2);
    });
    go.open();
    const course::DoneAndNotDone split = course::wait(tasks.futures(), ReturnWhen::first_exception);
    CHECK(split.done == std::vector<std::size_t>{0, 2});
    CHECK(split.not_done == std::vector<std::size_t>{1, 3});
}

TEST_CASE("wait(ALL_COMPLETED) waits for every future, failures included") {
    Promises tasks(3);
    Gate go;
    std::jthread worker([&] {
        go.wait_for(course_test::pool_patience);
        tasks.fail(1);
        tasks.fulfil(2);
        tasks.fulfil(0);
    });
    go.open();
    const course::DoneAndNotDone split = course::wait(tasks.futures(), ReturnWhen::all_completed);
    CHECK(split.done == std::vector<std::size_t>{0, 1, 2});
    CHECK(split.not_done.empty());
}

TEST_CASE("wait() with a timeout returns the futures not done yet") {
    Promises tasks(3);
    tasks.fulfil(2);
    const course::DoneAndNotDone split =
        course::wait(tasks.futures(), ReturnWhen::all_completed, std::chrono::milliseconds(20));
    CHECK(split.done == std::vector<std::size_t>{2});
    CHECK(split.not_done == std::vector<std::size_t>{0, 1});
}
