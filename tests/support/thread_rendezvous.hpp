// thread_rendezvous.hpp: bounded waits that let a test prove threads run at the same time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace course_test {

/// A meeting point for `expected` threads. arrive_and_wait() returns true once all of them
/// have arrived, and false if they have not after `limit`: an implementation that runs the
/// threads one after another then fails the test instead of hanging. Once one thread has
/// given up, the meeting is broken and every later arrival returns false at once, so a
/// sequential implementation fails after one wait, not after one wait per thread.
class Rendezvous {
public:
    explicit Rendezvous(std::size_t expected) : expected_(expected) {}

    bool arrive_and_wait(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        if (broken_) return false;
        if (++arrived_ >= expected_) {
            all_here_.notify_all();
            return true;
        }
        if (all_here_.wait_for(lock, limit, [this] { return arrived_ >= expected_; })) return true;
        broken_ = true;
        return false;
    }

private:
    std::mutex mutex_;
    std::condition_variable all_here_;
    std::size_t expected_;
    std::size_t arrived_ = 0;
    bool broken_ = false;
};

/// A one-shot signal: open() once, and wait_for() tells whether it opened within the limit.
class Gate {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        opened_.notify_all();
    }

    bool wait_for(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        return opened_.wait_for(lock, limit, [this] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

}  // namespace course_test
