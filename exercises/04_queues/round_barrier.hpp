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
    explicit RoundBarrier(std::ptrdiff_t parties, std::function<void()> on_round_end = {}) {
        // TODO: reject fewer than one party; keep the parties, the arrivals still missing in
        //       this round, and the completion step.
        throw std::logic_error("TODO: round_barrier.hpp: RoundBarrier is not written yet");
    }

    RoundBarrier(const RoundBarrier&) = delete;
    RoundBarrier& operator=(const RoundBarrier&) = delete;

    /// \brief Arrives for the current round and blocks until every party has arrived and
    /// the completion step has run.
    /// \returns the number of the round that ended (0 for the first): the same for every
    /// party of a round, one more in each round.
    std::size_t arrive_and_wait() {
        // TODO: under the lock, note the current round and count this arrival. The last
        //       arrival ends the round; every other one waits until the round number has
        //       changed (not until some count comes back: it is reset for the next round at once).
        throw std::logic_error("TODO: round_barrier.hpp: arrive_and_wait() is not written yet");
    }

    /// \brief Arrives for the current round and leaves the group for good, without waiting:
    /// later rounds wait for one party less. When this arrival is the last one the round
    /// needed, it ends the round (and runs the completion step).
    void arrive_and_drop() {
        // TODO: one party less for the coming rounds, and one arrival for this one, which may
        //       be the arrival that ends it.
        throw std::logic_error("TODO: round_barrier.hpp: arrive_and_drop() is not written yet");
    }

private:
    // TODO: a std::mutex and a std::condition_variable; the parties of the coming rounds,
    //       the arrivals still missing in this round, the number of the round in progress,
    //       and the completion step. A helper that ends a round (with the lock held) runs
    //       the completion step, gets the next round ready and wakes the waiting parties.
};

}  // namespace course
