// latch_from_atomics.hpp: std::latch rebuilt from one atomic counter, compare-exchange and atomic wait/notify.
#pragma once

#include <atomic>
#include <stdexcept>

namespace course {

/// \brief A single-use countdown: threads count it down, and wait() blocks until it reaches
/// zero. It is `std::latch`, built from one `std::atomic<int>`: a compare-exchange loop to
/// count down, and C++20's atomic `wait` and `notify_all` to sleep until zero with no
/// mutex and no condition variable.
///
/// Typical uses: "wait for all" (the main thread waits until N workers have each counted
/// down once) and "start together" (N threads call arrive_and_wait() and leave together).
///
/// Python mirror: Python has no latch; `threading.Barrier(n)` is the nearest (but it is
/// reusable and every party must wait), and "wait for all" is usually a `join()` per
/// thread or a `threading.Event` set by the last worker.
///
/// Memory: everything a thread did before its count_down() (or arrive_and_wait()) happens
/// before every return of wait(), and every try_wait() that returns true: the results that
/// workers wrote into plain variables may be read right after wait() returns.
///
/// Thread-safety: every member may be called by any number of threads at the same time.
///
/// \code
/// std::vector<int> results(4);
/// course::Latch done(4);
/// std::vector<std::jthread> workers;
/// for (int i = 0; i < 4; ++i) workers.emplace_back([&, i] { results[i] = i * i; done.count_down();
/// }); done.wait();                 // every results[i] is written and visible here \endcode
class Latch {
public:
    /// \brief A latch that opens after `expected` counts; 0 makes one that is open already.
    /// \throws std::invalid_argument when `expected` is negative.
    explicit Latch(int expected) : count_(expected) {
        if (expected < 0) throw std::invalid_argument("Latch: the count must not be negative");
    }

    Latch(const Latch&) = delete;
    Latch& operator=(const Latch&) = delete;

    /// \brief Counts down by `n` without waiting; the count that reaches zero wakes every
    /// waiting thread.
    /// \throws std::invalid_argument when `n` is negative; std::logic_error when `n` is
    ///         larger than the count left (the count is then unchanged: a latch never goes
    ///         below zero).
    void count_down(int n = 1) {
        if (n < 0) throw std::invalid_argument("Latch::count_down: n must not be negative");
        int left = count_.load(std::memory_order_relaxed);
        do {
            if (n > left) throw std::logic_error("Latch::count_down: more counts than are left");
            // release on success: this thread's earlier writes go with the count, and reach
            // whoever sees zero with an acquire load (the decrements form one release sequence).
        } while (!count_.compare_exchange_weak(left, left - n, std::memory_order_release,
                                               std::memory_order_relaxed));
        // Only the step to zero wakes anyone: waiters sleep until the count is zero.
        if (left == n && n > 0) count_.notify_all();
    }

    /// \brief True when the count has reached zero; never blocks.
    bool try_wait() const noexcept { return count_.load(std::memory_order_acquire) == 0; }

    /// \brief Blocks until the count reaches zero, asleep (in the kernel, through atomic
    /// wait), not spinning; returns at once if it is zero already.
    void wait() const {
        int left = count_.load(std::memory_order_acquire);
        while (left != 0) {
            // Sleeps while the count still equals `left`, and returns when it has changed
            // (it may change to another non-zero value, hence the loop).
            count_.wait(left, std::memory_order_acquire);
            left = count_.load(std::memory_order_acquire);
        }
    }

    /// \brief count_down(n), then wait(): "start together" in one call.
    /// \throws the same as count_down(), before waiting.
    void arrive_and_wait(int n = 1) {
        count_down(n);
        wait();
    }

private:
    // An int on purpose: on Linux, waiting on a 4-byte atomic is a futex on its own address,
    // and notify_all wakes exactly the threads waiting on it.
    std::atomic<int> count_;
};

}  // namespace course
