// spsc_ring.hpp: a fixed-capacity queue between exactly one producer thread and one consumer thread, with no lock.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace course {

/// \brief A queue of at most `capacity` items between one producer thread and one consumer
/// thread, with no lock and no waiting: a ring of slots and two indices.
///
/// The producer owns the tail index (items pushed so far) and the consumer owns the head
/// index (items popped so far); each index has one writer, so no compare-exchange is
/// needed. Item number n lives in slot n % capacity. The indices hand the slots back and
/// forth: the producer's release store of the tail publishes a filled slot to the
/// consumer's acquire load; the consumer's release store of the head hands an emptied slot
/// back to the producer's acquire load, so that the producer never overwrites an item the
/// consumer is still reading.
///
/// Python mirror: `queue.Queue(maxsize=capacity)` with `put_nowait` and `get_nowait`
/// (which raise `queue.Full` and `queue.Empty` where these return false and nothing), minus
/// its lock: Python has no lock-free queue, and with the GIL it could not run the two sides
/// at the same time anyway.
///
/// Thread-safety: exactly one thread calls try_push() (the producer) and exactly one
/// thread calls try_pop() (the consumer), possibly at the same time; two producers or two
/// consumers are a data race. capacity() may be called by anyone.
///
/// \code
/// course::SpscRing<std::string> ring(64);
/// std::jthread producer([&] { for (int i = 0; i < 100; ++i) while
/// (!ring.try_push(std::to_string(i))) {} }); for (int received = 0; received < 100;)
///     if (std::optional<std::string> line = ring.try_pop()) ++received;   // "0", "1", ... in
///     order
/// \endcode
template <typename T>
class SpscRing {
public:
    /// \brief An empty ring that holds up to `capacity` items; any capacity from 1 up, not
    /// only powers of two. `T` needs no default constructor and may be move-only.
    /// \throws std::invalid_argument when `capacity` is 0.
    explicit SpscRing(std::size_t capacity) {
        // TODO: reject a capacity of 0; make `capacity` empty slots.
        throw std::logic_error("TODO: spsc_ring.hpp: SpscRing is not written yet");
    }

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    /// \brief The most items the ring holds at once.
    std::size_t capacity() const noexcept {
        // TODO: the number of slots.
        return 0;
    }

    /// \brief Producer only: appends an item made from `value` (moved from an rvalue,
    /// copied from an lvalue), when there is room.
    /// \returns true when the item was added; false when the ring holds `capacity()` items,
    ///          in which case `value` is left untouched (a move-only value is not lost).
    template <typename U>
    bool try_push(U&& value) {
        // TODO: full when (items pushed) - (items popped) == capacity: return false without
        //       touching `value`. Otherwise construct the item in slot (items pushed) % capacity,
        //       then publish it by advancing the push count. Which loads and stores need
        //       acquire and release? (The class comment says.)
        throw std::logic_error("TODO: spsc_ring.hpp: try_push() is not written yet");
    }

    /// \brief Consumer only: removes the oldest item.
    /// \returns the item, moved out of the ring, or nothing when the ring is empty. Items
    ///          come out in the order they were pushed. The ring keeps nothing of a popped
    ///          item: its slot is emptied (the moved-from object destroyed) at once.
    std::optional<T> try_pop() {
        // TODO: empty when both counts are equal. Otherwise move the item out of slot
        //       (items popped) % capacity, empty the slot, and only then advance the pop count.
        throw std::logic_error("TODO: spsc_ring.hpp: try_pop() is not written yet");
    }

private:
    // TODO: the slots (a std::vector<std::optional<T>>: a slot may be empty, and T needs no
    //       default constructor), and two std::atomic<std::size_t> counters that only grow:
    //       the items popped (written by the consumer alone) and the items pushed (written
    //       by the producer alone).
};

}  // namespace course
