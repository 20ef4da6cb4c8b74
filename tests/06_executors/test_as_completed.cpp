// test_as_completed.cpp: tests for done(), AsCompleted / as_completed() and wait(), on futures the test fulfils in a chosen order.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <initializer_list>
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

// What the code under test did to a set of CountedFutures: how it looked and how it waited.
struct Counts {
    std::size_t waits = 0;                // waits of more than zero, on any future of the set
    std::size_t looks_in_a_row = 0;       // looks (waits of zero) since the last real wait
    bool spun = false;                    // it looked far more often than there are futures, without waiting
    bool waited_without_limit = false;    // it called wait(), which may block forever
    std::chrono::nanoseconds longest_wait{0};
    std::chrono::nanoseconds total_wait{0};
};

// A stand-in for a future, to see HOW AsCompleted waits, without relying on timing: it is
// ready once the code has made `ready_after` real waits on the set (std::size_t(-1):
// never), counting every look and every wait. A real wait sleeps for as long as asked,
// so that the code's clock moves as it would. Looking a million times in a row without
// a wait is spinning: the future then turns ready, so that a spinning loop ends, and the
// test says what happened. One thread uses a set, as AsCompleted requires.
class CountedFuture {
public:
    CountedFuture(Counts& counts, std::size_t ready_after, int value) : counts_(&counts), ready_after_(ready_after), value_(value) {}

    template <class Rep, class Period>
    std::future_status wait_for(const std::chrono::duration<Rep, Period>& limit) const {
        const auto asked = std::chrono::duration_cast<std::chrono::nanoseconds>(limit);
        if (asked.count() > 0) {
            ++counts_->waits;
            counts_->looks_in_a_row = 0;
            counts_->longest_wait = std::max(counts_->longest_wait, asked);
            counts_->total_wait += asked;
            if (!ready()) std::this_thread::sleep_for(asked);
        } else if (++counts_->looks_in_a_row > 1'000'000) {
            counts_->spun = true;
        }
        return ready() ? std::future_status::ready : std::future_status::timeout;
    }
    void wait() const { counts_->waited_without_limit = true; }
    bool valid() const { return true; }
    int get() const { return value_; }

private:
    bool ready() const { return counts_->spun || counts_->waited_without_limit || counts_->waits >= ready_after_; }

    Counts* counts_;
    std::size_t ready_after_;
    int value_;
};

constexpr std::size_t never = static_cast<std::size_t>(-1);

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

TEST_CASE("done() is false for a deferred std::async future, and does not start it") {
    bool ran = false;
    std::future<int> lazy = std::async(std::launch::deferred, [&ran] {
        ran = true;
        return 5;
    });
    CHECK_FALSE(done(lazy));
    CHECK_FALSE(ran);
    CHECK(lazy.get() == 5);  // runs here, on this thread
    CHECK(ran);
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
    for (std::size_t i : std::initializer_list<std::size_t>{2, 0, 3, 1}) {
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

TEST_CASE("next() waits between its looks, a millisecond at most each time, and never spins") {
    // Ready after the code's 6th, 2nd and 4th wait: finishing order 1, 2, 0.
    Counts counts;
    const std::vector<CountedFuture> futures = {{counts, 6, 0}, {counts, 2, 1}, {counts, 4, 2}};
    AsCompleted finished(futures);
    std::vector<std::size_t> order;
    while (finished.remaining() > 0) order.push_back(finished.next());
    CHECK_MESSAGE(!counts.spun, "next() kept looking at the futures without ever waiting: it spins on the CPU");
    CHECK_MESSAGE(!counts.waited_without_limit, "next() called wait(), which blocks on one future while another may finish");
    CHECK(order == std::vector<std::size_t>{1, 2, 0});
    CHECK(counts.longest_wait <= std::chrono::milliseconds(1));
}

TEST_CASE("as_completed() lists the indexes in the order the futures finish") {
    Counts counts;
    const std::vector<CountedFuture> futures = {{counts, 6, 0}, {counts, 2, 1}, {counts, 4, 2}, {counts, 8, 3}};
    CHECK(course::as_completed(futures) == std::vector<std::size_t>{1, 2, 0, 3});
    CHECK_FALSE(counts.spun);
}

TEST_CASE("next_for() waits no longer than its timeout in all, from one deadline") {
    // Three futures that never finish: however the wait is cut into slices, the slices
    // must add up to no more than the timeout.
    Counts counts;
    const std::vector<CountedFuture> futures = {{counts, never, 0}, {counts, never, 1}, {counts, never, 2}};
    AsCompleted finished(futures);
    const auto timeout = std::chrono::milliseconds(30);
    CHECK_FALSE(finished.next_for(timeout).has_value());
    CHECK_FALSE(counts.spun);
    CHECK_FALSE(counts.waited_without_limit);
    INFO("it asked to wait " << counts.total_wait.count() << " ns in all, for a timeout of 30 ms");
    CHECK(counts.total_wait <= timeout);
    CHECK(finished.remaining() == 3);
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
    tasks.fulfil(0);
    CHECK(finished.next() == 0);
    CHECK_THROWS_AS(finished.next_for(std::chrono::milliseconds(1)), std::out_of_range);
}

TEST_CASE("as_completed() lists every index exactly once, while another thread finishes them") {
    Promises tasks(5);
    tasks.fulfil(3);
    Gate started;
    std::jthread rest([&] {
        started.wait_for(course_test::pool_patience);
        for (std::size_t i : std::initializer_list<std::size_t>{4, 0, 1, 2}) tasks.fulfil(i);
    });
    started.open();
    std::vector<std::size_t> order = course::as_completed(tasks.futures());
    std::sort(order.begin(), order.end());
    CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4});
}

TEST_CASE("an empty list of futures: nothing to hand out, and nothing to wait for") {
    const std::vector<std::shared_future<int>> none;
    CHECK(course::as_completed(none).empty());
    AsCompleted finished(none);
    CHECK(finished.remaining() == 0);
    CHECK_THROWS_AS(finished.next(), std::out_of_range);
    for (ReturnWhen when : {ReturnWhen::first_completed, ReturnWhen::first_exception, ReturnWhen::all_completed}) {
        const course::DoneAndNotDone split = course::wait(none, when);
        CHECK(split.done.empty());
        CHECK(split.not_done.empty());
    }
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

TEST_CASE("wait(FIRST_EXCEPTION) stops at a failure whatever was thrown, not only a std::exception") {
    std::promise<int> odd;
    std::promise<int> pending;
    const std::vector<std::shared_future<int>> futures = {pending.get_future().share(), odd.get_future().share()};
    odd.set_exception(std::make_exception_ptr(42));
    const course::DoneAndNotDone split = course::wait(futures, ReturnWhen::first_exception);
    CHECK(split.done == std::vector<std::size_t>{1});
    CHECK(split.not_done == std::vector<std::size_t>{0});
    pending.set_value(0);
}

TEST_CASE("wait(FIRST_EXCEPTION) waits for every future when none fails") {
    Promises tasks(3);
    tasks.fulfil(1);
    Gate go;
    std::jthread worker([&] {
        go.wait_for(course_test::pool_patience);
        tasks.fulfil(0);
        tasks.fulfil(2);
    });
    go.open();
    const course::DoneAndNotDone split = course::wait(tasks.futures(), ReturnWhen::first_exception);
    CHECK(split.done == std::vector<std::size_t>{0, 1, 2});
    CHECK(split.not_done.empty());
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
