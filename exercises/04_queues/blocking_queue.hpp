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
    BlockingQueue() {
        // TODO: nothing to do once the members below have their initial values: remove this
        //       throw (or write `BlockingQueue() = default;`).
        throw std::logic_error("TODO: blocking_queue.hpp: BlockingQueue() is not written yet");
    }
    BlockingQueue(const BlockingQueue&) = delete;
    BlockingQueue& operator=(const BlockingQueue&) = delete;

    /// \brief Adds `item` at the back and wakes one waiting consumer: Python's `q.put(item)`.
    /// Counts one more unfinished task.
    /// \throws QueueClosed when the queue has been closed (the item is not added).
    void put(T item) {
        // TODO: under the mutex: throw QueueClosed if closed, else push the item at the back
        //       and count one more unfinished task.
        // TODO: after unlocking, wake ONE consumer waiting in get().
        throw std::logic_error("TODO: blocking_queue.hpp: put() is not written yet");
    }

    /// \brief Takes the item at the front, waiting while the queue is empty and open:
    /// Python's `q.get()`.
    /// \returns the item, or std::nullopt once the queue is closed and empty.
    std::optional<T> get() {
        // TODO: lock, then wait on a condition variable WITH a predicate: "not empty, or closed".
        // TODO: closed and empty: return std::nullopt; otherwise pop the front item and return it.
        throw std::logic_error("TODO: blocking_queue.hpp: get() is not written yet");
    }

    /// \brief Takes the item at the front if there is one, without waiting: Python's
    /// `q.get_nowait()`, which raises `queue.Empty` where this returns std::nullopt.
    std::optional<T> try_get() {
        // TODO: under the mutex: std::nullopt if empty, else pop and return the front item.
        //       Never wait.
        throw std::logic_error("TODO: blocking_queue.hpp: try_get() is not written yet");
    }

    /// \brief Marks one task taken with get() as finished: Python's `q.task_done()`.
    /// Wakes the threads in join() when it was the last unfinished one.
    /// \throws std::logic_error when called more times than items were put (Python raises
    /// `ValueError`).
    void task_done() {
        // TODO: under the mutex: throw std::logic_error if no task is unfinished, else count
        //       one down.
        // TODO: when the count reaches zero, wake every thread waiting in join().
        throw std::logic_error("TODO: blocking_queue.hpp: task_done() is not written yet");
    }

    /// \brief Blocks until every item ever put has been marked done with task_done():
    /// Python's `q.join()`. Returns at once when there is no unfinished task. An empty queue
    /// is not enough: items taken with get() are unfinished until their task_done().
    void join() {
        // TODO: wait (with a predicate) on a second condition variable until the unfinished
        //       count is zero.
        throw std::logic_error("TODO: blocking_queue.hpp: join() is not written yet");
    }

    /// \brief Closes the queue: Python 3.13's `q.shutdown()`. Later put()s throw QueueClosed;
    /// get() hands out the items still queued, then returns std::nullopt. Wakes every thread
    /// waiting in get(). Closing twice is harmless.
    void close() {
        // TODO: set the closed flag under the mutex, then wake EVERY consumer waiting in get().
        throw std::logic_error("TODO: blocking_queue.hpp: close() is not written yet");
    }

    /// \brief The number of items queued right now: Python's `q.qsize()`. Out of date as soon
    /// as it returns when other threads use the queue; use it for reports, not decisions.
    std::size_t size() const {
        // TODO: return the number of queued items, read under the mutex.
        throw std::logic_error("TODO: blocking_queue.hpp: size() is not written yet");
    }

private:
    // TODO: the state, all guarded by one std::mutex (mutable, for size() const): a std::deque<T>
    //       of items, a condition variable for get() and another for join(), the count of
    //       unfinished tasks and the closed flag.
};

}  // namespace course
