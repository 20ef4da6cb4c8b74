// lock_checks.hpp: helpers the lock-chapter tests share (threads started together, bounded meetings).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace course_test {

/// Runs body(i) for i in [0, threads) on that many threads, released together by one latch
/// so that they really overlap, and waits for all of them. An exception escaping a body (an
/// unwritten stub throws) is carried back and rethrown here, in the test's own thread,
/// instead of terminating the test program.
inline void run_together(int threads, const std::function<void(int)>& body) {
    std::latch start_line(threads);
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    {
        std::vector<std::jthread> workers;
        for (int i = 0; i < threads; ++i) {
            workers.emplace_back([&, i] {
                start_line.arrive_and_wait();
                try {
                    body(i);
                } catch (...) {
                    errors[static_cast<std::size_t>(i)] = std::current_exception();
                }
            });
        }
    }  // the jthreads join here
    for (const std::exception_ptr& error : errors) {
        if (error) std::rethrow_exception(error);
    }
}

/// A one-shot signal with a bounded wait: a test waits for something that a wrong
/// implementation may never let happen, and gives up (returning false) instead of hanging.
class Signal {
public:
    void raise() {
        {
            std::lock_guard lock(mutex_);
            raised_ = true;
        }
        changed_.notify_all();
    }
    bool wait_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [this] { return raised_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool raised_ = false;
};

/// A meeting of `parties` threads with a bounded wait: each arrives and waits until all
/// have arrived. It only completes when they are all inside at the same time, which is how
/// a test proves that something runs in parallel. false means somebody never came; the
/// first thread to give up ends the meeting for everyone, so that a wrong implementation
/// fails after one timeout instead of one per thread.
class Meeting {
public:
    explicit Meeting(int parties) : parties_(parties) {}
    bool arrive_and_wait_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (++arrived_ == parties_) changed_.notify_all();
        const bool all_came =
            changed_.wait_for(lock, timeout, [this] { return arrived_ >= parties_ || abandoned_; }) &&
            arrived_ >= parties_;
        if (!all_came && !abandoned_) {
            abandoned_ = true;
            changed_.notify_all();
        }
        return all_came;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int parties_;
    int arrived_ = 0;
    bool abandoned_ = false;
};

}  // namespace course_test
