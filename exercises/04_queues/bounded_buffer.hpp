// bounded_buffer.hpp: Queue(maxsize): put() blocks while full (back-pressure); timed put and get.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

namespace course {

/// \brief A first-in, first-out buffer that never holds more than `capacity` items: the
/// C++ mirror of Python's `queue.Queue(maxsize=capacity)`.
///
/// put() blocks while the buffer is full, so a fast producer is held to the pace of its
/// consumers (back-pressure) and memory stays bounded; get() blocks while it is empty.
/// try_put_for() and try_get_for() give up after a timeout, like Python's
/// `q.put(item, timeout=...)` and `q.get(timeout=...)`, which raise `queue.Full` and
/// `queue.Empty` where these return `false` and `std::nullopt`.
///
/// Thread-safety: every member may be called from any number of threads at once.
///
/// \code
/// course::BoundedBuffer<std::string> lines(64);   // at most 64 lines in memory
/// std::thread reader([&] { for (auto& line : read_lines(file)) lines.put(line); });
/// for (int i = 0; i < count; ++i) process(lines.get());
/// if (!lines.try_put_for("late", std::chrono::milliseconds(10))) { /* full for 10 ms */ }
/// \endcode
template <typename T>
class BoundedBuffer {
public:
    /// \brief An empty buffer that holds at most `capacity` items.
    /// \throws std::invalid_argument when `capacity` is 0 (nothing could ever be put).
    explicit BoundedBuffer(std::size_t capacity) {
        // TODO: reject a capacity of 0 with std::invalid_argument, keep the capacity, and remove
        //       this throw.
        throw std::logic_error("TODO: bounded_buffer.hpp: the constructor is not written yet");
    }
    BoundedBuffer(const BoundedBuffer&) = delete;
    BoundedBuffer& operator=(const BoundedBuffer&) = delete;

    /// \brief Adds `item` at the back, first waiting as long as the buffer is full: Python's
    /// `q.put(item)`. Wakes one consumer waiting in get().
    void put(T item) {
        // TODO: lock; wait on the "not full" condition variable, with a predicate, until there
        //       is room.
        // TODO: push the item at the back, unlock, and wake ONE consumer waiting for "not empty".
        throw std::logic_error("TODO: bounded_buffer.hpp: put() is not written yet");
    }

    /// \brief Takes the item at the front, first waiting as long as the buffer is empty:
    /// Python's `q.get()`. Wakes one producer waiting in put().
    T get() {
        // TODO: lock; wait on the "not empty" condition variable, with a predicate, until there
        //       is an item.
        // TODO: pop the front item, unlock, wake ONE producer waiting for "not full", and
        //       return the item.
        throw std::logic_error("TODO: bounded_buffer.hpp: get() is not written yet");
    }

    /// \brief Like put(), but waits for room at most `timeout`: Python's
    /// `q.put(item, timeout=...)`. A zero timeout never waits (`q.put_nowait(item)`).
    /// \returns true when the item was added; false when the buffer stayed full (the item
    /// is then dropped).
    bool try_put_for(T item, std::chrono::milliseconds timeout) {
        // TODO: as put(), but with wait_for(lock, timeout, predicate): it returns false on a
        //       timeout.
        throw std::logic_error("TODO: bounded_buffer.hpp: try_put_for() is not written yet");
    }

    /// \brief Like get(), but waits for an item at most `timeout`: Python's
    /// `q.get(timeout=...)`. A zero timeout never waits (`q.get_nowait()`).
    /// \returns the item, or std::nullopt when the buffer stayed empty.
    std::optional<T> try_get_for(std::chrono::milliseconds timeout) {
        // TODO: as get(), but with wait_for(lock, timeout, predicate); std::nullopt on a timeout.
        throw std::logic_error("TODO: bounded_buffer.hpp: try_get_for() is not written yet");
    }

    /// \brief The number of items held right now, never more than capacity(): Python's
    /// `q.qsize()`. Out of date as soon as it returns when other threads use the buffer.
    std::size_t size() const {
        // TODO: return the number of items held, read under the mutex.
        throw std::logic_error("TODO: bounded_buffer.hpp: size() is not written yet");
    }

    /// The most items the buffer ever holds: Python's `q.maxsize`.
    std::size_t capacity() const {
        // TODO: return the capacity given to the constructor.
        throw std::logic_error("TODO: bounded_buffer.hpp: capacity() is not written yet");
    }

private:
    // TODO: the state: the capacity, one std::mutex (mutable, for size() const), a std::deque<T>,
    //       and two condition variables: producers wait for "not full", consumers for "not empty".
};

}  // namespace course
