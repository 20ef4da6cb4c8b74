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
    explicit Latch(int expected) {
        // TODO: reject a negative count; start the counter at `expected`.
        throw std::logic_error("TODO: latch_from_atomics.hpp: Latch is not written yet");
    }

    Latch(const Latch&) = delete;
    Latch& operator=(const Latch&) = delete;

    /// \brief Counts down by `n` without waiting; the count that reaches zero wakes every
    /// waiting thread.
    /// \throws std::invalid_argument when `n` is negative; std::logic_error when `n` is
    ///         larger than the count left (the count is then unchanged: a latch never goes
    ///         below zero).
    void count_down(int n = 1) {
        // TODO: a compare-exchange loop that subtracts n only when n is not more than the
        //       count left (check inside the loop: another thread may count down meanwhile),
        //       with release on success; then wake the waiters if the count reached zero.
        throw std::logic_error("TODO: latch_from_atomics.hpp: count_down() is not written yet");
    }

    /// \brief True when the count has reached zero; never blocks.
    bool try_wait() const noexcept {
        // TODO: an acquire load of the count.
        return false;
    }

    /// \brief Blocks until the count reaches zero, asleep (in the kernel, through atomic
    /// wait), not spinning; returns at once if it is zero already.
    void wait() const {
        // TODO: while the count (loaded with acquire) is not zero, sleep with
        //       count_.wait(value_seen): it returns once the count differs from value_seen.
        throw std::logic_error("TODO: latch_from_atomics.hpp: wait() is not written yet");
    }

    /// \brief count_down(n), then wait(): "start together" in one call.
    /// \throws the same as count_down(), before waiting.
    void arrive_and_wait(int n = 1) {
        // TODO: count down, then wait.
        throw std::logic_error(
            "TODO: latch_from_atomics.hpp: arrive_and_wait() is not written yet");
    }

private:
    // TODO: the count, a std::atomic<int>. (An int on purpose: on Linux, waiting on a 4-byte
    //       atomic is a futex on its own address; other sizes share a slot with other atomics.)
};

}  // namespace course
