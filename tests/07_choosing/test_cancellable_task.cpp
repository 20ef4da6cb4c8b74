// test_cancellable_task.cpp: tests for CancellableTask, background work that a UI thread watches and cancels.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <semaphore>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>

#include "bounded_waits.hpp"
#include "cancellable_task.hpp"
#include "thread_states.hpp"

using course::CancellableTask;
using course::TaskCancelled;
using namespace std::chrono_literals;

namespace {

using Report = std::function<void(int)>;

// Waits until a stop is requested, or `patience` has passed; true when stopped. This is
// how a well-behaved work waits (for a socket, a timer...): interruptibly. The patience
// only bounds a test whose stop request never comes.
bool wait_for_stop(std::stop_token stop, std::chrono::milliseconds patience = 2s) {
    std::mutex mutex;
    std::condition_variable_any never_notified;
    std::unique_lock lock(mutex);
    never_notified.wait_for(lock, stop, patience, [] { return false; });
    return stop.stop_requested();
}

}  // namespace

TEST_CASE("the value the work returns comes back from result()") {
    CancellableTask<int> task([](std::stop_token, const Report&) { return 42; });
    CHECK(task.result() == 42);
    CHECK(task.result() == 42);  // as often as asked
}

TEST_CASE("the work runs on another thread, and the constructor does not wait for it") {
    // The work waits for a signal that the test sends only after the constructor has
    // returned: a constructor that runs the work itself would wait in vain.
    auto go = std::make_shared<std::binary_semaphore>(0);
    const auto caller = std::this_thread::get_id();
    CancellableTask<std::string> task([go, caller](std::stop_token, const Report&) {
        if (!go->try_acquire_for(10s)) return std::string("the constructor waited for the work");
        return std::string(std::this_thread::get_id() == caller ? "same thread" : "another thread");
    });
    go->release();
    CHECK(task.result() == "another thread");
}

TEST_CASE("the UI thread can read the progress while the work reports it") {
    // The work reports progress non-stop until cancelled; this thread reads it meanwhile,
    // as a UI loop reads it at every frame. Both sides touch the progress at once.
    CancellableTask<int> task([](std::stop_token stop, const Report& report) {
        const auto give_up = std::chrono::steady_clock::now() + 2s;  // if the stop never comes
        for (int percent = 1; !stop.stop_requested() && std::chrono::steady_clock::now() < give_up;
             percent = percent % 100 + 1) {
            report(percent);
        }
        return 1;
    });
    int seen = 0;
    int out_of_range = 0;
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    for (long reads = 0; (seen == 0 || reads < 20000) && std::chrono::steady_clock::now() < give_up; ++reads) {
        const int percent = task.progress();
        if (percent < 0 || percent > 100) ++out_of_range;
        if (percent != 0) seen = percent;
    }
    task.cancel();
    CHECK_MESSAGE(seen != 0, "progress() never changed while the work was reporting");
    CHECK(out_of_range == 0);
    CHECK_THROWS_AS(task.result(), TaskCancelled);
}

TEST_CASE("progress starts at 0, follows the reports and is kept within 0..100") {
    auto step = std::make_shared<std::counting_semaphore<>>(0);
    auto reported = std::make_shared<std::counting_semaphore<>>(0);
    CancellableTask<int> task([step, reported](std::stop_token, const Report& report) {
        for (int percent : {30, 250, -7}) {
            if (!step->try_acquire_for(10s)) return -1;
            report(percent);
            reported->release();
        }
        return 0;
    });
    CHECK(task.progress() == 0);
    for (int expected : {30, 100, 0}) {
        step->release();
        REQUIRE(reported->try_acquire_for(10s));
        CHECK(task.progress() == expected);
    }
    CHECK(task.result() == 0);
}

TEST_CASE("done() is false while the work runs and true once it returned") {
    auto go = std::make_shared<std::binary_semaphore>(0);
    CancellableTask<int> task([go](std::stop_token, const Report&) { return go->try_acquire_for(10s) ? 1 : 0; });
    CHECK_FALSE(task.done());
    go->release();
    task.wait();
    CHECK(task.done());
    CHECK(task.result() == 1);
}

TEST_CASE("cancel() stops a work that checks its stop token, and result() says it was cancelled") {
    auto started = std::make_shared<std::binary_semaphore>(0);
    auto stopped = std::make_shared<std::atomic<bool>>(false);
    CancellableTask<int> task([started, stopped](std::stop_token stop, const Report&) {
        started->release();
        stopped->store(wait_for_stop(stop));
        return 7;  // a partial result, which a cancelled task must not pass off as the answer
    });
    REQUIRE(started->try_acquire_for(10s));
    task.cancel();
    CHECK_THROWS_AS(task.result(), TaskCancelled);
    CHECK_MESSAGE(stopped->load(), "the work never saw the stop request");
    CHECK(task.done());
}

