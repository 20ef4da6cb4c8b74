// round_barrier.hpp: a reusable barrier with a completion step, built on a mutex and a condition variable (what std::barrier does).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace course {

/// \brief A meeting point for a group of threads, used round after round: each round ends
/// when every party has arrived; the last to arrive runs the completion step, and then all
/// of them leave together and the next round begins. Python's
/// `threading.Barrier(parties, action=on_round_end)`, and C++20's `std::barrier`, built
/// here from one mutex and one condition variable.
///
/// The rounds are numbered from 0. A waiter waits for the round number to change, not for
/// the count of arrivals: the last arrival resets that count for the next round at once,
/// and a fast thread may arrive again before a slow one has even woken up.
///
/// Thread-safety: any number of threads call arrive_and_wait() and arrive_and_drop() at
/// the same time; in each round, the number of arrivals is the number of parties (those
/// that have not dropped out). The completion step runs under the barrier's lock, in the
/// last arriving thread, after every party of the round has arrived and before any of them
/// is released: everything the parties wrote before arriving is visible to it, and
/// everything it writes is visible to every party after arrive_and_wait() returns. Like
/// std::barrier's, it must not throw, and must not call the barrier itself.
///
/// \code
/// std::vector<int> cells = ..., next(cells.size());
/// course::RoundBarrier sync(4, [&] { cells.swap(next); });  // once per round, all stopped
/// // each of 4 threads: for (int r = 0; r < rounds; ++r) { compute my part of next;
/// sync.arrive_and_wait(); } \endcode
class RoundBarrier {
public:
    /// \brief A barrier for `parties` threads; `on_round_end` (may be empty) runs once at
    /// the end of every round.
    /// \throws std::invalid_argument when `parties` is less than 1.
    explicit RoundBarrier(std::ptrdiff_t parties, std::function<void()> on_round_end = {})
        : parties_(parties), waiting_(parties), on_round_end_(std::move(on_round_end)) {
        if (parties < 1) throw std::invalid_argument("RoundBarrier: at least one party");
    }

    RoundBarrier(const RoundBarrier&) = delete;
    RoundBarrier& operator=(const RoundBarrier&) = delete;

    /// \brief Arrives for the current round and blocks until every party has arrived and
    /// the completion step has run.
    /// \returns the number of the round that ended (0 for the first): the same for every
    /// party of a round, one more in each round.
    std::size_t arrive_and_wait() {
        std::unique_lock lock(mutex_);
        const std::size_t round = round_;
        if (--waiting_ == 0) {
            end_round();
            return round;
        }
        round_ended_.wait(lock, [this, round] { return round_ != round; });
        return round;
    }

    /// \brief Arrives for the current round and leaves the group for good, without waiting:
    /// later rounds wait for one party less. When this arrival is the last one the round
    /// needed, it ends the round (and runs the completion step).
    void arrive_and_drop() {
        std::lock_guard lock(mutex_);
        --parties_;
        if (--waiting_ == 0) end_round();
    }

private:
    // Called with mutex_ held, by the arrival that completes the round.
    void end_round() {
        if (on_round_end_) on_round_end_();
        waiting_ = parties_;
        ++round_;
        round_ended_.notify_all();  // every party of the round must leave
    }

    std::mutex mutex_;
    std::condition_variable round_ended_;
    std::ptrdiff_t parties_;  // the parties of the coming rounds
    std::ptrdiff_t waiting_;  // arrivals still missing in this round
    std::size_t round_ = 0;   // the round in progress
    std::function<void()> on_round_end_;
};

}  // namespace course
