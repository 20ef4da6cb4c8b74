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
    explicit BoundedBuffer(std::size_t capacity) : capacity_(capacity) {
        if (capacity == 0) throw std::invalid_argument("BoundedBuffer: capacity must be 1 or more");
    }
    BoundedBuffer(const BoundedBuffer&) = delete;
    BoundedBuffer& operator=(const BoundedBuffer&) = delete;

    /// \brief Adds `item` at the back, first waiting as long as the buffer is full: Python's
    /// `q.put(item)`. Wakes one consumer waiting in get().
    void put(T item) {
        std::unique_lock lock(mutex_);
        push_back_and_notify(std::move(item), lock);
    }

    /// \brief Takes the item at the front, first waiting as long as the buffer is empty:
    /// Python's `q.get()`. Wakes one producer waiting in put().
    T get() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [this] { return !items_.empty(); });
        return pop_front_and_notify(lock);
    }

    /// \brief Like put(), but waits for room at most `timeout`: Python's
    /// `q.put(item, timeout=...)`. A zero timeout never waits (`q.put_nowait(item)`).
    /// \returns true when the item was added; false when the buffer stayed full (the item
    /// is then dropped).
    bool try_put_for(T item, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!not_full_.wait_for(lock, timeout, [this] { return items_.size() < capacity_; }))
            return false;
        push_back_and_notify(std::move(item), lock);
        return true;
    }

    /// \brief Like get(), but waits for an item at most `timeout`: Python's
    /// `q.get(timeout=...)`. A zero timeout never waits (`q.get_nowait()`).
    /// \returns the item, or std::nullopt when the buffer stayed empty.
    std::optional<T> try_get_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!not_empty_.wait_for(lock, timeout, [this] { return !items_.empty(); }))
            return std::nullopt;
        return pop_front_and_notify(lock);
    }

    /// \brief The number of items held right now, never more than capacity(): Python's
    /// `q.qsize()`. Out of date as soon as it returns when other threads use the buffer.
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }

    /// The most items the buffer ever holds: Python's `q.maxsize`.
    std::size_t capacity() const { return capacity_; }

private:
    void push_back_and_notify(T item, std::unique_lock<std::mutex>& lock) {
        items_.push_back(std::move(item));
        lock.unlock();
        not_empty_.notify_one();  // one item for one consumer
    }

    T pop_front_and_notify(std::unique_lock<std::mutex>& lock) {
        T item = std::move(items_.front());
        items_.pop_front();
        lock.unlock();
        not_full_.notify_one();  // one free slot for one producer
        return item;
    }

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable not_full_;   // producers wait here
    std::condition_variable not_empty_;  // consumers wait here
    std::deque<T> items_;
};

}  // namespace course