TEST_CASE("cancel() returns at once: the UI thread does not wait for the work to wind down") {
    // After the stop request, the work winds down only once this thread is back from
    // cancel(): a cancel() that waits for the work would freeze the UI until it gives up.
    auto back_from_cancel = std::make_shared<std::binary_semaphore>(0);
    auto wound_down_after_cancel = std::make_shared<std::atomic<bool>>(false);
    CancellableTask<int> task([=](std::stop_token stop, const Report&) {
        wait_for_stop(stop);
        wound_down_after_cancel->store(back_from_cancel->try_acquire_for(2s));
        return 0;
    });
    task.cancel();
    back_from_cancel->release();
    CHECK_THROWS_AS(task.result(), TaskCancelled);
    CHECK_MESSAGE(wound_down_after_cancel->load(), "cancel() waited for the work instead of returning at once");
}

TEST_CASE("a work that throws TaskCancelled itself is reported as cancelled") {
    CancellableTask<int> task([](std::stop_token stop, const Report&) -> int {
        if (wait_for_stop(stop)) throw TaskCancelled();
        return 1;
    });
    task.cancel();
    CHECK_THROWS_AS(task.result(), TaskCancelled);
}

TEST_CASE("a cancel() that comes after the work returned is too late: the value stays") {
    CancellableTask<int> task([](std::stop_token, const Report&) { return 5; });
    task.wait();
    task.cancel();
    CHECK(task.result() == 5);
}

TEST_CASE("an exception thrown by the work comes out of result()") {
    CancellableTask<int> task([](std::stop_token, const Report&) -> int { throw std::runtime_error("disk full"); });
    CHECK_THROWS_WITH_AS(task.result(), "disk full", std::runtime_error);
    CHECK(task.done());
}

TEST_CASE("destroying a task whose work still runs cancels the work and waits for it") {
    // A window closes while its job runs: the job must be stopped, and finished before the
    // window is gone. The work takes a moment to wind down after the request, so that a
    // destructor that does not wait for it leaves before it is done.
    auto started = std::make_shared<std::binary_semaphore>(0);
    auto saw_stop = std::make_shared<std::atomic<bool>>(false);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    {
        CancellableTask<int> task([=](std::stop_token stop, const Report&) {
            started->release();
            saw_stop->store(wait_for_stop(stop));
            std::this_thread::sleep_for(50ms);  // winding down: saving, closing files...
            finished->store(true);
            return 0;
        });
        REQUIRE(started->try_acquire_for(10s));
    }
    CHECK_MESSAGE(finished->load(), "the task was destroyed while its work was still running");
    CHECK_MESSAGE(saw_stop->load(), "destroying the task did not cancel its work");
}

TEST_CASE("a task without work is refused") {
    CHECK_THROWS_AS(CancellableTask<int>(CancellableTask<int>::Work{}), std::invalid_argument);
}

TEST_CASE("a task cancelled while it runs is cancelled, even when its work then throws") {
    // The work gives up on the request by throwing an error of its own: what result()
    // reports is the cancellation, not the error it caused.
    auto started = std::make_shared<std::binary_semaphore>(0);
    CancellableTask<int> task([started](std::stop_token stop, const Report&) -> int {
        started->release();
        if (wait_for_stop(stop)) throw std::runtime_error("interrupted half-way");
        return 1;
    });
    REQUIRE(started->try_acquire_for(10s));
    task.cancel();
    CHECK_THROWS_AS(task.result(), TaskCancelled);
}

TEST_CASE("an exception that is not a std::exception comes out of result() too") {
    CancellableTask<int> task([](std::stop_token, const Report&) -> int { throw 42; });
    CHECK_THROWS_AS(task.result(), int);
    CHECK_THROWS_AS(task.result(), int);  // as often as asked
}

TEST_CASE("every thread waiting for the task wakes when the work ends" * course_test::linux_only()) {
    // Two threads besides this one wait in wait(); the work ends only once both are
    // asleep there. A notification for one waiter only would leave the other asleep
    // (it is then left behind, and so owns a share of the task and of what it counts).
    auto go = std::make_shared<std::binary_semaphore>(0);
    auto task = std::make_shared<CancellableTask<int>>(
        [go](std::stop_token, const Report&) { return go->try_acquire_for(10s) ? 3 : -1; });
    auto waiters = std::make_shared<std::array<std::atomic<pid_t>, 2>>();
    auto woken = std::make_shared<std::atomic<int>>(0);
    course_test::Crew crew;
    for (std::size_t i = 0; i < 2; ++i) {
        crew.start([task, waiters, woken, i] {
            (*waiters)[i] = course_test::current_thread_id();
            task->wait();
            ++*woken;
        });
    }
    for (auto& waiter : *waiters) {
        while (waiter.load() == 0) std::this_thread::yield();
        CHECK(course_test::thread_falls_asleep(waiter.load(), course_test::patience));
    }
    go->release();
    CHECK_MESSAGE(crew.finish_within(course_test::patience),
                  "a thread waiting in wait() was never woken: " << woken->load() << " of 2 woke");
    CHECK(task->result() == 3);
}

TEST_CASE("done() can be asked while the work ends") {
    // The UI thread polls done() at every frame while the work finishes: the two must
    // not race (checked by the ThreadSanitizer run).
    CancellableTask<int> task([](std::stop_token, const Report& report) {
        for (int percent = 0; percent <= 100; ++percent) report(percent);
        return 9;
    });
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!task.done() && std::chrono::steady_clock::now() < give_up) {
    }
    CHECK(task.done());
    CHECK(task.result() == 9);
}
