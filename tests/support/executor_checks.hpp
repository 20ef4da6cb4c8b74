// executor_checks.hpp: what the executor-chapter tests share: a bounded rendezvous and bounded waits on futures.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <future>
#include <mutex>

namespace course_test {

using namespace std::chrono_literals;

/// The generous bound on every wait in these tests: a correct executor needs
/// microseconds; a wrong one (tasks run one at a time, a lost wake-up) would block forever.
inline constexpr auto patience = 10s;

/// A latch with a time limit: `arrive_and_wait()` returns true once `expected` threads
/// have arrived, so `expected` tasks pass it only if they all run at the same time. A
/// pool that runs them one by one gets false (after `patience`), not a hang; once one
/// wait has given up, later ones give up at once.
class Rendezvous {
public:
    explicit Rendezvous(std::size_t expected) : expected_(expected) {}

    bool arrive_and_wait() {
        std::unique_lock lock(mutex_);
        ++arrived_;
        everyone_.notify_all();
        if (!given_up_ && !everyone_.wait_for(lock, patience, [this] { return arrived_ >= expected_; })) {
            given_up_ = true;
            everyone_.notify_all();
        }
        return arrived_ >= expected_ && !given_up_;
    }

private:
    std::mutex mutex_;
    std::condition_variable everyone_;
    std::size_t expected_;
    std::size_t arrived_ = 0;
    bool given_up_ = false;
};

/// A gate a task waits at until the test opens it, bounded by `patience`; true when
/// opened in time.
class Gate {
public:
    void open() {
        {
            std::scoped_lock lock(mutex_);
            open_ = true;
        }
        opened_.notify_all();
    }
    bool wait() {
        std::unique_lock lock(mutex_);
        return opened_.wait_for(lock, patience, [this] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

/// True when the future becomes ready within `patience` (a correct pool: at once).
template <class Future>
bool ready_in_time(const Future& future) {
    return future.wait_for(patience) == std::future_status::ready;
}

}  // namespace course_test
