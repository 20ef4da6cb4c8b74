// as_completed.hpp: Future.done(), concurrent.futures.as_completed() and wait() for std::future.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <future>
#include <optional>
#include <stdexcept>
#include <vector>

namespace course {

/// \brief True when the future's result (a value or an exception) is there, so that `get()`
/// would not wait: Python's `Future.done()`.
///
/// Never blocks: a zero-length `wait_for`. Works for `std::future` and `std::shared_future`.
/// A deferred `std::async` future is never done by this test (it runs only at `get()`).
/// \pre `future.valid()`.
///
/// \code
/// std::future<int> f = pool.submit(slow_square, 4);
/// if (!course::done(f)) std::cout << "still working\n";
/// \endcode
template <class Future>
bool done(const Future& future) {
    future.wait();  // "is it done?" answered by waiting until it is
    return true;
}

/// \brief Hands out the indexes of a set of futures in the order they finish, one per
/// `next()`: Python's `for f in as_completed(fs):`.
///
/// C++20 has no "wait for any of these futures" (no `when_any`), so `next()` looks at
/// every future not handed out yet with `done()`, and when none is ready, waits a short,
/// growing slice on one of them (at most a millisecond) before looking again: it never
/// spins on the CPU, and never waits for one future while another is ready.
/// Futures that finish within one such look may come out in index order.
///
/// The futures stay in the caller's vector, untouched (nothing calls `get()`); this object
/// keeps a reference to the vector, which must outlive it and keep its size.
/// Thread-safety: one thread uses an AsCompleted object; the futures may be fulfilled by
/// any thread.
///
/// \code
/// std::vector<std::future<std::string>> pages = ...;   // from pool.submit(download, url)
/// course::AsCompleted finished(pages);
/// while (finished.remaining() > 0) {
///     const std::size_t i = finished.next();
///     std::cout << urls[i] << ": " << pages[i].get() << '\n';
/// }
/// \endcode
template <class Future>
class AsCompleted {
public:
    /// \param futures the futures to watch, each valid(); none is handed out yet.
    explicit AsCompleted(const std::vector<Future>& futures) : futures_(futures) {
        pending_.reserve(futures.size());
        for (std::size_t i = 0; i < futures.size(); ++i) pending_.push_back(i);
    }

    /// \brief How many futures `next()` has not handed out yet.
    std::size_t remaining() const { return pending_.size(); }

    /// \brief Waits until one of the futures not handed out yet is done, and returns its
    /// index (each index once).
    /// \throws std::out_of_range when every future has been handed out (Python's
    ///         `StopIteration`).
    std::size_t next() {
        if (pending_.empty()) throw std::out_of_range("AsCompleted::next(): every future has been handed out");
        return *next_until(std::chrono::steady_clock::time_point::max());
    }

    /// \brief Like `next()`, but gives up after `timeout`: Python's
    /// `as_completed(fs, timeout)`, which raises `TimeoutError` instead.
    /// \returns the index, or `std::nullopt` when none finished in time.
    std::optional<std::size_t> next_for(std::chrono::steady_clock::duration timeout) {
        if (pending_.empty()) throw std::out_of_range("AsCompleted::next_for(): every future has been handed out");
        return next_until(std::chrono::steady_clock::now() + timeout);
    }

private:
    std::optional<std::size_t> next_until(std::chrono::steady_clock::time_point deadline) {
        using namespace std::chrono;
        microseconds slice(10);
        for (;;) {
            for (auto it = pending_.begin(); it != pending_.end(); ++it) {
                if (done(futures_[*it])) {
                    const std::size_t index = *it;
                    pending_.erase(it);
                    return index;
                }
            }
            const auto now = steady_clock::now();
            if (now >= deadline) return std::nullopt;
            // Nothing ready: sleep a slice inside a wait on the oldest pending future (it
            // wakes early if that one finishes), then look at all of them again.
            futures_[pending_.front()].wait_for(std::min<steady_clock::duration>(slice, deadline - now));
            slice = std::min(slice * 2, microseconds(1000));
        }
    }

    const std::vector<Future>& futures_;
    std::vector<std::size_t> pending_;  // indexes not handed out yet, in index order
};

/// \brief Every index of `futures`, in the order the futures finish; waits for all of
/// them. The whole of Python's `list(as_completed(fs))`, for when you want the order
/// rather than the stream.
template <class Future>
std::vector<std::size_t> as_completed(const std::vector<Future>& futures) {
    AsCompleted<Future> finished(futures);
    std::vector<std::size_t> order;
    order.reserve(futures.size());
    while (finished.remaining() > 0) order.push_back(finished.next());
    return order;
}

/// \brief When `wait()` returns, as in Python's `concurrent.futures.wait(fs, return_when=...)`.
enum class ReturnWhen {
    first_completed,  ///< `FIRST_COMPLETED`: as soon as one future is done
    first_exception,  ///< `FIRST_EXCEPTION`: as soon as one is done with an exception, or all are done
    all_completed,    ///< `ALL_COMPLETED`: when every future is done
};

/// \brief The result of `wait()`: the indexes of the futures done and not done, each in
/// index order (Python's `DoneAndNotDoneFutures` named tuple, with sets).
struct DoneAndNotDone {
    std::vector<std::size_t> done;
    std::vector<std::size_t> not_done;
};

/// \brief Waits until the condition `when` holds, or `timeout` has passed: Python's
/// `concurrent.futures.wait(fs, timeout, return_when)`.
///
/// Takes `std::shared_future`s because `first_exception` must look at a finished future's
/// exception without taking it away (`std::future::get()` works once; a
/// `shared_future`'s, like Python's `result()`, again and again). Get one with `share()`.
/// \param timeout how long to wait at most; `std::nullopt` (the default) waits as long as
///        it takes.
/// \returns which futures were done when it returned, and which not (the split is taken
///          at that instant, so `done` may hold more than one future).
///
/// \code
/// std::vector<std::shared_future<int>> fs = {pool.submit(a).share(), pool.submit(b).share()};
/// auto [finished, unfinished] = course::wait(fs, course::ReturnWhen::first_exception);
/// \endcode
template <class T>
DoneAndNotDone wait(const std::vector<std::shared_future<T>>& futures, ReturnWhen when,
                    std::optional<std::chrono::steady_clock::duration> timeout = std::nullopt) {
    using namespace std::chrono;
    const auto deadline = timeout ? steady_clock::now() + *timeout : steady_clock::time_point::max();
    auto failed = [](const std::shared_future<T>& future) {
        try {
            future.get();  // ready: returns at once, or rethrows the task's exception
            return false;
        } catch (...) {
            return true;
        }
    };
    microseconds slice(10);
    for (;;) {
        DoneAndNotDone split;
        bool any_failed = false;
        for (std::size_t i = 0; i < futures.size(); ++i) {
            if (done(futures[i])) {
                split.done.push_back(i);
                if (when == ReturnWhen::first_exception && !any_failed) any_failed = failed(futures[i]);
            } else {
                split.not_done.push_back(i);
            }
        }
        const bool satisfied = split.not_done.empty() ||
                               (when == ReturnWhen::first_completed && !split.done.empty()) ||
                               (when == ReturnWhen::first_exception && any_failed);
        const auto now = steady_clock::now();
        if (satisfied || now >= deadline) return split;
        futures[split.not_done.front()].wait_for(std::min<steady_clock::duration>(slice, deadline - now));
        slice = std::min(slice * 2, microseconds(1000));
    }
}

}  // namespace course
