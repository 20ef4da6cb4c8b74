// deadlock_test_threads.hpp: thread helpers the deadlock-chapter tests share (start together, meet with a bound).
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace course_test {

/// Runs body(0) ... body(count - 1), each in a thread of its own, all released at the same
/// moment by a latch so that they really overlap, and joins them all. An exception escaping
/// a body is caught in its thread; the text of the first one is returned ("" when none),
/// so that a stub that throws fails the test instead of terminating the test program.
inline std::string run_together(int count, const std::function<void(int)>& body) {
    std::latch start(count);
    std::mutex mutex;
    std::string first_error;
    {
        std::vector<std::jthread> threads;
        for (int i = 0; i < count; ++i) {
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                try {
                    body(i);
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    if (first_error.empty()) first_error = std::string("thread ") + std::to_string(i) + ": " + e.what();
                } catch (...) {
                    std::lock_guard lock(mutex);
                    if (first_error.empty()) first_error = "thread " + std::to_string(i) + ": unknown exception";
                }
            });
        }
    }  // the jthreads join here
    return first_error;
}

/// A meeting point for `parties` threads that gives up after a bound instead of waiting
/// forever, so that an implementation which never lets them meet fails rather than hangs.
class Rendezvous {
public:
    explicit Rendezvous(int parties) : parties_(parties) {}

    /// Arrives and waits until all the parties have arrived, or `bound` has passed.
    /// \returns true when everybody met.
    bool arrive_and_wait_for(std::chrono::milliseconds bound) {
        std::unique_lock lock(mutex_);
        ++arrived_;
        changed_.notify_all();
        changed_.wait_for(lock, bound, [&] { return arrived_ >= parties_ || abandoned_; });
        return arrived_ >= parties_;
    }

    /// Gives up the meeting: everybody waiting, or arriving later, returns false at once.
    /// For a thread that leaves early (an exception), so that the others need not wait out
    /// the bound.
    void abandon() {
        std::lock_guard lock(mutex_);
        abandoned_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    const int parties_;
    int arrived_ = 0;
    bool abandoned_ = false;
};

}  // namespace course_test
