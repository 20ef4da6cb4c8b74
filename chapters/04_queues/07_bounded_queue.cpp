// 07_bounded_queue.cpp: a bounded queue and back-pressure: put() blocks when full, try_put() and put_for() give up (Python's Queue(maxsize), put_nowait, put(timeout=)).
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Two conditions, two condition variables: producers wait for "not full",
// consumers wait for "not empty". Each side wakes the other.
template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

    // Python: q.put(item). Blocks while the queue is full: this is the back-pressure
    // that keeps a fast producer from piling up unbounded memory.
    void put(T value) {
        std::unique_lock lock(mutex_);
        if (items_.size() == capacity_) ++puts_that_waited_;
        not_full_.wait(lock, [this] { return items_.size() < capacity_; });
        push_locked(std::move(value), lock);
    }

    // Python: q.put_nowait(item), which raises queue.Full; we return false instead.
    bool try_put(T value) {
        std::unique_lock lock(mutex_);
        if (items_.size() == capacity_) return false;
        push_locked(std::move(value), lock);
        return true;
    }

    // Python: q.put(item, timeout=0.05). wait_for with a predicate returns false on timeout.
    bool put_for(T value, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!not_full_.wait_for(lock, timeout, [this] { return items_.size() < capacity_; }))
            return false;
        push_locked(std::move(value), lock);
        return true;
    }

    T get() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [this] { return !items_.empty(); });
        return pop_locked(lock);
    }

    // A deadline instead of a duration: several waits can share one deadline.
    std::optional<T> get_until(Clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        if (!not_empty_.wait_until(lock, deadline, [this] { return !items_.empty(); }))
            return std::nullopt;
        return pop_locked(lock);
    }

    std::size_t largest_size_seen() {
        std::lock_guard lock(mutex_);
        return largest_;
    }
    long puts_that_waited() {
        std::lock_guard lock(mutex_);
        return puts_that_waited_;
    }

private:
    void push_locked(T value, std::unique_lock<std::mutex>& lock) {
        items_.push_back(std::move(value));
        if (items_.size() > largest_) largest_ = items_.size();
        lock.unlock();
        not_empty_.notify_one();
    }
    T pop_locked(std::unique_lock<std::mutex>& lock) {
        T value = std::move(items_.front());
        items_.pop_front();
        lock.unlock();
        not_full_.notify_one();  // a slot is free: wake one blocked producer
        return value;
    }

    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable not_full_;
    std::condition_variable not_empty_;
    std::deque<T> items_;
    std::size_t largest_ = 0;
    long puts_that_waited_ = 0;
};

long ms_since(Clock::time_point start) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

int main() {
    // 1. A fast producer and a slow consumer (we sleep 2 ms per item to simulate its work).
    {
        BoundedQueue<int> queue(4);
        const auto start = Clock::now();
        std::jthread consumer([&queue] {
            for (int i = 0; i < 40; ++i) {
                queue.get();
                std::this_thread::sleep_for(2ms);
            }
        });
        for (int i = 0; i < 40; ++i) queue.put(i);
        std::cout << "producer: 40 puts done after " << ms_since(start) << " ms; "
                  << queue.puts_that_waited() << " of them blocked on a full queue\n";
        std::cout << "largest size seen: " << queue.largest_size_seen()
                  << " (capacity 4): the consumer sets the pace, memory stays bounded\n";
    }

    // 2. A full queue with no consumer: the non-blocking and the timed put give up.
    BoundedQueue<int> full(2);
    full.put(1);
    full.put(2);
    std::cout << "try_put on a full queue: " << std::boolalpha << full.try_put(3)
              << " (Python would raise queue.Full)\n";
    auto start = Clock::now();
    const bool put = full.put_for(3, 50ms);
    std::cout << "put_for(50 ms) on a full queue: " << put << " after " << ms_since(start)
              << " ms\n";

    // 3. The same on the consumer side, with a deadline.
    BoundedQueue<int> empty(2);
    start = Clock::now();
    const std::optional<int> item = empty.get_until(start + 30ms);
    std::cout << "get_until(now + 30 ms) on an empty queue: " << (item ? "an item" : "nothing")
              << " after " << ms_since(start) << " ms\n";
}

// Output of one run (the times and the number of blocked puts vary from run to run):
//
//   $ ./07_bounded_queue
//   producer: 40 puts done after <n> ms; <n> of them blocked on a full queue
//   largest size seen: 4 (capacity 4): the consumer sets the pace, memory stays bounded
//   try_put on a full queue: false (Python would raise queue.Full)
//   put_for(50 ms) on a full queue: false after <n> ms
//   get_until(now + 30 ms) on an empty queue: nothing after <n> ms
