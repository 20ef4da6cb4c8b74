// bounded_sync.hpp: the tests' meeting points, gates and run_together; bounded, so wrong code fails, not hangs.
#pragma once

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace course_test {

using namespace std::chrono_literals;

/// True in a ThreadSanitizer build, where every memory access costs several times more. A
/// test that repeats a racy step many times for the plain run's sake (where a mistake that
/// is no data race must show) may repeat it fewer times there.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool thread_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool thread_sanitizer = true;
#else
inline constexpr bool thread_sanitizer = false;
#endif
#else
inline constexpr bool thread_sanitizer = false;
#endif

/// The usual bound on a wait for something a correct solution does in microseconds: far
/// more than a loaded machine needs, and well under an exercise's time limit. A wrong
/// solution (threads run one after another, a lost wake-up) then fails after it, instead
/// of hanging the test program. (The executor tests use a longer one, pool_patience.)
inline constexpr std::chrono::seconds patience{5};

/// A meeting point for `expected` parties, like std::latch but with bounded waits.
/// arrive_and_wait_for() returns true once all of them have arrived, which can only happen
/// when they are all inside at the same time: that is how a test proves that things run in
/// parallel. A party that is still alone after the limit gives up and returns false, and
/// the meeting is then broken: whoever waits there, or arrives later, gets false at once,
/// so that a sequential implementation fails after one timeout instead of one per party.
/// A meeting that completed stays complete: breaking it afterwards changes nothing.
class Rendezvous {
public:
    template <std::integral Count>
    explicit Rendezvous(Count expected) : expected_(static_cast<std::ptrdiff_t>(expected)) {}

    /// Arrives and waits until every party has arrived (true), or `limit` has passed or the
    /// meeting was broken (false; a timeout breaks it for everybody).
    bool arrive_and_wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        if (broken_) return false;
        if (++arrived_ >= expected_) {
            changed_.notify_all();
            return true;
        }
        changed_.wait_for(lock, limit, [this] { return arrived_ >= expected_ || broken_; });
        if (arrived_ >= expected_) return true;
        broken_ = true;
        changed_.notify_all();
        return false;
    }

    /// Arrives without waiting (std::latch::count_down()), for a party that only reports.
    void count_down() {
        std::lock_guard lock(mutex_);
        if (broken_) return;
        if (++arrived_ >= expected_) changed_.notify_all();
    }

    /// Waits, without being a party, until every party has arrived (true) or `limit` has
    /// passed or the meeting was broken (false). An observer giving up breaks nothing.
    bool wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, limit, [this] { return arrived_ >= expected_ || broken_; });
        return arrived_ >= expected_;
    }

    /// Breaks the meeting unless it already completed: everybody waiting, or arriving
    /// later, gets false at once. For a party that leaves early (an exception), so that
    /// the others need not wait out the limit.
    void abandon() {
        std::lock_guard lock(mutex_);
        if (arrived_ >= expected_) return;
        broken_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    const std::ptrdiff_t expected_;
    std::ptrdiff_t arrived_ = 0;
    bool broken_ = false;
};

/// A one-shot signal: open() once, and wait_for() tells whether it opened within the
/// limit, so that a test waiting for something a wrong implementation never lets happen
/// fails instead of hanging. wait_for(0ms) asks whether it is open already.
class Gate {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        opened_.notify_all();
    }

    bool wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return opened_.wait_for(lock, limit, [this] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

/// Runs body(0) ... body(count - 1), each on a thread of its own, all released at the same
/// moment by a latch so that they really overlap, and joins them all. An exception escaping
/// a body (an unwritten stub throws) is caught in its thread and the first one, in thread
/// order, is rethrown here, in the test's own thread, instead of terminating the program.
inline void run_together(int count, const std::function<void(int)>& body) {
    std::latch start_line(count);
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(count));
    {
        std::vector<std::thread> threads;
        // Joined however the block is left, as std::jthreads would be; plain threads so that
        // the tests build with a standard library that has no std::jthread.
        struct JoinAll {
            std::vector<std::thread>& threads;
            ~JoinAll() {
                for (std::thread& thread : threads) thread.join();
            }
        } join_all{threads};
        for (int i = 0; i < count; ++i) {
            threads.emplace_back([&, i] {
                start_line.arrive_and_wait();
                try {
                    body(i);
                } catch (...) {
                    errors[static_cast<std::size_t>(i)] = std::current_exception();
                }
            });
        }
    }  // the threads join here
    for (const std::exception_ptr& error : errors) {
        if (error) std::rethrow_exception(error);
    }
}

}  // namespace course_test
