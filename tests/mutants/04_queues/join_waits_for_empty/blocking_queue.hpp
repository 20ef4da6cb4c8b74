// blocking_queue.hpp: Python's queue.Queue in C++: a blocking get, task_done and join, and close.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

namespace course {

/// Thrown by BlockingQueue::put() on a closed queue: the mirror of Python's `queue.ShutDown`.
struct QueueClosed : std::runtime_error {
    QueueClosed() : std::runtime_error("put() on a closed queue") {}
};

/// \brief An unbounded first-in, first-out queue that threads share: the C++ mirror of
/// Python's `queue.Queue` (with Python 3.13's `shutdown()`, here called close()).
///
/// Producers put() items; consumers get() them, sleeping while the queue is empty. As in
/// Python, the queue also counts unfinished tasks: each put() adds one, each task_done()
/// removes one, and join() blocks until the count is back to zero, that is until every item
/// ever put has been taken *and* marked done. close() ends the queue: no more put()s, and
/// get() returns std::nullopt once the items already queued have been taken.
///
/// Thread-safety: every member may be called from any number of threads at once.
///
/// \code
/// course::BlockingQueue<int> jobs;
/// std::thread worker([&] {
///     while (std::optional<int> job = jobs.get()) {  // nullopt: closed and drained
///         handle(*job);
///         jobs.task_done();
///     }
/// });
/// for (int i = 0; i < 10; ++i) jobs.put(i);
/// jobs.join();   // every job handled
/// jobs.close();  // the worker's get() returns nullopt
/// worker.join();
/// \endcode
template <typename T>
class BlockingQueue {
public:
    /// An empty, open queue with no unfinished task.
    BlockingQueue() = default;
    BlockingQueue(const BlockingQueue&) = delete;
    BlockingQueue& operator=(const BlockingQueue&) = delete;

    /// \brief Adds `item` at the back and wakes one waiting consumer: Python's `q.put(item)`.
    /// Counts one more unfinished task.
    /// \throws QueueClosed when the queue has been closed (the item is not added).
    void put(T item) {
        {
            std::lock_guard lock(mutex_);
            if (closed_) throw QueueClosed();
            items_.push_back(std::move(item));
            ++unfinished_;
        }
        // One item feeds one consumer: waking one is enough.
        not_empty_or_closed_.notify_one();
    }

    /// \brief Takes the item at the front, waiting while the queue is empty and open:
    /// Python's `q.get()`.
    /// \returns the item, or std::nullopt once the queue is closed and empty.
    std::optional<T> get() {
        std::unique_lock lock(mutex_);
        // The predicate re-checks after every wake-up: spurious and stolen wake-ups are harmless.
        not_empty_or_closed_.wait(lock, [this] { return !items_.empty() || closed_; });
        if (items_.empty()) return std::nullopt;  // closed and drained
        return pop_front_locked();
    }

    /// \brief Takes the item at the front if there is one, without waiting: Python's
    /// `q.get_nowait()`, which raises `queue.Empty` where this returns std::nullopt.
    std::optional<T> try_get() {
        std::lock_guard lock(mutex_);
        if (items_.empty()) return std::nullopt;
        return pop_front_locked();
    }

    /// \brief Marks one task taken with get() as finished: Python's `q.task_done()`.
    /// Wakes the threads in join() when it was the last unfinished one.
    /// \throws std::logic_error when called more times than items were put (Python raises
    /// `ValueError`).
    void task_done() {
        std::lock_guard lock(mutex_);
        if (unfinished_ == 0) throw std::logic_error("task_done() called more times than put()");
        if (--unfinished_ == 0) all_done_.notify_all();
    }

    /// \brief Blocks until every item ever put has been marked done with task_done():
    /// Python's `q.join()`. Returns at once when there is no unfinished task. An empty queue
    /// is not enough: items taken with get() are unfinished until their task_done().
    void join() {
        std::unique_lock lock(mutex_);
        all_done_.wait(lock, [this] { return items_.empty(); });
    }

    /// \brief Closes the queue: Python 3.13's `q.shutdown()`. Later put()s throw QueueClosed;
    /// get() hands out the items still queued, then returns std::nullopt. Wakes every thread
    /// waiting in get(). Closing twice is harmless.
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        // Every waiting consumer must learn that no item will come: notify_one would wake one.
        not_empty_or_closed_.notify_all();
    }

    /// \brief The number of items queued right now: Python's `q.qsize()`. Out of date as soon
    /// as it returns when other threads use the queue; use it for reports, not decisions.
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }

private:
    T pop_front_locked() {
        T item = std::move(items_.front());
        items_.pop_front();
        return item;
    }

    mutable std::mutex mutex_;
    std::condition_variable not_empty_or_closed_;  // get() waits here
    std::condition_variable all_done_;             // join() waits here
    std::deque<T> items_;
    std::size_t unfinished_ = 0;
    bool closed_ = false;
};

}  // namespace course
