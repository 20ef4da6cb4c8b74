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
    explicit SpscRing(std::size_t capacity) : slots_(check(capacity)) {}

    SpscRing(const SpscRing&) = delete;
    SpscRing& operator=(const SpscRing&) = delete;

    /// \brief The most items the ring holds at once.
    std::size_t capacity() const noexcept { return slots_.size(); }

    /// \brief Producer only: appends an item made from `value` (moved from an rvalue,
    /// copied from an lvalue), when there is room.
    /// \returns true when the item was added; false when the ring holds `capacity()` items,
    ///          in which case `value` is left untouched (a move-only value is not lost).
    template <typename U>
    bool try_push(U&& value) {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);  // only we write it
        // acquire: pairs with the consumer's release of head_, so the slot we reuse is done with.
        if (tail - head_.load(std::memory_order_acquire) == slots_.size()) return false;
        slots_[tail % slots_.size()].emplace(std::forward<U>(value));
        // release: the filled slot is visible to the consumer that sees tail + 1.
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }

    /// \brief Consumer only: removes the oldest item.
    /// \returns the item, moved out of the ring, or nothing when the ring is empty. Items
    ///          come out in the order they were pushed. The ring keeps nothing of a popped
    ///          item: its slot is emptied (the moved-from object destroyed) at once.
    std::optional<T> try_pop() {
        const std::size_t head = head_.load(std::memory_order_relaxed);  // only we write it
        // acquire: pairs with the producer's release of tail_, so the slot's item is complete.
        if (head == tail_.load(std::memory_order_acquire)) return std::nullopt;
        std::optional<T>& slot = slots_[head % slots_.size()];
        std::optional<T> item(std::move(slot));
        slot.reset();
        // release: we are done with the slot before the producer may fill it again.
        head_.store(head + 1, std::memory_order_release);
        return item;
    }

private:
    static std::size_t check(std::size_t capacity) {
        if (capacity == 0) throw std::invalid_argument("SpscRing: the capacity must be at least 1");
        return capacity;
    }

    std::vector<std::optional<T>> slots_;
    // Counters that only grow (a std::size_t does not wrap in any real run); on separate
    // cache lines of 64 bytes, because each is written by a different thread (chapter 08,
    // example 05, which also shows the standard's name for that size).
    alignas(64) std::atomic<std::size_t> head_{0};  // items popped: written by the consumer
    alignas(64) std::atomic<std::size_t> tail_{0};  // items pushed: written by the producer
};

}  // namespace course
