// test_joining_thread.cpp: tests for JoiningThread, a std::thread that joins in its destructor.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>

#include "bounded_sync.hpp"
#include "injected_failures.hpp"
#include "joining_thread.hpp"

using course::JoiningThread;
using course_test::patience;
using namespace std::chrono_literals;

// A thread has one owner: copying must not compile; moving must not throw.
static_assert(!std::is_copy_constructible_v<JoiningThread>);
static_assert(!std::is_copy_assignable_v<JoiningThread>);
static_assert(std::is_nothrow_move_constructible_v<JoiningThread>);
static_assert(std::is_nothrow_move_assignable_v<JoiningThread>);

namespace {

/// ThreadSanitizer's own pthread_join() cannot survive a thread joining itself: its
/// bookkeeping breaks and the next join aborts the program. That test runs in the plain
/// build only.
#if defined(__SANITIZE_THREAD__)
constexpr bool under_thread_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool under_thread_sanitizer = true;
#else
constexpr bool under_thread_sanitizer = false;
#endif
#else
constexpr bool under_thread_sanitizer = false;
#endif

/// What a slow piece of work reports. It lives in a shared_ptr that the thread holds too,
/// so a thread wrongly left running still writes to live memory, not to a dead stack.
struct SlowWork {
    course_test::Gate started;
    bool finished = false;  // plain on purpose: reading it without a join is a data race
    course_test::Gate ended;
};

/// Work that takes a moment after it has started, so an owner that does not wait for it
/// returns before it has finished.
std::function<void()> slow_work(const std::shared_ptr<SlowWork>& work) {
    return [work] {
        work->started.open();
        std::this_thread::sleep_for(100ms);  // only a chance for a wrong owner to misbehave
        work->finished = true;
        work->ended.open();
    };
}

}  // namespace

TEST_CASE("the function runs on another thread, with its arguments") {
    int sum = 0;
    std::thread::id ran_on;
    JoiningThread worker(
        [&sum, &ran_on](int a, const std::string& b) {
            sum = a + static_cast<int>(b.size());
            ran_on = std::this_thread::get_id();
        },
        40, std::string("ab"));
    const std::thread::id id = worker.get_id();
    worker.join();
    CHECK(sum == 42);
    CHECK(ran_on == id);
    CHECK(ran_on != std::this_thread::get_id());
}

TEST_CASE("arguments are copied into the thread when it starts, as std::thread does") {
    std::string text = "before";
    course_test::Gate changed;
    std::string seen;
    JoiningThread worker(
        [&changed, &seen](const std::string& copy) {
            changed.wait_for(patience);
            seen = copy;
        },
        text);
    text = "after";  // the thread holds its own copy, so this does not reach it
    changed.open();
    worker.join();
    CHECK(seen == "before");
}

TEST_CASE("std::ref passes a reference to the caller's object") {
    int total = 1;
    JoiningThread worker([](int& into, int amount) { into += amount; }, std::ref(total), 5);
    worker.join();
    CHECK(total == 6);
}

TEST_CASE("the destructor waits until the thread has finished") {
    const auto work = std::make_shared<SlowWork>();
    {
        JoiningThread worker(slow_work(work));
        REQUIRE(work->started.wait_for(patience));
    }
    INFO("the destructor returned before the thread finished: did it detach instead of joining?");
    CHECK(work->finished);
    // A thread wrongly left running finishes before the test ends, so that ThreadSanitizer
    // also sees its write to `finished`, which races with the read above.
    work->ended.wait_for(patience);
}

TEST_CASE("join() waits for the thread and leaves the object empty") {
    const auto work = std::make_shared<SlowWork>();
    JoiningThread worker(slow_work(work));
    CHECK(worker.joinable());
    CHECK(worker.get_id() != std::thread::id());
    worker.join();
    CHECK(work->finished);
    CHECK_FALSE(worker.joinable());
    CHECK(worker.get_id() == std::thread::id());
}

TEST_CASE("a thread that has finished its work stays joinable until joined") {
    const auto work = std::make_shared<SlowWork>();
    JoiningThread worker(slow_work(work));
    REQUIRE(work->ended.wait_for(patience));
    CHECK(worker.joinable());
    worker.join();
    CHECK_FALSE(worker.joinable());
}

TEST_CASE("a thread joining itself gets std::system_error, as with std::thread" *
          doctest::skip(under_thread_sanitizer)) {
    course_test::Gate owner_ready;
    course_test::Gate tried;
    bool refused = false;
    JoiningThread worker;
    worker = JoiningThread([&] {
        if (!owner_ready.wait_for(patience)) return;
        try {
            worker.join();  // the owner waits at `tried` meanwhile, not touching `worker`
        } catch (const std::system_error& e) {
            refused = e.code() == std::errc::resource_deadlock_would_occur;
        }
        tried.open();
    });
    owner_ready.open();
    REQUIRE(tried.wait_for(patience));
    CHECK(refused);
    worker.join();
}

TEST_CASE("a thread that cannot be started is a std::system_error, and nothing runs") {
    const course_test::FailCalls refused(course_test::Call::thread, EAGAIN);
    bool ran = false;
    try {
        JoiningThread worker([&ran] { ran = true; });
        FAIL("the constructor returned although no thread could be started");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::resource_unavailable_try_again);
    }
    CHECK_FALSE(ran);
}

TEST_CASE("a default-constructed JoiningThread owns no thread") {
    JoiningThread empty;
    REQUIRE_THROWS_AS(empty.join(), std::system_error);  // as std::thread::join() does
    CHECK_FALSE(empty.joinable());
    CHECK(empty.get_id() == std::thread::id());
}

TEST_CASE("moving hands the thread over and leaves the source empty") {
    course_test::Gate go;
    JoiningThread first([&go] { go.wait_for(patience); });
    const std::thread::id id = first.get_id();
    JoiningThread second(std::move(first));
    CHECK_FALSE(first.joinable());  // NOLINT(bugprone-use-after-move): checking the moved-from state
    CHECK(first.get_id() == std::thread::id());
    CHECK(second.joinable());
    CHECK(second.get_id() == id);
    go.open();
    second.join();
}

TEST_CASE("move assignment joins the thread it replaces before taking the new one") {
    const auto work = std::make_shared<SlowWork>();
    JoiningThread worker(slow_work(work));
    REQUIRE(work->started.wait_for(patience));
    int second_ran = 0;
    JoiningThread next([&second_ran] { second_ran = 1; });
    const std::thread::id next_id = next.get_id();
    worker = std::move(next);  // a plain std::thread would call std::terminate here
    INFO("the replaced thread was still running after the assignment: join it first");
    CHECK(work->finished);
    CHECK(worker.get_id() == next_id);
    CHECK_FALSE(next.joinable());  // NOLINT(bugprone-use-after-move)
    worker.join();
    CHECK(second_ran == 1);
    work->ended.wait_for(patience);
}

TEST_CASE("move assignment into an empty JoiningThread takes the thread") {
    JoiningThread worker;
    int ran = 0;
    JoiningThread next([&ran] { ran = 1; });
    const std::thread::id id = next.get_id();
    worker = std::move(next);
    CHECK(worker.get_id() == id);
    worker.join();
    CHECK(ran == 1);
}

TEST_CASE("moving a JoiningThread into itself keeps its thread") {
    course_test::Gate go;
    JoiningThread worker([&go] { go.wait_for(patience); });
    const std::thread::id id = worker.get_id();
    JoiningThread& same = worker;
    worker = std::move(same);  // must neither join (the thread waits for us) nor drop it
    CHECK(worker.joinable());
    CHECK(worker.get_id() == id);
    go.open();
}
